"""A resolved variant (:func:`gpulca.study.variants.load_variants`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gpulca.study.resolve import ResolvedStudy
from gpulca.study.variants.expand import AppliedOverride, Kind


@dataclass
class ResolvedVariant:
    """A variant resolved like a study: parameters, log, and its GPU-hour scale."""

    name: str
    kind: Kind
    description: str | None
    study: ResolvedStudy
    overrides: list[AppliedOverride] = field(default_factory=list)
    parents: tuple[str, ...] = ()
    gpu_hours_scale: float = 1.0
