"""The Excel workbook, read back: sheets, totals, provenance, charts, safety and determinism."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from gpulca.core.vocabulary import STAGE_LABELS, STAGES
from gpulca.library.water import library_code
from gpulca.reports import excel
from gpulca.reports import tables as rp
from gpulca.results.frames import development_multiplier, phase_impact_table

RUN_DATE = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
BASE_SHEETS = ["Summary", "By phase", "By stage", "Phase x stage", "Assumptions", "Activity",
               "Inventory", "Methods", "Run"]
HEADER_ROW = 4
"""Tables start under a title, a note and a blank row."""


def _run(study: Path, data_dir: Path, variant: str = "base") -> Any:
    from gpulca.pipeline.run import run_resolved
    from gpulca.study.resolve import load_study

    return run_resolved(load_study(study), data_dir=data_dir, variant=variant)


@pytest.fixture(scope="module")
def result(module_bw: Path) -> Any:
    return _run(Path(__file__).resolve().parent.parent / "scenarios" / "example.yaml",
                module_bw)


@pytest.fixture(scope="module")
def report(result: Any) -> rp.ReportData:
    return rp.build_report([result], run_date=RUN_DATE)


@pytest.fixture(scope="module")
def workbook_file(report: rp.ReportData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("book") / "example.xlsx"
    path.write_bytes(excel.report_workbook_bytes([], report=report))
    return path


@pytest.fixture(scope="module")
def book(workbook_file: Path) -> Any:
    from openpyxl import load_workbook

    return load_workbook(workbook_file)


def headers(ws: Any, row: int = HEADER_ROW) -> list[str]:
    return [c.value for c in ws[row] if c.value is not None]


def table_rows(ws: Any, row: int = HEADER_ROW) -> list[dict[str, Any]]:
    """Rows under a header row, until the first empty row."""
    names = [c.value for c in ws[row]]
    out = []
    for r in range(row + 1, ws.max_row + 1):
        values = [c.value for c in ws[r]]
        if all(v is None for v in values):
            break
        out.append(dict(zip(names, values, strict=False)))
    return out


# -- structure ------------------------------------------------------------------------------------

def test_sheets_in_order_without_scenarios_for_one_study(book: Any) -> None:
    assert book.sheetnames == BASE_SHEETS


@pytest.mark.parametrize(("sheet", "expected"), [
    ("By phase", ["Phase", "Phase id", "GPU-hours (GPU·h)", "Facility electricity (kWh)",
                  "Climate change (kg CO2-eq)"]),
    ("By stage", ["Life-cycle stage", "Stage id", "Climate change (kg CO2-eq)"]),
    ("Assumptions", ["Parameter", "Value", "Unit", "Source", "Quality", "Distribution",
                     "GSD (lognormal)", "SD (normal)", "Minimum", "Maximum", "Defined at"]),
    ("Activity", ["Phase id", "Model", "Component", "Accelerator", "GPU-hours (GPU·h)"]),
    ("Inventory", ["Process", "Process name", "Per unit of", "Kind", "Input or flow"]),
    ("Methods", ["Impact id", "Label", "Brightway method (full name)", "Unit reported",
                 "Unit in Brightway"]),
    ("Run", ["Item", "Value"]),
])
def test_headers_frozen_and_filtered(book: Any, sheet: str, expected: list[str]) -> None:
    ws = book[sheet]
    assert headers(ws)[:len(expected)] == expected
    assert ws.freeze_panes in (f"A{HEADER_ROW + 1}", f"B{HEADER_ROW + 1}")
    if sheet != "Run":
        assert ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:")


def test_column_widths_are_set_and_readable(book: Any) -> None:
    for ws in book.worksheets:
        widths = {k: d.width for k, d in ws.column_dimensions.items() if d.width}
        assert widths, ws.title
        assert all(6 <= w <= 90 for w in widths.values()), (ws.title, widths)


# -- numbers --------------------------------------------------------------------------------------

def test_by_phase_totals_equal_the_scores(book: Any, result: Any) -> None:
    table = phase_impact_table(result.scores)
    rows = table_rows(book["By phase"])
    by_id = {row["Phase id"]: row for row in rows}
    labels = dict(zip(result.scores["impact"], result.scores["impact_label"], strict=False))
    units = rp.impact_units(result.scores)
    for impact in table.columns:
        column = f"{labels[impact]} ({units[impact]})"
        for phase in table.index:
            row = by_id[phase] if phase != "total" else rows[-1]
            assert row[column] == pytest.approx(table.loc[phase, impact], rel=1e-12)
    assert rows[-1]["Phase"] == "Total"
    assert rows[-1]["GPU-hours (GPU·h)"] == pytest.approx(result.audit["gpu_hours"].sum())


def test_by_stage_and_summary_totals_equal_the_scores(book: Any, result: Any) -> None:
    totals = result.scores.groupby("impact", sort=False)["score"].sum()
    stage_rows = table_rows(book["By stage"])
    assert [r["Stage id"] for r in stage_rows[:-1]] == list(STAGES)
    summary = {r["Impact category"]: r for r in table_rows(book["Summary"], _row_of(
        book["Summary"], "Impact category"))}
    for impact, total in totals.items():
        label = result.scores.loc[result.scores["impact"] == impact, "impact_label"].iloc[0]
        column = f"{label} ({rp.impact_units(result.scores)[impact]})"
        assert stage_rows[-1][column] == pytest.approx(total, rel=1e-12)
        assert summary[label]["Total"] == pytest.approx(total, rel=1e-12)


def _row_of(ws: Any, text: str) -> int:
    return next(c.row for c in ws["A"] if c.value == text)


def test_number_formats_show_units(book: Any) -> None:
    ws = book["By phase"]
    climate = headers(ws).index("Climate change (kg CO2-eq)") + 1
    assert ws.cell(row=HEADER_ROW + 1, column=climate).number_format.endswith('"kg CO2-eq"')
    summary = book["Summary"]
    row = _row_of(summary, "Climate change")
    assert summary.cell(row=row, column=2).number_format.endswith('"kg CO2-eq"')
    assert summary.cell(row=row, column=3).number_format == "0.0%"


def test_summary_has_assumptions_share_and_reading(book: Any, result: Any) -> None:
    ws = book["Summary"]
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    for needed in ("Main assumptions", "PUE", "WUE (on-site water evaporated)", "Accelerator",
                   "Hardware lifetime", "Reading", "Share of the final training run"):
        assert needed in texts, needed
    share = rp.final_training_shares(result.scores)["climate_change"]
    row = _row_of(ws, "Climate change")
    assert ws.cell(row=row, column=3).value == pytest.approx(share)
    multiplier = development_multiplier(result.scores).set_index("impact")["multiplier"]
    assert ws.cell(row=row, column=4).value == pytest.approx(multiplier["climate_change"])
    assert any("final training run" in t and f"{100 * share:.1f} %" in t for t in texts)
    lifetime = ws.cell(row=_row_of(ws, "Hardware lifetime"), column=2)
    assert lifetime.value == pytest.approx(6.0) and lifetime.number_format == 'General "years"'


def test_phase_stage_blocks_sum_to_the_scores(book: Any, result: Any) -> None:
    ws = book["Phase x stage"]
    for impact in dict.fromkeys(result.scores["impact"]):
        expected = rp.phase_stage_table(result.scores, impact)
        label = result.scores.loc[result.scores["impact"] == impact, "impact_label"].iloc[0]
        start = _row_of(ws, f"{label} ({rp.impact_units(result.scores)[impact]})") + 1
        rows = table_rows(ws, start)
        assert len(rows) == len(expected.index) + 1
        for stage in STAGES:
            assert rows[-1][STAGE_LABELS[stage]] == pytest.approx(expected[stage].sum())


# -- provenance -----------------------------------------------------------------------------------

def test_every_assumption_has_a_source(book: Any, result: Any) -> None:
    rows = table_rows(book["Assumptions"])
    assert {r["Parameter"] for r in rows} >= {a.key for a in result.study.assumptions}
    assert "hardware.gpus_per_node" in {r["Parameter"] for r in rows}
    for row in rows:
        assert row["Source"] and str(row["Source"]).strip(), row
        assert row["Defined at"], row


def test_inventory_lists_every_solved_exchange_with_its_source(book: Any, result: Any) -> None:
    rows = table_rows(book["Inventory"])
    solved = rp.solved_exchanges(result.study, result.demands)
    assert len(rows) == len(solved) > 0
    demanded = {library_code(code) for stages in result.demands.values()
                for d in stages.values() for code in d}  # located cooling copies: as written
    assert demanded <= {r["Process"] for r in rows}
    assert all(r["Source"] for r in rows)
    assert all(r["Amount"] == pytest.approx(e.amount) for r, (_, e) in zip(rows, solved,
                                                                          strict=True))


def test_methods_sheet_has_brightway_names_units_and_version(book: Any, result: Any) -> None:
    rows = table_rows(book["Methods"])
    methods = result.study.methods.impact_categories
    assert [r["Brightway method (full name)"] for r in rows] == [" | ".join(m.method)
                                                                 for m in methods]
    assert rows[0]["Unit in Brightway"] == "kg CO2-Eq"
    assert all(r["Characterisation factors"] > 0 for r in rows)
    assert all("bw2io" in r["Data version"] for r in rows)


def test_run_sheet_has_versions_hashes_and_date(book: Any, result: Any) -> None:
    ws = book["Run"]
    facts = {r["Item"]: r["Value"] for r in table_rows(ws)}
    assert facts["Date (UTC)"] == "2025-01-02T03:04:05Z"
    assert facts["Version of gpulca"] and facts["Version of bw2calc"]
    files = table_rows(ws, _row_of(ws, "File"))
    assert {r["SHA-256"] for r in files} == set(result.study.input_files.values())
    assert "scenarios/example.yaml" in {r["File"] for r in files}


# -- charts ---------------------------------------------------------------------------------------

def test_stacked_charts_point_at_the_phase_stage_blocks(book: Any, result: Any) -> None:
    ws = book["Phase x stage"]
    impacts = list(dict.fromkeys(result.scores["impact"]))
    assert len(ws._charts) == len(impacts)
    phases = list(dict.fromkeys(result.scores["phase"]))
    for chart, impact in zip(ws._charts, impacts, strict=True):
        label = result.scores.loc[result.scores["impact"] == impact, "impact_label"].iloc[0]
        header = _row_of(ws, f"{label} ({rp.impact_units(result.scores)[impact]})") + 1
        first, last = header + 1, header + len(phases)
        assert chart.grouping == "stacked"
        assert len(chart.series) == len(STAGES)
        for index, series in enumerate(chart.series):
            column = "BCDEFGHIJ"[index]
            assert series.tx.strRef.f == f"'Phase x stage'!{column}{header}"
            assert series.val.numRef.f == f"'Phase x stage'!${column}${first}:${column}${last}"
            assert series.cat.strRef.f == f"'Phase x stage'!$A${first}:$A${last}"
        assert ws[f"A{last + 1}"].value == "Total"  # the total row is not charted
    summary_chart = book["Summary"]._charts[0]
    assert summary_chart.series[0].val.numRef.f == ws._charts[0].series[0].val.numRef.f


# -- safety ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("@SUM(A1)", "'@SUM(A1)"), ("+1+2", "'+1+2"), ("-2+3", "'-2+3"),
    ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"), ("a\x00b\x07c", "abc"),
    ("plain = text", "plain = text"), ("", ""),
])
def test_safe_text(text: str, expected: str) -> None:
    assert excel.safe_text(text) == expected


def test_cell_values() -> None:
    assert excel.cell_value(float("nan")) is None
    assert excel.cell_value(float("inf")) is None
    assert excel.cell_value(True) == "yes"
    assert excel.cell_value(2) == 2.0


INJECTIONS = {
    "description": '=HYPERLINK("http://x","y")',
    "phase_label": '=HYPERLINK("http://evil.example","click")',
    "model": "@SUM(A1)",
    "pue_source": "+cmd|' /C calc'!A0",
    "activity_source": "-2+3",
    "method_label": "=1+1",
    "comment": "\t=1",
}


@pytest.fixture(scope="module")
def injected_book(module_bw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = Path(__file__).resolve().parent.parent
    folder = tmp_path_factory.mktemp("injection")
    study = yaml.safe_load((repo / "scenarios" / "example.yaml").read_text())
    methods = yaml.safe_load((repo / "methods" / "default.yaml").read_text())
    methods["impact_categories"][0]["label"] = INJECTIONS["method_label"]
    (folder / "methods.yaml").write_text(yaml.safe_dump(methods))
    study.update(description=INJECTIONS["description"], methods="methods.yaml",
                 phases=[{"id": "final_training", "label": INJECTIONS["phase_label"]}])
    study["site"]["pue"] = {"value": 1.56, "source": INJECTIONS["pue_source"]}
    study["activity"]["source"] = INJECTIONS["activity_source"]
    study["activity"]["rows"][-1].update(model=INJECTIONS["model"],
                                         comment=INJECTIONS["comment"])
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False))
    result = _run(path, module_bw)
    out = folder / "injected.xlsx"
    excel.write_workbook(out, [result], run_date=RUN_DATE)
    return out


def test_no_cell_is_a_formula_made_from_user_text(injected_book: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(injected_book)
    seen = set()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(excel.FORMULA_TRIGGERS), \
                        (ws.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
    for text in (INJECTIONS["phase_label"], INJECTIONS["model"], INJECTIONS["pue_source"],
                 INJECTIONS["activity_source"], INJECTIONS["method_label"]):
        assert "'" + text in seen, text  # written, escaped, not dropped


def test_no_macros_no_external_links_no_formulas_in_the_package(injected_book: Path) -> None:
    with zipfile.ZipFile(injected_book) as archive:
        names = archive.namelist()
        assert not [n for n in names if "vba" in n.lower() or "externalLink" in n]
        for name in names:
            text = archive.read(name).decode("utf-8", errors="replace")
            assert 'TargetMode="External"' not in text, name
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in text and "<f " not in text, name
        content_types = archive.read("[Content_Types].xml").decode()
        assert "macroEnabled" not in content_types


# -- determinism ----------------------------------------------------------------------------------

def _contents(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()]
            for ws in book.worksheets}


def test_same_inputs_give_the_same_workbook(result: Any, workbook_file: Path,
                                            tmp_path: Path) -> None:
    first, second, later = workbook_file, tmp_path / "b.xlsx", tmp_path / "c.xlsx"
    excel.write_workbook(second, [result], run_date=RUN_DATE)
    assert first.read_bytes() == second.read_bytes()
    excel.write_workbook(later, [result], run_date=datetime(2030, 6, 7, tzinfo=UTC))
    a, c = _contents(first), _contents(later)
    assert {k: v for k, v in a.items() if k != "Run"} == {k: v for k, v in c.items()
                                                          if k != "Run"}
    differing = [(x, y) for x, y in zip(a["Run"], c["Run"], strict=True) if x != y]
    assert differing == [(("Date (UTC)", "2025-01-02T03:04:05Z"),
                          ("Date (UTC)", "2030-06-07T00:00:00Z"))]


def test_workbook_properties_carry_no_date(workbook_file: Path) -> None:
    with zipfile.ZipFile(workbook_file) as archive:
        core = archive.read("docProps/core.xml").decode()
        assert "1980-01-01T00:00:00Z" in core and "2025" not in core
        assert {i.date_time for i in archive.infolist()} == {excel.ZIP_DATE}


def test_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     result: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(excel, "build_workbook", broken)
    with pytest.raises(RuntimeError, match="boom"):
        excel.write_workbook(tmp_path / "out.xlsx", [result], run_date=RUN_DATE)
    assert list(tmp_path.iterdir()) == []


# -- variants -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def variant_book(result: Any, module_bw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = Path(__file__).resolve().parent.parent
    folder = tmp_path_factory.mktemp("variant")
    study = yaml.safe_load((repo / "scenarios" / "example.yaml").read_text())
    study["site"]["pue"] = {"value": 1.1, "source": "hyperscale operator report"}
    path = folder / "low_pue.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False))
    variant = _run(path, module_bw, variant="low_pue")
    out = folder / "compare.xlsx"
    excel.write_workbook(out, [result, variant], {"low_pue": ["site.pue: 1.56 -> 1.1"]},
                         run_date=RUN_DATE)
    return out


def test_scenarios_sheet_compares_variants(variant_book: Path, result: Any) -> None:
    from openpyxl import load_workbook

    book = load_workbook(variant_book)
    assert book.sheetnames == BASE_SHEETS[:4] + ["Scenarios"] + BASE_SHEETS[4:]
    ws = book["Scenarios"]
    totals = table_rows(ws, _row_of(ws, "Variant"))
    assert [r["Variant"] for r in totals] == ["base", "low_pue"]
    climate = "Climate change (kg CO2-eq)"
    expected = result.scores.loc[result.scores["impact"] == "climate_change", "score"].sum()
    assert totals[0][climate] == pytest.approx(expected)
    assert totals[1][climate] < totals[0][climate]
    relative = table_rows(ws, _row_of(ws, "Relative to the base study (base = 100 %)") + 1)
    assert relative[0]["Climate change"] == pytest.approx(1.0)
    clustered = ws._charts[0]
    assert clustered.grouping == "clustered" and len(clustered.series) == 2
    header = _row_of(ws, "Relative to the base study (base = 100 %)") + 1
    last = "ABCDEFGHIJ"[result.scores["impact"].nunique()]  # column B + one per impact
    assert clustered.series[1].val.numRef.f.endswith(f"$B${header + 2}:${last}${header + 2}")
    assert len(ws._charts) == 1 + result.scores["impact"].nunique()
    run = book["Run"]
    overrides = table_rows(run, _row_of(run, "Variant"))
    assert overrides == [{"Variant": "low_pue", "Change": "site.pue: 1.56 -> 1.1"}]
    assumptions = table_rows(book["Assumptions"])
    assert [r["Variant"] for r in assumptions if r["Parameter"] == "site.pue"] == \
        ["base", "low_pue"]


def test_reference_sheet_lists_published_figures(module_bw: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from gpulca.results.reference import compare_reference

    repo = Path(__file__).resolve().parent.parent
    bloom = _run(repo / "scenarios" / "replications" / "bloom2023.yaml", module_bw)
    path = excel.write_workbook(tmp_path / "bloom.xlsx", [bloom], run_date=RUN_DATE)
    book = load_workbook(path)
    assert book.sheetnames == BASE_SHEETS[:4] + ["Reference"] + BASE_SHEETS[4:]
    rows = table_rows(book["Reference"])
    expected = compare_reference(bloom)
    assert [r["Id"] for r in rows] == list(expected["id"])
    assert [r["gpulca"] for r in rows] == pytest.approx(list(expected["gpulca"]))
    assert {r["Within tolerance"] for r in rows} <= {"yes", "no"}


def test_comparison_inputs_put_the_baseline_first(result: Any) -> None:
    import dataclasses
    from types import SimpleNamespace

    import pandas as pd

    cheap = dataclasses.replace(result, variant="cheap_grid")
    comparison = SimpleNamespace(
        baseline="base", results={"cheap_grid": cheap, "base": result},
        overrides=pd.DataFrame([{"variant": "cheap_grid", "step": 1, "key": "site.grid_zone",
                                 "old": "FR", "new": "SE", "set_by": "grid: SE"}]))
    results, overrides = rp.comparison_inputs(comparison)
    assert [r.variant for r in results] == ["base", "cheap_grid"]
    assert overrides == {"cheap_grid": ["site.grid_zone: FR -> SE (grid: SE)"]}


def test_override_log_shows_the_value_a_catalogue_entry_supplies(result: Any) -> None:
    """A base value dropped for a site's own is logged with the value the variant ended with
    (as the terminal prints it), not as '(not set)'."""
    import dataclasses
    from types import SimpleNamespace

    import pandas as pd

    note = "base value dropped: site.site aws_eu_central_1 supplies its own"
    comparison = SimpleNamespace(
        baseline="base", results={"base": result,
                                  "frankfurt": dataclasses.replace(result, variant="frankfurt")},
        overrides=pd.DataFrame([
            {"variant": "frankfurt", "key": "site.site", "old": "(not set)",
             "new": "aws_eu_central_1", "set_by": "frankfurt", "note": ""},
            {"variant": "frankfurt", "key": "site.grid_zone", "old": "FR", "new": "(not set)",
             "set_by": "frankfurt", "note": note},
            {"variant": "frankfurt", "key": "site.wue", "old": "1.8 L/kWh", "new": "(not set)",
             "set_by": "frankfurt", "note": note}]),
        differences=pd.DataFrame([
            {"variant": "frankfurt", "parameter": "grid_zone", "unit": "", "baseline_value": "FR",
             "value": "DE", "source": ""},
            {"variant": "frankfurt", "parameter": "wue", "unit": "L/kWh", "baseline_value": 1.8,
             "value": 0.05, "source": ""}]))
    _, overrides = rp.comparison_inputs(comparison)
    assert overrides["frankfurt"] == [
        "site.site: (not set) -> aws_eu_central_1 (frankfurt)",
        f"site.grid_zone: FR -> DE ({note}) (frankfurt)",
        f"site.wue: 1.8 L/kWh -> 0.05 L/kWh ({note}) (frankfurt)"]
    assert not any("-> (not set)" in line for line in overrides["frankfurt"])


def test_summary_ranks_the_variants_with_the_change_against_the_base(variant_book: Path) -> None:
    from openpyxl import load_workbook

    ws = load_workbook(variant_book)["Summary"]
    header = _row_of(ws, "Rank. Variant")
    assert "Ranking of the 2 variants by climate change" in str(ws.cell(header - 1, 1).value)
    rows = table_rows(ws, header)
    assert [r["Rank. Variant"] for r in rows] == ["1. low_pue", "2. base"]
    change = "Climate change: change vs base"
    assert rows[1][change] == 0 and rows[0][change] < 0
    assert ws.cell(header + 1, 2 + len(rows[0]) - 2).number_format == excel.CHANGE_FORMAT


def test_assumptions_in_the_units_people_read_with_uncertainty_columns(book: Any,
                                                                      result: Any) -> None:
    rows = {r["Parameter"]: r for r in table_rows(book["Assumptions"])}
    lifetime = rows["hardware.lifetime"]
    hours = next(a.value for a in rp.assumption_rows(result.study)
                 if a.key == "hardware.lifetime")
    assert lifetime["Unit"] == "years" and lifetime["Value"] == pytest.approx(hours / 8760)
    assert not any(str(v).startswith("{") for r in rows.values() for v in r.values())
    texts = [str(c.value) for row in book["Inventory"].iter_rows() for c in row]
    assert not any(t.startswith('{"distribution"') for t in texts)


@pytest.mark.parametrize(("text", "expected"), [
    (None, ("", None, None, None, None)),
    ('{"distribution":"triangular","minimum":0.6,"maximum":0.86}',
     ("triangular", None, None, 0.6, 0.86)),
    ('{"distribution":"lognormal","gsd":1.5}', ("lognormal", 1.5, None, None, None)),
    ('{"distribution":"normal","sd":876.0}', ("normal", None, 0.1, None, None)),
])
def test_uncertainty_columns(text: str | None, expected: tuple[Any, ...]) -> None:
    assert rp.uncertainty_columns(text, scale=8760 if text and "sd" in text else 1.0) == \
        pytest.approx(expected)


def test_sigma_is_shown_as_a_gsd() -> None:
    import math

    assert rp.uncertainty_columns('{"distribution":"lognormal","sigma":0.5}')[1] == \
        pytest.approx(math.exp(0.5))


def test_reading_never_gives_a_range_of_equal_ends(result: Any) -> None:
    import re

    for line in rp.reading(result):
        assert not re.search(r"(\d[\d.,]* %) to \1(?!\d)", line), line


def test_print_setup_of_every_sheet(variant_book: Path) -> None:
    """Landscape, fitted to the page width, on A4 or (wide sheets) A3; the header row repeats
    on single-table sheets; no chart crosses a row break."""
    from openpyxl import load_workbook

    book = load_workbook(variant_book)
    for ws in book.worksheets:
        setup = ws.page_setup
        assert setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and setup.fitToWidth == 1, ws.title
        assert str(setup.paperSize) in ("8", "9"), ws.title
        breaks = {b.id for b in ws.row_breaks.brk}
        for chart in ws._charts:
            first = chart.anchor._from.row + 1
            assert not any(first <= b < first + excel.CHART_ROWS - 1 for b in breaks), ws.title
    for name in ("Assumptions", "Activity", "Inventory", "Methods"):
        assert book[name].print_title_rows, name
    assert not book["Scenarios"].print_title_rows  # several tables: no single header


def test_column_widths_fit_the_printed_page() -> None:
    """The wide sheets print at a readable scale (at least about 6 pt text)."""
    from openpyxl import Workbook

    from gpulca.reports.xlsx import Sheet

    sheet = Sheet(Workbook().active)
    sheet.table([f"column {i}" for i in range(30)], [["x" * 12] * 30])
    sheet.finish()
    assert sheet.paper == "8"  # too wide for A4
    assert Sheet(Workbook().active).paper == "9"


# -- LibreOffice and the CLI ----------------------------------------------------------------------

def test_libreoffice_opens_the_workbook(workbook_file: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: cannot check that the workbook "
                    "opens; install it with `apt-get install libreoffice-calc-nogui`")
    profile = tmp_path / "profile"
    completed = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(workbook_file)],
        capture_output=True, text=True, timeout=180, check=False)
    pdf = tmp_path / "example.pdf"
    assert completed.returncode == 0, completed.stderr
    assert pdf.exists() and pdf.stat().st_size > 10_000, completed.stdout + completed.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's text is not checked "
                    "for clipping")
    text = " ".join(subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True,
                                   check=True, timeout=60).stdout.split())
    # nothing clipped: every wrapped assumption source and reading line prints to its last word
    from openpyxl import load_workbook

    summary = load_workbook(workbook_file)["Summary"]
    wrapped = [str(c.value) for row in summary.iter_rows() for c in row
               if c.alignment.wrap_text and isinstance(c.value, str) and len(c.value) > 60]
    assert wrapped
    # Compared without spaces and hyphens: a long token (a path) may break across lines at a
    # '-', which pdftotext then drops (cooling-tower-withdrawal -> cooling-towerwithdrawal):
    # that is wrapping, not clipping.
    joined = "".join(text.split()).replace("-", "")
    for value in wrapped:
        assert value.split()[-1].replace("-", "") in joined, value


def test_cli_run_writes_excel_and_charts(module_bw: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from gpulca.cli import main

    repo = Path(__file__).resolve().parent.parent
    book, charts = tmp_path / "book" / "footprint.xlsx", tmp_path / "charts"
    outcome = CliRunner().invoke(main, [
        "run", str(repo / "scenarios" / "example.yaml"), "--data-dir", str(module_bw),
        "-o", str(tmp_path / "out"), "--excel", str(book), "--charts", str(charts),
        "--html", str(tmp_path / "report.html")])
    assert outcome.exit_code == 0, outcome.output
    assert book.exists() and zipfile.is_zipfile(book)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'id="summary"' in page
    assert (charts / "overview.png").exists() and (charts / "overview.svg").exists()
    assert (tmp_path / "out" / "results.csv").exists()


# -- extra sheets registered by other modules -----------------------------------------------------

def _extra_builder(sheet: Any, report: rp.ReportData) -> None:
    sheet.title("Extra", "A registered sheet.")
    block = sheet.table(["Variant", "=cmd"], [[report.base.variant, "=1+1"]])
    sheet.finish(block)


def test_registered_sheets_are_written_in_place(report: rp.ReportData,
                                                monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    from openpyxl import load_workbook

    monkeypatch.setattr(excel, "EXTRA_SHEETS", [])
    excel.register_sheet(excel.ExtraSheet("Extra", "An extra sheet.", _extra_builder,
                                           after="By stage"))
    excel.register_sheet(excel.ExtraSheet(
        "Audit", "Run audit.", f"{__name__}:_extra_builder", after="Run"))
    excel.register_sheet(excel.ExtraSheet("Never", "Not for this report.", _extra_builder,
                                          applies=lambda r: False))
    excel.register_sheet(excel.ExtraSheet("Fallback", "Its anchor is absent.", _extra_builder,
                                          after="Scenarios"))
    with pytest.raises(ValueError, match="already exists"):
        excel.register_sheet(excel.ExtraSheet("Run", "", _extra_builder))
    with pytest.raises(ValueError, match="not a valid sheet name"):
        excel.register_sheet(excel.ExtraSheet("a/b", "", _extra_builder))
    path = tmp_path / "extra.xlsx"
    path.write_bytes(excel.report_workbook_bytes([], report=report))
    book = load_workbook(path)
    assert book.sheetnames == ["Summary", "By phase", "By stage", "Extra", "Phase x stage",
                               "Fallback", "Assumptions", "Activity", "Inventory", "Methods",
                               "Run", "Audit"]
    assert book["Extra"]["B5"].value == "'=1+1"  # user text never becomes a formula
    summary = [c.value for row in book["Summary"].iter_rows() for c in row]
    assert "An extra sheet." in summary and "Run audit." in summary
