"""Published studies reproduced through the real pipeline (YAML -> Brightway -> bw2calc).

Every figure of the ``reference:`` block of ``scenarios/replications/*.yaml`` (Strubell et al.
2019, Table 3; Luccioni et al. 2023, BLOOM) must land within its stated tolerance, and every
deviation above 0.1% must be explained in the scenario file's comments. The cases and their
tolerances are those of shared/reference/published_figures.md, section V.

The Moshi-like study is the README's illustrative headline example: it must cover the whole
taxonomy, keep the final training at about 4% of GPU time and report a development multiplier
for every impact.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from gpulca.core.phases import DEFAULT_PHASES, FINAL_TRAINING
from gpulca.pipeline.run import run_study
from gpulca.results.frames import development_multiplier, phase_share
from gpulca.results.reference import compare_reference
from gpulca.results.result import StudyResult

REPO = Path(__file__).resolve().parent.parent
REPLICATIONS = REPO / "scenarios" / "replications"
SCENARIOS = {
    "strubell2019": REPLICATIONS / "strubell2019.yaml",
    "bloom2023": REPLICATIONS / "bloom2023.yaml",
    "moshi-like": REPO / "scenarios" / "moshi-like.yaml",
}
LB_PER_KG = 1 / 0.45359237


def _figure_ids(name: str) -> list[str]:
    data = yaml.safe_load(SCENARIOS[name].read_text(encoding="utf-8"))
    return [figure["id"] for figure in data["reference"]["figures"]]


CASES = [(name, figure) for name in ("strubell2019", "bloom2023") for figure in _figure_ids(name)]


@pytest.fixture(scope="module")
def results(module_bw: Path) -> dict[str, StudyResult]:
    """Each shipped scenario, run once."""
    return {name: run_study(path, data_dir=module_bw) for name, path in SCENARIOS.items()}


@pytest.fixture(scope="module")
def comparisons(results: dict[str, StudyResult]) -> dict[str, pd.DataFrame]:
    return {name: compare_reference(result).set_index("id") for name, result in results.items()}


@pytest.mark.parametrize(("scenario", "figure"), CASES, ids=[f"{s}:{f}" for s, f in CASES])
def test_published_figure_within_tolerance(comparisons: dict[str, pd.DataFrame], scenario: str,
                                           figure: str) -> None:
    row = comparisons[scenario].loc[figure]
    assert row["within"], (
        f"{scenario} {figure} ({row['what']}): gpulca {row['gpulca']:.6g} vs paper "
        f"{row['paper']:.6g} {row['unit']}, tolerance {row['tolerance']}")


def _comments(path: Path) -> str:
    return "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if line.lstrip().startswith("#"))


@pytest.mark.parametrize("scenario", ["strubell2019", "bloom2023"])
def test_every_deviation_above_a_tenth_of_a_percent_is_explained(
        comparisons: dict[str, pd.DataFrame], scenario: str) -> None:
    comments = _comments(SCENARIOS[scenario])
    frame = comparisons[scenario]
    relative = (frame["gpulca"] - frame["paper"]).abs() / frame["paper"].abs()
    unexplained = [figure for figure in frame.index[relative > 0.001]
                   if not re.search(rf"\b{re.escape(figure.split('-')[0])}\b", comments)]
    assert not unexplained, f"explain these deviations in {SCENARIOS[scenario].name}: " \
                            f"{unexplained}"


def test_strubell_arithmetic_matches_the_papers_formula(results: dict[str, StudyResult]) -> None:
    """E = 1.58 x P_sys x h / 1000 and CO2e = 0.954 lb x E, for every row, to 1e-6."""
    rows = {"transformer_base": (1415.78, 12), "transformer_big": (1515.43, 84),
            "elmo": (517.66, 336), "bert_base": (12041.51, 79.2), "nas": (1515.43, 274120)}
    result = results["strubell2019"]
    audit = result.audit.set_index("phase")
    electricity = result.scores[result.scores["stage"] == "electricity"].set_index("phase")
    for phase, (power_w, hours) in rows.items():
        energy = 1.58 * power_w * hours / 1000
        assert audit.loc[phase, "facility_energy_kwh"] == pytest.approx(energy, rel=1e-6)
        assert electricity.loc[phase, "score"] * LB_PER_KG == pytest.approx(0.954 * energy,
                                                                            rel=1e-6)


def test_strubell_embodied_is_reported_outside_the_papers_boundary(
        results: dict[str, StudyResult]) -> None:
    scores = results["strubell2019"].scores
    gpu = scores[scores["stage"] == "gpu_manufacturing"].set_index("phase")["score"]
    # NAS: 8 P100 x 274,120 h x 66.6 kg / (5 x 8,760 h x 0.85)
    assert gpu["nas"] == pytest.approx(8 * 274120 * 66.6 / (5 * 8760 * 0.85), rel=1e-6)
    assert gpu["bert_base"] == pytest.approx(64 * 79.2 * 110 / (5 * 8760 * 0.85), rel=1e-6)


def test_bloom_full_boundary_applies_the_site_pue(results: dict[str, StudyResult]) -> None:
    """gpulca's own total includes PUE 1.2 on dynamic and idle energy; the paper's leaves it out."""
    scores = results["bloom2023"].scores
    embodied = 1082990 * (150 + 2500 / 8) / (6 * 8760 * 0.85)
    expected = (433196 + 256646) * 1.2 * 0.057 + embodied
    assert scores["score"].sum() == pytest.approx(expected, rel=1e-6)
    comparison = compare_reference(results["bloom2023"]).set_index("id")
    assert comparison.loc["B7", "gpulca"] * 1000 == pytest.approx(
        (433196 + 256646) * 0.057 + embodied, rel=1e-6)


def test_moshi_like_is_labelled_illustrative_and_covers_every_phase(
        results: dict[str, StudyResult]) -> None:
    result = results["moshi-like"]
    text = SCENARIOS["moshi-like"].read_text(encoding="utf-8")
    assert "ILLUSTRATIVE" in text and "not public" in text
    assert "ILLUSTRATIVE" in (result.study.study.description or "")
    # the development is every default phase; the deployment adds its serving phase
    assert set(result.audit["phase"]) == set(DEFAULT_PHASES) | {"serving"}
    development = result.audit[result.audit["phase"] != "serving"]
    assert phase_share(development) == pytest.approx(0.04, abs=0.005)
    assert development["gpu_hours"].sum() == pytest.approx(3.6e6)
    assert result.study.site.grid_zone == "FR"
    assert result.study.study.hardware.accelerator == "h100_sxm_80gb"
    assert result.study.study.hardware.server == "hgx_h100_host"


def test_moshi_like_reports_a_development_multiplier_for_every_impact(
        results: dict[str, StudyResult]) -> None:
    result = results["moshi-like"]
    scores = result.scores[result.scores["phase"] != "serving"]  # the development only
    table = development_multiplier(scores).set_index("impact")
    assert set(table.index) == {c.id for c in result.study.methods.impact_categories}
    assert (table["multiplier"] > 20).all() and (table["multiplier"] < 26).all()
    # Embodied impacts follow GPU time exactly; low-load phases lower the electricity-driven ones.
    final = scores[(scores["phase"] == FINAL_TRAINING) & (scores["stage"] == "gpu_manufacturing")]
    total = scores[scores["stage"] == "gpu_manufacturing"]
    assert total["score"].sum() / final["score"].sum() == pytest.approx(25.0, rel=1e-6)
    assert table.loc["climate_change", "multiplier"] < 25.0


def test_run_prints_each_paper_figure_beside_gpulcas(module_bw: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from gpulca.cli import main

    out = tmp_path / "out"
    outcome = CliRunner().invoke(main, ["run", str(SCENARIOS["bloom2023"]), "--data-dir",
                                        str(module_bw), "-o", str(out)])
    assert outcome.exit_code == 0, outcome.output
    assert "Published figures vs gpulca" in outcome.output
    assert "B7" in outcome.output and "50.5" in outcome.output and "OUTSIDE" not in outcome.output
    written = pd.read_csv(out / "reference.csv")
    assert list(written["id"]) == _figure_ids("bloom2023")
    assert written["within"].all()


def test_run_flags_a_figure_outside_its_tolerance(module_bw: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from gpulca.cli import main

    copy = tmp_path / "replications"
    shutil.copytree(REPLICATIONS, copy)
    study = copy / "strubell2019.yaml"
    study.write_text(study.read_text(encoding="utf-8").replace("value: 192\n", "value: 200\n"),
                     encoding="utf-8")
    outcome = CliRunner().invoke(main, ["run", str(study), "--data-dir", str(module_bw), "-o",
                                        str(tmp_path / "out")])
    assert outcome.exit_code == 0, outcome.output
    assert "OUTSIDE" in outcome.output and "1 published figure outside tolerance" in \
        outcome.output


def test_run_prints_the_development_multiplier(module_bw: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from gpulca.cli import main

    outcome = CliRunner().invoke(main, ["run", str(SCENARIOS["moshi-like"]), "--data-dir",
                                        str(module_bw), "-o", str(tmp_path / "out")])
    assert outcome.exit_code == 0, outcome.output
    assert "Development multiplier" in outcome.output
    assert "final training is 4.0 % of the GPU-hours" in outcome.output
    assert math.isfinite(float(re.search(r"weighs ([\d.]+)", outcome.output).group(1)))
