"""Read SLURM accounting exports into one record per allocation.

The input is what ``sacct`` prints, header line included (https://slurm.schedmd.com/sacct.html):

- ``--parsable2`` (fields separated by ``|``), ``--parsable`` (a trailing ``|``), or any
  ``--delimiter`` of one character, TAB included: the delimiter is the one that splits the
  header into known sacct field names (or is given);
- the default fixed-width output (a header line, then a line of ``-`` runs that gives the column
  widths); a value sacct truncated to its column width (ending in ``+``) is a located error in
  the fields gpulca needs (widen the column: ``AllocTRES%60``, or use ``--parsable2``).

Column names are matched case-insensitively. Required: ``JobID``, ``State``; GPUs from
``AllocTRES``, else ``AllocGRES`` (Slurm before 17.11: ``gpu:4``, ``gpu:a100:4(IDX:0-3)``), else
``ReqTRES`` (requested, noted); a duration from ``ElapsedRaw``, else ``Elapsed``, else
``End - Start``. Optional: ``JobName``, ``Account``, ``Partition``, ``Comment``, ``WCKey``,
``User``, ``Start``, ``End``. When an allocation's ``AllocTRES`` is empty, its ``AllocGRES`` then
``ReqTRES`` are used when present.

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
- An ``End`` before its ``Start``, and more than :data:`MAX_GPUS_PER_ALLOCATION` GPUs in one
  allocation (however large the integer), are located errors.
- Duplicates (``sacct --duplicates``, overlapping exports): records with the same ``JobID`` and
  ``Start`` (or, without ``Start``, the same ``JobID``, duration and GPUs) count once; a requeued
  job's earlier runs (same ``JobID``, another ``Start``) ran on their GPUs and are kept, counted
  in a note.

Each bad line (field count, encoding, duration, TRES) is skipped and reported with its line
number; the file as a whole is refused when it has no usable header or no usable allocation.
Everything is vectorised: string work runs on the distinct values of a column, never per row.
A well-formed delimited export is read in two parallel parts that drop job steps as they are
parsed (:func:`read_allocations`); any other goes through the checked line scan, with the same
result for every line the two can both read.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias, cast

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from gpulca.core.errors import InputError, Problem
from gpulca.ingest.arrow_text import (
    TextColumn,
    as_mask,
    factorize_text,
    text_columns,
    to_series,
)
from gpulca.ingest.scan import Select, read_header, read_parts, read_text

REQUIRED = ("JobID", "State")
GPU_COLUMNS = ("AllocTRES", "AllocGRES", "ReqTRES")
"""Where GPUs are read from, in order of preference."""
MAX_GPUS_PER_ALLOCATION = 1_000_000
"""More GPUs than this in one allocation is an error (no cluster has that many) [GPU]."""
OPTIONAL_TEXT = ("JobName", "Account", "Partition", "Comment", "WCKey", "User")
NOT_STARTED = frozenset({"Unknown", "None", ""})
"""``Start`` values of a job that never ran."""

_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
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
        job_codes: when known, one integer per row of ``frame``, equal for rows of equal
            ``job_id`` and only for them (:func:`deduplicate` then hashes no JobID).
    """

    frame: pd.DataFrame
    files: list[str]
    lines: int = 0
    steps: int = 0
    repeated_headers: int = 0
    never_started: int = 0
    problems: list[Problem] = field(default_factory=list)
    duplicates: int = 0
    requeued: int = 0
    notes: list[str] = field(default_factory=list)
    job_codes: np.ndarray | None = None


_COLUMN_NAMES = {"JobID": "job_id", "State": "state", "JobName": "name", "Account": "account",
                 "Partition": "partition", "Comment": "comment", "WCKey": "wckey",
                 "User": "user"}


def read_sacct(paths: str | Path | Sequence[str | Path],
               text_columns: Iterable[str] = OPTIONAL_TEXT,
               delimiter: str | None = None, deduplicate_runs: bool = True) -> SacctJobs:
    """Read one or more ``sacct --parsable2`` exports; see the module docstring.

    Args:
        paths: the export files, read in order.
        text_columns: the optional text columns to read (among :data:`OPTIONAL_TEXT`; those
            not read, or absent from a file, are ``""``). Fewer columns read faster.
        delimiter: the field delimiter; by default recognised from the header.
        deduplicate_runs: drop duplicate records (False: the caller does it over more files).

    Raises:
        InputError: when a file is missing, empty, lacks a required column, or holds no usable
            allocation line. Malformed lines in an otherwise usable file are in ``problems``.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    wanted = tuple(c for c in OPTIONAL_TEXT if c in set(text_columns))
    parts = [_read_one(Path(p), wanted, delimiter) for p in paths]
    if not deduplicate_runs:
        return combine(parts)
    jobs = deduplicate(combine(parts))
    dedup_notes(jobs)
    return jobs


def combine(parts: Sequence[SacctJobs]) -> SacctJobs:
    """One :class:`SacctJobs` of several (files or chunks), in order."""
    if len(parts) == 1:
        return parts[0]
    frame = pd.concat([p.frame for p in parts], ignore_index=True)
    return SacctJobs(frame, list(dict.fromkeys(f for p in parts for f in p.files)),
                     sum(p.lines for p in parts), sum(p.steps for p in parts),
                     sum(p.repeated_headers for p in parts), sum(p.never_started for p in parts),
                     [q for p in parts for q in p.problems],
                     sum(p.duplicates for p in parts), sum(p.requeued for p in parts),
                     list(dict.fromkeys(n for p in parts for n in p.notes)))


def _run_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """What identifies a run: ``JobID`` and ``Start``, or, without a ``Start``, ``JobID``,
    duration and GPUs."""
    start = frame["start"].to_numpy(dtype=object)
    has_start = start != ""
    return pd.DataFrame({
        "job": frame["job_id"].to_numpy(dtype=object), "start": start,
        "seconds": np.where(has_start, 0.0, frame["seconds"].to_numpy(dtype=float)),
        "gpus": np.where(has_start, 0, frame["gpus"].to_numpy(dtype=np.int64))})


def record_keys(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash per allocation record identifying its run (:func:`_run_columns`)."""
    keys: np.ndarray = pd.util.hash_pandas_object(_run_columns(frame), index=False).to_numpy()
    return keys


def job_keys(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash per allocation record of its ``JobID``."""
    keys: np.ndarray = pd.util.hash_pandas_object(
        pd.Series(frame["job_id"].to_numpy(dtype=object), dtype=object), index=False).to_numpy()
    return keys


def deduplicate(jobs: SacctJobs) -> SacctJobs:
    """Drop repeated records of one run; count requeued runs (see the module docstring).

    Over the whole input at once (:mod:`gpulca.ingest.streaming` does it chunk by chunk with
    the hashes of :func:`record_keys` and :func:`job_keys`). Only records sharing a JobID can
    repeat: JobIDs are compared by codes, the few records that share one by their run
    columns.
    """
    frame = jobs.frame
    if frame.empty:
        return jobs
    codes = jobs.job_codes
    if codes is None or len(codes) != len(frame):
        codes, _ = pd.factorize(frame["job_id"])  # Arrow strings: hashed without objects
    jobs.job_codes = None  # the frame may lose rows: the codes would no longer match
    same_job = np.bincount(codes)[codes] > 1
    if same_job.any():
        repeated = np.zeros(len(frame), dtype=bool)
        repeated[same_job] = _run_columns(frame[same_job]).duplicated(keep="first").to_numpy()
        if repeated.any():
            jobs.duplicates += int(repeated.sum())
            jobs.frame = frame = frame[~repeated].reset_index(drop=True)
            codes = codes[~repeated]
    gpu_codes = codes[(frame["gpus"] > 0).to_numpy()]  # a JobID met again: an earlier run
    jobs.requeued += len(gpu_codes) - int(np.count_nonzero(np.bincount(gpu_codes)))
    return jobs


def dedup_notes(jobs: SacctJobs) -> None:
    """Notes on duplicate records and requeued runs, once over the whole input."""
    if jobs.duplicates:
        jobs.notes.append(f"{jobs.duplicates:,} duplicate records (same JobID and Start) "
                          "counted once")
    if jobs.requeued:
        jobs.notes.append(f"{jobs.requeued:,} earlier runs of requeued jobs (same JobID, another "
                          "Start) are counted: they ran on their GPUs")


def _read_one(path: Path, text_columns: tuple[str, ...], delimiter: str | None) -> SacctJobs:
    file = str(path)
    if path.suffix.lower() == ".parquet":
        return combine(list(iter_parquet_chunks(path, text_columns)))
    header, _ = read_header(path, "")
    widths = fixed_widths(path) if delimiter is None else None
    problems: list[Problem] = []
    if widths is not None:
        names = [header[a:b].strip() for a, b in widths]
        columns = _resolve_columns(file, names, text_columns, header)
        raw, lines, data_lines, problems = read_fixed_width(path, widths, names, columns)
        jobs = _allocations(raw, columns, file, lines)
        jobs.lines = data_lines
    else:
        delimiter = delimiter or detect_delimiter(file, header)
        columns = _resolve_columns(file, header.split(delimiter), text_columns, header)
        read = read_allocations(path, delimiter, columns, file)
        if read is None:  # a malformed line somewhere: the checked read locates it
            raw, lines, scan = read_text(path, delimiter, list(columns.values()),
                                         numeric=[columns.get("ElapsedRaw", "")],
                                         digits=[columns["JobID"]])
            jobs = _allocations(raw, columns, file, lines)
            jobs.lines, problems = scan.lines - 1, scan.problems
        else:
            jobs = read
    jobs.problems[:0] = problems
    jobs.problems.sort(key=lambda p: p.line or 0)
    if jobs.frame.empty:
        reason = "no allocation lines" if not jobs.problems else \
            f"no usable allocation lines ({len(jobs.problems)} malformed)"
        raise InputError([Problem(file, "", f"{reason}; expected sacct --parsable2 output "
                                  "with one job per line"), *jobs.problems[:20]])
    return jobs


KNOWN_FIELDS = frozenset(c.lower() for c in (
    *REQUIRED, *GPU_COLUMNS, *OPTIONAL_TEXT, "ElapsedRaw", "Elapsed", "Start", "End", "JobIDRaw",
    "AllocCPUS", "NNodes", "ExitCode", "Submit", "ReqGRES", "NodeList", "Group", "QOS"))
"""sacct field names that identify a header (for the delimiter and fixed-width detection)."""


def detect_delimiter(file: str, header: str) -> str:
    """The one-character delimiter that splits ``header`` into known sacct field names."""
    candidates = dict.fromkeys(["|", "\t", *sorted({c for c in header if not c.isalnum()
                                                     and c not in "_% "}), " "])
    best, score = None, 1
    for char in candidates:
        names = [n.strip().lower() for n in header.split(char)]
        hits = sum(n in KNOWN_FIELDS for n in names)
        if hits > score:
            best, score = char, hits
    if best is None or best == " ":
        raise InputError(Problem(file, "header", "cannot tell the field delimiter: expected "
                                 "sacct field names (JobID, State, AllocTRES...) separated by "
                                 "one character, e.g. sacct --parsable2", 1, header))
    return best


_DASHES = re.compile(r"-+")


def fixed_widths(path: Path) -> list[tuple[int, int]] | None:
    """Column spans of sacct's default fixed-width output (from its line of dashes), or None."""
    with path.open("rb") as handle:
        handle.readline()
        second = handle.readline().decode("utf-8", "replace").rstrip("\r\n")
    if not second.strip() or set(second) - {"-", " "}:
        return None
    return [(m.start(), m.end()) for m in _DASHES.finditer(second)]


def read_fixed_width(path: Path, widths: list[tuple[int, int]], names: list[str],
                     columns: dict[str, str]) -> tuple[pd.DataFrame, np.ndarray, int,
                                                       list[Problem]]:
    """The wanted columns of a fixed-width export, their 1-based lines, the data-line count and
    the truncated values (``+`` at the end) of the fields that gpulca needs."""
    file = str(path)
    wanted = list(columns.values())
    spans = [widths[names.index(c)] for c in wanted]
    frame = pd.read_fwf(path, colspecs=spans, names=wanted, header=None, skiprows=2,
                        dtype=object, keep_default_na=False, skip_blank_lines=False,
                        encoding="utf-8", encoding_errors="replace").fillna("")
    frame = frame.apply(lambda column: column.astype(str).str.strip())
    lines = np.arange(3, len(frame) + 3, dtype=np.int64)
    job = frame[columns["JobID"]].to_numpy(dtype=object)
    dashes = np.array([bool(v) and set(str(v)) <= {"-"} for v in job], dtype=bool)
    blank = (frame == "").all(axis=1).to_numpy()
    keep = ~(dashes | blank)
    frame, lines = frame[keep].reset_index(drop=True), lines[keep]
    problems: list[Problem] = []
    truncated = np.zeros(len(frame), dtype=bool)
    for canonical in ("JobID", *GPU_COLUMNS, "Elapsed", "ElapsedRaw"):
        name = columns.get(canonical)
        if name is None:
            continue
        values = frame[name].to_numpy(dtype=object)
        cut = np.array([str(v).endswith("+") for v in values], dtype=bool)
        problems += [Problem(file, name, "value truncated by sacct's column width; widen the "
                             f"column ({canonical}%60) or export with --parsable2",
                             int(lines[i]), values[i]) for i in np.flatnonzero(cut)]
        truncated |= cut
    problems.sort(key=lambda p: p.line or 0)
    return frame[~truncated].reset_index(drop=True), lines[~truncated], len(job), problems


def _resolve_columns(file: str, header: list[str], text_columns: tuple[str, ...],
                     shown: str) -> dict[str, str]:
    """Map canonical column names to the header's spelling; refuse missing required ones.

    ``Elapsed`` is read only when there is no ``ElapsedRaw`` (which is exact and cheaper).
    """
    by_lower = {n.strip().lower(): n for n in header if n.strip()}
    elapsed = ("ElapsedRaw",) if "elapsedraw" in by_lower else ("Elapsed",)
    wanted = (*REQUIRED, *GPU_COLUMNS, *elapsed, "Start", "End", *text_columns)
    found = {c: by_lower[c.lower()] for c in wanted if c.lower() in by_lower}
    missing = [c for c in REQUIRED if c not in found]
    if not any(c in found for c in GPU_COLUMNS):
        missing.append("AllocTRES (or AllocGRES or ReqTRES)")
    if "ElapsedRaw" not in found and "Elapsed" not in found and \
            not ("Start" in found and "End" in found):
        missing.append("ElapsedRaw, Elapsed or Start and End")
    if missing:
        raise InputError(Problem(file, "header", f"missing column(s) {', '.join(missing)}; "
                                 "export with sacct --parsable2 --format=JobID,JobName,Account,"
                                 "Partition,State,ElapsedRaw,AllocTRES,...", 1, shown))
    return found


def _allocations(raw: pd.DataFrame, columns: dict[str, str], file: str,
                 line: np.ndarray) -> SacctJobs:
    """Keep allocation rows, compute GPUs and hours; collect per-line problems.

    Columnar: the text columns are Arrow strings; per-row work is Arrow kernels and numpy,
    Python runs once per distinct value of a column (TRES strings, Elapsed, State).
    """
    names = {c: n for c, n in columns.items() if c != "ElapsedRaw"}
    text = text_columns(raw, list(names.values()))
    job_id = text[columns["JobID"]]
    repeated = as_mask(pc.equal(job_id, columns["JobID"]))
    # find_substring is a third faster than match_substring on a million JobIDs
    step = as_mask(pc.greater_equal(pc.find_substring(job_id, "."), 0)) & ~repeated
    keep = ~(step | repeated)
    kept = _filter_all({c: text[n] for c, n in names.items()}, keep)
    elapsed_raw = raw[columns["ElapsedRaw"]][keep] if "ElapsedRaw" in columns else None
    return _jobs(kept, elapsed_raw, columns, file, line[keep], int(step.sum()),
                 int(repeated.sum()))


DICTIONARY_COLUMNS = ("State", *GPU_COLUMNS, "Elapsed", *OPTIONAL_TEXT)
"""Columns with few distinct values, dictionary-encoded as they are read
(:func:`read_allocations`): filtering them moves 4-byte codes, and their distinct values are
not hashed again."""


def read_allocations(source: Path | bytes, delimiter: str, columns: dict[str, str],
                     file: str) -> SacctJobs | None:
    """The allocations of a plainly well-formed delimited export (or block of one, header
    first), or None when a line is malformed (then the checked read,
    :func:`gpulca.ingest.scan.read_text`, locates it).

    The file is read in parts, each in its own thread (:func:`gpulca.ingest.scan.read_parts`):
    job steps are dropped as the lines are parsed, and each part's allocations are worked out
    (:func:`_jobs`) in its thread; the parts are then put end to end. The result equals
    :func:`_allocations` of the checked read: the same rows, values, lines, problems and
    notes, in the same order.
    """
    job = columns["JobID"]

    def finish(text: dict[str, TextColumn], lines: np.ndarray) -> _PartColumns:
        repeated = as_mask(pc.equal(text[job], job))  # a header again (concatenated exports)
        if repeated.any():
            text = {n: v.filter(pa.array(~repeated)) for n, v in text.items()}
            lines = lines[~repeated]
        kept = {c: text[n] for c, n in columns.items() if c != "ElapsedRaw"}
        elapsed_raw = _numbers(text[columns["ElapsedRaw"]]) if "ElapsedRaw" in columns \
            else None
        part = _job_columns(kept, elapsed_raw, columns, file, lines)
        part.repeated = int(repeated.sum())
        part.job_codes = _job_codes(part.data["job_id"])
        return part

    read = read_parts(source, delimiter, list(columns.values()),
                      dictionary=[columns[c] for c in DICTIONARY_COLUMNS if c in columns],
                      select=allocation_rows(job), finish=finish, name=file)
    if read is None:
        return None
    parts: list[_PartColumns] = read.results
    fallbacks: dict[str, int] = {}
    problems: list[Problem] = []
    for part, shift in zip(parts, read.shifts, strict=True):
        part.data["line"] = cast(np.ndarray, part.data["line"]) + shift
        problems += [dataclasses.replace(p, line=p.line + shift) if p.line and shift else p
                     for p in part.problems]
        for key, value in part.fallbacks.items():
            fallbacks[key] = fallbacks.get(key, 0) + value
    return SacctJobs(_frame([p.data for p in parts]), [file], read.data_lines,
                     read.counts.get("steps", 0), sum(p.repeated for p in parts),
                     sum(p.never_started for p in parts), problems,
                     notes=_gpu_notes(fallbacks, columns), job_codes=_joined_codes(parts))


def _job_codes(job_id: TextColumn) -> tuple[np.ndarray, int, str | None, str | None]:
    """A part's JobIDs as codes (equal for equal JobIDs), the number of distinct ones, and
    the smallest and largest (as text)."""
    encoded = pc.dictionary_encode(job_id)
    if not len(job_id):
        return np.zeros(0, dtype=np.int64), 0, None, None
    dictionary = encoded.chunk(encoded.num_chunks - 1).dictionary
    address = dictionary.buffers()[-1].address
    if any(c.dictionary.buffers()[-1].address != address for c in encoded.chunks):
        return np.zeros(0, dtype=np.int64), 0, None, None  # not one shared dictionary
    codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in encoded.chunks])
    bounds = pc.min_max(dictionary)
    return codes.astype(np.int64), len(dictionary), bounds["min"].as_py(), bounds["max"].as_py()


def _joined_codes(parts: list[_PartColumns]) -> np.ndarray | None:
    """The parts' JobID codes over the whole file, when the parts' JobIDs are in increasing
    ranges (as text: sacct lists jobs in order), so that no JobID is in two parts; None
    otherwise (then :func:`deduplicate` hashes them all)."""
    found = [p.job_codes for p in parts if p.job_codes is not None and p.job_codes[1]]
    if len(found) != len([p for p in parts if len(p.data["line"])]):  # type: ignore[arg-type]
        return None
    for (_, _, _, high), (_, _, low, _) in itertools.pairwise(found):
        if high is None or low is None or not high < low:
            return None
    offsets = np.cumsum([0] + [count for _, count, _, _ in found])
    return np.concatenate([codes + offset for (codes, _, _, _), offset in
                           zip(found, offsets, strict=False)]) if found else None


def _numbers(values: TextColumn) -> pd.Series:
    """``ElapsedRaw`` text as pandas reads it: integers, else the text (then
    :func:`_elapsed_raw_seconds` reads what it can as numbers, the rest are errors)."""
    try:
        return pd.Series(pc.cast(values, pa.int64()).to_numpy())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.Series(values.to_numpy(zero_copy_only=False), dtype=object)


def allocation_rows(job: str) -> Select:
    """The selection of :func:`read_allocations`: no job steps (a ``.`` in the JobID)."""

    def select(batch: pa.RecordBatch) -> tuple[np.ndarray, dict[str, int]]:
        # find_substring is a third faster than match_substring on a million JobIDs
        keep: np.ndarray = pc.find_substring(batch.column(job), ".").to_numpy() < 0
        return keep, {"steps": len(keep) - int(np.count_nonzero(keep))}

    return select


def _jobs(kept: dict[str, TextColumn], elapsed_raw: pd.Series | None, columns: dict[str, str],
          file: str, line: np.ndarray, steps: int, repeated: int) -> SacctJobs:
    """GPUs, hours and the frame of the allocation rows ``kept`` (text columns by canonical
    name; ``line``: their lines)."""
    part = _job_columns(kept, elapsed_raw, columns, file, line)
    return SacctJobs(_frame([part.data]), [file], steps=steps, repeated_headers=repeated,
                     never_started=part.never_started, problems=part.problems,
                     notes=_gpu_notes(part.fallbacks, columns))


@dataclass
class _Coded:
    """A text column as codes into ``values`` (a value may repeat; categorical once built)."""

    codes: np.ndarray
    values: list[str]


Column: TypeAlias = "np.ndarray | TextColumn | _Coded"
"""A frame column before the frame: numbers, Arrow text, or codes."""


@dataclass
class _PartColumns:
    """The frame columns of some allocation rows, their problems and counts (one part of a
    file, or the whole of it)."""

    data: dict[str, Column]
    problems: list[Problem]
    never_started: int
    fallbacks: dict[str, int]
    repeated: int = 0
    job_codes: tuple[np.ndarray, int, str | None, str | None] | None = None


def _job_columns(kept: dict[str, TextColumn], elapsed_raw: pd.Series | None,
                 columns: dict[str, str], file: str, line: np.ndarray) -> _PartColumns:
    """:func:`_jobs` up to the frame: its columns (:func:`_frame` builds it from one or
    several parts, in order)."""
    problems: list[Problem] = []
    fallbacks: dict[str, int] = {}
    gpus, gres_type, gres_types, tres_bad = _gpus(kept, columns, file, line, problems,
                                                  fallbacks)
    seconds, time_bad = _seconds(kept, elapsed_raw, columns, file, line, problems)
    never = _never_started(kept, len(seconds))
    seconds = np.where(never, 0.0, seconds)
    ok = ~(tres_bad | time_bad)
    final = {c: _filter(v, ok) for c, v in kept.items()}
    n = int(ok.sum())
    gpus, seconds = (gpus, seconds) if n == len(ok) else (gpus[ok], seconds[ok])
    data: dict[str, Column] = {
        "job_id": final["JobID"], "state": _first_word(final["State"]),
        "gpus": gpus, "seconds": seconds, "gpu_hours": gpus * seconds / 3600.0,
        "gres_type": _Coded(gres_type[ok], gres_types), "line": line[ok],
        "file": _constant(file, n),
        "start": final["Start"] if "Start" in final else _constant("", n),
    }
    for canonical in OPTIONAL_TEXT:
        data[_COLUMN_NAMES[canonical]] = _text(final[canonical]) if canonical in final \
            else _constant("", n)
    return _PartColumns(data, problems, int((never & ok).sum()), fallbacks)


def _text(values: TextColumn) -> Column:
    """A text column for the frame: codes when it is dictionary-encoded (then categorical,
    whose categories may hold values of rows filtered out: no outcome depends on them), else
    Arrow text."""
    if pa.types.is_dictionary(values.type):
        return _Coded(*factorize_text(values))
    return values


def _frame(parts: list[dict[str, Column]]) -> pd.DataFrame:
    """The frame of the allocation rows of ``parts``, end to end (text with few values as
    categories: the first part's values, then each next part's new ones)."""
    out: dict[str, object] = {}
    for name, first in parts[0].items():
        values = [part[name] for part in parts]
        if isinstance(first, _Coded):
            out[name] = _from_coded([v for v in values if isinstance(v, _Coded)])
        elif isinstance(first, np.ndarray):
            out[name] = np.concatenate([v for v in values if isinstance(v, np.ndarray)])
        else:
            chunks = [c for v in values for c in cast(pa.ChunkedArray, v).chunks]
            out[name] = to_series(pa.chunked_array(chunks, type=first.type))
    return pd.DataFrame(out)


def _from_coded(parts: list[_Coded]) -> pd.Categorical:
    """Coded text end to end, as a categorical (each distinct value once, in order)."""
    index: dict[str, int] = {}
    codes = []
    for part in parts:
        before = len(index)
        remap = [index.setdefault(v, len(index)) for v in part.values]
        if before == 0 and len(index) == len(remap):  # distinct values, first: codes as they are
            codes.append(part.codes)
        else:
            codes.append(np.array(remap, dtype=np.intp)[part.codes] if remap else part.codes)
    return _categorical(np.concatenate(codes) if len(codes) > 1 else codes[0],
                        list(index) or [""])


def _filter(values: TextColumn, mask: np.ndarray) -> TextColumn:
    return values if mask.all() else values.filter(pa.array(mask))


FILTER_THREADS = 2
"""Threads filtering the text columns (Arrow's filter of a column releases the GIL)."""


def _filter_all(columns: dict[str, TextColumn], mask: np.ndarray) -> dict[str, TextColumn]:
    """Each column filtered by ``mask``, the columns in :data:`FILTER_THREADS` threads (most
    lines of a sacct export are job steps: this copies the text of the allocations)."""
    if mask.all():
        return columns
    selected = pa.array(mask)
    with ThreadPoolExecutor(max_workers=FILTER_THREADS) as pool:
        filtered = list(pool.map(lambda values: values.filter(selected), columns.values()))
    return dict(zip(columns, filtered, strict=True))


def _constant(value: str, n: int) -> _Coded:
    """A text column holding ``value`` ``n`` times."""
    return _Coded(np.zeros(n, dtype=np.intp), [value])


def _categorical(codes: np.ndarray, categories: list[str]) -> pd.Categorical:
    """Text values as codes into ``categories`` (each distinct value once; the codes are
    valid by construction: pandas does not check them again)."""
    dtype = pd.CategoricalDtype(pd.Index(categories, dtype="str"))
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def _first_word(states: TextColumn) -> _Coded:
    """The first word of each State, upper case (``CANCELLED by 1234`` -> ``CANCELLED``;
    ``CANCELLED+``, truncated by a fixed-width export, -> ``CANCELLED``)."""
    codes, distinct = factorize_text(states)
    return _Coded(codes, [u.split(" ", 1)[0].strip().rstrip("+").upper() for u in distinct])


def _never_started(text: dict[str, TextColumn], n: int) -> np.ndarray:
    if "Start" not in text:
        return np.zeros(n, dtype=bool)
    return as_mask(pc.is_in(text["Start"], value_set=pa.array(sorted(NOT_STARTED))))


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


def _elapsed_raw_seconds(values: pd.Series) -> np.ndarray:
    """``ElapsedRaw`` as float seconds, NaN where it is not a number."""
    if values.dtype.kind in "iuf":
        return values.to_numpy(dtype=float)
    return pd.to_numeric(pd.Series(values.to_numpy(dtype=object), dtype=object),
                         errors="coerce").to_numpy(dtype=float)


def _seconds(text: dict[str, TextColumn], elapsed_raw: pd.Series | None,
             columns: dict[str, str], file: str, line: np.ndarray,
             problems: list[Problem]) -> tuple[np.ndarray, np.ndarray]:
    """Duration of each kept row in seconds, and a mask of rows whose duration is unusable.

    ``ElapsedRaw``, else ``Elapsed``, else ``End - Start``; an ``End`` before its ``Start`` is an
    error whichever gives the duration.
    """
    n = len(line)
    seconds = np.full(n, np.nan)
    if elapsed_raw is not None:
        seconds = _elapsed_raw_seconds(elapsed_raw)
    missing = np.isnan(seconds)
    if "Elapsed" in text and missing.any():
        codes, distinct = factorize_text(_filter(text["Elapsed"], missing))
        parsed = np.array([parse_elapsed(u) for u in distinct], dtype=float)
        seconds[missing] = parsed[codes] if len(distinct) else seconds[missing]
    backwards = np.zeros(n, dtype=bool)
    if "Start" in text and "End" in text:
        start, end = text["Start"], text["End"]
        if elapsed_raw is not None or "Elapsed" in text:
            # ISO 8601 times compare as text (UTF-8 byte order is code point order): no date
            # parsing on the hot path; the few candidates are checked to be times (Unknown,
            # None... are not)
            backwards = as_mask(pc.less(end, start))
            candidates = np.flatnonzero(backwards)
            if len(candidates):
                rows = pa.array(candidates)
                backwards[candidates] = _is_time(start.take(rows)) & _is_time(end.take(rows))
        else:
            span = _times(end) - _times(start)
            backwards = span < 0
            fill = np.isnan(seconds) & ~np.isnan(span) & ~backwards
            seconds[fill] = span[fill]
        for index in np.flatnonzero(backwards):
            problems.append(Problem(file, columns["End"], f"End is before Start "
                                    f"({start[index]})", int(line[index]), str(end[index])))
    bad = (np.isnan(seconds) | (seconds < 0)) & ~backwards
    name = columns.get("Elapsed") or columns.get("ElapsedRaw") or columns["End"]
    for index in np.flatnonzero(bad):
        shown = elapsed_raw.iloc[index] if elapsed_raw is not None else \
            str(text["Elapsed" if "Elapsed" in text else "End"][index].as_py())
        problems.append(Problem(file, name, "expected a duration: seconds, [D-]HH:MM:SS or MM:SS",
                                int(line[index]), shown))
    bad |= backwards
    return np.where(bad, 0.0, seconds), bad


def _is_time(values: TextColumn) -> np.ndarray:
    """Whether each value is a sacct time (``2024-03-01T00:00:00``), checked once per distinct
    value."""
    codes, distinct = factorize_text(values)
    table = np.array([_ISO_TIME.match(u) is not None for u in distinct], dtype=bool)
    return table[codes] if len(distinct) else np.zeros(len(codes), dtype=bool)


def _times(values: TextColumn) -> np.ndarray:
    """Seconds since 1970 of sacct times (``2024-03-01T00:00:00``); NaN for Unknown/None."""
    parsed = pd.to_datetime(pd.Series(values.to_numpy(), dtype=object),
                            format="%Y-%m-%dT%H:%M:%S", errors="coerce")
    return ((parsed - pd.Timestamp("1970-01-01")).dt.total_seconds()).to_numpy(dtype=float)


def parse_tres(text: str) -> tuple[int, str] | None:
    """GPU count and gres type of one ``AllocTRES`` string; None when it is malformed.

    ``billing=8,cpu=8,gres/gpu:a100=4,gres/gpu=4,mem=64G,node=1`` -> ``(4, "a100")``. The untyped
    ``gres/gpu`` is the total; typed entries are summed only when it is absent. The type is
    ``""`` when untyped and ``"mixed"`` when several types are allocated. Counts are Python
    integers, whatever their size (the caller bounds them).
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
    return gpus, _kind(typed)


def _kind(typed: dict[str, int]) -> str:
    kinds = [k for k, v in typed.items() if v > 0]
    return kinds[0] if len(kinds) == 1 else ("mixed" if kinds else "")


_GRES_ITEM = re.compile(r"^([A-Za-z0-9_/-]+)(?::([A-Za-z0-9_.-]+))?(?::(\d+))?(?:\(.*\))?$")


def parse_gres(text: str) -> tuple[int, str] | None:
    """GPU count and type of one ``AllocGRES``/``ReqGRES`` string (Slurm before 17.11).

    ``gpu:4`` -> ``(4, "")``; ``gpu:a100:2(IDX:0-1),mps:100`` -> ``(2, "a100")``; None when
    malformed.
    """
    text = text.strip()
    if not text:
        return 0, ""
    typed: dict[str, int] = {}
    total = 0
    for item in re.split(r",(?![^(]*\))", text):
        match = _GRES_ITEM.match(item.strip())
        if not match:
            return None
        name, kind, count = match.groups()
        if name.removeprefix("gres/") != "gpu":
            continue
        if count is None and kind is not None and kind.isdigit():
            kind, count = None, kind
        number = int(count) if count is not None else 1
        total += number
        if kind:
            typed[kind] = typed.get(kind, 0) + number
    return total, _kind(typed)


_PARSERS = {"AllocTRES": parse_tres, "AllocGRES": parse_gres, "ReqTRES": parse_tres}


def _gpus(text: dict[str, TextColumn], columns: dict[str, str], file: str, line: np.ndarray,
          problems: list[Problem],
          fallbacks: dict[str, int]) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """GPUs, gres type (an index into the list of types returned) and a bad mask per kept row,
    from the first non-empty GPU column (:data:`GPU_COLUMNS`), parsing each distinct string
    once. ``fallbacks`` counts the rows read from each column (:func:`_gpu_notes`)."""
    n = len(line)
    gpus = np.zeros(n, dtype=np.int64)
    kinds = np.zeros(n, dtype=np.intp)  # index into kind_names
    kind_names: dict[str, int] = {"": 0}
    bad = np.zeros(n, dtype=bool)
    todo = np.ones(n, dtype=bool)
    for canonical in GPU_COLUMNS:
        if canonical not in text or not todo.any():
            continue
        codes, distinct = factorize_text(text[canonical])
        filled = np.array([bool(u.strip()) for u in distinct], dtype=bool)
        here = todo & (filled[codes] if len(distinct) else np.zeros(n, dtype=bool))
        fallbacks[canonical] = fallbacks.get(canonical, 0) + int(here.sum())
        counts, types, wrong = _parse_distinct(codes[here], distinct, _PARSERS[canonical],
                                               file, columns[canonical], line[here], problems)
        type_index = np.array([kind_names.setdefault(t, len(kind_names)) for t in types],
                              dtype=np.intp)
        gpus[here], bad[here] = counts, wrong
        kinds[here] = type_index[codes[here]] if len(types) else 0
        todo &= ~here
    return gpus, kinds, list(kind_names), bad


def _gpu_notes(fallbacks: dict[str, int], columns: dict[str, str]) -> list[str]:
    """Notes on allocations whose GPUs were read from a fallback column (counts by
    :func:`_gpus`, summed over the parts of a file)."""
    notes = []
    for canonical in GPU_COLUMNS:
        rows = fallbacks.get(canonical, 0)
        before = [c for c in GPU_COLUMNS[:GPU_COLUMNS.index(canonical)] if c in columns]
        if before and rows:
            notes.append(f"{rows:,} allocations with an empty {'/'.join(before)} read from "
                         f"{canonical}")
        elif canonical == "ReqTRES" and rows:
            notes.append("no AllocTRES or AllocGRES: GPUs are the requested ones (ReqTRES)")
    return notes


def _parse_distinct(codes: np.ndarray, distinct: list[str],
                    parser: Callable[[str], tuple[int, str] | None], file: str, column: str,
                    line: np.ndarray,
                    problems: list[Problem]) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Parse each distinct value once. Per row (value ``distinct[codes[i]]``): the GPU count and
    a bad mask; per distinct value: the gres type."""
    if not len(codes):
        return np.zeros(0, dtype=np.int64), [], np.zeros(0, dtype=bool)
    parsed = [parser(u) for u in distinct]
    absurd = np.array([p is not None and p[0] > MAX_GPUS_PER_ALLOCATION for p in parsed],
                      dtype=bool)
    malformed = np.array([p is None for p in parsed], dtype=bool)
    counts = np.array([p[0] if p and not a else 0 for p, a in zip(parsed, absurd, strict=True)],
                      dtype=np.int64)
    kinds = [p[1] if p else "" for p in parsed]
    for index in np.flatnonzero(malformed[codes]):
        problems.append(Problem(file, column, "expected TRES as name=count pairs separated "
                                "by ',' (e.g. cpu=8,gres/gpu:a100=4,mem=64G)"
                                if parser is parse_tres else "expected GRES such as gpu:4 or "
                                "gpu:a100:4", int(line[index]), distinct[codes[index]]))
    for index in np.flatnonzero(absurd[codes]):
        problems.append(Problem(file, column, f"more than {MAX_GPUS_PER_ALLOCATION:,} GPUs in "
                                "one allocation", int(line[index]), distinct[codes[index]]))
    return counts[codes], kinds, (malformed | absurd)[codes]

# sacct accounting as Parquet (a partitioned data set of a year's exports, one file per part).
# The columns are sacct's field names; text columns as strings, ElapsedRaw as an integer,
# Start/End as strings (2024-01-01T00:00:00) or timestamps. Read in record batches (bounded
# memory); problems are located by file and row (1-based, in file order).

BATCH_ROWS = 500_000
"""Rows read per record batch."""


def iter_parquet_chunks(path: Path, text_columns: tuple[str, ...],
                        batch_rows: int = BATCH_ROWS) -> Iterator[SacctJobs]:
    """The allocations of one Parquet file, batch by batch (not de-duplicated)."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    file = str(path)
    try:
        source = pq.ParquetFile(path)
    except FileNotFoundError as exc:
        raise InputError(Problem(file, "", "file not found")) from exc
    except (OSError, pa.ArrowException) as exc:
        raise InputError(Problem(file, "", f"not a readable Parquet file ({exc})")) from exc
    names = list(source.schema_arrow.names)
    columns = _resolve_columns(file, names, text_columns, ",".join(names))
    before = 0
    for batch in source.iter_batches(batch_size=batch_rows, columns=list(columns.values())):
        raw = _as_text(batch.to_pandas(), columns)
        lines = np.arange(before + 1, before + len(raw) + 1, dtype=np.int64)
        jobs = _allocations(raw, columns, file, lines)
        jobs.lines = len(raw)
        before += len(raw)
        yield jobs


def _as_text(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Every column as sacct prints it: text, ``""`` when missing; ElapsedRaw as numbers."""
    out: dict[str, object] = {}
    for canonical, name in columns.items():
        column = frame[name]
        if canonical == "ElapsedRaw":
            out[name] = pd.to_numeric(column, errors="coerce")
        elif pd.api.types.is_datetime64_any_dtype(column):
            out[name] = column.dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("Unknown") \
                .to_numpy(dtype=object)
        else:
            codes, uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)
            table = np.array([str(u) for u in uniques] + [""], dtype=object)
            out[name] = table[codes]  # code -1 (missing) picks the trailing ""
    return pd.DataFrame(out)
