"""How many threads a solve runs on: chosen per solve from the size of its dense matrices.

BLAS threads pay only for large matrices: on matrices below ``PARALLEL_DIMENSION`` the cost of
waking and synchronising threads exceeds the work (an eigvalsh of a 256-square matrix, the
MLE's small products, Runge-Kutta stage products), and on a busy machine a multi-threaded BLAS
waits for cores it does not get. So each solve runs its BLAS on one thread below that size and
on every available core above it, capped by the environment variable ``QBCIRCUIT_THREADS``
(a positive integer; 1 forces one thread everywhere). Aer's simulation threads follow the same
cap. Sweep workers run with ``QBCIRCUIT_THREADS=1``: the pool is the parallelism.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

from threadpoolctl import ThreadpoolController

from qbcircuit._checks import QbcircuitError

__all__ = [
    "PARALLEL_DIMENSION",
    "THREADS_VARIABLE",
    "available_threads",
    "blas_threads",
    "limit_blas",
    "sized_threads",
    "thread_cap",
    "threads_for",
]

THREADS_VARIABLE = "QBCIRCUIT_THREADS"
PARALLEL_DIMENSION = 1024
"""Dense matrices at least this large (rows) get more than one BLAS thread."""


def available_threads() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def thread_cap() -> int | None:
    """$QBCIRCUIT_THREADS as a positive integer, None when unset; a bad value is one sentence."""
    text = os.environ.get(THREADS_VARIABLE, "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise QbcircuitError(
            f"Environment variable {THREADS_VARIABLE} must be a positive integer, got {text!r}."
        )
    return value


def threads_for(dimension: int) -> int:
    """BLAS threads for a solve whose largest dense matrix has ``dimension`` rows."""
    wanted = 1 if dimension < PARALLEL_DIMENSION else available_threads()
    cap = thread_cap()
    return wanted if cap is None else max(1, min(wanted, cap))


P = ParamSpec("P")
R = TypeVar("R")


def sized_threads(dimension: Callable[..., int]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a solve: it runs under :func:`blas_threads` of ``dimension(*args, **kwargs)``
    (its largest dense matrix, from the same arguments)."""

    def decorate(solve: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(solve)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with blas_threads(dimension(*args, **kwargs)):
                return solve(*args, **kwargs)

        return run

    return decorate


@contextlib.contextmanager
def blas_threads(dimension: int) -> Iterator[int]:
    """Run the block with :func:`threads_for` (``dimension``) BLAS threads; yields the count."""
    threads = threads_for(dimension)
    with limit_blas(threads):
        yield threads


_controller: tuple[int, ThreadpoolController] | None = None


def limit_blas(threads: int) -> contextlib.AbstractContextManager[object]:
    """threadpoolctl's BLAS limit of ``threads`` for a block. Its controller (a scan of the
    loaded native libraries, about a millisecond) is kept, and made again when an import has
    added modules since, so that a library loaded later is limited too."""
    global _controller
    if _controller is None or _controller[0] != len(sys.modules):
        _controller = (len(sys.modules), ThreadpoolController())
    return _controller[1].limit(limits=threads, user_api="blas")
