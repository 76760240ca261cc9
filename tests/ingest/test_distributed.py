"""sacct ingestion on Dask (LocalCluster, two workers): totals equal the single-process path;
a failed file fails the run; problems are capped."""

from __future__ import annotations

import shutil

import pytest

from gpulca.core.errors import InputError, Problem
from gpulca.ingest.distributed import capped, expand_logs, sacct_activity_distributed
from gpulca.ingest.summary import sacct_activity

from .conftest import DEFAULT_RULES

LOGS = ("sacct-basic.txt", "sacct-malformed.txt", "sacct-tab.txt", "sacct-old-gres.txt")


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None)
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


def _key(row):
    return (row.phase, row.model or "", row.accelerator or "", row.gpu_hours, row.comment)


def test_totals_equal_the_single_process_path(client, fixtures, tmp_path):
    for index, name in enumerate(LOGS):
        shutil.copy(fixtures / name, tmp_path / f"part-{index}.txt")
    files = expand_logs(tmp_path)
    local = sacct_activity(files, DEFAULT_RULES)
    spread = sacct_activity_distributed(str(tmp_path / "part-*.txt"), DEFAULT_RULES,
                                        client=client, chunk_bytes=100)
    assert spread.summary.total_gpu_hours == local.summary.total_gpu_hours
    assert sorted(map(_key, spread.rows)) == sorted(map(_key, local.rows))
    assert [str(p) for p in spread.summary.malformed] == \
        [str(p) for p in local.summary.malformed]  # file and line of each bad line


def test_a_failed_file_fails_the_run_with_its_name(client, fixtures, tmp_path):
    shutil.copy(fixtures / "sacct-basic.txt", tmp_path / "a.txt")
    (tmp_path / "b.txt").write_text("")
    with pytest.raises(InputError, match=r"b.txt:1: the file is empty"):
        sacct_activity_distributed(tmp_path, DEFAULT_RULES, client=client)


def test_overlapping_exports_are_refused_not_double_counted(client, fixtures, tmp_path):
    shutil.copy(fixtures / "sacct-basic.txt", tmp_path / "a.txt")
    shutil.copy(fixtures / "sacct-basic.txt", tmp_path / "b.txt")
    with pytest.raises(InputError, match=r"b.txt: .* already appear in another file"):
        sacct_activity_distributed(tmp_path, DEFAULT_RULES, client=client)


def test_problems_are_capped():
    problems = [Problem("f", "", "bad", i) for i in range(1, 31)]
    shown = capped(problems, 5)
    assert len(shown) == 6 and shown[-1].message == "... and 25 more problems"
