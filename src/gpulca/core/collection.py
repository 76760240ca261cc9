"""Python's cyclic garbage collector paused while a large result is built.

Building thousands of variants keeps every object made: each full collection walks all those
made so far again, so the collections grow with the square of the count (a third of resolving
or comparing 10,000 variants). The objects are kept anyway; whatever the block leaves behind
is collected after it as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector in the block (re-enabled after it, if it was)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
