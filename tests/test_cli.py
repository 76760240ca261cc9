"""End to end: the CLI on the shipped example, in temporary Brightway data directories."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from gpulca.cli import main


def test_run_example_writes_tidy_results(bw_shipped_dir, tmp_path, repo):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(repo / "scenarios/example.yaml"), "-o",
                                       str(out), "--data-dir", str(bw_shipped_dir)])
    assert result.exit_code == 0, result.output
    assert "impacts by research phase" in result.stdout and "total" in result.stdout
    scores = pd.read_csv(out / "results.csv")
    assert set(scores["impact"]) == {"climate_change", "water_use", "water_scarcity_regional",
                                     "water_consumption", "water_withdrawal", "minerals_metals",
                                     "energy"}
    assert set(scores["stage"]) == {"gpu_manufacturing", "server_manufacturing", "electricity",
                                    "cooling_water", "building", "network", "storage"}
    assert scores["score"].notna().all()  # the infrastructure is assessed by default
    assert (scores["score"] > 0).groupby(scores["impact"]).any().all()
    audit = pd.read_csv(out / "audit.csv")
    assert audit["gpu_hours"].sum() == pytest.approx(100_000)


def test_validate_shipped_files_has_no_problems(repo):
    result = CliRunner().invoke(main, ["validate", str(repo / "inventories"),
                                       str(repo / "methods"), str(repo / "scenarios")])
    assert result.exit_code == 0, result.output
    assert "OK: no problems" in result.stdout


def test_validate_reports_problems_in_several_files(tmp_path, repo):
    (tmp_path / "inv.yaml").write_text(
        "processes:\n  - code: a\n    name: a\n    unit: kilogram\n    reference_product: a\n"
        "    source: s\n"
        "    exchanges:\n      - {technosphere: b, amount: 1, unit: kilogram, source: s}\n"
        "      - {technosphere: a, amount: 1, unit: kWh, source: s}\n")
    (tmp_path / "inv2.yaml").write_text(
        "processes:\n  - code: c\n    name: c\n    unit: kilogram\n    reference_product: c\n")
    (tmp_path / "methods.yaml").write_text(
        "impact_categories:\n  - {id: x, label: X, method: [No such, method]}\n")
    (tmp_path / "other.yaml").write_text("hello: 1\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "inv2.yaml:2: processes[0]: no source" in result.stderr
    assert "inv.yaml:8: processes[0].exchanges[0].technosphere: got 'b'" in result.stderr
    assert "methods.yaml:2: impact_categories[0].method" in result.stderr
    assert "other.yaml: not a gpulca file" in result.stderr
    assert "inv.yaml:9: processes[0].exchanges[1].unit" in result.stderr
    assert "5 problems found" in result.stderr


def test_setup_installs_once(bw_setup, tmp_path):
    """``gpulca setup`` into an empty directory installs the background (the session's template
    is made so, tests/conftest.py); run again on it, it finds the background complete."""
    template, first = bw_setup
    assert first.exit_code == 0 and "background installed" in first.stdout
    data_dir = tmp_path / "bw"
    shutil.copytree(template, data_dir)
    second = CliRunner().invoke(main, ["setup", "--data-dir", str(data_dir)])
    assert second.exit_code == 0 and "already complete" in second.stdout


@pytest.mark.slow
def test_console_script_with_brightway2_dir(bw_shipped_dir, tmp_path, repo):
    """The installed `gpulca` command, as a user runs it, reading BRIGHTWAY2_DIR."""
    env = {**os.environ, "BRIGHTWAY2_DIR": str(bw_shipped_dir)}
    script = os.path.join(os.path.dirname(sys.executable), "gpulca")
    done = subprocess.run([script, "run", str(repo / "scenarios/example.yaml"), "-o",
                           str(tmp_path / "out")], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "First run" not in done.stderr  # the background in BRIGHTWAY2_DIR was reused
    assert (tmp_path / "out" / "results.csv").is_file()
    bad = subprocess.run([script, "run", str(tmp_path / "missing.yaml")], env=env,
                         capture_output=True, text=True, timeout=300, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
