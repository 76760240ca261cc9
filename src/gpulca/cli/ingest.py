"""``gpulca ingest``: turn cluster logs and energy measurements into an activity CSV.

    gpulca ingest sacct LOG [LOG...] --rules RULES.yaml -o activity.csv [--strict]
                        [--stream | --dask [--scheduler ADDRESS]]
    gpulca ingest nvidia-smi LOG --phase PHASE [--activity activity.csv -o out.csv]
    gpulca ingest dcgm LOG --phase PHASE [--activity activity.csv -o out.csv]
    gpulca ingest codecarbon LOG --phase PHASE [--activity activity.csv -o out.csv]

The commands only parse arguments, call :mod:`gpulca.ingest` and print a summary; outputs are
written atomically and only once everything succeeded. Input problems are printed one per line
and exit with code 2 (:func:`gpulca.cli.errors.report_errors`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from gpulca.cli.common import print_warning, stdout
from gpulca.cli.errors import report_errors
from gpulca.core.errors import InputError, Problem
from gpulca.core.units import UnitProblem, magnitude_in, parse_quantity
from gpulca.core.vocabulary import format_number, format_percent
from gpulca.ingest.activity_csv import read_activity_csv, write_activity_csv
from gpulca.ingest.dcgm import read_dcgm
from gpulca.ingest.distributed import expand_logs, sacct_activity_distributed
from gpulca.ingest.energy import (
    EnergyMeasurement,
    plausibility,
    read_codecarbon,
)
from gpulca.ingest.loader import attach_energy, attachment_findings
from gpulca.ingest.nvidia_smi import read_nvidia_smi
from gpulca.ingest.streaming import sacct_activity_streaming
from gpulca.ingest.summary import IngestSummary, sacct_activity

SHOWN = 5
"""Problems or examples shown per kind; the counts are always complete."""


def _in_unit(unit: str) -> Callable[[click.Context, click.Parameter, str | None], float | None]:
    """A click callback parsing a quantity option (``"700 W"``, ``"1 min"``) into ``unit``."""

    def callback(context: click.Context, parameter: click.Parameter,
                 text: str | None) -> float | None:
        if text is None:
            return None
        try:
            return magnitude_in(parse_quantity(text, unit), unit)
        except UnitProblem as exc:
            raise click.BadParameter(f"{exc}; expected a quantity in {unit}") from exc

    return callback


@click.group()
def ingest() -> None:
    """Turn cluster logs and energy measurements into GPU-hours per research phase."""


@ingest.command("sacct")
@click.argument("logs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rules", "rules_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="Tagging-rules YAML file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Activity CSV to write (atomically). Without it, only the summary is shown.")
@click.option("--strict", is_flag=True, help="Refuse the logs when any line is malformed.")
@click.option("--stream", is_flag=True,
              help="Read in chunks: memory bounded whatever the size of the logs.")
@click.option("--dask", "use_dask", is_flag=True,
              help="One Dask task per file (local cluster unless --scheduler).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler address, e.g. tcp://host:8786 (implies --dask).")
@report_errors
def sacct_command(logs: tuple[Path, ...], rules_path: Path, output: Path | None,
                  strict: bool, stream: bool, use_dask: bool, scheduler: str | None) -> None:
    """Read sacct exports LOGS (files, folders or globs), tag jobs with RULES, write GPU-hours
    per phase."""
    files = expand_logs(list(logs))
    if use_dask or scheduler:
        result = sacct_activity_distributed(files, rules_path, strict=strict,
                                            scheduler=scheduler)
    elif stream:
        result = sacct_activity_streaming(files, rules_path, strict=strict)
    else:
        result = sacct_activity(files, rules_path, strict=strict)
    if output is not None:
        write_activity_csv(result.rows, output)
    console = stdout
    print_summary(console, result.summary)
    if output is not None:
        console.print(f"Wrote {len(result.rows)} activity rows to {output}")


def print_summary(console: Console, summary: IngestSummary) -> None:
    """Print GPU-hours per phase, the final-training share and every job not counted as is."""
    table = Table(title=f"GPU-hours per phase ({', '.join(summary.files)})")
    for name, justify in (("phase", "left"), ("label", "left"), ("jobs", "right"),
                          ("GPU-hours", "right"), ("share", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for total in summary.phases:
        table.add_row(total.phase, total.label, f"{total.jobs:,}", format_number(total.gpu_hours),
                      format_percent(total.share))
    table.add_row("total", "", "", format_number(summary.total_gpu_hours), format_percent(1.0))
    console.print(table)
    console.print(f"Final training: {format_percent(summary.final_training_share)} of the "
                  "GPU-hours.")
    console.print(f"Lines read: {summary.lines:,}; allocations: {summary.allocations:,}; "
                  f"job steps skipped: {summary.steps:,}; CPU-only allocations: "
                  f"{summary.cpu_only:,}; never started: {summary.never_started:,}; GPU "
                  f"allocations with 0 s: {summary.zero_hours:,}; failed (to the failed phase): "
                  f"{summary.failed_jobs:,} ({format_number(summary.failed_gpu_hours, 'GPU-h')}).")
    _print_warnings(console, summary)


def _print_warnings(console: Console, summary: IngestSummary) -> None:
    _print_malformed(console, summary.malformed)
    if summary.unmatched_jobs:
        print_warning(f"{summary.unmatched_jobs:,} GPU jobs "
                      f"({format_number(summary.unmatched_gpu_hours, 'GPU-h')}) matched no rule "
                      f"and were put in phase {summary.unmatched_phase!r} (unmatched_phase); "
                      "largest:", console, soft_wrap=True)
        for example in summary.unmatched_examples:
            console.print(f"  {example['file']}:{example['line']}: job {example['job_id']} "
                          f"{example['name']!r} account {example['account']!r} partition "
                          f"{example['partition']!r} ({example['gpu_hours']} GPU-h)", markup=False,
                          soft_wrap=True)
    for gres, count in summary.unmapped_gres.items():
        print_warning(f"gres type {gres!r} ({count:,} jobs) maps to no accelerator (add it "
                      "under accelerators.gres_types); those rows use the study's accelerator",
                      console)
    if summary.repeated_headers:
        console.print(f"note: {summary.repeated_headers} repeated header lines skipped")
    for note in summary.notes:
        console.print(f"note: {note}")


def _energy_command(name: str, reader: Callable[..., EnergyMeasurement],
                    help_text: str) -> click.Command:
    """Build one energy subcommand: measure LOG, optionally attach it to a phase's rows."""

    @click.argument("log", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--phase", required=True, help="Phase the measurement belongs to.")
    @click.option("--model", default=None, help="Attach only to the rows of this model.")
    @click.option("--rated-power", "rated", default=None, callback=_in_unit("W"),
                  help="Rated power of one GPU (e.g. '700 W'); a higher mean is flagged.")
    @click.option("--activity", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="Activity CSV whose PHASE rows receive the measured energy.")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                  default=None, help="Where to write the updated activity CSV (atomically).")
    @click.option("--partial", default=None, metavar="REASON",
                  help="Why a measurement covering under half of the phase is deliberate.")
    @report_errors
    def command(log: Path, phase: str, model: str | None, rated: float | None,
                activity: Path | None, output: Path | None, partial: str | None,
                **options: Any) -> None:
        if (activity is None) != (output is None):
            raise InputError(Problem(None, "--activity", "--activity and -o/--output go "
                                     "together"))
        measured = reader(log, **options)
        console = stdout
        print_measurement(console, measured, phase, rated)
        if activity is not None and output is not None:
            before = read_activity_csv(activity)
            rows = attach_energy(before, phase, measured.energy_kwh,
                                 f"{measured.tool} {log.name} ({measured.covers()})",
                                 model=model, rated_power_w=rated,
                                 measured_gpu_hours=measured.gpu_hours, where="--phase",
                                 scope=measured.scope, partial=partial)
            targets = [r for r in before if r.phase == phase and model in (None, r.model)]
            for finding in attachment_findings(targets, measured.energy_kwh, measured.gpu_hours,
                                               rated):
                print_warning(f"phase {phase!r}: {finding}", console, soft_wrap=True)
            write_activity_csv(rows, output)
            console.print(f"Attached {measured.energy_kwh:.6g} kWh to phase {phase!r}; wrote "
                          f"{output}")

    command.__doc__ = help_text
    if name != "codecarbon":
        command = click.option("--max-gap", "max_gap_s", default=None, callback=_in_unit("s"),
                               help="Longest interval integrated, e.g. '30 s' "
                                    "(default: 5 x the median sampling interval).")(command)
    if name == "nvidia-smi":
        command = click.option("--query", default=None,
                               help="--query-gpu fields of a noheader log, e.g. "
                                    "timestamp,index,power.draw.")(command)
    if name == "dcgm":
        command = click.option("--interval", "interval_s", default=None, callback=_in_unit("s"),
                               help="dcgmi dmon sampling interval (-d), e.g. '1 s'.")(command)
    if name == "codecarbon":
        command = click.option("--column", default="energy_consumed", show_default=True,
                               type=click.Choice(["energy_consumed", "gpu_energy"]),
                               help="CodeCarbon energy column (kWh): whole machine or GPUs.")(
            command)
        command = click.option("--project-name", default=None,
                               help="Only the rows of this project_name.")(command)
        command = click.option("--experiment-id", default=None,
                               help="Only the rows of this experiment_id.")(command)
    return click.command(name)(command)


def print_measurement(console: Console, measured: EnergyMeasurement, phase: str,
                      rated_power_w: float | None) -> None:
    """Print a measurement: energy, coverage, skipped samples and plausibility findings."""
    mean = measured.mean_power_per_gpu_w
    covered = f"{measured.gpu_hours:,.3f} GPU-h" if measured.gpu_hours is not None else \
        "unknown GPU-h"
    console.print(f"{measured.tool}: {measured.energy_kwh:,.6g} kWh for phase {phase!r} over "
                  f"{covered} ({measured.gpus} GPUs or runs, {measured.samples:,} samples"
                  + (f", mean {mean:,.0f} W per GPU" if mean is not None else "") + ")",
                  soft_wrap=True)
    console.print(f"covers: {measured.covers()}", soft_wrap=True, markup=False)
    if measured.parts:
        console.print("parts: " + ", ".join(f"{k} {v:,.6g} kWh" for k, v in
                                            measured.parts.items()), soft_wrap=True)
    if measured.unavailable:
        console.print(f"note: {measured.unavailable:,} samples without a value ([N/A]) skipped")
    for note in measured.notes:
        console.print(f"note: {note}")
    _print_malformed(console, measured.problems, "lines skipped (malformed or not usable)")
    for finding in plausibility(measured.energy_kwh, measured.gpu_hours, rated_power_w):
        print_warning(finding, console)


def _print_malformed(console: Console, problems: Sequence[object],
                     what: str = "malformed lines skipped") -> None:
    """How many lines of a log were skipped, and the first :data:`SHOWN`."""
    if not problems:
        return
    print_warning(f"{len(problems):,} {what}:", console)
    for problem in problems[:SHOWN]:
        console.print(f"  {problem}", markup=False, soft_wrap=True)


for _name, _reader, _help in (
    ("nvidia-smi", read_nvidia_smi, "Measure LOG, an `nvidia-smi --query-gpu=timestamp,index,"
                                    "power.draw --format=csv` log; optionally attach it."),
    ("dcgm", read_dcgm, "Measure LOG: dcgm-exporter Prometheus text, dcgmi dmon output or "
                        "gpulca's DCGM CSV; optionally attach it to a phase."),
    ("codecarbon", read_codecarbon, "Measure LOG, a CodeCarbon emissions.csv; optionally attach "
                                    "it to a phase."),
):
    ingest.add_command(_energy_command(_name, _reader, _help))
