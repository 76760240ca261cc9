"""An activity CSV read ahead (gpulca.ingest.prefetch) while ``gpulca run`` is imported: taken
only for the same file unchanged, and then the same table, problems and hash as without it."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from gpulca.core.errors import InputError
from gpulca.ingest import prefetch
from gpulca.ingest.activity_csv import read_activity_table

CSV = ("phase,gpu_hours,accelerator,model,gpu_load,comment\n"
       "exploration,10.5,h100_sxm_80gb,small,0.5,\n"
       "final_training,200,a100_sxm_80gb,large,,rerun\n")


def _study(tmp_path: Path, csv: str = CSV, activity: str = "file: activity.csv") -> Path:
    (tmp_path / "activity.csv").write_text(csv)
    study = tmp_path / "study.yaml"
    study.write_text(f"name: s\nactivity:\n  source: test\n  {activity}\n")
    return study


def _same(a: object, b: object) -> bool:
    for field in dataclasses.fields(a):  # type: ignore[arg-type]
        x, y = getattr(a, field.name), getattr(b, field.name)
        if dataclasses.is_dataclass(x):
            if not _same(x, y):
                return False
        elif isinstance(x, np.ndarray):
            if not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
                return False
        elif x != y:
            return False
    return True


def test_read_ahead_is_taken_and_reads_the_same(tmp_path: Path) -> None:
    study = _study(tmp_path)
    csv = tmp_path / "activity.csv"
    plain = read_activity_table(csv)
    prefetch.start_prefetch(study)
    ahead = prefetch.take(csv)
    assert ahead is not None and ahead.table is not None
    assert ahead.sha256 == hashlib.sha256(csv.read_bytes()).hexdigest()
    prefetch.start_prefetch(study)
    assert _same(read_activity_table(csv), plain)
    assert prefetch.take(csv) is None  # taken once
    assert prefetch.known_digest(csv) == hashlib.sha256(csv.read_bytes()).hexdigest()


def test_a_file_changed_since_is_read_again(tmp_path: Path) -> None:
    study = _study(tmp_path)
    csv = tmp_path / "activity.csv"
    prefetch.start_prefetch(study)
    prefetch.forget()
    assert prefetch.take(csv) is None  # forgotten
    prefetch.start_prefetch(study)
    prefetch.take(tmp_path / "other.csv")  # (waits for the read ahead)
    prefetch.start_prefetch(study)
    changed = CSV.replace("10.5", "12.5")
    csv.write_text(changed)
    os.utime(csv, ns=(1, 1))  # whatever the clock: another file
    table = read_activity_table(csv)
    assert table.gpu_hours.tolist() == [12.5, 200.0]
    assert prefetch.known_digest(csv) == hashlib.sha256(changed.encode()).hexdigest()
    csv.write_text(CSV)
    os.utime(csv, ns=(2, 2))
    assert prefetch.known_digest(csv) is None  # changed since it was read: hash it again


def test_read_ahead_problems_are_the_readers(tmp_path: Path) -> None:
    study = _study(tmp_path, CSV.replace("10.5", "-3"))
    csv = tmp_path / "activity.csv"
    with pytest.raises(InputError) as plain:
        read_activity_table(csv)
    prefetch.start_prefetch(study)
    with pytest.raises(InputError) as ahead:
        read_activity_table(csv)
    assert str(ahead.value) == str(plain.value) and "activity.csv:2: gpu_hours" in str(plain.value)


@pytest.mark.parametrize("activity", ["rows: []", "file: missing.csv", "file: [1]",
                                      "file: activity.csv\n  energy: [{phase: x}]"])
def test_nothing_read_ahead_when_the_study_names_no_plain_csv(tmp_path: Path,
                                                              activity: str) -> None:
    study = _study(tmp_path, activity=activity)
    prefetch.start_prefetch(study)
    assert prefetch.take(tmp_path / "activity.csv") is None
    (tmp_path / "bad.yaml").write_text("name: [unclosed\n")
    prefetch.start_prefetch(tmp_path / "bad.yaml")  # a broken study: nothing, no error
    assert prefetch.take(tmp_path / "activity.csv") is None
