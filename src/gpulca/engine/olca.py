"""Export a study's inventory as an openLCA JSON-LD package (olca-schema), from the same
Brightway databases as the Excel export (:mod:`gpulca.engine.export`).

Every Brightway process becomes an openLCA process with one product flow (its reference
product); technosphere exchanges name their provider; biosphere3 flows keep their UUIDs (the
ecoinvent elementary-flow ids, which openLCA's ecoinvent reference data share); gpulca's located
water flows become elementary flows of their own. Units, unit groups and flow properties are
referenced from openLCA's reference data (``olca_schema.units``), which every openLCA database
has, so the package holds flows and processes only.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from gpulca.core.errors import GpulcaError

UNIT_SYMBOLS = {
    "kilogram": "kg", "cubic meter": "m3", "standard cubic meter": "m3",
    "kilowatt hour": "kWh", "kilowatt": "Item(s)", "megajoule": "MJ", "square meter": "m2",
    "square centimeter": "cm2", "square millimeter": "mm2", "kilogram kilometer": "kg*km",
    "ton kilometer": "t*km", "unit": "Item(s)", "hour": "h", "liter": "l",
}
"""Brightway unit names -> openLCA reference unit symbols. openLCA's reference data have no
unit of power: a flow counted in kilowatts (of IT capacity) is counted in items, and its name
says "(1 item = 1 kilowatt)"."""
AS_ITEMS = {"kilowatt"}
PROCESS_TYPES = {"process", "processwithreferenceproduct"}
"""Brightway node types that are processes (bw2data 4 stores a process with its product as
``processwithreferenceproduct``)."""

NAMESPACE = uuid.UUID("6f1c1d5e-1d8e-4c57-9a8e-3b7c0d2f9a10")
"""gpulca's namespace for the deterministic ids of exported flows and processes."""


def _id(kind: str, key: tuple[str, str]) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key[0]}:{key[1]}"))


def _unit(o: Any, units: Any, name: str) -> tuple[Any, Any]:
    symbol = UNIT_SYMBOLS.get(name)
    unit = units.unit_ref(symbol) if symbol else None
    if unit is None:
        raise GpulcaError(f"no openLCA unit for the Brightway unit {name!r}")
    return unit, units.property_ref(symbol)


def _flow(o: Any, units: Any, node: Any, elementary: bool) -> Any:
    unit, prop = _unit(o, units, node["unit"])
    del unit
    key = (node["database"], node["code"])
    name = node["name"] if elementary else node.get("reference product") or node["name"]
    if node["unit"] in AS_ITEMS:
        name = f"{name} (1 item = 1 {node['unit']})"
    return o.Flow(
        id=node["code"] if node["database"] == "biosphere3" else _id("flow", key),
        name=name,
        flow_type=o.FlowType.ELEMENTARY_FLOW if elementary else o.FlowType.PRODUCT_FLOW,
        category="/".join(("Elementary flows", *node.get("categories", ()))) if elementary
        else f"gpulca/{node['database']}",
        flow_properties=[o.FlowPropertyFactor(flow_property=prop, conversion_factor=1.0,
                                              is_ref_flow_property=True)],
        description=node.get("comment"))


def _exchange(o: Any, units: Any, edge: Any, flows: dict[tuple[str, str], Any],
              processes: dict[tuple[str, str], str], number: int) -> Any:
    node = edge.input
    key = (node["database"], node["code"])
    unit, prop = _unit(o, units, node["unit"])
    kind = edge["type"]
    provider = processes.get(key) if kind == "technosphere" else None
    return o.Exchange(
        internal_id=number, amount=float(edge["amount"]), flow=flows[key].to_ref(), unit=unit,
        flow_property=prop, is_input=kind == "technosphere" or (
            kind == "biosphere" and "natural resource" in tuple(node.get("categories", ()))),
        is_quantitative_reference=kind == "production",
        default_provider=o.Ref(ref_type=o.RefType.Process, id=provider) if provider else None,
        description=edge.get("gpulca_source") or edge.get("gpulca_assumption"))


def olca_entities(bd: ModuleType, databases: Iterable[str]) -> tuple[list[Any], list[Any]]:
    """(flows, processes) of the Brightway ``databases`` as olca-schema objects."""
    import olca_schema as o
    import olca_schema.units as units

    nodes = [node for name in databases for node in bd.Database(name)]
    processes = {(n["database"], n["code"]): _id("process", (n["database"], n["code"]))
                 for n in nodes if n.get("type", "process") in PROCESS_TYPES}
    flows: dict[tuple[str, str], Any] = {}
    for node in nodes:
        key = (node["database"], node["code"])
        flows[key] = _flow(o, units, node, key not in processes)
    out: list[Any] = []
    for node in nodes:
        key = (node["database"], node["code"])
        if key not in processes:
            continue
        exchanges = []
        for number, edge in enumerate(node.exchanges(), start=1):
            input_key = (edge.input["database"], edge.input["code"])
            if input_key not in flows:
                flows[input_key] = _flow(o, units, edge.input, input_key not in processes)
            exchanges.append(_exchange(o, units, edge, flows, processes, number))
        out.append(o.Process(
            id=processes[key], name=node["name"], process_type=o.ProcessType.UNIT_PROCESS,
            category=f"gpulca/{node['database']}", exchanges=exchanges,
            last_internal_id=len(exchanges),
            description="; ".join(str(node[k]) for k in ("gpulca_source", "gpulca_assumption",
                                                          "location") if node.get(k))))
    return list(flows.values()), out


def write_olca_package(bd: ModuleType, databases: Iterable[str], path: Path) -> Path:
    """Write the databases as an openLCA JSON-LD zip at ``path``."""
    import olca_schema.zipio as zipio

    flows, processes = olca_entities(bd, databases)
    path.unlink(missing_ok=True)  # the writer appends to an existing zip
    with zipio.ZipWriter(str(path)) as writer:
        for entity in [*flows, *processes]:
            writer.write(entity)
    return path


def read_olca_package(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(flows by id, processes by id) read back from a JSON-LD zip."""
    import olca_schema as o
    import olca_schema.zipio as zipio

    with zipio.ZipReader(str(path)) as reader:
        flows = {f.id: f for f in reader.read_each(o.Flow)}
        processes = {p.id: p for p in reader.read_each(o.Process)}
    return flows, processes
