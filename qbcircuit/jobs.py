"""The experiment on a backend as job files: ``submit`` (plan, transpile, submit) and ``collect``
(fetch, fit tomography, write the "hardware" Trajectory): the circuit pipeline
(:mod:`qbcircuit.pipeline`) with the job file between execute and combine.

The job file (``job.json``, :mod:`qbcircuit.jobfile`) is written before the first submission and
after every change (atomically): config text, backend, the hashes of the config, circuits and
PUB table, and the jobs (ids, status, the hash of their counts). Local backends (aer, fake) run
during ``submit`` and their counts are stored beside the job file (``counts-<k>.json``) as each
job finishes; remote jobs are fetched by id by ``collect``, which stores them the same way. A
rerun of ``submit`` with the same folder resumes (same circuits only) and runs again every local
job whose counts file is missing or damaged; ``collect`` never runs a circuit.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from qbcircuit import backends as bk
from qbcircuit._checks import QbcircuitError
from qbcircuit._version import __version__
from qbcircuit.config import RunConfig
from qbcircuit.jobfile import (
    FORMAT,
    JOB_FILE,
    config_digest,
    pubs_digest,
    read_counts,
    read_job,
    store_counts,
    write_job,
)
from qbcircuit.pipeline import (
    Plan,
    Tables,
    TomographyExperiment,
    choose_ordering,
    combine,
    describe_cost,
    job_counts,
    job_ranges,
    plan_tomography,
    submit_job,
)
from qbcircuit.pipeline.execute import job_seeds
from qbcircuit.results import Trajectory, remove_temporaries
from qbcircuit.tomography import FitOptions

__all__ = [
    "FORMAT",
    "JOB_FILE",
    "JobsPending",
    "Plan",
    "collect",
    "describe_cost",
    "hardware_experiment",
    "plan_experiment",
    "submit",
]


class JobsPending(QbcircuitError):
    """Some remote jobs are still queued or running; collect again later."""


def hardware_experiment(config: RunConfig, ordering: str | None = None) -> TomographyExperiment:
    """The experiment of a config's [hardware] table (tomography settings from [tomography],
    Trotter order from [aer]; the coupling ordering ``ordering``, else [hardware] ordering,
    whose "auto" is [aer]'s until a device decides, :func:`plan_experiment`)."""
    hw = config.hardware
    if ordering is None:
        ordering = config.aer.ordering if hw.ordering == "auto" else hw.ordering
    return TomographyExperiment(
        config.model,
        config.hardware_times(),
        config.hardware_dt(),
        order=config.aer.order,
        ordering=ordering,
        insertion=hw.insertion,
        instances=hw.instances,
        shots=config.tomography.shots,
        scheme=config.tomography.method,
        calibration_shots=hw.calibration_shots if hw.mitigation else 0,
        seed=hw.seed,
        zne_scales=hw.zne_scales,
        zne_fit=hw.zne_fit,
        twirls=hw.twirls,
        decoupling=hw.decoupling,
    )


def plan_experiment(config: RunConfig, backend: bk.Backend, *, progress: bool = False) -> Plan:
    """The plan of a config's [hardware] experiment on ``backend``, refused before any
    submission when the insertion cannot run there, the register is too wide, or a circuit is
    deeper than ``max_depth``. With [hardware] ordering = "auto" on a device (order 2), the
    coupling order is the one with fewer two-qubit gates per step there: the routed star or
    the swap network (:func:`qbcircuit.pipeline.choose_ordering`); the plan's ``layout``
    records the choice and both counts."""
    hw = config.hardware
    experiment = hardware_experiment(config)
    counts: dict[str, float] = {}
    if hw.ordering == "auto" and backend.routed and config.aer.order == 2:
        chosen, counts = choose_ordering(
            experiment, backend.device, optimization_level=hw.optimization_level, seed=hw.seed
        )
        experiment = hardware_experiment(config, ordering=chosen)
    plan = plan_tomography(
        experiment,
        backend,
        optimization_level=hw.optimization_level,
        layout_seed=hw.seed,
        max_depth=hw.max_depth,
        depth_name="hardware.max_depth",
        progress=progress,
    )
    plan.layout.update(ordering=experiment.ordering, two_qubit_per_step_by_ordering=counts)
    return plan


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def submit(
    config: RunConfig,
    folder: str | Path,
    *,
    backend: str | None = None,
    dry_run: bool = False,
    progress: bool = False,
    echo: Any = print,
) -> Plan:
    """Plan the experiment on ``backend`` (default [hardware] backend), print its cost, and
    (unless ``dry_run``) submit it, keeping ``folder/job.json`` current; resumes a folder whose
    job file holds the same circuits, refuses one that holds others."""
    spec = backend or config.hardware.backend
    target = bk.resolve_backend(spec)
    plan = plan_experiment(config, target, progress=progress)
    echo(describe_cost(plan))
    if dry_run:
        return plan
    if not config.text:
        raise QbcircuitError("The config has no TOML text to keep in the job file.")
    folder = Path(folder)
    path = folder / JOB_FILE
    digest = plan.digest
    remove_temporaries(folder)  # what a killed submit was writing when it died
    if path.exists():
        document = read_job(path)
        same_config = document["config_sha256"] == config_digest(config.text)
        if document["circuits_sha256"] != digest or document["backend"] != spec or not same_config:
            raise QbcircuitError(
                f"{str(path)!r} holds a different experiment (other config, backend or "
                "qbcircuit version); submit into a new folder."
            )
        echo(f"resuming {path}")
    else:
        ranges = job_ranges(plan.shots, config.hardware.pubs_per_job)
        document = {
            "format": FORMAT,
            "qbcircuit": __version__,
            "created": _now(),
            "backend": spec,
            "backend_name": target.name,
            "config": {"source": config.source, "text": config.text},
            "config_sha256": config_digest(config.text),
            "circuits_sha256": digest,
            "pubs_sha256": pubs_digest(list(plan.meta)),
            "times": [float(t) for t in plan.times],
            "layout": plan.layout,
            "cost": plan.cost,
            "pubs": list(plan.meta),
            "jobs": [
                {"index": k, "pubs": [start, stop], "id": None, "status": "pending"}
                for k, (start, stop) in enumerate(ranges)
            ],
        }
        write_job(folder, document)
    seeds = job_seeds(plan, len(document["jobs"]))
    with target.batch() as mode:
        for job in tqdm(document["jobs"], desc="jobs", disable=not progress, leave=False):
            stored = read_counts(folder, job, document["pubs"])
            if not isinstance(stored, str):
                continue  # finished and intact
            if not target.local and job["id"] is not None:
                continue  # running remotely: collect fetches it
            if job["status"] == "done":
                echo(f"job {job['index']} runs again: {stored}")
            start, stop = job["pubs"]
            running = submit_job(plan, start, stop, seed=seeds[job["index"]], mode=mode)
            job.update(id=str(running.job_id()), status="submitted", submitted=_now())
            write_job(folder, document)
            if target.local:
                store_counts(folder, job, job_counts(running.result(), plan.meta[start:stop]))
                job["status"] = "done"
                write_job(folder, document)
    return plan


def _gather(folder: Path, document: dict[str, Any], progress: bool) -> list[dict[str, Any]]:
    """Counts of every PUB, in order: the stored files, checked, else fetched from the service
    (and stored); a local job without usable counts is one sentence saying how to recover."""
    counts: list[dict[str, Any]] = []
    pending, target = [], None
    for job in tqdm(document["jobs"], desc="counts", disable=not progress, leave=False):
        stored = read_counts(folder, job, document["pubs"])
        if isinstance(stored, str):
            target = target or bk.resolve_backend(document["backend"])
            if target.local or job["id"] is None:
                raise QbcircuitError(
                    f"Job {job['index']} of {str(folder)!r} has no usable counts ({stored}); "
                    "rerun `qbcircuit submit` with the same config and --out to run it again."
                )
            remote = target.fetch(job["id"])
            status = remote.status()
            if status in (bk.JobStatus.FAILED, bk.JobStatus.CANCELLED):
                raise QbcircuitError(
                    f"Job {job['id']} on {target.spec} ended {status.value}; submit again."
                )
            if status is not bk.JobStatus.DONE:
                pending.append(f"{job['id']} ({status.value})")
                continue
            start, stop = job["pubs"]
            store_counts(folder, job, job_counts(remote.result(), document["pubs"][start:stop]))
            write_job(folder, document)
            stored = read_counts(folder, job, document["pubs"])
            assert not isinstance(stored, str), stored
        counts += stored
    if pending:
        raise JobsPending(
            f"{len(pending)} of {len(document['jobs'])} jobs are not done yet: "
            f"{', '.join(pending[:3])}; run `qbcircuit collect` again later."
        )
    return counts


def collect(
    path: str | Path, *, mitigation: bool | None = None, progress: bool = False
) -> tuple[Trajectory, Trajectory | None]:
    """Fit the tomography of a job file's results: the "hardware" Trajectory (readout-mitigated
    when the job has calibrations, unless ``mitigation`` is False) and, when mitigated, the
    unmitigated one for comparison. Never runs a circuit."""
    path = Path(path)
    folder = path.parent if path.name == JOB_FILE or path.suffix == ".json" else path
    document = read_job(folder / JOB_FILE)
    config = RunConfig.from_text(document["config"]["text"], document["config"]["source"])
    counts = _gather(folder, document, progress)
    experiment = hardware_experiment(config, ordering=document["layout"].get("ordering"))
    tables = Tables(experiment, document["pubs"], counts)
    calibration = tables.readout if mitigation is not False else None
    tomo = config.tomography
    fit = FitOptions(tomo.fitter, tomo.confidence, tomo.replicates, correct_bias=tomo.correct_bias)

    def fit_trajectory(mitigate: bool) -> Trajectory:
        return combine(
            experiment,
            document["pubs"],
            counts,
            fit=fit,
            label="hardware",
            mitigate=mitigate,
            tables=tables,
            progress=progress,
            options={
                "backend": document["backend"],
                "backend_name": document["backend_name"],
                "mitigated": mitigate,
                "jobs": [j["id"] for j in document["jobs"]],
                "circuits_sha256": document["circuits_sha256"],
                "readout": None if calibration is None else calibration.to_dict(),
                "layout": document["layout"].get("initial"),
            },
        )

    if calibration is None:
        return fit_trajectory(False), None
    return fit_trajectory(True), fit_trajectory(False)
