"""The Excel workbook: one writer over the same frames as the CSV files and the charts.

>>> from gpulca.reports.excel import write_workbook                                 # doctest: +SKIP
>>> write_workbook("footprint.xlsx", [result])                             # doctest: +SKIP

Sheets (in order): Summary, By phase, By stage, Phase x stage, Scenarios (only with variants),
Reference (only for studies with published figures), Assumptions, Activity, Inventory,
Methods, Run, and the extra sheets registered in :data:`EXTRA_SHEETS` (each placed after the
sheet it names). The workbook is one-way: it is written for people to read and to check, not to be
read back by gpulca. ``docs/reports.md`` describes every sheet.

Safety and stability rules:

- Every text cell goes through :func:`gpulca.reports.xlsx.safe_text`: text that starts with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, so no cell is ever
  a formula made from user text (OWASP "CSV injection"); characters XML cannot hold are dropped.
  The writer itself writes no formula, no macro and no external link (the contents links on the
  Summary point inside the workbook).
- Deterministic: the same results give a byte-identical file for the same run date. Only the
  Run sheet carries the date; the workbook's created/modified properties and the zip entries
  carry a fixed timestamp (1980-01-01, the zip format's epoch).
"""

from __future__ import annotations

import copy
import importlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gpulca.core.vocabulary import (
    EXCEL_PERCENT,
    NOT_ASSESSED,
    STAGES,
    excel_number_format,
    impact_heading,
    stage_colour,
    variant_colours,
)
from gpulca.io.atomic import write_bytes_atomic
from gpulca.reports import tables as rp
from gpulca.reports.uncertainty import write_uncertainty_sheet
from gpulca.reports.xlsx import (  # noqa: F401 - safe_text, FORMULA_TRIGGERS, ZIP_DATE: public here
    CHART_ROWS,
    FORMULA_TRIGGERS,
    ZIP_DATE,
    Block,
    Sheet,
    cell_value,
    clustered_chart,
    safe_text,
    stacked_chart,
    workbook_bytes,
)
from gpulca.results.frames import not_assessed_stages

if TYPE_CHECKING:
    from gpulca.results.result import StudyResult


# -- sheets ---------------------------------------------------------------------------------------

SHEET_NOTES = {
    "Summary": "The answer in one page: totals, main assumptions and what they mean.",
    "By phase": "Impacts of each research phase, all life-cycle stages together.",
    "By stage": "Impacts of each life-cycle stage, all phases together.",
    "Phase x stage": "For each impact: phases by life-cycle stage, with a stacked chart.",
    "Scenarios": "The variants compared with the base study.",
    "Reference": "The study's published figures beside gpulca's values, with the deviation.",
    "Assumptions": "Every parameter used, with its value, unit, source, quality and uncertainty.",
    "Activity": "Each activity row: GPU-hours to energy, water and amortised hardware.",
    "Inventory": "Every exchange of the foreground processes that were solved, with its source.",
    "Methods": "The impact methods: full Brightway names, units, data version.",
    "Run": "Software versions, input file hashes, date and applied overrides.",
}


# -- extra sheets ---------------------------------------------------------------------------------

SheetBuilder = Callable[[Sheet, rp.ReportData], None]
"""Writes one sheet: ``build(sheet, report)``. Use :class:`gpulca.reports.xlsx.Sheet`'s
``title``, ``heading``, ``table`` and ``paragraph`` (every cell goes through ``safe_text``) and
end with ``sheet.finish(block)`` (column widths, frozen header, print set-up)."""


@dataclass(frozen=True)
class ExtraSheet:
    """A sheet written by another module, registered in :data:`EXTRA_SHEETS`.

    ``build`` and ``applies`` are callables or ``"module:function"`` strings (imported only when
    a workbook is built, so a sheet module may itself import this one without a cycle).
    ``applies(report) -> bool`` says whether the report gets the sheet (default: always).
    ``after`` names the sheet it follows (a built-in sheet or an earlier extra sheet; when that
    sheet is absent from a report, the extra sheet goes before Assumptions).
    """

    name: str
    note: str
    """One line for the Summary's contents."""
    build: SheetBuilder | str
    applies: Callable[[rp.ReportData], bool] | str | None = None
    after: str = "Reference"


EXTRA_SHEETS: list[ExtraSheet] = [
    ExtraSheet("Deployment", "Per request and per 1,000 tokens: marginal, levelised, split and "
               "break-even.",
               "gpulca.reports.deployment:write_deployment",
               applies="gpulca.reports.deployment:has_deployment"),
    ExtraSheet("Contributions", "The processes and elementary flows that make each impact "
               "(with --contributions).", "gpulca.reports.contributions_sheet:write_contributions",
               applies="gpulca.reports.contributions_sheet:has_contributions"),
    # One line per sheet module, e.g.:
    # ExtraSheet("Deployment", "Per request and per token.",
    #            "gpulca.reports.deployment:write_deployment_sheet",
    #            applies="gpulca.reports.deployment:has_deployment", after="Scenarios"),
]
"""Sheets other modules add to the workbook, in order (see :class:`ExtraSheet`)."""

_EXTRA_FALLBACK = "Reference"
"""Where an extra sheet goes when the sheet it follows is absent: after the result sheets,
before Assumptions (Reference itself falls back to Phase x stage)."""


def register_sheet(extra: ExtraSheet) -> ExtraSheet:
    """Add ``extra`` to :data:`EXTRA_SHEETS` (a name may be registered once)."""
    taken = set(SHEET_NOTES) | {e.name for e in EXTRA_SHEETS}
    if extra.name in taken:
        raise ValueError(f"a workbook sheet named {extra.name!r} already exists")
    if len(extra.name) > 31 or any(c in extra.name for c in "[]:*?/\\"):
        raise ValueError(f"{extra.name!r} is not a valid sheet name (at most 31 characters, "
                         "none of []:*?/\\)")
    EXTRA_SHEETS.append(extra)
    return extra


def _resolve(target: Callable[..., Any] | str) -> Callable[..., Any]:
    """A callable, or the one a ``"module:function"`` string names."""
    if not isinstance(target, str):
        return target
    module, _, name = target.partition(":")
    function: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return function


def _extra_sheets(report: rp.ReportData) -> list[ExtraSheet]:
    """The registered sheets this report gets."""
    return [e for e in EXTRA_SHEETS if e.applies is None or _resolve(e.applies)(report)]


def _variant_note(report: rp.ReportData) -> str:
    return f" Variant: {report.base.variant}." if report.has_variants else ""


def _score_formats(report: rp.ReportData, table: pd.DataFrame) -> list[str]:
    return [excel_number_format(table[i], report.units.get(i, "")) for i in table.columns]


def _impact_headers(report: rp.ReportData, impacts: Iterable[str]) -> list[str]:
    return [impact_heading(report.labels[i], report.units.get(i, "")) for i in impacts]


SUMMARY_WIDTHS = {1: 34.0, 2: 24.0, 3: 15.0, 4: 15.0, 5: 20.0, 6: 20.0, 7: 20.0, 8: 15.0}


def write_summary(sheet: Sheet, report: rp.ReportData, chart: Any,
                  present: Sequence[str]) -> None:
    base = report.base
    sheet.title(f"Environmental footprint of {base.study.name}")
    description = " ".join((base.study.study.description or "").split())
    if description:
        sheet.paragraph(description, 7, italic=True)
        sheet.row += 1
    sheet.heading("Headline results" + (f" (variant {base.variant})" if report.has_variants
                                        else ""))
    rows = rp.headline_rows(report)
    block = sheet.table(["Impact category", "Total", "Share of the final training run",
                         "Development multiplier", "Largest phase", "Largest stage"], rows,
                        [None, None, EXCEL_PERCENT, '0.0"x"'])
    for offset, impact in enumerate(report.impacts):
        sheet.ws.cell(row=block.first + offset, column=2).number_format = excel_number_format(
            [rows[offset][1]], report.units[impact])
    if report.has_variants:
        _ranking(sheet, report)
    sheet.heading("Reading")
    for line in rp.reading(base):
        sheet.paragraph(line, 7)
    sheet.row += 1
    sheet.add_chart(chart, 1, sheet.row)
    sheet.row += CHART_ROWS + 1
    _main_assumptions(sheet, base)
    if base.warnings:
        sheet.heading("Warnings")
        for warning in base.warnings:
            sheet.paragraph(warning, 7)
        sheet.row += 1
    _contents(sheet, present, sheet_notes(report))
    sheet.finish()


CHANGE_FORMAT = '+0.0%;-0.0%;0.0%'
"""A change against the baseline: signed, one decimal."""


def _ranking(sheet: Sheet, report: rp.ReportData) -> None:
    """The variants ranked by the first impact, each impact's total and change against the
    base study."""
    from openpyxl.styles import Font

    frame = rp.ranking(report)
    total = report.compared or len(report.results)
    first = report.labels[report.impacts[0]]
    every = "Comparison" if report.compared else "Scenarios"
    shown = "" if len(frame) == total else \
        f"; the {len(frame)} shown are the best, the worst and the base (all on {every})"
    sheet.heading(f"Ranking of the {total} variants by {first.lower()} (1 = lowest{shown})")
    lead = report.impacts[0]
    headers = ["Rank. Variant",
               impact_heading(report.labels[lead], report.units.get(lead, "")),
               *(f"{report.labels[i]}: change vs {report.base.variant}" for i in report.impacts)]
    formats = [None, excel_number_format(frame[lead], report.units.get(lead, "")),
               *[CHANGE_FORMAT] * len(report.impacts)]
    rows = [[f"{int(r['rank'])}. {r['variant']}", r[lead],
             *(r[f"{i}_change"] for i in report.impacts)] for r in frame.to_dict("records")]
    block = sheet.table(headers, rows, formats, wrap=[1])
    for offset, r in enumerate(frame.to_dict("records")):
        if r["variant"] == report.base.variant:
            for col in range(1, len(headers) + 1):
                sheet.ws.cell(row=block.first + offset, column=col).font = Font(bold=True)


def _main_assumptions(sheet: Sheet, result: StudyResult) -> None:
    sheet.heading("Main assumptions")
    assumptions = rp.main_assumptions(result)
    block = sheet.table(["Assumption", "Value", "Source"],
                        [[what, value, source] for what, value, _, source in assumptions],
                        wrap=[3])
    for offset, (_, value, _, _) in enumerate(assumptions):  # long names wrap, numbers don't
        if isinstance(value, str):
            sheet.put(block.first + offset, 2, value, wrap=True)
    sheet.merge(block.header, 3, 7)
    for offset, (_, value, unit, _) in enumerate(assumptions):
        sheet.ws.cell(row=block.first + offset, column=2).number_format = \
            f'General "{unit}"' if unit and not isinstance(value, str) else "General"
        sheet.merge(block.first + offset, 3, 7)


def _contents(sheet: Sheet, present: Sequence[str], notes: dict[str, str]) -> None:
    from openpyxl.styles import Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    sheet.heading("Contents")
    for name in present:
        if name == "Summary":
            continue
        cell = sheet.ws.cell(row=sheet.row, column=1, value=cell_value(name))
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{name}'!A1", display=name)
        cell.font = Font(color="0563C1", underline="single")
        sheet.put(sheet.row, 2, notes.get(name, ""))
        sheet.row += 1


def write_by_phase(sheet: Sheet, report: rp.ReportData) -> None:
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
                [None, None, *[EXCEL_PERCENT] * len(table.columns)])
    sheet.finish(block)


def _assessed(values: Any) -> list[float | str]:
    """Cells of a stage row: "not assessed" for a stage the study left out (NaN), never 0."""
    return [NOT_ASSESSED if math.isnan(float(v)) else float(v) for v in values]


def write_by_stage(sheet: Sheet, report: rp.ReportData) -> None:
    table = rp.stage_table(report.base.scores)
    stages = list(STAGES)
    sheet.title("Impacts by life-cycle stage", "Sum over the research phases; the last row is "
                "the total." + _variant_note(report))
    headers = ["Life-cycle stage", "Stage id", *_impact_headers(report, table.columns)]
    formats = [None, None, *_score_formats(report, table)]
    missing = not_assessed_stages(report.base.scores)
    rows = [[rp.stage_heading(s, missing), s, *_assessed(table.loc[s])] for s in stages]
    block = sheet.table(headers, rows, formats, total=["Total", "", *table.loc["total"]])
    sheet.heading("Share of each impact's total")
    grand = table.loc["total"].replace(0.0, float("nan"))
    sheet.table(headers, [[rp.stage_heading(s, missing), s, *_assessed(table.loc[s] / grand)]
                          for s in stages],
                [None, None, *[EXCEL_PERCENT] * len(table.columns)])
    sheet.finish(block)


MAX_CHART_ROWS = 40
"""Beyond this many bars, a workbook chart is not drawn (its table is; the Summary ranks the
variants and ``--charts`` summarises them)."""


def stacked_blocks(sheet: Sheet, report: rp.ReportData, tables: dict[str, pd.DataFrame],
                   row_label: str, labels: dict[str, str]) -> dict[str, Block]:
    """For each impact a block (rows x stages + total) with its stacked chart to the right
    (no chart beyond :data:`MAX_CHART_ROWS` rows)."""
    blocks: dict[str, Block] = {}
    colours = [stage_colour(s) for s in STAGES]
    for impact, table in tables.items():
        unit = report.units.get(impact, "")
        start = sheet.row
        sheet.heading(impact_heading(report.labels[impact], unit))
        fmt = excel_number_format(table.sum(axis=1), unit)
        rows = [[labels.get(str(i), str(i)), *_assessed(table.loc[i]), float(table.loc[i].sum())]
                for i in table.index]
        total = ["Total", *_assessed(table.sum(axis=0, min_count=1)),
                 float(np.nansum(table.to_numpy()))]
        missing = [s for s in STAGES if table[s].isna().all()]
        block = sheet.table([row_label, *(rp.stage_heading(s, missing) for s in STAGES), "Total"],
                            rows,
                            [None, *[fmt] * (len(STAGES) + 1)], total=total)
        blocks[impact] = block
        if len(table.index) > MAX_CHART_ROWS:
            continue
        chart = stacked_chart(sheet.ws, block, f"{report.base.study.name}: "
                              f"{impact_heading(report.labels[impact], unit)} by "
                              f"{row_label.lower()} and life-cycle stage", unit, fmt, colours)
        sheet.add_chart(chart, len(STAGES) + 4, start)
        sheet.keep_together(start, max(sheet.row, start + CHART_ROWS) - 1)
        sheet.row = max(sheet.row, start + CHART_ROWS + 1)
    return blocks


def write_phase_stage(sheet: Sheet, report: rp.ReportData) -> dict[str, Block]:
    sheet.title("Impacts by phase and life-cycle stage", "One table and one stacked chart per "
                "impact category." + _variant_note(report))
    tables = {i: rp.phase_stage_table(report.base.scores, i) for i in report.impacts}
    blocks = stacked_blocks(sheet, report, tables, "Phase", report.base.study.phases)
    sheet.finish()
    return blocks


def write_scenarios(sheet: Sheet, report: rp.ReportData) -> None:
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
                            [None, *[EXCEL_PERCENT] * len(relative.columns)])
    if len(relative.index) <= MAX_CHART_ROWS:
        chart = clustered_chart(sheet.ws, rel_block, f"{report.base.study.name}: each "
                                f"variant's total per impact, relative to {report.base.variant} "
                                "(= 100 %)", "% of base", "0%",
                                variant_colours(len(relative.index)))
        sheet.add_chart(chart, 1, sheet.row)
        sheet.row += CHART_ROWS + 1
    else:
        sheet.paragraph(f"No charts here for {len(relative.index)} variants (more than "
                        f"{MAX_CHART_ROWS} bars would not be read): the Summary ranks them.", 7,
                        italic=True)
        sheet.row += 1
    sheet.heading("By life-cycle stage")
    sheet.row += 1
    tables = {i: rp.variant_stage_table(report, i) for i in report.impacts}
    stacked_blocks(sheet, report, tables, "Variant", {})
    sheet.finish(block, repeat_header=False)


REFERENCE_COLUMNS = (
    ("id", "Id", None), ("what", "What", None), ("paper", "Published", "General"),
    ("gpulca", "gpulca", "General"), ("unit", "Unit", None),
    ("deviation", "Deviation", "0.00%"), ("difference", "Difference", "General"),
    ("tolerance", "Tolerance", None), ("within", "Within tolerance", None),
    ("source", "Source", None),
)


def write_reference(sheet: Sheet, report: rp.ReportData) -> None:
    reference = report.base.study.study.reference
    sheet.title("Published figures", "The study's reference: " + (reference.source if
                                                                     reference else ""))
    frame = report.reference if report.reference is not None else pd.DataFrame()
    rows = frame.reindex(columns=[c for c, _, _ in REFERENCE_COLUMNS]).astype(object)
    block = sheet.table([h for _, h, _ in REFERENCE_COLUMNS],
                        rows.where(rows.notna(), None).values.tolist(),
                        [f for _, _, f in REFERENCE_COLUMNS], wrap=[2, 10])
    sheet.fixed.update({2: 50, 10: 60})
    sheet.finish(block)


def _variant_rows(report: rp.ReportData, rows_of: Any) -> list[list[Any]]:
    """Rows of the base, then each variant's rows that differ from the base's."""
    base_rows = [list(r) for r in rows_of(report.base)]
    out = [[report.base.variant, *r] for r in base_rows] if report.has_variants else base_rows
    for result in report.results[1:]:
        out += [[result.variant, *r] for r in map(list, rows_of(result)) if r not in base_rows]
    return out


def write_assumptions(sheet: Sheet, report: rp.ReportData) -> None:
    sheet.title("Assumptions", "Every parameter the results depend on. Source: publication and "
                "table, or the reason for an assumption; 'Defined at' is the file and line.")
    headers = ["Parameter", "Value", "Unit", "Source", "Quality", *rp.UNCERTAINTY_HEADERS,
               "Defined at"]
    rows = _variant_rows(report, lambda r: [_assumption_cells(report, a)
                                            for a in rp.assumption_rows(r.study)])
    if report.has_variants:
        headers = ["Variant", *headers]
    offset = len(headers) - len(ASSUMPTION_HEADERS_BASE)
    block = sheet.table(headers, rows, [None] * offset + [None, "General"] + [None] * 3 +
                        ["General"] * 4, wrap=[offset + 1, offset + 4, offset + 11])
    sheet.fixed.update({offset + 1: 24, offset + 4: 60, offset + 11: 28})
    sheet.finish(block)


ASSUMPTION_HEADERS_BASE = ("Parameter", "Value", "Unit", "Source", "Quality", "Distribution",
                           "GSD", "SD", "Minimum", "Maximum", "Defined at")


def _assumption_cells(report: rp.ReportData, row: rp.AssumptionRow) -> list[Any]:
    """An Assumptions row in the unit people read (a lifetime in years), its uncertainty as
    columns."""
    value, unit, scale = rp.assumption_display(row)
    return [row.key, value, unit, row.source, row.quality,
            *rp.uncertainty_columns(row.uncertainty, scale), report.path(row.origin)]


ACTIVITY_SHEET_COLUMNS = (
    ("phase", "Phase id", None), ("model", "Model", None), ("component", "Component", None),
    ("accelerator", "Accelerator", None), ("gpu_hours", "GPU-hours (GPU·h)", "GPU·h"),
    ("it_power_per_gpu_kw", "IT power per GPU (kW)", "kW"),
    ("it_energy_kwh", "IT energy (kWh)", "kWh"),
    ("it_energy_measured", "IT energy measured?", None),
    ("measured_gpu_hours", "Measured GPU-hours (GPU·h)", "GPU·h"),
    ("measured_it_energy_kwh", "Measured IT energy (kWh)", "kWh"),
    ("facility_energy_kwh", "Facility electricity (kWh)", "kWh"),
    ("cooling_water_evaporated_m3", "Cooling water evaporated (m3)", "m3"),
    ("cooling_water_returned_m3", "Cooling water returned (m3)", "m3"),
    ("gpu_units", "GPUs amortised (unit)", "unit"), ("server_units", "Hosts amortised (unit)",
                                                     "unit"),
    ("gpu_process", "GPU process", None), ("server_process", "Host process", None),
    ("electricity_process", "Electricity process", None), ("source", "Source", None),
)

ACTIVITY_SUMS = frozenset({"gpu_hours", "it_energy_kwh", "facility_energy_kwh",
                           "measured_gpu_hours", "measured_it_energy_kwh",
                           "cooling_water_evaporated_m3", "cooling_water_returned_m3",
                           "gpu_units", "server_units"})


def write_activity(sheet: Sheet, report: rp.ReportData) -> None:
    sheet.title("Activity", "Each activity row (and extra-energy entry) translated into the "
                "amounts demanded from the inventory; the last row is the total.")
    frames = [rp.activity_frame(r) for r in report.results] if report.has_variants \
        else [rp.activity_frame(report.base)]
    frame = pd.concat(frames, ignore_index=True)
    columns = [c for c in ACTIVITY_SHEET_COLUMNS if c[0] in frame.columns]
    if report.has_variants:
        columns = [("variant", "Variant", None), *columns]
    formats = [excel_number_format(frame[c], unit) if unit else None for c, _, unit in columns]
    rows = frame[[c for c, _, _ in columns]].astype(object).where(frame.notna(), None)
    total = ["Total" if i == 0 else (float(frame[c].sum()) if c in ACTIVITY_SUMS and
                                     not report.has_variants else None)
             for i, (c, _, _) in enumerate(columns)]
    texts = [i for i, (c, _, unit) in enumerate(columns, start=1)
             if unit is None and c not in ("variant", "phase", "it_energy_measured")]
    block = sheet.table([h for _, h, _ in columns], rows.values.tolist(), formats, total=total,
                        wrap=texts)
    sheet.fixed.update({col: 22 for col in texts})
    sheet.fixed[len(columns)] = 36
    for col, (_, _, unit) in enumerate(columns, start=1):
        if unit:
            sheet.limit[col] = 16
    sheet.finish(block, "B")


INVENTORY_COLUMNS = (
    ("process", "Process"), ("process_name", "Process name"), ("process_unit", "Per unit of"),
    ("kind", "Kind"), ("flow", "Input or flow"), ("compartment", "Compartment or location"),
    ("amount", "Amount"), ("unit", "Unit"), ("amount_as_written", "Amount as written"),
    ("unit_as_written", "Unit as written"), ("source", "Source"), ("quality", "Quality"),
    *((f"uncertainty_{i}", h) for i, h in enumerate(rp.UNCERTAINTY_HEADERS)),
    ("stand_in", "Stand-in"), ("comment", "Comment"), ("file", "Defined at"),
)


def write_inventory(sheet: Sheet, report: rp.ReportData) -> None:
    sheet.title("Inventory", "Every exchange of the foreground processes reached by the "
                "results, per unit of the process; amounts are in the unit of the input or flow.")
    frame = rp.inventory_frame(report.base.study, report.base.demands)
    if len(frame):
        frame["file"] = frame["file"].map(report.path)
        spread = [rp.uncertainty_columns(text) for text in frame["uncertainty"]]
        for index in range(len(rp.UNCERTAINTY_HEADERS)):
            frame[f"uncertainty_{index}"] = [row[index] for row in spread]
    names = [c for c, _ in INVENTORY_COLUMNS]
    rows = frame.reindex(columns=names).astype(object).where(frame.notna(), None).values.tolist() \
        if len(frame) else []
    block = sheet.table([h for _, h in INVENTORY_COLUMNS], rows,
                        [None] * 6 + ["General", None, "General"] + [None] * 4 + ["General"] * 4,
                        wrap=[1, 2, 5, 6, 9, 11, 18, 19, 20])
    sheet.fixed.update({1: 24, 2: 24, 5: 24, 6: 16, 9: 22, 11: 36, 18: 24, 19: 24, 20: 24})
    sheet.limit.update({7: 12, 8: 12, 10: 12})
    sheet.finish(block, "B")


def write_methods(sheet: Sheet, report: rp.ReportData) -> None:
    sheet.title("Methods", f"Methods file: {report.path(str(report.base.study.methods_file))}")
    rows = [[m.impact, m.label, " | ".join(m.method), m.unit, m.brightway_unit, m.num_cfs,
             m.source_file, m.source or "", m.data_version] for m in report.methods]
    block = sheet.table(["Impact id", "Label", "Brightway method (full name)", "Unit reported",
                         "Unit in Brightway", "Characterisation factors",
                         "Brightway source file", "Source", "Data version"], rows,
                        wrap=[3, 8, 9])
    sheet.fixed.update({3: 50, 8: 60, 9: 40})
    sheet.finish(block)


def _input_files(report: rp.ReportData) -> dict[str, str]:
    files: dict[str, str] = {}
    for result in report.results:
        files.update(result.study.input_files)
    return files


def write_run(sheet: Sheet, report: rp.ReportData) -> None:
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

def sheet_names(report: rp.ReportData) -> list[str]:
    """The sheets of a report's workbook, in order (with the registered extra sheets)."""
    optional = {"Scenarios": report.has_variants,
                "Reference": report.reference is not None and len(report.reference) > 0}
    names = [name for name in SHEET_NOTES if optional.get(name, True)]
    for extra in _extra_sheets(report):
        after = extra.after if extra.after in names else _EXTRA_FALLBACK
        if after not in names:
            after = "Phase x stage"
        position = names.index(after) + 1
        while position < len(names) and names[position] not in SHEET_NOTES and \
                names[position] != extra.name:  # keep registration order after one sheet
            position += 1
        names.insert(position, extra.name)
    return names


def sheet_notes(report: rp.ReportData) -> dict[str, str]:
    """One line per sheet of the report's workbook, for the Summary's contents."""
    return {**SHEET_NOTES, **{e.name: e.note for e in _extra_sheets(report)}}


def build_workbook(report: rp.ReportData) -> Any:
    """The openpyxl workbook of a report."""
    from openpyxl import Workbook

    workbook = Workbook()
    for default_sheet in list(workbook.worksheets):  # a new workbook has one empty sheet
        workbook.remove(default_sheet)
    names = sheet_names(report)
    sheets = {name: Sheet(workbook.create_sheet(name)) for name in names}
    sheets["Summary"].fixed = dict(SUMMARY_WIDTHS)
    blocks = write_phase_stage(sheets["Phase x stage"], report)
    first = report.impacts[0]
    fmt = excel_number_format(rp.phase_stage_table(report.base.scores, first).sum(axis=1))
    chart = stacked_chart(sheets["Phase x stage"].ws, blocks[first],
                          f"{report.base.study.name}"
                          f"{' (' + report.base.variant + ')' if report.has_variants else ''}: "
                          f"{impact_heading(report.labels[first], report.units.get(first, ''))}"
                          " by phase and life-cycle stage",
                          report.units.get(first, ""), fmt,
                          [stage_colour(s) for s in STAGES])
    write_summary(sheets["Summary"], report, chart, names)
    writers = {"By phase": write_by_phase, "By stage": write_by_stage,
               "Scenarios": write_scenarios, "Reference": write_reference,
               "Assumptions": write_assumptions,
               "Activity": write_activity, "Inventory": write_inventory,
               "Methods": write_methods, "Run": write_run}
    for name, write in writers.items():
        if name in sheets:
            write(sheets[name], report)
    for extra in _extra_sheets(report):
        _resolve(extra.build)(sheets[extra.name], report)
    write_uncertainty_sheet(workbook, report)  # with --uncertainty only
    _properties(workbook, report)
    return workbook


def _properties(workbook: Any, report: rp.ReportData) -> None:
    props = workbook.properties
    props.creator = f"gpulca {report.versions.get('gpulca', '')}".strip()
    props.title = cell_value(f"Environmental footprint of {report.base.study.name}")
    props.created = props.modified = datetime(*ZIP_DATE)  # the run date is on the Run sheet
    props.lastModifiedBy = None


def report_workbook_bytes(results: Sequence[StudyResult], overrides: dict[str, list[str]]
                          | None = None, run_date: datetime | None = None,
                          report: rp.ReportData | None = None) -> bytes:
    """The workbook of one study (one result) or of a comparison (base first), as bytes."""
    report = report or rp.build_report(results, overrides, run_date)
    return workbook_bytes(build_workbook(report))


def write_workbook(path: str | Path, results: Sequence[StudyResult],
                   overrides: dict[str, list[str]] | None = None,
                   run_date: datetime | None = None) -> Path:
    """Write the workbook to ``path``, all or nothing (built in memory, then moved in place)."""
    content = report_workbook_bytes(results, overrides, run_date)
    return write_bytes_atomic(path, content)


# -- a large comparison: every variant on one sheet ----------------------------------------------

COMPARISON_QUANTILES = (("lowest", 0.0), ("5 %", 0.05), ("25 %", 0.25), ("median", 0.5),
                        ("75 %", 0.75), ("95 %", 0.95), ("highest", 1.0))
"""The distribution of every variant's total per impact on the Comparison sheet."""


def add_comparison_sheet(workbook: Any, report: rp.ReportData, totals: pd.DataFrame,
                         where: str) -> None:
    """A "Comparison" sheet (second, after the Summary) for a comparison whose other sheets
    detail only some variants (:attr:`ReportData.compared`): the distribution of every
    variant's total per impact, then every variant ranked by the first impact with its totals.
    ``totals``: variants (rows, baseline among them) x impact ids; ``where``: the files that
    hold the full results table (by phase and stage), named on the sheet."""
    impacts = [i for i in report.impacts if i in totals.columns]
    first, base = impacts[0], report.base.variant
    sheet = Sheet(workbook.create_sheet("Comparison", 1))
    detailed = ", ".join(r.variant for r in report.results)
    sheet.title(f"All {len(totals):,} variants compared",
                f"The other sheets detail {len(report.results)} of them (the lowest and the "
                f"highest by {report.labels[first].lower()}, and {base}): {detailed}. Every "
                f"variant's scores by phase and life-cycle stage are in {where}.")
    headings = [impact_heading(report.labels[i], report.units.get(i, "")) for i in impacts]
    formats = [excel_number_format(totals[i], report.units.get(i, "")) for i in impacts]
    sheet.heading("Distribution of the variants' totals")
    quantiles = totals[impacts].quantile([q for _, q in COMPARISON_QUANTILES]).to_numpy()
    rows: list[list[Any]] = [[label, *map(float, values)] for (label, _), values
                             in zip(COMPARISON_QUANTILES, quantiles, strict=True)]
    rows.append([f"{base} (baseline)",
                 *map(float, totals.loc[[base], impacts].to_numpy(dtype=float)[0])])
    sheet.table(["Statistic", *headings], rows, [None, *formats])
    sheet.heading(f"Every variant, ranked by {report.labels[first].lower()} (1 = lowest)")
    ranked = pd.DataFrame({"rank": totals[first].rank(method="min").to_numpy(),
                           "variant": totals.index.astype(str),
                           **{i: totals[i].to_numpy() for i in impacts}})
    ranked = ranked.sort_values(["rank", "variant"], kind="stable")
    rows = [[int(r[0]), str(r[1]), *map(float, r[2:])]
            for r in ranked[["rank", "variant", *impacts]].itertuples(index=False)]
    block = _long_table(sheet, ["Rank", "Variant", *headings], rows, ["0", None, *formats])
    sheet.finish(block)


def _long_table(sheet: Sheet, headers: Sequence[str], rows: Sequence[Sequence[Any]],
                formats: Sequence[str | None]) -> Block:
    """:meth:`Sheet.table` for thousands of rows: the first row is written as any table's, the
    others take its cells' style (one style object per column, not one per cell); every value
    still goes through :func:`cell_value` (no formula from user text)."""
    block = sheet.table(headers, rows[:1], formats)
    if len(rows) < 2:
        return block
    first: list[Any] = [sheet.ws.cell(row=block.first, column=c)
                        for c in range(1, len(headers) + 1)]
    styles = [c._style for c in first]
    for offset, values in enumerate(rows[1:], start=block.first + 1):
        for col, value in enumerate(values, start=1):
            cell: Any = sheet.ws.cell(row=offset, column=col, value=cell_value(value))
            cell._style = copy.copy(styles[col - 1])
    for col in range(1, len(headers) + 1):  # widths: the longest text of each column
        longest = max((str(r[col - 1]) for r in rows if isinstance(r[col - 1], str)),
                      key=len, default=None)
        if longest is not None:
            sheet.measure(col, longest)
    last = block.first + len(rows) - 1
    sheet.row = last + 2
    return Block(block.header, block.first, last, block.first_col, block.last_col)
