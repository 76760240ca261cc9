"""Brightway data directory, gpulca-owned projects, and the offline background set-up.

Rules this module enforces:

- The data directory is ``--data-dir``, else ``BRIGHTWAY2_DIR``, else the user's normal
  Brightway directory (so Activity Browser opens gpulca's projects).
- gpulca only creates or changes projects whose name starts with ``gpulca``. Importing bw2data
  normally creates a ``default`` project in the data directory; gpulca imports it against a
  private scratch directory and then switches, so the user's directory gains nothing but
  gpulca's own projects.
- The background (biosphere3 and the LCIA methods bundled in bw2io) is installed once per project
  and marked complete only at the end; an incomplete project is rebuilt, never reused.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import logging
import os
import shutil
import sys
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from gpulca.errors import ProjectError

PROJECT_PREFIX = "gpulca"
DEFAULT_PROJECT = "gpulca"
BACKGROUND_MARKER = "gpulca_background"
BACKGROUND_VERSION = 1
"""Bump when the background set-up changes, so existing projects are rebuilt."""
BIOSPHERE = "biosphere3"
BUILT_BY_GPULCA = "gpulca_built"
"""Metadata flag on databases that gpulca wrote (and may therefore rebuild or delete)."""

ProgressCallback = Callable[[str, int, int], None]
"""Called as ``progress(step_label, done, total)``."""

_bootstrap_dir: str | None = None


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
    the real one.
    """
    global _bootstrap_dir
    if "bw2data" not in sys.modules:
        _quiet_environment()
        _bootstrap_dir = tempfile.mkdtemp(prefix="gpulca-bw-bootstrap-")
        atexit.register(shutil.rmtree, _bootstrap_dir, True)
        saved = os.environ.get("BRIGHTWAY2_DIR")
        os.environ["BRIGHTWAY2_DIR"] = _bootstrap_dir
        logging.disable(logging.WARNING)
        try:
            with contextlib.redirect_stdout(sys.stderr):
                import bw2calc  # noqa: F401
                import bw2data  # noqa: F401
        finally:
            logging.disable(logging.NOTSET)
            if saved is None:
                os.environ.pop("BRIGHTWAY2_DIR", None)
            else:
                os.environ["BRIGHTWAY2_DIR"] = saved
        feedback = logging.getLogger("brightway-stdout-feedback")
        feedback.setLevel(logging.WARNING)
        for handler in feedback.handlers:
            if hasattr(handler, "setStream"):
                handler.setStream(sys.stderr)
    import bw2calc
    import bw2data

    return bw2data, bw2calc


def check_project_name(name: str) -> str:
    """Refuse any project name gpulca does not own."""
    if not name.startswith(PROJECT_PREFIX):
        raise ProjectError(
            f"project {name!r} is not a gpulca project: gpulca only creates and changes "
            f"projects whose name starts with {PROJECT_PREFIX!r}"
        )
    return name


@contextlib.contextmanager
def gpulca_project(name: str = DEFAULT_PROJECT, data_dir: str | Path | None = None
                   ) -> Iterator[ModuleType]:
    """Make ``name`` (a gpulca project) current in ``data_dir``; yield bw2data.

    The previously current project and directory are restored on exit, so library users who
    also work with Brightway directly keep their state.
    """
    check_project_name(name)
    bd, _ = import_brightway()
    target = resolve_data_dir(data_dir)
    previous_dir = Path(bd.projects._base_data_dir)
    previous_project = bd.projects.current
    switched_dir = previous_dir.resolve() != target
    with contextlib.redirect_stdout(sys.stderr):
        if switched_dir:
            bd.projects.change_base_directories(target, project_name=name, update=False)
        else:
            bd.projects.set_current(name, update=False)
    try:
        yield bd
    finally:
        with contextlib.redirect_stdout(sys.stderr):
            if switched_dir and _bootstrap_dir is not None and \
                    previous_dir.resolve() == Path(_bootstrap_dir).resolve():
                pass  # nothing of the user's to restore; stay in the gpulca project
            elif switched_dir:
                bd.projects.change_base_directories(
                    previous_dir, project_name=previous_project, update=False)
            elif previous_project != name:
                bd.projects.set_current(previous_project, update=False)


def background_is_complete(bd: ModuleType) -> bool:
    """True when this project's background was fully installed by this gpulca version."""
    marker = bd.preferences.get(BACKGROUND_MARKER)
    return (
        isinstance(marker, dict)
        and marker.get("version") == BACKGROUND_VERSION
        and BIOSPHERE in bd.databases
        and len(bd.methods) >= int(marker.get("methods", 1 << 30))
    )


def bundled_lcia_data() -> list[dict[str, Any]]:
    """The LCIA methods bundled with bw2io (ecoinvent 3.9 set), as plain data."""
    import_brightway()
    logging.disable(logging.WARNING)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            import bw2io
    finally:
        logging.disable(logging.NOTSET)

    archive = Path(bw2io.__file__).parent / "data" / "lcia" / "lcia_39_ecoinvent.zip"
    with zipfile.ZipFile(archive) as handle:
        return json.load(handle.open("data.json"))


@contextlib.contextmanager
def _fast_method_ids(valid_ids: set[int]) -> Iterator[None]:
    """Skip bw2data's one-SQL-query-per-CF id lookup for ids we already know are valid.

    ``Method.write`` resolves every CF's flow with a database query (266 s for the bundled
    methods); the ids come from one query on biosphere3 here, so the lookup is redundant. The
    original function is restored on exit; nothing in site-packages is modified.
    """
    import bw2data.method as method_module

    original = method_module.get_id

    def get_id(key: Any) -> Any:
        if isinstance(key, int) and key in valid_ids:
            return key
        return original(key)

    method_module.get_id = get_id
    try:
        yield
    finally:
        method_module.get_id = original


def _install_biosphere(bd: ModuleType) -> None:
    logging.disable(logging.WARNING)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # bw2io prints its strategies
            import bw2io

            bw2io.create_default_biosphere3()
    finally:
        logging.disable(logging.NOTSET)


def _biosphere_ids(bd: ModuleType) -> dict[tuple[str, str], int]:
    from bw2data.backends import ActivityDataset as AD

    query = AD.select(AD.id, AD.database, AD.code).where(AD.database == BIOSPHERE)
    return {(database, code): node_id for node_id, database, code in query.tuples()}


def _install_methods(bd: ModuleType, progress: ProgressCallback | None) -> int:
    """Write every bundled LCIA method, converting its list flow keys to ids (bw2setup's bug)."""
    data = bundled_lcia_data()
    key_to_id = _biosphere_ids(bd)
    with _fast_method_ids(set(key_to_id.values())):
        for done, method in enumerate(data, start=1):
            name = tuple(method["name"])
            handle = bd.Method(name)
            if name not in bd.methods:
                handle.register(description=method.get("description", ""),
                                filename=method.get("filename", ""), unit=method["unit"])
            cfs = [(key_to_id[tuple(cf["input"])], cf["amount"]) for cf in method["exchanges"]
                   if tuple(cf["input"]) in key_to_id]
            handle.write(cfs)
            if progress is not None:
                progress("LCIA methods", done, len(data))
    return len(data)


def ensure_background(bd: ModuleType, progress: ProgressCallback | None = None) -> bool:
    """Install biosphere3, the bundled methods and gpulca's regional water method, once.

    Returns True when something was installed, False when the project was already complete.
    A project left incomplete by an interrupted set-up is emptied and rebuilt.
    """
    from gpulca.regional import ensure_regional_water

    check_project_name(bd.projects.current)
    if background_is_complete(bd):
        return ensure_regional_water(bd)
    with contextlib.redirect_stdout(sys.stderr):
        # Only what gpulca itself writes: a user's own databases (e.g. ecoinvent imported into
        # this project to link against) are left alone.
        for name in list(bd.databases):
            if name == BIOSPHERE or bd.databases[name].get(BUILT_BY_GPULCA):
                del bd.databases[name]
        for name in list(bd.methods):
            bd.Method(name).deregister()
    if progress is not None:
        progress("biosphere3 flows", 0, 1)
    _install_biosphere(bd)
    if progress is not None:
        progress("biosphere3 flows", 1, 1)
    count = _install_methods(bd, progress)
    bd.preferences[BACKGROUND_MARKER] = {"version": BACKGROUND_VERSION, "methods": count}
    bd.preferences.flush()
    ensure_regional_water(bd)  # gpulca's located water flows and regional AWARE method
    return True
