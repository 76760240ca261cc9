"""Options and console helpers shared by the commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gpulca.core.vocabulary import format_number
from gpulca.engine.project import DEFAULT_PROJECT, ProgressCallback

# Without a terminal (pipes, CI logs) rich would wrap tables at 80 columns; a COLUMNS set by
# the user still wins (rich reads it).
stdout = Console(highlight=False, soft_wrap=False,
                 width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
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


NAME_WIDTH = 28
"""Row names up to this many characters are never wrapped in a printed table."""

Column = tuple[str, list[str]]
"""A printed column: its header and its cells (a cell may hold several lines)."""


def column_chunks(widths: list[int], index_width: int, total: int) -> list[list[int]]:
    """Split columns (their widths) into groups that each fit ``total`` characters beside the
    index columns (``index_width`` with their borders) in a boxed table: 3 characters of padding
    and border per column, 1 more for the left border; at least one column per group."""
    chunks: list[list[int]] = [[]]
    used = 1 + index_width
    for position, width in enumerate(widths):
        if chunks[-1] and used + width + 3 > total:
            chunks.append([])
            used = 1 + index_width
        chunks[-1].append(position)
        used += width + 3
    return chunks


def spread(widths: list[int], ideal: list[int], room: int) -> list[int]:
    """Widen ``widths`` towards ``ideal`` within ``room`` characters in all, one at a time."""
    out = list(widths)
    spare = room - sum(out)
    while spare > 0 and any(w < i for w, i in zip(out, ideal, strict=True)):
        for position, target in enumerate(ideal):
            if spare > 0 and out[position] < target:
                out[position] += 1
                spare -= 1
    return out


def _longest_word(text: str) -> int:
    return max((len(word) for word in text.split()), default=0)


def _longest_line(texts: list[str]) -> int:
    return max((len(line) for text in texts for line in text.splitlines()), default=0)


def print_columns(title: str, index: list[Column], columns: list[Column],
                  bold_rows: frozenset[int] = frozenset()) -> None:
    """Print a table whose names and numbers are never cut.

    ``index`` columns (names) repeat in every part; names up to :data:`NAME_WIDTH` characters
    stay on one line (longer ones wrap between words). Value cells keep their lines whole and
    headers wrap between words. When the value columns do not fit the terminal, they are
    printed as several tables of fewer columns each.
    """
    index_widths = [min(max(len(header), _longest_line(cells)),
                        max(NAME_WIDTH, _longest_word(header), *map(_longest_word, cells)))
                    for header, cells in index]
    widths = [max(_longest_word(header), _longest_line(cells)) for header, cells in columns]
    ideal = [max(width, _longest_line([header])) for width, (header, _) in
             zip(widths, columns, strict=True)]
    fixed = sum(width + 3 for width in index_widths)
    chunks = column_chunks(widths, fixed, stdout.width)
    rows = len(index[0][1]) if index else 0
    for number, chunk in enumerate(chunks):
        suffix = f" ({number + 1}/{len(chunks)})" if len(chunks) > 1 else ""
        # Fixed widths (rich does not shrink columns that have a minimum width): the spare
        # width goes to the headers, which then wrap less.
        shown = spread([widths[p] for p in chunk], [ideal[p] for p in chunk],
                       stdout.width - 1 - fixed - 3 * len(chunk))
        table = Table(title=escape(title + suffix), title_justify="left")
        for (header, _), width in zip(index, index_widths, strict=True):
            table.add_column(escape(header), width=width)
        for position, width in zip(chunk, shown, strict=True):
            table.add_column(escape(columns[position][0]), justify="right", width=width)
        for row in range(rows):
            table.add_row(*(escape(cells[row]) for _, cells in index),
                          *(escape(columns[p][1][row]) for p in chunk),
                          style="bold" if row in bold_rows else None)
        stdout.print(table)


def print_table(frame: pd.DataFrame, title: str, index_label: str,
                headers: dict[str, str] | None = None) -> None:
    """Print a numeric frame as a rich table (last row bold when it is the total); names and
    numbers are never cut (:func:`print_columns`)."""
    labels = [str(label) for label in frame.index]
    columns = [((headers or {}).get(column, str(column)),
                [format_number(float(v)) for v in frame[column]]) for column in frame.columns]
    bold = frozenset(i for i, label in enumerate(labels) if label == "total")
    print_columns(title, [(index_label, labels)], columns, bold)
