"""Properties of the whole pipeline (real bw2calc solves) on the tiny inventory.

- linear in GPU-hours: scaling every row by k scales every score by k;
- additive over phases: a study's total equals the sum of studies of its phases alone;
- non-decreasing in PUE and in grid intensity.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpulca.pipeline.run import run_resolved
from gpulca.study.resolve import load_study

TINY = Path(__file__).parent.parent / "fixtures" / "tiny" / "study.yaml"
SETTINGS = settings(max_examples=8, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def data_dir(module_bw):
    return module_bw


@pytest.fixture(scope="module")
def study():
    return load_study(TINY)


@pytest.fixture(scope="module")
def base_totals(study, data_dir):
    """The study's totals as written, solved once for the module (the same for every example)."""
    return totals(run_resolved(study, data_dir))


def totals(result):
    return result.scores.groupby("impact")["score"].sum()


def with_rows(study, rows):
    return dataclasses.replace(study, activity=rows)


@SETTINGS
@given(factor=st.floats(min_value=0.01, max_value=1000))
def test_linear_in_gpu_hours(study, data_dir, base_totals, factor):
    base = base_totals
    scaled_rows = [row.model_copy(update={"gpu_hours": row.total_gpu_hours * factor,
                                          "gpu_count": None, "wall_hours": None})
                   for row in study.rows]
    scaled = totals(run_resolved(with_rows(study, scaled_rows), data_dir))
    assert scaled.to_numpy() == pytest.approx(base.to_numpy() * factor, rel=1e-9)


def test_additive_over_phases(study, data_dir, base_totals):
    whole = base_totals
    parts = sum(totals(run_resolved(with_rows(study, [row]), data_dir)) for row in study.rows)
    assert whole.to_numpy() == pytest.approx(parts.to_numpy(), rel=1e-9)


@SETTINGS
@given(low=st.floats(1.0, 2.0), step=st.floats(0.0, 1.0))
def test_non_decreasing_in_pue(study, data_dir, low, step):
    def run(pue):
        return totals(run_resolved(dataclasses.replace(
            study, site=dataclasses.replace(study.site, pue=pue)), data_dir))

    lower, higher = run(low), run(low + step)
    assert (higher.to_numpy() >= lower.to_numpy() * (1 - 1e-12)).all()
    if step > 1e-6:
        assert higher["climate_change"] > lower["climate_change"]


def test_non_decreasing_in_grid_intensity(data_dir, tmp_path):
    source = TINY.parent
    for name in ("inventory.yaml", "study.yaml"):
        shutil.copy(source / name, tmp_path / name)
    study_text = (tmp_path / "study.yaml").read_text().replace(
        "../../../methods/default.yaml", str(source.parent.parent.parent / "methods" /
                                            "default.yaml"))
    (tmp_path / "study.yaml").write_text(study_text)
    inventory = (tmp_path / "inventory.yaml").read_text()
    results = []
    for co2 in ("0.1", "0.5", "0.9"):
        (tmp_path / "inventory.yaml").write_text(inventory.replace(
            "amount: 0.5, unit: kilogram", f"amount: {co2}, unit: kilogram", 1))
        results.append(totals(run_resolved(load_study(tmp_path / "study.yaml"), data_dir)))
    climate = [r["climate_change"] for r in results]
    assert climate[0] < climate[1] < climate[2]
    for impact in ("water_use", "minerals_metals", "energy"):
        assert results[0][impact] == pytest.approx(results[2][impact], rel=1e-12)
