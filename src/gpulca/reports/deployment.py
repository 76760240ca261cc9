"""The footprint per unit of service in reports: the workbook's Deployment sheet and a chart.

Both are built from :mod:`gpulca.results.service` (pure frames of a result); nothing is solved
here. The chart shows, for the first impact category, how the levelised footprint per unit of
service falls as lifetime traffic grows, towards the marginal (serving-only) footprint, with the
declared traffic and the break-even marked.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gpulca.core.vocabulary import excel_number_format, impact_heading
from gpulca.io.atomic import write_bytes_atomic
from gpulca.results.service import (
    service_frame,
    service_table,
    split_frame,
    traffic_frame,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from gpulca.reports import tables as rp
    from gpulca.reports.xlsx import Sheet
    from gpulca.results.result import StudyResult

SHEET = "Deployment"
NOTE = "Per request and per 1,000 tokens: marginal, levelised, split and break-even."
METRIC_HEADERS = {
    "marginal": "Marginal (serving only)", "levelised": "Levelised over the service life",
    "levelised_development": "of which development",
    "levelised_final_training": "of which final training",
    "levelised_serving": "of which serving", "break_even_units": "Break-even (units served)",
    "break_even_days": "Break-even (days at the declared traffic)",
    "marginal_allocated": "Marginal, own share (serving allocated to this unit)"}


def has_deployment(report: rp.ReportData) -> bool:
    """True when the base study declares a deployment (the sheet is written)."""
    return report.base.study.deployment is not None


def _cells(values: Any) -> list[Any]:
    return [None if isinstance(v, float) and not math.isfinite(v) else v for v in values]


def write_deployment(sheet: Sheet, report: rp.ReportData) -> None:
    """The Deployment sheet of the base study (and of each variant with a deployment)."""
    base = report.base
    deployment = base.study.deployment
    assert deployment is not None
    life = (f"service life {deployment.service_life_h / 24:,.0f} days; "
            if deployment.service_life_h else "")
    sheet.title("Deployment: the footprint per unit of service",
                f"{life}serving known by {deployment.kind} ({deployment.source})")
    first_block = None
    for result in report.results:
        if result.study.deployment is None:
            continue
        service = service_frame(result)
        prefix = f"{result.variant}: " if report.has_variants else ""
        for unit in result.study.deployment.units.values():
            table = service_table(service, unit.id)
            sheet.heading(f"{prefix}per {unit.per_label} ({unit.lifetime:,.0f} {unit.label}s "
                          f"over the service life; {unit.source})")
            headers = ["Impact", "Unit", *(METRIC_HEADERS[m] for m in table.columns)]
            rows = [[report.labels.get(str(i), str(i)), report.units.get(str(i), ""),
                     *_cells(float(v) for v in row)] for i, row in table.iterrows()]
            formats = [None, None, *("#,##0" if m.startswith("break_even") else
                                     excel_number_format(table[m].dropna())
                                     for m in table.columns)]
            block = sheet.table(headers, rows, formats)
            first_block = first_block or block
        split = split_frame(result)
        sheet.heading(f"{prefix}over the service life: development, final training, serving")
        sheet.table(["Impact", "Unit", "Development", "Final training", "Serving (life)",
                     "Total", "Serving share"],
                    [[r["impact_label"], r["unit"], r["development"], r["final_training"],
                      r["serving_life"], r["total_life"],
                      r["serving_life"] / r["total_life"] if r["total_life"] else None]
                     for r in split.to_dict("records")],
                    [None, None, *(["#,##0.###"] * 4), "0.0%"])
    traffic = traffic_frame(base)
    first = report.impacts[0]
    frame = traffic[traffic["impact"] == first]
    sheet.heading("Levelised footprint against lifetime traffic: "
                  + impact_heading(report.labels[first], report.units.get(first, "")))
    sheet.table(["Unit of service", "Per", "Traffic (x declared)", "Lifetime units",
                 "Levelised", "Marginal"],
                [[r["service_unit"], r["per"], r["factor"], r["lifetime_units"], r["levelised"],
                  r["marginal"]] for r in frame.to_dict("records")],
                [None, None, "0.###", "#,##0", excel_number_format(frame["levelised"]),
                 excel_number_format(frame["marginal"])])
    sheet.finish(first_block)


def service_figure(result: StudyResult) -> Figure:
    """Levelised footprint per unit against lifetime traffic (log-log), first impact, one line
    per unit of service, with the marginal footprint and the declared traffic."""
    from matplotlib.figure import Figure

    traffic = traffic_frame(result)
    first = str(traffic["impact"].iloc[0])
    frame = traffic[traffic["impact"] == first]
    figure = Figure(figsize=(7.5, 4.5), layout="constrained")
    units = list(dict.fromkeys(frame["service_unit"]))
    axes_list = figure.subplots(1, len(units), squeeze=False)[0]
    deployment = result.study.deployment
    assert deployment is not None
    for axes, unit in zip(axes_list, units, strict=True):
        rows = frame[frame["service_unit"] == unit]
        per = str(rows["per"].iloc[0])
        axes.loglog(rows["lifetime_units"], rows["levelised"], marker="o", color="#1f4e79",
                    label="levelised")
        axes.loglog(rows["lifetime_units"], rows["marginal"], linestyle="--", color="#c55a11",
                    label="marginal (serving only)")
        axes.axvline(deployment.units[unit].lifetime, color="grey", linewidth=0.8,
                     linestyle=":", label="declared traffic")
        axes.set_xlabel(f"{deployment.units[unit].label}s served over the life")
        axes.set_ylabel(f"{rows['unit'].iloc[0]} per {per}")
        axes.set_title(per, fontsize=9)
        axes.legend(fontsize=7)
    figure.suptitle(f"{result.study.name}: {rows['impact_label'].iloc[0]} per unit of service",
                    fontsize=10)
    return figure


def service_chart_bytes(result: StudyResult, fmt: str = "png") -> bytes:
    """The service chart rendered in memory."""
    buffer = io.BytesIO()
    service_figure(result).savefig(buffer, format=fmt, dpi=120)
    return buffer.getvalue()


def write_service_chart(result: StudyResult, path: str | Path) -> Path:
    """Write the service chart (PNG or SVG by the file's suffix), all or nothing."""
    target = Path(path)
    return write_bytes_atomic(target, service_chart_bytes(result, target.suffix.lstrip(".")))
