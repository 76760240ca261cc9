"""The comparison chart: one panel per impact category, one bar per variant, split by stage.

Variants are sorted by the first impact category (climate change in the default methods), the
same order in every panel, so a row reads across all impacts. Bars are stacked by life-cycle
stage; the label at the end of a bar is the change against the baseline variant; a dashed line
marks the baseline's total. Beyond ``max_variants`` variants (sweeps), the chart shows the
lowest- and the highest-scoring ones and the baseline, and says so in its title; every variant is
in the CSV. Names are drawn literally (``$`` is not mathtext) and long ones end in an ellipsis.

Written with matplotlib's object API (no pyplot state) and without timestamps in the files, so
the same comparison gives the same SVG. :func:`chart_data` works out what the chart shows (from
the comparison's frames); :mod:`gpulca.reports.compare_draw` draws it (matplotlib only, also in
a helper process: :mod:`gpulca.reports.chart_worker`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gpulca.core.vocabulary import STAGES, format_percent, impact_heading
from gpulca.reports.charts import chart_text, summarised
from gpulca.reports.compare_draw import (
    ChartData,
    PanelData,
    draw_chart,
    save_chart,
)
from gpulca.reports.tables import stage_heading

if TYPE_CHECKING:
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


def chart_data(result: ComparisonResult, max_variants: int = MAX_VARIANTS) -> ChartData:
    """Every number and text of the chart of ``result`` (:func:`draw_chart` draws it): one
    panel per impact category (3 per row), the variants of :func:`chart_variants`."""
    names = chart_variants(result, max_variants)[::-1]  # barh draws from the bottom up
    impacts = list(dict.fromkeys(result.comparison["impact"]))
    columns = min(3, len(impacts))
    stages = result.by_stage(names)
    comparison = result.comparison
    panels = []
    for impact in impacts:
        rows_of = comparison[comparison["impact"] == impact].set_index("variant")
        table = stages[stages["impact"] == impact].pivot(index="variant", columns="stage",
                                                         values="score")
        label = chart_text(impact_heading(rows_of["impact_label"].iloc[0],
                                          rows_of["unit"].iloc[0]), 60)
        panels.append(_panel_data(table, names, rows_of["change_pct"],
                                  float(rows_of["baseline"].iloc[0]), label, result.baseline))
    total = len(result.results)
    shown = "" if total == len(names) else \
        f" (showing the lowest and highest {len(names)} of {total}; all in the CSV)"
    title = (f"{chart_text(result.name, 60)}: {total} variants compared{shown}\nsorted "
             f"by {chart_text(comparison['impact_label'].iloc[0].lower(), 60)}; bars "
             "split by life-cycle stage; labels: change vs "
             f"{chart_text(result.baseline)} (dashed line)")
    return ChartData(names=tuple(names), tick_labels=tuple(chart_text(n) for n in names),
                     bold=tuple(i for i, n in enumerate(names) if n == result.baseline),
                     panels=tuple(panels), columns=columns, rows=-(-len(impacts) // columns),
                     title=title)


def _panel_data(stages: pd.DataFrame, names: list[str], changes: pd.Series,
                baseline_total: float, title: str, baseline: str) -> PanelData:
    widths, labels = [], []
    for stage in STAGES:
        column = stages.reindex(index=names, columns=[stage])[stage]
        missing = [stage] if stage in stages and bool(column.isna().all()) else []
        widths.append(column.fillna(0.0).to_numpy())  # not assessed: drawn as nothing
        labels.append(stage_heading(stage, missing))
    texts = tuple("baseline" if name == baseline else format_percent(
        None if pd.isna(changes[name]) else changes[name] / 100, decimals=0, signed=True)
        for name in names)
    return PanelData(title=title, widths=np.column_stack(widths).astype(float),
                     stage_labels=tuple(labels), change_labels=texts,
                     baseline_total=baseline_total)


def comparison_figure(result: ComparisonResult, max_variants: int = MAX_VARIANTS) -> Figure:
    """A figure with one panel per impact category (3 per row)."""
    return draw_chart(chart_data(result, max_variants))


def write_chart(result: ComparisonResult, path: str | Path, max_variants: int = MAX_VARIANTS,
                figure: Figure | None = None) -> None:
    """Write the chart; the format follows the suffix (``.png`` at 150 dpi, ``.svg``).

    Pass ``figure`` (from :func:`comparison_figure`) to write one figure in several formats.
    """
    path = Path(path)
    figure = figure or comparison_figure(result, max_variants)
    save_chart(figure, path, "svg" if path.suffix == ".svg" else "png")
