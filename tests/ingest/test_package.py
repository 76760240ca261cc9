"""``gpulca.ingest`` exports its readers lazily: every name resolves, and reading an activity
CSV does not import the sacct, rules and energy readers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import gpulca.ingest as ingest


def test_every_exported_name_resolves() -> None:
    assert sorted(ingest._EXPORTS) == sorted(ingest.__all__)
    for name in ingest.__all__:
        value = getattr(ingest, name)
        assert value.__name__ == name and value.__module__.startswith("gpulca.ingest.")
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        ingest.nothing  # noqa: B018


def test_an_activity_csv_imports_no_log_reader(tmp_path) -> None:
    csv = tmp_path / "activity.csv"
    csv.write_text("phase,gpu_hours\nexploration,1\n")
    script = ("import json, sys\n"
              "from gpulca.ingest.loader import load_activity_table\n"
              "from gpulca.schemas.scenario import ActivitySpec\n"
              f"load_activity_table(ActivitySpec(source='t', file={str(csv)!r}), '.')\n"
              "print(json.dumps(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, env=dict(os.environ), timeout=120)
    modules = set(json.loads(done.stdout))
    assert "gpulca.ingest.activity_csv" in modules
    for name in ("sacct", "rules", "streaming", "distributed", "summary", "scan"):
        assert f"gpulca.ingest.{name}" not in modules
