"""Run a study end to end (the public :func:`gpulca.run_study`).

>>> from gpulca import run_study                                       # doctest: +SKIP
>>> result = run_study("scenarios/example.yaml", data_dir="/tmp/bw")   # doctest: +SKIP
>>> result.scores.head()                                               # doctest: +SKIP

Pipeline: load and resolve the study (:mod:`gpulca.study.resolve`) -> translate activity rows into
demand vectors per (phase, stage) (:mod:`gpulca.model.translate`) -> make sure the gpulca Brightway
project has its background and the inventory database (:mod:`gpulca.engine.project`,
:mod:`gpulca.engine.database`) -> one bw2calc MultiLCA over every (phase, stage) x impact category
(:mod:`gpulca.engine.solve`) -> tidy frames (:mod:`gpulca.results.frames`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gpulca.core.errors import InputError, Problem
from gpulca.core.units import cached_magnitude, magnitude_in, parse_quantity
from gpulca.engine.gateway import open_session
from gpulca.engine.project import DEFAULT_PROJECT, ProgressCallback
from gpulca.engine.solve import Scores
from gpulca.model.translate import (
    Demand,
    RowQuantities,
    extra_energy_quantities,
    phase_demands,
    row_quantities,
)
from gpulca.results.frames import audit_frame, functional_unit_name, scores_frame
from gpulca.results.result import StudyResult
from gpulca.schemas.scenario import Study
from gpulca.study.resolve import ResolvedStudy, load_study, resolve_study
from gpulca.study.variants.expand import AppliedOverride


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
                                         row.it_energy_scope, row.it_energy_gpu_hours))
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
    with open_session(project, data_dir, progress) as session:
        prepared = session.prepare(study.library, study.methods, str(study.methods_file))
        scores = session.solve(prepared.database, stage_functional_units(demands),
                               study.methods)
    return study_result(study, quantities, demands, scores, prepared.method_units,
                        (prepared.database, project, session.data_dir), variant, (),
                        prepared.method_metadata)


def study_result(study: ResolvedStudy, quantities: list[RowQuantities],
                 demands: dict[str, dict[str, Demand]], scores: Scores, units: dict[str, str],
                 where: tuple[str, str, Path], variant: str = "base",
                 overrides: Sequence[AppliedOverride] = (),
                 method_metadata: dict[str, dict[str, Any]] | None = None) -> StudyResult:
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
                       study.warnings + zero_energy_warnings(demands), list(overrides),
                       dict(method_metadata or {}))


def run_study(study: str | Path | Study | Mapping[str, Any],
              data_dir: str | Path | None = None, project: str = DEFAULT_PROJECT,
              progress: ProgressCallback | None = None, base_dir: str | Path = "."
              ) -> StudyResult:
    """Load (or take), resolve and solve a study: a file path, or an in-memory
    :class:`~gpulca.schemas.scenario.Study` or mapping whose relative paths start at
    ``base_dir``."""
    if isinstance(study, str | Path):
        return run_resolved(load_study(study), data_dir, project, progress)
    return run_resolved(resolve_study(study, base_dir), data_dir, project, progress)
