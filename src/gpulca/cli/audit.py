"""``gpulca audit``: every key value of the library beside the other published values."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gpulca.cli.errors import EXIT_INPUT, report_errors
from gpulca.core.vocabulary import format_number
from gpulca.io.atomic import write_atomic
from gpulca.library.alternatives import AuditRow
from gpulca.pipeline.audit import audit_library
from gpulca.reports.audit import write_audit_workbook
from gpulca.results.export import csv_writer

SHORT_UNITS = {"kilogram": "kg", "dimensionless": ""}


def _text_lines(rows: list[AuditRow]) -> list[str]:
    """Aligned text: key, chosen value with its unit, spread, ratio to the median of the
    independent sources and status (fits 80 columns for the shipped keys; every column is in
    the CSV)."""
    header = ("key", "chosen", "spread", "/median", "status")
    cells = [header] + [(
        row.key, f"{format_number(row.chosen)} {SHORT_UNITS.get(row.unit, row.unit)}".strip(),
        f"{row.spread:.3g}", "" if row.ratio_to_median is None else f"{row.ratio_to_median:.3g}",
        row.status + ("*" if row.component_disagrees else ""))
        for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header) - 1)]
    return ["  ".join([*(c.ljust(w) for c, w in zip(line, widths, strict=False)),
                       line[-1]]).rstrip() for line in cells]


@click.command()
@click.option("--alternatives", "alternatives", multiple=True, type=click.Path(exists=True),
              help="Alternatives files (repeatable; default: the shipped data/curated/"
                   "alternatives.yaml and data/derived/alternatives-grid.yaml).")
@click.option("--inventories", "inventories", multiple=True, type=click.Path(exists=True),
              help="Inventory files or folders whose processes the entries name "
                   "(default: the shipped library).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False),
              help="Write the audit table (every column) as CSV.")
@click.option("--excel", "excel_path", type=click.Path(dir_okay=False),
              help="Write the audit table as a workbook (sheet 'Audit').")
@report_errors
def audit(alternatives: tuple[str, ...], inventories: tuple[str, ...], csv_path: str | None,
          excel_path: str | None) -> None:
    """Audit the library's key values: chosen value, alternatives, spread, outliers.

    spread = max / min over the chosen and alternative values; /median = chosen value over the
    median of the independent sources. Exit 2 when an outlier (more than 2x from that
    median) is not explained in the file.
    """
    result = audit_library(alternatives or None, inventories or None)
    for line in _text_lines(result.rows):
        click.echo(line)
    if any(row.component_disagrees for row in result.rows):
        click.echo("* a component disagrees with the independent sources while its total agrees")
    if csv_path:
        write_atomic(Path(csv_path), csv_writer(result.frame()))
        click.echo(f"Wrote {csv_path}")
    if excel_path:
        write_audit_workbook(excel_path, result.rows)
        click.echo(f"Wrote {excel_path}")
    failures = result.failures
    for row in failures:
        ratio = "" if row.ratio_to_median is None else f"{row.ratio_to_median:.3g}x "
        click.echo(f"error: {row.file}:{row.line}: {row.key}: got {format_number(row.chosen)} "
                   f"{row.unit}, {ratio}the median of the independent sources; correct it from "
                   "its primary source or say why in 'explained'", err=True)
    if failures:
        click.echo(f"{len(failures)} unexplained outlier{'s' if len(failures) != 1 else ''}.",
                   err=True)
        sys.exit(EXIT_INPUT)
