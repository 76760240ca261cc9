"""``gpulca list accelerators|servers|zones|sites``: what the inventory library holds."""

from __future__ import annotations

import csv
import json
import sys

import click

from gpulca.cli.errors import report_errors
from gpulca.io.csvsafe import formula_safe_cell
from gpulca.library.catalogue import KINDS, format_text, list_catalogue


@click.command(name="list")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--inventories", "paths", multiple=True, type=click.Path(exists=True),
              help="Inventory files or folders (repeatable; default: the shipped library plus "
                   "./inventories if it exists).")
@click.option("--format", "output", type=click.Choice(["text", "csv", "json"]), default="text",
              show_default=True, help="Aligned text, CSV or JSON records.")
@click.option("--json", "json_output", is_flag=True, help="Same as --format json.")
@report_errors
def list_cmd(kind: str, paths: tuple[str, ...], output: str, json_output: bool) -> None:
    """List the accelerators, servers, grid zones or sites of the library, with sources.

    One row per item after a header line; the last column is the source.
    """
    table = list_catalogue(kind, paths or None)
    if output == "json" or json_output:
        click.echo(json.dumps(table.as_records(), indent=2, ensure_ascii=False))
    elif output == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([formula_safe_cell(c) for c in table.columns])
        writer.writerows([formula_safe_cell(c) for c in row] for row in table.rows)
    else:
        click.echo(format_text(table))
