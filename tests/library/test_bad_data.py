"""Bad inventory data gives located errors: file, line, key path, value and what was expected,
from the library API and from ``gpulca validate`` (exit code 2, one line per problem)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gpulca.cli import main
from gpulca.pipeline.validate import validate_paths
from tests.library.conftest import FIXTURES, INVENTORIES

CASES = [
    # (fixture, key path in the file, line, words of the message)
    ("missing_flow.yaml", "processes[0].exchanges[0].biosphere", 9,
     ("no such biosphere3 flow", "Carbon dioxide, fossil")),
    ("missing_process.yaml", "processes[0].exchanges[0].technosphere", 9,
     ("no process with this code",)),
    ("bad_unit.yaml", "processes[0].exchanges[0].unit", 11, ("does not convert",)),
    ("duplicate_code.yaml", "processes[1].code", 8, ("duplicate code",)),
    ("missing_source.yaml", "processes[0].exchanges[0]", 9, ("no source",)),
]


@pytest.mark.parametrize(("fixture", "path", "line", "words"), CASES,
                         ids=[case[0] for case in CASES])
def test_bad_data_gives_a_located_problem(fixture, path, line, words):
    report = validate_paths([FIXTURES / fixture]).report
    assert len(report) == 1, [str(p) for p in report]
    problem = report.problems[0]
    assert Path(problem.file).name == fixture
    assert problem.path == path
    assert problem.line == line
    for word in words:
        assert word in problem.message


@pytest.mark.parametrize(("fixture", "path", "line", "words"), CASES,
                         ids=[case[0] for case in CASES])
def test_validate_cli_lists_the_problem_with_its_location(fixture, path, line, words):
    result = CliRunner().invoke(main, ["validate", str(FIXTURES / fixture)])
    assert result.exit_code == 2
    assert f"{fixture}:{line}: {path}:" in result.output


def test_bad_file_inside_the_library_is_found_among_the_others(tmp_path):
    """A broken file added to the shipped library: only its problem is reported."""
    library = tmp_path / "inventories"
    shutil.copytree(INVENTORIES, library)
    shutil.copy(FIXTURES / "missing_process.yaml", library / "extra.yaml")
    report = validate_paths([library]).report
    assert [Path(p.file).name for p in report] == ["extra.yaml"]


def test_duplicate_of_a_library_code_names_the_first_definition(tmp_path):
    clash = tmp_path / "clash.yaml"
    clash.write_text((FIXTURES / "duplicate_code.yaml").read_text().replace(
        "bad_duplicate", "electricity_fr", 1), encoding="utf-8")
    report = validate_paths([INVENTORIES, clash]).report
    messages = [str(p) for p in report]
    assert len(messages) == 1 and "first defined at" in messages[0] and "countries.yaml" in \
        messages[0]
