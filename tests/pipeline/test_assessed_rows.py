"""``assessed_rows``: the rows of stages a variant declares not assessed, grouped by what the
variants skip, equal to marking each variant's rows one by one."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gpulca.core.vocabulary import STAGES
from gpulca.pipeline.compare import assessed_rows
from gpulca.results.comparison import VariantScores

SKIPPABLE = ("building", "network", "storage")


def scores_of(phases_per_variant: list[int]) -> VariantScores:
    offsets = np.cumsum([0] + [p * len(STAGES) for p in phases_per_variant])
    rows = int(offsets[-1])
    stages = np.array([s for p in phases_per_variant for _ in range(p) for s in STAGES],
                      dtype=object)
    names = tuple(f"v{i}" for i in range(len(phases_per_variant)))
    return VariantScores(variants=names, scenarios=names, offsets=offsets,
                         phases=np.array(["p"] * rows, dtype=object),
                         phase_labels=np.array(["P"] * rows, dtype=object), stages=stages,
                         impacts=("gwp",), impact_labels=("GWP",), methods=("m",),
                         units=("kg",), scores=np.zeros((rows, 1)))


def one_by_one(variants: Any, array: VariantScores) -> np.ndarray:
    assessed = np.ones(len(array.stages), dtype=bool)
    for v, name in enumerate(array.variants):
        skipped = list(variants.variants[name].study.study.not_assessed)
        if skipped:
            rows = array.rows_of(v)
            assessed[rows] = ~np.isin(array.stages[rows], skipped)
    return assessed


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.lists(st.sampled_from(SKIPPABLE),
                                                        unique=True)), min_size=1, max_size=8))
def test_grouped_equals_one_by_one(spec: list[tuple[int, list[str]]]) -> None:
    array = scores_of([phases for phases, _ in spec])
    variants = SimpleNamespace(variants={
        name: SimpleNamespace(study=SimpleNamespace(study=SimpleNamespace(not_assessed=skip)))
        for name, (_, skip) in zip(array.variants, spec, strict=True)})
    assert np.array_equal(assessed_rows(variants, array),  # type: ignore[arg-type]
                          one_by_one(variants, array))
