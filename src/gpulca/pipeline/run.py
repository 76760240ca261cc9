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
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gpulca.core.errors import GpulcaError, InputError
from gpulca.core.units import cached_magnitude, magnitude_in, parse_quantity
from gpulca.engine.bundled import WITHDRAWAL_METHOD
from gpulca.engine.gateway import finish_brightway_import, open_session, start_brightway_import
from gpulca.engine.project import DEFAULT_PROJECT, ProgressCallback
from gpulca.engine.solve import Scores
from gpulca.library.water import withdrawal_gaps, withdrawal_is_consumption
from gpulca.model.columnar import QuantityColumns, grouped_quantities, table_quantities
from gpulca.model.operation import OperationModel, operation_model
from gpulca.model.translate import (
    Demand,
    HardwareParameters,
    RowQuantities,
    extra_energy_quantities,
    phase_demands,
    row_quantities,
)
from gpulca.results.contributions import STUDY_DEMAND, contributions_frame
from gpulca.results.frames import (
    AuditColumns,
    audit_frame,
    functional_unit_name,
    scores_frame,
)
from gpulca.results.result import StudyResult
from gpulca.results.sanity import score_problems
from gpulca.schemas.scenario import Study
from gpulca.study.resolve import ResolvedStudy, load_study, resolve_study

if TYPE_CHECKING:  # (a variant's: imported by the comparison that makes them)
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
    loaded: dict[tuple[str, float], HardwareParameters] = {}  # one per accelerator and load
    for row, measured in zip(study.rows, energies, strict=True):
        hardware = study.hardware[row.accelerator or default]
        if row.gpu_load is not None:
            key = (row.accelerator or default, row.gpu_load)
            if key not in loaded:
                loaded[key] = dataclasses.replace(hardware, gpu_load=row.gpu_load)
            hardware = loaded[key]
        power = (cached_magnitude(row.it_power, "kW") / float(row.gpu_count or 1)
                 if row.it_power else None)
        quantities.append(row_quantities(row.phase, row.total_gpu_hours, hardware, study.site,
                                         measured, row.model, row.component, power,
                                         row.it_energy_scope, row.it_energy_gpu_hours))
    for extra, energy in zip(study.study.extra_energy, study.extra_energy_kwh, strict=True):
        quantities.append(extra_energy_quantities(extra.phase, energy, extra.scope, study.site))
    return quantities


def activity_columns(study: ResolvedStudy) -> QuantityColumns:
    """:func:`activity_quantities` as columns (:mod:`gpulca.model.columnar`): every quantity of
    every activity row and extra-energy entry, one array each, no Python object per row."""
    extra = [(e.phase, kwh, e.scope)
             for e, kwh in zip(study.study.extra_energy, study.extra_energy_kwh, strict=True)]
    return table_quantities(study.activity_table, study.hardware,
                            study.study.hardware.accelerator, study.site, extra)


def row_hardware(study: ResolvedStudy) -> list[HardwareParameters | None]:
    """The study's resolved hardware of every row of :func:`activity_quantities` (None for an
    extra-energy entry), as the study declares it (before a row's own GPU load or power)."""
    default = study.study.hardware.accelerator
    return [study.hardware[row.accelerator or default] for row in study.rows] + \
        [None] * len(study.study.extra_energy)


def assumption_sources(study: ResolvedStudy) -> dict[str, str]:
    """Where each resolved value was read, by assumption key (for the operation processes)."""
    return {a.key: f"{a.origin}" + (f" ({a.source})" if a.source else "")
            for a in study.assumptions}


def study_operation(study: ResolvedStudy, quantities: Sequence[RowQuantities]
                    ) -> OperationModel:
    """The study's operation processes and each phase's demand of them (GPU-hours and stated
    corrections), from its translated rows (:func:`activity_quantities`)."""
    return operation_model(quantities, row_hardware(study), study.site,
                           assumption_sources(study))


OPERATION_TOTAL = "operation"
"""Functional unit suffix of a phase's whole demand of operation processes."""
OPERATION_GROSS = "operation-gpu-hours"
"""Functional unit suffix of a phase's GPU-hours alone (without corrections): the scale of the
float32 round-off of the whole demand's score."""


def operation_functional_units(operation: OperationModel) -> dict[str, Demand]:
    """Two named demands per phase: GPU-hours of its operation processes with its corrections
    (the phase's score), and the GPU-hours alone (the scale of the check's round-off)."""
    units = {functional_unit_name(phase, OPERATION_TOTAL): demand
             for phase, demand in operation.phase_demands().items() if demand}
    units.update({functional_unit_name(phase, OPERATION_GROSS): demand
                  for phase, demand in operation.gpu_hours.items() if demand})
    return units


FLOAT32_TOLERANCE = 1e-6
"""Relative tolerance between a phase's score from its operation processes and the sum of its
stage scores. Brightway stores matrix amounts as float32 (bw_processing
``resolve_dict_iterator``): each exchange amount of an operation process (e.g. 0.682 kW x PUE
1.56 = 1.06392 kWh per GPU-hour) is rounded to 24 bits, at most 2**-24 = 6e-8 relative, while the
stage demand vectors are float64. The round-off scales with the gross amounts: the stage scores'
magnitudes and the score of the GPU-hours alone (a measured energy far below the modelled one is
a large negative correction of a large modelled score). 1e-6 of that scale is the round-off with
a 16-fold margin for sums of several exchanges."""


def check_operation_scores(scores: Scores, demands: dict[str, dict[str, Demand]],
                           operation: OperationModel, impacts: Sequence[str]) -> None:
    """Each phase's score from GPU-hours of its operation processes must equal the sum of its
    stage scores, to float32 rounding (:data:`FLOAT32_TOLERANCE`)."""
    for phase in operation.phase_demands():
        name = functional_unit_name(phase, OPERATION_TOTAL)
        for impact in impacts:
            if (impact, name) not in scores:
                continue
            whole = scores[(impact, name)]
            parts = [scores.get((impact, functional_unit_name(phase, stage)), 0.0)
                     for stage in demands.get(phase, {})]
            gross = scores.get((impact, functional_unit_name(phase, OPERATION_GROSS)), 0.0)
            scale = sum(abs(p) for p in parts) + abs(gross)
            if abs(whole - sum(parts)) > FLOAT32_TOLERANCE * scale + 1e-12:
                raise GpulcaError(f"phase {phase!r}, {impact}: the operation processes score "
                                  f"{whole!r} but the stages sum to {sum(parts)!r}")


def withdrawal_warnings(study: ResolvedStudy, demands: dict[str, dict[str, Demand]],
                        consumption_only: Callable[[str], bool] | None = None,
                        made_without_withdrawal: Callable[[str], bool] | None = None
                        ) -> list[str]:
    """Off-site water withdrawal is never equal to consumption silently: each electricity
    process demanded whose source gives consumption only is named. ``consumption_only``
    (code -> bool) replaces :func:`~gpulca.library.water.withdrawal_is_consumption` on the
    study's library, and ``made_without_withdrawal`` (code -> bool) the test that a
    manufacturing process has :func:`~gpulca.library.water.withdrawal_gaps`, e.g. with ones
    that remember their answers over many variants."""
    if WITHDRAWAL_METHOD not in {c.method for c in study.methods.impact_categories}:
        return []
    warnings = []
    if not any(a.key == "site.wue_withdrawal" for a in study.assumptions):
        warnings.append("water withdrawal: on-site withdrawal is counted equal to on-site "
                        "consumption (WUE), because neither the study nor its site gives a "
                        "withdrawal WUE (site.wue_withdrawal): a lower bound")
    made = dict.fromkeys(code for stages in demands.values()
                         for stage in ("gpu_manufacturing", "server_manufacturing")
                         for code in stages.get(stage, {}))
    if made_without_withdrawal is None:
        def made_without_withdrawal(code: str) -> bool:
            return bool(withdrawal_gaps(study.library, [code]))
    if any(made_without_withdrawal(code) for code in made):
        warnings.append("water withdrawal: hardware manufacturing is counted without its "
                        "withdrawal (its sources publish water use as a consumption or scarcity "
                        "figure only), so the withdrawal total is a lower bound and can fall "
                        "below the water consumption")
    codes = dict.fromkeys(code for stages in demands.values()
                          for code in stages.get("electricity", {}))
    lower = [code for code in codes if consumption_only(code)] if consumption_only else \
        [code for code in codes if withdrawal_is_consumption(study.library, code)]
    if not lower:
        return warnings
    return warnings + [f"water withdrawal: off-site (electricity generation) withdrawal of "
            f"{', '.join(lower)} is counted equal to its water consumption, because its source "
            "publishes consumption only (WRI factors): a lower bound; thermoelectric plants "
            "withdraw far more than they consume (US fleet 2015: 103 vs 2.7 billion gallons a "
            "day, USGS SIR 2019-5103)"]


def zero_energy_warnings(demands: dict[str, dict[str, Demand]]) -> list[str]:
    """A phase that draws no electricity is reported: it usually means missing data."""
    return [f"phase {phase!r} has no electricity use (0 kWh): check its GPU-hours or energy"
            for phase, stages in demands.items() if not any(stages["electricity"].values())]


def stage_functional_units(demands: dict[str, dict[str, Demand]]) -> dict[str, Demand]:
    """One named demand vector per (phase, stage)."""
    return {functional_unit_name(phase, stage): demand
            for phase, stages in demands.items() for stage, demand in stages.items()}


def contribution_demands(operation: OperationModel) -> dict[str, Demand]:
    """The demands of the contribution analysis: each phase's GPU-hours of its operation
    processes (with its corrections) and the whole study (:data:`STUDY_DEMAND`)."""
    phases = operation.phase_demands()
    whole: Demand = {}
    for demand in phases.values():
        for code, amount in demand.items():
            whole[code] = whole.get(code, 0.0) + amount
    return {**phases, STUDY_DEMAND: whole}


def run_resolved(study: ResolvedStudy, data_dir: str | Path | None = None,
                 project: str = DEFAULT_PROJECT, progress: ProgressCallback | None = None,
                 variant: str = "base", contributions: bool = False,
                 on_audit: Callable[[AuditColumns], None] | None = None) -> StudyResult:
    """Solve a resolved study with bw2calc in the gpulca project of ``data_dir``; with
    ``contributions``, also the processes and flows that make each impact. ``on_audit`` is
    given the audit trail as soon as the activity is translated, before Brightway solves
    (``gpulca run`` writes ``audit.csv`` meanwhile)."""
    columns = activity_columns(study)
    audit = AuditColumns(study.name, variant, columns)
    if on_audit is not None:
        on_audit(audit)
    # rows summed by (phase, accelerator, kind of row): the same demands and operation model,
    # whose size no longer grows with the number of rows
    groups, cards = grouped_quantities(columns)
    demands = phase_demands(groups)
    operation = operation_model(groups, cards, study.site, assumption_sources(study))
    processes = {code: p.activity_data() for code, p in operation.processes.items()}
    with open_session(project, data_dir, progress) as session:
        prepared = session.prepare(study.library, study.methods, str(study.methods_file))
        operation_db = session.write_operation(prepared.database, processes)
        scores = session.solve(prepared.database, {**stage_functional_units(demands),
                                                   **operation_functional_units(operation)},
                               study.methods, (operation_db,))
        records = session.contributions(
            [prepared.database, operation_db], contribution_demands(operation),
            study.methods) if contributions else None
        # inside the session: a result refused (not finite, or the operation processes
        # disagreeing) removes a database this run wrote
        check_operation_scores(scores, demands, operation,
                               [c.id for c in study.methods.impact_categories])
        result = study_result(study, columns, demands, scores, prepared.method_units,
                              (prepared.database, project, session.data_dir), variant, (),
                              prepared.method_metadata, audit)
    result.operation = operation
    result.operation_database = operation_db
    if records is not None:
        result.contributions = contributions_frame(study.name, variant, records, study.phases,
                                                   study.methods, prepared.method_units)
    return result


def study_result(study: ResolvedStudy, quantities: list[RowQuantities] | QuantityColumns,
                 demands: dict[str, dict[str, Demand]], scores: Scores, units: dict[str, str],
                 where: tuple[str, str, Path], variant: str = "base",
                 overrides: Sequence[AppliedOverride] = (),
                 method_metadata: dict[str, dict[str, Any]] | None = None,
                 audit: AuditColumns | None = None) -> StudyResult:
    """Assemble a :class:`StudyResult` from solved scores; ``where`` is (database, project,
    data directory); ``audit``: the audit trail of ``quantities`` when already made. Raises
    :class:`InputError` naming every score that is not finite or is negative without an intended
    negative flow (:mod:`gpulca.results.sanity`)."""
    frame = scores_frame(study.name, variant, demands, study.phases, scores, study.methods,
                         units, study.study.not_assessed)
    problems = score_problems(frame[~frame["stage"].isin(study.study.not_assessed)], demands,
                              study.library, str(study.file))
    if problems:  # not finite, or negative without an intended negative flow behind it
        raise InputError(problems)
    database, project, data_dir = where
    # an activity CSV's rows stay columns: audit.csv is written from them a chunk at a time
    trail = audit if audit is not None else AuditColumns(study.name, variant, quantities) \
        if isinstance(quantities, QuantityColumns) else audit_frame(study.name, variant, quantities)
    return StudyResult(study, frame, trail, demands,
                       database, project, data_dir, variant, result_warnings(study, demands),
                       list(overrides), dict(method_metadata or {}))


def result_warnings(study: ResolvedStudy, demands: dict[str, dict[str, Demand]],
                    consumption_only: Callable[[str], bool] | None = None,
                    made_without_withdrawal: Callable[[str], bool] | None = None) -> list[str]:
    """The warnings of a result: the study's own, phases without electricity and water
    withdrawal counted as consumption (see :func:`withdrawal_warnings`)."""
    return study.warnings + zero_energy_warnings(demands) + \
        withdrawal_warnings(study, demands, consumption_only, made_without_withdrawal)


def run_study(study: str | Path | Study | Mapping[str, Any],
              data_dir: str | Path | None = None, project: str = DEFAULT_PROJECT,
              progress: ProgressCallback | None = None, base_dir: str | Path = ".",
              contributions: bool = False,
              on_audit: Callable[[AuditColumns], None] | None = None) -> StudyResult:
    """Load (or take), resolve and solve a study: a file path, or an in-memory
    :class:`~gpulca.schemas.scenario.Study` or mapping whose relative paths start at
    ``base_dir``. With ``contributions``, ``result.contributions`` holds the processes and
    elementary flows that make each impact (per phase and for the whole study). ``on_audit``:
    see :func:`run_resolved`."""
    # Brightway's import (Python work) overlaps the reading of the study's activity (pyarrow
    # and numpy work that leaves the interpreter free): see engine.project
    start_brightway_import()
    try:
        resolved = load_study(study) if isinstance(study, str | Path) else \
            resolve_study(study, base_dir)
        return run_resolved(resolved, data_dir, project, progress, contributions=contributions,
                            on_audit=on_audit)
    finally:  # (the run waited for it, unless it stopped before: then its error is the one)
        finish_brightway_import(raise_error=False)
