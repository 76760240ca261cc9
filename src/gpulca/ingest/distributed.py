"""sacct ingestion over many files on Dask: one task per file, each streaming its file in
bounded memory (:mod:`gpulca.ingest.streaming`); totals equal to the single-process path.

``logs`` is a list of files, a folder (every file in it, sorted) or a glob (``2024-*.txt``).
Without ``scheduler`` the work runs on a local Dask cluster; with a scheduler address
(``tcp://host:8786``, e.g. from dask-jobqueue on the cluster being accounted) it runs there.
Each worker returns its file's running totals (GPU-seconds per phase, model, component and
accelerator; counts; the first malformed lines; 16 bytes of record hashes per allocation); the
client merges them in file order. GPU-seconds are whole numbers, so the totals equal the
single-process path's to the last digit. A malformed line keeps its file and line. A worker that
fails (an unusable file, a lost worker) fails the whole run with the file named: never a partial
total. Problems are capped in the error: the first :data:`SHOWN_PROBLEMS`, then a count.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from gpulca.core.cluster import SHOWN_PROBLEMS, capped, dask_client
from gpulca.core.errors import InputError, Problem
from gpulca.ingest.rules import Rules, load_rules
from gpulca.ingest.streaming import (
    STREAM_CHUNK_BYTES,
    _Running,
    check_overlaps,
    file_partial,
    finish_streaming,
    merge_partial,
)
from gpulca.ingest.summary import SacctActivity

__all__ = ["SHOWN_PROBLEMS", "capped", "expand_logs", "sacct_activity_distributed"]


def expand_logs(logs: str | Path | Sequence[str | Path]) -> list[Path]:
    """Files of ``logs``: files as given, a folder's files (sorted), or a glob's matches."""
    items = [logs] if isinstance(logs, str | Path) else list(logs)
    files: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.is_file())
        elif any(c in str(item) for c in "*?["):
            matches = sorted(Path(m) for m in glob.glob(str(item)))
            if not matches:
                raise InputError(Problem(str(item), "", "no file matches this pattern"))
            files += matches
        else:
            files.append(path)
    return files


def sacct_activity_distributed(logs: str | Path | Sequence[str | Path],
                               rules: Rules | str | Path,
                               extra_phases: Iterable[tuple[str, str]] = (), *,
                               strict: bool = False, scheduler: str | None = None,
                               client: Any = None,
                               chunk_bytes: int = STREAM_CHUNK_BYTES) -> SacctActivity:
    """:func:`gpulca.ingest.summary.sacct_activity` over many files on Dask (module docstring).

    Args:
        logs: files, a folder or a glob.
        rules: the tagging rules (file or loaded).
        extra_phases: the study's own phases, for the rules.
        strict: any malformed line is an error.
        scheduler: a Dask scheduler address; None: a local cluster.
        client: an existing ``dask.distributed.Client`` (overrides ``scheduler``).
        chunk_bytes: bytes of text each worker reads at a time.

    Raises:
        InputError: naming the file of a failed task; problems capped at :data:`SHOWN_PROBLEMS`.
    """
    if not isinstance(rules, Rules):
        rules = load_rules(rules, extra_phases)
    files = expand_logs(logs)
    problems: list[Problem] = []
    parts: list[_Running] = []
    with dask_client(scheduler, client) as client:
        futures = [client.submit(file_partial, f, rules, chunk_bytes, pure=False) for f in files]
        for path, future in zip(files, futures, strict=True):
            try:
                parts.append(future.result())
            except InputError as exc:
                problems += exc.problems
            except Exception as exc:  # a lost worker, a crash: the run fails, never partial
                problems.append(Problem(str(path), "", "the Dask task reading this file "
                                        f"failed: {type(exc).__name__}: {exc}"))
    if problems:
        raise InputError(capped(problems))
    again = check_overlaps(parts)
    state = parts[0]
    for part in parts[1:]:
        merge_partial(state, part)
    state.requeued += again
    return finish_streaming(state, rules, strict)

