"""The one door to Brightway for the rest of gpulca.

Everything above :mod:`gpulca.engine` goes through :func:`open_session`: it makes a gpulca
project current in the data directory, installs the background once, and hands out a
:class:`Session` that writes the inventory database, checks methods and solves. Nothing outside
this package holds a bw2data or bw2calc module.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from gpulca.engine.background import ensure_background
from gpulca.engine.database import ensure_database
from gpulca.engine.montecarlo import ExchangeKey, MatrixModel, matrix_model
from gpulca.engine.project import (
    DEFAULT_PROJECT,
    ProgressCallback,
    gpulca_project,
    import_brightway,
)
from gpulca.engine.solve import (
    Scores,
    check_methods_installed,
    method_metadata,
    method_units,
    solve,
)
from gpulca.engine.unitscores import UnitScores, unit_scores
from gpulca.library.inventory import ResolvedLibrary
from gpulca.schemas.methods import MethodSet


@dataclass(frozen=True)
class Prepared:
    """What a study's solves share: its inventory database and its methods as the project
    stores them."""

    database: str
    method_units: dict[str, str]
    """Display unit by impact category id (the methods file's, else the project's)."""
    method_metadata: dict[str, dict[str, Any]]
    """By impact category id: unit, number of characterisation factors, source file."""


@dataclass(frozen=True)
class Session:
    """A gpulca project made current, with its background installed."""

    bd: ModuleType
    project: str
    data_dir: Path

    def prepare(self, library: ResolvedLibrary, methods: MethodSet, methods_file: str
                ) -> Prepared:
        """Check that the project has every method (a located error names each one missing),
        write ``library`` as a database unless it is already there, and read the methods'
        units and metadata: what every run and comparison does before it solves."""
        check_methods_installed(self.bd, methods, methods_file)
        return Prepared(ensure_database(self.bd, library), method_units(self.bd, methods),
                        method_metadata(self.bd, methods))

    def solve(self, database: str, demands: Mapping[str, Mapping[str, float]],
              methods: MethodSet) -> Scores:
        """Score named demand vectors with every impact category (one bw2calc MultiLCA)."""
        return solve(self.bd, import_brightway()[1], database, demands, methods)

    def unit_scores(self, database: str, codes: Iterable[str], methods: MethodSet
                    ) -> UnitScores:
        """Unit scores of ``codes`` from one bw2calc MultiLCA (for many variants)."""
        return unit_scores(self.bd, import_brightway()[1], database, codes, methods)

    def matrix_model(self, database: str, codes: Iterable[str], methods: MethodSet,
                     exchanges: Sequence[ExchangeKey] = ()) -> MatrixModel:
        """The matrices' elements and uncertainty arrays, for Monte Carlo on ``codes``, and
        where ``exchanges`` are among the elements."""
        return matrix_model(self.bd, import_brightway()[1], database, list(codes), methods,
                            exchanges)


@contextlib.contextmanager
def open_session(project: str = DEFAULT_PROJECT, data_dir: str | Path | None = None,
                 progress: ProgressCallback | None = None) -> Iterator[Session]:
    """Make ``project`` current in ``data_dir`` (installing its background once) and yield a
    :class:`Session`; the user's previous Brightway project is restored on exit."""
    with gpulca_project(project, data_dir) as bd:
        ensure_background(bd, progress)
        yield Session(bd, project, Path(bd.projects._base_data_dir))


@dataclass(frozen=True)
class BackgroundStatus:
    """What :func:`install_background` found or did."""

    installed: bool
    """False when the background was already complete."""
    data_dir: Path
    method_count: int


def install_background(project: str = DEFAULT_PROJECT, data_dir: str | Path | None = None,
                       progress: ProgressCallback | None = None) -> BackgroundStatus:
    """Install the background of ``project`` now (biosphere3 and every method, once)."""
    with gpulca_project(project, data_dir) as bd:
        installed = ensure_background(bd, progress)
        return BackgroundStatus(installed, Path(bd.projects._base_data_dir), len(bd.methods))
