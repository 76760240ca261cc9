"""Write a resolved inventory library into a Brightway database of a gpulca project.

The database is named after the library's content hash, so an unchanged library is reused
(warm runs write nothing) and a changed one gets a fresh database. A database is marked complete
only after its single-transaction write succeeded; an incomplete one is deleted and rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import sys
from collections.abc import Iterable, Iterator, Mapping
from types import ModuleType
from typing import Any

from gpulca.core.errors import InputError, Problem
from gpulca.engine.project import BIOSPHERE, BUILT_BY_GPULCA, check_project_name
from gpulca.engine.regional import add_regional_water, ensure_regional_water
from gpulca.library.inventory import ResolvedExchange, ResolvedLibrary, unit_factor
from gpulca.library.water import layout_hash
from gpulca.schemas.inventory import ExternalProcessRef

INVENTORY_PREFIX = "gpulca-inventory-"
OPERATION_PREFIX = "gpulca-operation-"
"""Databases of a study's operation processes (one GPU-hour of an accelerator at a site), which
link to an inventory database: see :mod:`gpulca.model.operation`."""
BUILD_FORMAT = 2
"""Bump when the written layout changes, so existing databases are rebuilt.
2: located water twins and located cooling copies (:mod:`gpulca.library.water`)."""
KEEP_DATABASES = 6
"""How many gpulca-built inventory databases a project keeps (oldest are deleted)."""


def database_name(resolved: ResolvedLibrary) -> str:
    """Name of the Brightway database holding this library (content-addressed: the library and
    the regional water layout it is written with)."""
    key = hashlib.sha256((resolved.library.content_hash + layout_hash()).encode()).hexdigest()
    return f"{INVENTORY_PREFIX}{key[:12]}-v{BUILD_FORMAT}"


def _uncertainty_fields(exchange: ResolvedExchange) -> dict[str, Any]:
    if exchange.spec.uncertainty is None:
        return {}
    return exchange.spec.uncertainty.scaled(unit_factor(exchange)).to_stats_arrays(
        exchange.amount)


def _provenance(spec: Any) -> dict[str, Any]:
    fields = {"source": spec.source, "assumption": spec.assumption, "quality": spec.quality,
              "comment": spec.comment, "stand_in": getattr(spec, "stand_in", None)}
    return {f"gpulca_{k}" if k != "comment" else k: v for k, v in fields.items() if v}


def _exchange_data(name: str, exchange: ResolvedExchange,
                   external: dict[ExternalProcessRef, tuple[str, str]]) -> dict[str, Any]:
    if exchange.kind == "biosphere":
        key: tuple[str, str] = (BIOSPHERE, str(exchange.target))
    elif isinstance(exchange.target, ExternalProcessRef):
        key = external[exchange.target]
    else:
        key = (name, str(exchange.target))
    data: dict[str, Any] = {"input": key, "amount": exchange.amount, "type": exchange.kind,
                            "unit": exchange.unit, **_uncertainty_fields(exchange),
                            **_provenance(exchange.spec)}
    if exchange.formula:
        data["gpulca_formula"] = exchange.formula  # for audit; amounts are already evaluated
    return data


def brightway_data(name: str, resolved: ResolvedLibrary,
                   external: dict[ExternalProcessRef, tuple[str, str]] | None = None
                   ) -> dict[tuple[str, str], dict[str, Any]]:
    """The bw2data ``Database.write`` payload of a resolved library (pure)."""
    external = external or {}
    data: dict[tuple[str, str], dict[str, Any]] = {}
    for code, located in resolved.library.processes.items():
        process = located.item
        exchanges = [{"input": (name, code), "amount": 1.0, "type": "production",
                      "unit": process.unit}]
        exchanges += [_exchange_data(name, e, external) for e in resolved.exchanges[code]]
        data[(name, code)] = {
            "name": process.name, "unit": process.unit, "location": process.location,
            "reference product": process.reference_product, "type": "process",
            "exchanges": exchanges, "gpulca_stage": process.stage,
            "gpulca_file": located.lines.file, **_provenance(process),
        }
    return add_regional_water(data, name, resolved)


def resolve_external(bd: ModuleType, resolved: ResolvedLibrary
                     ) -> dict[ExternalProcessRef, tuple[str, str]]:
    """Find every external technosphere reference in the project's databases."""
    found: dict[ExternalProcessRef, tuple[str, str]] = {}
    problems = []
    for located in resolved.library.processes.values():
        for index, exchange in enumerate(located.item.exchanges):
            ref = exchange.technosphere
            if not isinstance(ref, ExternalProcessRef) or ref in found:
                continue
            key = _find_external(bd, ref)
            if key is None:
                problems.append(located.problem(
                    ("exchanges", index, "technosphere"),
                    f"no such process in database {ref.database!r} of this project "
                    f"(databases: {', '.join(sorted(bd.databases)) or 'none'})",
                    ref.code or ref.name))
            else:
                found[ref] = key
    if problems:
        raise InputError(problems)
    return found


def _find_external(bd: ModuleType, ref: ExternalProcessRef) -> tuple[str, str] | None:
    if ref.database not in bd.databases:
        return None
    if ref.code:
        try:
            node = bd.get_node(database=ref.database, code=ref.code)
        except Exception:  # bw2data raises its own UnknownObject / MultipleResults
            return None
        return (node["database"], node["code"])
    filters = {"name": ref.name}
    if ref.location:
        filters["location"] = ref.location
    if ref.reference_product:
        filters["reference product"] = ref.reference_product
    matches = [n for n in bd.Database(ref.database)
               if all(n.get(k) == v for k, v in filters.items())]
    return (matches[0]["database"], matches[0]["code"]) if len(matches) == 1 else None


def _prune(bd: ModuleType, keep: str, prefix: str = INVENTORY_PREFIX) -> None:
    built = [(meta.get("gpulca_built_at", ""), name) for name, meta in bd.databases.items()
             if name.startswith(prefix) and meta.get(BUILT_BY_GPULCA) and name != keep]
    with contextlib.redirect_stdout(sys.stderr):  # bw2data reports deletions on stdout
        for _, name in sorted(built)[: max(len(built) - (KEEP_DATABASES - 1), 0)]:
            delete_database(bd, name)


def delete_database(bd: ModuleType, name: str) -> None:
    """Delete a gpulca database and the operation databases linked to it: theirs point at the
    deleted database's node ids, so a later run that re-created it and reused them would solve
    a matrix with dangling exchanges (NonsquareTechnosphere)."""
    if name in bd.databases:
        del bd.databases[name]
    for other in [o for o, meta in bd.databases.items()
                  if meta.get(BUILT_BY_GPULCA) and meta.get("gpulca_inventory") == name]:
        del bd.databases[other]


@contextlib.contextmanager
def _quiet_geocollections() -> Iterator[None]:
    """Hide bw2data's "not ready for regionalization" warning during gpulca's own writes.

    It concerns bw2regional's geocollections, which gpulca does not use: zone ids such as
    ``US-MIDA-PJM`` are not geocollection locations, and gpulca regionalises water through its own
    located flows (:mod:`gpulca.library.water`). Other warnings still show.
    """
    feedback = logging.getLogger("brightway-stdout-feedback")

    def not_geocollections(record: logging.LogRecord) -> bool:
        return "geocollections" not in record.getMessage()

    feedback.addFilter(not_geocollections)
    try:
        yield
    finally:
        feedback.removeFilter(not_geocollections)


def database_is_complete(bd: ModuleType, name: str) -> bool:
    """True when database ``name`` was fully written by gpulca."""
    meta = bd.databases.get(name) if name in bd.databases else None
    return bool(meta and meta.get("gpulca_complete"))


def ensure_database(bd: ModuleType, resolved: ResolvedLibrary) -> str:
    """Write the library into the current gpulca project unless already there; return its name."""
    check_project_name(bd.projects.current)
    ensure_regional_water(bd)  # the located water flows the database links to
    name = database_name(resolved)
    if database_is_complete(bd, name):
        return name
    external = resolve_external(bd, resolved)
    _write_complete(bd, name, {"gpulca_files": [str(f) for f in resolved.library.files]},
                    brightway_data(name, resolved, external))
    _prune(bd, name)
    return name


def _write_complete(bd: ModuleType, name: str, metadata: Mapping[str, Any],
                    data: Mapping[Any, Any]) -> None:
    """Write database ``name`` all or nothing: registered as gpulca's and incomplete, written,
    then marked complete; removed again if anything fails (another run never reuses half a
    database)."""
    import datetime

    with contextlib.redirect_stdout(sys.stderr):
        if name in bd.databases:
            del bd.databases[name]
        try:
            database = bd.Database(name)
            database.register(**{BUILT_BY_GPULCA: True, "gpulca_complete": False, **metadata,
                                 "gpulca_built_at": datetime.datetime.now(
                                     datetime.UTC).isoformat()})
            with _quiet_geocollections():
                database.write(data)
            bd.databases[name]["gpulca_complete"] = True
            bd.databases.flush()
        except BaseException:
            if name in bd.databases:
                del bd.databases[name]
            raise


def operation_database_name(inventory: str, processes: Mapping[str, Mapping[str, Any]]) -> str:
    """Name of the database of ``processes`` linked to ``inventory`` (content-addressed)."""
    text = json.dumps([inventory, sorted(processes.items())], sort_keys=True, default=str)
    return f"{OPERATION_PREFIX}{hashlib.sha256(text.encode()).hexdigest()[:12]}-v{BUILD_FORMAT}"


def operation_data(name: str, inventory: str, processes: Mapping[str, Mapping[str, Any]]
                   ) -> dict[tuple[str, str], dict[str, Any]]:
    """The ``Database.write`` payload of operation processes (pure): each exchange's ``input``
    (a library code) becomes a key of ``inventory``; a process of this database, of ``name``."""
    data: dict[tuple[str, str], dict[str, Any]] = {}
    for code, process in processes.items():
        activity = {k: v for k, v in process.items() if k != "exchanges"}
        exchanges: list[dict[str, Any]] = [{"input": (name, code), "amount": 1.0,
                                            "type": "production", "unit": process["unit"]}]
        for exchange in process["exchanges"]:
            target = exchange["input"]
            database = name if target in processes else inventory
            exchanges.append({**exchange, "input": (database, target), "type": "technosphere"})
        data[(name, code)] = {**activity, "type": "process", "exchanges": exchanges}
    return data


def check_operation_inputs(inventory: str, processes: Mapping[str, Mapping[str, Any]],
                           known: Iterable[str]) -> None:
    """Raise :class:`InputError` naming every process an operation process needs that the
    inventory database lacks (before anything is written)."""
    have = set(known) | set(processes)
    problems = [Problem(None, f"operation process {code}", "needs a process that is not in the "
                        f"inventory library ({inventory})", exchange["input"])
                for code, process in processes.items() for exchange in process["exchanges"]
                if exchange["input"] not in have]
    if problems:
        raise InputError(problems)


def ensure_operation_database(bd: ModuleType, inventory: str,
                              processes: Mapping[str, Mapping[str, Any]]) -> str:
    """Write a study's operation processes into their own database of the current gpulca
    project, linked to ``inventory``, unless already there; return its name."""
    from gpulca.engine.solve import node_ids

    check_project_name(bd.projects.current)
    name = operation_database_name(inventory, processes)
    # Its exchanges point at the inventory's node ids: an inventory database written again
    # (e.g. removed by a failed run, then rebuilt) has new ids, so the operation database
    # written against the old one is stale.
    inventory_built = bd.databases[inventory].get("gpulca_built_at", "")
    if database_is_complete(bd, name) and \
            bd.databases[name].get("gpulca_inventory_built_at") == inventory_built:
        return name
    check_operation_inputs(inventory, processes, node_ids(inventory))
    _write_complete(bd, name, {"gpulca_inventory": inventory,
                               "gpulca_inventory_built_at": inventory_built},
                    operation_data(name, inventory, processes))
    _prune(bd, name, OPERATION_PREFIX)
    return name
