"""The Excel workbook: one writer over the same frames as the CSV files and the charts.

>>> from gpulca.excel import write_workbook                                 # doctest: +SKIP
>>> write_workbook("footprint.xlsx", [result])                             # doctest: +SKIP

Sheets (in order): Summary, By phase, By stage, Phase x stage, Scenarios (only with variants),
Assumptions, Activity, Inventory, Methods, Run. The workbook is one-way: it is written for
people to read and to check, not to be read back by gpulca.

Safety and stability rules:

- Every text cell goes through :func:`safe_text`: text that starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return gets a leading apostrophe, so no cell is ever a formula made
  from user text (OWASP "CSV injection"); characters XML cannot hold are dropped. The writer
  itself writes no formula, no macro and no external link (the contents links on the Summary
  point inside the workbook).
- Deterministic: the same results give a byte-identical file for the same run date. Only the
  Run sheet carries the date; the workbook's created/modified properties and the zip entries
  carry a fixed timestamp (1980-01-01, the zip format's epoch).
"""

from __future__ import annotations

import io
import math
import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gpulca import report as rp
from gpulca.translate import STAGES

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from gpulca.api import StudyResult

STAGE_COLOURS = {"gpu_manufacturing": "D55E00", "server_manufacturing": "E69F00",
                 "electricity": "0072B2", "cooling_water": "56B4E9"}
"""Okabe-Ito colours per life-cycle stage, shared with :mod:`gpulca.charts`."""
VARIANT_COLOURS = ("0072B2", "E69F00", "009E73", "CC79A7", "D55E00", "56B4E9", "F0E442",
                   "000000")
HEADER_FILL = "1F4E78"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet read text as a formula (OWASP)."""
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


def number_format(values: Iterable[Any], unit: str = "") -> str:
    """A format with about four significant figures for the largest value, and the unit."""
    finite = [abs(float(v)) for v in values if isinstance(v, int | float) and math.isfinite(v)]
    largest = max(finite, default=0.0)
    if largest == 0:
        base = "0"
    elif largest < 1e-3 or largest >= 1e12:
        base = "0.00E+00"
    else:
        decimals = min(max(3 - math.floor(math.log10(largest)), 0), 6)
        base = "#,##0" + ("." + "0" * decimals if decimals else "")
    unit = re.sub(r'["\\]', "", unit).strip()
    return f'{base} "{unit}"' if unit else base


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

    def put(self, row: int, col: int, value: Any, fmt: str | None = None,
            bold: bool = False, wrap: bool = False, measure: bool = True) -> Any:
        from openpyxl.styles import Alignment, Font

        cell = self.ws.cell(row=row, column=col, value=cell_value(value))
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
            self.measure(col, cell.value, fmt)
        return cell

    def measure(self, col: int, value: Value, fmt: str | None = None) -> None:
        """Widen column ``col`` for ``value`` (numbers: their format's length)."""
        shown = len(str(value)) if value is not None else 0
        if isinstance(value, float):
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
               autofilter: bool = True) -> None:
        """Set widths, row heights and the print layout; freeze the rows down to the header of
        ``table`` (and the columns left of ``freeze_col``) and put a filter on it."""
        from openpyxl.utils import get_column_letter

        widths = {col: min(width, self.limit.get(col, 60)) for col, width in self.width.items()}
        widths.update(self.fixed)
        for col, width in sorted(widths.items()):
            self.ws.column_dimensions[get_column_letter(col)].width = width
        lines: dict[int, int] = {}
        for row, first, last, text in self.wrapped:
            room = sum(widths.get(c, 8.43) for c in range(first, last + 1)) * 1.15 - 1
            needed = sum(max(1, math.ceil(len(part) / max(room, 1.0)))
                         for part in text.split("\n"))
            lines[row] = max(lines.get(row, 1), needed)
        for row, count in sorted(lines.items()):
            self.ws.row_dimensions[row].height = 15 * count + 1
        if table is not None:
            self.ws.freeze_panes = f"{freeze_col}{table.header + 1}"
            self.ws.print_title_rows = f"{table.header}:{table.header}"
        if table is not None and autofilter:
            self.ws.auto_filter.ref = (f"{get_column_letter(table.first_col)}{table.header}:"
                                       f"{get_column_letter(table.last_col)}"
                                       f"{max(table.last, table.header)}")
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.paperSize = self.ws.PAPERSIZE_A4
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0


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
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
    from openpyxl.drawing.text import RegularTextRun

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


# -- sheets ---------------------------------------------------------------------------------------

SHEET_NOTES = {
    "Summary": "The answer in one page: totals, main assumptions and what they mean.",
    "By phase": "Impacts of each research phase, all life-cycle stages together.",
    "By stage": "Impacts of each life-cycle stage, all phases together.",
    "Phase x stage": "For each impact: phases by life-cycle stage, with a stacked chart.",
    "Scenarios": "The variants compared with the base study.",
    "Assumptions": "Every parameter used, with its value, unit, source, quality and uncertainty.",
    "Activity": "Each activity row: GPU-hours to energy, water and amortised hardware.",
    "Inventory": "Every exchange of the foreground processes that were solved, with its source.",
    "Methods": "The impact methods: full Brightway names, units, data version.",
    "Run": "Software versions, input file hashes, date and applied overrides.",
}


def _variant_note(report: rp.Report) -> str:
    return f" Variant: {report.base.variant}." if report.has_variants else ""


def _score_formats(report: rp.Report, table: pd.DataFrame) -> list[str]:
    return [number_format(table[i], report.units.get(i, "")) for i in table.columns]


def _impact_headers(report: rp.Report, impacts: Iterable[str]) -> list[str]:
    return [f"{report.labels[i]} ({report.units.get(i, '')})" for i in impacts]


SUMMARY_WIDTHS = {1: 36.0, 2: 26.0, 3: 16.0, 4: 24.0, 5: 24.0, 6: 44.0}


def _headline_rows(report: rp.Report) -> list[list[Any]]:
    scores = report.base.scores
    shares = rp.final_training_shares(scores)
    rows = []
    for impact, total in rp.totals(scores).items():
        subset = scores[scores["impact"] == impact]
        stages = subset.groupby("stage")["score"].sum()
        phases = subset.groupby("phase_label", sort=False)["score"].sum()
        rows.append([report.labels[impact], float(total), shares[impact],
                     str(phases.idxmax()) if total else "",
                     rp.STAGE_LABELS.get(str(stages.idxmax()), "") if total else ""])
    return rows


def write_summary(sheet: Sheet, report: rp.Report, chart: Any,
                  present: Sequence[str]) -> None:
    base = report.base
    sheet.title(f"Environmental footprint of {base.study.name}")
    description = " ".join((base.study.study.description or "").split())
    if description:
        sheet.paragraph(description, 6, italic=True)
        sheet.row += 1
    sheet.heading("Headline results" + (f" (variant {base.variant})" if report.has_variants
                                        else ""))
    rows = _headline_rows(report)
    block = sheet.table(["Impact category", "Total", "Share of the final training run",
                         "Largest phase", "Largest stage"], rows, [None, None, "0.0%"])
    for offset, impact in enumerate(report.impacts):
        sheet.ws.cell(row=block.first + offset, column=2).number_format = number_format(
            [rows[offset][1]], report.units[impact])
    sheet.heading("Reading")
    for line in rp.reading(base):
        sheet.paragraph(line, 6)
    sheet.row += 1
    sheet.ws.add_chart(chart, f"A{sheet.row}")
    sheet.row += CHART_ROWS + 1
    _main_assumptions(sheet, base)
    if base.warnings:
        sheet.heading("Warnings")
        for warning in base.warnings:
            sheet.paragraph(warning, 6)
        sheet.row += 1
    _contents(sheet, present)
    sheet.finish()


def _main_assumptions(sheet: Sheet, result: StudyResult) -> None:
    sheet.heading("Main assumptions")
    assumptions = rp.main_assumptions(result)
    block = sheet.table(["Assumption", "Value", "Source"],
                        [[what, value, source] for what, value, _, source in assumptions],
                        wrap=[3])
    sheet.merge(block.header, 3, 6)
    for offset, (_, value, unit, _) in enumerate(assumptions):
        sheet.ws.cell(row=block.first + offset, column=2).number_format = \
            f'General "{unit}"' if unit and not isinstance(value, str) else "General"
        sheet.merge(block.first + offset, 3, 6)


def _contents(sheet: Sheet, present: Sequence[str]) -> None:
    from openpyxl.styles import Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    sheet.heading("Contents")
    for name in present:
        if name == "Summary":
            continue
        cell = sheet.ws.cell(row=sheet.row, column=1, value=cell_value(name))
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{name}'!A1", display=name)
        cell.font = Font(color="0563C1", underline="single")
        sheet.put(sheet.row, 2, SHEET_NOTES[name])
        sheet.row += 1


def write_by_phase(sheet: Sheet, report: rp.Report) -> None:
    base = report.base
    table = rp.phase_table(base.scores)
    audit = base.audit.groupby("phase", sort=False)[["gpu_hours", "facility_energy_kwh"]].sum()
    phases = [p for p in table.index if p != "total"]
    sheet.title("Impacts by research phase", "Sum over the life-cycle stages; the last row is "
                "the total." + _variant_note(report))
    formats = [None, None, '#,##0 "GPU·h"', '#,##0 "kWh"', *_score_formats(report, table)]
    rows = [[base.study.phases.get(p, p), p, audit["gpu_hours"].get(p, 0.0),
             audit["facility_energy_kwh"].get(p, 0.0), *table.loc[p]] for p in phases]
    headers = ["Phase", "Phase id", "GPU-hours (GPU·h)", "Facility electricity (kWh)",
               *_impact_headers(report, table.columns)]
    total = ["Total", "", float(audit["gpu_hours"].sum()),
             float(audit["facility_energy_kwh"].sum()), *table.loc["total"]]
    block = sheet.table(headers, rows, formats, total=total)
    sheet.heading("Share of each impact's total")
    grand = table.loc["total"].replace(0.0, float("nan"))
    shares = [[base.study.phases.get(p, p), p, *(table.loc[p] / grand)] for p in phases]
    sheet.table(["Phase", "Phase id", *_impact_headers(report, table.columns)], shares,
                [None, None, *["0.0%"] * len(table.columns)])
    sheet.finish(block)


def write_by_stage(sheet: Sheet, report: rp.Report) -> None:
    table = rp.stage_table(report.base.scores)
    stages = list(STAGES)
    sheet.title("Impacts by life-cycle stage", "Sum over the research phases; the last row is "
                "the total." + _variant_note(report))
    headers = ["Life-cycle stage", "Stage id", *_impact_headers(report, table.columns)]
    formats = [None, None, *_score_formats(report, table)]
    rows = [[rp.STAGE_LABELS[s], s, *table.loc[s]] for s in stages]
    block = sheet.table(headers, rows, formats, total=["Total", "", *table.loc["total"]])
    sheet.heading("Share of each impact's total")
    grand = table.loc["total"].replace(0.0, float("nan"))
    sheet.table(headers, [[rp.STAGE_LABELS[s], s, *(table.loc[s] / grand)] for s in stages],
                [None, None, *["0.0%"] * len(table.columns)])
    sheet.finish(block)


def stacked_blocks(sheet: Sheet, report: rp.Report, tables: dict[str, pd.DataFrame],
                   row_label: str, labels: dict[str, str]) -> dict[str, Block]:
    """For each impact a block (rows x stages + total) with its stacked chart to the right."""
    from openpyxl.worksheet.pagebreak import Break

    blocks: dict[str, Block] = {}
    colours = [STAGE_COLOURS[s] for s in STAGES]
    for impact, table in tables.items():
        unit = report.units.get(impact, "")
        start = sheet.row
        sheet.heading(f"{report.labels[impact]} ({unit})")
        fmt = number_format(table.sum(axis=1), unit)
        rows = [[labels.get(str(i), str(i)), *table.loc[i], float(table.loc[i].sum())]
                for i in table.index]
        total = ["Total", *table.sum(axis=0), float(table.to_numpy().sum())]
        block = sheet.table([row_label, *(rp.STAGE_LABELS[s] for s in STAGES), "Total"], rows,
                            [None, *[fmt] * (len(STAGES) + 1)], total=total)
        chart = stacked_chart(sheet.ws, block, report.labels[impact], unit, fmt, colours)
        sheet.ws.add_chart(chart, f"H{start}")
        sheet.row = max(sheet.row, start + CHART_ROWS + 1)
        blocks[impact] = block
        if len(blocks) % 2 == 0:  # two charts per printed page, none cut in half
            sheet.ws.row_breaks.append(Break(id=sheet.row - 1))
    return blocks


def write_phase_stage(sheet: Sheet, report: rp.Report) -> dict[str, Block]:
    sheet.title("Impacts by phase and life-cycle stage", "One table and one stacked chart per "
                "impact category." + _variant_note(report))
    tables = {i: rp.phase_stage_table(report.base.scores, i) for i in report.impacts}
    blocks = stacked_blocks(sheet, report, tables, "Phase", report.base.study.phases)
    sheet.finish()
    return blocks


def write_scenarios(sheet: Sheet, report: rp.Report) -> None:
    sheet.title("Scenarios", f"The base study ({report.base.variant}) and its variants; the "
                "overrides of each variant are listed on the Run sheet.")
    totals = rp.variant_totals(report)
    sheet.heading("Totals")
    headers = ["Variant", *_impact_headers(report, totals.columns)]
    block = sheet.table(headers, [[v, *totals.loc[v]] for v in totals.index],
                        [None, *_score_formats(report, totals)])
    sheet.heading("Relative to the base study (base = 100 %)")
    relative = rp.relative_to_base(totals)
    rel_block = sheet.table(["Variant", *(report.labels[i] for i in relative.columns)],
                            [[v, *relative.loc[v]] for v in relative.index],
                            [None, *["0.0%"] * len(relative.columns)])
    chart = clustered_chart(sheet.ws, rel_block, "Variants relative to the base study",
                            "% of base", "0%", VARIANT_COLOURS)
    sheet.ws.add_chart(chart, f"A{sheet.row}")
    sheet.row += CHART_ROWS + 1
    sheet.heading("By life-cycle stage")
    sheet.row += 1
    tables = {i: rp.variant_stage_table(report, i) for i in report.impacts}
    stacked_blocks(sheet, report, tables, "Variant", {})
    sheet.finish(block)


def _variant_rows(report: rp.Report, rows_of: Any) -> list[list[Any]]:
    """Rows of the base, then each variant's rows that differ from the base's."""
    base_rows = [list(r) for r in rows_of(report.base)]
    out = [[report.base.variant, *r] for r in base_rows] if report.has_variants else base_rows
    for result in report.results[1:]:
        out += [[result.variant, *r] for r in map(list, rows_of(result)) if r not in base_rows]
    return out


def write_assumptions(sheet: Sheet, report: rp.Report) -> None:
    sheet.title("Assumptions", "Every parameter the results depend on. Source: publication and "
                "table, or the reason for an assumption; 'Defined at' is the file and line.")
    headers = ["Parameter", "Value", "Unit", "Source", "Quality", "Uncertainty", "Defined at"]
    rows = _variant_rows(report, lambda r: [[a.key, a.value, a.unit, a.source, a.quality,
                                             a.uncertainty, report.path(a.origin)]
                                            for a in rp.assumption_rows(r.study)])
    if report.has_variants:
        headers = ["Variant", *headers]
    offset = len(headers) - 7
    block = sheet.table(headers, rows, [None] * offset + [None, "General"],
                        wrap=[offset + 4, offset + 6])
    sheet.fixed.update({offset + 4: 70, offset + 6: 30})
    sheet.limit[offset + 7] = 45
    sheet.finish(block)


ACTIVITY_COLUMNS = (
    ("phase", "Phase id", None), ("model", "Model", None), ("component", "Component", None),
    ("accelerator", "Accelerator", None), ("gpu_hours", "GPU-hours (GPU·h)", "GPU·h"),
    ("it_power_per_gpu_kw", "IT power per GPU (kW)", "kW"),
    ("it_energy_kwh", "IT energy (kWh)", "kWh"),
    ("it_energy_measured", "IT energy measured?", None),
    ("facility_energy_kwh", "Facility electricity (kWh)", "kWh"),
    ("cooling_water_evaporated_m3", "Cooling water evaporated (m3)", "m3"),
    ("cooling_water_returned_m3", "Cooling water returned (m3)", "m3"),
    ("gpu_units", "GPUs amortised (unit)", "unit"), ("server_units", "Hosts amortised (unit)",
                                                     "unit"),
    ("gpu_process", "GPU process", None), ("server_process", "Host process", None),
    ("electricity_process", "Electricity process", None), ("source", "Source", None),
)

ACTIVITY_SUMS = frozenset({"gpu_hours", "it_energy_kwh", "facility_energy_kwh",
                           "cooling_water_evaporated_m3", "cooling_water_returned_m3",
                           "gpu_units", "server_units"})


def write_activity(sheet: Sheet, report: rp.Report) -> None:
    sheet.title("Activity", "Each activity row (and extra-energy entry) translated into the "
                "amounts demanded from the inventory; the last row is the total.")
    frames = [rp.activity_frame(r) for r in report.results] if report.has_variants \
        else [rp.activity_frame(report.base)]
    frame = pd.concat(frames, ignore_index=True)
    columns = [c for c in ACTIVITY_COLUMNS if c[0] in frame.columns]
    if report.has_variants:
        columns = [("variant", "Variant", None), *columns]
    formats = [number_format(frame[c], unit) if unit else None for c, _, unit in columns]
    rows = frame[[c for c, _, _ in columns]].astype(object).where(frame.notna(), None)
    total = ["Total" if i == 0 else (float(frame[c].sum()) if c in ACTIVITY_SUMS and
                                     not report.has_variants else None)
             for i, (c, _, _) in enumerate(columns)]
    block = sheet.table([h for _, h, _ in columns], rows.values.tolist(), formats, total=total)
    sheet.fixed[len(columns)] = 50
    sheet.finish(block, "B")


INVENTORY_COLUMNS = (
    ("process", "Process"), ("process_name", "Process name"), ("process_unit", "Per unit of"),
    ("kind", "Kind"), ("flow", "Input or flow"), ("compartment", "Compartment or location"),
    ("amount", "Amount"), ("unit", "Unit"), ("amount_as_written", "Amount as written"),
    ("unit_as_written", "Unit as written"), ("source", "Source"), ("quality", "Quality"),
    ("uncertainty", "Uncertainty"), ("stand_in", "Stand-in"), ("comment", "Comment"),
    ("file", "Defined at"),
)


def write_inventory(sheet: Sheet, report: rp.Report) -> None:
    sheet.title("Inventory", "Every exchange of the foreground processes reached by the "
                "results, per unit of the process; amounts are in the unit of the input or flow.")
    frame = rp.inventory_frame(report.base.study, report.base.demands)
    if len(frame):
        frame["file"] = frame["file"].map(report.path)
    names = [c for c, _ in INVENTORY_COLUMNS]
    rows = frame.reindex(columns=names).astype(object).where(frame.notna(), None).values.tolist() \
        if len(frame) else []
    block = sheet.table([h for _, h in INVENTORY_COLUMNS], rows,
                        [None] * 6 + ["General", None, "General"], wrap=[11, 14, 15])
    sheet.fixed.update({11: 60, 14: 50, 15: 40})
    sheet.limit.update({2: 40, 5: 40, 13: 30, 16: 45})
    sheet.finish(block, "B")


def write_methods(sheet: Sheet, report: rp.Report) -> None:
    sheet.title("Methods", f"Methods file: {report.path(str(report.base.study.methods_file))}")
    rows = [[m.impact, m.label, " | ".join(m.method), m.unit, m.brightway_unit, m.num_cfs,
             m.source_file, m.source or "", m.data_version] for m in report.methods]
    block = sheet.table(["Impact id", "Label", "Brightway method (full name)", "Unit reported",
                         "Unit in Brightway", "Characterisation factors",
                         "Brightway source file", "Source", "Data version"], rows,
                        wrap=[3, 8, 9])
    sheet.fixed.update({3: 50, 8: 60, 9: 40})
    sheet.finish(block)


def _input_files(report: rp.Report) -> dict[str, str]:
    files: dict[str, str] = {}
    for result in report.results:
        files.update(result.study.input_files)
    return files


def write_run(sheet: Sheet, report: rp.Report) -> None:
    base = report.base
    sheet.title("Run", "How these results were produced.")
    facts = [("Date (UTC)", report.run_date.strftime("%Y-%m-%dT%H:%M:%SZ")),
             ("Study file", report.path(str(base.study.file))), ("Study name", base.study.name),
             ("Input folder (paths below are relative to it)", str(report.root or "")),
             ("Variants", ", ".join(r.variant for r in report.results)),
             ("Brightway project", base.project), ("Brightway data directory", str(base.data_dir)),
             ("Inventory database", base.database)]
    facts += [(f"Version of {name}", value) for name, value in report.versions.items()]
    block = sheet.table(["Item", "Value"], facts)
    sheet.heading("Input files")
    sheet.table(["File", "SHA-256"],
                sorted((report.path(f), digest) for f, digest in _input_files(report).items()))
    sheet.heading("Applied overrides")
    overrides = [[variant, change] for variant, changes in report.overrides.items()
                 for change in changes]
    sheet.table(["Variant", "Change"], overrides or [["(none)", "the study as written"]])
    warnings = [[r.variant, w] for r in report.results for w in r.warnings]
    if warnings:
        sheet.heading("Warnings")
        sheet.table(["Variant", "Warning"], warnings)
    sheet.limit.update({1: 40, 2: 90})
    sheet.finish(block, autofilter=False)


# -- the workbook ---------------------------------------------------------------------------------

def sheet_names(report: rp.Report) -> list[str]:
    """The sheets of a report's workbook, in order."""
    return [name for name in SHEET_NOTES if name != "Scenarios" or report.has_variants]


def build_workbook(report: rp.Report) -> Any:
    """The openpyxl workbook of a report."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    names = sheet_names(report)
    sheets = {name: Sheet(workbook.create_sheet(name)) for name in names}
    sheets["Summary"].fixed = dict(SUMMARY_WIDTHS)
    blocks = write_phase_stage(sheets["Phase x stage"], report)
    first = report.impacts[0]
    fmt = number_format(rp.phase_stage_table(report.base.scores, first).sum(axis=1))
    chart = stacked_chart(sheets["Phase x stage"].ws, blocks[first],
                          f"{report.labels[first]} by phase and stage",
                          report.units.get(first, ""), fmt,
                          [STAGE_COLOURS[s] for s in STAGES])
    write_summary(sheets["Summary"], report, chart, names)
    writers = {"By phase": write_by_phase, "By stage": write_by_stage,
               "Scenarios": write_scenarios, "Assumptions": write_assumptions,
               "Activity": write_activity, "Inventory": write_inventory,
               "Methods": write_methods, "Run": write_run}
    for name, write in writers.items():
        if name in sheets:
            write(sheets[name], report)
    _properties(workbook, report)
    return workbook


def _properties(workbook: Any, report: rp.Report) -> None:
    props = workbook.properties
    props.creator = f"gpulca {report.versions.get('gpulca', '')}".strip()
    props.title = cell_value(f"Environmental footprint of {report.base.study.name}")
    props.created = props.modified = datetime(*ZIP_DATE)  # the run date is on the Run sheet
    props.lastModifiedBy = None


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


def report_workbook_bytes(results: Sequence[StudyResult], overrides: dict[str, list[str]]
                          | None = None, run_date: datetime | None = None,
                          report: rp.Report | None = None) -> bytes:
    """The workbook of one study (one result) or of a comparison (base first), as bytes."""
    report = report or rp.build_report(results, overrides, run_date)
    return workbook_bytes(build_workbook(report))


def write_workbook(path: str | Path, results: Sequence[StudyResult],
                   overrides: dict[str, list[str]] | None = None,
                   run_date: datetime | None = None) -> Path:
    """Write the workbook to ``path``, all or nothing (built in memory, then moved in place)."""
    content = report_workbook_bytes(results, overrides, run_date)
    return write_bytes_atomic(path, content)


def write_bytes_atomic(path: str | Path, content: bytes) -> Path:
    """Write ``content`` to a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # created with the umask
    try:
        staging.write_bytes(content)
        os.replace(staging, path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return path
