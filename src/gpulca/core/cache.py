"""A small on-disk cache for data derived from installed packages (flow and method lists).

Reading biosphere3 and the LCIA method names from bw2io costs about two seconds (importing bw2io
and parsing its bundled files); a run only needs the lists, which change only with bw2io's
version. The cache lives in ``GPULCA_CACHE_DIR`` or the user's cache directory, never in a
Brightway data directory, and a corrupt or unwritable cache is rebuilt or skipped.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any


def cache_dir() -> Path:
    """The gpulca cache directory."""
    if os.environ.get("GPULCA_CACHE_DIR"):
        return Path(os.environ["GPULCA_CACHE_DIR"])
    import platformdirs

    return Path(platformdirs.user_cache_dir("gpulca"))


def cached_json(name: str, build: Callable[[], Any], package: str = "bw2io") -> Any:
    """Return ``build()``, cached as JSON per installed version of ``package``."""
    path = cache_dir() / f"{name}-{package}-{version(package)}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    data = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False,
                                         suffix=".tmp", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(handle.name, path)
    except OSError:
        pass  # a read-only cache only costs time
    return data
