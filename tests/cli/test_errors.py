"""Exit codes and messages of cli.errors (issue 18): environment faults exit 3, floods are
capped, nothing a user or the environment causes is an internal error."""

from __future__ import annotations

import errno

import click
from click.testing import CliRunner

from gpulca.cli import errors
from gpulca.core.errors import InputError, Problem
from gpulca.engine.lock import DataDirLockedError


def test_an_error_flood_shows_the_first_problems_then_a_count():
    flood = InputError([Problem("a.csv", "", "bad value", line) for line in range(1, 100_001)])
    lines = errors.problem_lines(flood)
    assert len(lines) == errors.MAX_SHOWN_PROBLEMS + 2
    assert lines[-2].startswith(f"... and {100_000 - errors.MAX_SHOWN_PROBLEMS} more problems")
    assert lines[-1] == "100000 problems found; nothing was written."


def test_classify_environment_and_overflow():
    full = OSError(errno.ENOSPC, "No space left on device", "/out/results.csv")
    lines, code = errors.classify(full) or ([], 0)
    assert code == errors.EXIT_ENVIRONMENT and "/out/results.csv" in lines[0]
    assert "no space left" in lines[0]
    assert (errors.classify(DataDirLockedError("locked")) or ([], 0))[1] == 3
    assert (errors.classify(OverflowError("too big")) or ([], 0))[1] == errors.EXIT_INPUT
    assert errors.classify(KeyError("a bug")) is None

    class OperationalError(Exception):  # what peewee raises for SQLite's own errors
        pass

    full = errors.classify(OperationalError("database or disk is full"))
    assert full is not None and full[1] == errors.EXIT_ENVIRONMENT and "no space" in full[0][0]


def test_a_nul_byte_in_a_message_stays_one_line():
    lines = errors.problem_lines(InputError(Problem("a.yaml", "x", "bad", 3, "a\x00b\nc")))
    assert "\\x00" in lines[0] and "\n" not in lines[0]


def test_the_wrapper_exits_with_the_documented_codes():
    @click.command()
    @click.argument("what")
    @errors.report_errors
    def command(what: str) -> None:
        raise {"disk": OSError(errno.ENOSPC, "No space left on device", "x.csv"),
               "bug": KeyError("k")}[what]

    disk = CliRunner().invoke(command, ["disk"])
    assert disk.exit_code == 3 and "no space left on the device" in disk.output
    bug = CliRunner().invoke(command, ["bug"])
    assert bug.exit_code == 1 and "internal error" in bug.output
