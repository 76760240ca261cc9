"""The datacenter infrastructure of a study: which parts are assessed, with which processes.

Every study includes, by default, three parts of the datacenter beside the servers, each a
life-cycle stage of its own (:data:`gpulca.core.vocabulary.INFRASTRUCTURE_PARTS`):

- ``building``: the building, cooling plant and electrical infrastructure per kWh of IT energy
  (``datacenter_building_share_per_kwh_it``: per kW of capacity, amortised over the building's
  life and average load) and the racks per GPU (``cluster_rack_share_per_gpu``);
- ``network``: the cluster network per GPU (``cluster_network_share_per_gpu``) and its operating
  power per GPU (library parameter ``network_power_per_gpu``);
- ``storage``: the shared storage per GPU (``cluster_storage_share_per_gpu``) and its operating
  power per GPU (``storage_power_per_gpu``).

A study's ``not_assessed`` leaves a part out; a part whose process or parameter the study's
library lacks is a located problem (naming the study key to declare it not assessed), so a run
never silently drops it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gpulca.core.errors import Problem
from gpulca.core.units import UnitProblem, magnitude_in
from gpulca.core.vocabulary import INFRASTRUCTURE_PARTS, NOT_ASSESSED
from gpulca.io.yamlio import LineMap
from gpulca.library.inventory import ResolvedLibrary
from gpulca.model.translate import InfrastructureParameters

PART_PROCESSES: dict[str, tuple[str, ...]] = {
    "building": ("datacenter_building_share_per_kwh_it", "cluster_rack_share_per_gpu"),
    "network": ("cluster_network_share_per_gpu",),
    "storage": ("cluster_storage_share_per_gpu",),
}
"""The library processes each part demands (first: the part's main process)."""

PART_POWER: dict[str, str] = {"network": "network_power_per_gpu",
                              "storage": "storage_power_per_gpu"}
"""The library parameter with each part's operating power per busy GPU."""


@dataclass
class ResolvedInfrastructure:
    """The infrastructure of a study, with what the assumptions table records about it."""

    parameters: InfrastructureParameters
    not_assessed: tuple[str, ...]
    problems: list[Problem] = field(default_factory=list)
    records: list[tuple[str, float | str, str, str, str]] = field(default_factory=list)
    """(key, value, unit, source, origin ``file:line``) of each part."""


def _power_w(value: Any) -> float:
    return magnitude_in(value, "W")


def resolve_infrastructure(not_assessed: Sequence[str], library: ResolvedLibrary,
                           lines: LineMap) -> ResolvedInfrastructure:
    """The processes and operating powers of the assessed parts (see the module docstring)."""
    out = ResolvedInfrastructure(InfrastructureParameters(), tuple(
        part for part in INFRASTRUCTURE_PARTS if part in not_assessed))
    values: dict[str, Any] = {}
    for part in INFRASTRUCTURE_PARTS:
        if part in not_assessed:
            out.records.append((f"infrastructure.{part}", NOT_ASSESSED, "",
                                "declared by the study (not_assessed)",
                                f"{lines.file}:{lines.line_of(('not_assessed',))}"))
            continue
        missing = [code for code in PART_PROCESSES[part]
                   if code not in library.library.processes]
        power_name = PART_POWER.get(part)
        if power_name and (power_name not in library.library.parameters
                           or power_name not in library.parameter_values):
            missing.append(power_name)
        if missing:
            out.problems.append(lines.problem(
                ("not_assessed",), f"the datacenter's {part} (assessed by default) needs "
                f"{', '.join(missing)} from the library, which the study's library does not "
                f"have: add them (shipped in inventories/) or declare 'not_assessed: [{part}]'",
                ", ".join(missing)))
            continue
        for code in PART_PROCESSES[part]:
            located = library.library.processes[code]
            key = "rack" if code == "cluster_rack_share_per_gpu" else part
            out.records.append((f"infrastructure.{key}", code, "",
                                located.item.source or f"assumption: {located.item.assumption}",
                                f"{located.lines.file}:{located.lines.line_of(located.path)}"))
        if power_name:
            parameter = library.library.parameters[power_name]
            try:
                values[power_name] = _power_w(library.parameter_values[power_name])
            except UnitProblem as exc:
                out.problems.append(parameter.problem((), f"{exc}; expected a power per GPU "
                                                      "such as '15 W'", power_name))
                continue
            item = parameter.item
            out.records.append((f"infrastructure.{part}_power", values[power_name], "W",
                                item.source or f"assumption: {item.assumption}",
                                f"{parameter.lines.file}:"
                                f"{parameter.lines.line_of(parameter.path)}"))
    if out.problems:
        return out
    assessed = [p for p in INFRASTRUCTURE_PARTS if p not in not_assessed]
    out.parameters = InfrastructureParameters(
        building_process=PART_PROCESSES["building"][0] if "building" in assessed else None,
        rack_process=PART_PROCESSES["building"][1] if "building" in assessed else None,
        network_process=PART_PROCESSES["network"][0] if "network" in assessed else None,
        network_power_per_gpu_w=values.get(PART_POWER["network"], 0.0),
        storage_process=PART_PROCESSES["storage"][0] if "storage" in assessed else None,
        storage_power_per_gpu_w=values.get(PART_POWER["storage"], 0.0))
    return out


def infrastructure_inside(library: ResolvedLibrary, process: str,
                          assessed: Sequence[str]) -> list[tuple[str, str]]:
    """(part, process) of each assessed part's process that ``process`` (a host's manufacturing)
    already contains: charged twice if the part is also assessed on its own."""
    wanted = {code: part for part in assessed for code in PART_PROCESSES[part]}
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    stack = [process]
    while stack:
        code = stack.pop()
        if code in seen:
            continue
        seen.add(code)
        if code in wanted and code != process:
            found.append((wanted[code], code))
            continue
        stack += [e.target for e in library.exchanges.get(code, [])
                  if e.kind == "technosphere" and isinstance(e.target, str)]
    return sorted(found)
