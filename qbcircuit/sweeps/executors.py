"""Where sweep tasks run. Every executor is a ``concurrent.futures.Executor``, so the sweep has
one code path: submit every pending point, store each as it completes.

* "serial": in this process, one point after another (debugging, tiny sweeps);
* "processes": a process pool on this machine (spawn-started: no fork of a process that may
  hold OpenMP or jax threads);
* "dask": dask.distributed, on the scheduler at ``scheduler`` (e.g. "tcp://10.0.0.5:8786") or,
  without one, on a LocalCluster of ``workers`` processes; ``Client.get_executor()`` gives the
  same interface.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterator
from typing import Any

from qbcircuit._checks import QbcircuitError

__all__ = [
    "DASK_INSTALL",
    "EXECUTORS",
    "SerialExecutor",
    "check_executor",
    "default_workers",
    "open_executor",
]

EXECUTORS = ("serial", "processes", "dask")
DASK_INSTALL = 'The dask executor needs dask.distributed: pip install -e ".[dask]".'
SCHEDULER_TIMEOUT_S = 5


class SerialExecutor(cf.Executor):
    """Runs each task when it is submitted, in this process; exceptions go to its future.
    With one task in flight the sweep runs the points in order, one at a time."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        future: cf.Future[Any] = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:
            future.set_exception(error)
        return future


def default_workers() -> int:
    """The CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def check_executor(kind: str, workers: int | None, scheduler: str | None) -> None:
    if kind not in EXECUTORS:
        raise QbcircuitError(f"Argument `executor` must be one of {EXECUTORS}, got {kind!r}.")
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise QbcircuitError(f"Argument `workers` must be an integer >= 1, got {workers!r}.")
    if scheduler is not None and kind != "dask":
        raise QbcircuitError(f"Argument `scheduler` needs executor='dask', got {kind!r}.")


@contextlib.contextmanager
def open_executor(
    kind: str, *, workers: int | None = None, scheduler: str | None = None
) -> Iterator[tuple[cf.Executor, int, str]]:
    """The executor, how many tasks to keep in flight on it, and a one-line description;
    closed on exit. An unreachable scheduler or a missing dask is one sentence, before any
    task runs."""
    check_executor(kind, workers, scheduler)
    if kind == "serial":
        yield SerialExecutor(), 1, "serial"
        return
    if kind == "processes":
        count = workers or default_workers()
        context = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
            yield pool, 2 * count, f"{count} local processes"
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise QbcircuitError(DASK_INSTALL) from None
    with contextlib.ExitStack() as stack:
        if scheduler is not None:
            try:
                client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
            except (OSError, TimeoutError, ValueError) as error:
                raise QbcircuitError(
                    f"Cannot reach the dask scheduler at {scheduler!r} within "
                    f"{SCHEDULER_TIMEOUT_S} s ({type(error).__name__}); is it running?"
                ) from None
            count = max(1, len(client.scheduler_info().get("workers", {})))
            description = f"dask scheduler {scheduler} ({count} workers now)"
        else:
            count = workers or default_workers()
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None
                )
            )
            client = Client(cluster)
            description = f"dask LocalCluster of {count} workers"
        stack.enter_context(client)
        yield client.get_executor(), 2 * count, description
