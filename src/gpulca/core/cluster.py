"""Dask set-up shared by every distributed path (log ingestion, Monte Carlo): one client, local
or on a scheduler; objects shipped to the workers with their units; results of many tasks
gathered in order, all or nothing.

- :func:`dask_client`: an existing ``dask.distributed.Client`` as given; else one connected to
  a scheduler address (``tcp://host:8786``, e.g. from dask-jobqueue on a Slurm cluster); else a
  ``LocalCluster`` on this machine, closed on exit. An address that does not answer is a located
  error (``--scheduler``), not a traceback.
- Every worker unpickles pint quantities into gpulca's one registry, not pint's default one
  (:class:`gpulca.core.dask_units.GpulcaUnits`, registered on the client's workers); an object
  sent by :func:`ship` is also unpickled so (:func:`gpulca.core.units.load_pickled`).
- :func:`gather_all`: the results of every task in submission order; a failed task (an error in
  it, a lost worker) cancels the rest and fails the whole run, naming the task: never a partial
  result. Problems are capped (:func:`capped`).

Dask is imported on use only (layer :mod:`gpulca.core`; nothing here touches Brightway).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from gpulca.core.errors import InputError, Problem

SHOWN_PROBLEMS = 20
"""Problems listed in a distributed run's error; the rest are counted."""
CONNECT_TIMEOUT = "20s"
"""How long to wait for a scheduler address to answer."""


def capped(problems: list[Problem], shown: int = SHOWN_PROBLEMS) -> list[Problem]:
    """The first ``shown`` problems, then one saying how many more there are."""
    if len(problems) <= shown:
        return problems
    return [*problems[:shown], Problem(None, "", f"... and {len(problems) - shown:,} more "
                                       "problems")]


@contextmanager
def dask_client(scheduler: str | None = None, client: Any = None, *,
                processes: bool = False, timeout: str = CONNECT_TIMEOUT) -> Iterator[Any]:
    """A ``dask.distributed.Client``: ``client`` itself (left open), else a new one on
    ``scheduler``, else on a new ``LocalCluster`` (worker processes when ``processes``, else
    threads; no dashboard); the new ones are closed on exit. ``timeout``: how long a
    scheduler address may take to answer.

    Raises:
        InputError: ``--scheduler`` when the address does not answer.
    """
    from gpulca.core.dask_units import GpulcaUnits

    if client is not None:
        client.register_plugin(GpulcaUnits())
        yield client
        return
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            own = Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise InputError(Problem(None, "--scheduler", "expected the address of a running "
                                     f"Dask scheduler ({type(exc).__name__}: {exc})",
                                     value=scheduler)) from exc
        cluster = None
    else:
        cluster = LocalCluster(processes=processes, dashboard_address=None,
                               threads_per_worker=1 if processes else None)
        own = Client(cluster)
    try:
        own.register_plugin(GpulcaUnits())
        yield own
    finally:
        own.close()
        if cluster is not None:
            cluster.close()


class Shipped:
    """``value``, pickled so that the receiving process unpickles it with gpulca's unit
    registry (:func:`gpulca.core.units.load_pickled`): the worker gets ``value`` itself."""

    __slots__ = ("blob",)

    def __init__(self, value: object) -> None:
        self.blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    def __reduce__(self) -> tuple[Callable[[bytes], Any], tuple[bytes]]:
        from gpulca.core.units import load_pickled

        return load_pickled, (self.blob,)


def ship(value: object) -> Shipped:
    """``value`` ready to be sent to Dask workers (see :class:`Shipped`)."""
    return Shipped(value)


def gather_all(client: Any, function: Callable[..., Any], shared: object,
               tasks: Sequence[tuple[Any, ...]], names: Sequence[str]) -> list[Any]:
    """``function(shared, *task)`` for every task on the cluster of ``client``, results in the
    order of ``tasks``. ``shared`` is sent once to every worker; each task's arguments with it.

    Raises:
        InputError: a task raised one (its problems are kept), or a task failed (an error in
            it, a lost or killed worker): named by ``names``; the other tasks are cancelled and
            nothing is returned.
    """
    [remote] = client.scatter([ship(shared)], broadcast=True, hash=False)
    futures = [client.submit(function, remote, *(ship(arg) for arg in task), pure=False)
               for task in tasks]
    results: list[Any] = []
    problems: list[Problem] = []
    try:
        for name, future in zip(names, futures, strict=True):
            try:
                results.append(future.result())
            except InputError as exc:
                problems += exc.problems
                break
            except Exception as exc:  # a lost worker, a crash: the run fails, never partial
                problems.append(Problem(None, name, task_failure(exc)))
                break
    finally:
        client.cancel([*futures, remote])
    if problems:
        raise InputError(capped(problems))
    return results


_LOST = ("KilledWorker", "FutureCancelledError", "CancelledError", "CommClosedError")
"""What Dask raises for a task whose worker died or was lost."""


def task_failure(exc: BaseException) -> str:
    """What to say of a Dask task that raised ``exc``."""
    kind = type(exc).__name__
    if kind in _LOST:
        return f"the Dask task failed: its worker was lost or killed ({kind}: {exc})"
    return f"the Dask task failed: {kind}: {exc}"
