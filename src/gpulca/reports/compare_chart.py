"""The comparison chart: one panel per impact category, one bar per variant, split by stage.

Variants are sorted by the first impact category (climate change in the default methods), the
same order in every panel, so a row reads across all impacts. Bars are stacked by life-cycle
stage; the label at the end of a bar is the change against the baseline variant; a dashed line
marks the baseline's total. Beyond ``max_variants`` variants (sweeps), the chart shows the
lowest- and the highest-scoring ones and the baseline, and says so in its title; every variant is
in the CSV. Names are drawn literally (``$`` is not mathtext) and long ones end in an ellipsis.

Written with matplotlib's object API (no pyplot state) and without timestamps in the files, so
the same comparison gives the same SVG.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gpulca.core.vocabulary import (
    STAGES,
    format_percent,
    format_short,
    hex_colour,
    impact_heading,
    stage_colour,
)
from gpulca.reports.charts import chart_text, summarised
from gpulca.reports.tables import stage_heading

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure

    from gpulca.results.comparison import ComparisonResult

MAX_VARIANTS = 25


def chart_variants(result: ComparisonResult, max_variants: int = MAX_VARIANTS) -> list[str]:
    """The variants shown, top to bottom: lowest first impact first; beyond ``max_variants``,
    the lowest and the highest (as many each) and the baseline."""
    comparison = result.comparison
    first = comparison["impact"].iloc[0]
    ordered: list[str] = [str(v) for v in comparison[comparison["impact"] == first]
                          .sort_values(["score", "variant"], kind="stable")["variant"]]
    return summarised(ordered, result.baseline, max(1, (max_variants - 1) // 2))[0]


BAR_HEIGHT = 0.72
"""Of a bar, in rows (1 = one row of the panel)."""


def _bars(positions: np.ndarray, left: np.ndarray, widths: np.ndarray, colour: str,
          label: str) -> PolyCollection:
    """One stage's horizontal bars of a panel as one artist (not a patch per bar): rectangles
    from ``left`` to ``left + widths`` centred on ``positions``, :data:`BAR_HEIGHT` high."""
    from matplotlib.collections import PolyCollection

    bottom, top = positions - BAR_HEIGHT / 2, positions + BAR_HEIGHT / 2
    right = left + widths
    corners = np.stack([np.column_stack(corner) for corner in
                        ((left, bottom), (left, top), (right, top), (right, bottom))], axis=1)
    return PolyCollection(list(corners), facecolors=colour, edgecolors="none", linewidths=0,
                          label=label)


def _panel(axes: Axes, stages: pd.DataFrame, totals: pd.Series, changes: pd.Series,
           baseline_total: float, title: str, baseline: str) -> None:
    names = list(totals.index)
    positions = np.arange(len(names))
    left = np.zeros(len(names))
    for stage in STAGES:
        column = stages.reindex(index=names, columns=[stage])[stage]
        missing = [stage] if stage in stages and bool(column.isna().all()) else []
        values = column.fillna(0.0).to_numpy()  # not assessed: drawn as nothing, legend says so
        axes.add_collection(_bars(positions, left, values, hex_colour(stage_colour(stage)),
                                  stage_heading(stage, missing)))
        left = left + values
    axes.autoscale_view()
    axes.axvline(baseline_total, color="#333333", linestyle="--", linewidth=0.9)
    span = max(float(np.nanmax(left)), 1e-300)
    for y, name in enumerate(names):
        change = changes[name]
        text = "baseline" if name == baseline else format_percent(
            None if pd.isna(change) else change / 100, decimals=0, signed=True)
        label = axes.text(left[y] + 0.012 * span, y, text, va="center", fontsize=7.5,
                          color="#222222", bbox={"facecolor": "white", "edgecolor": "none",
                                                 "pad": 0.6, "alpha": 0.85})
        label.set_in_layout(False)  # inside the panel (its x range leaves room): no layout
    axes.set_xlim(0, span * 1.22)
    axes.set_title(title, fontsize=9.5, loc="left")
    axes.xaxis.set_major_formatter(lambda value, _: format_short(value))
    axes.tick_params(axis="both", labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)


def comparison_figure(result: ComparisonResult, max_variants: int = MAX_VARIANTS) -> Figure:
    """A figure with one panel per impact category (3 per row)."""
    from matplotlib.figure import Figure

    names = chart_variants(result, max_variants)[::-1]  # barh draws from the bottom up
    impacts = list(dict.fromkeys(result.comparison["impact"]))
    columns = min(3, len(impacts))
    rows = -(-len(impacts) // columns)
    height = rows * (0.8 + 0.26 * len(names)) + 1.3
    figure = Figure(figsize=(4.6 * columns + 1.6, height), layout="constrained")
    grid = figure.subplots(rows, columns, sharey=True, squeeze=False)
    stages = result.by_stage(names)
    comparison = result.comparison
    for index, impact in enumerate(impacts):
        axes = grid[index // columns][index % columns]
        rows_of = comparison[comparison["impact"] == impact].set_index("variant")
        table = stages[stages["impact"] == impact].pivot(index="variant", columns="stage",
                                                         values="score")
        label = chart_text(impact_heading(rows_of["impact_label"].iloc[0],
                                          rows_of["unit"].iloc[0]), 60)
        _panel(axes, table, rows_of["score"].reindex(names), rows_of["change_pct"],
               float(rows_of["baseline"].iloc[0]), label, result.baseline)
    for index in range(len(impacts), rows * columns):
        grid[index // columns][index % columns].set_visible(False)
    axis = grid[0][0]
    axis.set_yticks(np.arange(len(names)), labels=[chart_text(n) for n in names])
    for tick, name in zip(axis.get_yticklabels(), names, strict=True):
        if name == result.baseline:
            tick.set_fontweight("bold")
    handles, labels = axis.get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=len(STAGES), fontsize=8.5,
                  frameon=False)
    total = len(result.results)
    shown = "" if total == len(names) else \
        f" (showing the lowest and highest {len(names)} of {total}; all in the CSV)"
    figure.suptitle(f"{chart_text(result.name, 60)}: {total} variants compared{shown}\nsorted "
                    f"by {chart_text(comparison['impact_label'].iloc[0].lower(), 60)}; bars "
                    "split by life-cycle stage; labels: change vs "
                    f"{chart_text(result.baseline)} (dashed line)",
                    fontsize=10.5, x=0.01, ha="left")
    return figure


def write_chart(result: ComparisonResult, path: str | Path, max_variants: int = MAX_VARIANTS,
                figure: Figure | None = None) -> None:
    """Write the chart; the format follows the suffix (``.png`` at 150 dpi, ``.svg``).

    Pass ``figure`` (from :func:`comparison_figure`) to write one figure in several formats.
    """
    path = Path(path)
    figure = figure or comparison_figure(result, max_variants)
    if path.suffix == ".svg":
        import matplotlib

        with matplotlib.rc_context({"svg.hashsalt": "gpulca", "svg.fonttype": "none"}):
            figure.savefig(path, format="svg", metadata={"Date": None})
    else:
        figure.savefig(path, format="png", dpi=150, metadata={"Software": None})
    _keep_layout(figure)


def _keep_layout(figure: Figure) -> None:
    """After the first save, keep the constrained layout it computed: a figure saved in
    several formats is laid out once (the layout is in inches and points, the same at any
    dpi)."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    if isinstance(figure.get_layout_engine(), ConstrainedLayoutEngine):
        figure.set_layout_engine("none")
