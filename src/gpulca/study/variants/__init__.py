"""Variants of a study: expansion, order of precedence, application and the override log.

A variant is the base study with some ``site.*`` and ``hardware.*`` values replaced (see
:mod:`gpulca.schemas.variants` for the YAML). Every variant goes through the same schema checks
and the same resolution against the library as the base study
(:func:`gpulca.study.resolve.resolve_parsed`), so an unknown zone in a variant is reported
exactly as in the base, at the override's line.

Order of precedence, lowest first (a later layer replaces an earlier one):

1. the library's catalogue entry the study names (``site.site``, ``hardware.accelerator``,
   ``hardware.server``): its published values;
2. the base study as written;
3. the parent variants named by ``inherits``, in the order given, each after its own parents
   (an ancestor reached twice is applied once, at its first place);
4. the variant's own ``overrides``, in file order;
5. for a sweep point, the axis values (the sweep's ``inherits`` play the role of 3).

Rules:

- Two parents that set one key to different values conflict, unless the child sets the key.
- A shorthand and a key it expands to in the same layer conflict (``site.cooling_type`` with
  ``site.wue`` or ``site.wue_withdrawal``). In different layers, the later layer wins.
- Picking another catalogue entry (``site.site``, ``hardware.accelerator``, ``hardware.server``)
  takes that entry's published values: the base study's own values of the keys the entry
  supplies (:data:`CATALOGUE_SWITCHES`) are dropped unless a variant sets them. The log says so.
- ``site.grid_year`` applies to the variant's final grid zone; ``activity.gpu_hours_scale``
  multiplies the GPU-hours of every activity row (rows with measured IT energy refuse it).

Every applied change is logged as an :class:`AppliedOverride` ("site.pue 1.56 -> 1.1").
"""

from gpulca.study.variants.apply import (
    ResolutionCache,
    VariantStudy,
    load_variants,
    resolve_plan,
)
from gpulca.study.variants.expand import (
    CATALOGUE_SWITCHES,
    CHECKS,
    AppliedOverride,
    Setting,
    VariantPlan,
    cooling_catalogue,
    expand,
    render_value,
)
from gpulca.study.variants.resolved import ResolvedVariant

__all__ = [
    "CATALOGUE_SWITCHES",
    "CHECKS",
    "AppliedOverride",
    "ResolutionCache",
    "ResolvedVariant",
    "Setting",
    "VariantPlan",
    "VariantStudy",
    "cooling_catalogue",
    "expand",
    "load_variants",
    "render_value",
    "resolve_plan",
]
