"""What-if variants on practice: the activity and the deployment, not only the place.

A variant's ``overrides`` may also change how the work was done and how the model is served
(keys declared in :data:`gpulca.core.parameters.PARAMETERS`):

- ``activity.phase_scale``: ``{phase: factor}`` multiplies the GPU-hours (and measured energy) of
  the rows of each phase; ``0`` drops the phase (no pre-training: fine-tuning an existing model);
- ``activity.add_rows``: activity rows added (the fine-tuning run that replaces it);
- ``deployment.traffic_scale``: multiplies every count and rate of the deployment's traffic;
- ``deployment.serving``: replaces the serving block (a smaller model served, another
  throughput).

:func:`apply_practice` applies them after the site and hardware overrides; every change is in the
variant's override log (:class:`gpulca.study.variants.expand.AppliedOverride`), and every problem
points at the override's line.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from gpulca.core.errors import Problem
from gpulca.core.parameters import PARAMETERS, checked_value
from gpulca.core.phases import phase_labels, unknown_phase_message
from gpulca.core.units import UnitProblem, magnitude_in, parse_quantity
from gpulca.io.yamlio import LineMap
from gpulca.schemas import problems_from_validation
from gpulca.schemas.common import SourcedValue
from gpulca.schemas.deployment import Deployment, Serving
from gpulca.schemas.scenario import ActivityRow, Study
from gpulca.study.variants.expand import Setting

PRACTICE_KEYS = ("activity.phase_scale", "activity.add_rows", "deployment.traffic_scale",
                 "deployment.serving")


def _scaled_row(row: ActivityRow, factor: float) -> ActivityRow:
    update: dict[str, Any] = {}
    if row.gpu_hours is not None:
        update["gpu_hours"] = row.gpu_hours * factor
    else:
        update["wall_hours"] = float(row.wall_hours or 0) * factor
    if row.it_energy is not None:
        update["it_energy"] = f"{magnitude_in(parse_quantity(row.it_energy), 'kWh') * factor!r} kWh"
    return row.model_copy(update=update)


def _phase_scale(setting: Setting, rows: list[ActivityRow], phases: dict[str, str],
                 lines: LineMap) -> tuple[list[ActivityRow], list[Problem]]:
    value = setting.value
    if not isinstance(value, dict) or not value:
        return rows, [lines.problem(setting.origin, "expected "
                                    f"{PARAMETERS[setting.key].expected}", value)]
    problems, factors = [], {}
    for phase, factor in value.items():
        where = setting.origin + (phase,)
        if phase not in phases:
            problems.append(lines.problem(where, unknown_phase_message(str(phase), phases),
                                          phase))
        elif not any(row.phase == phase for row in rows):
            problems.append(lines.problem(where, "no activity row of this phase to scale (the "
                                          "deployment's serving scales with "
                                          "deployment.traffic_scale)", phase))
        elif isinstance(factor, bool) or not isinstance(factor, int | float) or not factor >= 0:
            problems.append(lines.problem(where, "expected a factor of at least 0 (0 drops the "
                                          "phase)", factor))
        else:
            factors[phase] = float(factor)
    if problems:
        return rows, problems
    try:
        scaled = [_scaled_row(row, factors.get(row.phase, 1.0)) if row.phase in factors else row
                  for row in rows if factors.get(row.phase, 1.0) > 0]
    except UnitProblem as exc:
        return rows, [lines.problem(setting.origin, str(exc), value)]
    return scaled, []


def _add_rows(setting: Setting, phases: dict[str, str], lines: LineMap
              ) -> tuple[list[ActivityRow], list[Problem]]:
    value = setting.value
    if not isinstance(value, list) or not value:
        return [], [lines.problem(setting.origin, "expected "
                                  f"{PARAMETERS[setting.key].expected}", value)]
    added, problems = [], []
    for index, item in enumerate(value):
        where = setting.origin + (index,)
        try:
            row = ActivityRow.model_validate(item)
        except ValidationError as exc:
            problems += problems_from_validation(exc, item, lines, where)
            continue
        if row.phase not in phases:
            problems.append(lines.problem(where + ("phase",),
                                          unknown_phase_message(row.phase, phases), row.phase))
        for text, unit in ((row.it_energy, "kWh"), (row.it_power, "W")):
            if text is None:
                continue
            try:
                magnitude_in(parse_quantity(text), unit)
            except UnitProblem as exc:
                problems.append(lines.problem(where, str(exc), text))
        added.append(row)
    return added, problems


def _traffic_scale(setting: Setting, deployment: Deployment, lines: LineMap
                   ) -> tuple[Deployment, list[Problem]]:
    value = setting.value
    sourced = value.get("value") if isinstance(value, dict) else value
    if isinstance(value, SourcedValue):
        sourced = value.value
    if isinstance(sourced, bool) or not isinstance(sourced, int | float | str):
        return deployment, [lines.problem(setting.origin, "expected "
                                          f"{PARAMETERS[setting.key].expected}", sourced)]
    factor, message = checked_value(PARAMETERS[setting.key], sourced)
    if factor is None or message is not None:
        return deployment, [lines.problem(setting.origin, str(message), sourced)]
    traffic = {}
    for unit, amount in deployment.traffic.items():
        if amount.count is not None:
            traffic[unit] = amount.model_copy(update={"count": amount.count * factor})
        elif amount.rate is not None:
            try:
                per_hour = magnitude_in(parse_quantity(amount.rate), "1/hour")
            except UnitProblem:  # the base study reports it at its own line
                traffic[unit] = amount
                continue
            traffic[unit] = amount.model_copy(update={"rate": f"{per_hour * factor!r} / hour"})
        else:
            traffic[unit] = amount
    return deployment.model_copy(update={"traffic": traffic}), []


def _serving(setting: Setting, deployment: Deployment, lines: LineMap
             ) -> tuple[Deployment, list[Problem]]:
    try:
        serving = Serving.model_validate(setting.value)
        data = deployment.model_dump(exclude_none=True)
        data["serving"] = serving.model_dump(exclude_none=True)
        return Deployment.model_validate(data), []
    except ValidationError as exc:
        return deployment, problems_from_validation(exc, setting.value, lines, setting.origin)


def apply_practice(study: Study, extras: dict[str, Setting], rows: list[ActivityRow],
                   rules_phases: list[tuple[str, str]], lines: LineMap
                   ) -> tuple[list[ActivityRow], Deployment | None, list[Problem]]:
    """A variant's activity rows and deployment after its practice overrides, and problems."""
    phases = phase_labels([*rules_phases, *((p.id, p.label) for p in study.phases)])
    deployment, problems = study.deployment, []
    if "activity.phase_scale" in extras:
        rows, found = _phase_scale(extras["activity.phase_scale"], rows, phases, lines)
        problems += found
    if "activity.add_rows" in extras:
        added, found = _add_rows(extras["activity.add_rows"], phases, lines)
        rows, problems = rows + added, problems + found
    for key, change in (("deployment.traffic_scale", _traffic_scale),
                        ("deployment.serving", _serving)):
        if key not in extras:
            continue
        if deployment is None:
            problems.append(lines.problem(extras[key].origin, "the study has no "
                                          "'deployment:' block to change", key))
            continue
        deployment, found = change(extras[key], deployment, lines)
        problems += found
    return rows, deployment, problems
