"""Benchmark: a Monte Carlo of 100,000+ draws in one process against a Dask LocalCluster.

Same study, same seed, same chunks (:data:`gpulca.pipeline.chunked.DRAW_CHUNK` draws): the
single-process path (what ``gpulca run --uncertainty N`` does) and the Dask path (``--dask``:
a ``LocalCluster`` of ``--workers`` processes, one thread each) are run alternately
``--repeats`` times in one process, and their scores checked equal to the last digit. The
Brightway work (bw2calc's matrices, the model) is done once, before timing; the cluster's start
is timed apart. Per chunk: the time of one chunk in this process and the peak of memory it
allocates (tracemalloc), the figures docs/scaling.md works from; per worker: its peak resident
set after the run. The 1-minute load average is printed before and after (the machine may be
shared).

Usage::

    PYTHONPATH=src python bench/bench_montecarlo_dask.py [--iterations 100000] [--workers 2]
        [--repeats 2] [--study scenarios/moshi-like.yaml] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--study", type=Path, default=ROOT / "scenarios" / "moshi-like.yaml")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--compare-study", type=Path,
                        default=ROOT / "scenarios" / "siting-study.yaml")
    parser.add_argument("--compare-iterations", type=int, default=100_000,
                        help="draws of the uncertain comparison part (0 skips it)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "bench"))
    warnings.simplefilter("ignore")
    from bench_montecarlo import monte_carlo_model
    from dask.distributed import Client, LocalCluster

    from gpulca.core.cluster import dask_client, gather_all
    from gpulca.pipeline.chunked import DRAW_CHUNK, in_process
    from gpulca.pipeline.uncertainty import _draw_chunk, score_draws

    temporary = None
    data_dir = args.data_dir
    if data_dir is None:
        temporary = Path(tempfile.mkdtemp(prefix="gpulca-bench-mcdask-"))
        data_dir = temporary / "bw"
    try:
        _, _, _, model = monte_carlo_model(args.study, data_dir)
        n, seed = args.iterations, 1
        print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
              f"{os.cpu_count()} CPUs, Python {platform.python_version()}; load average "
              f"(1/5/15 min) at start: {_load()}")
        print(f"study {args.study.name}: {len(model.labels)} uncertain inputs, "
              f"{len(model.names)} demand vectors x {len(model.matrices.impacts)} impacts; "
              f"{n:,} draws in chunks of {DRAW_CHUNK:,}")
        tracemalloc.start()
        start = time.perf_counter()
        _draw_chunk(model, 0, DRAW_CHUNK, seed)
        chunk_s = time.perf_counter() - start
        chunk_peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
        tracemalloc.stop()
        result_mib = DRAW_CHUNK * len(model.matrices.impacts) * len(model.names) * 8 / 2 ** 20
        print(f"one chunk of {DRAW_CHUNK:,} draws in this process: {chunk_s:.2f} s, peak "
              f"allocation {chunk_peak:.0f} MiB (its scores: {result_mib:.0f} MiB)")
        start = time.perf_counter()
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
        with dask_client(client=client):  # registers gpulca's worker plugin
            pass
        started = time.perf_counter() - start
        print(f"LocalCluster({args.workers} worker processes, 1 thread each) started in "
              f"{started:.1f} s (not in the times below)")
        local_s: list[float] = []
        dask_s: list[float] = []
        local = spread = None
        try:
            for _ in range(args.repeats):  # alternate, so that the machine's load hits both
                start = time.perf_counter()
                local = score_draws(model, n, seed, in_process)
                local_s.append(time.perf_counter() - start)
                del local
                start = time.perf_counter()
                spread = score_draws(model, n, seed, lambda *a: gather_all(client, *a))
                dask_s.append(time.perf_counter() - start)
                del spread
            local = score_draws(model, n, seed, in_process)
            spread = score_draws(model, n, seed, lambda *a: gather_all(client, *a))
            equal = bool(np.array_equal(local, spread))
            worker_rss = client.run(_peak_rss_mib)
        finally:
            client.close()
            cluster.close()
        best_local, best_dask = min(local_s), min(dask_s)
        print(f"single process: {', '.join(f'{s:.1f}' for s in local_s)} s "
              f"(median {statistics.median(local_s):.1f})")
        print(f"LocalCluster({args.workers}): {', '.join(f'{s:.1f}' for s in dask_s)} s "
              f"(median {statistics.median(dask_s):.1f})")
        print(f"speed-up, best of each: {best_local / best_dask:.2f} x")
        print(f"scores, Dask vs one process: {'equal to the last digit' if equal else 'DIFFER'}"
              f" ({local.shape[0]:,} x {local.shape[1]} x {local.shape[2]} floats, "
              f"{local.nbytes / 2 ** 20:.0f} MiB gathered on the client)")
        print("worker peak resident set: " + ", ".join(f"{v:.0f} MiB"
                                                      for v in worker_rss.values()))
        print(f"client peak resident set: {_peak_rss_mib():.0f} MiB; load average at end: "
              f"{_load()}")
        if args.compare_iterations:
            compare_bench(args.compare_study, args.compare_iterations, data_dir, args.workers)
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


def compare_bench(path: Path, iterations: int, data_dir: Path, workers: int) -> None:
    """``compare --uncertainty``: one process against ``LocalCluster(workers)``, alternated,
    the per-variant totals checked equal."""
    from dask.distributed import Client, LocalCluster

    from gpulca.pipeline.chunked import DRAW_CHUNK, VARIANT_GROUP
    from gpulca.pipeline.uncertain_compare import compare_uncertainty
    from gpulca.study.variants import load_variants

    variants = load_variants(path)
    compare_uncertainty(variants, 2, 1, data_dir)  # warm: the database written (not timed)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    try:
        times: dict[str, list[float]] = {"one process": [], f"LocalCluster({workers})": []}
        outcomes = {}
        for _ in range(2):
            for name, extra in zip(times, ({}, {"client": client}), strict=True):
                start = time.perf_counter()
                outcomes[name] = compare_uncertainty(variants, iterations, 1, data_dir,
                                                     **extra)  # type: ignore[arg-type]
                times[name].append(time.perf_counter() - start)
    finally:
        client.close()
        cluster.close()
    local, spread = outcomes.values()
    equal = all(np.array_equal(local.totals[v], spread.totals[v]) for v in local.totals) \
        and local.variants.equals(spread.variants)
    print(f"compare --uncertainty, {path.name}: {len(variants.variants)} variants x "
          f"{iterations:,} draws (chunks of {DRAW_CHUNK:,} draws x groups of up to "
          f"{VARIANT_GROUP} variants; point comparison included)")
    for name, values in times.items():
        print(f"  {name}: {', '.join(f'{v:.1f}' for v in values)} s")
    print(f"  totals and statistics, Dask vs one process: "
          f"{'equal to the last digit' if equal else 'DIFFER'}; load average at end: "
          f"{_load()}")


if __name__ == "__main__":
    main()
