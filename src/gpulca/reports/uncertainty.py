"""The Uncertainty sheet of the workbook and the uncertainty charts (PNG/SVG).

Drawn only for a run with ``--uncertainty``: the base result then carries an
:class:`~gpulca.results.uncertainty.UncertaintyResult`.

- Sheet ``Uncertainty``: per impact, each phase's whole score (all stages) and the study total:
  point value, mean, median, standard deviation and the 2.5, 5, 95 and 97.5 percentiles; a
  column chart of the first impact by phase with error bars from the 2.5 to the 97.5
  percentile; then the Sobol indices (every input, ranked per impact) when computed.
- Charts ``uncertainty.png``/``.svg``: one panel per impact, phases as bars (the point value)
  with 95% error bars; ``sensitivity.png``/``.svg``: the largest total Sobol indices per impact.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from gpulca.core.vocabulary import excel_number_format, impact_heading
from gpulca.reports import tables as rp
from gpulca.reports.xlsx import Sheet
from gpulca.results.uncertainty import TOTAL, UncertaintyResult

SHEET = "Uncertainty"
TOP_INPUTS = 8
"""Inputs per impact in the sensitivity chart."""
STAT_HEADERS = ("Mean", "Median", "SD", "P2.5", "P5", "P95", "P97.5")
STAT_FIELDS = ("mean", "median", "sd", "p2_5", "p5", "p95", "p97_5")


def uncertainty_of(report: rp.ReportData) -> UncertaintyResult | None:
    """The base result's Monte Carlo, if the run made one."""
    value = getattr(report.results[0], "uncertainty", None) if report.results else None
    return value if isinstance(value, UncertaintyResult) else None


def _phase_rows(result: UncertaintyResult) -> pd.DataFrame:
    stats = result.statistics
    return stats[stats["stage"] == TOTAL]


def write_uncertainty_sheet(workbook: Any, report: rp.ReportData) -> None:
    """Add the Uncertainty sheet to ``workbook`` when the report's run has a Monte Carlo."""
    result = uncertainty_of(report)
    if result is None:
        return
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.data_source import NumDataSource, NumRef
    from openpyxl.chart.error_bar import ErrorBars

    sheet = Sheet(workbook.create_sheet(SHEET))
    sheet.title("Uncertainty", f"{result.iterations:,} Monte Carlo iterations (seed "
                f"{result.seed}) over every declared distribution; each phase over all its "
                "stages. The 95% interval is P2.5 to P97.5; uncertainty.csv has every stage.")
    rows = _phase_rows(result)
    first_block = None
    for impact in dict.fromkeys(rows["impact"]):
        frame = rows[rows["impact"] == impact]
        unit = str(frame["unit"].iloc[0])
        sheet.heading(impact_heading(report.labels.get(impact, impact), unit))
        fmt = excel_number_format(frame["value"])
        table = [[report.base.study.phases.get(p, p) if p != TOTAL else TOTAL, r["value"],
                  *(r[f] for f in STAT_FIELDS), r["value"] - r["p2_5"],
                  r["p97_5"] - r["value"]]
                 for p, r in zip(frame["phase"], frame.to_dict("records"), strict=True)]
        block = sheet.table(["Phase", "Value", *STAT_HEADERS, "Below value", "Above value"],
                            table, [None] + [fmt] * 10)
        if first_block is None:
            first_block = (block, impact, unit, fmt)
    if first_block is not None:
        block, impact, unit, fmt = first_block
        chart = BarChart()
        chart.type, chart.gapWidth = "col", 60
        last = block.last - 1  # phases only, not the total
        chart.add_data(Reference(sheet.ws, min_col=2, min_row=block.header, max_row=last),
                       titles_from_data=True)
        chart.set_categories(Reference(sheet.ws, min_col=1, min_row=block.first, max_row=last))

        def ref(col: int) -> NumDataSource:
            return NumDataSource(numRef=NumRef(f=str(Reference(
                sheet.ws, min_col=col, min_row=block.first, max_row=last))))

        chart.series[0].errBars = ErrorBars(errDir="y", errBarType="both", errValType="cust",
                                            minus=ref(10), plus=ref(11), noEndCap=False)
        chart.title = f"{report.labels.get(impact, impact)} by phase, 95% interval"
        chart.y_axis.title = unit
        chart.y_axis.numFmt = fmt.split(" ")[0]
        chart.legend = None
        chart.width, chart.height = 24, 11
        sheet.ws.add_chart(chart, f"N{block.header}")
    table_block = _write_sensitivity(sheet, result, report)
    sheet.finish(table_block, autofilter=table_block is not None)


def _write_sensitivity(sheet: Sheet, result: UncertaintyResult, report: rp.ReportData
                       ) -> Any:
    frame = result.sensitivity
    if frame is None or frame.empty:
        return None
    sheet.heading("What drives the variance: Sobol indices of the whole study (SALib)")
    rows = [[report.labels.get(r["impact"], r["impact"]), r["rank"], r["input"], r["ST"],
             r["ST_conf"], r["S1"], r["S1_conf"]] for r in frame.to_dict("records")]
    return sheet.table(["Impact", "Rank", "Input", "Total (ST)", "ST ± (95%)",
                        "First order (S1)", "S1 ± (95%)"], rows,
                       [None, "0", None, "0.000", "0.000", "0.000", "0.000"])


def uncertainty_figures(report: rp.ReportData) -> dict[str, Any]:
    """The uncertainty charts by file stem (none without a Monte Carlo)."""
    result = uncertainty_of(report)
    if result is None:
        return {}
    figures = {"uncertainty": _interval_figure(result, report)}
    if result.sensitivity is not None and not result.sensitivity.empty:
        figures["sensitivity"] = _sensitivity_figure(result.sensitivity, report)
    return figures


def _interval_figure(result: UncertaintyResult, report: rp.ReportData) -> Any:
    from matplotlib.figure import Figure

    rows = _phase_rows(result)
    rows = rows[rows["phase"] != TOTAL]
    impacts: Sequence[str] = list(dict.fromkeys(rows["impact"]))
    figure = Figure(figsize=(10, 2.6 * len(impacts) + 0.6), layout="constrained")
    axes = figure.subplots(len(impacts), 1, squeeze=False)[:, 0]
    for ax, impact in zip(axes, impacts, strict=True):
        frame = rows[rows["impact"] == impact]
        labels = [report.base.study.phases.get(p, p) for p in frame["phase"]]
        values = frame["value"].to_numpy()
        errors = [values - frame["p2_5"].to_numpy(), frame["p97_5"].to_numpy() - values]
        errors = [abs(e) for e in errors]
        ax.bar(range(len(labels)), values, color="#4C72B0", yerr=errors, capsize=3,
               ecolor="#222222")
        ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
        ax.set_title(impact_heading(report.labels.get(impact, impact),
                                    str(frame["unit"].iloc[0])), fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    figure.suptitle(f"{report.base.study.name}: point value by phase and 95% interval "
                    f"({result.iterations:,} Monte Carlo iterations)", fontsize=11)
    return figure


def _sensitivity_figure(frame: pd.DataFrame, report: rp.ReportData) -> Any:
    from matplotlib.figure import Figure

    impacts = list(dict.fromkeys(frame["impact"]))
    figure = Figure(figsize=(10, 2.2 * len(impacts) + 0.6), layout="constrained")
    axes = figure.subplots(len(impacts), 1, squeeze=False)[:, 0]
    for ax, impact in zip(axes, impacts, strict=True):
        top = frame[frame["impact"] == impact].head(TOP_INPUTS).iloc[::-1]
        positions = range(len(top))
        ax.barh([p + 0.2 for p in positions], top["ST"], height=0.4, label="total (ST)",
                color="#C44E52")
        ax.barh([p - 0.2 for p in positions], top["S1"], height=0.4, label="first order (S1)",
                color="#8172B2")
        ax.set_yticks(list(positions), [str(x)[:60] for x in top["input"]], fontsize=7)
        ax.set_title(report.labels.get(impact, impact), fontsize=10)
        ax.set_xlim(0, max(1.0, float(top["ST"].max()) * 1.05))
        ax.legend(fontsize=7, loc="lower right")
    figure.suptitle("Which assumptions drive the variance: Sobol indices", fontsize=11)
    return figure
