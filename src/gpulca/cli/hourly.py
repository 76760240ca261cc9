"""``gpulca hourly``: a study's jobs weighted by the hourly grid intensity of the hours they ran."""

from __future__ import annotations

from pathlib import Path

import click

from gpulca.cli.errors import report_errors
from gpulca.core.vocabulary import format_number
from gpulca.io.atomic import write_atomic
from gpulca.pipeline.hourly import hourly_study
from gpulca.results.export import csv_writer


@click.command()
@click.argument("study", type=click.Path(exists=True, dir_okay=False))
@click.option("--series", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Electricity Maps hourly CSV of the study's zone (docs/hourly.md).")
@click.option("--jobs", "jobs", required=True, type=click.Path(exists=True, dir_okay=False),
              help="sacct --parsable2 export (with Start) or energy log CSV "
                   "(start,end,energy_kwh in UTC).")
@click.option("--jobs-tz", help="Time zone of sacct's Start column: UTC, +01:00 or "
                                "Europe/Paris (sacct prints local time).")
@click.option("--basis", type=click.Choice(["life_cycle", "direct"]), default="life_cycle",
              show_default=True, help="Which intensity column of the series.")
@click.option("--outside", type=click.Choice(["error", "annual"]), default="error",
              show_default=True, help="Jobs running outside the series: refuse them, or "
                                      "charge those hours at the series' average.")
@click.option("--zone", help="Refuse a series of another Electricity Maps zone.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False),
              help="Write one row per job (start, end, kWh, g/kWh, covered share).")
@report_errors
def hourly(study: str, series: str, jobs: str, jobs_tz: str | None, basis: str, outside: str,
           zone: str | None, csv_path: str | None) -> None:
    """Electricity emissions of STUDY's jobs, time-resolved beside the annual average."""
    result = hourly_study(study, series, jobs, jobs_tz, basis,  # type: ignore[arg-type]
                          outside, zone)  # type: ignore[arg-type]
    t = result.totals
    s = result.series
    click.echo(f"Series: {s.file}, zone {s.zone}, {len(s.values)} hours, {s.basis} intensity")
    click.echo(f"Jobs: {len(result.jobs.labels)}, facility electricity "
               f"{format_number(t.energy_kwh)} kWh, coverage {t.coverage:.1%}"
               + (f" ({format_number(t.outside_kwh)} kWh at the average)" if t.outside_kwh
                  else ""))
    rows = [("basis", "g CO2-eq/kWh", "kg CO2-eq"),
            ("average of the series", format_number(t.average_g_per_kwh),
             format_number(t.average_kg)),
            ("time-resolved (job hours)", format_number(t.weighted_g_per_kwh),
             format_number(t.time_resolved_kg))]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        click.echo("  ".join([row[0].ljust(widths[0]), row[1].rjust(widths[1]),
                              row[2].rjust(widths[2])]))
    if t.average_kg:
        click.echo(f"Timing changes the electricity emissions by "
                   f"{t.time_resolved_kg / t.average_kg - 1:+.1%} against the average.")
    if csv_path:
        write_atomic(Path(csv_path), csv_writer(result.job_frame()))
        click.echo(f"Wrote {csv_path}")
