"""Brightway data directory and gpulca-owned projects.

Rules this module enforces:

- The data directory is ``--data-dir``, else ``BRIGHTWAY2_DIR``, else the user's normal
  Brightway directory (so Activity Browser opens gpulca's projects).
- gpulca only creates or changes projects whose name starts with ``gpulca``. Importing bw2data
  normally creates a ``default`` project in the data directory; gpulca imports it against a
  private scratch directory and then switches, so the user's directory gains nothing but
  gpulca's own projects.

The background itself (biosphere3 and the bundled methods) is :mod:`gpulca.engine.background`.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
import os
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from gpulca.core.errors import ProjectError
from gpulca.engine.lock import Notify, data_dir_lock, default_purpose
from gpulca.io.atomic import sweep_stale_stages

PROJECT_PREFIX = "gpulca"
DEFAULT_PROJECT = "gpulca"
BIOSPHERE = "biosphere3"
BUILT_BY_GPULCA = "gpulca_built"
"""Metadata flag on databases that gpulca wrote (and may therefore rebuild or delete)."""

ProgressCallback = Callable[[str, int, int], None]
"""Called as ``progress(step_label, done, total)``."""

_bootstrap_dir: str | None = None
BOOTSTRAP_PREFIX = "gpulca-bw-bootstrap-"


def resolve_data_dir(data_dir: str | Path | None = None) -> Path:
    """Return the Brightway data directory gpulca will use (created if missing)."""
    if data_dir is not None:
        path = Path(data_dir)
    elif os.environ.get("BRIGHTWAY2_DIR"):
        path = Path(os.environ["BRIGHTWAY2_DIR"])
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("Brightway3", "pylca"))
    path = path.expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ProjectError(f"cannot create the Brightway data directory {path}: {exc}") from exc
    if not os.access(path, os.W_OK):
        raise ProjectError(f"the Brightway data directory {path} is not writable")
    return path


def _quiet_environment() -> None:
    os.environ["BRIGHTWAY_NO_STRUCTLOG"] = "1"
    os.environ.setdefault("TQDM_DISABLE", "1")
    warnings.filterwarnings("ignore", message=r"(?s).*pypardiso")
    warnings.filterwarnings("ignore", message=r"All values in characterization matrix")


def import_brightway() -> tuple[ModuleType, ModuleType]:
    """Import bw2data and bw2calc quietly; return ``(bw2data, bw2calc)``.

    bw2data reads ``BRIGHTWAY2_DIR`` at import and creates a ``default`` project there, so the
    first import points it at a private scratch directory; :func:`use_data_dir` then switches to
    the real one. When :func:`start_brightway_import` began the import in the background, this
    waits for it, and raises here the error it met (the same error as importing here).
    """
    finish_brightway_import()
    if "bw2data" not in sys.modules:
        _import_quietly(in_background=False)
    import bw2calc
    import bw2data

    return bw2data, bw2calc


SHARED_MEMORY = "/dev/shm"
"""A folder in memory (Linux): bw2data's scratch project database is written there."""


def bootstrap_parent() -> str:
    """Where the scratch data directory of Brightway's import goes: in memory where the system
    has such a folder (bw2data creates a project database there at import, about 140 SQLite
    syncs that a disk makes wait for, 0.04 s and more of every run), else the temporary
    folder."""
    if os.path.isdir(SHARED_MEMORY) and os.access(SHARED_MEMORY, os.W_OK | os.X_OK):
        return SHARED_MEMORY
    return tempfile.gettempdir()


FEEDBACK_LOGGER = "brightway-stdout-feedback"
"""bw2data's logger of messages for the user (INFO on stdout as it comes)."""


def _import_quietly(in_background: bool) -> None:
    """Import bw2calc and bw2data against a scratch data directory, quietly.

    In the foreground, everything the import says is silenced (stdout goes to stderr, logging
    below ERROR is off). In the background (:func:`start_brightway_import`) nothing global that
    the foreground may be using is touched: only bw2data's own feedback logger is silenced, and
    its handler (which bw2data opens on ``sys.stdout``) is pointed at stderr afterwards.
    """
    global _bootstrap_dir
    if not in_background:  # (the background's caller did, before it started)
        _quiet_environment()
    # pid in the name: a killed process's folder is swept by the next one (atexit is not run)
    parent = bootstrap_parent()
    sweep_stale_stages(Path(parent), BOOTSTRAP_PREFIX)
    _bootstrap_dir = tempfile.mkdtemp(prefix=f"{BOOTSTRAP_PREFIX}{os.getpid()}-", dir=parent)
    atexit.register(shutil.rmtree, _bootstrap_dir, True)
    template = _bootstrap_template()
    made = template is not None and _copy_bootstrap(template, Path(_bootstrap_dir))
    saved = os.environ.get("BRIGHTWAY2_DIR")
    os.environ["BRIGHTWAY2_DIR"] = _bootstrap_dir
    feedback = logging.getLogger(FEEDBACK_LOGGER)
    quiet: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    if in_background:
        feedback.disabled = True
    else:
        logging.disable(logging.WARNING)
        quiet = contextlib.redirect_stdout(sys.stderr)
    # The import makes hundreds of thousands of objects that live as long as the process, and
    # hardly any garbage: the cyclic collector's passes over them (two or three full ones)
    # cost about 0.06 s of CPU. It is paused meanwhile (for the whole process: in the
    # background, while the caller reads a study), and what the import made is frozen below.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with quiet, cached_pint_definitions():
            unused_until_asked(UNUSED_MODULES)
            import bw2calc  # noqa: F401
            import bw2data  # noqa: F401
    finally:
        if collecting:
            gc.enable()
        feedback.disabled = False
        if not in_background:
            logging.disable(logging.NOTSET)
        if saved is None:
            os.environ.pop("BRIGHTWAY2_DIR", None)
        else:
            os.environ["BRIGHTWAY2_DIR"] = saved
    if template is not None and not made:
        _keep_bootstrap(Path(_bootstrap_dir), template)
    # Everything imported so far lives as long as the process. Freezing it keeps the garbage
    # collector off it: bw2data calls gc.collect() on every switch of data directory (twice
    # per run), which otherwise walks the whole heap of bw2calc, scipy and pandas (0.3 to
    # 1 s of a warm run).
    gc.freeze()
    feedback.setLevel(logging.WARNING)
    for handler in feedback.handlers:
        if hasattr(handler, "setStream"):
            handler.setStream(sys.stderr)


BOOTSTRAP_CACHE = "brightway-bootstrap"
"""Folder of gpulca's cache (:func:`gpulca.core.cache.cache_dir`) holding, per bw2data
version, a copy of the scratch directory bw2data makes as it is imported (its ``default``
project, ``projects.db`` and ``parameters.db``), see :func:`_bootstrap_template`."""


def _bootstrap_template() -> Path | None:
    """Where a copy of the scratch directory of this bw2data version is kept, or None when
    the version is unknown.

    Importing bw2data into an empty directory creates two SQLite databases, their tables and
    indexes (on disk about 0.15 s of every run, most of it SQLite syncing the new files; in
    /dev/shm, :func:`bootstrap_parent`, the tables' creation still costs its Python); into a
    copy of a directory it made before, it only reads them (nothing is written: it is the
    same directory it would make). Each process still imports into its own scratch directory, a
    copy of the template, removed at exit, as before.
    """
    from importlib.metadata import PackageNotFoundError, version

    from gpulca.core.cache import cache_dir

    try:
        return cache_dir() / BOOTSTRAP_CACHE / f"bw2data-{version('bw2data')}"
    except (PackageNotFoundError, OSError):
        return None


def _copy_bootstrap(template: Path, scratch: Path) -> bool:
    """Fill ``scratch`` with the template's files; False (``scratch`` emptied again) when
    there is no complete template or it cannot be copied."""
    if not (template / _BOOTSTRAP_DONE).is_file():
        return False
    try:
        shutil.copytree(template, scratch, dirs_exist_ok=True)
        (scratch / _BOOTSTRAP_DONE).unlink()
        return True
    except OSError:  # bw2data makes its directory afresh, as without a template
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(exist_ok=True)
        return False


_BOOTSTRAP_DONE = "gpulca-bootstrap-complete"
"""The file a template is complete with (written last, before the template is moved in
place in one rename)."""


def _keep_bootstrap(scratch: Path, template: Path) -> None:
    """Keep a copy of the freshly made ``scratch`` as the template (if none is there yet):
    copied beside it, marked complete, then renamed into place, so that no process ever copies
    half a template. Any failure (read-only cache, a race lost) only leaves no template."""
    if template.exists():  # another process's, or being made: not ours to replace
        return
    partial = template.with_name(f"{template.name}.{os.getpid()}.partial")
    try:
        template.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(scratch, partial, ignore=shutil.ignore_patterns("logs"))
        (partial / _BOOTSTRAP_DONE).touch()
        partial.rename(template)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)


UNUSED_MODULES = ("numpy.f2py",)
"""Modules Brightway's import loads without using them: numpy's Fortran wrapper generator
(0.06 s with the character-set detector it imports), which scipy's array API layer
touches as it copies every name of numpy (``from numpy import *``)."""


def unused_until_asked(names: tuple[str, ...]) -> None:
    """Make each module of ``names`` not imported yet load when first used, not when
    imported (:class:`importlib.util.LazyLoader`, as the Python documentation's "lazy
    imports" recipe): the same module on first use of any of its names. (An ``import``
    statement naming it counts as a use: the import system reads its ``__spec__``. Only a
    module reached as an attribute of its package, like ``numpy.f2py``, stays unloaded.)"""
    import importlib.util

    for name in names:
        if name in sys.modules:
            continue
        parent, _, child = name.rpartition(".")
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None or spec.loader is None or parent not in sys.modules:
            continue
        spec.loader = importlib.util.LazyLoader(spec.loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        setattr(sys.modules[parent], child, module)  # as the import system does


PINT_CACHE = "pint-brightway"
"""Folder of gpulca's cache (:func:`gpulca.core.cache.cache_dir`) where the unit definitions
of Brightway's pint registry are cached (:func:`cached_pint_definitions`)."""


@contextlib.contextmanager
def cached_pint_definitions() -> Iterator[None]:
    """While Brightway is imported, a pint registry made without a cache folder caches its
    parsed unit definitions in gpulca's cache (:data:`PINT_CACHE`).

    bw2parameters (imported by bw2data) builds a default pint registry as it is imported:
    parsing pint's unit definitions, 0.18 s of every run, for the same definitions each time.
    pint reads them back from its cache in 0.01 s; the registry is otherwise pint's default
    (the same units and conversions; tests/engine/test_background_import.py).
    """
    import pint

    from gpulca.core.cache import cache_dir

    folder = cache_dir() / PINT_CACHE
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # no cache: pint parses them, as without gpulca
        yield
        return
    default = pint.UnitRegistry

    class CachedUnitRegistry(default):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("cache_folder", str(folder))
            super().__init__(*args, **kwargs)

    setattr(pint, "UnitRegistry", CachedUnitRegistry)  # noqa: B010 - (a class)
    try:
        yield
    finally:
        setattr(pint, "UnitRegistry", default)  # noqa: B010


@dataclass
class _BackgroundImport:
    thread: threading.Thread
    error: list[BaseException] = field(default_factory=list)


_background: _BackgroundImport | None = None
_background_lock = threading.Lock()


def start_brightway_import() -> None:
    """Begin importing bw2data and bw2calc (about half a second of Python) in a background
    thread, while the caller does other work, e.g. reads an activity CSV, whose parsing
    (pyarrow, numpy) leaves the interpreter free: on two cores, the two overlap.

    :func:`import_brightway` waits for it, and raises the error it met, where it would have
    raised it without a background thread. A caller that may stop before importing Brightway
    (an input error) calls :func:`finish_brightway_import` ``(raise_error=False)`` as it
    leaves: nothing of the import outlives the call. Nothing happens when Brightway is
    imported or being imported already.
    """
    global _background
    with _background_lock:
        if "bw2data" in sys.modules or _background is not None:
            return
        _quiet_environment()  # warning filters: set here, not while the caller may use them
        # gpulca's own unit registry is made here, before pint.UnitRegistry is swapped for
        # the import's cached one (cached_pint_definitions): it stays pint's own class
        from gpulca.core.units import registry

        registry()
        error: list[BaseException] = []
        thread = threading.Thread(target=_import_in_background, args=(error,),
                                  name="gpulca-brightway-import", daemon=True)
        _background = _BackgroundImport(thread, error)
        thread.start()


def _import_in_background(error: list[BaseException]) -> None:
    try:
        _import_quietly(in_background=True)
    except BaseException as exc:  # noqa: BLE001 - raised again by finish_brightway_import
        error.append(exc)


def finish_brightway_import(raise_error: bool = True) -> None:
    """Wait for the import :func:`start_brightway_import` began (if any); raise its error
    (unless ``raise_error`` is False: a caller leaving with an error of its own)."""
    global _background
    with _background_lock:
        background, _background = _background, None
    if background is None:
        return
    background.thread.join()
    if background.error and raise_error:
        raise background.error[0]


def check_project_name(name: str) -> str:
    """Refuse any project name gpulca does not own."""
    if not name.startswith(PROJECT_PREFIX):
        raise ProjectError(
            f"project {name!r} is not a gpulca project: gpulca only creates and changes "
            f"projects whose name starts with {PROJECT_PREFIX!r}"
        )
    return name


def _switch(bd: ModuleType, target: Path, name: str, switched_dir: bool) -> None:
    """Make ``name`` current in ``target``; bw2data re-reads the project's stores from disk.

    A projects database that SQLite cannot read (corrupt, not a database) is a located
    :class:`ProjectError`, not a crash.
    """
    import peewee

    try:
        with contextlib.redirect_stdout(sys.stderr):
            if switched_dir:
                bd.projects.change_base_directories(target, project_name=name, update=False)
            else:
                bd.projects.set_current(name, update=False)
    except (peewee.DatabaseError, ValueError, OSError) as exc:
        raise ProjectError(
            f"cannot open project {name!r} in the Brightway data directory {target}: "
            f"{type(exc).__name__}: {exc} (is {target / 'projects.db'} damaged? move it away or "
            "use another --data-dir)") from exc


@contextlib.contextmanager
def gpulca_project(name: str = DEFAULT_PROJECT, data_dir: str | Path | None = None,
                   notify: Notify | None = None) -> Iterator[ModuleType]:
    """Make ``name`` (a gpulca project) current in ``data_dir``; yield bw2data.

    The data directory is locked for the whole block (:func:`gpulca.engine.lock.data_dir_lock`:
    one gpulca process at a time; ``notify`` hears what a waiting process waits for), and the
    project's stores are read after the lock is taken. The previously current project and
    directory are restored on exit, so library users who also work with Brightway directly keep
    their state.
    """
    check_project_name(name)
    bd, _ = import_brightway()
    target = resolve_data_dir(data_dir)
    with data_dir_lock(target, default_purpose(), notify):
        previous_dir = Path(bd.projects._base_data_dir)
        previous_project = bd.projects.current
        switched_dir = previous_dir.resolve() != target
        _switch(bd, target, name, switched_dir)
        try:
            yield bd
        finally:
            _restore(bd, name, previous_dir, previous_project, switched_dir)


def _restore(bd: ModuleType, name: str, previous_dir: Path, previous_project: str,
             switched_dir: bool) -> None:
    with contextlib.redirect_stdout(sys.stderr):
        if switched_dir and _bootstrap_dir is not None and \
                previous_dir.resolve() == Path(_bootstrap_dir).resolve():
            pass  # nothing of the user's to restore; stay in the gpulca project
        elif switched_dir:
            bd.projects.change_base_directories(
                previous_dir, project_name=previous_project, update=False)
        elif previous_project != name:
            bd.projects.set_current(previous_project, update=False)
