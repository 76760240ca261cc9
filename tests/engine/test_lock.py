"""Several gpulca processes on one Brightway directory (issue 18): each gets a lone run's numbers.

bw2data keeps a project's database and method lists in whole-file JSON stores that every process
reads once and rewrites whole; before the data directory was locked, a run started a few seconds
after another on a fresh directory wiped the first one's half-installed background and the first
run exited 0 with impacts at exactly 0.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from gpulca.cli import main
from gpulca.engine.background import BACKGROUND_MARKER, STARTED_MARKER, interrupted_setup
from gpulca.engine.lock import DataDirLockedError, data_dir_lock

REPO = Path(__file__).resolve().parents[2]


def _start(data_dir: Path, out: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO / "src"), os.environ.get("PYTHONPATH", "")]), "COLUMNS": "80"}
    return subprocess.Popen(
        [sys.executable, "-m", "gpulca", "run", str(REPO / "scenarios/moshi-like.yaml"),
         "--data-dir", str(data_dir), "-o", str(out)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_concurrent_runs_on_a_fresh_directory_each_give_the_lone_result(bw_shipped_dir,
                                                                        tmp_path):
    lone = CliRunner().invoke(main, ["run", str(REPO / "scenarios/moshi-like.yaml"),
                                     "--data-dir", str(bw_shipped_dir),
                                     "-o", str(tmp_path / "lone")])
    assert lone.exit_code == 0, lone.output
    expected = (tmp_path / "lone" / "results.csv").read_bytes()

    fresh = tmp_path / "fresh"
    runs = [_start(fresh, tmp_path / f"at-once-{i}") for i in range(2)]
    time.sleep(2.0)  # the first ones are installing the background now
    runs.append(_start(fresh, tmp_path / "later"))
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (_, stderr) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, stderr
    assert any("waiting for the Brightway data directory" in err for _, err in outputs)
    for name in ("at-once-0", "at-once-1", "later"):
        assert (tmp_path / name / "results.csv").read_bytes() == expected, name


def test_the_lock_is_reentrant_and_a_held_lock_times_out(tmp_path, monkeypatch):
    heard: list[str] = []
    with data_dir_lock(tmp_path, "test"), data_dir_lock(tmp_path, "nested"):
        pass  # one process does not wait for itself
    held = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from gpulca.engine.lock import data_dir_lock\n"
         "with data_dir_lock(Path(sys.argv[1]), 'holding for a test'):\n"
         "    print('locked', flush=True); time.sleep(30)", str(tmp_path)],
        env={**os.environ, "PYTHONPATH": str(REPO / "src")}, stdout=subprocess.PIPE, text=True)
    try:
        assert held.stdout is not None and held.stdout.readline().strip() == "locked"
        monkeypatch.setenv("GPULCA_LOCK_TIMEOUT", "0.2")
        with pytest.raises(DataDirLockedError, match="holding for a test"), \
                data_dir_lock(tmp_path, "test", heard.append):
            pass
        assert heard and f"process {held.pid}" in heard[0]
    finally:
        held.kill()
        held.wait()
    with data_dir_lock(tmp_path, "test"):  # a killed holder's lock is free again
        pass


def _fake_project(preferences: dict[str, object], databases: list[str], methods: int
                  ) -> SimpleNamespace:
    return SimpleNamespace(preferences=preferences, databases=databases,
                           methods=list(range(methods)))


def test_an_interrupted_setup_is_told_apart_from_a_fresh_project():
    assert not interrupted_setup(_fake_project({}, [], 0))
    assert interrupted_setup(_fake_project({STARTED_MARKER: True}, [], 0))
    assert interrupted_setup(_fake_project({}, ["biosphere3"], 10))
    complete = {BACKGROUND_MARKER: {"version": 1, "methods": 1}}
    assert not interrupted_setup(_fake_project(complete, ["biosphere3"], 1))
