"""Tagging and the phase table: first match wins, failed states, unmatched jobs, accelerators."""

from __future__ import annotations

import pytest

from gpulca.core.errors import InputError
from gpulca.ingest.summary import sacct_activity

from .conftest import DEFAULT_RULES, HEADER


def _by_phase(rows):
    out: dict[str, float] = {}
    for row in rows:
        out[row.phase] = out.get(row.phase, 0.0) + row.total_gpu_hours
    return out


def test_basic_export_with_default_rules(fixtures):
    result = sacct_activity(fixtures / "sacct-basic.txt", DEFAULT_RULES)
    # 1001 + 1011 (running): 8 GPUs x (24 h + 60 h); 1002_1/_2: 1 x 3.5 h; 1003 hp CANCELLED
    # claimed by the state rule: 2 x 0.5 h; failed: 1004 16 x 10 + 1005 4 x 0.25 + 1006 1 x 4;
    # 1008 unmatched: 2 x 3 h; 1010+0/+1 heterogeneous: 2 x 4 x 5 h.
    assert _by_phase(result.rows) == {
        "final_training": 672.0, "ablation": 3.5, "hyperparameter_search": 1.0,
        "failed_run": 165.0, "exploration": 6.0, "post_training": 40.0}
    summary = result.summary
    assert summary.total_gpu_hours == 887.5
    assert summary.final_training_share == pytest.approx(672 / 887.5)
    assert (summary.allocations, summary.steps, summary.cpu_only) == (14, 5, 3)
    assert (summary.failed_jobs, summary.failed_gpu_hours) == (3, 165.0)
    assert (summary.unmatched_jobs, summary.unmatched_gpu_hours) == (1, 6.0)
    assert summary.unmatched_examples[0]["job_id"] == "1008"
    assert summary.unmatched_examples[0]["line"] == 15
    assert summary.unmapped_gres == {"a100": 1}
    assert summary.never_started == 2


def test_rows_split_by_accelerator_and_kind(fixtures):
    rows = sacct_activity(fixtures / "sacct-basic.txt", DEFAULT_RULES).rows
    failed = {(r.accelerator, r.gpu_hours) for r in rows if r.phase == "failed_run"}
    assert failed == {("h100_sxm_80gb", 164.0), (None, 1.0)}  # 1005: a100 unmapped, debug
    exploration = [r for r in rows if r.phase == "exploration"]
    assert exploration[0].comment == "sacct: 1 jobs that matched no rule"


RULES = """
unmatched_phase: exploration
accelerators:
  partitions: {gpu-a: a100_sxm_40gb}
  default: h100_sxm_80gb
rules:
  - {phase: final_training, name: '^final', model: m1}
  - {phase: ablation, name: '^final-abl'}
  - {phase: debugging, account: '^dbg$'}
  - {phase: hyperparameter_search, name: '^hp', state: TIMEOUT, component: tuner}
"""


def _log(write, *jobs: str):
    return write("s.txt", HEADER + "\n" + "\n".join(jobs) + "\n")


def test_first_match_wins_and_failed_keeps_the_model(write):
    log = _log(write, "1|final-abl|lab|gpu-a|COMPLETED|3600|gres/gpu=1",
               "2|final-x|dbg|gpu-b|FAILED|3600|gres/gpu=2",
               "3|hp-1|lab|gpu-b|TIMEOUT|3600|gres/gpu=4",
               "4|hp-2|lab|gpu-b|FAILED|3600|gres/gpu=8",
               "5|other|dbg|gpu-b|COMPLETED|3600|gres/gpu=16")
    rows = sacct_activity(log, write("r.yaml", RULES)).rows
    table = {(r.phase, r.model, r.component, r.accelerator): r.gpu_hours for r in rows}
    assert table == {
        ("final_training", "m1", None, "a100_sxm_40gb"): 1.0,  # rule 1 before rule 2
        ("failed_run", "m1", None, "h100_sxm_80gb"): 2.0,  # failed, model of rule 1
        ("hyperparameter_search", None, "tuner", "h100_sxm_80gb"): 4.0,  # the state rule claims
        ("failed_run", None, None, "h100_sxm_80gb"): 8.0,  # FAILED is not TIMEOUT
        ("debugging", None, None, "h100_sxm_80gb"): 16.0,
    }


def test_failed_states_can_be_switched_off(write):
    log = _log(write, "1|final-x|lab|gpu|FAILED|3600|gres/gpu=2")
    rules = write("r.yaml", "failed_states: []\n" + RULES)
    assert [r.phase for r in sacct_activity(log, rules).rows] == ["final_training"]


def test_unmatched_jobs_are_an_error_without_unmatched_phase(write):
    log = _log(write, "1|final-x|lab|gpu|COMPLETED|3600|gres/gpu=2",
               "2|mystery|lab|gpu|COMPLETED|7200|gres/gpu=2",
               "3|cpu-job|lab|cpu|COMPLETED|7200|cpu=4")
    rules = write("r.yaml", RULES.replace("unmatched_phase: exploration", ""))
    problems = pytest.raises(InputError, sacct_activity, log, rules).value.problems
    assert "1 GPU jobs (4.0 GPU-h) match no rule" in problems[0].message
    assert (problems[1].line, problems[1].value) == (3, "mystery")


def test_zero_hour_rows_are_left_out_but_counted(write):
    log = _log(write, "1|final-x|lab|gpu|CANCELLED|0|gres/gpu=2",
               "2|final-y|lab|gpu|COMPLETED|60|gres/gpu=2")
    result = sacct_activity(log, write("r.yaml", RULES))
    assert [r.phase for r in result.rows] == ["final_training"]
    assert result.summary.zero_hours == 1


def test_strict_refuses_malformed_lines(fixtures):
    with pytest.raises(InputError) as caught:
        sacct_activity(fixtures / "sacct-malformed.txt", DEFAULT_RULES, strict=True)
    assert [p.line for p in caught.value.problems] == [3, 4, 5, 6, 7, 10]
    lenient = sacct_activity(fixtures / "sacct-malformed.txt", DEFAULT_RULES)
    assert len(lenient.summary.malformed) == 6
    assert lenient.summary.total_gpu_hours == 6.0


def test_reservation_adds_idle_capacity(write):
    log = _log(write, "1|final-x|lab|gpu|COMPLETED|36000|gres/gpu=8")  # 80 GPU-h
    rules = write("r.yaml", RULES + "reservation:\n  phase: exploration\n  gpus: 8\n"
                  "  start: 2024-01-01\n  end: 2024-01-02\n  share: 0.5\n"
                  "  allocation: half of the idle time of the lab's reservation\n"
                  "  idle_power: 60 W\n")
    result = sacct_activity(log, rules)
    idle = [r for r in result.rows if r.phase == "exploration"][0]
    assert idle.gpu_hours == 0.5 * (8 * 24 - 80)  # 56 GPU-h
    assert idle.it_energy == "3.36 kWh"  # 56 GPU-h x 60 W
    assert "allocation: half of the idle time" in idle.comment


def test_reservation_smaller_than_use_adds_nothing(write):
    log = _log(write, "1|final-x|lab|gpu|COMPLETED|360000|gres/gpu=8")
    rules = write("r.yaml", RULES + "reservation:\n  phase: exploration\n  gpus: 1\n"
                  "  start: 2024-01-01\n  end: 2024-01-02\n  allocation: all\n")
    result = sacct_activity(log, rules)
    assert [r.phase for r in result.rows] == ["final_training"]
    assert "more than the 24.0 GPU-h reserved" in result.summary.notes[0]


def test_example_log_with_default_rules():
    from .conftest import ROOT

    result = sacct_activity(ROOT / "scenarios" / "examples" / "sacct-sample.txt", DEFAULT_RULES)
    assert result.summary.final_training_share > 0.5
    assert result.summary.malformed == []
