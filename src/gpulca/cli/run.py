"""``gpulca run STUDY.yaml``: footprint of a study, printed and written as CSV."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from gpulca.api import StudyResult, run_study
from gpulca.cli import report_errors
from gpulca.cli.common import brightway_options, print_table, setup_progress, stderr, stdout
from gpulca.cli.reports import prepare_reports, report_options
from gpulca.output import write_all
from gpulca.results import impact_units, phase_impact_table


def default_output_dir(study_name: str) -> Path:
    return Path("gpulca-results") / study_name


def write_results(result: StudyResult, directory: Path) -> list[Path]:
    """Write ``results.csv`` (tidy scores) and ``audit.csv`` (intermediates), all or nothing."""
    return write_all(directory, {
        "results.csv": lambda p: result.scores.to_csv(p, index=False, float_format="%.10g"),
        "audit.csv": lambda p: result.audit.to_csv(p, index=False, float_format="%.10g"),
    })


def print_summary(result: StudyResult) -> None:
    """Phases x impacts with totals, then the hardware and site used."""
    table = phase_impact_table(result.scores)
    units = impact_units(result.scores)
    labels = dict(zip(result.scores["impact"], result.scores["impact_label"], strict=False))
    table.index = [result.study.phases.get(p, p) if p != "total" else "total"
                   for p in table.index]
    headers = {c: f"{labels[c]}\n[{units[c]}]" for c in table.columns}
    print_table(table, f"{result.study.name}: impacts by research phase", "phase", headers)
    site = result.study.site
    stdout.print(f"Site: grid zone {site.grid_zone}, PUE {site.pue:g}, "
                 f"WUE {site.wue_l_per_kwh:g} L/kWh. "
                 f"GPU-hours: {result.audit['gpu_hours'].sum():,.0f}; "
                 f"facility electricity: {result.audit['facility_energy_kwh'].sum():,.0f} kWh.")


@click.command()
@click.argument("study", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(file_okay=False), default=None,
              help="Folder for results.csv and audit.csv (default: gpulca-results/<study>).")
@report_options
@brightway_options
@report_errors
def run(study: str, output: str | None, data_dir: str | None, project: str,
        excel_file: str | None, charts_dir: str | None) -> None:
    """Compute the footprint of STUDY (a scenarios/*.yaml file)."""
    with setup_progress() as progress:
        result = run_study(study, data_dir=data_dir, project=project, progress=progress)
    for warning in result.warnings:
        stderr.print(f"[yellow]warning:[/yellow] {warning}")
    print_summary(result)
    reports = prepare_reports([result], excel_file, charts_dir)
    directory = Path(output) if output else default_output_dir(result.study.name)
    written = write_results(result, directory)
    written += reports()
    stdout.print(escape("Wrote " + ", ".join(str(p) for p in written)))
