"""A comparison with its site-only variants translated column-wise
(``gpulca.pipeline.compare_columns``) equals the comparison translating each variant alone: the
same score array bit for bit, the same warnings and comparison frame; and the column-wise path
is taken where it should be."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gpulca.pipeline import compare_columns
from gpulca.pipeline.compare import compare_variants, variant_translator
from gpulca.results.comparison import differences_frame, parameters_frame
from gpulca.study.variants import load_variants
from tests.test_variants import write_study

REPO = Path(__file__).resolve().parents[2]

SWEEPS = {
    "zones x pue x wue": """
        sweeps:
          s:
            axes:
              site.grid_zone: [FR, PL, CA-QC]
              site.pue: [1.05, 1.2, 1.58, 2.0]
              site.wue: [0 L/kWh, 0.4 L/kWh, 1.8 L/kWh]
    """,
    "named variants beside a sweep, a small group alone": """
        define:
          poland: {overrides: {site.grid_zone: PL}}
          a100: {overrides: {hardware.accelerator: a100_sxm_80gb}}
        sweeps:
          s:
            axes:
              site.grid_zone: [SG, FR-2019]
              site.wue: [0 L/kWh, 0.1 L/kWh, 0.2 L/kWh, 0.3 L/kWh, 0.5 L/kWh, 1 L/kWh, 2 L/kWh,
                         3 L/kWh, 4 L/kWh]
          t:
            axes:
              site.pue: [1.1, 1.3]
    """,
}


def assert_same_comparison(study: Path, data_dir: Path) -> int:
    """Compare ``study`` column-wise and variant by variant; return how many variants went
    column-wise."""
    variants = load_variants(study)
    fast = compare_variants(variants, data_dir)
    alone = compare_variants(variants, data_dir, columnar=False)
    a, b = fast.score_array, alone.score_array
    assert a is not None and b is not None
    assert a.variants == b.variants and np.array_equal(a.offsets, b.offsets)
    assert a.scores.tobytes() == b.scores.tobytes()  # bit for bit, NaN where not assessed
    for column in ("phases", "phase_labels", "stages"):
        assert list(getattr(a, column)) == list(getattr(b, column))
    assert fast.warnings == alone.warnings
    pd.testing.assert_frame_equal(fast.comparison, alone.comparison)
    # the parameter frames made in one pass: those of the per-variant tables
    pd.testing.assert_frame_equal(fast.parameters, parameters_frame(variants))
    pd.testing.assert_frame_equal(fast.differences, differences_frame(variants))
    for name in list(variants.variants)[-3:]:  # a variant's own result: translated alone
        pd.testing.assert_frame_equal(fast.results[name].scores, alone.results[name].scores)
    translate = variant_translator(variants)
    return sum(len(g.names) for g in compare_columns.column_groups(
        variants, lambda name: translate(name)[0]))


@pytest.mark.parametrize("block", list(SWEEPS.values()), ids=list(SWEEPS))
def test_columnwise_equals_each_variant_alone(block: str, tmp_path: Path,
                                              module_bw: Path) -> None:
    grouped = assert_same_comparison(write_study(tmp_path, block), module_bw)
    assert grouped >= 2 * compare_columns.MIN_GROUP


def test_shipped_library_with_infrastructure(tmp_path: Path, module_bw: Path) -> None:
    """The shipped library assesses the datacenter's building, network and storage: their
    stages take the site's PUE and WUE too."""
    text = (REPO / "scenarios" / "siting-study.yaml").read_text().split("variants:")[0]
    study = tmp_path / "sweep.yaml"
    study.write_text(text + "variants:\n  sweeps:\n    s:\n      axes:\n"
                     "        site.grid_zone: [FR, DE, SE]\n"
                     "        site.pue: [1.1, 1.4, 1.7]\n"
                     "        site.wue: [0 L/kWh, 0.5 L/kWh, 2 L/kWh]\n")
    variants = load_variants(study)
    assert variants.base.study.site.infrastructure.network_process is not None
    assert assert_same_comparison(study, module_bw) == 27


def test_sweeps_of_hardware_are_not_grouped(tmp_path: Path, module_bw: Path) -> None:
    study = write_study(tmp_path, """
        sweeps:
          s:
            axes:
              site.pue: [1.1, 1.2, 1.3, 1.4, 1.5]
              hardware.lifetime: [4 year, 5 year]
    """)
    assert assert_same_comparison(study, module_bw) == 0
