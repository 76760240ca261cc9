"""The biosphere3 elementary flows (ecoinvent 3.9, bundled with bw2io), for lookups by code or name.

gpulca's projects are built from the same bundled file, so a flow found here has the same code
in the project. Loading takes about a second and is cached per process.
"""

from __future__ import annotations

import contextlib
import io
import logging
from dataclasses import dataclass
from difflib import get_close_matches
from functools import lru_cache
from typing import Any

from gpulca.cache import cached_json
from gpulca.schemas.inventory import FlowRef


@dataclass(frozen=True)
class Flow:
    """One elementary flow of biosphere3."""

    code: str
    name: str
    categories: tuple[str, ...]
    unit: str


@dataclass(frozen=True)
class FlowIndex:
    """Flows by code and by (name, categories)."""

    by_code: dict[str, Flow]
    by_name: dict[tuple[str, tuple[str, ...]], Flow]

    def find(self, ref: FlowRef) -> Flow | None:
        """Return the flow a reference points at, or None."""
        if ref.code:
            flow = self.by_code.get(ref.code)
            if flow is None:
                return None
            if ref.name and (ref.name != flow.name or (
                    ref.categories and tuple(ref.categories) != flow.categories)):
                return None  # code and name disagree: treat as not found (reported by caller)
            return flow
        return self.by_name.get((ref.name or "", tuple(ref.categories or ())))

    def suggestions(self, ref: FlowRef) -> list[str]:
        """Close matches for an unknown reference, as ``name (cat/sub)`` strings."""
        if ref.code and not ref.name:
            return []
        names = sorted({name for name, _ in self.by_name})
        close = get_close_matches(ref.name or "", names, n=3, cutoff=0.6)
        out: list[str] = []
        for name in close:
            categories = sorted(c for n, c in self.by_name if n == name)
            out.extend(f"{name} ({'/'.join(c)})" for c in categories[:3])
        return out[:5]


def _read_bundled_flows() -> list[list[Any]]:
    from gpulca.brightway import import_brightway

    import_brightway()  # bw2io imports bw2data: do it the quiet, scratch-directory way first
    logging.disable(logging.WARNING)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # bw2io prints its strategies
            from bw2io.importers import Ecospold2BiosphereImporter

            importer = Ecospold2BiosphereImporter()
            importer.apply_strategies(verbose=False)
    finally:
        logging.disable(logging.NOTSET)
    return [[r["code"], r["name"], list(r["categories"]), r["unit"]] for r in importer.data]


@lru_cache(maxsize=1)
def bundled_flow_index() -> FlowIndex:
    """The biosphere3 flows bundled with bw2io, as a :class:`FlowIndex` (cached on disk)."""
    by_code: dict[str, Flow] = {}
    by_name: dict[tuple[str, tuple[str, ...]], Flow] = {}
    for code, name, categories, unit in cached_json("biosphere3-flows", _read_bundled_flows):
        flow = Flow(code, name, tuple(categories), unit)
        by_code[flow.code] = flow
        by_name[(flow.name, flow.categories)] = flow
    return FlowIndex(by_code, by_name)
