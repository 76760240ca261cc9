"""Random draws for Monte Carlo: seeded uniform quantiles and the stats_arrays distributions.

Every uncertain input of a Monte Carlo run is one column of a matrix of uniform quantiles
``u`` (iterations x inputs) drawn from one seeded numpy generator (:func:`uniform_quantiles`);
each column is turned into values by the inverse cumulative distribution of its distribution
(:func:`values_from_quantiles`). Drawing quantiles first gives three properties at once: a run is
reproducible byte for byte for a seed, variants of a comparison share the very same draws for an
input they share (common random numbers), and a Sobol design (whose points are quantiles in
``[0, 1]``) is evaluated by the same code.

Distributions follow stats_arrays' ids and fields (``loc``, ``scale``, ``minimum``, ``maximum``,
``negative``), the convention of Brightway's datapackages:

- 2 lognormal: ``exp(loc + scale * z)`` (negated when ``negative``), ``z`` standard normal
- 3 normal: ``loc + scale * z``
- 4 uniform: ``minimum + u * (maximum - minimum)``
- 5 triangular: mode ``loc`` on ``[minimum, maximum]``

Ids 0 (undefined) and 1 (no uncertainty) are fixed values. :class:`Sampled` lets a pure-Python
formula (the GPU-hour model) be evaluated once for every iteration (see its doc).

Layer: :mod:`gpulca.core` (numpy and scipy only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gpulca.core.errors import GpulcaError

FIXED_KINDS = (0, 1)
SAMPLED_KINDS = {2: "lognormal", 3: "normal", 4: "uniform", 5: "triangular"}
"""stats_arrays ids gpulca samples, by id."""
KIND_IDS = {name: kind for kind, name in SAMPLED_KINDS.items()}
_EDGE = 1e-12
"""Uniform quantiles are kept inside ``[_EDGE, 1 - _EDGE]`` (a normal's 0 or 1 quantile is
infinite)."""


def uniform_quantiles(iterations: int, inputs: int, seed: int) -> np.ndarray:
    """``iterations x inputs`` uniform quantiles from numpy's PCG64 generator seeded with
    ``seed``; the same arguments give the same bytes on every machine."""
    return quantile_rows(0, iterations, inputs, seed)


def quantile_rows(start: int, stop: int, inputs: int, seed: int) -> np.ndarray:
    """Rows ``start`` to ``stop`` of ``uniform_quantiles(n, inputs, seed)`` (any ``n >= stop``),
    drawn without the rows before: the generator jumps ahead by ``start x inputs`` draws
    (``PCG64.advance``; one 64-bit draw per quantile, row by row). A chunk of draws, wherever it
    runs, has the very bytes the single-process draws have at its rows."""
    bits = np.random.PCG64(seed)
    if start:
        bits.advance(start * inputs)
    generator = np.random.Generator(bits)
    drawn: np.ndarray = np.clip(generator.random((stop - start, inputs)), _EDGE, 1.0 - _EDGE)
    return drawn


@dataclass(frozen=True)
class Distributions:
    """Columnar distributions of ``n`` inputs in stats_arrays' fields (float arrays of length n;
    ``nan`` where a field does not apply)."""

    kind: np.ndarray
    loc: np.ndarray
    scale: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray
    negative: np.ndarray

    def __len__(self) -> int:
        return len(self.kind)

    @staticmethod
    def from_records(records: list[dict[str, Any]]) -> Distributions:
        """From stats_arrays-style dicts (``uncertainty type``, ``loc``, ``scale``...)."""
        def field(name: str) -> np.ndarray:
            return np.array([np.nan if r.get(name) is None else float(r[name])
                             for r in records], dtype=float)
        return Distributions(
            np.array([int(r.get("uncertainty type", 0) or 0) for r in records], dtype=np.int64),
            field("loc"), field("scale"), field("minimum"), field("maximum"),
            np.array([bool(r.get("negative", False)) for r in records], dtype=bool))


def _ndtri(u: np.ndarray) -> np.ndarray:
    from scipy.special import ndtri  # scipy comes with bw2calc; imported on use only

    result: np.ndarray = ndtri(u)
    return result


def values_from_quantiles(quantiles: np.ndarray, distributions: Distributions) -> np.ndarray:
    """Values (same shape as ``quantiles``: iterations x inputs) of each input's distribution at
    the given uniform quantiles (inverse cumulative distribution, column by column)."""
    d = distributions
    out = np.empty_like(quantiles, dtype=float)
    unknown = sorted(set(d.kind.tolist()) - set(SAMPLED_KINDS) - set(FIXED_KINDS))
    if unknown:
        raise GpulcaError(f"unsupported stats_arrays distribution id(s) {unknown}: gpulca "
                          "samples lognormal (2), normal (3), uniform (4), triangular (5)")
    samplers: dict[int, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
        2: lambda u, c: np.where(d.negative[c], -1.0, 1.0) * np.exp(
            d.loc[c] + d.scale[c] * _ndtri(u)),
        3: lambda u, c: d.loc[c] + d.scale[c] * _ndtri(u),
        4: lambda u, c: d.minimum[c] + u * (d.maximum[c] - d.minimum[c]),
        5: lambda u, c: _triangular(u, d.minimum[c], d.loc[c], d.maximum[c]),
    }
    for kind in (*FIXED_KINDS, *SAMPLED_KINDS):
        columns = np.flatnonzero(d.kind == kind)
        if not len(columns):
            continue
        if kind in FIXED_KINDS:
            out[:, columns] = d.loc[columns]
        else:
            out[:, columns] = samplers[kind](quantiles[:, columns], columns)
    return out


def _triangular(u: np.ndarray, low: np.ndarray, mode: np.ndarray, high: np.ndarray
                ) -> np.ndarray:
    width = high - low
    split = np.divide(mode - low, width, out=np.zeros_like(width), where=width > 0)
    left = low + np.sqrt(u * width * (mode - low))
    right = high - np.sqrt((1.0 - u) * width * (high - mode))
    result: np.ndarray = np.where(u < split, left, right)
    return result


class Sampled:
    """One value per Monte Carlo iteration, usable where a pure-Python formula expects a float.

    Arithmetic (``+ - * / **``, negation, ``abs``) is element-wise. A comparison or an equality
    test returns a plain bool only when it holds the same way for every iteration (so
    ``if amount != 0.0`` and ``max(x, 0.0)`` give the element-wise answer) and raises
    :class:`SampledBranch` otherwise, as do ``bool()`` and ``float()``: a formula that branches
    on a sampled value differently per iteration cannot be evaluated this way, and the caller
    falls back to one evaluation per iteration. Nothing is ever silently approximated.
    """

    __slots__ = ("values",)
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=float)

    @staticmethod
    def _of(other: object) -> Any:
        if isinstance(other, Sampled):
            return other.values
        if isinstance(other, int | float):
            return other
        raise SampledBranch(f"cannot combine a sampled value with {type(other).__name__}")

    def __add__(self, other: object) -> Sampled:
        return Sampled(self.values + self._of(other))

    __radd__ = __add__

    def __sub__(self, other: object) -> Sampled:
        return Sampled(self.values - self._of(other))

    def __rsub__(self, other: object) -> Sampled:
        return Sampled(self._of(other) - self.values)

    def __mul__(self, other: object) -> Sampled:
        return Sampled(self.values * self._of(other))

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Sampled:
        return Sampled(self.values / self._of(other))

    def __rtruediv__(self, other: object) -> Sampled:
        return Sampled(self._of(other) / self.values)

    def __pow__(self, other: object) -> Sampled:
        return Sampled(self.values ** self._of(other))

    def __neg__(self) -> Sampled:
        return Sampled(-self.values)

    def __pos__(self) -> Sampled:
        return self

    def __abs__(self) -> Sampled:
        return Sampled(np.abs(self.values))

    def _uniform(self, result: np.ndarray) -> bool:
        if result.all():
            return True
        if not result.any():
            return False
        raise SampledBranch("a comparison of a sampled value differs between iterations")

    def __eq__(self, other: object) -> bool:
        return self._uniform(np.asarray(self.values == self._of(other)))

    def __ne__(self, other: object) -> bool:
        return self._uniform(np.asarray(self.values != self._of(other)))

    def __lt__(self, other: object) -> bool:
        return self._uniform(np.asarray(self.values < self._of(other)))

    def __le__(self, other: object) -> bool:
        return self._uniform(np.asarray(self.values <= self._of(other)))

    def __gt__(self, other: object) -> bool:
        return self._uniform(np.asarray(self.values > self._of(other)))

    def __ge__(self, other: object) -> bool:
        return self._uniform(np.asarray(self.values >= self._of(other)))

    def __bool__(self) -> bool:
        raise SampledBranch("the truth of a sampled value is asked")

    def __float__(self) -> float:
        raise SampledBranch("a sampled value is converted to one float")


class SampledBranch(GpulcaError):
    """A formula branched on a sampled value (see :class:`Sampled`)."""


def as_array(value: object, iterations: int) -> np.ndarray:
    """A float or a :class:`Sampled` as an array of ``iterations`` values."""
    if isinstance(value, Sampled):
        return np.broadcast_to(value.values, (iterations,))
    return np.full(iterations, float(value))  # type: ignore[arg-type]
