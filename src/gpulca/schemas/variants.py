"""Schema of a study's ``variants:`` block: named overrides, inheritance and sweeps.

A variant is the base study with some site or hardware values replaced. Variants are compared
side by side by ``gpulca compare``; ``gpulca run`` ignores them and runs the base study.

.. code-block:: yaml

    variants:
      define:
        quebec:
          description: Hydro grid, free cooling
          overrides:
            site.grid_zone: CA-QC
            site.pue: {value: 1.16, source: "Azure Canada East, via spruce azure-pue-wue.csv"}
            site.cooling_type: free_air
        quebec-long-life:
          inherits: quebec
          overrides:
            hardware.lifetime: 8 year        # a bare value: recorded as a what-if assumption
      sweeps:
        grid-x-pue:
          inherits: base
          axes:
            site.grid_zone: [FR, CA-QC, PL]
            site.pue: [1.1, 1.3, 1.58]

Override keys are ``site.<key>`` and ``hardware.<key>`` of the study schema, plus three
shorthands (:data:`SHORTHAND_KEYS`); the parameter table (:mod:`gpulca.core.parameters`,
``docs/parameters.md``) says which keys a variant or sweep may set. The order of precedence,
lowest first, is documented in ``docs/siting.md`` and :mod:`gpulca.study.variants`.
"""

from __future__ import annotations

from difflib import get_close_matches
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator

from gpulca.core.parameters import PARAMETERS, override_keys
from gpulca.schemas.common import NonEmptyStr, SourcedValue, StrictModel

BASE = "base"
"""The reserved name of the study as written (no overrides)."""

OVERRIDE_KEYS: tuple[str, ...] = override_keys()
"""Every key a variant may override: the parameters the table marks as settable by a variant or
sweep (:data:`gpulca.core.parameters.PARAMETERS`), study keys first, then the shorthands."""

SHORTHAND_KEYS: dict[str, str] = {
    key: PARAMETERS[key].description for key in OVERRIDE_KEYS if PARAMETERS[key].shorthand}
"""Keys that are not study fields but expand into them (see :mod:`gpulca.study.variants`)."""

SOURCED_KEYS = frozenset(key for key in OVERRIDE_KEYS if PARAMETERS[key].sourced)
"""Keys whose value is a sourced value: a bare value is accepted and recorded as a what-if
assumption of the variant; a mapping must carry ``value`` and ``source`` (or ``assumption``)."""

VariantName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.\-]*$",
                                               max_length=80)]


def check_override_key(key: str) -> str:
    """Accept only the keys of :data:`OVERRIDE_KEYS`; suggest close matches otherwise."""
    if key in OVERRIDE_KEYS:
        return key
    close = get_close_matches(key, OVERRIDE_KEYS, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    if key.split(".")[0] in ("site", "hardware") and key.count(".") > 1:
        hint += "override a whole value (value and source), not a part of it. "
    raise ValueError(f"no such override key; {hint}overridable keys: {', '.join(OVERRIDE_KEYS)}")


OverrideKey = Annotated[str, AfterValidator(check_override_key)]


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class VariantSpec(StrictModel):
    """One named variant: the base study (or its parents) with some values replaced."""

    description: str | None = None
    inherits: list[VariantName] = Field(default_factory=list)
    """Parent variants (a name or a list). Parents apply first, in order; two parents that set
    one key to different values conflict unless this variant sets the key itself.
    ``base`` (or nothing) means the study as written."""
    overrides: dict[OverrideKey, Any] = Field(default_factory=dict)
    """Key -> new value. ``null`` removes an optional key (the library value applies)."""

    _inherits_list = field_validator("inherits", mode="before")(_as_list)


class SweepSpec(StrictModel):
    """A matrix of variants: every combination of the axis values (first axis slowest)."""

    description: str | None = None
    inherits: list[VariantName] = Field(default_factory=list)
    """Variants every sweep point starts from (as for :class:`VariantSpec`)."""
    axes: dict[OverrideKey, list[Any]]
    """Key -> values; each point of the sweep is named ``<sweep>/<value>/<value>...``."""

    _inherits_list = field_validator("inherits", mode="before")(_as_list)

    @field_validator("axes")
    @classmethod
    def axes_not_empty(cls, axes: dict[str, list[Any]]) -> dict[str, list[Any]]:
        if not axes:
            raise ValueError("empty sweep: give at least one axis (key: [values])")
        empty = [key for key, values in axes.items() if not values]
        if empty:
            raise ValueError(f"empty sweep: axis {', '.join(empty)} has no values")
        return axes


class VariantSet(StrictModel):
    """The ``variants:`` block of a study."""

    description: str | None = None
    baseline: VariantName = BASE
    """The variant that changes are measured against (default: the base study)."""
    define: dict[VariantName, VariantSpec] = Field(default_factory=dict)
    """Named variants, in the order they are reported."""
    sweeps: dict[VariantName, SweepSpec] = Field(default_factory=dict)
    """Named sweeps, expanded after the named variants."""

    @model_validator(mode="after")
    def something_to_compare(self) -> VariantSet:
        if not self.define and not self.sweeps:
            raise ValueError("no variants: give named variants under 'define' or a sweep under "
                             "'sweeps' (or remove the 'variants' block)")
        return self


class CoolingType(StrictModel):
    """A cooling technology and the on-site water it uses (``data/cooling_types.yaml``)."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    name: NonEmptyStr
    wue: SourcedValue
    """On-site water consumed (evaporated) per kWh of IT energy."""
    wue_withdrawal: SourcedValue | None = None
    """On-site water withdrawn per kWh of IT energy; when absent, equal to ``wue``."""
    comment: str | None = None


class CoolingCatalogue(StrictModel):
    """The cooling catalogue file."""

    description: str | None = None
    cooling_types: list[CoolingType] = Field(min_length=1)
