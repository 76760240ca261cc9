"""gpulca's command-line interface: a thin layer over the library API.

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
from gpulca.core.version import __version__

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gpulca")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
def main(debug: bool) -> None:
    """gpulca: life cycle assessment of AI research and deployment, on Brightway 2.5."""


def _register() -> None:
    from gpulca.cli.compare import compare
    from gpulca.cli.ingest import ingest
    from gpulca.cli.list import list_cmd
    from gpulca.cli.run import run
    from gpulca.cli.setup import setup
    from gpulca.cli.validate import validate

    main.add_command(run)
    main.add_command(validate)
    main.add_command(setup)
    main.add_command(compare)
    main.add_command(ingest)
    main.add_command(list_cmd)


_register()
