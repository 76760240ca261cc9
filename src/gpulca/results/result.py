"""The result of one study (or one variant of it): tidy scores, the audit trail and the run's
context. Built by :mod:`gpulca.pipeline.run`; read by :mod:`gpulca.reports` and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gpulca.model.operation import OperationModel
from gpulca.model.translate import Demand
from gpulca.study.resolve import ResolvedStudy
from gpulca.study.variants.expand import AppliedOverride

if TYPE_CHECKING:
    from gpulca.results.uncertainty import UncertaintyResult


@dataclass
class StudyResult:
    """Everything a run produced: tidy scores, the audit trail and the run's context."""

    study: ResolvedStudy
    scores: pd.DataFrame
    audit: pd.DataFrame
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
