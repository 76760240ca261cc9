"""The translator's pure functions, checked against arithmetic written out by hand."""

from __future__ import annotations

import pytest

from gpulca.model import translate as t

SITE = t.SiteParameters("TZ", "grid", pue=1.2, wue_l_per_kwh=0.5, wue_withdrawal_l_per_kwh=2.0,
                        cooling_evaporation_process="evap", cooling_return_process="ret")
HW = t.HardwareParameters("card", gpu_power_w=700, gpu_load=0.8, gpus_per_node=8,
                          node_overhead_w=1200, lifetime_h=8760 * 4, utilisation=0.5,
                          gpu_process="gpu", server_process="host")


def test_it_power_includes_host_share():
    assert t.it_power_per_gpu_kw(700, 0.8, 1200, 8) == pytest.approx((560 + 150) / 1000)


def test_row_quantities_by_hand():
    q = t.row_quantities("ablation", 1000.0, HW, SITE, model="m")
    assert q.it_energy_kwh == pytest.approx(710.0)
    assert q.facility_energy_kwh == pytest.approx(852.0)
    assert q.cooling_water_evaporated_m3 == pytest.approx(0.355)
    assert q.cooling_water_returned_m3 == pytest.approx(710 * 1.5 / 1000)
    assert q.gpu_units == pytest.approx(1000 / (35040 * 0.5))
    assert q.server_units == pytest.approx(1000 / 8 / (35040 * 0.5))
    assert not q.it_energy_measured


def test_measured_energy_replaces_modelled_energy_but_not_amortisation():
    q = t.row_quantities("ablation", 1000.0, HW, SITE, measured_it_energy_kwh=500.0)
    assert q.it_energy_kwh == 500.0 and q.it_energy_measured
    assert q.facility_energy_kwh == pytest.approx(600.0)
    assert q.gpu_units == pytest.approx(1000 / (35040 * 0.5))


def test_extra_energy_scopes():
    it = t.extra_energy_quantities("idle", 100.0, "it", SITE)
    facility = t.extra_energy_quantities("idle", 100.0, "facility", SITE)
    assert it.facility_energy_kwh == pytest.approx(120.0) and it.cooling_water_evaporated_m3 > 0
    assert facility.facility_energy_kwh == 100.0 and facility.cooling_water_evaporated_m3 == 0
    assert it.gpu_units == facility.gpu_units == 0


def test_phase_demands_sum_rows_by_phase_and_stage():
    rows = [t.row_quantities("a", 10.0, HW, SITE), t.row_quantities("a", 30.0, HW, SITE),
            t.row_quantities("b", 5.0, HW, SITE)]
    demands = t.phase_demands(rows)
    assert list(demands) == ["a", "b"]
    assert demands["a"]["gpu_manufacturing"]["gpu"] == pytest.approx(40 / (35040 * 0.5))
    assert demands["a"]["electricity"]["grid"] == pytest.approx(40 * 0.71 * 1.2)
    assert set(demands["a"]["cooling_water"]) == {"evap", "ret"}
    total = t.total_demand(demands["b"])
    assert total["grid"] == pytest.approx(5 * 0.71 * 1.2)


def test_no_server_means_no_server_demand():
    hw = t.HardwareParameters("card", 700, 0.8, 8, 0.0, 8760, 1.0, "gpu", None)
    stages = t.stage_demands(t.row_quantities("a", 10.0, hw, SITE))
    assert stages["server_manufacturing"] == {}


def test_gpu_board_measurement_gets_the_host_share_added():
    q = t.row_quantities("ablation", 1000.0, HW, SITE, measured_it_energy_kwh=500.0,
                         measured_energy_scope="gpu")
    assert q.it_energy_kwh == pytest.approx(500.0 + 1000 * 1200 / 8 / 1000)
    assert t.host_share_energy_kwh(1000.0, 1200, 8) == pytest.approx(150.0)
