"""Alternatives beside the key values of the library, and the audit of their spread (issue 20).

For the values that drive results (card and host manufacturing, grid factors, PUE, WUE...), the
alternatives files (``data/curated/alternatives.yaml``, and ``data/derived/alternatives-grid.yaml``
written by ``scripts/build_library.py``) record the chosen value and the other published values
(source, value, unit, scope), and why the chosen one was chosen. :func:`audit_entries` computes,
per value, the spread (max/min), the median of the independent sources, the flags, and a
proposed distribution.

Rules (documented in docs/audit.md):

- **outlier**: the chosen value is more than :data:`OUTLIER_FACTOR` (2) from the median of the
  independent alternatives (``independent: true``), in either direction;
- **component disagrees while total agrees**: a component (``total:`` names its total) is an
  outlier while its total is not;
- an outlier passes the audit only when the entry says why (``explained``);
- **proposed distribution**: lognormal with the chosen value as median, the smallest and largest
  of the chosen and the independent values (all values when none is independent) taken as its
  2.5% and 97.5% quantiles: ``gsd = exp(ln(max / min) / (2 x 1.96))``; none when every value
  is equal.

Pure functions; no Brightway, no pandas.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints

from gpulca.core.errors import InputError, Problem
from gpulca.core.units import UnitProblem, conversion_factor
from gpulca.io.yamlio import LineMap, load_yaml
from gpulca.library.inventory import shipped_root
from gpulca.schemas import parse
from gpulca.schemas.common import NonEmptyStr, Quality, StrictModel

OUTLIER_FACTOR = 2.0
"""A chosen value further than this factor from the median of independent sources is flagged."""

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=120)]


class PublishedValue(StrictModel):
    """One published value: the number, its unit, where it was published and its scope."""

    value: float = Field(gt=0)
    unit: NonEmptyStr
    source: NonEmptyStr
    quality: Quality
    comment: str | None = None


class Alternative(PublishedValue):
    """Another published value of the same quantity."""

    independent: bool
    """True when the source does not derive from the chosen value's data."""
    scope: NonEmptyStr
    """``same`` (the entry's scope), or how this value's scope differs (e.g. 'cradle to gate,
    no end of life'): required, so that a difference of scope is never left unsaid."""


class KeyValue(StrictModel):
    """A key value of the library, the value chosen and the alternatives known."""

    key: Key
    what: NonEmptyStr
    indicator: NonEmptyStr
    """What is measured, with its characterised unit in words (e.g. 'climate change, kg CO2-eq')."""
    unit: NonEmptyStr
    """The unit of ``chosen`` (a unit gpulca's registry reads: kilogram, g/kWh, L/kWh...)."""
    scope: NonEmptyStr
    chosen: PublishedValue
    where: NonEmptyStr
    """Where the library carries it: a process code or catalogue entry and file."""
    process: NonEmptyStr | None = None
    """Process whose score in ``category`` is the chosen value (checked by tests)."""
    category: NonEmptyStr | None = None
    why_chosen: NonEmptyStr
    total: Key | None = None
    """Key of the total this value is a component of."""
    explained: NonEmptyStr | None = None
    """Why an outlier is kept (or how it was corrected)."""
    alternatives: list[Alternative] = Field(default_factory=list)


class AlternativesFile(StrictModel):
    description: str | None = None
    license: NonEmptyStr | None = None
    attribution: str | None = None
    values: list[KeyValue]


@dataclass(frozen=True)
class Located:
    entry: KeyValue
    file: str
    line: int | None


@dataclass(frozen=True)
class AuditRow:
    """The audit of one key value (every number in the entry's unit)."""

    key: str
    what: str
    indicator: str
    unit: str
    chosen: float
    chosen_source: str
    alternatives: int
    independent: int
    minimum: float
    maximum: float
    spread: float
    """max / min over the chosen and alternative values."""
    independent_median: float | None
    ratio_to_median: float | None
    outlier: bool
    component_disagrees: bool
    explained: str
    status: str
    """'ok', 'explained' or 'UNEXPLAINED'."""
    proposed: str
    """Proposed distribution, e.g. 'lognormal gsd 1.42', or '' when no spread."""
    proposed_gsd: float | None
    """The proposed lognormal's geometric standard deviation (median: the chosen value), for
    the uncertainty analysis; None when the sources do not differ."""
    file: str
    line: int | None


def default_alternative_paths() -> list[Path]:
    """The shipped alternatives files (hand-written and generated)."""
    root = shipped_root() / "data"
    return [p for p in (root / "curated" / "alternatives.yaml",
                        root / "derived" / "alternatives-grid.yaml") if p.is_file()]


def _check_entry(entry: KeyValue, index: int, lines: LineMap) -> list[Problem]:
    """Units convert to the entry's; a scope that differs is stated."""
    problems: list[Problem] = []
    values: list[tuple[tuple[str | int, ...], PublishedValue]] = [
        (("values", index, "chosen"), entry.chosen)]
    values += [(("values", index, "alternatives", i), alt)
               for i, alt in enumerate(entry.alternatives)]
    for path, item in values:
        try:
            conversion_factor(item.unit, entry.unit)
        except UnitProblem:
            problems.append(lines.problem((*path, "unit"), f"unit does not convert to the "
                                          f"entry's unit {entry.unit!r}", item.unit))
    if (entry.process is None) != (entry.category is None):
        problems.append(lines.problem(("values", index), "give both 'process' and 'category' "
                                      "or neither"))
    return problems


def _shown(path: Path) -> str:
    """``path`` relative to the current folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_alternatives(paths: Iterable[str | Path] | None = None) -> list[Located]:
    """Parse alternatives files; raise :class:`InputError` listing every problem (located)."""
    chosen = list(paths) if paths is not None else default_alternative_paths()
    if not chosen:
        raise InputError(Problem(None, "alternatives", "no alternatives file found (expected "
                                 "data/curated/alternatives.yaml beside the shipped "
                                 "inventories/); pass --alternatives FILE"))
    problems: list[Problem] = []
    out: list[Located] = []
    seen: dict[str, str] = {}
    for path in chosen:
        try:
            data, lines = load_yaml(path)
            parsed = parse(AlternativesFile, data, lines)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        for index, entry in enumerate(parsed.values):
            problems.extend(_check_entry(entry, index, lines))
            line = lines.line_of(("values", index, "key"))
            if entry.key in seen:
                problems.append(lines.problem(("values", index, "key"),
                                              f"duplicate key (first in {seen[entry.key]})",
                                              entry.key))
            seen[entry.key] = f"{path}:{line}"
            out.append(Located(entry, _shown(Path(path)), line))
    keys = {located.entry.key for located in out}
    for located in out:
        if located.entry.total is not None and located.entry.total not in keys:
            problems.append(Problem(located.file, f"{located.entry.key}.total",
                                    "no key value with this key", located.line,
                                    located.entry.total))
    if problems:
        raise InputError(problems)
    return out


def _in_unit(item: PublishedValue, unit: str) -> float:
    return item.value * conversion_factor(item.unit, unit)


def proposed_lognormal_gsd(values: Sequence[float]) -> float | None:
    """GSD of the lognormal whose 2.5%-97.5% range spans ``values`` (None without spread)."""
    low, high = min(values), max(values)
    if high <= low * (1 + 1e-9):
        return None
    return math.exp(math.log(high / low) / (2 * 1.96))


def _is_outlier(chosen: float, median: float | None) -> bool:
    if median is None:
        return False
    ratio = chosen / median
    return ratio > OUTLIER_FACTOR or ratio < 1 / OUTLIER_FACTOR


def audit_entries(entries: Sequence[Located]) -> list[AuditRow]:
    """One :class:`AuditRow` per key value, in file order."""
    outliers: dict[str, bool] = {}
    medians: dict[str, float | None] = {}
    for located in entries:
        entry = located.entry
        chosen = _in_unit(entry.chosen, entry.unit)
        independent = [_in_unit(a, entry.unit) for a in entry.alternatives if a.independent]
        medians[entry.key] = statistics.median(independent) if independent else None
        outliers[entry.key] = _is_outlier(chosen, medians[entry.key])
    rows = []
    for located in entries:
        entry = located.entry
        chosen = _in_unit(entry.chosen, entry.unit)
        values = [chosen] + [_in_unit(a, entry.unit) for a in entry.alternatives]
        median = medians[entry.key]
        outlier = outliers[entry.key]
        disagrees = bool(outlier and entry.total is not None and not outliers[entry.total])
        status = "ok" if not (outlier or disagrees) else (
            "explained" if entry.explained else "UNEXPLAINED")
        independent = [_in_unit(a, entry.unit) for a in entry.alternatives if a.independent]
        gsd = proposed_lognormal_gsd([chosen, *independent] if independent else values)
        rows.append(AuditRow(
            key=entry.key, what=entry.what, indicator=entry.indicator, unit=entry.unit,
            chosen=chosen, chosen_source=entry.chosen.source,
            alternatives=len(entry.alternatives),
            independent=sum(a.independent for a in entry.alternatives),
            minimum=min(values), maximum=max(values), spread=max(values) / min(values),
            independent_median=median,
            ratio_to_median=None if median is None else chosen / median,
            outlier=outlier, component_disagrees=disagrees, explained=entry.explained or "",
            status=status, proposed="" if gsd is None else f"lognormal gsd {gsd:.3f}",
            proposed_gsd=gsd,
            file=located.file, line=located.line))
    return rows


def unexplained(rows: Iterable[AuditRow]) -> list[AuditRow]:
    """The rows that fail the audit: outliers without an explanation."""
    return [row for row in rows if row.status == "UNEXPLAINED"]
