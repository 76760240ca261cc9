"""Regionalised AWARE 2.0 water: factors, locations, located twins and the installed method."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpulca.engine.bundled import bundled_flow_index
from gpulca.engine.database import brightway_data
from gpulca.engine.project import gpulca_project
from gpulca.engine.regional import (
    REGIONAL_DATABASE,
    REGIONAL_WATER_METHOD,
    UNLOCATED_CF,
    ensure_regional_water,
    regional_water_is_installed,
)
from gpulca.library.inventory import load_library, resolve_library
from gpulca.library.water import (
    GLOBAL,
    aware_factors,
    evaporation_codes,
    site_cooling_code,
    water_location,
)


def _is_evaporation(code: str) -> bool:
    return code in evaporation_codes(bundled_flow_index())


FIXTURES = Path(__file__).parent / "fixtures" / "siting"
WATER_AIR = "075e433b-4be4-448e-9510-9a5029c1ce94"


@pytest.fixture(scope="module")
def resolved():  # type: ignore[no-untyped-def]
    files = [FIXTURES / f for f in ("cooling-water.yaml", "h100-hgx.yaml", "grids.yaml",
                                    "sites.yaml", "a100.yaml")]
    return resolve_library(load_library(files), bundled_flow_index())


def test_aware_factors_are_the_yearly_non_irrigation_column() -> None:
    factors = aware_factors()
    assert (factors["FR"].cf, factors["CA-QC"].cf, factors["US"].cf) == (4.99, 1.15, 11.3)
    assert factors["AW"].column == "Agg_CF_unspecified_yearly"  # no non-irrigation value
    assert factors["AW"].cf == 58.4


def test_water_location_prefers_the_most_specific_known_region() -> None:
    assert water_location("CA-QC", "CA") == "CA-QC"
    assert water_location("US-MIDA-PJM", "US") == "US"
    assert water_location("RER", None, "") == GLOBAL


def test_every_evaporation_gets_a_located_twin(resolved) -> None:  # type: ignore[no-untyped-def]
    data = brightway_data("db", resolved)
    for (_, code), activity in data.items():
        water = [e for e in activity["exchanges"]
                 if e["type"] == "biosphere" and _is_evaporation(e["input"][1])]
        twins = [e for e in activity["exchanges"] if e["input"][0] == REGIONAL_DATABASE]
        assert [e["amount"] for e in water] == [e["amount"] for e in twins], code
    assert data[("db", "electricity_pl")]["exchanges"][-1]["input"] == (REGIONAL_DATABASE, "PL")
    assert data[("db", "gpu_h100_sxm_80gb_manufacturing")]["exchanges"][-1]["input"] == \
        (REGIONAL_DATABASE, GLOBAL)


def test_site_cooling_is_a_located_copy(resolved) -> None:  # type: ignore[no-untyped-def]
    assert site_cooling_code(resolved, "cooling_water_evaporated", "CA-QC") == \
        "cooling_water_evaporated@CA-QC"
    assert site_cooling_code(resolved, "cooling_water_returned", "CA-QC") == \
        "cooling_water_returned"  # returns water, evaporates none: no copy needed
    copy = brightway_data("db", resolved)[("db", "cooling_water_evaporated@SG")]
    assert copy["location"] == "SG"
    assert copy["exchanges"][0] == {"input": ("db", "cooling_water_evaporated@SG"),
                                    "amount": 1.0, "type": "production",
                                    "unit": "cubic meter"}
    assert [e["input"] for e in copy["exchanges"][1:]] == [
        ("biosphere3", "831f249e-53f2-49cf-a93c-7cee105f048e"), ("biosphere3", WATER_AIR),
        (REGIONAL_DATABASE, "SG")]


def test_method_is_installed_once_with_every_region(bw_dir: Path) -> None:
    with gpulca_project("gpulca", bw_dir) as bd:
        assert regional_water_is_installed(bd)  # by the background set-up
        assert ensure_regional_water(bd) is False
        cfs = dict(bd.Method(REGIONAL_WATER_METHOD).load())
        flows = {node.id: node["code"] for node in bd.Database(REGIONAL_DATABASE)}
        by_code = {flows[i]: cf for i, cf in cfs.items()}
        assert len(by_code) == len(aware_factors()) + 1
        assert by_code["FR"] == pytest.approx(4.99) and by_code[GLOBAL] == UNLOCATED_CF
        assert bd.methods[REGIONAL_WATER_METHOD]["unit"] == "m3 world-eq deprived"
