"""The PNG and SVG charts: files, the numbers they draw, determinism, no work at import."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from gpulca.core.vocabulary import STAGES
from gpulca.reports import charts
from gpulca.reports import tables as rp

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def result(module_bw: Path) -> Any:
    from gpulca.pipeline.run import run_study

    return run_study(Path(__file__).resolve().parent.parent / "scenarios" / "example.yaml",
                     data_dir=module_bw)


@pytest.fixture(scope="module")
def report(result: Any) -> rp.ReportData:
    return rp.build_report([result], methods=[])


def test_stacked_bars_draw_the_phase_stage_table(report: rp.ReportData) -> None:
    figure = charts.phase_stage_figure(report, "climate_change")
    ax = figure.axes[0]
    table = rp.phase_stage_table(report.base.scores, "climate_change")
    bars = ax.patches
    assert len(bars) == len(STAGES) * len(table.index)
    for index, stage in enumerate(STAGES):
        segment = bars[index * len(table.index):(index + 1) * len(table.index)]
        assert [b.get_width() for b in segment] == pytest.approx(list(table[stage]))
    ends = [max(b.get_x() + b.get_width() for b in bars if round(b.get_y() + b.get_height() / 2)
                == i) for i in range(len(table.index))]
    assert ends == pytest.approx(list(table.sum(axis=1)))
    assert ax.get_xlabel() == "kg CO2-eq"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "Final training"  # phases top to bottom in study order
    assert ax.yaxis_inverted()


def test_longest_bar_has_headroom(report: rp.ReportData) -> None:
    """Climate has a zero cooling-water segment at the end of every bar; the axis must still
    leave room after the longest bar instead of clipping it at the frame."""
    table = rp.phase_stage_table(report.base.scores, "climate_change")
    assert (table["cooling_water"] == 0).all()
    low, high = charts.phase_stage_figure(report, "climate_change").axes[0].get_xlim()
    assert low == 0 and high >= 1.05 * table.sum(axis=1).max()


def test_charts_are_deterministic(report: rp.ReportData) -> None:
    first = charts.figure_bytes(charts.phase_stage_figure(report, "energy"), "svg")
    second = charts.figure_bytes(charts.phase_stage_figure(report, "energy"), "svg")
    assert first == second
    png = charts.figure_bytes(charts.phase_stage_figure(report, "energy"), "png")
    assert png == charts.figure_bytes(charts.phase_stage_figure(report, "energy"), "png")


def test_variants_chart(result: Any, report: rp.ReportData) -> None:
    two = rp.build_report([result, dataclasses.replace(result, variant="same")], methods=[])
    figure = charts.variants_figure(two)
    widths = [b.get_width() for ax in figure.axes for b in ax.patches]
    assert widths == pytest.approx([100.0] * 2 * len(report.impacts))
    assert "variants_relative" in charts.chart_figures(two)
    with pytest.raises(ValueError, match="variant names must be unique"):
        rp.build_report([result, result], methods=[])


def test_write_charts_all_or_nothing(result: Any, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    written = charts.write_charts(tmp_path / "charts", [result])
    stems = {f"phases_by_stage_{i}" for i in rp.impacts_of(result.scores)} | {"overview"}
    assert {p.name for p in written} == {f"{s}.{fmt}" for s in stems for fmt in ("png", "svg")}
    for path in written:
        content = path.read_bytes()
        if path.suffix == ".png":
            assert content.startswith(PNG_SIGNATURE)
        else:
            assert ET.fromstring(content).tag.endswith("svg")
            assert b"<dc:date>" not in content

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(charts, "figure_bytes", broken)
    with pytest.raises(RuntimeError):
        charts.write_charts(tmp_path / "other", [result])
    assert not (tmp_path / "other").exists()


def test_importing_charts_imports_no_matplotlib() -> None:
    code = ("import sys, gpulca.reports.charts, gpulca.reports.excel; "
            "print(any(m.split('.')[0] in ('matplotlib', 'openpyxl') for m in sys.modules))")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               check=True, timeout=60)
    assert completed.stdout.strip() == "False"
