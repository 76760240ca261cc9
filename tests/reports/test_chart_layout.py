"""What a reader sees in the charts: nothing overlaps or leaves the figure, every chart is titled
with the study, what is compared, the impact and its unit; labels with mathtext, markup or long
names are drawn literally; large comparisons are summarised, never thousands of bars.

Structural checks on the drawn figures (text extents after a real Agg draw), so a chart cannot
regress silently without a golden image to regenerate.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from gpulca.reports import charts
from gpulca.reports import tables as rp

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "example.yaml"
TRICKY = {"ablation": "$x^2$ <b>markup</b> & data",
          "exploration": "Exploration $unbalanced",
          "final_training": "Final training of a model whose name is much, much longer than "
                            "any label a chart could hold on one line without running over"}


@pytest.fixture(scope="module")
def result(module_bw: Path) -> Any:
    from gpulca.pipeline.run import run_study

    return run_study(EXAMPLE, data_dir=module_bw)


def _variant(result: Any, name: str, factor: float) -> Any:
    scores = result.scores.copy()
    scores["score"] = scores["score"] * factor
    return dataclasses.replace(result, variant=name, scores=scores)


def _tricky(result: Any) -> Any:
    """The result with mathtext, markup and very long phase labels and study name."""
    phases = {**result.study.phases, **{k: v for k, v in TRICKY.items()
                                        if k in result.study.phases}}
    study = dataclasses.replace(result.study, phases=phases, study=result.study.study.model_copy(
        update={"name": "$study$ <script>alert(1)</script>"}))
    scores = result.scores.copy()
    scores["phase_label"] = scores["phase"].map(phases)
    return dataclasses.replace(result, study=study, scores=scores)


def _tick_labels(axis: Any) -> tuple[list[Any], list[Any]]:
    """(drawn, hidden) tick labels of an axis: matplotlib draws only the ticks inside the view
    interval; the others exist but are not drawn."""
    low, high = sorted(axis.get_view_interval())
    drawn, hidden = [], []
    for tick in axis.get_major_ticks():
        inside = low - 1e-9 * abs(high - low) <= tick.get_loc() <= high + 1e-9 * abs(high - low)
        (drawn if inside else hidden).extend([tick.label1, tick.label2])
    return [t for t in drawn if t.get_visible() and t.get_text()], hidden


def _boxes(figure: Any) -> list[tuple[str, Any]]:
    """(text, window extent) of every drawn, non-empty text of a drawn figure."""
    renderer = figure.canvas.get_renderer()
    hidden = {id(t) for axes in figure.axes for axis in (axes.xaxis, axes.yaxis)
              for t in _tick_labels(axis)[1]}
    out = []
    for text in figure.findobj(lambda a: hasattr(a, "get_text") and
                               hasattr(a, "get_window_extent")):
        if text.get_visible() and text.get_text().strip() and id(text) not in hidden and \
                (getattr(text, "axes", None) is None or text.axes.get_visible()):
            out.append((text.get_text(), text.get_window_extent(renderer)))
    return out


def _check_layout(name: str, figure: Any) -> None:
    figure.canvas.draw()
    bounds = figure.bbox
    boxes = _boxes(figure)
    for text, box in boxes:
        assert box.x0 >= bounds.x0 - 1 and box.x1 <= bounds.x1 + 1 and \
            box.y0 >= bounds.y0 - 1 and box.y1 <= bounds.y1 + 1, f"{name}: {text!r} is cut"
    for axes in figure.axes:
        if not axes.get_visible():
            continue
        for axis in (axes.xaxis, axes.yaxis):
            extents = [t.get_window_extent() for t in _tick_labels(axis)[0]]
            for first, second in itertools.combinations(extents, 2):
                overlap_x = min(first.x1, second.x1) - max(first.x0, second.x0)
                overlap_y = min(first.y1, second.y1) - max(first.y0, second.y0)
                assert overlap_x <= 1 or overlap_y <= 1, f"{name}: tick labels overlap"
    for legend in [*figure.legends, *(a.get_legend() for a in figure.axes if a.get_legend())]:
        box = legend.get_window_extent()
        assert box.x0 >= bounds.x0 - 1 and box.x1 <= bounds.x1 + 1 and box.y0 >= bounds.y0 - 1, \
            f"{name}: legend cut"


def _titles(figure: Any) -> str:
    texts = [figure._suptitle.get_text() if figure._suptitle else ""]
    texts += [a.get_title(loc="left") for a in figure.axes]
    for sub in figure.subfigs:
        texts += [sub._suptitle.get_text() if sub._suptitle else ""]
    return " ".join(" ".join(texts).split())


def test_run_charts_are_readable_and_titled(result: Any) -> None:
    report = rp.build_report([result], methods=[])
    for name, figure in charts.chart_figures(report).items():
        _check_layout(name, figure)
        title = _titles(figure)
        assert result.study.name in title, name
        for impact in report.impacts:
            if name in (f"phases_by_stage_{impact}", "overview"):
                assert report.labels[impact] in title and report.units[impact] in title, name
        assert "research phase" in title and "life-cycle stage" in title, name


def test_comparison_overview_shows_the_variants_ranked(result: Any) -> None:
    variants = [result, *(_variant(result, f"site {i}", 0.5 + i / 10) for i in range(14))]
    report = rp.build_report(variants, methods=[])
    figures = charts.chart_figures(report)
    overview = figures["overview"]
    _check_layout("overview", overview)
    assert "15 variants compared, ranked by climate change" in _titles(overview)
    labels = [t.get_text() for t in overview.axes[0].get_yticklabels()]
    assert labels[0] == "site 0" and "base" in labels and len(labels) == 15
    relative = figures["variants_relative"]
    _check_layout("variants_relative", relative)
    assert "% of base" in _titles(relative)


def test_labels_with_mathtext_markup_and_long_names_render_literally(result: Any,
                                                                     tmp_path: Path) -> None:
    tricky = _tricky(result)
    report = rp.build_report([tricky, _variant(tricky, "$cheap$ grid", 0.5)], methods=[])
    written = charts.write_charts(tmp_path, [], report=report)
    assert written
    svg = (tmp_path / "phases_by_stage_climate_change.svg").read_text()
    assert "$x^2$ &lt;b&gt;markup&lt;/b&gt; &amp; data" in svg  # drawn as typed, escaped in XML
    assert "<script>" not in svg and "\u2026" in svg  # the long label ends in an ellipsis
    for name, figure in charts.chart_figures(report).items():
        _check_layout(name, figure)


def test_chart_text() -> None:
    assert charts.chart_text("$x$") == r"\$x\$"
    assert charts.chart_text("a  b\nc") == "a b c"
    long = charts.chart_text("x" * 100)
    assert len(long) == charts.LABEL_CHARACTERS and long.endswith("\u2026")


@pytest.mark.parametrize("count", [300, 10_000])
def test_large_comparisons_are_summarised(count: int) -> None:
    """Ranked, the lowest and highest and the base as bars, every variant in a histogram: never
    thousands of bars, drawn in a few seconds."""
    rng = np.random.default_rng(1)
    names = [f"sweep point {i:05d}" for i in range(count)]
    relative = pd.DataFrame({"climate": rng.uniform(20, 300, count),
                             "water": rng.uniform(20, 300, count)}, index=names)
    relative.loc[names[0]] = 100.0
    relative = relative.sort_values("climate")
    started = time.perf_counter()
    figure = charts.relative_figure(relative, names[0], {"climate": "Climate (kg CO2-eq)",
                                                         "water": "Water (m3)"}, "title")
    png = charts.figure_bytes(figure, "png")
    assert time.perf_counter() - started < 20 and png.startswith(b"\x89PNG")
    bars = [a for a in figure.axes if a.get_title(loc="left").startswith("Climate")]
    assert len(bars[0].patches) == 2 * charts.SHOWN_AT_EACH_END + 1
    ticks = [t.get_text() for t in bars[0].get_yticklabels()]
    assert f"{names[0]} (base)" in ticks
    assert sum(int(t.split()[1].replace(",", "")) for t in ticks if "more" in t) == \
        count - 2 * charts.SHOWN_AT_EACH_END - 1
    histograms = [a for a in figure.axes if "distribution" in a.get_title(loc="left")]
    assert len(histograms) == 2
    assert sum(p.get_height() for p in histograms[0].patches) == count
    _check_layout("large", figure)


def test_summarised_keeps_the_base() -> None:
    order = [str(i) for i in range(100)]
    shown, each = charts.summarised(order, "50", each_end=3)
    assert shown == ["0", "1", "2", "50", "97", "98", "99"] and each == 3
    assert charts.summarised(order[:7], "3", each_end=3) == (order[:7], None)
