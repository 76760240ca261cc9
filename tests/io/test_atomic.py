"""io.atomic: every file gpulca writes appears whole or not at all."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from gpulca.io import atomic


def test_write_bytes_and_text(tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder" / "file.bin"
    assert atomic.write_bytes_atomic(target, b"\x00\x01") == target
    assert target.read_bytes() == b"\x00\x01"
    text = tmp_path / "a.csv"
    atomic.write_text_atomic(text, "a,b\r\nü\n")
    assert text.read_bytes() == "a,b\r\nü\n".encode()  # as given: no newline translation
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "new"]


def test_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"previous")

    def broken(path: Path) -> None:
        path.write_bytes(b"half")
        raise RuntimeError("renderer failed")

    with pytest.raises(RuntimeError):
        atomic.write_atomic(target, broken)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_files_get_the_usual_permissions(tmp_path: Path) -> None:
    """Not mkstemp's private 0600: an output is as readable as any file the user writes."""
    previous = os.umask(0o022)
    try:
        path = atomic.write_text_atomic(tmp_path / "activity.csv", "phase\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_write_files_all_or_nothing(tmp_path: Path) -> None:
    written = atomic.write_files(tmp_path / "charts", {"a.png": b"a", "b.svg": b"b"})
    assert [p.name for p in written] == ["a.png", "b.svg"]
    assert (tmp_path / "charts" / "b.svg").read_bytes() == b"b"

    def broken(path: Path) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic.write_all(tmp_path / "other", {"a.png": atomic.bytes_writer(b"a"), "b": broken})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["charts"]


def test_a_stage_moves_every_output_in_together_or_none(tmp_path: Path) -> None:
    """One command's CSVs, workbook and charts (different folders) appear together or not at
    all; the staging folders go either way."""
    (tmp_path / "report.xlsx").write_bytes(b"previous")

    def broken(path: Path) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError), atomic.staged_outputs():
        atomic.write_all(tmp_path / "results", {"results.csv": atomic.text_writer("a\n")})
        atomic.write_bytes_atomic(tmp_path / "report.xlsx", b"new")
        atomic.write_all(tmp_path / "charts", {"a.png": broken})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx"]
    assert (tmp_path / "report.xlsx").read_bytes() == b"previous"

    with atomic.staged_outputs():
        atomic.write_all(tmp_path / "new" / "results", {"results.csv": atomic.text_writer("a\n")})
        atomic.write_bytes_atomic(tmp_path / "report.xlsx", b"new")
        assert not (tmp_path / "new").exists()  # nothing in place before the block ends
    assert (tmp_path / "new" / "results" / "results.csv").read_text() == "a\n"
    assert (tmp_path / "report.xlsx").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new", "report.xlsx"]


def test_a_folder_where_a_file_goes_is_refused_before_anything_moves(tmp_path: Path) -> None:
    (tmp_path / "report.xlsx").mkdir()
    with pytest.raises(IsADirectoryError), atomic.staged_outputs():
        atomic.write_all(tmp_path / "out", {"results.csv": atomic.text_writer("a\n")})
        atomic.write_bytes_atomic(tmp_path / "report.xlsx", b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx"]


def test_a_killed_process_staging_folder_is_swept(tmp_path: Path) -> None:
    dead = tmp_path / f"{atomic.STAGE_PREFIX}999999999-abc"
    dead.mkdir()
    mine = tmp_path / f"{atomic.STAGE_PREFIX}{os.getpid()}-abc"
    mine.mkdir()
    atomic.write_text_atomic(tmp_path / "a.csv", "a\n")
    assert not dead.exists() and mine.exists()


def test_a_file_written_in_the_background_moves_in_with_the_others(tmp_path: Path) -> None:
    """write_in_background: the caller goes on while the file is written; the block waits for
    it and moves it in with the files written in the foreground."""
    import threading

    release = threading.Event()

    def slow(path: Path) -> None:
        release.wait(10)
        path.write_text("background")

    with atomic.staged_outputs():
        assert atomic.write_in_background(tmp_path / "audit.csv", slow) == \
            tmp_path / "audit.csv"
        atomic.write_text_atomic(tmp_path / "results.csv", "foreground")
        assert not (tmp_path / "audit.csv").exists()  # (still being written)
        release.set()
    assert (tmp_path / "audit.csv").read_text() == "background"
    assert (tmp_path / "results.csv").read_text() == "foreground"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.csv", "results.csv"]


def test_a_failed_background_write_fails_the_block_and_nothing_moves(tmp_path: Path) -> None:
    (tmp_path / "results.csv").write_text("previous")

    def broken(path: Path) -> None:
        path.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"), atomic.staged_outputs():
        atomic.write_in_background(tmp_path / "audit.csv", broken)
        atomic.write_text_atomic(tmp_path / "results.csv", "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]
    assert (tmp_path / "results.csv").read_text() == "previous"


def test_a_block_that_fails_waits_for_its_background_writes_then_removes_them(
        tmp_path: Path) -> None:
    """The block's own error is raised; what the background thread wrote is removed after it
    finished (never a staging folder left behind, nor a thread writing into a removed one)."""
    import threading

    finished = threading.Event()

    def slow(path: Path) -> None:
        path.write_text("audit")
        finished.wait(0.2)
        finished.set()

    with pytest.raises(ValueError, match="solve failed"), atomic.staged_outputs():
        atomic.write_in_background(tmp_path / "audit.csv", slow)
        raise ValueError("solve failed")
    assert finished.is_set()
    assert list(tmp_path.iterdir()) == []


def test_write_in_background_needs_a_block(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="staged_outputs"):
        atomic.write_in_background(tmp_path / "x", lambda path: None)
