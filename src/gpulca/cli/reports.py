"""``--excel``, ``--charts`` and ``--html``: the report outputs shared by ``run`` and
``compare``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from gpulca.results.result import StudyResult

PendingWrite = Callable[[], list[Path]]
"""Writes files already built in memory; returns their paths."""


def report_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--excel FILE.xlsx``, ``--charts DIR`` and ``--html FILE.html``."""
    function = click.option(
        "--html", "html_file", type=click.Path(dir_okay=False), default=None,
        help="Also write a self-contained HTML report (one file, no network needed): summary, "
             "charts, tables, assumptions with sources and the audit trail.")(function)
    function = click.option(
        "--charts", "charts_dir", type=click.Path(file_okay=False), default=None,
        help="Also draw the charts (phases by life-cycle stage per impact, an overview and, "
             "with variants, the comparison) as PNG and SVG files into this folder.")(function)
    return click.option(
        "--excel", "excel_file", type=click.Path(dir_okay=False), default=None,
        help="Also write an Excel workbook: summary, tables by phase and stage, charts, "
             "assumptions, inventory, methods and run details.")(function)


def prepare_reports(results: Sequence[StudyResult], excel_file: str | None,
                    charts_dir: str | None,
                    overrides: Mapping[str, Sequence[str]] | None = None,
                    html_file: str | None = None) -> PendingWrite:
    """Build the workbook, the charts and the HTML report in memory; return what writes them.

    Call it before writing any other output: when building fails, nothing has been written.
    The workbook and the HTML file are then written atomically and the charts all or nothing.
    """
    if not excel_file and not charts_dir and not html_file:
        return list
    from gpulca.reports import tables as rp

    report = rp.build_report(results, overrides,
                             methods=None if excel_file or html_file else [])
    files: dict[Path, bytes] = {}
    if excel_file:
        from gpulca.reports.excel import build_workbook
        from gpulca.reports.xlsx import workbook_bytes

        files[Path(excel_file)] = workbook_bytes(build_workbook(report))
    charts: dict[str, bytes] = {}
    if charts_dir:
        from gpulca.reports.charts import chart_files

        charts = chart_files(report)
    if html_file:
        from gpulca.reports.html import html_bytes

        files[Path(html_file)] = html_bytes(report)

    return pending_files(files, charts_dir, charts)


def pending_files(files: Mapping[Path, bytes], charts_dir: str | None,
                  charts: Mapping[str, bytes]) -> PendingWrite:
    """What writes report files built in memory: each of ``files`` atomically, the ``charts``
    (by file name) into ``charts_dir`` all or nothing."""
    def write() -> list[Path]:
        from gpulca.io.atomic import write_bytes_atomic, write_files

        written = [write_bytes_atomic(path, content) for path, content in files.items()]
        if charts_dir:
            written += write_files(charts_dir, charts)
        return written

    return write
