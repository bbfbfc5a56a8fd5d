"""Sweeps: a grid or list of points over model and simulation parameters, run as independent
tasks with a progress bar; each finished point is written atomically to a results store, so an
interrupted sweep resumes where it stopped and never recomputes or loses a finished point.

A sweep is a run config (:mod:`qbcircuit.config`) with a ``[sweep]`` table::

    [sweep]
    compute = ["long_time", "charging"]   # and/or "relaxation" (1/gap), "trajectory" (E, W on
                                          # the [times] grid)
    method = "exact"                      # trajectory: exact | aer | tomography | pulse
    limit = 1000                          # more points need yes=True (--yes)
    [sweep.grid]                          # every combination; the first key varies slowest
    n_batteries = [1, 2, 4, 8]
    battery_detuning = [0.0, 0.5]
    # or, instead of the grid, an explicit list:  [[sweep.points]]  n_batteries = 2 ...

Parameters (:data:`PARAMETERS`): the [model] fields, ``dt`` and ``order`` ([aer]), ``shots``
([tomography]) and ``method``; the rest comes from the config's tables. "long_time" and
"charging" are exact (the oracle); "trajectory" uses ``method``. The store (:mod:`.store`) is
identified by the ordered keys of its points (each the hash of everything that determines the
point and the package version), so a store of another version or config is refused.

>>> # result = sweep("circuits/sweep_ratio.toml", "out", executor="processes")
>>> # result.column("ratio_inf", battery_detuning=0.5)     # one value per matching point
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from qbcircuit._checks import QbcircuitError
from qbcircuit.config import RunConfig
from qbcircuit.results import Trajectory
from qbcircuit.sweeps.executors import DASK_INSTALL, EXECUTORS, check_executor, open_executor
from qbcircuit.sweeps.spec import (
    COMPUTE,
    DEFAULT_LIMIT,
    METHODS,
    PARAMETERS,
    SweepConfig,
    SweepPoint,
    describe,
    digest,
    expand,
    points_toml,
)
from qbcircuit.sweeps.store import MANIFEST, STORE_FORMAT, Store, table_csv
from qbcircuit.sweeps.task import run_point

__all__ = [
    "COMPUTE",
    "DASK_INSTALL",
    "DEFAULT_LIMIT",
    "EXECUTORS",
    "METHODS",
    "PARAMETERS",
    "STORE_FORMAT",
    "SweepConfig",
    "SweepPoint",
    "SweepResult",
    "expand",
    "points_toml",
    "run_point",
    "sweep",
]


@dataclasses.dataclass(frozen=True)
class SweepResult:
    """The stored records of a sweep, in point order, and how many this run computed.

    Each record holds ``index``, ``key``, ``parameters`` (the varied ones), ``model`` (the
    resolved StarModel fields), ``method``, ``values`` (see :func:`run_point`), ``trajectory``
    (a Trajectory dict or None) and ``seconds``.
    """

    folder: Path
    records: tuple[Mapping[str, Any], ...]
    computed: int = 0
    reused: int = 0
    executor: str = ""

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per point: index, the model fields, the other varied parameters,
        method, the values, seconds."""
        rows = []
        for record in self.records:
            others = {k: v for k, v in record["parameters"].items() if k not in record["model"]}
            rows.append(
                {
                    "index": record["index"],
                    **record["model"],
                    **others,
                    "method": record["method"],
                    **record["values"],
                    "seconds": record["seconds"],
                }
            )
        return rows

    def column(self, name: str, **where: Any) -> NDArray[Any]:
        """Values of ``name`` over the points whose row matches every ``where`` item."""
        rows = [r for r in self.rows() if all(r.get(k) == v for k, v in where.items())]
        if rows and any(name not in r for r in rows):
            raise QbcircuitError(f"Sweep rows have no column {name!r}; see SweepResult.rows().")
        return np.array([r[name] for r in rows])

    def trajectory(self, index: int) -> Trajectory:
        """The Trajectory of point ``index`` (sweeps that computed "trajectory")."""
        document = self.records[index].get("trajectory")
        if document is None:
            raise QbcircuitError(f"Sweep point {index} kept no trajectory (compute it).")
        return Trajectory.from_dict(document)

    def to_csv(self) -> str:
        return table_csv(self.rows())

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> SweepResult:
        """The finished points of the store at ``folder`` (complete or not)."""
        root = Path(folder)
        if not (root / MANIFEST).exists():
            raise QbcircuitError(f"Folder {root} holds no sweep ({MANIFEST} is missing).")
        records = []
        for path in sorted((root / "points").glob("*.json")):
            try:
                record = json.loads(path.read_text())
            except (OSError, ValueError):
                record = None
            if not isinstance(record, dict) or not {"index", "key", "model"} <= set(record):
                raise QbcircuitError(
                    f"Sweep point file {str(path)!r} is damaged (not a point record); rerun "
                    "`qbcircuit sweep` with the same config and --out to recompute it."
                )
            records.append(record)
        return cls(folder=root, records=tuple(records))


def sweep(
    config: RunConfig | str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    yes: bool = False,
    progress: bool = True,
    echo: Callable[[str], None] | None = None,
) -> SweepResult:
    """Run the ``[sweep]`` of ``config`` into the store ``out``, reusing finished points.

    Args:
        config: a RunConfig with a sweep, or the path of its TOML file.
        out: the store folder (created; an existing store must be of this very sweep).
        executor: "serial", "processes" (default) or "dask".
        workers: processes (or LocalCluster workers); default: the CPUs available.
        scheduler: a dask scheduler address (executor "dask"); None starts a LocalCluster.
        yes: run a sweep with more points than its ``limit``.
        progress: show a progress bar (stderr).
        echo: called with a line describing the run before the points start.

    Every point is validated and the store checked before any point runs. A point that fails
    (or a worker that dies) stops the sweep with one sentence; finished points stay stored.
    """
    if not isinstance(config, RunConfig):
        config = RunConfig.from_toml(config)
    check_executor(executor, workers, scheduler)
    points = expand(config, yes=yes)
    if any(p.method == "pulse" and "trajectory" in p.compute for p in points):
        from qbcircuit import pulse

        pulse.check_installed()
    store = Store(out, digest({"points": [p.key for p in points]}))
    store.check()
    records: dict[int, Mapping[str, Any]] = {}
    for point in points:
        record = store.finished(point)
        if record is not None:
            records[point.index] = record
    pending = [p for p in points if p.index not in records]
    reused = len(records)
    description = "nothing to run"
    with tqdm(
        total=len(points), initial=reused, desc="sweep", unit="pt", disable=not progress
    ) as bar:
        if pending:
            with open_executor(executor, workers=workers, scheduler=scheduler) as opened:
                pool, capacity, description = opened
                store.create(config.text, len(points))
                if echo is not None:
                    echo(
                        f"{len(points)} points: {reused} stored, {len(pending)} to run on "
                        f"{description}"
                    )
                _run_pending(pool, capacity, pending, store, records, bar)
    result = SweepResult(
        folder=store.root,
        records=tuple(records[p.index] for p in points),
        computed=len(pending),
        reused=reused,
        executor=description,
    )
    store.write_table(result.rows())
    return result


def _run_pending(
    pool: cf.Executor,
    capacity: int,
    pending: list[SweepPoint],
    store: Store,
    records: dict[int, Mapping[str, Any]],
    bar: tqdm,
) -> None:
    """Keep up to ``capacity`` points in flight and store each one as it completes (in this
    process). After a failure nothing new is submitted; the points still in flight are stored
    when they finish, then the first failure is raised as one sentence."""
    queue = iter(pending)
    running: dict[cf.Future[dict[str, Any]], SweepPoint] = {}
    failure: tuple[SweepPoint, BaseException] | None = None
    try:
        while True:
            while failure is None and len(running) < capacity:
                point = next(queue, None)
                if point is None:
                    break
                running[pool.submit(run_point, point)] = point
            if not running:
                break
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in done:
                point = running.pop(future)
                error = future.exception()
                if error is None:
                    records[point.index] = store.write(point, future.result())
                    bar.update()
                elif failure is None:
                    failure = (point, error)
    finally:  # also on KeyboardInterrupt: never leave work queued behind
        for future in running:
            future.cancel()
    if failure is not None:
        point, error = failure
        reason = str(error).rstrip(".") or type(error).__name__
        raise QbcircuitError(
            f"Sweep point {point.index} ({describe(point.parameters)}) failed: {reason}; the "
            f"{len(records)} finished points are stored in {store.root} and a rerun resumes."
        ) from error
