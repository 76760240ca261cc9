"""Hourly grid intensity: each job's electricity weighted by the hours it ran (issue 15).

The series is the hourly CSV that Electricity Maps publishes (free datasets, ODbL) and that
public repositories commit. Columns (both spellings of each are accepted, case-insensitively):

- ``Datetime (UTC)``: the start of the hour, ``YYYY-MM-DD HH:MM:SS`` (ISO 8601 with ``T`` and
  ``Z`` or ``+00:00`` accepted); any other offset or a local-time column is refused;
- ``Zone id`` (older files: ``Zone Id``): the Electricity Maps zone, one per file;
- ``Carbon intensity gCO₂eq/kWh (Life cycle)`` (older: ``Carbon Intensity gCO₂eq/kWh (LCA)``) and
  ``Carbon intensity gCO₂eq/kWh (direct)``: g CO2-eq per kWh consumed in the zone;
- ``Carbon-free energy percentage (CFE%)`` / ``Low Carbon Percentage``, ``Renewable energy
  percentage (RE%)`` / ``Renewable Percentage``, ``Country``, ``Zone name``, ``Data source``,
  ``Data estimated``, ``Data estimation method``: read past (not used).

Lines starting with ``#`` before the header are comments (licence and attribution of a copy).
The series must be hourly, in UTC, sorted, without gaps or duplicates, in g CO2-eq/kWh; each
violation is a located problem (file, line, value). A job running from ``start`` to ``end``
(seconds since the epoch, UTC) is given the time-weighted mean intensity of the hours it
overlaps (fractions of hours counted exactly, its power taken as constant over its run).

Pure functions on numpy arrays; no pandas, no Brightway.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np

from gpulca.core.errors import InputError, Problem

SECONDS_PER_HOUR = 3600
Basis = Literal["life_cycle", "direct"]

DATETIME_COLUMN = "datetime (utc)"
ZONE_COLUMNS = ("zone id",)
INTENSITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "life_cycle": ("carbon intensity gco₂eq/kwh (life cycle)",
                   "carbon intensity gco₂eq/kwh (lca)",
                   "carbon intensity gco₂eq/kwh (life cycle assessment)"),
    "direct": ("carbon intensity gco₂eq/kwh (direct)",),
}
MAX_PROBLEMS = 20
"""Problems listed per file before the rest are summarised in one line."""


@dataclass(frozen=True)
class HourlySeries:
    """An hourly intensity series: ``values[i]`` applies to hour ``first_hour + i``."""

    file: str
    zone: str
    basis: Basis
    first_hour: int
    """Hours since 1970-01-01 00:00 UTC of the first value."""
    values: np.ndarray
    """g CO2-eq per kWh, one per hour."""

    @property
    def start_s(self) -> float:
        return float(self.first_hour * SECONDS_PER_HOUR)

    @property
    def end_s(self) -> float:
        return float((self.first_hour + len(self.values)) * SECONDS_PER_HOUR)

    def mean_g_per_kwh(self) -> float:
        """The unweighted mean of the series (its annual average when it spans a year)."""
        return float(self.values.mean())


def parse_utc_seconds(text: str) -> float | None:
    """Seconds since the epoch of a UTC timestamp, or None when it is not UTC or not a date."""
    value = text.strip().replace("T", " ")
    if value.endswith("Z"):
        value = value[:-1]
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        if moment.utcoffset() != UTC.utcoffset(None):
            return None
        moment = moment.replace(tzinfo=None)
    return (moment - datetime(1970, 1, 1)).total_seconds()


def _find(header: Sequence[str], names: Sequence[str]) -> int | None:
    lowered = [h.strip().lower().replace("co2", "co₂") for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _header_problems(file: str, line: int, header: list[str], basis: Basis
                     ) -> tuple[list[Problem], int | None, int | None, int | None]:
    problems: list[Problem] = []
    time_col = _find(header, (DATETIME_COLUMN,))
    if time_col is None:
        other = [h for h in header if h.strip().lower().startswith("datetime")]
        problems.append(Problem(file, "header", "expected a 'Datetime (UTC)' column (timestamps "
                                "in UTC, as Electricity Maps publishes them)", line,
                                other[0] if other else ", ".join(header[:3])))
    zone_col = _find(header, ZONE_COLUMNS)
    if zone_col is None:
        problems.append(Problem(file, "header", "expected a 'Zone id' column", line))
    value_col = _find(header, INTENSITY_COLUMNS[basis])
    if value_col is None:
        wrong_unit = [h for h in header if "intensity" in h.lower()]
        problems.append(Problem(
            file, "header", f"expected the column '{INTENSITY_COLUMNS[basis][0]}' "
            "(g CO2-eq per kWh)" + ("; this column has another unit or basis" if wrong_unit
                                    else ""), line, wrong_unit[0] if wrong_unit else None))
    return problems, time_col, zone_col, value_col


def _series_problems(file: str, lines: np.ndarray, hours_s: np.ndarray) -> list[Problem]:
    """Hourly steps only: no duplicate, gap, disorder or timestamp off the hour."""
    problems: list[Problem] = []
    off = np.nonzero(hours_s % SECONDS_PER_HOUR != 0)[0]
    for i in off[:MAX_PROBLEMS]:
        problems.append(Problem(file, DATETIME_COLUMN, "expected the start of an hour (hourly "
                                "series)", int(lines[i]), _iso(hours_s[i])))
    steps = np.diff(hours_s)
    for i in np.nonzero(steps == 0)[0][:MAX_PROBLEMS]:
        problems.append(Problem(file, DATETIME_COLUMN, "duplicate hour", int(lines[i + 1]),
                                _iso(hours_s[i + 1])))
    for i in np.nonzero(steps < 0)[0][:MAX_PROBLEMS]:
        problems.append(Problem(file, DATETIME_COLUMN, "hours out of order (expected sorted "
                                "timestamps)", int(lines[i + 1]), _iso(hours_s[i + 1])))
    for i in np.nonzero(steps > SECONDS_PER_HOUR)[0][:MAX_PROBLEMS]:
        missing = int(steps[i] // SECONDS_PER_HOUR) - 1
        problems.append(Problem(file, DATETIME_COLUMN, f"gap: {missing} missing hour"
                                f"{'s' if missing != 1 else ''} after {_iso(hours_s[i])}",
                                int(lines[i + 1]), _iso(hours_s[i + 1])))
    return problems


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(float(seconds), UTC).strftime("%Y-%m-%d %H:%M:%S")


def _parse_rows(file: str, rows: list[list[str]], first: int, cols: tuple[int, int, int],
                problems: list[Problem]) -> tuple[list[float], list[float], list[int], set[str]]:
    """Timestamps [s], values, line numbers and zones of the data rows; problems appended."""
    time_col, zone_col, value_col = cols
    seconds: list[float] = []
    values: list[float] = []
    lines: list[int] = []
    zones: set[str] = set()
    for offset, row in enumerate(rows[1:], start=first + 2):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(time_col, zone_col, value_col):
            problems.append(Problem(file, "row", f"expected {len(rows[0])} fields", offset,
                                    len(row)))
            continue
        moment = parse_utc_seconds(row[time_col])
        if moment is None:
            problems.append(Problem(file, DATETIME_COLUMN, "expected a UTC timestamp "
                                    "YYYY-MM-DD HH:MM:SS (no other time zone)", offset,
                                    row[time_col]))
            continue
        try:
            value = float(row[value_col])
        except ValueError:
            problems.append(Problem(file, rows[0][value_col], "expected a number of g "
                                    "CO2-eq/kWh", offset, row[value_col]))
            continue
        if not np.isfinite(value) or value < 0:
            problems.append(Problem(file, rows[0][value_col], "expected a finite, non-negative "
                                    "g CO2-eq/kWh", offset, row[value_col]))
            continue
        zones.add(row[zone_col].strip())
        seconds.append(moment)
        values.append(value)
        lines.append(offset)
        if len(problems) >= MAX_PROBLEMS:
            break
    return seconds, values, lines, zones


def read_hourly_series(text: str, file: str, basis: Basis = "life_cycle",
                       zone: str | None = None) -> HourlySeries:
    """Parse an Electricity Maps hourly CSV; raise :class:`InputError` listing every problem.

    Args:
        text: the file's text.
        file: its name, for the messages.
        basis: which intensity column: ``life_cycle`` (default) or ``direct``.
        zone: when given, the series must be of this Electricity Maps zone.
    """
    raw = text.splitlines()
    first = next((i for i, line in enumerate(raw) if line.strip() and
                  not line.lstrip().startswith("#")), None)
    if first is None:
        raise InputError(Problem(file, "", "the file has no header and no data"))
    rows = list(csv.reader(io.StringIO("\n".join(raw[first:]))))
    problems, time_col, zone_col, value_col = _header_problems(file, first + 1, rows[0], basis)
    if problems or time_col is None or zone_col is None or value_col is None:
        raise InputError(problems)
    seconds, values, lines, zones = _parse_rows(file, rows, first, (time_col, zone_col,
                                                                    value_col), problems)
    if not seconds and not problems:
        problems.append(Problem(file, "", "the series has no data rows"))
    hours_s = np.asarray(seconds, dtype=np.float64)
    problems += _series_problems(file, np.asarray(lines), hours_s)
    if len(zones) > 1:
        problems.append(Problem(file, rows[0][zone_col], "expected one zone per file",
                                None, ", ".join(sorted(zones))))
    elif zone is not None and zones and zone not in zones:
        problems.append(Problem(file, rows[0][zone_col], f"expected the study's zone {zone!r}",
                                lines[0] if lines else None, next(iter(zones))))
    if problems:
        raise InputError(problems)
    return HourlySeries(file, next(iter(zones)), basis,
                        int(hours_s[0] // SECONDS_PER_HOUR), np.asarray(values))


def load_hourly_series(path: str | Path, basis: Basis = "life_cycle",
                       zone: str | None = None) -> HourlySeries:
    """Read and parse a series file (UTF-8, a byte-order mark tolerated)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(str(path), "", f"cannot read the series: {exc}")) from exc
    return read_hourly_series(text, str(path), basis, zone)


def _cumulative_g_h(series: HourlySeries, seconds: np.ndarray) -> np.ndarray:
    """Integral of the intensity from the start of the series to ``seconds`` [g/kWh x h],
    clipped to the series' span."""
    edges = series.start_s + SECONDS_PER_HOUR * np.arange(len(series.values) + 1)
    cumulative = np.concatenate([[0.0], np.cumsum(series.values)])
    return np.asarray(np.interp(seconds, edges, cumulative), dtype=np.float64)


def job_intensity_g_per_kwh(series: HourlySeries, start_s: np.ndarray, end_s: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray]:
    """Time-weighted mean intensity over each job's covered hours, and the covered fraction.

    Returns ``(mean g CO2-eq/kWh, fraction of the job's duration inside the series)``; the mean
    is NaN for a job entirely outside the series or of zero duration.
    """
    start = np.asarray(start_s, dtype=np.float64)
    end = np.asarray(end_s, dtype=np.float64)
    lo = np.clip(start, series.start_s, series.end_s)
    hi = np.clip(end, series.start_s, series.end_s)
    covered_h = np.maximum(hi - lo, 0.0) / SECONDS_PER_HOUR
    duration_h = np.maximum(end - start, 0.0) / SECONDS_PER_HOUR
    integral = _cumulative_g_h(series, hi) - _cumulative_g_h(series, lo)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(covered_h > 0, integral / covered_h, np.nan)
        fraction = np.where(duration_h > 0, covered_h / duration_h, 1.0)
    return mean, fraction


@dataclass(frozen=True)
class TimeResolved:
    """Electricity emissions of jobs, time-resolved beside the series' average."""

    energy_kwh: float
    time_resolved_kg: float
    average_kg: float
    """The same energy at the series' unweighted mean intensity."""
    average_g_per_kwh: float
    weighted_g_per_kwh: float
    coverage: float
    """Share of the energy whose hours are inside the series."""
    outside_kwh: float
    """Energy of hours outside the series (charged at the annual factor, when allowed)."""


def time_resolved_emissions(series: HourlySeries, start_s: np.ndarray, end_s: np.ndarray,
                            energy_kwh: np.ndarray, annual_g_per_kwh: float | None = None
                            ) -> TimeResolved:
    """Emissions of jobs with ``energy_kwh`` each, spread evenly over their run.

    Energy of hours outside the series is charged at ``annual_g_per_kwh``; without it the
    caller must have refused such jobs (see :func:`jobs_outside`).
    """
    energy = np.asarray(energy_kwh, dtype=np.float64)
    mean, fraction = job_intensity_g_per_kwh(series, start_s, end_s)
    inside = energy * fraction
    outside = energy - inside
    kg = float(np.nansum(inside * np.nan_to_num(mean)) / 1000.0)
    if outside.sum() > 0:
        if annual_g_per_kwh is None:
            raise ValueError("jobs outside the series and no annual factor")
        kg += float(outside.sum() * annual_g_per_kwh / 1000.0)
    total = float(energy.sum())
    average = series.mean_g_per_kwh()
    return TimeResolved(
        energy_kwh=total, time_resolved_kg=kg, average_kg=total * average / 1000.0,
        average_g_per_kwh=average,
        weighted_g_per_kwh=kg * 1000.0 / total if total else average,
        coverage=float(inside.sum() / total) if total else 1.0,
        outside_kwh=float(outside.sum()))


def jobs_outside(series: HourlySeries, start_s: np.ndarray, end_s: np.ndarray) -> np.ndarray:
    """Indices of jobs with some of their run outside the series."""
    _, fraction = job_intensity_g_per_kwh(series, start_s, end_s)
    return np.nonzero(fraction < 1.0 - 1e-12)[0]
