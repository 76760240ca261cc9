"""Schema of a study's ``deployment:`` block: what the model serves, how much, and how.

A study that declares its deployment gets results per unit of service (a request, 1,000 input or
output tokens, or a unit of its own such as an image): the marginal footprint of serving, the
footprint levelised over the model's service life, the split between development, final training
and serving, and the break-even (:mod:`gpulca.results.service`).

.. code-block:: yaml

    deployment:
      service_life: {value: 18 month, assumption: "the model's public life, assumed"}
      traffic:
        requests: {rate: 1000000 / day, assumption: "..."}
        output_tokens: {per_request: 400, source: "..."}
      serving:
        throughput:
          - unit: output_tokens
            value: 1500 / second
            utilisation: {value: 0.5, assumption: "..."}
            assumption: "..."

How the serving is known, exactly one of:

- ``measured``: the study's own activity rows of the named phases are the serving fleet
  (GPU-hours or measured energy, like any phase), over the service life or over the period
  ``covers`` says;
- ``throughput``: units of service per GPU and per unit of time at a stated utilisation; gpulca
  adds one activity row per throughput to the serving phase (GPU-hours = units / (throughput x
  utilisation));
- ``estimated``: a published parametric model of energy per output token from the model's
  (active) parameter count (:data:`ESTIMATE_MODELS`); gpulca adds a serving row with its
  GPU-hours and GPU energy, flagged as an estimate, with the uncertainty the study states.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from gpulca.schemas.common import (
    Code,
    NonEmptyStr,
    Provenance,
    SourcedValue,
    StrictModel,
    Uncertainty,
)

TOKEN_UNITS = ("input_tokens", "output_tokens")
"""Units of service counted in tokens: their results are given per 1,000 tokens."""
REQUESTS = "requests"
SERVING_PHASE = "serving"
"""Default phase of the serving rows gpulca adds (throughput and estimated serving)."""
SERVING_LABEL = "Serving (deployment)"

ESTIMATE_MODELS = ("ecologits-2025",)
"""Parametric models of inference energy gpulca implements (see :mod:`gpulca.model.service`)."""


UnitLabel = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][^\r\n\t]*$",
                                            max_length=60, strip_whitespace=True)]
"""A unit's name in reports: a letter or digit first (never a spreadsheet formula), one line."""


class Traffic(Provenance):
    """How many units of one kind are served: a ``count`` over the service life, a ``rate``
    (``"2000000 / day"``) over the service life, or, for a unit other than requests, a number
    ``per_request``. Exactly one, with a source or an assumption."""

    count: float | None = Field(default=None, gt=0)
    rate: NonEmptyStr | None = None
    per_request: float | None = Field(default=None, gt=0)
    label: UnitLabel | None = None
    """How the unit is named in reports (``image``, ``audio second``); default from its id."""

    @model_validator(mode="after")
    def one_amount(self) -> Traffic:
        given = [k for k in ("count", "rate", "per_request") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give the amount served as 'count' (over the service life), "
                             "'rate' (e.g. '2000000 / day') or 'per_request', exactly one")
        return self


class Throughput(Provenance):
    """Units of service one GPU delivers per unit of time when busy, and how busy it is."""

    unit: Code
    """A unit of ``traffic`` (e.g. ``output_tokens``)."""
    value: NonEmptyStr
    """Per GPU, e.g. ``"1500 / second"`` or ``"4000000 / hour"``."""
    utilisation: SourcedValue
    """Share (0-1] of the allocated GPU-hours spent serving."""
    gpu_load: float | None = Field(default=None, gt=0, le=1.2)
    """Average GPU power as a fraction of rated power while allocated (default: the hardware's)."""


class MeasuredServing(StrictModel):
    """The serving fleet is in the study's activity, in these phases."""

    phases: list[Code] = Field(min_length=1)
    covers: SourcedValue | None = None
    """The period the serving rows measure (e.g. ``1 month``); default the whole service life."""


class EstimatedServing(Provenance):
    """Serving estimated from the model's size with a published parametric model."""

    model: Literal["ecologits-2025"]
    active_parameters: float = Field(gt=0, le=1e5)
    """Active parameters of the served model, in billions (dense: all of them)."""
    total_parameters: float | None = Field(default=None, gt=0, le=1e5)
    """All parameters, in billions (default: ``active_parameters``)."""
    batch_size: int = Field(default=64, ge=1, le=4096)
    quantization_bits: int = Field(default=16, ge=1, le=64)
    gpu_memory_gb: float = Field(default=80.0, gt=0)
    uncertainty: Uncertainty
    """How uncertain the estimate is (lognormal ``gsd``: the marginal figures get a 95% range)."""

    @model_validator(mode="after")
    def lognormal(self) -> EstimatedServing:
        if self.uncertainty.distribution != "lognormal" or self.uncertainty.gsd is None:
            raise ValueError("give the estimate's uncertainty as {distribution: lognormal, "
                             "gsd: ...}")
        if self.total_parameters is not None and self.total_parameters < self.active_parameters:
            raise ValueError("'total_parameters' is below 'active_parameters'")
        return self


class Serving(StrictModel):
    """How the serving is known: ``measured``, ``throughput`` or ``estimated``, exactly one."""

    measured: MeasuredServing | None = None
    throughput: list[Throughput] | None = Field(default=None, min_length=1)
    estimated: EstimatedServing | None = None
    phase: Code = SERVING_PHASE
    """The phase of the rows gpulca adds (throughput, estimated)."""
    accelerator: Code | None = None
    """The accelerator of the serving rows (default: the study's)."""

    @model_validator(mode="after")
    def one_kind(self) -> Serving:
        given = [k for k in ("measured", "throughput", "estimated") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give how the serving is known: 'measured', 'throughput' or "
                             "'estimated', exactly one")
        return self

    @property
    def kind(self) -> Literal["measured", "throughput", "estimated"]:
        if self.measured is not None:
            return "measured"
        return "throughput" if self.throughput is not None else "estimated"


class Deployment(StrictModel):
    """The ``deployment:`` block of a study."""

    description: str | None = None
    service_life: SourcedValue | None = None
    """How long the model is served, e.g. ``18 month``; needed by rates."""
    traffic: dict[Code, Traffic] = Field(min_length=1)
    """Unit of service -> amount: ``requests``, ``input_tokens``, ``output_tokens`` or a unit of
    the study's own."""
    serving: Serving
    traffic_factors: list[float] = Field(
        default_factory=lambda: [0.01, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0], min_length=1)
    """Multiples of the declared lifetime traffic in the levelised-vs-traffic table."""

    @model_validator(mode="after")
    def traffic_consistent(self) -> Deployment:
        for unit, amount in self.traffic.items():
            if amount.rate is not None and self.service_life is None:
                raise ValueError(f"traffic.{unit} is a rate: give the period it runs over as "
                                 "'service_life' (e.g. '18 month')")
            if amount.per_request is not None:
                if unit == REQUESTS:
                    raise ValueError("traffic.requests cannot be 'per_request'")
                if REQUESTS not in self.traffic:
                    raise ValueError(f"traffic.{unit} is 'per_request': declare "
                                     "traffic.requests too")
        return self

    @model_validator(mode="after")
    def serving_consistent(self) -> Deployment:
        for index, throughput in enumerate(self.serving.throughput or []):
            if throughput.unit not in self.traffic:
                raise ValueError(f"serving.throughput[{index}].unit {throughput.unit!r} is not "
                                 f"a unit of traffic ({', '.join(self.traffic)})")
        if self.serving.estimated is not None and "output_tokens" not in self.traffic:
            raise ValueError("an estimated serving counts output tokens: declare "
                             "traffic.output_tokens")
        measured = self.serving.measured
        if measured is not None and measured.covers is not None and self.service_life is None:
            raise ValueError("serving.measured.covers is a period: give 'service_life' too")
        if any(f <= 0 for f in self.traffic_factors):
            raise ValueError("traffic_factors must be positive multiples of the traffic")
        return self
