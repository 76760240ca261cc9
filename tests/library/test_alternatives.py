"""Alternatives beside the key values and the audit (issue 20).

The chosen values must be what the library computes (bw2calc solve of the shipped library);
independent LCAs cross-check card totals with stated tolerances; bad alternatives are located
errors (exit 2); the shipped library passes the audit.
"""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from gpulca.cli import main
from gpulca.core.errors import InputError
from gpulca.library.alternatives import (
    audit_entries,
    load_alternatives,
    proposed_lognormal_gsd,
)
from gpulca.pipeline.audit import audit_library
from tests.library.conftest import FIXTURES, SOURCES, read_csv

# How close a chosen value must be to the bw2calc score of its process: copied grid factors
# to solver round-off; cards within the per-card check's 2%; hosts within BoaviztAPI's
# two-significant-figure rounding (5%).
SCORE_TOLERANCE = {"grid": 1e-4, "gpu": 0.02, "host": 0.05}
GRAMS_PER_KG = 1000.0


@pytest.fixture(scope="module")
def shipped():
    return load_alternatives()


def test_chosen_values_are_what_the_library_computes(shipped, library_scores):
    checked = 0
    for located in shipped:
        entry = located.entry
        if entry.process is None or entry.category is None:
            continue
        score = library_scores(entry.process, entry.category)
        if entry.unit == "g/kWh":
            score *= GRAMS_PER_KG
        tolerance = SCORE_TOLERANCE[entry.key.split(".")[0]]
        assert score == pytest.approx(entry.chosen.value, rel=tolerance), entry.key
        checked += 1
    assert checked >= 25


def test_shipped_library_passes_the_audit():
    result = audit_library()
    assert result.failures == []
    rows = {row.key: row for row in result.rows}
    pwb = rows["gpu.a100_sxm4_40gb.pwb.climate"]
    assert pwb.outlier and pwb.component_disagrees and pwb.status == "explained"
    assert not rows["gpu.a100_sxm4_40gb.total.climate"].outlier


# -- independent cross-checks of card totals (climate change, kg CO2-eq per card) ----------------
CROSS_CHECKS = [
    # (process, independent value, tolerance, why this tolerance)
    ("gpu_a100_sxm4_40gb_manufacturing", 127.6, 0.15,
     "Falk et al. 2025 teardown (arXiv:2509.00093), cradle to gate: our total has end of life "
     "(+2 kg) and the board row known to be about 8-15 kg low (data/curated/alternatives.yaml)"),
    ("gpu_h100_sxm_80gb_manufacturing", 164.0, 0.05,
     "NVIDIA HGX H100 PCF / 8, cradle to gate incl. the baseboard share; parametric model"),
    ("gpu_a100_sxm4_80gb_manufacturing", 150.0, 0.05,
     "BLOOM paper (Luccioni et al. 2023) per-A100 estimate"),
]


@pytest.mark.parametrize(("process", "expected", "tolerance", "why"), CROSS_CHECKS,
                         ids=[case[0] for case in CROSS_CHECKS])
def test_card_totals_agree_with_independent_lcas(library_scores, process, expected, tolerance,
                                                 why):
    actual = library_scores(process, "climate_change")
    assert abs(actual - expected) / expected <= tolerance, (process, actual, why)


BOAVIZTA_CARDS = {"NVIDIA A100 SXM4 40GB": "gpu_a100_sxm4_40gb_manufacturing",
                  "NVIDIA A100 PCIe 40GB": "gpu_a100_pcie_40gb_manufacturing",
                  "NVIDIA H100 SXM 80GB": "gpu_h100_sxm_80gb_manufacturing",
                  "NVIDIA H100 PCIe 80GB": "gpu_h100_pcie_80gb_manufacturing",
                  "NVIDIA A100 SXM4 80GB": "gpu_a100_sxm4_80gb_manufacturing",
                  "NVIDIA A100 PCIe 80GB": "gpu_a100_pcie_80gb_manufacturing",
                  "AMD Instinct MI300X 192GB": "gpu_mi300x_manufacturing"}


@pytest.mark.parametrize("name", sorted(BOAVIZTA_CARDS))
def test_card_totals_against_boavizta(library_scores, name):
    """BoaviztAPI 2.5.0 uses the same ADEME factors with a memory factor about 5x ours and a
    wafer-edge yield model: its climate totals are 2 to 5.5 times ours for every card it covers.
    A ratio outside that band means one of the two models changed."""
    row = {r["gpu_name"]: r for r in
           read_csv(SOURCES / "boaviztapi_2.5.0_gpu_embedded_impacts_computed.csv")}[name]
    ratio = float(row["gwp_kgCO2eq"]) / library_scores(BOAVIZTA_CARDS[name], "climate_change")
    assert 2.0 <= ratio <= 5.5, (name, ratio)


# -- bad alternatives ---------------------------------------------------------------------------
BAD = [("alternatives_no_source.yaml", "values[0].alternatives[0].source", 11),
       ("alternatives_bad_unit.yaml", "values[0].alternatives[0].unit", 11),
       ("alternatives_unstated_scope.yaml", "values[0].alternatives[0].scope", 11)]


@pytest.mark.parametrize(("fixture", "path", "line"), BAD, ids=[b[0] for b in BAD])
def test_bad_alternative_is_a_located_error(fixture, path, line):
    with pytest.raises(InputError) as caught:
        load_alternatives([FIXTURES / fixture])
    problems = caught.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    assert problems[0].path == path and problems[0].line == line


@pytest.mark.parametrize(("fixture", "path", "line"), BAD, ids=[b[0] for b in BAD])
def test_audit_cli_exits_2_on_a_bad_alternative(fixture, path, line):
    result = CliRunner().invoke(main, ["audit", "--alternatives", str(FIXTURES / fixture)])
    assert result.exit_code == 2
    assert f"{fixture}:{line}: {path}:" in result.output
    assert "Traceback" not in result.output


def test_no_alternatives_file_is_an_error_not_an_empty_audit():
    with pytest.raises(InputError, match="no alternatives file found"):
        load_alternatives([])


def test_unexplained_outlier_fails_the_audit_with_its_location(tmp_path):
    out = tmp_path / "audit.csv"
    result = CliRunner().invoke(main, ["audit", "--alternatives",
                                       str(FIXTURES / "alternatives_outlier.yaml"),
                                       "--csv", str(out)])
    assert result.exit_code == 2
    assert "alternatives_outlier.yaml:2: gpu.test.climate: got 100 kilogram" in result.output
    assert out.read_text(encoding="utf-8").startswith("key,what,indicator,unit,chosen")


def test_audit_writes_an_excel_sheet(tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "audit.xlsx"
    result = CliRunner().invoke(main, ["audit", "--excel", str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out)["Audit"]
    keys = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "gpu.a100_sxm4_40gb.pwb.climate" in keys


# -- the rules ----------------------------------------------------------------------------------
@given(st.lists(st.floats(min_value=1e-3, max_value=1e6), min_size=2, max_size=8))
def test_proposed_gsd_puts_the_extremes_at_the_95_percent_bounds(values):
    gsd = proposed_lognormal_gsd(values)
    if max(values) <= min(values) * (1 + 1e-9):
        assert gsd is None
    else:
        assert gsd is not None
        assert math.log(gsd) * 2 * 1.96 == pytest.approx(math.log(max(values) / min(values)))


def test_outlier_rule_is_a_factor_of_two_either_way():
    entries = load_alternatives([FIXTURES / "alternatives_outlier.yaml"])
    (row,) = audit_entries(entries)
    assert row.outlier and row.ratio_to_median == pytest.approx(1 / 3)
