"""The self-contained HTML report: one file a reader opens in any browser, offline.

>>> from gpulca.reports.html import write_html                                      # doctest: +SKIP
>>> write_html("report.html", [result])                                    # doctest: +SKIP

What it holds, top to bottom: the plain-language summary (headline per impact, the reading, and
for a comparison the ranking of the variants with each one's change against the base), the
charts, the tables by phase, by life-cycle stage, by phase and stage and by variant, the
published figures (when the study has some), the assumptions with their sources, the methods,
and the audit trail (run date, software versions, input files with their SHA-256, applied
overrides, warnings).

Rules:

- One file, no network: the style sheet is inline, the charts are SVG images inlined as
  ``data:`` URIs (an ``<img>``: its SVG can run nothing and its ids cannot clash with the page;
  text drawn as paths, so it is laid out as matplotlib measured it whatever fonts the reader
  has), and a Content-Security-Policy forbids every fetch and every script.
- Every text, whether the user typed it or not, is HTML-escaped (:func:`html.escape`); the page
  has no script, no event handler, no form and no external link, so nothing typed becomes
  markup, a script or a formula.
- Readable on a phone (one column, wide tables scroll sideways inside their box, images scale)
  and printable (print style: no navigation, tables and charts kept whole, headers repeated).
- Deterministic: the same report gives the same bytes (the run date is the report's).
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gpulca.core.vocabulary import (
    NOT_ASSESSED,
    STAGES,
    format_number,
    format_percent,
    impact_heading,
    stage_label,
)
from gpulca.reports import tables as rp

if TYPE_CHECKING:
    from gpulca.results.result import StudyResult

STYLE = """
:root { --ink: #1b1b1b; --muted: #595959; --rule: #d0d7de; --head: #1f4e78; --band: #f3f6f9; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 72rem; padding: 1rem; color: var(--ink);
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0.5rem 0; }
h2 { font-size: 1.3rem; margin: 2rem 0 0.5rem; border-bottom: 2px solid var(--head); }
h3 { font-size: 1.05rem; margin: 1.25rem 0 0.4rem; }
p.note, .meta { color: var(--muted); }
nav ol { columns: 2 14rem; padding-left: 1.2rem; }
.table { overflow-x: auto; margin: 0.5rem 0 1rem; border: 1px solid var(--rule); }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0.5rem; }
th, td { padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--rule); vertical-align: top;
         text-align: left; overflow-wrap: break-word; min-width: 7em; }
td:first-child { min-width: 9em; }
th { background: var(--head); color: #fff; font-weight: 600; }
td.num, th.num { text-align: right; overflow-wrap: normal; min-width: 5.5em; }
td.num { white-space: nowrap; }
tr.total td { font-weight: 700; border-top: 2px solid var(--ink); }
tr.base td { font-weight: 700; background: var(--band); }
tbody tr:nth-child(even) td { background: #fafbfc; }
figure { margin: 1rem 0; }
figure img { display: block; width: 100%; height: auto; border: 1px solid var(--rule);
             background: #fff; }
figcaption { color: var(--muted); font-size: 0.9rem; }
.reading p { margin: 0.4rem 0; }
details > summary { cursor: pointer; font-weight: 600; margin: 0.5rem 0; }
code { font-size: 0.85em; overflow-wrap: anywhere; }
@media (max-width: 40rem) {
  body { padding: 0.6rem; font-size: 15px; }
  h1 { font-size: 1.3rem; }
  nav ol { columns: 1; }
  table { font-size: 0.8rem; }
}
@media print {
  @page { size: A4; margin: 15mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  figure, tr, .reading p { break-inside: avoid; page-break-inside: avoid; }
  .table { overflow: visible; border: none; }
  table { font-size: 7.5pt; }
  th, td, th.num, td.num, td:first-child { min-width: 0; padding: 0.15rem 0.25rem;
                                           overflow-wrap: anywhere; }
  td.num { white-space: nowrap; overflow-wrap: normal; }
  thead { display: table-header-group; }
  details > summary { display: none; }
  details { display: block; }
  a { color: inherit; text-decoration: none; }
}
"""

CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
       "form-action 'none'")
"""Content-Security-Policy: no fetch of any kind, no script; images only from ``data:``."""


def esc(value: Any) -> str:
    """Any value as HTML text: escaped, quotes included."""
    return html.escape("" if value is None else str(value), quote=True)


# -- building blocks ------------------------------------------------------------------------------

Cell = tuple[str, bool]
"""An escaped cell text and whether it is a number (right-aligned)."""


def text_cell(value: Any) -> Cell:
    return esc(value), False


def number_cell(value: Any, unit: str = "") -> Cell:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "", True
    if isinstance(value, int | float):
        return esc(format_number(float(value), unit)), True
    return esc(value), False


def percent_cell(value: Any, signed: bool = False) -> Cell:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "n/a", True
    return esc(format_percent(float(value), signed=signed)), True


def table(headers: Sequence[str], rows: Iterable[Sequence[Cell]], caption: str = "",
          classes: Sequence[str] | None = None, numeric: Sequence[bool] | None = None) -> str:
    """A table in a sideways-scrolling box; ``classes`` per row (``total``, ``base``)."""
    rows = list(rows)
    numeric = numeric or [bool(rows) and rows[0][i][1] for i in range(len(headers))]
    head = "".join(f'<th scope="col"{" class=num" if numeric[i] else ""}>{esc(h)}</th>'
                   for i, h in enumerate(headers))
    body = []
    for index, row in enumerate(rows):
        kind = (classes or [])[index] if classes and index < len(classes) else ""
        cells = "".join(f'<td{" class=num" if is_number else ""}>{text}</td>'
                        for text, is_number in row)
        body.append(f'<tr{f" class={kind}" if kind else ""}>{cells}</tr>')
    title = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (f'<div class="table"><table>{title}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def figure(svg: bytes, alt: str, caption: str) -> str:
    """A chart as an inline SVG image (a ``data:`` URI), at most its drawn width (a chart of
    one panel is not blown up to the page's width)."""
    data = base64.b64encode(svg).decode("ascii")
    match = re.search(rb'<svg[^>]*\bwidth="([\d.]+)pt"', svg[:2000])
    width = f' style="max-width: {float(match.group(1)) * 4 / 3:.0f}px"' if match else ""
    return (f'<figure><img src="data:image/svg+xml;base64,{data}" alt="{esc(alt)}"{width}>'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{esc(title)}</h2>{body}</section>'


# -- sections -------------------------------------------------------------------------------------

def summary_section(report: rp.ReportData) -> str:
    base = report.base
    parts = []
    description = " ".join((base.study.study.description or "").split())
    if description:
        parts.append(f'<p class="note">{esc(description)}</p>')
    rows = [[text_cell(label), number_cell(total, report.units.get(impact, "")),
             percent_cell(share), number_cell(multiplier) if multiplier is None else
             (esc(f"{multiplier:.3g} x"), True), text_cell(phase), text_cell(stage)]
            for impact, (label, total, share, multiplier, phase, stage)
            in zip(report.impacts, rp.headline_rows(report), strict=True)]
    parts.append(table(["Impact category", "Total", "Share of the final training run",
                        "Development multiplier", "Largest phase", "Largest stage"], rows,
                       "Headline results" + (f" (variant {base.variant})" if report.has_variants
                                             else ""),
                       numeric=[False, True, True, True, False, False]))
    if report.has_variants:
        parts.append(ranking_table(report))
    parts.append('<h3>Reading</h3><div class="reading">' +
                 "".join(f"<p>{esc(line)}</p>" for line in rp.reading(base, "section")) +
                 "</div>")
    if base.warnings:
        parts.append("<h3>Warnings</h3><ul>" +
                     "".join(f"<li>{esc(w)}</li>" for w in base.warnings) + "</ul>")
    return section("summary", "Summary", "".join(parts))


def ranking_table(report: rp.ReportData) -> str:
    frame = rp.ranking(report)
    lead = report.impacts[0]
    total = len(report.results)
    shown = "" if len(frame) == total else \
        f"; the {len(frame)} shown are the best, the worst and the base"
    headers = ["Rank", "Variant", impact_heading(report.labels[lead], report.units[lead]),
               *(f"{report.labels[i]}: change vs {report.base.variant}" for i in report.impacts)]
    rows = [[(str(int(r["rank"])), True), text_cell(r["variant"]),
             number_cell(r[lead]),
             *(percent_cell(r[f"{i}_change"], signed=True) for i in report.impacts)]
            for r in frame.to_dict("records")]
    classes = ["base" if r["variant"] == report.base.variant else ""
               for r in frame.to_dict("records")]
    return table(headers, rows, f"Ranking of the {total} variants by "
                 f"{report.labels[lead].lower()} (1 = lowest{shown})", classes,
                 numeric=[True, False, True, *[True] * len(report.impacts)])


def charts_section(report: rp.ReportData, charts: Mapping[str, bytes]) -> str:
    parts = []
    overview = charts.get("overview")
    if overview:
        what = ("each variant, ranked, by life-cycle stage" if report.has_variants
                else "each research phase by life-cycle stage")
        parts.append(figure(overview, f"Every impact category: {what}",
                            f"Every impact category: {what}."))
    relative = charts.get("variants_relative")
    if relative:
        parts.append(figure(relative, "Each variant's totals in % of the base",
                            f"Each variant's total per impact in % of {report.base.variant}."))
    if report.has_variants:
        for impact in report.impacts:
            chart = charts.get(f"phases_by_stage_{impact}")
            if chart:
                parts.append(f"<details><summary>{esc(report.labels[impact])}: phases of "
                             f"{esc(report.base.variant)}</summary>" +
                             figure(chart, f"{report.labels[impact]} by phase and stage",
                                    "") + "</details>")
    return section("charts", "Charts", "".join(parts))


def _score_table(report: rp.ReportData, frame: pd.DataFrame, names: Mapping[str, str],
                 first: str, caption: str) -> str:
    impacts = [c for c in frame.columns]
    headers = [first, *(impact_heading(report.labels[i], report.units.get(i, ""))
                        for i in impacts)]
    rows, classes = [], []
    for key, values in frame.iterrows():
        rows.append([text_cell("Total" if key == "total" else names.get(str(key), str(key))),
                     *(text_cell(NOT_ASSESSED) if math.isnan(float(values[i]))
                       else number_cell(float(values[i])) for i in impacts)])  # unit: header
        classes.append("total" if key == "total" else "")
    return table(headers, rows, caption, classes, numeric=[False, *[True] * len(impacts)])


def tables_section(report: rp.ReportData) -> str:
    base = report.base
    parts = [_score_table(report, rp.phase_table(base.scores), base.study.phases, "Phase",
                          "By research phase (all life-cycle stages)"),
             _score_table(report, rp.stage_table(base.scores), dict(zip(STAGES, map(
                 stage_label, STAGES), strict=True)), "Life-cycle stage",
                 "By life-cycle stage (all phases)")]
    for impact in report.impacts:
        stages = rp.phase_stage_table(base.scores, impact)
        stages["total"] = stages.sum(axis=1)
        unit = report.units.get(impact, "")
        rows = [[text_cell(base.study.phases.get(str(p), str(p))),
                 *(text_cell(NOT_ASSESSED) if math.isnan(float(v)) else number_cell(float(v))
                   for v in stages.loc[p])] for p in stages.index]
        parts.append("<details><summary>" + esc(impact_heading(report.labels[impact], unit)) +
                     ": by phase and life-cycle stage</summary>" +
                     table(["Phase", *(stage_label(s) for s in STAGES), "Total"], rows,
                           numeric=[False, *[True] * (len(STAGES) + 1)]) + "</details>")
    if report.has_variants:
        totals = rp.variant_totals(report)
        relative = rp.relative_to_base(totals)
        rows = [[text_cell(v), *(number_cell(float(totals.loc[v, i])) for i in totals.columns),
                 *(percent_cell(float(relative.loc[v, i]) - 1, signed=True)
                   for i in totals.columns)] for v in totals.index]
        headers = ["Variant", *(impact_heading(report.labels[i], report.units.get(i, ""))
                                for i in totals.columns),
                   *(f"{report.labels[i]}: change" for i in totals.columns)]
        parts.append(table(headers, rows, f"By variant: totals and change against "
                           f"{report.base.variant}",
                           ["base" if v == report.base.variant else "" for v in totals.index],
                           numeric=[False, *[True] * (2 * len(totals.columns))]))
    return section("tables", "Tables", "".join(parts))


def reference_section(report: rp.ReportData) -> str:
    frame = report.reference
    if frame is None or frame.empty:
        return ""
    rows = [[text_cell(r.get("what")), number_cell(r.get("paper")), number_cell(r.get("gpulca")),
             text_cell(r.get("unit")), percent_cell(r.get("deviation"), signed=True),
             text_cell(r.get("tolerance")), text_cell("yes" if r.get("within") else "NO"),
             text_cell(r.get("source"))] for r in frame.to_dict("records")]
    return section("reference", "Published figures", table(
        ["What", "Published", "gpulca", "Unit", "Deviation", "Tolerance", "Within tolerance",
         "Source"], rows, numeric=[False, True, True, False, True, False, False, False]))


def assumptions_section(report: rp.ReportData) -> str:
    base = report.base
    main = [[text_cell(what), number_cell(value, unit) if not isinstance(value, str)
             else text_cell(value), text_cell(source)]
            for what, value, unit, source in rp.main_assumptions(base)]
    parts = [table(["Assumption", "Value", "Source"], main, "Main assumptions",
                   numeric=[False, True, False])]
    rows = []
    for result in report.results[:1] if not report.has_variants else report.results:
        for row in rp.assumption_rows(result.study):
            value, unit, scale = rp.assumption_display(row)
            spread = rp.uncertainty_columns(row.uncertainty, scale)
            cells = [text_cell(row.key), number_cell(value) if not isinstance(value, str)
                     else text_cell(value), text_cell(unit), text_cell(row.source),
                     text_cell(row.quality), text_cell(spread[0]),
                     *(number_cell(v) for v in spread[1:]), text_cell(report.path(row.origin))]
            rows.append(([text_cell(result.variant)] if report.has_variants else []) + cells)
    headers = ["Parameter", "Value", "Unit", "Source", "Quality", *rp.UNCERTAINTY_HEADERS,
               "Defined at"]
    numeric = [False, True, False, False, False, False, True, True, True, True, False]
    if report.has_variants:
        headers, numeric = ["Variant", *headers], [False, *numeric]
    parts.append("<details open><summary>Every parameter, with its source, quality and "
                 "uncertainty</summary>" + table(headers, _unique(rows), numeric=numeric) +
                 "</details>")
    return section("assumptions", "Assumptions", "".join(parts))


def _unique(rows: list[list[Cell]]) -> list[list[Cell]]:
    """Rows without repeats of the base's (a variant's rows that differ, as the workbook)."""
    seen: set[tuple[Cell, ...]] = set()
    out = []
    for row in rows:
        key = tuple(row[1:])
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def methods_section(report: rp.ReportData) -> str:
    rows = [[text_cell(m.label), text_cell(" | ".join(m.method)), text_cell(m.unit),
             text_cell(m.source or ""), text_cell(m.data_version)] for m in report.methods]
    if not rows:
        return ""
    return section("methods", "Methods", table(
        ["Impact category", "Brightway method", "Unit", "Source", "Data version"], rows))


def audit_section(report: rp.ReportData) -> str:
    base = report.base
    facts = [("Date (UTC)", report.run_date.strftime("%Y-%m-%dT%H:%M:%SZ")),
             ("Study file", report.path(str(base.study.file))), ("Study name", base.study.name),
             ("Variants", ", ".join(r.variant for r in report.results)),
             ("Brightway project", base.project), ("Inventory database", base.database)]
    facts += [(f"Version of {name}", value) for name, value in report.versions.items()]
    parts = [table(["Item", "Value"], [[text_cell(k), text_cell(v)] for k, v in facts],
                   "How these results were produced")]
    files: dict[str, str] = {}
    for result in report.results:
        files.update(result.study.input_files)
    parts.append("<details><summary>Input files and their SHA-256</summary>" + table(
        ["File", "SHA-256"], [[text_cell(report.path(f)), (f"<code>{esc(d)}</code>", False)]
                              for f, d in sorted(files.items())]) + "</details>")
    overrides = [[text_cell(v), text_cell(change)] for v, changes in report.overrides.items()
                 for change in changes]
    parts.append(table(["Variant", "Change"], overrides or
                       [[text_cell("(none)"), text_cell("the study as written")]],
                       "Applied overrides"))
    warnings = [[text_cell(r.variant), text_cell(w)] for r in report.results for w in r.warnings]
    if warnings:
        parts.append(table(["Variant", "Warning"], warnings, "Warnings"))
    return section("audit", "Audit trail", "".join(parts))


SECTIONS = (("summary", "Summary"), ("charts", "Charts"), ("tables", "Tables"),
            ("reference", "Published figures"), ("assumptions", "Assumptions"),
            ("methods", "Methods"), ("audit", "Audit trail"))


def build_html(report: rp.ReportData, charts: Mapping[str, bytes] | None = None) -> str:
    """The report as one HTML document. ``charts``: SVG bytes by file stem (default: drawn
    here by :func:`gpulca.reports.charts.chart_figures`)."""
    if charts is None:
        from gpulca.reports.charts import chart_figures, figure_bytes

        charts = {stem: figure_bytes(fig, "svg", text_as_paths=True)
                  for stem, fig in chart_figures(report).items()
                  if stem in ("overview", "variants_relative") or report.has_variants}
    body = {"summary": summary_section(report), "charts": charts_section(report, charts),
            "tables": tables_section(report), "reference": reference_section(report),
            "assumptions": assumptions_section(report), "methods": methods_section(report),
            "audit": audit_section(report)}
    nav = "".join(f'<li><a href="#{anchor}">{esc(title)}</a></li>'
                  for anchor, title in SECTIONS if body[anchor])
    title = f"Environmental footprint of {report.base.study.name}"
    version = report.versions.get("gpulca", "")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n<body>"
        f"<header><h1>{esc(title)}</h1>"
        f'<p class="meta">Life cycle assessment by gpulca {esc(version)} on Brightway, '
        f"{esc(report.run_date.strftime('%Y-%m-%d %H:%M UTC'))}. Study file "
        f"<code>{esc(report.path(str(report.base.study.file)))}</code>.</p></header>"
        f'<nav aria-label="Contents"><ol>{nav}</ol></nav>\n<main>'
        + "\n".join(part for part in body.values() if part) +
        "</main></body></html>\n")


def html_bytes(report: rp.ReportData, charts: Mapping[str, bytes] | None = None) -> bytes:
    return build_html(report, charts).encode("utf-8")


def write_html(path: str | Path, results: Sequence[StudyResult],
               overrides: Mapping[str, Sequence[str]] | None = None) -> Path:
    """Write the report of one study (or of a comparison, base first) to ``path``, whole or
    not at all."""
    from gpulca.io.atomic import write_bytes_atomic

    return write_bytes_atomic(path, html_bytes(rp.build_report(results, overrides)))
