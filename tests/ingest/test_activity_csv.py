"""The activity CSV written by ingestion round-trips through read_activity_csv."""

from __future__ import annotations

import pytest

from gpulca.activity import read_activity_csv, write_activity_csv
from gpulca.ingest.summary import sacct_activity

from .conftest import DEFAULT_RULES


def test_round_trip(fixtures, tmp_path):
    rows = sacct_activity(fixtures / "sacct-basic.txt", DEFAULT_RULES).rows
    rows[0] = rows[0].model_copy(update={"it_energy": "1234.5 kWh", "model": "llm, 7b"})
    path = tmp_path / "activity.csv"
    write_activity_csv(rows, path)
    back = read_activity_csv(path)
    assert back == rows
    assert path.read_text().splitlines()[0] == (
        "phase,gpu_hours,gpu_count,wall_hours,accelerator,model,component,it_energy_kwh,comment")


def test_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "activity.csv"
    path.write_text("old\n")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("gpulca.activity.os.replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_activity_csv([], path)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["activity.csv"]
