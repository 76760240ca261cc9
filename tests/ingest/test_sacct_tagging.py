"""Columnar tagging (rules run per distinct combination of values) equals tagging row by row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpulca.ingest import tagging
from gpulca.ingest.rules import Rule, Rules, RulesFile
from gpulca.ingest.sacct import SacctJobs
from gpulca.ingest.tagging import combinations, tag_jobs

NAMES = ["final-a", "final_b", "hp-1", "HP-2", "abl-x", "eval", "", "x-final", "nan", "0012"]
PARTITIONS = ["gpu", "debug", "", "cpu"]
STATES = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "RUNNING", ""]
PATTERNS = ["", ".", "^final", "(?i)^hp[-_]", "abl", "^$", "x", "^(debug|cpu)$",
            "FAILED|TIMEOUT", "^COMPLETED$", "a", "[0-9]", "(?i)E"]
PHASES = ["final_training", "hyperparameter_search", "ablation", "evaluation", "debugging"]


def _row_by_row(frame: pd.DataFrame, rules: Rules) -> tuple[list[int], list[bool]]:
    """The outcome of each job as the rules describe it, one job at a time (docs/ingest.md)."""
    spec = rules.spec.rules
    count = len(spec)
    outcomes, failed = [], []
    for record in frame.to_dict("records"):
        is_failed = str(record["state"]) in rules.failed_states
        first_plain = first_state = None
        for index, rule in enumerate(spec):
            if all(p.search(str(record[k])) for k, p in rule.patterns().items()):
                if rule.state is None and first_plain is None:
                    first_plain = index
                if rule.state is not None and first_state is None:
                    first_state = index
        first = min((i for i in (first_plain, first_state) if i is not None), default=None)
        if is_failed and first_state is not None:
            outcome = first_state
        elif is_failed:
            outcome = count + (first_plain if first_plain is not None else count)
        else:
            outcome = first if first is not None else 2 * count + 1
        outcomes.append(outcome)
        failed.append(is_failed)
    return outcomes, failed


_rule = st.builds(
    lambda phase, name, partition, state: Rule(phase=phase, name=name, partition=partition,
                                               state=state),
    st.sampled_from(PHASES), st.sampled_from(PATTERNS),
    st.one_of(st.none(), st.sampled_from(PATTERNS)),
    st.one_of(st.none(), st.sampled_from(PATTERNS)))
_job = st.tuples(st.sampled_from(NAMES), st.sampled_from(PARTITIONS), st.sampled_from(STATES),
                 st.integers(0, 8))


@settings(max_examples=300, deadline=None)
@given(st.lists(_rule, min_size=1, max_size=6), st.lists(_job, min_size=0, max_size=40),
       st.sampled_from([("FAILED", "CANCELLED", "TIMEOUT"), ("FAILED",), ()]))
def test_columnar_tagging_equals_row_by_row(rule_list, jobs, failed_states):
    rules = Rules(RulesFile(rules=rule_list, failed_states=list(failed_states)),
                  {p: p for p in PHASES}, "rules.yaml")
    frame = pd.DataFrame({
        "name": pd.Series([j[0] for j in jobs], dtype="str"),
        "partition": pd.Series([j[1] for j in jobs], dtype="str"),
        "state": pd.Categorical([j[2] for j in jobs]),
        "gpus": np.array([j[3] for j in jobs], dtype=np.int64),
        "gres_type": pd.Series([""] * len(jobs), dtype="str"),
        "wckey": pd.Series([""] * len(jobs), dtype="str"),
    })
    tagging = tag_jobs(SacctJobs(frame, ["x"]), rules)
    outcomes, failed = _row_by_row(frame, rules)
    assert tagging.outcome.tolist() == outcomes
    assert tagging.failed.tolist() == failed


@pytest.mark.parametrize("limit", [8, 1 << 62])  # 8: the key is re-factorised every column
@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(0, 5)),
                     min_size=1, max_size=50))
def test_combinations_group_equal_rows_only(limit, rows):
    codes = [np.array([r[k] for r in rows], dtype=np.intp) for k in range(3)]
    saved, tagging._KEY_LIMIT = tagging._KEY_LIMIT, limit
    try:
        group, members = combinations(codes, [4, 3, 6])
    finally:
        tagging._KEY_LIMIT = saved
    for k in range(3):
        assert (members[k][group] == codes[k]).all()  # each group is one combination
    keys = [tuple(r) for r in rows]
    assert len(set(keys)) == len(members[0])  # and each combination one group
