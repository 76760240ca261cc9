"""Numbers as the CSV files print them, a column at a time: ``"%.10g" % x`` of every value of
an array, byte for byte, without a Python string per value.

Formatting a float with ``%`` costs about 0.3 us; a million-row audit trail has seven or more
columns of mostly distinct numbers. :func:`g_format_texts` gives the same texts from numpy
arithmetic and byte tables, about three times faster, and falls back to ``%`` for every value
whose correct rounding the arithmetic cannot guarantee.

How (precision P, a finite non-zero x): the decimal exponent ``X = floor(log10 |x|)``; the
P-digit integer ``m = rint(|x| * 10**(P-1-X))``, one multiplication (or division) by an exact
power of ten, so the product is within half an ulp of the exact value. ``m`` is kept only when
that half ulp cannot move it across a rounding boundary (the product's fraction is not within
``2**-49`` of it relative, far more than half an ulp) and when it has exactly P digits (else
``log10`` was off by one near a power of ten, or the value rounds up to one). ``%g`` then
prints ``m``'s digits in fixed notation when ``-4 <= X < P`` (else as ``d.ddde+XX``), without
trailing zeros. The digits come from a table of the 100,000 five-digit texts; the texts of
values of one layout (the same exponent, count of significant digits and sign) are cut from
the digit matrix as one block, and the blocks put back in the values' order by Arrow.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

MAX_FAST_PRECISION = 12
"""Above this many significant digits the arithmetic's margin (``2**-49`` of the value) no
longer fits between two integers, so every value would fall back to ``%``; they are formatted
by ``%`` directly."""

_POWERS_OF_TEN = np.array([float(f"1e{i}") for i in range(23)])  # 1e0..1e22: exact doubles
_EXACT_POWER = 22
_CHUNK_DIGITS = 5
_MIN_EXPONENT = -_EXACT_POWER  # the layout key's offsets (X is within [P-23, P+21])
_EXPONENTS = 2 * _EXACT_POWER + MAX_FAST_PRECISION


def g_precision(float_format: str) -> int | None:
    """The precision P of a ``"%.Pg"`` format, None for any other format."""
    match = re.fullmatch(r"%\.(\d+)g", float_format)
    return int(match.group(1)) if match else None


def g_format_texts(values: np.ndarray, precision: int, missing: str = "") -> pa.Array:
    """``"%.{precision}g" % x`` of each value (``missing`` for NaN), as an Arrow large string
    array in the values' order: the texts Python's ``%`` gives, byte for byte."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    if not 1 <= precision <= MAX_FAST_PRECISION:
        return pa.array([missing if v != v else "%.*g" % (precision, v)  # noqa: UP031
                         for v in values.tolist()], type=pa.large_string())
    count = len(values)
    if count == 0:
        return pa.array([], type=pa.large_string())
    regular, exponent, digits_int = _decimal_digits(values, precision)
    chunks, significant = _digit_chunks(digits_int, precision)
    # (exponent and significant are 0 where not regular: zero, missing, or by %)
    key = ((exponent - _MIN_EXPONENT) * (precision + 1) + significant) * 2 + np.signbit(values)
    irregular = np.flatnonzero(~regular)  # few: the kind of each worked out apart
    if len(irregular):
        odd = values[irregular]
        kind = np.where(odd == 0, 1, np.where(np.isnan(odd), 2, 3))
        key[irregular] += kind * (_EXPONENTS * (precision + 1) * 2)
    key = key.astype(np.uint16 if _key_span(precision) < 2**16 else np.int64)
    order = np.argsort(key, kind="stable")  # a radix sort: the layouts become runs
    sorted_key = key[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_key[1:] != sorted_key[:-1])))
    stops = np.append(starts[1:], count)
    sorted_digits = _digit_matrix([chunk[order] for chunk in chunks]).view(np.uint8)
    pieces: list[np.ndarray] = []
    widths = np.empty(count, dtype=np.int64)
    for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
        layout = _Layout.of(int(sorted_key[start]), precision)
        if layout.kind == 3:  # inf, or a value the arithmetic cannot round surely
            texts = [("%.*g" % (precision, v)).encode()  # noqa: UP031 (the reference)
                     for v in values[order[start:stop]].tolist()]
            widths[start:stop] = [len(t) for t in texts]
            pieces.append(np.frombuffer(b"".join(texts), dtype=np.uint8))
            continue
        if layout.kind:  # zero or missing: one text
            text = (b"-0" if layout.negative else b"0") if layout.kind == 1 else \
                missing.encode()
            widths[start:stop] = len(text)
            pieces.append(np.frombuffer(text * (stop - start), dtype=np.uint8))
            continue
        block = _layout_block(layout, sorted_digits[start:stop], precision)
        widths[start:stop] = block.shape[1]
        pieces.append(block.ravel())
    offsets = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(widths, out=offsets[1:])
    data = np.concatenate(pieces)
    in_layout_order = pa.LargeStringArray.from_buffers(
        count, pa.py_buffer(offsets), pa.py_buffer(data))
    return pc.take(in_layout_order, pa.array(_inverse(order)), memory_pool=arrow_pool())


def arrow_pool() -> pa.MemoryPool:
    """The Arrow memory pool of the texts written to files: the system allocator, which gives
    freed memory back at once; Arrow's default (mimalloc) keeps it for reuse, about 20 MB
    more at the peak of a million-row audit trail's writing."""
    return pa.system_memory_pool()


def _decimal_digits(values: np.ndarray, precision: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each value: whether its P-digit rounding is sure (``regular``), its decimal
    exponent X and the P-digit integer m (``|x|`` rounded to P significant digits, over
    ``10**(X-P+1)``); X and m are 0 where not regular."""
    magnitude = np.abs(values)
    with np.errstate(all="ignore"):  # log10 of 0, nan and inf: not regular below
        exponent = np.floor(np.log10(magnitude))
        shift = (precision - 1) - exponent
        regular = np.abs(shift) <= _EXACT_POWER
        shift = np.where(regular, shift, 0).astype(np.int64)
        power = _POWERS_OF_TEN[np.abs(shift)]
        scaled = magnitude * power
        down = np.flatnonzero(shift < 0)  # |x| >= 10**P: a division by an exact power
        if len(down):
            scaled[down] = magnitude[down] / power[down]
        rounded = np.rint(scaled)
        from_half = np.abs(scaled - np.floor(scaled) - 0.5)
        regular &= (scaled >= _POWERS_OF_TEN[precision - 1] + 1) \
            & (rounded < _POWERS_OF_TEN[precision] - 1) & (from_half > scaled * 2.0**-49)
    exponent = np.where(regular, exponent, 0).astype(np.int64)
    return regular, exponent, np.where(regular, rounded, 0.0)


def _digit_chunks(integers: np.ndarray, precision: int) -> tuple[list[np.ndarray], np.ndarray]:
    """The five-digit chunks of each integer below 10**P (given as exact floats), highest
    first, and the count of its digits up to the last non-zero one (0 for 0)."""
    _, trailing_zeros = _five_digit_tables()
    words = _words(precision)
    chunks: list[np.ndarray] = [np.empty(0, dtype=np.intp)] * words
    zeros = np.zeros(len(integers), dtype=np.int64)  # trailing zeros of the padded number
    still = np.ones(len(integers), dtype=bool)  # every lower chunk zero so far
    rest = integers.astype(np.intp)  # exact: below 10**P <= 10**12
    for word in range(words - 1, 0, -1):  # the lowest five digits first
        rest, chunk = np.divmod(rest, 10**_CHUNK_DIGITS)
        chunks[word] = chunk
        zeros += np.where(still, trailing_zeros[chunk], 0)
        still &= chunk == 0
    chunks[0] = rest  # the highest chunk (below 10**5: P <= 5 * words)
    zeros += np.where(still, trailing_zeros[rest], 0)
    still &= rest == 0
    # the padding of the first chunk is zeros at the left, none of the trailing ones
    return chunks, np.where(still, 0, precision - zeros)


def _digit_matrix(chunks: list[np.ndarray]) -> np.ndarray:
    """The decimal digits (ASCII) of the chunks of :func:`_digit_chunks`, five in the first
    bytes of each 8-byte word, lowest word last (see :func:`_digit_bytes`)."""
    table, _ = _five_digit_tables()
    return np.stack([table[chunk] for chunk in chunks], axis=1)


def _words(precision: int) -> int:
    return -(-precision // _CHUNK_DIGITS)


def _digit_bytes(first: int, stop: int, precision: int) -> list[tuple[int, int]]:
    """The byte ranges, in a row of :func:`_digit_matrix`, of the digits [first, stop) of a
    number (digit 0 the most significant)."""
    padding = _words(precision) * _CHUNK_DIGITS - precision
    ranges: list[tuple[int, int]] = []
    digit = first
    while digit < stop:
        word, offset = divmod(digit + padding, _CHUNK_DIGITS)
        run = min(stop - digit, _CHUNK_DIGITS - offset)
        ranges.append((8 * word + offset, 8 * word + offset + run))
        digit += run
    return ranges


@cache
def _five_digit_tables() -> tuple[np.ndarray, np.ndarray]:
    """The five ASCII digits of 0..99,999, each in the first bytes of an 8-byte word, and
    their trailing zeros."""
    numbers = np.arange(10**_CHUNK_DIGITS)
    digits = np.zeros((len(numbers), 8), dtype=np.uint8)
    for position in range(_CHUNK_DIGITS):
        digits[:, _CHUNK_DIGITS - 1 - position] = numbers // 10**position % 10 + ord("0")
    zeros = np.zeros(len(numbers), dtype=np.int64)
    still = np.ones(len(numbers), dtype=bool)
    for position in range(_CHUNK_DIGITS - 1, -1, -1):
        still &= digits[:, position] == ord("0")
        zeros += still
    return digits.view(np.uint64).ravel(), zeros


def _key_span(precision: int) -> int:
    return 4 * _EXPONENTS * (precision + 1) * 2


class _Layout:
    """One layout of texts: kind (0 a regular number, 1 zero, 2 missing, 3 by ``%``), sign,
    exponent and count of significant digits."""

    __slots__ = ("exponent", "kind", "negative", "significant")

    def __init__(self, kind: int, exponent: int, significant: int, negative: bool) -> None:
        self.kind, self.exponent = kind, exponent
        self.significant, self.negative = significant, negative

    @classmethod
    def of(cls, key: int, precision: int) -> _Layout:
        negative, key = bool(key & 1), key >> 1
        significant, key = key % (precision + 1), key // (precision + 1)
        exponent, kind = key % _EXPONENTS + _MIN_EXPONENT, key // _EXPONENTS
        return cls(kind, exponent, significant, negative)


def _layout_block(layout: _Layout, digits: np.ndarray, precision: int) -> np.ndarray:
    """The texts of numbers of one layout, one row each (all of one width), from their
    digit rows: what ``%g`` prints, in fixed or exponent notation, without trailing zeros."""
    sources, constant_columns, constants = _layout_recipe(
        layout.exponent, layout.significant, layout.negative, precision)
    block = digits.take(sources, axis=1)  # every column gathered at once
    if len(constant_columns):
        block[:, constant_columns] = constants
    return block


@cache
def _layout_recipe(exponent: int, significant: int, negative: bool, precision: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How a layout's texts are cut from the digit rows: the digit row's byte each text column
    comes from, and the columns of constant bytes (sign, point, zeros, exponent) with them."""
    parts: list[bytes | tuple[int, int]] = [b"-"] if negative else []
    if exponent < -4 or exponent >= precision:  # d.ddd e+XX
        parts.append((0, 1))
        if significant > 1:
            parts += [b".", (1, significant)]
        parts.append(b"e%s%02d" % (b"-" if exponent < 0 else b"+", abs(exponent)))
    elif exponent >= 0:  # ddd.ddd
        whole = exponent + 1
        parts.append((0, whole))
        if significant > whole:
            parts += [b".", (whole, significant)]
    else:  # 0.000ddd
        parts += [b"0." + b"0" * (-exponent - 1), (0, significant)]
    sources: list[int] = []
    constant_columns: list[int] = []
    constants = b""
    for part in parts:
        if isinstance(part, bytes):
            constant_columns += range(len(sources), len(sources) + len(part))
            constants += part
            sources += [0] * len(part)
        else:
            for first, stop in _digit_bytes(part[0], part[1], precision):
                sources += range(first, stop)
    return (np.array(sources, dtype=np.intp), np.array(constant_columns, dtype=np.intp),
            np.frombuffer(constants, dtype=np.uint8))


def _inverse(order: np.ndarray) -> np.ndarray:
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.arange(len(order))
    return inverse
