"""Load ``methods/*.yaml`` and check that every method is one a gpulca project has."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches
from pathlib import Path

from gpulca.core.errors import InputError, Problem
from gpulca.io.yamlio import LineMap, load_yaml
from gpulca.schemas import parse
from gpulca.schemas.methods import MethodSet


def unknown_method_problem(method: tuple[str, ...], known: Iterable[tuple[str, ...]],
                           lines: LineMap, path: tuple[str | int, ...]) -> Problem:
    """A located problem for an unknown method, listing the closest known method names."""
    joined = {" | ".join(name): name for name in known}
    close = get_close_matches(" | ".join(method), list(joined), n=3, cutoff=0.5)
    hint = "; close matches: " + "; ".join(f"[{', '.join(joined[c])}]" for c in close) \
        if close else ""
    return lines.problem(path, f"no such LCIA method{hint}", " | ".join(method))


def check_methods_exist(methods: MethodSet, lines: LineMap,
                        known: Iterable[tuple[str, ...]]) -> list[Problem]:
    """Problems for every impact category whose method is not in ``known`` (the names a gpulca
    project has: :func:`gpulca.engine.bundled.known_method_names`)."""
    known_set = frozenset(known)
    return [
        unknown_method_problem(category.method, known_set, lines,
                               ("impact_categories", index, "method"))
        for index, category in enumerate(methods.impact_categories)
        if category.method not in known_set
    ]


def load_methods(path: str | Path, known: Iterable[tuple[str, ...]] | None = None) -> MethodSet:
    """Parse a methods file; given the ``known`` method names, every method must be one."""
    data, lines = load_yaml(path)
    methods = parse(MethodSet, data, lines)
    if known is not None:
        problems = check_methods_exist(methods, lines, known)
        if problems:
            raise InputError(problems)
    return methods
