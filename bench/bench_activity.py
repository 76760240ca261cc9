"""Benchmark: ``gpulca run`` of a study with N activity rows in a CSV, against a bare
``pandas.read_csv`` of the same file, time and peak memory, side by side in one run.

The CSV has N rows over the siting fixture library (tests/fixtures/siting): 5 phases, 3 models,
H100 or A100, GPU-hours, a quarter of them with a measured GPU load, a tenth with a comment.
Each measurement is a fresh Python process (its peak resident memory, ``VmHWM`` of
``/proc/self/status``, is its own: ``ru_maxrss`` would keep the bench's own resident size)
over one Brightway directory set up first (not timed):

- ``read_csv``: ``pandas.read_csv`` of the file (the floor);
- ``run``: ``gpulca run STUDY -o DIR`` (load and check the rows, translate, solve, write the
  results and the audit trail);
- with ``--old-src DIR`` (another checkout's ``src``) the same run with that code, and the ratio;
- with ``--stages``, where this code's run spends its time and memory: the same steps as
  ``gpulca run``, one after the other in one process, each with its time, the CPU time of all
  the process's threads (less sensitive than the time to other work on the machine) and the
  resident memory after it (current and peak). As in ``gpulca run``, Brightway is imported in
  a background thread while the study is read
  (:func:`gpulca.engine.project.start_brightway_import`): the reading's time includes what the
  import takes from it, and the next step what remains of the import. As in ``gpulca run``
  (:mod:`gpulca.cli.early`), the activity CSV is read ahead while the command is imported,
  and ``audit.csv`` is written on a thread of its own from the moment the activity is
  translated (:func:`gpulca.cli.run.start_audit`), while Brightway solves.

Targets (issue 19): run at most 5 x read_csv, peak memory at most 10 x the file.

With ``--repeat N`` each path is measured N times, alternately; the table gives the best time,
the median of each round's ratio to its ``read_csv`` and the highest peak. With ``--parquet``,
also ``gpulca run --results-format parquet``. The source trees are compiled first
(``compileall``), as pip compiles an installed wheel: no measured process pays for compiling
gpulca's sources (``PYTHONDONTWRITEBYTECODE`` would make each do it).

Usage::

    PYTHONPATH=src python bench/bench_activity.py [--rows 1000000] [--old-src /path/src]
        [--stages] [--repeat N] [--parquet]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "siting"
CHILD = """
import json, resource, sys, time
mode, path, data_dir, out = sys.argv[1:5]
start = time.perf_counter()
if mode == "read_csv":
    import pandas
    frame = pandas.read_csv(path)
else:
    from gpulca.cli import main
    extra = ["--results-format", "parquet"] if mode == "run-parquet" else []
    try:
        main(["run", path, "--data-dir", data_dir, "-o", out, *extra], standalone_mode=False)
    except SystemExit:
        pass
try:  # this process's own peak (ru_maxrss keeps the forking parent's resident size)
    with open("/proc/self/status") as status:
        peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM")) / 1024
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("BENCH " + json.dumps({"seconds": time.perf_counter() - start, "peak_mb": peak}))
"""
STAGES = """
import sys, time
from pathlib import Path
path, data_dir, out = sys.argv[1:4]
last, last_cpu = time.perf_counter(), time.process_time()
def stage(label):
    global last, last_cpu
    now, cpu = time.perf_counter(), time.process_time()
    with open("/proc/self/status") as status:
        memory = {l.split(":")[0]: int(l.split()[1]) / 1024 for l in status
                  if l.startswith(("VmRSS", "VmHWM"))}
    current, peak = memory["VmRSS"], memory["VmHWM"]
    print(f"| {label} | {now - last:.2f} s | {cpu - last_cpu:.2f} s | {current:.0f} MB | "
          f"{peak:.0f} MB |", flush=True)
    last, last_cpu = time.perf_counter(), time.process_time()
print("| step | time | CPU (all threads) | memory after | peak so far |\\n|---|---|---|---|---|")
from gpulca.cli.early import read_ahead
read_ahead("run", [path])  # as gpulca run: the activity CSV read while the command is imported
import gpulca.cli.run
stage("import gpulca (CLI, pandas, pyarrow)")
from gpulca.engine.gateway import start_brightway_import
from gpulca.study.resolve import load_study
start_brightway_import()  # as run_study: Brightway imported alongside the reading
study = load_study(path)
stage("load and check the study and its activity CSV (Brightway importing alongside)")
from gpulca.engine.project import import_brightway
import_brightway()
stage("rest of Brightway's import (waited for)")
from gpulca.pipeline.run import run_resolved
from gpulca.cli.run import start_audit, write_results
from gpulca.io.atomic import staged_outputs
started = {}
with staged_outputs():  # as gpulca run: audit.csv begun as soon as the activity is translated
    result = run_resolved(study, data_dir, on_audit=lambda trail: started.update(
        start_audit(trail, Path(out))))
    stage("translate, Brightway project and solve, result frames (audit.csv begun alongside)")
    write_results(result, Path(out), started=started)
    stage("write results.csv (audit.csv still being written alongside)")
stage("the rest of audit.csv (this thread helping), files moved into place")
"""


def write_inputs(directory: Path, rows: int) -> tuple[Path, Path]:
    """The activity CSV of ``rows`` rows and a study reading it."""
    rng = np.random.default_rng(19)
    phases = np.array(["exploration", "ablation", "hyperparameter_search", "failed_run",
                       "final_training"])
    models = np.array(["small", "medium", "large"])
    accelerators = np.array(["h100_sxm_80gb", "a100_sxm_80gb"])
    hours = np.round(rng.uniform(1, 500, rows), 3)
    load = np.where(rng.random(rows) < 0.25, np.round(rng.uniform(0.3, 0.9, rows), 2), np.nan)
    comment = np.where(rng.random(rows) < 0.1, "rerun after node failure", "")
    csv = directory / "activity.csv"
    with csv.open("w") as out:
        out.write("phase,gpu_hours,accelerator,model,gpu_load,comment\n")
        for p, h, a, m, g, c in zip(phases[rng.integers(0, 5, rows)], hours,
                                    accelerators[rng.integers(0, 2, rows)],
                                    models[rng.integers(0, 3, rows)], load, comment,
                                    strict=True):
            out.write(f"{p},{h},{a},{m},{'' if np.isnan(g) else g},{c}\n")
    study = directory / "study.yaml"
    study.write_text(
        "name: bench-activity\n"
        "inventories: [" + ", ".join(str(FIXTURES / name) for name in (
            "cooling-water.yaml", "h100-hgx.yaml", "a100.yaml", "grids.yaml", "sites.yaml"))
        + "]\nshipped_inventories: false\n"
        # the fixture library has no datacenter infrastructure (as tests/fixtures/siting)
        "not_assessed: [building, network, storage]\n"
        "site:\n  grid_zone: FR\n  pue: {value: 1.58, source: test}\n"
        "  wue: {value: 1.8 L/kWh, source: test}\n"
        "hardware:\n  accelerator: h100_sxm_80gb\n  server: hgx_h100_host\n"
        "  lifetime: {value: 5 year, source: test}\n  utilisation: {value: 0.85, source: test}\n"
        f"activity:\n  source: bench\n  file: {csv}\n")
    return csv, study


REPLACE = False
"""Whether each round replaces the previous round's outputs (``--replace``)."""


def measure(src: Path, mode: str, path: Path, data_dir: Path, out: Path) -> dict[str, float]:
    """One run in a fresh process, writing into a new folder ``out``: the previous round's
    outputs are removed first (untimed), so that every round writes as a first run does; a
    run that replaces a previous 317 MB ``audit.csv`` also waits for the file system to free
    the old file (measured apart: ``--replace``)."""
    if not REPLACE:
        shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(src), "BRIGHTWAY2_DIR": str(data_dir),
           "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(path), str(data_dir),
                           str(out)], env=env, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            written = {"run": "audit.csv", "run-parquet": "audit.parquet"}.get(mode)
            if written and not (out / written).exists():
                raise RuntimeError(f"run with {src} wrote nothing:\n{done.stdout[-3000:]}"
                                   f"\n{done.stderr[-3000:]}")
            return dict(json.loads(line[6:]))
    raise RuntimeError(f"{mode} with {src} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--old-src", default=None, help="another checkout's src to compare with")
    parser.add_argument("--data-dir", default=None, help="a Brightway directory already set up")
    parser.add_argument("--stages", action="store_true",
                        help="also show where this code's run spends its time and memory")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measure each path this many times, alternately (best and "
                             "median of the paired ratios)")
    parser.add_argument("--replace", action="store_true",
                        help="each round writes into the previous round's folder (replacing "
                             "its files) instead of a new one")
    parser.add_argument("--parquet", action="store_true",
                        help="also time run --results-format parquet (results.parquet and "
                             "audit.parquet instead of the CSV files)")
    args = parser.parse_args()
    global REPLACE
    REPLACE = args.replace
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_siting import _cores, _cpu, compile_sources

    compile_sources(ROOT / "src", *([Path(args.old_src)] if args.old_src else []))

    scratch = Path(tempfile.mkdtemp(prefix="gpulca-bench-activity-"))
    try:
        (scratch / "small").mkdir()
        _, small = write_inputs(scratch / "small", 10)
        data_dir = Path(args.data_dir) if args.data_dir else scratch / "brightway"
        measure(ROOT / "src", "run", small, data_dir, scratch / "out-small")  # set-up, untimed
        csv, study = write_inputs(scratch, args.rows)
        size_mb = csv.stat().st_size / 2**20
        paths = [("pandas.read_csv", ROOT / "src", "read_csv", csv),
                 ("gpulca run (this code)", ROOT / "src", "run", study)]
        if args.parquet:
            paths.append(("gpulca run --results-format parquet", ROOT / "src", "run-parquet",
                          study))
        if args.old_src:
            paths.append(("gpulca run (old code)", Path(args.old_src).resolve(), "run", study))
        runs: dict[str, list[dict[str, float]]] = {label: [] for label, *_ in paths}
        for _ in range(args.repeat):  # alternately: a change of load touches every path
            for number, (label, src, mode, path) in enumerate(paths):
                runs[label].append(measure(src, mode, path, data_dir,
                                           scratch / f"out-{number}"))
        figures = {label: {"seconds": min(r["seconds"] for r in measured),
                           "peak_mb": max(r["peak_mb"] for r in measured)}
                   for label, measured in runs.items()}
        print(f"date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; machine: {_cpu()}, "
              f"{_cores()} cores, Python {platform.python_version()}; 1-min load average at "
              f"the end {os.getloadavg()[0]:.1f}")
        print(f"{args.rows} activity rows, CSV {size_mb:.1f} MB")
        if args.stages:
            env = {**os.environ, "PYTHONPATH": str(ROOT / "src"),
                   "BRIGHTWAY2_DIR": str(data_dir)}
            done = subprocess.run([sys.executable, "-c", STAGES, str(study), str(data_dir),
                                   str(scratch / "out-stages")], env=env, capture_output=True,
                                  text=True, check=True)
            print(done.stdout)
        floor = figures["pandas.read_csv"]["seconds"]
        if args.repeat > 1:
            print(f"best of {args.repeat} (time), highest (peak); median of the ratios of "
                  "each round's run to its read_csv")
        print("| step | time | x read_csv | median ratio | peak RSS | x file |\n"
              "|---|---|---|---|---|---|")
        for label, f in figures.items():
            paired = sorted(r["seconds"] / c["seconds"] for r, c in
                            zip(runs[label], runs["pandas.read_csv"], strict=True))
            print(f"| {label} | {f['seconds']:.2f} s | {f['seconds'] / floor:.1f} | "
                  f"{paired[len(paired) // 2]:.1f} | {f['peak_mb']:.0f} MB | "
                  f"{f['peak_mb'] / size_mb:.1f} |")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
