"""Result tables as files: CSV, column by column, and Parquet; one writer for every CSV gpulca
writes.

:func:`csv_writer` writes a frame as pandas' ``to_csv(index=False, float_format=CSV_FLOAT_FORMAT,
na_rep=missing)`` of its formula-safe copy (:func:`formula_safe_frame`) writes it, byte for byte,
several times faster: each column's distinct values are formatted (and quoted as :mod:`csv`
quotes them) once, columns of mostly distinct numbers by numpy
(:func:`gpulca.results.number_text.g_format_texts`, not ``%`` a cell at about 0.3 us), and
the rows are joined by Arrow a chunk at a time, on a thread beside the one writing. A frame
with a column of another kind (dates, mixed objects ...) is written by pandas.
:func:`columns_csv_writer` writes a table given as whole columns, not a frame (an audit trail
of a million rows, kept as the translator's columns).

:func:`table_parquet_writer` writes a table as Parquet (pyarrow): the same columns and values,
numbers at full precision, a stage that is not assessed as a missing value (null), and text as
the user typed it (Parquet has no formulas, so nothing is escaped).
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from gpulca.core.vocabulary import CSV_FLOAT_FORMAT
from gpulca.io.atomic import Writer, offer_help
from gpulca.io.csvsafe import formula_safe_cell
from gpulca.results.number_text import arrow_pool, g_format_texts, g_precision


def formula_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell (and column name) made formula-safe
    (:func:`gpulca.io.csvsafe.formula_safe`); numbers are left alone."""
    safe = frame.copy(deep=False)  # the columns that change are replaced, not written to
    for position, (_, column) in enumerate(frame.items()):  # items(): cheaper than iloc
        if not pd.api.types.is_numeric_dtype(column):
            changed = _formula_safe_column(column)
            if changed is not column:
                safe.isetitem(position, changed.array)
    safe.columns = [formula_safe_cell(c) for c in safe.columns]
    return safe


def _formula_safe_column(column: pd.Series) -> pd.Series:
    """:func:`formula_safe_cell` of every cell, computed once per distinct value (a column of
    a million rows repeats a few texts)."""
    # only texts (or categories): factorising mixed cells would merge 8 and 8.0, which are
    # written differently
    texts = isinstance(column.dtype, pd.CategoricalDtype) or \
        pd.api.types.is_string_dtype(column)
    if isinstance(column.dtype, pd.CategoricalDtype) and \
            all(isinstance(c, str) and formula_safe_cell(c) == c
                for c in column.dtype.categories):
        return column  # categories with nothing to escape: no cell to look at
    if not texts and column.dtype != np.dtype(object):
        return column.map(formula_safe_cell)
    codes, found = pd.factorize(column, use_na_sentinel=True)
    uniques: list[object] = list(found)
    mixed = not texts and not all(isinstance(u, str) for u in uniques)
    if mixed:  # kept as objects: a float among them is written by its str, as pandas does
        codes, uniques = _typed_factorize(column)
    if len(uniques) * 2 > len(column):
        cells = [formula_safe_cell(v) for v in column.tolist()]
        safe_column = pd.Series(cells, index=column.index, name=column.name, dtype=object)
        return safe_column if mixed else safe_column.infer_objects()
    safe_uniques = [formula_safe_cell(u) for u in uniques]
    if all(a is b or a == b for a, b in zip(safe_uniques, uniques, strict=True)):
        return column  # nothing to escape (the usual case): the column as it is
    safe = np.empty(len(safe_uniques) + 1, dtype=object)
    safe[:-1] = safe_uniques
    values = safe[codes]  # code -1 (missing) takes the last entry
    missing = codes < 0
    if missing.any():
        values[missing] = column.to_numpy(dtype=object)[missing]
    safe_column = pd.Series(values, index=column.index, name=column.name, dtype=object)
    return safe_column if mixed else safe_column.infer_objects()


def csv_writer(frame: pd.DataFrame, missing: str = "", second_thread: bool = True) -> Writer:
    """Writes ``frame`` as one of the CSV files of a run or a comparison; no text cell can be
    read as a formula by a spreadsheet. ``missing`` is written for a missing number (results:
    "not assessed"). Without ``second_thread``, one thread formats it (:data:`FORMAT_THREADS`:
    when another process uses the other core, e.g. ``compare``'s chart helper)."""
    def write(path: Path) -> None:
        write_frame_csv(formula_safe_frame(frame), path, missing, second_thread)

    return write


CSV_CHUNK_ROWS = 16_384
"""Rows formatted and written at a time by :func:`write_frame_csv` (bounded memory): with two
threads formatting, 65,536 held about 110 MB at the peak of a 10,000-variant comparison's
``results.csv`` (980,098 rows), 16,384 about 18 MB, and took no longer."""


def write_frame_csv(frame: pd.DataFrame, path: Path, missing: str = "",
                    second_thread: bool = True) -> None:
    """``frame.to_csv(path, index=False, float_format=CSV_FLOAT_FORMAT, na_rep=missing)``,
    byte for byte, column by column: each column's distinct values are formatted (and quoted
    as :mod:`csv` quotes them) once, numbers by :func:`g_format_texts`, and the rows are
    joined by Arrow, a chunk of :data:`CSV_CHUNK_ROWS` rows at a time, on a thread beside
    the writing one (:func:`_write_in_order`). A frame with a column of another kind (dates, mixed
    objects...) or a single column is written by pandas."""
    cells = _column_cells(frame, missing)
    if cells is None:
        frame.to_csv(path, index=False, float_format=CSV_FLOAT_FORMAT, na_rep=missing)
        return
    with open(path, "wb") as out:
        out.write(_header(frame))
        _write_in_order(out, (partial(_lines, cells, start,
                                      min(start + CSV_CHUNK_ROWS, len(frame)))
                              for start in range(0, len(frame), CSV_CHUNK_ROWS)),
                        second_thread)


TableColumn = "str | None | np.ndarray | pd.Categorical"
"""A column of :func:`columns_csv_writer`'s table: one text for every row (str or None), an
array of numbers (float64, int64 or bool), or texts as categories of their codes."""


def columns_csv_writer(columns: Callable[[], Mapping[str, Any]], rows: int,
                       missing: str = "", chunk_rows: int = CSV_CHUNK_ROWS) -> Writer:
    """Like :func:`csv_writer` for a table given as whole columns (:data:`TableColumn`, by
    name, in order) of ``rows`` rows, not as a frame: each column is looked at once (its
    texts made formula-safe and quoted, its numbers' repetition measured), then the rows are
    formatted and written ``chunk_rows`` at a time. Byte for byte the CSV of the frame of
    those columns (a million-row audit trail never becomes one)."""
    def write(path: Path) -> None:
        table = columns()
        cells = [_table_cells(column, missing) for column in table.values()]
        with open(path, "wb") as out:
            out.write(_header_line([str(formula_safe_cell(name)) for name in table]))
            if rows and len(cells) < 2:  # as pandas writes one column (see _column_cells)
                frame = formula_safe_frame(pd.DataFrame(
                    {name: _frame_column(column, rows) for name, column in table.items()}))
                out.write(frame.to_csv(index=False, header=False,
                                       float_format=CSV_FLOAT_FORMAT,
                                       na_rep=missing).encode())
                return
            _write_in_order(out, (partial(_lines, cells, start, min(start + chunk_rows, rows))
                                  for start in range(0, rows, chunk_rows)))

    return write


def _table_cells(column: Any, missing: str) -> CellColumn:
    """The cells of one :data:`TableColumn` (see :func:`_column_cells`), its texts made
    formula-safe here (a frame's are before it is written)."""
    na = _quoted(missing)
    if column is None or isinstance(column, str):
        text = na if column is None else _quoted(str(formula_safe_cell(column)))
        return _lookup_cells(np.zeros(1, dtype=np.int64), [text])
    if isinstance(column, pd.Categorical):
        return _category_cells(np.asarray(column.codes),
                               [str(formula_safe_cell(c)) for c in column.categories], na)
    if column.dtype == np.float64:
        return _float_cells(column, na)
    if column.dtype == np.bool_:
        return _lookup_cells(column.view(np.uint8), ["False", "True"])
    if column.dtype == np.int64:
        return _plain_cells(column)
    raise TypeError(f"a table column of {column.dtype} (expected float64, int64, bool, "
                    "categories or one text)")


def _frame_column(column: Any, rows: int) -> Any:
    """A :data:`TableColumn` as a frame's column."""
    if column is None or isinstance(column, str):
        return np.full(rows, column, dtype=object)
    return column


FORMAT_THREADS = 1
"""1: a second thread formats chunks while the caller's formats others and writes (numpy,
Arrow and file writes release the GIL); 0: one thread. Never more: each thread's allocator
arena keeps what it freed (about 20 MB a thread at a million rows), which a million-row run
cannot spare under its 10x-the-file target. A file written in the background
(:func:`gpulca.io.atomic.write_in_background`) starts no thread of its own: the command's
thread helps it when it has nothing else to do (its arena already holds the memory it freed)."""


def _write_in_order(out: BinaryIO, texts: Iterable[Callable[[], bytes | memoryview]],
                    second_thread: bool = True) -> None:
    """Writes the bytes of each of ``texts`` (functions giving them), in order, computing them
    on this thread and on helpers (:class:`_OrderedTexts`): with :data:`FORMAT_THREADS` (1), a
    second thread, or, in a file written in the background, the command's thread once it
    waits for the file; a few texts in memory at a time. The first error is raised (the
    caller's file is then discarded whole, :mod:`gpulca.io.atomic`). Without (0), or without
    ``second_thread``, one after the other on this thread."""
    if FORMAT_THREADS < 1 or not second_thread:
        for text in texts:
            out.write(text())
        return
    ordered = _OrderedTexts(texts)
    if offer_help(ordered.help):  # a background file: the command's thread will help
        ordered.write_all(out)
        return
    with ThreadPoolExecutor(1, thread_name_prefix="gpulca-csv") as pool:
        helper = pool.submit(ordered.help)
        try:
            ordered.write_all(out)
        finally:
            ordered.stop()
            helper.result()


class _OrderedTexts:
    """Texts computed by any number of threads, each taking the next one not yet taken, and
    written in their order by one (:meth:`write_all`); the others :meth:`help`. A thread
    never takes a text more than :data:`_AHEAD` texts past the one to be written next (bounded
    memory)."""

    def __init__(self, texts: Iterable[Callable[[], bytes | memoryview]]) -> None:
        self._texts = enumerate(texts)
        self._done: dict[int, bytes | memoryview | BaseException] = {}
        self._taken = 0  # how many texts were taken
        self._written = 0  # the next text to write
        self._exhausted = False
        self._stopped = False
        self._changed = threading.Condition()

    def _take(self, wait: bool = True) -> tuple[int, Callable[[], bytes | memoryview]] | None:
        """The next text to compute, or None when none is left (or, without ``wait``, when
        :data:`_AHEAD` texts wait to be written: the writing thread never waits for itself)."""
        with self._changed:
            while wait and not self._stopped and not self._exhausted and \
                    self._taken - self._written >= _AHEAD:
                self._changed.wait()
            if self._stopped or self._exhausted or self._taken - self._written >= _AHEAD:
                return None
            try:
                taken = next(self._texts, None)
            except BaseException as error:  # the texts' generator failed: raised in order
                taken = (self._taken, partial(_reraise, error))
                self._exhausted = True
            if taken is None:
                self._exhausted = True
                self._changed.notify_all()
                return None
            self._taken += 1
            return taken

    def _compute(self, taken: tuple[int, Callable[[], bytes | memoryview]]) -> None:
        index, text = taken
        result: bytes | memoryview | BaseException
        try:
            result = text()
        except BaseException as error:  # raised by the writing thread, in order
            result = error
        with self._changed:
            self._done[index] = result
            self._changed.notify_all()

    def help(self) -> None:
        """Compute texts until none is left to take (or the writing stopped)."""
        while (taken := self._take()) is not None:
            self._compute(taken)

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify_all()

    def write_all(self, out: BinaryIO) -> None:
        """Write every text in order, computing texts meanwhile; raise the first error."""
        try:
            while True:
                with self._changed:
                    ready = self._done.pop(self._written, None)
                    finished = ready is None and self._exhausted and \
                        self._written == self._taken
                if finished:
                    return
                if ready is None:
                    taken = self._take(wait=False)
                    if taken is not None:  # compute one while the next is not ready
                        self._compute(taken)
                        continue
                    with self._changed:  # none to take: wait for the next one
                        while self._written not in self._done and \
                                not (self._exhausted and self._written == self._taken):
                            self._changed.wait()
                    continue
                if isinstance(ready, BaseException):
                    raise ready
                out.write(ready)
                with self._changed:
                    self._written += 1
                    self._changed.notify_all()
        finally:
            self.stop()


def _reraise(error: BaseException) -> bytes:
    raise error


_AHEAD = 4
"""Texts taken but not yet written, at most (each about 5 MB for 16,384 audit rows): with
two, the thread that writes often waited for the other (a million-row audit trail's tail
0.52 to 0.77 s after the solve, against 0.47 to 0.71 s with four; peaks alike)."""


def _header(frame: pd.DataFrame) -> bytes:
    return _header_line([str(c) for c in frame.columns])


def _header_line(names: list[str]) -> bytes:
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(names)
    return header.getvalue().encode()


def _lines(cells: list[CellColumn], start: int, stop: int) -> memoryview:
    """Rows [start, stop) of the columns ``cells`` as CSV lines, joined by Arrow."""
    numbers = _numbers_texts(cells, start, stop)
    texts: list[pa.Array | pa.Scalar] = []
    for column in cells:  # adjacent constant columns joined once: fewer columns for Arrow
        cell = numbers[id(column)] if id(column) in numbers else column(start, stop)
        if texts and not isinstance(cell, pa.Array) and not isinstance(texts[-1], pa.Array):
            cell = _large(f"{texts[-1].as_py()},{cell.as_py()}")
            texts.pop()
        texts.append(cell)
    if not any(isinstance(t, pa.Array) for t in texts):  # every column constant
        texts[0] = pa.array([texts[0].as_py()] * (stop - start), pa.large_string())
    pool = arrow_pool()
    last = pc.binary_join_element_wise(texts[-1], _large(""), _large("\n"), memory_pool=pool)
    lines = pc.binary_join_element_wise(*texts[:-1], last, _large(","), memory_pool=pool)
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[
        lines.offset:lines.offset + len(lines) + 1]
    return memoryview(lines.buffers()[2])[int(offsets[0]):int(offsets[-1])]


def _numbers_texts(cells: list[CellColumn], start: int, stop: int) -> dict[int, pa.Array]:
    """The texts of rows [start, stop) of every column of numbers formatted a chunk at a time
    (:class:`_EachNumber`), by the column's id: one :func:`_float_texts` call for them all
    (a million-row audit trail has a dozen), sliced back into columns."""
    each = [c for c in cells if isinstance(c, _EachNumber)]
    by_missing: dict[str, list[_EachNumber]] = {}
    for column in each:
        by_missing.setdefault(column.na, []).append(column)
    texts: dict[int, pa.Array] = {}
    for na, columns in by_missing.items():
        joined = _float_texts(np.concatenate([c.values[start:stop] for c in columns]), na)
        for position, column in enumerate(columns):
            texts[id(column)] = joined.slice(position * (stop - start), stop - start)
    return texts


class _EachNumber:
    """The cells of a column of varied numbers: each chunk's formatted when it is written."""

    __slots__ = ("na", "values")

    def __init__(self, values: np.ndarray, na: str) -> None:
        self.values, self.na = values, na

    def __call__(self, start: int, stop: int) -> pa.Array:
        return _float_texts(self.values[start:stop], self.na)


def _large(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _quoted(text: str) -> str:
    """``text`` as :mod:`csv` (pandas' writer) writes it in a row of several cells."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([text, ""])
    return buffer.getvalue()[:-2]


CellColumn = Callable[[int, int], "pa.Array | pa.Scalar"]
"""The CSV cells of rows [start, stop) of a column, as an Arrow large string array (a scalar
when the column holds one value)."""


def _column_cells(frame: pd.DataFrame, missing: str) -> list[CellColumn] | None:
    """For each column, a function giving the CSV cells of rows [start, stop); None when a
    column is of a kind only pandas writes (see :func:`write_frame_csv`)."""
    if len(frame.columns) < 2 or len(frame) == 0:
        return None
    na = _quoted(missing)
    out: list[CellColumn] = []
    for _, series in frame.items():  # by position (names may repeat), cheaper than iloc
        dtype = series.dtype
        if dtype == np.float64:
            out.append(_float_cells(series.to_numpy(), na))
        elif dtype == np.int64 or dtype == np.bool_:
            out.append(_plain_cells(series.to_numpy()))
        elif isinstance(dtype, pd.CategoricalDtype) and \
                all(isinstance(c, str) for c in dtype.categories):
            out.append(_category_cells(series.cat.codes.to_numpy(), list(dtype.categories),
                                       na))
        elif dtype == np.dtype(object) or pd.api.types.is_string_dtype(dtype):
            out.append(_text_cells(series, na))
        else:
            return None
    return out


def _plain_cells(values: np.ndarray) -> CellColumn:
    """``str`` of each integer or bool, as pandas writes them."""
    return lambda start, stop: pa.array([str(x) for x in values[start:stop].tolist()],
                                        type=pa.large_string())


def _lookup_cells(codes: np.ndarray, texts: list[str] | pa.Array) -> CellColumn:
    """The cells of a column of ``len(texts)`` distinct values: ``texts[code]`` of each (a
    negative code: the last text, the missing one); codes kept in their own (small) type."""
    dictionary = texts if isinstance(texts, pa.Array) else \
        pa.array(texts, type=pa.large_string())
    if len(codes) and (codes == codes[0]).all():  # one value: a scalar Arrow repeats
        constant = dictionary[int(codes[0]) if codes[0] >= 0 else len(dictionary) - 1]
        return lambda start, stop: constant
    if codes.dtype.kind == "i" and (codes < 0).any():
        last = len(dictionary) - 1
        return lambda start, stop: pc.take(dictionary, pa.array(
            np.where(codes[start:stop] < 0, last, codes[start:stop])),
            memory_pool=arrow_pool())
    return lambda start, stop: pc.take(dictionary, pa.array(codes[start:stop]),
                                       memory_pool=arrow_pool())


def _category_cells(codes: np.ndarray, categories: list[str], na: str) -> CellColumn:
    """The cells of texts given as codes into ``categories`` (-1: missing, ``na``)."""
    return _lookup_cells(codes, [*(_quoted(c) for c in categories), na])


def _small_codes(codes: np.ndarray, count: int) -> np.ndarray:
    """``codes`` (into ``count`` values) in the smallest integer type holding them."""
    return codes.astype(np.min_scalar_type(-count - 1))


def _float_cells(values: np.ndarray, na: str) -> CellColumn:
    """:data:`CSV_FLOAT_FORMAT` of each number: once per distinct value when they repeat,
    else a chunk at a time by :func:`g_format_texts` (numpy, not a Python string each)."""
    # by bit pattern: 0.0 and -0.0 are written differently
    bits = np.ascontiguousarray(values).view(np.int64)
    if len(bits) and (bits == bits[0]).all():
        return _lookup_cells(np.zeros(1, dtype=np.int64), _float_texts(values[:1], na))
    sample = bits[::max(1, len(bits) // 1000)]
    varied = len(np.unique(sample)) * _FEW_DISTINCT > len(sample) and len(bits) > 2000
    codes, uniques = (None, bits) if varied else pd.factorize(bits)
    if codes is None or len(uniques) * _FEW_DISTINCT > len(values):  # format each value
        return _EachNumber(values, na)
    return _lookup_cells(_small_codes(codes, len(uniques)),
                         _float_texts(uniques.view(np.float64), na))


_FEW_DISTINCT = 20
"""A column of numbers with at most one distinct value in this many is formatted once per
distinct value and looked up; any other a chunk at a time (no codes and texts of a million
rows kept while writing)."""


def _float_texts(values: np.ndarray, na: str) -> pa.Array:
    """:data:`CSV_FLOAT_FORMAT` of each value (``na`` for NaN), as Arrow texts."""
    precision = g_precision(CSV_FLOAT_FORMAT)
    if precision is None or len(values) < _FEW_VALUES:  # an unknown format, or a few values
        return pa.array([na if v != v else CSV_FLOAT_FORMAT % v for v in values.tolist()],
                        type=pa.large_string())
    return g_format_texts(values, precision, na)


_FEW_VALUES = 64
"""Fewer numbers than this are formatted by ``%`` (cheaper than the vectorised path's set-up)."""


def _text_cells(series: pd.Series, na: str) -> CellColumn:
    """Each distinct cell formatted (and quoted) once: texts as they are; a column of mixed
    cells (numbers among texts) as pandas writes them, each cell by its own ``str``."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    distinct = list(uniques)
    if all(isinstance(u, str) for u in distinct):
        return _category_cells(codes, distinct, na)
    codes, cells = _typed_factorize(series)
    return _lookup_cells(codes, [*_pandas_cells(cells, na), na])


def _typed_factorize(column: pd.Series) -> tuple[np.ndarray, list[object]]:
    """Codes of a column of mixed cells by each cell's type and text (8 and 8.0, 1 and True
    stay apart, as pandas writes them differently; -1 for a missing cell), and one cell of
    each code."""
    values = column.to_numpy(dtype=object)
    keys = np.array([f"{type(v).__qualname__}\0{v}" for v in values.tolist()], dtype=object)
    codes, uniques = pd.factorize(keys)
    codes[pd.isna(values)] = -1
    present, first = np.unique(codes, return_index=True)
    cells: list[object] = [None] * len(uniques)  # a code with only missing cells: never read
    for code, position in zip(present.tolist(), first.tolist(), strict=True):
        if code >= 0:
            cells[code] = values[position]
    return codes, cells


def _pandas_cells(cells: list[object], na: str) -> list[str]:
    """Each of ``cells`` (of an object column) as pandas writes it in a row of several."""
    text = pd.DataFrame({"cell": pd.Series(cells, dtype=object), "next": ""}).to_csv(
        index=False, header=False, float_format=CSV_FLOAT_FORMAT, na_rep=na,
        lineterminator="\n")
    return [_quoted(row[0]) for row in csv.reader(io.StringIO(text))]


RESULTS_FORMATS = ("csv", "parquet", "both")
"""``--results-format``: the full result tables as CSV, as Parquet (the same columns and
values: numbers at full precision, a stage not assessed as a missing value, text as typed),
or both."""


def table_parquet_writer(frame: pd.DataFrame) -> Writer:
    """Writes ``frame`` as Parquet (pyarrow, zstd-compressed; categories as dictionaries)."""
    def write(path: Path) -> None:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        table = pa.Table.from_pandas(frame, preserve_index=False)
        pq.write_table(table, path, compression="zstd")

    return write


def columns_parquet_writer(columns: Callable[[], Mapping[str, Any]], rows: int,
                           chunk_rows: int = 131_072) -> Writer:
    """Like :func:`table_parquet_writer` for a table given as whole columns (by name, in
    order: see :data:`TableColumn`) of ``rows`` rows: a row group per ``chunk_rows`` rows,
    built from the arrays themselves (no frame); texts as dictionaries (Arrow's categories),
    a missing number as null. Dictionary encoding only for the texts (numbers are mostly
    distinct: trying it on them costs a third of the writing)."""
    def write(path: Path) -> None:
        import pyarrow.parquet as pq

        table = columns()
        writer = None
        try:
            for start in range(0, max(rows, 1), chunk_rows):
                stop = min(start + chunk_rows, rows)
                batch = pa.table({name: _arrow_column(column, start, stop)
                                  for name, column in table.items()})
                if writer is None:
                    texts = [field.name for field in batch.schema
                             if pa.types.is_dictionary(field.type)]
                    writer = pq.ParquetWriter(path, batch.schema, compression="zstd",
                                              use_dictionary=texts)
                writer.write_table(batch)
        finally:
            if writer is not None:
                writer.close()

    return write


def _arrow_column(column: Any, start: int, stop: int) -> pa.Array:
    """Rows [start, stop) of a :data:`TableColumn` as an Arrow array."""
    if column is None or isinstance(column, str):
        return pa.DictionaryArray.from_arrays(
            pa.array(np.zeros(stop - start, dtype=np.int8), mask=None if column is not None
                     else np.ones(stop - start, dtype=bool)),
            pa.array([column or ""], type=pa.string()))
    if isinstance(column, pd.Categorical):
        codes = np.asarray(column.codes)[start:stop]
        return pa.DictionaryArray.from_arrays(
            pa.array(codes, mask=codes < 0),
            pa.array([str(c) for c in column.categories], type=pa.string()))
    return pa.array(column[start:stop], from_pandas=True)  # NaN: null


def read_table_parquet(path: str | Path) -> pd.DataFrame:
    """A table written by :func:`table_parquet_writer`, as a data frame."""
    import pyarrow.parquet as pq

    frame: Any = pq.read_table(path).to_pandas()
    return pd.DataFrame(frame)
