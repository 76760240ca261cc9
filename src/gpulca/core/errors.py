"""Exceptions and the problem list shared by every stage.

Every user-facing problem has the same anatomy: the file, the place in it (line and key path),
the offending value, and what was expected. Problems are collected into a :class:`ProblemList`
so that one run lists all of them; :class:`InputError` carries problems out of the library and
the CLI turns them into one line per problem and exit code 2.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


class GpulcaError(Exception):
    """Base class of every error raised on purpose by gpulca."""


@dataclass(frozen=True)
class Problem:
    """One located problem in a user's input.

    Attributes:
        file: the file the problem is in (``None`` when it is not tied to a file).
        path: the key path inside the file, e.g. ``activity[3].gpu_hours``.
        message: what is wrong and what was expected.
        line: 1-based line number, when known.
        value: the offending value, shown with ``repr``-like quoting.
    """

    file: str | None
    path: str
    message: str
    line: int | None = None
    value: object = field(default=None)

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        location = f" {self.path}:" if self.path else ""
        shown = "" if self.value is None else f" got {_show(self.value)};"
        return f"{where}:{location}{shown} {self.message}"


def _show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass
class ProblemList:
    """The problems found in a set of input files; ``valid`` is true when it is empty."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)


class InputError(ValueError, GpulcaError):
    """Bad user input: one or more located problems. The CLI exits with code 2."""

    def __init__(self, problems: Iterable[Problem] | Problem) -> None:
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ProjectError(RuntimeError, GpulcaError):
    """A Brightway project or data directory that gpulca may not or cannot use."""


class EnvironmentFault(GpulcaError):
    """The environment, not the input, stopped the work: a full disk, an unwritable or locked
    folder. The CLI exits with code 3 (see :mod:`gpulca.cli.errors`)."""


def format_path(parts: Iterable[object]) -> str:
    """Turn a location such as ``("activity", 3, "gpu_hours")`` into ``activity[3].gpu_hours``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
