"""Monte Carlo in chunks of draws, in this process or spread over a Dask cluster, with the same
numbers either way.

A Monte Carlo run (``gpulca run --uncertainty N``) or an uncertain comparison (``gpulca compare
--uncertainty N``) is cut into chunks of a FIXED number of draws (:data:`DRAW_CHUNK`; a
comparison also into groups of :data:`VARIANT_GROUP` variants). Each chunk draws its own rows of
the seeded quantile matrix (:func:`gpulca.core.sampling.quantile_rows`: the generator jumps to
the chunk's first row), so its draws do not depend on the number of workers, on where it runs,
nor on the chunk size: they are the very bytes the whole matrix has at those rows. The
single-process path evaluates the same chunks one after the other; ``--dask`` (a
``LocalCluster`` of worker processes) or ``--scheduler ADDRESS`` sends them to Dask workers
(:mod:`gpulca.core.cluster`, the set-up ``gpulca ingest sacct --dask`` uses). The chunks' results
are put back in draw order and the statistics (mean, percentiles, Sobol indices) computed once,
on the client, by the same functions: equal to the last digit, because every number is the same
function of the same inputs (the same numpy and scipy on a CPU of the same kind).

The Brightway work (bw2calc's matrices, read once on the client) travels to the workers as numpy
arrays inside the study's model; a worker never opens a Brightway project. A failed chunk (an
error in it, a lost worker) fails the whole run, naming the chunk: never a partial statistic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

DRAW_CHUNK = 10_000
"""Draws per chunk. Fixed: the chunks (and so the numbers) do not depend on the workers."""
VARIANT_GROUP = 100
"""Variants per task of a distributed uncertain comparison."""


@dataclass(frozen=True)
class Cluster:
    """Where the chunks run: this process (the default), a new local Dask cluster (``dask``),
    a Dask scheduler's cluster (``scheduler`` address) or an existing ``client``."""

    dask: bool = False
    scheduler: str | None = None
    client: Any = None

    @property
    def distributed(self) -> bool:
        return self.dask or bool(self.scheduler) or self.client is not None


LOCAL = Cluster()


def cluster_of(dask: bool = False, scheduler: str | None = None, client: Any = None
               ) -> Cluster:
    """The :class:`Cluster` of the ``--dask`` and ``--scheduler`` options."""
    return Cluster(dask, scheduler or None, client)


def chunk_bounds(rows: int, size: int = DRAW_CHUNK) -> list[tuple[int, int]]:
    """``(start, stop)`` of each chunk of ``size`` rows out of ``rows``."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, got {size}")
    return [(start, min(start + size, rows)) for start in range(0, rows, size)]


Runner = Callable[[Callable[..., Any], object, Sequence[tuple[Any, ...]], Sequence[str]],
                  list[Any]]
"""``runner(function, shared, tasks, names)``: ``[function(shared, *task) for task in tasks]``,
here or on Dask (:func:`chunk_runner`)."""


def in_process(function: Callable[..., Any], shared: object,
                tasks: Sequence[tuple[Any, ...]], names: Sequence[str]) -> list[Any]:
    return [function(shared, *task) for task in tasks]


@contextmanager
def chunk_runner(cluster: Cluster = LOCAL) -> Iterator[Runner]:
    """A :data:`Runner` on ``cluster``; a Dask client it opened is closed on exit."""
    if not cluster.distributed:
        yield in_process
        return
    from gpulca.core.cluster import dask_client, gather_all

    with dask_client(cluster.scheduler, cluster.client, processes=True) as client:
        def on_dask(function: Callable[..., Any], shared: object,
                    tasks: Sequence[tuple[Any, ...]], names: Sequence[str]) -> list[Any]:
            return gather_all(client, function, shared, tasks, names)

        yield on_dask
