"""A study's deployment resolved: units served over the service life, and the serving rows.

:func:`resolve_deployment` turns the ``deployment:`` block (:mod:`gpulca.schemas.deployment`) into
a :class:`ResolvedDeployment` (every unit of service counted over the service life, with its
source) and, for throughput and estimated serving, into activity rows of the serving phase,
which the GPU-hour model computes like any other phase. Every problem is located.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gpulca.core.errors import Problem
from gpulca.core.units import UnitProblem, magnitude_in, parse_quantity
from gpulca.io.yamlio import LineMap
from gpulca.model.service import (
    ECOLOGITS_SOURCE,
    ecologits_per_output_token,
    throughput_gpu_hours,
)
from gpulca.schemas.common import Provenance
from gpulca.schemas.deployment import (
    REQUESTS,
    SERVING_LABEL,
    SERVING_PHASE,
    TOKEN_UNITS,
    Deployment,
)
from gpulca.schemas.scenario import ActivityRow

PATH: tuple[str, ...] = ("deployment",)


@dataclass(frozen=True)
class ServiceUnit:
    """One unit of service and how many are served."""

    id: str
    label: str
    """Singular name, e.g. ``request``, ``output token``."""
    lifetime: float
    """Units served over the service life."""
    per: float
    """Results are given per ``per`` units (1,000 for tokens, 1 otherwise)."""
    source: str
    origin: str

    @property
    def per_label(self) -> str:
        """``request``, ``1,000 output tokens``."""
        return self.label if self.per == 1 else f"{self.per:,.0f} {self.label}s"


@dataclass(frozen=True)
class ResolvedDeployment:
    """What a study serves over its life and which phases hold the serving."""

    spec: Deployment
    units: dict[str, ServiceUnit]
    serving_phases: tuple[str, ...]
    kind: str
    """``measured``, ``throughput`` or ``estimated``."""
    service_life_h: float | None
    served_fraction: float = 1.0
    """Share of the lifetime traffic the serving phases' results cover (measured ``covers``)."""
    estimate_gsd: float | None = None
    """For an estimated serving: the lognormal gsd of the estimate."""
    source: str = ""
    """Where the serving figures come from (the throughput's or the estimate's source)."""
    notes: list[str] = field(default_factory=list)

    def served(self, unit: str) -> float:
        """Units the serving phases' results cover."""
        return self.units[unit].lifetime * self.served_fraction


def _source(value: Provenance) -> str:
    return value.source or f"assumption: {value.assumption}"


def _label(unit: str, given: str | None) -> str:
    if given:
        return given
    return {REQUESTS: "request", "input_tokens": "input token",
            "output_tokens": "output token"}.get(unit, unit.replace("_", " ").rstrip("s"))


class _Problems:
    def __init__(self, lines: LineMap) -> None:
        self.lines = lines
        self.found: list[Problem] = []

    def add(self, path: tuple[str | int, ...], message: str, value: object = None) -> None:
        self.found.append(self.lines.problem(PATH + path, message, value))

    def quantity(self, text: str | float, unit: str, path: tuple[str | int, ...], what: str,
                 default_unit: str | None = None) -> float | None:
        """``text`` in ``unit``, positive and finite, else a located problem and None."""
        try:
            value = magnitude_in(parse_quantity(text, default_unit), unit)
        except UnitProblem as exc:
            self.add(path, f"{exc}; expected {what}", text)
            return None
        if not value > 0:
            self.add(path, f"expected a positive {what}", text)
            return None
        return value


def _units(spec: Deployment, life_h: float | None, check: _Problems
           ) -> dict[str, ServiceUnit]:
    units: dict[str, ServiceUnit] = {}
    requests = None
    order = sorted(spec.traffic, key=lambda u: spec.traffic[u].per_request is not None)
    for unit in order:
        amount = spec.traffic[unit]
        path: tuple[str | int, ...] = ("traffic", unit)
        lifetime: float | None
        if amount.count is not None:
            lifetime = amount.count
        elif amount.rate is not None:
            rate = check.quantity(amount.rate, "1/hour", path + ("rate",),
                                  "a rate such as '2000000 / day'")
            lifetime = rate * life_h if rate is not None and life_h is not None else None
        else:
            lifetime = (requests * float(amount.per_request or 0)
                        if requests is not None else None)
        if lifetime is None:
            continue
        if not lifetime > 0 or lifetime == float("inf"):
            check.add(path, "the lifetime traffic is not a positive finite count", lifetime)
            continue
        per = 1000.0 if unit in TOKEN_UNITS or unit.endswith("tokens") else 1.0
        units[unit] = ServiceUnit(unit, _label(unit, amount.label), lifetime, per,
                                  _source(amount),
                                  f"{check.lines.file}:{check.lines.line_of(PATH + path)}")
        if unit == REQUESTS:
            requests = lifetime
    return {u: units[u] for u in spec.traffic if u in units}


def _throughput_rows(spec: Deployment, units: dict[str, ServiceUnit], check: _Problems
                     ) -> list[ActivityRow]:
    rows = []
    serving = spec.serving
    for index, throughput in enumerate(serving.throughput or []):
        path: tuple[str | int, ...] = ("serving", "throughput", index)
        rate = check.quantity(throughput.value, "1/hour", path + ("value",),
                              "units per GPU per unit of time, e.g. '1500 / second'")
        utilisation = check.quantity(throughput.utilisation.value, "dimensionless",
                                     path + ("utilisation", "value"), "share (0-1]",
                                     "dimensionless")
        if utilisation is not None and utilisation > 1:
            check.add(path + ("utilisation", "value"), "expected a share in (0, 1]",
                      throughput.utilisation.value)
            continue
        if rate is None or utilisation is None or throughput.unit not in units:
            continue
        hours = throughput_gpu_hours(units[throughput.unit].lifetime, rate, utilisation)
        rows.append(ActivityRow(
            phase=serving.phase, gpu_hours=hours, accelerator=serving.accelerator,
            component=throughput.unit, gpu_load=throughput.gpu_load,
            comment=f"serving {throughput.unit} at {throughput.value} per GPU, utilisation "
                    f"{utilisation:g} ({_source(throughput)})"))
    return rows


def _estimated_rows(spec: Deployment, units: dict[str, ServiceUnit]) -> list[ActivityRow]:
    estimate, serving = spec.serving.estimated, spec.serving
    if estimate is None or "output_tokens" not in units:
        return []
    tokens = units["output_tokens"].lifetime
    per_token = ecologits_per_output_token(
        estimate.active_parameters, estimate.total_parameters or estimate.active_parameters,
        estimate.batch_size, estimate.quantization_bits, estimate.gpu_memory_gb)
    energy_kwh = tokens * per_token.gpu_energy_wh / 1000.0
    return [ActivityRow(
        phase=serving.phase, gpu_hours=tokens * per_token.gpu_hours, accelerator=
        serving.accelerator, component="output_tokens", it_energy=f"{energy_kwh!r} kWh",
        it_energy_scope="gpu",
        comment=f"ESTIMATE ({ECOLOGITS_SOURCE}): {per_token.gpus} GPUs, "
                f"{per_token.gpu_energy_wh:.3g} Wh and {per_token.gpu_hours:.3g} GPU-h per "
                "output token")]


def _measured_fraction(spec: Deployment, life_h: float | None, phases: dict[str, str],
                       check: _Problems) -> float:
    """Share of the lifetime traffic the measured serving phases cover."""
    measured = spec.serving.measured
    assert measured is not None
    for index, phase in enumerate(measured.phases):
        if phase not in phases:
            check.add(("serving", "measured", "phases", index), "unknown phase", phase)
    if measured.covers is None or life_h is None:
        return 1.0
    path = ("serving", "measured", "covers", "value")
    covers = check.quantity(measured.covers.value, "hour", path, "period")
    if covers is None:
        return 1.0
    if covers > life_h:
        check.add(path, "the measured period is longer than the service life",
                  measured.covers.value)
    return covers / life_h


def resolve_deployment(spec: Deployment | None, lines: LineMap, phases: dict[str, str]
                       ) -> tuple[ResolvedDeployment | None, list[ActivityRow], list[Problem]]:
    """The deployment, the serving rows to add to the activity and the problems found.

    ``phases`` (the study's taxonomy) gets the serving phase when rows are added.
    """
    if spec is None:
        return None, [], []
    check = _Problems(lines)
    life_h = None
    if spec.service_life is not None:
        life_h = check.quantity(spec.service_life.value, "hour", ("service_life", "value"),
                                "service life such as '18 month'")
    units = _units(spec, life_h, check)
    serving = spec.serving
    fraction, rows = 1.0, []
    if serving.measured is not None:
        phase_ids = tuple(serving.measured.phases)
        fraction = _measured_fraction(spec, life_h, phases, check)
        source = "the study's activity rows of phases " + ", ".join(phase_ids)
    else:
        phase_ids = (serving.phase,)
        phases.setdefault(serving.phase, SERVING_LABEL)
        if serving.throughput is not None:
            rows = _throughput_rows(spec, units, check)
            source = "; ".join(_source(t) for t in serving.throughput)
        else:
            rows = _estimated_rows(spec, units)
            source = f"ESTIMATE, {ECOLOGITS_SOURCE}"
    if check.found:
        return None, [], check.found
    estimate = serving.estimated
    return (ResolvedDeployment(spec, units, phase_ids, serving.kind, life_h, fraction,
                               estimate.uncertainty.gsd if estimate else None, source),
            rows, [])


__all__ = ["PATH", "SERVING_PHASE", "ResolvedDeployment", "ServiceUnit", "resolve_deployment"]
