"""Benchmark: cold first run, warm run and the bare Brightway import, side by side in one run.

Each measurement is a fresh Python process, as a user's command is:

- cold: ``gpulca run`` on the shipped example with an empty Brightway data directory and an
  empty gpulca cache (installs biosphere3 and the 762 bundled LCIA methods, builds the inventory
  database, solves);
- warm: the same command again (everything reused);
- import: ``python -c "import bw2calc, bw2data"``, the floor any Brightway tool pays.

Warm and import runs are interleaved (machines are noisy) and the median is reported; the target
is warm <= 2 x import.
Usage: ``python bench/bench_run.py [--repeat 5] [--write docs/benchmarks.md]``
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "scenarios" / "example.yaml"


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write", type=Path, default=None)
    args = parser.parse_args()
    gpulca = str(Path(sys.executable).parent / "gpulca")
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "BRIGHTWAY2_DIR": f"{scratch}/bw",
               "GPULCA_CACHE_DIR": f"{scratch}/cache"}
        Path(env["BRIGHTWAY2_DIR"]).mkdir()
        run = [gpulca, "run", str(EXAMPLE), "-o", f"{scratch}/out"]
        cold = timed(run, env)
        imports_env = {**env, "BRIGHTWAY2_DIR": f"{scratch}/imp"}
        Path(imports_env["BRIGHTWAY2_DIR"]).mkdir()
        warm, imports = [], []
        for _ in range(args.repeat):
            warm.append(timed(run, env))
            imports.append(timed([sys.executable, "-c", "import bw2calc, bw2data"], imports_env))
    warm_s, import_s = statistics.median(warm), statistics.median(imports)
    lines = [
        f"- Date: {datetime.date.today().isoformat()}; machine: {machine()}",
        f"- Cold first run (background install + database build + solve): {cold:.1f} s",
        f"- Warm run, median of {args.repeat}: {warm_s:.2f} s "
        f"(min {min(warm):.2f}, max {max(warm):.2f})",
        f"- `python -c \"import bw2calc, bw2data\"`, median of {args.repeat}: {import_s:.2f} s",
        f"- Warm run / import: **{warm_s / import_s:.2f}x** (target <= 2x)",
    ]
    print("\n".join(lines))
    if args.write:
        write_section(args.write, "Run time (issue 2)", "\n".join(lines))


def write_section(path: Path, title: str, body: str) -> None:
    """Replace (or append) the ``## title`` section of a Markdown file."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    header = f"## {title}"
    command = "Command: `python bench/bench_run.py --write docs/benchmarks.md`"
    section = f"{header}\n\n{command}\n\n{body}\n"
    if header in text:
        start = text.index(header)
        end = text.find("\n## ", start + len(header))
        text = text[:start] + section + (text[end + 1:] if end != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


if __name__ == "__main__":
    main()
