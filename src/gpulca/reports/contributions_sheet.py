"""The workbook's **Contributions** sheet: the processes and elementary flows that make each
impact, for the whole study and per phase (from ``StudyResult.contributions``, written by
``gpulca run --contributions``). The sheet lists the largest :data:`TOP` of each kind per
impact and scope; ``contributions.csv`` has them all."""

from __future__ import annotations

import math

from gpulca.core.vocabulary import impact_heading
from gpulca.reports import tables as rp
from gpulca.reports.xlsx import Sheet

TOP = 10
"""Contributions of each kind listed per (phase or study, impact)."""
HEADERS = ("Phase", "Impact", "Kind", "Rank", "Process or flow", "Location or compartment",
           "Database", "Score", "Share")


def contribution_rows(report: rp.ReportData, top: int = TOP) -> list[list[object]]:
    """The sheet's rows: the ``top`` largest of each kind, whole study first."""
    frame = report.base.contributions
    if frame is None or frame.empty:
        return []
    selected = frame[frame["rank"] <= top]
    shares = selected["share"].astype(float)
    return [[phase, impact_heading(label, unit), kind, int(rank), name, where, database,
             float(score), None if math.isnan(share) else float(share)]
            for phase, label, unit, kind, rank, name, where, database, score, share in zip(
                selected["phase_label"], selected["impact_label"], selected["unit"],
                selected["kind"], selected["rank"].astype(int).tolist(), selected["name"],
                selected["where"], selected["database"], selected["score"].astype(float).tolist(),
                shares.tolist(), strict=True)]


def write_contributions(sheet: Sheet, report: rp.ReportData) -> None:
    """Write the Contributions sheet of ``report``'s base result."""
    sheet.title("Contributions", f"The {TOP} largest processes (their own emissions and "
                "resources, characterised) and elementary flows of each impact, for the whole "
                "study and each phase; all of them are in contributions.csv. The shares of one "
                "kind sum to 100 %.")
    block = sheet.table(list(HEADERS), contribution_rows(report),
                        [None] * 7 + ["General", "0.0%"], wrap=[5])
    sheet.fixed.update({5: 60})
    sheet.limit.update({2: 45, 6: 30, 7: 30})
    sheet.finish(block, "C")


def has_contributions(report: rp.ReportData) -> bool:
    """Whether the report's run computed contributions (``gpulca run --contributions``)."""
    return report.base.contributions is not None
