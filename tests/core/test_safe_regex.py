"""Tagging-rule patterns are searched with a time limit (issue 18: '^(a+)+$' hung ingest)."""

from __future__ import annotations

import time

import pytest

from gpulca.core.safe_regex import RegexSyntaxError, RegexTimeout, compile_safe


def test_a_catastrophic_pattern_is_stopped_and_named():
    pattern = compile_safe(r"^(a|aa)+$", timeout_s=0.05)
    start = time.perf_counter()
    with pytest.raises(RegexTimeout, match=r"\^\(a\|aa\)\+\$"):
        pattern.search("a" * 5000 + "!")
    assert time.perf_counter() - start < 10  # unbounded, this runs for ever


def test_re_semantics_are_kept():
    assert compile_safe(r"^pretrain-\d+").search("pretrain-12 run") is not None
    assert compile_safe(r"CANCELLED|TIMEOUT").search("COMPLETED") is None
    with pytest.raises(RegexSyntaxError) as caught:
        compile_safe("(unclosed")
    assert caught.value.pos == 0 and "missing )" in caught.value.msg


def test_matches_is_search_over_a_list_and_names_the_slow_text():
    pattern = compile_safe(r"^(hp|sweep)[-_]")
    texts = ["hp-1", "HP-1", "sweep_2", "x hp-1", ""]
    assert pattern.matches(texts) == [pattern.search(t) is not None for t in texts]
    slow = compile_safe(r"^(a|aa)+$", timeout_s=0.05)
    with pytest.raises(RegexTimeout, match="aaaa"):
        slow.matches(["b", "a" * 5000 + "!"])
