"""Application of a variant plan to the base study, resolution, and the override log.

:func:`resolve_plan` applies a plan's layers to the base study's ``site`` and ``hardware``
sections, validates them with the study schema and resolves them against the library exactly as
a study is resolved (:func:`gpulca.study.resolve.resolve_parsed`), so every problem of a variant
is reported as it would be in the base study, at the line of the override that caused it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from gpulca.core.collection import collection_paused
from gpulca.core.errors import InputError, Problem, format_path
from gpulca.core.parameters import PARAMETERS, check_range, checked_value
from gpulca.io.yamlio import LineMap
from gpulca.schemas import problems_from_validation
from gpulca.schemas.common import SourcedValue
from gpulca.schemas.scenario import ActivityRow, HardwareSpec, SiteSpec, Study
from gpulca.schemas.variants import BASE, SOURCED_KEYS, VariantSet
from gpulca.study.resolve import (
    AssumptionRecord,
    ResolvedStudy,
    StudyInputs,
    load_study_inputs,
    resolve_parsed,
    resolve_site_change,
    site_part_keys,
)
from gpulca.study.variants.expand import (
    CATALOGUE_SWITCHES,
    NOT_IN_DOCUMENT,
    AppliedOverride,
    PathKey,
    Setting,
    VariantPlan,
    expand,
    render_value,
)
from gpulca.study.variants.practice import apply_practice
from gpulca.study.variants.resolved import ResolvedVariant
from gpulca.study.variants.sweep import columnar_sweep


@dataclass
class VariantStudy:
    """A study file with all its variants resolved (base first), ready to compute."""

    inputs: StudyInputs
    spec: VariantSet | None
    variants: dict[str, ResolvedVariant]
    baseline: str = BASE

    @property
    def base(self) -> ResolvedVariant:
        return self.variants[BASE]


# -- application: plan -> overridden study -> resolved study ---------------------------------

_MISSING = object()


def _render_current(value: Any) -> str:
    return "(not set)" if value is _MISSING else render_value(value)


def _document_value(setting: Setting) -> Any:
    """The value written into the study document; bare sourced values become assumptions."""
    value = setting.value
    if setting.key in SOURCED_KEYS and value is not None and not isinstance(value, dict):
        return {"value": value, "quality": "assumption",
                "assumption": f"what-if value set by {setting.set_by} (no source given)"}
    return value


@dataclass
class _Applied:
    sections: dict[str, dict[str, Any]]
    origins: dict[str, PathKey] = field(default_factory=dict)
    extras: dict[str, Setting] = field(default_factory=dict)
    log: list[AppliedOverride] = field(default_factory=list)


class _Applier:
    """Applies a plan's layers to the base study's ``site`` and ``hardware`` sections."""

    def __init__(self, inputs: StudyInputs, plan: VariantPlan) -> None:
        self.inputs, self.plan = inputs, plan
        self.state = _Applied({s: dict(inputs.data.get(s) or {}) for s in ("site", "hardware")})
        self.from_base = {f"{s}.{k}" for s, keys in self.state.sections.items() for k in keys}

    def origin(self, path: PathKey) -> str:  # one text per line over thousands of variants
        return sys.intern(f"{self.inputs.lines.file}:{self.inputs.lines.line_of(path)}")

    def log(self, key: str, old: str, new: str, setting: Setting, note: str = "") -> None:
        self.state.log.append(AppliedOverride(
            self.plan.name, len(self.state.log) + 1, key, old, new, setting.set_by,
            self.origin(setting.origin), note or setting.note))

    def run(self) -> _Applied:
        for layer in self.plan.layers:
            for setting in layer:
                self.apply(setting)
        return self.state

    def apply(self, setting: Setting) -> None:
        if setting.key == "site.cooling_type" or setting.key in NOT_IN_DOCUMENT:
            previous = self.state.extras.get(setting.key)
            default = {"activity.gpu_hours_scale": "1", "deployment.traffic_scale": "1",
                       "activity.phase_scale": "1 for every phase",
                       "activity.add_rows": "(none)",
                       "deployment.serving": "the study's"}.get(setting.key, "(not set)")
            self.log(setting.key, render_value(previous.value) if previous else default,
                     render_value(setting.value), setting)
            self.state.extras[setting.key] = setting
            return
        section, name = setting.key.split(".")
        values = self.state.sections[section]
        switch = setting.key in CATALOGUE_SWITCHES and setting.value != values.get(name)
        new = _document_value(setting)
        old = values.get(name, _MISSING)
        if not (setting.note and old is _MISSING and new is None):  # a shorthand's no-op
            self.log(setting.key, _render_current(old), render_value(new), setting)
        if switch:
            self.drop_dependents(setting)
        if new is None:
            values.pop(name, None)
        else:
            values[name] = new
        self.from_base.discard(setting.key)
        self.state.origins[setting.key] = setting.origin

    def drop_dependents(self, setting: Setting) -> None:
        """Picking another catalogue entry drops the base study's values that entry supplies."""
        for dependent in CATALOGUE_SWITCHES[setting.key]:
            if dependent not in self.from_base:
                continue
            section, name = dependent.split(".")
            old = self.state.sections[section].pop(name, _MISSING)
            self.from_base.discard(dependent)
            if old is not _MISSING:
                self.log(dependent, render_value(old), "(not set)", setting,
                         f"base value dropped: {setting.key} {render_value(setting.value)} "
                         "supplies its own")


class ResolutionCache:
    """What every variant of one study shares, worked out once (see :func:`load_variants`).

    Variants of a sweep differ in a few values: each distinct section (``site``, ``hardware``)
    and each distinct nested value (a sourced value such as ``{value: 1.2, source: ...}``) is
    validated once, and the validated, immutable model is reused by every variant that has it.
    A value that fails is validated again the ordinary way, so its problem reads exactly as
    without the cache. The line map's entries under each ``section.key`` are indexed once.

    Given the resolved ``base`` study, a variant that changes the ``site`` section only is
    built from it with the site part resolved again (:func:`resolve_site_change`), not
    resolved in full: the same resolved study.
    """

    def __init__(self, inputs: StudyInputs, base: ResolvedStudy | None = None) -> None:
        self.under: dict[PathKey, list[PathKey]] = {}
        for key in inputs.lines.lines:
            if len(key) > 2:
                self.under.setdefault(key[:2], []).append(key)
        self.base = {s: dict(inputs.data.get(s) or {}) for s in ("site", "hardware")}
        self.rows = inputs.rows
        self.sections: dict[Any, Any] = {}
        self.values: dict[Any, Any] = {}
        self.resolved_base = base
        self.site_keys = site_part_keys(base, inputs.lines) if base is not None else None
        key = self.section_key("hardware", self.base["hardware"])
        if base is not None and key is not None:
            # the base's hardware as validated when it was resolved (the same model, so a
            # variant keeping it is told apart by identity, not by comparing its fields)
            validated = HardwareSpec.model_validate(self.base["hardware"])
            if validated == base.study.hardware:
                self.sections[key] = base.study.hardware

    def site_change_base(self, applied: _Applied, study: Study, rows: list[ActivityRow]
                         ) -> ResolvedStudy | None:
        """The resolved base study when the variant ``study`` (with ``rows``) differs from it
        in its ``site`` section only, else None."""
        base = self.resolved_base
        if base is None or self.site_keys is None or applied.extras:
            return None
        if any(key.startswith("hardware.") for key in applied.origins):
            return None  # the line map differs under hardware: its origins would
        same = rows is self.rows and all(
            mine is theirs or mine == theirs for mine, theirs in (
                (study.hardware, base.study.hardware), (study.deployment, base.study.deployment),
                (study.not_assessed, base.study.not_assessed),
                (study.extra_energy, base.study.extra_energy)))
        return base if same else None

    def key(self, section: str, name: str, value: Any) -> Any:
        """A hashable key of a section's value: the base study's own value (the same object)
        by its name, any other by its content; None for a value without one."""
        if name in self.base[section] and value is self.base[section][name]:
            return ("base", section, name)
        return _frozen(value)

    def section_key(self, section: str, data: dict[str, Any]) -> Any:
        """A hashable key of a section's content (None when a value has none)."""
        keys = {name: self.key(section, name, value) for name, value in data.items()}
        return None if any(k is None for k in keys.values()) else \
            (section, tuple(keys.items()))

    def section(self, model: type[BaseModel], section: str, data: dict[str, Any]) -> Any:
        """``model.model_validate(data)``, remembered by value; raise ValidationError."""
        keys = {name: self.key(section, name, value) for name, value in data.items()}
        key = None if any(k is None for k in keys.values()) else \
            (section, tuple(keys.items()))
        if key is not None and key in self.sections:
            return self.sections[key]
        prepared = {name: self.nested(model, name, value, keys[name])
                    for name, value in data.items()}
        try:
            validated = model.model_validate(prepared)
        except ValidationError:
            validated = model.model_validate(data)  # the ordinary path raises the same problem
        if key is not None:
            self.sections[key] = validated
        return validated

    def nested(self, model: type[BaseModel], name: str, value: Any, key: Any) -> Any:
        """A nested model's value validated once per distinct value; the raw value when it
        is no nested model's or does not validate (the section's validation reports it)."""
        nested = _nested_model(model, name) if isinstance(value, dict) else None
        if nested is None or key is None:
            return value
        key = (model.__name__, name, key)
        if key not in self.values:
            try:
                self.values[key] = nested.model_validate(value)
            except ValidationError:
                self.values[key] = value
        return self.values[key]


def _nested_model(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    """The model class of field ``name`` of ``model`` (``X`` or ``X | None``), if one."""
    field = model.model_fields.get(name)
    if field is None:
        return None
    candidates = [field.annotation, *getattr(field.annotation, "__args__", ())]
    models = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
    return models[0] if len(models) == 1 else None


def _frozen(value: Any) -> Any:
    """A hashable key for a YAML value, keeping types apart (``1``, ``1.0``, ``true``); None
    for a value that has none."""
    if isinstance(value, dict):
        items = tuple((k, _frozen(v)) for k, v in value.items())
        return None if any(v is None for _, v in items) else ("dict", items)
    if isinstance(value, list | tuple):
        items = tuple(_frozen(v) for v in value)
        return None if any(v is None for v in items) else (type(value).__name__, items)
    if isinstance(value, float):
        return ("float", repr(value))  # -0.0 and 0.0 apart (they compare equal)
    if value is None or isinstance(value, str | int | bool):
        return (type(value).__name__, value)
    return None


def _variant_lines(inputs: StudyInputs, origins: dict[str, PathKey],
                   cache: ResolutionCache | None = None) -> LineMap:
    """The base study's line map with every overridden key pointing at its override."""
    lines = dict(inputs.lines.lines)
    for key, origin in origins.items():
        path = tuple(key.split("."))
        stale = cache.under.get(path, []) if cache is not None else \
            [k for k in lines if k[:2] == path and len(k) > 2]
        for entry in stale:
            lines.pop(entry, None)
        line = inputs.lines.line_of(origin)
        if line is not None:
            lines[path] = line
    return LineMap(inputs.lines.file, lines)


def _validate_section(model: type[BaseModel], section: str, applied: _Applied,
                      lines: LineMap, cache: ResolutionCache | None = None) -> Any:
    try:
        if cache is not None:
            return cache.section(model, section, applied.sections[section])
        return model.model_validate(applied.sections[section])
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, applied.sections[section], lines,
                                                  (section,))) from exc


def _grid_year(inputs: StudyInputs, site: SiteSpec, setting: Setting, lines: LineMap
               ) -> tuple[str | None, Problem | None]:
    """The library zone holding ``setting``'s year of the site's zone."""
    year = setting.value
    library = inputs.library.library
    zone = site.grid_zone or (library.sites[site.site].item.grid_zone
                              if site.site in library.sites else None)
    grid_year = PARAMETERS["site.grid_year"]
    if not isinstance(year, int) or isinstance(year, bool):
        return None, lines.problem(setting.origin, f"expected {grid_year.expected}", year)
    message = check_range(grid_year, year)
    if message is not None:
        return None, lines.problem(setting.origin, message, year)
    if zone is None:
        return None, None  # the unknown site is reported by resolution
    candidates = [z for z in (f"{zone}-{year}", zone) if z in library.grid_zones
                  and library.grid_zones[z].item.year == year]
    if candidates:
        return candidates[0], None
    years = sorted(f"{z.item.year} ({z.item.id})" for z in library.grid_zones.values()
                   if z.item.id == zone or (z.item.id.startswith(f"{zone}-")
                                            and z.item.id[len(zone) + 1:].isdigit()))
    return None, lines.problem(setting.origin, f"no grid data for zone {zone} in {year}; "
                               f"available: {', '.join(years) or 'none'} (a zone's data of "
                               f"another year is the library zone '{zone}-<year>')", year)


def _gpu_hours_scale(setting: Setting, rows: list[ActivityRow], row_path: PathKey,
                     lines: LineMap) -> tuple[float, list[Problem]]:
    value = _document_value(setting)
    scale_parameter = PARAMETERS["activity.gpu_hours_scale"]
    try:
        sourced = SourcedValue.model_validate(value)
    except ValidationError as exc:
        return 1.0, [lines.problem(setting.origin, f"expected {scale_parameter.expected} "
                                   f"({exc})", render_value(value))]
    scale, message = checked_value(scale_parameter, sourced.value)
    if scale is None:
        return 1.0, [lines.problem(setting.origin, str(message), render_value(value))]
    problems = [] if message is None else [lines.problem(setting.origin, message,
                                                         render_value(value))]
    problems += [lines.problem(setting.origin, f"activity row {i + 1} has a measured "
                               f"{'it_energy' if row.it_energy else 'it_power'}, which a GPU-hour "
                               "scale cannot rescale: remove one of them")
                 for i, row in enumerate(rows)
                 if row.it_energy is not None or getattr(row, "it_power", None) is not None]
    return scale, problems


def _scaled_rows(rows: list[ActivityRow], scale: float) -> list[ActivityRow]:
    if scale == 1.0:
        return rows
    return [row.model_copy(update={"gpu_hours": row.gpu_hours * scale})
            if row.gpu_hours is not None else
            row.model_copy(update={"wall_hours": float(row.wall_hours or 0) * scale})
            for row in rows]


def _apply_extras(inputs: StudyInputs, applied: _Applied, site: SiteSpec, setting_log: _Applier
                  ) -> tuple[SiteSpec, list[ActivityRow], float, list[Problem]]:
    """The shorthands that act after the document: grid year and GPU-hour scale."""
    problems: list[Problem] = []
    extras, lines = applied.extras, inputs.lines
    if "site.grid_year" in extras:
        setting = extras["site.grid_year"]
        zone, problem = _grid_year(inputs, site, setting, lines)
        problems += [problem] if problem else []
        if zone and zone != site.grid_zone:
            setting_log.log("site.grid_zone", render_value(site.grid_zone), zone, setting,
                            f"site.grid_year {render_value(setting.value)}")
            site = site.model_copy(update={"grid_zone": zone})
            applied.origins["site.grid_zone"] = setting.origin
    scale, rows = 1.0, inputs.rows
    if "activity.gpu_hours_scale" in extras:
        scale, found = _gpu_hours_scale(extras["activity.gpu_hours_scale"], rows,
                                        inputs.row_path, lines)
        problems += found
        rows = _scaled_rows(rows, scale)
    return site, rows, scale, problems


def _resolve_applied(inputs: StudyInputs, plan: VariantPlan, applier: _Applier,
                     lines: LineMap, input_files: dict[str, str] | None,
                     cache: ResolutionCache | None = None) -> ResolvedVariant:
    applied = applier.state
    problems: list[Problem] = []
    parsed: dict[str, Any] = {}
    for model, section in ((SiteSpec, "site"), (HardwareSpec, "hardware")):
        try:
            parsed[section] = _validate_section(model, section, applied, lines, cache)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    site, rows, scale, problems = _apply_extras(inputs, applied, parsed["site"], applier)
    rows, deployment, found = apply_practice(inputs.study, applied.extras, rows,
                                             inputs.rules_phases, lines)
    problems += found
    if problems:
        raise InputError(problems)
    update: dict[str, Any] = {"site": site, "hardware": parsed["hardware"], "variants": None,
                              "deployment": deployment}
    if plan.kind != "base" and "reference" in Study.model_fields:
        update["reference"] = None  # published figures describe the study as written
    study: Study = inputs.study.model_copy(update=update)
    base = cache.site_change_base(applied, study, rows) \
        if cache is not None and plan.kind != "base" and input_files is not None else None
    resolved = resolve_site_change(base, study, lines) if base is not None else None
    if resolved is None:
        resolved = resolve_parsed(study, inputs.path, lines, inputs.library, inputs.methods,
                                  inputs.methods_file, rows, inputs.row_path,
                                  inputs.activity_files, inputs.rules_phases,
                                  input_files=input_files, check_rows=plan.kind == "base")
    if "activity.gpu_hours_scale" in applied.extras:
        setting = applied.extras["activity.gpu_hours_scale"]
        sourced = SourcedValue.model_validate(_document_value(setting))
        resolved.assumptions.append(AssumptionRecord(
            "activity.gpu_hours_scale", scale, "dimensionless",
            sourced.source or f"assumption: {sourced.assumption}", sourced.quality, None,
            applier.origin(setting.origin)))
    return ResolvedVariant(plan.name, plan.kind, plan.description, resolved, applied.log,
                           plan.parents, scale)


def resolve_plan(inputs: StudyInputs, plan: VariantPlan,
                 input_files: dict[str, str] | None = None,
                 cache: ResolutionCache | None = None) -> ResolvedVariant:
    """Apply a plan to the base study and resolve it like a study.

    Problems of a variant point at the override that caused them (message not yet naming the
    variant; :func:`load_variants` adds the names). ``cache`` (one per study) shares the
    validation of values several variants have; the result is the same without it.
    """
    applier = _Applier(inputs, plan)
    applier.run()
    lines = _variant_lines(inputs, applier.state.origins, cache)
    try:
        return _resolve_applied(inputs, plan, applier, lines, input_files, cache)
    except InputError as exc:
        if plan.kind == "base":
            raise
        raise InputError([_relocate(p, applier.state.origins, lines)
                          for p in exc.problems]) from exc


def _relocate(problem: Problem, origins: dict[str, PathKey], lines: LineMap) -> Problem:
    """Point a problem found in a variant at the override that caused it."""
    if problem.file != lines.file:
        return problem
    for key, origin in origins.items():
        if problem.path == key or problem.path.startswith((key + ".", key + "[")):
            return Problem(problem.file, format_path(origin) + problem.path[len(key):],
                           problem.message, lines.line_of(origin), problem.value)
    return problem


def _sweep_runs(plans: list[VariantPlan]) -> list[list[VariantPlan]]:
    """The plans in order, in runs: the points of one sweep together, any other plan alone."""
    runs: list[list[VariantPlan]] = []
    last: Any = None
    for plan in plans:
        key = (plan.kind, plan.layers[-1][0].set_by) \
            if plan.kind == "sweep" and plan.layers and plan.layers[-1] else None
        if key is not None and key == last:
            runs[-1].append(plan)
        else:
            runs.append([plan])
        last = key
    return runs


def _name_variants(found: dict[Problem, list[str]]) -> list[Problem]:
    named = []
    for problem, names in found.items():
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        label = "variant" if len(names) == 1 else "variants"
        named.append(replace(problem, message=f"in {label} {shown}: {problem.message}"))
    return named


def load_variants(path: str | Path, flows: Any = None, *, columnar: bool = True
                  ) -> VariantStudy:
    """Load a study and resolve its base and every variant; raise with every problem.

    A study without ``variants`` gives a :class:`VariantStudy` holding the base only. With
    ``columnar`` (the default), a site-only sweep is resolved axis by axis
    (:mod:`gpulca.study.variants.sweep`: each axis value once, the same variants); without,
    every variant is resolved alone.
    """
    inputs = load_study_inputs(path, flows)
    spec = inputs.study.variants
    plans = expand(spec, inputs.lines) if spec else [VariantPlan(BASE, "base", None, ())]
    base = resolve_plan(inputs, plans[0])
    variants = {BASE: base}
    found: dict[Problem, list[str]] = {}
    cache = ResolutionCache(inputs, base.study)

    def resolve(plan: VariantPlan) -> ResolvedVariant:
        return resolve_plan(inputs, plan, base.study.input_files, cache)

    with collection_paused():
        for group in _sweep_runs(plans[1:]):
            done = columnar_sweep(group, base.study, resolve) \
                if columnar and len(group) > 1 else None
            if done is not None:
                variants.update((variant.name, variant) for variant in done)
                continue
            for plan in group:
                try:
                    variants[plan.name] = resolve(plan)
                except InputError as exc:
                    for problem in exc.problems:
                        found.setdefault(problem, []).append(plan.name)
    if found:
        raise InputError(_name_variants(found))
    return VariantStudy(inputs, spec, variants, spec.baseline if spec else BASE)
