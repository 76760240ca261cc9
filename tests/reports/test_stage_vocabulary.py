"""A ``run`` and a ``compare`` of the same study name and colour every life-cycle stage the same
way in every output: the CSV files, the workbook (table headers, chart series titles and colours)
and the matplotlib charts (bar labels, legend entries and face colours).

The study is the siting fixture (tests/fixtures/siting): 13 variants, more than the eight
Okabe-Ito colours, so the variant palette's extension is drawn too.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gpulca.core.vocabulary import (
    STAGE_COLOURS,
    STAGE_LABELS,
    STAGES,
    variant_colours,
)
from gpulca.reports import tables as rp

STUDY = Path(__file__).resolve().parents[1] / "fixtures" / "siting" / "study.yaml"
NOT_ASSESSED_HERE = ("building", "network", "storage")
"""The fixture's self-contained library declares the datacenter infrastructure not assessed."""
EXPECTED = {rp.stage_heading(s, NOT_ASSESSED_HERE): STAGE_COLOURS[s] for s in STAGES}
"""Every stage's label (with "(not assessed)" where the study says so) and ``RRGGBB`` colour, as
the vocabulary defines them."""


@pytest.fixture(scope="module")
def outputs(module_bw: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The run and the compare of the study, written as the CLI writes them."""
    from gpulca.cli.compare import write_comparison
    from gpulca.cli.run import write_results
    from gpulca.pipeline.compare import compare_study
    from gpulca.pipeline.run import run_study

    folder = tmp_path_factory.mktemp("vocabulary")
    run = run_study(STUDY, data_dir=module_bw)
    comparison = compare_study(STUDY, data_dir=module_bw)
    write_results(run, folder / "run")
    write_comparison(comparison, folder / "compare")
    results, overrides = rp.comparison_inputs(comparison)
    return {"folder": folder, "run": run, "comparison": comparison,
            "reports": {"run": rp.build_report([run], methods=[]),
                        "compare": rp.build_report(results, overrides, methods=[])}}


def _stage_column(path: Path) -> list[str]:
    with path.open(newline="") as handle:
        return list(dict.fromkeys(row["stage"] for row in csv.DictReader(handle)))


@pytest.mark.parametrize("command", ["run", "compare"])
def test_csv_lists_every_stage_id_in_result_order(outputs: dict[str, Any], command: str) -> None:
    assert _stage_column(outputs["folder"] / command / "results.csv") == list(STAGES)


# -- workbook -------------------------------------------------------------------------------------

def _workbook(report: rp.ReportData, path: Path) -> Any:
    """The report's workbook, written to ``path`` and read back (charts included)."""
    from openpyxl import load_workbook

    from gpulca.reports.excel import build_workbook, workbook_bytes

    path.write_bytes(workbook_bytes(build_workbook(report)))
    return load_workbook(path)


def _cell(workbook: Any, reference: str) -> Any:
    sheet, cell = reference.rsplit("!", 1)
    return workbook[sheet.strip("'")][cell.replace("$", "")].value


def _stage_series(workbook: Any) -> Iterator[tuple[str, str]]:
    """(title, colour) of every series of every stacked (stage) chart of the workbook."""
    for sheet in workbook.worksheets:
        for chart in sheet._charts:
            if chart.grouping != "stacked":
                continue
            for series in chart.series:
                yield (_cell(workbook, series.tx.strRef.f),
                       series.graphicalProperties.solidFill.srgbClr)


@pytest.mark.parametrize("command", ["run", "compare"])
def test_workbook_names_and_colours_stages_as_the_vocabulary(outputs: dict[str, Any],
                                                             command: str) -> None:
    workbook = _workbook(outputs["reports"][command], outputs["folder"] / f"{command}.xlsx")
    series = list(_stage_series(workbook))
    assert series and len(series) % len(STAGES) == 0
    for offset in range(0, len(series), len(STAGES)):  # each chart: every stage, in order
        assert series[offset:offset + len(STAGES)] == list(EXPECTED.items())
    rows = list(workbook["By stage"].iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row[:2] == ("Life-cycle stage", "Stage id"))
    pairs = [row[:2] for row in rows[header + 1:header + 1 + len(STAGES)]]
    assert pairs == [(rp.stage_heading(s, NOT_ASSESSED_HERE), s) for s in STAGES]
    largest = [row[5] for row in workbook["Summary"].iter_rows(values_only=True)
               if row[0] and len(row) > 5 and row[5] in STAGE_LABELS.values()]
    assert largest, "the Summary's 'Largest stage' column names stages by their labels"


def test_workbook_gives_every_variant_its_own_colour(outputs: dict[str, Any]) -> None:
    workbook = _workbook(outputs["reports"]["compare"], outputs["folder"] / "variants.xlsx")
    clustered = [chart for chart in workbook["Scenarios"]._charts
                 if chart.grouping == "clustered"]
    colours = [s.graphicalProperties.solidFill.srgbClr for s in clustered[0].series]
    assert len(colours) == len(outputs["comparison"].results) > 8
    assert colours == variant_colours(len(colours))


# -- matplotlib charts ----------------------------------------------------------------------------

def _stage_figures(outputs: dict[str, Any], command: str) -> dict[str, Any]:
    """Every chart of the command whose bars are split by stage, by name."""
    from gpulca.reports.charts import chart_figures
    from gpulca.reports.compare_chart import comparison_figure

    figures = chart_figures(outputs["reports"][command])
    figures.pop("variants_relative", None)  # one bar per variant, see the last test
    if command == "compare":
        figures["comparison"] = comparison_figure(outputs["comparison"])
    return figures


def _hex(colour: Any) -> str:
    from matplotlib.colors import to_hex

    return str(to_hex(colour))


def _sharp(rrggbb: str) -> str:
    """The workbook's ``RRGGBB`` as matplotlib reports a face colour: the same colour."""
    return "#" + rrggbb.lower()


def _drawn(figures: Iterable[Any]) -> Iterator[tuple[str, str]]:
    """(label, face colour) of every bar and every legend entry of the figures."""
    for figure in figures:
        for axes in figure.axes:
            for container in axes.containers:
                for patch in container.patches:
                    yield container.get_label(), _hex(patch.get_facecolor())
            for collection in axes.collections:  # bars drawn as one collection per stage
                if not collection.get_label().startswith("_"):
                    for colour in collection.get_facecolor():
                        yield collection.get_label(), _hex(colour)
        legends = [*figure.legends, *(a.get_legend() for a in figure.axes if a.get_legend())]
        for legend in legends:
            for text, handle in zip(legend.get_texts(), legend.legend_handles, strict=True):
                yield text.get_text(), _hex(handle.get_facecolor())


@pytest.mark.parametrize("command", ["run", "compare"])
def test_charts_name_and_colour_stages_as_the_vocabulary(outputs: dict[str, Any],
                                                         command: str) -> None:
    expected = {(label, _sharp(colour)) for label, colour in EXPECTED.items()}
    figures = _stage_figures(outputs, command)
    assert command == "run" or "comparison" in figures
    for name, figure in figures.items():
        assert set(_drawn([figure])) == expected, name


def test_run_and_compare_agree_on_every_stage(outputs: dict[str, Any]) -> None:
    """The same (label, colour) pairs in both commands' charts and workbooks."""
    seen = {}
    for command in ("run", "compare"):
        charts = set(_drawn(_stage_figures(outputs, command).values()))
        book = set(_stage_series(_workbook(outputs["reports"][command],
                                           outputs["folder"] / f"agree-{command}.xlsx")))
        seen[command] = (charts, {(label, _sharp(colour)) for label, colour in book})
    assert seen["run"] == seen["compare"]
    assert seen["run"][0] == seen["run"][1]


def test_variant_chart_gives_every_variant_its_own_colour(outputs: dict[str, Any]) -> None:
    """Up to a dozen variants, each its own colour (the workbook's); beyond, every variant is
    named on the axis, ranked, and coloured by whether it is above the base."""
    from gpulca.reports.charts import DISTINCT_VARIANTS, variants_figure

    report = outputs["reports"]["compare"]
    few = rp.build_report(report.results[:DISTINCT_VARIANTS], methods=[])
    axes = variants_figure(few).axes[0]
    drawn = {c.get_label(): _hex(c.patches[0].get_facecolor()) for c in axes.containers}
    expected = variant_colours(len(few.results))
    assert drawn == {r.variant: _sharp(c) for r, c in zip(few.results, expected, strict=True)}
    assert len(set(drawn.values())) == len(drawn)
    axes = variants_figure(report).axes[0]
    assert len(report.results) > DISTINCT_VARIANTS
    names = [t.get_text().removesuffix(" (base)") for t in axes.get_yticklabels()]
    assert sorted(names) == sorted(r.variant for r in report.results)
    assert {_hex(c.patches[0].get_facecolor()) for c in axes.containers} <= \
        {_sharp("0072B2"), _sharp("D55E00"), "#999999"}
