"""Contribution analysis: processes and elementary flows of each impact, per phase and for the
whole study; they sum to the scores; CLI, CSV and workbook sheet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from gpulca.cli import main


@pytest.fixture(scope="module")
def result(module_bw: Path):  # type: ignore[no-untyped-def]
    from gpulca.pipeline.run import run_study

    repo = Path(__file__).parent.parent
    return run_study(repo / "scenarios" / "example.yaml", data_dir=module_bw,
                     contributions=True)


def test_contributions_sum_to_the_scores(result) -> None:  # type: ignore[no-untyped-def]
    frame = result.contributions
    scores = result.scores
    for impact in ("climate_change", "water_withdrawal"):
        total = float(scores.loc[scores["impact"] == impact, "score"].sum())
        for kind in ("process", "flow"):
            study = frame[(frame["scope"] == "study") & (frame["impact"] == impact)
                          & (frame["kind"] == kind)]
            assert study["score"].sum() == pytest.approx(total, rel=1e-6)
            assert study["share"].sum() == pytest.approx(1.0)
        phase = frame[(frame["phase"] == "exploration") & (frame["impact"] == impact)
                      & (frame["kind"] == "process")]["score"].sum()
        expected = scores.loc[(scores["impact"] == impact)
                              & (scores["phase"] == "exploration"), "score"].sum()
        assert phase == pytest.approx(expected, rel=1e-6)


def test_largest_process_is_the_grid(result) -> None:  # type: ignore[no-untyped-def]
    frame = result.contributions
    first = frame[(frame["scope"] == "study") & (frame["impact"] == "climate_change")
                  & (frame["kind"] == "process") & (frame["rank"] == 1)].iloc[0]
    assert first["code"] == "electricity_fr" and first["where"] == "FR"
    assert frame.iloc[0]["scope"] == "study"  # the whole study first


def test_cli_writes_contributions_csv_and_sheet(module_bw: Path, repo: Path,
                                                 tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out, book = tmp_path / "out", tmp_path / "f.xlsx"
    run = CliRunner().invoke(main, ["run", str(repo / "scenarios" / "example.yaml"),
                                    "--data-dir", str(module_bw), "-o", str(out),
                                    "--contributions", "--excel", str(book)])
    assert run.exit_code == 0, run.output
    assert "Largest contributions by process" in run.output
    csv = pd.read_csv(out / "contributions.csv")
    assert {"scope", "phase", "impact", "kind", "code", "score", "share"} <= set(csv.columns)
    sheet = load_workbook(book)["Contributions"]
    headers = [c.value for c in sheet[4]]
    assert headers[:3] == ["Phase", "Impact", "Kind"]
    assert sheet.cell(row=5, column=1).value == "Whole study"
