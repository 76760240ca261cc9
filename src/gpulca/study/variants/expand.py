"""Expansion of a study's ``variants:`` block into plans: layers of settings per variant.

The named checks (:data:`CHECKS`) run first and report every problem with its place in the
study file; :func:`expand` then builds one :class:`VariantPlan` per variant and sweep point,
expanding shorthands and detecting conflicting overrides. The order of precedence is documented
in :mod:`gpulca.study.variants`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from gpulca.core.errors import InputError, Problem
from gpulca.core.parameters import (
    PARAMETERS,
    Where,
    catalogue_parameters,
    catalogue_switches,
    checked_value,
)
from gpulca.io.yamlio import LineMap, load_yaml
from gpulca.schemas import parse
from gpulca.schemas.common import SourcedValue
from gpulca.schemas.variants import (
    BASE,
    OVERRIDE_KEYS,
    CoolingCatalogue,
    CoolingType,
    SweepSpec,
    VariantSet,
)

PathKey = tuple[str | int, ...]
MAX_VARIANTS = 100_000
"""A sweep larger than this is refused (a typo in an axis rather than an intent)."""

CATALOGUE_SWITCHES: dict[str, tuple[str, ...]] = catalogue_switches()
"""Catalogue keys, and the base-study keys dropped when a variant picks another entry (from the
parameter table's ``supplied_by``)."""

COOLING_KEYS = PARAMETERS["site.cooling_type"].expands_to
"""The study keys the ``site.cooling_type`` shorthand sets."""
NOT_IN_DOCUMENT = tuple(key for key in OVERRIDE_KEYS
                        if PARAMETERS[key].shorthand and not PARAMETERS[key].expands_to)
"""Shorthands that act on the resolved study rather than on the study document."""
VARIANTS_PATH: PathKey = ("variants",)

Kind = Literal["base", "variant", "sweep"]


@dataclass(frozen=True)
class Setting:
    """One override as written in the study file."""

    key: str
    value: Any
    set_by: str
    """The variant (or ``sweep <name>``) that wrote it."""
    origin: PathKey
    """Where it is written in the study file (key path)."""
    note: str = ""
    """For values a shorthand expanded to: the shorthand, e.g. ``site.cooling_type free_air``."""


@dataclass(frozen=True, slots=True)  # thousands per sweep: no dict each
class AppliedOverride:
    """One change applied to the base study to make a variant, in application order."""

    variant: str
    step: int
    key: str
    old: str
    new: str
    set_by: str
    origin: str
    """``file:line`` of the override."""
    note: str = ""

    def __str__(self) -> str:
        extra = f"; {self.note}" if self.note else ""
        return f"{self.key} {self.old} -> {self.new} (set by {self.set_by}{extra})"


@dataclass(frozen=True)
class VariantPlan:
    """A variant before application: its layers of settings, lowest precedence first."""

    name: str
    kind: Kind
    description: str | None
    layers: tuple[tuple[Setting, ...], ...]
    parents: tuple[str, ...] = ()

    def effective(self) -> dict[str, Setting]:
        """The winning setting of every key (later layers win)."""
        merged: dict[str, Setting] = {}
        for layer in self.layers:
            for setting in layer:
                merged[setting.key] = setting
        return merged



# -- the cooling catalogue -------------------------------------------------------------------

@lru_cache(maxsize=1)
def cooling_catalogue() -> dict[str, CoolingType]:
    """The shipped cooling technologies by id (``gpulca/data/cooling_types.yaml``), their values
    checked against the parameter table like a library site's."""
    import importlib.resources

    path = Path(str(importlib.resources.files("gpulca") / "data" / "cooling_types.yaml"))
    data, lines = load_yaml(path)
    catalogue = parse(CoolingCatalogue, data, lines).cooling_types
    problems = [problem for index, entry in enumerate(catalogue)
                for problem in _cooling_problems(entry, lines, ("cooling_types", index))]
    if problems:
        raise InputError(problems)
    return {c.id: c for c in catalogue}


def _cooling_problems(entry: CoolingType, lines: LineMap, path: PathKey) -> list[Problem]:
    problems = []
    for key, parameter in catalogue_parameters("cooling_types"):
        sourced: SourcedValue | None = getattr(entry, key)
        if sourced is None:
            continue
        _, message = checked_value(parameter, sourced.value)
        if message is not None:
            problems.append(lines.problem(path + (key, "value"), message, sourced.value))
    return problems


# -- checks before expansion (each a named rule returning located problems) -----------------

def _parents(spec: VariantSet) -> Iterator[tuple[PathKey, str, list[str]]]:
    for name, variant in spec.define.items():
        yield VARIANTS_PATH + ("define", name, "inherits"), name, variant.inherits
    for name, sweep in spec.sweeps.items():
        yield VARIANTS_PATH + ("sweeps", name, "inherits"), f"sweep {name}", sweep.inherits


def check_reserved_names(spec: VariantSet, lines: LineMap) -> list[Problem]:
    """``base`` names the study as written; no variant or sweep may take it."""
    return [lines.problem(VARIANTS_PATH + (section, BASE), "'base' is reserved for the study "
                          "as written; choose another name", BASE)
            for section in ("define", "sweeps") if BASE in getattr(spec, section)]


def check_parents_exist(spec: VariantSet, lines: LineMap) -> list[Problem]:
    """Every name in ``inherits`` is a defined variant (or ``base``)."""
    known = sorted(spec.define) + [BASE]
    problems = []
    for path, _, parents in _parents(spec):
        for index, parent in enumerate(parents):
            if parent not in known:
                close = get_close_matches(parent, known, n=3, cutoff=0.5)
                hint = f"did you mean {', '.join(close)}? " if close else ""
                problems.append(lines.problem(path + (index,), f"unknown variant; {hint}"
                                              f"defined variants: {', '.join(known)}", parent))
    return problems


def check_no_cycles(spec: VariantSet, lines: LineMap) -> list[Problem]:
    """Inheritance must not loop back (``a -> b -> a``)."""
    problems: list[Problem] = []
    state: dict[str, int] = {}

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if state.get(name) == 2 or name not in spec.define:
            return
        if state.get(name) == 1:
            cycle = chain[chain.index(name):] + (name,)
            problems.append(lines.problem(VARIANTS_PATH + ("define", cycle[-2], "inherits"),
                                          "inheritance cycle: " + " -> ".join(cycle)))
            return
        state[name] = 1
        for parent in spec.define[name].inherits:
            visit(parent, chain + (name,))
        state[name] = 2

    for name in spec.define:
        visit(name, ())
    return problems


def check_sweep_axes(spec: VariantSet, lines: LineMap) -> list[Problem]:
    """Axis values are distinct (they name the sweep points) and the sweep is not huge."""
    problems = []
    for name, sweep in spec.sweeps.items():
        for key, values in sweep.axes.items():
            seen: dict[str, int] = {}
            for index, value in enumerate(values):
                label = render_value(value)
                if label in seen:
                    problems.append(lines.problem(
                        VARIANTS_PATH + ("sweeps", name, "axes", key, index),
                        f"duplicate value in sweep axis (same as item {seen[label] + 1})", label))
                seen.setdefault(label, index)
        size = math.prod(len(v) for v in sweep.axes.values())
        if size > MAX_VARIANTS:
            problems.append(lines.problem(VARIANTS_PATH + ("sweeps", name, "axes"),
                                          f"the sweep expands to {size:,} variants, over the "
                                          f"limit of {MAX_VARIANTS:,}"))
    return problems


def check_baseline(spec: VariantSet, lines: LineMap, names: list[str]) -> list[Problem]:
    """The baseline of the comparison is one of the variants."""
    if spec.baseline in names:
        return []
    close = get_close_matches(spec.baseline, names, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return [lines.problem(VARIANTS_PATH + ("baseline",), f"no such variant{hint}",
                          spec.baseline)]


def check_settable(spec: VariantSet, lines: LineMap) -> list[Problem]:
    """A variant sets only keys the parameter table lets a variant set, a sweep only keys it
    lets a sweep set (the schema already refused keys that neither may set)."""
    places: list[tuple[Where, dict[str, Any], PathKey]] = [
        ("variant", variant.overrides, VARIANTS_PATH + ("define", name, "overrides"))
        for name, variant in spec.define.items()]
    places += [("sweep", sweep.axes, VARIANTS_PATH + ("sweeps", name, "axes"))
               for name, sweep in spec.sweeps.items()]
    return [lines.problem(path + (key,), f"a {where} may not set {key}; it may be set in: "
                          f"{', '.join(PARAMETERS[key].settable)}", key)
            for where, keys, path in places for key in keys
            if where not in PARAMETERS[key].settable]


CHECKS = (check_reserved_names, check_parents_exist, check_no_cycles, check_sweep_axes,
          check_settable)
"""Rules checked before any variant is expanded; each returns located problems."""


# -- expansion into plans -------------------------------------------------------------------

def render_value(value: Any) -> str:
    """A short text for a value: a sourced value shows its value only."""
    kind = type(value)
    if kind is float:  # the usual cases first (isinstance of a pydantic model is slow)
        return f"{value:g}"
    if kind is str or kind is int:
        return str(value)
    if isinstance(value, dict) and "value" in value:
        value = value["value"]
    if isinstance(value, SourcedValue):
        value = value.value
    if value is None:
        return "(not set)"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class _Expander:
    """Turns the ``variants`` block into plans; collects conflicts and shorthand problems."""

    def __init__(self, spec: VariantSet, lines: LineMap) -> None:
        self.spec, self.lines = spec, lines
        self.problems: list[Problem] = []
        self._own: dict[str, tuple[Setting, ...]] = {}

    def own_layer(self, name: str) -> tuple[Setting, ...]:
        if name not in self._own:
            path = VARIANTS_PATH + ("define", name, "overrides")
            self._own[name] = self.layer(self.spec.define[name].overrides, name,
                                         lambda key: path + (key,))
        return self._own[name]

    def layer(self, overrides: dict[str, Any], set_by: str, origin: Any) -> tuple[Setting, ...]:
        """Settings of one layer, shorthands expanded, in file order."""
        settings: list[Setting] = []
        keys = set(overrides)
        for key, value in overrides.items():
            where = origin(key)
            if key == "site.cooling_type":
                clash = [k for k in COOLING_KEYS if k in keys]
                if clash:
                    self.problems.append(self.lines.problem(
                        where, "conflicting overrides: site.cooling_type sets "
                        f"{' and '.join(clash)} too; give one or the other", value))
                    continue
                settings.extend(self.cooling(value, set_by, where))
                continue
            settings.append(Setting(key, value, set_by, where))
        return tuple(settings)

    def cooling(self, value: Any, set_by: str, where: PathKey) -> list[Setting]:
        catalogue = cooling_catalogue()
        if not isinstance(value, str) or value not in catalogue:
            close = get_close_matches(str(value), sorted(catalogue), n=3, cutoff=0.4)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            self.problems.append(self.lines.problem(
                where, f"unknown cooling type; {hint}known: {', '.join(sorted(catalogue))}",
                value))
            return []
        entry = catalogue[value]
        note = f"site.cooling_type {value}"
        withdrawal = entry.wue_withdrawal.model_dump(exclude_none=True) \
            if entry.wue_withdrawal else None
        return [Setting("site.cooling_type", value, set_by, where),
                Setting("site.wue", entry.wue.model_dump(exclude_none=True), set_by, where, note),
                Setting("site.wue_withdrawal", withdrawal, set_by, where, note)]

    def ancestors(self, parents: list[str]) -> list[str]:
        """Every ancestor in application order (parents' parents first), each once."""
        order: list[str] = []

        def visit(name: str) -> None:
            if name == BASE or name in order:
                return
            for parent in self.spec.define[name].inherits:
                visit(parent)
            if name not in order:
                order.append(name)

        for parent in parents:
            visit(parent)
        return order

    def effective(self, names: list[str]) -> dict[str, Setting]:
        merged: dict[str, Setting] = {}
        for name in names:
            for setting in self.own_layer(name):
                merged[setting.key] = setting
        return merged

    def check_conflicts(self, parents: list[str], own_keys: set[str], path: PathKey) -> None:
        """Two parents setting one key differently, unless the child sets it itself."""
        if len(parents) < 2:
            return
        seen: dict[str, tuple[str, Any]] = {}
        for parent in parents:
            for key, setting in self.effective(self.ancestors([parent])).items():
                if key in own_keys or key == "site.cooling_type":
                    continue
                if key in seen and seen[key][1] != setting.value:
                    self.problems.append(self.lines.problem(
                        path, f"conflicting overrides: parents {seen[key][0]} and {parent} set "
                        f"{key} to {render_value(seen[key][1])} and "
                        f"{render_value(setting.value)}; set {key} in this variant to decide"))
                seen.setdefault(key, (parent, setting.value))

    def variant(self, name: str) -> VariantPlan:
        spec = self.spec.define[name]
        own = self.own_layer(name)
        self.check_conflicts(spec.inherits, {s.key for s in own},
                             VARIANTS_PATH + ("define", name, "inherits"))
        layers = tuple(self.own_layer(a) for a in self.ancestors(spec.inherits)) + (own,)
        return VariantPlan(name, "variant", spec.description, layers, tuple(spec.inherits))

    def sweep(self, name: str, sweep: SweepSpec) -> list[VariantPlan]:
        parents = self.ancestors(sweep.inherits)
        self.check_conflicts(sweep.inherits, set(sweep.axes),
                             VARIANTS_PATH + ("sweeps", name, "inherits"))
        inherited = tuple(self.own_layer(a) for a in parents)
        keys = list(sweep.axes)
        set_by = f"sweep {name}"
        if "site.cooling_type" in keys:  # a shorthand: its layer depends on the other keys
            return self.sweep_points(name, sweep, inherited)
        # each axis value's setting and label once (a layer without shorthands is its
        # settings in key order): the same plans as building each point's layer anew
        settings = [[Setting(key, value, set_by, VARIANTS_PATH + ("sweeps", name, "axes", key,
                                                                    index))
                     for index, value in enumerate(sweep.axes[key])] for key in keys]
        labels = [[render_value(value) for value in sweep.axes[key]] for key in keys]
        plans = []
        for point in itertools.product(*(range(len(sweep.axes[k])) for k in keys)):
            layer = tuple(settings[a][i] for a, i in enumerate(point))
            label = "/".join([name, *(labels[a][i] for a, i in enumerate(point))])
            plans.append(VariantPlan(label, "sweep", sweep.description, inherited + (layer,),
                                     tuple(sweep.inherits)))
        return plans

    def sweep_points(self, name: str, sweep: SweepSpec,
                     inherited: tuple[tuple[Setting, ...], ...]) -> list[VariantPlan]:
        """The points of a sweep whose layers are built one by one (a shorthand axis)."""
        keys = list(sweep.axes)
        plans = []
        for point in itertools.product(*(list(enumerate(sweep.axes[k])) for k in keys)):
            overrides = {key: value for key, (_, value) in zip(keys, point, strict=True)}
            indices = {key: index for key, (index, _) in zip(keys, point, strict=True)}
            layer = self.layer(overrides, f"sweep {name}", lambda key, i=indices:
                               VARIANTS_PATH + ("sweeps", name, "axes", key, i[key]))
            label = "/".join([name] + [render_value(v) for _, v in point])
            plans.append(VariantPlan(label, "sweep", sweep.description, inherited + (layer,),
                                     tuple(sweep.inherits)))
        return plans


def expand(spec: VariantSet, lines: LineMap) -> list[VariantPlan]:
    """Plans of the base study and every variant, in report order; raise on any problem."""
    problems = [p for check in CHECKS for p in check(spec, lines)]
    if problems:
        raise InputError(problems)
    expander = _Expander(spec, lines)
    plans = [VariantPlan(BASE, "base", "the study as written", ())]
    plans += [expander.variant(name) for name in spec.define]
    for name, sweep in spec.sweeps.items():
        plans += expander.sweep(name, sweep)
    expander.problems += check_baseline(spec, lines, [p.name for p in plans])
    if expander.problems:
        raise InputError(_unique(expander.problems))
    return plans


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
