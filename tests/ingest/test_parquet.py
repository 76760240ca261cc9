"""sacct accounting as partitioned Parquet: the same allocations and totals as the text export."""

from __future__ import annotations

import pandas as pd
import pytest

from gpulca.core.errors import InputError
from gpulca.ingest.sacct import read_sacct
from gpulca.ingest.streaming import sacct_activity_streaming
from gpulca.ingest.summary import sacct_activity

from .conftest import DEFAULT_RULES


def _to_parquet(text_path, parquet_path, timestamps=False):
    frame = pd.read_csv(text_path, sep="|", dtype=str, keep_default_na=False)
    frame["ElapsedRaw"] = pd.to_numeric(frame["ElapsedRaw"])
    if timestamps:
        frame["Start"] = pd.to_datetime(frame["Start"], errors="coerce")
    frame.to_parquet(parquet_path, index=False)


def test_parquet_partitions_equal_the_text_export(fixtures, tmp_path):
    pytest.importorskip("pyarrow")
    _to_parquet(fixtures / "sacct-basic.txt", tmp_path / "part-0.parquet")
    _to_parquet(fixtures / "sacct-tab.txt".replace("tab", "basic"), tmp_path / "part-1.parquet",
                timestamps=True)
    text = read_sacct(fixtures / "sacct-basic.txt")
    parquet = read_sacct(tmp_path / "part-0.parquet")
    assert parquet.frame["gpu_hours"].sum() == text.frame["gpu_hours"].sum()
    assert list(parquet.frame["job_id"]) == list(text.frame["job_id"])
    assert list(parquet.frame["line"]) == [n - 1 for n in text.frame["line"]]  # rows, no header
    whole = sacct_activity(fixtures / "sacct-basic.txt", DEFAULT_RULES)
    streamed = sacct_activity_streaming(tmp_path / "part-1.parquet", DEFAULT_RULES)
    assert streamed.summary.total_gpu_hours == whole.summary.total_gpu_hours


def test_unreadable_parquet_is_located(write):
    pytest.importorskip("pyarrow")
    with pytest.raises(InputError, match=r"x.parquet: not a readable Parquet file"):
        read_sacct(write("x.parquet", "JobID|State\n"))
