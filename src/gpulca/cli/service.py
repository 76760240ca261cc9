"""Printing the footprint per unit of service (``gpulca run`` and ``gpulca compare``)."""

from __future__ import annotations

import math

import pandas as pd
from rich.markup import escape
from rich.table import Table

from gpulca.cli.common import print_table, stdout
from gpulca.core.vocabulary import format_number, format_percent, impact_heading
from gpulca.results.comparison import ComparisonResult
from gpulca.results.frames import impact_labels, impact_units
from gpulca.results.result import StudyResult
from gpulca.results.service import service_frame, service_table

HEADERS = {"marginal": "marginal", "levelised": "levelised",
           "levelised_development": "of which development",
           "levelised_final_training": "of which final training",
           "levelised_serving": "of which serving", "break_even_units": "break-even (units)",
           "break_even_days": "break-even (days)",
           "marginal_allocated": "marginal (own share)"}
SHOWN = ("marginal", "marginal_allocated", "levelised", "break_even_units", "break_even_days")


def _days(value: float) -> str:
    if not math.isfinite(value):
        return "never"
    return format_number(value)


def print_service(result: StudyResult, service: pd.DataFrame) -> None:
    """Per unit of service: marginal and levelised footprint, the break-even, and a reading."""
    deployment = result.study.deployment
    if deployment is None or service.empty:
        return
    labels = impact_labels(service)
    units = impact_units(service)
    estimate = " ESTIMATE (parametric model)," if deployment.kind == "estimated" else ""
    for unit in deployment.units.values():
        table = service_table(service, unit.id)
        shown = table[[c for c in SHOWN if c in table.columns]]
        title = (f"Per {unit.per_label}:{estimate} serving {format_number(unit.lifetime)} "
                 f"{unit.label}s over the service life")
        shown.index = [impact_heading(labels[i], units[i]) for i in shown.index]
        print_table(shown, title, "impact", HEADERS)
        first = table.iloc[0]
        share = 1 - first["levelised_serving"] / first["levelised"] if first["levelised"] else \
            math.nan
        stdout.print(escape(
            f"{impact_heading(labels[table.index[0]], units[table.index[0]])}: levelised "
            f"{format_number(float(first['levelised']))} per {unit.per_label}, of which "
            f"{format_percent(share)} is development and final training; serving outweighs them "
            f"after {format_number(float(first['break_even_units']))} {unit.label}s"
            + (f" ({_days(float(first['break_even_days']))} days at the declared traffic)."
               if math.isfinite(float(first["break_even_days"])) else ".")))
    if deployment.kind == "estimated":
        first_unit = next(iter(deployment.units.values()))
        row = service[(service["service_unit"] == first_unit.id)
                      & (service["metric"] == "marginal")].iloc[0]
        stdout.print(escape(
            f"Serving is an ESTIMATE from EcoLogits' parametric model: marginal "
            f"{impact_heading(str(row['impact_label']), str(row['unit']))} per "
            f"{first_unit.per_label} {format_number(float(row['value']))}, 95% range "
            f"{format_number(float(row['low']))} to {format_number(float(row['high']))} "
            "(every impact in service.csv, columns low and high)."))


def service_ranking(comparison: ComparisonResult) -> pd.DataFrame:
    """Variants ranked per unit of service: levelised and marginal footprint of every variant
    with a deployment (long: variant, service_unit, per, impact, levelised, marginal, rank)."""
    frames = [service_frame(comparison.results[name]) for name in comparison.results
              if comparison.variants.variants[name].study.deployment is not None]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame()
    frame = pd.concat(frames, ignore_index=True)
    wide = frame[frame["metric"].isin(["levelised", "marginal"])].pivot_table(
        index=["variant", "service_unit", "per", "impact", "impact_label", "unit"],
        columns="metric", values="value", sort=False).reset_index()
    wide["rank"] = wide.groupby(["service_unit", "impact"], sort=False)["levelised"].rank(
        method="min").astype(int)
    return wide


def print_service_ranking(ranking: pd.DataFrame) -> None:
    """The first impact's levelised footprint per unit of service, variants ranked."""
    if ranking.empty:
        return
    impact = ranking["impact"].iloc[0]
    for _, frame in ranking[ranking["impact"] == impact].groupby("service_unit", sort=False):
        frame = frame.sort_values("rank")
        heading = impact_heading(str(frame["impact_label"].iloc[0]), str(frame["unit"].iloc[0]))
        table = Table(title=escape(f"Per {frame['per'].iloc[0]}: {heading}, variants ranked"),
                      title_justify="left")
        for name in ("rank", "variant", "levelised", "marginal"):
            table.add_column(name, justify="left" if name == "variant" else "right")
        for row in frame.to_dict("records"):
            table.add_row(str(row["rank"]), escape(str(row["variant"])),
                          format_number(float(row["levelised"])),
                          format_number(float(row["marginal"])))
        stdout.print(table)
