"""Look-ups of biosphere3 elementary flows by code or by name and categories.

The flow list itself is bw2io's bundled biosphere3 (read by
:func:`gpulca.engine.bundled.bundled_flow_index`); gpulca's projects are built from the same
file, so a flow found here has the same code in the project.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import get_close_matches

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
