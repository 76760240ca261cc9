"""A site-only sweep resolved axis by axis: each axis value resolved once, every point assembled.

A sweep over ``site.grid_zone``, ``site.pue`` and ``site.wue`` (any of them) changes, in each
point, a few values of the site, and what the resolution of a point records about each value
depends on that value alone: the zone's electricity and cooling processes and its assumption
record, the PUE's value and record, the WUE's value (and withdrawal, equal to it) and record,
the override's log line. So each axis value is resolved once, through the ordinary path
(:func:`gpulca.study.variants.resolve_plan`), in one *representative* point (the point
with that value and the first value of every other axis), and every point of the sweep is
assembled from its values' representatives: the same :class:`ResolvedVariant` (name, override
log, validated study, resolved site, assumption records, warnings) as resolving it alone, at
about a fifth of the cost.

Only sweeps this holds for take the path (:func:`columnar_sweep`); anything else (another key,
inherited variants, a base study naming a library ``site`` or a ``wue_withdrawal``, a point the
ordinary path did not build from the base's parts) is resolved point by point as before. A
representative that fails sends the whole sweep back to the point-by-point path, so every
problem is reported exactly as before (each point that has it, by file, line and key path).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gpulca.core.errors import InputError
from gpulca.model.translate import SiteParameters
from gpulca.schemas.scenario import SiteSpec, Study
from gpulca.study.resolve import AssumptionRecord, ResolvedStudy
from gpulca.study.variants.expand import AppliedOverride, VariantPlan
from gpulca.study.variants.resolved import ResolvedVariant

AXIS_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "site.grid_zone": ("grid_zone", ("grid_zone", "electricity_process",
                                     "cooling_evaporation_process", "cooling_return_process")),
    "site.pue": ("pue", ("pue",)),
    "site.wue": ("wue", ("wue_l_per_kwh", "wue_withdrawal_l_per_kwh")),
}
"""The sweep keys the path takes: the :class:`SiteSpec` field each sets, and the fields of the
resolved :class:`SiteParameters` that depend on it alone (with no library ``site`` and no
``wue_withdrawal`` in the base study, the withdrawal is the WUE)."""

@dataclass(frozen=True)
class _Axis:
    key: str
    origin_prefix: tuple[str | int, ...]
    size: int


def sweep_axes(plans: Sequence[VariantPlan]) -> list[_Axis] | None:
    """The axes of a run of sweep points (one sweep, in expansion order) when the path takes
    them, else None: one layer each, the same keys of :data:`AXIS_FIELDS` in the same order,
    each written at ``variants.sweeps.NAME.axes.KEY[i]``, every combination present once."""
    first = plans[0]
    if first.kind != "sweep" or len(first.layers) != 1 or first.parents:
        return None
    keys = [s.key for s in first.layers[0]]
    if not keys or len(set(keys)) != len(keys) or any(k not in AXIS_FIELDS for k in keys):
        return None
    sizes = [0] * len(keys)
    seen = set()
    for plan in plans:
        if plan.kind != "sweep" or len(plan.layers) != 1 or plan.parents:
            return None
        layer = plan.layers[0]
        if [s.key for s in layer] != keys:
            return None
        point = []
        for k, setting in enumerate(layer):
            origin = setting.origin
            if setting.note or setting.value is None or not isinstance(origin[-1], int) or \
                    origin[:-1] != first.layers[0][k].origin[:-1]:
                return None
            point.append(origin[-1])
            sizes[k] = max(sizes[k], origin[-1] + 1)
        seen.add(tuple(point))
    count = 1
    for size in sizes:
        count *= size
    if len(seen) != len(plans) or count != len(plans):
        return None
    return [_Axis(k, first.layers[0][i].origin[:-1], sizes[i]) for i, k in enumerate(keys)]


def columnar_sweep(plans: Sequence[VariantPlan], base: ResolvedStudy,
                   resolve: Callable[[VariantPlan], ResolvedVariant]
                   ) -> list[ResolvedVariant] | None:
    """Every point of one sweep (``plans``, in order) resolved axis by axis, or None when the
    path does not take it (resolve it point by point then); ``resolve`` resolves one point
    the ordinary way (raising :class:`InputError`), ``base`` is the resolved base study."""
    spec = base.study.site
    if spec.site is not None or spec.wue_withdrawal is not None:
        return None
    axes = sweep_axes(plans)
    if axes is None:
        return None
    index = {tuple(s.origin[-1] for s in p.layers[0]): p for p in plans}
    first = (0,) * len(axes)
    done: dict[tuple[int, ...], ResolvedVariant] = {}  # the first point represents each axis

    def represent(point: tuple[int, ...]) -> ResolvedVariant:
        if point not in done:
            done[point] = resolve(index[point])
        return done[point]

    try:
        representatives = [[represent(first[:a] + (i,) + first[a + 1:])
                             for i in range(axis.size)] for a, axis in enumerate(axes)]
    except InputError:
        return None
    template = representatives[0][0]
    keys = [axis.key for axis in axes]
    shape = _shape(template, base, keys)
    if shape is None or any(_shape(rep, base, keys) != shape
                            for row in representatives for rep in row):
        return None
    owner = {axis.key: a for a, axis in enumerate(axes)}
    # per axis value: the SiteSpec field, the SiteParameters fields, the record, the log line
    pieces = [[_pieces(rep, axis.key) for rep in row]
              for axis, row in zip(axes, representatives, strict=True)]
    t_study: ResolvedStudy = template.study
    t_spec = t_study.study.site
    t_site = t_study.site
    records = t_study.assumptions
    slots = [owner.get(r.key) for r in records]
    resolved: list[ResolvedVariant] = []
    for plan in plans:
        point = [int(s.origin[-1]) for s in plan.layers[0]]
        chosen = [pieces[a][i] for a, i in enumerate(point)]
        spec_update: dict[str, object] = {}
        site_update: dict[str, object] = {}
        for piece in chosen:
            spec_update[piece.spec_field] = piece.spec_value
            site_update.update(piece.site_values)
        study: Study = t_study.study.model_copy(
            update={"site": t_spec.model_copy(update=spec_update)})
        site = SiteParameters(**{**t_site.__dict__, **site_update})
        assumptions = [records[j] if a is None else chosen[a].record
                       for j, a in enumerate(slots)]
        resolved.append(ResolvedVariant(
            plan.name, plan.kind, plan.description,
            ResolvedStudy(study=study, file=t_study.file, library=t_study.library,
                          methods=t_study.methods, methods_file=t_study.methods_file, site=site,
                          hardware=t_study.hardware, activity=t_study.activity,
                          extra_energy_kwh=t_study.extra_energy_kwh, phases=t_study.phases,
                          assumptions=assumptions, warnings=list(t_study.warnings),
                          input_files=t_study.input_files, deployment=t_study.deployment),
            [AppliedOverride(plan.name, p.log.step, p.log.key, p.log.old, p.log.new,
                             p.log.set_by, p.log.origin, p.log.note) for p in chosen],
            plan.parents, template.gpu_hours_scale))
    return resolved


@dataclass(frozen=True)
class _Pieces:
    spec_field: str
    spec_value: object
    site_values: dict[str, object]
    record: AssumptionRecord
    log: AppliedOverride


def _pieces(rep: ResolvedVariant, key: str) -> _Pieces:
    spec_field, site_fields = AXIS_FIELDS[key]
    site: SiteParameters = rep.study.site
    spec: SiteSpec = rep.study.study.site
    record = next(r for r in rep.study.assumptions if r.key == key)
    log = next(o for o in rep.overrides if o.key == key)
    return _Pieces(spec_field, getattr(spec, spec_field),
                   {name: getattr(site, name) for name in site_fields}, record, log)


def _shape(rep: ResolvedVariant, base: ResolvedStudy, keys: list[str]
           ) -> tuple[tuple[str, ...], tuple[tuple[int, str], ...]] | None:
    """What a point must have in common with every other for the assembly to hold: built
    from the base's parts (the site-change path), its records' keys in one order, each key
    of the sweep recorded once, one log line per key in axis order, no GPU-hour scale."""
    study = rep.study
    if study.hardware is not base.hardware or study.activity is not base.activity or \
            study.deployment is not base.deployment or rep.gpu_hours_scale != 1.0:
        return None
    record_keys = tuple(r.key for r in study.assumptions)
    if any(record_keys.count(k) != 1 for k in keys):
        return None
    log = tuple((o.step, o.key) for o in rep.overrides)
    if [k for _, k in log] != keys:
        return None
    return record_keys, log
