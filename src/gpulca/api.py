"""The library API: run a study end to end.

>>> from gpulca.api import run_study                                   # doctest: +SKIP
>>> result = run_study("scenarios/example.yaml", data_dir="/tmp/bw")   # doctest: +SKIP
>>> result.scores.head()                                               # doctest: +SKIP

Pipeline: load and resolve the study (:mod:`gpulca.study`) -> translate activity rows into
demand vectors per (phase, stage) (:mod:`gpulca.translate`) -> make sure the gpulca Brightway
project has its background and the inventory database (:mod:`gpulca.brightway`,
:mod:`gpulca.build`) -> one bw2calc MultiLCA over every (phase, stage) x impact category
(:mod:`gpulca.calculate`) -> tidy frames (:mod:`gpulca.results`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gpulca.brightway import DEFAULT_PROJECT, ProgressCallback, ensure_background, gpulca_project
from gpulca.build import ensure_database
from gpulca.calculate import Scores, method_units, solve
from gpulca.errors import InputError, Problem
from gpulca.results import audit_frame, functional_unit_name, scores_frame
from gpulca.study import ResolvedStudy, load_study
from gpulca.translate import (
    Demand,
    RowQuantities,
    extra_energy_quantities,
    phase_demands,
    row_quantities,
)
from gpulca.units import cached_magnitude, magnitude_in, parse_quantity
from gpulca.variants.expand import AppliedOverride


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
    :mod:`gpulca.variants`); empty for the base study."""


def measured_energies_kwh(study: ResolvedStudy) -> list[float | None]:
    """Measured IT energy of every activity row [kWh] (None where not measured)."""
    return [magnitude_in(parse_quantity(row.it_energy), "kWh") if row.it_energy else None
            for row in study.rows]


def activity_quantities(study: ResolvedStudy,
                        measured_kwh: Sequence[float | None] | None = None
                        ) -> list[RowQuantities]:
    """Translate every activity row and extra-energy entry of a resolved study.

    ``measured_kwh`` (from :func:`measured_energies_kwh`) spares re-parsing the rows' measured
    energies when the same rows are translated for many variants.
    """
    default = study.study.hardware.accelerator
    energies = measured_energies_kwh(study) if measured_kwh is None else measured_kwh
    quantities = []
    for row, measured in zip(study.rows, energies, strict=True):
        hardware = study.hardware[row.accelerator or default]
        if row.gpu_load is not None:
            hardware = dataclasses.replace(hardware, gpu_load=row.gpu_load)
        power = (cached_magnitude(row.it_power, "kW") / float(row.gpu_count or 1)
                 if row.it_power else None)
        quantities.append(row_quantities(row.phase, row.total_gpu_hours, hardware, study.site,
                                         measured, row.model, row.component, power,
                                         row.it_energy_scope))
    for extra, energy in zip(study.study.extra_energy, study.extra_energy_kwh, strict=True):
        quantities.append(extra_energy_quantities(extra.phase, energy, extra.scope, study.site))
    return quantities


def zero_energy_warnings(demands: dict[str, dict[str, Demand]]) -> list[str]:
    """A phase that draws no electricity is reported: it usually means missing data."""
    return [f"phase {phase!r} has no electricity use (0 kWh): check its GPU-hours or energy"
            for phase, stages in demands.items() if not any(stages["electricity"].values())]


def stage_functional_units(demands: dict[str, dict[str, Demand]]) -> dict[str, Demand]:
    """One named demand vector per (phase, stage)."""
    return {functional_unit_name(phase, stage): demand
            for phase, stages in demands.items() for stage, demand in stages.items()}


def run_resolved(study: ResolvedStudy, data_dir: str | Path | None = None,
                 project: str = DEFAULT_PROJECT, progress: ProgressCallback | None = None,
                 variant: str = "base") -> StudyResult:
    """Solve a resolved study with bw2calc in the gpulca project of ``data_dir``."""
    quantities = activity_quantities(study)
    demands = phase_demands(quantities)
    with gpulca_project(project, data_dir) as bd:
        import bw2calc as bc

        ensure_background(bd, progress)
        missing = [c for c in study.methods.impact_categories if c.method not in bd.methods]
        if missing:
            raise InputError([Problem(str(study.methods_file), "impact_categories",
                                      "method not installed in the gpulca project",
                                      value=" | ".join(c.method)) for c in missing])
        database = ensure_database(bd, study.library)
        scores = solve(bd, bc, database, stage_functional_units(demands), study.methods)
        units = method_units(bd, study.methods)
        data_dir_used = Path(bd.projects._base_data_dir)
    return study_result(study, quantities, demands, scores, units,
                        (database, project, data_dir_used), variant)


def study_result(study: ResolvedStudy, quantities: list[RowQuantities],
                 demands: dict[str, dict[str, Demand]], scores: Scores, units: dict[str, str],
                 where: tuple[str, str, Path], variant: str = "base",
                 overrides: Sequence[AppliedOverride] = ()) -> StudyResult:
    """Assemble a :class:`StudyResult` from solved scores; ``where`` is (database, project,
    data directory). Raises :class:`InputError` when a score is not finite."""
    frame = scores_frame(study.name, variant, demands, study.phases, scores, study.methods,
                         units)
    if not all(math.isfinite(s) for s in frame["score"]):
        raise InputError(Problem(str(study.file), "", "a score is not finite (NaN or inf): "
                                                      "check the inventory amounts"))
    database, project, data_dir = where
    return StudyResult(study, frame, audit_frame(study.name, variant, quantities), demands,
                       database, project, data_dir, variant,
                       study.warnings + zero_energy_warnings(demands), list(overrides))


def run_study(path: str | Path, data_dir: str | Path | None = None,
              project: str = DEFAULT_PROJECT, progress: ProgressCallback | None = None
              ) -> StudyResult:
    """Load, resolve and solve a study file."""
    return run_resolved(load_study(path), data_dir, project, progress)
