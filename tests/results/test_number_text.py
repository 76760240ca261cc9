"""Numbers formatted a column at a time equal Python's ``%`` formatting, byte for byte."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpulca.results.number_text import (
    MAX_FAST_PRECISION,
    _decimal_digits,
    g_format_texts,
    g_precision,
)


def by_percent(values: np.ndarray, precision: int, missing: str) -> list[str]:
    return [missing if v != v else "%.*g" % (precision, v)  # noqa: UP031 (the reference)
            for v in values.tolist()]


EDGES = [0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, 2.2250738585072014e-308,
         1.7976931348623157e308, 0.5, 1.5, 2.5, 0.15, 0.25, 1.0000000005, 12345678905.0,
         9999999999.5, 9999999999.4, 99999.99999500001, 1e-5, 9.9999999995e-5, 9.99999999949e-5,
         1e-4, 0.0001000000000001, 1e10, 9999999999.0, 1e9, 999999999.95, 123456789012.0,
         1e22, 1e23, 1e-22, 1e-23, 1e15, 1e16, 4.35, 0.1 + 0.2, 1 / 3, 2 / 3, 100.0, 0.001,
         95.689126, 0.0007076584743, 1234567890.5, 123.4567890449999, 123.456789045]


@pytest.mark.parametrize("precision", [1, 2, 3, 6, 10, 12, 15, 17])
def test_edge_values(precision: int) -> None:
    values = np.array(EDGES + [-v for v in EDGES])
    assert g_format_texts(values, precision, "NA").to_pylist() == \
        by_percent(values, precision, "NA")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
                max_size=60),
       st.sampled_from([1, 4, 10, 12]), st.sampled_from(["", "not assessed"]))
def test_equals_percent_formatting(values: list[float], precision: int, missing: str) -> None:
    array = np.array(values, dtype=np.float64)
    assert g_format_texts(array, precision, missing).to_pylist() == \
        by_percent(array, precision, missing)


def test_a_million_values_of_every_magnitude() -> None:
    rng = np.random.default_rng(19)
    values = np.concatenate([
        rng.standard_normal(150_000) * 10.0 ** rng.integers(-25, 26, 150_000),
        rng.uniform(0, 1000, 100_000).round(3) * 0.454,  # GPU-hours x kW: an audit column
        rng.integers(0, 10**11, 50_000).astype(np.float64)])
    assert g_format_texts(values, 10).to_pylist() == by_percent(values, 10, "")


def test_the_arithmetic_handles_almost_every_value() -> None:
    """The fallback to ``%`` is for values near a rounding tie or a power of ten: rare."""
    values = np.random.default_rng(4).lognormal(3, 3, 100_000)
    regular, _, _ = _decimal_digits(values, 10)
    assert regular.mean() > 0.999


def test_empty_and_large_precision() -> None:
    assert g_format_texts(np.array([]), 10).to_pylist() == []
    values = np.array([1 / 3, 2.5, math.nan])
    precision = MAX_FAST_PRECISION + 3
    assert g_format_texts(values, precision, "x").to_pylist() == by_percent(values, precision,
                                                                            "x")


def test_precision_of_a_format() -> None:
    assert g_precision("%.10g") == 10
    assert g_precision("%.3f") is None
    assert g_precision("%g") is None
