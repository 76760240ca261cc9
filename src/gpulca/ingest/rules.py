"""Tagging rules: which research phase each SLURM job belongs to (a ``*rules*.yaml`` file).

A rules file maps jobs to phases with regular expressions on the sacct text columns, and maps
gres types or partitions to library accelerators::

    phases:                       # optional: phases added to (or relabelled in) the defaults
      - {id: distillation, label: Distillation}
    failed_states: [FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL]   # the default
    failed_phase: failed_run      # the default
    unmatched_phase: exploration  # leave out to make unmatched GPU jobs an error
    accelerators:
      gres_types: {h100: h100_sxm_80gb}
      partitions: {gpu-h100: h100_sxm_80gb}
      default: null
    rules:
      - phase: final_training
        name: '^final[-_]'
        model: moshi
      - phase: hyperparameter_search
        name: '^(hp|sweep)[-_]'
        state: 'CANCELLED|TIMEOUT'  # early-stopped trials are part of the search, not failures

Semantics (documented in ``docs/ingest.md``):

- A rule matches a job when *every* pattern it gives matches (``re.search``; anchor with ``^`` and
  ``$``; ``(?i)`` for case-insensitive). Keys: ``name`` (JobName), ``account``, ``partition``,
  ``comment``, ``wckey``, ``user`` and ``state``. The first matching rule wins.
- A job whose state is in ``failed_states`` goes to ``failed_phase`` unless a rule *with a
  ``state`` pattern* matches it (the rule "says otherwise"). Its model and component are still
  taken from the first matching rule, so failed runs stay attributed to the model they were for.
- GPU jobs that match no rule go to ``unmatched_phase`` in rows of their own (reported with
  counts and examples); without ``unmatched_phase`` they are an error.
- Accelerator of a job: ``gres_types[<gres type>]``, else ``partitions[<partition>]``, else
  ``default``, else none (the study's accelerator).
- ``reservation`` (optional) adds idle or reserved capacity as an explicit activity; see
  :class:`Reservation`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from gpulca.core.errors import InputError, Problem
from gpulca.core.phases import phase_labels, unknown_phase_message
from gpulca.core.safe_regex import RegexSyntaxError, SafePattern, compile_safe
from gpulca.core.units import UnitProblem, magnitude_in, parse_quantity
from gpulca.io.yamlio import LineMap, load_yaml
from gpulca.schemas import parse
from gpulca.schemas.common import Code, NonEmptyStr, StrictModel
from gpulca.schemas.scenario import PhaseDefinition

DEFAULT_FAILED_STATES = ("FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL")
MATCH_KEYS = ("name", "account", "partition", "comment", "wckey", "user", "state")
"""Rule keys holding patterns; each names a column of :class:`gpulca.ingest.sacct.SacctJobs`."""


def _compiles(pattern: str) -> str:
    try:
        compile_safe(pattern)
    except RegexSyntaxError as exc:
        raise ValueError(f"invalid regular expression: {exc.msg} at position {exc.pos}") from exc
    return pattern


Pattern = Annotated[str, AfterValidator(_compiles)]


class Rule(StrictModel):
    """One tagging rule: patterns that must all match, and the phase they assign."""

    phase: Code
    name: Pattern | None = None
    """Pattern on JobName."""
    account: Pattern | None = None
    partition: Pattern | None = None
    comment: Pattern | None = None
    wckey: Pattern | None = None
    user: Pattern | None = None
    state: Pattern | None = None
    """Pattern on State (first word). A rule with ``state`` may claim jobs in failed states."""
    model: NonEmptyStr | None = None
    component: NonEmptyStr | None = None
    description: str | None = None

    @model_validator(mode="after")
    def has_a_pattern(self) -> Rule:
        if all(getattr(self, key) is None for key in MATCH_KEYS):
            raise ValueError(f"a rule needs at least one pattern among {', '.join(MATCH_KEYS)}")
        return self

    def patterns(self) -> dict[str, SafePattern]:
        """The compiled patterns of this rule, by column (time-bounded searches)."""
        return {k: compile_safe(v) for k in MATCH_KEYS if (v := getattr(self, k)) is not None}


class AcceleratorMap(StrictModel):
    """SLURM gres types and partitions -> library accelerator ids."""

    gres_types: dict[NonEmptyStr, Code] = Field(default_factory=dict)
    partitions: dict[NonEmptyStr, Code] = Field(default_factory=dict)
    default: Code | None = None


class Reservation(StrictModel):
    """Reserved GPUs: the capacity the jobs did not use becomes an explicit idle activity.

    Idle GPU-hours = ``share`` x (``gpus`` x hours from ``start`` to ``end`` - GPU-hours of the
    jobs read). When ``idle_power`` is given, the row's IT energy is idle GPU-hours x idle power.
    """

    phase: Code
    gpus: int = Field(gt=0)
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date
    share: float = Field(default=1.0, gt=0, le=1)
    """Share of the idle capacity allocated to the study (0-1]."""
    allocation: NonEmptyStr
    """The allocation rule in words, e.g. ``"reserved for the project; all idle time counted"``."""
    accelerator: Code | None = None
    idle_power: NonEmptyStr | None = None
    """Measured or rated idle power per GPU, e.g. ``"60 W"``."""
    source: NonEmptyStr | None = None

    @model_validator(mode="after")
    def end_after_start(self) -> Reservation:
        if _as_datetime(self.end) <= _as_datetime(self.start):
            raise ValueError(f"end {self.end} is not after start {self.start}")
        if self.idle_power is not None:
            try:
                if magnitude_in(parse_quantity(self.idle_power), "W") < 0:
                    raise ValueError("idle_power must not be negative")
            except UnitProblem as exc:
                raise ValueError(f"idle_power: {exc}; expected a power such as '60 W'") from exc
        return self

    @property
    def hours(self) -> float:
        """Length of the reservation [h]."""
        return (_as_datetime(self.end) - _as_datetime(self.start)).total_seconds() / 3600.0

    @property
    def idle_power_w(self) -> float | None:
        """Idle power per GPU [W], when given."""
        if self.idle_power is None:
            return None
        return magnitude_in(parse_quantity(self.idle_power), "W")


def _as_datetime(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return dt.datetime(value.year, value.month, value.day)


class RulesFile(StrictModel):
    """A tagging-rules file (see the module docstring)."""

    description: str | None = None
    phases: list[PhaseDefinition] = Field(default_factory=list)
    failed_states: list[NonEmptyStr] = Field(default_factory=lambda: list(DEFAULT_FAILED_STATES))
    failed_phase: Code = "failed_run"
    unmatched_phase: Code | None = None
    accelerators: AcceleratorMap = Field(default_factory=AcceleratorMap)
    reservation: Reservation | None = None
    rules: list[Rule] = Field(min_length=1)


@dataclass(frozen=True)
class Rules:
    """A validated rules file, its phase labels, and where it came from."""

    spec: RulesFile
    labels: dict[str, str]
    file: str

    @property
    def failed_states(self) -> frozenset[str]:
        return frozenset(s.upper() for s in self.spec.failed_states)


def load_rules(path: str | Path, extra_phases: Iterable[tuple[str, str]] = ()) -> Rules:
    """Read and validate a rules file; raise :class:`InputError` listing every problem.

    Args:
        path: the YAML file.
        extra_phases: ``(id, label)`` phases of the study, known besides the defaults and the
            rules file's own ``phases``.
    """
    data, lines = load_yaml(path)
    spec = parse(RulesFile, data, lines)
    labels = phase_labels([*extra_phases, *((p.id, p.label) for p in spec.phases)])
    problems = list(_phase_problems(spec, labels, lines))
    if problems:
        raise InputError(problems)
    return Rules(spec, labels, str(path))


def _phase_problems(spec: RulesFile, labels: dict[str, str], lines: LineMap) -> list[Problem]:
    places: list[tuple[tuple[str | int, ...], str | None]] = [
        (("failed_phase",), spec.failed_phase), (("unmatched_phase",), spec.unmatched_phase),
        (("reservation", "phase"), spec.reservation.phase if spec.reservation else None),
    ]
    places += [(("rules", i, "phase"), rule.phase) for i, rule in enumerate(spec.rules)]
    return [lines.problem(path, unknown_phase_message(phase, labels), phase)
            for path, phase in places if phase is not None and phase not in labels]
