"""Benchmark: ``compare`` of a 10,000-variant siting sweep, time and peak memory.

The sweep is :func:`bench_siting.sweep_study` (fixture library: 5 grid zones x 10 PUE x N WUE
values). Each measured path runs in a fresh child process (so its peak resident memory,
``ru_maxrss``, is its own) over the same Brightway directory, set up once first (not timed):

- ``compare_variants``: resolve is timed apart (``load_variants``), then the comparison
  (translation, unit scores, the score array, the frames);
- ``cli``: the whole ``gpulca compare STUDY -o DIR`` without reports (everything a user waits
  for: resolve, compare, print, write the CSV files and the chart); besides each process's own
  peak, the memory of the command and its chart helper at once (their resident sets summed
  every 5 ms, on Linux);
- ``reports``: ``gpulca compare STUDY -o DIR --excel FILE --charts DIR`` (with ``--reports``);
- with ``--stages``: the steps of ``compare -o DIR`` one by one in one process (import, resolve,
  compare, chart data, print, each file), of each code; the chart helper process's CPU and peak
  memory (``RUSAGE_CHILDREN``) beside the process's own;
- with ``--old-src DIR`` (another checkout's ``src``, e.g. before the columnar refactor) the same
  steps with that code, side by side in the same run, and the ratio; with ``--repeat N`` the
  CLI runs N times per code, old and new alternately, and the best of each is reported.

Usage::

    PYTHONPATH=src python bench/bench_compare.py [--variants 10000] [--old-src /path/src]
        [--reports] [--stages] [--repeat N]

The old tree needs its ``inventories/`` and ``methods/`` beside ``src/`` (``git archive COMMIT
src inventories methods``).
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import json, resource, sys, time
mode, study, data_dir = sys.argv[1:4]
start = time.perf_counter()
if mode == "api":
    from gpulca.pipeline.compare import compare_variants
    from gpulca.study.variants import load_variants
    variants = load_variants(study)
    resolved = time.perf_counter() - start
    t = time.perf_counter()
    result = compare_variants(variants, data_dir)
    frame = result.comparison
    rows = len(result.scores)
    out = {"resolve": resolved, "compare": time.perf_counter() - t, "rows": rows,
           "variants": len(variants.variants)}
elif mode == "stages":
    # the steps of `gpulca compare -o DIR` (cli/compare.py) one by one, in one process; with
    # code before the chart helper (--old-src), the chart is drawn in this process
    import contextlib, io
    from pathlib import Path
    def cpu():
        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime
    steps = []
    def step(name, since):
        steps.append((name, time.perf_counter() - since[0], cpu() - since[1]))
        return (time.perf_counter(), cpu())
    now = (start, cpu())
    import gpulca.cli.compare as cc
    from gpulca.pipeline.compare import compare_variants
    from gpulca.study.variants import load_variants
    try:
        from gpulca.reports.chart_worker import chart_worker
    except ImportError:
        chart_worker = None
    now = step("import gpulca.cli.compare", now)
    with chart_worker() if chart_worker else contextlib.nullcontext() as charts:
        if charts is not None:
            now = step("start the chart helper", now)
        variants = load_variants(study)
        now = step("resolve (load_variants)", now)
        import inspect
        if charts is not None and "scored" in inspect.signature(compare_variants).parameters:
            # as the command: the helper is handed the chart once the scores are known
            def scored(early):
                global now
                now = step("compare_variants up to the scores (with Brightway's import)", now)
                charts.submit(cc.chart_data(early))
                now = step("chart data, handed to the helper", now)
            result = compare_variants(variants, data_dir, scored=scored)
            now = step("rest of compare_variants (frames, warnings), the helper drawing", now)
        else:
            result = compare_variants(variants, data_dir)
            now = step("compare_variants (with Brightway's import)", now)
            if charts is not None:
                charts.submit(cc.chart_data(result))
                now = step("chart data, handed to the helper", now)
        with contextlib.redirect_stdout(io.StringIO()):
            cc.print_comparison(result, 20)
            cc.print_service_ranking(cc.service_ranking(result))
        now = step("print the table", now)
        Path(sys.argv[4]).mkdir(parents=True)
        writers = cc.comparison_writers(result, "csv", charts) if charts is not None else \
            cc.comparison_writers(result, "csv")
        for name, write in writers.items():
            write(Path(sys.argv[4]) / name)
            now = step("write " + name, now)
    out = {"steps": steps}
else:
    # the process and its chart helper together: their resident sets summed every 5 ms
    # (the peaks of the two, ru_maxrss, need not fall at the same moment)
    import os, threading
    together = [0.0]
    def resident(pid):
        try:
            with open(f"/proc/{pid}/status") as status:
                return next(int(l.split()[1]) for l in status if l.startswith("VmRSS")) / 1024
        except (OSError, StopIteration):
            return 0.0
    def helpers():
        pids = []
        for task in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{task}/children") as children:
                    pids += children.read().split()
            except OSError:
                pass
        return pids
    def sample():
        while True:
            together[0] = max(together[0], resident("self") + sum(map(resident, helpers())))
            time.sleep(0.005)
    if os.path.exists("/proc/self/task"):
        threading.Thread(target=sample, daemon=True).start()
    from gpulca.cli import main
    out = sys.argv[4]
    extra = ["--excel", out + ".xlsx", "--charts", out + "-charts"] if mode == "reports" else []
    try:
        main(["compare", study, "--data-dir", data_dir, "-o", out, *extra],
             standalone_mode=False)
    except SystemExit:
        pass
    out = {"together_mb": together[0]}
out["total"] = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
out["peak_mb"] = usage.ru_maxrss / 1024
children = resource.getrusage(resource.RUSAGE_CHILDREN)
out["children_peak_mb"] = children.ru_maxrss / 1024
out["children_cpu"] = children.ru_utime + children.ru_stime
out["cpu"] = usage.ru_utime + usage.ru_stime
print("BENCH " + json.dumps(out))
"""


def measure(src: Path, mode: str, study: Path, data_dir: Path, out: Path) -> dict[str, float]:
    """Run one path in a child process with ``src`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(src), "BRIGHTWAY2_DIR": str(data_dir),
           "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(study), str(data_dir),
                           str(out)], env=env, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            if mode != "api" and not (out / "comparison.csv").exists():
                raise RuntimeError(f"cli with {src} wrote nothing:\n{done.stdout[-3000:]}"
                                   f"\n{done.stderr[-3000:]}")
            return dict(json.loads(line[6:]))
    raise RuntimeError(f"{mode} with {src} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=10_000)
    parser.add_argument("--old-src", default=None, help="another checkout's src to compare with")
    parser.add_argument("--data-dir", default=None, help="a Brightway directory already set up")
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--reports", action="store_true",
                        help="also time the CLI with --excel FILE --charts DIR")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run `compare -o DIR` this many times per code, alternately "
                             "(the best is reported, every run listed)")
    parser.add_argument("--stages", action="store_true",
                        help="also time the steps of `compare -o DIR` one by one (new code)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_siting import compile_sources, sweep_study

    compile_sources(ROOT / "src", *([Path(args.old_src)] if args.old_src else []))

    scratch = Path(tempfile.mkdtemp(prefix="gpulca-bench-compare-"))
    try:
        study = sweep_study(scratch, args.variants)
        data_dir = Path(args.data_dir) if args.data_dir else scratch / "brightway"
        # set up the background and the database once (not timed): a 5-variant compare
        (scratch / "small").mkdir()
        small = sweep_study(scratch / "small", 5)
        measure(ROOT / "src", "api", small, data_dir, scratch / "out-small")
        sources = {"new": ROOT / "src"}
        if args.old_src:
            sources["old"] = Path(args.old_src).resolve()
        figures: dict[str, dict[str, dict[str, float]]] = {}
        for label, src in sources.items():
            figures[label] = {"api": measure(src, "api", study, data_dir, scratch / "o")}
        if not args.skip_cli:  # old and new alternately, the best (by wall time) of --repeat
            runs: dict[str, list[dict[str, float]]] = {label: [] for label in sources}
            for r in range(args.repeat):
                for label, src in sources.items():
                    out = scratch / f"out-{label}-{r}"
                    runs[label].append(measure(src, "cli", study, data_dir, out))
                    shutil.rmtree(out, ignore_errors=True)
            for label, found in runs.items():
                figures[label]["cli"] = min(found, key=lambda f: f["total"])
                print(f"gpulca compare -o DIR, {label}, every run (wall / CPU / peak / helper "
                      "CPU, peak / the two together at most): " + "; ".join(
                          f"{f['total']:.2f} s / {f['cpu']:.2f} s / {f['peak_mb']:.0f} MB / "
                          f"{f['children_cpu']:.2f} s, {f['children_peak_mb']:.0f} MB / "
                          f"{f.get('together_mb', 0.0):.0f} MB" for f in found))
        for label, src in sources.items():
            if args.reports:
                figures[label]["reports"] = measure(src, "reports", study, data_dir,
                                                    scratch / f"reports-{label}")
        report(figures)
        if args.stages:
            (scratch / "stages").mkdir()
            report_stages({label: measure(src, "stages", study, data_dir,
                                          scratch / "stages" / label)
                           for label, src in sources.items()})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def report(figures: dict[str, dict[str, dict[str, float]]]) -> None:
    machine = (f"{_cpu_name()}, {_core_count()} cores, Python {platform.python_version()}; "
               f"1-min load average at the end {os.getloadavg()[0]:.1f}")
    print(f"date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; machine: {machine}")
    new = figures["new"]["api"]
    print(f"{int(new['variants'])} variants, {int(new['rows'])} rows in the scores frame")
    print("| path | code | resolve | compare | whole (process) | CPU (process) | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for label, paths in figures.items():
        api = paths["api"]
        print(f"| compare_variants | {label} | {api['resolve']:.2f} s | {api['compare']:.2f} s "
              f"| {api['total']:.2f} s | {api['cpu']:.2f} s | {api['peak_mb']:.0f} MB |")
        for mode, path in (("cli", "gpulca compare -o DIR"),
                           ("reports", "gpulca compare -o DIR --excel F --charts D")):
            if mode in paths:
                cli = paths[mode]
                print(f"| {path} | {label} | | | {cli['total']:.2f} s | {cli['cpu']:.2f} s "
                      f"| {cli['peak_mb']:.0f} MB |")
                if cli.get("children_cpu"):
                    print(f"| (its helper processes) | {label} | | | | "
                          f"{cli['children_cpu']:.2f} s | {cli['children_peak_mb']:.0f} MB |")
                if cli.get("together_mb"):
                    print(f"| (the process and its helpers at once, sampled every 5 ms) | "
                          f"{label} | | | | | {cli['together_mb']:.0f} MB |")
    if "old" in figures:
        old, now = figures["old"]["api"], figures["new"]["api"]
        print(f"compare step: {old['compare'] / now['compare']:.1f}x faster; resolve (with "
              f"imports) {old['resolve'] / now['resolve']:.1f}x; whole compare_variants process "
              f"{old['total'] / now['total']:.1f}x ({old['cpu'] / now['cpu']:.1f}x less CPU); "
              "peak memory "
              f"{old['peak_mb'] / now['peak_mb']:.1f}x lower")
        for mode in ("cli", "reports"):
            if mode in figures["old"]:
                old, now = figures["old"][mode], figures["new"][mode]
                print(f"gpulca compare ({mode}): {old['total'] / now['total']:.1f}x faster "
                      f"({old['cpu'] / now['cpu']:.1f}x less CPU), peak memory "
                      f"{old['peak_mb'] / now['peak_mb']:.1f}x lower")


def report_stages(figures: dict[str, dict[str, Any]]) -> None:
    """The steps of ``compare -o DIR``, by code (wall and CPU time of the process; the chart
    helper's CPU and peak memory are its own)."""
    labels = list(figures)
    names = list(dict.fromkeys(name for f in figures.values() for name, _, _ in f["steps"]))
    print("| step of `gpulca compare -o DIR` | "
          + " | ".join(f"{label}: wall | {label}: CPU" for label in labels) + " |")
    print("|---|" + "---|---|" * len(labels))
    for name in names:
        cells = []
        for label in labels:
            found = [(w, c) for n, w, c in figures[label]["steps"] if n == name]
            cells += [f"{found[0][0]:.2f} s", f"{found[0][1]:.2f} s"] if found else ["", ""]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("| whole process | " + " | ".join(
        f"{figures[label]['total']:.2f} s | {figures[label]['cpu']:.2f} s" for label in labels)
        + " |")
    for label in labels:
        f = figures[label]
        print(f"{label}: peak RSS {f['peak_mb']:.0f} MB; helper processes "
              f"{f['children_cpu']:.2f} s CPU, peak RSS {f['children_peak_mb']:.0f} MB")


def _cpu_name() -> str:
    from bench_siting import _cpu

    return _cpu()


def _core_count() -> int:
    from bench_siting import _cores

    return int(_cores())


if __name__ == "__main__":
    sys.exit(main())
