"""``gpulca ingest`` end to end through click's CliRunner: outputs, exit codes, no partial file."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gpulca.cli import main
from gpulca.ingest.activity_csv import read_activity_csv

from ..conftest import DEFAULT_RULES, FIXTURES


@pytest.fixture
def run():
    def _run(*args: str):
        return CliRunner().invoke(main, ["ingest", *[str(a) for a in args]])

    return _run


def test_sacct_writes_activity_and_prints_summary(run, tmp_path):
    out = tmp_path / "activity.csv"
    result = run("sacct", FIXTURES / "sacct-basic.txt", "--rules", DEFAULT_RULES, "-o", out)
    assert result.exit_code == 0, result.output
    assert "GPU-hours per phase" in result.output
    assert "Final training: 75.7 % of the GPU-hours." in result.output
    assert "1 GPU jobs (6 GPU-h) matched no rule" in result.output
    assert "job 1008 'mystery'" in result.output
    assert "gres type 'a100' (1 jobs) maps to no accelerator" in result.output
    assert sum(r.total_gpu_hours for r in read_activity_csv(out)) == 887.5


def test_sacct_malformed_lines_are_listed(run, tmp_path):
    result = run("sacct", FIXTURES / "sacct-malformed.txt", "--rules", DEFAULT_RULES)
    assert result.exit_code == 0, result.output
    assert "6 malformed lines skipped" in result.output
    assert "sacct-malformed.txt:3: got '3002|final-b|lab|gpu|COMPLETED|3600|cpu=8,gres/gpu=4," \
           "node=1'; expected 8 fields separated by '|', found 7" in result.output


def test_sacct_strict_exits_2_and_writes_nothing(run, tmp_path):
    out = tmp_path / "activity.csv"
    result = run("sacct", FIXTURES / "sacct-malformed.txt", "--rules", DEFAULT_RULES, "-o", out,
                 "--strict")
    assert result.exit_code == 2
    assert "sacct-malformed.txt:7: got b'\\xff\\xfe|l'; line is not valid UTF-8" in result.output
    assert "nothing was written" in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_bad_rules_exit_2_and_keep_the_previous_output(run, tmp_path):
    out = tmp_path / "activity.csv"
    out.write_text("previous\n")
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - phase: finetuning\n    name: '(('\n")
    result = run("sacct", FIXTURES / "sacct-basic.txt", "--rules", rules, "-o", out)
    assert result.exit_code == 2
    assert "rules.yaml:3: rules[0].name: got '(('; invalid regular expression" in result.output
    assert out.read_text() == "previous\n"


def test_empty_log_exits_2(run, tmp_path):
    log = tmp_path / "empty.txt"
    log.write_text("")
    result = run("sacct", log, "--rules", DEFAULT_RULES)
    assert result.exit_code == 2
    assert "empty.txt:1: the file is empty; expected a header line" in result.output


def test_energy_attached_to_phase(run, tmp_path):
    activity = tmp_path / "activity.csv"
    assert run("sacct", FIXTURES / "sacct-basic.txt", "--rules", DEFAULT_RULES, "-o",
               activity).exit_code == 0
    result = run("codecarbon", FIXTURES / "codecarbon-emissions.csv", "--phase",
                 "post_training", "--activity", activity, "-o", activity,
                 "--partial", "the log covers the first runs only")
    assert result.exit_code == 0, result.output
    assert "codecarbon: 2.9084 kWh for phase 'post_training' over 4.000 GPU-h" in result.output
    rows = read_activity_csv(activity)
    assert [r.it_energy for r in rows if r.phase == "post_training"] == ["2.9084 kWh"]
    assert [r.it_energy_gpu_hours for r in rows if r.phase == "post_training"] == [4.0]


def test_energy_covering_a_sliver_of_the_phase_exits_2(run, tmp_path):
    activity = tmp_path / "activity.csv"
    run("sacct", FIXTURES / "sacct-basic.txt", "--rules", DEFAULT_RULES, "-o", activity)
    before = activity.read_text()
    result = run("codecarbon", FIXTURES / "codecarbon-emissions.csv", "--phase",
                 "post_training", "--activity", activity, "-o", activity)
    assert result.exit_code == 2
    assert "covers 4 GPU-h of the phase's 40 GPU-h (10.00%)" in result.output
    assert activity.read_text() == before


def test_nvidia_smi_flags_power_above_rated(run):
    result = run("nvidia-smi", FIXTURES / "nvidia-smi-nounits.csv", "--phase", "ablation",
                 "--rated-power", "400 W")
    assert result.exit_code == 0, result.output
    assert "650 W per GPU on average" in result.output
    assert "is above the rated 400 W" in result.output
    assert "1 intervals longer than 75 s were not integrated" in result.output


def test_dcgm_with_max_gap(run):
    result = run("dcgm", FIXTURES / "dcgm-power.csv", "--phase", "ablation", "--max-gap", "1 min")
    assert result.exit_code == 0, result.output
    assert "dcgm: 0.00291667 kWh" in result.output


def test_energy_for_a_phase_without_rows_exits_2(run, tmp_path):
    activity = tmp_path / "activity.csv"
    activity.write_text("phase,gpu_hours\nablation,10\n")
    out = tmp_path / "out.csv"
    result = run("nvidia-smi", FIXTURES / "nvidia-smi.csv", "--phase", "inference",
                 "--activity", activity, "-o", out)
    assert result.exit_code == 2
    assert "phase 'inference', which has no activity rows" in result.output
    assert not out.exists()


def test_activity_without_output_is_a_usage_error(run, tmp_path):
    result = run("nvidia-smi", FIXTURES / "nvidia-smi.csv", "--phase", "ablation", "--activity",
                 tmp_path / "a.csv")
    assert result.exit_code == 2
    assert "--activity and -o/--output go together" in result.output


def test_bad_quantity_option(run):
    result = run("nvidia-smi", FIXTURES / "nvidia-smi.csv", "--phase", "x", "--max-gap", "soon")
    assert result.exit_code == 2
    assert "--max-gap" in result.output


def test_partial_measurement_is_an_error_unless_deliberate(run, tmp_path):
    activity = tmp_path / "activity.csv"
    activity.write_text("phase,gpu_hours\nablation,10\n")
    result = run("nvidia-smi", FIXTURES / "nvidia-smi.csv", "--phase", "ablation",
                 "--activity", activity, "-o", activity)
    assert result.exit_code == 2, result.output
    assert "covers 0.00111111 GPU-h of the phase's 10 GPU-h (0.01%)" in result.output
    result = run("nvidia-smi", FIXTURES / "nvidia-smi.csv", "--phase", "ablation",
                 "--activity", activity, "-o", activity, "--partial", "a sample")
    assert result.exit_code == 0, result.output
    assert "the measurement covers 0.00111111 GPU-h but the phase has 10 GPU-h" in result.output
    (row,) = read_activity_csv(activity)
    assert row.it_energy_gpu_hours == pytest.approx(4 / 3600)


def test_example_sacct_study_validates():
    from ..conftest import ROOT

    result = CliRunner().invoke(main, ["validate",
                                       str(ROOT / "scenarios" / "examples" / "sacct-study.yaml")])
    assert result.exit_code == 0, result.output


def test_validate_checks_rules_files(tmp_path):
    good = tmp_path / "lab-rules.yaml"
    good.write_text("accelerators: {default: h100_sxm_80gb}\nrules: [{phase: ablation, name: x}]\n")
    bad = tmp_path / "other-rules.yaml"
    bad.write_text("rules: [{phase: ablations, name: '('}]\n")
    result = CliRunner().invoke(main, ["validate", str(good), str(bad)])
    assert result.exit_code == 2
    assert "other-rules.yaml:1: rules[0].name: got '('; invalid regular expression" \
        in result.output
    assert "lab-rules.yaml" not in result.output
