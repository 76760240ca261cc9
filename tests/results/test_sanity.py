"""Non-finite and negative scores are reported with their causes (issue 18)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from gpulca.results.sanity import score_problems


def _library(amount: float, intended: bool) -> SimpleNamespace:
    def exchange(kind: str, target: str, value: float, meant: bool = False) -> SimpleNamespace:
        return SimpleNamespace(kind=kind, target=target, amount=value, unit="kilogram",
                               spec=SimpleNamespace(negative_intended=meant))

    return SimpleNamespace(exchanges={
        "grid": [exchange("biosphere", "co2", 0.5)],
        "recycling": [exchange("technosphere", "grid", 1.0),
                      exchange("biosphere", "co2", amount, intended)],
    })


def _scores(score: float) -> pd.DataFrame:
    return pd.DataFrame({"phase": ["final"], "stage": ["end_of_life"], "impact": ["gwp"],
                         "score": [score], "unit": ["kg CO2-eq"]})


DEMANDS = {"final": {"end_of_life": {"recycling": 2.0}}}


def test_a_negative_score_names_the_negative_exchange():
    problems = score_problems(_scores(-3.0), DEMANDS, _library(-2.0, False), "s.yaml")
    assert len(problems) == 1
    message = str(problems[0])
    assert "negative" in message and "recycling.exchanges[1] (-2 kilogram)" in message
    assert "'final'" in message and "'gwp'" in message


def test_an_intended_negative_flow_is_published():
    assert score_problems(_scores(-3.0), DEMANDS, _library(-2.0, True), "s.yaml") == []


def test_a_negative_score_without_negative_exchange_is_reported():
    message = str(score_problems(_scores(-3.0), DEMANDS, _library(2.0, False), "s.yaml")[0])
    assert "no negative exchange" in message and "recycling" in message


def test_a_non_finite_score_names_its_key_and_demand():
    demands = {"final": {"end_of_life": {"recycling": float("inf")}}}
    message = str(score_problems(_scores(float("inf")), demands, _library(1.0, False),
                                 "s.yaml")[0])
    assert "not finite" in message and "'end_of_life'" in message and "recycling (inf)" in message


def test_rounding_noise_and_positive_scores_pass():
    frame = pd.concat([_scores(1e6), _scores(-1e-9)])
    assert score_problems(frame, DEMANDS, _library(1.0, False), "s.yaml") == []
