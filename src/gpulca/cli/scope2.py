"""``gpulca scope2``: a study's electricity, location-based and market-based side by side."""

from __future__ import annotations

from pathlib import Path

import click

from gpulca.cli.common import brightway_options, print_warning, setup_progress
from gpulca.cli.errors import report_errors
from gpulca.core.vocabulary import format_number
from gpulca.io.atomic import write_atomic
from gpulca.pipeline.run import run_study
from gpulca.pipeline.scope2 import scope2_frame
from gpulca.reports.scope2 import write_scope2_workbook
from gpulca.results.export import csv_writer


@click.command()
@click.argument("study", type=click.Path(exists=True, dir_okay=False))
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False),
              help="Write the table as CSV.")
@click.option("--excel", "excel_path", type=click.Path(dir_okay=False),
              help="Write a workbook with the labelled sheet 'Scope 2'.")
@brightway_options
@report_errors
def scope2(study: str, csv_path: str | None, excel_path: str | None, data_dir: str | None,
           project: str) -> None:
    """Electricity of STUDY (climate change), location-based and, when the study gives
    site.market_based, market-based (docs/scope2.md)."""
    with setup_progress() as progress:
        result = run_study(study, data_dir=data_dir, project=project, progress=progress)
    frame = scope2_frame(result)
    if result.study.study.site.market_based is None:
        print_warning("the study gives no site.market_based: location-based only")
    lines = [("phase", "basis", "kWh", "kg CO2-eq", "g/kWh")] + [
        (str(r["phase"]), str(r["basis"]), format_number(float(r["facility_kwh"])),
         format_number(float(r["kg_co2e"])), format_number(float(r["g_co2e_per_kwh"])))
        for r in frame.to_dict("records")]
    widths = [max(len(line[i]) for line in lines) for i in range(5)]
    for line in lines:
        click.echo("  ".join([line[0].ljust(widths[0]), line[1].ljust(widths[1]),
                              *(cell.rjust(w) for cell, w in zip(line[2:], widths[2:],
                                                                  strict=True))]).rstrip())
    market = frame[(frame["phase"] == "total") & (frame["basis"] == "market-based")]
    if len(market):
        click.echo(f"Market-based: {market['method'].iloc[0]}")
    if csv_path:
        write_atomic(Path(csv_path), csv_writer(frame))
        click.echo(f"Wrote {csv_path}")
    if excel_path:
        write_scope2_workbook(excel_path, frame)
        click.echo(f"Wrote {excel_path}")
