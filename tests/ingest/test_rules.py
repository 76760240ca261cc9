"""Tagging-rules files: strict schema, regexes compiled up front, phases checked."""

from __future__ import annotations

import pytest

from gpulca.core.errors import InputError
from gpulca.ingest.rules import DEFAULT_FAILED_STATES, load_rules

from .conftest import DEFAULT_RULES

MINIMAL = "unmatched_phase: exploration\nrules:\n  - phase: ablation\n    name: '^abl'\n"


def test_shipped_default_rules_are_valid():
    rules = load_rules(DEFAULT_RULES)
    assert rules.spec.failed_phase == "failed_run"
    assert rules.failed_states == frozenset(DEFAULT_FAILED_STATES)
    assert rules.spec.accelerators.gres_types["h100"] == "h100_sxm_80gb"


def test_minimal_rules_take_the_defaults(write):
    rules = load_rules(write("rules.yaml", MINIMAL))
    assert rules.spec.failed_states == list(DEFAULT_FAILED_STATES)
    assert rules.spec.reservation is None


def test_bad_regex_is_located(write):
    path = write("rules.yaml", "rules:\n  - phase: ablation\n    name: '^abl('\n")
    with pytest.raises(InputError) as caught:
        load_rules(path)
    message = str(caught.value)
    assert f"{path}:3: rules[0].name: got '^abl('; invalid regular expression: " \
           "missing ), unterminated subpattern at position 4" == message


def test_unknown_phase_suggests_close_matches(write):
    path = write("rules.yaml", "rules:\n  - phase: ablations\n    name: x\n"
                               "  - phase: pretrain\n    name: y\n")
    with pytest.raises(InputError) as caught:
        load_rules(path)
    first, second = caught.value.problems
    assert (first.line, first.path, first.value) == (2, "rules[0].phase", "ablations")
    assert "did you mean ablation," in first.message
    assert second.line == 4 and "pretraining" in second.message


def test_unknown_failed_and_unmatched_phases(write):
    path = write("rules.yaml", "failed_phase: failures\nunmatched_phase: other\n"
                               "rules:\n  - {phase: ablation, name: x}\n")
    problems = {p.path for p in pytest.raises(InputError, load_rules, path).value.problems}
    assert problems == {"failed_phase", "unmatched_phase"}


def test_phases_declared_in_rules_or_study_are_known(write):
    text = "phases:\n  - {id: distillation, label: Distillation}\nrules:\n" \
           "  - {phase: distillation, name: '^kd-'}\n  - {phase: red_team, name: '^rt-'}\n"
    with pytest.raises(InputError, match="red_team"):
        load_rules(write("rules.yaml", text))
    rules = load_rules(write("rules.yaml", text), extra_phases=[("red_team", "Red teaming")])
    assert rules.labels["distillation"] == "Distillation"


def test_rule_without_pattern_and_unknown_key(write):
    path = write("rules.yaml", "rules:\n  - phase: ablation\n  - phase: ablation\n    jobname: x\n")
    problems = pytest.raises(InputError, load_rules, path).value.problems
    messages = {(p.path, p.line): p.message for p in problems}
    assert "a rule needs at least one pattern" in messages[("rules[0]", 2)]
    assert "unknown key" in messages[("rules[1].jobname", 4)]


def test_no_rules_is_an_error(write):
    with pytest.raises(InputError, match="rules: .*at least 1 item"):
        load_rules(write("rules.yaml", "rules: []\n"))


def test_reservation_is_validated(write):
    text = MINIMAL + ("reservation:\n  phase: exploration\n  gpus: 8\n  start: 2024-02-01\n"
                      "  end: 2024-01-01\n  allocation: all\n  idle_power: 60 parsecs\n")
    message = str(pytest.raises(InputError, load_rules, write("r.yaml", text)).value)
    assert "is not after start" in message


def test_empty_and_non_mapping_files(write):
    with pytest.raises(InputError, match="the file is empty"):
        load_rules(write("rules.yaml", ""))
    with pytest.raises(InputError, match="expected a mapping"):
        load_rules(write("rules.yaml", "- a\n"))
