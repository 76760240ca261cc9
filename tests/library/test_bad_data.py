"""Bad inventory data gives located errors: file, line, key path, value and what was expected,
from the library API and from ``gpulca validate`` (exit code 2, one line per problem)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gpulca.cli import main
from gpulca.core.errors import Problem
from gpulca.core.parameters import PARAMETERS, check_range
from gpulca.library.inventory import check_catalogue, load_library
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


CATALOGUE_WITH_BAD_VALUES = """
accelerators:
  - id: card
    name: a card
    manufacturing: card_manufacturing
    source: test
    rated_power: {value: 7 kW, source: test}
    training_load: {value: 0.8, source: test}
servers:
  - id: host
    name: a host
    manufacturing: host_manufacturing
    source: test
    gpus_per_node: 8
    overhead_power: {value: 800 W, source: test}
sites:
  - id: site
    name: a site
    grid_zone: XX
    source: test
    pue: {value: 0.9, source: test}
    wue: {value: 2 gallon, source: test}
"""


def test_catalogue_values_are_checked_with_the_parameter_table(tmp_path):
    """Out-of-range and badly united catalogue values: the same located message as a study's."""
    path = tmp_path / "catalogue.yaml"
    path.write_text(CATALOGUE_WITH_BAD_VALUES, encoding="utf-8")
    problems: list[Problem] = []
    check_catalogue(load_library([path]), problems)
    found = {p.path: p for p in problems if p.path.endswith(".value")}
    assert set(found) == {"accelerators[0].rated_power.value", "sites[0].pue.value",
                          "sites[0].wue.value"}
    assert found["accelerators[0].rated_power.value"].message == \
        check_range(PARAMETERS["hardware.gpu_power"], 7000.0)
    assert found["sites[0].pue.value"].message == "out of range: PUE must be from 1 to 3"
    assert found["sites[0].pue.value"].line == next(
        i for i, line in enumerate(CATALOGUE_WITH_BAD_VALUES.splitlines(), 1) if "pue:" in line)
    assert found["sites[0].wue.value"].message.endswith("; expected a quantity in L/kWh")
