"""Server operation as processes (gpulca.model.operation): one GPU-hour of an accelerator at a
site, checked by hand, against the translator's stage demands, and in Brightway."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpulca.model import operation as op
from gpulca.model import translate as t

INFRA = t.InfrastructureParameters(building_process="bld", rack_process="rack",
                                   network_process="net", network_power_per_gpu_w=15.0,
                                   storage_process="sto", storage_power_per_gpu_w=5.0)
SITE = t.SiteParameters("TZ", "grid", pue=1.2, wue_l_per_kwh=0.5, wue_withdrawal_l_per_kwh=2.0,
                        cooling_evaporation_process="evap", cooling_return_process="ret",
                        infrastructure=INFRA)
HW = t.HardwareParameters("card", gpu_power_w=700, gpu_load=0.8, gpus_per_node=8,
                          node_overhead_w=1200, lifetime_h=8760 * 4, utilisation=0.5,
                          gpu_process="gpu", server_process="host")


def test_gpu_hour_process_by_hand() -> None:
    process = op.gpu_hour_process(HW, SITE, {"site.pue": "study.yaml:3"})
    amounts = {e.input: e.amount for e in process.exchanges
               if e.stage not in ("network", "storage")}
    assert process.unit == "hour" and process.kind == op.GPU_HOUR
    assert amounts["grid"] == pytest.approx(0.71 * 1.2)          # (560 + 150) W -> kW x PUE
    assert amounts["evap"] == pytest.approx(0.71 * 0.5 / 1000)   # m3 evaporated
    assert amounts["ret"] == pytest.approx(0.71 * 1.5 / 1000)    # m3 withdrawn and returned
    assert amounts["gpu"] == pytest.approx(1 / (35040 * 0.5))
    assert amounts["host"] == pytest.approx(1 / 8 / (35040 * 0.5))
    electricity = next(e for e in process.exchanges if e.input == "grid")
    assert electricity.stage == "electricity"
    assert "PUE 1.2" in electricity.formula and "study.yaml:3" in electricity.source
    assert {e.stage for e in process.exchanges} == set(t.STAGES)


def test_infrastructure_exchanges_by_hand() -> None:
    process = op.gpu_hour_process(HW, SITE)
    by_stage: dict[str, dict[str, float]] = {}
    for e in process.exchanges:
        by_stage.setdefault(e.stage, {})[e.input] = e.amount
    life = 35040 * 0.5
    assert by_stage["network"]["net"] == pytest.approx(1 / life)      # amortised like the GPU
    assert by_stage["network"]["grid"] == pytest.approx(0.015 * 1.2)  # 15 W x 1 h x PUE
    assert by_stage["network"]["evap"] == pytest.approx(0.015 * 0.5 / 1000)
    assert by_stage["storage"]["grid"] == pytest.approx(0.005 * 1.2)
    assert by_stage["building"]["rack"] == pytest.approx(1 / life)
    assert by_stage["building"]["bld"] == pytest.approx(0.71 + 0.015 + 0.005)  # IT kWh


def test_not_assessed_parts_have_no_exchanges() -> None:
    site = dataclasses.replace(SITE, infrastructure=t.InfrastructureParameters(
        network_process="net", network_power_per_gpu_w=15.0))
    stages = {e.stage for e in op.gpu_hour_process(HW, site).exchanges}
    assert "network" in stages and not stages & {"building", "storage"}
    row = t.row_quantities("a", 10.0, HW, site)
    demands = t.stage_demands(row)
    assert demands["building"] == {} and demands["storage"] == {}


def test_activity_data_keeps_stage_formula_and_source() -> None:
    data = op.gpu_hour_process(HW, SITE).activity_data()
    exchange = data["exchanges"][0]  # type: ignore[index]
    assert {"gpulca_stage", "gpulca_formula", "gpulca_source"} <= set(exchange)


def _model(rows: list[t.RowQuantities], hardware: list[t.HardwareParameters | None]
           ) -> op.OperationModel:
    return op.operation_model(rows, hardware, SITE)


def _close(a: dict[str, dict[str, float]], b: dict[str, dict[str, float]],
           gross: float = 0.0) -> bool:
    """Equal to 1e-12 relative, or to 1e-13 of ``gross`` (the modelled amounts before a
    measured energy replaced them: their difference loses that much to cancellation)."""
    for phase in {*a, *b}:
        for stage in t.STAGES:
            x, y = a.get(phase, {}).get(stage, {}), b.get(phase, {}).get(stage, {})
            for code in {*x, *y}:
                if not math.isclose(x.get(code, 0.0), y.get(code, 0.0), rel_tol=1e-12,
                                    abs_tol=1e-12 + 1e-13 * gross):
                    return False
    return True


def test_modelled_rows_are_gpu_hours_only() -> None:
    rows = [t.row_quantities("a", 1000.0, HW, SITE), t.row_quantities("a", 500.0, HW, SITE)]
    model = _model(rows, [HW, HW])
    assert not model.corrections
    (code, hours), = model.gpu_hours["a"].items()
    assert hours == 1500.0 and code.startswith("gpu_hour|card|TZ|")
    assert _close(model.stage_demands(), t.phase_demands(rows))


def test_measured_energy_is_a_stated_it_energy_correction() -> None:
    rows = [t.row_quantities("a", 1000.0, HW, SITE, measured_it_energy_kwh=500.0)]
    model = _model(rows, [HW])
    (correction,) = model.corrections
    assert correction.process.startswith("it_energy|TZ|") and correction.stage is None
    assert correction.amount == pytest.approx(500.0 - 710.0)   # measured - modelled IT kWh
    assert "measured" in correction.reason
    assert _close(model.stage_demands(), t.phase_demands(rows))


def test_extra_facility_energy_is_demanded_directly() -> None:
    rows = [t.extra_energy_quantities("idle", 100.0, "facility", SITE),
            t.extra_energy_quantities("idle", 100.0, "it", SITE)]
    model = _model(rows, [None, None])
    kinds = {(c.process.split("|")[0], c.stage) for c in model.corrections}
    # facility energy: the building share is charged on facility kWh / PUE, directly
    assert kinds == {("grid", "electricity"), ("bld", "building"), ("it_energy", None)}
    assert _close(model.stage_demands(), t.phase_demands(rows))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.floats(0, 1e6),
                          st.one_of(st.none(), st.floats(0, 1e6)),
                          st.one_of(st.none(), st.floats(0.05, 1.0)),
                          st.sampled_from(["it", "gpu"])), min_size=1, max_size=6))
def test_stage_demands_equal_the_translator(rows_spec: list[tuple[str, float, float | None,
                                                                  float | None, str]]) -> None:
    """Whatever a row measured or overrode, the processes plus corrections make the same
    stage demands as :func:`gpulca.model.translate.phase_demands`."""
    rows, hardware = [], []
    for phase, hours, measured, load, scope in rows_spec:
        row_hw = HW if load is None else dataclasses.replace(HW, gpu_load=load)
        rows.append(t.row_quantities(phase, hours, row_hw, SITE, measured_it_energy_kwh=measured,
                                     measured_energy_scope=scope))
        hardware.append(HW)
    gross = sum(hours for _, hours, *_ in rows_spec)
    assert _close(_model(rows, hardware).stage_demands(), t.phase_demands(rows), gross)


def test_database_alone_reproduces_the_study(module_bw: Path, repo: Path) -> None:
    """Open the project as Activity Browser would: a demand of GPU-hours of the operation
    process, solved by bw2calc, gives the study's score (float32 storage of the exchanges)."""
    import bw2calc as bc

    from gpulca.engine.project import gpulca_project
    from gpulca.pipeline.run import run_study

    result = run_study(repo / "scenarios" / "example.yaml", data_dir=module_bw)
    assert result.operation is not None and result.operation_database
    total = float(result.scores.loc[result.scores["impact"] == "climate_change", "score"].sum())
    with gpulca_project("gpulca", module_bw) as bd:
        database = bd.Database(result.operation_database)
        (process,) = [a for a in database if a["gpulca_kind"] == op.GPU_HOUR]
        hours = sum(d.get(process["code"], 0.0) for d in result.operation.gpu_hours.values())
        assert not result.operation.corrections and hours == 100_000
        lca = bc.LCA({process.id: hours},
                     ("IPCC 2021", "climate change", "global warming potential (GWP100)"))
        lca.lci()
        lca.lcia()
        exchange = next(iter(process.technosphere()))
        assert exchange["gpulca_formula"] and exchange["gpulca_source"]
    assert lca.score == pytest.approx(total, rel=1e-6)


def test_measured_energy_far_below_the_model_still_checks(module_bw: Path) -> None:
    """A large negative correction: the float32 check scales with the GPU-hours' own score."""
    from gpulca.pipeline.run import run_study

    study = {
        "name": "measured-low", "site": {"site": "industry_average", "grid_zone": "FR"},
        "hardware": {"accelerator": "h100_sxm_80gb", "server": "hgx_h100_host",
                     "lifetime": {"value": "5 year", "assumption": "test"},
                     "utilisation": {"value": 0.8, "assumption": "test"}},
        "activity": {"source": "test", "rows": [
            {"phase": "final_training", "gpu_hours": 1_000_000, "it_energy": "10 kWh"}]},
    }
    result = run_study(study, data_dir=module_bw)
    assert result.operation is not None
    (correction,) = result.operation.corrections
    assert correction.amount == pytest.approx(10 - 1_000_000 * 0.682, rel=1e-9)
    assert float(result.audit["facility_energy_kwh"].sum()) == pytest.approx(15.6)
