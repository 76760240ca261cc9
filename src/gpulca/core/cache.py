"""Where gpulca caches data derived from installed packages (pint's parsed unit definitions,
the flow and method lists of :mod:`gpulca.io.cache`).

The cache lives in ``GPULCA_CACHE_DIR`` or the user's cache directory, never in a Brightway data
directory.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """The gpulca cache directory."""
    if os.environ.get("GPULCA_CACHE_DIR"):
        return Path(os.environ["GPULCA_CACHE_DIR"])
    import platformdirs

    return Path(platformdirs.user_cache_dir("gpulca"))
