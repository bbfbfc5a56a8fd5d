"""The experiment on a backend as job files: ``submit`` (plan, transpile, submit) and ``collect``
(fetch, fit tomography, write the "hardware" Trajectory): the circuit pipeline
(:mod:`qbcircuit.pipeline`) with the job file between execute and combine.

The job file (``job.json``) is written before the first submission and after every change
(atomically): config text, backend, circuits' hash, the PUB table and the jobs (ids, status).
Local backends (aer, fake) run during ``submit`` and their counts are stored beside the job file
(``counts-<k>.json``) as each job finishes; remote jobs are fetched by id by ``collect``, which
stores them the same way. A rerun of ``submit`` with the same folder resumes (same circuits only);
``collect`` never runs a circuit.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from qbcircuit import backends as bk
from qbcircuit._checks import QbcircuitError
from qbcircuit._version import __version__
from qbcircuit.config import RunConfig
from qbcircuit.pipeline import (
    Counts,
    Plan,
    Tables,
    TomographyExperiment,
    combine,
    describe_cost,
    job_counts,
    job_ranges,
    plan_tomography,
    submit_job,
)
from qbcircuit.pipeline.execute import job_seeds
from qbcircuit.results import Trajectory, write_atomic
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

FORMAT = "qbcircuit-job/1"
JOB_FILE = "job.json"


class JobsPending(QbcircuitError):
    """Some remote jobs are still queued or running; collect again later."""


def hardware_experiment(config: RunConfig) -> TomographyExperiment:
    """The experiment of a config's [hardware] table (tomography settings from [tomography],
    Trotter order and ordering from [aer])."""
    hw = config.hardware
    return TomographyExperiment(
        config.model,
        config.hardware_times(),
        config.hardware_dt(),
        order=config.aer.order,
        ordering=config.aer.ordering,
        insertion=hw.insertion,
        instances=hw.instances,
        shots=config.tomography.shots,
        scheme=config.tomography.method,
        calibration_shots=hw.calibration_shots if hw.mitigation else 0,
        seed=hw.seed,
    )


def plan_experiment(config: RunConfig, backend: bk.Backend, *, progress: bool = False) -> Plan:
    """The plan of a config's [hardware] experiment on ``backend``, refused before any
    submission when the insertion cannot run there, the register is too wide, or a circuit is
    deeper than ``max_depth``."""
    hw = config.hardware
    return plan_tomography(
        hardware_experiment(config),
        backend,
        optimization_level=hw.optimization_level,
        layout_seed=hw.seed,
        max_depth=hw.max_depth,
        depth_name="hardware.max_depth",
        progress=progress,
    )


def _write(folder: Path, document: dict[str, Any]) -> None:
    write_atomic(folder / JOB_FILE, json.dumps(document, indent=1) + "\n")


def _read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise QbcircuitError(f"Job file {str(path)!r} does not exist.") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise QbcircuitError(f"Job file {str(path)!r} is not JSON.") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise QbcircuitError(
            f"Job file {str(path)!r} is not a {FORMAT} file (format "
            f"{document.get('format') if isinstance(document, dict) else None!r})."
        )
    return document


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
    if path.exists():
        document = _read(path)
        if document["circuits_sha256"] != digest or document["backend"] != spec:
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
            "circuits_sha256": digest,
            "times": [float(t) for t in plan.times],
            "layout": plan.layout,
            "cost": plan.cost,
            "pubs": list(plan.meta),
            "jobs": [
                {"index": k, "pubs": [start, stop], "id": None, "status": "pending"}
                for k, (start, stop) in enumerate(ranges)
            ],
        }
        _write(folder, document)
    from tqdm import tqdm

    seeds = job_seeds(plan, len(document["jobs"]))
    with target.batch() as mode:
        for job in tqdm(document["jobs"], desc="jobs", disable=not progress, leave=False):
            if job["status"] == "done" or (not target.local and job["id"] is not None):
                continue
            start, stop = job["pubs"]
            running = submit_job(plan, start, stop, seed=seeds[job["index"]], mode=mode)
            job.update(id=str(running.job_id()), status="submitted", submitted=_now())
            _write(folder, document)
            if target.local:
                _store(folder, job, job_counts(running.result(), plan.meta[start:stop]))
                job["status"] = "done"
                _write(folder, document)
    return plan


def _store(folder: Path, job: dict[str, Any], counts: list[Counts]) -> None:
    rows = [{name: values.tolist() for name, values in row.items()} for row in counts]
    write_atomic(
        folder / f"counts-{job['index']}.json",
        json.dumps({"job": job["index"], "id": job["id"], "counts": rows}) + "\n",
    )


def _gather(folder: Path, document: dict[str, Any], progress: bool) -> list[dict[str, Any]]:
    """Counts of every PUB, in order: stored files, else fetched from the service (and
    stored)."""
    from tqdm import tqdm

    missing = [j for j in document["jobs"] if not (folder / f"counts-{j['index']}.json").exists()]
    if missing:
        target = bk.resolve_backend(document["backend"])
        if target.local:
            raise QbcircuitError(
                f"{len(missing)} job(s) of the local backend {document['backend']} did not "
                "finish; rerun `qbcircuit submit` with the same config and --out to run them."
            )
        pending = []
        for job in tqdm(missing, desc="fetch", disable=not progress, leave=False):
            if job["id"] is None:
                raise QbcircuitError(
                    f"Job {job['index']} was never submitted; rerun `qbcircuit submit` with the "
                    "same config and --out."
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
            _store(folder, job, job_counts(remote.result(), document["pubs"][start:stop]))
        if pending:
            raise JobsPending(
                f"{len(pending)} of {len(document['jobs'])} jobs are not done yet: "
                f"{', '.join(pending[:3])}; run `qbcircuit collect` again later."
            )
    counts: list[dict[str, Any]] = []
    for job in document["jobs"]:
        stored = json.loads((folder / f"counts-{job['index']}.json").read_text())
        counts += [{k: np.array(v) for k, v in row.items()} for row in stored["counts"]]
    if len(counts) != len(document["pubs"]):
        raise QbcircuitError(f"The stored counts of {folder} do not match its job file.")
    return counts


def collect(
    path: str | Path, *, mitigation: bool | None = None, progress: bool = False
) -> tuple[Trajectory, Trajectory | None]:
    """Fit the tomography of a job file's results: the "hardware" Trajectory (readout-mitigated
    when the job has calibrations, unless ``mitigation`` is False) and, when mitigated, the
    unmitigated one for comparison. Never runs a circuit."""
    path = Path(path)
    folder = path.parent if path.name == JOB_FILE or path.suffix == ".json" else path
    document = _read(folder / JOB_FILE)
    config = RunConfig.from_text(document["config"]["text"], document["config"]["source"])
    counts = _gather(folder, document, progress)
    experiment = hardware_experiment(config)
    tables = Tables(experiment, document["pubs"], counts)
    calibration = tables.readout() if mitigation is not False else None
    tomo = config.tomography
    fit = FitOptions(tomo.fitter, tomo.confidence, tomo.replicates)

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
                "jobs": [j["id"] for j in document["jobs"]],
                "circuits_sha256": document["circuits_sha256"],
                "readout": None if calibration is None else calibration.to_dict(),
                "layout": document["layout"].get("initial"),
            },
        )

    if calibration is None:
        return fit_trajectory(False), None
    return fit_trajectory(True), fit_trajectory(False)
