"""sacct accounting as Parquet (a partitioned data set of a year's exports, one file per part).

The columns are sacct's field names (as ``sacct --parsable2`` prints them in its header); text
columns as strings, ``ElapsedRaw`` as an integer, ``Start``/``End`` as strings
(``2024-01-01T00:00:00``) or timestamps. The file is read in record batches (bounded memory);
problems are located by file and row (1-based, in file order), as lines are for text exports.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from gpulca.core.errors import InputError, Problem
from gpulca.ingest.sacct import SacctJobs, _allocations, _resolve_columns

BATCH_ROWS = 500_000
"""Rows read per record batch."""


def iter_parquet_chunks(path: Path, text_columns: tuple[str, ...],
                        batch_rows: int = BATCH_ROWS) -> Iterator[SacctJobs]:
    """The allocations of one Parquet file, batch by batch (not de-duplicated)."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    file = str(path)
    try:
        source = pq.ParquetFile(path)
    except FileNotFoundError as exc:
        raise InputError(Problem(file, "", "file not found")) from exc
    except (OSError, pa.ArrowException) as exc:
        raise InputError(Problem(file, "", f"not a readable Parquet file ({exc})")) from exc
    names = list(source.schema_arrow.names)
    columns = _resolve_columns(file, names, text_columns, ",".join(names))
    before = 0
    for batch in source.iter_batches(batch_size=batch_rows, columns=list(columns.values())):
        raw = _as_text(batch.to_pandas(), columns)
        lines = np.arange(before + 1, before + len(raw) + 1, dtype=np.int64)
        jobs = _allocations(raw, columns, file, lines)
        jobs.lines = len(raw)
        before += len(raw)
        yield jobs


def _as_text(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Every column as sacct prints it: text, ``""`` when missing; ElapsedRaw as numbers."""
    out: dict[str, object] = {}
    for canonical, name in columns.items():
        column = frame[name]
        if canonical == "ElapsedRaw":
            out[name] = pd.to_numeric(column, errors="coerce")
        elif pd.api.types.is_datetime64_any_dtype(column):
            out[name] = column.dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("Unknown") \
                .to_numpy(dtype=object)
        else:
            codes, uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)
            table = np.array([str(u) for u in uniques] + [""], dtype=object)
            out[name] = table[codes]  # code -1 (missing) picks the trailing ""
    return pd.DataFrame(out)
