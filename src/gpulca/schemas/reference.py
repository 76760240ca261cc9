"""Schema of a study's ``reference:`` block: published figures a run is held to.

A study that reproduces a publication states the paper's headline quantities (what, value, unit,
tolerance, where in the paper) and, for each, how gpulca's counterpart is computed from the run's
results: a *selection* sums either impact scores (filtered by phase and life-cycle stage) or an
audited quantity (GPU-hours, IT or facility energy...), optionally divided by a second selection
(a share, or a rate such as kg CO2-eq per GPU-hour). ``gpulca run`` prints every figure next to
gpulca's value with the deviation and flags those outside their tolerance; the replication tests
assert them. Nothing in the computation is specific to one paper.

Example::

    reference:
      source: "Luccioni, Viguier & Ligozat 2023, JMLR 24(253)"
      figures:
        - id: B2
          what: Dynamic emissions of the final training (no PUE)
          value: 24.69
          unit: t CO2-eq
          tolerance: {relative: 0.001}
          source: Abstract and section 4.2
          compute: {impact: climate_change, phases: [final_training], stages: [electricity],
                    pue: 1.0}
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from gpulca.core.vocabulary import Stage as Stage  # the stage ids, defined once
from gpulca.schemas.common import Code, NonEmptyStr, StrictModel

AuditQuantity = Literal[
    "gpu_hours", "node_hours", "it_energy_kwh", "facility_energy_kwh",
    "cooling_water_evaporated_m3", "cooling_water_returned_m3", "gpu_units", "server_units",
]
"""A summable column of the audit frame; its unit is in its name (GPU- and node-hours are
hours)."""

FigureId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
                                            max_length=40)]


class Selection(StrictModel):
    """A sum over a run's results: impact scores, or one audited quantity.

    Exactly one of ``impact`` and ``quantity``. ``phases`` and ``stages`` filter (left out: all).
    ``pue`` reports the electricity at another PUE than the site's, e.g. ``1.0`` for a paper whose
    headline counts energy at the IT meter: electricity-stage scores and facility energy are
    scaled by ``pue / site PUE`` (both are linear in the facility's kWh).
    """

    impact: Code | None = None
    """Impact category id of the study's methods file, e.g. ``climate_change``."""
    quantity: AuditQuantity | None = None
    phases: list[Code] | None = Field(default=None, min_length=1)
    stages: list[Stage] | None = Field(default=None, min_length=1)
    """Only with ``impact``."""
    pue: float | None = Field(default=None, ge=1.0, le=3.0)
    service: Code | None = None
    """Only under ``divide_by``, alone: the count of a unit of service of the study's
    ``deployment:`` (``requests``, ``output_tokens``...) that its serving phases' results cover,
    so that a figure is per request or per token."""

    @model_validator(mode="after")
    def impact_or_quantity(self) -> Selection:
        if self.service is not None:
            if any(v is not None for v in (self.impact, self.quantity, self.phases,
                                           self.stages, self.pue)):
                raise ValueError("'service' counts units of service: give it alone")
            return self
        if (self.impact is None) == (self.quantity is None):
            raise ValueError("give 'impact' (an impact category id) or 'quantity' (an audit "
                             "column), exactly one")
        if self.stages is not None and self.impact is None:
            raise ValueError("'stages' filters impact scores: use it with 'impact'")
        if self.pue is not None and self.quantity not in (None, "facility_energy_kwh"):
            raise ValueError("'pue' rescales electricity: use it with 'impact' or "
                             "'quantity: facility_energy_kwh'")
        return self


class Computation(Selection):
    """gpulca's counterpart of a figure: a selection, optionally divided by another."""

    divide_by: Selection | None = None
    """Denominator, e.g. the same impact over all phases (a share), ``quantity: gpu_hours``
    (a rate per GPU-hour) or ``service: requests`` (a figure per request)."""

    @model_validator(mode="after")
    def service_divides(self) -> Computation:
        if self.service is not None:
            raise ValueError("'service' is a divisor: put it under 'divide_by' "
                             "(e.g. divide_by: {service: requests})")
        return self


class Tolerance(StrictModel):
    """How far gpulca may land from the paper: ``relative`` or ``absolute``, exactly one."""

    relative: float | None = Field(default=None, gt=0, lt=1)
    """A fraction of the paper's value: ``0.005`` is +-0.5 %."""
    absolute: float | None = Field(default=None, gt=0)
    """In the figure's unit, e.g. ``0.3`` percentage points for a share given in ``%``."""
    reason: str | None = None
    """Why this tolerance (the paper rounds to integers...)."""

    @model_validator(mode="after")
    def one_kind(self) -> Tolerance:
        if (self.relative is None) == (self.absolute is None):
            raise ValueError("give 'relative' (a fraction) or 'absolute' (in the figure's "
                             "unit), exactly one")
        return self

    def allows(self, paper: float, gpulca: float) -> bool:
        """True when ``gpulca`` lies within this tolerance of ``paper``."""
        bound = self.absolute if self.absolute is not None else \
            abs(paper) * float(self.relative or 0.0)
        return abs(gpulca - paper) <= bound * (1 + 1e-12)

    def describe(self) -> str:
        if self.relative is not None:
            return f"±{self.relative * 100:g}%"
        return f"±{self.absolute:g}"


class ReferenceFigure(StrictModel):
    """One published quantity and how to compute gpulca's value of it."""

    id: FigureId
    """Short id used in output and tests, e.g. ``S2`` or ``B7``."""
    what: NonEmptyStr
    value: float
    """The paper's value, in ``unit``."""
    unit: NonEmptyStr
    """A unit (``kWh``, ``lb``, ``t``, ``%``, ``kg/h``), optionally followed by a space and a
    free label (``lb CO2e``, ``kg/h CO2-eq per GPU-hour``); only the unit part converts."""
    tolerance: Tolerance
    source: NonEmptyStr | None = None
    """Where in the publication (table, section), when the block's source is not enough."""
    compute: Computation
    comment: str | None = None


class Reference(StrictModel):
    """Published headline figures of the study a scenario reproduces."""

    source: NonEmptyStr
    """The publication (authors, year, venue or arXiv id)."""
    figures: list[ReferenceFigure] = Field(min_length=1)

    @model_validator(mode="after")
    def unique_ids(self) -> Reference:
        ids = [f.id for f in self.figures]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"figure ids appear more than once: {', '.join(repeated)}")
        return self
