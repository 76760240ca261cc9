"""The example studies shipped with gpulca (``scenarios/``), found and written out by name.

An example's name is its path under the shipped ``scenarios/`` folder without ``.yaml``
(``moshi-like``, ``replications/bloom2023``). Writing one out copies the study and every shipped
file it refers to (its own inventories, methods, activity data, tagging rules), keeping their
places relative to one another, so the copy runs as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gpulca.core.errors import InputError, Problem
from gpulca.io.atomic import write_bytes_atomic
from gpulca.io.yamlio import load_yaml
from gpulca.library.inventory import discover_yaml, shipped_root


def examples_root() -> Path:
    """The shipped ``scenarios/`` folder."""
    return shipped_root() / "scenarios"


def _is_study(path: Path) -> bool:
    try:
        data = load_yaml(path)[0]
    except InputError:
        return False
    return isinstance(data, dict) and "name" in data and ("activity" in data or "site" in data)


def example_names() -> list[str]:
    """Every shipped example study, by name (sorted)."""
    root = examples_root()
    return sorted(p.relative_to(root).with_suffix("").as_posix()
                  for p in discover_yaml([root]) if _is_study(p))


def example_path(name: str) -> Path:
    """The shipped file of example ``name``; an :class:`InputError` listing the names if none."""
    names = example_names()
    if name.removesuffix(".yaml") not in names:
        raise InputError(Problem(None, "", f"no example named {name!r}; the examples are: "
                                           + ", ".join(names), None))
    return examples_root() / f"{name.removesuffix('.yaml')}.yaml"


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def example_files(name: str) -> list[Path]:
    """The example's study file and every shipped file it refers to (absolute, sorted)."""
    root = examples_root().resolve()
    pending, found = [example_path(name).resolve()], set[Path]()
    while pending:
        path = pending.pop()
        if path in found:
            continue
        found.add(path)
        if path.suffix != ".yaml":
            continue
        for text in _strings(load_yaml(path)[0]):
            if "\n" in text or len(text) > 300:
                continue
            target = (path.parent / text).resolve()
            if target == path or not target.is_relative_to(root) or not target.exists():
                continue
            pending.extend(discover_yaml([target]) if target.is_dir() else [target])
    return sorted(found)


def write_example(name: str, destination: Path, overwrite: bool = False) -> list[Path]:
    """Copy example ``name`` (and what it refers to) into ``destination``; return the paths.

    The files keep their places relative to the shipped ``scenarios/`` folder. Existing files
    are never replaced unless ``overwrite``: all are checked before any is written.
    """
    root = examples_root().resolve()
    files = {destination / path.relative_to(root): path for path in example_files(name)}
    existing = [str(target) for target in files if target.exists()]
    if existing and not overwrite:
        raise InputError([Problem(None, "", f"{target} already exists (use --force to replace "
                                            "it)", None) for target in existing])
    return [write_bytes_atomic(target, source.read_bytes()) for target, source in files.items()]
