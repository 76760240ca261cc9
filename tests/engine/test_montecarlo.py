"""gpulca's Monte Carlo agrees with bw2calc's own (``use_distributions=True`` + ``next()``) on a
small model whose exchanges carry every distribution gpulca samples (lognormal, normal, uniform,
triangular; technosphere and biosphere), and it is reproducible byte for byte for a seed."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from gpulca.core.sampling import uniform_quantiles
from gpulca.engine.gateway import open_session
from gpulca.pipeline.uncertainty import run_uncertainty
from gpulca.study.resolve import load_study

FIXTURE = Path(__file__).parent.parent / "fixtures" / "uncertain" / "study.yaml"
ITERATIONS = 1000


@pytest.fixture(scope="module")
def mc_bw(bw_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The background plus the fixture's database, shared by this module."""
    import shutil

    target = tmp_path_factory.mktemp("bw-mc") / "brightway"
    shutil.copytree(bw_template, target)
    return target


def _bw2calc_scores(bd_dir: Path, database: str, code: str, method: tuple[str, ...],
                    iterations: int) -> np.ndarray:
    import bw2calc as bc
    import bw2data as bd

    from gpulca.engine.project import gpulca_project

    with gpulca_project("gpulca", bd_dir), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        node = bd.get_node(database=database, code=code)
        lca = bc.LCA({node.id: 1.0}, method=method, use_distributions=True, seed_override=7)
        lca.lci()
        lca.lcia()
        scores = [lca.score]
        for _ in range(iterations - 1):
            next(lca)
            scores.append(lca.score)
    return np.array(scores)


def _within_sampling_error(ours: np.ndarray, theirs: np.ndarray) -> None:
    n = len(ours)
    standard_error = np.hypot(ours.std(ddof=1), theirs.std(ddof=1)) / np.sqrt(n)
    assert abs(ours.mean() - theirs.mean()) < 4 * standard_error
    for q in (2.5, 5, 50, 95, 97.5):
        # gpulca's percentile lies within bw2calc's percentiles q +- 4 binomial standard errors
        delta = 400 * np.sqrt(q / 100 * (1 - q / 100) / n)
        low, high = np.percentile(theirs, [max(q - delta, 0), min(q + delta, 100)])
        assert low <= np.percentile(ours, q) <= high, q


def test_matrix_sampling_agrees_with_bw2calc(mc_bw: Path) -> None:
    bw_dir, code = mc_bw, "u_gpu"  # u_gpu reaches every uncertain exchange
    study = load_study(FIXTURE)
    category = study.methods.impact_categories[0]
    with open_session("gpulca", bw_dir) as session:
        database = session.prepare(study.library, study.methods, str(study.methods_file)).database
        model = session.matrix_model(database, [code], study.methods)
    assert model.input_count >= 3 + 1 + 2  # u_grid's three, u_chip's, u_gpu's two inputs
    assert len(model.technosphere.uncertain) == 2  # the per-iteration factorisation path
    ours = model.scores(uniform_quantiles(ITERATIONS, model.input_count, 11),
                        np.ones((1, 1)))[:, 0, 0]
    theirs = _bw2calc_scores(bw_dir, database, code, category.method, ITERATIONS)
    _within_sampling_error(ours, theirs)


def test_library_parameter_sets_its_exchanges(mc_bw: Path) -> None:
    """host_steel (10 to 40 kg) -> the host's CO2 exchange, 'host_steel * 40' kg: with the host
    at 10 and 40 kg, one host scores 400 and 1,600 kg CO2-eq."""
    from gpulca.library.sampling import exchange_amounts, sampled_exchanges, uncertain_parameters

    study = load_study(FIXTURE)
    inputs = [p for p in uncertain_parameters(study.library) if p.name == "host_steel"]
    exchanges = sampled_exchanges(study.library, {"host_steel"})
    assert [(e.process, e.kind) for e in exchanges] == [("u_host", "biosphere")]
    amounts = exchange_amounts(study.library, inputs, np.array([[10.0], [40.0]]), exchanges)
    assert amounts[:, 0] == pytest.approx([400.0, 1600.0])
    with open_session("gpulca", mc_bw) as session:
        database = session.prepare(study.library, study.methods, str(study.methods_file)).database
        model = session.matrix_model(database, ["u_host"], study.methods,
                                     [(e.kind, e.target, e.process, e.amount) for e in exchanges])
    where = model.exchange_positions[0]
    assert where is not None and where[0] == "biosphere"
    q = np.full((2, model.input_count), 0.5)
    scores = model.scores(q, np.ones((1, 1)), {"biosphere": (np.array([where[1]]), amounts)})
    assert scores[:, 0, 0] == pytest.approx([400.0, 1600.0])


def test_run_is_reproducible_and_samples_study_parameters(mc_bw: Path) -> None:
    first = run_uncertainty(FIXTURE, 200, seed=5, data_dir=mc_bw, sobol=0).uncertainty
    outcome = run_uncertainty(FIXTURE, 200, seed=5, data_dir=mc_bw, sobol=16)
    again = outcome.uncertainty
    assert first.statistics.to_csv().encode() == again.statistics.to_csv().encode()
    assert not np.array_equal(uniform_quantiles(5, 3, 5), uniform_quantiles(5, 3, 6))
    sampled = set(first.inputs.loc[first.inputs["status"] == "sampled", "key"])
    assert {"site.pue", "hardware.lifetime", "hardware[u_card].gpu_load"} <= sampled
    assert "host_steel" in sampled  # a library parameter, through an exchange formula
    assert set(first.inputs.loc[first.inputs["status"] == "no effect", "key"]) == {
        "unused_share"}
    fixed = set(first.inputs.loc[first.inputs["status"] == "fixed", "key"])
    assert {"site.wue", "hardware.utilisation"} <= fixed
    total = first.statistics[(first.statistics["phase"] == "total")
                             & (first.statistics["stage"] == "total")]
    assert (total["p2_5"] <= total["median"]).all() and (total["median"] <= total["p97_5"]).all()
    from gpulca.reports import tables as rp
    from gpulca.reports.charts import chart_figures
    from gpulca.reports.excel import build_workbook

    report = rp.build_report([outcome.result], methods=[])
    assert "Uncertainty" in build_workbook(report).sheetnames
    assert {"uncertainty", "sensitivity"} <= set(chart_figures(report))
    frame = again.sensitivity  # Sobol: a ranking per impact, largest total index first
    assert frame is not None and not frame.empty
    climate = frame[frame["impact"] == "climate_change"]
    assert list(climate["rank"]) == list(range(1, len(climate) + 1))
    assert climate["ST"].is_monotonic_decreasing


def test_compare_under_uncertainty(mc_bw: Path) -> None:
    from gpulca.pipeline.uncertain_compare import compare_uncertainty

    siting = Path(__file__).parent.parent / "fixtures" / "siting" / "study.yaml"
    outcome = compare_uncertainty(siting, 100, seed=3, data_dir=mc_bw)
    frame = outcome.variants
    baseline = outcome.comparison.baseline
    assert frame.loc[frame["variant"] == baseline, "p_beats_baseline"].isna().all()
    others = frame[frame["variant"] != baseline]
    assert others["p_beats_baseline"].between(0, 1).all()
    sums = outcome.ranks.groupby(["variant", "impact"])["probability"].sum()
    assert np.allclose(sums, 1.0)
    best = frame.groupby("impact")["p_best"].sum()
    assert np.allclose(best, 1.0)  # exactly one variant ranks first in every iteration
