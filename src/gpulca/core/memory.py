"""The process's memory: what the C allocator keeps after Python and numpy freed it.

glibc's allocator keeps freed blocks in its heaps for reuse; a step that made and dropped
many temporaries (a 10,000-variant comparison) leaves tens of megabytes of the process's
resident memory free but not given back. :func:`give_back_freed_memory` asks the allocator to
return it (``malloc_trim``, as Dask's workers do), before a step that does not reuse it."""

from __future__ import annotations

import ctypes
import sys
from functools import cache
from typing import Any


def give_back_freed_memory() -> None:
    """Return the memory the C allocator holds free to the system, where the allocator can
    (glibc's ``malloc_trim``; elsewhere nothing is done). About 1 ms."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:  # the process's own symbols, which hold the C library's (no subprocess looks it up)
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return getattr(libc, "malloc_trim", None)  # (musl has none)
