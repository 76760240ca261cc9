"""Pydantic schemas of gpulca's YAML files, and their conversion to located problems."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from gpulca.core.errors import InputError, Problem
from gpulca.io.yamlio import LineMap

M = TypeVar("M", bound=BaseModel)


def data_path(data: Any, loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Keep the parts of a pydantic error location that are real keys of ``data``.

    Pydantic inserts union member names (``str``, ``ExternalProcessRef``...) in locations; those
    are not places in the user's file and are dropped.
    """
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part.isidentifier() and \
                part[0].islower() and part not in {"str", "int", "float", "bool", "list",
                                                    "dict", "tuple", "none"}:
            path.append(part)  # a missing required key: name it
            node = None
    return tuple(path)


def _message(error: Any) -> str:
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    if error["type"] == "extra_forbidden":
        message = "unknown key (not part of the schema; check the spelling)"
    elif error["type"] == "missing":
        message = "required key is missing"
    elif error["type"] in _BOUNDS:
        bound = error.get("ctx", {}).get(_BOUNDS[error["type"]][0])
        message = f"expected a number {_BOUNDS[error['type']][1]} {bound}"
    elif error["type"] in ("float_parsing", "float_type", "int_parsing", "int_type"):
        message = "expected a number"
    elif error["type"] == "finite_number":
        message = "expected a finite number (not NaN or infinity)"
    elif error["type"] == "string_pattern_mismatch":
        pattern = str(error.get("ctx", {}).get("pattern", ""))
        message = _PATTERN_TEXT.get(pattern, f"expected text matching {pattern}")
    return message


_BOUNDS = {
    "greater_than_equal": ("ge", ">="),
    "greater_than": ("gt", ">"),
    "less_than_equal": ("le", "<="),
    "less_than": ("lt", "<"),
}

_PATTERN_TEXT = {
    r"^[a-z0-9][a-z0-9_.\-]*$": "expected a code of lower-case letters, digits, '_', '-' or '.'",
    r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$": "expected a zone id of letters, digits, '_', '-' or '.'",
    r"^[a-z][a-z0-9_]*$": "expected a snake_case name",
    r"^[A-Z]{2}$": "expected a two-letter ISO 3166 country code",
}


def _shown_value(error: Any) -> object:
    value = error.get("input")
    if error["type"] == "extra_forbidden":
        return None
    if isinstance(value, str | int | float | bool) or value is None and error["type"] != "missing":
        return value
    return None


def problems_from_validation(
    exc: ValidationError, data: Any, lines: LineMap, prefix: tuple[str | int, ...] = ()
) -> list[Problem]:
    """Convert a pydantic ValidationError into located problems (one per distinct place)."""
    problems: list[Problem] = []
    seen: set[tuple[tuple[str | int, ...], str]] = set()
    for error in exc.errors():
        path = prefix + data_path(data, tuple(error["loc"]))
        message = _message(error)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        problems.append(lines.problem(path, message, _shown_value(error)))
    # Union members each report their own failure; keep the most specific ones per path.
    return _prune_union_noise(problems)


def _prune_union_noise(problems: list[Problem]) -> list[Problem]:
    noisy = ("Input should be a valid", "String should match pattern")
    by_path: dict[str, list[Problem]] = {}
    for problem in problems:
        by_path.setdefault(problem.path, []).append(problem)
    kept: list[Problem] = []
    for group in by_path.values():
        specific = [p for p in group if not p.message.startswith(noisy)]
        if specific:
            kept.extend(specific)
        else:  # every union member failed on type: the first message is the informative one
            kept.append(group[0])
    return kept


def parse(model: type[M], data: Any, lines: LineMap) -> M:
    """Validate ``data`` against ``model``; raise :class:`InputError` listing every problem."""
    if data is None:
        raise InputError(lines.problem((), f"the file is empty; expected a {model.__name__}"))
    if not isinstance(data, dict):
        raise InputError(
            lines.problem((), f"expected a mapping of keys ({model.__name__})", type(data).__name__)
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, data, lines)) from exc
