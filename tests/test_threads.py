"""Threads are chosen per solve: one BLAS thread for small matrices, every core above
PARALLEL_DIMENSION, capped by $QBCIRCUIT_THREADS; sweep workers run on one."""

import pytest
from threadpoolctl import threadpool_info

from qbcircuit import QbcircuitError
from qbcircuit._threads import (
    PARALLEL_DIMENSION,
    THREADS_VARIABLE,
    available_threads,
    blas_threads,
    sized_threads,
    threads_for,
)
from qbcircuit.backends import aer_options


def blas_counts() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_small_solves_run_on_one_thread_large_ones_on_every_core(monkeypatch):
    monkeypatch.delenv(THREADS_VARIABLE, raising=False)
    assert threads_for(PARALLEL_DIMENSION - 1) == 1
    assert threads_for(PARALLEL_DIMENSION) == available_threads()
    monkeypatch.setenv(THREADS_VARIABLE, "1")
    assert threads_for(10 * PARALLEL_DIMENSION) == 1
    assert aer_options(method="statevector") == {"max_parallel_threads": 1, "method": "statevector"}


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_a_bad_thread_count_is_one_sentence(monkeypatch, value):
    monkeypatch.setenv(THREADS_VARIABLE, value)
    with pytest.raises(QbcircuitError, match=f"{THREADS_VARIABLE} must be a positive integer"):
        threads_for(8)


def test_a_solve_runs_under_its_own_thread_count(monkeypatch):
    monkeypatch.delenv(THREADS_VARIABLE, raising=False)

    @sized_threads(lambda dimension: dimension)
    def solve(dimension):
        return blas_counts()

    if not blas_counts():
        pytest.skip("no BLAS thread pool visible to threadpoolctl")
    assert solve(16) == {1}
    with blas_threads(PARALLEL_DIMENSION) as threads:
        assert threads == available_threads()
        assert solve(16) == {1}  # nested: the inner solve decides
