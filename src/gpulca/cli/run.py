"""``gpulca run STUDY.yaml``: footprint of a study, printed and written as CSV."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import click
import pandas as pd
from rich.markup import escape
from rich.table import Table

from gpulca.cli.common import brightway_options, print_table, print_warning, setup_progress, stdout
from gpulca.cli.contributions import print_contributions
from gpulca.cli.errors import report_errors
from gpulca.cli.example import study_argument
from gpulca.cli.output import output_options
from gpulca.cli.reports import prepare_reports, report_options
from gpulca.cli.service import print_service
from gpulca.cli.uncertainty import (
    dask_arguments,
    print_uncertainty,
    uncertainty_frames,
    uncertainty_options,
)
from gpulca.core.vocabulary import (
    NOT_ASSESSED,
    format_number,
    format_percent,
    format_range,
    impact_heading,
    stage_label,
)
from gpulca.io.atomic import (
    Writer,
    bytes_writer,
    staged_outputs,
    write_all,
    write_in_background,
)
from gpulca.pipeline.run import run_study
from gpulca.results.export import (
    RESULTS_FORMATS,
    columns_csv_writer,
    columns_parquet_writer,
    csv_writer,
    table_parquet_writer,
)
from gpulca.results.frames import (
    AuditColumns,
    development_multiplier,
    impact_labels,
    impact_units,
    not_assessed_stages,
    phase_impact_table,
    phase_share,
)
from gpulca.results.reference import compare_reference
from gpulca.results.result import StudyResult
from gpulca.results.service import service_frame, traffic_frame


def default_output_dir(study_name: str) -> Path:
    return Path("gpulca-results") / study_name


def write_results(result: StudyResult, directory: Path,
                  comparison: pd.DataFrame | None = None,
                  extra: dict[str, pd.DataFrame] | None = None,
                  results_format: str = "csv",
                  started: Mapping[str, Path] | None = None) -> list[Path]:
    """Write ``results.csv`` (tidy scores) and ``audit.csv`` (intermediates), all or nothing;
    also ``reference.csv`` when the study has published figures (``comparison``) and the
    ``extra`` frames by file name (a Monte Carlo's). ``results_format``
    (:data:`gpulca.results.export.RESULTS_FORMATS`): ``parquet`` writes ``results.parquet``
    and ``audit.parquet`` instead of the two CSV files (the same columns and values), ``both``
    writes all four. ``started``: the files already being written (:func:`start_audit`), by
    name, listed in their place but not written again."""
    frames: dict[str, pd.DataFrame] = dict(extra or {})
    if result.contributions is not None:
        frames["contributions.csv"] = result.contributions
    if comparison is not None and len(comparison):
        frames["reference.csv"] = comparison
    if result.study.deployment is not None:  # per unit of service (gpulca.results.service)
        frames["service.csv"] = service_frame(result)
        frames["service-traffic.csv"] = traffic_frame(result)
    writers: dict[str, Writer] = {}
    audit = audit_writers(result.audit_trail, results_format)
    if results_format in ("csv", "both"):
        writers["results.csv"] = csv_writer(result.scores, NOT_ASSESSED)
        writers["audit.csv"] = audit["audit.csv"]
    if results_format in ("parquet", "both"):
        writers["results.parquet"] = table_parquet_writer(result.scores)
        writers["audit.parquet"] = audit["audit.parquet"]
    writers.update({name: csv_writer(frame) for name, frame in frames.items()})
    if result.study.deployment is not None:  # levelised vs lifetime traffic, drawn in memory
        from gpulca.reports.deployment import service_chart_bytes

        chart = service_chart_bytes(result)
        writers["service.png"] = bytes_writer(chart)
    started = started or {}
    written = iter(write_all(directory, {name: write for name, write in writers.items()
                                         if name not in started}))
    return [started[name] if name in started else next(written) for name in writers]


def start_audit(trail: AuditColumns, directory: Path, results_format: str = "csv"
                ) -> dict[str, Path]:
    """Begin writing the audit trail (``audit.csv``, ``audit.parquet`` or both, as
    :func:`write_results` would) on a thread of its own, inside the caller's
    :func:`~gpulca.io.atomic.staged_outputs` block: a million activity rows' ``audit.csv``
    is written while Brightway solves and the summary is printed. Returns the files begun,
    by name (none for an empty trail, which :func:`write_results` writes)."""
    if not len(trail):
        return {}
    return {name: write_in_background(directory / name, write)
            for name, write in audit_writers(trail, results_format).items()}


def audit_writers(trail: AuditColumns | pd.DataFrame, results_format: str = "csv"
                  ) -> dict[str, Writer]:
    """``audit.csv`` and/or ``audit.parquet`` (``results_format``): from the translated
    columns when the trail is still columns (a million activity rows never make one frame),
    else from the frame."""
    if isinstance(trail, AuditColumns) and len(trail):
        writers = {"audit.csv": columns_csv_writer(trail.table_columns, len(trail)),
                   "audit.parquet": columns_parquet_writer(trail.table_columns, len(trail))}
    else:
        frame = trail.frame() if isinstance(trail, AuditColumns) else trail
        writers = {"audit.csv": csv_writer(frame), "audit.parquet": table_parquet_writer(frame)}
    formats = {"csv": ("csv",), "parquet": ("parquet",), "both": ("csv", "parquet")}
    return {f"audit.{fmt}": writers[f"audit.{fmt}"] for fmt in formats[results_format]}


SUMMARY_COLUMNS = ("phase", "gpu_hours", "facility_energy_kwh", "it_energy_kwh",
                   "it_energy_measured", "measured_gpu_hours", "measured_it_energy_kwh")
"""The audit columns the printed summary reads."""


def summary_audit(result: StudyResult, names: tuple[str, ...]) -> pd.DataFrame:
    """The audit columns ``names`` the printed summary reads (those the trail has). When the
    trail is still columns (an activity CSV), its texts are categories of their codes, not a
    text per row (a million rows' phases as texts cost about 0.1 s): the same comparisons
    and the same sums of the same number arrays as the frame's."""
    trail = result.audit_trail
    if not (isinstance(trail, AuditColumns) and len(trail)):
        return result.audit_subset(names)
    columns = trail.columns
    data: dict[str, object] = {}
    for name in names:
        if name in columns.codes:
            data[name] = pd.Categorical.from_codes(
                columns.codes[name], dtype=pd.CategoricalDtype(list(columns.values[name])),
                validate=False)
        elif name == "it_energy_measured":
            data[name] = columns.measured
        elif name in columns.numbers:
            data[name] = columns.numbers[name]
    return pd.DataFrame(data, copy=False)


def print_multiplier(result: StudyResult) -> None:
    """Whole development / final training per impact, when the study has a final training."""
    serving = result.study.deployment.serving_phases if result.study.deployment else ()
    table = development_multiplier(result.scores[~result.scores["phase"].isin(serving)])
    if table.empty:
        return
    audit = summary_audit(result, ("phase", "gpu_hours"))
    share = phase_share(audit[~audit["phase"].isin(serving)])
    rows = pd.DataFrame({
        "whole development": table["total"].to_numpy(),
        "final training": table["final"].to_numpy(),
        "multiplier": table["multiplier"].to_numpy()},
        index=[impact_heading(label, unit) for label, unit in zip(table["impact_label"],
                                                                  table["unit"], strict=True)])
    print_table(rows, "Development multiplier: whole development / final training", "impact")
    finite = table["multiplier"].dropna()
    if finite.empty:
        return
    low, high = float(finite.min()), float(finite.max())
    weighs = format_range(low, high)
    gpu_time = f"The final training is {format_percent(share)} of the GPU-hours; " \
        if math.isfinite(share) else ""
    by_impact = ", by impact" if weighs != format_range(low, low) else ""
    stdout.print(f"{gpu_time}the whole study weighs {weighs} times the final training run"
                 f"{by_impact}.")


def _deviation_text(relative: float, difference: float, absolute: bool) -> str:
    """The deviation as the tolerance reads it: in the figure's unit, or relative."""
    if difference == 0:
        return "0"
    if absolute or not math.isfinite(relative):
        return f"{difference:+.2g}"
    return f"{relative:+.2%}" if abs(relative) >= 1e-4 else f"{relative * 100:+.2g}%"


def print_reference(result: StudyResult, comparison: pd.DataFrame) -> None:
    """Each published figure next to gpulca's value, with the deviation; flags misses."""
    if comparison.empty:
        return
    reference = result.study.study.reference
    title = f"Published figures vs gpulca ({reference.source if reference else ''})"
    table = Table(title=escape(title), title_justify="left")
    for name in ("id", "what", "paper", "gpulca", "unit", "deviation", "tolerance", ""):
        table.add_column(name, justify="right" if name in ("paper", "gpulca", "deviation")
                         else "left")
    records = comparison.to_dict("records")
    for row, figure in zip(records, reference.figures if reference else [], strict=True):
        deviation = _deviation_text(float(row["deviation"]), float(row["difference"]),
                                    figure.tolerance.absolute is not None)
        flag = "[green]ok[/green]" if row["within"] else "[bold red]OUTSIDE[/bold red]"
        table.add_row(escape(str(row["id"])), escape(str(row["what"])),
                      format_number(float(row["paper"])), format_number(float(row["gpulca"])),
                      escape(str(row["unit"])), deviation, str(row["tolerance"]), flag)
    stdout.print(table)
    misses = int((~comparison["within"]).sum())
    if misses:
        stdout.print(f"[bold red]{misses} published figure{'s' if misses != 1 else ''} "
                     "outside tolerance.[/bold red]")


def print_summary(result: StudyResult) -> None:
    """Phases x impacts with totals, then the hardware and site used."""
    table = phase_impact_table(result.scores)
    units = impact_units(result.scores)
    labels = impact_labels(result.scores)
    table.index = [result.study.phases.get(p, p) if p != "total" else "total"
                   for p in table.index]
    headers = {c: impact_heading(labels[c], units[c], "\n") for c in table.columns}
    print_table(table, f"{result.study.name}: impacts by research phase", "phase", headers)
    site = result.study.site
    audit = summary_audit(result, SUMMARY_COLUMNS)
    stdout.print(f"Site: grid zone {site.grid_zone}, PUE {site.pue:g}, "
                 f"WUE {site.wue_l_per_kwh:g} L/kWh. "
                 f"GPU-hours: {format_number(float(audit['gpu_hours'].sum()))}; "
                 "facility electricity: "
                 f"{format_number(float(audit['facility_energy_kwh'].sum()), 'kWh')}.")
    missing = not_assessed_stages(result.scores)
    if missing:
        stdout.print(f"Datacenter infrastructure {NOT_ASSESSED} (declared by the study, not in "
                     f"the totals): {', '.join(stage_label(s) for s in missing)}.")
    print_measured_split(audit)


def print_measured_split(audit: pd.DataFrame) -> None:
    """How much of the IT energy is measured and over how many GPU-hours; the rest modelled."""
    if "measured_gpu_hours" not in audit or not audit["it_energy_measured"].any():
        return
    measured_h = float(audit["measured_gpu_hours"].sum())
    measured_kwh = float(audit["measured_it_energy_kwh"].sum())
    total_h = float(audit["gpu_hours"].sum())
    modelled_kwh = float(audit["it_energy_kwh"].sum()) - measured_kwh
    stdout.print(f"IT energy measured: {format_number(measured_kwh, 'kWh')} over "
                 f"{format_number(measured_h, 'GPU-h')}; modelled: "
                 f"{format_number(modelled_kwh, 'kWh')} over "
                 f"{format_number(total_h - measured_h, 'GPU-h')}.", soft_wrap=True)


@click.command()
@click.argument("study", type=click.Path(dir_okay=False), required=False)
@click.option("--example", "example_name", default=None, metavar="NAME",
              help="Run a shipped example study instead of STUDY (see `gpulca example`).")
@click.option("-o", "--output", type=click.Path(file_okay=False), default=None,
              help="Folder for results.csv and audit.csv (default: gpulca-results/<study>).")
@click.option("--results-format", type=click.Choice(RESULTS_FORMATS), default="csv",
              show_default=True,
              help="results.csv and audit.csv, or results.parquet and audit.parquet (the "
                   "same columns and values; smaller and faster for a million activity "
                   "rows), or both.")
@click.option("--contributions", is_flag=True, default=False,
              help="Also the processes and elementary flows that make each impact, per phase "
                   "and for the whole study (contributions.csv; a workbook sheet with --excel).")
@report_options
@uncertainty_options
@brightway_options
@output_options
@report_errors
def run(study: str | None, example_name: str | None, output: str | None, data_dir: str | None,
        project: str, excel_file: str | None, charts_dir: str | None,
        html_file: str | None, results_format: str = "csv", contributions: bool = False,
        iterations: int | None = None,
        seed: int = 0, sobol: int = 0, use_dask: bool = False,
        scheduler: str | None = None) -> StudyResult:
    """Compute the footprint of STUDY (a scenarios/*.yaml file)."""
    cluster = dask_arguments(iterations, use_dask, scheduler)
    study = study_argument(study, example_name)
    uncertain = None
    started: dict[str, Path] = {}

    def output_dir(study_name: str) -> Path:
        return Path(output) if output else default_output_dir(study_name)

    def audit_begun(trail: AuditColumns) -> None:
        started.update(start_audit(trail, output_dir(trail.scenario), results_format))

    with staged_outputs():  # every output appears together, or none does
        with setup_progress() as progress:
            if iterations is not None:
                from gpulca.pipeline.uncertainty import run_uncertainty

                outcome = run_uncertainty(study, iterations, seed, data_dir, project,
                                          progress, sobol, **cluster)
                result, uncertain = outcome.result, outcome.uncertainty
            else:  # audit.csv is written while Brightway solves and the summary prints
                result = run_study(study, data_dir=data_dir, project=project,
                                   progress=progress, contributions=contributions,
                                   on_audit=audit_begun)
        for warning in result.warnings:
            print_warning(warning)
        print_summary(result)
        print_multiplier(result)
        print_contributions(result)
        print_service(result, service_frame(result))
        comparison = compare_reference(result)
        print_reference(result, comparison)
        if uncertain is not None:
            print_uncertainty(uncertain, result.study.phases,
                              impact_labels(result.scores))
        reports = prepare_reports([result], excel_file, charts_dir, html_file=html_file)
        written = write_results(result, output_dir(result.study.name), comparison,
                                uncertainty_frames(uncertain) if uncertain is not None
                                else None, results_format, started)
        written += reports()
    stdout.print(escape("Wrote " + ", ".join(str(p) for p in written)))
    return result
