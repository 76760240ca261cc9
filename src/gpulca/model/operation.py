"""Server operation as inventory processes: one GPU-hour of an (accelerator, host, site).

:mod:`gpulca.model.translate` computes every quantity of an activity row; this module states the
same model as processes that Brightway stores, so that the database alone reproduces a study
from a demand of GPU-hours:

- ``gpu_hour|...``: **one GPU-hour of operation** of an accelerator in its host at a site. Its
  exchanges, per GPU-hour: the facility electricity of the site's grid zone (IT power per GPU
  [kW] x 1 h x PUE), the cooling water evaporated (IT kWh x WUE / 1000) and withdrawn and returned
  (IT kWh x (withdrawal WUE - WUE) / 1000), the amortised GPU card (1 / (lifetime [h] x
  utilisation)) and the amortised host (that / GPUs per node). Each exchange keeps its life-cycle
  stage, the formula with the values it was computed from, and the sources of those values.
- ``it_energy|...``: **one kWh of IT energy at the site** (facility electricity = PUE kWh,
  cooling water): what a measured energy, or any other difference between a row and the
  modelled GPU-hour, is expressed in.

A phase's demand (:class:`OperationModel`) is GPU-hours of the ``gpu_hour`` processes plus,
stated separately, **corrections**: for each row, whatever its quantities
(:class:`~gpulca.model.translate.RowQuantities`, which a measured energy, a measured power, a
row's own GPU load or any hook of the translator may have changed) differ from GPU-hours x the
process, and the extra-energy entries. A correction that is an IT-energy difference at the site
is a demand of the ``it_energy`` process; anything else is a demand of library processes
directly, by stage. The stage breakdown of a phase (:meth:`OperationModel.stage_demands`) is the
processes' exchanges by stage times their demand, plus the corrections by stage: it equals
:func:`gpulca.model.translate.phase_demands` of the same rows (tests/test_operation.py).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from gpulca.core.vocabulary import STAGES
from gpulca.model.translate import (
    Demand,
    HardwareParameters,
    RowQuantities,
    SiteParameters,
    it_power_per_gpu_kw,
    stage_demands,
)

GPU_HOUR = "gpu_hour"
IT_ENERGY = "it_energy"
CODE_SEPARATOR = "|"
"""Codes of operation processes contain it; library codes never do (schemas/inventory.py)."""
RELATIVE_NOISE = 1e-12
"""A row's difference from the modelled GPU-hour smaller than this, relative to the amounts, is
floating-point rounding, not a correction."""


@dataclass(frozen=True)
class OperationExchange:
    """One input of an operation process, per unit of the process."""

    input: str
    """Code of the library process (inventory database)."""
    amount: float
    unit: str
    stage: str
    formula: str
    """The formula with the values it was computed from, e.g. ``0.682 kW x 1 h x PUE 1.56``."""
    source: str
    """Where the values come from: the study or library file and line of each parameter."""


@dataclass(frozen=True)
class OperationProcess:
    """A process gpulca writes into the operation database of a study."""

    code: str
    name: str
    unit: str
    reference_product: str
    location: str
    kind: str
    """:data:`GPU_HOUR` or :data:`IT_ENERGY`."""
    exchanges: tuple[OperationExchange, ...]
    parameters: tuple[tuple[str, float | str], ...] = ()
    """The resolved values the exchanges were computed from (for the database's metadata)."""

    def activity_data(self) -> dict[str, object]:
        """The process as plain data for the Brightway writer (:mod:`gpulca.engine.database`):
        exchanges name their input by library code and keep stage, formula and source."""
        return {
            "name": self.name, "unit": self.unit, "location": self.location,
            "reference product": self.reference_product, "gpulca_kind": self.kind,
            "gpulca_parameters": dict(self.parameters),
            "exchanges": [{"input": e.input, "amount": e.amount, "unit": e.unit,
                           "gpulca_stage": e.stage, "gpulca_formula": e.formula,
                           "gpulca_source": e.source} for e in self.exchanges]}

    def per_stage(self, amount: float) -> dict[str, Demand]:
        """The library demand of ``amount`` units of this process, by stage."""
        stages: dict[str, Demand] = {}
        for exchange in self.exchanges:
            demand = stages.setdefault(exchange.stage, {})
            demand[exchange.input] = demand.get(exchange.input, 0.0) + amount * exchange.amount
        return stages


def _source(sources: Mapping[str, str], *keys: str) -> str:
    found = [f"{key}: {sources[key]}" for key in keys if key in sources]
    return "; ".join(found) if found else "resolved study values (see the Assumptions sheet)"


def _digest(*values: object) -> str:
    return hashlib.sha256(repr(values).encode()).hexdigest()[:10]


def _water_exchanges(site: SiteParameters, it_kwh: float, it_text: str,
                     sources: Mapping[str, str]) -> list[OperationExchange]:
    evaporated = it_kwh * site.wue_l_per_kwh / 1000.0
    returned = it_kwh * max(site.wue_withdrawal_l_per_kwh - site.wue_l_per_kwh, 0.0) / 1000.0
    out = []
    if evaporated:
        out.append(OperationExchange(
            site.cooling_evaporation_process, evaporated, "cubic meter", "cooling_water",
            f"{it_text} x WUE {site.wue_l_per_kwh:g} L/kWh / 1000",
            _source(sources, "site.wue")))
    if returned:
        out.append(OperationExchange(
            site.cooling_return_process, returned, "cubic meter", "cooling_water",
            f"{it_text} x (withdrawal WUE {site.wue_withdrawal_l_per_kwh:g} - WUE "
            f"{site.wue_l_per_kwh:g}) L/kWh / 1000", _source(sources, "site.wue_withdrawal",
                                                             "site.wue")))
    return out


def it_energy_process(site: SiteParameters, sources: Mapping[str, str] | None = None
                      ) -> OperationProcess:
    """One kWh of IT energy at ``site``: facility electricity (PUE) and cooling water."""
    sources = sources or {}
    exchanges = [OperationExchange(
        site.electricity_process, site.pue, "kilowatt hour", "electricity",
        f"1 kWh IT x PUE {site.pue:g}", _source(sources, "site.pue", "site.grid_zone"))]
    exchanges += _water_exchanges(site, 1.0, "1 kWh IT", sources)
    if site.infrastructure.building_process:
        exchanges.append(OperationExchange(
            site.infrastructure.building_process, 1.0, "kilowatt hour", "building",
            "1 kWh IT x the building's share per kWh of IT energy",
            _source(sources, "infrastructure.building")))
    code = CODE_SEPARATOR.join((IT_ENERGY, site.grid_zone or "no-zone", _digest(site)))
    return OperationProcess(
        code=code, name=f"IT energy at the site, grid zone {site.grid_zone} (PUE {site.pue:g})",
        unit="kilowatt hour", reference_product="IT energy at the site", location=site.grid_zone,
        kind=IT_ENERGY, exchanges=tuple(exchanges),
        parameters=(("pue", site.pue), ("wue_l_per_kwh", site.wue_l_per_kwh),
                    ("wue_withdrawal_l_per_kwh", site.wue_withdrawal_l_per_kwh),
                    ("grid_zone", site.grid_zone)))


def _infrastructure_exchanges(site: SiteParameters, power_kw: float, hours: float,
                              life_text: str, sources: Mapping[str, str]
                              ) -> list[OperationExchange]:
    """Per GPU-hour: network and storage shares (amortised like the GPU) with their operating
    energy, racks, and the building's share of all the IT energy."""
    infra = site.infrastructure
    life_sources = _source(sources, "hardware.lifetime", "hardware.utilisation")
    out: list[OperationExchange] = []
    it_kwh = power_kw
    for stage, process, power_w in (("network", infra.network_process,
                                     infra.network_power_per_gpu_w),
                                    ("storage", infra.storage_process,
                                     infra.storage_power_per_gpu_w)):
        if process is None:
            continue
        out.append(OperationExchange(process, 1.0 / hours, "unit", stage,
                                     f"1 h / {life_text}", life_sources))
        kwh = power_w / 1000.0
        it_kwh += kwh
        text = f"{stage} power {power_w:g} W per GPU x 1 h / 1000"
        out.append(OperationExchange(
            site.electricity_process, kwh * site.pue, "kilowatt hour", stage,
            f"{text} x PUE {site.pue:g}",
            _source(sources, f"infrastructure.{stage}_power", "site.pue", "site.grid_zone")))
        out += [OperationExchange(e.input, e.amount, e.unit, stage, e.formula, e.source)
                for e in _water_exchanges(site, kwh, text, sources)]
    if infra.rack_process:
        out.append(OperationExchange(infra.rack_process, 1.0 / hours, "unit", "building",
                                     f"1 h / {life_text}", life_sources))
    if infra.building_process:
        out.append(OperationExchange(
            infra.building_process, it_kwh, "kilowatt hour", "building",
            f"IT energy of the GPU-hour, network and storage = {it_kwh:.6g} kWh",
            _source(sources, "infrastructure.building")))
    return out


def gpu_hour_process(hardware: HardwareParameters, site: SiteParameters,
                     sources: Mapping[str, str] | None = None) -> OperationProcess:
    """One GPU-hour of operation of ``hardware`` at ``site`` (see the module docstring)."""
    sources = sources or {}
    prefix = f"hardware[{hardware.accelerator}]"
    power_kw = it_power_per_gpu_kw(hardware.gpu_power_w, hardware.gpu_load,
                                   hardware.node_overhead_w, hardware.gpus_per_node)
    power_text = (f"IT power ({hardware.gpu_power_w:g} W x load {hardware.gpu_load:g} + "
                  f"{hardware.node_overhead_w:g} W / {hardware.gpus_per_node} GPUs) / 1000 = "
                  f"{power_kw:.6g} kW x 1 h")
    power_sources = (f"{prefix}.gpu_power", f"{prefix}.gpu_load",
                     f"{prefix}.node_overhead_power")
    exchanges = [OperationExchange(
        site.electricity_process, power_kw * site.pue, "kilowatt hour", "electricity",
        f"{power_text} x PUE {site.pue:g}",
        _source(sources, *power_sources, "site.pue", "site.grid_zone"))]
    exchanges += _water_exchanges(site, power_kw, power_text, sources)
    hours = hardware.lifetime_h * hardware.utilisation
    life_text = f"(lifetime {hardware.lifetime_h:g} h x utilisation {hardware.utilisation:g})"
    life_sources = _source(sources, "hardware.lifetime", "hardware.utilisation")
    exchanges.append(OperationExchange(
        hardware.gpu_process, 1.0 / hours, "unit", "gpu_manufacturing", f"1 h / {life_text}",
        life_sources))
    if hardware.server_process:
        exchanges.append(OperationExchange(
            hardware.server_process, 1.0 / hardware.gpus_per_node / hours, "unit",
            "server_manufacturing", f"1 h / {hardware.gpus_per_node} GPUs per node / "
            f"{life_text}", life_sources))
    exchanges += _infrastructure_exchanges(site, power_kw, hours, life_text, sources)
    host = hardware.server_process or "no host"
    code = CODE_SEPARATOR.join((GPU_HOUR, hardware.accelerator, site.grid_zone or "no-zone",
                                _digest(hardware, site)))
    return OperationProcess(
        code=code, name=f"one GPU-hour of operation, {hardware.accelerator} ({host}), grid zone "
                        f"{site.grid_zone} (PUE {site.pue:g})",
        unit="hour", reference_product="GPU-hour of operation", location=site.grid_zone,
        kind=GPU_HOUR, exchanges=tuple(exchanges),
        parameters=(("it_power_per_gpu_kw", power_kw), ("gpu_power_w", hardware.gpu_power_w),
                    ("gpu_load", hardware.gpu_load),
                    ("node_overhead_w", hardware.node_overhead_w),
                    ("gpus_per_node", hardware.gpus_per_node),
                    ("lifetime_h", hardware.lifetime_h),
                    ("utilisation", hardware.utilisation), ("pue", site.pue),
                    ("wue_l_per_kwh", site.wue_l_per_kwh),
                    ("wue_withdrawal_l_per_kwh", site.wue_withdrawal_l_per_kwh),
                    ("grid_zone", site.grid_zone)))


@dataclass(frozen=True)
class Correction:
    """A stated difference between a row and GPU-hours x the modelled process."""

    phase: str
    reason: str
    process: str
    """An operation process code (``it_energy``) or a library process code."""
    stage: str | None
    """The stage of a library process demanded directly; None for an operation process."""
    amount: float
    unit: str


@dataclass
class OperationModel:
    """The operation processes a study uses and each phase's demand of them."""

    processes: dict[str, OperationProcess] = field(default_factory=dict)
    gpu_hours: dict[str, Demand] = field(default_factory=dict)
    """By phase: GPU-hours by ``gpu_hour`` process code."""
    corrections: list[Correction] = field(default_factory=list)
    phases: list[str] = field(default_factory=list)
    """Every phase, in the order of the rows."""

    def phase_demands(self) -> dict[str, Demand]:
        """By phase: the whole demand (operation processes and library processes demanded
        directly by a correction), as solved in the operation database."""
        out: dict[str, Demand] = {phase: dict(demand) for phase, demand in
                                  self.gpu_hours.items()}
        for correction in self.corrections:
            demand = out.setdefault(correction.phase, {})
            demand[correction.process] = demand.get(correction.process, 0.0) + correction.amount
        return out

    def stage_demands(self) -> dict[str, dict[str, Demand]]:
        """By phase and stage: the library demand, from the processes' exchanges (and the
        corrections that demand library processes directly)."""
        result: dict[str, dict[str, Demand]] = {
            phase: {stage: {} for stage in STAGES} for phase in self.phases}
        parts: list[tuple[str, dict[str, Demand]]] = [
            (phase, self.processes[code].per_stage(amount))
            for phase, demand in self.gpu_hours.items() for code, amount in demand.items()]
        for c in self.corrections:
            if c.stage is None:
                parts.append((c.phase, self.processes[c.process].per_stage(c.amount)))
            else:
                parts.append((c.phase, {c.stage: {c.process: c.amount}}))
        for phase, by_stage in parts:
            stages = result.setdefault(phase, {stage: {} for stage in STAGES})
            for stage, codes in by_stage.items():
                target = stages.setdefault(stage, {})
                for code, value in codes.items():
                    target[code] = target.get(code, 0.0) + value
        return result


def _row_reason(row: RowQuantities) -> str:
    if row.accelerator is None:
        return "energy outside GPU-hours (extra_energy)"
    if row.it_energy_measured:
        return "measured IT energy instead of the modelled GPU-hour's"
    return "the row's own IT power (measured power or GPU load) instead of the modelled one"


def _differences(actual: Mapping[str, Demand], expected: Mapping[str, Demand]
                 ) -> dict[tuple[str, str], float]:
    """``actual - expected`` by (stage, code), rounding noise left out."""
    out: dict[tuple[str, str], float] = {}
    for stage in {*actual, *expected}:
        have, want = actual.get(stage, {}), expected.get(stage, {})
        for code in {*have, *want}:
            a, b = have.get(code, 0.0), want.get(code, 0.0)
            if abs(a - b) > RELATIVE_NOISE * max(abs(a), abs(b)):
                out[(stage, code)] = a - b
    return out


def _as_it_energy(differences: Mapping[tuple[str, str], float], process: OperationProcess
                  ) -> float | None:
    """The IT energy [kWh] whose demand of ``process`` makes ``differences``, if there is one."""
    expected = process.per_stage(1.0)
    pairs = [(stage, code) for stage, codes in expected.items() for code in codes]
    if set(differences) - set(pairs) or not differences:
        return None
    electricity = [p for p in pairs if p[0] == "electricity"]
    if len(electricity) != 1 or electricity[0] not in differences:
        return None
    kwh = differences[electricity[0]] / expected["electricity"][electricity[0][1]]
    for stage, code in pairs:
        want = kwh * expected[stage][code]
        have = differences.get((stage, code), 0.0)
        if not math.isclose(have, want, rel_tol=1e-9, abs_tol=1e-12 * max(abs(want), 1e-300)):
            return None
    return kwh


def operation_model(rows: Sequence[RowQuantities],
                    hardware: Sequence[HardwareParameters | None], site: SiteParameters,
                    sources: Mapping[str, str] | None = None) -> OperationModel:
    """The operation processes and phase demands of translated rows.

    ``hardware[i]`` is the resolved hardware of ``rows[i]`` as the study declares it (None for
    an extra-energy entry); ``sources`` maps parameter keys (``site.pue``,
    ``hardware[h100_sxm_80gb].gpu_power``...) to where their values were read.
    """
    model = OperationModel()
    built: dict[int, OperationProcess] = {}
    it_process = it_energy_process(site, sources)
    for row, row_hardware in zip(rows, hardware, strict=True):
        if row.phase not in model.gpu_hours:
            model.gpu_hours[row.phase] = {}
            model.phases.append(row.phase)
        expected: dict[str, Demand] = {}
        if row_hardware is not None and row.gpu_hours:
            process = built.get(id(row_hardware))
            if process is None:
                process = built[id(row_hardware)] = gpu_hour_process(row_hardware, site,
                                                                     sources)
                model.processes.setdefault(process.code, process)
            phase = model.gpu_hours[row.phase]
            phase[process.code] = phase.get(process.code, 0.0) + row.gpu_hours
            expected = process.per_stage(row.gpu_hours)
        differences = _differences(stage_demands(row), expected)
        if not differences:
            continue
        reason = _row_reason(row)
        kwh = _as_it_energy(differences, it_process)
        if kwh is not None:
            model.processes.setdefault(it_process.code, it_process)
            model.corrections.append(Correction(row.phase, reason, it_process.code, None, kwh,
                                                "kilowatt hour"))
            continue
        for (stage, code), amount in sorted(differences.items()):
            model.corrections.append(Correction(row.phase, reason, code, stage, amount, ""))
    return model


def process_codes(models: Iterable[OperationModel]) -> set[str]:
    """Every library process the operation processes of ``models`` demand."""
    return {e.input for m in models for p in m.processes.values() for e in p.exchanges}
