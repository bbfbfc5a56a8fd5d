"""Where sweep tasks run. Every executor is a ``concurrent.futures.Executor``, so the sweep has
one code path: submit every pending point, store each as it completes.

* "serial": in this process, one point after another (debugging, tiny sweeps);
* "processes": a process pool on this machine (spawn-started: no fork of a process that may
  hold OpenMP or jax threads), one BLAS thread per worker; the workers die with the sweep
  (a parent-death signal on Linux, a watchdog everywhere), and an interrupted or terminated
  sweep stops them instead of waiting for their points;
* "dask": dask.distributed, on the scheduler at ``scheduler`` (e.g. "tcp://10.0.0.5:8786") or,
  without one, on a LocalCluster of ``workers`` processes; ``Client.get_executor()`` gives the
  same interface.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from qbcircuit._checks import QbcircuitError
from qbcircuit._install import pip_install
from qbcircuit._threads import THREADS_VARIABLE, available_threads

__all__ = [
    "DASK_INSTALL",
    "EXECUTORS",
    "SerialExecutor",
    "check_executor",
    "default_workers",
    "open_executor",
]

EXECUTORS = ("serial", "processes", "dask")
DASK_INSTALL = f"The dask executor needs dask.distributed: {pip_install('dask')}."
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
    return available_threads()


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:  # the sweep is gone: nobody will read this worker's result
            os._exit(1)


def _worker_start(parent: int) -> None:
    """In each pool worker: die with the parent, run BLAS on one thread (the pool is the
    parallelism; a multi-threaded BLAS per worker only contends)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    from threadpoolctl import threadpool_limits

    os.environ[THREADS_VARIABLE] = "1"  # every solve and Aer run in this worker: one thread
    threadpool_limits(limits=1)


@contextlib.contextmanager
def _terminating(pool: cf.ProcessPoolExecutor) -> Iterator[None]:
    """SIGTERM becomes an interrupt, and an interrupt stops the workers at once (the pool's
    own shutdown would wait for every running point)."""
    previous = signal.getsignal(signal.SIGTERM)

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    except BaseException:
        workers = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            process.terminate()
        for process in workers:
            process.join(timeout=10)
        pool.shutdown(wait=True)  # the pool notices its dead workers and releases its queues
        raise
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)


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
def _deferred_interrupt() -> Iterator[None]:
    """Hold an interrupt (Ctrl-C) until the block is done, then raise it: a LocalCluster
    interrupted while it starts leaves half-built workers that dask's exit hook reports in
    dozens of lines; once built, the cluster closes cleanly on the interrupt."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if held:
        raise KeyboardInterrupt


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
        # workers stopped mid-point may hold the pool's queue semaphores; the resource tracker
        # (a child started with this environment) unlinks them, and need not warn about it
        quiet = "ignore:resource_tracker:UserWarning"
        if quiet not in os.environ.get("PYTHONWARNINGS", ""):
            os.environ["PYTHONWARNINGS"] = ",".join(
                w for w in (os.environ.get("PYTHONWARNINGS", ""), quiet) if w
            )
        with (
            cf.ProcessPoolExecutor(
                max_workers=count,
                mp_context=context,
                initializer=_worker_start,
                initargs=(os.getpid(),),
            ) as pool,
            _terminating(pool),
        ):
            yield pool, 2 * count, f"{count} local processes"
        return
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise QbcircuitError(DASK_INSTALL) from None
    # an interrupt makes local workers log every cancelled task, and, on a busy machine, the
    # scheduler they lose as the cluster closes (with tracebacks): a point's failure reaches
    # the sweep as its exception, so the workers (spawned with this environment) log only
    # critical events and the scheduler (in this process) errors
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "critical")
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with dask.config.set({"logging": {"distributed": "error"}}), contextlib.ExitStack() as stack:
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
            with _deferred_interrupt():  # an interrupt mid start-up stops a whole cluster
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=count,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                    )
                )
            client = Client(cluster)
            description = f"dask LocalCluster of {count} workers"
        stack.enter_context(client)
        yield client.get_executor(), 2 * count, description
