"""Every card, host and grid zone of the library reproduces its source through a bw2calc solve.

The scores come from one MultiLCA over the whole shipped library (fixture ``library_scores``),
with the default impact categories of methods/default.yaml. Expected values are read from the
copied source files in data/sources/, not from the generated YAML.
"""

from __future__ import annotations

import pytest

from tests.library.conftest import CURATED, DERIVED, SOURCES, read_csv

# Tolerances: the issue asks for 2% on published per-card results; grid factors are copied
# exactly, so they must match to rounding; BoaviztAPI rounds its component results to two
# significant figures, hence 5% for hosts.
CARD_TOLERANCE = 0.02
EXACT = 1e-6  # copied values: only solver round-off (float32 matrices) allowed
BOAVIZTA_ROUNDING = 0.05

PER_CARD = {
    "NVIDIA GeForce GTX 1080 Ti": "gtx_1080_ti",
    "NVIDIA RTX A4500": "rtx_a4500",
    "NVIDIA TITAN RTX": "titan_rtx",
    "NVIDIA Tesla P100 PCIe 16GB": "p100_pcie_16gb",
    "NVIDIA L4": "l4_24gb",
    "NVIDIA A100 PCIe 40GB": "a100_pcie_40gb",
    "NVIDIA A100 SXM4 40GB": "a100_sxm4_40gb",
    "NVIDIA GH200": "gh200",
    "NVIDIA H100 PCIe 80GB": "h100_pcie_80gb",
}
INDICATOR_CATEGORY = {"GWP": "climate_change", "ADPe": "minerals_metals", "ADPf": "energy",
                      "WU": "water_use"}
AWARE_WORLD = 42.95


def _per_card_expected() -> dict[str, dict[str, float]]:
    """Study totals excluding use: GWP, ADPe, ADPf of 'total_excl_use'; water use of
    manufacturing + transport (the end-of-life water values are an artefact, see the YAML)."""
    rows = read_csv(SOURCES / "hubblo_ademe_gpu_card_totals_derived.csv")
    expected: dict[str, dict[str, float]] = {}
    for row in rows:
        card = expected.setdefault(PER_CARD[row["graphics_card"]], {"WU": 0.0})
        if row["phase"] == "total_excl_use":
            card.update({k: float(row[k]) for k in ("GWP", "ADPe", "ADPf")})
        elif row["phase"] in ("manufacturing", "transport"):
            card["WU"] += float(row["WU"])
    return expected


def _relative_error(actual: float, expected: float) -> float:
    return abs(actual - expected) / abs(expected)


@pytest.mark.parametrize(("card", "expected"), sorted(_per_card_expected().items()))
def test_per_card_lca_reproduces_the_study(library_scores, card, expected):
    for indicator, category in INDICATOR_CATEGORY.items():
        actual = library_scores(f"gpu_{card}_manufacturing", category)
        assert _relative_error(actual, expected[indicator]) <= CARD_TOLERANCE, (
            f"{card} {indicator}: {actual:.6g} vs study {expected[indicator]:.6g}")


def _parametric_expected() -> list[tuple[str, dict[str, float], float]]:
    """(card id, expected totals, tolerance): the published consistent-parametric row where
    there is one, else our derived table (which then only checks the solve's arithmetic)."""
    consistent = {r["gpu"].split(" (")[0]: r for r in
                  read_csv(SOURCES / "ademe_factors_murphy_consistent_gpu_results_derived.csv")}
    derived = {r["id"]: r for r in read_csv(DERIVED / "gpu_parametric_results.csv")}
    cases = []
    for card in read_csv(CURATED / "gpu_parametric_cards.csv"):
        row = consistent.get(card["consistent_row"])
        if row is not None:
            values = {"GWP": float(row["GWP_kgCO2eq"]), "ADPe": float(row["ADPe_kgSbeq"]),
                      "ADPf": float(row["ADPf_MJ"]), "WU": float(row["WU_mfg_m3eq"])}
            cases.append((card["id"], values, CARD_TOLERANCE))
        else:
            values = {k: float(derived[card["id"]][k]) for k in INDICATOR_CATEGORY}
            cases.append((card["id"], values, 1e-4))
    return cases


@pytest.mark.parametrize(("card", "expected", "tolerance"), _parametric_expected())
def test_parametric_card_reproduces_its_source(library_scores, card, expected, tolerance):
    for indicator, category in INDICATOR_CATEGORY.items():
        actual = library_scores(f"gpu_{card}_manufacturing", category)
        assert _relative_error(actual, expected[indicator]) <= tolerance, (
            f"{card} {indicator}: {actual:.6g} vs {expected[indicator]:.6g}")


def test_water_stand_in_gives_aware_over_world_factor(library_scores):
    """The card water stand-in: ReCiPe water consumption reads AWARE / 42.95 (documented)."""
    code = "gpu_a100_sxm4_40gb_manufacturing"
    assert library_scores(code, "water_consumption") == pytest.approx(
        library_scores(code, "water_use") / AWARE_WORLD, rel=EXACT)


def test_published_single_figures(library_scores):
    assert library_scores("gpu_a100_bloom2023_manufacturing", "climate_change") == \
        pytest.approx(150.0, rel=EXACT)
    assert library_scores("gpu_h100_sxm_nvidia_pcf_manufacturing", "climate_change") == \
        pytest.approx(164.0, rel=EXACT)
    assert library_scores("server_bloom_apollo6500_host_manufacturing", "climate_change") == \
        pytest.approx(2500.0, rel=EXACT)


# -- grid zones ------------------------------------------------------------------------------


def _zone_climate_sources() -> list[tuple[str, float]]:
    """(zone id, g CO2-eq/kWh) read straight from the source files the zones name."""
    comparison = {r["iso3"]: r for r in
                  read_csv(SOURCES / "country_electricity_factors_comparison.csv")}
    mix = {r["iso3"]: r for r in
           read_csv(SOURCES / "country_lifecycle_intensity_ipcc_ar5_x_ember_mix_derived.csv")}
    em = {r["zone_id"]: float(r["lifecycle"]) for r in
          read_csv(SOURCES / "electricitymaps_2024_annual_lifecycle_via_spruce.csv")}
    ecologits = {r["name"]: r for r in read_csv(SOURCES / "ecologits_electricity_mixes.csv")}
    cases = []
    for zone in read_csv(CURATED / "grid_zones.csv"):
        basis, iso3 = zone["ghg_basis"], zone["iso3"]
        if basis == "ember_2023":
            value = (float(comparison[iso3]["ember_owid_2023_lifecycle_gCO2eq_kWh"])
                     if iso3 in comparison else
                     float(mix[iso3]["ember_owid_carbon_intensity_gCO2eq_per_kWh"]))
        elif basis == "em_2024":
            value = em[zone["em_zone"]]
        else:
            value = float(ecologits[iso3]["gwp"]) * 1000.0
        cases.append((zone["id"], value))
    return cases + [("FR-2022-BLOOM", 57.0), ("US-2018-STRUBELL", 0.954 * 453.59237)]


@pytest.mark.parametrize(("zone", "grams"), _zone_climate_sources())
def test_zone_climate_per_kwh_equals_its_source(library_scores, resolved_library, zone, grams):
    code = resolved_library.library.grid_zone(zone).electricity
    assert library_scores(code, "climate_change") * 1000.0 == pytest.approx(grams, rel=EXACT)


def test_zone_water_minerals_energy_equal_their_sources(library_scores, resolved_library):
    boavizta = {r["iso3"]: r for r in
                read_csv(SOURCES / "boavizta_electricity_factors_per_kwh.csv")}
    checked = 0
    for zone in read_csv(CURATED / "grid_zones.csv"):
        code = resolved_library.library.grid_zone(zone["id"]).electricity
        ademe = boavizta[zone["iso3"]]
        assert library_scores(code, "minerals_metals") == pytest.approx(
            float(ademe["adpe_kgSbeq_per_kWh"]), rel=EXACT), zone["id"]
        assert library_scores(code, "energy") == pytest.approx(
            float(ademe["adpf_MJ_per_kWh"]), rel=EXACT), zone["id"]
        water_l = library_scores(code, "water_consumption") * 1000.0
        assert 0.0 < water_l < 20.0, zone["id"]
        checked += 1
    assert checked == len(read_csv(CURATED / "grid_zones.csv"))


def test_zone_water_equals_wri(library_scores, resolved_library):
    ecologits = {r["name"]: float(r["wue"]) for r in
                 read_csv(SOURCES / "ecologits_electricity_mixes.csv")}
    wri = {f"{r['provider']}:{r['region']}": float(r["wcf"]) for r in
           read_csv(SOURCES / "wri_wcf_by_cloud_region_via_spruce.csv")}
    for zone in read_csv(CURATED / "grid_zones.csv"):
        key = zone["wri_key"]
        if not key:
            continue  # Singapore: no WRI factor (derived from Macknick et al., tested below)
        expected = wri[key] if ":" in key else ecologits[key]
        code = resolved_library.library.grid_zone(zone["id"]).electricity
        assert library_scores(code, "water_consumption") * 1000.0 == pytest.approx(
            expected, rel=EXACT), zone["id"]
    assert library_scores("electricity_sg", "water_consumption") * 1000.0 == pytest.approx(0.776)


def test_us_zone_is_split_by_gas(resolved_library):
    """Where eGRID allows it the direct part is CO2, CH4 and N2O (real flows)."""
    flows = {e.spec.biosphere.name for e in resolved_library.exchanges["electricity_us_mida_pjm"]
             if e.kind == "biosphere"}
    assert {"Carbon dioxide, fossil", "Methane, fossil", "Dinitrogen monoxide"} <= flows


# -- hosts -----------------------------------------------------------------------------------

HOSTS = {"p5.48xlarge": "server_hgx_h100_host_manufacturing",
         "p4d.24xlarge": "server_hgx_a100_host_manufacturing",
         "p3dn.24xlarge": "server_v100_host_manufacturing",
         "platfom_gpucompute_high": "server_generic_gpu_host_manufacturing"}


@pytest.mark.parametrize(("archetype", "code"), sorted(HOSTS.items()))
def test_host_reproduces_boaviztapi(library_scores, archetype, code):
    """Sum of BoaviztAPI's component results (GPUs excluded) for climate, minerals and primary
    energy (carried into the energy category, see the stand-in note)."""
    rows = [r for r in read_csv(SOURCES / "boaviztapi_2.5.0_gpu_server_archetypes_computed.csv")
            if r["archetype"] == archetype and r["component"].endswith("-1")
            and not r["component"].startswith("GPU")]
    expected = {"climate_change": sum(float(r["gwp_kgCO2eq"]) for r in rows),
                "minerals_metals": sum(float(r["adp_kgSbeq"]) for r in rows),
                "energy": sum(float(r["pe_MJ"]) for r in rows)}
    for category, value in expected.items():
        actual = library_scores(code, category)
        assert _relative_error(actual, value) <= BOAVIZTA_ROUNDING, (
            f"{archetype} {category}: {actual:.6g} vs BoaviztAPI {value:.6g}")


def test_cluster_shares_and_building_have_climate_scores(library_scores):
    for code in ("cluster_network_share_per_gpu", "cluster_storage_share_per_gpu",
                 "cluster_rack_share_per_gpu", "datacenter_building_per_kw_it"):
        assert library_scores(code, "climate_change") > 0, code
    per_kwh = library_scores("datacenter_building_share_per_kwh_it", "climate_change")
    # docs/sources/datacenter.md#building: 983 kg per kW / (20 y x 8,760 h x load 0.6)
    assert per_kwh == pytest.approx(983.0 / (20 * 8760 * 0.6), rel=EXACT)


def test_cooling_water_processes(library_scores):
    assert library_scores("cooling_water_evaporated", "water_consumption") == pytest.approx(1.0)
    assert library_scores("cooling_water_evaporated", "water_use") == pytest.approx(AWARE_WORLD)
    assert library_scores("cooling_water_returned", "water_consumption") == 0.0
