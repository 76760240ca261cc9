"""One check that a Parquet table gpulca wrote holds what its CSV twin holds, shared by the
tests of ``run`` and ``compare`` with ``--results-format both``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from gpulca.io.csvsafe import unescape_formula_safe
from gpulca.results.export import read_table_parquet


def assert_parquet_is_the_csv(csv_path: Path, parquet_path: Path,
                              missing_number: str = "") -> None:
    """The same columns and rows; numbers equal to the CSV's ten digits (``missing_number`` or
    an empty cell in the CSV: missing in the Parquet); texts as typed (the CSV's formula-safe
    escape undone); flags equal."""
    table = read_table_parquet(parquet_path)
    csv = pd.read_csv(csv_path, keep_default_na=False, dtype=str)
    assert list(table.columns) == list(csv.columns) and len(table) == len(csv)
    for name in csv.columns:
        texts, values = csv[name], table[name]
        if pd.api.types.is_float_dtype(values):
            missing = texts.isin([missing_number, ""])
            parsed = [float("nan") if m else float(t) for t, m in zip(texts, missing,
                                                                       strict=True)]
            np.testing.assert_allclose(parsed, values, rtol=1e-9, err_msg=name)  # 10 digits
            assert missing.tolist() == values.isna().tolist(), name
        else:
            expected = ["" if pd.isna(v) else str(v) for v in values.astype(object)]
            assert [unescape_formula_safe(t) for t in texts] == expected, name
