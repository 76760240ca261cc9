"""Hourly grid intensity (issue 15): the Electricity Maps CSV, job weighting, bad series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from gpulca.cli import main
from gpulca.core.errors import InputError
from gpulca.model.hourly import (
    HourlySeries,
    job_intensity_g_per_kwh,
    load_hourly_series,
    read_hourly_series,
    time_resolved_emissions,
)

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "data" / "sources" / "electricitymaps_de_2024_hourly_first_week.csv"
HEADER = ("Datetime (UTC),Country,Zone name,Zone id,Carbon intensity gCO₂eq/kWh (direct),"
          "Carbon intensity gCO₂eq/kWh (Life cycle),Carbon-free energy percentage (CFE%),"
          "Renewable energy percentage (RE%),Data source,Data estimated,Data estimation method")


def rows(*items: tuple[str, float], zone: str = "FR") -> str:
    lines = [HEADER] + [f"{t},France,France,{zone},{v / 2},{v},90,80,rte,false,"
                        for t, v in items]
    return "\n".join(lines) + "\n"


def test_shipped_series_is_a_week_of_german_hours_with_its_licence():
    series = load_hourly_series(SHIPPED)
    assert (series.zone, len(series.values), series.basis) == ("DE", 168, "life_cycle")
    assert series.values[:3].tolist() == [177.74, 179.08, 183.69]  # file rows 1-3, LCA column
    assert "ODbL" in SHIPPED.read_text(encoding="utf-8").splitlines()[1]


def test_direct_column_is_read_when_asked():
    assert load_hourly_series(SHIPPED, basis="direct").values[0] == 133.1


def test_a_job_is_weighted_by_the_fractions_of_hours_it_ran():
    series = load_hourly_series(SHIPPED)
    t0 = series.start_s
    mean, covered = job_intensity_g_per_kwh(series, np.array([t0 + 1800]),
                                            np.array([t0 + 3 * 3600 - 1800]))
    expected = (0.5 * 177.74 + 179.08 + 0.5 * 183.69) / 2  # hand check
    assert mean[0] == pytest.approx(expected)
    assert covered[0] == 1.0


def test_time_resolved_beside_the_average_and_jobs_outside_at_the_annual_factor():
    series = read_hourly_series(rows(("2024-01-01 00:00:00", 100), ("2024-01-01 01:00:00", 300)),
                                "s.csv")
    t0 = series.start_s
    # 10 kWh in the first hour, 10 kWh half in the second hour, half after the series
    result = time_resolved_emissions(series, np.array([t0, t0 + 3600 * 1.5]),
                                     np.array([t0 + 3600, t0 + 3600 * 2.5]),
                                     np.array([10.0, 10.0]), annual_g_per_kwh=200.0)
    assert result.time_resolved_kg == pytest.approx((10 * 100 + 5 * 300 + 5 * 200) / 1000)
    assert result.average_kg == pytest.approx(20 * 200 / 1000)
    assert result.coverage == pytest.approx(0.75)


@given(st.floats(min_value=1, max_value=900), st.floats(min_value=0, max_value=47),
       st.floats(min_value=0.01, max_value=1))
def test_a_constant_series_gives_its_value_for_any_job_inside(value, start_h, length):
    series = HourlySeries("s.csv", "FR", "life_cycle", 0, np.full(48, value))
    end_h = min(start_h + length, 48.0)
    mean, _ = job_intensity_g_per_kwh(series, np.array([start_h * 3600]),
                                      np.array([end_h * 3600]))
    assert mean[0] == pytest.approx(value)


BAD = [
    ("gap", rows(("2024-01-01 00:00:00", 1), ("2024-01-01 03:00:00", 1)), 3, "gap: 2 missing"),
    ("duplicate", rows(("2024-01-01 00:00:00", 1), ("2024-01-01 00:00:00", 1)), 3,
     "duplicate hour"),
    ("offset", rows(("2024-01-01T00:00:00+01:00", 1)), 2, "no other time zone"),
    ("local", rows(("2024-01-01 00:00:00", 1)).replace("Datetime (UTC)", "Datetime (local)"), 1,
     "'Datetime (UTC)'"),
    ("unit", rows(("2024-01-01 00:00:00", 1)).replace("gCO₂eq/kWh (Life cycle)",
                                                       "kgCO₂eq/kWh (Life cycle)"), 1,
     "another unit"),
    ("negative", rows(("2024-01-01 00:00:00", -5)), 2, "non-negative"),
]


@pytest.mark.parametrize(("name", "text", "line", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_series_is_a_located_error(name, text, line, words):
    with pytest.raises(InputError) as caught:
        read_hourly_series(text, f"{name}.csv")
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == (f"{name}.csv", line)
    assert words in problem.message


def test_series_of_two_zones_or_another_zone_is_refused():
    two = rows(("2024-01-01 00:00:00", 1)) + rows(("2024-01-01 01:00:00", 1),
                                                  zone="DE").split("\n", 1)[1]
    with pytest.raises(InputError, match="one zone per file"):
        read_hourly_series(two, "two.csv")
    with pytest.raises(InputError, match="study's zone 'DE'"):
        read_hourly_series(rows(("2024-01-01 00:00:00", 1)), "fr.csv", zone="DE")


STUDY = """name: de-hourly
site: {site: industry_average, grid_zone: DE}
hardware:
  accelerator: h100_sxm_80gb
  server: hgx_h100_host
  lifetime: {value: 6 year, source: "test"}
  utilisation: {value: 0.85, assumption: "test"}
activity:
  source: "test"
  rows:
    - {phase: final_training, gpu_hours: 100}
"""
SACCT = """JobID|State|ElapsedRaw|AllocTRES|Start
1|COMPLETED|36000|gres/gpu=8|2024-01-02T09:00:00
1.batch|COMPLETED|36000|gres/gpu=8|2024-01-02T09:00:00
2|COMPLETED|7200|gres/gpu=16|2024-01-09T22:30:00
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "study.yaml").write_text(STUDY, encoding="utf-8")
    (tmp_path / "sacct.txt").write_text(SACCT, encoding="utf-8")
    (tmp_path / "log.csv").write_text("start,end,energy_kwh\n2024-01-02 08:00:00,"
                                      "2024-01-02 18:00:00,85\n", encoding="utf-8")
    return tmp_path


def _hourly(files, *args):
    return CliRunner().invoke(main, ["hourly", str(files / "study.yaml"), "--series",
                                     str(SHIPPED), *args])


def test_cli_refuses_a_job_outside_the_series_with_its_line(files):
    result = _hourly(files, "--jobs", str(files / "sacct.txt"), "--jobs-tz", "Europe/Berlin")
    assert result.exit_code == 2
    assert f"{files / 'sacct.txt'}:4: job: got '2024-01-09 21:30 to 2024-01-09 23:30 UTC'" \
        in result.output


def test_cli_requires_the_time_zone_of_sacct(files):
    result = _hourly(files, "--jobs", str(files / "sacct.txt"))
    assert result.exit_code == 2 and "--jobs-tz" in result.output


def test_cli_time_resolved_beside_the_average(files):
    out = files / "jobs.csv"
    result = _hourly(files, "--jobs", str(files / "sacct.txt"), "--jobs-tz", "+01:00",
                     "--outside", "annual", "--csv", str(out))
    assert result.exit_code == 0, result.output
    assert "average of the series" in result.output and "time-resolved" in result.output
    assert "coverage 71.4%" in result.output  # 85.1 of 119.2 kWh inside the week
    assert out.read_text(encoding="utf-8").startswith("job,start_utc,end_utc,facility_kwh")


def test_cli_energy_log(files):
    result = _hourly(files, "--jobs", str(files / "log.csv"))
    assert result.exit_code == 0, result.output
    assert "facility electricity 85 kWh, coverage 100.0%" in result.output
