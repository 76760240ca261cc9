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


def test_the_audit_trail_is_written_while_brightway_solves(bw_dir, tmp_path, monkeypatch):
    """``gpulca run`` begins audit.csv as soon as the activity is translated, before the
    Brightway session opens, and it appears with the other files, the same bytes as written
    after the solve (write_results alone)."""
    import gpulca.cli.run as cli_run
    import gpulca.pipeline.run as pipeline_run

    events: list[str] = []
    begin, session = cli_run.start_audit, pipeline_run.open_session

    def begun(*args, **kwargs):
        events.append("audit begun")
        return begin(*args, **kwargs)

    def opened(*args, **kwargs):
        events.append("session")
        return session(*args, **kwargs)

    monkeypatch.setattr(cli_run, "start_audit", begun)
    monkeypatch.setattr(pipeline_run, "open_session", opened)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(TINY), "--data-dir", str(bw_dir),
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert events == ["audit begun", "session"]
    again = tmp_path / "again"
    cli_run.write_results(pipeline_run.run_study(TINY, data_dir=bw_dir), again)
    assert (out / "audit.csv").read_bytes() == (again / "audit.csv").read_bytes()
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in again.iterdir())


def test_a_run_whose_solve_fails_after_the_audit_began_writes_nothing(bw_dir, tmp_path,
                                                                      monkeypatch):
    """The audit trail's thread had begun: the run still writes nothing (the thread is waited
    for, its staged file removed) and reports the solve's error in one line."""
    import gpulca.pipeline.run as pipeline_run
    from gpulca.core.errors import InputError, Problem

    def refused(*args, **kwargs):
        raise InputError(Problem(str(TINY), "activity", "a score is not finite"))

    monkeypatch.setattr(pipeline_run, "study_result", refused)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "audit.csv").write_text("previous")
    result = CliRunner().invoke(main, ["run", str(TINY), "--data-dir", str(bw_dir),
                                       "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "a score is not finite" in result.output and "Traceback" not in result.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["audit.csv"]
    assert (tmp_path / "out" / "audit.csv").read_text() == "previous"
