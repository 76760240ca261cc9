"""Limits on what gpulca reads, so hostile or broken input is refused up front, never hangs.

A path must name a regular file (a folder or a named pipe where a file is expected is refused
before it is opened: reading a pipe would wait forever) no larger than the stated limit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gpulca.core.errors import InputError, Problem

MAX_INPUT_BYTES = 64 * 1024 * 1024
"""Largest YAML or CSV input gpulca reads whole (64 MiB; the shipped library is ~1 MiB)."""
MAX_YAML_NODES = 1_000_000
"""Most values one YAML document may expand to, aliases counted each time they are used
(an "alias bomb" expands a few lines into billions)."""
MAX_YAML_DEPTH = 64
"""Deepest nesting of lists and mappings in a YAML document."""
MAX_SCALAR_CHARS = 1_000_000
"""Longest single value (string) in a YAML document."""


def _size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB" if size >= 1024 * 1024 else f"{size} bytes"


def check_regular_file(path: str | Path, limit: int = MAX_INPUT_BYTES) -> int:
    """Raise :class:`InputError` unless ``path`` is a regular file of at most ``limit`` bytes;
    return its size. Never opens the file (a named pipe would block)."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError as exc:
        raise InputError(Problem(str(path), "", "file not found")) from exc
    except OSError as exc:
        raise InputError(Problem(str(path), "", f"cannot read file: {exc.strerror}")) from exc
    if stat.S_ISDIR(info.st_mode):
        raise InputError(Problem(str(path), "", "is a folder; expected a file"))
    if not stat.S_ISREG(info.st_mode):
        kind = "a named pipe" if stat.S_ISFIFO(info.st_mode) else "not a regular file"
        raise InputError(Problem(str(path), "", f"is {kind}; expected a regular file"))
    if info.st_size > limit:
        raise InputError(Problem(str(path), "", f"file is too large ({_size_text(info.st_size)}"
                                                f"; the limit is {_size_text(limit)})"))
    return info.st_size


def read_input_bytes(path: str | Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of input file ``path``, after :func:`check_regular_file`."""
    check_regular_file(path, limit)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(Problem(str(path), "", f"cannot read file: {exc.strerror}")) from exc
    if len(raw) > limit:  # grew since it was checked
        raise InputError(Problem(str(path), "", f"file is too large (the limit is "
                                                f"{_size_text(limit)})"))
    return raw


def nul_byte_line(text: str) -> int | None:
    """1-based line of the first NUL character in ``text``, or None."""
    index = text.find("\x00")
    return None if index < 0 else text.count("\n", 0, index) + 1
