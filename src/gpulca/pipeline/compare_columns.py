"""Site-only variants of a comparison translated column-wise (:mod:`gpulca.model.site_columns`).

A sweep over sites gives thousands of variants that share the base study's activity rows and
hardware and differ in their site. Grouped by what fixes their processes (grid zone's
electricity, cooling processes, datacenter infrastructure), each group's demand vectors are
worked out as arrays over its variants' PUE and WUE instead of a Python object per variant: the
same amounts, float for float, as translating each alone (the tests compare the score arrays).
Its warnings are each variant's own, worked out once per group of variants whose demand vectors
hold the same processes in the same order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gpulca.model.site_columns import SiteColumns, site_columns
from gpulca.model.translate import RowQuantities
from gpulca.study.variants import VariantStudy

MIN_GROUP = 8
"""Fewer variants of one group than this are translated one by one."""


@dataclass
class ColumnGroup:
    """Variants translated together: their names (in comparison order) and their demands."""

    names: list[str]
    columns: SiteColumns
    phases: list[str]


def column_groups(variants: VariantStudy,
                  quantities: Callable[[str], list[RowQuantities]]) -> list[ColumnGroup]:
    """The groups of site-only variants (see the module), each of at least :data:`MIN_GROUP`;
    ``quantities`` translates one variant's rows (for one member of each group)."""
    base = variants.base.study
    if base.study.extra_energy or base.extra_energy_kwh:
        return []
    groups: dict[tuple[object, ...], list[str]] = {}
    for name, variant in variants.variants.items():
        study = variant.study
        if name == variants.base.name or study.hardware is not base.hardware or \
                study.activity is not base.activity or study.phases is not base.phases or \
                study.study.extra_energy or study.extra_energy_kwh or \
                study.study.hardware.accelerator != base.study.hardware.accelerator:
            continue
        site = study.site
        key = (site.electricity_process, site.cooling_evaporation_process,
               site.cooling_return_process, site.infrastructure)
        groups.setdefault(key, []).append(name)
    found = []
    for names in groups.values():
        if len(names) < MIN_GROUP:
            continue
        rows = quantities(names[0])
        sites = [variants.variants[n].study.site for n in names]
        columns = site_columns(rows, np.array([s.pue for s in sites], dtype=float),
                               np.array([s.wue_l_per_kwh for s in sites], dtype=float),
                               np.array([s.wue_withdrawal_l_per_kwh for s in sites],
                                        dtype=float))
        found.append(ColumnGroup(names, columns, list(dict.fromkeys(r.phase for r in rows))))
    return found


def group_codes(group: ColumnGroup) -> set[str]:
    """The processes any variant of the group demands."""
    return {code for stages in group.columns.present.values() for marks in stages.values()
            for code, mark in marks.items() if bool(mark.any())}


def demand_classes(group: ColumnGroup) -> np.ndarray:
    """Per variant of the group, a class number: variants of one class have demand vectors
    with the same processes, in the same order, with the same non-zero totals."""
    bits = list(group.columns.calls)
    bits += [np.asarray(amount) != 0.0 for stages in group.columns.amounts.values()
             for demand in stages.values() for amount in demand.values()]
    if not bits:
        return np.zeros(len(group.names), dtype=int)
    matrix = np.stack([np.broadcast_to(b, (len(group.names),)) for b in bits], axis=1)
    _, classes = np.unique(matrix, axis=0, return_inverse=True)
    return np.asarray(classes).reshape(-1)


def fill_rows(demand: np.ndarray, index: dict[str, int], group: ColumnGroup,
              first_rows: np.ndarray, stages: tuple[str, ...]) -> None:
    """Add the group's demand vectors into ``demand`` (rows x processes of ``index``): the
    variant ``v`` of the group at rows ``first_rows[v]`` + phase x len(stages) + stage."""
    for p, phase in enumerate(group.phases):
        for s, stage in enumerate(stages):
            present = group.columns.present[phase][stage]
            for code, amount in group.columns.amounts[phase][stage].items():
                if not bool(present[code].any()):
                    continue  # in no variant's demand (as group_codes): not solved for
                values = np.where(present[code], amount, 0.0)
                demand[first_rows + p * len(stages) + s, index[code]] += values
