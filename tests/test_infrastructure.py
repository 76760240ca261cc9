"""The datacenter infrastructure (gpulca.study.infrastructure): on by default with the shipped
library, declared not assessed, never a silent zero in the results, and the located errors."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from gpulca.core.errors import InputError
from gpulca.io.yamlio import load_yaml
from gpulca.reports import tables as rp
from gpulca.results.frames import not_assessed_stages, phase_impact_table
from gpulca.study.resolve import load_study, resolve_study

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def moshi() -> dict[str, Any]:
    data, _ = load_yaml(REPO / "scenarios" / "moshi-like.yaml")
    assert isinstance(data, dict)
    return data


def test_shipped_studies_assess_building_network_storage_by_default(moshi) -> None:
    infra = resolve_study(moshi, REPO / "scenarios").site.infrastructure
    assert infra.building_process == "datacenter_building_share_per_kwh_it"
    assert infra.rack_process == "cluster_rack_share_per_gpu"
    assert infra.network_process == "cluster_network_share_per_gpu"
    assert infra.storage_process == "cluster_storage_share_per_gpu"
    # docs/sources/servers.md#cluster-shares: 0.06 switches x 240 W; 2 TB x 2.9 W/TB
    assert infra.network_power_per_gpu_w == pytest.approx(14.4)
    assert infra.storage_power_per_gpu_w == pytest.approx(5.8)


def test_a_part_declared_not_assessed_has_no_process(moshi) -> None:
    study = resolve_study({**moshi, "not_assessed": ["network"]}, REPO / "scenarios")
    infra = study.site.infrastructure
    assert infra.network_process is None and infra.network_power_per_gpu_w == 0.0
    assert infra.building_process and infra.storage_process
    records = {a.key: a.value for a in study.assumptions}
    assert records["infrastructure.network"] == "not assessed"


def test_a_host_that_contains_the_infrastructure_is_a_located_error(moshi) -> None:
    hardware = {**moshi["hardware"], "server": "hgx_h100_node_with_cluster_share"}
    with pytest.raises(InputError) as caught:
        resolve_study({**moshi, "hardware": hardware}, REPO / "scenarios")
    text = str(caught.value)
    assert "hardware.server" in text and "count twice" in text and "network" in text
    # declaring them not assessed is the way out
    resolve_study({**moshi, "hardware": hardware,
                   "not_assessed": ["building", "network", "storage"]}, REPO / "scenarios")


def test_a_figure_that_needs_a_not_assessed_stage_is_a_located_error(tmp_path) -> None:
    folder = tmp_path / "replications"
    shutil.copytree(REPO / "scenarios" / "replications", folder)
    study = folder / "strubell2019.yaml"
    old = "compute: {impact: climate_change, phases: [transformer_base], stages: [electricity]}"
    text = study.read_text()
    assert old in text
    study.write_text(text.replace(old, old.replace("[electricity]", "[electricity, building]")))
    with pytest.raises(InputError) as caught:
        load_study(study)
    (problem,) = caught.value.problems
    assert "strubell2019.yaml" in str(problem)
    assert ".stages[1]" in str(problem) and "not assessed" in str(problem)


def _scores(building: float) -> pd.DataFrame:
    rows = []
    for phase in ("a", "b"):
        for stage, score in (("electricity", 2.0), ("building", building)):
            rows.append({"phase": phase, "stage": stage, "impact": "cc", "score": score,
                         "unit": "kg"})
    return pd.DataFrame(rows)


def test_not_assessed_scores_are_nan_and_left_out_of_totals() -> None:
    scores = _scores(math.nan)
    assert not_assessed_stages(scores) == ["building"]
    assert not_assessed_stages(_scores(0.0)) == []          # assessed, and zero: a number
    assert phase_impact_table(scores).loc["total", "cc"] == 4.0
    table = rp.stage_table(scores)
    assert math.isnan(table.loc["building", "cc"]) and table.loc["total", "cc"] == 4.0
    assert table.loc["network", "cc"] == 0.0               # not in the frame: not declared
    assert rp.stage_heading("building", ["building"]) == "Datacenter building (not assessed)"
    assert math.isnan(rp.phase_stage_table(scores, "cc").loc["a", "building"])
