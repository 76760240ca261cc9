"""Large result tables as files, column by column: CSV (exactly as pandas writes it) and Parquet.

A comparison of 10,000 variants has a scores table of about a million rows, nearly all of them
repeating a few texts and a few thousand distinct numbers. :func:`table_csv_writer` formats every
distinct cell of a column once (text made formula-safe with :func:`gpulca.io.csvsafe.csv_text`
and quoted by Python's :mod:`csv` rules; numbers with ``float_format``) and joins the rows, giving
the same bytes as pandas' ``DataFrame.to_csv`` (no index, ``float_format``, ``na_rep``) of the
formula-safe frame, several times faster. A column of any other kind (dates, nullable
integers) leaves the whole table to a fallback writer (the CLI's pandas ``csv_writer``).

:func:`table_parquet_writer` writes the table as Parquet (pyarrow): the same columns and values,
numbers at full precision, a stage that is not assessed as a missing value (null), and text as
the user typed it (Parquet has no formulas, so nothing is escaped).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gpulca.core.vocabulary import CSV_FLOAT_FORMAT
from gpulca.io.atomic import Writer
from gpulca.io.csvsafe import csv_text, formula_safe_cell


def _quoted(texts: list[Any]) -> list[str]:
    """Each value as one CSV field, as Python's csv writer (and so pandas) writes it: text
    quoted when it must be, a float by its ``repr``, anything else by its ``str``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    out = []
    for text in texts:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([text, ""])  # two fields: an empty text is written empty, not ""
        out.append(buffer.getvalue()[:-2])
    return out


Cells = tuple[np.ndarray, np.ndarray | None]
"""A column's CSV fields: each distinct field and every row's index into them (taken a chunk
of rows at a time, so no array of a million texts is held), or every row's field and None."""


def _cells(column: pd.Series, missing: str, float_format: str) -> Cells | None:
    """Every cell of ``column`` as its CSV field text, or None for a column kind not handled."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = list(dtype.categories)
        if not all(isinstance(c, str) for c in categories):
            return None
        texts = _quoted([csv_text(c) for c in categories])
        codes = column.cat.codes.to_numpy()
    elif pd.api.types.is_bool_dtype(dtype) and not column.hasnans:
        return (np.array(["False", "True"], dtype=object),
                column.to_numpy(dtype=bool).astype(np.intp))
    elif pd.api.types.is_integer_dtype(dtype) and dtype.kind in "iu":
        codes, uniques = pd.factorize(column.to_numpy())
        texts = [str(int(u)) for u in uniques]
    elif pd.api.types.is_float_dtype(dtype) and isinstance(dtype, np.dtype):
        values = column.to_numpy(dtype=np.float64)  # by bit pattern: 0.0 and -0.0 apart
        codes, bits = pd.factorize(values.view(np.int64))
        absent = _quoted([missing])[0]
        texts = [absent if math.isnan(u) else float_format % u
                 for u in np.asarray(bits, dtype=np.int64).view(np.float64).tolist()]
    elif dtype is np.dtype(object):
        safe = column.map(formula_safe_cell)  # as pandas' path: numbers alone become numbers
        if safe.dtype is not np.dtype(object):
            return _cells(safe, missing, float_format)
        cells = _object_cells(safe.to_numpy(dtype=object), missing)
        return None if cells is None else (cells, None)
    elif pd.api.types.is_string_dtype(dtype):
        codes, distinct = pd.factorize(column, use_na_sentinel=True)
        if not all(isinstance(u, str) for u in distinct):
            return None
        texts = _quoted([csv_text(u) for u in distinct])
    else:
        return None
    table = np.array([*texts, _quoted([missing])[0]], dtype=object)
    return table, np.asarray(codes)  # code -1 (missing) takes the last entry


def _object_cells(values: np.ndarray, missing: str) -> np.ndarray | None:
    """Cells of a column of mixed values (text already formula-safe): every value as the csv
    writer writes it (pandas leaves such a column to it), each distinct value once."""
    absent = pd.isna(values)
    fields: dict[tuple[type, Any], str] = {}
    out = np.empty(len(values), dtype=object)
    try:
        for index, value in enumerate(values):
            if absent[index]:
                out[index] = None
                continue
            key = (float, repr(value)) if isinstance(value, float) else (type(value), value)
            if key not in fields:
                fields[key] = _quoted([value])[0]
            out[index] = fields[key]
    except TypeError:  # an unhashable value: left to pandas
        return None
    out[absent] = _quoted([missing])[0]
    return out


CHUNK_ROWS = 65_536
"""Rows joined and written at a time (bounds the memory of the text)."""


def table_csv_chunks(frame: pd.DataFrame, missing: str = "",
                     float_format: str = CSV_FLOAT_FORMAT) -> Iterator[str] | None:
    """``frame`` as CSV text in pieces (the header, then lines of up to :data:`CHUNK_ROWS`
    rows), or None when a column is of a kind this writer does not handle (see the module's
    description)."""
    if len(frame.columns) < 2:
        return None
    columns = []
    for name in frame.columns:
        cells = _cells(frame[name], missing, float_format)
        if cells is None:
            return None
        columns.append(cells)
    header = ",".join(_quoted([str(formula_safe_cell(str(c))) for c in frame.columns]))

    def pieces() -> Iterator[str]:
        yield header + "\n"
        for start in range(0, len(frame), CHUNK_ROWS):
            stop = start + CHUNK_ROWS
            rows = zip(*(table[start:stop] if codes is None else table[codes[start:stop]]
                         for table, codes in columns), strict=True)
            yield "\n".join(map(",".join, rows)) + "\n"

    return pieces()


def table_csv_writer(frame: pd.DataFrame, missing: str = "",
                     float_format: str = CSV_FLOAT_FORMAT,
                     fallback: Writer | None = None) -> Writer:
    """Writes ``frame`` as CSV with every text cell formula-safe; ``missing`` for a missing
    value. The bytes equal pandas' ``to_csv`` of the formula-safe frame (the CLI's
    ``csv_writer``). A table with a column kind this writer does not handle is written by
    ``fallback`` (the CLI passes its ``csv_writer``); without one, that raises TypeError."""
    def write(path: Path) -> None:
        pieces = table_csv_chunks(frame, missing, float_format)
        if pieces is None:
            if fallback is None:
                raise TypeError("a column of a kind the column-wise CSV writer does not "
                                f"handle: {dict(frame.dtypes.astype(str))}")
            fallback(path)
            return
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.writelines(pieces)

    return write


def table_parquet_writer(frame: pd.DataFrame) -> Writer:
    """Writes ``frame`` as Parquet (pyarrow, zstd-compressed; categories as dictionaries)."""
    def write(path: Path) -> None:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        table = pa.Table.from_pandas(frame, preserve_index=False)
        pq.write_table(table, path, compression="zstd")

    return write


def read_table_parquet(path: str | Path) -> pd.DataFrame:
    """A table written by :func:`table_parquet_writer`, as a data frame."""
    import pyarrow.parquet as pq

    frame: Any = pq.read_table(path).to_pandas()
    return pd.DataFrame(frame)
