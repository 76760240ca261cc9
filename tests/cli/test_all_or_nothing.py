"""A failed command leaves the output folders and the Brightway project as they were (issue 18).
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from gpulca.cli import main
from gpulca.cli.errors import EXIT_ENVIRONMENT
from gpulca.engine.database import INVENTORY_PREFIX
from gpulca.engine.project import gpulca_project

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny" / "study.yaml"


def _inventory_databases(data_dir: Path) -> list[str]:
    with gpulca_project("gpulca", data_dir) as bd:
        return sorted(name for name in bd.databases if name.startswith(INVENTORY_PREFIX))


def test_a_run_whose_workbook_cannot_be_written_writes_nothing(bw_dir, tmp_path):
    before = _inventory_databases(bw_dir)
    (tmp_path / "blocker").write_text("a file where the workbook's folder should be")
    result = CliRunner().invoke(main, ["run", str(TINY), "--data-dir", str(bw_dir),
                                       "-o", str(tmp_path / "out"),
                                       "--excel", str(tmp_path / "blocker" / "report.xlsx")])
    assert result.exit_code == EXIT_ENVIRONMENT, result.output
    assert "blocker" in result.output and "nothing was written" in result.output
    assert "internal error" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "brightway"]
    assert _inventory_databases(bw_dir) == before  # the database this run wrote is gone

    result = CliRunner().invoke(main, ["run", str(TINY), "--data-dir", str(bw_dir),
                                       "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert len(_inventory_databases(bw_dir)) == len(before) + 1  # a success keeps it
