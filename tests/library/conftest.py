"""Fixtures of the library tests: the shipped library, resolved once, and one bw2calc solve.

``library_scores`` takes a private copy of the session's Brightway template that holds the
shipped library's database and scores every catalogue card, host and grid zone with every
default impact category in ONE MultiLCA (one matrix build and factorisation), so the per-item
checks stay fast.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from gpulca.engine.bundled import bundled_flow_index, known_method_names
from gpulca.library.flows import FlowIndex
from gpulca.library.inventory import ResolvedLibrary
from gpulca.library.methods import load_methods

REPO = Path(__file__).resolve().parents[2]
INVENTORIES = REPO / "inventories"
SOURCES = REPO / "data" / "sources"
DERIVED = REPO / "data" / "derived"
CURATED = REPO / "data" / "curated"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV whose header may start with '# ' (spruce's files); comments skipped."""
    lines = [line for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    while lines and lines[0].startswith("#") and "," not in lines[0]:
        lines.pop(0)
    lines[0] = lines[0].lstrip("# ")
    body = [lines[0]] + [line for line in lines[1:] if not line.startswith("#")]
    return list(csv.DictReader(body))


@pytest.fixture(scope="session")
def flows() -> FlowIndex:
    return bundled_flow_index()


@pytest.fixture(scope="session")
def resolved_library(shipped_library: ResolvedLibrary) -> ResolvedLibrary:
    """The shipped library, loaded and resolved (raises on any problem); tests/conftest.py
    resolves it once for the session."""
    return shipped_library


@dataclass(frozen=True)
class Scores:
    """Scores of the library's processes: ``score(code, category_id)`` per unit of the process."""

    values: dict[tuple[str, str], float]

    def __call__(self, code: str, category: str) -> float:
        return self.values[(category, code)]


def demanded_codes(resolved: ResolvedLibrary) -> list[str]:
    """Every catalogue item's process, plus every GPU card and component process."""
    library = resolved.library
    codes = {library.accelerator(a).manufacturing for a in library.accelerators}
    codes |= {library.server(s).manufacturing for s in library.servers}
    codes |= {library.grid_zone(z).electricity for z in library.grid_zones}
    codes |= {c for c in library.processes if c.startswith("gpu_")}  # cards and components
    codes |= {c for c in library.processes if c.startswith(("cluster_", "datacenter_",
                                                            "cooling_water_"))}
    return sorted(codes)


@pytest.fixture(scope="session")
def library_scores(bw_shipped_template: Path, resolved_library: ResolvedLibrary,
                   tmp_path_factory: pytest.TempPathFactory) -> Scores:
    """One bw2calc MultiLCA: every demanded process x every default impact category."""
    from gpulca.engine.database import ensure_database
    from gpulca.engine.project import gpulca_project
    from gpulca.engine.solve import solve

    directory = tmp_path_factory.mktemp("library-bw") / "brightway"
    shutil.copytree(bw_shipped_template, directory)  # the database is already written
    methods = load_methods(REPO / "methods" / "default.yaml", known_method_names())
    demands = {code: {code: 1.0} for code in demanded_codes(resolved_library)}
    with gpulca_project("gpulca", directory) as bd:
        import bw2calc as bc

        database = ensure_database(bd, resolved_library)
        values = solve(bd, bc, database, demands, methods)
    return Scores(values)


@pytest.fixture(scope="session")
def source_table() -> Callable[[str], list[dict[str, str]]]:
    """Read a copied source CSV by file name."""
    return lambda name: read_csv(SOURCES / name)


def load_build_script():
    """scripts/build_library.py as a module (it is a script, not part of the package)."""
    import importlib.util
    import sys

    name = "gpulca_build_library_script"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / "build_library.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
