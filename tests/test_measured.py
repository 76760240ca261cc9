"""The measured/modelled split of a row (model/measured.py) and its use by the translator."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gpulca.model.measured import measured_split


def test_partial_coverage_keeps_the_rest_modelled():
    # 3,072 GPU-h phase, a log of 4 GPU-h and 2 kWh; modelled 0.65 kW per GPU-h
    split = measured_split(3072, 2.0, 4.0, 0.65, 0.1, "it")
    assert split.covered_gpu_hours == 4 and split.measured_it_energy_kwh == 2.0
    assert split.modelled_it_energy_kwh == pytest.approx(3068 * 0.65)
    assert split.it_energy_kwh == pytest.approx(2 + 3068 * 0.65)


def test_gpu_scope_adds_the_host_share_of_the_covered_hours_only():
    split = measured_split(10, 2.0, 4.0, 0.5, 0.1, "gpu")
    assert split.measured_it_energy_kwh == pytest.approx(2.0 + 0.4)
    assert split.modelled_it_energy_kwh == pytest.approx(6 * 0.5)


@given(st.floats(0, 1e6), st.floats(0, 1e4), st.floats(0, 1e6), st.floats(0, 2))
def test_split_conserves_gpu_hours(hours, kwh, covered, power):
    split = measured_split(hours, kwh, covered, power, 0.0, "it")
    assert split.covered_gpu_hours + split.modelled_gpu_hours == pytest.approx(hours)
    assert split.it_energy_kwh >= kwh
    whole = measured_split(hours, kwh, None, power, 0.0, "it")
    assert whole.it_energy_kwh == kwh  # no coverage stated: the measurement is the whole row


def _card(power_w=700.0):
    from gpulca.model.translate import HardwareParameters

    return HardwareParameters(accelerator="h100", gpu_power_w=power_w, gpu_load=0.8,
                              gpus_per_node=8, node_overhead_w=800.0, lifetime_h=40000,
                              utilisation=0.85, gpu_process="g", server_process=None)


def test_implied_power_outside_the_accelerators_range_is_a_problem():
    from gpulca.schemas.scenario import ActivityRow, MeasuredEnergy
    from gpulca.study.measured import implied_power_problems

    rows = [ActivityRow(phase="final_training", gpu_hours=3072, it_energy="1.6e-07 kWh",
                        it_energy_gpu_hours=2.0),
            ActivityRow(phase="ablation", gpu_hours=10, it_energy="5 kWh",
                        it_energy_gpu_hours=10, it_energy_scope="gpu")]
    problems = implied_power_problems(rows, "h100", {"h100": _card()}, [], ("activity", "rows"))
    assert len(problems) == 1  # 500 W per GPU on a 700 W card is fine
    where, message, value = problems[0]
    assert where == ("activity", "rows", 0, "it_energy") and value == "1.6e-07 kWh"
    assert "outside the accelerator's 70-800 W range" in message  # IT scope: + 100 W of host
    deliberate = [MeasuredEnergy(phase="final_training", codecarbon="x.csv",
                                 partial="a smoke test")]
    assert implied_power_problems(rows, "h100", {"h100": _card()}, deliberate, ("a",)) == []


def test_row_quantities_keeps_the_uncovered_gpu_hours_modelled():
    from gpulca.model.translate import SiteParameters, row_quantities

    site = SiteParameters("FR", "e", 1.2, 1.0, 2.0, "c", "r")
    card = _card()
    modelled_kw = (700 * 0.8 + 800 / 8) / 1000
    whole = row_quantities("final_training", 3072, card, site)
    part = row_quantities("final_training", 3072, card, site, measured_it_energy_kwh=2.0,
                          measured_gpu_hours=4.0)
    assert whole.it_energy_kwh == pytest.approx(3072 * modelled_kw)
    assert part.it_energy_kwh == pytest.approx(2.0 + 3068 * modelled_kw)
    assert (part.measured_gpu_hours, part.measured_it_energy_kwh) == (4.0, 2.0)
    assert part.facility_energy_kwh == pytest.approx(part.it_energy_kwh * 1.2)
