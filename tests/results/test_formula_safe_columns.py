"""CSV cells made formula-safe once per distinct value write the same text as cell by cell."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from gpulca.core.vocabulary import CSV_FLOAT_FORMAT
from gpulca.io.csvsafe import formula_safe_cell
from gpulca.results.export import formula_safe_frame


def cell_by_cell(frame: pd.DataFrame) -> pd.DataFrame:
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(formula_safe_cell)
    return safe


def test_repeated_texts_are_escaped_like_every_cell() -> None:
    n = 200
    frame = pd.DataFrame({
        "text": ["=1+1", "x", None, "-0.5", "@a"] * n, "number": np.arange(5 * n) * 0.1,
        "mixed": [None, 1.5, "t", True, "=x"] * n, "numbers": [8, 8.0, "8", 1, 1.0] * n,
        "category": pd.Categorical(["=a", "b", "b", "c", None] * n)})
    written = formula_safe_frame(frame).to_csv(index=False, float_format=CSV_FLOAT_FORMAT)
    assert written == cell_by_cell(frame).to_csv(index=False, float_format=CSV_FLOAT_FORMAT)
    numbers = pd.read_csv(io.StringIO(written), dtype=str)["numbers"]
    assert numbers[:2].tolist() == ["8", "8.0"]  # equal values of two types stay apart
    assert "'=1+1" in written and "'=a" in written and "'@a" in written
