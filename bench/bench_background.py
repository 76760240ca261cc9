"""Benchmark: gpulca's background set-up against bw2io's importer path, side by side in one run.

Both install the same data into an empty Brightway project: the biosphere3 flows and the LCIA
methods bundled with bw2io. Each measurement is a fresh Python process on a fresh data directory
(after the imports, which both pay alike):

- gpulca: ``gpulca.engine.background.ensure_background`` (bw2io's biosphere3 importer, then every
  bundled method written column-wise with one write of the methods registry, plus gpulca's own
  regional water flows and method);
- bw2io: ``bw2io.create_default_biosphere3()`` then ``bw2io.create_default_lcia_methods()``, the
  importer path of ``bw2io.bw2setup()`` (strategies, linking, one ``Method.write`` per method),
  with the one fix it needs on bw2data 4.8: flow keys handed over as tuples, not lists.

Runs alternate (machines are noisy); the best of each is reported. Target: bw2io / gpulca >= 20.
Usage: ``python bench/bench_background.py [--repeat 2]``
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile

GPULCA = """
import time, sys
from gpulca.engine.project import gpulca_project
from gpulca.engine.background import ensure_background
with gpulca_project("gpulca", sys.argv[1]) as bd:
    start = time.perf_counter()
    ensure_background(bd)
    print(time.perf_counter() - start, len(bd.methods))
"""

BW2IO = """
import os, sys, time, io, contextlib, logging
os.environ["BRIGHTWAY2_DIR"] = sys.argv[1]
os.environ["BRIGHTWAY_NO_STRUCTLOG"] = "1"
os.environ["TQDM_DISABLE"] = "1"
logging.disable(logging.WARNING)
import bw2data as bd, bw2io
from bw2io.importers.base_lcia import LCIAImporter
# bw2io 0.9.17 hands bw2data 4.8 flow keys as lists, which Method.write refuses; the one fix
# needed to run its path is to make them tuples (the lookups and processing stay bw2io's).
LCIAImporter._reformat_cfs = lambda self, ds: [(tuple(cf["input"]), cf["amount"]) for cf in ds]
bd.projects.set_current("bench")
start = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    bw2io.create_default_biosphere3()
    bw2io.create_default_lcia_methods()
print(time.perf_counter() - start, len(bd.methods))
"""


def measure(script: str) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run([sys.executable, "-c", script, scratch], check=True,
                              capture_output=True, text=True)
    seconds, methods = done.stdout.split()[-2:]
    return float(seconds), int(methods)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    gpulca, bw2io = [], []
    for _ in range(args.repeat):
        gpulca.append(measure(GPULCA))
        bw2io.append(measure(BW2IO))
    fast, slow = min(t for t, _ in gpulca), min(t for t, _ in bw2io)
    load = os.getloadavg()[0]
    print(f"date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; "
          f"{os.cpu_count()} cores, Python {platform.python_version()}; load {load:.1f}")
    print(f"gpulca ensure_background: {fast:.2f} s ({gpulca[0][1]} methods; runs "
          f"{', '.join(f'{t:.2f}' for t, _ in gpulca)})")
    print(f"bw2io importer path:      {slow:.2f} s ({bw2io[0][1]} methods; runs "
          f"{', '.join(f'{t:.2f}' for t, _ in bw2io)})")
    print(f"ratio: {slow / fast:.1f}x (target >= 20x)")


if __name__ == "__main__":
    main()
