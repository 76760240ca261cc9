"""The one door to Brightway for the rest of gpulca.

Everything above :mod:`gpulca.engine` goes through :func:`open_session`: it makes a gpulca
project current in the data directory, installs the background once, and hands out a
:class:`Session` that writes the inventory database, checks methods and solves. Nothing outside
this package holds a bw2data or bw2calc module.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from gpulca.engine.background import ensure_background
from gpulca.engine.contributions import Contribution, contributions
from gpulca.engine.database import (
    database_name,
    delete_database,
    ensure_database,
    ensure_operation_database,
    operation_database_name,
)
from gpulca.engine.lock import Notify
from gpulca.engine.project import (
    BUILT_BY_GPULCA,
    DEFAULT_PROJECT,
    ProgressCallback,
    gpulca_project,
    import_brightway,
)
from gpulca.engine.project import finish_brightway_import as finish_brightway_import
from gpulca.engine.project import start_brightway_import as start_brightway_import
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

if TYPE_CHECKING:  # Monte Carlo's: imported when one runs
    from gpulca.engine.montecarlo import ExchangeKey, MatrixModel


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
    created: list[str] = field(default_factory=list)
    """Databases this session wrote; removed again when the session ends with an error."""

    def prepare(self, library: ResolvedLibrary, methods: MethodSet, methods_file: str
                ) -> Prepared:
        """Check that the project has every method (a located error names each one missing),
        write ``library`` as a database unless it is already there, and read the methods'
        units and metadata: what every run and comparison does before it solves."""
        check_methods_installed(self.bd, methods, methods_file)
        database = self._tracked(database_name(library),
                                 lambda: ensure_database(self.bd, library))
        return Prepared(database, method_units(self.bd, methods),
                        method_metadata(self.bd, methods))

    def _tracked(self, name: str, ensure: Callable[[], str]) -> str:
        """Run ``ensure`` (which writes database ``name`` unless it is there, complete) and
        record the database as this session's when it wrote it: a failed run removes it."""
        before = self._built_at(name)
        ensure()
        if self._built_at(name) != before:
            self.created.append(name)
            _written_by_this_process.append((self.data_dir, self.project, name))
        return name

    def _built_at(self, name: str) -> str | None:
        return self.bd.databases[name].get("gpulca_built_at") \
            if name in self.bd.databases else None

    def discard_created(self) -> None:
        """Remove the databases this session wrote (a failed run leaves the project as it
        was)."""
        with contextlib.redirect_stdout(sys.stderr):
            for name in self.created:
                delete_database(self.bd, name)
        self.created.clear()

    def solve(self, database: str, demands: Mapping[str, Mapping[str, float]],
              methods: MethodSet, also: Sequence[str] = ()) -> Scores:
        """Score named demand vectors with every impact category (one bw2calc MultiLCA);
        codes are looked up in ``database``, then in ``also``."""
        return solve(self.bd, import_brightway()[1], database, demands, methods, also)

    def contributions(self, databases: Sequence[str],
                      demands: Mapping[str, Mapping[str, float]], methods: MethodSet
                      ) -> list[Contribution]:
        """Every process and elementary flow contribution of named demands (one MultiLCA)."""
        return contributions(self.bd, import_brightway()[1], databases, demands, methods)

    def write_operation(self, inventory: str,
                        processes: Mapping[str, Mapping[str, Any]]) -> str:
        """Write a study's operation processes (linked to ``inventory``); their database.
        Written here, it is removed again if the run fails."""
        return self._tracked(operation_database_name(inventory, processes),
                             lambda: ensure_operation_database(self.bd, inventory, processes))

    def unit_scores(self, database: str, codes: Iterable[str], methods: MethodSet
                    ) -> UnitScores:
        """Unit scores of ``codes`` from one bw2calc MultiLCA (for many variants)."""
        return unit_scores(self.bd, import_brightway()[1], database, codes, methods)

    def matrix_model(self, database: str, codes: Iterable[str], methods: MethodSet,
                     exchanges: Sequence[ExchangeKey] = ()) -> MatrixModel:
        """The matrices' elements and uncertainty arrays, for Monte Carlo on ``codes``, and
        where ``exchanges`` are among the elements."""
        from gpulca.engine.montecarlo import matrix_model

        return matrix_model(self.bd, import_brightway()[1], database, list(codes), methods,
                            exchanges)


@contextlib.contextmanager
def open_session(project: str = DEFAULT_PROJECT, data_dir: str | Path | None = None,
                 progress: ProgressCallback | None = None, notify: Notify | None = None
                 ) -> Iterator[Session]:
    """Make ``project`` current in ``data_dir`` (installing its background once) and yield a
    :class:`Session`; the user's previous Brightway project is restored on exit.

    The data directory is locked for the whole session (one gpulca process at a time, see
    :mod:`gpulca.engine.lock`); ``notify`` (default: stderr) hears what a waiting process waits
    for and when an interrupted set-up is repaired."""
    with gpulca_project(project, data_dir, notify) as bd:
        ensure_background(bd, progress, notify)
        session = Session(bd, project, Path(bd.projects._base_data_dir))
        try:
            yield session
        except BaseException:
            session.discard_created()
            raise


_written_by_this_process: list[tuple[Path, str, str]] = []


def forget_new_databases() -> None:
    """Start a new command: the databases written so far are kept whatever happens next."""
    _written_by_this_process.clear()


def discard_new_databases() -> list[str]:
    """Remove every inventory database this process wrote (a command that fails after its
    solves, e.g. while writing its outputs, leaves the project as it was); return their names.

    The background (biosphere3, methods) stays: it is shared set-up, not a run's result.
    """
    removed = []
    while _written_by_this_process:
        data_dir, project, name = _written_by_this_process.pop()
        if not data_dir.is_dir():
            continue
        with gpulca_project(project, data_dir) as bd, contextlib.redirect_stdout(sys.stderr):
            if name in bd.databases and bd.databases[name].get(BUILT_BY_GPULCA):
                delete_database(bd, name)
                removed.append(name)
    return removed


@dataclass(frozen=True)
class BackgroundStatus:
    """What :func:`install_background` found or did."""

    installed: bool
    """False when the background was already complete."""
    data_dir: Path
    method_count: int


def install_background(project: str = DEFAULT_PROJECT, data_dir: str | Path | None = None,
                       progress: ProgressCallback | None = None, notify: Notify | None = None
                       ) -> BackgroundStatus:
    """Install the background of ``project`` now (biosphere3 and every method, once)."""
    with gpulca_project(project, data_dir, notify) as bd:
        installed = ensure_background(bd, progress, notify)
        return BackgroundStatus(installed, Path(bd.projects._base_data_dir), len(bd.methods))
