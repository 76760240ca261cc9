"""Chunked (bounded-memory) sacct ingestion equals the in-memory path to the last digit."""

from __future__ import annotations

import pytest

from gpulca.core.errors import InputError
from gpulca.ingest.streaming import iter_sacct_chunks, sacct_activity_streaming
from gpulca.ingest.summary import sacct_activity

from .conftest import ROOT

RULES = ROOT / "scenarios" / "rules" / "default-rules.yaml"
LOGS = ("sacct-basic.txt", "sacct-malformed.txt", "sacct-tab.txt", "sacct-requeue.txt",
        "sacct-old-gres.txt", "sacct-parsable-elapsed.txt")


def _key(row):
    return (row.phase, row.model or "", row.component or "", row.accelerator or "",
            row.gpu_hours, row.comment)


@pytest.mark.parametrize("chunk_bytes", [40, 200, 1 << 20])
def test_streaming_equals_in_memory(fixtures, chunk_bytes):
    logs = [fixtures / name for name in LOGS]
    whole = sacct_activity(logs, RULES)
    streamed = sacct_activity_streaming(logs, RULES, chunk_bytes=chunk_bytes)
    assert sorted(map(_key, streamed.rows)) == sorted(map(_key, whole.rows))
    a, b = whole.summary, streamed.summary
    assert b.total_gpu_hours == a.total_gpu_hours  # to the last digit
    for name in ("lines", "allocations", "steps", "repeated_headers", "cpu_only",
                 "never_started", "zero_hours", "failed_jobs", "unmatched_jobs"):
        assert getattr(b, name) == getattr(a, name), name
    assert [str(p) for p in b.malformed] == [str(p) for p in a.malformed]
    assert b.unmapped_gres == a.unmapped_gres
    assert sorted(b.notes) == sorted(a.notes)


def test_chunks_keep_file_lines(fixtures):
    chunks = list(iter_sacct_chunks(fixtures / "sacct-malformed.txt", chunk_bytes=60))
    assert len(chunks) > 3
    lines = [p.line for c in chunks for p in c.problems]
    assert lines == [3, 4, 5, 6, 7, 10]
    assert [int(v) for c in chunks for v in c.frame["line"]] == [2, 11]


def test_unusable_file_is_refused(write):
    with pytest.raises(InputError, match="no usable allocation lines"):
        list(iter_sacct_chunks(write("s.txt", "JobID|State|ElapsedRaw|AllocTRES\n1|x\n"),
                               chunk_bytes=8))
