"""Execute: a plan's PUBs on its backend, in jobs of at most ``size`` PUBs with one shot count
each (the runtime deprecates mixed shots in one job); counts come back dense per register.
A local simulator runs a job's PUBs in sub-batches of at most :data:`RUN_BYTES` (estimated,
:meth:`Plan.memory`), so that memory stays bounded whatever the job size.

:func:`execute` runs a whole plan on a local backend and returns its counts; the job file
(:mod:`qbcircuit.jobs`) submits the same jobs one by one (:func:`submit_job`) and stores each
one's counts (:func:`job_counts`) as it finishes or when it is fetched.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from qbcircuit._checks import QbcircuitError
from qbcircuit.backends import dense_counts
from qbcircuit.pipeline.cost import RUN_BYTES
from qbcircuit.pipeline.plan import Plan

__all__ = [
    "RUN_BYTES",
    "Counts",
    "execute",
    "job_counts",
    "job_ranges",
    "job_seeds",
    "run_batches",
    "submit_job",
]

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


def run_batches(plan: Plan, start: int, stop: int) -> list[tuple[int, int]]:
    """PUB ranges within start..stop-1 that a local simulator runs at once: consecutive PUBs
    while their memory stays within :data:`RUN_BYTES` (a PUB above it runs alone).

    >>> from qbcircuit import StarModel
    >>> from qbcircuit.backends import resolve_backend
    >>> from qbcircuit.pipeline import TomographyExperiment, plan_tomography
    >>> model = StarModel(n_batteries=1, drive=1.0, coupling=0.5, dephasing=1.0)
    >>> plan = plan_tomography(TomographyExperiment(model, [0.5], dt=0.25), resolve_backend("aer"))
    >>> run_batches(plan, 0, 3)
    [(0, 3)]
    """
    batches, first, held = [], start, 0
    for i in range(start, stop):
        need = plan.memory(i)
        if i > first and held + need > RUN_BYTES:
            batches.append((first, i))
            first, held = i, 0
        held += need
    return [*batches, (first, stop)] if stop > start else batches


class _Batches:
    """A local job run as sub-batches, one sampler call each (seeded from the job's seed), one
    after another when its result is asked for: the interface of a primitive job."""

    def __init__(self, make: Callable[[int | None], Any], pubs: list, batches: list, seed: Any):
        self._make, self._pubs, self._batches, self._seed = make, pubs, batches, seed
        self._id = uuid.uuid4().hex

    def job_id(self) -> str:
        return self._id

    def result(self) -> list[Any]:
        out: list[Any] = []
        for j, (start, stop) in enumerate(self._batches):
            seed = self._seed
            if j and seed is not None:
                seed = int(np.random.SeedSequence([seed, j]).generate_state(1)[0])
            out += list(self._make(seed).run(self._pubs[start:stop]).result())
        return out


def submit_job(
    plan: Plan, start: int, stop: int, *, seed: int | None, mode: Any = None, sampler: Any = None
) -> Any:
    """Submit PUBs start..stop-1 (a primitive job: ``job_id()``, ``result()``); ``mode`` is
    what the backend's ``batch()`` yielded, ``sampler`` replaces the backend's own (and then
    runs the whole range at once). A local backend runs the range in :func:`run_batches`, the
    first seeded by ``seed`` (a job of one batch is one call, as on any backend)."""
    if sampler is not None:
        return sampler.run(plan.pubs(start, stop))
    experiment = plan.experiment

    def make(seed: int | None) -> Any:
        sampler = plan.backend.sampler(
            seed=seed, width=experiment.width, qubits=plan.qubits, mode=mode
        )
        return plan.backend.configure(
            sampler, twirls=experiment.twirls, decoupling=experiment.decoupling
        )

    batches = run_batches(plan, start, stop) if plan.backend.run_bytes else [(start, stop)]
    if len(batches) == 1:
        return make(seed).run(plan.pubs(start, stop))
    local = [(a - start, b - start) for a, b in batches]
    return _Batches(make, plan.pubs(start, stop), local, seed)


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
