"""One gpulca process at a time in a Brightway data directory.

Several gpulca processes (a shell, a notebook, a CI job) may share one Brightway directory.
bw2data keeps a project's database and method lists in whole-file JSON stores that each process
reads once and rewrites whole, and a set-up found incomplete is wiped and rebuilt; two processes
working at once therefore lose each other's writes or delete what the other is solving with (the
cause of runs that exited 0 with impacts at exactly 0). :func:`data_dir_lock` serialises every
gpulca session on a data directory with an OS file lock (``filelock``; released by the kernel when
a process dies, even by ``kill -9``): switching to the project, installing the background,
writing databases and solving all happen under it, and bw2data's stores are re-read after it is
taken. A process that has to wait says which process it waits for and what that one is doing.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from gpulca.core.errors import EnvironmentFault

LOCK_FILE = "gpulca-session.lock"
OWNER_FILE = "gpulca-session.owner"
TIMEOUT_ENV = "GPULCA_LOCK_TIMEOUT"
DEFAULT_TIMEOUT_S = 3600.0
"""How long a process waits for another to leave the data directory before giving up."""

Notify = Callable[[str], None]


class DataDirLockedError(EnvironmentFault):
    """Another process kept the data directory locked longer than the wait allowed."""


_held: dict[Path, int] = {}
_guard = threading.RLock()


def _stderr_line(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def lock_timeout_s() -> float:
    """Seconds to wait for the lock: ``GPULCA_LOCK_TIMEOUT``, else one hour."""
    raw = os.environ.get(TIMEOUT_ENV, "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_TIMEOUT_S
    return value if value >= 0 else DEFAULT_TIMEOUT_S


def holder_description(directory: Path) -> str:
    """Who holds the lock of ``directory``, as its owner file says (best effort)."""
    try:
        owner = json.loads((directory / OWNER_FILE).read_text(encoding="utf-8"))
        since = time.strftime("%H:%M:%S", time.localtime(float(owner["since"])))
        return f"gpulca process {int(owner['pid'])} ({owner['purpose']}, since {since})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another gpulca process"


def _write_owner(directory: Path, purpose: str) -> None:
    with contextlib.suppress(OSError):
        (directory / OWNER_FILE).write_text(
            json.dumps({"pid": os.getpid(), "purpose": purpose, "since": time.time()}),
            encoding="utf-8")


def default_purpose() -> str:
    """What this process is doing, for a process that waits for it: its command line."""
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    if program in ("__main__.py", "gpulca"):
        program = "gpulca"
    words = [program, *sys.argv[1:3]]
    text = " ".join(words)
    return text if len(text) <= 100 else text[:97] + "..."


def describe_work(directory: Path, purpose: str) -> None:
    """Tell processes waiting for ``directory`` what the holder is doing now."""
    directory = directory.resolve()
    if _held.get(directory):
        _write_owner(directory, purpose)


@contextlib.contextmanager
def data_dir_lock(directory: Path, purpose: str, notify: Notify | None = None
                  ) -> Iterator[None]:
    """Hold the exclusive gpulca lock of Brightway data directory ``directory``.

    Re-entrant within a process (a session opened inside another one does not wait for itself).
    When another process holds it, ``notify`` (default: a line on stderr) is told what this one
    waits for, once; after :func:`lock_timeout_s` seconds :class:`DataDirLockedError` is raised.
    """
    import filelock

    directory = directory.resolve()
    with _guard:
        if _held.get(directory):
            _held[directory] += 1
            try:
                yield
            finally:
                _held[directory] -= 1
            return
        lock = filelock.FileLock(str(directory / LOCK_FILE), is_singleton=False)
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            (notify or _stderr_line)(
                f"waiting for the Brightway data directory {directory}: "
                f"{holder_description(directory)} is using it")
            timeout = lock_timeout_s()
            try:
                lock.acquire(timeout=timeout)
            except filelock.Timeout as exc:
                raise DataDirLockedError(
                    f"the Brightway data directory {directory} stayed locked by "
                    f"{holder_description(directory)} for {timeout:g} s; try again later, or "
                    f"set {TIMEOUT_ENV} (seconds) to wait longer") from exc
        except OSError as exc:
            raise DataDirLockedError(
                f"cannot lock the Brightway data directory {directory}: {exc}") from exc
        _held[directory] = 1
        try:
            _write_owner(directory, purpose)
            yield
        finally:
            _held.pop(directory, None)
            lock.release()
