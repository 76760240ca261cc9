"""Regionalised water scarcity: the AWARE 2.0 regions of the library (pure; the Brightway side is
:mod:`gpulca.engine.regional`).

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

import csv
import hashlib
import importlib.resources
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from gpulca.library.flows import FlowIndex
from gpulca.library.inventory import Library, ResolvedLibrary

REGIONAL_VERSION = 1
"""Bump when the flows or the method's layout change, so projects are updated."""
GLOBAL = "GLO"
LOCATED_SEPARATOR = "@"
AWARE_FILE = "aware2_country_cf.csv"
ZONE_REGIONS_FILE = "zone_regions.yaml"
DEFAULT_COOLING = ("cooling_water_evaporated", "cooling_water_returned")


WITHDRAWAL_FLOWS: tuple[tuple[str, str], ...] = (
    ("fc1c42ce-a759-49fa-b987-f1ec5e503db1",
     "Water, cooling, unspecified natural origin (in water)"),
    ("1acb026e-9de6-48fe-9e0d-be4d24125bbc", "Water, lake (in water)"),
    ("8c75e7ab-8ab8-41e4-b394-c166ff5b050d", "Water, river (in water)"),
    ("831f249e-53f2-49cf-a93c-7cee105f048e", "Water, unspecified natural origin (in water)"),
    ("67c40aae-d403-464d-9649-c12695e43ad8", "Water, well, in ground (in water)"),
    ("478e8437-1c21-4032-8438-872a6b5ddcdf", "Water, unspecified natural origin (in ground)"),
)
"""biosphere3 codes (bw2io 0.9 ecoinvent 3.9 biosphere) of the fresh-water resource flows that
gpulca's water withdrawal indicator counts (:mod:`gpulca.engine.withdrawal`)."""


def withdrawal_is_consumption(resolved: ResolvedLibrary, code: str) -> bool:
    """True when a process withdraws exactly the water it evaporates: its source published a
    consumption factor only (the WRI factors of the grid zones), so its withdrawal is a lower
    bound that a report must say, not a measured withdrawal."""
    withdrawn = evaporated = 0.0
    evaporation = evaporation_codes(resolved.flows)
    fresh = {c for c, _ in WITHDRAWAL_FLOWS}
    for exchange in resolved.exchanges.get(code, []):
        if exchange.kind != "biosphere":
            continue
        if str(exchange.target) in fresh:
            withdrawn += exchange.amount
        elif str(exchange.target) in evaporation:
            evaporated += exchange.amount
    return withdrawn > 0 and abs(withdrawn - evaporated) <= 1e-9 * withdrawn


def withdrawal_gaps(resolved: ResolvedLibrary, codes: Iterable[str]) -> list[str]:
    """The processes under ``codes`` (following technosphere inputs) that evaporate water
    without withdrawing any: their sources publish water use as a consumption or scarcity figure
    only (the ADEME/Hubblo manufacturing data), so a withdrawal total that includes them is a
    lower bound, below consumption where they weigh."""
    evaporation = evaporation_codes(resolved.flows)
    fresh = {c for c, _ in WITHDRAWAL_FLOWS}
    gaps: list[str] = []
    seen: set[str] = set()
    todo = [str(code) for code in codes]
    while todo:
        code = todo.pop()
        if code in seen or code not in resolved.exchanges:
            continue
        seen.add(code)
        withdrawn = evaporated = 0.0
        for exchange in resolved.exchanges[code]:
            target = str(exchange.target)
            if exchange.kind == "technosphere":
                todo.append(target)
            elif target in fresh:
                withdrawn += exchange.amount
            elif target in evaporation:
                evaporated += exchange.amount
        if evaporated > 0 and withdrawn <= 0:
            gaps.append(code)
    return sorted(gaps)


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


def evaporation_codes(flows: FlowIndex) -> frozenset[str]:
    """Codes of the biosphere3 ``Water`` flows to air (every air subcompartment)."""
    return frozenset(flow.code for flow in flows.by_code.values()
                     if flow.name == "Water" and flow.categories[:1] == ("air",))


def _evaporates(resolved: ResolvedLibrary, code: str, evaporation: frozenset[str]) -> bool:
    return any(e.kind == "biosphere" and str(e.target) in evaporation
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
        evaporation = evaporation_codes(resolved.flows)
        codes = sorted(c for c in cooling
                       if c in library.processes and _evaporates(resolved, c, evaporation))
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
