"""Benchmark of sacct ingestion (issue 4): ingest + tag vs a bare ``pandas.read_csv``.

Generates a ``sacct --parsable2`` export of 1,000,000 lines in a temporary directory (allocations
with their ``.batch``/``.extern``/``.0`` steps, array tasks, failed, cancelled and pending jobs),
then, in one run:

- times ``gpulca.ingest.sacct_activity`` (read, drop steps, count GPUs, tag with
  ``scenarios/rules/default-rules.yaml``, sum per phase) and a bare
  ``pandas.read_csv(path, sep="|")`` of the same file, alternately, best of ``--repeat``;
- measures the peak memory of each in its own subprocess: the peak resident set during the call
  (Linux ``VmHWM``, reset just before it) minus the resident set after imports and a warm-up.

- the same for the bounded-memory path (``gpulca.ingest.streaming.sacct_activity_streaming``,
  chunks of 64 MiB): the per-partition time and peak memory that docs/scaling.md scales up.

Targets: ingest time <= 2 x bare read time; ingest peak memory <= 3 x file size; streamed totals
equal to the in-memory ones.
The figures are written under "Activity ingestion (issue 4)" in docs/benchmarks.md.

Usage: ``python bench/bench_ingest.py [--rows 1000000] [--repeat 3] [--no-write]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "scenarios" / "rules" / "default-rules.yaml"
DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## Activity ingestion (issue 4)"
HEADER = ("JobID|JobName|Account|Partition|State|Elapsed|ElapsedRaw|AllocTRES|NNodes|Start|End|"
          "Comment|WCKey")
NAMES = ("final-moshi-7b", "ablate-depth-{k}", "hp-lr-{k}", "debug-nccl", "eval-mmlu",
         "prep-shard-{k}", "explore-arch-{k}", "baseline-gpt", "pretrain-stage1", "sft-chat",
         "notebook-{k}")
STATES = ("COMPLETED",) * 12 + ("FAILED", "CANCELLED by 1234", "TIMEOUT", "OUT_OF_MEMORY",
                                "NODE_FAIL", "RUNNING")


def _elapsed(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}-{clock}" if days else clock


def generate(path: Path, rows: int, seed: int = 4, first_job: int = 100000) -> None:
    """Write a synthetic sacct export of ``rows`` data lines (allocations and their steps);
    job ids start after ``first_job`` (partitions of one accounting have distinct jobs)."""
    rng = np.random.default_rng(seed)
    start = dt.datetime(2024, 1, 1)
    lines = [HEADER]
    job = first_job
    while len(lines) <= rows:
        job += 1
        gpus = int(rng.choice([0, 1, 2, 4, 8, 16, 64]))
        seconds = int(rng.integers(0, 3 * 86400))
        state = STATES[int(rng.integers(0, len(STATES)))]
        kind = "h100" if rng.random() < 0.7 else "a100"
        part = "cpu" if gpus == 0 else f"gpu-{kind}"
        name = NAMES[int(rng.integers(0, len(NAMES)))].format(k=int(rng.integers(0, 500)))
        tres = f"billing={max(gpus, 1) * 8},cpu={max(gpus, 1) * 8}" + (
            f",gres/gpu:{kind}={gpus},gres/gpu={gpus}" if gpus else "") + \
            f",mem={max(gpus, 1) * 64}G,node={max(1, gpus // 8)}"
        begin = start + dt.timedelta(seconds=job * 20)
        never = state.startswith("CANCELLED") and rng.random() < 0.3
        if never:
            seconds, tres = 0, ""
        end = begin + dt.timedelta(seconds=seconds)
        job_id = f"{job}_{int(rng.integers(0, 50))}" if rng.random() < 0.2 else str(job)
        times = "None|" + f"{end:%Y-%m-%dT%H:%M:%S}" if never else \
            f"{begin:%Y-%m-%dT%H:%M:%S}|{end:%Y-%m-%dT%H:%M:%S}"
        common = f"{_elapsed(seconds)}|{seconds}|{tres}|{max(1, gpus // 8)}|{times}"
        lines.append(f"{job_id}|{name}|lab-{job % 7}|{part}|{state}|{common}|run {job % 97}|"
                     "*default")
        if not never:
            for step in ("batch", "extern", "0"):
                lines.append(f"{job_id}.{step}|{step}|lab-{job % 7}||{state.split()[0]}|"
                             f"{common}||*default")
    path.write_text("\n".join(lines[: rows + 1]) + "\n")


_TIMING = """
import os, sys, time, pandas as pd
from pathlib import Path
from gpulca.ingest import sacct_activity
from gpulca.ingest.rules import load_rules
from gpulca.ingest.sacct import read_allocations, read_sacct
from gpulca.ingest.streaming import needed_columns, sacct_activity_streaming
from gpulca.ingest.tagging import tag_jobs
path, rules_path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
rules = load_rules(rules_path)
columns = ["JobID", "State", "AllocTRES", "ElapsedRaw", "Start", "End", "JobName", "Account",
           "Partition", "WCKey"]  # what the rules and the summary read
load_start = os.getloadavg()[0]
bare, ingest, stream, read, jobs_s, tag, bare_cpu, ingest_cpu = [], [], [], [], [], [], [], []
for _ in range(repeat):
    t, c = time.perf_counter(), time.process_time()
    frame = pd.read_csv(path, sep="|")
    bare.append(time.perf_counter() - t)
    bare_cpu.append(time.process_time() - c)
    del frame
    t, c = time.perf_counter(), time.process_time()
    result = sacct_activity(path, rules)
    ingest.append(time.perf_counter() - t)
    ingest_cpu.append(time.process_time() - c)
    t = time.perf_counter()
    streamed = sacct_activity_streaming(path, rules)
    stream.append(time.perf_counter() - t)
    c = time.process_time()
    read_allocations(Path(path), "|", dict(zip(columns, columns)), path)
    read.append(time.process_time() - c)
    c = time.process_time()
    jobs = read_sacct(path, needed_columns(rules))
    jobs_s.append(time.process_time() - c)
    c = time.process_time()
    tag_jobs(jobs, rules)
    tag.append(time.process_time() - c)
s = result.summary
print({"bare_s": min(bare), "ingest_s": min(ingest), "stream_s": min(stream),
       "read_cpu_s": min(read), "jobs_cpu_s": min(jobs_s), "tag_cpu_s": min(tag),
       "bare_cpu_s": min(bare_cpu), "ingest_cpu_s": min(ingest_cpu),
       "pair_ratio": sorted(i / b for i, b in zip(ingest, bare))[len(bare) // 2],
       "load_start": load_start, "load_end": os.getloadavg()[0],
       "allocations": s.allocations, "steps": s.steps, "gpu_hours": s.total_gpu_hours,
       "equal": float(streamed.summary.total_gpu_hours == s.total_gpu_hours)})
"""

_MEMORY = """
import sys, pandas as pd
from gpulca.ingest import sacct_activity
from gpulca.ingest.rules import load_rules
from gpulca.ingest.streaming import sacct_activity_streaming
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
mode, path, tiny, rules_path = sys.argv[1:5]
rules = load_rules(rules_path)
sacct_activity(tiny, rules); pd.read_csv(tiny, sep="|")   # warm-up: imports and caches
sacct_activity_streaming(tiny, rules)
with open("/proc/self/clear_refs", "w") as handle:  # reset the peak (VmHWM) to the current RSS
    handle.write("5")
before = status("VmRSS")
if mode == "ingest":
    sacct_activity(path, rules)
elif mode == "stream":
    sacct_activity_streaming(path, rules)
else:
    pd.read_csv(path, sep="|")
print({"peak_growth_bytes": status("VmHWM") - before, "baseline_bytes": before})
"""


def _run(code: str, *args: str) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep +
               os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True,
                         text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1].replace("'", '"'))


def _machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores (nproc), {model}, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def _pandas_version() -> str:
    import pandas

    return pandas.__version__


def _section(rows: int, size: int, timing: dict[str, float], memory: dict[str, float],
             bare_memory: dict[str, float], stream_memory: dict[str, float],
             repeat: int) -> str:
    ratio = timing["ingest_s"] / timing["bare_s"]
    mem_ratio = memory["peak_growth_bytes"] / size
    mb = 1024 * 1024
    bare_mib = bare_memory["peak_growth_bytes"] / mb
    ingest_mib = memory["peak_growth_bytes"] / mb
    stream_mib = stream_memory["peak_growth_bytes"] / mb
    stream_ratio = timing["stream_s"] / timing["bare_s"]
    equal = "equal to the last digit" if timing["equal"] else "DIFFERENT"
    bare = timing["bare_s"]
    read, bare_cpu = timing["read_cpu_s"], timing["bare_cpu_s"]
    columns = max(timing["jobs_cpu_s"] - read, 0.0)
    tag = timing["tag_cpu_s"]
    rest = max(timing["ingest_cpu_s"] - timing["jobs_cpu_s"] - tag, 0.0)
    cpu_ratio = timing["ingest_cpu_s"] / timing["bare_cpu_s"]
    idle = (timing["read_cpu_s"] + 2 * (timing["ingest_cpu_s"] - timing["read_cpu_s"])) / \
        timing["bare_cpu_s"]
    pairs = timing["pair_ratio"]
    # the best-of times of the two sides can come from different moments of a shared machine's
    # load: the target counts as met only when the back-to-back pairs agree and the estimate
    # for an idle machine does too
    met = ratio <= 2 and pairs <= 2 and idle <= 2
    verdict = (f"**The time target is met**: {ratio:.2f} times a bare `read_csv` (median of the "
               f"pairs {pairs:.2f}, idle-machine estimate {idle:.1f})." if met else
               f"**The time target is not met throughout**: {ratio:.2f} times a bare `read_csv` "
               f"best of {repeat}, {pairs:.2f} times in the median of the back-to-back pairs, "
               f"CPU time {cpu_ratio:.2f} times, and about {idle:.1f} times expected on an idle "
               "machine (target 2 times); issue 13 stays open on it.")
    why = f"""How it is read. The file is cut at a line end into two parts, each read in its own
thread by Arrow's CSV parser from a memory map (its pages mapped up front); only the columns
used are converted, as text exactly as written. Each 4 MiB batch loses its job-step lines (one
kernel on JobID) as soon as it is parsed, so the steps \
({timing['steps'] / rows:.0%} of the lines here) are never
copied; in the same thread the part's few-valued columns (State, AllocTRES, JobName, Account,
Partition, WCKey) are dictionary-encoded and its allocations worked out: GPUs per distinct
AllocTRES, durations, End before Start, problems located by line. The main thread then puts
the two parts end to end (merging their value lists, not their rows), drops duplicate records
and tags. The read is strict: Arrow refuses a line with another field count, blank lines and
empty JobIDs are found, and the whole part is checked to be UTF-8 without NUL bytes (numpy, in
the part's thread); a file that fails any of these is read the checked way (the line scan,
which locates and reports each bad line), exactly as before. The rules run once per distinct
combination of the columns they read, each pattern searched once per distinct value still
undecided (property-tested equal to tagging row by row); the parallel read is property-tested
equal to the checked one."""
    if not met:
        why += f"""

What remains above the target: the work after the parallel read, \
{timing['ingest_cpu_s'] - read:.2f} s of CPU time here (de-duplication: hashing the JobIDs of
the allocations; tagging: time-bounded regex searches over the distinct job names; the
summary), runs on one core while the bare read keeps two busy. On an idle machine expect about
{idle:.1f} times (the read in proportion to its CPU time, the rest counted as if on one core)."""
    return f"""{HEADING}

Measured by `python bench/bench_ingest.py --repeat {repeat}` on {dt.date.today().isoformat()};
machine: {_machine()}; pandas {_pandas_version()}. The machine was shared with other work: 1-minute
load average {timing['load_start']:.1f} at the start of the timed runs and {timing['load_end']:.1f}
at their end (2 cores: absolute times vary with the load; bare and gpulca runs alternate, so the
ratio is fair).

Input: a generated `sacct --parsable2` export of {rows:,} lines ({size / mb:.0f} MiB; 13 columns:
JobID, JobName, Account, Partition, State, Elapsed, ElapsedRaw, AllocTRES, NNodes, Start, End,
Comment, WCKey), of which {int(timing['allocations']):,} allocations and {int(timing['steps']):,}
job steps. Ingest = read, drop steps, count GPUs from AllocTRES, tag with
`scenarios/rules/default-rules.yaml` (14 rules), sum GPU-hours per phase; best of {repeat}
alternated runs.

| measure | bare `pandas.read_csv(path, sep="\\|")` | `gpulca` ingest + tag | ratio | target |
| --- | --- | --- | --- | --- |
| time | {bare:.2f} s | {timing['ingest_s']:.2f} s | {ratio:.2f} x bare | <= 2 x bare |
| time, median of the {repeat} back-to-back pairs | | | {timing['pair_ratio']:.2f} x bare | |
| CPU time, all threads | {timing['bare_cpu_s']:.2f} s | {timing['ingest_cpu_s']:.2f} s | \
{timing['ingest_cpu_s'] / timing['bare_cpu_s']:.2f} x bare | |
| peak memory growth | {bare_mib:.0f} MiB | {ingest_mib:.0f} MiB | {mem_ratio:.2f} x file size \
| <= 3 x file size |

Where gpulca's time goes: CPU time of each part (all threads; best of each part over the same
alternated runs, so the parts add up only roughly to the {timing['ingest_cpu_s']:.2f} s of the
whole), against the {bare_cpu:.2f} s of CPU time of the bare read:

| part | CPU time | share of the bare read's |
| --- | --- | --- |
| read, in two threads: Arrow's CSV parser, job steps dropped batch by batch, few-valued \
columns dictionary-encoded, GPUs per distinct AllocTRES, durations, End before Start \
(`gpulca.ingest.sacct.read_allocations`) | {read:.2f} s | {read / bare_cpu:.2f} |
| columns: the two parts end to end, de-duplication (rest of `gpulca.ingest.read_sacct`) \
| {columns:.2f} s | {columns / bare_cpu:.2f} |
| tagging: 14 rules per distinct combination of name, partition, wckey and state \
(`gpulca.ingest.tagging.tag_jobs`) | {tag:.2f} s | {tag / bare_cpu:.2f} |
| summary and rows (the rest of `gpulca.ingest.sacct_activity`) | {rest:.2f} s | \
{rest / bare_cpu:.2f} |

{verdict}

{why}

Bounded-memory path (`gpulca ingest sacct --stream`; chunks of 64 MiB of text), same run: \
{timing['stream_s']:.2f} s ({stream_ratio:.2f} x bare), peak memory growth {stream_mib:.0f} MiB \
({stream_mib * mb / size:.2f} x file size; it does not grow with the file beyond 16 bytes per \
allocation), GPU-hours {equal} to the in-memory path's. These are the per-partition figures of \
docs/scaling.md.

Peak memory growth is the peak resident set during the call (`VmHWM` of /proc/self/status, reset
through /proc/self/clear_refs just before it) minus the resident set before it, in a fresh
subprocess after imports and a warm-up on a tiny file.
"""


DASK_HEADING = "## Distributed ingestion (issue 19)"

_DASK = """
import resource, sys, time
from pathlib import Path
from dask.distributed import Client, LocalCluster
from gpulca.ingest.distributed import sacct_activity_distributed
from gpulca.ingest.rules import load_rules
from gpulca.ingest.streaming import file_partial, sacct_activity_streaming
folder, rules_path, workers = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
rules = load_rules(rules_path)
files = sorted(folder.iterdir())
t = time.perf_counter()
single = sacct_activity_streaming(files, rules)
single_s = time.perf_counter() - t
t = time.perf_counter()
file_partial(files[0], rules)
partition_s = time.perf_counter() - t
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                  dashboard_address=None) as cluster, Client(cluster) as client:
    client.run(lambda: __import__("gpulca.ingest.streaming"))
    base = client.run(peak)
    t = time.perf_counter()
    spread = sacct_activity_distributed(files, rules, client=client)
    dask_s = time.perf_counter() - t
    after = client.run(peak)
print({"single_s": single_s, "dask_s": dask_s, "partition_s": partition_s,
       "worker_peak_bytes": max(after.values()), "worker_base_bytes": max(base.values()),
       "equal": float(spread.summary.total_gpu_hours == single.summary.total_gpu_hours),
       "allocations": single.summary.allocations})
"""


def dask_section(rows: int, partitions: int, size: int, figures: dict[str, float],
                 workers: int) -> str:
    """The distributed-ingestion section: per-partition time and memory, Dask vs one process."""
    mb = 1024 * 1024
    equal = "equal to the last digit" if figures["equal"] else "DIFFERENT"
    return f"""{DASK_HEADING}

Measured by `python bench/bench_ingest.py --partitions {partitions}` on \
{dt.date.today().isoformat()}; machine: {_machine()}; 1-minute load average at the end: \
{os.getloadavg()[0]:.1f}.

Input: {partitions} generated `sacct --parsable2` exports of {rows // partitions:,} lines each \
({size / partitions / mb:.0f} MiB each, {int(figures['allocations']):,} allocations in all).

| measure | value |
| --- | --- |
| one partition, streamed in one process | {figures['partition_s']:.2f} s |
| all partitions, streamed in one process | {figures['single_s']:.2f} s |
| all partitions on `LocalCluster(n_workers={workers})` (processes, 1 thread each) | \
{figures['dask_s']:.2f} s |
| worker resident set before / peak | {figures['worker_base_bytes'] / mb:.0f} MiB / \
{figures['worker_peak_bytes'] / mb:.0f} MiB |
| GPU-hours, Dask vs one process | {equal} |

docs/scaling.md scales these figures up to a billion job records.
"""


def write_section(text: str, doc: Path = DOC, heading: str = HEADING) -> None:
    """Replace (or append) this benchmark's section of ``doc``, leaving the others untouched."""
    old = doc.read_text() if doc.exists() else "# Benchmarks\n"
    start = old.find(heading)
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        following = old.find("\n## ", start + len(heading))
        new = old[:start] + text + (old[following + 1:] if following >= 0 else "")
        new = new.replace(text + "## ", text + "\n## ")
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(new.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print, do not update the doc")
    parser.add_argument("--partitions", type=int, default=0,
                        help="measure distributed ingestion over this many files instead")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.partitions:
        _dask_main(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path, tiny = Path(tmp) / "sacct.txt", Path(tmp) / "tiny.txt"
        started = time.perf_counter()
        generate(path, args.rows)
        generate(tiny, 50, seed=1)
        print(f"generated {path.stat().st_size / 2**20:.0f} MiB in "
              f"{time.perf_counter() - started:.1f} s")
        timing = _run(_TIMING, str(path), str(RULES), str(args.repeat))
        memory = _run(_MEMORY, "ingest", str(path), str(tiny), str(RULES))
        bare_memory = _run(_MEMORY, "bare", str(path), str(tiny), str(RULES))
        stream_memory = _run(_MEMORY, "stream", str(path), str(tiny), str(RULES))
        text = _section(args.rows, path.stat().st_size, timing, memory, bare_memory,
                        stream_memory, args.repeat)
    print(text)
    if not args.no_write:
        write_section(text)


def _dask_main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "parts"
        folder.mkdir()
        for index in range(args.partitions):
            generate(folder / f"sacct-{index:03d}.txt", args.rows // args.partitions,
                     seed=10 + index, first_job=100000 + index * args.rows)
        size = sum(p.stat().st_size for p in folder.iterdir())
        figures = _run(_DASK, str(folder), str(RULES), str(args.workers))
        text = dask_section(args.rows, args.partitions, size, figures, args.workers)
    print(text)
    if not args.no_write:
        write_section(text, heading=DASK_HEADING)


if __name__ == "__main__":
    main()
