"""Load a study file and resolve it against the inventory library and the methods.

Resolution turns every value the study uses into a number in a canonical unit, records where it
came from (:class:`AssumptionRecord`), and collects every problem (unknown accelerator or zone,
a quantity that does not convert, a phase that is not in the taxonomy...) into one report.
Precedence of values: the study file, then the library's catalogue entry it names.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import numpy as np

from gpulca.core.errors import InputError, Problem
from gpulca.core.parameters import PARAMETERS, Parameter, checked_value
from gpulca.core.phases import phase_labels, unknown_phase_message
from gpulca.core.units import UnitProblem, leading_unit, magnitude_in, parse_quantity
from gpulca.core.vocabulary import INFRASTRUCTURE_PARTS
from gpulca.engine.bundled import bundled_flow_index, known_method_names
from gpulca.ingest.prefetch import known_digest
from gpulca.io.yamlio import LineMap, load_yaml
from gpulca.library.flows import FlowIndex
from gpulca.library.inventory import (
    Library,
    Located,
    ResolvedLibrary,
    load_library,
    resolve_library,
    shipped_root,
)
from gpulca.library.methods import load_methods
from gpulca.library.water import DEFAULT_COOLING, site_cooling_code
from gpulca.model.translate import HardwareParameters, SiteParameters
from gpulca.schemas import parse
from gpulca.schemas.activity_table import ActivityTable
from gpulca.schemas.common import SourcedValue
from gpulca.schemas.methods import MethodSet
from gpulca.schemas.reference import Selection
from gpulca.schemas.scenario import ActivityRow, MeasuredEnergy, Study
from gpulca.study.deployment import ResolvedDeployment, resolve_deployment
from gpulca.study.infrastructure import infrastructure_inside, resolve_infrastructure
from gpulca.study.measured import implied_power_problems


@dataclass(frozen=True)
class AssumptionRecord:
    """One value a result depends on: what, how much, in what unit, and from where."""

    key: str
    value: float | str
    unit: str
    source: str | None
    quality: str | None
    uncertainty: str | None
    origin: str
    """The file (and line) the value was read from."""
    written: float | str | None = None
    """The value as written (``"6 year"``), whose unit its ``uncertainty`` is expressed in."""


@dataclass
class ResolvedStudy:
    """A study with every value resolved; the translator's and the solver's input."""

    study: Study
    file: Path
    library: ResolvedLibrary
    methods: MethodSet
    methods_file: Path
    site: SiteParameters
    hardware: dict[str, HardwareParameters]
    """By accelerator id: the study's default accelerator and any a row names."""
    activity: list[ActivityRow] | ActivityTable
    """The activity rows: a list (inline rows, sacct, variants) or columns (an activity CSV,
    :class:`~gpulca.schemas.activity_table.ActivityTable`); see :attr:`rows` and
    :attr:`activity_table` for either form."""
    extra_energy_kwh: list[float]
    phases: dict[str, str]
    assumptions: list[AssumptionRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    input_files: dict[str, str] = field(default_factory=dict)
    """sha256 of every input file, by path."""
    deployment: ResolvedDeployment | None = None
    """What the study serves and which phases serve it (:mod:`gpulca.study.deployment`)."""
    _forms: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.study.name

    @property
    def rows(self) -> list[ActivityRow]:
        """The activity rows as :class:`ActivityRow` objects (made once from columns)."""
        return _rows_of(self.activity, self._forms)

    @property
    def activity_table(self) -> ActivityTable:
        """The activity rows as columns (made once from a list)."""
        return _table_of(self.activity, self._forms)


def _rows_of(activity: list[ActivityRow] | ActivityTable, forms: dict[str, Any]
             ) -> list[ActivityRow]:
    if isinstance(activity, list):
        return activity
    if "rows" not in forms:
        forms["rows"] = activity.rows()
    return forms["rows"]  # type: ignore[no-any-return]


def _table_of(activity: list[ActivityRow] | ActivityTable, forms: dict[str, Any]
              ) -> ActivityTable:
    if isinstance(activity, ActivityTable):
        return activity
    if "table" not in forms:
        forms["table"] = ActivityTable.from_rows(activity)
    return forms["table"]  # type: ignore[no-any-return]


def _close(value: str, known: Sequence[str]) -> str:
    matches = get_close_matches(value, list(known), n=3, cutoff=0.4)
    return f"; did you mean {', '.join(matches)}?" if matches else ""


class _Resolver:
    """Resolves one study; every lookup that fails adds a located problem."""

    def __init__(self, study: Study, lines: LineMap, library: ResolvedLibrary) -> None:
        self.study, self.lines, self.lib = study, lines, library
        self.problems: list[Problem] = []
        self.assumptions: list[AssumptionRecord] = []

    def problem(self, path: tuple[str | int, ...], message: str, value: object = None) -> None:
        self.problems.append(self.lines.problem(path, message, value))

    def quantity(self, parameter: Parameter, sourced: SourcedValue | None,
                 path: tuple[str | int, ...],
                 fallback: tuple[SourcedValue | None, Located | None, tuple[str, ...]] | None,
                 key: str | None = None) -> float:
        """Value of a study key, else of the library entry, in the parameter's canonical unit;
        checked against the parameter table and recorded as an assumption (under ``key``,
        default the parameter's key)."""
        origin_lines, origin_path = self.lines, path
        if sourced is None and fallback is not None and fallback[0] is not None:
            sourced, located, sub = fallback
            assert located is not None
            origin_lines, origin_path = located.lines, located.path + sub
        if sourced is None:
            self.problem(path, f"no value: give it here ({parameter.expected}) or choose a "
                         "library entry that has one")
            return float("nan")
        value, message = checked_value(parameter, sourced.value)
        if message is not None:
            self.problems.append(origin_lines.problem(origin_path + ("value",), message,
                                                      sourced.value))
        if value is None:  # did not parse: nothing to record
            return float("nan")
        line = origin_lines.line_of(origin_path)
        self.assumptions.append(AssumptionRecord(
            key or parameter.key, value, parameter.unit or "", sourced.source or
            f"assumption: {sourced.assumption}", sourced.quality,
            sourced.uncertainty.model_dump_json(exclude_none=True)
            if sourced.uncertainty else None, f"{origin_lines.file}:{line}", sourced.value))
        return value

    def lookup(self, table: dict[str, Located], key: str, path: tuple[str | int, ...],
               what: str, command: str) -> Located | None:
        if key in table:
            return table[key]
        self.problem(path, f"unknown {what}{_close(key, sorted(table))} "
                     f"(see `gpulca list {command}`)", key)
        return None


def _resolve_site(r: _Resolver) -> SiteParameters:
    spec = r.study.site
    library = r.lib.library
    site_entry = r.lookup(library.sites, spec.site, ("site", "site"), "site", "sites") \
        if spec.site else None
    site = site_entry.item if site_entry else None
    zone_id = spec.grid_zone or (site.grid_zone if site else None)
    zone_path = ("site", "grid_zone") if spec.grid_zone else ("site", "site")
    zone = r.lookup(library.grid_zones, zone_id, zone_path, "grid zone", "zones") \
        if zone_id else None
    pue = r.quantity(PARAMETERS["site.pue"], spec.pue, ("site", "pue"),
                     (site.pue if site else None, site_entry, ("pue",)))
    wue = r.quantity(PARAMETERS["site.wue"], spec.wue, ("site", "wue"),
                     (site.wue if site else None, site_entry, ("wue",)))
    # The site's withdrawal belongs with the site's WUE: a study that sets its own WUE and no
    # withdrawal withdraws what it consumes (reported as a lower bound by the run).
    site_withdrawal = site.wue_withdrawal if site and spec.wue is None else None
    withdrawal_spec = spec.wue_withdrawal or site_withdrawal
    withdrawal = wue if withdrawal_spec is None else r.quantity(
        PARAMETERS["site.wue_withdrawal"], spec.wue_withdrawal, ("site", "wue_withdrawal"),
        (site_withdrawal, site_entry, ("wue_withdrawal",)))
    if withdrawal < wue:
        r.problem(("site", "wue_withdrawal"), f"withdrawal {withdrawal} L/kWh is below "
                  f"consumption (wue) {wue} L/kWh", withdrawal)
    if zone is not None:
        r.assumptions.append(AssumptionRecord(
            "site.grid_zone", zone.item.id, "", zone.item.source, zone.item.quality, None,
            f"{zone.lines.file}:{zone.lines.line_of(zone.path)}"))
    zone_key = zone.item.id if zone else None
    for code in (site.cooling_evaporation, site.cooling_return) if site else DEFAULT_COOLING:
        if code not in library.processes:
            r.problem(("site", "site") if spec.site else ("site",),
                      f"the study's library has no process {code!r} (on-site cooling water "
                      "that every site needs): add an inventory file defining it (the shipped "
                      "one is inventories/datacenter/cooling-water.yaml) or use the shipped "
                      "library", code)
    return SiteParameters(
        grid_zone=zone_id or "", electricity_process=zone.item.electricity if zone else "",
        pue=pue, wue_l_per_kwh=wue, wue_withdrawal_l_per_kwh=withdrawal,
        cooling_evaporation_process=site_cooling_code(
            r.lib, site.cooling_evaporation if site else "cooling_water_evaporated", zone_key),
        cooling_return_process=site_cooling_code(
            r.lib, site.cooling_return if site else "cooling_water_returned", zone_key))


def _with_infrastructure(r: _Resolver, site: SiteParameters) -> SiteParameters:
    """The site with the study's datacenter infrastructure (:mod:`gpulca.study.infrastructure`)."""
    infra = resolve_infrastructure(r.study.not_assessed, r.lib, r.lines)
    r.problems.extend(infra.problems)
    r.assumptions.extend(AssumptionRecord(key, value, unit, source, None, None, origin)
                         for key, value, unit, source, origin in infra.records)
    server = r.lib.library.servers.get(r.study.hardware.server or "")
    assessed = [p for p in INFRASTRUCTURE_PARTS if p not in infra.not_assessed]
    if server is not None and not infra.problems:
        inside = infrastructure_inside(r.lib, server.item.manufacturing, assessed)
        if inside:
            parts = sorted({part for part, _ in inside})
            r.problem(("hardware", "server"), "this host's manufacturing already contains "
                      f"the datacenter's {', '.join(parts)} ({', '.join(c for _, c in inside)}), "
                      "which every study assesses by default: they would count twice; pick the "
                      f"host without them or declare 'not_assessed: [{', '.join(parts)}]'",
                      r.study.hardware.server)
    return dataclasses.replace(site, infrastructure=infra.parameters)


def _resolve_hardware(r: _Resolver, accelerator_id: str, path: tuple[str | int, ...]
                      ) -> HardwareParameters | None:
    spec = r.study.hardware
    library = r.lib.library
    entry = r.lookup(library.accelerators, accelerator_id, path, "accelerator", "accelerators")
    server_entry = r.lookup(library.servers, spec.server, ("hardware", "server"), "server",
                            "accelerators") if spec.server else None
    if entry is None:
        return None
    card, host = entry.item, server_entry.item if server_entry else None
    prefix = f"hardware[{accelerator_id}]"
    power = r.quantity(PARAMETERS["hardware.gpu_power"], spec.gpu_power,
                       ("hardware", "gpu_power"), (card.rated_power, entry, ("rated_power",)),
                       f"{prefix}.gpu_power")
    load = r.quantity(PARAMETERS["hardware.gpu_load"], spec.gpu_load, ("hardware", "gpu_load"),
                      (card.training_load, entry, ("training_load",)), f"{prefix}.gpu_load")
    overhead = r.quantity(PARAMETERS["hardware.node_overhead_power"], spec.node_overhead_power,
                          ("hardware", "node_overhead_power"),
                          (host.overhead_power if host else None, server_entry,
                           ("overhead_power",)), f"{prefix}.node_overhead_power")
    gpus_per_node = spec.gpus_per_node or (host.gpus_per_node if host else None)
    if gpus_per_node is None:
        r.problem(("hardware", "gpus_per_node"), "no value: give gpus_per_node or a server")
        gpus_per_node = 1
    lifetime = r.quantity(PARAMETERS["hardware.lifetime"], spec.lifetime,
                          ("hardware", "lifetime"), None)
    utilisation = r.quantity(PARAMETERS["hardware.utilisation"], spec.utilisation,
                             ("hardware", "utilisation"), None)
    return HardwareParameters(
        accelerator=accelerator_id, gpu_power_w=power, gpu_load=load,
        gpus_per_node=gpus_per_node, node_overhead_w=overhead, lifetime_h=lifetime,
        utilisation=utilisation, gpu_process=card.manufacturing,
        server_process=host.manufacturing if host else None)


def _check_row_measure(r: _Resolver, text: str | None, unit: str, what: str, positive: bool,
                       path: tuple[str | int, ...]) -> None:
    """A row's measured energy or power: a quantity in ``unit``, non-negative (or positive)."""
    if text is None:
        return
    try:
        value = magnitude_in(parse_quantity(text), unit)
    except UnitProblem as exc:
        r.problem(path, f"{exc}; expected {what}", text)
        return
    if value < 0 or (positive and value == 0):
        r.problem(path, f"expected a {'positive' if positive else 'non-negative'} "
                  f"{what.removeprefix('an ').removeprefix('a ')}", text)


def _check_rows(r: _Resolver, rows: list[ActivityRow], phases: dict[str, str],
                row_path: tuple[str | int, ...]) -> list[str]:
    warnings: list[str] = []
    for index, row in enumerate(rows):
        if row.phase not in phases:
            r.problem(row_path + (index, "phase"), unknown_phase_message(row.phase, phases),
                      row.phase)
        _check_row_measure(r, row.it_energy, "kWh", "an energy", False,
                           row_path + (index, "it_energy"))
        _check_row_measure(r, row.it_power, "W", "a power", True,
                           row_path + (index, "it_power"))
        if row.total_gpu_hours == 0:
            warnings.append(f"activity row {index + 1} ({row.phase}) has 0 GPU-hours: "
                            "it adds no hardware amortisation")
    return warnings


def _row_accelerators(rows: list[ActivityRow] | ActivityTable) -> list[tuple[int, str]]:
    """(index, accelerator) of the rows that name one: of each accelerator, its first row at
    least (all of them for a list)."""
    if isinstance(rows, list):
        return [(i, row.accelerator) for i, row in enumerate(rows) if row.accelerator]
    codes, values = rows.accelerator.codes, rows.accelerator.values
    named = np.flatnonzero(codes >= 0)
    first = np.full(len(values), len(codes), dtype=np.int64)  # each value's first row
    np.minimum.at(first, codes[named], named)  # (a few codes: no sort of a million)
    return sorted((int(row), value) for row, value in zip(first.tolist(), values, strict=True)
                  if row < len(codes))


def _check_table(r: _Resolver, table: ActivityTable, phases: dict[str, str],
                 row_path: tuple[str | int, ...]) -> list[str]:
    """:func:`_check_rows` of an activity table, column by column: the same problems and
    warnings for the same rows, in the same order."""
    found: list[tuple[int, int, tuple[str | int, ...], str, object]] = []
    phase = table.phase
    for code, name in enumerate(phase.values):
        if name not in phases:
            message = unknown_phase_message(name, phases)
            found += [(i, 0, row_path + (i, "phase"), message, name)
                      for i in np.flatnonzero(phase.codes == code).tolist()]
    with np.errstate(invalid="ignore"):
        negative = np.flatnonzero(table.it_energy_kwh < 0)
        off = np.flatnonzero(table.it_power_w <= 0)
    found += [(i, 1, row_path + (i, "it_energy"), "expected a non-negative energy",
               f"{float(table.it_energy_kwh[i])} kWh") for i in negative.tolist()]
    found += [(i, 2, row_path + (i, "it_power"), "expected a positive power",
               f"{float(table.it_power_w[i])} W") for i in off.tolist()]
    for _, _, path, message, value in sorted(found, key=lambda f: (f[0], f[1])):
        r.problem(path, message, value)
    zero = np.flatnonzero(table.total_gpu_hours == 0)
    return [f"activity row {i + 1} ({phase.text(i)}) has 0 GPU-hours: it adds no hardware "
            "amortisation" for i in zero.tolist()]


def _implied_power_problems(rows: list[ActivityRow] | ActivityTable, default_accelerator: str,
                            hardware: dict[str, HardwareParameters],
                            entries: Sequence[MeasuredEnergy], row_path: tuple[str | int, ...]
                            ) -> list[tuple[tuple[str | int, ...], str, str]]:
    """:func:`implied_power_problems` of the rows that have a measured energy over part of
    their GPU-hours (of a table: only those are made into rows)."""
    if isinstance(rows, list):
        return implied_power_problems(rows, default_accelerator, hardware, entries, row_path)
    with np.errstate(invalid="ignore"):
        measured = np.flatnonzero(~np.isnan(rows.it_energy_kwh) &
                                  (rows.it_energy_gpu_hours > 0))
    out = []
    for i in measured.tolist():
        for (*_, key), message, value in implied_power_problems(
                [rows.row(i)], default_accelerator, hardware, entries, ()):
            out.append(((*row_path, i, key), message, value))
    return out


def _extra_energy(r: _Resolver, phases: dict[str, str]) -> list[float]:
    values: list[float] = []
    for index, extra in enumerate(r.study.extra_energy):
        path = ("extra_energy", index)
        if extra.phase not in phases:
            r.problem(path + ("phase",), unknown_phase_message(extra.phase, phases), extra.phase)
        try:
            energy = magnitude_in(parse_quantity(extra.energy), "kWh")
        except UnitProblem as exc:
            r.problem(path + ("energy",), f"{exc}; expected an energy", extra.energy)
            energy = float("nan")
        if energy <= 0:
            r.problem(path + ("energy",), "expected a positive energy", extra.energy)
        values.append(energy)
        r.assumptions.append(AssumptionRecord(
            f"extra_energy[{extra.phase}]", energy, "kWh", extra.source, None, None,
            f"{r.lines.file}:{r.lines.line_of(path)}"))
    return values


def _check_selection(r: _Resolver, selection: Selection, methods: MethodSet,
                     phases: dict[str, str], path: tuple[str | int, ...]) -> None:
    impacts = [c.id for c in methods.impact_categories]
    deployment = r.study.deployment
    if selection.service is not None and (deployment is None
                                          or selection.service not in deployment.traffic):
        served = ", ".join(deployment.traffic) if deployment else "none: no 'deployment:'"
        r.problem(path + ("service",), "a per-unit figure needs the unit in the study's "
                  f"deployment traffic (served: {served})", selection.service)
    if selection.impact is not None and selection.impact not in impacts:
        r.problem(path + ("impact",), f"unknown impact category{_close(selection.impact, impacts)}"
                  f" (the methods file has {', '.join(impacts)})", selection.impact)
    for index, phase in enumerate(selection.phases or []):
        if phase not in phases:
            r.problem(path + ("phases", index), unknown_phase_message(phase, phases), phase)
    for index, stage in enumerate(selection.stages or []):
        if stage in r.study.not_assessed:
            r.problem(path + ("stages", index), f"the figure needs the stage {stage!r}, which "
                      "the study declares not assessed (not_assessed): assess it (remove it "
                      "from not_assessed) or leave it out of the figure", stage)


def _check_reference(r: _Resolver, methods: MethodSet, phases: dict[str, str]) -> None:
    """Published figures: impacts in the methods file, phases in the taxonomy, known units."""
    if r.study.reference is None:
        return
    for index, figure in enumerate(r.study.reference.figures):
        path: tuple[str | int, ...] = ("reference", "figures", index)
        _check_selection(r, figure.compute, methods, phases, path + ("compute",))
        if figure.compute.divide_by is not None:
            _check_selection(r, figure.compute.divide_by, methods, phases,
                             path + ("compute", "divide_by"))
        try:
            leading_unit(figure.unit)
        except UnitProblem as exc:
            r.problem(path + ("unit",), str(exc), figure.unit)


def _file_hash(path: Path) -> str:
    """SHA-256 of file ``path``: of the bytes read already when it has not changed since (an
    activity CSV: :func:`gpulca.ingest.prefetch.known_digest`), else of its bytes now."""
    return known_digest(path) or hashlib.sha256(path.read_bytes()).hexdigest()


def _activity_rows(study: Study, base: Path
                   ) -> tuple[list[ActivityRow] | ActivityTable, tuple[str | int, ...],
                              list[Path], list[tuple[str, str]]]:
    """The study's activity rows (columns for an activity CSV), where to point problems about
    them, the files they were read from (for provenance hashes) and the phases a rules file adds
    to the taxonomy."""
    from gpulca.ingest.loader import activity_files, activity_phases, load_activity_table

    own = [(p.id, p.label) for p in study.phases]
    rows = load_activity_table(study.activity, base, own)
    extra_phases = activity_phases(study.activity, base, own)
    source = "rows" if study.activity.rows is not None else \
        "file" if study.activity.file is not None else "sacct"
    return rows, ("activity", source), activity_files(study.activity, base), extra_phases


@dataclass
class StudyInputs:
    """A parsed study file and what it refers to, before resolution (shared by its variants)."""

    path: Path
    data: dict[str, Any]
    """The file's data as loaded from YAML (the variants' overrides apply to it)."""
    lines: LineMap
    study: Study
    library: ResolvedLibrary
    methods: MethodSet
    methods_file: Path
    activity: list[ActivityRow] | ActivityTable
    """The activity rows, a list or columns (an activity CSV)."""
    row_path: tuple[str | int, ...]
    activity_files: list[Path]
    rules_phases: list[tuple[str, str]] = field(default_factory=list)
    """Phases a tagging-rules file adds to the taxonomy."""
    _forms: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def rows(self) -> list[ActivityRow]:
        """The activity rows as :class:`ActivityRow` objects (made once from columns)."""
        return _rows_of(self.activity, self._forms)


@dataclass(frozen=True)
class LibraryPaths:
    """The inventory files a study's library is loaded from."""

    own: list[Path]
    """The study's ``inventories`` (the shipped folder when it names none)."""
    extends: list[Path]
    """The shipped ``inventories/`` the study's own files add to (empty when they are the
    whole library)."""
    replaces: tuple[str, ...] = ()

    def load(self, partial: bool = False) -> Library:
        return load_library(self.own, partial, self.extends, self.replaces)


def _dependencies(inventories: list[str] | None, methods: str | None, base: Path,
                  shipped_inventories: bool = True, replaces: Sequence[str] = ()
                  ) -> tuple[LibraryPaths, Path]:
    root = shipped_root()
    shipped = [root / "inventories"]
    if inventories:
        paths = LibraryPaths([base / p for p in inventories],
                             shipped if shipped_inventories else [], tuple(replaces))
    else:
        paths = LibraryPaths(shipped, [])
    methods_file = base / methods if methods else root / "methods" / "default.yaml"
    return paths, methods_file


def _dependency_problems(data: Any, base: Path) -> list[Problem]:
    """Problems of the library and methods named by an (invalid) study's raw data."""
    if not isinstance(data, dict):
        return []
    inventories = data.get("inventories")
    methods = data.get("methods")
    if not (inventories is None or (isinstance(inventories, list) and
                                    all(isinstance(i, str) for i in inventories))):
        return []
    if not (methods is None or isinstance(methods, str)):
        return []
    shipped = data.get("shipped_inventories", True) is not False
    raw_replaces = data.get("replaces")
    replaces = [str(r) for r in raw_replaces] if isinstance(raw_replaces, list) else []
    inventory_paths, methods_file = _dependencies(inventories, methods, base, shipped, replaces)
    problems: list[Problem] = []
    for check in (lambda: resolve_library(inventory_paths.load(), bundled_flow_index()),
                  lambda: load_methods(methods_file, known_method_names())):
        try:
            check()
        except InputError as exc:
            problems.extend(exc.problems)
    return problems


def load_study(path: str | Path, flows: FlowIndex | None = None) -> ResolvedStudy:
    """Load, validate and resolve a study file; raise :class:`InputError` with every problem."""
    inputs = load_study_inputs(path, flows)
    return resolve_parsed(inputs.study, inputs.path, inputs.lines, inputs.library, inputs.methods,
                    inputs.methods_file, inputs.activity, inputs.row_path, inputs.activity_files,
                    inputs.rules_phases)


IN_MEMORY_FILE = "<in-memory study>"
"""The file name problems of an in-memory study are reported against."""


def resolve_study(study: Study | Mapping[str, Any], base_dir: str | Path = ".",
                  flows: FlowIndex | None = None) -> ResolvedStudy:
    """Validate and resolve an in-memory study: a :class:`~gpulca.schemas.scenario.Study` or
    the mapping a study file would hold. Relative paths (inventories, methods, activity files)
    are taken from ``base_dir``. Problems name the key path (no line numbers)."""
    data = study.model_dump(mode="json", exclude_none=True) if isinstance(study, Study) \
        else dict(study)
    path = Path(base_dir).resolve() / IN_MEMORY_FILE
    inputs = study_inputs_from_data(data, LineMap(IN_MEMORY_FILE), path, flows)
    resolved = resolve_parsed(inputs.study, inputs.path, inputs.lines, inputs.library,
                              inputs.methods, inputs.methods_file, inputs.activity,
                              inputs.row_path,
                              inputs.activity_files, inputs.rules_phases)
    text = json.dumps(data, sort_keys=True, default=str).encode()
    resolved.input_files[IN_MEMORY_FILE] = hashlib.sha256(text).hexdigest()
    return resolved


def load_study_inputs(path: str | Path, flows: FlowIndex | None = None) -> StudyInputs:
    """Load and parse a study file, its library, methods and activity (no resolution)."""
    path = Path(path)
    data, lines = load_yaml(path)
    return study_inputs_from_data(data, lines, path, flows)


def study_inputs_from_data(data: Any, lines: LineMap, path: Path,
                           flows: FlowIndex | None = None) -> StudyInputs:
    """Parse a study's data (as loaded from ``path``), its library, methods and activity."""
    problems: list[Problem] = []
    try:
        study = parse(Study, data, lines)
    except InputError as exc:
        # Still check the library and methods the file names, to report everything at once.
        problems.extend(exc.problems)
        problems.extend(_dependency_problems(data, path.parent))
        raise InputError(problems) from exc
    base = path.parent
    inventory_paths, methods_file = _dependencies(study.inventories, study.methods, base,
                                                  study.shipped_inventories, study.replaces)
    library = methods = None
    try:
        library = resolve_library(inventory_paths.load(), flows or bundled_flow_index())
    except InputError as exc:
        problems.extend(exc.problems)
    try:
        methods = load_methods(methods_file, known_method_names())
    except InputError as exc:
        problems.extend(exc.problems)
    rows: list[ActivityRow] | ActivityTable = []
    row_path: tuple[str | int, ...] = ("activity",)
    activity_files: list[Path] = []
    rules_phases: list[tuple[str, str]] = []
    try:
        rows, row_path, activity_files, rules_phases = _activity_rows(study, base)
    except InputError as exc:
        problems.extend(exc.problems)
    if problems or library is None or methods is None:
        raise InputError(problems)
    return StudyInputs(path, data, lines, study, library, methods, methods_file, rows, row_path,
                       activity_files, rules_phases)


def resolve_parsed(study: Study, path: Path, lines: LineMap, library: ResolvedLibrary,
             methods: MethodSet, methods_file: Path, rows: list[ActivityRow] | ActivityTable,
             row_path: tuple[str | int, ...], activity_files: list[Path],
             rules_phases: Sequence[tuple[str, str]] = (),
             input_files: dict[str, str] | None = None, check_rows: bool = True
             ) -> ResolvedStudy:
    """Resolve a parsed study.

    ``input_files`` (path -> sha256) skips re-hashing the files and ``check_rows=False`` skips
    the activity-row checks: variants of a study share its files and rows. ``rows`` is a list
    or columns (an activity CSV, checked column by column: :func:`_check_table`).
    """
    resolver = _Resolver(study, lines, library)
    # Precedence of labels: default taxonomy < the rules file's phases < the study's own.
    phases = phase_labels([*rules_phases, *((p.id, p.label) for p in study.phases)])
    deployment, serving_rows, found = resolve_deployment(study.deployment, lines, phases)
    resolver.problems.extend(found)
    site = _with_infrastructure(resolver, _resolve_site(resolver))
    hardware: dict[str, HardwareParameters] = {}
    wanted = [(study.hardware.accelerator, ("hardware", "accelerator"))] + [
        (accelerator, row_path + (i, "accelerator"))
        for i, accelerator in _row_accelerators(rows)]
    for accelerator_id, where in wanted:
        if accelerator_id not in hardware:
            resolved = _resolve_hardware(resolver, accelerator_id, where)
            if resolved is not None:
                hardware[accelerator_id] = resolved
    warnings = (_check_rows(resolver, rows, phases, row_path) if isinstance(rows, list) else
                _check_table(resolver, rows, phases, row_path)) if check_rows else []
    warnings += _replacements(resolver, study, library.library)
    if check_rows:
        for where, message, value in _implied_power_problems(
                rows, study.hardware.accelerator, hardware, study.activity.energy, row_path):
            resolver.problem(where, message, value)
    if serving_rows:
        rows = rows + serving_rows if isinstance(rows, list) else \
            rows.concat(ActivityTable.from_rows(serving_rows))
    _add_serving_hardware(resolver, study, hardware)
    if study.variants is not None:
        warnings.append("the study defines variants: `gpulca compare` computes them "
                        "(`gpulca run` computes the base study only)")
    extra = _extra_energy(resolver, phases)
    _check_reference(resolver, methods, phases)
    if resolver.problems:
        raise InputError(resolver.problems)
    if input_files is None:
        files = [path, methods_file, *library.library.files, *activity_files]
        input_files = {str(f): _file_hash(f) for f in files if f.is_file()}
    return ResolvedStudy(
        study=study, file=path, library=library, methods=methods, methods_file=methods_file,
        site=site, hardware=hardware, activity=rows, extra_energy_kwh=extra, phases=phases,
        assumptions=_dedupe(resolver.assumptions), warnings=warnings,
        input_files=dict(input_files), deployment=deployment)


def _add_serving_hardware(resolver: _Resolver, study: Study,
                          hardware: dict[str, HardwareParameters]) -> None:
    """Resolve the deployment's serving accelerator when the activity does not use it."""
    wanted = study.deployment.serving.accelerator if study.deployment else None
    if wanted and wanted not in hardware:
        resolved = _resolve_hardware(resolver, wanted, ("deployment", "serving", "accelerator"))
        if resolved is not None:
            hardware[wanted] = resolved


def _replacements(r: _Resolver, study: Study, library: Library) -> list[str]:
    """Every shipped entry the study's inventories replaced, as a warning; a ``replaces`` id
    that replaced nothing is a problem."""
    done = {item.key for item in library.replacements}
    for index, key in enumerate(study.replaces):
        if key not in done:
            r.problem(("replaces", index), "no entry of the study's inventories redefines a "
                      "shipped entry with this id", key)
    return [f"{item.message()} (listed in `replaces`)" for item in library.replacements]


def _dedupe(records: list[AssumptionRecord]) -> list[AssumptionRecord]:
    seen: dict[str, AssumptionRecord] = {}
    for record in records:
        seen.setdefault(record.key, record)
    return list(seen.values())


# -- a variant that changes the site only (gpulca.study.variants) ------------------------------

SITE_PART_KEYS = ("site.", "infrastructure.")
"""The assumption keys the site part of a resolution records (:func:`_resolve_site` and the
datacenter infrastructure); no other part records a key starting with one of these."""


def site_part_keys(base: ResolvedStudy, lines: LineMap) -> frozenset[str] | None:
    """The assumption keys ``base``'s site part records (resolving it again with ``lines``),
    or None when :func:`resolve_site_change` cannot rebuild a variant of it exactly: a key of
    the site part outside :data:`SITE_PART_KEYS`, or one inside them from another part."""
    resolver = _Resolver(base.study, lines, base.library)
    _with_infrastructure(resolver, _resolve_site(resolver))
    keys = frozenset(record.key for record in resolver.assumptions)
    others = {record.key for record in base.assumptions if record.key.startswith(SITE_PART_KEYS)}
    if resolver.problems or others != keys or \
            not all(key.startswith(SITE_PART_KEYS) for key in keys):
        return None
    return keys


def resolve_site_change(base: ResolvedStudy, study: Study, lines: LineMap
                        ) -> ResolvedStudy | None:
    """A variant of ``base`` (resolved with ``check_rows`` and its own line map; its
    :func:`site_part_keys` not None) that differs from it in its ``site`` section only (and in
    the line map under ``site``): the same as :func:`resolve_parsed` of ``study`` with
    ``check_rows=False`` and ``base``'s input files, resolving the site part alone and reusing
    the rest (hardware, activity rows, deployment, extra energy, phases) from ``base``.

    The parts it shares with ``base`` are ``base``'s own objects (not copies): read them, do
    not change them. Raises :class:`InputError` with the site part's problems (the rest of
    ``base`` resolved without any); None when an assumption key of the variant's site part
    is outside :data:`SITE_PART_KEYS` (resolve it in full)."""
    resolver = _Resolver(study, lines, base.library)
    site = _with_infrastructure(resolver, _resolve_site(resolver))
    warnings = _replacements(resolver, study, base.library.library)
    if resolver.problems:
        raise InputError(resolver.problems)
    if not all(record.key.startswith(SITE_PART_KEYS) for record in resolver.assumptions):
        return None
    rest = [record for record in base.assumptions if not record.key.startswith(SITE_PART_KEYS)]
    # a record equal to the base's (the infrastructure's, an unchanged zone's) is the base's
    same = {record.key: record for record in base.assumptions}
    records = [same[r.key] if same.get(r.key) == r else r for r in resolver.assumptions]
    if site.infrastructure == base.site.infrastructure:
        site = dataclasses.replace(site, infrastructure=base.site.infrastructure)
    # what the variant does not change is the base's own (equal to what resolving it anew
    # gives), shared rather than copied: thousands of variants hold their differences only
    return ResolvedStudy(
        study=study, file=base.file, library=base.library, methods=base.methods,
        methods_file=base.methods_file, site=site, hardware=base.hardware, activity=base.activity,
        extra_energy_kwh=base.extra_energy_kwh, phases=base.phases,
        assumptions=_dedupe(records + rest), warnings=warnings,
        input_files=base.input_files, deployment=base.deployment)
