"""Monte Carlo on Brightway's own matrices: every uncertain technosphere, biosphere and
characterisation element, sampled in columns, scored for many iterations at once.

bw2calc's Monte Carlo (``LCA(..., use_distributions=True)`` then ``next()``) redraws every matrix
element, rebuilds the matrices and solves, once per iteration. gpulca reads the same matrices and
the same stats_arrays uncertainty arrays from the same bw2calc :class:`~bw2calc.MultiLCA`
(:func:`matrix_model`), then:

- draws every uncertain element's values for all iterations at once
  (:mod:`gpulca.core.sampling`; one column of uniform quantiles per element);
- when no technosphere element is uncertain (gpulca's library today), factorises the technosphere
  once: ``S = A^-1`` restricted to the demanded processes' columns; the unit score of process
  ``j`` for impact ``m`` in iteration ``i`` is then
  ``U[i, m, j] = sum_k c[i, m, row_k] * b[i, k] * S[col_k, j]`` over the biosphere elements ``k``,
  one dense product per chunk of iterations;
- otherwise factorises the sampled technosphere once per iteration (scipy's sparse LU);
- and scores the demand vectors of every iteration:
  ``score[i, m, f] = sum_j U[i, m, j] D[i, j, f]``.

Elements are summed into matrix cells exactly as matrix_utils sums them (duplicates add up;
``flip`` negates technosphere inputs). ``tests/engine/test_montecarlo.py`` checks means and
percentiles against bw2calc's own Monte Carlo on a small model.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from gpulca.core.errors import GpulcaError
from gpulca.core.sampling import FIXED_KINDS, Distributions, values_from_quantiles
from gpulca.engine.solve import node_ids
from gpulca.schemas.methods import MethodSet

CHUNK = 500
"""Iterations scored per dense product (bounds memory: chunk x impacts x elements floats)."""


@dataclass(frozen=True)
class Elements:
    """The input elements of one matrix, in matrix_utils' order: cell, static value (flip and
    rescale applied) and, for the uncertain ones, their distributions."""

    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    sign: np.ndarray
    """-1 where matrix_utils flips the element, else 1 (times any rescale factor)."""
    uncertain: np.ndarray
    """Positions (into rows/cols/values) of the elements with a sampled distribution."""
    distributions: Distributions
    """Distributions of the uncertain elements, in the datapackage's (unflipped) sign."""
    labels: tuple[str, ...]
    """Of the uncertain elements: ``matrix: input -> output``."""
    raw_rows: np.ndarray
    """Brightway node id of each element's input (row) and output (column)."""
    raw_cols: np.ndarray


@dataclass(frozen=True)
class MatrixModel:
    """The technosphere, biosphere and characterisation elements of a gpulca database with the
    methods of a study, and the columns of the processes a study demands."""

    size: int
    """Number of technosphere rows and columns."""
    flows: int
    """Number of biosphere rows."""
    technosphere: Elements
    biosphere: Elements
    characterisation: tuple[Elements, ...]
    """One per impact category, in the methods' order (rows: biosphere rows; cols unused)."""
    impacts: tuple[str, ...]
    codes: tuple[str, ...]
    """Demanded process codes, the columns of :attr:`demanded`."""
    demanded: np.ndarray
    """Technosphere column of each of :attr:`codes`."""
    exchange_positions: tuple[tuple[str, int] | None, ...] = ()
    """For each exchange asked of :func:`matrix_model`: its part and element position (None
    when the matrices have no such element)."""

    @property
    def parts(self) -> tuple[Elements, ...]:
        return (self.technosphere, self.biosphere, *self.characterisation)

    @property
    def input_count(self) -> int:
        """Number of uncertain elements (columns of the quantile matrix)."""
        return sum(len(p.uncertain) for p in self.parts)

    @property
    def input_labels(self) -> tuple[str, ...]:
        return tuple(label for p in self.parts for label in p.labels)

    @property
    def fixed_count(self) -> int:
        return sum(len(p.values) - len(p.uncertain) for p in self.parts)

    def scores(self, quantiles: np.ndarray, demands: np.ndarray,
               amounts: Adjustments | None = None) -> np.ndarray:
        """Scores ``iterations x impacts x functional units`` of ``demands`` (iterations x
        codes x functional units, or codes x functional units for fixed demands) with the matrix
        elements drawn at ``quantiles`` (iterations x :attr:`input_count`) and, in ``amounts``,
        the sampled amounts of exchanges computed elsewhere (library formulas)."""
        iterations = quantiles.shape[0]
        if quantiles.shape[1] != self.input_count:
            raise GpulcaError(f"expected {self.input_count} quantile columns, got "
                              f"{quantiles.shape[1]}")
        out = np.empty((iterations, len(self.impacts), demands.shape[-1]))
        for start in range(0, iterations, CHUNK):
            stop = min(start + CHUNK, iterations)
            chunk_amounts = None if amounts is None else {
                key: (positions, values[start:stop]) for key, (positions, values)
                in amounts.items()}
            units = self.unit_scores(quantiles[start:stop], chunk_amounts)
            chunk = demands if demands.ndim == 2 else demands[start:stop]
            if chunk.ndim == 2:
                out[start:stop] = units @ chunk
            else:
                out[start:stop] = np.einsum("imj,ijf->imf", units, chunk)
        return out

    def reachable(self, positions: Sequence[tuple[str, int] | None]) -> list[bool]:
        """Whether each element (part, position) is in the supply chain of a demanded process
        (its column has a non-zero supply), i.e. can change a score."""
        from scipy.sparse import csc_matrix
        from scipy.sparse.linalg import splu

        t = self.technosphere
        rhs = np.zeros((self.size, len(self.codes)))
        rhs[self.demanded, np.arange(len(self.codes))] = 1.0
        supply = splu(csc_matrix((t.values, (t.rows, t.cols)),
                                 shape=(self.size, self.size))).solve(rhs)
        active = np.any(supply != 0, axis=1)
        parts = {"technosphere": self.technosphere, "biosphere": self.biosphere}
        return [where is not None and bool(active[parts[where[0]].cols[where[1]]])
                for where in positions]

    def _split(self, quantiles: np.ndarray) -> list[np.ndarray]:
        bounds = np.cumsum([0, *(len(p.uncertain) for p in self.parts)])
        return [quantiles[:, bounds[i]:bounds[i + 1]] for i in range(len(self.parts))]

    def unit_scores(self, quantiles: np.ndarray, amounts: Adjustments | None = None
                    ) -> np.ndarray:
        """Scores ``iterations x impacts x codes`` of one unit of each demanded process."""
        parts = self._split(quantiles)
        amounts = amounts or {}
        tech = _drawn(self.technosphere, parts[0], amounts.get("technosphere"))
        bio = _drawn(self.biosphere, parts[1], amounts.get("biosphere"))
        iterations = quantiles.shape[0]
        factors = np.zeros((iterations, len(self.impacts), self.flows))
        for m, (elements, q) in enumerate(zip(self.characterisation, parts[2:], strict=True)):
            factors[:, m, :] += _scatter(_drawn(elements, q), elements.rows, self.flows)
        bio_drawn = bio if bio.ndim == 2 else bio[None, :]
        weights = factors[:, :, self.biosphere.rows] * bio_drawn[:, None, :]
        base, update = self._supply(tech)
        result: np.ndarray = weights @ base[self.biosphere.cols]
        if update is not None:  # sampled technosphere cells: Woodbury's low-rank correction
            left, correction = update
            result -= (weights @ left[self.biosphere.cols]) @ correction
        return result

    def _supply(self, tech: np.ndarray
                ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
        """``A0^-1`` restricted to the demanded columns (``size x codes``) and, when the
        technosphere is sampled, Woodbury's correction: ``A_i^-1 E = A0^-1 E - L C_i`` with
        ``L`` (``size x k``) and ``C_i`` (``iterations x k x codes``)."""
        from scipy.sparse import csc_matrix
        from scipy.sparse.linalg import splu

        t = self.technosphere
        static = csc_matrix((t.values, (t.rows, t.cols)), shape=(self.size, self.size))
        lu = splu(static)
        rhs = np.zeros((self.size, len(self.codes)))
        rhs[self.demanded, np.arange(len(self.codes))] = 1.0
        base: np.ndarray = lu.solve(rhs)
        if tech.ndim == 1:
            return base, None
        # The sampled matrix differs from the static one in k cells only: Woodbury's identity
        # A^-1 = A0^-1 - A0^-1 U (I + D V^T A0^-1 U)^-1 D V^T A0^-1, with U, V the cells' rows
        # and columns and D the iterations' differences; exact, one k x k solve per iteration.
        changed = np.flatnonzero(np.any(tech != t.values[None, :], axis=0))
        cells = sorted({(int(t.rows[k]), int(t.cols[k])) for k in changed})
        if not cells:
            return base, None
        index = {cell: c for c, cell in enumerate(cells)}
        delta = np.zeros((tech.shape[0], len(cells)))
        for k in changed.tolist():
            delta[:, index[(int(t.rows[k]), int(t.cols[k]))]] += tech[:, k] - t.values[k]
        unit = np.zeros((self.size, len(cells)))
        unit[[r for r, _ in cells], np.arange(len(cells))] = 1.0
        left: np.ndarray = lu.solve(unit)                       # A0^-1 U: size x k
        columns = [c for _, c in cells]
        inner = left[columns]                                   # V^T A0^-1 U: k x k
        right = base[columns]                                   # V^T A0^-1 E: k x codes
        system = np.eye(len(cells))[None] + delta[:, :, None] * inner[None]
        correction: np.ndarray = np.linalg.solve(system, delta[:, :, None] * right[None])
        return base, (left, correction)


Adjustments = dict[str, tuple[np.ndarray, np.ndarray]]
"""By part (``technosphere``, ``biosphere``): element positions and their amounts
(``iterations x positions``, signed like the datapackage: before ``flip``)."""


def _scatter(values: np.ndarray, rows: np.ndarray, size: int) -> np.ndarray:
    """Sum element ``values`` (``elements`` or ``iterations x elements``) into ``size`` cells."""
    flat = np.atleast_2d(values)
    out = np.zeros((flat.shape[0], size))
    for k, row in enumerate(rows.tolist()):
        out[:, row] += flat[:, k]
    return out


def _drawn(elements: Elements, quantiles: np.ndarray,
           amounts: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Element values: ``elements`` (static) when none is uncertain, else ``iterations x
    elements`` with the uncertain ones drawn at ``quantiles`` and the ``amounts`` set."""
    if not len(elements.uncertain) and amounts is None:
        return elements.values
    values = np.repeat(elements.values[None, :], quantiles.shape[0], axis=0)
    if len(elements.uncertain):
        values[:, elements.uncertain] = values_from_quantiles(
            quantiles, elements.distributions) * elements.sign[elements.uncertain]
    if amounts is not None:
        positions, sampled = amounts
        values[:, positions] = sampled * elements.sign[positions]
    return values


def _elements(mm: Any, labels: Mapping[int, str], name: str, diagonal: bool = False
              ) -> Elements:
    """The elements of a matrix_utils MappedMatrix built with ``use_distributions=True``."""
    indices = mm.input_row_col_indices()
    raw = mm.input_raw_indices()
    groups = [g for g in mm.groups if not g.empty]
    static = np.hstack([g.apply_masks(g.get_resource_by_suffix("data")) for g in groups]) \
        if groups else np.array([])
    sign = np.where(mm.input_flip_vector(), -1.0, 1.0) * mm.input_rescale_vector()
    uncertainty = mm.input_uncertainties()
    kinds = uncertainty["uncertainty_type"].astype(np.int64)
    if set(np.unique(kinds).tolist()) - {0, 1, 2, 3, 4, 5}:
        bad = sorted(set(np.unique(kinds).tolist()) - {0, 1, 2, 3, 4, 5})
        raise GpulcaError(f"{name}: distributions {bad} are not sampled by gpulca (it samples "
                          "lognormal, normal, uniform and triangular)")
    uncertain = np.flatnonzero(~np.isin(kinds, FIXED_KINDS))
    u = uncertainty[uncertain]
    distributions = Distributions(kinds[uncertain], u["loc"].astype(float),
                                  u["scale"].astype(float), u["minimum"].astype(float),
                                  u["maximum"].astype(float), u["negative"].astype(bool))

    def label(k: int) -> str:
        source = labels.get(int(raw["row"][k]), str(raw["row"][k]))
        if diagonal:
            return f"{name}: {source}"
        return f"{name}: {source} -> {labels.get(int(raw['col'][k]), str(raw['col'][k]))}"

    return Elements(indices["row"].astype(np.int64), indices["col"].astype(np.int64),
                    static.astype(float) * sign, sign, uncertain, distributions,
                    tuple(label(int(k)) for k in uncertain), raw["row"].astype(np.int64),
                    raw["col"].astype(np.int64))


ExchangeKey = tuple[str, str, str, float]
"""(``technosphere`` or ``biosphere``, input code, consuming process code, amount as written to
the database) of one exchange of a gpulca database."""


def _positions(bd: ModuleType, database: str, ids: Mapping[str, int],
               technosphere: Elements, biosphere: Elements,
               exchanges: Sequence[ExchangeKey]) -> tuple[tuple[str, int] | None, ...]:
    from gpulca.engine.project import BIOSPHERE

    flows = node_ids(BIOSPHERE) if any(k == "biosphere" for k, *_ in exchanges) else {}
    taken: set[tuple[str, int]] = set()
    out: list[tuple[str, int] | None] = []
    for kind, target, process, amount in exchanges:
        part = biosphere if kind == "biosphere" else technosphere
        source = (flows if kind == "biosphere" else ids).get(target)
        column = ids.get(process)
        candidates = [int(k) for k in np.flatnonzero((part.raw_rows == source)
                                                      & (part.raw_cols == column))
                      if (kind, int(k)) not in taken] if source and column else []
        if not candidates:
            out.append(None)
            continue
        best = min(candidates, key=lambda k: abs(part.values[k] - amount * part.sign[k]))
        taken.add((kind, best))
        out.append((kind, best))
    return tuple(out)


def matrix_model(bd: ModuleType, bc: ModuleType, database: str, codes: Sequence[str],
                 methods: MethodSet, exchanges: Sequence[ExchangeKey] = ()) -> MatrixModel:
    """Read the elements and uncertainty arrays of every matrix bw2calc builds for one unit of
    each process in ``codes`` of ``database``, with every impact category of ``methods``; and
    find the elements of ``exchanges``."""
    ids = node_ids(database)
    ordered = tuple(sorted(set(codes)))
    missing = [code for code in ordered if code not in ids]
    if missing:
        raise GpulcaError(f"processes not in database {database}: {missing[:5]}")
    functional_units = {code: {ids[code]: 1.0} for code in ordered}
    config = {"impact_categories": [c.method for c in methods.impact_categories]}
    with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
        warnings.simplefilter("ignore")
        data_objs = bd.get_multilca_data_objs(functional_units=functional_units,
                                              method_config=config)
        mlca = bc.MultiLCA(demands=functional_units, method_config=config, data_objs=data_objs,
                           use_distributions=True, seed_override=0)
        mlca.lci()
        mlca.lcia()
    names = _node_labels(bd, mlca)
    technosphere = _elements(mlca.technosphere_mm, names, "technosphere")
    biosphere = _elements(mlca.biosphere_mm, names, "biosphere")
    characterisation = tuple(
        _elements(mlca.characterization_mm_dict[c.method], names, f"factor[{c.id}]",
                  diagonal=True)
        for c in methods.impact_categories)
    columns = mlca.dicts.activity
    return MatrixModel(
        size=mlca.technosphere_matrix.shape[0], flows=mlca.biosphere_matrix.shape[0],
        technosphere=technosphere, biosphere=biosphere, characterisation=characterisation,
        impacts=tuple(c.id for c in methods.impact_categories), codes=ordered,
        demanded=np.array([columns[ids[code]] for code in ordered], dtype=np.int64),
        exchange_positions=_positions(bd, database, ids, technosphere, biosphere, exchanges))


def _node_labels(bd: ModuleType, mlca: Any) -> dict[int, str]:
    """Readable names of the nodes that have an uncertain element (one query per node)."""
    wanted: set[int] = set()
    for mm in (mlca.technosphere_mm, mlca.biosphere_mm, *mlca.characterization_mm_dict.values()):
        kinds = mm.input_uncertainties()["uncertainty_type"]
        raw = mm.input_raw_indices()[~np.isin(kinds, FIXED_KINDS)]
        wanted.update(int(x) for x in raw["row"])
        wanted.update(int(x) for x in raw["col"])
    labels: dict[int, str] = {}
    for node_id in sorted(wanted):
        with contextlib.suppress(Exception):
            node = bd.get_node(id=node_id)
            labels[node_id] = str(node.get("code") if node.get("database", "").startswith(
                "gpulca-inventory") else node.get("name"))
    return labels
