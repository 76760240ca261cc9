"""Contribution analysis: which processes and which elementary flows make each score.

One bw2calc :class:`~bw2calc.MultiLCA` over named demands (a study's phases, as GPU-hours of its
operation processes, and the whole study); for each (demand, impact category) its characterised
inventory (flows x processes) is summed over flows (each process's own emissions and resources,
characterised) and over processes (each elementary flow, characterised). Every contribution
is returned, zeros left out; they sum to the score (bw2calc's own sum of the same matrix).
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from gpulca.engine.solve import node_ids
from gpulca.schemas.methods import MethodSet


@dataclass(frozen=True)
class Contribution:
    """One process's or one flow's share of a score."""

    demand: str
    """The name of the demand (e.g. a phase, or ``study``)."""
    impact: str
    kind: str
    """``process`` or ``flow``."""
    database: str
    code: str
    name: str
    where: str
    """A process's location; a flow's compartment (``air``, ``natural resource::in water``)."""
    score: float


def _nodes(ids: Sequence[int]) -> dict[int, tuple[str, str, str, str]]:
    """(database, code, name, location or categories) of node ids (one SQL query)."""
    from bw2data.backends import ActivityDataset as AD

    found: dict[int, tuple[str, str, str, str]] = {}
    query = AD.select(AD.id, AD.database, AD.code, AD.name, AD.location, AD.data)
    for node_id, database, code, name, location, data in query.where(AD.id.in_(list(ids))
                                                                     ).tuples():
        categories = (data or {}).get("categories") if isinstance(data, dict) else None
        where = "::".join(categories) if categories else (location or "")
        found[node_id] = (database, code, name or code, where)
    return found


def contributions(bd: ModuleType, bc: ModuleType, databases: Sequence[str],
                  demands: Mapping[str, Mapping[str, float]], methods: MethodSet
                  ) -> list[Contribution]:
    """Every non-zero process and flow contribution of every named demand (codes looked up in
    ``databases``, first match) to every impact category of ``methods``."""
    ids: dict[str, int] = {}
    for database in reversed(databases):
        ids.update(node_ids(database))
    functional_units = {name: {ids[code]: float(amount) for code, amount in demand.items()}
                        for name, demand in demands.items() if demand}
    if not functional_units:
        return []
    config = {"impact_categories": [c.method for c in methods.impact_categories]}
    with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
        warnings.simplefilter("ignore")
        data_objs = bd.get_multilca_data_objs(functional_units=functional_units,
                                              method_config=config)
        mlca = bc.MultiLCA(demands=functional_units, method_config=config, data_objs=data_objs)
        mlca.lci()
        mlca.lcia()
    activity = {column: node for node, column in mlca.dicts.activity.items()}
    biosphere = {row: node for node, row in mlca.dicts.biosphere.items()}
    by_method = {c.method: c.id for c in methods.impact_categories}
    out: list[Contribution] = []
    raw: list[tuple[str, str, str, int, float]] = []
    for (method, name), matrix in mlca.characterized_inventories.items():
        impact = by_method[tuple(method)]
        per_process = np.asarray(matrix.sum(axis=0)).ravel()
        per_flow = np.asarray(matrix.sum(axis=1)).ravel()
        for column in np.flatnonzero(per_process):
            raw.append((name, impact, "process", activity[int(column)],
                        float(per_process[column])))
        for row in np.flatnonzero(per_flow):
            raw.append((name, impact, "flow", biosphere[int(row)], float(per_flow[row])))
    needed = {node for *_, node, _ in raw}
    nodes = _nodes(sorted(needed))
    for name, impact, kind, node, score in raw:
        database, code, label, where = nodes.get(node, ("", str(node), str(node), ""))
        out.append(Contribution(name, impact, kind, database, code, label, where, score))
    return out

