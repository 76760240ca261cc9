"""The column-wise CSV writer (gpulca.results.export.write_frame_csv) writes what pandas'
``to_csv(float_format="%.10g", na_rep=...)`` writes, byte for byte."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpulca.core.vocabulary import CSV_FLOAT_FORMAT
from gpulca.io.csvsafe import formula_safe_cell
from gpulca.results import export

EDGE_FLOATS = [0.0, -0.0, math.nan, math.inf, -math.inf, 1e-5, 1e-4, 1e16, 1e15, 9999999999.5,
               123456789012.0, 0.1, 2.5, -1.5e-7, 5e-324, 1.7976931348623157e308, 1e100]
floats = st.one_of(st.sampled_from(EDGE_FLOATS), st.floats(allow_nan=True, allow_infinity=True))
texts = st.one_of(st.none(), st.sampled_from(["", "a,b", 'q"q', "l\nm", " s ", "=1+1", "x"]),
                  st.text(max_size=8))


def pandas_bytes(frame: pd.DataFrame, path, missing: str) -> bytes:
    frame.to_csv(path, index=False, float_format=CSV_FLOAT_FORMAT, na_rep=missing)
    return path.read_bytes()


def ours(frame: pd.DataFrame, path, missing: str) -> bytes:
    export.write_frame_csv(frame, path, missing)
    return path.read_bytes()


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.lists(floats, min_size=n, max_size=n), st.lists(texts, min_size=n, max_size=n),
    st.lists(st.integers(-10**12, 10**12), min_size=n, max_size=n),
    st.lists(st.booleans(), min_size=n, max_size=n))),
    st.sampled_from(["", "not assessed"]))
def test_same_bytes_as_pandas(tmp_path_factory, columns, missing) -> None:
    numbers, words, counts, flags = columns
    frame = pd.DataFrame({"x": numbers, "name, quoted": words, "n": counts, "flag": flags,
                          "constant": [1.25] * len(numbers)})
    path = tmp_path_factory.mktemp("csv") / "out.csv"
    assert ours(frame, path, missing) == pandas_bytes(frame, path, missing)


def test_chunks_and_repeated_values(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(export, "CSV_CHUNK_ROWS", 7)
    rng = np.random.default_rng(3)
    n = 50
    frame = pd.DataFrame({"phase": rng.choice(["a", "b", None], n),
                          "hours": np.round(rng.uniform(0, 10, n), 3),
                          "few": rng.choice([0.1, 0.2, np.nan], n),
                          "all_none": [None] * n})
    path = tmp_path / "out.csv"
    assert ours(frame, path, "") == pandas_bytes(frame, path, "")


def test_other_kinds_fall_back_to_pandas(tmp_path) -> None:
    frame = pd.DataFrame({"when": pd.to_datetime(["2026-01-01", "2026-01-02"]),
                          "mixed": [1, "a"], "x": [0.5, 1.0]})
    path = tmp_path / "out.csv"
    assert ours(frame, path, "") == pandas_bytes(frame, path, "")
    single = pd.DataFrame({"only": ["", None]})
    assert ours(single, path, "") == pandas_bytes(single, path, "")


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.lists(floats, min_size=n, max_size=n), st.lists(texts, min_size=n, max_size=n))),
    st.integers(1, 5), st.sampled_from(["", "not assessed"]))
def test_whole_columns_written_a_few_rows_at_a_time(tmp_path_factory, columns, size,
                                                   missing) -> None:
    """columns_csv_writer of a table's columns (texts as categories), ``size`` rows at a
    time, writes the CSV of the whole (formula-safe) frame."""
    numbers, words = columns
    frame = pd.DataFrame({"x": numbers, "name, quoted": words,
                          "constant": [1.25] * len(numbers)})
    path = tmp_path_factory.mktemp("csv") / "out.csv"
    expected = pandas_bytes(export.formula_safe_frame(frame), path, missing)
    table = {"x": np.array(numbers, dtype=np.float64), "name, quoted": pd.Categorical(words),
             "constant": np.full(len(numbers), 1.25)}
    export.columns_csv_writer(lambda: table, len(frame), missing, chunk_rows=size)(path)
    assert path.read_bytes() == expected


def test_chunked_writer_of_a_run_audit_trail(tmp_path) -> None:
    """The audit trail kept as columns is written from them a few rows at a time, byte for
    byte its frame's CSV (with formula-safe texts)."""
    from gpulca.results.frames import AuditColumns
    from tests.model.test_columnar import ROWS, columns

    trail = AuditColumns("s", "base", columns(ROWS))
    whole, chunked = tmp_path / "whole.csv", tmp_path / "chunked.csv"
    export.csv_writer(trail.frame())(whole)
    for rows in (1, 2, 1000):  # whole columns, never a frame, a few rows at a time
        export.columns_csv_writer(trail.table_columns, len(trail), chunk_rows=rows)(chunked)
        assert chunked.read_bytes() == whole.read_bytes()
    unsafe = AuditColumns("=s", "+base", columns(ROWS))
    export.csv_writer(unsafe.frame())(whole)
    export.columns_csv_writer(unsafe.table_columns, len(unsafe), chunk_rows=2)(chunked)
    assert chunked.read_bytes() == whole.read_bytes()
    assert b"'=s" in chunked.read_bytes()


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.lists(floats, min_size=n, max_size=n),
    st.lists(st.sampled_from(["a", "b,c", 'q"q', "=1+1", None]), min_size=n, max_size=n))),
    st.sampled_from(["", "not assessed"]))
def test_categories_and_adjacent_constant_columns(tmp_path_factory, columns, missing) -> None:
    """Text columns as categories (the audit trail's chunks) and runs of constant columns
    (joined once before Arrow joins the rest) write what pandas writes."""
    numbers, words = columns
    n = len(numbers)
    frame = pd.DataFrame({"c1": ["same"] * n, "c2": [2.5] * n, "x": numbers,
                          "kind": pd.Categorical(words), "c3": ["one, two"] * n,
                          "c4": [None] * n, "c5": [0.0] * n})
    path = tmp_path_factory.mktemp("csv") / "out.csv"
    assert ours(frame, path, missing) == pandas_bytes(frame, path, missing)


@pytest.mark.parametrize("threads", [0, 1, 2])
def test_numbers_formatted_by_numpy_on_threads(tmp_path, monkeypatch, threads) -> None:
    """Columns long enough for the vectorised number formatting, several chunks formatted on
    threads (or none), the categorical texts of an audit trail: pandas' bytes, in order."""
    monkeypatch.setattr(export, "CSV_CHUNK_ROWS", 700)
    monkeypatch.setattr(export, "FORMAT_THREADS", threads)
    rng = np.random.default_rng(11)
    n = 5_000
    wide = rng.standard_normal(n) * 10.0 ** rng.integers(-12, 14, n)
    wide[rng.integers(0, n, 50)] = np.nan
    frame = pd.DataFrame({
        "phase": pd.Categorical(rng.choice(["a", "=b", "c,d"], n)),
        "hours": np.round(rng.uniform(0, 1000, n), 3), "wide": wide,
        "mostly_zero": np.where(rng.uniform(size=n) < 0.75, 0.0, rng.uniform(size=n)),
        "edges": rng.choice(EDGE_FLOATS, n), "count": rng.integers(0, 10, n)})
    path = tmp_path / "out.csv"
    expected = pandas_bytes(export.formula_safe_frame(frame), path, "NA")
    export.csv_writer(frame, "NA")(path)
    assert path.read_bytes() == expected
    table = {name: frame[name].array if name == "phase" else frame[name].to_numpy()
             for name in frame.columns}
    export.columns_csv_writer(lambda: table, n, "NA", chunk_rows=900)(path)
    assert path.read_bytes() == expected


def test_a_failing_chunk_stops_the_writing(tmp_path, monkeypatch) -> None:
    """An error while a chunk is built or formatted reaches the caller (whose atomic write
    then keeps nothing), whichever thread met it."""
    monkeypatch.setattr(export, "FORMAT_THREADS", 1)

    def chunks():
        yield lambda: b"a\n"
        yield lambda: b"b\n"
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"), open(tmp_path / "out.csv", "wb") as out:
        export._write_in_order(out, chunks())

    def bad_text() -> bytes:
        raise ValueError("bad chunk")

    with pytest.raises(ValueError, match="bad chunk"), open(tmp_path / "o.csv", "wb") as out:
        export._write_in_order(out, [lambda: b"a\n", bad_text, lambda: b"c\n"])


mixed_cells = st.one_of(texts, floats, st.integers(-10**6, 10**6), st.booleans(),
                        st.sampled_from([np.float64(2.5), np.int64(3), 8, 8.0, True, 1,
                                         pd.NA, "8", "=SUM(A1)", "-3", "a\nb"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(mixed_cells, min_size=1, max_size=40), st.sampled_from(["", "not assessed"]))
def test_mixed_cells_as_pandas_writes_them(tmp_path_factory, cells, missing) -> None:
    """A column of texts with numbers among them (a parameters table's values) is written
    as pandas writes it, each cell by its own type: 8 and 8.0, 1 and True stay apart."""
    frame = pd.DataFrame({"value": pd.Series(cells, dtype=object), "unit": "kg"})
    path = tmp_path_factory.mktemp("csv") / "out.csv"
    safe = pd.DataFrame({"value": pd.Series([formula_safe_cell(c) for c in cells], dtype=object),
                         "unit": "kg"})  # cell by cell: the definition
    expected = pandas_bytes(safe, path, missing)
    export.csv_writer(frame, missing)(path)
    assert path.read_bytes() == expected


def test_whole_columns_of_every_kind(tmp_path) -> None:
    """columns_csv_writer's table (texts as categories or one text, numbers, flags) is
    written as the frame of those columns is."""
    rng = np.random.default_rng(5)
    n = 3_000
    codes = rng.integers(-1, 3, n)
    table = {"=name": "=one", "none": None,
             "kind": pd.Categorical.from_codes(codes, categories=["a", "=b", "c,d"]),
             "x": rng.standard_normal(n) * 1e3, "zero": np.zeros(n), "flag": codes > 0,
             "count": rng.integers(0, 5, n)}
    frame = pd.DataFrame({name: np.full(n, v, dtype=object) if v is None or isinstance(v, str)
                          else v for name, v in table.items()})
    whole, columns = tmp_path / "whole.csv", tmp_path / "columns.csv"
    export.csv_writer(frame, "NA")(whole)
    export.columns_csv_writer(lambda: table, n, "NA", chunk_rows=700)(columns)
    assert columns.read_bytes() == whole.read_bytes()
    one = {"only": rng.standard_normal(4)}
    export.csv_writer(pd.DataFrame(one))(whole)
    export.columns_csv_writer(lambda: one, 4)(columns)
    assert columns.read_bytes() == whole.read_bytes()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 30), st.integers(0, 3), st.lists(st.floats(0, 0.002), max_size=30))
def test_texts_computed_by_any_number_of_threads_are_written_in_order(
        count: int, helpers: int, pauses: list[float]) -> None:
    """_OrderedTexts: whichever thread computes a text, and however long each takes, the
    texts are written once each, in their order."""
    import io
    import threading
    import time

    def text(i: int) -> bytes:
        time.sleep(pauses[i % len(pauses)] if pauses else 0.0)
        return b"%d\n" % i

    ordered = export._OrderedTexts(partial(text, i) for i in range(count))
    threads = [threading.Thread(target=ordered.help) for _ in range(helpers)]
    for thread in threads:
        thread.start()
    out = io.BytesIO()
    ordered.write_all(out)
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive()
    assert out.getvalue() == b"".join(b"%d\n" % i for i in range(count))


@pytest.mark.parametrize("helpers", [0, 1, 2])
def test_a_failing_text_or_generator_is_raised_in_order(helpers: int) -> None:
    import io
    import threading

    def failing() -> bytes:
        raise ValueError("bad chunk")

    def texts():
        yield lambda: b"a\n"
        yield lambda: b"b\n"
        raise OSError("disk gone")

    for source, error in ((texts(), OSError), ([lambda: b"a\n", failing, lambda: b"c\n"],
                                               ValueError)):
        ordered = export._OrderedTexts(source)
        threads = [threading.Thread(target=ordered.help) for _ in range(helpers)]
        for thread in threads:
            thread.start()
        out = io.BytesIO()
        with pytest.raises(error):
            ordered.write_all(out)
        assert out.getvalue() == b"a\n" + (b"b\n" if error is OSError else b"")
        for thread in threads:
            thread.join(10)
            assert not thread.is_alive()


def test_a_file_written_in_the_background_is_helped_by_the_waiting_thread(
        tmp_path, monkeypatch) -> None:
    """In a file written in the background (io.atomic.write_in_background) the writer starts
    no thread of its own; the command's thread computes chunks when it waits for the file."""
    import threading

    from gpulca.io import atomic

    monkeypatch.setattr(export, "FORMAT_THREADS", 1)
    helped = threading.Event()
    names: list[str] = []

    def chunk(i: int) -> bytes:
        if threading.current_thread() is threading.main_thread():
            helped.set()
        else:  # the background thread waits until the command's thread has helped
            helped.wait(10)
        names.append(threading.current_thread().name)
        return b"%d\n" % i

    def write(path) -> None:
        with open(path, "wb") as out:
            export._write_in_order(out, [partial(chunk, i) for i in range(40)])

    with atomic.staged_outputs():
        atomic.write_in_background(tmp_path / "audit.csv", write)
    assert (tmp_path / "audit.csv").read_bytes() == b"".join(b"%d\n" % i for i in range(40))
    assert "MainThread" in names and not any(n.startswith("gpulca-csv") for n in names)
