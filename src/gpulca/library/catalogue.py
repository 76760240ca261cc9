"""What the inventory library holds: accelerators, servers, grid zones and sites, as tables.

Pure functions over :func:`gpulca.library.inventory.load_library` (no Brightway import, no
LCIA): each listing is a header and one row per catalogue item, with the item's source, so that a
user can see what a study may name and where each number comes from. ``gpulca list`` prints them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gpulca.core.errors import InputError, Problem
from gpulca.library.inventory import Library, load_library, shipped_root
from gpulca.schemas.common import SourcedValue
from gpulca.schemas.inventory import Accelerator, GridZone, Server, Site

KINDS = ("accelerators", "servers", "zones", "sites")
"""What ``gpulca list`` can show."""


@dataclass(frozen=True)
class Listing:
    """A catalogue table: column names and one tuple of strings per item, sorted by id."""

    kind: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]

    def as_records(self) -> list[dict[str, str]]:
        """The rows as ``{column: value}`` mappings (for JSON output)."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def default_inventory_paths() -> list[Path]:
    """The shipped library, plus ``inventories/`` of the current folder when there is one (a
    user's own library adds to the shipped one; in a source checkout they are the same)."""
    shipped = shipped_root() / "inventories"
    local = Path.cwd() / "inventories"
    if local.is_dir() and local.resolve() != shipped.resolve():
        return [shipped, local]
    return [shipped]


def _value(sourced: SourcedValue | None) -> str:
    """A sourced value as text ("700 W", "0.76"), empty when absent."""
    if sourced is None:
        return ""
    value = sourced.value
    return f"{value:g}" if isinstance(value, float | int) else str(value)


def _source(*candidates: str | None) -> str:
    """The first non-empty source text, on one line."""
    for candidate in candidates:
        if candidate:
            return " ".join(candidate.split())
    return ""


def accelerator_row(item: Accelerator) -> tuple[str, ...]:
    return (item.id, item.name, item.memory or "", _value(item.rated_power),
            _value(item.training_load), _value(item.idle_power), item.manufacturing,
            item.quality or "", _source(item.source, item.rated_power.source))


def server_row(item: Server) -> tuple[str, ...]:
    return (item.id, item.name, str(item.gpus_per_node), _value(item.overhead_power),
            item.manufacturing, item.quality or "",
            _source(item.source, item.overhead_power.source))


def zone_row(item: GridZone) -> tuple[str, ...]:
    return (item.id, item.name, item.country or "", str(item.year or ""), item.electricity,
            item.quality or "", _source(item.source))


def site_row(item: Site) -> tuple[str, ...]:
    return (item.id, item.name, item.grid_zone, _value(item.pue), _value(item.wue),
            item.quality or "", _source(item.source, item.pue.source))


_TABLES: dict[str, tuple[str, tuple[str, ...], Callable[..., tuple[str, ...]]]] = {
    "accelerators": ("accelerators", ("id", "name", "memory", "rated_power", "training_load",
                                      "idle_power", "manufacturing", "quality", "source"),
                     accelerator_row),
    "servers": ("servers", ("id", "name", "gpus_per_node", "overhead_power", "manufacturing",
                            "quality", "source"), server_row),
    "zones": ("grid_zones", ("id", "name", "country", "year", "electricity", "quality",
                             "source"), zone_row),
    "sites": ("sites", ("id", "name", "grid_zone", "pue", "wue", "quality", "source"),
              site_row),
}


def listing(library: Library, kind: str) -> Listing:
    """The table of one catalogue ``kind`` (one of :data:`KINDS`) of a loaded library.

    Raises:
        InputError: when ``kind`` is not one of :data:`KINDS`.
    """
    if kind not in _TABLES:
        raise InputError(Problem(None, "kind", f"unknown catalogue kind; expected one of "
                                               f"{', '.join(KINDS)}", value=kind))
    section, columns, make_row = _TABLES[kind]
    items = getattr(library, section)
    rows = [make_row(items[key].item) for key in sorted(items, key=str.lower)]
    return Listing(kind, columns, rows)


def list_catalogue(kind: str, paths: Iterable[str | Path] | None = None) -> Listing:
    """Load the library at ``paths`` (default: :func:`default_inventory_paths`) and list ``kind``.

    Raises:
        InputError: for an unknown kind or a library that does not load (every problem listed).
    """
    if kind not in _TABLES:
        raise InputError(Problem(None, "kind", f"unknown catalogue kind; expected one of "
                                               f"{', '.join(KINDS)}", value=kind))
    chosen: Sequence[str | Path] = list(paths) if paths else default_inventory_paths()
    return listing(load_library(chosen), kind)


def format_text(table: Listing) -> str:
    """Aligned plain text: a header line, then exactly one line per item (the last column,
    the source, is not padded and never wrapped)."""
    lines = [table.columns, *table.rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(table.columns) - 1)]
    out = []
    for line in lines:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        out.append("  ".join([*cells, line[-1]]).rstrip())
    return "\n".join(out)
