"""Time-resolved electricity emissions of a study's jobs (``gpulca hourly``, issue 15).

Jobs come from a Slurm accounting export (``sacct --parsable2`` with ``Start`` and ``ElapsedRaw``
or ``Elapsed``; Slurm prints local time, so the time zone must be stated) or from an energy log
(CSV with ``start``, ``end`` in UTC ISO 8601 and ``energy_kwh`` of facility electricity). A
sacct job's facility electricity is modelled as the study models a GPU-hour: GPUs x hours x IT
power per GPU (accelerator power x load + host share) x PUE. Each job's energy is weighted by the
hourly intensity of the hours it ran (:mod:`gpulca.model.hourly`) and the total is reported
beside the same energy at the series' average intensity.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from gpulca.core.errors import InputError, Problem
from gpulca.ingest import read_sacct
from gpulca.model.hourly import (
    Basis,
    HourlySeries,
    TimeResolved,
    job_intensity_g_per_kwh,
    jobs_outside,
    load_hourly_series,
    parse_utc_seconds,
    time_resolved_emissions,
)
from gpulca.model.translate import facility_energy_kwh, it_power_per_gpu_kw
from gpulca.study.resolve import load_study

Outside = Literal["error", "annual"]


@dataclass(frozen=True)
class Jobs:
    """Jobs as arrays: start and end [s since the epoch, UTC], facility energy [kWh]."""

    start_s: np.ndarray
    end_s: np.ndarray
    energy_kwh: np.ndarray
    labels: list[str]
    """Where each job comes from: ``file:line`` and job id."""
    origins: list[tuple[str, int]]
    """``(file, line)`` of each job."""


@dataclass(frozen=True)
class HourlyResult:
    series: HourlySeries
    jobs: Jobs
    totals: TimeResolved

    def job_frame(self) -> pd.DataFrame:
        """One row per job: where it comes from, start, end, kWh, g/kWh, covered fraction."""
        mean, fraction = job_intensity_g_per_kwh(self.series, self.jobs.start_s,
                                                 self.jobs.end_s)
        return pd.DataFrame({
            "job": self.jobs.labels,
            "start_utc": pd.to_datetime(self.jobs.start_s, unit="s"),
            "end_utc": pd.to_datetime(self.jobs.end_s, unit="s"),
            "facility_kwh": self.jobs.energy_kwh,
            "g_co2e_per_kwh": mean, "covered_fraction": fraction})


def time_zone(text: str) -> tzinfo:
    """``UTC``, a fixed offset ``+01:00`` or an IANA name (``Europe/Paris``)."""
    if text.upper() in ("UTC", "Z"):
        return UTC
    if text[:1] in "+-" and len(text) == 6 and text[3] == ":":
        try:
            sign = 1 if text[0] == "+" else -1
            return timezone(sign * timedelta(hours=int(text[1:3]), minutes=int(text[4:6])))
        except ValueError:
            pass
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(Problem(None, "--jobs-tz", "expected UTC, an offset such as +01:00 or "
                                 "a time-zone name such as Europe/Paris", value=text)) from exc


def _start_column(path: Path) -> tuple[dict[int, str], str]:
    """``Start`` text by 1-based line of a sacct export."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    header = [h.strip().lower() for h in lines[0].split("|")]
    if "start" not in header:
        raise InputError(Problem(str(path), "header", "expected a 'Start' column (sacct "
                                 "--format=...,Start) to place the jobs in time", 1))
    index = header.index("start")
    out = {}
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("|")
        if len(fields) > index:
            out[number] = fields[index].strip()
    return out, lines[0]


def sacct_jobs(path: str | Path, tz: tzinfo, kw_per_gpu_facility: float) -> Jobs:
    """Jobs of a sacct export that ran (GPUs > 0, duration > 0), in UTC."""
    file = Path(path)
    allocations = read_sacct([file], text_columns=()).frame
    allocations = allocations[(allocations["gpus"] > 0) & (allocations["seconds"] > 0)]
    starts, _ = _start_column(file)
    start_s, problems = [], []
    for line in allocations["line"].to_numpy():
        text = starts.get(int(line), "")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            problems.append(Problem(str(file), "Start", "expected a sacct timestamp "
                                    "YYYY-MM-DDTHH:MM:SS", int(line), text))
            start_s.append(np.nan)
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)
        start_s.append(moment.timestamp())
    if problems:
        raise InputError(problems)
    start = np.asarray(start_s, dtype=np.float64)
    seconds = allocations["seconds"].to_numpy(dtype=np.float64)
    gpu_hours = allocations["gpu_hours"].to_numpy(dtype=np.float64)
    labels = [f"{file}:{line} {job}" for line, job in
              zip(allocations["line"], allocations["job_id"], strict=True)]
    origins = [(str(file), int(line)) for line in allocations["line"]]
    return Jobs(start, start + seconds, gpu_hours * kw_per_gpu_facility, labels, origins)


def energy_log_jobs(path: str | Path) -> Jobs:
    """Jobs of an energy log: CSV ``start,end,energy_kwh`` (UTC, facility electricity)."""
    file = Path(path)
    with file.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    problems, start, end, energy, labels = [], [], [], [], []
    for number, row in enumerate(rows, start=2):
        begin, finish = (parse_utc_seconds(row.get(k) or "") for k in ("start", "end"))
        try:
            kwh = float(row.get("energy_kwh") or "")
        except ValueError:
            kwh = float("nan")
        if begin is None or finish is None:
            problems.append(Problem(str(file), "start/end", "expected UTC timestamps "
                                    "(YYYY-MM-DD HH:MM:SS, Z or +00:00)", number,
                                    f"{row.get('start')} / {row.get('end')}"))
        elif finish < begin:
            problems.append(Problem(str(file), "end", "expected an end after the start",
                                    number, row.get("end")))
        elif not np.isfinite(kwh) or kwh < 0:
            problems.append(Problem(str(file), "energy_kwh", "expected a non-negative number "
                                    "of kWh", number, row.get("energy_kwh")))
        else:
            start.append(begin)
            end.append(finish)
            energy.append(kwh)
            labels.append(f"{file}:{number}")
    if problems or not rows:
        raise InputError(problems or [Problem(str(file), "", "no jobs in the energy log")])
    origins = [(str(file), int(label.rsplit(":", 1)[1])) for label in labels]
    return Jobs(np.asarray(start), np.asarray(end), np.asarray(energy), labels, origins)


def _outside_problems(series: HourlySeries, jobs: Jobs) -> list[Problem]:
    problems = []
    for index in jobs_outside(series, jobs.start_s, jobs.end_s)[:20]:
        begin = datetime.fromtimestamp(float(jobs.start_s[index]), UTC)
        finish = datetime.fromtimestamp(float(jobs.end_s[index]), UTC)
        file, line = jobs.origins[index]
        problems.append(Problem(
            file, "job", f"runs outside the series {series.file} ({series.zone}); extend the "
            "series or pass --outside annual", line,
            f"{begin:%Y-%m-%d %H:%M} to {finish:%Y-%m-%d %H:%M} UTC"))
    return problems


def hourly_study(study: str | Path, series: str | Path, jobs: str | Path,
                 jobs_tz: str | None = None, basis: Basis = "life_cycle",
                 outside: Outside = "error", zone: str | None = None) -> HourlyResult:
    """Time-resolved electricity emissions of the jobs of a study.

    Args:
        study: the study file (site PUE and the default accelerator's power model).
        series: an Electricity Maps hourly CSV.
        jobs: a sacct export (needs ``jobs_tz``) or an energy-log CSV (``start,end,energy_kwh``).
        outside: ``error`` (default) refuses jobs outside the series; ``annual`` charges their
            hours at the series' average.
        zone: when given, the series must be of this Electricity Maps zone.
    """
    resolved = load_study(study)
    loaded = load_hourly_series(series, basis, zone)
    path = Path(jobs)
    header = path.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0]
    if "|" in header:
        if jobs_tz is None:
            raise InputError(Problem(str(path), "Start", "sacct prints local time: state the "
                                     "cluster's time zone with --jobs-tz (UTC, +01:00, "
                                     "Europe/Paris)", 1))
        hardware = resolved.hardware[resolved.study.hardware.accelerator]
        kw = facility_energy_kwh(it_power_per_gpu_kw(
            hardware.gpu_power_w, hardware.gpu_load, hardware.node_overhead_w,
            hardware.gpus_per_node), resolved.site.pue)
        found = sacct_jobs(path, time_zone(jobs_tz), kw)
    else:
        found = energy_log_jobs(path)
    if outside == "error":
        problems = _outside_problems(loaded, found)
        if problems:
            raise InputError(problems)
    totals = time_resolved_emissions(loaded, found.start_s, found.end_s, found.energy_kwh,
                                     annual_g_per_kwh=loaded.mean_g_per_kwh())
    return HourlyResult(loaded, found, totals)
