"""Writing LCIA methods fast: bw2data's per-factor flow look-up skipped for known flow ids.

Used by the background (:mod:`gpulca.engine.background`, the bundled methods) and by the regional
water method (:mod:`gpulca.engine.regional`); it sits below both so that neither imports the other
for it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def fast_method_ids(valid_ids: set[int]) -> Iterator[None]:
    """Skip bw2data's one-SQL-query-per-CF id lookup for ids we already know are valid.

    ``Method.write`` resolves every CF's flow with a database query (266 s for the bundled
    methods); the ids come from one query on biosphere3 here, so the lookup is redundant. The
    original function is restored on exit; nothing in site-packages is modified.
    """
    import bw2data.method as method_module

    original = method_module.get_id

    def get_id(key: Any) -> Any:
        if isinstance(key, int) and key in valid_ids:
            return key
        return original(key)

    method_module.get_id = get_id
    try:
        yield
    finally:
        method_module.get_id = original
