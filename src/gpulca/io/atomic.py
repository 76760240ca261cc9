"""Write output files all-or-nothing: a failed run leaves no partial output.

The one place that writes files atomically: :func:`write_atomic` (and its ``bytes`` and text
forms) for one file, :func:`write_all` for a set of files that appear together. A reader never
sees a half-written file, and an error leaves any previous file untouched.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

Writer = Callable[[Path], None]
"""Writes one file at the given (temporary) path."""


def bytes_writer(content: bytes) -> Writer:
    """A :data:`Writer` of ``content`` (e.g. a chart rendered in memory)."""
    def write(path: Path) -> None:
        path.write_bytes(content)

    return write


def text_writer(text: str) -> Writer:
    """A :data:`Writer` of UTF-8 ``text``, written as given (no newline translation)."""
    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8", newline="")

    return write


def _staging_path(path: Path) -> Path:
    """A hidden name beside ``path``: same folder, so the final rename is atomic; the process id
    and a random token keep concurrent writers apart. The file is made by an ordinary open, so it
    gets the usual permissions (a ``mkstemp`` file would stay private, mode 0600)."""
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def write_atomic(path: str | Path, write: Writer) -> Path:
    """Let ``write`` fill a temporary file beside ``path``, then rename it into place.

    Creates the parent folder. Returns ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = _staging_path(path)
    try:
        write(staging)
        os.replace(staging, path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return path


def write_bytes_atomic(path: str | Path, content: bytes) -> Path:
    """Write ``content`` to ``path`` atomically (see :func:`write_atomic`)."""
    return write_atomic(path, bytes_writer(content))


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`write_atomic`)."""
    return write_atomic(path, text_writer(text))


def write_all(directory: str | Path, writers: Mapping[str, Writer]) -> list[Path]:
    """Write every file into a temporary folder beside ``directory``, then move them in.

    If any writer fails, nothing is moved and the temporary folder is removed, so ``directory``
    holds either the previous outputs or the complete new set. Returns the final paths.
    """
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.tmp-", dir=directory.parent))
    try:
        for name, write in writers.items():
            write(staging / name)
        directory.mkdir(parents=True, exist_ok=True)
        final = []
        for name in writers:
            target = directory / name
            os.replace(staging / name, target)
            final.append(target)
        return final
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_files(directory: str | Path, files: Mapping[str, bytes]) -> list[Path]:
    """:func:`write_all` for files already rendered in memory, by name."""
    return write_all(directory, {name: bytes_writer(content) for name, content in files.items()})
