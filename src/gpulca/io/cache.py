"""Data derived from installed packages (flow and method lists), cached as JSON on disk.

Reading biosphere3 and the LCIA method names from bw2io costs about two seconds (importing bw2io
and parsing its bundled files); a run only needs the lists, which change only with bw2io's
version. The cache lives in :func:`gpulca.core.cache.cache_dir`, never in a Brightway data
directory; a corrupt cache is rebuilt and an unwritable one skipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from gpulca.core.cache import cache_dir
from gpulca.io.atomic import text_writer, write_now


def cached_json(name: str, build: Callable[[], Any], package: str = "bw2io") -> Any:
    """Return ``build()``, cached as JSON per installed version of ``package``."""
    path = cache_dir() / f"{name}-{package}-{version(package)}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    data = build()
    try:
        write_now(path, text_writer(json.dumps(data)))
    except OSError:
        pass  # a read-only cache only costs time
    return data
