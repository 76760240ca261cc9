"""The build script's parametric GPU model (pure Python, no Brightway)."""

from __future__ import annotations

import pytest

from tests.library.conftest import SOURCES, load_build_script, read_csv


@pytest.fixture(scope="module")
def build():
    module = load_build_script()
    return module


def test_murphy_effective_area_of_the_a100_die(build):
    # shared/reference/hardware_datacenter_data.md section 1.1b: 826 mm2 -> about 1,783 mm2
    assert build.murphy_effective_area(826.0) == pytest.approx(1783.0, rel=1e-3)


def test_average_factors_match_the_published_ones(build):
    """Recomputed factors agree with the study's published average factors where those are
    unambiguous (heatsink per kg, transport per kg) and give the 0.0344 kg/mm2 memory factor."""
    factors = build.average_factors()
    assert factors["heatsink"]["GWP"] == pytest.approx(5.742, rel=1e-3)
    assert factors["vram"]["GWP"] == pytest.approx(0.0344, rel=5e-3)
    assert factors["die"]["GWP"] == pytest.approx(0.0433, rel=5e-3)
    assert factors["end_of_life"]["WU"] == 0.0


def test_parametric_model_reproduces_the_consistent_variant(build):
    """Every row of the consistent-parametric file, including the three check rows of cards
    that have a per-card LCA, within 0.5% (the file is rounded to 3-4 figures)."""
    factors, transport = build.average_factors(), build.transport_factors()
    cards = {c.row["consistent_row"]: c for c in build.parametric_cards()}
    for row in read_csv(SOURCES / "ademe_factors_murphy_consistent_gpu_results_derived.csv"):
        name = row["gpu"].split(" (")[0]
        if name not in cards:
            continue
        result = build.parametric_result(cards[name], factors, transport)
        for column, key in (("GWP_kgCO2eq", "GWP"), ("ADPe_kgSbeq", "ADPe"),
                            ("ADPf_MJ", "ADPf"), ("TPE_MJ", "TPE"), ("WU_mfg_m3eq", "WU"),
                            ("GWP_die", "GWP_die"), ("GWP_vram", "GWP_vram")):
            assert result[key] == pytest.approx(float(row[column]), rel=5e-3), (name, key)


def test_per_card_components_sum_to_the_study_totals(build):
    components = build.per_card_components()
    totals = {r["graphics_card"]: r for r in
              read_csv(SOURCES / "hubblo_ademe_gpu_card_totals_derived.csv")
              if r["phase"] == "total_excl_use"}
    for name, card in build.CARD_IDS.items():
        gwp = sum(values["GWP"] for values in components[card].values())
        assert gwp == pytest.approx(float(totals[name]["GWP"]), rel=2e-3), name
