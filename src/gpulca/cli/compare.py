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
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape

from gpulca.cli.common import (
    brightway_options,
    csv_writer,
    print_columns,
    print_warning,
    setup_progress,
    stdout,
)
from gpulca.cli.errors import report_errors
from gpulca.cli.output import output_options
from gpulca.cli.reports import prepare_reports, report_options
from gpulca.cli.service import print_service_ranking, service_ranking
from gpulca.cli.uncertainty import iteration_options, print_variant_uncertainty
from gpulca.core.vocabulary import NOT_ASSESSED, format_number, format_percent, impact_heading
from gpulca.io.atomic import Writer, staged_outputs, write_all
from gpulca.pipeline.compare import compare_study
from gpulca.reports.compare_chart import comparison_figure, write_chart
from gpulca.results.comparison import ComparisonResult
from gpulca.results.export import table_csv_writer, table_parquet_writer

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def default_output_dir(study_name: str) -> Path:
    return Path("gpulca-results") / f"{study_name}-compare"


RESULTS_FORMATS = ("csv", "parquet", "both")
"""``--results-format``: how the full results table (every variant x phase x stage x impact)
is written."""


def comparison_writers(result: ComparisonResult, results_format: str = "csv"
                       ) -> dict[str, Writer]:
    """The files of a comparison by name; other writers (e.g. Excel) may be added to it.

    The tables are written column by column (:mod:`gpulca.results.export`: the same bytes as
    pandas' CSV writer, several times faster for a sweep's million rows); ``results_format``
    (:data:`RESULTS_FORMATS`) picks CSV and/or Parquet for the full results table."""
    figures: list[Figure] = []

    def chart(path: Path) -> None:  # one figure, drawn on first use, for both formats
        if not figures:
            figures.append(comparison_figure(result))
        write_chart(result, path, figure=figures[0])

    writers: dict[str, Callable[[Path], None]] = {
        "comparison.csv": table_csv_writer(result.comparison)}
    if results_format in ("csv", "both"):
        writers["results.csv"] = table_csv_writer(result.scores, NOT_ASSESSED)
    if results_format in ("parquet", "both"):
        writers["results.parquet"] = table_parquet_writer(result.scores)
    writers.update({
        "overrides.csv": table_csv_writer(result.overrides),
        "parameters.csv": table_csv_writer(result.parameters),
        "differences.csv": table_csv_writer(result.differences),
        "comparison.png": chart,
        "comparison.svg": chart,
    })
    return writers


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
    by_key = comparison.set_index(["variant", "impact"])
    columns = []
    for impact in impacts:
        row = comparison[comparison["impact"] == impact].iloc[0]
        cells = []
        for name in shown:
            score = float(by_key.loc[(name, impact), "score"])
            change = float(by_key.loc[(name, impact), "change_pct"])
            delta = "" if name == result.baseline or math.isnan(change) else \
                f"\n({format_percent(change / 100, decimals=0, signed=True)})"
            cells.append(format_number(score) + delta)
        columns.append((impact_heading(row["impact_label"], row["unit"], "\n"), cells))
    index = [("rank", [str(by_key.loc[(name, impacts[0]), "rank"]) for name in shown]),
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
            seed: int = 0) -> ComparisonResult:
    """Compare the variants of STUDY (its `variants:` block) side by side."""
    from gpulca.reports.tables import comparison_inputs

    extra: dict[str, Writer] = {}
    uncertain = None
    with setup_progress() as progress:
        if iterations is not None:
            from gpulca.pipeline.uncertain_compare import compare_uncertainty

            uncertain = compare_uncertainty(study, iterations, seed, data_dir, project,
                                            progress)
            result = uncertain.comparison
            extra = {"uncertain-comparison.csv": csv_writer(uncertain.variants)}
            if not uncertain.ranks.empty:
                extra["rank-probabilities.csv"] = csv_writer(uncertain.ranks)
        else:
            result = compare_study(study, data_dir=data_dir, project=project,
                                   progress=progress)
    for warning in result.warnings:
        print_warning(warning)
    print_comparison(result, top)
    ranking = service_ranking(result)
    print_service_ranking(ranking)
    if uncertain is not None:
        print_variant_uncertainty(uncertain.variants, result.baseline, top)
    # Build the workbook and charts before writing anything: a failure leaves no output.
    # (a variant's result is built when read: only the reports read every one)
    results, overrides = comparison_inputs(result) if excel_file or charts_dir or html_file \
        else ([], {})
    reports = prepare_reports(results, excel_file, charts_dir, overrides, html_file)
    directory = Path(output) if output else default_output_dir(result.name)
    writers = {**comparison_writers(result, results_format), **extra}
    if not ranking.empty:
        writers["service.csv"] = csv_writer(ranking)
    with staged_outputs():  # every output appears together, or none does
        written = write_all(directory, writers)
        written += reports()
    stdout.print(escape("Wrote " + ", ".join(str(p) for p in written)))
    return result
