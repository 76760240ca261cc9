"""load_activity: every ActivitySpec form, measured energy attached to phases."""

from __future__ import annotations

import logging
import shutil

import pytest
from pydantic import ValidationError

from gpulca.core.errors import InputError
from gpulca.ingest import activity_phases, attach_energy, load_activity
from gpulca.schemas.scenario import ActivityRow, ActivitySpec

from .conftest import DEFAULT_RULES


@pytest.fixture
def study_dir(tmp_path, fixtures):
    for name in ("sacct-basic.txt", "nvidia-smi.csv", "codecarbon-emissions.csv",
                 "sacct-malformed.txt"):
        shutil.copy(fixtures / name, tmp_path / name)
    shutil.copy(DEFAULT_RULES, tmp_path / "rules.yaml")
    return tmp_path


def test_inline_rows(tmp_path):
    spec = ActivitySpec(source="paper", rows=[ActivityRow(phase="ablation", gpu_hours=5)])
    assert load_activity(spec, tmp_path)[0].gpu_hours == 5


def test_csv_file(tmp_path):
    (tmp_path / "a.csv").write_text("phase,gpu_hours\nablation,5\n")
    spec = ActivitySpec(source="table", file="a.csv")
    assert load_activity(spec, tmp_path)[0].phase == "ablation"


def test_sacct_with_energy(study_dir):
    spec = ActivitySpec.model_validate({
        "source": "cluster accounting",
        "sacct": {"log": "sacct-basic.txt", "rules": "rules.yaml"},
        "energy": [{"phase": "post_training", "codecarbon": "codecarbon-emissions.csv",
                    "partial": "two runs of the phase were logged"}],
    })
    rows = load_activity(spec, study_dir)
    post = [r for r in rows if r.phase == "post_training"]
    assert len(post) == 1 and post[0].it_energy == "2.9084 kWh"
    assert post[0].it_energy_gpu_hours == 4.0  # of 40: the other 36 GPU-h stay modelled
    assert "measured energy: codecarbon codecarbon-emissions.csv (2 runs, " in post[0].comment
    assert "measured 4 of 40 GPU-h, the rest modelled" in post[0].comment
    assert sum(r.total_gpu_hours for r in rows) == 887.5


def test_sacct_warnings_are_logged(study_dir, caplog):
    spec = ActivitySpec.model_validate({"source": "x", "sacct": {
        "log": ["sacct-malformed.txt"], "rules": "rules.yaml"}})
    with caplog.at_level(logging.WARNING, logger="gpulca.ingest"):
        load_activity(spec, study_dir)
    assert "6 malformed lines skipped" in caplog.text


def test_sacct_strict(study_dir):
    spec = ActivitySpec.model_validate({"source": "x", "sacct": {
        "log": "sacct-malformed.txt", "rules": "rules.yaml", "strict": True}})
    with pytest.raises(InputError, match="sacct-malformed.txt:3"):
        load_activity(spec, study_dir)


def test_energy_problems_are_collected(study_dir):
    spec = ActivitySpec.model_validate({
        "source": "x", "sacct": {"log": "sacct-basic.txt", "rules": "rules.yaml"},
        "energy": [{"phase": "inference", "nvidia_smi": "nvidia-smi.csv"},
                   {"phase": "ablation", "dcgm": "missing.csv"}]})
    problems = pytest.raises(InputError, load_activity, spec, study_dir).value.problems
    assert "phase 'inference', which has no activity rows" in problems[0].message
    assert problems[0].path == "activity.energy[0]"
    assert "file not found" in problems[1].message


def test_spec_needs_exactly_one_form():
    with pytest.raises(ValidationError, match="one of them"):
        ActivitySpec.model_validate({"source": "x", "file": "a.csv",
                                     "sacct": {"log": "s.txt", "rules": "r.yaml"}})
    with pytest.raises(ValidationError, match="exactly one of 'nvidia_smi'"):
        ActivitySpec.model_validate({"source": "x", "file": "a.csv", "energy": [
            {"phase": "ablation", "nvidia_smi": "a", "dcgm": "b"}]})
    with pytest.raises(ValidationError, match="Extra inputs"):
        ActivitySpec.model_validate({"source": "x", "sacct": {"log": "s", "rules": "r",
                                                               "rule": "r"}})


def test_activity_phases_of_the_rules_file(tmp_path):
    (tmp_path / "r.yaml").write_text("phases: [{id: distillation, label: Distillation}]\n"
                                     "rules: [{phase: distillation, name: '^kd'}]\n")
    spec = ActivitySpec.model_validate({"source": "x", "sacct": {"log": "s", "rules": "r.yaml"}})
    assert activity_phases(spec, tmp_path) == [("distillation", "Distillation")]


ROWS = [ActivityRow(phase="ablation", gpu_hours=30, model="a"),
        ActivityRow(phase="ablation", gpu_hours=10, model="b"),
        ActivityRow(phase="evaluation", gpu_hours=5)]


def test_attach_energy_shares_by_gpu_hours():
    rows = attach_energy(ROWS, "ablation", 8.0, "nvidia-smi x")
    assert [r.it_energy for r in rows] == ["6 kWh", "2 kWh", None]
    assert rows[0].comment == "measured energy: nvidia-smi x (75.0% by GPU-hours)"


def test_attach_energy_to_one_model():
    rows = attach_energy(ROWS, "ablation", 8.0, "x", model="b")
    assert [r.it_energy for r in rows] == [None, "8 kWh", None]


def test_attach_energy_twice_is_refused():
    rows = attach_energy(ROWS, "evaluation", 1.0, "x")
    with pytest.raises(InputError, match="already has measured energy"):
        attach_energy(rows, "evaluation", 1.0, "y")


def test_attach_negative_energy_is_refused_and_high_power_logged(caplog):
    with pytest.raises(InputError, match="negative energy"):
        attach_energy(ROWS, "evaluation", -1.0, "x")
    with caplog.at_level(logging.WARNING, logger="gpulca.ingest"):
        attach_energy(ROWS, "evaluation", 5.0, "x", rated_power_w=700)
    assert "1000 W per GPU on average" in caplog.text


def test_coverage_below_half_is_an_error_unless_deliberate(caplog):
    with pytest.raises(InputError, match=r"covers 4 GPU-h of the phase's 40 GPU-h \(10.00%\)"):
        attach_energy(ROWS, "ablation", 8.0, "x", measured_gpu_hours=4.0)
    with caplog.at_level(logging.WARNING, logger="gpulca.ingest"):
        rows = attach_energy(ROWS, "ablation", 8.0, "x", measured_gpu_hours=4.0,
                             partial="one node was metered")
    assert "the measurement covers 4 GPU-h but the phase has 40 GPU-h (10.0%)" in caplog.text
    assert "deliberate (one node was metered)" in caplog.text
    assert sum(r.it_energy_gpu_hours or 0 for r in rows if r.phase == "ablation") == \
        pytest.approx(4.0)


def test_implied_power_outside_the_range_is_an_error():
    # 8 kWh over 40 GPU-h = 200 W per GPU, above a rated 150 W
    with pytest.raises(InputError, match="200 W per GPU .* outside the accelerator's 15-150 W"):
        attach_energy(ROWS, "ablation", 8.0, "x", measured_gpu_hours=40.0, rated_power_w=150)


def test_example_sacct_study_loads():
    from gpulca.io.yamlio import load_yaml
    from gpulca.schemas import parse
    from gpulca.schemas.scenario import Study

    from .conftest import ROOT

    path = ROOT / "scenarios" / "examples" / "sacct-study.yaml"
    data, lines = load_yaml(path)
    rows = load_activity(parse(Study, data, lines).activity, path.parent)
    final = [r for r in rows if r.phase == "final_training"]
    assert final[0].it_energy == "2016 kWh"


def test_activity_files_lists_every_input(tmp_path):
    from gpulca.ingest import activity_files

    spec = ActivitySpec.model_validate({
        "source": "x", "sacct": {"log": ["a.txt", "b.txt"], "rules": "r.yaml"},
        "energy": [{"phase": "ablation", "dcgm": "d.csv"}]})
    assert [p.name for p in activity_files(spec, tmp_path)] == ["a.txt", "b.txt", "r.yaml",
                                                                "d.csv"]


def test_attach_energy_over_power_is_refused_and_clears_load():
    rows = [ActivityRow(phase="evaluation", gpu_count=8, wall_hours=2, it_power="1500 W"),
            ActivityRow(phase="debugging", gpu_hours=3, gpu_load=0.3)]
    with pytest.raises(InputError, match="already has measured energy"):
        attach_energy(rows, "evaluation", 1.0, "x")
    attached = attach_energy(rows, "debugging", 1.0, "x")[1]
    assert (attached.it_energy, attached.gpu_load) == ("1 kWh", None)
    ActivityRow.model_validate(attached.model_dump())  # still a valid row
