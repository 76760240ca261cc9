"""The comparison chart's helper process: the same bytes as drawing here, and every way it can
fail ends in the chart drawn here (or its error raised here), with the helper ended."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import numpy as np
import pytest

from gpulca.core.vocabulary import STAGES
from gpulca.reports import chart_worker
from gpulca.reports.compare_draw import ChartData, PanelData, chart_bytes


def tiny_chart(rows: int = 3, widths: np.ndarray | None = None) -> ChartData:
    """Two panels of ``rows`` variants, the middle one the baseline."""
    names = tuple(f"v{i} $x$" for i in range(rows))
    grid = np.arange(rows * len(STAGES), dtype=float).reshape(rows, len(STAGES))
    panel = PanelData(title="Climate change (kg CO2-eq)",
                      widths=grid if widths is None else widths,
                      stage_labels=tuple(STAGES), change_labels=("+1 %", "baseline", "-2 %"),
                      baseline_total=3.0)
    return ChartData(names=names, tick_labels=names, bold=(1,), panels=(panel, panel),
                     columns=2, rows=1, title="test: 3 variants compared")


def test_helper_draws_the_same_bytes_as_this_process() -> None:
    data = tiny_chart()
    with chart_worker.chart_worker() as worker:
        assert worker.running
        worker.submit(data)
        files = worker.files()
        assert not worker.running  # its answer read: the helper has exited
    assert files == chart_bytes(data)
    assert files["png"][:4] == b"\x89PNG" and b"<svg" in files["svg"][:500]


def test_helper_that_cannot_start_draws_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("no processes left")

    monkeypatch.setattr(chart_worker.subprocess, "Popen", refuse)
    data = tiny_chart()
    worker = chart_worker.start_chart_worker()
    assert not worker.running
    worker.submit(data)
    assert worker.files() == chart_bytes(data)


def test_helper_that_dies_draws_here() -> None:
    data = tiny_chart()
    worker = chart_worker.start_chart_worker()
    process = worker._process
    assert process is not None
    process.kill()
    process.wait()
    worker.submit(data)  # a closed pipe: drawn here
    assert worker.files() == chart_bytes(data)


def test_helper_answering_nonsense_draws_here(monkeypatch: pytest.MonkeyPatch) -> None:
    echo = shutil.which("echo")
    if echo is None:
        pytest.skip("no echo program")
    monkeypatch.setattr(chart_worker.sys, "executable", echo)  # answers its arguments
    data = tiny_chart()
    with chart_worker.chart_worker() as worker:
        worker.submit(data)
        assert worker.files() == chart_bytes(data)


def test_a_drawing_error_is_raised_here() -> None:
    broken = tiny_chart(widths=np.zeros((2, len(STAGES))))  # 2 rows of bars for 3 variants
    with pytest.raises(IndexError):
        chart_bytes(broken)
    with chart_worker.chart_worker() as worker, pytest.raises(IndexError):
        worker.submit(broken)
        worker.files()


def test_helper_is_ended_when_nothing_is_submitted() -> None:
    with chart_worker.chart_worker() as worker:
        process = worker._process
        assert isinstance(process, subprocess.Popen)
    assert process.returncode is not None
    assert not worker.running
