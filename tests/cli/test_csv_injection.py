"""No text a user typed reaches a CSV as a spreadsheet formula (issue 18, OWASP "CSV injection"):
the same rule as the workbook in every CSV writer."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from gpulca.cli import main
from gpulca.ingest.activity_csv import activity_csv_text, read_activity_csv
from gpulca.io.csvsafe import FORMULA_TRIGGERS, formula_safe, unescape_formula_safe
from gpulca.results.export import csv_writer
from gpulca.schemas.scenario import ActivityRow

SRC = Path(__file__).resolve().parents[2] / "src" / "gpulca"
TINY = SRC.parents[1] / "tests" / "fixtures" / "tiny"
HOSTILE = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
           "\t=1+1", "\r=1+1"]
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _dangerous_cells(text: str) -> list[str]:
    """Cells a spreadsheet would evaluate; a bare carriage return also breaks a row there."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    return [cell for row in csv.reader(io.StringIO(lines)) for cell in row
            if cell.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.fullmatch(cell)]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_safe_escapes_and_round_trips(text):
    assert formula_safe(text).startswith("'")
    assert unescape_formula_safe(formula_safe(text)) == text
    assert formula_safe("-0.5") == "-0.5" and formula_safe("GPU -2") == "GPU -2"


def test_csv_writer_escapes_text_and_keeps_numbers(tmp_path):
    frame = pd.DataFrame({"label": HOSTILE, "score": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0]})
    csv_writer(frame)(tmp_path / "x.csv")
    text = (tmp_path / "x.csv").read_bytes().decode()
    assert _dangerous_cells(text) == []
    assert pd.read_csv(tmp_path / "x.csv")["score"].tolist() == [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0]


def test_the_activity_csv_is_safe_and_reads_back(tmp_path):
    rows = [ActivityRow(phase="exploration", gpu_hours=10.0, model=name) for name in HOSTILE]
    text = activity_csv_text(rows)
    assert _dangerous_cells(text) == []
    (tmp_path / "a.csv").write_text(text)
    assert [r.model for r in read_activity_csv(tmp_path / "a.csv")] == \
        [r.model.replace("\r", "\n") for r in rows if r.model]


def test_a_duplicated_activity_column_is_an_error(tmp_path):
    (tmp_path / "a.csv").write_text("phase,gpu_hours,gpu_hours\nexploration,1,2\n")
    with pytest.raises(Exception, match="duplicated column"):
        read_activity_csv(tmp_path / "a.csv")


def test_every_csv_writer_in_gpulca_escapes():
    """A new CSV writer must use csv_writer (gpulca.results.export) or formula_safe (csv module)."""
    for path in SRC.rglob("*.py"):
        source = path.read_text()
        if ".to_csv(" in source:
            assert path.relative_to(SRC).as_posix() == "results/export.py", path
        if "csv.writer(" in source:
            assert "formula_safe" in source or "csv_text" in source, path


def test_a_run_writes_no_formula(module_bw, tmp_path):
    study = (TINY / "study.yaml").read_text().replace(
        "../../../methods", str(SRC.parents[1] / "methods")).replace(
        "inventories: [inventory.yaml]", f"inventories: [{TINY / 'inventory.yaml'}]").replace(
        "{phase: exploration, gpu_hours: 100}",
        "{phase: exploration, gpu_hours: 100, model: '=HYPERLINK(\"http://evil\")'}")
    study += "phases:\n  - {id: exploration, label: \"+cmd|' /C calc'!A0\"}\n"
    (tmp_path / "study.yaml").write_text(study)
    result = CliRunner().invoke(main, ["run", str(tmp_path / "study.yaml"), "--data-dir",
                                       str(module_bw), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = sorted((tmp_path / "out").glob("*.csv"))
    assert [p.name for p in written] == ["audit.csv", "results.csv"]
    for path in written:
        assert _dangerous_cells(path.read_bytes().decode()) == [], path.name
    assert "'+cmd" in (tmp_path / "out" / "results.csv").read_text()
