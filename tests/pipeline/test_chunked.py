"""Monte Carlo on Dask (LocalCluster: two worker processes): ``run`` and ``compare`` under
uncertainty give the single-process numbers to the last digit, whatever the chunking and the
workers; a failed chunk fails the run, naming it, with no partial statistic."""

from __future__ import annotations

import operator
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from gpulca.cli import main
from gpulca.core.cluster import dask_client, gather_all
from gpulca.core.errors import InputError
from gpulca.core.sampling import quantile_rows, uniform_quantiles
from gpulca.pipeline import uncertainty
from gpulca.pipeline.chunked import chunk_bounds
from gpulca.pipeline.uncertain_compare import compare_uncertainty
from gpulca.pipeline.uncertainty import run_uncertainty

FIXTURES = Path(__file__).parent.parent / "fixtures"
STUDY = FIXTURES / "uncertain" / "study.yaml"
SITING = FIXTURES / "siting" / "study.yaml"


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


@pytest.fixture(scope="module")
def dask_bw(bw_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("bw-dask") / "brightway"
    shutil.copytree(bw_template, target)
    return target


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40), st.integers(1, 5), st.integers(0, 2 ** 32))
def test_a_chunk_draws_the_rows_of_the_whole_matrix(start, length, inputs, seed):
    whole = uniform_quantiles(start + length, inputs, seed)
    assert np.array_equal(quantile_rows(start, start + length, inputs, seed), whole[start:])


def test_chunk_bounds_cover_every_row_once():
    assert chunk_bounds(25, 10) == [(0, 10), (10, 20), (20, 25)]
    assert chunk_bounds(0, 10) == []


def test_run_on_dask_equals_the_single_process_run(client, dask_bw):
    local = run_uncertainty(STUDY, 200, seed=4, data_dir=dask_bw, sobol=8, chunk_draws=70)
    spread = run_uncertainty(STUDY, 200, seed=4, data_dir=dask_bw, sobol=8, chunk_draws=70,
                             client=client)
    assert local.uncertainty.statistics.to_csv() == spread.uncertainty.statistics.to_csv()
    assert local.uncertainty.sensitivity is not None
    assert local.uncertainty.sensitivity.equals(spread.uncertainty.sensitivity)
    # the workers got numpy arrays: none of them imported Brightway
    loaded = client.run(lambda: sorted({m.split(".")[0] for m in __import__("sys").modules}))
    assert all("numpy" in mods and not {"bw2data", "bw2calc", "bw_processing"} & set(mods)
               for mods in loaded.values())


def test_compare_on_dask_equals_the_single_process_compare(client, dask_bw):
    local = compare_uncertainty(SITING, 90, seed=3, data_dir=dask_bw, chunk_draws=40)
    spread = compare_uncertainty(SITING, 90, seed=3, data_dir=dask_bw, chunk_draws=40,
                                 variant_group=2, client=client)
    assert list(local.totals) == list(spread.totals)
    for name, totals in local.totals.items():
        assert np.array_equal(totals, spread.totals[name])  # common random numbers kept
    assert local.variants.to_csv() == spread.variants.to_csv()
    assert local.ranks.to_csv() == spread.ranks.to_csv()


def test_a_failed_chunk_fails_the_run_naming_it(client, dask_bw, monkeypatch):
    with pytest.raises(InputError, match=r"task 2: the Dask task failed: ZeroDivisionError"):
        gather_all(client, operator.floordiv, 1, [(1,), (0,), (2,)],
                   ["task 1", "task 2", "task 3"])
    # a chunk function that cannot run on the workers: the run stops, no partial result
    monkeypatch.setattr(uncertainty, "_draw_chunk", operator.truediv)
    with pytest.raises(InputError, match=r"Monte Carlo draws 1 to 70: the Dask task failed"):
        run_uncertainty(STUDY, 140, seed=4, data_dir=dask_bw, sobol=0, chunk_draws=70,
                        client=client)


def test_an_address_with_no_scheduler_is_a_located_error():
    with pytest.raises(InputError, match="--scheduler"), \
            dask_client("tcp://127.0.0.1:9", timeout="1s"):
        pass


def test_cli_run_on_a_scheduler_writes_the_single_process_bytes(client, dask_bw, tmp_path):
    common = ["run", str(STUDY), "--uncertainty", "150", "--seed", "2", "--sobol", "0",
              "--data-dir", str(dask_bw)]
    local = CliRunner().invoke(main, [*common, "-o", str(tmp_path / "local")])
    spread = CliRunner().invoke(main, [*common, "-o", str(tmp_path / "dask"), "--scheduler",
                                       client.scheduler.address])
    assert local.exit_code == 0 and spread.exit_code == 0, spread.output
    assert (tmp_path / "local" / "uncertainty.csv").read_bytes() == \
        (tmp_path / "dask" / "uncertainty.csv").read_bytes()
    alone = CliRunner().invoke(main, ["run", str(STUDY), "--dask", "--data-dir", str(dask_bw),
                                      "-o", str(tmp_path / "none")])
    assert alone.exit_code == 2 and "--uncertainty" in alone.output
    assert not (tmp_path / "none").exists()


def test_a_killed_worker_fails_the_run_naming_the_chunk(client):
    """Last in this module: it kills one of the cluster's workers (its nanny restarts it)."""
    import os

    with pytest.raises(InputError, match=r"draws 1 to 10: the Dask task failed"):
        gather_all(client, os._exit, 3, [()], ["Monte Carlo draws 1 to 10"])
