"""``compare``: variants scored from one solve equal fresh runs, directions, frames, CLI.

One comparison of the fixture study is computed per module (in the module's private Brightway
directory, ``module_bw``); the tests read it. The study (tests/fixtures/siting) runs 52,000
H100 GPU-hours in France at PUE 1.58 and WUE 1.8 L/kWh.
"""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from gpulca.cli import main
from gpulca.library.water import aware_factors
from gpulca.pipeline.compare import compare_study
from gpulca.pipeline.run import run_resolved
from gpulca.reports import chart_worker as chart_worker_module
from gpulca.reports.chart_worker import ChartWorker, chart_worker
from gpulca.reports.compare_chart import chart_data, comparison_figure, write_chart
from gpulca.results.comparison import (
    ComparisonResult,
    VariantResults,
    comparison_frame,
)
from tests.test_variants import write_study as write_variants_study

VARIANTS = """
define:
  same:
    description: the base values written out again
    overrides:
      site.grid_zone: FR
      site.pue: {value: 1.58, source: "Uptime Institute 2023 industry average"}
  quebec-grid:
    overrides: {site.grid_zone: CA-QC}
  poland:
    overrides: {site.grid_zone: PL}
  quebec:
    overrides: {site.grid_zone: CA-QC, site.pue: 1.1, site.cooling_type: free_air}
  a100:
    overrides:
      hardware.accelerator: a100_sxm_80gb
      activity.gpu_hours_scale: {value: 2.5, source: test}
sweeps:
  grid-x-pue:
    axes:
      site.grid_zone: [FR, CA-QC, PL, SG]
      site.pue: [1.1, 1.3, 1.58]
"""


def write_study(directory: Path, variants: str = VARIANTS) -> Path:
    """The siting fixture study with this module's variants (see tests/test_variants.py)."""
    return write_variants_study(directory, variants)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_study(tmp_path_factory.mktemp("study"))


@pytest.fixture(scope="module")
def result(study: Path, module_bw: Path) -> ComparisonResult:
    return compare_study(study, data_dir=module_bw)


def totals(result: ComparisonResult, variant: str) -> pd.Series:
    return result.totals().loc[variant]


def stage_totals(result: ComparisonResult, variant: str) -> pd.DataFrame:
    scores = result.results[variant].scores
    return scores.pivot_table(index="stage", columns="impact", values="score", aggfunc="sum")


def test_every_variant_is_compared(result: ComparisonResult) -> None:
    assert list(result.results) == ["base", "same", "quebec-grid", "poland", "quebec", "a100"] \
        + [f"grid-x-pue/{z}/{p}" for z in ("FR", "CA-QC", "PL", "SG") for p in (1.1, 1.3, 1.58)]
    assert set(result.comparison["impact"]) == {
        "climate_change", "water_use", "water_scarcity_regional", "water_consumption",
        "water_withdrawal", "minerals_metals", "energy"}
    assert len(result.comparison) == 18 * 7


def test_variant_identical_to_the_base_gives_identical_results(result: ComparisonResult) -> None:
    base, same = result.results["base"].scores, result.results["same"].scores
    assert np.array_equal(base["score"].to_numpy(), same["score"].to_numpy(), equal_nan=True)
    assert (result.totals("change").loc["same"] == 0).all()
    assert result.differences[result.differences["variant"] == "same"].empty


def test_cleaner_grid_lowers_climate_and_leaves_manufacturing_unchanged(
        result: ComparisonResult) -> None:
    base, quebec = stage_totals(result, "base"), stage_totals(result, "quebec-grid")
    assert quebec.loc["electricity", "climate_change"] < 0.7 * base.loc["electricity",
                                                                        "climate_change"]
    for stage in ("gpu_manufacturing", "server_manufacturing"):
        assert quebec.loc[stage].equals(base.loc[stage])
    assert totals(result, "poland")["climate_change"] > totals(result, "base")["climate_change"]


def test_fast_sweep_equals_a_fresh_run_per_variant(result: ComparisonResult,
                                                   module_bw: Path) -> None:
    for name in ("base", "quebec", "a100", "grid-x-pue/SG/1.3", "grid-x-pue/PL/1.1"):
        variant = result.variants.variants[name]
        fresh = run_resolved(variant.study, data_dir=module_bw, variant=name).scores
        fast = result.results[name].scores
        assert list(fresh["impact"]) == list(fast["impact"])
        np.testing.assert_allclose(fast["score"], fresh["score"], rtol=1e-9, atol=0)


def test_regional_water_weights_each_region(result: ComparisonResult) -> None:
    """Cooling water: evaporated m3 x the region's AWARE 2.0 factor; EF 3.1 stays 42.95."""
    factors = aware_factors()
    for name, region in (("base", "FR"), ("quebec-grid", "CA-QC"), ("poland", "PL")):
        evaporated = result.results[name].audit["cooling_water_evaporated_m3"].sum()
        stages = stage_totals(result, name)
        assert stages.loc["cooling_water", "water_scarcity_regional"] == pytest.approx(
            evaporated * factors[region].cf, rel=1e-6)
        assert stages.loc["cooling_water", "water_use"] == pytest.approx(
            evaporated * 42.95, rel=1e-6)
        kwh = result.results[name].audit["facility_energy_kwh"].sum()
        litres = {"FR": 3.67, "CA-QC": 8.17, "PL": 2.51}[region]
        assert stages.loc["electricity", "water_scarcity_regional"] == pytest.approx(
            kwh * litres / 1000 * factors[region].cf, rel=1e-6)


def test_columnar_frames_equal_the_per_variant_frames(result: ComparisonResult) -> None:
    """The scores and comparison frames built column-wise from the score array equal the
    per-variant frames (built on access, by gpulca.results.frames) and their comparison."""
    per_variant = {name: result.results[name] for name in result.results}
    scores = result.scores
    text = [c for c in scores.columns if c != "score"]
    assert all(isinstance(scores[c].dtype, pd.CategoricalDtype) for c in text)
    pd.testing.assert_frame_equal(
        scores.astype(dict.fromkeys(text, "str")),
        pd.concat([r.scores for r in per_variant.values()], ignore_index=True))
    pd.testing.assert_frame_equal(result.comparison,
                                  comparison_frame(result.variants, per_variant))
    assert result.warnings == list(dict.fromkeys(w for r in per_variant.values()
                                                 for w in r.warnings))


def test_variant_results_are_built_when_read() -> None:
    built: list[str] = []

    def build(name: str) -> object:
        built.append(name)
        return f"result of {name}"

    results = VariantResults(["base", "a", "b"], build)  # type: ignore[arg-type]
    assert list(results) == ["base", "a", "b"] and len(results) == 3 and "a" in results
    assert built == []
    assert results["a"] == results["a"] == "result of a"
    assert built == ["a"]
    with pytest.raises(KeyError):
        results["c"]
    assert dict(results) == {n: f"result of {n}" for n in ("base", "a", "b")}
    assert built == ["a", "base", "b"]


def test_comparison_frame_ranks_and_changes(result: ComparisonResult) -> None:
    climate = result.comparison[result.comparison["impact"] == "climate_change"]
    climate = climate.set_index("variant")
    base = climate.loc["base", "score"]
    assert climate["baseline"].eq(base).all()
    np.testing.assert_allclose(climate["change"], climate["score"] - base)
    np.testing.assert_allclose(climate["change_pct"], 100 * (climate["score"] - base) / base)
    lowest = climate["score"].idxmin()
    assert climate.loc[lowest, "rank"] == 1
    assert climate["rank"].max() <= len(climate)


def test_overrides_and_differences_are_kept(result: ComparisonResult) -> None:
    log = result.overrides[result.overrides["variant"] == "quebec"]
    assert log["key"].tolist() == ["site.grid_zone", "site.pue", "site.cooling_type", "site.wue"]
    assert [str(o) for o in result.results["quebec"].overrides][1] == \
        "site.pue 1.58 -> 1.1 (set by quebec)"
    differences = result.differences[result.differences["variant"] == "a100"]
    assert differences["parameter"].tolist() == ["accelerator", "gpu_power", "gpu_hours_scale"]


def test_cli_compare_writes_table_csv_and_charts(study: Path, module_bw: Path,
                                                 tmp_path: Path, monkeypatch) -> None:
    """... and, while its chart helper draws on the other core, formats each table on one
    thread (a second formatting thread held memory and won no time), having given back the
    memory the comparison freed."""
    from gpulca.results import export

    threads: list[bool] = []
    write = export._write_in_order

    def recorded(out, texts, second_thread=True):
        threads.append(second_thread)
        return write(out, texts, second_thread)

    monkeypatch.setattr(export, "_write_in_order", recorded)
    import gpulca.cli.compare as cli_compare

    given_back: list[bool] = []
    monkeypatch.setattr(cli_compare, "give_back_freed_memory", lambda: given_back.append(True))
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["compare", str(study), "-o", str(out), "--data-dir",
                                    str(module_bw), "--top", "5"])
    assert run.exit_code == 0, run.output
    assert threads and not any(threads)
    assert len(given_back) == 2  # when the chart is handed over, and after the comparison
    assert "ranked by climate change" in run.output and "more variants in comparison.csv" \
        in run.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["comparison.csv", "results.csv", "overrides.csv", "parameters.csv", "differences.csv",
         "comparison.png", "comparison.svg"])
    assert len(pd.read_csv(out / "comparison.csv")) == 18 * 7
    assert (out / "comparison.png").read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in (out / "comparison.svg").read_bytes()[:500]


def test_by_stage_of_some_variants_from_the_array_equals_the_frame_filtered(
        result: ComparisonResult) -> None:
    names = list(result.results)[::3]
    fresh = replace(result)  # its scores frame not built: the array's rows of those variants
    assert "scores" not in fresh.__dict__
    from_array = fresh.by_stage(names)
    assert "scores" not in fresh.__dict__
    result.scores  # noqa: B018 - built: the frame filtered
    pd.testing.assert_frame_equal(from_array, result.by_stage(names))
    assert set(from_array["variant"]) == set(names)


def test_chart_of_the_helper_process_equals_the_chart_written_here(
        result: ComparisonResult, tmp_path: Path) -> None:
    data = chart_data(result)
    with chart_worker() as worker:
        worker.submit(data)
        files = worker.files()
    figure = comparison_figure(result)  # one figure, laid out by its first save (the SVG)
    for fmt in ("svg", "png"):
        write_chart(result, tmp_path / f"comparison.{fmt}", figure=figure)
        assert files[fmt] == (tmp_path / f"comparison.{fmt}").read_bytes()


@pytest.mark.parametrize("blocked", ["results.csv", "comparison.svg"])
def test_cli_compare_writes_nothing_when_a_file_fails_and_ends_its_helper(
        study: Path, module_bw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        blocked: str) -> None:
    out = tmp_path / "out"
    (out / blocked).mkdir(parents=True)  # before the chart is read, or the chart itself
    started: list[subprocess.Popen[bytes] | None] = []
    start = chart_worker_module.start_chart_worker

    def starting() -> ChartWorker:
        worker = start()
        started.append(worker._process)
        return worker

    monkeypatch.setattr(chart_worker_module, "start_chart_worker", starting)
    run = CliRunner().invoke(main, ["compare", str(study), "-o", str(out), "--data-dir",
                                    str(module_bw)])
    assert run.exit_code != 0
    assert [p.name for p in out.iterdir()] == [blocked]
    assert len(started) == 1 and started[0] is not None
    assert started[0].returncode is not None  # the helper was ended and waited for


def test_cli_compare_writes_excel_with_scenarios_sheet(study: Path, module_bw: Path,
                                                       tmp_path: Path) -> None:
    import openpyxl

    book_path, charts = tmp_path / "compare.xlsx", tmp_path / "charts"
    run = CliRunner().invoke(main, ["compare", str(study), "-o", str(tmp_path / "out"),
                                    "--data-dir", str(module_bw), "--excel", str(book_path),
                                    "--charts", str(charts), "--html", str(tmp_path / "c.html")])
    assert run.exit_code == 0, run.output
    assert "Ranking of the" in (tmp_path / "c.html").read_text(encoding="utf-8")
    book = openpyxl.load_workbook(book_path)
    assert "Scenarios" in book.sheetnames
    scenario_cells = {str(c.value) for row in book["Scenarios"].iter_rows() for c in row}
    assert "quebec" in scenario_cells
    run_cells = " ".join(str(c.value) for row in book["Run"].iter_rows() for c in row)
    assert "site.pue" in run_cells  # the override log reaches the Run sheet
    assert any(p.suffix == ".svg" for p in charts.iterdir())


def test_cli_compare_results_parquet_equals_the_csv(study: Path, module_bw: Path,
                                                   tmp_path: Path) -> None:
    from tests.results.parquet_check import assert_parquet_is_the_csv

    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["compare", str(study), "-o", str(out), "--data-dir",
                                    str(module_bw), "--results-format", "both"])
    assert run.exit_code == 0, run.output
    assert_parquet_is_the_csv(out / "results.csv", out / "results.parquet", "not assessed")
    assert len(pd.read_csv(out / "results.csv")) == 18 * 98
    only = tmp_path / "only"
    run = CliRunner().invoke(main, ["compare", str(study), "-o", str(only), "--data-dir",
                                    str(module_bw), "--results-format", "parquet"])
    assert run.exit_code == 0, run.output
    assert (only / "results.parquet").exists() and not (only / "results.csv").exists()


def test_cli_compare_large_sweep_reports_summarise(study: Path, module_bw: Path,
                                                   tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond REPORTED_VARIANTS, the workbook and charts detail the lowest, the highest and the
    baseline; the Comparison sheet ranks every variant and names the full table's file."""
    import openpyxl

    import gpulca.cli.compare as cli_compare

    monkeypatch.setattr(cli_compare, "REPORTED_VARIANTS", 5)
    book_path, charts, out = tmp_path / "c.xlsx", tmp_path / "charts", tmp_path / "out"
    run = CliRunner().invoke(main, ["compare", str(study), "-o", str(out), "--data-dir",
                                    str(module_bw), "--excel", str(book_path),
                                    "--charts", str(charts), "--results-format", "parquet"])
    assert run.exit_code == 0, run.output
    book = openpyxl.load_workbook(book_path)
    assert book.sheetnames[:2] == ["Summary", "Comparison"]
    sheet = book["Comparison"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][0] == "All 18 variants compared"
    assert str(out / "results.parquet") in str(cells[1][0])
    ranked = [r for r in cells if isinstance(r[0], int)]
    assert len(ranked) == 18 and {r[1] for r in ranked} >= {"base", "quebec", "poland"}
    assert [r[0] for r in ranked] == sorted(r[0] for r in ranked)
    summary = " ".join(str(c.value) for row in book["Summary"].iter_rows() for c in row)
    assert "Ranking of the 18 variants" in summary and "all on Comparison" in summary
    names = {str(r[1]) for r in ranked}
    detailed = {c.value for c in book["Scenarios"]["A"] if c.value in names}
    assert len(detailed) == 5 and "base" in detailed  # 5 variants detailed, not 18
    assert (charts / "variants_relative.png").exists()


def test_cli_compare_bad_input_exits_2_and_writes_nothing(module_bw: Path,
                                                         tmp_path: Path) -> None:
    study = write_study(tmp_path, "define:\n  x:\n    overrides: {site.grid_zone: CA-QQ}\n")
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["compare", str(study), "-o", str(out), "--data-dir",
                                    str(module_bw)])
    assert run.exit_code == 2
    assert "in variant x: unknown grid zone; did you mean CA-QC" in run.output
    assert "Traceback" not in run.output
    assert not out.exists()


def test_shipped_siting_study(repo: Path, module_bw: Path) -> None:
    """scenarios/siting-study.yaml: real library sites, every variant resolves, and the
    trade-offs it is meant to show hold: hydro beats gas for climate, and a water-stressed
    region counts more per cubic metre (regional) while EF 3.1 sees less water."""
    from gpulca.study.variants import load_variants

    study = repo / "scenarios" / "siting-study.yaml"
    variants = load_variants(study).variants
    sites = {v.study.study.site.site for v in variants.values()} - {None}
    assert len(sites) >= 8
    assert variants["oregon"].study.site.cooling_evaporation_process == \
        "cooling_water_evaporated@US-OR"  # via data/aware/zone_regions.yaml
    totals_ = compare_study(study, data_dir=module_bw).totals()
    assert totals_.loc["montreal", "climate_change"] < totals_.loc["virginia", "climate_change"]
    assert totals_.loc["spain", "water_scarcity_regional"] > \
        3 * totals_.loc["base", "water_scarcity_regional"]
    assert totals_.loc["spain", "water_use"] < totals_.loc["base", "water_use"]


def test_scored_is_called_once_with_the_final_comparison(study: Path, module_bw: Path,
                                                         result: ComparisonResult) -> None:
    """``scored`` gets the comparison and scores before the other frames are worked out; what
    it may read is what the finished result holds (the chart drawn from it is the same)."""
    from gpulca.reports.compare_chart import chart_data

    seen: list[tuple[ComparisonResult, object]] = []
    final = compare_study(study, data_dir=module_bw,
                          scored=lambda early: seen.append((early, chart_data(early))))
    assert len(seen) == 1
    early, chart = seen[0]
    assert early.overrides.empty and early.warnings == []  # not yet worked out
    pd.testing.assert_frame_equal(early.comparison, final.comparison)
    assert early.score_array is final.score_array and list(early.results) == list(final.results)
    assert repr(chart) == repr(chart_data(final))
    pd.testing.assert_frame_equal(final.comparison, result.comparison)
