"""The shipped library as data: complete, sourced, consistent, licensed, and up to date.

These checks need no Brightway solve (see test_scores.py for the LCIA reproductions).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gpulca.pipeline.validate import validate_paths
from gpulca.schemas.common import Provenance, SourcedValue
from tests.library.conftest import INVENTORIES, REPO, load_build_script

REQUIRED_ACCELERATORS = {
    "v100_sxm2_16gb", "v100_sxm2_32gb", "v100_pcie_16gb", "v100_pcie_32gb", "a100_sxm4_40gb",
    "a100_pcie_40gb", "a100_sxm4_80gb", "a100_pcie_80gb", "h100_sxm_80gb", "h100_pcie_80gb",
    "h200_sxm_141gb", "gh200", "l4_24gb", "p100_pcie_16gb", "b200_180gb"}
REQUIRED_ZONES = {"US-MIDA-PJM", "US-TEX-ERCO", "US-CAL-CISO", "US-MIDW-MISO", "US-NW-BPAT",
                  "US-SW-AZPS", "CA-QC"}
REFERENCE_COUNTRIES = {"FR", "DE", "SE", "NO", "IS", "IE", "NL", "GB", "FI", "ES", "PL", "US",
                       "CA", "CN", "IN", "JP", "SG", "TW", "KR", "AU", "BR"}
# Codes and ids that the example study and other parts of gpulca rely on.
STABLE_CODES = {"cooling_water_evaporated", "cooling_water_returned", "electricity_fr",
                "gpu_h100_sxm_80gb_manufacturing", "server_hgx_h100_host_manufacturing"}
SHARE_ALIKE = ("CC-BY-SA", "ODbL")


def test_validate_reports_zero_problems_on_the_library():
    result = validate_paths([INVENTORIES])
    assert result.report.valid, "\n".join(map(str, result.report))
    assert len(result.checked["inventory"]) >= 10


def test_catalogue_covers_the_issue(resolved_library):
    library = resolved_library.library
    assert REQUIRED_ACCELERATORS <= set(library.accelerators)
    assert len(library.grid_zones) >= 40
    countries = {z.item.country for z in library.grid_zones.values() if z.item.country}
    assert len(countries) >= 25
    national = {key for key, z in library.grid_zones.items() if key == z.item.country}
    assert REFERENCE_COUNTRIES <= national
    assert REQUIRED_ZONES <= set(library.grid_zones)
    assert len(library.servers) >= 4 and "bloom_apollo6500_host" in library.servers
    assert {"industry_average", "hyperscale_average", "jean_zay"} <= set(library.sites)
    assert sum(key.startswith(("aws_", "azure_", "gcp_")) for key in library.sites) >= 20


def test_stable_codes_kept(resolved_library):
    library = resolved_library.library
    assert STABLE_CODES <= set(library.processes)
    assert "h100_sxm_80gb" in library.accelerators
    assert "hgx_h100_host" in library.servers
    assert "FR" in library.grid_zones


def test_every_zone_states_year_and_source(resolved_library):
    for key, located in resolved_library.library.grid_zones.items():
        zone = located.item
        assert zone.year and 2010 <= zone.year <= 2026, key
        assert zone.source and zone.quality, key


def _provenance_objects(item: object, path: str = ""):
    """Every Provenance (sourced value, exchange, parameter, process) inside a parsed item."""
    if isinstance(item, Provenance):
        yield path, item
    if hasattr(type(item), "model_fields") and not isinstance(item, type):
        for name in type(item).model_fields:
            yield from _provenance_objects(getattr(item, name), f"{path}.{name}")
    elif isinstance(item, list | tuple):
        for index, value in enumerate(item):
            yield from _provenance_objects(value, f"{path}[{index}]")


def test_no_value_without_source_or_flagged_assumption(resolved_library):
    library = resolved_library.library
    sections = [library.processes, library.parameters, library.accelerators, library.servers,
                library.sites]
    count = 0
    for section in sections:
        for key, located in section.items():
            for path, sourced in _provenance_objects(located.item, key):
                count += 1
                assert sourced.source or sourced.assumption, path
                if not sourced.source:
                    assert sourced.quality == "assumption", path
                if isinstance(sourced, SourcedValue) or hasattr(sourced, "amount"):
                    assert sourced.quality, f"{path}: no quality flag"
    for key, located in {**library.accelerators, **library.servers, **library.sites}.items():
        assert located.item.source and located.item.quality, key
    assert count > 1000


def test_characterised_only_values_are_flagged_stand_ins(resolved_library):
    """Antimony and amounts divided by an EF factor only ever stand in for a published
    characterised result: each such exchange must say so, with the limitation."""
    for code, exchanges in resolved_library.exchanges.items():
        for exchange in exchanges:
            spec = exchange.spec
            if spec.biosphere is None:
                continue
            divided = spec.formula and any(f"/ {cf}" in spec.formula for cf in ("43.4", "42.95"))
            if spec.biosphere.name == "Antimony" or divided:
                assert spec.stand_in and "not see" in spec.stand_in, (code, spec.biosphere.name)


def test_catalogue_units_are_consistent(resolved_library):
    library = resolved_library.library
    for key in library.accelerators:
        assert library.process(library.accelerator(key).manufacturing).unit == "unit", key
    for key in library.servers:
        assert library.process(library.server(key).manufacturing).unit == "unit", key
    for key in library.grid_zones:
        assert library.process(library.grid_zone(key).electricity).unit == "kilowatt hour", key


def test_every_flow_exists_in_biosphere3(resolved_library, flows):
    seen = set()
    for exchanges in resolved_library.exchanges.values():
        for exchange in exchanges:
            if exchange.kind == "biosphere":
                assert exchange.target in flows.by_code
                seen.add(flows.by_code[exchange.target].name)
    assert {"Carbon dioxide, fossil", "Methane, fossil", "Dinitrogen monoxide", "Water",
            "Water, unspecified natural origin", "Antimony", "Uranium", "Gas, natural",
            "Coal, hard, unspecified", "Oil, crude"} <= seen


@pytest.mark.parametrize("path", sorted(INVENTORIES.rglob("*.yaml")), ids=lambda p: p.name)
def test_share_alike_files_keep_licence_and_attribution(path: Path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    needs = any(marker in text for marker in ("hubblo", "Electricity Maps"))
    if needs and ("hubblo-org" in text or "electricitymaps" in text.lower()):
        if "gpu-ademe" in path.name or path.name == "us-canada-regions.yaml":
            assert data.get("license", "").startswith(SHARE_ALIKE), path.name
    if data.get("license", "").startswith(SHARE_ALIKE):
        assert data.get("attribution"), path.name


def test_data_licence_document_exists():
    text = (REPO / "DATA_LICENSE.md").read_text(encoding="utf-8")
    for licence in ("BSD-3-Clause", "CC BY-SA 4.0", "ODbL", "CC BY 4.0", "AGPL-3.0"):
        assert licence in text


def test_generated_files_are_up_to_date():
    module = load_build_script()
    stale = [path for path, text in module.outputs().items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    assert not stale, f"run scripts/build_library.py: {stale}"
