"""Shared fixtures: every test runs against temporary Brightway data directories.

The background (biosphere3 and the 762 bundled LCIA methods) is installed once per test session
into a template directory by ``gpulca setup`` (about 10 s), and a second template adds the
shipped library's inventory database (``inventories/``, what every shipped study but the
replications solves against), also written once per session. Each test that needs Brightway
gets its own copy (about 0.1 s), so tests never share state and never touch a user's Brightway
directory:

- ``bw_dir``: a copy of the background alone, for tests of how gpulca builds a project;
- ``bw_shipped_dir``: a copy with the shipped library's database, for a test that runs a
  shipped study;
- ``module_bw``: a copy with the shipped library's database shared by one test module (each
  other library a study names adds its own database).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent

# Set before anything imports bw2data: an accidental import then lands in a scratch directory.
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="gpulca-tests-"))
os.environ["BRIGHTWAY2_DIR"] = str(_SESSION_DIR / "never-used")
(_SESSION_DIR / "never-used").mkdir()
os.environ["GPULCA_CACHE_DIR"] = str(_SESSION_DIR / "cache")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def bw_setup() -> tuple[Path, Any]:
    """``gpulca setup --data-dir DIR`` into an empty directory, as a user runs it: the session's
    template, and the command's result (tests/test_cli.py checks what it said)."""
    from click.testing import CliRunner

    from gpulca.cli import main

    directory = _SESSION_DIR / "template"
    result = CliRunner().invoke(main, ["setup", "--data-dir", str(directory)])
    assert result.exit_code == 0, result.output
    return directory, result


@pytest.fixture(scope="session")
def bw_template(bw_setup: tuple[Path, Any]) -> Path:
    """A Brightway data directory whose 'gpulca' project has the full background."""
    return bw_setup[0]


@pytest.fixture(scope="session")
def shipped_library() -> Any:
    """The shipped library (``inventories/``), loaded and resolved once (raises on any problem)."""
    from gpulca.engine.bundled import bundled_flow_index
    from gpulca.library.inventory import load_library, resolve_library

    return resolve_library(load_library([REPO / "inventories"]), bundled_flow_index())


@pytest.fixture(scope="session")
def bw_shipped_template(bw_template: Path, shipped_library: Any) -> Path:
    """The template plus the shipped library's inventory database, written once per session."""
    from gpulca.engine.database import ensure_database
    from gpulca.engine.project import gpulca_project

    directory = _SESSION_DIR / "template-shipped"
    shutil.copytree(bw_template, directory)
    with gpulca_project("gpulca", directory) as bd:
        ensure_database(bd, shipped_library)
    return directory


@pytest.fixture
def bw_dir(bw_template: Path, tmp_path: Path) -> Path:
    """A private copy of the template data directory (the background alone) for one test."""
    target = tmp_path / "brightway"
    shutil.copytree(bw_template, target)
    return target


@pytest.fixture
def bw_shipped_dir(bw_shipped_template: Path, tmp_path: Path) -> Path:
    """A private copy of the template with the shipped library's database, for one test."""
    target = tmp_path / "brightway"
    shutil.copytree(bw_shipped_template, target)
    return target


@pytest.fixture(scope="module")
def module_bw(bw_shipped_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the template with the shipped library's database, shared by one test module
    (a study naming another library adds its own database)."""
    target = tmp_path_factory.mktemp("bw-module") / "brightway"
    shutil.copytree(bw_shipped_template, target)
    return target


@pytest.fixture
def repo() -> Path:
    """The repository root (shipped inventories/, methods/, scenarios/)."""
    return REPO
