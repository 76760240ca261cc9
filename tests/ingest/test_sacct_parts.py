"""The parallel read of a well-formed sacct export (``read_allocations``: Arrow, in parts, job
steps dropped as the lines are parsed) equals the checked read (``read_text`` then
``_allocations``): the same rows, values, lines, problems, notes and counts, whatever the
parts; and any malformed line sends the file to the checked read, which locates it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpulca.core.errors import InputError
from gpulca.ingest import scan
from gpulca.ingest.rules import load_rules
from gpulca.ingest.sacct import (
    OPTIONAL_TEXT,
    _allocations,
    _resolve_columns,
    deduplicate,
    read_allocations,
    read_sacct,
)
from gpulca.ingest.scan import read_text
from gpulca.ingest.tagging import tag_jobs

from .conftest import DEFAULT_RULES

HEADER = "JobID|JobName|Partition|State|ElapsedRaw|AllocTRES|Start|End|Comment"
WANTED = ("JobName", "Partition", "Comment")
RULES = load_rules(DEFAULT_RULES)

_TRES = st.sampled_from(["", "cpu=8,gres/gpu=4,mem=64G,node=1",
                         "billing=8,cpu=8,gres/gpu:a100=2,gres/gpu=2,node=1",
                         "cpu=8,gres/gpu:h100=1,node=1", "cpu8,gres/gpu=4",
                         "cpu=8,gres/gpu=99999999999,node=1"])
_TIMES = st.sampled_from([("2024-01-01T00:00:00", "2024-01-01T01:00:00"),
                          ("2024-01-02T00:00:00", "2024-01-01T00:00:00"),  # End before Start
                          ("Unknown", "Unknown"), ("None", "2024-01-01T00:00:00")])


@st.composite
def _export(draw: st.DrawFn) -> str:
    lines = [HEADER]
    for _ in range(draw(st.integers(1, 40))):
        kind = draw(st.sampled_from(["job", "job", "array", "step", "header"]))
        job = str(draw(st.integers(1, 30)))  # repeated JobIDs: requeues and duplicates
        if kind == "header":
            lines.append(HEADER)
            continue
        if kind == "array":
            job += f"_{draw(st.integers(0, 3))}"
        if kind == "step":
            job += draw(st.sampled_from([".batch", ".extern", ".0"]))
        start, end = draw(_TIMES)
        name = draw(st.sampled_from(["final-a", "hp-1", "é-job", "", "0012"]))
        state = draw(st.sampled_from(["COMPLETED", "FAILED", "CANCELLED by 12", "RUNNING"]))
        seconds = draw(st.integers(0, 90000))
        partition = draw(st.sampled_from(["gpu", "gpu-h100", "debug"]))
        lines.append(f"{job}|{name}|{partition}|{state}|{seconds}|{draw(_TRES)}|{start}|{end}|"
                     f"{draw(st.sampled_from(['', 'c']))}")
    return "\n".join(lines) + draw(st.sampled_from(["\n", ""]))


def _checked(path):
    columns = _resolve_columns(str(path), HEADER.split("|"), WANTED, HEADER)
    raw, lines, found = read_text(path, "|", list(columns.values()), numeric=["ElapsedRaw"],
                                  digits=["JobID"])
    jobs = _allocations(raw, columns, str(path), lines)
    jobs.lines = found.lines - 1
    jobs.problems = sorted([*found.problems, *jobs.problems], key=lambda p: p.line or 0)
    return jobs


def _parallel(source, name):
    columns = _resolve_columns(name, HEADER.split("|"), WANTED, HEADER)
    return read_allocations(source, "|", columns, name)


def _same(fast, checked) -> None:
    assert list(fast.frame.columns) == list(checked.frame.columns)
    for column in checked.frame.columns:
        assert fast.frame[column].astype(object).tolist() == \
            checked.frame[column].astype(object).tolist(), column
    assert sorted(map(str, fast.problems)) == sorted(map(str, checked.problems))
    assert (fast.notes, fast.lines, fast.steps, fast.repeated_headers, fast.never_started) == \
        (checked.notes, checked.lines, checked.steps, checked.repeated_headers,
         checked.never_started)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_export(), parts=st.integers(1, 4))
def test_parallel_read_equals_the_checked_read(write, monkeypatch, text, parts):
    monkeypatch.setattr(scan, "PART_MIN_BYTES", 0)  # split even a tiny file
    monkeypatch.setattr(scan, "READ_THREADS", parts)
    monkeypatch.setattr(scan, "BLOCK_BYTES", 256)  # several batches per part
    path = write("s.txt", text)
    fast = _parallel(path, str(path))
    assert fast is not None
    checked = _checked(path)
    _same(fast, checked)
    if len(checked.frame):  # categories (maybe of rows filtered out) tag as text does
        tagged, expected = tag_jobs(fast, RULES), tag_jobs(checked, RULES)
        assert tagged.outcome.tolist() == expected.outcome.tolist()
        assert tagged.accelerator.tolist() == expected.accelerator.tolist()
        assert tagged.accelerators == expected.accelerators
        assert tagged.unmapped_gres == expected.unmapped_gres
    block = _parallel(path.read_bytes(), str(path))  # a block of lines (streaming)
    assert block is not None
    _same(block, fast)


@pytest.mark.parametrize("body", [
    "1|a|gpu|COMPLETED|5|cpu=1|Unknown|Unknown|\n\n2|a|gpu|COMPLETED|5|cpu=1|Unknown|Unknown|\n",
    "1|a|gpu|COMPLETED|5|cpu=1|Unknown|Unknown|\r\n\r\n",           # a blank CRLF line
    "1|a|gpu|COMPLETED|5|cpu=1|Unknown\n",                           # too few fields
    "1|a|gpu|COMPLETED|5|cpu=1|Unknown|Unknown||x\n",                # too many
    "1|a|gpu|COMPLETED|5|cpu=1|Unknown|Unknown|\xff\n",              # not UTF-8, column unread
    "1|a|gpu|COMPLETED|5|cpu=1|Unknown|Unknown|\x00\n",              # a NUL byte
    "1|a|gpu|COMPLETED|5|cpu=1|Unk\rnown|Unknown|\n",                # a lone carriage return
    "|a|gpu|COMPLETED|5|cpu=1|Unknown|Unknown|\n",                   # no JobID
])
def test_a_malformed_file_is_left_to_the_checked_read(write, body):
    good = "9|a|gpu|COMPLETED|5|cpu=1|Unknown|Unknown|\n"
    path = write("s.txt", (HEADER + "\n" + good + body).encode("latin-1"))
    assert _parallel(path, str(path)) is None
    assert _parallel(path.read_bytes(), str(path)) is None
    assert _outcome(lambda: read_sacct(path, WANTED)) == _outcome(lambda: _checked(path))


def _outcome(read):
    """The rows and problems of a read, or its error (a lone CR is refused, as before)."""
    try:
        jobs = read()
    except InputError as exc:
        return str(exc)
    return jobs.frame["job_id"].tolist(), [str(p) for p in jobs.problems]


def test_elapsed_raw_that_is_not_a_number_is_a_located_problem_either_way(write):
    path = write("s.txt", f"{HEADER}\n1|a|gpu|COMPLETED|1h|cpu=1|Unknown|Unknown|\n"
                          f"2|a|gpu|COMPLETED|7|cpu=1|Unknown|Unknown|\n{HEADER}\n")
    fast = _parallel(path, str(path))
    assert fast is not None and fast.repeated_headers == 1
    _same(fast, _checked(path))
    assert [p.line for p in fast.problems] == [2]


def test_a_large_export_read_in_two_threads_equals_the_checked_read(write, monkeypatch):
    monkeypatch.setattr(scan, "PART_MIN_BYTES", 1 << 20)
    lines = [HEADER]
    for job in range(40_000):
        lines.append(f"{job}|name-{job % 300}|gpu|COMPLETED|{job}|cpu=8,gres/gpu=2|"
                     "2024-01-01T00:00:00|2024-01-02T00:00:00|")
        lines.append(f"{job}.batch|batch|gpu|COMPLETED|{job}|cpu=8|2024-01-01T00:00:00|"
                     "2024-01-02T00:00:00|")
    path = write("big.txt", "\n".join(lines) + "\n")
    assert path.stat().st_size > scan.PART_MIN_BYTES
    fast = _parallel(path, str(path))
    assert fast is not None
    _same(fast, _checked(path))
    assert fast.frame["line"].iloc[-1] == len(lines) - 1
    assert set(OPTIONAL_TEXT) >= set(WANTED)


def test_utf8_split_across_checked_slices_and_a_byte_order_mark(write, monkeypatch):
    monkeypatch.setattr(scan, "CHECK_SLICE_BYTES", 3)  # every multi-byte character is cut
    text = "\ufeff" + HEADER + "\n1|é-ü-€-𝄞|gpu|COMPLETED|5|cpu=1|Unknown|Unknown|\n"
    path = write("s.txt", text.encode("utf-8"))
    fast = _parallel(path, str(path))
    assert fast is not None
    assert fast.frame["name"].tolist() == ["é-ü-€-𝄞"]
    _same(fast, _checked(path))
    bad = write("bad.txt", text.encode("utf-8")[:-20] + b"\xe2\x82|Unknown|\n")  # cut €
    assert _parallel(bad, str(bad)) is None


@pytest.mark.parametrize("ordered", [True, False])
def test_duplicates_and_requeues_counted_as_by_the_checked_read(write, monkeypatch, ordered):
    """JobIDs in increasing order over the parts are coded without hashing them again; out
    of order, they are hashed: the same duplicates and requeued runs either way."""
    monkeypatch.setattr(scan, "PART_MIN_BYTES", 0)
    monkeypatch.setattr(scan, "READ_THREADS", 3)
    monkeypatch.setattr(scan, "BLOCK_BYTES", 256)
    jobs = [f"{1000 + k // 3}" for k in range(60)]  # each JobID three times, in order
    if not ordered:
        jobs = jobs[30:] + jobs[:30]
    lines = [HEADER]
    for k, job in enumerate(jobs):
        start = "2024-01-01T00:00:00" if k % 2 else f"2024-01-0{1 + k % 3}T00:00:00"
        lines.append(f"{job}|a|gpu|COMPLETED|60|cpu=1,gres/gpu=1|{start}|2024-01-04T00:00:00|")
        lines.append(f"{job}.batch|batch|gpu|COMPLETED|60|cpu=1|{start}|2024-01-04T00:00:00|")
    path = write("s.txt", "\n".join(lines) + "\n")
    fast = read_sacct(path, WANTED)
    checked = _checked(path)
    expected = deduplicate(checked)
    assert (fast.duplicates, fast.requeued) == (expected.duplicates, expected.requeued)
    assert fast.duplicates and fast.requeued
    assert fast.frame["line"].tolist() == expected.frame["line"].tolist()


def test_jobids_in_order_are_coded_once_in_the_reading_threads(write, monkeypatch):
    monkeypatch.setattr(scan, "PART_MIN_BYTES", 0)
    monkeypatch.setattr(scan, "BLOCK_BYTES", 256)
    lines = [HEADER] + [f"{job}|a|gpu|COMPLETED|60|cpu=1,gres/gpu=1|Unknown|Unknown|"
                        for job in range(10_000, 10_200)]
    path = write("s.txt", "\n".join(lines) + "\n")
    fast = _parallel(path, str(path))
    assert fast is not None and fast.job_codes is not None
    assert sorted(set(fast.job_codes.tolist())) == list(range(200))
    assert deduplicate(fast).requeued == 0
