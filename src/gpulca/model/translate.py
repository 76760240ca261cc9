"""The translator: GPU-hours of research phases -> Brightway demand vectors per phase and stage.

Each quantity is one small pure function whose arguments carry their unit in their name. The
per-row result keeps every intermediate value (IT kWh, facility kWh, litres, amortised units) so
that an auditor can follow the arithmetic; :func:`phase_demands` then sums rows into one demand
vector per (phase, life-cycle stage), keyed by inventory process code.

The model of one GPU-hour (all per GPU):

- IT power [kW] = GPU power [W] x load + node overhead power [W] / GPUs per node, / 1000, or a
  row's measured job power [W] / its GPU count / 1000
- IT energy [kWh] = GPU-hours x IT power, or the measured IT energy when given
- facility electricity [kWh] = IT energy x PUE, from the site's grid zone
- cooling water evaporated [m3] = IT energy x WUE [L/kWh] / 1000; water withdrawn beyond that
  (withdrawal WUE - WUE) is returned to surface water
- amortised GPUs [unit] = GPU-hours / (lifetime [h] x utilisation)
- amortised hosts [unit] = GPU-hours / GPUs per node / (lifetime [h] x utilisation)

The datacenter infrastructure (:class:`InfrastructureParameters`; a part a study declares not
assessed has no process and adds nothing):

- network and storage equipment [unit of the per-GPU share] = GPU-hours / (lifetime [h] x
  utilisation), amortised like the GPU; their operating power per GPU [W] x GPU-hours is IT
  energy of their own stage (facility electricity x PUE and cooling water, as the GPU's)
- building, plant and racks: the building's share per kWh of IT energy x the IT energy of the
  row and of the network and storage; the rack share per GPU amortised like the GPU
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Stage ids are defined once, in the vocabulary; the name stays importable from here.
from gpulca.core.vocabulary import STAGES as STAGES
from gpulca.model.measured import measured_split


@dataclass(frozen=True)
class HardwareParameters:
    """Resolved hardware of one accelerator type, in canonical units."""

    accelerator: str
    gpu_power_w: float
    gpu_load: float
    gpus_per_node: int
    node_overhead_w: float
    lifetime_h: float
    utilisation: float
    gpu_process: str
    server_process: str | None


@dataclass(frozen=True)
class InfrastructureParameters:
    """Resolved datacenter infrastructure; a part not assessed has no process (None)."""

    building_process: str | None = None
    """Building, plant and electrical infrastructure, per kWh of IT energy."""
    rack_process: str | None = None
    """Rack and power distribution, share of one GPU (part of the building stage)."""
    network_process: str | None = None
    """Cluster network equipment, share of one GPU."""
    network_power_per_gpu_w: float = 0.0
    storage_process: str | None = None
    """Shared storage, share of one GPU."""
    storage_power_per_gpu_w: float = 0.0


@dataclass(frozen=True)
class SiteParameters:
    """Resolved site, in canonical units."""

    grid_zone: str
    electricity_process: str
    pue: float
    wue_l_per_kwh: float
    wue_withdrawal_l_per_kwh: float
    cooling_evaporation_process: str
    cooling_return_process: str
    infrastructure: InfrastructureParameters = InfrastructureParameters()
    """The datacenter infrastructure; the default (nothing) is for callers that model the
    servers only (unit tests, the translator's own checks)."""


def it_power_per_gpu_kw(gpu_power_w: float, gpu_load: float, node_overhead_w: float,
                        gpus_per_node: int) -> float:
    """IT power drawn per busy GPU, including its share of the host [kW]."""
    return (gpu_power_w * gpu_load + node_overhead_w / gpus_per_node) / 1000.0


def it_energy_kwh(gpu_hours: float, it_power_kw: float) -> float:
    """Modelled IT energy of ``gpu_hours`` at ``it_power_kw`` per GPU [kWh]."""
    return gpu_hours * it_power_kw


def host_share_energy_kwh(gpu_hours: float, node_overhead_w: float, gpus_per_node: int) -> float:
    """Energy of the hosts' non-GPU parts (CPUs, RAM, fans) for ``gpu_hours`` [kWh]."""
    return gpu_hours * node_overhead_w / gpus_per_node / 1000.0


def facility_energy_kwh(it_energy: float, pue: float) -> float:
    """Electricity drawn by the datacenter for ``it_energy`` kWh of IT load [kWh]."""
    return it_energy * pue


def cooling_water_evaporated_m3(it_energy: float, wue_l_per_kwh: float) -> float:
    """On-site cooling water evaporated (consumed) [m3]."""
    return it_energy * wue_l_per_kwh / 1000.0


def cooling_water_returned_m3(it_energy: float, wue_l_per_kwh: float,
                              wue_withdrawal_l_per_kwh: float) -> float:
    """On-site cooling water withdrawn and returned, i.e. withdrawal beyond consumption [m3]."""
    return it_energy * max(wue_withdrawal_l_per_kwh - wue_l_per_kwh, 0.0) / 1000.0


def amortised_gpu_units(gpu_hours: float, lifetime_h: float, utilisation: float) -> float:
    """Share of GPU cards whose manufacturing the work is charged with [unit]."""
    return gpu_hours / (lifetime_h * utilisation)


def equipment_energy_kwh(gpu_hours: float, power_per_gpu_w: float) -> float:
    """Operating energy of network or storage equipment for ``gpu_hours`` [kWh]."""
    return gpu_hours * power_per_gpu_w / 1000.0


def amortised_server_units(gpu_hours: float, gpus_per_node: int, lifetime_h: float,
                           utilisation: float) -> float:
    """Share of hosts (without GPUs) whose manufacturing the work is charged with [unit]."""
    return gpu_hours / gpus_per_node / (lifetime_h * utilisation)


@dataclass(frozen=True)
class RowQuantities:
    """Every intermediate quantity of one activity row (or one extra-energy entry)."""

    phase: str
    accelerator: str | None
    model: str | None
    component: str | None
    gpu_hours: float
    node_hours: float
    """GPU-hours / GPUs per node: the hours of whole nodes the work occupies [h]."""
    it_power_per_gpu_kw: float
    it_energy_kwh: float
    it_energy_measured: bool
    facility_energy_kwh: float
    cooling_water_evaporated_m3: float
    cooling_water_returned_m3: float
    gpu_units: float
    server_units: float
    gpu_process: str | None
    server_process: str | None
    electricity_process: str
    cooling_evaporation_process: str
    cooling_return_process: str
    measured_gpu_hours: float = 0.0
    """GPU-hours whose IT energy is measured; the rest is modelled [GPU·h]."""
    measured_it_energy_kwh: float = 0.0
    """IT energy of the measured GPU-hours (host share added to a GPU-board measurement) [kWh]."""
    network_units: float = 0.0
    """Amortised per-GPU shares of the network equipment [unit]."""
    network_it_energy_kwh: float = 0.0
    """Operating energy of the network equipment for the row's GPU-hours [kWh]."""
    storage_units: float = 0.0
    """Amortised per-GPU shares of the storage equipment [unit]."""
    storage_it_energy_kwh: float = 0.0
    """Operating energy of the storage equipment for the row's GPU-hours [kWh]."""
    rack_units: float = 0.0
    """Amortised per-GPU shares of racks and power distribution [unit]."""
    building_it_energy_kwh: float = 0.0
    """IT energy the building's share is charged on (row + network + storage) [kWh]."""
    network_process: str | None = None
    storage_process: str | None = None
    rack_process: str | None = None
    building_process: str | None = None
    pue: float = 1.0
    """The site's PUE (for the network and storage equipment's energy)."""
    wue_l_per_kwh: float = 0.0
    wue_withdrawal_l_per_kwh: float = 0.0


def row_quantities(phase: str, gpu_hours: float, hardware: HardwareParameters,
                   site: SiteParameters, measured_it_energy_kwh: float | None = None,
                   model: str | None = None, component: str | None = None,
                   measured_it_power_per_gpu_kw: float | None = None,
                   measured_energy_scope: str = "it",
                   measured_gpu_hours: float | None = None) -> RowQuantities:
    """All quantities of ``gpu_hours`` of work in ``phase`` on ``hardware`` at ``site``.

    A measured IT energy [kWh] replaces the modelled energy; when it covers the GPU boards only
    (``measured_energy_scope="gpu"``), the modelled host share is added to it. A measured IT power
    per GPU [kW] (a job's system power divided by its GPUs) replaces the modelled power per GPU.
    A measurement covering ``measured_gpu_hours`` of the row replaces the modelled energy of
    those only (:func:`gpulca.model.measured.measured_split`).
    """
    power_kw = measured_it_power_per_gpu_kw if measured_it_power_per_gpu_kw is not None else \
        it_power_per_gpu_kw(hardware.gpu_power_w, hardware.gpu_load, hardware.node_overhead_w,
                            hardware.gpus_per_node)
    measured = measured_it_energy_kwh is not None
    split = measured_split(gpu_hours, measured_it_energy_kwh, measured_gpu_hours, power_kw,
                           hardware.node_overhead_w / hardware.gpus_per_node / 1000.0,
                           measured_energy_scope) if measured_it_energy_kwh is not None else None
    energy = split.it_energy_kwh if split else it_energy_kwh(gpu_hours, power_kw)
    infra = site.infrastructure
    amortised = amortised_gpu_units(gpu_hours, hardware.lifetime_h, hardware.utilisation)
    network_kwh = (equipment_energy_kwh(gpu_hours, infra.network_power_per_gpu_w)
                   if infra.network_process else 0.0)
    storage_kwh = (equipment_energy_kwh(gpu_hours, infra.storage_power_per_gpu_w)
                   if infra.storage_process else 0.0)
    return RowQuantities(
        phase=phase, accelerator=hardware.accelerator, model=model, component=component,
        gpu_hours=gpu_hours, node_hours=gpu_hours / hardware.gpus_per_node,
        it_power_per_gpu_kw=power_kw, it_energy_kwh=energy,
        it_energy_measured=measured,
        facility_energy_kwh=facility_energy_kwh(energy, site.pue),
        cooling_water_evaporated_m3=cooling_water_evaporated_m3(energy, site.wue_l_per_kwh),
        cooling_water_returned_m3=cooling_water_returned_m3(
            energy, site.wue_l_per_kwh, site.wue_withdrawal_l_per_kwh),
        gpu_units=amortised_gpu_units(gpu_hours, hardware.lifetime_h, hardware.utilisation),
        server_units=(amortised_server_units(gpu_hours, hardware.gpus_per_node,
                                             hardware.lifetime_h, hardware.utilisation)
                      if hardware.server_process else 0.0),
        gpu_process=hardware.gpu_process, server_process=hardware.server_process,
        electricity_process=site.electricity_process,
        cooling_evaporation_process=site.cooling_evaporation_process,
        cooling_return_process=site.cooling_return_process,
        measured_gpu_hours=split.covered_gpu_hours if split else 0.0,
        measured_it_energy_kwh=split.measured_it_energy_kwh if split else 0.0,
        network_units=amortised if infra.network_process else 0.0,
        network_it_energy_kwh=network_kwh,
        storage_units=amortised if infra.storage_process else 0.0,
        storage_it_energy_kwh=storage_kwh,
        rack_units=amortised if infra.rack_process else 0.0,
        building_it_energy_kwh=(energy + network_kwh + storage_kwh
                                if infra.building_process else 0.0),
        network_process=infra.network_process, storage_process=infra.storage_process,
        rack_process=infra.rack_process, building_process=infra.building_process,
        pue=site.pue, wue_l_per_kwh=site.wue_l_per_kwh,
        wue_withdrawal_l_per_kwh=site.wue_withdrawal_l_per_kwh,
    )


def extra_energy_quantities(phase: str, energy_kwh: float, scope: str,
                            site: SiteParameters) -> RowQuantities:
    """Quantities of measured energy outside GPU-hours (idle or reserved capacity).

    ``scope`` ``it``: PUE and cooling water apply; ``facility``: the energy is already the
    datacenter's draw, so it is taken as facility electricity and no cooling water is added.
    """
    is_it = scope == "it"
    return RowQuantities(
        phase=phase, accelerator=None, model=None, component=None, gpu_hours=0.0,
        node_hours=0.0, it_power_per_gpu_kw=0.0, it_energy_kwh=energy_kwh if is_it else 0.0,
        it_energy_measured=True,
        facility_energy_kwh=facility_energy_kwh(energy_kwh, site.pue) if is_it else energy_kwh,
        cooling_water_evaporated_m3=(cooling_water_evaporated_m3(energy_kwh, site.wue_l_per_kwh)
                                     if is_it else 0.0),
        cooling_water_returned_m3=(cooling_water_returned_m3(
            energy_kwh, site.wue_l_per_kwh, site.wue_withdrawal_l_per_kwh) if is_it else 0.0),
        gpu_units=0.0, server_units=0.0, gpu_process=None, server_process=None,
        electricity_process=site.electricity_process,
        cooling_evaporation_process=site.cooling_evaporation_process,
        cooling_return_process=site.cooling_return_process,
        building_it_energy_kwh=((energy_kwh if is_it else energy_kwh / site.pue)
                                if site.infrastructure.building_process else 0.0),
        building_process=site.infrastructure.building_process,
    )


Demand = dict[str, float]
"""Amounts of inventory processes, by process code."""


def _add(demand: Demand, code: str | None, amount: float) -> None:
    if code is not None and amount != 0.0:
        demand[code] = demand.get(code, 0.0) + amount


def stage_demands(quantities: RowQuantities) -> dict[str, Demand]:
    """The demand vector of each life-cycle stage for one row."""
    stages: dict[str, Demand] = {stage: {} for stage in STAGES}
    _add(stages["gpu_manufacturing"], quantities.gpu_process, quantities.gpu_units)
    _add(stages["server_manufacturing"], quantities.server_process, quantities.server_units)
    _add(stages["electricity"], quantities.electricity_process, quantities.facility_energy_kwh)
    _add(stages["cooling_water"], quantities.cooling_evaporation_process,
         quantities.cooling_water_evaporated_m3)
    _add(stages["cooling_water"], quantities.cooling_return_process,
         quantities.cooling_water_returned_m3)
    for stage, process, units, kwh in (
            ("network", quantities.network_process, quantities.network_units,
             quantities.network_it_energy_kwh),
            ("storage", quantities.storage_process, quantities.storage_units,
             quantities.storage_it_energy_kwh)):
        if process is None:
            continue
        _add(stages[stage], process, units)
        _add(stages[stage], quantities.electricity_process,
             facility_energy_kwh(kwh, quantities.pue))
        _add(stages[stage], quantities.cooling_evaporation_process,
             cooling_water_evaporated_m3(kwh, quantities.wue_l_per_kwh))
        _add(stages[stage], quantities.cooling_return_process, cooling_water_returned_m3(
            kwh, quantities.wue_l_per_kwh, quantities.wue_withdrawal_l_per_kwh))
    _add(stages["building"], quantities.rack_process, quantities.rack_units)
    _add(stages["building"], quantities.building_process, quantities.building_it_energy_kwh)
    return stages


def phase_demands(rows: Iterable[RowQuantities]) -> dict[str, dict[str, Demand]]:
    """Sum rows into ``{phase: {stage: demand}}``; phases keep their first-seen order."""
    result: dict[str, dict[str, Demand]] = {}
    for row in rows:
        phase = result.setdefault(row.phase, {stage: {} for stage in STAGES})
        for stage, demand in stage_demands(row).items():
            for code, amount in demand.items():
                _add(phase[stage], code, amount)
    return result


def total_demand(stages: Mapping[str, Demand]) -> Demand:
    """The whole demand vector of a phase (all stages together)."""
    total: Demand = {}
    for demand in stages.values():
        for code, amount in demand.items():
            _add(total, code, amount)
    return total
