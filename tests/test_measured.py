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
