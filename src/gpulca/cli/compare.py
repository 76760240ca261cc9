"""``gpulca compare STUDY.yaml``: the study's variants side by side, as a table, CSV and chart.

Writes, all or nothing, into ``-o DIR`` (default ``gpulca-results/<study>-compare``):

- ``comparison.csv``: per variant and impact category, the score, the change against the
  baseline (absolute and %) and the rank (see :mod:`gpulca.results.comparison`);
- ``results.csv``: every variant's scores by phase and life-cycle stage (with
  ``--results-format parquet``, ``results.parquet`` instead: the same columns and values, for a
  sweep of thousands of variants; ``both`` writes both);
- ``overrides.csv``: every override applied to make each variant, in order;
- ``parameters.csv`` and ``differences.csv``: each variant's resolved site and hardware, and
  what differs from the baseline;
- ``comparison.png`` and ``comparison.svg``: the chart.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import click
import pandas as pd
from rich.markup import escape

from gpulca.cli.common import (
    brightway_options,
    print_columns,
    print_warning,
    setup_progress,
    stdout,
)
from gpulca.cli.errors import report_errors
from gpulca.cli.output import output_options
from gpulca.cli.reports import PendingWrite, pending_files, prepare_reports, report_options
from gpulca.cli.service import print_service_ranking, service_ranking
from gpulca.cli.uncertainty import (
    dask_arguments,
    iteration_options,
    print_variant_uncertainty,
)
from gpulca.core.memory import give_back_freed_memory
from gpulca.core.vocabulary import NOT_ASSESSED, format_number, format_percent, impact_heading
from gpulca.io.atomic import Writer, staged_outputs, write_all
from gpulca.pipeline.compare import compare_study
from gpulca.reports.chart_worker import ChartWorker, chart_worker
from gpulca.reports.compare_chart import MAX_VARIANTS, chart_data, chart_variants
from gpulca.reports.compare_draw import ChartData, chart_bytes
from gpulca.results.comparison import ComparisonResult
from gpulca.results.export import RESULTS_FORMATS, csv_writer, table_parquet_writer


def default_output_dir(study_name: str) -> Path:
    return Path("gpulca-results") / f"{study_name}-compare"


def comparison_writers(result: ComparisonResult, results_format: str = "csv",
                       charts: ChartWorker | None = None) -> dict[str, Writer]:
    """The files of a comparison by name; other writers (e.g. Excel) may be added to it.

    The tables are written column by column (:mod:`gpulca.results.export`: the same bytes as
    pandas' CSV writer, several times faster for a sweep's million rows); ``results_format``
    (:data:`RESULTS_FORMATS`) picks CSV and/or Parquet for the full results table. The chart
    is drawn once for both formats, on first use; with ``charts`` (a helper process the chart
    was submitted to, see :mod:`gpulca.reports.chart_worker`) it is the helper's (the chart
    files are written last, so the helper draws while the tables are written)."""
    drawn: list[dict[str, bytes]] = []

    def chart(path: Path) -> None:
        if not drawn:
            drawn.append(charts.files() if charts is not None else
                         chart_bytes(chart_data(result)))
        path.write_bytes(drawn[0][path.suffix.lstrip(".")])

    def table(frame: pd.DataFrame, missing: str = "") -> Writer:
        # while the helper draws on the other core, one thread formats the tables: they are
        # done before the chart is, and a second formatting thread held about 15 MB more
        return csv_writer(frame, missing, second_thread=charts is None or not charts.running)

    writers: dict[str, Callable[[Path], None]] = {"comparison.csv": table(result.comparison)}
    if results_format in ("csv", "both"):
        writers["results.csv"] = table(result.scores, NOT_ASSESSED)
    if results_format in ("parquet", "both"):
        writers["results.parquet"] = table_parquet_writer(result.scores)
    writers.update({
        "overrides.csv": table(result.overrides),
        "parameters.csv": table(result.parameters),
        "differences.csv": table(result.differences),
        "comparison.png": chart,
        "comparison.svg": chart,
    })
    return writers


REPORTED_VARIANTS = MAX_VARIANTS
"""Beyond this many variants, ``--excel``, ``--charts`` and ``--html`` detail the lowest, the
highest and the baseline (as the comparison chart shows them); the workbook's Comparison sheet
and the relative chart cover every variant, and the CSV (or Parquet) files hold every score."""


def reported_comparison(result: ComparisonResult, limit: int | None = None
                        ) -> ComparisonResult:
    """The comparison the reports detail: all of it up to ``limit`` variants (default
    :data:`REPORTED_VARIANTS`), else its lowest and highest variants by the first impact and
    the baseline (:func:`chart_variants`)."""
    limit = REPORTED_VARIANTS if limit is None else limit
    if len(result.results) <= limit:
        return result
    shown = set(chart_variants(result, limit))
    names = [name for name in result.results if name in shown]

    def only(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["variant"].isin(names)] if "variant" in frame else frame

    return replace(result, results={n: result.results[n] for n in names},
                   overrides=only(result.overrides), differences=only(result.differences))


def prepare_comparison_reports(result: ComparisonResult, excel_file: str | None,
                               charts_dir: str | None, html_file: str | None,
                               where: str) -> PendingWrite:
    """The workbook, charts and HTML report of a comparison, built in memory (see
    :func:`prepare_reports`); of a large one (over :data:`REPORTED_VARIANTS`), detailing the
    variants :func:`reported_comparison` picks, with a Comparison sheet and a relative chart of
    every variant. ``where`` names the file with the full results table."""
    from gpulca.reports.tables import comparison_inputs

    if not (excel_file or charts_dir or html_file):
        return list
    reported = reported_comparison(result)
    results, overrides = comparison_inputs(reported)
    if reported is result:
        return prepare_reports(results, excel_file, charts_dir, overrides, html_file)
    from gpulca.reports import tables as rp
    from gpulca.reports.charts import FORMATS, chart_figures, figure_bytes, totals_relative_figure

    report = replace(rp.build_report(results, overrides,
                                     methods=None if excel_file or html_file else []),
                     compared=len(result.results))
    totals = result.totals()
    files: dict[Path, bytes] = {}
    if excel_file:
        from gpulca.reports.excel import add_comparison_sheet, build_workbook
        from gpulca.reports.xlsx import workbook_bytes

        workbook = build_workbook(report)
        add_comparison_sheet(workbook, report, totals, where)
        files[Path(excel_file)] = workbook_bytes(workbook)
    charts: dict[str, bytes] = {}
    if charts_dir:
        figures = chart_figures(report)
        figures["variants_relative"] = totals_relative_figure(report, totals)
        charts = {f"{stem}.{fmt}": figure_bytes(figure, fmt)
                  for stem, figure in figures.items() for fmt in FORMATS}
    if html_file:
        from gpulca.reports.html import html_bytes

        files[Path(html_file)] = html_bytes(report)

    return pending_files(files, charts_dir, charts)


def write_comparison(result: ComparisonResult, directory: Path,
                     extra: dict[str, Writer] | None = None) -> list[Path]:
    """Write every comparison file (and the ``extra`` ones) into ``directory`` (all or
    nothing)."""
    return write_all(directory, {**comparison_writers(result), **(extra or {})})


def print_comparison(result: ComparisonResult, top: int) -> None:
    """Variants x impacts (score and change), sorted by the first impact, then what differs."""
    comparison = result.comparison
    impacts = list(dict.fromkeys(comparison["impact"]))
    first = comparison[comparison["impact"] == impacts[0]].sort_values(["rank", "variant"])
    names = first["variant"].tolist()
    shown = names[:top] + ([result.baseline] if result.baseline not in names[:top] else [])
    # the cells shown, by (variant, impact): looked up in a dict, not a frame's index
    wanted = comparison[comparison["variant"].isin(shown)]
    cell = {(str(v), str(i)): (float(s), float(c), r) for v, i, s, c, r in zip(
        wanted["variant"], wanted["impact"], wanted["score"], wanted["change_pct"],
        wanted["rank"], strict=True)}
    columns = []
    for impact in impacts:
        row = comparison[comparison["impact"] == impact].iloc[0]
        cells = []
        for name in shown:
            score, change, _ = cell[(name, impact)]
            delta = "" if name == result.baseline or math.isnan(change) else \
                f"\n({format_percent(change / 100, decimals=0, signed=True)})"
            cells.append(format_number(score) + delta)
        columns.append((impact_heading(row["impact_label"], row["unit"], "\n"), cells))
    index = [("rank", [str(cell[(name, impacts[0])][2]) for name in shown]),
             ("variant", list(shown))]
    print_columns(f"{result.name}: {len(names)} variants, ranked by "
                  f"{first['impact_label'].iloc[0].lower()} (change vs {result.baseline})",
                  index, columns, frozenset(i for i, n in enumerate(shown)
                                            if n == result.baseline))
    if len(shown) < len(names):
        stdout.print(f"... {len(names) - len(shown)} more variants in comparison.csv")
    _print_differences(result, shown)


def _print_differences(result: ComparisonResult, shown: list[str]) -> None:
    differences = result.differences[result.differences["variant"].isin(shown)]
    for variant, group in differences.groupby("variant", sort=False):
        name = str(variant)
        changes = "; ".join(f"{r['parameter']} {_value(r['baseline_value'])} -> "
                            f"{_value(r['value'])}" + (f" {r['unit']}" if r["unit"] else "")
                            for r in group.to_dict("records"))
        stdout.print(f"[bold]{escape(name)}[/bold]: {escape(changes)}")


def _value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value) if value not in ("", None) else "(none)"


@click.command()
@click.argument("study", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(file_okay=False), default=None,
              help="Folder for the CSV files and the chart "
                   "(default: gpulca-results/<study>-compare).")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many variants to print (all are written to the CSV files).")
@click.option("--results-format", type=click.Choice(RESULTS_FORMATS), default="csv",
              show_default=True,
              help="The full results table (every variant, phase, stage and impact): "
                   "results.csv, results.parquet (same columns and values; smaller and "
                   "faster to read for large sweeps), or both.")
@report_options
@iteration_options
@brightway_options
@output_options
@report_errors
def compare(study: str, output: str | None, top: int, results_format: str,
            data_dir: str | None,
            project: str, excel_file: str | None, charts_dir: str | None,
            html_file: str | None, iterations: int | None = None,
            seed: int = 0, use_dask: bool = False, scheduler: str | None = None
            ) -> ComparisonResult:
    """Compare the variants of STUDY (its `variants:` block) side by side."""
    # the chart is drawn by a helper process (started now: it imports matplotlib while the
    # variants are resolved) while this one prints and writes the tables
    with chart_worker() as charts:
        return _compare(study, output, top, results_format, data_dir, project, excel_file,
                        charts_dir, html_file, iterations, seed, use_dask, scheduler, charts)


def _hand_over(charts: ChartWorker, data: ChartData) -> None:
    """Hand the chart to the helper, and give back the memory resolving and scoring freed:
    the helper's drawing begins to hold memory as this process goes on."""
    charts.submit(data)
    give_back_freed_memory()


def _compare(study: str, output: str | None, top: int, results_format: str,
             data_dir: str | None, project: str, excel_file: str | None,
             charts_dir: str | None, html_file: str | None, iterations: int | None,
             seed: int, use_dask: bool, scheduler: str | None, charts: ChartWorker
             ) -> ComparisonResult:
    cluster = dask_arguments(iterations, use_dask, scheduler)
    extra: dict[str, Writer] = {}
    uncertain = None
    with setup_progress() as progress:
        if iterations is not None:
            from gpulca.pipeline.uncertain_compare import compare_uncertainty

            uncertain = compare_uncertainty(study, iterations, seed, data_dir, project,
                                            progress, **cluster)
            result = uncertain.comparison
            extra = {"uncertain-comparison.csv": csv_writer(uncertain.variants)}
            if not uncertain.ranks.empty:
                extra["rank-probabilities.csv"] = csv_writer(uncertain.ranks)
        else:
            # the helper draws as soon as the scores are known, while the rest is worked out
            result = compare_study(study, data_dir=data_dir, project=project,
                                   progress=progress, scored=lambda scores: _hand_over(
                                       charts, chart_data(scores)))
    if not charts.submitted:
        charts.submit(chart_data(result))
    # the comparison's temporaries are freed: give their memory back while the helper draws
    # (about 28 MB of the 10,000-variant sweep's, which the tables' writing does not reuse)
    give_back_freed_memory()
    for warning in result.warnings:
        print_warning(warning)
    print_comparison(result, top)
    ranking = service_ranking(result)
    print_service_ranking(ranking)
    if uncertain is not None:
        print_variant_uncertainty(uncertain.variants, result.baseline, top)
    # Build the workbook and charts before writing anything: a failure leaves no output.
    # (a variant's result is built when read: only the reports read them, and of a large
    # sweep only the variants they detail)
    directory = Path(output) if output else default_output_dir(result.name)
    table = "results.parquet" if results_format == "parquet" else "results.csv"
    reports = prepare_comparison_reports(result, excel_file, charts_dir, html_file,
                                         str(directory / table))
    writers = {**comparison_writers(result, results_format, charts), **extra}
    if not ranking.empty:
        writers["service.csv"] = csv_writer(ranking)
    with staged_outputs():  # every output appears together, or none does
        written = write_all(directory, writers)
        written += reports()
    stdout.print(escape("Wrote " + ", ".join(str(p) for p in written)))
    return result
