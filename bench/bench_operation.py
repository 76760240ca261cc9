"""Benchmark: what the operation processes (issue 14) add to ``gpulca run``, side by side in one
run on the same Brightway project.

- the operation model of a study (``pipeline/run.py:study_operation``: its ``gpu_hour`` and
  ``it_energy`` processes and each phase's demand of them), pure Python;
- one bw2calc MultiLCA over the (phase, stage) demand vectors alone, against the same MultiLCA
  with each phase's demand of operation processes added (what ``gpulca run`` solves now),
  alternated, medians reported.

Usage: ``PYTHONPATH=src python bench/bench_operation.py [--study scenarios/moshi-like.yaml]
[--data-dir DIR] [--repeat 5]`` (without ``--data-dir`` a temporary Brightway directory is set up
first, not timed).
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", default=str(ROOT / "scenarios" / "moshi-like.yaml"))
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from gpulca.engine.gateway import open_session
    from gpulca.model.translate import phase_demands
    from gpulca.pipeline.run import (
        activity_quantities,
        operation_functional_units,
        stage_functional_units,
        study_operation,
    )
    from gpulca.study.resolve import load_study

    scratch = Path(tempfile.mkdtemp(prefix="gpulca-bench-operation-"))
    try:
        data_dir = Path(args.data_dir) if args.data_dir else scratch / "brightway"
        study = load_study(args.study)
        quantities = activity_quantities(study)
        demands = stage_functional_units(phase_demands(quantities))
        start = time.perf_counter()
        for _ in range(20):
            operation = study_operation(study, quantities)
        model_s = (time.perf_counter() - start) / 20
        with open_session("gpulca", data_dir) as session:
            prepared = session.prepare(study.library, study.methods, str(study.methods_file))
            database = session.write_operation(prepared.database, {
                code: p.activity_data() for code, p in operation.processes.items()})
            both = {**demands, **operation_functional_units(operation)}
            alone, with_operation = [], []
            for _ in range(args.repeat):
                start = time.perf_counter()
                session.solve(prepared.database, demands, study.methods)
                alone.append(time.perf_counter() - start)
                start = time.perf_counter()
                session.solve(prepared.database, both, study.methods, (database,))
                with_operation.append(time.perf_counter() - start)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    a, b = statistics.median(alone), statistics.median(with_operation)
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}; Python {platform.python_version()}; "
          f"study {Path(args.study).name}: {len(demands)} stage vectors, "
          f"{len(both) - len(demands)} operation demands")
    print(f"| operation model | {1000 * model_s:.2f} ms |")
    print(f"| MultiLCA, stage vectors alone (median of {args.repeat}) | {a:.3f} s |")
    print(f"| MultiLCA, with the operation demands (median of {args.repeat}) | {b:.3f} s |")
    print(f"ratio with / without: {b / a:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
