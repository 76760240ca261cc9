"""The workbook's charts as PNG and SVG files, for reports and the README.

>>> from gpulca.reports.charts import write_charts                                  # doctest: +SKIP
>>> write_charts("charts/", [result])                                      # doctest: +SKIP

Files (``<impact>`` is the impact category id of the methods file):

- ``phases_by_stage_<impact>.png`` / ``.svg``: stacked bars of the research phases by life-cycle
  stage, one chart per impact (as on the workbook's "Phase x stage" sheet);
- ``overview.png`` / ``.svg``: the same charts side by side, one panel per impact;
- with variants, ``variants_relative.png`` / ``.svg``: each variant's totals as a percentage of
  the base study (as on the "Scenarios" sheet).

matplotlib is imported only when a chart is drawn, and only its object-oriented API with the Agg
canvas is used: no pyplot state, no display. Files are deterministic: SVG ids are derived from a
fixed salt and no creation date is written.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gpulca.core.vocabulary import (
    STAGES,
    format_short,
    hex_colour,
    stage_colour,
    stage_label,
    variant_colours,
)
from gpulca.reports import tables as rp
from gpulca.reports.uncertainty import uncertainty_figures

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from gpulca.results.result import StudyResult

FORMATS = ("png", "svg")
DPI = 150


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _axis_format(ax: Axes) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_short(v)))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)


def draw_phase_stage(ax: Axes, table: pd.DataFrame, title: str, unit: str,
                     labels: dict[str, str]) -> None:
    """Stacked bars: one bar per row of ``table`` (phases), one segment per stage column."""
    positions = range(len(table.index))
    bottom = [0.0] * len(table.index)
    for stage in STAGES:
        values = [float(v) for v in table[stage]]
        ax.bar(positions, values, bottom=bottom, color=hex_colour(stage_colour(stage)),
               label=stage_label(stage), width=0.65)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    # Headroom set explicitly: a zero-height top segment (e.g. cooling water for climate) is a
    # sticky edge at the bar's total, which would stop matplotlib's own margin.
    top, low = max([0.0, *bottom]), min([0.0, *bottom])
    if top > low:
        ax.set_ylim(low * 1.06, top * 1.06 if top > 0 else 0.0)
    ax.set_xticks(list(positions), [_wrap(labels.get(str(p), str(p))) for p in table.index])
    ax.set_title(title, fontsize=11, loc="left")
    ax.set_ylabel(unit)
    _axis_format(ax)


def _wrap(text: str, width: int = 14) -> str:
    """Break a category label over lines of about ``width`` characters."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def phase_stage_figure(report: rp.ReportData, impact: str) -> Figure:
    """The stacked chart of one impact: phases by life-cycle stage."""
    table = rp.phase_stage_table(report.base.scores, impact)
    figure = _figure(max(5.0, 1.1 * len(table.index) + 2.5), 4.2)
    ax = figure.add_subplot()
    draw_phase_stage(ax, table, f"{report.base.study.name}: {report.labels[impact]}",
                     report.units.get(impact, ""), report.base.study.phases)
    handles, labels = ax.get_legend_handles_labels()  # top to bottom, as the bars stack
    ax.legend(handles[::-1], labels[::-1], frameon=False, fontsize=8, loc="upper left",
              bbox_to_anchor=(1.0, 1.0))
    return figure


def overview_figure(report: rp.ReportData) -> Figure:
    """Every impact's stacked chart in one figure, with one legend."""
    impacts = report.impacts
    columns = min(3, len(impacts))
    rows = math.ceil(len(impacts) / columns)
    figure = _figure(4.6 * columns, 3.6 * rows + 0.6)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, impact in zip(axes, impacts, strict=False):
        draw_phase_stage(ax, rp.phase_stage_table(report.base.scores, impact),
                         report.labels[impact], report.units.get(impact, ""),
                         report.base.study.phases)
        ax.tick_params(axis="x", labelsize=7)
    for ax in axes[len(impacts):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=len(STAGES),
                  frameon=False)
    figure.suptitle(f"{report.base.study.name}: impacts by research phase and life-cycle stage",
                    fontsize=12)
    return figure


def variants_figure(report: rp.ReportData) -> Figure:
    """Grouped bars: each variant's total per impact, as a percentage of the base."""
    relative = rp.relative_to_base(rp.variant_totals(report)) * 100
    impacts = list(relative.columns)
    figure = _figure(max(6.0, 1.6 * len(impacts) + 2.0), 4.2)
    ax = figure.add_subplot()
    width = 0.8 / len(relative.index)
    colours = variant_colours(len(relative.index))
    for index, variant in enumerate(relative.index):
        positions = [i + (index - (len(relative.index) - 1) / 2) * width
                     for i in range(len(impacts))]
        ax.bar(positions, relative.loc[variant].fillna(0.0), width=width, label=str(variant),
               color=hex_colour(colours[index]))
    ax.axhline(100, color="#555555", linewidth=0.8, linestyle="--")
    ax.set_xticks(range(len(impacts)), [_wrap(report.labels[i]) for i in impacts])
    ax.set_ylabel("% of the base study")
    ax.set_title(f"{report.base.study.name}: variants relative to {report.base.variant}",
                 fontsize=11, loc="left")
    _axis_format(ax)
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure


def figure_bytes(figure: Figure, fmt: str) -> bytes:
    """Render a figure as PNG or SVG, without dates (deterministic)."""
    import matplotlib

    buffer = io.BytesIO()
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {}
    with matplotlib.rc_context({"svg.hashsalt": "gpulca", "svg.fonttype": "none"}):
        figure.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata)
    return buffer.getvalue()


def chart_figures(report: rp.ReportData) -> dict[str, Figure]:
    """Every chart of a report, by file stem."""
    figures = {f"phases_by_stage_{impact}": phase_stage_figure(report, impact)
               for impact in report.impacts}
    figures["overview"] = overview_figure(report)
    if report.has_variants:
        figures["variants_relative"] = variants_figure(report)
    figures.update(uncertainty_figures(report))  # with --uncertainty only
    return figures


def chart_files(report: rp.ReportData, formats: Sequence[str] = FORMATS) -> dict[str, bytes]:
    """Every chart of a report rendered in each format, by file name."""
    return {f"{stem}.{fmt}": figure_bytes(figure, fmt)
            for stem, figure in chart_figures(report).items() for fmt in formats}


def write_charts(directory: str | Path, results: Sequence[StudyResult],
                 report: rp.ReportData | None = None) -> list[Path]:
    """Write the charts of one study (or of a comparison, base first) into ``directory``.

    Every file is rendered in memory first; then they are written all or nothing.
    """
    from gpulca.io.atomic import write_files

    report = report or rp.build_report(results, methods=[])
    return write_files(directory, chart_files(report))
