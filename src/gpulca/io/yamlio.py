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
from gpulca.io.limits import (
    MAX_SCALAR_CHARS,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    nul_byte_line,
    read_input_bytes,
)

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


_KEY_TYPES = (str, int, float, bool, type(None))


class _Builder:
    """Turns a composed PyYAML node tree into Python data plus a line map.

    Bounded: a recursive alias, more than :data:`MAX_YAML_NODES` values (alias bombs), nesting
    deeper than :data:`MAX_YAML_DEPTH`, a value longer than :data:`MAX_SCALAR_CHARS` and a
    key that is not a plain value (YAML's ``? [a, b]`` complex keys) are located errors.
    """

    def __init__(self, file: str) -> None:
        self.map = LineMap(file)
        self._constructor = yaml.SafeLoader("")  # used only to construct scalars safely
        self._open: set[int] = set()
        self._count = 0

    def _refuse(self, node: yaml.Node, path: PathKey, message: str, value: object = None
                ) -> InputError:
        return InputError(Problem(self.map.file, format_path(path), message,
                                  node.start_mark.line + 1, value))

    def _check(self, node: yaml.Node, path: PathKey) -> None:
        self._count += 1
        if self._count > MAX_YAML_NODES:
            raise self._refuse(node, path, f"the document expands to more than "
                                           f"{MAX_YAML_NODES:,} values (aliases counted each "
                                           "time they are used); refused")
        if len(path) > MAX_YAML_DEPTH:
            raise self._refuse(node, path, f"nested more than {MAX_YAML_DEPTH} levels deep")
        if id(node) in self._open:
            raise self._refuse(node, path, "recursive alias (a value that contains itself)")
        if isinstance(node, yaml.ScalarNode) and len(node.value) > MAX_SCALAR_CHARS:
            raise self._refuse(node, path, f"value of {len(node.value):,} characters; the "
                                           f"limit is {MAX_SCALAR_CHARS:,}")

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self._check(node, path)
        self.map.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            self._open.add(id(node))
            try:
                if isinstance(node, yaml.MappingNode):
                    return self._mapping(node, path)
                return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
            finally:
                self._open.discard(id(node))
        return self._constructor.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self._refuse(key_node, path, "a key must be a plain value (name or "
                                                   "number), not a list or mapping")
            self._check(key_node, path)
            key: Any = self._constructor.construct_object(key_node, deep=True)
            if not isinstance(key, _KEY_TYPES):
                raise self._refuse(key_node, path, "a key must be a plain value (name or "
                                                   "number)", str(key))
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
            child: PathKey = (*path, key)  # type: ignore[arg-type]  # YAML keys: names, numbers
            result[key] = self.build(value_node, child)
            # Point at the key's line: for block values the value starts on a later line.
            self.map.lines[child] = key_node.start_mark.line + 1
        return result


def load_yaml_text(text: str, file: str) -> tuple[Any, LineMap]:
    """Parse YAML text; raise :class:`InputError` with the line on syntax errors."""
    line = nul_byte_line(text)
    if line is not None:
        raise InputError(Problem(file, "", "NUL character (\\x00) in the text; is this a "
                                           "binary file?", line))
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
    """Read and parse a YAML file; problems name the file (and line). Only a regular file of at
    most :data:`gpulca.io.limits.MAX_INPUT_BYTES` is read."""
    path = Path(path)
    raw = read_input_bytes(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            Problem(str(path), "", "file is not valid UTF-8", line, raw[exc.start:exc.start + 4])
        ) from exc
    return load_yaml_text(text, str(path))
