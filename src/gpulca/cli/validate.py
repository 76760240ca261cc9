"""``gpulca validate [PATHS]``: check inventories, methods and studies; list every problem."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from gpulca.cli.common import stdout
from gpulca.cli.errors import EXIT_INPUT, report_errors
from gpulca.cli.output import json_requested, output_options, to_json
from gpulca.library.inventory import shipped_root
from gpulca.pipeline.validate import ValidationResult, validate_paths


def default_paths() -> list[Path]:
    """inventories/, methods/ and scenarios/ of the current folder, else the shipped ones
    (an installed gpulca in an empty folder validates what it ships)."""
    for root in (Path.cwd(), shipped_root()):
        found = [root / name for name in ("inventories", "methods", "scenarios")
                 if (root / name).is_dir()]
        if found:
            return found
    return []


def validation_json(result: ValidationResult) -> dict[str, Any]:
    """What ``gpulca validate --json`` prints."""
    return {"valid": result.report.valid,
            "checked": {kind: [str(p) for p in paths] for kind, paths in result.checked.items()},
            "problems": [{"file": p.file, "line": p.line, "path": p.path, "message": p.message,
                          "value": None if p.value is None else str(p.value),
                          "text": str(p)} for p in result.report]}


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@output_options
@report_errors
def validate(paths: tuple[str, ...]) -> dict[str, Any]:
    """Check PATHS (files or folders; default: inventories/, methods/, scenarios/)."""
    targets = [Path(p) for p in paths] or default_paths()
    result = validate_paths(targets)
    for problem in result.report:
        click.echo(f"error: {problem}", err=True)
    kinds = ", ".join(f"{len(v)} {k}" for k, v in result.checked.items()) or "no files"
    if not result.report.valid:
        if json_requested():
            click.echo(to_json(validation_json(result)))
        count = len(result.report)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found (checked {kinds}).",
                   err=True)
        sys.exit(EXIT_INPUT)
    stdout.print(f"OK: no problems (checked {kinds}).")
    return validation_json(result)
