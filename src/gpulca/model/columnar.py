"""The translator on columns: every quantity of every activity row as one numpy array each.

:func:`table_quantities` computes, for an :class:`~gpulca.schemas.activity_table.ActivityTable`,
the same quantities as :func:`gpulca.model.translate.row_quantities` row by row, with the same
arithmetic in the same order (so the same float64 numbers): one array per field of
:class:`~gpulca.model.translate.RowQuantities`. A row with a measured energy or power (a few, in
practice) is translated by :func:`~gpulca.model.translate.row_quantities` itself.

:func:`grouped_quantities` sums the rows of each (phase, accelerator, kind of row) into one
:class:`RowQuantities`: the quantities are sums over rows, so the phase demands
(:func:`gpulca.model.translate.phase_demands`) and the operation model
(:func:`gpulca.model.operation.operation_model`) of the groups equal those of the rows (to
floating-point rounding), while the work after translation no longer grows with the rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gpulca.core.units import cached_magnitude
from gpulca.model.translate import (
    HardwareParameters,
    RowQuantities,
    SiteParameters,
    extra_energy_quantities,
    row_quantities,
)
from gpulca.schemas.activity_table import ActivityTable, FloatArray

FIELDS = tuple(f.name for f in dataclasses.fields(RowQuantities))
"""Every field of :class:`RowQuantities`, in order (the audit trail's columns)."""
TEXT_FIELDS = tuple(f.name for f in dataclasses.fields(RowQuantities)
                    if f.type in ("str", "str | None"))
BOOL_FIELDS = ("it_energy_measured",)
NUMBER_FIELDS = tuple(f for f in FIELDS if f not in TEXT_FIELDS and f not in BOOL_FIELDS)
SUMMED_FIELDS = ("gpu_hours", "node_hours", "it_energy_kwh", "facility_energy_kwh",
                 "cooling_water_evaporated_m3", "cooling_water_returned_m3", "gpu_units",
                 "server_units", "measured_gpu_hours", "measured_it_energy_kwh",
                 "network_units", "network_it_energy_kwh", "storage_units",
                 "storage_it_energy_kwh", "rack_units", "building_it_energy_kwh")
"""The quantities that add up over rows (the others are the same for a group's rows)."""

MODELLED, OWN_LOAD, OWN_POWER, MEASURED, EXTRA = range(5)
"""Kinds of rows: as the hardware models them, with their own GPU load, with a measured power,
with a measured energy, energy outside GPU-hours (``extra_energy``)."""


@dataclass(frozen=True, eq=False)
class QuantityColumns:
    """Every quantity of every row (module docstring): texts as (codes, distinct values), -1 for
    None; numbers float64; ``it_energy_measured`` bool."""

    codes: dict[str, npt.NDArray[np.int32]]
    values: dict[str, tuple[str, ...]]
    numbers: dict[str, FloatArray]
    measured: npt.NDArray[np.bool_]
    phase: npt.NDArray[np.int32]
    """Phase code of each row (into ``values["phase"]``)."""
    hardware: npt.NDArray[np.int32]
    """Index of each row's declared hardware in ``hardware_list`` (-1: extra energy)."""
    kind: npt.NDArray[np.int8]
    hardware_list: tuple[HardwareParameters, ...]

    def __len__(self) -> int:
        return len(self.measured)

    def texts(self, name: str) -> npt.NDArray[np.object_]:
        """A text column as an object array (None where missing)."""
        lookup = np.array([*self.values[name], None], dtype=object)
        return lookup[self.codes[name]]

    def row(self, index: int) -> RowQuantities:
        """Row ``index`` as a :class:`RowQuantities`."""
        values: dict[str, object] = {}
        for name in TEXT_FIELDS:
            code = int(self.codes[name][index])
            values[name] = None if code < 0 else self.values[name][code]
        for name in NUMBER_FIELDS:
            values[name] = float(self.numbers[name][index])
        values["it_energy_measured"] = bool(self.measured[index])
        return RowQuantities(**values)  # type: ignore[arg-type]


def _row_kinds(table: ActivityTable) -> npt.NDArray[np.int8]:
    kind = np.full(len(table), MODELLED, dtype=np.int8)
    kind[~np.isnan(table.gpu_load)] = OWN_LOAD
    kind[~np.isnan(table.it_power_w)] = OWN_POWER
    kind[~np.isnan(table.it_energy_kwh)] = MEASURED
    return kind


def _modelled(table: ActivityTable, index: npt.NDArray[np.int32],
              hardware: Sequence[HardwareParameters], site: SiteParameters
              ) -> dict[str, FloatArray]:
    """:func:`row_quantities` of rows without a measured energy or power, vectorised: each
    operation as in the scalar function, in the same order."""
    def per(attribute: str) -> FloatArray | np.float64:
        values = np.array([float(getattr(h, attribute)) for h in hardware])
        if (values == values[0]).all():  # the same for every card: one number, not a column
            return values[0]  # type: ignore[no-any-return]
        return values[index]

    # rows that all give their GPU-hours: those, shared (total_gpu_hours would copy them)
    gpu_hours = table.gpu_hours if not np.isnan(table.gpu_hours).any() else \
        table.total_gpu_hours
    load = np.where(np.isnan(table.gpu_load), per("gpu_load"), table.gpu_load)
    gpus = per("gpus_per_node")
    life = per("lifetime_h") * per("utilisation")
    power_kw = (per("gpu_power_w") * load + per("node_overhead_w") / gpus) / 1000.0
    energy = gpu_hours * power_kw
    infra = site.infrastructure
    amortised = gpu_hours / life
    zero = _constant(len(table), 0.0)
    network = gpu_hours * infra.network_power_per_gpu_w / 1000.0 if infra.network_process \
        else zero
    storage = gpu_hours * infra.storage_power_per_gpu_w / 1000.0 if infra.storage_process \
        else zero
    has_server = np.array([h.server_process is not None for h in hardware], dtype=bool)
    servers = has_server[0] if (has_server == has_server[0]).all() else has_server[index]
    return {
        "gpu_hours": gpu_hours, "node_hours": gpu_hours / gpus, "it_power_per_gpu_kw": power_kw,
        "it_energy_kwh": energy, "facility_energy_kwh": energy * site.pue,
        "cooling_water_evaporated_m3": energy * site.wue_l_per_kwh / 1000.0,
        "cooling_water_returned_m3":
            energy * max(site.wue_withdrawal_l_per_kwh - site.wue_l_per_kwh, 0.0) / 1000.0,
        "gpu_units": amortised, "server_units": np.where(servers, gpu_hours / gpus / life, 0.0),
        "measured_gpu_hours": zero, "measured_it_energy_kwh": zero,
        "network_units": amortised if infra.network_process else zero,
        "network_it_energy_kwh": network,
        "storage_units": amortised if infra.storage_process else zero,
        "storage_it_energy_kwh": storage,
        "rack_units": amortised if infra.rack_process else zero,
        "building_it_energy_kwh": energy + network + storage if infra.building_process else zero,
        "pue": _constant(len(table), site.pue),
        "wue_l_per_kwh": _constant(len(table), site.wue_l_per_kwh),
        "wue_withdrawal_l_per_kwh": _constant(len(table), site.wue_withdrawal_l_per_kwh),
    }


def _constant(n: int, value: float) -> FloatArray:
    """``n`` times ``value``, as a read-only view of one number (no memory per row)."""
    return np.broadcast_to(np.float64(value), (n,))


def table_quantities(table: ActivityTable, hardware: Mapping[str, HardwareParameters],
                     default_accelerator: str, site: SiteParameters,
                     extra: Sequence[tuple[str, float, str]] = ()) -> QuantityColumns:
    """Every quantity of every row of ``table`` and of the extra-energy entries ``extra``
    ((phase, kWh, scope) each), in that order: the rows of
    :func:`gpulca.pipeline.run.activity_quantities` as columns.

    ``hardware`` is the study's resolved hardware by accelerator id; a row without accelerator
    runs on ``default_accelerator``.
    """
    accelerators = [*table.accelerator.values, default_accelerator]
    listed = list(dict.fromkeys(accelerators))
    hardware_list = tuple(hardware[a] for a in listed)
    position = np.array([listed.index(a) for a in accelerators], dtype=np.int32)
    index = position[table.accelerator.codes]  # code -1 takes the last: the default
    numbers = _modelled(table, index, hardware_list, site)
    kind = _row_kinds(table)
    special = np.flatnonzero(kind >= OWN_POWER)
    n_rows, n_extra = len(table), len(extra)
    if n_extra or len(special):  # values to set: every array its own (some are shared)
        numbers = {name: np.concatenate([numbers[name], np.zeros(n_extra)]) for name in numbers}
    measured = np.zeros(n_rows + n_extra, dtype=bool)
    loaded: dict[tuple[int, float], HardwareParameters] = {}
    exceptions: list[tuple[int, RowQuantities]] = []
    for i in special.tolist():
        row = table.row(i)
        card = hardware_list[index[i]]
        if row.gpu_load is not None:  # kept as the per-row translator does (a schema refuses it)
            card = loaded.setdefault((int(index[i]), row.gpu_load),
                                     dataclasses.replace(card, gpu_load=row.gpu_load))
        power = (cached_magnitude(row.it_power, "kW") / float(row.gpu_count or 1)
                 if row.it_power else None)
        exceptions.append((i, row_quantities(
            row.phase, row.total_gpu_hours, card, site,
            None if np.isnan(table.it_energy_kwh[i]) else float(table.it_energy_kwh[i]),
            row.model, row.component, power, row.it_energy_scope, row.it_energy_gpu_hours)))
    for offset, (phase, kwh, scope) in enumerate(extra):
        exceptions.append((n_rows + offset, extra_energy_quantities(phase, kwh, scope, site)))
    for i, quantities in exceptions:
        for name in NUMBER_FIELDS:
            numbers[name][i] = getattr(quantities, name)
        measured[i] = quantities.it_energy_measured
    codes, values = _texts(table, index, hardware_list, site, [p for p, _, _ in extra])
    hardware_index = _extended(index, np.full(n_extra, -1, dtype=np.int32))
    kinds = np.concatenate([kind, np.full(n_extra, EXTRA, dtype=np.int8)])
    return QuantityColumns(codes, values, numbers, measured, codes["phase"], hardware_index,
                           kinds, hardware_list)


def _texts(table: ActivityTable, index: npt.NDArray[np.int32],
           hardware: Sequence[HardwareParameters], site: SiteParameters,
           extra_phases: Sequence[str]
           ) -> tuple[dict[str, npt.NDArray[np.int32]], dict[str, tuple[str, ...]]]:
    """The text columns: the row's own (phase, model, component), its hardware's and the
    site's processes; an extra-energy entry has no hardware nor equipment."""
    n_extra = len(extra_phases)
    codes: dict[str, npt.NDArray[np.int32]] = {}
    values: dict[str, tuple[str, ...]] = {}
    phase = table.phase
    extra_codes = []
    phase_values = list(phase.values)
    for name in extra_phases:
        if name not in phase_values:
            phase_values.append(name)
        extra_codes.append(phase_values.index(name))
    codes["phase"] = _extended(phase.codes, np.array(extra_codes, dtype=np.int32))
    values["phase"] = tuple(phase_values)
    for name in ("model", "component"):
        column = getattr(table, name)
        codes[name] = _extended(column.codes, np.full(n_extra, -1, dtype=np.int32))
        values[name] = column.values
    infra = site.infrastructure
    for name, per_card in (("accelerator", [h.accelerator for h in hardware]),
                           ("gpu_process", [h.gpu_process for h in hardware]),
                           ("server_process", [h.server_process for h in hardware])):
        distinct = [v for v in dict.fromkeys(per_card) if v is not None]
        lookup = np.array([distinct.index(v) if v is not None else -1 for v in per_card],
                          dtype=np.int32)
        if (lookup == lookup[0]).all():  # one value for every row: one number
            per_row = np.broadcast_to(lookup[0], (len(table),))
        elif (lookup == np.arange(len(lookup))).all():  # the cards' own order: their index
            per_row = index
        else:
            per_row = lookup[index]
        codes[name] = _extended(per_row, np.full(n_extra, -1, dtype=np.int32))
        values[name] = tuple(distinct)
    for name, value, for_extra in (
            ("electricity_process", site.electricity_process, True),
            ("cooling_evaporation_process", site.cooling_evaporation_process, True),
            ("cooling_return_process", site.cooling_return_process, True),
            ("network_process", infra.network_process, False),
            ("storage_process", infra.storage_process, False),
            ("rack_process", infra.rack_process, False),
            ("building_process", infra.building_process, True)):
        code = 0 if value is not None else -1
        if for_extra or code < 0 or not n_extra:  # one code for every row: one number
            codes[name] = np.broadcast_to(np.int32(code), (len(table) + n_extra,))
        else:
            codes[name] = np.concatenate([np.full(len(table), code, dtype=np.int32),
                                          np.full(n_extra, -1, dtype=np.int32)])
        values[name] = (value,) if value is not None else ()
    return codes, values


def _extended(codes: npt.NDArray[np.int32], extra: npt.NDArray[np.int32]
              ) -> npt.NDArray[np.int32]:
    """``codes`` followed by ``extra``: ``codes`` itself (shared, not copied) when ``extra``
    is empty (the codes are read, never written)."""
    return codes if not len(extra) else np.concatenate([codes, extra]).astype(np.int32)


def grouped_quantities(columns: QuantityColumns
                       ) -> tuple[list[RowQuantities], list[HardwareParameters | None]]:
    """One :class:`RowQuantities` per (phase, declared hardware, kind of row), in the order of
    their first row, the summed quantities summed (module docstring); and the declared hardware
    of each (None for extra energy), as :func:`gpulca.model.operation.operation_model` takes
    them."""
    n = len(columns)
    if n == 0:
        return [], []
    n_hardware = len(columns.hardware_list) + 1
    key = (columns.phase.astype(np.int64) * n_hardware + columns.hardware + 1) * 8 + \
        columns.kind
    distinct, first, inverse = _groups(key)
    order = np.argsort(first, kind="stable")
    sums = {name: np.bincount(inverse, weights=columns.numbers[name], minlength=len(distinct))
            for name in SUMMED_FIELDS}
    groups: list[RowQuantities] = []
    cards: list[HardwareParameters | None] = []
    for group in order.tolist():
        representative = columns.row(int(first[group]))
        update: dict[str, object] = {name: float(sums[name][group]) for name in SUMMED_FIELDS}
        update.update(model=None, component=None)
        groups.append(dataclasses.replace(representative, **update))  # type: ignore[arg-type]
        card = int(columns.hardware[first[group]])
        cards.append(None if card < 0 else columns.hardware_list[card])
    return groups, cards


def _groups(key: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64],
                                                  npt.NDArray[np.int64]]:
    """``np.unique(key, return_index=True, return_inverse=True)`` of non-negative keys: the
    distinct keys (sorted), the first row of each and each row's group. Keys of a small range
    (the groups of :func:`grouped_quantities`: phases x hardware x kinds) are counted instead of
    sorted (a million rows: 10 ms instead of 80)."""
    size = int(key.max()) + 1
    if size > max(len(key), 1 << 16):  # a wide range: sorting costs less than counting
        distinct, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        return distinct, first.astype(np.int64), inverse.astype(np.int64).reshape(-1)
    distinct = np.flatnonzero(np.bincount(key, minlength=size)).astype(np.int64)
    dense = np.full(size, -1, dtype=np.int64)
    dense[distinct] = np.arange(len(distinct))
    inverse = dense[key]
    first = np.full(len(distinct), len(key), dtype=np.int64)
    np.minimum.at(first, inverse, np.arange(len(key), dtype=np.int64))
    return distinct, first, inverse
