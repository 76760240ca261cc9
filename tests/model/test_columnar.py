"""The translator on columns (gpulca.model.columnar) against the per-row translator: the same
quantities for every row, and the same phase demands and operation model once rows are summed
by group."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gpulca.model import columnar as c
from gpulca.model import operation as op
from gpulca.model import translate as t
from gpulca.schemas.activity_table import ActivityTable
from gpulca.schemas.scenario import ActivityRow
from tests.test_operation import SITE  # the operation tests' tiny site

H100 = t.HardwareParameters("h100", gpu_power_w=700, gpu_load=0.8, gpus_per_node=8,
                            node_overhead_w=1200, lifetime_h=8760 * 4, utilisation=0.5,
                            gpu_process="gpu_h100", server_process="host")
A100 = t.HardwareParameters("a100", gpu_power_w=400, gpu_load=0.7, gpus_per_node=4,
                            node_overhead_w=800, lifetime_h=8760 * 5, utilisation=0.6,
                            gpu_process="gpu_a100", server_process=None)
HARDWARE = {"h100": H100, "a100": A100}
ROWS = [  # one of each kind, twice in places (hand-checkable)
    ActivityRow(phase="exploration", gpu_hours=100),
    ActivityRow(phase="exploration", gpu_hours=50.5, accelerator="a100", model="m1"),
    ActivityRow(phase="ablation", gpu_hours=10, gpu_load=0.3, component="tok"),
    ActivityRow(phase="exploration", gpu_hours=20, gpu_load=0.3),
    ActivityRow(phase="final_training", gpu_count=8, wall_hours=2, it_power="1515.43 W"),
    ActivityRow(phase="final_training", gpu_hours=30, it_energy="12 kWh", it_energy_scope="gpu",
                it_energy_gpu_hours=20),
    ActivityRow(phase="ablation", gpu_hours=0.0, accelerator="a100"),
]
EXTRA = [("idle", 40.0, "it"), ("exploration", 5.0, "facility")]


def per_row(rows: list[ActivityRow], site: t.SiteParameters = SITE) -> list[t.RowQuantities]:
    """The per-row translator as gpulca.pipeline.run.activity_quantities calls it."""
    out = []
    for row in rows:
        card = HARDWARE[row.accelerator or "h100"]
        if row.gpu_load is not None:
            card = dataclasses.replace(card, gpu_load=row.gpu_load)
        from gpulca.core.units import cached_magnitude

        energy = cached_magnitude(row.it_energy, "kWh") if row.it_energy else None
        power = cached_magnitude(row.it_power, "kW") / float(row.gpu_count or 1) \
            if row.it_power else None
        out.append(t.row_quantities(row.phase, row.total_gpu_hours, card, site, energy,
                                    row.model, row.component, power, row.it_energy_scope,
                                    row.it_energy_gpu_hours))
    return out + [t.extra_energy_quantities(p, kwh, scope, site) for p, kwh, scope in EXTRA]


def columns(rows: list[ActivityRow], site: t.SiteParameters = SITE) -> c.QuantityColumns:
    return c.table_quantities(ActivityTable.from_rows(rows), HARDWARE, "h100", site, EXTRA)


@pytest.mark.parametrize("site", [SITE, dataclasses.replace(
    SITE, infrastructure=t.InfrastructureParameters())], ids=["infrastructure", "servers"])
def test_every_row_equals_the_per_row_translator(site: t.SiteParameters) -> None:
    table = columns(ROWS, site)
    expected = per_row(ROWS, site)
    assert len(table) == len(expected)
    assert [table.row(i) for i in range(len(table))] == expected  # exact, float for float


def test_a_modelled_row_by_hand() -> None:
    row = columns(ROWS).row(0)  # 100 GPU-h of H100 at load 0.8: (560 + 150) W = 0.71 kW
    assert row.it_energy_kwh == pytest.approx(71.0)
    assert row.facility_energy_kwh == pytest.approx(71.0 * 1.2)
    assert row.server_units == pytest.approx(100 / 8 / (35040 * 0.5))
    assert row.building_it_energy_kwh == pytest.approx(71.0 + 1.5 + 0.5)


def test_groups_give_the_same_demands_and_operation_model() -> None:
    rows = ROWS * 3  # repeated rows fall into the same groups
    table = columns(rows)
    groups, cards = c.grouped_quantities(table)
    assert len(groups) < len(table)
    expected = per_row(rows)
    want = t.phase_demands(expected)
    got = t.phase_demands(groups)
    assert list(got) == list(want)  # phases in first-seen order
    for phase, stages in want.items():
        for stage, demand in stages.items():
            assert got[phase][stage] == pytest.approx(demand, rel=1e-12)
    hardware = [HARDWARE[r.accelerator or "h100"] for r in rows] + [None] * len(EXTRA)
    by_row = op.operation_model(expected, hardware, SITE)
    by_group = op.operation_model(groups, cards, SITE)
    assert by_group.phases == by_row.phases
    assert by_group.processes.keys() == by_row.processes.keys()
    for phase, demand in by_row.phase_demands().items():
        assert by_group.phase_demands()[phase] == pytest.approx(demand, rel=1e-12)
    for phase, stages in by_row.stage_demands().items():
        for stage, demand in stages.items():
            assert by_group.stage_demands()[phase][stage] == pytest.approx(demand, rel=1e-12)


def test_no_rows() -> None:
    table = c.table_quantities(ActivityTable.from_rows([]), HARDWARE, "h100", SITE)
    assert len(table) == 0 and c.grouped_quantities(table) == ([], [])


def test_texts_are_factorised() -> None:
    table = columns(ROWS)
    assert list(table.texts("accelerator")) == [r.accelerator for r in per_row(ROWS)]
    assert table.codes["phase"].dtype == np.int32


def test_a_shipped_study_as_columns_equals_its_rows() -> None:
    from gpulca.pipeline.run import activity_columns, activity_quantities
    from gpulca.study.resolve import load_study

    for name in ("replications/strubell2019.yaml", "moshi-like.yaml"):
        study = load_study(Path(__file__).parents[2] / "scenarios" / name)
        table = activity_columns(study)
        assert [table.row(i) for i in range(len(table))] == activity_quantities(study), name


@given(st.lists(st.integers(min_value=0, max_value=70), min_size=1, max_size=60),
       st.booleans())
def test_groups_of_keys_equal_numpys_unique(keys: list[int], wide: bool) -> None:
    """The counted groups (a small range of keys) and the sorted ones (a wide range) are
    ``np.unique``'s: distinct keys, the first row of each, each row's group."""
    key = np.array(keys, dtype=np.int64) * (10**9 if wide else 1)
    expected = np.unique(key, return_index=True, return_inverse=True)
    for got, want in zip(c._groups(key), expected, strict=True):
        assert got.tolist() == want.reshape(-1).tolist()
