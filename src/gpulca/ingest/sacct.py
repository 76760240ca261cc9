"""Read SLURM accounting exports (``sacct --parsable2``) into one record per allocation.

The input is what ``sacct --parsable2 --format=...`` prints (header line included): fields
separated by ``|``, no quoting (https://slurm.schedmd.com/sacct.html, options ``--parsable2`` and
``--format``). ``--parsable`` (a trailing ``|`` on every line) is accepted too. Column names are
matched case-insensitively.

Required columns: ``JobID``, ``State``, ``AllocTRES`` and ``ElapsedRaw`` or ``Elapsed``.
Optional: ``JobName``, ``Account``, ``Partition``, ``Comment``, ``WCKey``, ``User``, ``Start``.

- Allocations, not steps: a JobID with a ``.`` (``123.batch``, ``123.extern``, ``123_4.0``,
  ``123+1.0``) is a job step and is skipped (counted). Array tasks (``123_4``), pending array
  records (``123_[1-3]``) and heterogeneous components (``123+0``) are allocations.
- GPUs: from ``AllocTRES`` (totals for the whole allocation): the untyped ``gres/gpu=N`` when
  present, else the sum of the typed ``gres/gpu:<type>=N``. The gres type is kept for the
  accelerator mapping. An empty ``AllocTRES`` (a job that never ran) has no GPUs.
- Duration: ``ElapsedRaw`` (seconds) where present, else ``Elapsed`` as ``[D-]HH:MM:SS`` or
  ``MM:SS`` (optionally with ``.mmm``). A ``Start`` of ``Unknown`` or ``None`` means the job never
  started: its duration is 0 whatever ``Elapsed`` says.
- ``State`` is reduced to its first word (``CANCELLED by 1234`` -> ``CANCELLED``).

Each bad line (field count, encoding, duration, TRES) is skipped and reported with its line
number; the file as a whole is refused when it has no usable header or no usable allocation.
Everything is vectorised: string work runs on the distinct values of a column, never per row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gpulca.core.errors import InputError, Problem
from gpulca.ingest.scan import read_checked, read_header

REQUIRED = ("JobID", "State", "AllocTRES")
OPTIONAL_TEXT = ("JobName", "Account", "Partition", "Comment", "WCKey", "User")
NOT_STARTED = frozenset({"Unknown", "None", ""})
"""``Start`` values of a job that never ran."""

_ELAPSED = re.compile(r"^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)(?:\.\d+)?$")
_TRES_VALUE = re.compile(r"^\d+(?:\.\d+)?[KMGTP]?$")


@dataclass
class SacctJobs:
    """The allocations of one or more sacct exports, one row per allocation.

    ``frame`` columns: ``job_id``, ``state`` (first word), ``gpus`` (int), ``seconds`` (float, s),
    ``gpu_hours`` (float, GPU·h), ``gres_type`` (str, ``""`` when untyped, ``"mixed"`` when
    several), ``line`` (1-based line in ``file``), ``file``, and the text columns ``name``,
    ``account``, ``partition``, ``comment``, ``wckey``, ``user`` (``""`` when absent).

    Attributes:
        frame: the allocations.
        files: the files read.
        lines: data lines read (header excluded).
        steps: job-step lines skipped.
        repeated_headers: header lines found again inside the data (concatenated exports).
        never_started: allocations with ``Start`` of ``Unknown``/``None`` (counted as 0 h).
        problems: one located problem per malformed line.
    """

    frame: pd.DataFrame
    files: list[str]
    lines: int = 0
    steps: int = 0
    repeated_headers: int = 0
    never_started: int = 0
    problems: list[Problem] = field(default_factory=list)


_COLUMN_NAMES = {"JobID": "job_id", "State": "state", "JobName": "name", "Account": "account",
                 "Partition": "partition", "Comment": "comment", "WCKey": "wckey",
                 "User": "user"}


def read_sacct(paths: str | Path | Sequence[str | Path],
               text_columns: Iterable[str] = OPTIONAL_TEXT) -> SacctJobs:
    """Read one or more ``sacct --parsable2`` exports; see the module docstring.

    Args:
        paths: the export files, read in order.
        text_columns: the optional text columns to read (among :data:`OPTIONAL_TEXT`; those
            not read, or absent from a file, are ``""``). Fewer columns read faster.

    Raises:
        InputError: when a file is missing, empty, lacks a required column, or holds no usable
            allocation line. Malformed lines in an otherwise usable file are in ``problems``.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    wanted = tuple(c for c in OPTIONAL_TEXT if c in set(text_columns))
    parts = [_read_one(Path(p), wanted) for p in paths]
    if len(parts) == 1:
        return parts[0]
    frame = pd.concat([p.frame for p in parts], ignore_index=True)
    return SacctJobs(frame, [f for p in parts for f in p.files], sum(p.lines for p in parts),
                     sum(p.steps for p in parts), sum(p.repeated_headers for p in parts),
                     sum(p.never_started for p in parts),
                     [q for p in parts for q in p.problems])


def _read_one(path: Path, text_columns: tuple[str, ...]) -> SacctJobs:
    file = str(path)
    header, _ = read_header(path, "|")
    columns = _resolve_columns(file, header, text_columns)
    text = {v: object for k, v in columns.items() if k != "ElapsedRaw"}
    raw, lines, scan = read_checked(path, "|", list(columns.values()), dtype=text)
    jobs = _allocations(raw, columns, file, lines)
    jobs.lines = scan.lines - 1
    jobs.problems[:0] = scan.problems
    jobs.problems.sort(key=lambda p: p.line or 0)
    if jobs.frame.empty:
        reason = "no allocation lines" if not jobs.problems else \
            f"no usable allocation lines ({len(jobs.problems)} malformed)"
        raise InputError([Problem(file, "", f"{reason}; expected sacct --parsable2 output "
                                  "with one job per line"), *jobs.problems[:20]])
    return jobs


def _resolve_columns(file: str, header: str, text_columns: tuple[str, ...]) -> dict[str, str]:
    """Map canonical column names to the header's spelling; refuse missing required ones.

    ``Elapsed`` is read only when there is no ``ElapsedRaw`` (which is exact and cheaper).
    """
    by_lower = {n.strip().lower(): n for n in header.split("|") if n.strip()}
    elapsed = ("ElapsedRaw",) if "elapsedraw" in by_lower else ("Elapsed",)
    wanted = (*REQUIRED, *elapsed, "Start", *text_columns)
    found = {c: by_lower[c.lower()] for c in wanted if c.lower() in by_lower}
    missing = [c for c in REQUIRED if c not in found]
    if "ElapsedRaw" not in found and "Elapsed" not in found:
        missing.append("ElapsedRaw or Elapsed")
    if missing:
        raise InputError(Problem(file, "header", f"missing column(s) {', '.join(missing)}; "
                                 "export with sacct --parsable2 --format=JobID,JobName,Account,"
                                 "Partition,State,ElapsedRaw,AllocTRES,...", 1, header))
    return found


def _allocations(raw: pd.DataFrame, columns: dict[str, str], file: str,
                 line: np.ndarray) -> SacctJobs:
    """Keep allocation rows, compute GPUs and hours; collect per-line problems."""
    job_id = raw[columns["JobID"]].to_numpy(dtype=object)
    repeated = job_id == columns["JobID"]
    step = contains_char(job_id, ".") & ~repeated
    keep = ~(step | repeated)
    problems: list[Problem] = []
    gpus, gres_type, tres_bad = _gpus(raw[columns["AllocTRES"]].to_numpy(dtype=object)[keep],
                                      file, line[keep], columns["AllocTRES"], problems)
    seconds, time_bad = _seconds(raw, columns, keep, file, line, problems)
    never = _never_started(raw, columns, keep)
    seconds = np.where(never, 0.0, seconds)
    ok = ~(tres_bad | time_bad)
    frame = pd.DataFrame({
        "job_id": job_id[keep][ok],
        "state": _first_word(raw[columns["State"]].to_numpy(dtype=object)[keep][ok]),
        "gpus": gpus[ok], "seconds": seconds[ok], "gpu_hours": gpus[ok] * seconds[ok] / 3600.0,
        "gres_type": gres_type[ok], "line": line[keep][ok], "file": file,
    })
    for canonical in OPTIONAL_TEXT:
        source = columns.get(canonical)
        frame[_COLUMN_NAMES[canonical]] = (raw[source].to_numpy(dtype=object)[keep][ok]
                                           if source else "")
    return SacctJobs(frame, [file], steps=int(step.sum()), repeated_headers=int(repeated.sum()),
                     never_started=int((never & ok).sum()), problems=problems)


def contains_char(values: np.ndarray, char: str) -> np.ndarray:
    """Mask of the strings in ``values`` that contain ``char``, without a Python call per value.

    The strings are joined with newlines (which no parsed field contains) into one buffer; the
    positions of ``char`` in it are mapped to strings by the positions of the newlines.
    """
    if not len(values):
        return np.zeros(0, dtype=bool)
    buffer = np.frombuffer("\n".join(values.tolist()).encode("utf-8"), dtype=np.uint8)
    ends = np.flatnonzero(buffer == 10)
    hits = np.flatnonzero(buffer == ord(char))
    mask = np.zeros(len(values), dtype=bool)
    mask[np.searchsorted(ends, hits)] = True
    return mask


def _first_word(states: np.ndarray) -> np.ndarray:
    codes, uniques = pd.factorize(states)
    first = np.array([str(u).split(" ", 1)[0].strip().upper() for u in uniques], dtype=object)
    return first[codes] if len(uniques) else states


def _never_started(raw: pd.DataFrame, columns: dict[str, str], keep: np.ndarray) -> np.ndarray:
    if "Start" not in columns:
        return np.zeros(int(keep.sum()), dtype=bool)
    start = pd.Series(raw[columns["Start"]].to_numpy(dtype=object)[keep], dtype=object)
    return start.isin(NOT_STARTED).to_numpy(dtype=bool)


def parse_elapsed(text: str) -> float | None:
    """Seconds of a sacct duration ``[D-]HH:MM:SS``, ``MM:SS`` (``.mmm`` allowed), else None."""
    match = _ELAPSED.match(text.strip())
    if not match:
        return None
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    if match.group(1) and not match.group(2):
        return None  # "1-10:00" is ambiguous; sacct always prints D-HH:MM:SS
    if minutes >= 60 or seconds >= 60 or (match.group(2) and hours >= 24 and match.group(1)):
        return None
    return float(((days * 24 + hours) * 60 + minutes) * 60 + seconds)


def _seconds(raw: pd.DataFrame, columns: dict[str, str], keep: np.ndarray, file: str,
             line: np.ndarray, problems: list[Problem]) -> tuple[np.ndarray, np.ndarray]:
    """Duration of each kept row in seconds, and a mask of rows whose duration is unusable."""
    n = int(keep.sum())
    seconds = np.full(n, np.nan)
    if "ElapsedRaw" in columns:
        values = raw[columns["ElapsedRaw"]]
        if values.dtype.kind in "iuf":
            seconds = values.to_numpy(dtype=float)[keep]
        else:
            seconds = pd.to_numeric(pd.Series(values.to_numpy(dtype=object)[keep]),
                                    errors="coerce").to_numpy(dtype=float)
    missing = np.isnan(seconds)
    if "Elapsed" in columns and missing.any():
        text = raw[columns["Elapsed"]].to_numpy(dtype=object)[keep][missing]
        codes, uniques = pd.factorize(text)
        parsed = np.array([parse_elapsed(str(u)) for u in uniques], dtype=float)
        seconds[missing] = parsed[codes] if len(uniques) else seconds[missing]
    bad = np.isnan(seconds) | (seconds < 0)
    name = columns.get("Elapsed") or columns["ElapsedRaw"]
    shown = raw[name].to_numpy(dtype=object)[keep]
    for index in np.flatnonzero(bad):
        problems.append(Problem(file, name, "expected a duration: seconds, [D-]HH:MM:SS or MM:SS",
                                int(line[keep][index]), shown[index]))
    return np.where(bad, 0.0, seconds), bad


def parse_tres(text: str) -> tuple[int, str] | None:
    """GPU count and gres type of one ``AllocTRES`` string; None when it is malformed.

    ``billing=8,cpu=8,gres/gpu:a100=4,gres/gpu=4,mem=64G,node=1`` -> ``(4, "a100")``. The untyped
    ``gres/gpu`` is the total; typed entries are summed only when it is absent. The type is
    ``""`` when untyped and ``"mixed"`` when several types are allocated.
    """
    text = text.strip()
    if not text:
        return 0, ""
    total: int | None = None
    typed: dict[str, int] = {}
    for item in text.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep or not key or not _TRES_VALUE.match(value):
            return None
        if key == "gres/gpu" or key.startswith("gres/gpu:"):
            if not value.isdigit():
                return None
            if key == "gres/gpu":
                total = int(value)
            else:
                typed[key.split(":", 1)[1]] = typed.get(key.split(":", 1)[1], 0) + int(value)
    gpus = total if total is not None else sum(typed.values())
    kinds = [k for k, v in typed.items() if v > 0]
    kind = kinds[0] if len(kinds) == 1 else ("mixed" if kinds else "")
    return gpus, kind


def _gpus(tres: np.ndarray, file: str, line: np.ndarray, column: str,
          problems: list[Problem]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GPUs, gres type and a bad-TRES mask per row, parsing each distinct string once."""
    codes, uniques = pd.factorize(tres)
    parsed = [parse_tres(str(u)) for u in uniques]
    counts = np.array([p[0] if p else 0 for p in parsed], dtype=np.int64)
    kinds = np.array([p[1] if p else "" for p in parsed], dtype=object)
    bad_u = np.array([p is None for p in parsed], dtype=bool)
    if not len(uniques):
        return (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object), np.zeros(0, dtype=bool))
    bad = bad_u[codes]
    for index in np.flatnonzero(bad):
        problems.append(Problem(file, column, "expected TRES as name=count pairs separated "
                                "by ',' (e.g. cpu=8,gres/gpu:a100=4,mem=64G)", int(line[index]),
                                tres[index]))
    return counts[codes], kinds[codes], bad
