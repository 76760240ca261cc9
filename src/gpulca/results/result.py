"""The result of one study (or one variant of it): tidy scores, the audit trail and the run's
context. Built by :mod:`gpulca.pipeline.run`; read by :mod:`gpulca.reports` and the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gpulca.model.operation import OperationModel
from gpulca.model.translate import Demand
from gpulca.results.frames import AuditColumns
from gpulca.study.resolve import ResolvedStudy

if TYPE_CHECKING:
    from gpulca.results.uncertainty import UncertaintyResult
    from gpulca.study.variants.expand import AppliedOverride


@dataclass
class StudyResult:
    """Everything a run produced: tidy scores, the audit trail and the run's context."""

    study: ResolvedStudy
    scores: pd.DataFrame
    audit_trail: pd.DataFrame | AuditColumns
    """The audit trail: a frame, or the translated columns it is built from (a CSV of activity
    rows); read it as :attr:`audit` (the frame) or :meth:`audit_subset` (a few columns)."""
    demands: dict[str, dict[str, Demand]]
    database: str
    project: str
    data_dir: Path
    variant: str = "base"
    warnings: list[str] = field(default_factory=list)
    overrides: list[AppliedOverride] = field(default_factory=list)
    """For a variant: every override applied to the base study, in order (see
    :mod:`gpulca.study.variants`); empty for the base study."""
    method_metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    """By impact category id: what the Brightway project stores about its method (unit,
    number of characterisation factors, source file), read when the result was solved."""
    operation: OperationModel | None = None
    """The study's operation processes (one GPU-hour of an accelerator at the site) and each
    phase's demand of them: GPU-hours and stated corrections (:mod:`gpulca.model.operation`)."""
    operation_database: str | None = None
    """The Brightway database holding them (linked to ``database``), when written."""
    contributions: pd.DataFrame | None = None
    """With ``contributions=True``: the processes and elementary flows that make each impact,
    per phase and for the whole study (:mod:`gpulca.results.contributions`)."""
    uncertainty: UncertaintyResult | None = None
    """The run's Monte Carlo (``--uncertainty``), drawn in the Uncertainty sheet and charts."""

    @property
    def audit(self) -> pd.DataFrame:
        """The audit trail as a frame (:func:`gpulca.results.frames.audit_frame`), built from
        the columns the first time it is asked for (then kept)."""
        if isinstance(self.audit_trail, AuditColumns):
            self.audit_trail = self.audit_trail.frame()
        return self.audit_trail

    @audit.setter
    def audit(self, frame: pd.DataFrame) -> None:
        self.audit_trail = frame

    def audit_subset(self, names: Sequence[str]) -> pd.DataFrame:
        """The columns ``names`` of :attr:`audit` (those it has), without building the whole
        frame when the trail is still columns."""
        if isinstance(self.audit_trail, AuditColumns):
            known = {"scenario", "variant", *self.audit_trail.columns.numbers,
                     *self.audit_trail.columns.codes, "it_energy_measured"}
            return self.audit_trail.frame([n for n in names if n in known])
        return self.audit_trail[[n for n in names if n in self.audit_trail.columns]]
