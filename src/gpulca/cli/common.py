"""Options and console helpers shared by the commands."""

from __future__ import annotations

import csv
import io
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import click
import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gpulca.core.vocabulary import CSV_FLOAT_FORMAT, format_number
from gpulca.engine.project import DEFAULT_PROJECT, ProgressCallback
from gpulca.io.atomic import Writer
from gpulca.io.csvsafe import formula_safe_cell

# Without a terminal (pipes, CI logs) rich would wrap tables at 80 columns; a COLUMNS set by
# the user still wins (rich reads it).
stdout = Console(highlight=False, soft_wrap=False,
                 width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
stderr = Console(stderr=True, highlight=False)


def brightway_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--data-dir`` and ``--project``."""
    function = click.option(
        "--project", default=DEFAULT_PROJECT, show_default=True,
        help="gpulca Brightway project (its name must start with 'gpulca').")(function)
    return click.option(
        "--data-dir", type=click.Path(file_okay=False), default=None,
        help="Brightway data directory (default: $BRIGHTWAY2_DIR, else your usual "
             "Brightway directory).")(function)


@contextmanager
def setup_progress() -> Iterator[ProgressCallback]:
    """A progress callback that shows a bar on stderr only if set-up work actually happens."""
    progress: Progress | None = None
    tasks: dict[str, Any] = {}

    def callback(label: str, done: int, total: int) -> None:
        nonlocal progress
        if progress is None:
            stderr.print("First run: installing biosphere3 and the bundled LCIA methods "
                         "into the gpulca project (once).")
            progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                MofNCompleteColumn(), TimeElapsedColumn(), console=stderr,
                                transient=False)
            progress.start()
        if label not in tasks:
            tasks[label] = progress.add_task(label, total=total)
        progress.update(tasks[label], completed=done, total=total)

    try:
        yield callback
    finally:
        if progress is not None:
            progress.stop()


def print_warning(text: str, console: Console = stderr, **options: Any) -> None:
    """One warning line; the text is printed as written (never read as rich markup)."""
    console.print(f"[yellow]warning:[/yellow] {escape(text)}", **options)


def formula_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell (and column name) made formula-safe
    (:func:`gpulca.io.csvsafe.formula_safe`); numbers are left alone."""
    safe = frame.copy(deep=False)  # the columns that change are replaced, not written to
    for position in range(len(safe.columns)):
        column = safe.iloc[:, position]
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
    if not texts and column.dtype != np.dtype(object):
        return column.map(formula_safe_cell)
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    if not texts and not all(isinstance(u, str) for u in uniques):
        return column.map(formula_safe_cell)  # mixed cells (see above)
    if len(uniques) * 2 > len(column):
        return column.map(formula_safe_cell)
    safe_uniques = [formula_safe_cell(u) for u in uniques]
    if all(a == b for a, b in zip(safe_uniques, uniques, strict=True)):
        return column  # nothing to escape (the usual case): the column as it is
    safe = np.array(safe_uniques + [None], dtype=object)
    values = safe[codes]  # code -1 (missing) takes the last entry
    missing = codes < 0
    if missing.any():
        values[missing] = column.to_numpy(dtype=object)[missing]
    return pd.Series(values, index=column.index, name=column.name).infer_objects()


def csv_writer(frame: pd.DataFrame, missing: str = "") -> Writer:
    """Writes ``frame`` as one of the CSV files of a run or a comparison; no text cell can be
    read as a formula by a spreadsheet. ``missing`` is written for a missing number (results:
    "not assessed")."""
    def write(path: Path) -> None:
        write_frame_csv(formula_safe_frame(frame), path, missing)

    return write


CSV_CHUNK_ROWS = 65_536
"""Rows formatted and written at a time by :func:`write_frame_csv` (bounded memory)."""


def write_frame_csv(frame: pd.DataFrame, path: Path, missing: str = "") -> None:
    """``frame.to_csv(path, index=False, float_format=CSV_FLOAT_FORMAT, na_rep=missing)``,
    byte for byte, column by column: each column's distinct values are formatted (and quoted
    as :mod:`csv` quotes them) once, numbers with ``%`` in one pass, and the rows are joined
    by Arrow, a chunk of :data:`CSV_CHUNK_ROWS` rows at a time. A frame with a column of
    another kind (dates, mixed objects...) or a single column is written by pandas."""
    cells = _column_cells(frame, missing)
    if cells is None:
        frame.to_csv(path, index=False, float_format=CSV_FLOAT_FORMAT, na_rep=missing)
        return
    with open(path, "wb") as out:
        out.write(_header(frame))
        for start in range(0, len(frame), CSV_CHUNK_ROWS):
            _write_cells(out, cells, start, min(start + CSV_CHUNK_ROWS, len(frame)))


def chunked_csv_writer(chunks: Callable[[], Iterable[pd.DataFrame]], missing: str = ""
                       ) -> Writer:
    """Like :func:`csv_writer` for a frame given as consecutive chunks of rows (``chunks()``
    yields them, each of the same columns; one empty frame for none), each made formula-safe
    and written in turn: byte for byte the CSV of their concatenation, without it in memory."""
    def write(path: Path) -> None:
        write_chunks_csv((formula_safe_frame(chunk) for chunk in chunks()), path, missing)

    return write


def write_chunks_csv(chunks: Iterable[pd.DataFrame], path: Path, missing: str = "") -> None:
    """:func:`write_frame_csv` of the concatenation of ``chunks`` (frames of the same columns,
    in order), one chunk in memory at a time."""
    with open(path, "wb") as out:
        for number, chunk in enumerate(chunks):
            cells = _column_cells(chunk, missing)
            if cells is None:  # a kind of column only pandas writes (or no rows)
                out.write(chunk.to_csv(index=False, header=number == 0,
                                       float_format=CSV_FLOAT_FORMAT,
                                       na_rep=missing).encode())
                continue
            if number == 0:
                out.write(_header(chunk))
            for start in range(0, len(chunk), CSV_CHUNK_ROWS):
                _write_cells(out, cells, start, min(start + CSV_CHUNK_ROWS, len(chunk)))


def _header(frame: pd.DataFrame) -> bytes:
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([str(c) for c in frame.columns])
    return header.getvalue().encode()


def _write_cells(out: BinaryIO, cells: list[CellColumn], start: int, stop: int) -> None:
    """Rows [start, stop) of the columns ``cells``, joined by Arrow, written to ``out``."""
    texts: list[pa.Array | pa.Scalar] = []
    for column in cells:  # adjacent constant columns joined once: fewer columns for Arrow
        cell = column(start, stop)
        if texts and not isinstance(cell, pa.Array) and not isinstance(texts[-1], pa.Array):
            cell = _large(f"{texts[-1].as_py()},{cell.as_py()}")
            texts.pop()
        texts.append(cell)
    if not any(isinstance(t, pa.Array) for t in texts):  # every column constant
        texts[0] = pa.array([texts[0].as_py()] * (stop - start), pa.large_string())
    last = pc.binary_join_element_wise(texts[-1], _large(""), _large("\n"))
    lines = pc.binary_join_element_wise(*texts[:-1], last, _large(","))
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[
        lines.offset:lines.offset + len(lines) + 1]
    data = lines.buffers()[2]
    out.write(memoryview(data)[int(offsets[0]):int(offsets[-1])])


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
    for position in range(len(frame.columns)):
        series = frame.iloc[:, position]
        dtype = series.dtype
        if dtype == np.float64:
            out.append(_float_cells(series.to_numpy(), na))
        elif dtype == np.int64 or dtype == np.bool_:
            out.append(_plain_cells(series.to_numpy()))
        elif isinstance(dtype, pd.CategoricalDtype) and \
                all(isinstance(c, str) for c in dtype.categories):
            codes = series.cat.codes.to_numpy()
            out.append(_lookup_cells(np.where(codes < 0, len(dtype.categories), codes),
                                     [_quoted(c) for c in dtype.categories] + [na]))
        elif dtype == np.dtype(object) or pd.api.types.is_string_dtype(dtype):
            cells = _text_cells(series, na)
            if cells is None:
                return None
            out.append(cells)
        else:
            return None
    return out


def _plain_cells(values: np.ndarray) -> CellColumn:
    """``str`` of each integer or bool, as pandas writes them."""
    return lambda start, stop: pa.array([str(x) for x in values[start:stop].tolist()],
                                        type=pa.large_string())


def _lookup_cells(codes: np.ndarray, texts: list[str]) -> CellColumn:
    """The cells of a column of ``len(texts)`` distinct values: ``texts[code]`` of each."""
    if len(codes) and (codes == codes[0]).all():  # one value: a scalar Arrow repeats
        constant = _large(texts[int(codes[0])])
        return lambda start, stop: constant
    dictionary = pa.array(texts, type=pa.large_string())
    return lambda start, stop: pc.take(dictionary, pa.array(codes[start:stop]))


def _float_cells(values: np.ndarray, na: str) -> CellColumn:
    """:data:`CSV_FLOAT_FORMAT` of each number (once per distinct value when they repeat)."""
    # by bit pattern: 0.0 and -0.0 are written differently
    bits = np.ascontiguousarray(values).view(np.int64)
    if len(bits) and (bits == bits[0]).all():
        value = float(values[0])
        return _lookup_cells(np.zeros(1, dtype=np.int64),
                             [na if value != value else CSV_FLOAT_FORMAT % value])
    sample = bits[:1000]
    mostly_distinct = len(np.unique(sample)) * 2 > len(sample) and len(bits) > 2000
    codes, uniques = (None, bits) if mostly_distinct else pd.factorize(bits)
    if codes is None or len(uniques) * 2 > len(values):  # mostly distinct: format each value
        def each(start: int, stop: int) -> pa.Array:
            return pa.array([na if v != v else CSV_FLOAT_FORMAT % v
                             for v in values[start:stop].tolist()], type=pa.large_string())
        return each
    return _lookup_cells(codes, [na if v != v else CSV_FLOAT_FORMAT % v
                                 for v in uniques.view(np.float64).tolist()])


def _text_cells(series: pd.Series, na: str) -> CellColumn | None:
    """Each text quoted once per distinct value; None when a cell is not a text (pandas writes
    numbers in a text column its own way)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    distinct = list(uniques)
    if not all(isinstance(u, str) for u in distinct):
        return None
    return _lookup_cells(np.where(codes < 0, len(distinct), codes),
                         [_quoted(u) for u in distinct] + [na])


NAME_WIDTH = 28
"""Row names up to this many characters are never wrapped in a printed table."""

Column = tuple[str, list[str]]
"""A printed column: its header and its cells (a cell may hold several lines)."""


def column_chunks(widths: list[int], index_width: int, total: int) -> list[list[int]]:
    """Split columns (their widths) into groups that each fit ``total`` characters beside the
    index columns (``index_width`` with their borders) in a boxed table: 3 characters of padding
    and border per column, 1 more for the left border; at least one column per group."""
    chunks: list[list[int]] = [[]]
    used = 1 + index_width
    for position, width in enumerate(widths):
        if chunks[-1] and used + width + 3 > total:
            chunks.append([])
            used = 1 + index_width
        chunks[-1].append(position)
        used += width + 3
    return chunks


def spread(widths: list[int], ideal: list[int], room: int) -> list[int]:
    """Widen ``widths`` towards ``ideal`` within ``room`` characters in all, one at a time."""
    out = list(widths)
    spare = room - sum(out)
    while spare > 0 and any(w < i for w, i in zip(out, ideal, strict=True)):
        for position, target in enumerate(ideal):
            if spare > 0 and out[position] < target:
                out[position] += 1
                spare -= 1
    return out


def _longest_word(text: str) -> int:
    return max((len(word) for word in text.split()), default=0)


def _longest_line(texts: list[str]) -> int:
    return max((len(line) for text in texts for line in text.splitlines()), default=0)


def print_columns(title: str, index: list[Column], columns: list[Column],
                  bold_rows: frozenset[int] = frozenset()) -> None:
    """Print a table whose names and numbers are never cut.

    ``index`` columns (names) repeat in every part; names up to :data:`NAME_WIDTH` characters
    stay on one line (longer ones wrap between words). Value cells keep their lines whole and
    headers wrap between words. When the value columns do not fit the terminal, they are
    printed as several tables of fewer columns each.
    """
    index_widths = [min(max(len(header), _longest_line(cells)),
                        max(NAME_WIDTH, _longest_word(header), *map(_longest_word, cells)))
                    for header, cells in index]
    widths = [max(_longest_word(header), _longest_line(cells)) for header, cells in columns]
    ideal = [max(width, _longest_line([header])) for width, (header, _) in
             zip(widths, columns, strict=True)]
    fixed = sum(width + 3 for width in index_widths)
    chunks = column_chunks(widths, fixed, stdout.width)
    rows = len(index[0][1]) if index else 0
    for number, chunk in enumerate(chunks):
        suffix = f" ({number + 1}/{len(chunks)})" if len(chunks) > 1 else ""
        # Fixed widths (rich does not shrink columns that have a minimum width): the spare
        # width goes to the headers, which then wrap less.
        shown = spread([widths[p] for p in chunk], [ideal[p] for p in chunk],
                       stdout.width - 1 - fixed - 3 * len(chunk))
        table = Table(title=escape(title + suffix), title_justify="left")
        for (header, _), width in zip(index, index_widths, strict=True):
            table.add_column(escape(header), width=width)
        for position, width in zip(chunk, shown, strict=True):
            table.add_column(escape(columns[position][0]), justify="right", width=width)
        for row in range(rows):
            table.add_row(*(escape(cells[row]) for _, cells in index),
                          *(escape(columns[p][1][row]) for p in chunk),
                          style="bold" if row in bold_rows else None)
        stdout.print(table)


def print_table(frame: pd.DataFrame, title: str, index_label: str,
                headers: dict[str, str] | None = None) -> None:
    """Print a numeric frame as a rich table (last row bold when it is the total); names and
    numbers are never cut (:func:`print_columns`)."""
    labels = [str(label) for label in frame.index]
    columns = [((headers or {}).get(column, str(column)),
                [format_number(float(v)) for v in frame[column]]) for column in frame.columns]
    bold = frozenset(i for i, label in enumerate(labels) if label == "total")
    print_columns(title, [(index_label, labels)], columns, bold)
