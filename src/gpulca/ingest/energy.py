"""Measured energy: nvidia-smi samples, DCGM exporter series and CodeCarbon's emissions.csv.

Each reader returns an :class:`EnergyMeasurement` (kWh, the GPU-hours the measurement covers, and
everything that was skipped or looks wrong). Formats, as produced by the tools:

- **nvidia-smi**: read by :mod:`gpulca.ingest.nvidia_smi`;
  ``nvidia-smi --query-gpu=timestamp,index,power.draw --format=csv -l 1``
  (NVIDIA, ``nvidia-smi --help-query-gpu``): a header ``timestamp, index, power.draw [W]``, fields
  separated by ``", "``, timestamps ``YYYY/MM/DD HH:MM:SS.mmm``, power as ``"250.12 W"`` (or
  ``250.12`` with ``--format=csv,nounits``) and ``[N/A]`` / ``[Not Supported]`` when unavailable.
  More query fields (``name``, ``uuid``, ``pci.bus_id``...) may be present; GPUs are told apart by
  ``uuid``, else ``pci.bus_id``, else ``index``. Repeated header lines (concatenated logs) are
  skipped. Power is integrated with the trapezoidal rule, per GPU, between consecutive valid
  samples; intervals longer than ``max_gap`` (default: 5 x the median sampling interval) are
  not integrated and are reported.
- **DCGM, gpulca's own CSV layout** (no NVIDIA tool writes it: dcgm-exporter serves Prometheus
  text and dcgmi prints a table, both read by :mod:`gpulca.ingest.dcgm`; this layout is for
  series exported from a time-series database, one row per scrape and GPU): columns
  ``timestamp`` (ISO 8601 or Unix seconds), ``gpu`` (or ``gpu_id``), optionally ``Hostname``
  and ``UUID``, and the metric columns
  ``DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION`` (mJ since the driver loaded; preferred: summed as
  counter increases, a decrease is a counter reset) and/or ``DCGM_FI_DEV_POWER_USAGE`` (W;
  integrated like nvidia-smi power).
- **CodeCarbon** ``emissions.csv`` (https://mlco2.github.io/codecarbon/output.html): one row per
  run, ``duration`` in s, ``energy_consumed`` (CPU + GPU + RAM) and ``gpu_energy`` in kWh,
  ``gpu_count``. A ``run_id`` written several times (periodic flushes) counts once, with its
  latest (longest) row.

nvidia-smi and DCGM measure the GPU boards only; CodeCarbon's ``energy_consumed`` includes CPU and
RAM. The measured energy replaces the modelled IT energy of the phase it is attached to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gpulca.core.errors import InputError, Problem
from gpulca.ingest.scan import read_checked, read_header

_NA = frozenset({"[N/A]", "N/A", "[Not Supported]", "[Unknown Error]", "[GPU is lost]", ""})
_POWER_UNITS = {"W": 1.0, "mW": 1e-3, "kW": 1e3}


@dataclass
class EnergyMeasurement:
    """Energy measured by one tool over one or more files.

    Attributes:
        tool: ``nvidia-smi``, ``dcgm`` or ``codecarbon``.
        files: the files read.
        energy_kwh: measured energy [kWh].
        gpu_hours: GPU-hours the measurement covers [GPU·h] (None when unknown).
        gpus: distinct GPUs (or runs, for CodeCarbon) seen.
        samples: valid samples (rows) used.
        unavailable: samples without a value (``[N/A]``...), skipped.
        gaps: intervals not integrated because longer than ``max_gap_s``.
        resets: energy-counter decreases (DCGM), not counted.
        max_gap_s: the longest interval integrated [s].
        problems: malformed lines, skipped.
        notes: other findings (duplicated runs, repeated headers...).
    """

    tool: str
    files: list[str]
    energy_kwh: float
    gpu_hours: float | None = None
    gpus: int = 0
    samples: int = 0
    unavailable: int = 0
    gaps: int = 0
    resets: int = 0
    max_gap_s: float | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    start: str | None = None
    end: str | None = None
    parts: dict[str, float] = field(default_factory=dict)
    energy_scope: str | None = None

    def covers(self) -> str:
        """What the measurement covers, in one phrase: window, GPUs (or runs), GPU-hours."""
        window = f"{self.start} to {self.end}" if self.start else "an unknown window"
        hours = f"{self.gpu_hours:,.6g} GPU-h" if self.gpu_hours is not None else \
            "unknown GPU-h"
        what = "runs" if self.tool == "codecarbon" else "GPUs"
        return f"{self.gpus} {what}, {window}, {hours}"

    @property
    def scope(self) -> str:
        """``gpu`` for GPU-board measurements (nvidia-smi, DCGM), ``it`` for whole-machine ones
        (CodeCarbon: CPU, GPU and RAM), as :attr:`ActivityRow.it_energy_scope` expects."""
        if self.energy_scope is not None:
            return self.energy_scope
        return "gpu" if self.tool in ("nvidia-smi", "dcgm") else "it"

    @property
    def mean_power_per_gpu_w(self) -> float | None:
        """Mean power per GPU over the covered time, of the GPU boards alone when the tool
        measured them apart (CodeCarbon's ``gpu_energy``) [W]."""
        if not self.gpu_hours:
            return None
        energy = self.parts.get("gpu", self.energy_kwh)
        return energy * 1000.0 / self.gpu_hours


def plausibility(energy_kwh: float, gpu_hours: float | None,
                 rated_power_w: float | None) -> list[str]:
    """Findings on an energy figure: negative, zero, or above rated power per GPU-hour.

    Args:
        energy_kwh: energy [kWh].
        gpu_hours: GPU-hours it belongs to [GPU·h].
        rated_power_w: rated (maximum) power of one GPU [W], when known.
    """
    if energy_kwh < 0:
        return [f"negative energy {energy_kwh:.6g} kWh"]
    if energy_kwh == 0:
        return ["zero energy: nothing was measured"]
    if gpu_hours and rated_power_w:
        mean = energy_kwh * 1000.0 / gpu_hours
        if mean > rated_power_w:
            return [f"{mean:.0f} W per GPU on average ({energy_kwh:.6g} kWh over {gpu_hours:.6g} "
                    f"GPU-h) is above the rated {rated_power_w:.0f} W"]
    return []


def integrate_power(seconds: np.ndarray, watts: np.ndarray, key: np.ndarray,
                    max_gap_s: float | None = None) -> tuple[float, float, int, float]:
    """Trapezoidal integral of power samples, per GPU.

    Args:
        seconds: sample times [s].
        watts: power at each sample [W]; NaN samples must be removed beforehand.
        key: the GPU of each sample (any hashable codes).
        max_gap_s: longest interval to integrate [s]; default 5 x the median interval.

    Returns:
        energy [J], covered time summed over GPUs [s], intervals skipped, the max gap used [s].
    """
    if len(seconds) < 2:
        return 0.0, 0.0, 0, float(max_gap_s or 0.0)
    order = np.lexsort((seconds, key))
    t, p, k = seconds[order], watts[order], key[order]
    dt = np.diff(t)
    same = k[1:] == k[:-1]
    if max_gap_s is None:
        steps = dt[same & (dt > 0)]
        max_gap_s = 5.0 * float(np.median(steps)) if len(steps) else 0.0
    used = same & (dt > 0) & (dt <= max_gap_s)
    energy = float(np.sum(0.5 * (p[1:] + p[:-1])[used] * dt[used]))
    return energy, float(dt[used].sum()), int((same & (dt > max_gap_s)).sum()), max_gap_s


def _clean_name(name: str) -> tuple[str, str | None]:
    """``"power.draw [W]"`` -> ``("power.draw", "W")``."""
    match = re.match(r"^\s*(.*?)\s*(?:\[(.*)\])?\s*$", name)
    assert match is not None  # the pattern matches any text
    return match.group(1), match.group(2)


def _timestamps(values: pd.Series) -> pd.Series:
    """Parse nvidia-smi (``2024/05/01 12:00:00.123``), ISO 8601 or Unix-second timestamps."""
    text = values.astype(object).str.strip()
    parsed = pd.to_datetime(text, format="%Y/%m/%d %H:%M:%S.%f", errors="coerce")
    rest = parsed.isna()
    if rest.any():
        parsed[rest] = pd.to_datetime(text[rest], format="ISO8601", errors="coerce", utc=True) \
            .dt.tz_localize(None)
    rest = parsed.isna()
    if rest.any():
        numbers = pd.to_numeric(text[rest], errors="coerce")
        parsed[rest] = pd.to_datetime(numbers, unit="s", errors="coerce")
    return parsed


def _seconds_of(stamps: pd.Series) -> np.ndarray:
    return (stamps - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy(dtype=float)


def _malformed(file: str, column: str, message: str, lines: np.ndarray,
               values: np.ndarray, mask: np.ndarray) -> list[Problem]:
    return [Problem(file, column, message, int(lines[i]), values[i]) for i in np.flatnonzero(mask)]


_POWER_TEXT = re.compile(r"^([-+0-9.eE]+)\s*([mk]?W)?$")


def _watts(text: str, unit: str) -> float:
    """``"250.12 W"`` or ``"250.12"`` (in ``unit``) -> 250.12; NaN when it is not a power."""
    match = _POWER_TEXT.match(text.strip())
    if not match:
        return float("nan")
    try:
        return float(match.group(1)) * _POWER_UNITS[match.group(2) or unit]
    except (ValueError, KeyError):
        return float("nan")


def _power(values: pd.Series, unit: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Watts, an unavailable mask ([N/A]...), and a malformed mask, per sample.

    Each distinct text is parsed once (a power log repeats its values a lot).
    """
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    if not len(uniques):
        empty = np.zeros(0, dtype=bool)
        return np.zeros(0), empty, empty
    na = np.array([str(u).strip() in _NA for u in uniques], dtype=bool)
    parsed = np.array([_watts(str(u), unit) for u in uniques], dtype=float)
    watts, unavailable = parsed[codes], na[codes]
    return watts, unavailable, np.isnan(watts) & ~unavailable


def _integrate_into(result: EnergyMeasurement, seconds: np.ndarray, watts: np.ndarray,
                    key: np.ndarray, max_gap_s: float | None) -> None:
    codes = pd.factorize(key)[0] if len(key) else np.zeros(0, dtype=np.int64)
    joules, covered, gaps, gap = integrate_power(seconds, watts, codes, max_gap_s)
    result.energy_kwh = joules / 3.6e6
    result.gpu_hours = covered / 3600.0
    result.gaps, result.max_gap_s = gaps, gap
    result.samples = len(seconds)
    result.gpus = int(len(np.unique(codes)))
    if gaps:
        result.notes.append(f"{gaps} intervals longer than {gap:g} s were not integrated")


def set_window(result: EnergyMeasurement, seconds: np.ndarray) -> None:
    """Record the first and last sample times (``seconds`` since 1970, naive UTC) as ISO text."""
    if len(seconds):
        first, last = (pd.Timestamp(float(np.nanmin(seconds)), unit="s"),
                       pd.Timestamp(float(np.nanmax(seconds)), unit="s"))
        result.start, result.end = first.isoformat(), last.isoformat()


def _require_samples(result: EnergyMeasurement) -> EnergyMeasurement:
    if result.samples < 2:
        raise InputError([Problem(result.files[0], "", f"{result.samples} usable samples; need "
                                  "at least two per GPU to integrate power over time"),
                          *result.problems[:20]])
    return result


DCGM_ENERGY = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"
DCGM_POWER = "DCGM_FI_DEV_POWER_USAGE"


def read_dcgm_csv(path: str | Path, max_gap_s: float | None = None) -> EnergyMeasurement:
    """Energy of gpulca's own DCGM CSV layout (see :mod:`gpulca.ingest.dcgm`).

    Raises:
        InputError: for a missing or empty file, missing columns, or no valid sample.
    """
    path = Path(path)
    file = str(path)
    header, _ = read_header(path, ",")
    names = {n.strip().lower(): n for n in header.split(",")}
    metric = next((names[m.lower()] for m in (DCGM_ENERGY, DCGM_POWER) if m.lower() in names),
                  None)
    gpu = next((names[k] for k in ("gpu", "gpu_id") if k in names), None)
    if "timestamp" not in names or metric is None or gpu is None:
        raise InputError(Problem(file, "header", f"expected the columns timestamp, gpu and "
                                 f"{DCGM_ENERGY} or {DCGM_POWER}", 1, header))
    extra = [names[k] for k in ("hostname", "uuid") if k in names]
    frame, lines, scan = read_checked(path, ",", [names["timestamp"], gpu, metric, *extra],
                                      skipinitialspace=True)
    result = EnergyMeasurement("dcgm", [file], 0.0, problems=list(scan.problems))
    stamps = _timestamps(frame[names["timestamp"]])
    text = frame[metric].astype(object).str.strip()
    unavailable = text.isin(_NA).to_numpy(dtype=bool)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad_time = stamps.isna().to_numpy()
    bad = (np.isnan(values) & ~unavailable) | (values < 0)
    result.problems += _malformed(file, names["timestamp"], "expected an ISO 8601 or Unix "
                                  "timestamp", lines, frame[names["timestamp"]].to_numpy(),
                                  bad_time)
    result.problems += _malformed(file, metric, "expected a non-negative number", lines,
                                  text.to_numpy(dtype=object), bad & ~bad_time)
    ok = ~(bad_time | bad | unavailable)
    key_frame = frame.loc[ok, [gpu, *extra]]
    key = key_frame.groupby([gpu, *extra], sort=False).ngroup().to_numpy() if len(key_frame) \
        else np.zeros(0, dtype=np.int64)
    seconds = _seconds_of(stamps[ok])
    if metric.upper() == DCGM_POWER:
        _integrate_into(result, seconds, values[ok], key, max_gap_s)
    else:
        _counter_into(result, seconds, values[ok] / 1000.0, key)
    result.unavailable = int((unavailable & ~bad_time).sum())
    set_window(result, seconds)
    return _require_samples(result)


def _counter_into(result: EnergyMeasurement, seconds: np.ndarray, joules: np.ndarray,
                  key: np.ndarray) -> None:
    """Sum the increases of a cumulative energy counter per GPU; a decrease is a reset."""
    codes = pd.factorize(key)[0] if len(key) else np.zeros(0, dtype=np.int64)
    order = np.lexsort((seconds, codes))
    t, e, k = seconds[order], joules[order], codes[order]
    same = k[1:] == k[:-1]
    rise, dt = np.diff(e), np.diff(t)
    reset = same & (rise < 0)
    used = same & (rise >= 0) & (dt > 0)
    result.energy_kwh = float(rise[used].sum()) / 3.6e6
    result.gpu_hours = float(dt[used].sum()) / 3600.0
    result.resets = int(reset.sum())
    result.samples = len(t)
    result.gpus = int(len(np.unique(k)))
    if result.resets:
        result.notes.append(f"{result.resets} energy-counter resets: the interval of each "
                            "is not counted")


CODECARBON_REQUIRED = ("duration", "energy_consumed")
CODECARBON_PARTS = {"gpu_energy": "gpu", "cpu_energy": "cpu", "ram_energy": "ram"}
"""CodeCarbon's energy columns [kWh] and the part of the machine each measures."""


def read_codecarbon(path: str | Path, column: str = "energy_consumed", *,  # noqa: C901
                    project_name: str | None = None,
                    experiment_id: str | None = None) -> EnergyMeasurement:
    """Energy of a CodeCarbon ``emissions.csv``, any version from 1.x to 3.x.

    1.x files have ``energy_consumed`` only (and no ``run_id`` in the earliest); 2.x add
    ``run_id``, ``cpu_energy``, ``gpu_energy``, ``ram_energy``, ``gpu_count``; 2.3 adds
    ``experiment_id``, ``codecarbon_version`` and ``pue``; 3.x adds utilisation columns. Only
    the columns named here are read, wherever they are.

    Args:
        path: the CSV file.
        column: ``energy_consumed`` (CPU + GPU + RAM: scope ``it``) or ``gpu_energy`` (GPU
            boards: scope ``gpu``, the translator adds the modelled host) [kWh].
        project_name: only the rows of this ``project_name``.
        experiment_id: only the rows of this ``experiment_id``.

    The GPU, CPU and RAM energies are kept apart in ``parts``. Rows whose machine had no GPU
    (``gpu_count`` 0 or empty, or ``gpu_energy`` 0) are not a GPU phase's energy: they are left
    out and listed in ``problems``; a file with no GPU row is an error.

    Raises:
        InputError: for a missing or empty file, missing columns, or no valid GPU row.
    """
    path = Path(path)
    file = str(path)
    header, _ = read_header(path, ",")
    present = [n.strip() for n in header.split(",")]
    missing = [c for c in ("duration", column) if c not in present]
    if missing:
        names = ", ".join(dict.fromkeys(missing))
        raise InputError(Problem(file, "header", f"missing column(s) {names} of CodeCarbon's "
                                 "emissions.csv", 1, header))
    wanted = [c for c in ("run_id", "project_name", "experiment_id", "duration", column,
                          *CODECARBON_PARTS, "energy_consumed", "gpu_count") if c in present]
    frame, lines, scan = read_checked(path, ",", list(dict.fromkeys(wanted)))
    result = EnergyMeasurement("codecarbon", [file], 0.0, problems=list(scan.problems))
    for key, value in (("project_name", project_name), ("experiment_id", experiment_id)):
        if value is not None:
            if key not in frame:
                raise InputError(Problem(file, "header", f"no {key} column to select "
                                         f"{value!r} (CodeCarbon before 2.3 has no "
                                         "experiment_id)", 1, header))
            chosen = (frame[key] == value).to_numpy()
            if not chosen.any():
                raise InputError(Problem(file, key, f"no row has {key} {value!r}; found "
                                         f"{sorted(set(frame[key]))[:5]}", None, value))
            frame, lines = frame[chosen], lines[chosen]
    duration = pd.to_numeric(frame["duration"], errors="coerce").to_numpy(dtype=float)
    energy = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    for name, values in (("duration", duration), (column, energy)):
        bad = np.isnan(values) | (values < 0)
        result.problems += _malformed(file, name, "expected a non-negative number", lines,
                                      frame[name].to_numpy(dtype=object), bad)
    ok = ~(np.isnan(duration) | (duration < 0) | np.isnan(energy) | (energy < 0))
    no_gpu = _without_gpu(frame)
    result.problems += _malformed(file, "gpu_count", "this run measured no GPU (gpu_count 0 or "
                                  "empty, or gpu_energy 0): left out of a GPU phase", lines,
                                  frame["gpu_count"].to_numpy(dtype=object) if "gpu_count" in
                                  frame else np.full(len(frame), ""), no_gpu & ok)
    ok &= ~no_gpu
    runs = frame.assign(_duration=duration, _energy=energy, _line=lines)[ok]
    if "run_id" in runs:
        latest = runs.sort_values("_duration").drop_duplicates("run_id", keep="last")
        if len(latest) < len(runs):
            result.notes.append(f"{len(runs) - len(latest)} rows repeat a run_id (periodic "
                                "flushes); the latest row of each run is used")
        runs = latest
    if not len(runs):
        raise InputError([Problem(file, "", "no usable row measured a GPU"),
                          *result.problems[:20]])
    result.energy_kwh = float(runs["_energy"].sum())
    for name, part in CODECARBON_PARTS.items():
        if name in runs:
            values = pd.to_numeric(runs[name], errors="coerce").to_numpy(dtype=float)
            result.parts[part] = float(np.nansum(values))
    if "gpu_count" in runs:
        gpus = pd.to_numeric(runs["gpu_count"], errors="coerce").to_numpy(dtype=float)
        if not np.isnan(gpus).any() and (gpus > 0).all():
            result.gpu_hours = float((gpus * runs["_duration"].to_numpy()).sum()) / 3600.0
    result.samples = result.gpus = len(runs)
    result.energy_scope = "gpu" if column == "gpu_energy" else "it"
    return result


def _without_gpu(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose machine had no GPU: ``gpu_count`` 0/empty, or a ``gpu_energy`` of 0."""
    mask = np.zeros(len(frame), dtype=bool)
    if "gpu_count" in frame:
        count = pd.to_numeric(frame["gpu_count"], errors="coerce").to_numpy(dtype=float)
        mask |= np.isnan(count) | (count <= 0)
    if "gpu_energy" in frame:
        mask |= pd.to_numeric(frame["gpu_energy"], errors="coerce").to_numpy(dtype=float) == 0
    return mask
