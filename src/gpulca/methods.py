"""Load ``methods/*.yaml`` and check that every method exists in the bundled LCIA set."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path

from gpulca.errors import InputError, Problem
from gpulca.schemas import parse
from gpulca.schemas.methods import MethodSet
from gpulca.yamlio import LineMap, load_yaml


@lru_cache(maxsize=1)
def bundled_method_names() -> frozenset[tuple[str, ...]]:
    """Names of the LCIA methods bundled with bw2io (what gpulca installs)."""
    from gpulca.brightway import bundled_lcia_data
    from gpulca.cache import cached_json

    names = cached_json("lcia-method-names",
                        lambda: [list(m["name"]) for m in bundled_lcia_data()])
    return frozenset(tuple(name) for name in names)


def gpulca_method_names() -> frozenset[tuple[str, ...]]:
    """LCIA methods gpulca defines itself and installs with the background."""
    from gpulca.regional import REGIONAL_WATER_METHOD

    return frozenset({REGIONAL_WATER_METHOD})


def unknown_method_problem(method: tuple[str, ...], known: Iterable[tuple[str, ...]],
                           lines: LineMap, path: tuple[str | int, ...]) -> Problem:
    """A located problem for an unknown method, listing the closest known method names."""
    joined = {" | ".join(name): name for name in known}
    close = get_close_matches(" | ".join(method), list(joined), n=3, cutoff=0.5)
    hint = "; close matches: " + "; ".join(f"[{', '.join(joined[c])}]" for c in close) \
        if close else ""
    return lines.problem(path, f"no such LCIA method{hint}", " | ".join(method))


def check_methods_exist(methods: MethodSet, lines: LineMap,
                        known: Iterable[tuple[str, ...]] | None = None) -> list[Problem]:
    """Problems for every impact category whose method is not in ``known`` (default: bundled
    with bw2io, plus gpulca's own)."""
    known_set = frozenset(known) if known is not None else \
        bundled_method_names() | gpulca_method_names()
    return [
        unknown_method_problem(category.method, known_set, lines,
                               ("impact_categories", index, "method"))
        for index, category in enumerate(methods.impact_categories)
        if category.method not in known_set
    ]


def load_methods(path: str | Path, check: bool = True) -> MethodSet:
    """Parse a methods file; with ``check``, every method must exist in the bundled set."""
    data, lines = load_yaml(path)
    methods = parse(MethodSet, data, lines)
    if check:
        problems = check_methods_exist(methods, lines)
        if problems:
            raise InputError(problems)
    return methods
