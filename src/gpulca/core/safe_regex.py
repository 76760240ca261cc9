"""Regular expressions from user input, with bounded work.

Tagging rules (:mod:`gpulca.ingest.rules`) are user-written patterns searched against job names
from logs. Python's :mod:`re` has no time limit, so a pattern with catastrophic backtracking
(``^(a|aa)+$``) against one long job name hangs ``gpulca ingest``. Patterns are compiled here with
the ``regex`` package (re-compatible syntax) and every search has a time limit; a search that
exceeds it is a :class:`RegexTimeout` naming the pattern and the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gpulca.core.errors import GpulcaError, InputError, Problem

SEARCH_TIMEOUT_S = 1.0
"""Longest one search may take (a sound pattern on a job name takes microseconds)."""


class RegexTimeout(InputError):
    """A pattern took longer than :data:`SEARCH_TIMEOUT_S` on one text (bad input: exit 2)."""


class RegexSyntaxError(ValueError, GpulcaError):
    """A pattern that does not compile; ``msg`` and ``pos`` as :class:`re.error` has them."""

    def __init__(self, msg: str, pos: int | None) -> None:
        self.msg, self.pos = msg, pos
        super().__init__(f"invalid regular expression: {msg} at position {pos}")


def _regex() -> Any:
    import regex  # type: ignore[import-untyped]  # imported on use: no work at import time

    return regex


@dataclass(frozen=True)
class SafePattern:
    """A compiled pattern whose searches are time-bounded."""

    pattern: str
    compiled: Any
    timeout_s: float = SEARCH_TIMEOUT_S

    def search(self, text: str) -> Any:
        """The match of the pattern in ``text``, or None (``re.search`` semantics).

        Raises:
            RegexTimeout: when the search takes longer than ``timeout_s``.
        """
        try:
            return self.compiled.search(text, timeout=self.timeout_s)
        except TimeoutError as exc:
            raise self._timeout(text) from exc

    def matches(self, texts: list[str]) -> list[bool]:
        """Whether the pattern is found in each of ``texts``: :meth:`search` over a list, each
        search time-bounded alike, without a Python call per text beyond the search itself.

        Raises:
            RegexTimeout: when one search takes longer than ``timeout_s``.
        """
        search, timeout = self.compiled.search, self.timeout_s
        found: list[bool] = []
        append = found.append
        for text in texts:
            try:
                append(search(text, timeout=timeout) is not None)
            except TimeoutError as exc:
                raise self._timeout(text) from exc
        return found

    def _timeout(self, text: str) -> RegexTimeout:
        shown = text if len(text) <= 60 else text[:57] + "..."
        return RegexTimeout(Problem(
            None, "", f"the regular expression {self.pattern!r} took longer than "
            f"{self.timeout_s:g} s on {shown!r} (catastrophic backtracking? e.g. '(a+)+' "
            "nests repetitions); simplify it"))


def compile_safe(pattern: str, timeout_s: float = SEARCH_TIMEOUT_S) -> SafePattern:
    """Compile ``pattern`` (``re`` syntax) for time-bounded searches.

    Raises:
        RegexSyntaxError: when the pattern does not compile.
    """
    try:  # the syntax is re's: its messages and positions
        re.compile(pattern)
    except re.error as exc:
        raise RegexSyntaxError(exc.msg, exc.pos) from exc
    regex = _regex()
    try:
        compiled = regex.compile(pattern, flags=regex.VERSION0)
    except regex.error as exc:
        raise RegexSyntaxError(str(getattr(exc, "msg", exc)), getattr(exc, "pos", None)
                               ) from exc
    return SafePattern(pattern, compiled, timeout_s)
