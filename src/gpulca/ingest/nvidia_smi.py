"""nvidia-smi power logs: ``--query-gpu ... --format=csv`` in every layout, and ``dmon``.

Layouts of ``nvidia-smi --query-gpu=<fields> --format=csv[,noheader][,nounits] -l <s>`` as the
tool writes them across driver versions (``nvidia-smi --help-query-gpu``;
https://docs.nvidia.com/deploy/nvidia-smi/):

- with a header (``timestamp, index, power.draw [W]``: units in brackets) or without
  (``noheader``: the fields are then given with ``query``, the ``--query-gpu`` list, or
  recognised from their values when unambiguous: a ``YYYY/MM/DD HH:MM:SS.mmm`` timestamp, a power
  with its unit ``W``, a ``GPU-...`` uuid or a ``0000:18:00.0`` bus id);
- values with units (``250.12 W``) or without (``nounits``; the unit is then the header's, W by
  default); ``[N/A]``, ``[Not Supported]``, ``[Unknown Error]``, ``[GPU is lost]`` are samples
  without a value, skipped and counted; repeated header lines (concatenated logs) are skipped.

GPUs are told apart by ``uuid``, else ``pci.bus_id``, else ``index``. A log without any of these
keys is never integrated as one GPU when it holds several: when successive samples come in
bursts of the same size k (nvidia-smi writes one line per GPU per sampling cycle, timestamps
milliseconds apart), the log is split into k GPUs by position in the burst (noted); when
timestamps repeat or go back irregularly, the log is refused (the line is named).

**Gap rule**: power is integrated per GPU with the trapezoidal rule between consecutive valid
samples; an interval longer than ``max_gap_s`` (default: 5 x the median sampling interval) is not
integrated, counted, and excluded from the GPU-hours the measurement covers (so the coverage
check of :mod:`gpulca.ingest.loader` sees it).

``nvidia-smi dmon -s p -o DT`` (columns ``#Date Time gpu pwr ...``, units line
``#YYYYMMDD HH:MM:SS Idx W``, whitespace-aligned, ``-`` when unavailable) is read by
:func:`read_nvidia_smi_dmon`; ``-o T`` (time only) is accepted, a time going back by more than
12 h being the next day; dmon without a time column is refused (nothing to integrate over).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from gpulca.core.errors import InputError, Problem
from gpulca.ingest.energy import (
    EnergyMeasurement,
    _clean_name,
    _integrate_into,
    _malformed,
    _power,
    _require_samples,
    _seconds_of,
    _timestamps,
    set_window,
)
from gpulca.ingest.scan import read_checked, read_header

KEY_FIELDS = ("uuid", "gpu_uuid", "pci.bus_id", "gpu_bus_id", "index")
"""Query fields that tell GPUs apart, in order of preference."""
POWER_FIELDS = ("power.draw", "power.draw.instant", "power.draw.average")
BURST_SHARE = 0.2
"""An interval shorter than this share of the 90th-percentile interval joins a burst."""

_SMI_TIME = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$")
_WITH_WATTS = re.compile(r"^[-+0-9.eE]+ ?[mk]?W$")
_UUID = re.compile(r"^(GPU|MIG)-[0-9a-fA-F-]+$")
_BUS_ID = re.compile(r"^[0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f]$")


def read_nvidia_smi(path: str | Path, max_gap_s: float | None = None,
                    query: str | None = None) -> EnergyMeasurement:
    """Energy of an nvidia-smi log (see the module docstring); ``dmon`` output is detected.

    Args:
        path: the log.
        max_gap_s: longest interval integrated [s]; default 5 x the median interval.
        query: the ``--query-gpu`` field list of a ``noheader`` log, e.g.
            ``"timestamp,index,power.draw"`` (needed when the fields cannot be recognised).

    Raises:
        InputError: for a missing or empty file, missing fields, several GPUs without a key, or
            fewer than two valid samples.
    """
    path = Path(path)
    file = str(path)
    first, _ = read_header(path, "")
    if first.lstrip().startswith("#"):
        return read_nvidia_smi_dmon(path, max_gap_s)
    fields = [_clean_name(n) for n in first.split(",")]
    lowered = [name.lower() for name, _ in fields]
    has_header = "timestamp" in lowered or any(p in lowered for p in POWER_FIELDS)
    names: list[str] | None = None
    units: list[str | None]
    if query is not None:
        lowered = [q.strip().lower() for q in query.split(",")]
        if len(lowered) != len(fields):
            raise InputError(Problem(file, "query", f"{len(lowered)} query fields for lines of "
                                     f"{len(fields)} fields", 1, first))
        units = [None] * len(lowered)
        names = [f"f{i}" for i in range(len(lowered))] if not has_header else None
        header_names = [n.strip() for n in first.split(",")] if has_header else names
    elif has_header:
        units = [unit for _, unit in fields]
        header_names = [n.strip() for n in first.split(",")]
    else:
        lowered = _recognise(file, first)
        units = [None] * len(lowered)
        names = [f"f{i}" for i in range(len(lowered))]
        header_names = names
    assert header_names is not None
    column = dict(zip(lowered, header_names, strict=True))
    unit_of = dict(zip(lowered, units, strict=True))
    power_key = next((k for k in POWER_FIELDS if k in column), None)
    if "timestamp" not in column or power_key is None:
        raise InputError(Problem(file, "header", "expected the fields timestamp and power.draw "
                                 "(nvidia-smi --query-gpu=timestamp,index,power.draw "
                                 "--format=csv)", 1, first))
    key_field = next((k for k in KEY_FIELDS if k in column), None)
    wanted = [column["timestamp"], column[power_key]] + ([column[key_field]] if key_field else [])
    frame, lines, scan = read_checked(path, ",", wanted, skipinitialspace=True, names=names)
    result = EnergyMeasurement("nvidia-smi", [file], 0.0, problems=list(scan.problems))
    stamp_text = frame[column["timestamp"]].astype(object).str.strip()
    repeated = stamp_text.to_numpy(dtype=object) == "timestamp"
    if repeated.any():
        result.notes.append(f"{int(repeated.sum())} repeated header lines skipped")
    frame, lines = frame[~repeated], lines[~repeated]
    power_name = column[power_key]
    watts, unavailable, bad_power = _power(frame[power_name], unit_of.get(power_key) or "W")
    stamps = _timestamps(frame[column["timestamp"]])
    bad_time = stamps.isna().to_numpy()
    result.problems += _malformed(file, power_name, "expected a power such as '250.5 W' or "
                                  "[N/A]", lines, frame[power_name].to_numpy(dtype=object),
                                  bad_power & ~bad_time)
    result.problems += _malformed(file, column["timestamp"], "expected a timestamp such as "
                                  "2024/05/01 12:00:00.123", lines,
                                  frame[column["timestamp"]].to_numpy(dtype=object), bad_time)
    negative = watts < 0
    result.problems += _malformed(file, power_name, "negative power", lines,
                                  frame[power_name].to_numpy(dtype=object), negative & ~bad_time)
    seconds_all = _seconds_of(stamps)
    if key_field:
        key_all = frame[column[key_field]].astype(object).str.strip().to_numpy(dtype=object)
    else:
        key_all = split_unkeyed(file, seconds_all, lines, ~bad_time, result)
    ok = ~(bad_time | bad_power | unavailable | negative)
    _integrate_into(result, seconds_all[ok], watts[ok], key_all[ok], max_gap_s)
    result.unavailable = int((unavailable & ~bad_time).sum())
    set_window(result, seconds_all[ok])
    return _require_samples(result)


def _recognise(file: str, first: str) -> list[str]:
    """Query fields of a ``noheader`` line recognised from its values, or a located error."""
    values = [v.strip() for v in first.split(",")]
    kinds = ["timestamp" if _SMI_TIME.match(v) else "power.draw" if _WITH_WATTS.match(v)
             else "uuid" if _UUID.match(v) else "pci.bus_id" if _BUS_ID.match(v) else ""
             for v in values]
    if kinds.count("timestamp") != 1 or kinds.count("power.draw") != 1:
        raise InputError(Problem(file, "header", "no header line and the timestamp and power "
                                 "fields cannot be recognised (a 'nounits' power looks like any "
                                 "number); give the --query-gpu fields, e.g. --query "
                                 "timestamp,index,power.draw", 1, first))
    if not any(k in ("uuid", "pci.bus_id") for k in kinds):
        integers = [i for i, v in enumerate(values) if v.isdigit() and not kinds[i]]
        if len(integers) == 1:
            kinds[integers[0]] = "index"
    return [k or f"unknown{i}" for i, k in enumerate(kinds)]


def split_unkeyed(file: str, seconds: np.ndarray, lines: np.ndarray, valid: np.ndarray,
                  result: EnergyMeasurement) -> np.ndarray:
    """GPU keys for a log without an index/uuid/bus-id field (see the module docstring).

    One GPU when the timestamps only move forward at a steady pace; k GPUs when the lines come
    in bursts of k (one line per GPU per sampling cycle); otherwise an error naming the line.
    """
    keys = np.zeros(len(seconds), dtype=object)
    t, where = seconds[valid], np.flatnonzero(valid)
    if len(t) < 3:
        return keys
    dt = np.diff(t)
    positive = dt[dt > 0]
    if not len(positive):
        raise InputError(Problem(file, "", "every sample has the same timestamp", int(lines[0])))
    small = dt < BURST_SHARE * float(np.quantile(positive, 0.9))
    if not small.any():
        return keys
    burst = np.concatenate([[0], np.cumsum(~small)])
    sizes = np.bincount(burst)
    size = int(sizes[0])
    if size >= 2 and (sizes[:-1] == size).all() and sizes[-1] <= size:
        position = np.arange(len(t)) - np.searchsorted(burst, burst, side="left")
        keys[where] = position.astype(str)
        result.notes.append(f"no GPU key field (index, uuid or pci.bus_id): the samples come in "
                            f"bursts of {size} lines with (nearly) the same timestamp, read as "
                            f"{size} GPUs in the order written; add index to --query-gpu to be "
                            "explicit")
        return keys
    bad = int(np.flatnonzero(small)[0]) + 1
    raise InputError(Problem(file, "", "no GPU key field (index, uuid or pci.bus_id) and the "
                             "timestamps repeat or go back irregularly: this looks like several "
                             "GPUs in one log, which cannot be told apart; log with "
                             "--query-gpu=timestamp,index,power.draw", int(lines[where[bad]])))


def read_nvidia_smi_dmon(path: str | Path, max_gap_s: float | None = None) -> EnergyMeasurement:
    """Energy of ``nvidia-smi dmon -s p -o DT`` (or ``-o T``) output (module docstring)."""
    path = Path(path)
    file = str(path)
    columns, stamps, gpus, powers, lines, problems = _dmon_lines(path)
    if columns is None or "pwr" not in columns:
        raise InputError(Problem(file, "header", "expected nvidia-smi dmon output with the "
                                 "power column pwr (nvidia-smi dmon -s p -o DT)", 1))
    if "time" not in columns:
        raise InputError(Problem(file, "header", "nvidia-smi dmon output without a time "
                                 "column cannot be integrated; log with -o DT", 1))
    result = EnergyMeasurement("nvidia-smi", [file], 0.0, problems=problems)
    line = np.array(lines, dtype=np.int64)
    text_stamps = pd.Series(stamps, dtype=object)
    fmt = "%Y%m%d %H:%M:%S" if "date" in columns else "%H:%M:%S"
    parsed = pd.to_datetime(text_stamps, format=fmt, errors="coerce")
    bad_time = parsed.isna().to_numpy()
    seconds = _seconds_of(parsed) if len(parsed) else np.zeros(0)
    if "date" not in columns and len(seconds):
        back = np.diff(np.nan_to_num(seconds)) < -12 * 3600
        seconds = seconds + 86400.0 * np.concatenate([[0], np.cumsum(back)])
    power_series = pd.Series(powers, dtype=object).replace("-", "[N/A]")
    watts, unavailable, bad_power = _power(power_series, "W")
    result.problems += _malformed(file, "time", "expected a time such as 20240501 12:00:00",
                                  line, text_stamps.to_numpy(dtype=object), bad_time)
    result.problems += _malformed(file, "pwr", "expected a power in W or -", line,
                                  power_series.to_numpy(dtype=object), bad_power & ~bad_time)
    ok = ~(bad_time | bad_power | unavailable | (watts < 0))
    key = np.array(gpus, dtype=object)
    _integrate_into(result, seconds[ok], watts[ok], key[ok], max_gap_s)
    result.unavailable = int((unavailable & ~bad_time).sum())
    set_window(result, seconds[ok])
    return _require_samples(result)


def _dmon_lines(path: Path) -> tuple[list[str] | None, list[str], list[str], list[str],
                                     list[int], list[Problem]]:
    """Columns, then per data line its time text, GPU, power text and line number; problems."""
    file = str(path)
    columns: list[str] | None = None
    stamps: list[str] = []
    gpus: list[str] = []
    powers: list[str] = []
    lines: list[int] = []
    problems: list[Problem] = []
    try:
        handle = path.open("r", encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(Problem(file, "", f"cannot read file: {exc.strerror}")) from exc
    with handle:
        for number, raw in enumerate(handle, start=1):
            text = raw.strip()
            if not text:
                continue
            if text.startswith("#"):
                names = text.lstrip("#").split()
                if "gpu" in [n.lower() for n in names]:
                    columns = [n.lower() for n in names]
                continue
            if columns is None:
                raise InputError(Problem(file, "", "expected the '# gpu pwr ...' header of "
                                         "nvidia-smi dmon", number, text))
            values = text.split()
            if len(values) != len(columns):
                problems.append(Problem(file, "", f"expected {len(columns)} fields, found "
                                        f"{len(values)}", number, text))
                continue
            row = dict(zip(columns, values, strict=True))
            stamps.append(f"{row.get('date', '')} {row.get('time', '')}".strip())
            gpus.append(row["gpu"])
            powers.append(row.get("pwr", ""))
            lines.append(number)
    return columns, stamps, gpus, powers, lines, problems
