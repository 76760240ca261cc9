"""Project handling: gpulca-owned projects only, background installed once, nothing half-built."""

from __future__ import annotations

import time

import pytest

from gpulca.core.errors import ProjectError
from gpulca.engine.background import (
    BACKGROUND_MARKER,
    background_is_complete,
    ensure_background,
)
from gpulca.engine.project import gpulca_project


def test_refuses_projects_it_does_not_own(bw_dir):
    with pytest.raises(ProjectError, match="not a gpulca project"):
        with gpulca_project("default", bw_dir):
            pass


def test_background_is_reused(bw_dir):
    with gpulca_project("gpulca", bw_dir) as bd:
        assert background_is_complete(bd)
        start = time.perf_counter()
        assert ensure_background(bd) is False
        assert time.perf_counter() - start < 1.0
        # 762 methods bundled with bw2io, plus gpulca's regionalised water and withdrawal methods
        assert "biosphere3" in bd.databases and len(bd.methods) == 762 + 2


def test_import_does_not_create_default_project_in_data_dir(tmp_path):
    target = tmp_path / "fresh"
    with gpulca_project("gpulca-scratch", target) as bd:
        names = {p.name for p in bd.projects}
    assert names == {"gpulca-scratch"}


def test_incomplete_background_is_rebuilt_and_user_data_kept(bw_dir):
    with gpulca_project("gpulca", bw_dir) as bd:
        bd.Database("my-own").write({("my-own", "a"): {"name": "a", "unit": "kilogram",
                                                       "exchanges": []}})
        # Simulate an interrupted first set-up: the completion marker was never written.
        del bd.preferences[BACKGROUND_MARKER]
        bd.preferences.flush()
        assert not background_is_complete(bd)
        calls = []
        assert ensure_background(bd, lambda *a: calls.append(a)) is True
        assert background_is_complete(bd) and calls
        assert "my-own" in bd.databases


def test_failed_database_write_leaves_no_database(bw_dir, monkeypatch, repo):
    from gpulca.engine.bundled import bundled_flow_index
    from gpulca.engine.database import database_name, ensure_database
    from gpulca.library.inventory import load_library, resolve_library
    from gpulca.library.water import located_copies

    resolved = resolve_library(load_library([repo / "tests/fixtures/tiny/inventory.yaml"]),
                               bundled_flow_index())
    with gpulca_project("gpulca", bw_dir) as bd:
        import bw2data.backends.base as backend

        def explode(self, *args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(backend.SQLiteBackend, "write", explode)
        with pytest.raises(RuntimeError, match="disk full"):
            ensure_database(bd, resolved)
        assert database_name(resolved) not in bd.databases
        monkeypatch.undo()
        name = ensure_database(bd, resolved)
        assert bd.databases[name]["gpulca_complete"] is True
        # every library process, plus the located copies of site cooling (gpulca.library.water)
        assert len(bd.Database(name)) == len(resolved.library.processes) + \
            len(located_copies(resolved))
        assert ensure_database(bd, resolved) == name  # reused, not rewritten
