"""Shared fixtures: every test runs against temporary Brightway data directories.

The background (biosphere3 and the 762 bundled LCIA methods) is installed once per test session
into a template directory (about 10 s); each test that needs Brightway gets its own copy
(about 0.2 s), so tests never share state and never touch a user's Brightway directory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

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
def bw_template() -> Path:
    """A Brightway data directory whose 'gpulca' project has the full background."""
    from gpulca.engine.background import ensure_background
    from gpulca.engine.project import gpulca_project

    directory = _SESSION_DIR / "template"
    with gpulca_project("gpulca", directory) as bd:
        ensure_background(bd)
    return directory


@pytest.fixture
def bw_dir(bw_template: Path, tmp_path: Path) -> Path:
    """A private copy of the template data directory for one test."""
    target = tmp_path / "brightway"
    shutil.copytree(bw_template, target)
    return target


@pytest.fixture(scope="module")
def module_bw(bw_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the template shared by one test module (each study adds its own database)."""
    target = tmp_path_factory.mktemp("bw-module") / "brightway"
    shutil.copytree(bw_template, target)
    return target


@pytest.fixture
def repo() -> Path:
    """The repository root (shipped inventories/, methods/, scenarios/)."""
    return REPO
