"""core.memory: the memory the C allocator holds free is given back where it can be."""

from __future__ import annotations

import sys

import numpy as np

from gpulca.core import memory


def _resident_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status
                    if line.startswith("VmRSS")) / 1024


def test_freed_memory_is_given_back_on_glibc() -> None:
    """Many small arrays made and dropped leave their memory in glibc's heap; given back, the
    resident set falls (elsewhere the call does nothing, and does not fail)."""
    memory.give_back_freed_memory()
    if not (sys.platform.startswith("linux") and memory._malloc_trim() is not None):
        return
    before = _resident_mb()
    kept = [np.ones(1000) for _ in range(40_000)]  # 8 kB each: from the heap, not mmap
    keep_last = kept[-1]
    del kept
    held = _resident_mb()
    memory.give_back_freed_memory()
    assert _resident_mb() < held - 100 or held - before < 100
    assert keep_last.sum() == 1000
