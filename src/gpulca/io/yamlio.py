"""Safe YAML loading that remembers where every value came from.

:func:`load_yaml` returns the plain data *and* a :class:`LineMap` from key paths such as
``("activity", 3, "gpu_hours")`` to 1-based line numbers, so that schema errors can name the
line. Only YAML's safe types are built; duplicate keys are an error (PyYAML silently keeps the
last one, which hides typos in inventories).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gpulca.core.errors import InputError, Problem, format_path

PathKey = tuple[str | int, ...]

# libyaml's parser is about ten times faster than PyYAML's pure-Python one and keeps the marks
# (line numbers) gpulca needs; fall back to the pure-Python loader where libyaml is missing.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class LineMap:
    """Line numbers of the values in one YAML document, by key path."""

    file: str
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """Return the line of ``path`` or of its nearest ancestor that has one."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)

    def problem(
        self, path: Sequence[str | int], message: str, value: object = None
    ) -> Problem:
        """Build a located problem for ``path`` in this file."""
        return Problem(self.file, format_path(path), message, self.line_of(path), value)


class _Builder:
    """Turns a composed PyYAML node tree into Python data plus a line map."""

    def __init__(self, file: str) -> None:
        self.map = LineMap(file)
        self._constructor = yaml.SafeLoader("")  # used only to construct scalars safely

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.map.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        return self._constructor.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self._constructor.construct_object(key_node, deep=True)
            if key == "<<":
                raise InputError(
                    self.map.problem(path, "YAML merge keys ('<<') are not supported")
                )
            if key in result:
                line = key_node.start_mark.line + 1
                raise InputError(
                    Problem(self.map.file, format_path(path + (str(key),)),
                            "duplicate key; each key may appear once", line, key)
                )
            result[key] = self.build(value_node, path + (key,))
            # Point at the key's line: for block values the value starts on a later line.
            self.map.lines[path + (key,)] = key_node.start_mark.line + 1
        return result


def load_yaml_text(text: str, file: str) -> tuple[Any, LineMap]:
    """Parse YAML text; raise :class:`InputError` with the line on syntax errors."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            Problem(file, "", f"YAML syntax error: {reason}", line)
        ) from exc
    builder = _Builder(file)
    if node is None:
        return None, builder.map
    try:
        data = builder.build(node, ())
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise InputError(
            Problem(file, "", f"YAML value error: {exc.problem}", mark.line + 1 if mark else None)
        ) from exc
    return data, builder.map


def load_yaml(path: str | Path) -> tuple[Any, LineMap]:
    """Read and parse a YAML file; problems name the file (and line)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(Problem(str(path), "", "file not found")) from exc
    except OSError as exc:
        raise InputError(Problem(str(path), "", f"cannot read file: {exc.strerror}")) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            Problem(str(path), "", "file is not valid UTF-8", line, raw[exc.start:exc.start + 4])
        ) from exc
    return load_yaml_text(text, str(path))
