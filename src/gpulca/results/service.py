"""Results per unit of service: marginal, levelised, the split and the break-even (pure).

For a study with a ``deployment:`` (:mod:`gpulca.schemas.deployment`), per impact category:

- D: development (every phase but the final training and the serving phases);
- F: the final training (phase ``final_training``);
- S: the serving phases' scores, which cover ``n_s`` units of service (the lifetime traffic ``N``,
  or the part of it a measured period covers).

Per unit u of service (results are per request, or per 1,000 tokens):

- marginal = S / n_s (serving only);
- serving over life = marginal x N;
- levelised = (D + F + marginal x N) / N = (D + F) / N + marginal;
- split: D / N, F / N and marginal, which add up to the levelised figure;
- break-even = (D + F) / marginal units: after that many units, serving outweighs the whole
  development (D + F); with the declared rate, the time it takes.

``service`` frame (tidy; ``service.csv``), one row per (impact, unit, metric):

============== =====================================================================
column         meaning
============== =====================================================================
scenario       the study's ``name``; ``variant`` the variant
service_unit   the unit id (``requests``, ``output_tokens``...)
per            what a value is per: ``request``, ``1,000 output tokens``
impact         impact category id; ``impact_label``, ``unit`` (of the impact)
metric         ``marginal``, ``levelised``, ``levelised_development``,
               ``levelised_final_training``, ``levelised_serving`` (per ``per``);
               ``break_even_units`` (units, not per ``per``);
               ``break_even_days`` (days at the declared traffic);
               ``marginal_allocated`` (per ``per``): with a throughput per unit
               (input and output tokens apart), the unit's own share of serving
value          the figure (empty, never infinite, when it does not exist)
low, high      for an estimated serving: the 95% range of marginal and levelised
basis          ``measured``, ``throughput`` or ``estimated``
============== =====================================================================

``traffic`` frame: how the levelised figure falls as lifetime traffic grows (service_unit, per,
impact, factor, lifetime_units, levelised, marginal).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from gpulca.core.errors import InputError, Problem
from gpulca.core.phases import FINAL_TRAINING
from gpulca.model.service import lognormal_range
from gpulca.results.frames import impact_labels, impact_units

if TYPE_CHECKING:
    from gpulca.results.result import StudyResult
    from gpulca.study.deployment import ResolvedDeployment

SERVICE_COLUMNS = ("scenario", "variant", "service_unit", "per", "impact", "impact_label", "unit",
                   "metric", "value", "low", "high", "basis")
TRAFFIC_COLUMNS = ("scenario", "variant", "service_unit", "per", "impact", "impact_label", "unit",
                   "factor", "lifetime_units", "levelised", "marginal")
SPLIT_COLUMNS = ("scenario", "variant", "impact", "impact_label", "unit", "development",
                 "final_training", "serving_life", "total_life")

METRICS = ("marginal", "levelised", "levelised_development", "levelised_final_training",
           "levelised_serving", "break_even_units", "break_even_days", "marginal_allocated")

STAGE_DRIVERS = {"electricity": "facility_energy_kwh", "gpu_manufacturing": "gpu_units",
                 "server_manufacturing": "server_units",
                 "cooling_water": "cooling_water_evaporated_m3"}
"""The audit quantity each life-cycle stage's demand is proportional to (a serving row's share
of it is its share of that stage's score); GPU-hours for a stage not listed."""


def allocated_serving(result: StudyResult, serving_phases: tuple[str, ...]
                      ) -> dict[str, dict[str, float]]:
    """For throughput serving sized per unit (one row per unit of service, ``component`` = the
    unit): each unit's own share of the serving score, by impact (``{unit: {impact: score}}``).

    Each stage's serving score is shared among the serving rows in proportion to the audit
    quantity its demand is proportional to (:data:`STAGE_DRIVERS`), so that input and output
    tokens are apart when the study gives a throughput for each. Empty when not separable.
    """
    deployment = result.study.deployment
    if deployment is None or deployment.kind != "throughput" or \
            len(deployment.spec.serving.throughput or []) < 2:
        return {}
    audit = result.audit[result.audit["phase"].isin(serving_phases)]
    scores = result.scores[result.scores["phase"].isin(serving_phases)]
    out: dict[str, dict[str, float]] = {}
    for unit in {t.unit for t in deployment.spec.serving.throughput or []}:
        own = audit["component"] == unit
        shares = {}
        for stage in set(scores["stage"]):
            column = STAGE_DRIVERS.get(stage, "gpu_hours")
            column = column if column in audit.columns else "gpu_hours"
            total = float(audit[column].sum())
            shares[stage] = float(audit.loc[own, column].sum()) / total if total else 0.0
        weighted = scores.assign(share=scores["stage"].map(shares))
        out[unit] = {str(impact): float((frame["score"] * frame["share"]).sum())
                     for impact, frame in weighted.groupby("impact", sort=False)}
    return out


def split_by_part(scores: pd.DataFrame, serving_phases: tuple[str, ...]) -> pd.DataFrame:
    """Per impact: development, final training and serving (as solved) scores."""
    part = scores["phase"].map(lambda p: "serving" if p in serving_phases else
                               "final_training" if p == FINAL_TRAINING else "development")
    table = scores.assign(part=part).pivot_table(index="impact", columns="part", values="score",
                                                 aggfunc="sum", sort=False)
    table = table.reindex(columns=["development", "final_training", "serving"]).fillna(0.0)
    return table.reindex(list(dict.fromkeys(scores["impact"])))


def _check(result: StudyResult) -> ResolvedDeployment:
    deployment = result.study.deployment
    if deployment is None:
        raise InputError(Problem(str(result.study.file), "deployment",
                                 "per-unit results need a 'deployment:' block"))
    zero = [u.id for u in deployment.units.values() if not deployment.served(u.id) > 0]
    if zero:
        raise InputError(Problem(str(result.study.file), "deployment.traffic",
                                 "zero lifetime traffic: a levelised figure has nothing to "
                                 f"divide by ({', '.join(zero)})"))
    return deployment


def _finite(value: float) -> float:
    return value if math.isfinite(value) else math.nan


def service_frame(result: StudyResult) -> pd.DataFrame:
    """The tidy per-unit-of-service frame (columns :data:`SERVICE_COLUMNS`); empty without a
    deployment."""
    if result.study.deployment is None:
        return pd.DataFrame(columns=list(SERVICE_COLUMNS))
    deployment = _check(result)
    parts = split_by_part(result.scores, deployment.serving_phases)
    labels = impact_labels(result.scores)
    units = impact_units(result.scores)
    gsd = deployment.estimate_gsd
    allocated = allocated_serving(result, deployment.serving_phases)
    life_days = (deployment.service_life_h / 24.0) if deployment.service_life_h else None
    records = []
    for unit in deployment.units.values():
        lifetime, served = unit.lifetime, deployment.served(unit.id)
        for impact, row in parts.iterrows():
            develop, final, serving = (float(row["development"]), float(row["final_training"]),
                                       float(row["serving"]))
            marginal = serving / served
            values = {
                "marginal": marginal * unit.per,
                "levelised": ((develop + final) / lifetime + marginal) * unit.per,
                "levelised_development": develop / lifetime * unit.per,
                "levelised_final_training": final / lifetime * unit.per,
                "levelised_serving": marginal * unit.per,
                "break_even_units": (develop + final) / marginal if marginal > 0 else math.nan,
            }
            values["break_even_days"] = (values["break_even_units"] / lifetime * life_days
                                         if life_days else math.nan)
            if unit.id in allocated:
                values["marginal_allocated"] = allocated[unit.id][str(impact)] / served * unit.per
            for metric in (m for m in METRICS if m in values):
                value = _finite(values[metric])
                low = high = math.nan
                if gsd is not None and metric in ("marginal", "levelised", "levelised_serving"):
                    low_m, high_m = lognormal_range(marginal * unit.per, gsd)
                    fixed = value - marginal * unit.per
                    low, high = fixed + low_m, fixed + high_m
                records.append((result.study.name, result.variant, unit.id, unit.per_label,
                                impact, labels[str(impact)], units[str(impact)], metric, value,
                                low, high, deployment.kind))
    return pd.DataFrame.from_records(records, columns=list(SERVICE_COLUMNS))


def split_frame(result: StudyResult) -> pd.DataFrame:
    """Per impact: development, final training, serving over the service life and their total
    (columns :data:`SPLIT_COLUMNS`); empty without a deployment."""
    if result.study.deployment is None:
        return pd.DataFrame(columns=list(SPLIT_COLUMNS))
    deployment = _check(result)
    parts = split_by_part(result.scores, deployment.serving_phases)
    labels = impact_labels(result.scores)
    units = impact_units(result.scores)
    scale = 1.0 / deployment.served_fraction
    records = [(result.study.name, result.variant, impact, labels[str(impact)], units[str(impact)],
                float(row["development"]), float(row["final_training"]),
                float(row["serving"]) * scale,
                float(row["development"] + row["final_training"]) + float(row["serving"]) * scale)
               for impact, row in parts.iterrows()]
    return pd.DataFrame.from_records(records, columns=list(SPLIT_COLUMNS))


def traffic_frame(result: StudyResult) -> pd.DataFrame:
    """Levelised figure per unit against lifetime traffic (multiples of the declared traffic;
    columns :data:`TRAFFIC_COLUMNS`); empty without a deployment."""
    if result.study.deployment is None:
        return pd.DataFrame(columns=list(TRAFFIC_COLUMNS))
    deployment = _check(result)
    parts = split_by_part(result.scores, deployment.serving_phases)
    labels = impact_labels(result.scores)
    units = impact_units(result.scores)
    records = []
    for unit in deployment.units.values():
        served = deployment.served(unit.id)
        for impact, row in parts.iterrows():
            fixed = float(row["development"] + row["final_training"])
            marginal = float(row["serving"]) / served
            for factor in sorted(deployment.spec.traffic_factors):
                lifetime = unit.lifetime * factor
                records.append((result.study.name, result.variant, unit.id, unit.per_label,
                                impact, labels[str(impact)], units[str(impact)], factor, lifetime,
                                (fixed / lifetime + marginal) * unit.per, marginal * unit.per))
    return pd.DataFrame.from_records(records, columns=list(TRAFFIC_COLUMNS))


def service_table(service: pd.DataFrame, unit: str) -> pd.DataFrame:
    """One unit of service: impacts (rows, with their unit) x metrics (columns)."""
    frame = service[service["service_unit"] == unit]
    table = frame.pivot_table(index="impact", columns="metric", values="value", sort=False,
                              dropna=False)
    return table.reindex(index=list(dict.fromkeys(frame["impact"])),
                         columns=[m for m in METRICS if m in set(frame["metric"])])


def service_count(result: StudyResult, unit: str) -> float:
    """Units of ``unit`` the serving phases' results cover (a reference figure's divisor).

    Raises:
        KeyError: when the study does not serve ``unit``.
    """
    deployment = result.study.deployment
    if deployment is None or unit not in deployment.units:
        raise KeyError(unit)
    return deployment.served(unit)
