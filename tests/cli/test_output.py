"""``--json`` and ``--quiet`` for run, compare, validate and list; tables that fit an 80-column
terminal without cutting a name or a number."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from rich.console import Console

import gpulca.cli.common as common
from gpulca.cli import main
from gpulca.cli.common import column_chunks, print_table, spread


def test_run_json_and_quiet(module_bw: Path, tmp_path: Path, repo: Path) -> None:
    runner = CliRunner()
    args = ["run", str(repo / "scenarios" / "example.yaml"), "--data-dir", str(module_bw)]
    done = runner.invoke(main, [*args, "--json", "-o", str(tmp_path / "a")])
    assert done.exit_code == 0, done.output
    payload = json.loads(done.stdout)  # stdout is the JSON document and nothing else
    assert payload["study"] == "example-h100-france"
    scores = pd.DataFrame(payload["scores"])
    totals = {t["impact"]: t["score"] for t in payload["totals"]}
    expected = scores[scores["impact"] == "climate_change"]["score"].sum()
    assert totals["climate_change"] == pytest.approx(expected, rel=1e-12)
    assert (tmp_path / "a" / "results.csv").is_file()
    quiet = runner.invoke(main, [*args, "--quiet", "-o", str(tmp_path / "b")])
    assert quiet.exit_code == 0 and quiet.stdout == ""
    assert (tmp_path / "b" / "results.csv").is_file()


def test_compare_json(module_bw: Path, tmp_path: Path, repo: Path) -> None:
    done = CliRunner().invoke(main, ["compare", str(repo / "tests" / "fixtures" / "siting" /
                                                    "study.yaml"), "--json", "--data-dir",
                                     str(module_bw), "-o", str(tmp_path)])
    assert done.exit_code == 0, done.output
    payload = json.loads(done.stdout)
    assert payload["baseline"] and {r["variant"] for r in payload["comparison"]} > {"base"}


def test_validate_json_lists_problems(tmp_path: Path) -> None:
    bad = tmp_path / "study.yaml"
    bad.write_text("name: x\nsite: {grid_zone: FR, pue: 1.2}\n")
    done = CliRunner().invoke(main, ["validate", str(bad), "--json"])
    assert done.exit_code == 2
    payload = json.loads(done.stdout)
    assert payload["valid"] is False
    assert any(p["path"] == "site.pue" and p["line"] == 2 for p in payload["problems"])


def test_list_json(repo: Path) -> None:
    done = CliRunner().invoke(main, ["list", "zones", "--json", "--inventories",
                                     str(repo / "inventories")])
    assert done.exit_code == 0
    assert any(r["id"] == "FR" for r in json.loads(done.stdout))


def test_column_chunks_and_spread() -> None:
    assert column_chunks([10, 10, 10], 20, 50) == [[0, 1], [2]]
    assert column_chunks([10, 10, 10], 20, 60) == [[0, 1, 2]]
    assert column_chunks([100], 20, 60) == [[0]]
    assert spread([5, 5], [8, 6], 12) == [6, 6]
    assert spread([5, 5], [8, 6], 20) == [8, 6]
    assert spread([5, 5], [5, 5], 40) == [5, 5]


def test_tables_fit_80_columns_without_cutting(monkeypatch) -> None:
    console = Console(width=80, file=io.StringIO(), highlight=False, color_system=None)
    monkeypatch.setattr(common, "stdout", console)
    labels = ["Post-training / fine-tuning", "Hyper-parameter search", "total"]
    frame = pd.DataFrame({f"impact{i}": [28423097.0 * (i + 1), 0.08993, 4.531]
                          for i in range(7)}, index=labels)
    headers = {c: f"Water scarcity (AWARE 2.0, by country)\n(m3 world-eq deprived) {c}"
               for c in frame.columns}
    print_table(frame, "impacts by research phase", "phase", headers)
    text = console.file.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    for label in labels:
        assert label in text
    assert "28,423,097" in text and "198,961,679" in text
