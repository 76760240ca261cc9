"""``--uncertainty N --seed S [--sobol N]``: the Monte Carlo options of ``run`` and their
terminal tables (value and 95% interval; the assumptions that drive the variance)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
import pandas as pd
from rich.markup import escape
from rich.table import Table

from gpulca.cli.common import print_warning, stdout
from gpulca.core.vocabulary import format_number, impact_heading
from gpulca.results.frames import impact_units
from gpulca.results.uncertainty import TOTAL, UncertaintyResult

TOP_INPUTS = 3
"""Inputs shown per impact in the terminal's sensitivity table (all are in sensitivity.csv)."""


def uncertainty_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--uncertainty N``, ``--seed S`` and ``--sobol N``."""
    function = click.option(
        "--sobol", type=int, default=256, show_default=True,
        help="With --uncertainty: base samples of the Sobol sensitivity analysis (a power of "
             "2; the model is evaluated N x (2 x inputs + 2) times); 0 skips it.")(function)
    return iteration_options(function)


def dask_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--dask`` and ``--scheduler ADDRESS``, as ``gpulca ingest sacct`` has them."""
    function = click.option(
        "--scheduler", default=None, metavar="ADDRESS",
        help="Dask scheduler address, e.g. tcp://host:8786 (implies --dask).")(function)
    return click.option(
        "--dask", "use_dask", is_flag=True,
        help="With --uncertainty: spread the draws over a local Dask cluster in chunks "
             "(unless --scheduler); the same numbers as in one process.")(function)


def iteration_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--uncertainty N``, ``--seed S``, ``--dask`` and ``--scheduler ADDRESS``."""
    function = dask_options(function)
    function = click.option(
        "--seed", type=int, default=0, show_default=True,
        help="Seed of the Monte Carlo draws (the same seed gives the same bytes).")(function)
    return click.option(
        "--uncertainty", "iterations", type=int, default=None, metavar="N",
        help="Also run N Monte Carlo iterations over every declared uncertainty (the same "
             "draws for every variant): 95% intervals and, for a comparison, the probability "
             "that each variant beats the baseline.")(function)


def dask_arguments(iterations: int | None, use_dask: bool, scheduler: str | None
                   ) -> dict[str, Any]:
    """The keyword arguments of ``--dask``/``--scheduler`` for the Monte Carlo; a usage error
    when they are given without ``--uncertainty`` (there is nothing to spread)."""
    if (use_dask or scheduler) and iterations is None:
        raise click.UsageError("--dask and --scheduler spread the Monte Carlo draws: give "
                               "--uncertainty N too")
    return {"dask": use_dask, "scheduler": scheduler}


def uncertainty_frames(result: UncertaintyResult) -> dict[str, pd.DataFrame]:
    """The CSV files of a Monte Carlo run, by file name."""
    frames = {"uncertainty.csv": result.statistics, "uncertainty-inputs.csv": result.inputs}
    if result.sensitivity is not None:
        frames["sensitivity.csv"] = result.sensitivity
    return frames


def interval_text(low: float, high: float) -> str:
    return f"{format_number(low)} to {format_number(high)}"


def print_uncertainty(result: UncertaintyResult, phase_labels: dict[str, str],
                      impact_labels: dict[str, str]) -> None:
    """Phases x impacts: the point value and, under it, the 95% interval; then the inputs
    that drive the variance; then what was declared but not sampled."""
    stats = result.statistics[result.statistics["stage"] == TOTAL]
    units = impact_units(stats)
    table = Table(title=escape(f"95% intervals ({result.iterations:,} Monte Carlo iterations, "
                               f"seed {result.seed}): value, then 2.5 to 97.5 percentile"),
                  title_justify="left")
    table.add_column("phase")
    impacts = list(dict.fromkeys(stats["impact"]))
    for impact in impacts:
        table.add_column(escape(impact_heading(impact_labels.get(impact, impact),
                                               units.get(impact, ""), "\n")), justify="right")
    for phase in dict.fromkeys(stats["phase"]):
        cells = []
        for impact in impacts:
            row = stats[(stats["phase"] == phase) & (stats["impact"] == impact)]
            value, low, high = (float(row[c].iloc[0]) for c in ("value", "p2_5", "p97_5"))
            cells.append(f"{format_number(value)}\n{interval_text(low, high)}")
        table.add_row(escape(phase_labels.get(phase, phase) if phase != TOTAL else TOTAL),
                      *cells, style="bold" if phase == TOTAL else None)
    stdout.print(table)
    print_sensitivity(result, impact_labels)
    missed = result.not_sampled
    if missed:
        print_warning(f"{len(missed)} declared distribution(s) not sampled (listed in "
                      f"uncertainty-inputs.csv): {missed[0]}" + (" ..." if len(missed) > 1
                                                                  else ""))


def print_sensitivity(result: UncertaintyResult, impact_labels: dict[str, str]) -> None:
    """The inputs with the largest total Sobol index, per impact."""
    frame = result.sensitivity
    if frame is None or frame.empty:
        return
    table = Table(title=f"What drives the variance (Sobol indices of the whole study; top "
                        f"{TOP_INPUTS} per impact)", title_justify="left")
    for name in ("impact", "input", "total (ST)", "first order (S1)"):
        table.add_column(name, justify="right" if "(" in name else "left")
    for impact, group in frame.groupby("impact", sort=False):
        for row in group.head(TOP_INPUTS).itertuples():
            table.add_row(escape(impact_labels.get(str(impact), str(impact))),
                          escape(str(row.input)), f"{row.ST:.2f}", f"{row.S1:.2f}")
    stdout.print(table)


def print_variant_uncertainty(frame: pd.DataFrame, baseline: str, top: int) -> None:
    """Per variant (best mean rank first): the first impact's 95% interval, the probability
    of beating the baseline and of ranking first."""
    if frame.empty:
        return
    impact = str(frame["impact"].iloc[0])
    rows = frame[frame["impact"] == impact].sort_values(["mean_rank", "variant"])
    unit = str(rows["unit"].iloc[0])
    table = Table(title=escape(f"Under uncertainty ({int(rows['iterations'].iloc[0]):,} "
                               f"iterations, the same draws for every variant): {impact} "
                               f"({unit})"), title_justify="left")
    for name in ("variant", "value", "95% interval", f"P(below {baseline})", "P(best)",
                 "mean rank"):
        table.add_column(escape(name), justify="left" if name == "variant" else "right")
    for row in rows.head(top).to_dict("records"):
        name = str(row["variant"])
        beats = "" if name == baseline else f"{row['p_beats_baseline']:.0%}"
        table.add_row(escape(name), format_number(row["value"]),
                      interval_text(row["p2_5"], row["p97_5"]), beats,
                      f"{row['p_best']:.0%}", f"{row['mean_rank']:.1f}",
                      style="bold" if name == baseline else None)
    stdout.print(table)
