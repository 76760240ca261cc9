"""Text columns as Arrow strings: the per-row work of sacct ingestion without Python objects.

A column is a ``pyarrow.ChunkedArray`` of strings (``""`` where a value is missing). Per-row work
is an Arrow compute kernel or numpy on integer codes; Python runs once per *distinct* value,
through :func:`factorize_text` (a million jobs with a thousand distinct ``AllocTRES`` strings cost
a thousand parses).
"""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

TextColumn: TypeAlias = Any
"""One text column: a ``pyarrow.ChunkedArray`` of strings, no nulls (pyarrow has no type
stubs)."""


def text_columns(frame: pd.DataFrame, names: list[str]) -> dict[str, TextColumn]:
    """The columns ``names`` of ``frame`` as Arrow strings, ``""`` for a missing value.

    Columns already held as Arrow strings (``read_text``) are not copied; object columns of
    ``str`` (fixed-width and Parquet reads) are converted.
    """
    out: dict[str, TextColumn] = {}
    converted = [n for n in dict.fromkeys(names) if not is_text(frame[n].dtype)]
    table = pa.Table.from_pandas(frame[converted], preserve_index=False)
    for name in names:
        column = table.column(name) if name in converted else \
            _as_chunked(pa.array(frame[name].array))  # the column's own Arrow data, no copy
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            column = pc.cast(column, pa.string())
        out[name] = pc.fill_null(column, "") if column.null_count else column
    return out


def is_text(dtype: object) -> bool:
    """Whether a pandas dtype holds strings as Arrow strings (pandas' ``str``, or an
    ``ArrowDtype`` of strings)."""
    if isinstance(dtype, pd.StringDtype):
        return dtype.storage == "pyarrow"
    return isinstance(dtype, pd.ArrowDtype) and (pa.types.is_string(dtype.pyarrow_dtype) or
                                                 pa.types.is_large_string(dtype.pyarrow_dtype))


def _as_chunked(values: pa.Array | pa.ChunkedArray) -> TextColumn:
    return values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])


def as_mask(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A boolean Arrow column as a numpy mask (a null is False)."""
    if values.null_count:
        values = pc.fill_null(values, False)
    mask: np.ndarray = np.asarray(values.to_numpy(zero_copy_only=False), dtype=bool)
    return mask


def factorize_text(values: TextColumn) -> tuple[np.ndarray, list[str]]:
    """``(codes, distinct)``: ``distinct[codes[i]]`` is value ``i``; distinct values in order of
    first appearance. One hash of each value (Arrow), one Python string per distinct value.
    A dictionary-encoded column (:func:`gpulca.ingest.scan.read_parts`) is not hashed again:
    in one array, its dictionary is ``distinct`` as it is (in order of first appearance as
    encoded, and holding values of rows filtered out since, if any)."""
    if pa.types.is_dictionary(values.type):
        return _factorize_dictionary(values)
    if isinstance(values, pa.ChunkedArray):
        if values.num_chunks == 0:
            return np.zeros(0, dtype=np.intp), []
        try:  # one array, one dictionary (unifying per-chunk dictionaries is far slower)
            values = values.combine_chunks()
        except pa.ArrowInvalid:  # more than 2 GiB of text: 64-bit offsets
            values = pc.cast(values, pa.large_string()).combine_chunks()
    encoded = pc.dictionary_encode(values)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp, copy=False)
    return codes, [str(v) for v in encoded.dictionary.to_pylist()]


def _factorize_dictionary(values: TextColumn) -> tuple[np.ndarray, list[str]]:
    """:func:`factorize_text` of a dictionary-encoded column: in one array, its indices and
    dictionary; in several, the indices renumbered in order of first appearance (values of the
    dictionaries that no row holds are left out)."""
    chunks = _as_chunked(values).unify_dictionaries().chunks
    if not chunks:
        return np.zeros(0, dtype=np.intp), []
    indices = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in chunks])
    if len(chunks) == 1:  # its dictionary as it is
        return indices.astype(np.intp), [str(v) for v in chunks[0].dictionary.to_pylist()]
    codes, first = pd.factorize(indices)
    distinct = chunks[0].dictionary.take(pa.array(first, type=pa.int64()))
    return codes.astype(np.intp, copy=False), [str(v) for v in distinct.to_pylist()]


def to_series(values: TextColumn) -> pd.Series:
    """A text column as a pandas Series of strings without a Python object per row:
    Arrow-backed, or categorical (codes and each distinct value once) when it is
    dictionary-encoded."""
    if pa.types.is_dictionary(values.type):
        codes, distinct = _factorize_dictionary(values)
        dtype = pd.CategoricalDtype(pd.Index(distinct or [""], dtype="str"))
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype))
    series: pd.Series = values.to_pandas()
    return series
