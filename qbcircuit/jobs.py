"""The experiment on a backend as job files: ``submit`` (plan, transpile, submit) and ``collect``
(fetch, fit tomography, write the "hardware" Trajectory).

Plan: at each [hardware] time, the Trotter circuit with in-circuit dephasing as a template (the
random angles of "gaussian"/"pauli" are parameters: K instances are one PUB with K rows), the
charger measured, the battery register measured in every [tomography] setting; plus two readout
calibration circuits (all measured qubits in |0>, in |1>) when mitigation is on. The circuits
are transpiled once to the backend's ISA with a star-aware layout and checked against
``max_depth`` before anything is submitted.

The job file (``job.json``) is written before the first submission and after every change
(atomically): config text, backend, circuits' hash, the PUB table and the jobs (ids, status).
Local backends (aer, fake) run during ``submit`` and their counts are stored beside the job file
(``counts-<k>.json``) as each job finishes; IBM jobs are fetched by id by ``collect``, which
stores them the same way. A rerun of ``submit`` with the same folder resumes (same circuits only);
``collect`` never runs a circuit.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit import ClassicalRegister, QuantumCircuit
from tqdm import tqdm

from qbcircuit import backends as bk
from qbcircuit._checks import QbcircuitError
from qbcircuit._version import __version__
from qbcircuit.circuits import build_trotter_template, dephasing_values, steps_for
from qbcircuit.config import RunConfig
from qbcircuit.results import Trajectory, write_atomic
from qbcircuit.tomography import estimate_ergotropy
from qbcircuit.tomography.emulate import estimates_trajectory
from qbcircuit.tomography.readout import ReadoutCalibration
from qbcircuit.tomography.settings import REGISTER, build_tomography_circuits, setting_count

__all__ = ["FORMAT", "JOB_FILE", "JobsPending", "Plan", "collect", "plan_experiment", "submit"]

FORMAT = "qbcircuit-job/1"
JOB_FILE = "job.json"
CALIBRATION = "calibration"


class JobsPending(QbcircuitError):
    """Some IBM jobs are still queued or running; collect again later."""


@dataclass(frozen=True)
class Plan:
    """Everything ``submit`` sends: ISA circuits, parameter rows (None: no parameters), shots
    per row, and per PUB its role (``meta``); ``cost`` and ``layout`` are the dry-run report."""

    config: RunConfig
    backend: bk.Backend
    times: NDArray[np.float64]
    circuits: tuple[QuantumCircuit, ...]
    values: tuple[NDArray[np.float64] | None, ...]
    shots: tuple[int, ...]
    meta: tuple[dict[str, Any], ...]
    layout: dict[str, Any]
    cost: dict[str, Any]

    @property
    def digest(self) -> str:
        """Hash of the circuits (instructions, qubits, parameters), rows and shots."""
        sha = hashlib.sha256()
        for circuit, values, shots in zip(self.circuits, self.values, self.shots, strict=True):
            for instruction in circuit.data:
                qubits = [circuit.find_bit(q).index for q in instruction.qubits]
                clbits = [circuit.find_bit(c).index for c in instruction.clbits]
                params = [str(p) for p in instruction.operation.params]
                sha.update(f"{instruction.operation.name}{params}{qubits}{clbits};".encode())
            if values is not None:
                sha.update(np.ascontiguousarray(values).tobytes())
            sha.update(f"|{shots}|".encode())
        return sha.hexdigest()

    def pubs(self, start: int, stop: int) -> list[tuple[Any, ...]]:
        return [
            (self.circuits[i], self.values[i], self.shots[i])
            if self.values[i] is not None
            else (self.circuits[i], None, self.shots[i])
            for i in range(start, stop)
        ]


def _measure_charger(circuit: QuantumCircuit, qubit: int) -> QuantumCircuit:
    """Measure the charger into register "charger" last: with every measurement at the end,
    Aer may sample all shots from one final state (measure sampling)."""
    charger = ClassicalRegister(1, "charger")
    circuit.add_register(charger)
    circuit.measure(qubit, charger[0])
    return circuit


def _calibration(device_width: int, qubits: list[int], ones: bool) -> QuantumCircuit:
    circuit = QuantumCircuit(device_width)
    register = ClassicalRegister(len(qubits), CALIBRATION)
    circuit.add_register(register)
    if ones:
        circuit.x(qubits)
    circuit.measure(qubits, register)
    return circuit


def plan_experiment(config: RunConfig, backend: bk.Backend, *, progress: bool = False) -> Plan:
    """Build and transpile every PUB of the experiment; refuse before any submission when the
    dephasing cannot run there, the register is too wide, or a circuit is deeper than
    ``max_depth``."""
    hw, tomo, model = config.hardware, config.tomography, config.model
    backend.check_dephasing(hw.dephasing)
    width = model.n_qubits + (hw.dephasing == "collision")
    backend.check_width(width)
    if backend.kind == "aer" and width > bk.DENSITY_MATRIX_QUBITS and hw.dephasing == "channel":
        raise QbcircuitError(
            f"The 'channel' dephasing on Aer handles up to {bk.DENSITY_MATRIX_QUBITS} qubits, "
            f"N = {model.n_batteries} needs {width}."
        )
    times, dt = config.hardware_times(), config.hardware_dt()
    n, settings = model.n_batteries, setting_count(model.n_batteries, tomo.method)
    random_angles = hw.dephasing in ("pauli", "gaussian") and model.dephasing > 0
    randomized = config.aer.ordering == "randomized"
    instances = hw.instances if (random_angles or randomized) else 1
    templates_per_time = instances if randomized else 1
    rows = instances // templates_per_time
    row_shots = math.ceil(tomo.shots / instances)
    seeds = np.random.SeedSequence(hw.seed).spawn(2)
    ordering_seeds = seeds[0].generate_state(templates_per_time)
    angle_seeds = seeds[1].generate_state(times.size * templates_per_time)

    templates, template_values, template_time = [], [], []
    for i, t in enumerate(times):
        steps = steps_for(float(t), dt, name="hardware times")
        for j in range(templates_per_time if steps else 1):  # t = 0: one empty circuit
            if steps:
                template = build_trotter_template(
                    model,
                    float(t),
                    steps=steps,
                    order=config.aer.order,
                    ordering=config.aer.ordering,
                    dephasing=hw.dephasing,
                    seed=int(ordering_seeds[j]),
                )
            else:
                template = QuantumCircuit(width)
            values = None
            if template.num_parameters:
                values = dephasing_values(
                    model,
                    template,
                    instances=rows,
                    seed=int(angle_seeds[i * templates_per_time + j]),
                )
            templates.append(template)
            template_values.append(values)
            template_time.append(i)

    layout: list[int] | None = None
    report: dict[str, Any] = {"chosen": "aer (all-to-all)", "candidates": []}
    if backend.device is not None:
        longest = max(templates, key=lambda c: len(c.data))
        layout, report = bk.choose_layout(
            longest, backend.device, optimization_level=hw.optimization_level, seed=hw.seed
        )
    compiled = bk.transpile_for_backend(
        templates, backend, layout=layout, optimization_level=hw.optimization_level, seed=hw.seed
    )

    circuits: list[QuantumCircuit] = []
    values_out: list[NDArray[np.float64] | None] = []
    shots: list[int] = []
    meta: list[dict[str, Any]] = []
    measured_qubits: set[int] = set()
    for base, values, i in tqdm(
        list(zip(compiled, template_values, template_time, strict=True)),
        desc="tomography circuits",
        disable=not progress,
        leave=False,
    ):
        final = base.layout.final_index_layout() if base.layout is not None else list(range(width))
        physical = [int(q) for q in final[: n + 1]]
        measured_qubits.update(physical)
        tomography = bk.translate_for_backend(
            [
                _measure_charger(circuit, physical[0])
                for circuit in build_tomography_circuits(base, physical[1:], method=tomo.method)
            ],
            backend,
        )
        for setting, circuit in enumerate(tomography):
            circuits.append(circuit)
            values_out.append(None if values is None else np.asarray(values))
            shots.append(row_shots if values is not None else row_shots * instances)
            meta.append(
                {
                    "role": "tomography",
                    "time": i,
                    "setting": setting,
                    "battery": physical[1:],
                    "charger": physical[0],
                    "registers": ["charger", REGISTER],
                }
            )
    if hw.mitigation and backend.device is not None:
        qubits = sorted(measured_qubits)
        for ones in (False, True):
            circuits.append(
                bk.translate_for_backend(
                    [_calibration(backend.device.num_qubits, qubits, ones)], backend
                )[0]
            )
            values_out.append(None)
            shots.append(hw.calibration_shots)
            meta.append(
                {
                    "role": CALIBRATION,
                    "prepared": int(ones),
                    "qubits": qubits,
                    "registers": [CALIBRATION],
                }
            )
    costs = [bk.circuit_cost(c) for c in circuits]
    deepest = int(np.argmax([c["depth"] for c in costs]))
    if costs[deepest]["depth"] > hw.max_depth:
        raise QbcircuitError(
            f"The transpiled circuit at t = {times[meta[deepest].get('time', 0)]:g} has depth "
            f"{costs[deepest]['depth']}, over hardware.max_depth = {hw.max_depth}; use fewer "
            "steps (larger hardware.dt, smaller hardware.stop) or raise the limit."
        )
    cost = _cost(backend, circuits, costs, values_out, shots, meta, times, dt, n, settings)
    return Plan(
        config=config,
        backend=backend,
        times=times,
        circuits=tuple(circuits),
        values=tuple(values_out),
        shots=tuple(shots),
        meta=tuple(meta),
        layout={"initial": layout, **report},
        cost=cost,
    )


def _cost(
    backend: bk.Backend,
    circuits: list[QuantumCircuit],
    costs: list[dict[str, Any]],
    values: list[NDArray[np.float64] | None],
    shots: list[int],
    meta: list[dict[str, Any]],
    times: NDArray[np.float64],
    dt: float,
    n: int,
    settings: int,
) -> dict[str, Any]:
    """Circuits, PUBs, shots, 2-qubit gates (per Trotter step at the last time, against the
    ideal N), depth and a QPU-time estimate: sum of shots x (duration + repetition delay)."""
    executions = [1 if v is None else int(v.shape[0]) for v in values]
    total_shots = sum(e * s for e, s in zip(executions, shots, strict=True))
    last = max(range(len(meta)), key=lambda k: meta[k].get("time", -1))
    steps = steps_for(float(times[-1]), dt, name="hardware times")
    seconds = 0.0
    durations = True
    delay = bk.repetition_delay(backend) if backend.device is not None else 0.0
    for circuit, execution, shot in zip(circuits, executions, shots, strict=True):
        duration = bk.circuit_duration(circuit, backend)
        durations &= duration is not None
        seconds += execution * shot * ((duration or 0.0) + delay)
    return {
        "backend": backend.spec,
        "pubs": len(circuits),
        "circuits": sum(executions),
        "shots": total_shots,
        "settings": settings,
        "two_qubit_gates_max": max(c["two_qubit_gates"] for c in costs),
        "depth_max": max(c["depth"] for c in costs),
        "two_qubit_depth_max": max(c["two_qubit_depth"] for c in costs),
        "steps_at_last_time": steps,
        "two_qubit_gates_per_step": costs[last]["two_qubit_gates"] / steps if steps else 0.0,
        "ideal_interactions_per_step": n,
        "qpu_seconds": seconds if backend.device is not None and durations else None,
    }


def describe_cost(plan: Plan) -> str:
    """The dry-run report, a few lines."""
    cost = plan.cost
    qpu = cost["qpu_seconds"]
    lines = [
        f"backend {cost['backend']}: {cost['pubs']} PUBs, {cost['circuits']} circuit "
        f"executions, {cost['shots']} shots ({cost['settings']} settings x "
        f"{plan.times.size} times)",
        f"2-qubit gates: {cost['two_qubit_gates_per_step']:.1f} per Trotter step (ideal "
        f"{cost['ideal_interactions_per_step']} interactions), at most "
        f"{cost['two_qubit_gates_max']} per circuit; depth <= {cost['depth_max']} (2-qubit "
        f"depth {cost['two_qubit_depth_max']})",
        f"layout: {plan.layout['chosen']} {plan.layout['initial'] or ''}".rstrip(),
        "estimated QPU time: "
        + (
            f"{qpu:.1f} s (shots x (duration + rep delay))"
            if qpu is not None
            else "n/a (no device)"
        ),
    ]
    return "\n".join(lines)


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


def _chunks(shots: tuple[int, ...], size: int) -> list[tuple[int, int]]:
    """PUB ranges of at most ``size`` with one shot count each (the runtime deprecates mixed
    shots in one job)."""
    ranges, start = [], 0
    for stop in range(1, len(shots) + 1):
        if stop == len(shots) or stop - start == size or shots[stop] != shots[start]:
            ranges.append((start, stop))
            start = stop
    return ranges


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
        size = config.hardware.pubs_per_job
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
                for k, (start, stop) in enumerate(_chunks(plan.shots, size))
            ],
        }
        _write(folder, document)
    batch = bk.open_batch(target)
    seeds = np.random.SeedSequence(config.hardware.seed + 1).generate_state(len(document["jobs"]))
    width = config.model.n_qubits + (config.hardware.dephasing == "collision")
    qubits = bk.active_qubits(plan.circuits)
    try:
        for job in tqdm(document["jobs"], desc="jobs", disable=not progress, leave=False):
            if job["status"] == "done" or (not target.local and job["id"] is not None):
                continue
            start, stop = job["pubs"]
            sampler = bk.make_sampler(
                target, seed=int(seeds[job["index"]]), width=width, qubits=qubits, mode=batch
            )
            running = sampler.run(plan.pubs(start, stop))
            job.update(id=str(running.job_id()), status="submitted", submitted=_now())
            _write(folder, document)
            if target.local:
                _store(folder, job, plan.meta[start:stop], running.result())
                job["status"] = "done"
                _write(folder, document)
    finally:
        if batch is not None:
            batch.close()
    return plan


def _store(folder: Path, job: dict[str, Any], meta: Any, result: Any) -> None:
    counts = [
        {name: values.tolist() for name, values in bk.dense_counts(pub, m["registers"]).items()}
        for pub, m in zip(result, meta, strict=True)
    ]
    write_atomic(
        folder / f"counts-{job['index']}.json",
        json.dumps({"job": job["index"], "id": job["id"], "counts": counts}) + "\n",
    )


def _gather(folder: Path, document: dict[str, Any], progress: bool) -> list[dict[str, Any]]:
    """Counts of every PUB, in order: stored files, else fetched from IBM (and stored)."""
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
            remote = bk.fetch_job(target, job["id"])
            status = str(getattr(remote.status(), "name", remote.status()))
            if status in ("ERROR", "CANCELLED"):
                raise QbcircuitError(f"IBM job {job['id']} ended as {status}; submit again.")
            if status != "DONE":
                pending.append(f"{job['id']} ({status})")
                continue
            start, stop = job["pubs"]
            _store(folder, job, document["pubs"][start:stop], remote.result())
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
    meta = document["pubs"]
    times = np.array(document["times"])
    model, tomo = config.model, config.tomography
    n = model.n_batteries
    settings = setting_count(n, tomo.method)
    tables = np.zeros((times.size, settings, 2**n))
    charger = np.zeros((times.size, 2))
    calibration: dict[int, NDArray[Any]] = {}
    battery: dict[int, list[int]] = {}
    charger_qubit: dict[int, int] = {}
    for row, m in zip(counts, meta, strict=True):
        if m["role"] == CALIBRATION:
            calibration[m["prepared"]] = row[CALIBRATION]
            calibrated = m["qubits"]
            continue
        tables[m["time"], m["setting"]] += row[REGISTER]
        charger[m["time"]] += row["charger"]
        battery.setdefault(m["time"], m["battery"])
        charger_qubit.setdefault(m["time"], m["charger"])
    calibration_result = None
    if calibration and mitigation is not False:
        calibration_result = ReadoutCalibration.from_counts(
            calibration[0], calibration[1], calibrated
        )
    seeds = np.random.SeedSequence(config.hardware.seed + 2).generate_state(times.size)

    def fit(mitigate: bool) -> Trajectory:
        estimates, excitation = [], []
        for i in tqdm(range(times.size), desc="fit", disable=not progress, leave=False):
            readout = charger_fix = None
            if mitigate:
                assert calibration_result is not None
                readout = calibration_result.corrector(battery[i])
                charger_fix = calibration_result.corrector([charger_qubit[i]])
            estimates.append(
                estimate_ergotropy(
                    tables[i],
                    tomo.method,
                    fitter=tomo.fitter,
                    omega0=model.omega0,
                    confidence=tomo.confidence,
                    replicates=tomo.replicates,
                    seed=int(seeds[i]),
                    readout=readout,
                )
            )
            row = charger[i] if charger_fix is None else charger_fix(charger[i][None])[0]
            excitation.append(float(row[1] / row.sum()))
        return estimates_trajectory(
            "hardware",
            model,
            times,
            estimates,
            excitation,
            {
                "backend": document["backend"],
                "backend_name": document["backend_name"],
                "jobs": [j["id"] for j in document["jobs"]],
                "circuits_sha256": document["circuits_sha256"],
                "dt": config.hardware_dt(),
                "order": config.aer.order,
                "ordering": config.aer.ordering,
                "dephasing": config.hardware.dephasing,
                "instances": config.hardware.instances,
                "method": tomo.method,
                "fitter": tomo.fitter,
                "shots": tomo.shots,
                "confidence": tomo.confidence,
                "replicates": tomo.replicates,
                "readout_mitigation": mitigate,
                "readout": None if calibration_result is None else calibration_result.to_dict(),
                "layout": document["layout"].get("initial"),
            },
        )

    if calibration_result is None:
        return fit(False), None
    return fit(True), fit(False)
