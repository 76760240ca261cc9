"""The tiny inventory solved by bw2calc equals hand arithmetic, for every phase, stage and method.

Inventory (tests/fixtures/tiny/inventory.yaml), per unit of reference product::

    tiny_gpu  --2 unit-->  tiny_chip        (10 kg CO2, 1e-3 kg Sb)
      |  \\--100 kWh-->  tiny_grid         (0.5 kg CO2 + 1 g CH4 fossil, 2 L Water to air,
      |                                      1e-7 kg Sb, 0.2 kg crude oil)
      +-- 50 kg CO2, 1 m3 Water to air
    tiny_host                               (800 kg CO2, 0.05 kg Sb)
    cooling_water_evaporated (per m3)       (1 m3 Water to air); cooling_water_returned: none
                                            characterised

Brightway 2.5 stores every matrix value (exchange amounts and characterisation factors) as float32
in its processed datapackages (bw_processing), so each stored input carries up to 6e-8 relative
rounding. The hand arithmetic below applies the same rounding to each stored value (``f32``) and
then must agree with bw2calc to 1e-9; demand amounts are float64 and are not rounded.

Study: 400 W card at load 0.5, 4 GPUs per 400 W host, PUE 1.5, WUE 2 L/kWh consumed and
3 L/kWh withdrawn, lifetime 1,000 h at utilisation 0.5; exploration 100 GPU-h, final training
10 GPUs x 30 h.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gpulca.pipeline.run import run_study


def f32(value: float) -> float:
    """A value as Brightway stores it in a matrix (float32)."""
    return float(np.float32(value))


TINY = Path(__file__).parent / "fixtures" / "tiny" / "study.yaml"

# Characterisation factors of the default methods (bw2io 0.9.17 bundled data).
CH4_GWP = f32(29.8)
AWARE_AIR = f32(42.95)
OIL_ADPF = f32(43.4)  # MJ per kg

# Per-unit impacts of each process, as (climate, water_use, water_consumption, minerals, energy).
# Amounts are in the flow's unit (1 g methane = 0.001 kg; 2 L water = 0.002 m3).
GRID = (f32(0.5) + f32(0.001) * CH4_GWP, f32(0.002) * AWARE_AIR, f32(0.002), f32(1e-7),
        f32(0.2) * OIL_ADPF)
CHIP = (10.0, 0.0, 0.0, f32(0.001), 0.0)
GPU = tuple(2 * c + 100 * g + own for c, g, own in
            zip(CHIP, GRID, (50.0, 1 * AWARE_AIR, 1.0, 0.0, 0.0), strict=True))
HOST = (800.0, 0.0, 0.0, f32(0.05), 0.0)
EVAPORATED = (0.0, AWARE_AIR, 1.0, 0.0, 0.0)
IMPACTS = ("climate_change", "water_use", "water_consumption", "minerals_metals", "energy")

IT_KW_PER_GPU = (400 * 0.5 + 400 / 4) / 1000  # 0.3 kW


def expected(gpu_hours: float) -> dict[str, tuple[float, ...]]:
    it_kwh = gpu_hours * IT_KW_PER_GPU
    stages = {
        "electricity": it_kwh * 1.5,
        "gpu_manufacturing": gpu_hours / (1000 * 0.5),
        "server_manufacturing": gpu_hours / 4 / (1000 * 0.5),
        "cooling_water": it_kwh * 2 / 1000,
    }
    per_unit = {"electricity": GRID, "gpu_manufacturing": GPU, "server_manufacturing": HOST,
                "cooling_water": EVAPORATED}
    return {stage: tuple(amount * v for v in per_unit[stage]) for stage, amount in stages.items()}


@pytest.fixture(scope="module")
def tiny_result(module_bw):
    return run_study(TINY, data_dir=module_bw)


@pytest.mark.parametrize("phase,gpu_hours", [("exploration", 100.0), ("final_training", 300.0)])
def test_every_score_equals_hand_arithmetic(tiny_result, phase, gpu_hours):
    scores = tiny_result.scores
    for stage, values in expected(gpu_hours).items():
        for impact, value in zip(IMPACTS, values, strict=True):
            got = scores.query("phase == @phase and stage == @stage and impact == @impact")
            assert len(got) == 1
            assert got["score"].iloc[0] == pytest.approx(value, rel=1e-9, abs=1e-15), \
                (phase, stage, impact)


def test_audit_keeps_intermediates(tiny_result):
    audit = tiny_result.audit.set_index("phase")
    row = audit.loc["exploration"]
    assert row["it_energy_kwh"] == pytest.approx(30.0, rel=1e-12)
    assert row["facility_energy_kwh"] == pytest.approx(45.0, rel=1e-12)
    assert row["cooling_water_evaporated_m3"] == pytest.approx(0.06, rel=1e-12)
    assert row["cooling_water_returned_m3"] == pytest.approx(0.03, rel=1e-12)
    assert row["gpu_units"] == pytest.approx(0.2, rel=1e-12)
    assert row["server_units"] == pytest.approx(0.05, rel=1e-12)
    assert audit.loc["final_training", "gpu_hours"] == pytest.approx(300.0)


def test_results_frame_has_documented_columns(tiny_result):
    from gpulca.results.frames import SCORE_COLUMNS

    assert tuple(tiny_result.scores.columns) == SCORE_COLUMNS
    units = dict(zip(tiny_result.scores["impact"], tiny_result.scores["unit"], strict=False))
    assert units["climate_change"] == "kg CO2-eq"
    assert set(tiny_result.scores["variant"]) == {"base"}
