"""``gpulca run STUDY`` starts reading the study's activity CSV before the command is imported
(gpulca.cli.early): the STUDY argument found as click finds it, or nothing."""

from __future__ import annotations

import click
import pytest

from gpulca.cli.early import RUN_VALUE_OPTIONS, run_study_argument
from gpulca.cli.run import run


def test_value_options_are_the_run_commands() -> None:
    takes_value = {name for p in run.params if isinstance(p, click.Option)
                   and not p.is_flag and not p.count for name in p.opts + p.secondary_opts}
    assert takes_value == RUN_VALUE_OPTIONS


@pytest.mark.parametrize(("args", "study"), [
    (["s.yaml"], "s.yaml"),
    (["-o", "out", "s.yaml", "--data-dir", "bw"], "s.yaml"),
    (["--output=out", "--contributions", "s.yaml"], "s.yaml"),
    (["-oout", "s.yaml"], "s.yaml"),
    (["--", "-s.yaml"], "-s.yaml"),
    (["--example", "moshi-like"], None),
    (["s.yaml", "--help"], None),
    (["a.yaml", "b.yaml"], None),
    (["-qx", "s.yaml"], None),
    ([], None),
])
def test_study_argument(args: list[str], study: str | None) -> None:
    assert run_study_argument(args) == study
