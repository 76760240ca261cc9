"""Benchmark: a siting sweep of N variants, fast path against a fresh bw2calc run per variant.

Both sides score the same demand vectors (every variant x phase x life-cycle stage, every impact
category of the study's methods) in the same Brightway project, in one run:

- fast: gpulca's path (:mod:`gpulca.engine.unitscores`): one bw2calc MultiLCA for a unit demand
  of every process the sweep demands (one matrix build and factorisation), then one matrix
  product;
- naive: for each variant, a fresh bw2calc MultiLCA over its (phase, stage) demand vectors, with
  its own data objects, matrices and factorisation (what ``gpulca run`` does for one study).

The results must agree to 1e-9 relative. Resolution and translation of the variants (shared by
both sides) are timed separately.

Usage::

    PYTHONPATH=src python bench/bench_siting.py [--variants 1000] [--data-dir DIR] [--study FILE]

Without ``--study`` the sweep is written over the test fixture library
(``tests/fixtures/siting``: 5 grid zones x PUE x WUE values), or with ``--inventories DIR`` over
the example study on that library (every grid zone x PUE values x up to 3 accelerators).
Without ``--data-dir`` a temporary Brightway directory is set up first (about 10 s, not timed).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "siting"


def library_sweep_study(directory: Path, count: int, inventories: Path) -> Path:
    """The example study over a library, swept over every zone x PUE x up to 3 accelerators."""
    from gpulca.library.inventory import load_library

    library = load_library([inventories])
    zones = sorted(library.grid_zones)
    accelerators = [a for a in ("h100_sxm_80gb", "a100_sxm4_80gb", "b200_180gb")
                    if a in library.accelerators] or ["h100_sxm_80gb"]
    pues = max(1, -(-count // (len(zones) * len(accelerators))))
    pue_values = [round(1.05 + 0.55 * i / max(pues - 1, 1), 4) for i in range(pues)]
    text = (ROOT / "scenarios" / "example.yaml").read_text()
    text = text.replace("\nsite:", f"\ninventories: [{inventories.resolve()}]\nsite:", 1)
    return _write_sweep(directory / "bench-library-sweep.yaml", text, {
        "site.grid_zone": zones, "site.pue": pue_values, "hardware.accelerator": accelerators})


def sweep_study(directory: Path, count: int) -> Path:
    """A study over the fixture library with a sweep of about ``count`` variants."""
    zones = ["FR", "CA-QC", "PL", "SG", "FR-2019"]
    per_zone = max(1, count // len(zones))
    pues = max(1, min(10, per_zone))
    wues = max(1, per_zone // pues)
    pue_values = [round(1.05 + 0.9 * i / max(pues - 1, 1), 4) for i in range(pues)]
    wue_values = [f"{round(2.5 * i / max(wues - 1, 1), 4)} L/kWh" for i in range(wues)]
    text = (FIXTURES / "study.yaml").read_text().split("variants:")[0]
    text = text.replace("inventories: [", "inventories: [" + ", ".join(
        str(FIXTURES / name) for name in ("cooling-water.yaml", "h100-hgx.yaml", "a100.yaml",
                                          "grids.yaml", "sites.yaml")) + "]\n# [")
    return _write_sweep(directory / "bench-sweep.yaml", text, {
        "site.grid_zone": zones, "site.pue": pue_values, "site.wue": wue_values})


def _write_sweep(path: Path, study_text: str, axes: dict[str, list[object]]) -> Path:
    """Write ``study_text`` with one sweep over ``axes`` (every combination) to ``path``."""
    lines = [f"        {key}: {values}" for key, values in axes.items()]
    path.write_text(study_text + "variants:\n  sweeps:\n    sweep:\n      axes:\n"
                    + "\n".join(lines).replace("'", '"') + "\n")
    return path


def naive(bd, bc, database, functional_units, methods):  # type: ignore[no-untyped-def]
    from gpulca.engine.solve import solve

    return {name: solve(bd, bc, database, fus, methods) for name, fus in functional_units.items()}


def max_relative_difference(fast: dict, slow: dict) -> float:
    worst = 0.0
    for name, scores in slow.items():
        for key, value in scores.items():
            other = fast[name][key]
            scale = max(abs(value), abs(other))
            if scale > 0:
                worst = max(worst, abs(value - other) / scale)
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=1000)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--study", default=None, help="a study with its own sweep")
    parser.add_argument("--inventories", default=None,
                        help="sweep the example study over this library's zones x PUE x "
                             "accelerators (e.g. inventories/) instead of the test fixtures")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from gpulca.engine.background import ensure_background
    from gpulca.engine.database import ensure_database
    from gpulca.engine.project import gpulca_project
    from gpulca.engine.unitscores import unit_scores
    from gpulca.pipeline.compare import compare_variants, variant_demands
    from gpulca.pipeline.run import stage_functional_units
    from gpulca.study.variants import load_variants

    scratch = Path(tempfile.mkdtemp(prefix="gpulca-bench-siting-"))
    try:
        if args.study:
            study = Path(args.study)
        elif args.inventories:
            study = library_sweep_study(scratch, args.variants, Path(args.inventories))
        else:
            study = sweep_study(scratch, args.variants)
        data_dir = Path(args.data_dir) if args.data_dir else scratch / "brightway"
        start = time.perf_counter()
        variants = load_variants(study)
        resolved_s = time.perf_counter() - start
        start = time.perf_counter()
        translated = variant_demands(variants)
        fus = {name: stage_functional_units(d) for name, (_, d) in translated.items()}
        translate_s = time.perf_counter() - start
        methods = variants.base.study.methods
        with gpulca_project("gpulca", data_dir) as bd:
            import bw2calc as bc

            ensure_background(bd)
            database = ensure_database(bd, variants.base.study.library)
            codes = {c for v in fus.values() for demand in v.values() for c in demand}
            start = time.perf_counter()
            table = unit_scores(bd, bc, database, codes, methods)
            fast = {name: table.solve(v) for name, v in fus.items()}
            fast_s = time.perf_counter() - start
            start = time.perf_counter()
            slow = naive(bd, bc, database, fus, methods)
            naive_s = time.perf_counter() - start
        start = time.perf_counter()
        compare_variants(variants, data_dir)
        whole_s = time.perf_counter() - start
        report(len(fus), sum(len(v) for v in fus.values()), len(methods.impact_categories),
               len(codes), {"resolve variants (schema + library)": resolved_s,
                            "translate to demand vectors": translate_s,
                            "fast: unit scores (1 MultiLCA) + matrix product": fast_s,
                            "naive: fresh MultiLCA per variant": naive_s,
                            "whole `compare_variants` (translate, solve, result frames, "
                            "comparison)": whole_s},
               max_relative_difference(fast, slow))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def report(variants: int, vectors: int, impacts: int, codes: int, times: dict[str, float],
           worst: float) -> None:
    machine = f"{_cpu()}, {_cores()} cores, Python {platform.python_version()}, " \
              f"numpy {np.__version__}, bw2calc {_version('bw2calc')}, scipy " \
              f"{_version('scipy')} (no PARDISO: SuperLU), 1-min load average at the end " \
              f"{os.getloadavg()[0]:.1f}"
    print(f"date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; machine: {machine}")
    print(f"{variants} variants x {vectors // max(variants, 1)} demand vectors x {impacts} "
          f"impact categories; {codes} distinct processes demanded")
    print("| step | time | per variant |\n|---|---|---|")
    for label, seconds in times.items():
        print(f"| {label} | {seconds:.3f} s | {1000 * seconds / variants:.3f} ms |")
    fast_s = times["fast: unit scores (1 MultiLCA) + matrix product"]
    naive_s = times["naive: fresh MultiLCA per variant"]
    print(f"speed-up of the LCA step: {naive_s / fast_s:.0f}x; max relative difference "
          f"{worst:.2e} ({'OK' if worst <= 1e-9 else 'FAIL'}: tolerance 1e-9)")


def compile_sources(*sources: Path) -> None:
    """Compile the source trees ``sources`` as pip compiles an installed wheel, so that no
    measured process pays for compiling gpulca's sources (PYTHONDONTWRITEBYTECODE, which some
    environments set, would make each one do it)."""
    import compileall

    for source in sources:
        compileall.compile_dir(source, quiet=1)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


if __name__ == "__main__":
    sys.exit(main())
