"""Options and console helpers shared by the commands."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gpulca.core.vocabulary import CSV_FLOAT_FORMAT, format_number
from gpulca.engine.project import DEFAULT_PROJECT, ProgressCallback
from gpulca.io.atomic import Writer
from gpulca.io.csvsafe import formula_safe_cell

# Without a terminal (pipes, CI logs) rich would wrap tables at 80 columns.
stdout = Console(highlight=False, soft_wrap=False,
                 width=None if sys.stdout.isatty() else 160)
stderr = Console(stderr=True, highlight=False)


def brightway_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--data-dir`` and ``--project``."""
    function = click.option(
        "--project", default=DEFAULT_PROJECT, show_default=True,
        help="gpulca Brightway project (its name must start with 'gpulca').")(function)
    return click.option(
        "--data-dir", type=click.Path(file_okay=False), default=None,
        help="Brightway data directory (default: $BRIGHTWAY2_DIR, else your usual "
             "Brightway directory).")(function)


@contextmanager
def setup_progress() -> Iterator[ProgressCallback]:
    """A progress callback that shows a bar on stderr only if set-up work actually happens."""
    progress: Progress | None = None
    tasks: dict[str, Any] = {}

    def callback(label: str, done: int, total: int) -> None:
        nonlocal progress
        if progress is None:
            stderr.print("First run: installing biosphere3 and the bundled LCIA methods "
                         "into the gpulca project (once).")
            progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                MofNCompleteColumn(), TimeElapsedColumn(), console=stderr,
                                transient=False)
            progress.start()
        if label not in tasks:
            tasks[label] = progress.add_task(label, total=total)
        progress.update(tasks[label], completed=done, total=total)

    try:
        yield callback
    finally:
        if progress is not None:
            progress.stop()


def print_warning(text: str, console: Console = stderr, **options: Any) -> None:
    """One warning line; the text is printed as written (never read as rich markup)."""
    console.print(f"[yellow]warning:[/yellow] {escape(text)}", **options)


def formula_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell (and column name) made formula-safe
    (:func:`gpulca.io.csvsafe.formula_safe`); numbers are left alone."""
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(formula_safe_cell)
    safe.columns = [formula_safe_cell(c) for c in safe.columns]
    return safe


def csv_writer(frame: pd.DataFrame) -> Writer:
    """Writes ``frame`` as one of the CSV files of a run or a comparison; no text cell can be
    read as a formula by a spreadsheet."""
    def write(path: Path) -> None:
        formula_safe_frame(frame).to_csv(path, index=False, float_format=CSV_FLOAT_FORMAT)

    return write


def print_table(frame: pd.DataFrame, title: str, index_label: str,
                headers: dict[str, str] | None = None) -> None:
    """Print a numeric frame as a rich table (last row bold when it is the total)."""
    table = Table(title=escape(title), title_justify="left")
    table.add_column(escape(index_label))
    for column in frame.columns:
        table.add_column(escape((headers or {}).get(column, str(column))), justify="right")
    for label, row in frame.iterrows():
        style = "bold" if label == "total" else None
        table.add_row(escape(str(label)), *(format_number(float(v)) for v in row), style=style)
    stdout.print(table)
