"""``gpulca run --contributions``: the processes that make each impact, printed."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from gpulca.cli.common import stdout
from gpulca.core.vocabulary import format_number, format_percent, impact_heading
from gpulca.results.contributions import top_contributions
from gpulca.results.result import StudyResult


def print_contributions(result: StudyResult, count: int = 3) -> None:
    """The ``count`` largest process contributions of each impact for the whole study."""
    if result.contributions is None or result.contributions.empty:
        return
    table = Table(title="Largest contributions by process (whole study; all in "
                        "contributions.csv)", title_justify="left")
    for column, justify in (("impact", "left"), ("process", "left"), ("score", "right"),
                            ("share", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    top = top_contributions(result.contributions, "process", count)
    previous = None
    for label, unit, name, where, score, share in zip(
            top["impact_label"].astype(str), top["unit"].astype(str), top["name"].astype(str),
            top["where"].fillna("").astype(str), top["score"].astype(float).tolist(),
            top["share"].astype(float).tolist(), strict=True):
        heading = impact_heading(label, unit)
        table.add_row(escape(heading if heading != previous else ""),
                      escape(f"{name} [{where}]" if where else name),
                      format_number(score), format_percent(share))
        previous = heading
    stdout.print(table)
