"""Spreadsheet building blocks: safe cell values, tables, native charts, deterministic files.

:mod:`gpulca.reports.excel` lays out gpulca's workbook with these; nothing here knows about LCA.

- :func:`safe_text` is the single rule for text cells: text that starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return gets a leading apostrophe, so a spreadsheet never reads it
  as a formula (OWASP "CSV injection"), and characters XML cannot hold are dropped. Every cell,
  header and chart title goes through it; nothing here writes a formula, a macro or a link out
  of the workbook.
- :func:`workbook_bytes` writes fixed timestamps into the zip entries, so the same content
  gives the same bytes.
- openpyxl is imported only when a workbook is built.

Colours and number formats come from :mod:`gpulca.core.vocabulary`, shared with the charts.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gpulca.io.atomic import write_bytes_atomic

# The one list of formula triggers (CSV files escape with it too); public here for the workbook.
from gpulca.io.csvsafe import FORMULA_TRIGGERS as FORMULA_TRIGGERS

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

HEADER_FILL = "1F4E78"
MAX_CELL_TEXT = 32_000
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
CHART_ROWS = 20
"""Rows a chart covers (its height at the default row height), used to space blocks."""
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

Value = str | float | int | None


def safe_text(text: str) -> str:
    """Text as a cell may hold it: never a formula, only XML-legal characters, not too long."""
    text = _ILLEGAL.sub("", text)
    if len(text) > MAX_CELL_TEXT:
        text = text[:MAX_CELL_TEXT] + " [truncated]"
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def cell_value(value: Any) -> Value:
    """A Python value as a cell value: finite numbers stay numbers, everything else is text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return cell_value(value.item())
    return safe_text(str(value))


@dataclass(frozen=True)
class Block:
    """Where a table was written: header row, first and last data rows, first and last column."""

    header: int
    first: int
    last: int
    first_col: int
    last_col: int


class Sheet:
    """A worksheet written top to bottom, keeping column widths and row heights readable.

    Spreadsheet programs do not grow rows for wrapped text on opening (nor ever for merged
    cells), so :meth:`finish` sets the height of every row that holds wrapped text from the
    final column widths.
    """

    def __init__(self, ws: Worksheet, fixed: dict[int, float] | None = None) -> None:
        self.ws, self.row = ws, 1
        self.fixed = dict(fixed or {})
        """Column widths set by the sheet's layout, not measured."""
        self.limit: dict[int, float] = {}
        """Largest measured width per column (default 60)."""
        self.width: dict[int, float] = {}
        self.wrapped: list[tuple[int, int, int, str]] = []
        """``(row, first column, last column, text)`` of every wrapped cell."""
        self.keep: list[tuple[int, int]] = []
        """``(first row, last row)`` ranges no printed page break may cut (charts, blocks)."""
        self.paper = "9"
        """Paper size code (9: A4, 8: A3), chosen by :meth:`finish` from the printed width."""
        self.charts: list[tuple[int, float]] = []
        """``(anchor column, width in points)`` of every chart, for the printed width."""

    def add_chart(self, chart: Any, col: int, row: int) -> None:
        """Anchor ``chart`` at ``(row, col)``; printing never cuts it (see :meth:`finish`)."""
        from openpyxl.utils import get_column_letter

        self.ws.add_chart(chart, f"{get_column_letter(col)}{row}")
        self.keep.append((row, row + CHART_ROWS - 1))
        self.charts.append((col, float(chart.width) / 2.54 * 72))

    def keep_together(self, first: int, last: int) -> None:
        """Print rows ``first..last`` on one page when they fit on one."""
        if last >= first:
            self.keep.append((first, last))

    def put(self, row: int, col: int, value: Any, fmt: str | None = None,
            bold: bool = False, wrap: bool = False, measure: bool = True) -> Any:
        from openpyxl.styles import Alignment, Font

        safe = cell_value(value)
        cell = self.ws.cell(row=row, column=col, value=safe)
        if cell.data_type == "f":  # cannot happen after cell_value; a last line of defence
            raise AssertionError(f"refusing to write a formula in {cell.coordinate}")
        if fmt:
            cell.number_format = fmt
        if bold:
            cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=wrap, vertical="top")
        if wrap and isinstance(cell.value, str):
            self.wrapped.append((row, col, col, cell.value))
        elif measure:
            self.measure(col, safe, fmt)
        return cell

    def measure(self, col: int, value: Value, fmt: str | None = None) -> None:
        """Widen column ``col`` for ``value`` (numbers: their format's length)."""
        shown = len(str(value)) if value is not None else 0
        if isinstance(value, float) and fmt in (None, "General"):
            shown = len(f"{value:.11g}")
        elif isinstance(value, float):
            shown = 10 + len(re.sub(r'[^"]*"([^"]*)"', r"\1", fmt or ""))
        self.width[col] = max(self.width.get(col, 8.0), shown + 2)

    def title(self, text: str, note: str | None = None) -> None:
        from openpyxl.styles import Font

        self.put(self.row, 1, text, measure=False).font = Font(bold=True, size=14)
        self.ws.row_dimensions[self.row].height = 20
        self.row += 1
        if note:  # titles and notes overflow to the right: they set no width
            self.put(self.row, 1, note, measure=False).font = Font(italic=True, color="595959")
            self.row += 1
        self.row += 1

    def heading(self, text: str) -> None:
        from openpyxl.styles import Font

        self.put(self.row, 1, text, measure=False).font = Font(bold=True, size=12)
        self.row += 1

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]],
              formats: Sequence[str | None] = (), total: Sequence[Any] | None = None,
              wrap: Iterable[int] = ()) -> Block:
        """Write a header row, the rows and an optional bold total row; return the block."""
        from openpyxl.styles import Border, Font, PatternFill, Side

        header_row, wrapped = self.row, set(wrap)
        for col, text in enumerate(headers, start=1):
            cell = self.put(header_row, col, text, wrap=True)
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
            longest_word = max((len(w) for w in text.split()), default=0)
            self.measure(col, "x" * max(longest_word, min(len(text), 14)))

        def fmt(col: int) -> str | None:
            return formats[col - 1] if col - 1 < len(formats) else None

        for offset, values in enumerate(rows, start=1):
            for col, value in enumerate(values, start=1):
                self.put(header_row + offset, col, value, fmt(col), wrap=col in wrapped)
        last = header_row + len(rows)
        if total is not None:
            for col, value in enumerate(total, start=1):
                self.put(last + 1, col, value, fmt(col), bold=True).border = \
                    Border(top=Side(style="thin"))
        self.row = last + (2 if total is not None else 1) + 1
        self.keep_together(header_row - 1, self.row - 2)  # with its heading, when it fits
        return Block(header_row, header_row + 1, last, 1, len(headers))

    def paragraph(self, text: str, last_col: int, italic: bool = False) -> None:
        """A wrapped paragraph over columns 1..last_col (merged)."""
        from openpyxl.styles import Font

        cell = self.put(self.row, 1, text, wrap=True)
        if italic:
            cell.font = Font(italic=True, color="595959")
        self.merge(self.row, 1, last_col)
        self.row += 1

    def merge(self, row: int, first_col: int, last_col: int) -> None:
        """Merge a row's cells; a wrapped text in the first one then spans them all."""
        self.ws.merge_cells(start_row=row, start_column=first_col, end_row=row,
                            end_column=last_col)
        self.wrapped = [(r, c, last_col if (r, c) == (row, first_col) else end, text)
                        for r, c, end, text in self.wrapped]

    def finish(self, table: Block | None = None, freeze_col: str = "A",
               autofilter: bool = True, repeat_header: bool = True) -> None:
        """Set widths, row heights and the print layout; freeze the rows down to the header of
        ``table`` (and the columns left of ``freeze_col``) and put a filter on it; its header
        row repeats on every printed page unless ``repeat_header`` is false (a sheet of several
        tables)."""
        from openpyxl.utils import get_column_letter

        widths = {col: min(width, self.limit.get(col, 60)) for col, width in self.width.items()}
        widths.update(self.fixed)
        for col, width in sorted(widths.items()):
            self.ws.column_dimensions[get_column_letter(col)].width = width
        lines: dict[int, int] = {}
        for row, first, last, text in self.wrapped:
            room = sum(widths.get(c, 8.43) for c in range(first, last + 1)) * 1.05 - 1
            needed = sum(wrapped_lines(part, room) for part in text.split("\n"))
            lines[row] = max(lines.get(row, 1), needed)
        for row, count in sorted(lines.items()):
            self.ws.row_dimensions[row].height = 15 * count + 1
        if table is not None:
            self.ws.freeze_panes = f"{freeze_col}{table.header + 1}"
        if table is not None and autofilter and repeat_header:  # repeats on printed pages
            self.ws.print_title_rows = f"{table.header}:{table.header}"
        if table is not None and autofilter:
            self.ws.auto_filter.ref = (f"{get_column_letter(table.first_col)}{table.header}:"
                                       f"{get_column_letter(table.last_col)}"
                                       f"{max(table.last, table.header)}")
        self.paper = self.ws.PAPERSIZE_A4
        if self.print_scale(widths) < SMALLEST_A4_SCALE:
            self.paper = self.ws.PAPERSIZE_A3
        self._plan_pages(widths, lines)
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.paperSize = self.paper
        if self.ws.sheet_properties.pageSetUpPr is None:
            from openpyxl.worksheet.properties import PageSetupProperties

            self.ws.sheet_properties.pageSetUpPr = PageSetupProperties()
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0

    def printed_width(self, widths: dict[int, float]) -> float:
        """Points from the left edge to the right edge of the last used column or chart."""
        used = max([self.ws.max_column, *widths, *(c for c, _ in self.charts)])
        edges = [column_points(widths, used + 1)]
        edges += [column_points(widths, col) + points for col, points in self.charts]
        return max(edges)

    def print_scale(self, widths: dict[int, float]) -> float:
        """The scale fitting the used columns (and charts) to the printable page width."""
        return min(1.0, PAPERS[self.paper][0] / max(self.printed_width(widths), 1.0))

    def _plan_pages(self, widths: dict[int, float], lines: dict[int, int]) -> None:
        """Put a row break before every kept range that would be cut by the page it starts on
        (in the page height at the fit-to-width scale, less the repeated header row)."""
        from openpyxl.worksheet.pagebreak import Break

        if not self.keep:
            return
        scale = self.print_scale(widths)

        def height(row: int) -> float:
            set_height = self.ws.row_dimensions[row].height if row in \
                self.ws.row_dimensions else None
            return float(set_height or (15 * lines[row] + 1 if row in lines else ROW_POINTS))

        page = PAGE_MARGIN * PAPERS[self.paper][1] / scale - \
            (3 * ROW_POINTS if self.ws.print_title_rows else 0)
        starts = {first: last for first, last in sorted(self.keep)}
        used, row, last_row = 0.0, 1, max(self.ws.max_row, *(last for _, last in self.keep))
        breaks = {b.id for b in self.ws.row_breaks.brk}
        while row <= last_row:
            if row - 1 in breaks:
                used = 0.0
            if row in starts:
                need = sum(height(r) for r in range(row, starts[row] + 1))
                if used and used + need > page and need <= page:
                    self.ws.row_breaks.append(Break(id=row - 1))
                    breaks.add(row - 1)
                    used = 0.0
            used += height(row)
            if used > page:  # the program breaks here by itself
                used = height(row)
            row += 1


def wrapped_lines(text: str, room: float) -> int:
    """Lines a text takes when wrapped at word boundaries into ``room`` characters (a long word
    is broken). Spreadsheet programs and LibreOffice's PDF export wrap so; counting characters
    alone under-counts and clips the last line."""
    room = max(room, 1.0)
    lines, used = 1, 0.0
    for word in text.split():
        length = len(word)
        if used and used + 1 + length > room:
            lines, used = lines + 1, 0.0
        if length > room:
            lines += math.ceil(length / room) - 1
            length = int(length % room) or int(room)
        used += (1 if used else 0) + length
    return lines


PAGE_MARGIN = 0.75
"""Share of the estimated page height the planner fills: LibreOffice's and Excel's column
widths (so their fit-to-width scale) differ from the estimate by up to about a quarter; a range
that fits the smaller page fits theirs."""
ROW_POINTS = 15.0
"""The default row height."""
PAPERS = {"9": (842 - 1.5 * 72, 595 - 2 * 72), "8": (1191 - 1.5 * 72, 842 - 2 * 72)}
"""Printable width and height in points of A4 (paper size 9) and A3 (8) in landscape, inside
openpyxl's default margins (0.75 in left and right, 1 in top and bottom)."""
SMALLEST_A4_SCALE = 0.6
"""A sheet that would print below this scale on A4 (text under about 6.5 pt) prints on A3."""


def column_points(widths: dict[int, float], col: int) -> float:
    """Points from the sheet's left edge to column ``col``'s left edge (a width of ``w``
    characters is ``7 w + 5`` pixels in the default font, 0.75 pt a pixel)."""
    return sum((widths.get(c, 8.43) * 7 + 5) * 0.75 for c in range(1, col))


# -- charts ---------------------------------------------------------------------------------------

def stacked_chart(ws: Worksheet, block: Block, title: str, unit: str, fmt: str,
                  colours: Sequence[str]) -> Any:
    """A stacked column chart: categories from the block's first column, one series per column
    of the block (without its last, total column)."""
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type, chart.grouping, chart.overlap, chart.gapWidth = "col", "stacked", 100, 60
    data = Reference(ws, min_col=block.first_col + 1, max_col=block.last_col - 1,
                     min_row=block.header, max_row=block.last)
    chart.add_data(data, titles_from_data=True)
    _text_categories(chart, Reference(ws, min_col=block.first_col, min_row=block.first,
                                      max_row=block.last))
    _style_chart(chart, title, unit, fmt.split(" ")[0], colours)
    return chart


def clustered_chart(ws: Worksheet, block: Block, title: str, axis_title: str, fmt: str,
                    colours: Sequence[str]) -> Any:
    """A clustered column chart with one series per row of the block (categories: headers)."""
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type, chart.grouping, chart.gapWidth = "col", "clustered", 80
    data = Reference(ws, min_col=block.first_col, max_col=block.last_col, min_row=block.first,
                     max_row=block.last)
    chart.add_data(data, from_rows=True, titles_from_data=True)
    _text_categories(chart, Reference(ws, min_col=block.first_col + 1, max_col=block.last_col,
                                      min_row=block.header, max_row=block.header))
    _style_chart(chart, title, axis_title, fmt, colours)
    return chart


def _text_categories(chart: Any, reference: Any) -> None:
    """Category labels as text references (openpyxl's ``set_categories`` makes them numeric)."""
    from openpyxl.chart.data_source import AxDataSource, StrRef

    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(reference)))


def _chart_title(text: str, size: int) -> Any:
    """A chart or axis title of ``size`` hundredths of a point (openpyxl's default is large)."""
    from openpyxl.chart.text import RichText, Text
    from openpyxl.chart.title import Title
    from openpyxl.drawing.text import (
        CharacterProperties,
        Paragraph,
        ParagraphProperties,
        RegularTextRun,
    )

    font = CharacterProperties(sz=size, b=True)
    paragraph = Paragraph(pPr=ParagraphProperties(defRPr=font),
                          r=[RegularTextRun(rPr=font, t=str(cell_value(text) or ""))])
    return Title(tx=Text(rich=RichText(p=[paragraph])), overlay=False)


def _style_chart(chart: Any, title: str, axis_title: str, fmt: str,
                 colours: Sequence[str]) -> None:
    chart.title = _chart_title(title, 1200)
    chart.y_axis.title = _chart_title(axis_title, 900)
    chart.y_axis.numFmt = fmt
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl >= 3.1 hides axes by default
    chart.legend.position = "r"
    chart.width, chart.height = 18.0, 9.0
    for series, colour in zip(chart.series, colours, strict=False):
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour


def workbook_bytes(workbook: Any) -> bytes:
    """Serialise a workbook with fixed zip timestamps (byte-identical for the same content)."""
    from openpyxl.writer.excel import ExcelWriter

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    fixed = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(fixed, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return fixed.getvalue()


def write_one_sheet_workbook(path: str | Path, title: str,
                             write: Callable[[Sheet], None]) -> Path:
    """A workbook of one sheet called ``title``, filled by ``write(sheet)`` and written all or
    nothing (e.g. ``gpulca audit --excel``, ``gpulca scope2 --excel``)."""
    from openpyxl import Workbook

    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = title
    write(Sheet(worksheet))
    return write_bytes_atomic(path, workbook_bytes(workbook))
