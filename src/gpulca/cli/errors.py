"""Error reporting shared by every command: located messages and exit codes.

Exit codes: 0 success; 2 bad input (every problem listed, one per line, no traceback);
1 an unexpected internal error. ``--debug`` shows the traceback of any error.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from gpulca.core.errors import GpulcaError, InputError, ProjectError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INPUT = 2
EXIT_INTERNAL = 1


def _stderr(text: str) -> None:
    click.echo(text, err=True)


def report_errors(function: F) -> F:
    """Turn gpulca errors into located messages and exit codes (traceback with --debug)."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        context = click.get_current_context()
        debug = bool(context.find_root().params.get("debug"))
        try:
            return function(*args, **kwargs)
        except InputError as exc:
            if debug:
                traceback.print_exc()
            count = len(exc.problems)
            for problem in exc.problems:
                _stderr(f"error: {problem}")
            _stderr(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.")
            sys.exit(EXIT_INPUT)
        except click.ClickException:
            raise  # usage errors: click prints them and exits with 2
        except ProjectError as exc:
            if debug:
                traceback.print_exc()
            _stderr(f"error: {exc}")
            sys.exit(EXIT_INPUT)
        except (GpulcaError, Exception) as exc:  # noqa: BLE001 - the CLI's last line of defence
            if debug:
                traceback.print_exc()
            else:
                _stderr(f"internal error: {type(exc).__name__}: {exc}")
                _stderr("Run again with --debug for the traceback, and report it if it persists.")
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]
