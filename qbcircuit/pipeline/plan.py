"""Construct: every circuit of a tomography experiment for one backend, before anything runs.

At each time, the Trotter circuit with its insertion as a template (random angles are
parameters: K instances are one PUB with K rows; a "randomized" ordering is K templates), the
charger measured, the battery register measured in every tomography setting; plus two readout
calibration circuits (every measured qubit in |0>, in |1>) when the experiment asks for them and
the backend is a device. The circuits are transpiled once to the backend's ISA with a
star-aware layout and checked against ``max_depth``.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit import ClassicalRegister, QuantumCircuit
from tqdm import tqdm

from qbcircuit._checks import QbcircuitError
from qbcircuit.backends import Backend, active_qubits, choose_layout, circuit_cost
from qbcircuit.circuits import build_trotter_template, dephasing_values, steps_for
from qbcircuit.exact import memory_budget
from qbcircuit.pipeline.cost import plan_cost, row_count
from qbcircuit.pipeline.experiment import TomographyExperiment
from qbcircuit.tomography.settings import REGISTER
from qbcircuit.tomography.zne import fold

__all__ = [
    "CALIBRATION",
    "CHARGER",
    "ROUTED_ORDERING",
    "Plan",
    "choose_ordering",
    "plan_tomography",
    "pub_memory",
    "templates",
    "twirled",
]

CALIBRATION = "calibration"
"""Register of the readout-calibration circuits."""
CHARGER = "charger"
"""Register of the charger's measurement."""


@dataclass(frozen=True)
class Plan:
    """Everything an execution sends: ISA circuits, parameter rows (None: no parameters), shots
    per row, and per PUB its role (``meta``: "tomography" with its time index, setting, battery
    and charger qubits, or "calibration"); ``cost`` and ``layout`` are the dry-run report."""

    experiment: TomographyExperiment
    backend: Backend
    circuits: tuple[QuantumCircuit, ...]
    values: tuple[NDArray[np.float64] | None, ...]
    shots: tuple[int, ...]
    meta: tuple[dict[str, Any], ...]
    layout: dict[str, Any]
    cost: dict[str, Any]

    @property
    def times(self) -> NDArray[np.float64]:
        return self.experiment.times

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

    @functools.cached_property
    def qubits(self) -> list[int]:
        """The device qubits any circuit acts on (a noise model's scope), found once: a walk
        over every instruction takes seconds for folded circuits."""
        return active_qubits(self.circuits)

    def memory(self, index: int) -> int:
        """Bytes a local simulator holds to run PUB ``index`` (0 off this machine)."""
        return pub_memory(self.backend, self.circuits[index], self.values[index])

    def pubs(self, start: int, stop: int) -> list[tuple[Any, ...]]:
        """The PUBs start..stop-1 as a SamplerV2 takes them."""
        return [(self.circuits[i], self.values[i], self.shots[i]) for i in range(start, stop)]


def pub_memory(
    backend: Backend, circuit: QuantumCircuit, values: NDArray[np.float64] | None
) -> int:
    """Bytes ``backend``'s local simulator holds to run one PUB: its ``run_bytes`` per
    instruction of every bound circuit (one per parameter row)."""
    return backend.run_bytes * len(circuit.data) * row_count(values)


def _measure_charger(circuit: QuantumCircuit, qubit: int) -> QuantumCircuit:
    """Measure the charger into register "charger" last: with every measurement at the end,
    Aer may sample all shots from one final state (measure sampling)."""
    charger = ClassicalRegister(1, CHARGER)
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


def templates(
    experiment: TomographyExperiment,
) -> list[tuple[QuantumCircuit, NDArray[np.float64] | None, int, int]]:
    """(template, rows of values or None, time index, shots per row) for every time and
    ordering draw. A template without rows stands for the instances it replaces (all of them
    at t = 0 and for a deterministic circuit, one per "randomized" ordering draw), so every
    time gets ``instances x row_shots`` shots per setting."""
    model, times = experiment.model, experiment.times
    instances = experiment.instance_count
    per_time = instances if experiment.ordering == "randomized" else 1
    rows = instances // per_time
    row_shots = experiment.row_shots
    streams = np.random.SeedSequence(experiment.seed).spawn(2)
    ordering_seeds = streams[0].generate_state(per_time)
    angle_seeds = streams[1].generate_state(times.size * per_time)
    out: list[tuple[QuantumCircuit, NDArray[np.float64] | None, int, int]] = []
    for i, t in enumerate(times):
        steps = steps_for(float(t), experiment.dt, name="times")
        for j in range(per_time if steps else 1):  # t = 0: one empty circuit
            if not steps:
                out.append((QuantumCircuit(experiment.width), None, i, row_shots * instances))
                continue
            template = build_trotter_template(
                model,
                float(t),
                steps=steps,
                order=experiment.order,
                ordering=experiment.ordering,
                insertion=experiment.insertion,
                seed=int(ordering_seeds[j]),
            )
            values, shots = None, row_shots * rows
            if template.num_parameters:
                seed = int(angle_seeds[i * per_time + j])
                values = dephasing_values(model, template, instances=rows, seed=seed)
                shots = row_shots
            out.append((template, values, i, shots))
    return out


def twirled(circuit: QuantumCircuit, count: int, *, seed: int, device: Any) -> list[QuantumCircuit]:
    """``count`` Pauli-twirled copies of an ISA circuit (qiskit's ``pauli_twirl_2q_gates``:
    random Paulis around every two-qubit gate, undone after it, so each copy is the same
    unitary and coherent two-qubit errors average into Pauli noise), in the device's basis,
    on the same physical qubits (the copies carry no layout of their own: read the
    original's)."""
    from qiskit.circuit import pauli_twirl_2q_gates

    copies = pauli_twirl_2q_gates(circuit, seed=seed, num_twirls=count, target=device.target)
    return copies if isinstance(copies, list) else [copies]


ROUTED_ORDERING = "palindromic"
"""The coupling order a device run compares the swap network against (routed by the
transpiler)."""


def choose_ordering(
    experiment: TomographyExperiment, device: Any, *, optimization_level: int = 3, seed: int = 1
) -> tuple[str, dict[str, float]]:
    """The coupling order with fewer two-qubit gates per Trotter step on ``device``: the star
    routed by the transpiler ("palindromic") or the swap network along a line; each is
    transpiled over two unitary steps (their boundary merges as in a long circuit), and the
    counts per step are returned beside the choice."""
    from qiskit import transpile

    from qbcircuit.circuits import build_trotter_circuit

    counts: dict[str, float] = {}
    for ordering in (ROUTED_ORDERING, "swap-network"):
        circuit = build_trotter_circuit(
            experiment.model, 2 * experiment.dt, steps=2, ordering=ordering, insertion="none"
        )
        compiled = transpile(
            circuit, device, optimization_level=optimization_level, seed_transpiler=seed
        )
        two = sum(1 for item in compiled.data if item.operation.num_qubits == 2)
        counts[ordering] = two / 2
    return min(counts, key=lambda name: (counts[name], name != ROUTED_ORDERING)), counts


def plan_tomography(
    experiment: TomographyExperiment,
    backend: Backend,
    *,
    optimization_level: int = 3,
    layout_seed: int = 1,
    max_depth: int | None = None,
    depth_name: str = "max_depth",
    progress: bool = False,
) -> Plan:
    """Build and transpile every PUB of ``experiment`` for ``backend``; refuse, before
    anything runs, what the backend cannot take or a circuit deeper than ``max_depth`` (named
    ``depth_name`` in the message)."""
    backend.check(experiment.kind, experiment.width)
    backend.check_mitigation(experiment.twirls, experiment.decoupling)
    drawn = [
        (fold(template, scale), values, i, shots, s)
        for template, values, i, shots in templates(experiment)
        for s, scale in enumerate(experiment.zne_scales)
    ]
    layout: list[int] | None = None
    report: dict[str, Any] = {"chosen": "aer (all-to-all)", "candidates": []}
    if backend.routed:
        longest = max((d[0] for d in drawn if d[4] == 0), key=lambda c: len(c.data))
        layout, report = choose_layout(
            longest, backend.device, optimization_level=optimization_level, seed=layout_seed
        )
    compiled = backend.transpile(
        [d[0] for d in drawn],
        layout=layout,
        optimization_level=optimization_level,
        seed=layout_seed,
    )
    routed = list(compiled)  # the layout each circuit's qubits are read from
    if experiment.twirls and not backend.provider_mitigation:  # twirl the ISA circuits
        twirls, device = experiment.twirls, backend.device
        copies = [
            (variant, (d[0], d[1], d[2], -(-d[3] // twirls), d[4]), base)
            for k, (base, d) in enumerate(zip(compiled, drawn, strict=True))
            for variant in twirled(base, twirls, seed=layout_seed + k, device=device)
        ]
        compiled, drawn, routed = (list(part) for part in zip(*copies, strict=True))
    n, width = experiment.model.n_batteries, experiment.width
    settings = experiment.settings
    circuits: list[QuantumCircuit] = []
    values_out: list[NDArray[np.float64] | None] = []
    shots: list[int] = []
    meta: list[dict[str, Any]] = []
    measured: set[int] = set()
    for base, (_, values, i, row_shots, scale), source in tqdm(
        list(zip(compiled, drawn, routed, strict=True)),
        desc="tomography circuits",
        disable=not progress,
        leave=False,
    ):
        final = source.layout.final_index_layout() if source.layout is not None else range(width)
        physical = [int(q) for q in list(final)[: n + 1]]
        measured.update(physical)
        measuring = [
            _measure_charger(c, physical[0]) for c in settings.circuits(base, physical[1:])
        ]
        timed = backend.schedule(backend.translate(measuring), experiment.decoupling)
        for setting, circuit in enumerate(timed):
            circuits.append(circuit)
            values_out.append(values)
            shots.append(row_shots)
            meta.append(
                {
                    "role": "tomography",
                    "time": i,
                    "setting": setting,
                    "scale": scale,
                    "battery": physical[1:],
                    "charger": physical[0],
                    "registers": [CHARGER, REGISTER],
                }
            )
    if experiment.calibration_shots and backend.device is not None:
        qubits = sorted(measured)
        for ones in (False, True):
            calibration = _calibration(backend.device.num_qubits, qubits, ones)
            circuits.append(backend.translate([calibration])[0])
            values_out.append(None)
            shots.append(experiment.calibration_shots)
            meta.append(
                {
                    "role": CALIBRATION,
                    "prepared": int(ones),
                    "qubits": qubits,
                    "registers": [CALIBRATION],
                }
            )
    costs = [circuit_cost(c) for c in circuits]
    deepest = int(np.argmax([c["depth"] for c in costs]))
    if max_depth is not None and costs[deepest]["depth"] > max_depth:
        t = experiment.times[meta[deepest].get("time", 0)]
        raise QbcircuitError(
            f"The transpiled circuit at t = {t:g} has depth {costs[deepest]['depth']}, over "
            f"{depth_name} = {max_depth}; use fewer steps (a larger dt, earlier times) or "
            "raise the limit."
        )
    memory = [pub_memory(backend, c, v) for c, v in zip(circuits, values_out, strict=True)]
    heaviest = int(np.argmax(memory))
    if memory[heaviest] > memory_budget():
        t = experiment.times[meta[heaviest].get("time", 0)]
        rows = row_count(values_out[heaviest])
        raise QbcircuitError(
            f"A circuit at t = {t:g} ({len(circuits[heaviest].data)} instructions, {rows} "
            f"parameter rows) needs about {memory[heaviest] / 2**30:.1f} GiB on {backend.spec} "
            f"(budget {memory_budget() / 2**30:.1f} GiB); use fewer steps, instances or "
            "noise scales."
        )
    cost = plan_cost(experiment, backend, circuits, costs, values_out, shots, meta)
    cost["memory_max_pub_bytes"] = memory[heaviest]
    return Plan(
        experiment=experiment,
        backend=backend,
        circuits=tuple(circuits),
        values=tuple(values_out),
        shots=tuple(shots),
        meta=tuple(meta),
        layout={"initial": layout, **report},
        cost=cost,
    )
