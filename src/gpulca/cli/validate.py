"""``gpulca validate [PATHS]``: check inventories, methods and studies; list every problem."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gpulca.cli.common import stdout
from gpulca.cli.errors import EXIT_INPUT, report_errors
from gpulca.library.inventory import shipped_root
from gpulca.pipeline.validate import validate_paths


def default_paths() -> list[Path]:
    """inventories/, methods/ and scenarios/ of the current folder, else the shipped ones
    (an installed gpulca in an empty folder validates what it ships)."""
    for root in (Path.cwd(), shipped_root()):
        found = [root / name for name in ("inventories", "methods", "scenarios")
                 if (root / name).is_dir()]
        if found:
            return found
    return []


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@report_errors
def validate(paths: tuple[str, ...]) -> None:
    """Check PATHS (files or folders; default: inventories/, methods/, scenarios/)."""
    targets = [Path(p) for p in paths] or default_paths()
    result = validate_paths(targets)
    for problem in result.report:
        click.echo(f"error: {problem}", err=True)
    kinds = ", ".join(f"{len(v)} {k}" for k, v in result.checked.items()) or "no files"
    if not result.report.valid:
        count = len(result.report)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found (checked {kinds}).",
                   err=True)
        sys.exit(EXIT_INPUT)
    stdout.print(f"OK: no problems (checked {kinds}).")
