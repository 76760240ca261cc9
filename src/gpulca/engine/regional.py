"""gpulca's regional water in Brightway: located water flows, located twins of every
Water-to-air exchange, located copies of the cooling processes, and the regional AWARE 2.0 method.

The regions, the zone mapping and which copies exist are the library's
(:mod:`gpulca.library.water`); this module writes them.
"""

from __future__ import annotations

import contextlib
import copy
import sys
from collections.abc import Iterable
from types import ModuleType
from typing import Any

from gpulca.engine.bundled import REGIONAL_WATER_METHOD
from gpulca.engine.methodwrite import fast_method_ids
from gpulca.engine.project import BUILT_BY_GPULCA, check_project_name
from gpulca.engine.solve import node_ids
from gpulca.library.inventory import ResolvedLibrary
from gpulca.library.water import (
    GLOBAL,
    REGIONAL_VERSION,
    aware_factors,
    aware_hash,
    evaporation_codes,
    located_copies,
    process_water_locations,
)

REGIONAL_DATABASE = "gpulca-water-regional"
METHOD_UNIT = "m3 world-eq deprived"
UNLOCATED_CF = 42.95
"""Factor of water whose location is unknown: the EF 3.1 world average (AWARE 1.2,
unspecified use), so that unlocated water counts as in the EF 3.1 result."""

__all__ = ["METHOD_UNIT", "REGIONAL_DATABASE", "REGIONAL_WATER_METHOD", "UNLOCATED_CF",
           "add_regional_water", "ensure_regional_water", "regional_cfs", "regional_flows",
           "regional_water_is_installed"]


def _twins(exchanges: Iterable[dict[str, Any]], region: str, evaporation: frozenset[str]
           ) -> list[dict[str, Any]]:
    twins = []
    for exchange in exchanges:
        if exchange["type"] != "biosphere" or exchange["input"][1] not in evaporation:
            continue
        twin = {k: v for k, v in exchange.items() if k not in ("input", "comment")}
        twin.update(input=(REGIONAL_DATABASE, region), gpulca_twin_of=exchange["input"][1],
                    comment=f"Located twin ({region}) of the Water-to-air exchange above, for "
                            "gpulca's regionalised AWARE 2.0 method; not additional water.")
        twins.append(twin)
    return twins


def add_regional_water(data: dict[tuple[str, str], dict[str, Any]], name: str,
                       resolved: ResolvedLibrary) -> dict[tuple[str, str], dict[str, Any]]:
    """Add located twins and located cooling copies to a ``Database.write`` payload (pure)."""
    locations = process_water_locations(resolved.library)
    evaporation = evaporation_codes(resolved.flows)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for key, activity in data.items():
        activity = dict(activity)
        region = locations.get(key[1], GLOBAL)
        activity["exchanges"] = list(activity["exchanges"]) + _twins(activity["exchanges"],
                                                                     region, evaporation)
        out[key] = activity
    for (code, region), copy_code in located_copies(resolved).items():
        original = copy.deepcopy(data[(name, code)])
        exchanges = [e for e in original["exchanges"] if e["type"] != "production"]
        original.update(
            name=f"{original['name']}, {region}", location=region, gpulca_located_copy_of=code,
            exchanges=[{"input": (name, copy_code), "amount": 1.0, "type": "production",
                        "unit": original["unit"]}]
            + exchanges + _twins(exchanges, region, evaporation))
        out[(name, copy_code)] = original
    return out


def regional_flows() -> dict[tuple[str, str], dict[str, Any]]:
    """The ``Database.write`` payload of the located water flows."""
    regions = {GLOBAL: "unknown location (world average)"}
    regions.update({r.code: r.name for r in aware_factors().values()})
    return {(REGIONAL_DATABASE, code): {
        "name": f"Water, evaporated, located ({label})", "categories": ("air",),
        "unit": "cubic meter", "type": "emission", "location": code,
        "comment": "Water consumed (evaporated) in this AWARE 2.0 region; the located twin "
                   "of biosphere3 'Water' (air), characterised by gpulca's regional method only.",
    } for code, label in regions.items()}


def regional_cfs() -> list[tuple[tuple[str, str], float]]:
    """Characterisation factors of :data:`REGIONAL_WATER_METHOD` by located flow."""
    cfs = [((REGIONAL_DATABASE, GLOBAL), UNLOCATED_CF)]
    cfs += [((REGIONAL_DATABASE, r.code), r.cf) for r in aware_factors().values()]
    return cfs


def regional_water_is_installed(bd: ModuleType) -> bool:
    """True when the project has this version's located flows and method."""
    meta = bd.databases.get(REGIONAL_DATABASE) if REGIONAL_DATABASE in bd.databases else None
    method = bd.methods.get(REGIONAL_WATER_METHOD) if REGIONAL_WATER_METHOD in bd.methods \
        else None
    return bool(meta and meta.get("gpulca_regional_version") == REGIONAL_VERSION
                and method and method.get("gpulca_aware_hash") == aware_hash())


def ensure_regional_water(bd: ModuleType) -> bool:
    """Install the located flows and the regional method in the current gpulca project, once.

    Returns True when something was (re)installed.
    """
    check_project_name(bd.projects.current)
    if regional_water_is_installed(bd):
        return False
    with contextlib.redirect_stdout(sys.stderr):
        database = bd.Database(REGIONAL_DATABASE)
        if REGIONAL_DATABASE not in bd.databases:
            database.register(**{BUILT_BY_GPULCA: True})
        database.write(regional_flows())
        bd.databases[REGIONAL_DATABASE]["gpulca_regional_version"] = REGIONAL_VERSION
        bd.databases[REGIONAL_DATABASE][BUILT_BY_GPULCA] = True
        bd.databases.flush()
        method = bd.Method(REGIONAL_WATER_METHOD)
        if REGIONAL_WATER_METHOD not in bd.methods:
            method.register()
        ids = _flow_ids()
        with fast_method_ids(set(ids.values())):
            method.write([(ids[key], cf) for key, cf in regional_cfs()])
        bd.methods[REGIONAL_WATER_METHOD].update(
            unit=METHOD_UNIT, gpulca_aware_hash=aware_hash(), description=METHOD_DESCRIPTION)
        bd.methods.flush()
    return True


def _flow_ids() -> dict[tuple[str, str], int]:
    return {(REGIONAL_DATABASE, code): node_id
            for code, node_id in node_ids(REGIONAL_DATABASE).items()}


METHOD_DESCRIPTION = (
    "gpulca: water scarcity footprint with AWARE 2.0 country-aggregated yearly characterisation "
    "factors for non-irrigation use (unspecified use where missing), applied to water evaporated "
    "in each region (located twins of biosphere3 'Water' to air). Unlocated water: EF 3.1 world "
    "average 42.95. Factors: WULCA AWARE 2.0, via Laboratory-for-Energy-Systems-Analysis/edges "
    "@d4507b8 dev/AWARE/AWARE 2.0/aware_cf_2.0.csv (MIT). Cite Boulay et al. 2018 (Int J LCA "
    "23:368-378) and the AWARE 2.0 release.")
