"""sacct ingestion in bounded memory: read in chunks of lines, tag and sum each chunk, keep
only running totals.

Peak memory is one chunk (:data:`STREAM_CHUNK_BYTES` of text, a few times that once parsed)
plus the totals per (phase, model, component, accelerator) and, for de-duplication, one 64-bit
hash per allocation record and per GPU job (16 bytes per allocation: 160 MB for ten million jobs;
the only part that grows with the input). Totals are equal to :func:`sacct_activity`'s to the
last digit: GPU-seconds are whole numbers, whose float64 sums are exact in any order.

Fixed-width exports are read whole (they are small: sacct's default output is for a terminal);
Parquet files (:func:`gpulca.ingest.sacct.iter_parquet_chunks`) in record batches.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from gpulca.core.errors import InputError, Problem
from gpulca.ingest.rules import Rules, load_rules
from gpulca.ingest.sacct import (
    OPTIONAL_TEXT,
    SacctJobs,
    _allocations,
    _resolve_columns,
    dedup_notes,
    detect_delimiter,
    fixed_widths,
    iter_parquet_chunks,
    job_keys,
    read_allocations,
    read_sacct,
    record_keys,
)
from gpulca.ingest.scan import read_header, read_text
from gpulca.ingest.summary import (
    _SACCT_COLUMN,
    EXAMPLES,
    GroupTotals,
    IngestSummary,
    SacctActivity,
    _finish,
    _reservation_rows,
    _summary,
    _unmatched_problems,
    group_totals,
    merge_totals,
    rows_from_totals,
)
from gpulca.ingest.tagging import tag_jobs

STREAM_CHUNK_BYTES = 64 << 20
"""Bytes of text read per chunk [B]."""
KEPT_PROBLEMS = 1000
"""Malformed-line problems kept in a streamed summary; the rest are counted in a note."""


def iter_sacct_chunks(path: str | Path, text_columns: Iterable[str] = OPTIONAL_TEXT,
                      chunk_bytes: int = STREAM_CHUNK_BYTES,
                      delimiter: str | None = None) -> Iterator[SacctJobs]:
    """The allocations of one export, chunk by chunk (not de-duplicated), lines as in the file.

    Raises:
        InputError: as :func:`read_sacct` for an unusable file.
    """
    path = Path(path)
    file = str(path)
    wanted = tuple(c for c in OPTIONAL_TEXT if c in set(text_columns))
    if path.suffix.lower() == ".parquet":
        yield from iter_parquet_chunks(path, wanted)
        return
    header, _ = read_header(path, "")
    if delimiter is None and fixed_widths(path) is not None:
        yield read_sacct(path, wanted, deduplicate_runs=False)
        return
    delimiter = delimiter or detect_delimiter(file, header)
    columns = _resolve_columns(file, header.split(delimiter), wanted, header)
    found = False
    with path.open("rb") as handle:
        head = handle.readline()
        if not head.endswith(b"\n"):
            head += b"\n"
        before, carry = 1, b""
        while True:
            chunk = handle.read(chunk_bytes)
            data = carry + chunk
            cut = len(data) if not chunk else data.rfind(b"\n") + 1
            block, carry = data[:cut], data[cut:]
            if block.strip():
                count = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
                jobs = _block(head + block, before, file, delimiter, columns)
                jobs.lines = count
                found |= not jobs.frame.empty
                yield jobs
                before += count
            elif block:
                before += block.count(b"\n")
            if not chunk:
                break
    if not found:
        raise InputError(Problem(file, "", "no usable allocation lines; expected sacct output "
                                 "with one job per line"))


def _block(data: bytes, before: int, file: str, delimiter: str,
           columns: dict[str, str]) -> SacctJobs:
    """The allocations of one block of lines (header first); ``before`` lines precede it:
    the same columnar reading as the in-memory path (:func:`gpulca.ingest.sacct.read_allocations`,
    else :func:`gpulca.ingest.scan.read_text` when a line is malformed)."""
    jobs = read_allocations(data, delimiter, columns, file)
    if jobs is not None:
        if before > 1:
            jobs.frame["line"] += before - 1
        jobs.problems = sorted([dataclasses.replace(p, line=p.line + before - 1) if p.line else p
                                for p in jobs.problems], key=lambda p: p.line or 0)
        return jobs
    raw, lines, scan = read_text(data, delimiter, list(columns.values()),
                                 numeric=[columns.get("ElapsedRaw", "")],
                                 digits=[columns["JobID"]], name=file)
    lines = lines + before - 1
    jobs = _allocations(raw, columns, file, lines)
    shifted = [dataclasses.replace(p, line=p.line + before - 1) if p.line else p
               for p in scan.problems]
    jobs.problems = sorted([*shifted, *jobs.problems], key=lambda p: p.line or 0)
    return jobs


@dataclasses.dataclass
class _Running:
    """What a streamed ingestion keeps between chunks."""

    totals: GroupTotals = dataclasses.field(default_factory=dict)
    summary: IngestSummary = dataclasses.field(default_factory=lambda: IngestSummary([]))
    problems: int = 0
    seen: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, np.uint64))
    seen_jobs: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, np.uint64))
    duplicates: int = 0
    requeued: int = 0
    notes: list[str] = dataclasses.field(default_factory=list)


def sacct_activity_streaming(logs: str | Path | Sequence[str | Path],
                             rules: Rules | str | Path,
                             extra_phases: Iterable[tuple[str, str]] = (), *,
                             strict: bool = False,
                             chunk_bytes: int = STREAM_CHUNK_BYTES) -> SacctActivity:
    """:func:`gpulca.ingest.summary.sacct_activity` in bounded memory (module docstring).

    The rows hold the same GPU-hours (their order may differ); the summary the same counts,
    with at most :data:`KEPT_PROBLEMS` malformed lines listed.
    """
    if not isinstance(rules, Rules):
        rules = load_rules(rules, extra_phases)
    needed = needed_columns(rules)
    files = [logs] if isinstance(logs, str | Path) else list(logs)
    state = _Running()
    for path in files:
        state.summary.files.append(str(path))
        for chunk in iter_sacct_chunks(path, needed, chunk_bytes):
            add_chunk(state, chunk, rules)
    return finish_streaming(state, rules, strict)


def needed_columns(rules: Rules) -> set[str]:
    """The sacct text columns the rules and the summary's examples read."""
    needed = {"JobName", "Account", "Partition"}
    return needed | {_SACCT_COLUMN[k] for rule in rules.spec.rules for k in rule.patterns()}


def file_partial(path: str | Path, rules: Rules,
                 chunk_bytes: int = STREAM_CHUNK_BYTES) -> _Running:
    """The running totals of one file (what a Dask worker computes for its partition)."""
    state = _Running()
    state.summary.files.append(str(path))
    for chunk in iter_sacct_chunks(path, needed_columns(rules), chunk_bytes):
        add_chunk(state, chunk, rules)
    return state


def check_overlaps(parts: Sequence[_Running]) -> int:
    """Refuse run records counted in two files; return the GPU jobs met again in a later file
    (earlier runs of requeued jobs). One sort of all record hashes: O(n log n) in time and 16
    bytes per allocation in memory, whatever the number of files.

    Raises:
        InputError: naming the later file of a record found in two files: its contribution
            cannot be taken out of the totals, so the run fails rather than count it twice
            (read overlapping exports together, in one process).
    """
    if len(parts) < 2:
        return 0
    keys = np.concatenate([p.seen for p in parts])
    owner = np.repeat(np.arange(len(parts)), [len(p.seen) for p in parts])
    order = np.argsort(keys, kind="stable")
    same = keys[order][1:] == keys[order][:-1]
    if same.any():
        later = parts[int(owner[order][1:][same].max())]
        raise InputError(Problem(later.summary.files[0], "", f"{int(same.sum()):,} job records "
                                 "already appear in another file (overlapping exports); read "
                                 "these files in one process (without --dask) to count them "
                                 "once"))
    jobs = np.concatenate([p.seen_jobs for p in parts])
    return int(len(jobs) - len(np.unique(jobs)))


def merge_partial(into: _Running, part: _Running) -> None:
    """Fold a later file's totals into ``into`` (record hashes: see :func:`check_overlaps`)."""
    into.requeued += part.requeued
    into.duplicates += part.duplicates
    into.notes += [n for n in part.notes if n not in into.notes]
    merge_totals(into.totals, part.totals)
    total, other = into.summary, part.summary
    total.files += other.files
    for name in ("lines", "allocations", "steps", "repeated_headers", "cpu_only",
                 "never_started", "zero_hours", "failed_jobs", "unmatched_jobs",
                 "failed_gpu_hours", "unmatched_gpu_hours"):
        setattr(total, name, getattr(total, name) + getattr(other, name))
    into.problems += part.problems
    total.malformed += other.malformed[:max(KEPT_PROBLEMS - len(total.malformed), 0)]
    total.unmatched_phase = other.unmatched_phase or total.unmatched_phase
    total.unmatched_examples = sorted(total.unmatched_examples + other.unmatched_examples,
                                      key=lambda e: -float(str(e["gpu_hours"])))[:EXAMPLES]
    for gres, count in other.unmapped_gres.items():
        total.unmapped_gres[gres] = total.unmapped_gres.get(gres, 0) + count


def add_chunk(state: _Running, chunk: SacctJobs, rules: Rules) -> None:
    """Fold one chunk into the running totals."""
    before = len(chunk.frame)
    _deduplicate(state, chunk)
    state.duplicates += before - len(chunk.frame)
    state.requeued += chunk.requeued
    state.notes += [n for n in chunk.notes if n not in state.notes]
    tagging = tag_jobs(chunk, rules)
    merge_totals(state.totals, group_totals(chunk, tagging))
    part = _summary(chunk, tagging, rules)
    total = state.summary
    total.lines += chunk.lines
    total.allocations += part.allocations
    total.steps += part.steps
    total.repeated_headers += part.repeated_headers
    state.problems += len(part.malformed)
    room = KEPT_PROBLEMS - len(total.malformed)
    total.malformed += part.malformed[:max(room, 0)]
    for name in ("cpu_only", "never_started", "zero_hours", "failed_jobs", "unmatched_jobs"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.failed_gpu_hours += part.failed_gpu_hours
    total.unmatched_gpu_hours += part.unmatched_gpu_hours
    total.unmatched_phase = part.unmatched_phase
    examples = total.unmatched_examples + part.unmatched_examples
    total.unmatched_examples = sorted(examples, key=lambda e: -float(str(e["gpu_hours"])))[
        :EXAMPLES]
    for gres, count in part.unmapped_gres.items():
        total.unmapped_gres[gres] = total.unmapped_gres.get(gres, 0) + count


def _deduplicate(state: _Running, chunk: SacctJobs) -> None:
    """:func:`gpulca.ingest.sacct.deduplicate` across chunks: a record met in an earlier chunk
    (its hash in ``state.seen``) is a duplicate; a GPU job met earlier (``state.seen_jobs``)
    an earlier run. The hashes are sorted arrays, searched and merged (no re-sort of all)."""
    frame = chunk.frame
    if frame.empty:
        return
    keys = record_keys(frame)
    repeated = pd.Series(keys).duplicated(keep="first").to_numpy() | _member(keys, state.seen)
    if repeated.any():
        chunk.duplicates += int(repeated.sum())
        chunk.frame = frame = frame[~repeated].reset_index(drop=True)
        keys = keys[~repeated]
    state.seen = _merge(state.seen, np.sort(keys))
    gpu = (frame["gpus"] > 0).to_numpy()
    ids = job_keys(frame)[gpu]
    again = pd.Series(ids).duplicated(keep="first").to_numpy() | _member(ids, state.seen_jobs)
    chunk.requeued += int(again.sum())
    state.seen_jobs = _merge(state.seen_jobs, np.unique(ids))


def _member(keys: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Which ``keys`` are in ``seen`` (sorted)."""
    if not len(seen):
        return np.zeros(len(keys), dtype=bool)
    found: np.ndarray = seen[np.minimum(np.searchsorted(seen, keys), len(seen) - 1)] == keys
    return found


def _merge(seen: np.ndarray, new: np.ndarray) -> np.ndarray:
    """The sorted union of two sorted arrays of distinct keys (a stable sort of two sorted runs
    is a linear merge)."""
    merged = np.concatenate([seen, new])
    merged.sort(kind="stable")
    if len(merged) > 1:
        merged = merged[np.r_[True, merged[1:] != merged[:-1]]]
    return merged


def finish_streaming(state: _Running, rules: Rules, strict: bool) -> SacctActivity:
    """Rows and summary from the running totals."""
    summary = state.summary
    if strict and summary.malformed:
        raise InputError(summary.malformed[:20] + ([Problem(None, "", f"... and "
                         f"{state.problems - 20:,} more problems")] if state.problems > 20
                         else []))
    if state.problems > len(summary.malformed):
        summary.notes.append(f"{state.problems - len(summary.malformed):,} more malformed lines "
                             "than listed")
    counted = SacctJobs(pd.DataFrame(), [], duplicates=state.duplicates,
                        requeued=state.requeued)
    dedup_notes(counted)
    summary.notes += state.notes + counted.notes
    if summary.unmatched_jobs and rules.spec.unmatched_phase is None:
        raise InputError(_unmatched_problems(summary, rules))
    rows, jobs_per_row = rows_from_totals(state.totals, rules)
    used = sum(row.total_gpu_hours for row in rows)
    idle = _reservation_rows(rules, used, summary)
    rows += idle
    jobs_per_row += [0] * len(idle)
    return SacctActivity(rows, _finish(summary, rows, jobs_per_row, rules))
