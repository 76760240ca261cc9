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
