"""The audit of the library's key values end to end (``gpulca audit``, issue 20).

Loads the alternatives files (:mod:`gpulca.library.alternatives`), checks that every process an
entry names exists in the inventory library, and returns the audit rows and their data frame.
The chosen values are compared with bw2calc scores of the shipped library by the tests
(tests/library/test_alternatives.py), not at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from gpulca.core.errors import InputError, Problem
from gpulca.library.alternatives import (
    AuditRow,
    Located,
    audit_entries,
    load_alternatives,
    unexplained,
)
from gpulca.library.inventory import load_library, shipped_root

COLUMNS = ("key", "what", "indicator", "unit", "chosen", "alternatives", "independent",
           "minimum", "maximum", "spread", "independent_median", "ratio_to_median", "outlier",
           "component_disagrees", "status", "proposed", "proposed_gsd", "explained",
           "chosen_source", "file", "line")
"""Columns of audit.csv and of the workbook sheet, in order."""


@dataclass(frozen=True)
class AuditResult:
    rows: list[AuditRow]

    @property
    def failures(self) -> list[AuditRow]:
        """Outliers without an explanation: the audit fails when there is any."""
        return unexplained(self.rows)

    def frame(self) -> pd.DataFrame:
        """One row per key value, columns :data:`COLUMNS`."""
        return pd.DataFrame([asdict(row) for row in self.rows], columns=list(COLUMNS))


def _check_processes(entries: Sequence[Located], inventory_paths: Iterable[str | Path]) -> None:
    library = load_library(inventory_paths)
    problems = [Problem(e.file, f"{e.entry.key}.process", "no process with this code in the "
                        "inventory library", e.line, e.entry.process)
                for e in entries
                if e.entry.process is not None and e.entry.process not in library.processes]
    if problems:
        raise InputError(problems)


def audit_library(alternatives: Iterable[str | Path] | None = None,
                  inventories: Iterable[str | Path] | None = None) -> AuditResult:
    """Audit the key values of ``alternatives`` files (default: the shipped ones) against the
    inventory library at ``inventories`` (default: the shipped one).

    Raises:
        InputError: a bad alternatives file (no source, unit that does not convert, unknown
            process or total key), every problem located.
    """
    entries = load_alternatives(alternatives)
    _check_processes(entries, inventories or [shipped_root() / "inventories"])
    return AuditResult(audit_entries(entries))
