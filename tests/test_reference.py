"""The ``reference:`` block, the row-level power and load fields and the development multiplier,
without Brightway (schemas, resolution problems and pure functions)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from pydantic import ValidationError

from gpulca.core.errors import InputError
from gpulca.core.units import UnitProblem, leading_unit
from gpulca.model.translate import STAGES, HardwareParameters, SiteParameters, row_quantities
from gpulca.results.frames import development_multiplier, phase_share
from gpulca.schemas.reference import Computation, Reference, Selection, Tolerance
from gpulca.schemas.scenario import ActivityRow
from gpulca.study.resolve import load_study

REPO = Path(__file__).resolve().parent.parent


def test_stage_literal_matches_the_translator() -> None:
    from typing import get_args

    from gpulca.schemas.reference import Stage

    assert get_args(Stage) == STAGES


@pytest.mark.parametrize(("data", "message"), [
    ({}, "give 'impact'"),
    ({"impact": "climate_change", "quantity": "gpu_hours"}, "exactly one"),
    ({"quantity": "gpu_hours", "stages": ["electricity"]}, "use it with 'impact'"),
    ({"quantity": "it_energy_kwh", "pue": 1.0}, "'pue' rescales electricity"),
    ({"impact": "climate_change", "pue": 0.9}, "greater than or equal to 1"),
    ({"quantity": "kwh"}, "Input should be"),
])
def test_selection_rejects(data: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Selection.model_validate(data)


def test_computation_takes_a_denominator() -> None:
    compute = Computation.model_validate({"impact": "climate_change", "stages": ["electricity"],
                                          "divide_by": {"quantity": "gpu_hours"}})
    assert compute.divide_by is not None and compute.divide_by.quantity == "gpu_hours"


def test_tolerance_relative_or_absolute() -> None:
    assert Tolerance(relative=0.005).allows(200, 200.9)
    assert not Tolerance(relative=0.005).allows(200, 201.1)
    assert Tolerance(absolute=0.3).allows(22.2, 22.5)
    assert not Tolerance(absolute=0.3).allows(22.2, 21.8)
    assert Tolerance(relative=0.005).describe() == "±0.5%"
    with pytest.raises(ValidationError, match="exactly one"):
        Tolerance(relative=0.1, absolute=1)
    with pytest.raises(ValidationError, match="exactly one"):
        Tolerance()


def test_reference_figure_ids_are_unique() -> None:
    figure = {"id": "B1", "what": "x", "value": 1, "unit": "kWh",
              "tolerance": {"relative": 0.01}, "compute": {"quantity": "it_energy_kwh"}}
    with pytest.raises(ValidationError, match="more than once: B1"):
        Reference.model_validate({"source": "paper", "figures": [figure, figure]})


@pytest.mark.parametrize(("text", "expected"), [
    ("kg CO2-eq", "kilogram"), ("lb CO2e", "pound"), ("t CO2-eq", "metric_ton"),
    ("%", "percent"), ("kg/h CO2-eq per GPU-hour", "kilogram / hour"),
    ("m3 world-eq deprived", "meter ** 3"), ("cubic meter", "meter ** 3"),
    ("kilowatt hour", "kilowatt_hour"), ("kWh", "kilowatt_hour"),
])
def test_leading_unit(text: str, expected: str) -> None:
    assert str(leading_unit(text)) == expected


def test_leading_unit_rejects_a_label_without_unit() -> None:
    with pytest.raises(UnitProblem, match="does not start with a known unit"):
        leading_unit("GPU-hours")


@pytest.mark.parametrize(("data", "message"), [
    ({"phase": "x", "gpu_hours": 10, "it_power": "1 kW"}, "give 'gpu_count' and 'wall_hours'"),
    ({"phase": "x", "gpu_count": 2, "wall_hours": 3, "it_power": "1 kW", "it_energy": "3 kWh"},
     "not both"),
    ({"phase": "x", "gpu_hours": 10, "it_energy": "3 kWh", "gpu_load": 0.5}, "no effect"),
    ({"phase": "x", "gpu_hours": 10, "gpu_load": 0}, "out of range: .* must be above 0"),
])
def test_activity_row_rejects(data: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ActivityRow.model_validate(data)


HARDWARE = HardwareParameters(accelerator="a", gpu_power_w=400, gpu_load=1.0, gpus_per_node=8,
                              node_overhead_w=800, lifetime_h=1000, utilisation=1.0,
                              gpu_process="gpu", server_process="host")
SITE = SiteParameters(grid_zone="Z", electricity_process="e", pue=1.5, wue_l_per_kwh=0,
                      wue_withdrawal_l_per_kwh=0, cooling_evaporation_process="c",
                      cooling_return_process="r")


def test_measured_job_power_replaces_the_modelled_power() -> None:
    # 8 GPUs for 10 h at a measured 1,515.43 W for the whole job.
    row = row_quantities("p", 80, HARDWARE, SITE, measured_it_power_per_gpu_kw=1.51543 / 8)
    assert row.it_energy_kwh == pytest.approx(15.1543)
    assert row.facility_energy_kwh == pytest.approx(15.1543 * 1.5)
    assert row.node_hours == 10
    modelled = row_quantities("p", 80, HARDWARE, SITE)
    assert modelled.it_power_per_gpu_kw == pytest.approx(0.5)  # 400 W + 800 W / 8


def _scores(final: float, other: float) -> pd.DataFrame:
    rows = [("s", "base", phase, phase, stage, "cc", "Climate", "m", score, "kg CO2-eq")
            for phase, score in (("final_training", final), ("ablation", other))
            for stage in ("electricity",)]
    return pd.DataFrame(rows, columns=["scenario", "variant", "phase", "phase_label", "stage",
                                       "impact", "impact_label", "method", "score", "unit"])


def test_development_multiplier() -> None:
    table = development_multiplier(_scores(4.0, 96.0))
    assert table.loc[0, "multiplier"] == pytest.approx(25.0)
    assert table.loc[0, "total"] == pytest.approx(100.0)
    assert development_multiplier(_scores(4.0, 96.0), final_phase="pretraining").empty


def test_phase_share() -> None:
    audit = pd.DataFrame({"phase": ["final_training", "ablation"], "gpu_hours": [4.0, 96.0]})
    assert phase_share(audit) == pytest.approx(0.04)


def _study_with_reference(tmp_path: Path, figure: dict) -> Path:
    data = yaml.safe_load((REPO / "scenarios" / "example.yaml").read_text(encoding="utf-8"))
    data["reference"] = {"source": "a paper", "figures": [figure]}
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")  # the shipped library is used
    return path


@pytest.mark.parametrize(("compute", "unit", "message"), [
    ({"impact": "climate"}, "kg", "unknown impact category; did you mean climate_change"),
    ({"impact": "climate_change", "phases": ["final"]}, "kg", "unknown phase"),
    ({"quantity": "gpu_hours"}, "GPU-hours", "does not start with a known unit"),
    ({"quantity": "gpu_hours", "divide_by": {"impact": "nope"}}, "%", "unknown impact"),
])
def test_load_study_checks_the_reference(tmp_path: Path, compute: dict, unit: str,
                                         message: str) -> None:
    path = _study_with_reference(tmp_path, {
        "id": "X1", "what": "x", "value": 1, "unit": unit, "tolerance": {"relative": 0.01},
        "compute": compute})
    with pytest.raises(InputError, match=message) as caught:
        load_study(path)
    assert all(p.path.startswith("reference.figures[0]") for p in caught.value.problems)


@pytest.mark.parametrize("name", ["example.yaml", "moshi-like.yaml",
                                  "replications/strubell2019.yaml", "replications/bloom2023.yaml"])
def test_shipped_studies_resolve(name: str) -> None:
    study = load_study(REPO / "scenarios" / name)
    assert study.rows


@pytest.mark.parametrize(("power", "message"), [
    ("1.5 kWh", "expected a power"), ("0 W", "expected a positive power"),
    ("-3 W", "expected a positive power")])
def test_load_study_checks_a_rows_power(tmp_path: Path, power: str, message: str) -> None:
    data = yaml.safe_load((REPO / "scenarios" / "example.yaml").read_text(encoding="utf-8"))
    data["activity"]["rows"] = [{"phase": "final_training", "gpu_count": 8, "wall_hours": 10,
                                 "it_power": power}]
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        load_study(path)
    assert caught.value.problems[0].path == "activity.rows[0].it_power"


def test_activity_csv_reads_power_and_load(tmp_path: Path) -> None:
    from gpulca.ingest.activity_csv import read_activity_csv

    path = tmp_path / "activity.csv"
    path.write_text("phase,gpu_hours,gpu_count,wall_hours,it_power_w,gpu_load\n"
                    "nas,,8,12,1415.78,\n"
                    "debugging,100,,,,0.4\n", encoding="utf-8")
    first, second = read_activity_csv(path)
    assert first.it_power == "1415.78 W" and first.total_gpu_hours == 96
    assert second.gpu_load == 0.4 and second.it_power is None


def test_documented_reference_block_is_valid() -> None:
    text = (REPO / "docs" / "reproducing-publications.md").read_text(encoding="utf-8")
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    reference = Reference.model_validate(yaml.safe_load(block)["reference"])
    assert reference.figures[0].compute.pue == 1.0
