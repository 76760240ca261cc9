"""``gpulca export STUDY.yaml``: the study's whole inventory as bw2io Excel workbooks."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from gpulca.cli.common import brightway_options, setup_progress, stdout
from gpulca.cli.errors import report_errors
from gpulca.pipeline.export import export_study


@click.command()
@click.argument("study", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(file_okay=False), default=None,
              help="Folder for the workbooks (default: gpulca-export/<study file name>).")
@brightway_options
@report_errors
def export(study: str, output: str | None, data_dir: str | None, project: str) -> None:
    """Export STUDY's inventory for Brightway and openLCA.

    bw2io Excel workbooks, one per database: the regional water flows, the inventory library
    and the study's foreground (one process per research phase and the whole study); import
    them in that order with bw2io's ExcelImporter (docs/export.md). And an openLCA JSON-LD
    package (<study>.olca-jsonld.zip) of the library and the foreground.
    """
    directory = Path(output) if output else Path("gpulca-export") / Path(study).stem
    with setup_progress() as progress:
        result = export_study(study, directory, data_dir, project, progress)
    stdout.print(escape("Wrote " + ", ".join(str(p) for p in result.files)))
