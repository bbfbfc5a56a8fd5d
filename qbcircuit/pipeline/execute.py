"""Execute: a plan's PUBs on its backend, in jobs of at most ``size`` PUBs with one shot count
each (the runtime deprecates mixed shots in one job); counts come back dense per register.

:func:`execute` runs a whole plan on a local backend and returns its counts; the job file
(:mod:`qbcircuit.jobs`) submits the same jobs one by one (:func:`submit_job`) and stores each
one's counts (:func:`job_counts`) as it finishes or when it is fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from qbcircuit._checks import QbcircuitError
from qbcircuit.backends import active_qubits, dense_counts
from qbcircuit.pipeline.plan import Plan

__all__ = ["Counts", "execute", "job_counts", "job_ranges", "job_seeds", "submit_job"]

Counts = dict[str, NDArray[np.int64]]
"""Dense counts of one PUB per classical register, pooled over its parameter rows."""


def job_ranges(shots: Sequence[int], size: int) -> list[tuple[int, int]]:
    """PUB ranges of at most ``size`` with one shot count each.

    >>> job_ranges([5, 5, 5, 2], 2)
    [(0, 2), (2, 3), (3, 4)]
    """
    ranges, start = [], 0
    for stop in range(1, len(shots) + 1):
        if stop == len(shots) or stop - start == size or shots[stop] != shots[start]:
            ranges.append((start, stop))
            start = stop
    return ranges


def job_seeds(plan: Plan, jobs: int) -> list[int]:
    """One sampler seed per job, from the experiment's seed."""
    stream = np.random.SeedSequence(plan.experiment.seed).spawn(3)[2]
    return [int(s) for s in stream.generate_state(jobs)]


def submit_job(
    plan: Plan, start: int, stop: int, *, seed: int | None, mode: Any = None, sampler: Any = None
) -> Any:
    """Submit PUBs start..stop-1 (a primitive job: ``job_id()``, ``result()``); ``mode`` is
    what the backend's ``batch()`` yielded, ``sampler`` replaces the backend's own."""
    if sampler is None:
        sampler = plan.backend.sampler(
            seed=seed,
            width=plan.experiment.width,
            qubits=active_qubits(plan.circuits),
            mode=mode,
        )
        experiment = plan.experiment
        sampler = plan.backend.configure(
            sampler, twirls=experiment.twirls, decoupling=experiment.decoupling
        )
    return sampler.run(plan.pubs(start, stop))


def job_counts(result: Any, meta: Sequence[dict[str, Any]]) -> list[Counts]:
    """Dense counts of every PUB of a job's result, by the registers its ``meta`` names."""
    return [dense_counts(pub, m["registers"]) for pub, m in zip(result, meta, strict=True)]


def execute(
    plan: Plan,
    *,
    size: int = 100,
    sampler: Any = None,
    progress: bool = False,
    on_job: Callable[[int, list[Counts]], None] | None = None,
) -> list[Counts]:
    """Run every PUB of ``plan`` on its (local) backend, or through ``sampler``; return the
    counts of each PUB in plan order. ``on_job(k, counts)`` is called as job k finishes."""
    if not plan.backend.local and sampler is None:
        raise QbcircuitError(
            f"{plan.backend.spec} runs jobs remotely; submit them with `qbcircuit submit` and "
            "fetch them with `qbcircuit collect`."
        )
    ranges = job_ranges(plan.shots, size)
    seeds = job_seeds(plan, len(ranges))
    out: list[Counts] = []
    with plan.backend.batch() as mode:
        for k, (start, stop) in enumerate(
            tqdm(ranges, desc="jobs", unit="job", disable=not progress, leave=False)
        ):
            running = submit_job(plan, start, stop, seed=seeds[k], mode=mode, sampler=sampler)
            counts = job_counts(running.result(), plan.meta[start:stop])
            if on_job is not None:
                on_job(k, counts)
            out += counts
    return out
