"""The offline background of a gpulca project: biosphere3 and the LCIA methods bundled with bw2io.

The background is installed once per project and marked complete only at the end; an
incomplete project is rebuilt, never reused. A user's own databases in the project (e.g.
ecoinvent, imported to link against) are left alone.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
from pathlib import Path
from types import ModuleType

from gpulca.engine.bundled import bundled_lcia_data
from gpulca.engine.lock import Notify, describe_work
from gpulca.engine.methodwrite import deferred_methods_flush, fast_method_ids, write_method_fast
from gpulca.engine.project import BIOSPHERE, BUILT_BY_GPULCA, ProgressCallback, check_project_name
from gpulca.engine.solve import node_ids

BACKGROUND_MARKER = "gpulca_background"
STARTED_MARKER = "gpulca_background_started"
"""Set before a set-up writes anything; with no complete marker it means an interrupted set-up."""
BACKGROUND_VERSION = 1
"""Bump when the background set-up changes, so existing projects are rebuilt."""


def _stderr_line(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def background_is_complete(bd: ModuleType) -> bool:
    """True when this project's background was fully installed by this gpulca version."""
    marker = bd.preferences.get(BACKGROUND_MARKER)
    return (
        isinstance(marker, dict)
        and marker.get("version") == BACKGROUND_VERSION
        and BIOSPHERE in bd.databases
        and len(bd.methods) >= int(marker.get("methods", 1 << 30))
    )


def _install_biosphere(bd: ModuleType) -> None:
    logging.disable(logging.WARNING)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # bw2io prints its strategies
            import bw2io

            bw2io.create_default_biosphere3()
    finally:
        logging.disable(logging.NOTSET)


def _biosphere_ids(bd: ModuleType) -> dict[tuple[str, str], int]:
    return {(BIOSPHERE, code): node_id for code, node_id in node_ids(BIOSPHERE).items()}


def _install_methods(bd: ModuleType, progress: ProgressCallback | None) -> int:
    """Write every bundled LCIA method, converting its list flow keys to ids (bw2setup's bug).

    The bundled methods are global and carry plain numbers, so they take the column-wise writer
    (:func:`gpulca.engine.methodwrite.write_method_fast`) with one write of the registry at the
    end; a method with anything else takes bw2data's own path.
    """
    data = bundled_lcia_data()
    key_to_id = _biosphere_ids(bd)
    with fast_method_ids(set(key_to_id.values())), deferred_methods_flush(bd):
        for done, method in enumerate(data, start=1):
            name = tuple(method["name"])
            cfs = [(key_to_id[tuple(cf["input"])], cf["amount"]) for cf in method["exchanges"]
                   if tuple(cf["input"]) in key_to_id]
            metadata = {"description": method.get("description", ""),
                        "filename": method.get("filename", ""), "unit": method["unit"]}
            if all(type(amount) in (int, float) for _, amount in cfs):
                write_method_fast(bd, name, cfs, metadata)
            else:
                handle = bd.Method(name)
                if name not in bd.methods:
                    handle.register(**metadata)
                handle.write(cfs)
            if progress is not None:
                progress("LCIA methods", done, len(data))
    return len(data)


def interrupted_setup(bd: ModuleType) -> bool:
    """True when a set-up of this project started and never finished (killed, disk full)."""
    return not background_is_complete(bd) and (
        bool(bd.preferences.get(STARTED_MARKER)) or BIOSPHERE in bd.databases
        or len(bd.methods) > 0)


def ensure_background(bd: ModuleType, progress: ProgressCallback | None = None,
                      notify: Notify | None = None) -> bool:
    """Install biosphere3, the bundled methods and gpulca's regional water method, once.

    Returns True when something was installed, False when the project was already complete.
    A project left incomplete by an interrupted set-up is reported to ``notify`` (default:
    stderr), emptied and rebuilt. The caller holds the data directory's lock
    (:func:`gpulca.engine.project.gpulca_project`), so no other process sees it half-built.
    """
    from gpulca.engine.regional import ensure_regional_water
    from gpulca.engine.withdrawal import ensure_withdrawal_method

    check_project_name(bd.projects.current)
    if background_is_complete(bd):
        return ensure_regional_water(bd) | ensure_withdrawal_method(bd)
    directory = Path(bd.projects._base_data_dir)
    describe_work(directory, f"installing the background of project {bd.projects.current!r}")
    if interrupted_setup(bd):
        (notify or _stderr_line)(
            f"the set-up of project {bd.projects.current!r} in {directory} was interrupted "
            "(killed or out of disk space) and left incomplete: removing what it wrote and "
            "installing again")
    bd.preferences[STARTED_MARKER] = True
    bd.preferences.flush()
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
    bd.preferences.pop(STARTED_MARKER, None)
    bd.preferences.flush()
    ensure_regional_water(bd)  # gpulca's located water flows and regional AWARE method
    ensure_withdrawal_method(bd)  # gpulca's water withdrawal indicator
    return True
