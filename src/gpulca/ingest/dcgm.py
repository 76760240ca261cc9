"""DCGM energy: dcgm-exporter's Prometheus text, ``dcgmi dmon`` output, and gpulca's own CSV.

- **dcgm-exporter** (https://github.com/NVIDIA/dcgm-exporter) serves the Prometheus text
  exposition format (``curl localhost:9400/metrics``): ``# HELP``/``# TYPE`` lines, then
  ``DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",UUID="GPU-...",Hostname="node01"} 319159391``.
  A log of several scrapes is read with prometheus_client's parser; every sample must carry the
  exposition format's optional timestamp (ms), as Prometheus' ``/federate`` endpoint writes it,
  since a scrape without one cannot be placed in time. GPUs are told apart by ``Hostname``,
  ``UUID`` and ``gpu`` (MIG instances by ``GPU_I_ID`` too).
- **dcgmi dmon** ``dcgmi dmon -e 155,156 -d 1000`` (155: POWER in W, 156: TOTEC, total energy
  in mJ): a ``#Entity POWER TOTEC`` header, a units line ``ID W mJ``, rows ``GPU 0 120.5
  1234567``, headers repeated every few rows. It has no timestamps: the sampling interval
  (``-d``, in ms) must be given as ``interval_s``.
- **gpulca's own CSV layout** (no NVIDIA tool writes it; kept for series exported from a
  time-series database): ``timestamp``, ``gpu`` (or ``gpu_id``), optional ``Hostname``/``UUID``,
  and ``DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION`` and/or ``DCGM_FI_DEV_POWER_USAGE`` columns.

Energy: the increases of the total-energy counter (mJ since the driver loaded; a decrease is a
reset, its interval not counted) when present, else the power gauge integrated like nvidia-smi
power (the same gap rule).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from gpulca.core.errors import InputError, Problem
from gpulca.ingest.energy import (
    DCGM_ENERGY,
    DCGM_POWER,
    EnergyMeasurement,
    _counter_into,
    _integrate_into,
    _require_samples,
    read_dcgm_csv,
    set_window,
)

KEY_LABELS = ("Hostname", "UUID", "gpu", "GPU_I_ID")
"""Prometheus labels that tell GPUs apart."""


def read_dcgm(path: str | Path, max_gap_s: float | None = None,
              interval_s: float | None = None) -> EnergyMeasurement:
    """Energy of a DCGM log in any of the three formats (module docstring), recognised from its
    first line.

    Raises:
        InputError: for a missing or unusable file, with the file and line.
    """
    path = Path(path)
    first = _first_text_line(path)
    if first.startswith("#Entity") or first.startswith("# Entity"):
        return read_dcgmi_dmon(path, interval_s)
    if first.startswith("# HELP") or first.startswith("# TYPE") or first.startswith("DCGM_FI_"):
        return read_dcgm_exporter(path, max_gap_s)
    return read_dcgm_csv(path, max_gap_s)


def _first_text_line(path: Path) -> str:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.strip():
                    return line.strip()
    except FileNotFoundError as exc:
        raise InputError(Problem(str(path), "", "file not found")) from exc
    except OSError as exc:
        raise InputError(Problem(str(path), "", f"cannot read file: {exc.strerror}")) from exc
    raise InputError(Problem(str(path), "", "the file is empty", 1))


def read_dcgm_exporter(path: str | Path, max_gap_s: float | None = None) -> EnergyMeasurement:
    """Energy of dcgm-exporter Prometheus text with sample timestamps (module docstring)."""
    from prometheus_client.parser import text_string_to_metric_families

    path = Path(path)
    file = str(path)
    kept: dict[str, list[tuple[int, str]]] = {DCGM_ENERGY: [], DCGM_POWER: []}
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            for metric, lines in kept.items():
                if line.startswith(metric) and line[len(metric):len(metric) + 1] in "{ ":
                    lines.append((number, line))
    metric = DCGM_ENERGY if kept[DCGM_ENERGY] else DCGM_POWER
    lines = kept[metric]
    if not lines:
        raise InputError(Problem(file, "", f"no {DCGM_ENERGY} or {DCGM_POWER} sample; expected "
                                 "dcgm-exporter's Prometheus text (curl localhost:9400/metrics)"))
    try:
        families = list(text_string_to_metric_families("".join(t for _, t in lines)))
    except ValueError:
        families = []
        for number, text in lines:
            try:
                list(text_string_to_metric_families(text))
            except ValueError as exc:
                raise InputError(Problem(file, metric, f"not a Prometheus sample ({exc})",
                                         number, text.strip())) from exc
    samples = [s for f in families for s in f.samples]
    result = EnergyMeasurement("dcgm", [file], 0.0)
    missing = [i for i, s in enumerate(samples) if s.timestamp is None]
    if missing:
        number, text = lines[missing[0]]
        raise InputError(Problem(file, metric, "a sample without a timestamp cannot be placed "
                                 "in time; keep the scrape timestamps (e.g. Prometheus' /federate "
                                 "endpoint writes them)", number, text.strip()))
    seconds = np.array([float(s.timestamp) for s in samples])  # type: ignore[arg-type]
    values = np.array([s.value for s in samples], dtype=float)
    keys = np.array(["|".join(s.labels.get(k, "") for k in KEY_LABELS) for s in samples],
                    dtype=object)
    bad = np.isnan(values) | (values < 0)
    result.problems += [Problem(file, metric, "expected a non-negative number",
                                lines[i][0], lines[i][1].strip()) for i in np.flatnonzero(bad)]
    ok = ~bad
    if metric == DCGM_POWER:
        _integrate_into(result, seconds[ok], values[ok], keys[ok], max_gap_s)
    else:
        _counter_into(result, seconds[ok], values[ok] / 1000.0, keys[ok])
    set_window(result, seconds[ok])
    return _require_samples(result)


def read_dcgmi_dmon(path: str | Path, interval_s: float | None) -> EnergyMeasurement:
    """Energy of ``dcgmi dmon -e 155,156 -d <ms>`` output; ``interval_s`` is ``-d`` in s."""
    path = Path(path)
    file = str(path)
    if interval_s is None or interval_s <= 0:
        raise InputError(Problem(file, "interval", "dcgmi dmon output has no timestamps: give "
                                 "its sampling interval (dcgmi dmon -d, e.g. '1 s')", 1))
    columns: list[str] | None = None
    gpus: list[str] = []
    values: list[str] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for number, raw in enumerate(handle, start=1):
            fields = raw.split()
            if not fields or fields[0] == "ID":
                continue
            if fields[0] in ("#Entity", "#"):
                columns = [f.upper() for f in fields[1:] if f != "Entity"]
                continue
            if columns is None or len(fields) != len(columns) + 2:
                problems.append(Problem(file, "", f"expected an entity, its id and "
                                        f"{len(columns or [])} values", number, raw.strip()))
                continue
            row = dict(zip(columns, fields[2:], strict=True))
            metric = "TOTEC" if "TOTEC" in row else "POWER"
            gpus.append(f"{fields[0]} {fields[1]}")
            values.append(row.get(metric, "N/A"))
            numbers.append(number)
    if columns is None or not ({"TOTEC", "POWER"} & set(columns)):
        raise InputError(Problem(file, "header", "expected dcgmi dmon output with the POWER "
                                 "(155) or TOTEC (156) field: dcgmi dmon -e 155,156", 1))
    metric = "TOTEC" if "TOTEC" in columns else "POWER"
    result = EnergyMeasurement("dcgm", [file], 0.0, problems=problems)
    text = pd.Series(values, dtype=object)
    reading = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    unavailable = text.isin(["N/A", "-"]).to_numpy(dtype=bool)
    bad = (np.isnan(reading) & ~unavailable) | (reading < 0)
    result.problems += [Problem(file, metric, "expected a non-negative number or N/A",
                                numbers[i], values[i]) for i in np.flatnonzero(bad)]
    key = np.array(gpus, dtype=object)
    position = pd.Series(key).groupby(key).cumcount().to_numpy(dtype=float)
    seconds = position * interval_s
    ok = ~(bad | unavailable)
    if metric == "POWER":
        _integrate_into(result, seconds[ok], reading[ok], key[ok], 1.5 * interval_s)
    else:
        _counter_into(result, seconds[ok], reading[ok] / 1000.0, key[ok])
    result.unavailable = int(unavailable.sum())
    result.notes.append(f"dcgmi dmon has no timestamps: samples {interval_s:g} s apart")
    return _require_samples(result)
