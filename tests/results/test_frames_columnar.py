"""The audit frame built column-wise equals the per-row ``dataclasses.asdict`` frame."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from gpulca.model.translate import RowQuantities
from gpulca.results.frames import audit_frame


def per_row_audit(scenario: str, variant: str, rows: list[RowQuantities]) -> pd.DataFrame:
    """The frame as built before (one dictionary per row)."""
    return pd.DataFrame.from_records([{"scenario": scenario, "variant": variant,
                                       **dataclasses.asdict(row)} for row in rows])


def quantities(i: int, extra: bool = False) -> RowQuantities:
    return RowQuantities(
        phase=f"phase{i % 3}", accelerator=None if extra else "h100", model=None if i % 2
        else "m", component=None, gpu_hours=0.0 if extra else float(i), node_hours=i / 8,
        it_power_per_gpu_kw=0.7, it_energy_kwh=i * 0.7, it_energy_measured=extra or i % 5 == 0,
        facility_energy_kwh=i * 1.1, cooling_water_evaporated_m3=0.1,
        cooling_water_returned_m3=0.0, gpu_units=1e-5 * i, server_units=0.0 if extra else 1e-6,
        gpu_process=None if extra else "gpu", server_process=None, electricity_process="el",
        cooling_evaporation_process="ev", cooling_return_process="ret")


@pytest.mark.parametrize("rows", [
    [], [quantities(1)], [quantities(i, extra=i == 3) for i in range(10)],
    [quantities(i, extra=True) for i in range(3)]])
def test_audit_frame_equals_the_per_row_frame(rows: list[RowQuantities]) -> None:
    pd.testing.assert_frame_equal(audit_frame("s", "v", iter(rows)),
                                  per_row_audit("s", "v", rows))


def test_the_audit_of_translated_columns_equals_the_per_row_audit() -> None:
    """The audit frame from the columnar translator (gpulca.model.columnar) is the frame of its
    rows: same columns, dtypes and values."""
    from tests.model.test_columnar import ROWS, columns

    table = columns(ROWS)
    rows = [table.row(i) for i in range(len(table))]
    got = audit_frame("s", "base", table)
    pd.testing.assert_frame_equal(got, audit_frame("s", "base", rows))
    pd.testing.assert_frame_equal(got, per_row_audit("s", "base", rows))


def test_audit_columns_and_subsets_are_the_frame() -> None:
    """AuditColumns (the trail kept as columns) gives the audit frame whole and a few columns
    at a time, equal to those of the frame."""
    from gpulca.results.frames import AuditColumns
    from tests.model.test_columnar import ROWS, columns

    table = columns(ROWS)
    trail = AuditColumns("s", "base", table)
    whole = audit_frame("s", "base", table)
    pd.testing.assert_frame_equal(trail.frame(), whole)
    names = ["phase", "gpu_hours", "it_energy_measured", "variant"]
    pd.testing.assert_frame_equal(trail.frame(names), whole[names])
