"""The audit of the library's key values as a workbook sheet (``gpulca audit --excel``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gpulca.library.alternatives import OUTLIER_FACTOR, AuditRow
from gpulca.reports.xlsx import Sheet, write_one_sheet_workbook

HEADERS = ("Key", "What", "Indicator", "Unit", "Chosen", "Chosen source", "Alternatives",
           "Independent", "Minimum", "Maximum", "Spread (max/min)", "Median of independent",
           "Chosen / median", "Outlier", "Component disagrees, total agrees", "Explanation",
           "Status", "Proposed distribution", "File", "Line")

NOTE = (f"Outlier: the chosen value is more than {OUTLIER_FACTOR:g}x from the median of the "
        "independent sources. An outlier passes only when the library explains it. Proposed "
        "distribution: lognormal, median = chosen value, the extreme values as its 2.5% and 97.5% "
        "quantiles (docs/audit.md).")


def write_audit_sheet(sheet: Sheet, rows: Sequence[AuditRow]) -> None:
    """The audit table, one row per key value."""
    sheet.title("Audit of the library's key values", NOTE)
    values = [[row.key, row.what, row.indicator, row.unit, row.chosen, row.chosen_source,
               row.alternatives, row.independent, row.minimum, row.maximum, row.spread,
               row.independent_median, row.ratio_to_median, "yes" if row.outlier else "",
               "yes" if row.component_disagrees else "", row.explained, row.status,
               row.proposed, row.file, row.line] for row in rows]
    block = sheet.table(HEADERS, values, wrap=(6, 16))
    sheet.finish(block)


def write_audit_workbook(path: str | Path, rows: Sequence[AuditRow]) -> Path:
    """A workbook with the Audit sheet, written all or nothing."""
    return write_one_sheet_workbook(path, "Audit", lambda sheet: write_audit_sheet(sheet, rows))
