"""Score many demand vectors from one bw2calc solve: the unit scores of the demanded processes.

LCA is linear in the demand. For impact category ``m`` the score of a demand vector ``d`` is
``h_m(d) = c_m^T B A^-1 d = sum_i d_i s_mi``, where ``s_mi = h_m(e_i)`` is the score of one unit
of process ``i``. A siting variant changes only the demand vector (which zone's electricity, how
many kWh, litres of cooling water and amortised GPUs), never the technosphere, biosphere or
characterisation matrices. So gpulca solves once, with bw2calc's :class:`~bw2calc.MultiLCA`, for
a unit demand of every process that any variant demands (one matrix build, one factorisation of
the technosphere, one right-hand side per process), and then scores every variant, phase and
life-cycle stage by one matrix product. ``bench/bench_siting.py`` checks the result against a
fresh bw2calc calculation per variant (equal to 1e-9 relative) and measures the speed-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from gpulca.core.errors import GpulcaError
from gpulca.engine.solve import Scores, multilca_scores, node_ids
from gpulca.schemas.methods import MethodSet


@dataclass(frozen=True)
class UnitScores:
    """Score of one unit of each process (columns) for each impact category (rows)."""

    codes: tuple[str, ...]
    impacts: tuple[str, ...]
    matrix: np.ndarray
    """``len(impacts) x len(codes)``; row ``m``, column ``i``: impact ``m`` of 1 unit of ``i``."""

    def demand_matrix(self, demands: Iterable[Mapping[str, float]]) -> np.ndarray:
        """Demand vectors (``{process code: amount}``) as rows over :attr:`codes`."""
        index = {code: i for i, code in enumerate(self.codes)}
        rows = list(demands)
        matrix = np.zeros((len(rows), len(self.codes)))
        for r, demand in enumerate(rows):
            for code, amount in demand.items():
                if code not in index:
                    raise GpulcaError(f"process {code!r} has no unit score; add it to the "
                                      "codes solved for")
                matrix[r, index[code]] += amount
        return matrix

    def solve(self, demands: Mapping[str, Mapping[str, float]]) -> Scores:
        """Scores of named demand vectors, keyed like :func:`gpulca.engine.solve.solve`."""
        names = list(demands)
        totals = self.demand_matrix(demands[n] for n in names) @ self.matrix.T
        return {(impact, name): float(totals[r, m]) for r, name in enumerate(names)
                for m, impact in enumerate(self.impacts)}


def unit_scores(bd: ModuleType, bc: ModuleType, database: str, codes: Iterable[str],
                methods: MethodSet) -> UnitScores:
    """Solve once for one unit of every process in ``codes`` of ``database`` (bw2calc MultiLCA)."""
    ids = node_ids(database)
    ordered = tuple(sorted(set(codes)))
    missing = [code for code in ordered if code not in ids]
    if missing:
        raise GpulcaError(f"processes not in database {database}: {missing[:5]}")
    impacts = tuple(c.id for c in methods.impact_categories)
    matrix = np.zeros((len(impacts), len(ordered)))
    if not ordered:
        return UnitScores(ordered, impacts, matrix)
    functional_units = {code: {ids[code]: 1.0} for code in ordered}
    row = {c.method: m for m, c in enumerate(methods.impact_categories)}
    column = {code: i for i, code in enumerate(ordered)}
    for (method, code), score in multilca_scores(bd, bc, functional_units, methods).items():
        matrix[row[tuple(method)], column[code]] = float(score)
    return UnitScores(ordered, impacts, matrix)
