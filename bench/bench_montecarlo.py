"""Benchmark: gpulca's Monte Carlo against bw2calc's own Monte Carlo loop on the same model.

Both sides sample the same Brightway matrices with the same stats_arrays distributions (the
moshi-like study's inventory database) and score the same 48 demand vectors (phase x life-cycle
stage) with every impact category, in one run:

- bw2calc: one ``MultiLCA(..., use_distributions=True)`` over the 48 demand vectors, then
  ``next()`` and ``.scores`` per iteration (matrices redrawn, rebuilt and solved each time),
  timed on ``--bw2calc-iterations`` iterations and scaled linearly to ``--iterations`` (stated);
- gpulca, same inputs: :mod:`gpulca.engine.montecarlo` with the demand vectors fixed (the
  inventory's declared uncertainties only, like bw2calc);
- gpulca, all declared uncertainties: the study's parameters too (the GPU-hour model evaluated
  for every iteration), what ``gpulca run --uncertainty`` does.

Means must agree within 1% and the 2.5 / 50 / 97.5 percentiles within sampling error (gpulca's
percentile inside bw2calc's percentiles at q +- 4 binomial standard errors of bw2calc's sample).

Usage::

    PYTHONPATH=src python bench/bench_montecarlo.py [--iterations 10000]
        [--bw2calc-iterations 300] [--data-dir DIR] [--study FILE]

Without ``--data-dir`` a temporary Brightway directory is set up first (not timed).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def bw2calc_loop(data_dir: Path, database: str, demands: dict[str, dict[str, float]],
                 methods: object, iterations: int) -> tuple[np.ndarray, float]:
    """bw2calc's Monte Carlo: iterations x impacts x functional units, and seconds."""
    import bw2calc as bc
    import bw2data as bd

    from gpulca.engine.project import gpulca_project
    from gpulca.engine.solve import node_ids

    with gpulca_project("gpulca", data_dir), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ids = node_ids(database)
        names = [n for n, d in demands.items() if d]
        fus = {n: {ids[c]: a for c, a in demands[n].items()} for n in names}
        config = {"impact_categories": [c.method for c in methods.impact_categories]}  # type: ignore[attr-defined]
        start = time.perf_counter()
        objs = bd.get_multilca_data_objs(functional_units=fus, method_config=config)
        mlca = bc.MultiLCA(demands=fus, method_config=config, data_objs=objs,
                           use_distributions=True, seed_override=42)
        mlca.lci()
        mlca.lcia()
        out = np.zeros((iterations, len(config["impact_categories"]), len(demands)))
        column = {n: f for f, n in enumerate(demands)}
        row = {m: i for i, m in enumerate(config["impact_categories"])}
        for i in range(iterations):
            if i:
                next(mlca)
            for (method, name), score in mlca.scores.items():
                out[i, row[tuple(method)], column[name]] = score
        return out, time.perf_counter() - start


def compare_bench(data_dir: Path, directory: Path, count: int, iterations: int) -> None:
    """``compare --uncertainty``: a sweep of about ``count`` variants over the shipped library
    (every grid zone x PUE values x 3 accelerators, bench_siting's sweep) on common draws."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_siting import library_sweep_study

    from gpulca.pipeline.uncertain_compare import compare_uncertainty
    from gpulca.study.variants import load_variants

    path = library_sweep_study(directory, count, ROOT / "inventories")
    start = time.perf_counter()
    variants = load_variants(path)
    loaded = time.perf_counter() - start
    compare_uncertainty(variants, iterations, 1, data_dir)  # warm: the database written
    start = time.perf_counter()
    outcome = compare_uncertainty(variants, iterations, 1, data_dir)
    seconds = time.perf_counter() - start
    print(f"compare --uncertainty: {len(variants.variants)} variants x {iterations:,} "
          f"iterations in {seconds:.1f} s (point comparison included; loading and resolving "
          f"the variants: {loaded:.1f} s more)")
    frame = outcome.variants
    first = frame[frame["impact"] == frame["impact"].iloc[0]]
    print(f"  {first['impact'].iloc[0]}: P(best) of the best variant "
          f"{first['p_best'].max():.2f}; variants below the baseline with P > 0.95: "
          f"{int((first['p_beats_baseline'] > 0.95).sum())}")


def monte_carlo_model(study_path: Path, data_dir: Path):  # type: ignore[no-untyped-def]
    """The study at ``study_path``, its point result (which sets up the Brightway project and
    database: not timed), its uncertain inputs and its Monte Carlo model (also used by
    bench_montecarlo_dask.py)."""
    from gpulca.pipeline.run import run_resolved
    from gpulca.pipeline.uncertainty import study_inputs, study_model
    from gpulca.study.resolve import load_study

    study = load_study(study_path)
    point = run_resolved(study, data_dir)
    inputs, _ = study_inputs(study)
    return study, point, inputs, study_model(study, inputs, point.database, "gpulca",
                                             data_dir, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10_000)
    parser.add_argument("--bw2calc-iterations", type=int, default=300)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--study", type=Path, default=ROOT / "scenarios" / "moshi-like.yaml")
    parser.add_argument("--variants", type=int, default=1000,
                        help="variants of the comparison part (0 skips it)")
    parser.add_argument("--compare-iterations", type=int, default=1000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    warnings.simplefilter("ignore")
    from gpulca.core.sampling import uniform_quantiles
    from gpulca.pipeline.uncertainty import _reindex, demand_samples

    temporary = None
    data_dir = args.data_dir
    if data_dir is None:
        temporary = Path(tempfile.mkdtemp(prefix="gpulca-bench-mc-"))
        data_dir = temporary / "bw"
    try:
        study, point, inputs, model = monte_carlo_model(args.study, data_dir)
        n = args.iterations
        fixed = demand_samples(study, {}, 1)
        demands = _reindex(fixed, model.matrices.codes)
        q = uniform_quantiles(n, model.matrices.input_count, 1)
        start = time.perf_counter()
        ours = model.matrices.scores(q, demands)
        ours_s = time.perf_counter() - start
        start = time.perf_counter()
        full = model(uniform_quantiles(n, len(model.labels), 1))
        full_s = time.perf_counter() - start
        fus = {name: dict(zip(fixed.codes, fixed.demands[:, f], strict=True))
               for f, name in enumerate(fixed.names)}
        fus = {k: {c: a for c, a in v.items() if a} for k, v in fus.items()}
        theirs, theirs_s = bw2calc_loop(data_dir, point.database, fus, study.methods,
                                        args.bw2calc_iterations)
        scaled = theirs_s * n / args.bw2calc_iterations
        ours_total, theirs_total = ours.sum(axis=2), theirs.sum(axis=2)
        m = len(model.matrices.impacts)
        machine = platform.processor() or platform.machine()
        print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine}, {os.cpu_count()} CPUs, "
              f"Python {platform.python_version()}")
        print(f"study {args.study.name}: {len(model.labels)} uncertain inputs "
              f"({len(inputs)} study parameters, {len(model.library_inputs)} library "
              f"parameters, {model.matrices.input_count} matrix elements), "
              f"{len(fixed.names)} demand vectors x {m} impacts")
        print(f"bw2calc MC loop: {args.bw2calc_iterations} iterations in {theirs_s:.2f} s "
              f"({theirs_s / args.bw2calc_iterations * 1e3:.1f} ms/iteration) -> {n:,} "
              f"iterations scaled: {scaled:.0f} s")
        print(f"gpulca, same inputs (matrix elements): {n:,} iterations in {ours_s:.2f} s: "
              f"{scaled / ours_s:.0f}x faster")
        print(f"gpulca, all declared uncertainties: {n:,} iterations in {full_s:.2f} s: "
              f"{scaled / full_s:.0f}x faster than bw2calc's loop on the matrix elements alone")
        whole = full.sum(axis=2)
        for i, impact in enumerate(model.matrices.impacts[:1]):
            low, high = np.percentile(whole[:, i], [2.5, 97.5])
            print(f"  {impact}, whole study, all uncertainties: mean {whole[:, i].mean():.4g}, "
                  f"95% interval {low:.4g} to {high:.4g}")
        k = args.bw2calc_iterations
        ok = True
        for i, impact in enumerate(model.matrices.impacts):
            mean_gap = ours_total[:, i].mean() / theirs_total[:, i].mean() - 1
            checks = []
            for pct in (2.5, 50, 97.5):
                delta = 400 * np.sqrt(pct / 100 * (1 - pct / 100) / k)
                low, high = np.percentile(theirs_total[:, i], [max(pct - delta, 0),
                                                               min(pct + delta, 100)])
                slack = 1e-9 * abs(high)  # an impact without uncertainty: equal to rounding
                value = np.percentile(ours_total[:, i], pct)
                checks.append(bool(low - slack <= value <= high + slack))
            ok &= abs(mean_gap) < 0.01 and all(checks)
            print(f"  {impact}: mean gpulca / bw2calc - 1 = {mean_gap:+.3%}; percentiles "
                  f"2.5/50/97.5 within sampling error: {checks}")
        print("statistics agree" if ok else "STATISTICS DISAGREE")
        if args.variants:
            compare_bench(data_dir, temporary or Path(tempfile.mkdtemp()), args.variants,
                          args.compare_iterations)
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


if __name__ == "__main__":
    main()
