"""The strict pydantic base and the shared value types of every gpulca YAML file.

Every schema forbids unknown keys (a typo is an error, not a silently ignored key) and is frozen.
Every number a user or the library supplies carries its provenance: a ``source`` (publication and
table, or repository path and commit) or an explicit ``assumption`` saying why there is none.
"""

from __future__ import annotations

import math
import types
import typing
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from gpulca.core.parameters import PARAMETERS, check_range
from gpulca.schemas import docstrings

docstrings.install()  # the models' attribute docstrings read from each module's parsed source

# Codes of processes and ids of catalogue items: lower-case, digits, '_', '-', '.'.
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", max_length=120)]
# Grid zone ids follow the Electricity Maps / ISO style (FR, US-MIDA-PJM, CA-QC): any case.
ZoneId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=60)]
NonEmptyStr = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


def plausible(key: str) -> AfterValidator:
    """Validator of a plain number (a count, a row's load) against the parameter table's range,
    so that the schema gives the same out-of-range message as resolution."""
    parameter = PARAMETERS[key]

    def check(value: float) -> float:
        message = check_range(parameter, value)
        if message is not None:
            raise ValueError(message)
        return value

    return AfterValidator(check)


Quality = Literal["primary", "faithful_copy", "secondary", "derived", "assumption"]
"""How close a value is to its origin: ``primary`` (the original author or operator),
``faithful_copy`` (a repository or tool that copies the primary value), ``secondary`` (a summary,
not re-verified), ``derived`` (our arithmetic on sourced values, method stated), ``assumption``."""


def _leaf_types(annotation: Any) -> set[Any]:
    """The plain types an annotation accepts (Annotated, Optional, unions and lists unwrapped to
    their members; a list contributes ``list``)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _leaf_types(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return set().union(*(_leaf_types(a) for a in typing.get_args(annotation)))
    if origin is Literal:
        return {type(a) for a in typing.get_args(annotation)}
    if origin is not None:
        return {origin}
    return {annotation}


@cache
def _accepts(model: type[BaseModel], field: str) -> frozenset[Any]:
    info = model.model_fields.get(field)
    return frozenset(_leaf_types(info.annotation)) if info is not None else frozenset()


@cache
def _accepts_sourced(model: type[BaseModel], field: str) -> bool:
    return any(isinstance(t, type) and issubclass(t, SourcedValue)
               for t in _accepts(model, field))


def _has_binary(value: object) -> bool:
    if isinstance(value, bytes | bytearray):
        return True
    return isinstance(value, list) and any(_has_binary(v) for v in value)


def _sourced_hint(field: str, value: object) -> str:
    return (f"a bare number needs its source: write {field}: {{value: {value}, source: "
            "\"publication, table or page\"} (or assumption: \"why there is none\" instead "
            "of source)")


def yaml_type_problem(model: type[BaseModel], field: str, value: object) -> str | None:
    """What is wrong with ``value`` for ``field`` of ``model`` in a way YAML's typing hides, or
    None: binary data; a YAML boolean (``true``, ``yes``, ``no``, ``on``...) or a number where
    text (a code, a zone id) is expected, which must be quoted; a boolean where a number is
    expected (pydantic would read ``true`` as 1); a bare number where a sourced value is
    expected."""
    if _has_binary(value):
        return "binary data (!!binary) is not accepted: write the value as plain text or a number"
    accepts = _accepts(model, field)
    numeric = bool(accepts & {float, int})
    sourced = _accepts_sourced(model, field)
    if isinstance(value, bool):
        if numeric:
            return "expected a number, got a YAML boolean (true/false, yes/no, on/off)"
        if sourced:
            return ("expected a sourced value, got a YAML boolean (true/false, yes/no, on/off); "
                    + _sourced_hint(field, 1).split(": ", 1)[1])
        if str in accepts and bool not in accepts:
            return (f"YAML reads an unquoted yes/no/on/off/true/false as a boolean: quote it, "
                    f"e.g. {field}: \"NO\"")
    elif isinstance(value, int | float) and sourced and not numeric:
        return _sourced_hint(field, value)
    elif isinstance(value, int | float) and str in accepts and not numeric:
        return f"expected text, got the number {value}: quote it, e.g. {field}: \"{value}\""
    return None


class StrictModel(BaseModel):
    """Base of every schema: unknown keys are errors, instances are immutable.

    Values that YAML types in a way the user did not mean get a plain message naming the fix
    (:func:`yaml_type_problem`), instead of being silently converted (``true`` read as 1) or
    rejected with pydantic's wording.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _yaml_typing(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is not None:
            message = yaml_type_problem(cls, info.field_name, value)
            if message is not None:
                raise ValueError(message)
        return value


class Uncertainty(StrictModel):
    """A probability distribution for a value, in the value's own unit.

    Lognormal takes ``gsd`` (geometric standard deviation, > 1) *or* ``sigma`` (standard deviation
    of the underlying normal); its median is always the value itself (gpulca sets stats_arrays'
    ``loc`` to ln|value|, avoiding the silent default ``loc = value``).
    """

    distribution: Literal["lognormal", "normal", "uniform", "triangular"]
    gsd: float | None = Field(default=None, gt=1)
    sigma: float | None = Field(default=None, gt=0)
    sd: float | None = Field(default=None, gt=0)
    minimum: float | None = None
    maximum: float | None = None

    @model_validator(mode="after")
    def parameters_match_distribution(self) -> Uncertainty:
        needed = {
            "lognormal": "gsd or sigma",
            "normal": "sd",
            "uniform": "minimum and maximum",
            "triangular": "minimum and maximum",
        }[self.distribution]
        ok = {
            "lognormal": (self.gsd is None) != (self.sigma is None),
            "normal": self.sd is not None,
            "uniform": self.minimum is not None and self.maximum is not None,
            "triangular": self.minimum is not None and self.maximum is not None,
        }[self.distribution]
        if not ok:
            raise ValueError(f"a {self.distribution} distribution needs {needed} (exactly)")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(f"minimum {self.minimum} is above maximum {self.maximum}")
        if self.distribution in ("uniform", "triangular") and self.minimum == self.maximum:
            raise ValueError(f"zero spread: minimum and maximum are both {self.minimum}; "
                             "give a range, or leave the uncertainty out (the value is fixed)")
        return self

    def scaled(self, factor: float) -> Uncertainty:
        """The same distribution for the value times ``factor`` (> 0): a unit conversion of
        an exchange's amount to its target's unit (a lognormal's spread does not change)."""
        if factor == 1.0 or not math.isfinite(factor) or factor <= 0:
            return self
        return self.model_copy(update={
            name: getattr(self, name) * factor for name in ("sd", "minimum", "maximum")
            if getattr(self, name) is not None})

    def problem_with(self, value: float) -> str | None:
        """What is wrong with this distribution around ``value`` (in the same unit), if
        anything: a value outside a uniform or triangular range (a triangular's mode), or a
        lognormal on a value that is not positive."""
        if self.distribution == "lognormal" and value <= 0:
            return f"a lognormal distribution needs a positive value; got {value:g}"
        if self.minimum is not None and self.maximum is not None and not (
            self.minimum <= value <= self.maximum
        ):
            what = "mode (the value)" if self.distribution == "triangular" else "value"
            return (f"the {what} {value:g} lies outside the {self.distribution} range "
                    f"[{self.minimum:g}, {self.maximum:g}]")
        return None

    def to_stats_arrays(self, amount: float) -> dict[str, float | int | bool | None]:
        """Return the stats_arrays fields for an exchange of this ``amount``."""
        if self.distribution == "lognormal":
            if amount == 0:
                raise ValueError("a lognormal distribution needs a non-zero amount")
            sigma = self.sigma if self.sigma is not None else math.log(self.gsd or 1.0)
            return {"uncertainty type": 2, "loc": math.log(abs(amount)), "scale": sigma,
                    "negative": amount < 0}
        if self.distribution == "normal":
            return {"uncertainty type": 3, "loc": amount, "scale": float(self.sd or 0.0)}
        if self.minimum is not None and self.maximum is not None and not (
            self.minimum <= amount <= self.maximum
        ):
            raise ValueError(
                f"amount {amount} lies outside [{self.minimum}, {self.maximum}]"
            )
        if self.distribution == "uniform":
            return {"uncertainty type": 4, "minimum": self.minimum, "maximum": self.maximum}
        return {"uncertainty type": 5, "loc": amount, "minimum": self.minimum,
                "maximum": self.maximum}


class Provenance(StrictModel):
    """Where a value comes from. ``source`` or ``assumption`` is required."""

    source: NonEmptyStr | None = None
    """Publication with table or page, or repository path and commit."""
    assumption: NonEmptyStr | None = None
    """Why the value has no source, when it has none."""
    quality: Quality | None = None
    """How close the value is to its origin: primary, faithful_copy, secondary, derived or
    assumption."""
    uncertainty: Uncertainty | None = None
    """A probability distribution of the value, in the value's unit."""
    comment: str | None = None
    """Anything a reader should know about the value."""

    @model_validator(mode="after")
    def sourced_or_assumed(self) -> Provenance:
        if not self.source and not self.assumption:
            raise ValueError(
                "no source: give 'source' (publication and table, or repository path) "
                "or 'assumption' (why there is none)"
            )
        if self.assumption and not self.source and self.quality not in (None, "assumption"):
            raise ValueError("a value with only an 'assumption' must have quality 'assumption'")
        return self


class SourcedValue(Provenance):
    """A number or quantity with its provenance, e.g. ``{value: 700 W, source: ...}``.

    ``value`` is a bare number for dimensionless values (PUE, utilisation) or a quantity string
    such as ``"700 W"``, ``"6 year"`` or ``"0.2 L/kWh"``; units are checked where it is used.
    """

    value: float | NonEmptyStr
    """A number, or a quantity with its unit as text (``700 W``, ``6 year``, ``0.2 L/kWh``)."""

    @field_validator("value")
    @classmethod
    def finite_number(cls, value: float | str) -> float | str:
        if isinstance(value, float | int) and not math.isfinite(value):
            raise ValueError(f"{value} is not a finite number")
        return value

    @model_validator(mode="after")
    def uncertainty_fits_value(self) -> SourcedValue:
        """The distribution is around the value as written (``"6 year"``: in years)."""
        check_uncertainty_fits(self.uncertainty, self.value)
        return self


def check_uncertainty_fits(uncertainty: Uncertainty | None, value: float | str | None) -> None:
    """Raise ValueError when ``uncertainty`` does not fit the value as written (its mode or
    range around the number, in the written unit: ``"6 year"`` is 6)."""
    if uncertainty is None:
        return  # nothing to fit (and parsing the value's unit is slow)
    magnitude = written_magnitude(value)
    if magnitude is not None:
        message = uncertainty.problem_with(magnitude)
        if message is not None:
            raise ValueError(message)


def written_magnitude(value: float | str | None) -> float | None:
    """The number of a value as written (``"6 year"`` -> 6.0); None when it does not parse
    (the unit check reports that)."""
    if value is None or isinstance(value, int | float):
        return None if value is None else float(value)
    from gpulca.core.units import UnitProblem, parse_quantity

    try:
        return float(parse_quantity(value).magnitude)
    except (UnitProblem, ValueError, TypeError):
        return None
