"""Write output files all-or-nothing: a failed run leaves no partial output."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

Writer = Callable[[Path], None]
"""Writes one file at the given (temporary) path."""


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
