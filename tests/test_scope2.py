"""Location-based and market-based Scope 2 electricity (issue 15): ``gpulca scope2``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gpulca.cli import main
from gpulca.pipeline.run import run_study
from gpulca.pipeline.scope2 import scope2_frame
from gpulca.pipeline.validate import validate_paths

STUDY = """name: scope2-check
site:
  site: industry_average
  grid_zone: DE
{market}hardware:
  accelerator: h100_sxm_80gb
  server: hgx_h100_host
  lifetime: {{value: 6 year, source: "test"}}
  utilisation: {{value: 0.85, assumption: "test"}}
activity:
  source: "test"
  rows:
    - {{phase: exploration, gpu_hours: 1000}}
    - {{phase: final_training, gpu_hours: 10000}}
"""
MARKET = """  market_based:
    renewable_share: {value: 0.6, source: "PPA register (test)"}
    residual_factor: {value: 724 g/kWh, source: "AIB European Residual Mixes 2024, DE (test)"}
    instrument: "PPA, wind"
"""


def write(tmp_path: Path, market: str) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(STUDY.format(market=market), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def frame(tmp_path_factory, module_bw):
    path = write(tmp_path_factory.mktemp("scope2"), MARKET)
    return scope2_frame(run_study(path, data_dir=module_bw)).set_index(["phase", "basis"])


def test_location_based_is_the_zones_factor(frame):
    total = frame.loc[("total", "location-based")]
    # DE: Ember/OWID 2023 life-cycle 380.95 g/kWh (data/sources/country_electricity_factors_
    # comparison.csv row DEU), carried by the library's electricity_de process
    assert total.g_co2e_per_kwh == pytest.approx(380.95, rel=1e-5)


def test_market_based_is_the_unmatched_share_at_the_residual_factor(frame):
    for phase in ("exploration", "final_training", "total"):
        row = frame.loc[(phase, "market-based")]
        assert row.kg_co2e == pytest.approx(row.facility_kwh * 0.4 * 724 / 1000)
        assert "60% matched (PPA, wind)" in row.method


def test_without_residual_factor_the_location_factor_stands_in(tmp_path, module_bw):
    market = "  market_based:\n    renewable_share: {value: 0.25, source: \"GO register\"}\n"
    frame = scope2_frame(run_study(write(tmp_path, market), data_dir=module_bw))
    total = frame[frame["phase"] == "total"].set_index("basis")
    assert total.loc["market-based", "kg_co2e"] == pytest.approx(
        0.75 * total.loc["location-based", "kg_co2e"])
    assert "location-based factor" in total.loc["market-based", "method"]


@pytest.mark.parametrize(("market", "words"), [
    ("  market_based:\n    residual_factor: {value: 300 g/kWh, assumption: \"guess\"}\n",
     "needs a 'source'"),
    ("  market_based:\n    instrument: PPA\n", "give 'renewable_share'"),
])
def test_market_based_without_source_is_a_located_error(tmp_path, market, words):
    path = write(tmp_path, market)
    problems = [str(p) for p in validate_paths([path]).report]
    assert any(f"{path}:5: site.market_based" in p and words in p for p in problems), problems


def test_share_out_of_range_exits_2(tmp_path, module_bw):
    market = "  market_based:\n    renewable_share: {value: 1.4, source: \"PPA\"}\n"
    result = CliRunner().invoke(main, ["scope2", str(write(tmp_path, market)),
                                       "--data-dir", str(module_bw)])
    assert result.exit_code == 2
    assert "site.market_based.renewable_share: got 1.4; expected a share between 0 and 1" \
        in result.output


def test_cli_writes_labelled_csv_and_sheet(tmp_path, module_bw):
    from openpyxl import load_workbook

    out, book = tmp_path / "scope2.csv", tmp_path / "scope2.xlsx"
    result = CliRunner().invoke(main, ["scope2", str(write(tmp_path, MARKET)), "--data-dir",
                                       str(module_bw), "--csv", str(out), "--excel", str(book)])
    assert result.exit_code == 0, result.output
    assert "market-based" in result.output and "location-based" in result.output
    assert out.read_text(encoding="utf-8").startswith("phase,basis,facility_kwh,kg_co2e")
    labels = {row[1] for row in load_workbook(book)["Scope 2"].iter_rows(values_only=True)}
    assert {"LOCATION-BASED", "MARKET-BASED"} <= labels
