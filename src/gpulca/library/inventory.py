"""Load the inventory library (``inventories/*.yaml``) and check it as a whole.

Loading is an ordered list of named steps, each collecting located problems rather than stopping
at the first: parse every file, merge them (codes are unique across the library), evaluate the
parameters, resolve every exchange (target exists, unit converts, formula evaluates, uncertainty
fits the amount), check the catalogue's references and that the technosphere matrix can be
solved (no loop of processes that consumes all it produces). The result, :class:`ResolvedLibrary`,
holds every exchange amount already converted to the unit of the process or flow it points at,
ready to be written to Brightway.
"""

from __future__ import annotations

import hashlib
import importlib.resources
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

from gpulca.core.errors import InputError, Problem
from gpulca.core.parameters import Parameter as StudyParameter
from gpulca.core.parameters import catalogue_parameters, checked_value
from gpulca.core.units import (
    UnitProblem,
    conversion_factor,
    magnitude_in,
    parse_quantity,
    registry,
    to_pint_unit,
)
from gpulca.io.yamlio import LineMap, load_yaml
from gpulca.library.flows import FlowIndex
from gpulca.library.formulas import FormulaError, as_quantity, evaluate, names_in
from gpulca.schemas import parse
from gpulca.schemas.inventory import (
    Accelerator,
    Exchange,
    ExternalProcessRef,
    GridZone,
    InventoryFile,
    Parameter,
    Process,
    Server,
    Site,
)

CATALOGUE_KINDS = ("accelerators", "servers", "grid_zones", "sites")


def shipped_root() -> Path:
    """The folder holding the shipped ``inventories/``, ``methods/`` and ``scenarios/``.

    In a source checkout (editable install) this is the repository root; in an installed wheel
    it is ``gpulca/_shipped``, which the build hook (setup.py) copies from the repository.
    """
    package = Path(str(importlib.resources.files("gpulca")))
    for candidate in (package.parent.parent, package / "_shipped"):
        if (candidate / "inventories").is_dir() and (candidate / "methods").is_dir():
            return candidate
    raise InputError(Problem(None, "", "the shipped inventories/ and methods/ folders were not "
                                       f"found next to {package}; reinstall gpulca (a wheel "
                                       "carries them in gpulca/_shipped)"))


def discover_yaml(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders into their ``*.yaml`` files (recursively, sorted); keep files as given."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.yaml") if p.is_file()))
        else:
            found.append(path)
    return found


@dataclass(frozen=True)
class Located:
    """An item of the library with the place it was defined."""

    item: Any
    lines: LineMap
    path: tuple[str | int, ...]

    def problem(self, sub: Sequence[str | int], message: str, value: object = None) -> Problem:
        return self.lines.problem(self.path + tuple(sub), message, value)


@dataclass(frozen=True)
class Replacement:
    """A shipped library entry redefined by a study's own inventory file."""

    section: str
    key: str
    by: str
    """``file:line`` of the study's entry."""
    shipped: str
    """``file:line`` of the shipped entry it replaces."""

    def message(self) -> str:
        return (f"{self.section[:-1].replace('_', ' ')} {self.key!r} of the shipped library "
                f"({self.shipped}) is replaced by {self.by}")


@dataclass
class Library:
    """The merged inventory files, each item with its origin."""

    files: list[Path] = field(default_factory=list)
    licenses: dict[str, str] = field(default_factory=dict)
    processes: dict[str, Located] = field(default_factory=dict)
    parameters: dict[str, Located] = field(default_factory=dict)
    accelerators: dict[str, Located] = field(default_factory=dict)
    servers: dict[str, Located] = field(default_factory=dict)
    grid_zones: dict[str, Located] = field(default_factory=dict)
    sites: dict[str, Located] = field(default_factory=dict)
    content_hash: str = ""
    failed_files: list[str] = field(default_factory=list)
    load_problems: list[Problem] = field(default_factory=list)
    """Files that did not parse (only in a partial load, see :func:`load_library`)."""
    shipped_files: list[Path] = field(default_factory=list)
    """The files of the library a study extends (see :func:`load_library`'s ``extends``)."""
    replacements: list[Replacement] = field(default_factory=list)
    """Shipped entries a study's own inventories redefined, each explicitly (``replaces:``)."""

    def process(self, code: str) -> Process:
        return cast(Process, self.processes[code].item)

    def accelerator(self, key: str) -> Accelerator:
        return cast(Accelerator, self.accelerators[key].item)

    def server(self, key: str) -> Server:
        return cast(Server, self.servers[key].item)

    def grid_zone(self, key: str) -> GridZone:
        return cast(GridZone, self.grid_zones[key].item)

    def site(self, key: str) -> Site:
        return cast(Site, self.sites[key].item)


@dataclass(frozen=True)
class ResolvedExchange:
    """An exchange with its amount in the unit of the process or flow it points at."""

    kind: str
    """``technosphere`` or ``biosphere``."""
    target: str | ExternalProcessRef
    """Process code in this library, biosphere3 flow code, or an external reference."""
    amount: float
    unit: str
    source_amount: float
    source_unit: str
    formula: str | None
    spec: Exchange


@dataclass
class ResolvedLibrary:
    """A library whose exchanges all resolved without problems."""

    library: Library
    exchanges: dict[str, list[ResolvedExchange]]
    parameter_values: dict[str, Any]
    flows: FlowIndex
    """The biosphere3 flows the exchanges were resolved against."""


# -- step 1 and 2: parse and merge ---------------------------------------------------------------

def _where(located: Located) -> str:
    return f"{located.lines.file}:{located.lines.line_of(located.path)}"


def _merge_file(library: Library, parsed: InventoryFile, lines: LineMap,
                problems: list[Problem], replaces: Collection[str] = (),
                shipped: Collection[str] = ()) -> None:
    if parsed.license:
        library.licenses[lines.file] = parsed.license
    sections: list[tuple[str, Sequence[Any], str]] = [
        ("processes", parsed.processes, "code"),
        ("parameters", parsed.parameters, "name"),
        ("accelerators", parsed.accelerators, "id"),
        ("servers", parsed.servers, "id"),
        ("grid_zones", parsed.grid_zones, "id"),
        ("sites", parsed.sites, "id"),
    ]
    for section, items, key_field in sections:
        target: dict[str, Located] = getattr(library, section)
        for index, item in enumerate(items):
            key = getattr(item, key_field)
            located = Located(item, lines, (section, index))
            if key in target:
                first = target[key]
                from_shipped = first.lines.file in shipped and lines.file not in shipped
                if from_shipped and key in replaces:
                    library.replacements.append(Replacement(section, key, _where(located),
                                                            _where(first)))
                    target[key] = located
                    continue
                hint = ("; the study's inventories extend the shipped library: to redefine "
                        "this entry, list it under the study's `replaces:`" if from_shipped
                        else "")
                problems.append(located.problem(
                    (key_field,), f"duplicate {key_field} in {section}; first defined at "
                    f"{_where(first)}{hint}", key))
                continue
            target[key] = located


def load_library(paths: Iterable[str | Path], partial: bool = False,
                 extends: Iterable[str | Path] = (), replaces: Collection[str] = ()
                 ) -> Library:
    """Parse and merge inventory files; raise :class:`InputError` listing every problem.

    With ``partial``, files that fail to parse are skipped (listed in ``failed_files``) and their
    problems are returned on ``library.load_problems`` instead, so that a validation run can go
    on checking the other files' references.

    ``extends`` (a study's case: the shipped ``inventories/``) is loaded first and ``paths`` add
    to it. An entry of ``paths`` whose id (process code, accelerator, zone...) is already in
    ``extends`` is an error, unless the id is in ``replaces``: then it replaces the shipped
    entry, and the replacement is recorded (``library.replacements``).
    """
    library = Library()
    problems: list[Problem] = []
    digest = hashlib.sha256()
    base_files = discover_yaml(extends)
    library.shipped_files = list(base_files)
    shipped = {str(f) for f in base_files}
    files = base_files + [f for f in discover_yaml(paths) if str(f) not in shipped]
    if not files:
        raise InputError(Problem(None, "inventories", "no inventory files found",
                                 value=", ".join(map(str, paths))))
    for path in files:
        try:
            data, lines = load_yaml(path)
            parsed = parse(InventoryFile, data, lines)
        except InputError as exc:
            problems.extend(exc.problems)
            library.failed_files.append(str(path))
            continue
        library.files.append(path)
        digest.update(str(path.name).encode() + b"\0" + path.read_bytes())
        _merge_file(library, parsed, lines, problems, replaces, shipped)
    library.content_hash = digest.hexdigest()
    if partial:
        library.load_problems = problems
        return library
    if problems:
        raise InputError(problems)
    return library


# -- step 3: parameters ---------------------------------------------------------------------------

def _parameter_order(library: Library, problems: list[Problem]) -> list[str]:
    """Parameters in dependency order; cycles and unknown names are problems."""
    dependencies: dict[str, set[str]] = {}
    for name, located in library.parameters.items():
        parameter: Parameter = located.item
        if parameter.formula is None:
            dependencies[name] = set()
            continue
        try:
            dependencies[name] = names_in(parameter.formula)
        except FormulaError as exc:
            problems.append(located.problem(("formula",), str(exc), parameter.formula))
            dependencies[name] = set()
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            located = library.parameters[name]
            problems.append(located.problem(("formula",), "circular reference: "
                                            + " -> ".join(chain + (name,))))
            return
        state[name] = 1
        for dependency in sorted(dependencies.get(name, ())):
            if dependency in library.parameters:
                visit(dependency, chain + (name,))
        state[name] = 2
        order.append(name)

    for name in library.parameters:
        visit(name, ())
    return order


def evaluate_parameters(library: Library, problems: list[Problem]) -> dict[str, Any]:
    """Evaluate every parameter to a pint quantity (dimensionless for bare numbers)."""
    values: dict[str, Any] = {}
    for name in _parameter_order(library, problems):
        located = library.parameters[name]
        parameter: Parameter = located.item
        try:
            if parameter.formula is not None:
                values[name] = as_quantity(evaluate(parameter.formula, values))
            else:
                values[name] = parse_quantity(parameter.value, "dimensionless")  # type: ignore[arg-type]
        except (FormulaError, UnitProblem) as exc:
            key = "formula" if parameter.formula is not None else "value"
            problems.append(located.problem((key,), str(exc), getattr(parameter, key)))
    return values


# -- step 4: exchanges ----------------------------------------------------------------------------

def _exchange_amount(exchange: Exchange, values: dict[str, Any], target_unit: str) -> float:
    """Amount of ``exchange`` expressed in ``target_unit``; raises FormulaError or UnitProblem."""
    if exchange.formula is None:
        return float(exchange.amount or 0.0) * conversion_factor(exchange.unit, target_unit)
    result = as_quantity(evaluate(exchange.formula, values))
    # The formula's own unit times the declared unit, so "0.7 * hours" with unit "kWh" works
    # as well as a formula whose parameters carry the full unit and a declared unit "kWh".
    declared = (registry().Quantity(1.0, to_pint_unit(exchange.unit)) if exchange.unit
                else as_quantity(1.0))  # to_pint_unit: Brightway spellings ("standard cubic meter")
    quantity = result * declared if result.dimensionless else result
    return magnitude_in(quantity, target_unit)


def _resolve_exchange(located: Located, index: int, exchange: Exchange, library: Library,
                      flows: FlowIndex, values: dict[str, Any], problems: list[Problem]
                      ) -> ResolvedExchange | None:
    where = ("exchanges", index)
    target: str | ExternalProcessRef
    if exchange.biosphere is not None:
        flow = flows.find(exchange.biosphere)
        if flow is None:
            hint = flows.suggestions(exchange.biosphere)
            problems.append(located.problem(
                where + ("biosphere",), "no such biosphere3 flow"
                + (f"; close matches: {'; '.join(hint)}" if hint else ""),
                exchange.biosphere.code or exchange.biosphere.name))
            return None
        target, target_unit = flow.code, flow.unit
    elif isinstance(exchange.technosphere, ExternalProcessRef):
        # Checked when the database is built, against the project's own databases.
        target, target_unit = exchange.technosphere, exchange.unit
    else:
        code = str(exchange.technosphere)
        if code not in library.processes:
            note = " (or it is in a file that failed to load)" if library.failed_files else ""
            problems.append(located.problem(where + ("technosphere",),
                                            "no process with this code in the library" + note,
                                            code))
            return None
        target, target_unit = code, library.process(code).unit
    try:
        amount = _exchange_amount(exchange, values, target_unit)
        if exchange.uncertainty is not None:  # stated in the exchange's own unit
            factor = amount / exchange.amount if exchange.amount else 1.0
            exchange.uncertainty.scaled(factor).to_stats_arrays(amount)
    except (FormulaError, UnitProblem, ValueError) as exc:
        key = "formula" if exchange.formula else "unit"
        problems.append(located.problem(where + (key,), str(exc),
                                        exchange.formula or exchange.unit))
        return None
    return ResolvedExchange(
        "biosphere" if exchange.biosphere else "technosphere", target, amount, target_unit,
        float(exchange.amount) if exchange.amount is not None else float("nan"),
        exchange.unit, exchange.formula, exchange)


def unit_factor(exchange: ResolvedExchange) -> float:
    """Amount in the target's unit / amount as written (1 for a formula): the factor that
    brings the exchange's uncertainty, stated in its own unit, to the target's unit."""
    if exchange.formula is not None or not exchange.source_amount:
        return 1.0
    return exchange.amount / exchange.source_amount


# -- step 5: catalogue references -----------------------------------------------------------------

def _expect_process(library: Library, located: Located, key: str, code: str, unit: str,
                    problems: list[Problem]) -> None:
    if code not in library.processes:
        hint = " (or it is in a file that failed to load)" if library.failed_files else ""
        problems.append(located.problem((key,), "no process with this code in the library"
                                        + hint, code))
        return
    actual = library.process(code).unit
    try:
        conversion_factor(actual, unit)
    except UnitProblem:
        problems.append(located.problem(
            (key,), f"process {code!r} is in {actual!r}; expected a process in {unit!r}", code))


def _expect_quantity(located: Located, key: str, parameter: StudyParameter,
                     problems: list[Problem]) -> None:
    """A catalogue field's sourced value: parsed and range-checked as the study's would be."""
    sourced = getattr(located.item, key)
    if sourced is None:
        return
    _, message = checked_value(parameter, sourced.value)
    if message is not None:
        problems.append(located.problem((key, "value"), message, sourced.value))


def _expect_quantities(section: str, located: Located, problems: list[Problem]) -> None:
    """Every quantity the parameter table says a ``section`` entry supplies."""
    for key, parameter in catalogue_parameters(section):
        _expect_quantity(located, key, parameter, problems)


def check_catalogue(library: Library, problems: list[Problem]) -> None:
    """Check that catalogue entries point at existing processes of the right unit and that their
    values are plausible (units and ranges: :data:`gpulca.core.parameters.PARAMETERS`)."""
    for located in library.accelerators.values():
        _expect_process(library, located, "manufacturing", located.item.manufacturing, "unit",
                        problems)
        _expect_quantities("accelerators", located, problems)
    for located in library.servers.values():
        _expect_process(library, located, "manufacturing", located.item.manufacturing, "unit",
                        problems)
        _expect_quantities("servers", located, problems)
    for located in library.grid_zones.values():
        _expect_process(library, located, "electricity", located.item.electricity,
                        "kilowatt hour", problems)
    for located in library.sites.values():
        site: Site = located.item
        if site.grid_zone not in library.grid_zones:
            problems.append(located.problem(("grid_zone",), "no such grid zone in the library",
                                            site.grid_zone))
        _expect_process(library, located, "cooling_evaporation", site.cooling_evaporation,
                        "cubic meter", problems)
        _expect_process(library, located, "cooling_return", site.cooling_return,
                        "cubic meter", problems)
        _expect_quantities("sites", located, problems)


# -- step 6: a solvable technosphere -------------------------------------------------------------

SINGULAR = 1e-12
"""Smallest singular value of the technosphere matrix, relative to the largest, below which the
matrix cannot be solved (bw2calc would fail or return nonsense)."""


def check_technosphere(library: Library, exchanges: dict[str, list[ResolvedExchange]],
                       problems: list[Problem]) -> None:
    """A loop of processes that consumes all it produces (A needs 1 B, B needs 1 A) makes the
    technosphere matrix singular: report each exchange of the loop, located, before anything is
    written to Brightway."""
    codes = list(library.processes)
    if not codes:
        return
    index = {code: i for i, code in enumerate(codes)}
    matrix = np.eye(len(codes))
    for code, resolved in exchanges.items():
        for exchange in resolved:
            if exchange.kind == "technosphere" and str(exchange.target) in index:
                matrix[index[str(exchange.target)], index[code]] -= exchange.amount
    singular = np.linalg.svd(matrix)
    values, right = singular[1], singular[2]
    if values[-1] > SINGULAR * max(values[0], 1.0):
        return
    null = np.abs(right[-1])
    involved = {codes[i] for i in np.flatnonzero(null > 1e-6 * null.max())}
    loop = ", ".join(sorted(involved))
    for code in sorted(involved):
        located = library.processes[code]
        for position, exchange in enumerate(located.item.exchanges):
            if exchange.technosphere is not None and str(exchange.technosphere) in involved:
                problems.append(located.problem(
                    ("exchanges", position, "technosphere"),
                    f"the technosphere matrix is singular: the processes {loop} form a loop "
                    "that consumes all it produces; break the loop or lower an amount",
                    str(exchange.technosphere)))


def resolve_library(library: Library, flows: FlowIndex) -> ResolvedLibrary:
    """Run every check; raise :class:`InputError` listing all problems, else return amounts."""
    problems: list[Problem] = []
    values = evaluate_parameters(library, problems)
    exchanges: dict[str, list[ResolvedExchange]] = {}
    for code, located in library.processes.items():
        process: Process = located.item
        resolved = [_resolve_exchange(located, i, exchange, library, flows, values, problems)
                    for i, exchange in enumerate(process.exchanges)]
        exchanges[code] = [r for r in resolved if r is not None]
        try:
            conversion_factor(process.unit, process.unit)
        except UnitProblem as exc:
            problems.append(located.problem(("unit",), str(exc), process.unit))
    check_catalogue(library, problems)
    if not problems:
        check_technosphere(library, exchanges, problems)
    if problems:
        raise InputError(problems)
    return ResolvedLibrary(library, exchanges, values, flows)
