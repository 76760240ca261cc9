"""Error reporting shared by every command: located messages and exit codes.

Exit codes:

- 0 success;
- 2 bad input: every problem listed, one per line (the first :data:`MAX_SHOWN_PROBLEMS`, then
  how many more), no traceback; also a Brightway project or data directory gpulca may not use;
- 3 the environment stopped the work: a full disk, a read-only or missing folder, a data
  directory another gpulca process kept locked (:class:`gpulca.core.errors.EnvironmentFault`,
  or an ``OSError`` such as ``ENOSPC``/``EACCES``); nothing was written;
- 1 an unexpected internal error (a bug: please report it).

``--debug`` shows the traceback of any error.
"""

from __future__ import annotations

import errno
import sys
import traceback
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar

import click

from gpulca.core.errors import EnvironmentFault, InputError, ProjectError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INPUT = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERNAL = 1
MAX_SHOWN_PROBLEMS = 50
"""An error flood (a million bad rows) prints this many problems, then a count of the rest."""

_ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS,
                       errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EEXIST, errno.EMFILE,
                       errno.ENFILE, errno.EIO, errno.EFBIG, errno.ENAMETOOLONG, errno.EBUSY}


def _stderr(text: str) -> None:
    click.echo(text, err=True)


def _flat(text: str) -> str:
    """One line, NUL bytes shown (a message quoting user input stays one readable line)."""
    return text.replace("\x00", "\\x00").replace("\r", "\\r").replace("\n", " | ")


def problem_lines(exc: InputError, limit: int = MAX_SHOWN_PROBLEMS) -> list[str]:
    """The lines printed for ``exc``: the first ``limit`` problems, then how many more."""
    count = len(exc.problems)
    lines = [f"error: {_flat(str(problem))}" for problem in exc.problems[:limit]]
    if count > limit:
        lines.append(f"... and {count - limit} more problem{'s' if count - limit != 1 else ''} "
                     f"(the first {limit} are shown)")
    lines.append(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.")
    return lines


def environment_message(exc: OSError) -> str | None:
    """A one-line message for an environment failure, or None when ``exc`` is not one."""
    if exc.errno not in _ENVIRONMENT_ERRNOS:
        return None
    where = f" {exc.filename}" if exc.filename else ""
    reason = {errno.ENOSPC: "no space left on the device",
              errno.EDQUOT: "disk quota exceeded"}.get(exc.errno, exc.strerror or str(exc))
    return f"cannot write or read{where}: {reason}"


_DATABASE_FAULTS = {
    "database or disk is full": "no space left on the device for the Brightway database",
    "disk i/o error": "the Brightway database could not be written (disk I/O error)",
    "database is locked": "the Brightway database is locked by another program (Activity "
                          "Browser, a notebook?); close it and run again",
}


def _database_fault(exc: BaseException) -> str | None:
    """SQLite's own environment errors (raised by bw2data as peewee errors, not OSError)."""
    text = str(exc).lower()
    for needle, message in _DATABASE_FAULTS.items():
        if needle in text and type(exc).__name__.endswith("Error"):
            return message
    return None


def _undo_project_writes() -> None:
    """A failed command leaves the Brightway project as it was: remove the inventory databases
    it wrote (only if it opened a project at all)."""
    if "gpulca.engine.gateway" not in sys.modules:
        return
    from gpulca.engine.gateway import discard_new_databases

    try:
        discard_new_databases()
    except Exception as exc:  # noqa: BLE001 - reporting the first error matters more
        _stderr(f"warning: could not remove the inventory database this run wrote: {exc}")


def _exit(code: int, debug: bool) -> NoReturn:
    if debug:
        traceback.print_exc()
    _undo_project_writes()
    sys.exit(code)


def classify(exc: BaseException) -> tuple[list[str], int] | None:
    """The lines to print and the exit code for ``exc``; None for an internal error."""
    if isinstance(exc, InputError):
        return problem_lines(exc), EXIT_INPUT
    if isinstance(exc, ProjectError):
        return [f"error: {_flat(str(exc))}"], EXIT_INPUT
    if isinstance(exc, EnvironmentFault):
        return [f"error: {_flat(str(exc))}; nothing was written."], EXIT_ENVIRONMENT
    if isinstance(exc, OSError):
        message = environment_message(exc)
        if message is not None:
            return [f"error: {_flat(message)}; nothing was written."], EXIT_ENVIRONMENT
    environment = _database_fault(exc)
    if environment is not None:
        return [f"error: {environment}; nothing was written."], EXIT_ENVIRONMENT
    if isinstance(exc, OverflowError | RecursionError | MemoryError):
        return [f"error: the input is too large or too deeply nested to compute "
                f"({type(exc).__name__}: {_flat(str(exc))}); nothing was written."], EXIT_INPUT
    return None


def report_errors(function: F) -> F:
    """Turn gpulca errors into located messages and exit codes (traceback with --debug)."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        context = click.get_current_context()
        debug = bool(context.find_root().params.get("debug"))
        if "gpulca.engine.gateway" in sys.modules:
            sys.modules["gpulca.engine.gateway"].forget_new_databases()
        try:
            return function(*args, **kwargs)
        except click.ClickException:
            _undo_project_writes()
            raise  # usage errors: click prints them and exits with 2
        except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
            handled = classify(exc)
            if handled is None:
                if not debug:
                    _stderr(f"internal error: {type(exc).__name__}: {_flat(str(exc))}")
                    _stderr("Run again with --debug for the traceback, and report it if it "
                            "persists.")
                _exit(EXIT_INTERNAL, debug)
            lines, code = handled
            for line in lines:
                _stderr(line)
            _exit(code, debug)

    return wrapper  # type: ignore[return-value]
