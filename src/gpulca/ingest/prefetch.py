"""An activity CSV read ahead, while the command that will need it is still being imported.

``gpulca run STUDY`` spends its first half second importing Python (pandas, pydantic schemas,
click): one core, holding the interpreter lock. Reading a large activity CSV (the file's bytes,
their SHA-256 and pyarrow's parse, which all leave the interpreter free) can happen meanwhile on
the other core. :func:`start_prefetch` guesses the study's activity file from the study's YAML
and reads it in a background thread; :func:`take` hands the reading to
:func:`gpulca.ingest.activity_csv.read_activity_table` when it reads that same file, unchanged
since (same device, inode, size and modification and change times), else nothing: the guess
only ever saves time, the file is then read as without it. Every check and every problem is
the reader's own, as without a read ahead.

This module imports nothing heavy at import time (it runs before the command is imported).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gpulca.io.limits import read_input_bytes
from gpulca.io.yamlio import load_yaml

MAX_STUDY_BYTES = 1024 * 1024
"""Largest study file the read ahead parses to find its activity file."""


@dataclass(frozen=True)
class FileIdentity:
    """What must not have changed between a read ahead and its use."""

    path: str
    device: int
    inode: int
    size: int
    modified_ns: int
    changed_ns: int

    @classmethod
    def of(cls, path: str | Path) -> FileIdentity | None:
        """The identity of regular file ``path`` (resolved), or None."""
        try:
            resolved = os.path.realpath(path)
            info = os.stat(resolved)
        except (OSError, ValueError):
            return None
        if not (info.st_mode & 0o170000 == 0o100000):  # a regular file only
            return None
        return cls(resolved, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns,
                   info.st_ctime_ns)


@dataclass(frozen=True)
class ReadAhead:
    """An activity CSV's bytes, their SHA-256 and what pyarrow made of them."""

    identity: FileIdentity
    raw: bytes
    sha256: str
    header: list[str] | None
    """The header the table was read with (None: no table)."""
    table: Any
    """pyarrow's typed table (``gpulca.ingest.activity_csv``'s ``_arrow_typed``), or None."""


_lock = threading.Lock()
_slot: dict[str, ReadAhead] = {}
"""At most one read ahead, by resolved path."""
_thread: threading.Thread | None = None
_digests: dict[FileIdentity, str] = {}
"""SHA-256 of files whose bytes were read whole, by identity (the last few)."""


NUMBER_COLUMNS = ("gpu_hours", "gpu_count", "wall_hours", "it_energy_kwh",
                  "it_energy_gpu_hours", "it_power_w", "gpu_load")
"""The number columns of an activity CSV (:mod:`gpulca.ingest.activity_csv`)."""


def arrow_read(raw: bytes, types: dict[str, Any]) -> Any:
    """The CSV read by pyarrow with ``types`` by column (empty number cells: null), or None
    where pyarrow and :mod:`csv` could differ (a row with another number of fields, a quoted
    line break) or a cell does not convert."""
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
    import pyarrow.csv as pacsv  # type: ignore[import-untyped, unused-ignore]

    options = pacsv.ConvertOptions(column_types=types, null_values=[""],
                                   strings_can_be_null=False, quoted_strings_can_be_null=False)
    # One thread: on two cores, the other one imports Python meanwhile (the command, then
    # Brightway: gpulca.engine.project.start_brightway_import), and pyarrow's threads cost a
    # third more CPU time for this file (0.31 against 0.23 s for a million rows).
    try:
        table = pacsv.read_csv(pa.py_buffer(raw), convert_options=options,
                               read_options=pacsv.ReadOptions(use_threads=False),
                               parse_options=pacsv.ParseOptions(newlines_in_values=False))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    return table if table.column_names == list(types) else None


def typed_columns(header: list[str]) -> dict[str, Any]:
    """The pyarrow type of each column: numbers as numbers, texts dictionary-encoded (no
    string per row)."""
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

    text = pa.dictionary(pa.int32(), pa.string())
    return {name: pa.float64() if name in NUMBER_COLUMNS else text for name in header}


def csv_header(raw: bytes) -> list[str]:
    """The column names of a CSV's first line (empty when it has none)."""
    end = raw.find(b"\n")
    first = (raw if end < 0 else raw[:end]).rstrip(b"\r").decode("utf-8")
    return next(csv.reader([first]), []) if first.strip() else []


def _read_typed(path: Path) -> tuple[bytes, list[str] | None, Any] | None:
    """The bytes of an activity CSV and pyarrow's typed table of them (None: not read)."""
    raw = read_input_bytes(path)
    header = csv_header(raw)
    table = arrow_read(raw, typed_columns(header)) if header else None
    return raw, header if table is not None else None, table


def record_digest(identity: FileIdentity | None, sha256: str) -> None:
    """Remember the SHA-256 of the bytes read from ``identity`` (:func:`known_digest`)."""
    if identity is None:
        return
    with _lock:
        if len(_digests) >= 16:
            _digests.pop(next(iter(_digests)))
        _digests[identity] = sha256


def known_digest(path: str | Path) -> str | None:
    """The SHA-256 of file ``path`` when its bytes were read whole already and it has not
    changed since, else None (then hash the file)."""
    identity = FileIdentity.of(path)
    with _lock:
        return _digests.get(identity) if identity is not None else None


def _study_activity_file(study: Path) -> Path | None:
    """The activity CSV a study file names (``activity.file``, with no measured energy to
    attach), or None; any doubt is None (the study is read and checked later as usual)."""
    if os.path.getsize(study) > MAX_STUDY_BYTES:
        return None
    data, _ = load_yaml(study)  # (gpulca's reading of YAML, as the study's)
    activity = data.get("activity") if isinstance(data, dict) else None
    if not isinstance(activity, dict) or activity.get("energy"):
        return None
    file = activity.get("file")
    return study.parent / file if isinstance(file, str) and file else None


def _read_ahead(study: Path, read: Any) -> None:
    with contextlib.suppress(Exception):  # a guess: any failure leaves nothing behind
        csv = _study_activity_file(study)
        if csv is None:
            return
        before = FileIdentity.of(csv)
        if before is None:
            return
        done = read(Path(before.path))
        if done is None:
            return
        raw, header, table = done
        if FileIdentity.of(csv) != before:  # changed while it was read
            return
        ahead = ReadAhead(before, raw, hashlib.sha256(raw).hexdigest(), header, table)
        with _lock:
            _slot.clear()
            _slot[before.path] = ahead


def start_prefetch(study: str | Path) -> None:
    """Begin reading the activity CSV of study file ``study`` in a background thread (nothing
    when another read ahead is under way).

    What the thread uses is imported here first (pyarrow, imported by any run anyway; PyYAML
    with this module): the thread imports nothing, so it never meets the caller's imports
    half done.
    """
    global _thread
    import pyarrow  # type: ignore[import-untyped, unused-ignore]  # noqa: F401
    import pyarrow.csv  # type: ignore[import-untyped, unused-ignore]  # noqa: F401

    with _lock:
        if _thread is not None and _thread.is_alive():
            return
        _slot.clear()
        _thread = threading.Thread(target=_read_ahead, args=(Path(study), _read_typed),
                                   name="gpulca-activity-read-ahead", daemon=True)
        _thread.start()


def take(path: str | Path) -> ReadAhead | None:
    """The read ahead of file ``path`` if it is the file as it is now (waiting for a read
    ahead under way), else None; either way the read ahead is dropped."""
    kept = _drain()
    identity = FileIdentity.of(path)
    ahead = kept.get(identity.path) if identity is not None else None
    if ahead is None or ahead.identity != identity:
        return None
    return ahead


def forget() -> None:
    """Drop any read ahead (a command ends): nothing of it outlives the command."""
    _drain()


def _drain() -> dict[str, ReadAhead]:
    """Wait for a read ahead under way, then drop what was read ahead and return it."""
    global _thread
    with _lock:
        thread = _thread
    if thread is not None:
        thread.join()
    with _lock:
        _thread = None
        kept = dict(_slot)
        _slot.clear()
    return kept
