"""Result tables as files: the column-wise CSV writer gives pandas' bytes; Parquet round trip."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpulca.core.vocabulary import CSV_FLOAT_FORMAT
from gpulca.io.csvsafe import unescape_formula_safe
from gpulca.results.export import (
    csv_writer,
    formula_safe_frame,
    read_table_parquet,
    table_parquet_writer,
)

TEXTS = st.sampled_from(["FR", "=1+1", "-0.5", "+cmd", "@x", "a,b", 'say "hi"', "two\nlines",
                         "cr\rhere", " lead", "", "naïve", "sweep/FR/1.05/0.0 L/kWh", "\tTab"])
FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                   st.sampled_from([0.0, -0.0, 1e-5, 123456789012.5, 1 / 3, 2.5e-300]))


def pandas_bytes(frame: pd.DataFrame, path: Path, missing: str) -> bytes:
    """What pandas writes for the formula-safe frame: the bytes csv_writer must give."""
    formula_safe_frame(frame).to_csv(path, index=False, float_format=CSV_FLOAT_FORMAT,
                                     na_rep=missing)
    return path.read_bytes()


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(TEXTS, TEXTS, FLOATS, st.integers(-10**12, 10**12),
                               st.booleans(), st.one_of(TEXTS, FLOATS, st.none())),
                     min_size=0, max_size=12),
       missing=st.sampled_from(["", "not assessed"]))
def test_column_wise_csv_equals_pandas(tmp_path_factory: pytest.TempPathFactory,
                                       rows: list[tuple], missing: str) -> None:
    frame = pd.DataFrame(rows, columns=["text", "category", "score", "count", "flag", "mixed"])
    frame = frame.astype({"text": object, "category": "category", "score": float,
                          "count": "int64", "flag": bool, "mixed": object})
    folder = tmp_path_factory.mktemp("csv")
    csv_writer(frame, missing)(folder / "fast.csv")
    assert (folder / "fast.csv").read_bytes() == pandas_bytes(frame, folder / "slow.csv",
                                                              missing)


def test_unhandled_column_is_written_by_pandas(tmp_path: Path) -> None:
    frame = pd.DataFrame({"when": pd.to_datetime(["2024-01-01"]), "x": ["=1"]})
    csv_writer(frame)(tmp_path / "a.csv")
    assert (tmp_path / "a.csv").read_bytes() == pandas_bytes(frame, tmp_path / "b.csv", "")


def test_chunks_cover_every_row(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import gpulca.results.export as export

    monkeypatch.setattr(export, "CSV_CHUNK_ROWS", 3)
    frame = pd.DataFrame({"a": [f"r{i}" for i in range(10)], "b": np.arange(10.0)})
    csv_writer(frame)(tmp_path / "a.csv")
    assert (tmp_path / "a.csv").read_bytes() == pandas_bytes(frame, tmp_path / "b.csv", "")


def scores_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "variant": pd.Categorical(["base", "=HYPERLINK(\"x\")", "base", "a,b"]),
        "stage": pd.Categorical(["electricity", "building", "electricity", "building"]),
        "score": [1.5, float("nan"), 1 / 3, 2.5e-12],
        "unit": ["kg CO2-eq"] * 4,
    })


def test_parquet_round_trip_equals_the_csv(tmp_path: Path) -> None:
    frame = scores_frame()
    table_parquet_writer(frame)(tmp_path / "results.parquet")
    csv_writer(frame, "not assessed")(tmp_path / "results.csv")
    back = read_table_parquet(tmp_path / "results.parquet")
    pd.testing.assert_frame_equal(back, frame)  # exact: values, dtypes, user text as typed
    csv = pd.read_csv(tmp_path / "results.csv", keep_default_na=False, dtype=str)
    assert list(csv.columns) == list(back.columns)
    for name in ("variant", "stage", "unit"):
        assert [unescape_formula_safe(t) for t in csv[name]] == back[name].astype(str).tolist()
    for text, value in zip(csv["score"], back["score"], strict=True):
        if text == "not assessed":
            assert math.isnan(value)
        else:
            assert float(text) == pytest.approx(value, rel=1e-9)  # CSV: 10 significant digits


def test_parquet_of_whole_columns_is_the_whole_table(tmp_path: Path) -> None:
    """An audit trail written from its columns as Parquet, a row group per two rows, reads
    back as its whole frame: numbers at full precision, texts as typed, missing values
    missing."""
    from gpulca.results.export import columns_parquet_writer
    from gpulca.results.frames import AuditColumns
    from tests.model.test_columnar import ROWS, columns

    trail = AuditColumns("s", "=base", columns(ROWS))
    columns_parquet_writer(trail.table_columns, len(trail), 2)(tmp_path / "a.parquet")
    back = read_table_parquet(tmp_path / "a.parquet")
    whole = trail.frame()
    assert list(back.columns) == list(whole.columns)
    for name in whole.columns:
        assert back[name].astype(object).where(back[name].notna(), None).tolist() == \
            whole[name].astype(object).where(whole[name].notna(), None).tolist(), name
