"""Unit scores: a demand vector's scores are the amount-weighted sum of per-unit scores."""

from __future__ import annotations

import numpy as np
import pytest

from gpulca.core.errors import GpulcaError
from gpulca.engine.unitscores import UnitScores

# Two impact categories (rows) x three processes (columns): the score of one unit of each.
TABLE = UnitScores(codes=("elec_fr", "elec_pl", "gpu"), impacts=("climate", "water"),
                   matrix=np.array([[0.056, 0.662, 164.0],
                                    [0.157, 0.108, 68.6]]))


def test_scores_are_amount_weighted_sums() -> None:
    scores = TABLE.solve({"a|electricity": {"elec_fr": 1000.0},
                          "b|all": {"elec_pl": 10.0, "gpu": 0.5, "elec_fr": 2.0}})
    assert scores[("climate", "a|electricity")] == pytest.approx(56.0)
    assert scores[("water", "b|all")] == pytest.approx(10 * 0.108 + 0.5 * 68.6 + 2 * 0.157)
    assert TABLE.solve({"empty": {}})[("climate", "empty")] == 0.0


def test_a_process_without_unit_score_is_an_error() -> None:
    with pytest.raises(GpulcaError, match="'elec_sg' has no unit score"):
        TABLE.solve({"x": {"elec_sg": 1.0}})
