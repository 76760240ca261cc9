"""The wheel carries the shipped library, methods and examples: an installed gpulca works in an
empty folder (no source checkout), and the example command writes studies that run as written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from gpulca.cli import main
from gpulca.library.examples import example_files, example_names

REPO = Path(__file__).resolve().parent.parent


def test_examples_are_the_shipped_studies() -> None:
    names = example_names()
    assert {"moshi-like", "example", "siting-study", "replications/bloom2023"} <= set(names)
    assert not any(name.startswith("rules/") for name in names)


def test_example_copies_what_the_study_refers_to(tmp_path: Path) -> None:
    relative = {p.relative_to(REPO / "scenarios").as_posix()
                for p in example_files("replications/bloom2023")}
    assert relative == {"replications/bloom2023.yaml", "replications/methods-climate.yaml",
                        "replications/inventories/bloom2023.yaml"}
    result = CliRunner().invoke(main, ["example", "replications/bloom2023", "--to",
                                       str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.yaml")}
    assert written == relative


def test_example_never_overwrites_and_names_the_examples(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["example", "moshi-like", "--to", str(tmp_path)]).exit_code == 0
    again = runner.invoke(main, ["example", "moshi-like", "--to", str(tmp_path)])
    assert again.exit_code == 2 and "already exists (use --force" in again.output
    unknown = runner.invoke(main, ["example", "mosh", "--to", str(tmp_path)])
    assert unknown.exit_code == 2 and "the examples are: " in unknown.output
    both = runner.invoke(main, ["run", "x.yaml", "--example", "moshi-like"])
    assert both.exit_code == 2 and "either STUDY or --example" in both.output


def _build_wheel(tmp_path: Path) -> Path:
    pytest.importorskip("setuptools")
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns(".git", ".venv", "tests", "bench", "__pycache__", "*.egg-info",
                                    "build", "dist", "gpulca-results", ".*cache*")
    shutil.copytree(REPO, source, ignore=ignore)
    # the PEP 517 hook pip calls, without pip's start-up time
    subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta; "
                    "build_meta.build_wheel(sys.argv[1])", str(tmp_path / "dist")],
                   cwd=source, check=True, capture_output=True)
    return next((tmp_path / "dist").glob("gpulca-*.whl"))


@pytest.mark.slow
def test_installed_wheel_works_in_an_empty_folder(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "gpulca/_shipped/methods/default.yaml" in names
    assert "gpulca/_shipped/scenarios/moshi-like.yaml" in names
    assert "gpulca/_shipped/DATA_LICENSE.md" in names
    assert "gpulca/data/schemas/study.schema.json" in names
    assert "gpulca/data/templates/study.yaml" in names
    shipped = {n for n in names if n.startswith("gpulca/_shipped/inventories/")}
    assert len(shipped) == len(list((REPO / "inventories").rglob("*.yaml"))) + 1  # + README
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)  # a pure-Python wheel installs by unpacking
    empty = tmp_path / "empty"
    (empty / "inventories").mkdir(parents=True)
    # a user's own library adds to the shipped one
    (empty / "inventories" / "mine.yaml").write_text(
        "grid_zones:\n  - id: XX\n    name: My zone\n    electricity: electricity_fr\n"
        "    source: \"test zone\"\n    quality: assumption\n")
    # one interpreter for every command (each would otherwise import gpulca again)
    script = (
        "import json, sys\n"
        "from click.testing import CliRunner\n"
        "import gpulca\n"
        "from gpulca.cli import main\n"
        "out = {'file': gpulca.__file__}\n"
        "for args in json.loads(sys.argv[1]):\n"
        "    r = CliRunner().invoke(main, args)\n"
        "    out[' '.join(args)] = [r.exit_code, r.output]\n"
        "print(json.dumps(out))\n")
    commands = [["example"], ["list", "zones", "--format", "csv"], ["example", "moshi-like"],
                ["validate", "moshi-like.yaml"], ["init", "mine.yaml"], ["validate", "mine.yaml"],
                ["audit"]]
    done = subprocess.run([sys.executable, "-c", script, json.dumps(commands)], cwd=empty,
                          env={**os.environ, "PYTHONPATH": str(target)}, capture_output=True,
                          text=True, check=True)
    out = json.loads(done.stdout)
    assert out.pop("file").startswith(str(target))
    assert all(code == 0 for code, _ in out.values()), out
    assert "moshi-like" in out["example"][1]
    assert "\nXX," in out["list zones --format csv"][1]
    assert "\nFR," in out["list zones --format csv"][1]
    assert (empty / "moshi-like.yaml").is_file()
    assert "OK: no problems" in out["validate moshi-like.yaml"][1]
    assert "OK: no problems" in out["validate mine.yaml"][1]
    assert "gpulca/_shipped/data/curated/alternatives.yaml" in names  # what audit reads
    schema_line = (empty / "mine.yaml").read_text().splitlines()[0]
    assert schema_line.endswith("/gpulca/data/schemas/study.schema.json")
    assert str(target) in schema_line
