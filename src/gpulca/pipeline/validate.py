"""Check inventories, methods and studies, collecting every problem into one report.

Each YAML file is classified by its top-level keys: ``impact_categories`` -> methods file;
``activity`` or ``site`` -> study; inventory sections (``processes``, ``parameters``,
``accelerators``...) -> inventory. Inventory files are checked together, as one library, so
cross-file references resolve. A study is checked by resolving it completely (its own library,
methods and activity data, and every variant of its ``variants:`` block) without touching
Brightway. Other YAML kinds (e.g. ingestion rules)
register a checker in :data:`EXTRA_CHECKERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gpulca.core.errors import InputError, Problem, ProblemList
from gpulca.engine.bundled import bundled_flow_index, known_method_names
from gpulca.io.yamlio import load_yaml
from gpulca.library.inventory import discover_yaml, load_library, resolve_library, shipped_root
from gpulca.library.methods import load_methods
from gpulca.study.variants import load_variants

INVENTORY_KEYS = {"processes", "parameters", "accelerators", "servers", "grid_zones", "sites"}

Checker = Callable[[Path], None]
"""Raises InputError for a file it does not accept."""


def _is_ingest_rules(path: Path, data: Any) -> bool:
    """A tagging-rules file of ``gpulca ingest sacct``: its name contains ``rules``."""
    return "rules" in path.name and isinstance(data, dict) and "rules" in data


def _check_ingest_rules(path: Path) -> None:
    from gpulca.ingest.rules import load_rules

    load_rules(path)


EXTRA_CHECKERS: list[tuple[Callable[[Path, Any], bool], Checker]] = [
    (_is_ingest_rules, _check_ingest_rules),
]
"""(recognise(path, data), check(path)) pairs for other YAML kinds, e.g. ingestion rules.
They are tried first: a rules file may have keys (``accelerators``) of another kind."""


@dataclass
class ValidationResult:
    """The problems found (``report``) and what was checked, by kind."""

    report: ProblemList = field(default_factory=ProblemList)
    checked: dict[str, list[Path]] = field(default_factory=dict)


def classify(path: Path, data: Any) -> str:
    """The kind of a parsed YAML file: inventory, methods, study, extra, or unknown."""
    for recognise, _ in EXTRA_CHECKERS:
        if recognise(path, data):
            return "extra"
    if isinstance(data, dict):
        if "impact_categories" in data:
            return "methods"
        if "activity" in data or "site" in data:
            return "study"
        if INVENTORY_KEYS & set(data):
            return "inventory"
    return "unknown"


def _collect(report: ProblemList, check: Callable[..., object], *args: Any) -> None:
    try:
        check(*args)
    except InputError as exc:
        report.extend(exc.problems)


def _check_extra(report: ProblemList, path: Path, data: Any) -> None:
    for recognise, check in EXTRA_CHECKERS:
        if recognise(path, data):
            _collect(report, check, path)
            return


def _load_methods(path: Path) -> None:
    load_methods(path, known_method_names())


def validate_paths(paths: Iterable[str | Path]) -> ValidationResult:
    """Validate every YAML file found under ``paths``; never raises InputError."""
    result = ValidationResult()
    kinds: dict[str, list[Path]] = {"inventory": [], "methods": [], "study": [], "extra": []}
    for path in discover_yaml(paths):
        if not path.exists():
            result.report.add(Problem(str(path), "", "no such file or folder"))
            continue
        try:
            data, _ = load_yaml(path)
        except InputError as exc:
            result.report.extend(exc.problems)
            continue
        kind = classify(path, data)
        if kind == "unknown":
            result.report.add(Problem(str(path), "", "not a gpulca file: expected an inventory "
                                      "(processes, parameters, accelerators...), a methods file "
                                      "(impact_categories) or a study (site, activity)"))
            continue
        kinds[kind].append(path)
        if kind == "extra":
            _check_extra(result.report, path, data)
    if kinds["inventory"]:
        _collect(result.report, lambda: _check_library(result.report, kinds["inventory"]))
    for path in kinds["methods"]:
        _collect(result.report, _load_methods, path)
    for path in kinds["study"]:  # with every variant, resolved like the base study
        _collect(result.report, load_variants, path)
    result.report.problems = _unique(result.report.problems)
    result.checked = {k: v for k, v in kinds.items() if v}
    return result


def _library_problems(files: list[Path], extends: list[Path] | None = None) -> list[Problem]:
    """Problems of inventory files checked as one library (going on past files that fail to
    parse), on their own or added to the library ``extends``."""
    library = load_library(files, partial=True, extends=extends or [])
    problems = list(library.load_problems)
    if library.processes or library.parameters:
        try:
            resolve_library(library, bundled_flow_index())
        except InputError as exc:
            problems.extend(exc.problems)
    return problems


def _check_library(report: ProblemList, files: list[Path]) -> None:
    """Check inventory files as one library. Files that do not resolve on their own but do as
    an addition to the shipped library are a study's own inventories (which extend it): fine."""
    alone = _library_problems(files)
    if alone:
        shipped = sorted(discover_yaml([shipped_root() / "inventories"]))
        if not set(files) <= set(shipped) and not _library_problems(files, shipped):
            return
    report.extend(alone)


def _unique(problems: list[Problem]) -> list[Problem]:
    """A study re-checks its library: keep each problem once."""
    return list(dict.fromkeys(problems))
