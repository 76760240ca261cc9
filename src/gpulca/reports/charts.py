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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gpulca.core.vocabulary import (
    OKABE_ITO,
    STAGES,
    format_short,
    hex_colour,
    impact_heading,
    stage_colour,
    variant_colours,
)
from gpulca.reports import tables as rp
from gpulca.reports.uncertainty import uncertainty_figures

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

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

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_short(v)))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.8)
    ax.tick_params(axis="both", labelsize=8)
    ax.set_axisbelow(True)


# -- labels ---------------------------------------------------------------------------------------

LABEL_CHARACTERS = 32
"""Longest category label drawn; a longer one ends in an ellipsis (the full name is in the
workbook, the HTML report and the CSV files)."""


def chart_text(text: object, limit: int | None = LABEL_CHARACTERS) -> str:
    """A user's label as matplotlib draws it literally: white space collapsed, ``$`` escaped (so
    ``$x^2$`` is not read as mathtext, and an unbalanced ``$`` cannot break the drawing), cut to
    ``limit`` characters with an ellipsis."""
    plain = " ".join(str(text).split())
    if limit is not None and len(plain) > limit:
        plain = plain[:limit - 1].rstrip() + "\u2026"
    return plain.replace("$", r"\$")


def _wrap(text: str, width: int = 18, lines: int = 2) -> str:
    """A category label over at most ``lines`` lines of about ``width`` characters (ellipsis
    beyond); escaped as :func:`chart_text`."""
    rows: list[str] = []
    for word in " ".join(str(text).split()).split(" "):
        if rows and len(rows[-1]) + 1 + len(word) <= width:
            rows[-1] += " " + word
        else:
            rows.append(word)
    if len(rows) > lines:
        rows = rows[:lines]
        rows[-1] = rows[-1][:width - 1] + "\u2026"
    return "\n".join(chart_text(row, width + 1) for row in rows)


def _study_title(report: rp.ReportData) -> str:
    """The study's name, and the variant when a report compares several."""
    name = chart_text(report.base.study.name, 60)
    return f"{name} ({chart_text(report.base.variant, 40)})" if report.has_variants else name


def _unit_heading(report: rp.ReportData, impact: str) -> str:
    return _wrap(impact_heading(report.labels[impact], report.units.get(impact, "")), 46)


def base_label(name: str, base: str) -> str:
    """A variant's name, marked when it is the base (unless its name says so)."""
    return name if name != base or "base" in name.lower() else f"{name} (base)"


# -- stacked bars by stage ------------------------------------------------------------------------

def bar_rows(order: Sequence[str], shown: Sequence[str]
             ) -> tuple[list[float], list[tuple[float, str]]]:
    """Row positions of the ``shown`` bars (a subset of ``order``, in its order) and, where
    bars were left out between two shown ones, a marker row ``(position, "⋮ N more")``."""
    index = {name: i for i, name in enumerate(order)}
    positions: list[float] = []
    markers: list[tuple[float, str]] = []
    row, previous = 0.0, -1
    for name in shown:
        hidden = index[name] - previous - 1 if previous >= 0 else index[name]
        if hidden > 0:
            markers.append((row, f"\u22ee {hidden:,} more"))
            row += 1
        positions.append(row)
        row += 1
        previous = index[name]
    if previous < len(order) - 1 and shown:
        markers.append((row, f"\u22ee {len(order) - 1 - previous:,} more"))
    return positions, markers


def _set_rows(ax: Axes, positions: list[float], labels: list[str],
              markers: list[tuple[float, str]]) -> None:
    ticks = sorted([*zip(positions, labels, strict=True), *markers])
    ax.set_yticks([p for p, _ in ticks], [t for _, t in ticks])
    ax.set_ylim(max([p for p, _ in ticks], default=0.0) + 0.6, -0.6)  # first row on top


def draw_stacked(ax: Axes, table: pd.DataFrame, title: str, unit: str,
                 labels: Mapping[str, str], order: Sequence[str] | None = None) -> None:
    """Horizontal bars, one per row of ``table`` (top to bottom in its order), one segment per
    stage column. Category labels sit on the y axis, one line each, so they never run into each
    other. ``order``: every row name when ``table`` shows only some, to mark those left out."""
    names = [str(i) for i in table.index]
    positions, markers = bar_rows(order or names, names)
    left = [0.0] * len(names)
    for stage in STAGES:
        values = [float(v) for v in table[stage]] if stage in table else [0.0] * len(names)
        missing = [stage] if values and all(math.isnan(v) for v in values) else []
        values = [0.0 if math.isnan(v) else v for v in values]  # not assessed: legend says so
        ax.barh(positions, values, left=left, color=hex_colour(stage_colour(stage)),
                label=rp.stage_heading(stage, missing), height=0.7)
        left = [b + v for b, v in zip(left, values, strict=True)]
    # Headroom set explicitly: a zero-width last segment (e.g. cooling water for climate) is a
    # sticky edge at the bar's total, which would stop matplotlib's own margin.
    top, low = max([0.0, *left]), min([0.0, *left])
    if top > low:
        ax.set_xlim(low * 1.06, top * 1.06 if top > 0 else 0.0)
    _set_rows(ax, positions, [chart_text(labels.get(n, n)) for n in names], markers)
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_xlabel(chart_text(unit, 40))
    _axis_format(ax)


def _stage_legend(figure: Figure, ax: Axes, columns: int = 4) -> None:
    handles, labels = ax.get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=columns, frameon=False,
                  fontsize=8.5)


def phase_stage_figure(report: rp.ReportData, impact: str) -> Figure:
    """The stacked chart of one impact: phases by life-cycle stage."""
    table = rp.phase_stage_table(report.base.scores, impact)
    figure = _figure(8.0, 1.6 + 0.36 * len(table.index))
    ax = figure.add_subplot()
    draw_stacked(ax, table, "", report.units.get(impact, ""), report.base.study.phases)
    figure.suptitle(f"{_study_title(report)}: {_unit_heading(report, impact)}\n"
                    "by research phase and life-cycle stage", fontsize=11, x=0.01, ha="left")
    _stage_legend(figure, ax)
    return figure


def _grid(figure: Figure | SubFigure, count: int) -> list[Axes]:
    columns = min(3, count)
    rows = math.ceil(count / columns)
    axes = list(figure.subplots(rows, columns, squeeze=False, sharey=True).ravel())
    for ax in axes[count:]:
        ax.set_visible(False)
    return axes[:count]


def overview_figure(report: rp.ReportData) -> Figure:
    """Every impact in one figure, one panel each, with one legend: the phases of the study by
    life-cycle stage, or, for a comparison, every variant (ranked by the first impact, the best
    and the worst when there are many) by life-cycle stage."""
    impacts = report.impacts
    if report.has_variants:
        order = rp.ranking(report, shown=len(report.results))["variant"].tolist()
        shown, gap = summarised(order, report.base.variant)
        tables = {i: rp.variant_stage_table(report, i).reindex(shown) for i in impacts}
        labels = {n: base_label(n, report.base.variant) for n in shown}
        what = (f"{len(report.results)} variants compared, ranked by "
                f"{report.labels[impacts[0]].lower()}" +
                ("" if gap is None else f" (the {gap} lowest and highest, and the base)") +
                ", by life-cycle stage")
        title = chart_text(report.base.study.name, 60)
    else:
        tables = {i: rp.phase_stage_table(report.base.scores, i) for i in impacts}
        labels, gap, order = dict(report.base.study.phases), None, []
        what = "every impact by research phase and life-cycle stage"
        title = _study_title(report)
    rows_per_panel = len(next(iter(tables.values())).index) + (3 if gap is not None else 0)
    columns = min(3, len(impacts))
    figure = _figure(4.2 * columns + 1.6,
                     math.ceil(len(impacts) / columns) * (0.9 + 0.25 * rows_per_panel) + 1.0)
    axes = _grid(figure, len(impacts))
    for ax, impact in zip(axes, impacts, strict=True):
        draw_stacked(ax, tables[impact], _unit_heading(report, impact), "", labels,
                     order if gap is not None else None)
        ax.set_xlabel("")
    _stage_legend(figure, axes[0])
    figure.suptitle(f"{title}: {what}", fontsize=11, x=0.01, ha="left")
    return figure


# -- variants relative to the base ----------------------------------------------------------------

DISTINCT_VARIANTS = 12
"""Up to this many variants, each has its own colour (as in the workbook); beyond, the bars are
coloured by whether the variant is below or above the base (the names are on the axis)."""
SHOWN_AT_EACH_END = 12
"""A large comparison shows its lowest and highest variants this many each, and the base."""


def summarised(order: Sequence[str], base: str,
               each_end: int = SHOWN_AT_EACH_END) -> tuple[list[str], int | None]:
    """The variants a chart shows, in ``order``: all, or the ``each_end`` first and last and
    the base; the second value is ``each_end`` when variants were left out (else None)."""
    if len(order) <= 2 * each_end + 1:
        return list(order), None
    shown = [*order[:each_end], *order[-each_end:]]
    if base not in shown:
        shown.insert(each_end, base)
    return [v for v in order if v in shown], each_end


def relative_figure(relative: pd.DataFrame, base: str, headings: Mapping[str, str],
                    title: str, colour_order: Sequence[str] | None = None) -> Figure:
    """Each variant's total per impact in % of the base: one panel per impact (columns of
    ``relative``), one bar per variant (rows, in ranking order), the base's 100 % dashed. Beyond
    ``2 * SHOWN_AT_EACH_END + 1`` variants, the lowest and highest and a distribution row
    (a histogram per impact of every variant). ``colour_order``: the variants in the order the
    workbook colours them (default: ``relative``'s)."""
    order = [str(v) for v in relative.index]
    shown, gap = summarised(order, base)
    impacts = list(relative.columns)
    columns = min(3, len(impacts))
    panel_rows = math.ceil(len(impacts) / columns)
    rows = len(shown) + (3 if gap is not None else 0)
    height = panel_rows * (0.9 + 0.22 * rows) + 1.2 + (panel_rows * 2.0 if gap else 0.0)
    figure = _figure(4.2 * columns + 1.6, height)
    if gap is None:
        axes = _grid(figure, len(impacts))
        hist_axes: list[Axes] = []
    else:
        parts = figure.subfigures(2, 1, squeeze=False, height_ratios=[
            height - panel_rows * 2.0 - 1.2, panel_rows * 2.0 + 0.4])
        top, bottom = parts[0][0], parts[1][0]
        axes = _grid(top, len(impacts))
        hist_axes = _grid(bottom, len(impacts))
    palette = [str(v) for v in (colour_order or order)]
    colours = dict(zip(palette, variant_colours(len(palette)), strict=True)) \
        if len(order) <= DISTINCT_VARIANTS else {}
    positions, markers = bar_rows(order, shown)
    for ax, impact in zip(axes, impacts, strict=True):
        values = relative[impact].reindex(shown)
        for y, name in zip(positions, shown, strict=True):
            value = float(values[name]) if pd.notna(values[name]) else 0.0
            if colours:
                colour = colours[name]
            else:
                colour = "999999" if name == base else (OKABE_ITO[0] if value <= 100 else
                                                        OKABE_ITO[4])
            ax.barh([y], [value], color=hex_colour(colour), height=0.7, label=name)
        ax.axvline(100, color="#333333", linewidth=0.9, linestyle="--")
        _set_rows(ax, positions, [chart_text(base_label(n, base)) for n in shown], markers)
        ax.set_title(_wrap(headings.get(impact, impact), 46), fontsize=9.5, loc="left")
        ax.set_xlabel("% of the base")
        _axis_format(ax)
    for ax, impact in zip(hist_axes, impacts, strict=False):  # none when all are shown
        every = relative[impact].dropna().to_numpy(dtype=float)
        ax.hist(every, bins=40, color=hex_colour(OKABE_ITO[0]))
        ax.axvline(100, color="#333333", linewidth=0.9, linestyle="--")
        ax.set_title(f"all {len(every):,} variants: distribution", fontsize=9, loc="left")
        ax.set_xlabel("% of the base")
        ax.tick_params(labelleft=True)
        _axis_format(ax)
    if not colours:
        from matplotlib.patches import Patch

        handles = [Patch(color=hex_colour(OKABE_ITO[0]), label="at or below the base"),
                   Patch(color=hex_colour(OKABE_ITO[4]), label="above the base"),
                   Patch(color="#999999", label="the base")]
        figure.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False,
                      fontsize=8.5)
    figure.suptitle(title, fontsize=11, x=0.01, ha="left")
    return figure


def variants_figure(report: rp.ReportData) -> Figure:
    """Each variant's totals as a percentage of the base, ranked by the first impact."""
    relative = rp.relative_to_base(rp.variant_totals(report)) * 100
    order = rp.ranking(report, shown=len(report.results))["variant"].tolist()
    relative = relative.reindex(order)
    first = report.labels[report.impacts[0]].lower()
    title = (f"{chart_text(report.base.study.name, 60)}: {len(order)} variants, each "
             f"impact's total in % of {chart_text(report.base.variant, 40)} (dashed line)\n"
             f"ranked by {chart_text(first, 60)}")
    headings = {i: impact_heading(report.labels[i], report.units.get(i, ""))
                for i in report.impacts}
    return relative_figure(relative, report.base.variant, headings, title,
                           [r.variant for r in report.results])


def totals_relative_figure(report: rp.ReportData, totals: pd.DataFrame) -> Figure:
    """:func:`variants_figure` from every variant's totals (variants x impact ids, the base
    among them) rather than from the report's results: for a comparison whose report details
    only some variants (:attr:`~gpulca.reports.tables.ReportData.compared`), so the ranking
    and the distribution row cover all of them."""
    base = report.base.variant
    impacts = [i for i in report.impacts if i in totals.columns]
    baseline = totals.loc[base, impacts].replace(0.0, float("nan"))
    relative = totals[impacts].div(baseline, axis=1) * 100
    ranks = totals[impacts[0]].rank(method="min")
    order = pd.DataFrame({"rank": ranks.to_numpy(), "variant": totals.index.astype(str)}
                         ).sort_values(
        ["rank", "variant"], kind="stable")["variant"].tolist()
    first = report.labels[impacts[0]].lower()
    title = (f"{chart_text(report.base.study.name, 60)}: {len(order):,} variants, each "
             f"impact's total in % of {chart_text(base, 40)} (dashed line)\n"
             f"ranked by {chart_text(first, 60)}")
    headings = {i: impact_heading(report.labels[i], report.units.get(i, "")) for i in impacts}
    return relative_figure(relative.reindex(order), base, headings, title)


def figure_bytes(figure: Figure, fmt: str, text_as_paths: bool = False) -> bytes:
    """Render a figure as PNG or SVG, without dates (deterministic). An SVG keeps its text as
    text (searchable), or, with ``text_as_paths``, draws it as paths (laid out exactly as
    measured, whatever fonts the viewer has: for SVGs shown as images)."""
    import matplotlib

    buffer = io.BytesIO()
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {}
    fonttype = "path" if text_as_paths else "none"
    with matplotlib.rc_context({"svg.hashsalt": "gpulca", "svg.fonttype": fonttype}):
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
