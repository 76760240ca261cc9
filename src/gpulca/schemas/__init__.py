"""Pydantic schemas of gpulca's YAML files, and their conversion to located problems."""

from __future__ import annotations

import typing
from difflib import get_close_matches
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
        message = message if message.startswith("unknown key; did you mean") else \
            "unknown key (not part of the schema; check the spelling)"
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


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation can hold (through Optional, unions, lists, dicts)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[type[BaseModel]]:
    """The models that may sit at ``loc`` (a pydantic error location) below ``model``."""
    current = [model]
    for part in loc:
        if isinstance(part, int):
            continue
        following = [m for c in current if part in c.model_fields
                     for m in _models_in(c.model_fields[part].annotation)]
        named = [c for c in current if c.__name__ == part]  # a union member's name
        current = following or named or current
    return current


def did_you_mean(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> str | None:
    """The known key closest to the unknown key at ``loc``, if one is close."""
    if model is None or not loc or not isinstance(loc[-1], str):
        return None
    known = {name for m in model_at(model, loc[:-1]) for name in m.model_fields}
    matches = get_close_matches(loc[-1], sorted(known), n=1, cutoff=0.6)
    return matches[0] if matches else None


def problems_from_validation(
    exc: ValidationError, data: Any, lines: LineMap, prefix: tuple[str | int, ...] = (),
    model: type[BaseModel] | None = None,
) -> list[Problem]:
    """Convert a pydantic ValidationError into located problems (one per distinct place).

    With ``model``, an unknown key gets the closest known key ("did you mean 'accelerator'?"),
    and the "required key is missing" of that key is then left out (it is the same mistake).
    """
    problems: list[Problem] = []
    seen: set[tuple[tuple[str | int, ...], str]] = set()
    errors = exc.errors()
    suggested: set[tuple[str | int, ...]] = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            guess = did_you_mean(model, tuple(error["loc"]))
            if guess is not None:
                error["msg"] = f"unknown key; did you mean '{guess}'?"
                suggested.add(prefix + data_path(data, tuple(error["loc"])[:-1]) + (guess,))
    for error in errors:
        path = prefix + data_path(data, tuple(error["loc"]))
        message = _message(error)
        if error["type"] == "missing" and path in suggested:
            continue
        if (path, message) in seen:
            continue
        seen.add((path, message))
        problems.append(lines.problem(path, message, _shown_value(error)))
    # Union members each report their own failure; keep the most specific ones per path.
    # In file order: a reader fixes them top to bottom.
    return sorted(_prune_union_noise(problems), key=lambda p: p.line or 0)


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
        raise InputError(problems_from_validation(exc, data, lines, model=model)) from exc
