"""Text cells that a spreadsheet can never read as a formula ("CSV injection", OWASP).

Every CSV gpulca writes (``run``, ``compare``, ``ingest``, ``list --format csv``) passes its text
cells through :func:`csv_text` (:func:`formula_safe`), the same rule as the workbook
(:mod:`gpulca.reports.xlsx`): a text starting with ``= + - @``, a tab or a carriage return gets a
leading apostrophe, which spreadsheets show as text. A plain number written as text (``-0.5``,
``+3``, ``1e-3``) is left as it is: it is read as a number, never as a formula. Numbers in numeric
columns are not text and are never changed. :func:`unescape_formula_safe` undoes it for gpulca's
own CSV readers.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet read text as a formula (OWASP)."""
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def formula_safe(text: str) -> str:
    """``text`` as a CSV cell that no spreadsheet evaluates."""
    if text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(text: str) -> str:
    """``text`` as a CSV cell: :func:`formula_safe`, and a carriage return made a line feed.

    Python's CSV writers (and pandas) end lines with ``\n`` and so do not quote a cell holding a
    lone ``\r``; a spreadsheet still breaks the row there, and the text after it would start a
    cell of its own, unescaped (``'a\r=1+1'``). A cell with ``\n`` is quoted.
    """
    return formula_safe(text).replace("\r\n", "\n").replace("\r", "\n")


def formula_safe_cell(value: object) -> object:
    """:func:`csv_text` for text; any other value as it is."""
    return csv_text(value) if isinstance(value, str) else value


def unescape_formula_safe(text: str) -> str:
    """The text :func:`formula_safe` was given (for reading gpulca's own CSVs back)."""
    if text.startswith("'") and formula_safe(text[1:]) == text:
        return text[1:]
    return text
