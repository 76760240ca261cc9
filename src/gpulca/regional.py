"""Regionalised water scarcity: AWARE 2.0 country factors, inside Brightway.

biosphere3 has one ``Water`` (to air) flow with no location, and the EF 3.1 method gives it one
world-average factor (42.95 m3 world-eq per m3). To let a cubic metre evaporated in Arizona count
more than one evaporated in Quebec, gpulca adds, when it builds the inventory database:

1. a biosphere database ``gpulca-water-regional`` holding one *located* water flow per AWARE 2.0
   region (``FR``, ``CA-QC``, ``US-CA``...) plus ``GLO`` for water of unknown location;
2. a *located twin* beside every biosphere3 ``Water``-to-air exchange of the library: the same
   amount, to the located flow of the process's region (a grid zone's electricity process: the
   zone's region; any other process: its ``location``; unknown: ``GLO``). The twin carries no
   extra water: each method characterises either the biosphere3 flows (EF 3.1, ReCiPe) or the
   located twins (gpulca's method), never both;
3. located copies of the site cooling processes, one per region of the library's grid zones
   (``cooling_water_evaporated@FR``), which a study at a site in that zone demands instead of
   the unlocated original (a zone's region: ``data/aware/zone_regions.yaml``, else its id, else
   its country);
4. the LCIA method :data:`REGIONAL_WATER_METHOD`, registered in the gpulca project, with the
   AWARE 2.0 yearly non-irrigation factor of every region (the ``unspecified`` factor where the
   non-irrigation one is missing) and, for ``GLO``, the EF 3.1 world average 42.95.

The EF 3.1 world-average result stays beside it as the ``water_use`` impact category.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import hashlib
import importlib.resources
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Any

from gpulca.library import Library, ResolvedLibrary

REGIONAL_DATABASE = "gpulca-water-regional"
REGIONAL_VERSION = 1
"""Bump when the flows or the method's layout change, so projects are updated."""
REGIONAL_WATER_METHOD = ("gpulca", "water scarcity",
                         "AWARE 2.0 country factors, non-irrigation, regionalised")
METHOD_UNIT = "m3 world-eq deprived"
GLOBAL = "GLO"
UNLOCATED_CF = 42.95
"""Factor of water whose location is unknown: the EF 3.1 world average (AWARE 1.2,
unspecified use), so that unlocated water counts as in the EF 3.1 result."""
LOCATED_SEPARATOR = "@"
AWARE_FILE = "aware2_country_cf.csv"
ZONE_REGIONS_FILE = "zone_regions.yaml"
DEFAULT_COOLING = ("cooling_water_evaporated", "cooling_water_returned")


@dataclass(frozen=True)
class AwareRegion:
    """One AWARE 2.0 region and the factor gpulca uses for it [m3 world-eq / m3]."""

    code: str
    name: str
    cf: float
    column: str
    """The AWARE column the factor comes from."""


def _aware_text() -> str:
    return (importlib.resources.files("gpulca") / "data" / "aware" / AWARE_FILE).read_text(
        encoding="utf-8-sig")


@lru_cache(maxsize=1)
def aware_factors() -> dict[str, AwareRegion]:
    """AWARE 2.0 yearly factors by region code: non-irrigation, else unspecified use."""
    regions: dict[str, AwareRegion] = {}
    for row in csv.DictReader(_aware_text().splitlines()):
        code = row["Short name"].strip()
        for column in ("Agg_CF_non_irri_yearly", "Agg_CF_unspecified_yearly"):
            if row.get(column, "").strip():
                regions[code] = AwareRegion(code, row["Long name"].strip(), float(row[column]),
                                            column)
                break
    return regions


@lru_cache(maxsize=1)
def aware_hash() -> str:
    """Digest of the factor table, stored with the method to detect a changed table."""
    return hashlib.sha256(_aware_text().encode()).hexdigest()[:16]


def water_location(*candidates: str | None) -> str:
    """The first candidate that is an AWARE region (``CA-QC``, ``FR``...), else ``GLO``."""
    regions = aware_factors()
    for candidate in candidates:
        if candidate and candidate in regions:
            return candidate
    return GLOBAL


def _data_text(name: str) -> str:
    return (importlib.resources.files("gpulca") / "data" / "aware" / name).read_text(
        encoding="utf-8")


@lru_cache(maxsize=1)
def zone_regions() -> dict[str, str]:
    """Grid zones mapped to a sub-national AWARE region (``data/aware/zone_regions.yaml``)."""
    import yaml

    return {entry["zone"]: entry["region"]
            for entry in yaml.safe_load(_data_text(ZONE_REGIONS_FILE))["zones"]}


@lru_cache(maxsize=1)
def layout_hash() -> str:
    """Digest of what decides the located flows and twins (regions and zone mapping)."""
    text = _aware_text() + _data_text(ZONE_REGIONS_FILE) + str(REGIONAL_VERSION)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def zone_water_location(library: Library, zone_id: str) -> str:
    """The AWARE region of a grid zone: the mapped region, its id, its process's location, its
    country, the prefix of its id, else GLO."""
    zone = library.grid_zones[zone_id].item
    process = library.processes.get(zone.electricity)
    location = process.item.location if process else None
    return water_location(zone_regions().get(zone.id), zone.id, location, zone.country,
                          zone.id.split("-")[0])


def process_water_locations(library: Library) -> dict[str, str]:
    """The AWARE region of every process: zone electricity by zone, others by location."""
    locations = {code: water_location(located.item.location)
                 for code, located in library.processes.items()}
    for zone_id, located in library.grid_zones.items():
        if located.item.electricity in locations:
            locations[located.item.electricity] = zone_water_location(library, zone_id)
    return locations


@lru_cache(maxsize=1)
def _evaporation_codes() -> frozenset[str]:
    from gpulca.biosphere import bundled_flow_index

    return frozenset(flow.code for flow in bundled_flow_index().by_code.values()
                     if flow.name == "Water" and flow.categories[:1] == ("air",))


def is_evaporation(flow_code: str) -> bool:
    """True for the biosphere3 ``Water`` flows to air (every air subcompartment)."""
    return flow_code in _evaporation_codes()


def _evaporates(resolved: ResolvedLibrary, code: str) -> bool:
    return any(e.kind == "biosphere" and is_evaporation(str(e.target))
               for e in resolved.exchanges.get(code, []))


_COPIES: dict[str, dict[tuple[str, str], str]] = {}


def located_copies(resolved: ResolvedLibrary) -> dict[tuple[str, str], str]:
    """``(cooling process code, region) -> located copy code`` for every zone region.

    Only cooling processes that evaporate water get copies (the others need no location).
    """
    library = resolved.library
    key = library.content_hash
    if key not in _COPIES:
        cooling = {s.item.cooling_evaporation for s in library.sites.values()} | \
            {s.item.cooling_return for s in library.sites.values()} | set(DEFAULT_COOLING)
        codes = sorted(c for c in cooling if c in library.processes and _evaporates(resolved, c))
        regions = sorted({zone_water_location(library, z) for z in library.grid_zones})
        _COPIES[key] = {(code, region): f"{code}{LOCATED_SEPARATOR}{region}"
                        for code in codes for region in regions}
    return _COPIES[key]


def library_code(code: str) -> str:
    """The library process a located copy was made from (``cooling_water_evaporated@FR`` ->
    ``cooling_water_evaporated``); any other code unchanged."""
    return code.split(LOCATED_SEPARATOR, 1)[0]


def site_cooling_code(resolved: ResolvedLibrary, code: str, zone_id: str | None) -> str:
    """The located copy of a cooling process for a site in ``zone_id`` (else the process)."""
    if not zone_id or zone_id not in resolved.library.grid_zones:
        return code
    region = zone_water_location(resolved.library, zone_id)
    return located_copies(resolved).get((code, region), code)


def _twins(exchanges: Iterable[dict[str, Any]], region: str) -> list[dict[str, Any]]:
    twins = []
    for exchange in exchanges:
        if exchange["type"] != "biosphere" or not is_evaporation(exchange["input"][1]):
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
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for key, activity in data.items():
        activity = dict(activity)
        region = locations.get(key[1], GLOBAL)
        activity["exchanges"] = list(activity["exchanges"]) + _twins(activity["exchanges"],
                                                                     region)
        out[key] = activity
    for (code, region), copy_code in located_copies(resolved).items():
        original = copy.deepcopy(data[(name, code)])
        exchanges = [e for e in original["exchanges"] if e["type"] != "production"]
        original.update(
            name=f"{original['name']}, {region}", location=region, gpulca_located_copy_of=code,
            exchanges=[{"input": (name, copy_code), "amount": 1.0, "type": "production",
                        "unit": original["unit"]}] + exchanges + _twins(exchanges, region))
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
    from gpulca.brightway import BUILT_BY_GPULCA, _fast_method_ids, check_project_name

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
        with _fast_method_ids(set(ids.values())):
            method.write([(ids[key], cf) for key, cf in regional_cfs()])
        bd.methods[REGIONAL_WATER_METHOD].update(
            unit=METHOD_UNIT, gpulca_aware_hash=aware_hash(), description=METHOD_DESCRIPTION)
        bd.methods.flush()
    return True


def _flow_ids() -> dict[tuple[str, str], int]:
    from bw2data.backends import ActivityDataset as AD

    query = AD.select(AD.id, AD.code).where(AD.database == REGIONAL_DATABASE)
    return {(REGIONAL_DATABASE, code): node_id for node_id, code in query.tuples()}


METHOD_DESCRIPTION = (
    "gpulca: water scarcity footprint with AWARE 2.0 country-aggregated yearly characterisation "
    "factors for non-irrigation use (unspecified use where missing), applied to water evaporated "
    "in each region (located twins of biosphere3 'Water' to air). Unlocated water: EF 3.1 world "
    "average 42.95. Factors: WULCA AWARE 2.0, via Laboratory-for-Energy-Systems-Analysis/edges "
    "@d4507b8 dev/AWARE/AWARE 2.0/aware_cf_2.0.csv (MIT). Cite Boulay et al. 2018 (Int J LCA "
    "23:368-378) and the AWARE 2.0 release.")
