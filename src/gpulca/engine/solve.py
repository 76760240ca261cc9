"""Solve demand vectors with bw2calc's MultiLCA: one matrix build, one factorisation, every
(functional unit x impact category) score."""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

from gpulca.core.errors import GpulcaError, InputError, Problem
from gpulca.schemas.methods import MethodSet

Scores = dict[tuple[str, str], float]
"""Score by (impact category id, functional unit name)."""


def node_ids(database: str) -> dict[str, int]:
    """Brightway node id of every process code of ``database`` (one SQL query)."""
    from bw2data.backends import ActivityDataset as AD

    query = AD.select(AD.id, AD.code).where(AD.database == database)
    return {code: node_id for node_id, code in query.tuples()}


def multilca_scores(bd: ModuleType, bc: ModuleType,
                    functional_units: Mapping[str, Mapping[int, float]], methods: MethodSet
                    ) -> dict[tuple[Any, str], float]:
    """One bw2calc MultiLCA (one matrix build, one factorisation) of named demands by node id;
    bw2calc's scores by (method, functional unit name)."""
    config = {"impact_categories": [c.method for c in methods.impact_categories]}
    with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
        warnings.simplefilter("ignore")  # empty-characterisation and solver notices
        data_objs = bd.get_multilca_data_objs(functional_units=functional_units,
                                              method_config=config)
        mlca = bc.MultiLCA(demands=functional_units, method_config=config, data_objs=data_objs)
        mlca.lci()
        mlca.lcia()
    scores: dict[tuple[Any, str], float] = mlca.scores  # a property that recomputes every sum:
    return scores                                       # read it once


def solve(bd: ModuleType, bc: ModuleType, database: str,
          demands: Mapping[str, Mapping[str, float]], methods: MethodSet,
          also: Sequence[str] = ()) -> Scores:
    """Score every named demand (``{process code: amount}``) with every impact category.

    Codes are looked up in ``database`` and then in the databases ``also`` (e.g. a study's
    operation processes). Empty demands score 0 without being sent to bw2calc (MultiLCA
    rejects them).
    """
    ids = node_ids(database)
    for other in also:
        ids.update(node_ids(other))
    functional_units = {
        name: {ids[code]: float(amount) for code, amount in demand.items()}
        for name, demand in demands.items() if demand
    }
    scores: Scores = {(c.id, name): 0.0 for c in methods.impact_categories for name in demands}
    if not functional_units:
        return scores
    by_method = {c.method: c.id for c in methods.impact_categories}
    solved = multilca_scores(bd, bc, functional_units, methods)
    for (method, name), score in solved.items():
        scores[(by_method[tuple(method)], name)] = float(score)
    expected = {(by_method[m], n) for m in by_method for n in functional_units}
    returned = {(by_method[tuple(m)], n) for m, n in solved}
    if expected - returned:
        raise GpulcaError(f"bw2calc returned no score for {sorted(expected - returned)[:3]}")
    return scores


def method_units(bd: ModuleType, methods: MethodSet) -> dict[str, str]:
    """Display unit per impact category: the file's, else the Brightway method's."""
    return {c.id: c.unit or bd.methods.get(c.method, {}).get("unit", "") for c in
            methods.impact_categories}


def method_metadata(bd: ModuleType, methods: MethodSet) -> dict[str, dict[str, Any]]:
    """What the project stores about each impact category's method, by impact id: ``unit``,
    ``num_cfs`` (number of characterisation factors) and ``filename`` (its source file)."""
    return {c.id: {key: value for key, value in dict(bd.methods.get(c.method, {})).items()
                   if key in ("unit", "num_cfs", "filename")}
            for c in methods.impact_categories}


def check_methods_installed(bd: ModuleType, methods: MethodSet, methods_file: str) -> None:
    """Raise :class:`InputError` naming every impact category whose method the project lacks."""
    missing = [c for c in methods.impact_categories if c.method not in bd.methods]
    if missing:
        raise InputError([Problem(methods_file, "impact_categories",
                                  "method not installed in the gpulca project",
                                  value=" | ".join(c.method)) for c in missing])
