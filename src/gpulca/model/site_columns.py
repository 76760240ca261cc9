"""Demand vectors of many sites at once: one activity translated for arrays of PUE and WUE.

Variants that differ from one study in their site's PUE, WUE and withdrawal WUE only (the same
rows, hardware, grid zone, cooling processes and datacenter infrastructure: a sweep's points of
one zone) have the same quantities but for those that scale with the site's factors. Here they
are worked out as arrays, one value per site, with the per-row translator's arithmetic in the
same order (:func:`gpulca.model.translate.row_quantities`, :func:`stage_demands` and
:func:`phase_demands`, zero amounts left out at each step as ``_add`` does), so each site's
amounts are those of translating it alone, float for float; ``present`` tells which process of
which stage a site's own demand vector holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from gpulca.core.vocabulary import STAGES
from gpulca.model.translate import RowQuantities

Amount = np.ndarray | float
"""An amount per site [the process's unit], or one for every site."""


@dataclass
class SiteColumns:
    """Per phase and stage, each process's amount for every site, and where it is present
    (the process is in that site's own demand vector), in first-added order."""

    sites: int
    amounts: dict[str, dict[str, dict[str, np.ndarray]]] = field(default_factory=dict)
    present: dict[str, dict[str, dict[str, np.ndarray]]] = field(default_factory=dict)
    calls: list[np.ndarray] = field(default_factory=list)
    """Each addition's "not zero" per site, in order: two sites with the same calls and the
    same non-zero totals have demand vectors with the same processes in the same order."""


def _returned(it_energy: float, wue: np.ndarray, withdrawal: np.ndarray) -> np.ndarray:
    """:func:`~gpulca.model.translate.cooling_water_returned_m3` per site (``max(d, 0.0)``
    as Python computes it: ``d`` unless ``0.0 > d``)."""
    beyond = withdrawal - wue
    result: np.ndarray = it_energy * np.where(0.0 > beyond, 0.0, beyond) / 1000.0
    return result


class _Adder:
    def __init__(self, columns: SiteColumns) -> None:
        self.columns = columns

    def add(self, demand: dict[str, np.ndarray], present: dict[str, np.ndarray], code: str | None,
            amount: Amount) -> None:
        """``_add`` of :mod:`gpulca.model.translate` per site: skip a zero amount."""
        if code is None:
            return
        nonzero = np.broadcast_to(np.asarray(amount) != 0.0, (self.columns.sites,))
        self.columns.calls.append(nonzero)
        previous = demand.get(code, 0.0)
        demand[code] = np.where(nonzero, np.asarray(previous) + amount, previous)
        present[code] = present.get(code, np.zeros(self.columns.sites, dtype=bool)) | nonzero


def site_columns(rows: Sequence[RowQuantities], pue: np.ndarray, wue: np.ndarray,
                 withdrawal: np.ndarray) -> SiteColumns:
    """The phase demands of ``rows`` (translated for one of the sites: their site-independent
    quantities hold for all) at every site of ``pue``, ``wue`` and ``withdrawal`` [L/kWh].

    Only for activity rows (:func:`~gpulca.model.translate.row_quantities`), not the quantities
    of extra energy entries."""
    columns = SiteColumns(len(pue))
    adder = _Adder(columns)
    for row in rows:
        stages, marks = _row_stages(adder, row, pue, wue, withdrawal)
        phase = columns.amounts.setdefault(row.phase, {stage: {} for stage in STAGES})
        present = columns.present.setdefault(row.phase, {stage: {} for stage in STAGES})
        for stage in STAGES:
            for code, amount in stages[stage].items():
                # a site whose row lacks the process adds nothing (its amount here is 0)
                adder.add(phase[stage], present[stage], code,
                          np.where(marks[stage][code], amount, 0.0))
    return columns


def _row_stages(adder: _Adder, row: RowQuantities, pue: np.ndarray, wue: np.ndarray,
                withdrawal: np.ndarray
                ) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, dict[str, np.ndarray]]]:
    """:func:`~gpulca.model.translate.stage_demands` of one row at every site: each stage's
    amounts, and where each process is present."""
    energy = row.it_energy_kwh
    stages: dict[str, dict[str, np.ndarray]] = {stage: {} for stage in STAGES}
    marks: dict[str, dict[str, np.ndarray]] = {stage: {} for stage in STAGES}

    def add(stage: str, code: str | None, amount: Amount) -> None:
        adder.add(stages[stage], marks[stage], code, amount)

    add("gpu_manufacturing", row.gpu_process, row.gpu_units)
    add("server_manufacturing", row.server_process, row.server_units)
    add("electricity", row.electricity_process, energy * pue)
    add("cooling_water", row.cooling_evaporation_process, energy * wue / 1000.0)
    add("cooling_water", row.cooling_return_process, _returned(energy, wue, withdrawal))
    for stage, process, units, kwh in (
            ("network", row.network_process, row.network_units, row.network_it_energy_kwh),
            ("storage", row.storage_process, row.storage_units, row.storage_it_energy_kwh)):
        if process is None:
            continue
        add(stage, process, units)
        add(stage, row.electricity_process, kwh * pue)
        add(stage, row.cooling_evaporation_process, kwh * wue / 1000.0)
        add(stage, row.cooling_return_process, _returned(kwh, wue, withdrawal))
    add("building", row.rack_process, row.rack_units)
    add("building", row.building_process, row.building_it_energy_kwh)
    return stages, marks
