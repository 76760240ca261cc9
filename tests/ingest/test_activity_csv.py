"""The activity CSV written by ingestion round-trips through read_activity_csv."""

from __future__ import annotations

import pytest

from gpulca.ingest.activity_csv import ACTIVITY_CSV_COLUMNS, read_activity_csv, write_activity_csv
from gpulca.ingest.summary import sacct_activity

from .conftest import DEFAULT_RULES


def test_round_trip(fixtures, tmp_path):
    rows = sacct_activity(fixtures / "sacct-basic.txt", DEFAULT_RULES).rows
    rows[0] = rows[0].model_copy(update={"it_energy": "1234.5 kWh", "model": "llm, 7b"})
    path = tmp_path / "activity.csv"
    write_activity_csv(rows, path)
    back = read_activity_csv(path)
    assert back == rows
    assert path.read_text().splitlines()[0] == ",".join(ACTIVITY_CSV_COLUMNS)
    assert path.read_text().splitlines()[1].startswith("final_training,672,,,h100_sxm_80gb,")


def test_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "activity.csv"
    path.write_text("old\n")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("gpulca.io.atomic.os.replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_activity_csv([], path)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["activity.csv"]


def test_round_trip_of_power_and_load(tmp_path):
    from gpulca.schemas.scenario import ActivityRow

    rows = [ActivityRow(phase="evaluation", gpu_count=8, wall_hours=2, it_power="1515.43 W"),
            ActivityRow(phase="debugging", gpu_hours=3, gpu_load=0.3)]
    path = tmp_path / "activity.csv"
    write_activity_csv(rows, path)
    assert read_activity_csv(path) == rows
