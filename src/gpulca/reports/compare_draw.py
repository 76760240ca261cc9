"""Drawing the comparison chart from plain data: :class:`ChartData` -> matplotlib figure.

:mod:`gpulca.reports.compare_chart` picks the variants and works out every number and text of
the chart from a comparison (pandas); this module only draws them (numpy and matplotlib, no
pandas, no results), so a helper process (:mod:`gpulca.reports.chart_worker`) can draw a
:class:`ChartData` it is handed (pickled) while the command writes its tables. Both ways draw
the same figure: the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from gpulca.core.vocabulary import STAGES, format_short, hex_colour, stage_colour

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure

BAR_HEIGHT = 0.72
"""Of a bar, in rows (1 = one row of the panel)."""

PNG_DPI = 150
FORMATS = ("png", "svg")


@dataclass(frozen=True)
class PanelData:
    """One impact category's panel, its rows in :attr:`ChartData.names` order."""

    title: str
    widths: np.ndarray
    """``rows x`` :data:`~gpulca.core.vocabulary.STAGES`: each stage's share of the bar (a
    stage not assessed is 0: drawn as nothing, its legend label says so)."""
    stage_labels: tuple[str, ...]
    """The legend label of each stage."""
    change_labels: tuple[str, ...]
    """The text at the end of each bar: ``baseline`` or the change against it."""
    baseline_total: float


@dataclass(frozen=True)
class ChartData:
    """Everything the comparison chart draws, worked out (pure data, picklable)."""

    names: tuple[str, ...]
    """The variants shown, bottom row first."""
    tick_labels: tuple[str, ...]
    bold: tuple[int, ...]
    """Rows whose tick label is bold (the baseline)."""
    panels: tuple[PanelData, ...]
    columns: int
    rows: int
    title: str


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


def _panel(axes: Axes, panel: PanelData) -> None:
    count = panel.widths.shape[0]
    positions = np.arange(count)
    left = np.zeros(count)
    for s, stage in enumerate(STAGES):
        values = panel.widths[:, s]
        axes.add_collection(_bars(positions, left, values, hex_colour(stage_colour(stage)),
                                  panel.stage_labels[s]))
        left = left + values
    axes.autoscale_view()
    axes.axvline(panel.baseline_total, color="#333333", linestyle="--", linewidth=0.9)
    span = max(float(np.nanmax(left)), 1e-300)
    for y, text in enumerate(panel.change_labels):
        label = axes.text(left[y] + 0.012 * span, y, text, va="center", fontsize=7.5,
                          color="#222222", bbox={"facecolor": "white", "edgecolor": "none",
                                                 "pad": 0.6, "alpha": 0.85})
        label.set_in_layout(False)  # inside the panel (its x range leaves room): no layout
    axes.set_xlim(0, span * 1.22)
    axes.set_title(panel.title, fontsize=9.5, loc="left")
    axes.xaxis.set_major_formatter(lambda value, _: format_short(value))
    axes.tick_params(axis="both", labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)


def draw_chart(data: ChartData) -> Figure:
    """The figure of ``data``: one panel per impact category (``data.columns`` per row)."""
    from matplotlib.figure import Figure

    columns, rows = data.columns, data.rows
    height = rows * (0.8 + 0.26 * len(data.names)) + 1.3
    figure = Figure(figsize=(4.6 * columns + 1.6, height), layout="constrained")
    grid = figure.subplots(rows, columns, sharey=True, squeeze=False)
    for index, panel in enumerate(data.panels):
        _panel(grid[index // columns][index % columns], panel)
    for index in range(len(data.panels), rows * columns):
        grid[index // columns][index % columns].set_visible(False)
    axis = grid[0][0]
    axis.set_yticks(np.arange(len(data.names)), labels=list(data.tick_labels))
    for row, tick in enumerate(axis.get_yticklabels()):
        if row in data.bold:
            tick.set_fontweight("bold")
    handles, labels = axis.get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=len(STAGES), fontsize=8.5,
                  frameon=False)
    figure.suptitle(data.title, fontsize=10.5, x=0.01, ha="left")
    return figure


def save_chart(figure: Figure, target: str | Path | BinaryIO, fmt: str) -> None:
    """Save ``figure`` as ``fmt`` (``png`` at :data:`PNG_DPI` dpi, or ``svg``) to ``target``
    (a path or a binary file), without timestamps: the same figure gives the same bytes. The
    constrained layout the first save computes is kept for the next ones (a figure saved in
    several formats is laid out once: the layout is in inches and points, the same at any
    dpi)."""
    if fmt == "svg":
        import matplotlib

        with matplotlib.rc_context({"svg.hashsalt": "gpulca", "svg.fonttype": "none"}):
            figure.savefig(target, format="svg", metadata={"Date": None})
    else:
        figure.savefig(target, format="png", dpi=PNG_DPI, metadata={"Software": None})
    _keep_layout(figure)


def chart_bytes(data: ChartData) -> dict[str, bytes]:
    """The chart of ``data`` in every format of :data:`FORMATS`, by format: drawn once."""
    import io

    figure = draw_chart(data)
    files = {}
    # the SVG first: the PNG's raster (a 2310 x 3480 pixel chart of a large sweep: about
    # 32 MB) is made last, once the command's tables, written meanwhile, are done
    for fmt in sorted(FORMATS, key=lambda fmt: fmt != "svg"):
        buffer = io.BytesIO()
        save_chart(figure, buffer, fmt)
        files[fmt] = buffer.getvalue()
    return files


def _keep_layout(figure: Figure) -> None:
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    if isinstance(figure.get_layout_engine(), ConstrainedLayoutEngine):
        figure.set_layout_engine("none")
