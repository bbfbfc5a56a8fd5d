"""Where circuits land on a device, and what they cost there (nothing here runs a circuit).

:func:`choose_layout` picks the initial layout of a star (virtual qubit 0 the charger) among
star-shaped candidates around the best-connected qubits and the transpiler's own; the cost
functions count 2-qubit gates, depth and the QPU time a set of circuits takes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from qiskit import QuantumCircuit

from qbcircuit._checks import QbcircuitError
from qbcircuit.backends.base import Backend

__all__ = [
    "DEFAULT_REP_DELAY",
    "active_qubits",
    "charger_candidates",
    "choose_layout",
    "circuit_cost",
    "circuit_duration",
    "estimated_fidelity",
    "pass_manager",
    "repetition_delay",
    "star_layout",
]

DEFAULT_REP_DELAY = 250e-6
"""Seconds between shots when the backend does not say (IBM's default on Eagle/Heron)."""


def _undirected(device: Any) -> Any:
    coupling = device.coupling_map
    if coupling is None:
        raise QbcircuitError(f"Backend {device.name} has no coupling map to lay a star out on.")
    return coupling.graph.to_undirected(multigraph=False)


def _error(target: Any, name: str, qargs: tuple[int, ...]) -> float:
    try:
        properties = target[name][qargs]
    except KeyError:
        return 0.0
    error = getattr(properties, "error", None) if properties is not None else None
    return float(error) if error is not None and math.isfinite(error) else 0.0


def star_layout(device: Any, n_qubits: int, center: int) -> list[int]:
    """Physical qubits for virtual 0 (the charger) .. n_qubits-1: ``center`` first, then the
    qubits nearest to it on the coupling graph (ties: lower readout error, lower index)."""
    import rustworkx as rx

    graph = _undirected(device)
    distance = rx.distance_matrix(graph)[center]
    reachable = [q for q in range(graph.num_nodes()) if q == center or distance[q] > 0]
    if len(reachable) < n_qubits:
        raise QbcircuitError(
            f"Backend {device.name} has only {len(reachable)} connected qubits around {center}, "
            f"the circuits need {n_qubits}."
        )
    target = device.target
    ranked = sorted(reachable, key=lambda q: (distance[q], _error(target, "measure", (q,)), q))
    return [center, *[q for q in ranked if q != center][: n_qubits - 1]]


def charger_candidates(device: Any, count: int) -> list[int]:
    """The ``count`` best charger positions: highest degree, then lowest incident 2-qubit and
    readout error."""
    graph = _undirected(device)
    target = device.target
    two_qubit = [
        name for name in target.operation_names if target.operation_from_name(name).num_qubits == 2
    ]

    def score(q: int) -> tuple[int, float]:
        neighbours = list(set(graph.neighbors(q)))
        errors = [
            min(_error(target, g, (q, p)) or _error(target, g, (p, q)) for g in two_qubit)
            for p in neighbours
        ] or [1.0]
        return (-len(neighbours), sum(errors) + _error(target, "measure", (q,)))

    return sorted(range(graph.num_nodes()), key=score)[:count]


def estimated_fidelity(circuit: QuantumCircuit, device: Any) -> float:
    """Product of (1 - error) over the circuit's instructions, from the device's target."""
    target = device.target
    log_fidelity = 0.0
    for instruction in circuit.data:
        qargs = tuple(circuit.find_bit(q).index for q in instruction.qubits)
        error = _error(target, instruction.operation.name, qargs)
        log_fidelity += math.log1p(-min(error, 0.999999))
    return math.exp(log_fidelity)


def pass_manager(device: Any, optimization_level: int, seed: int, layout: Any) -> Any:
    from qiskit.transpiler import generate_preset_pass_manager

    return generate_preset_pass_manager(
        optimization_level=optimization_level,
        target=device.target,
        seed_transpiler=seed,
        initial_layout=layout,
    )


def choose_layout(
    circuit: QuantumCircuit,
    device: Any,
    *,
    optimization_level: int = 3,
    seed: int = 1,
    centers: int = 3,
) -> tuple[list[int], dict[str, Any]]:
    """Initial layout for ``circuit`` (virtual qubit 0 the star's center) on ``device``.

    Candidates: :func:`star_layout` around the ``centers`` best-connected, best-calibrated
    qubits, and the transpiler's own (Sabre) layout; each is transpiled and the one with the
    highest :func:`estimated_fidelity` is kept. Returns the layout and a report of the
    candidates (2-qubit gates, depth, fidelity).
    """
    candidates: list[tuple[str, Any]] = [("sabre", None)]
    candidates += [
        (f"star@{c}", star_layout(device, circuit.num_qubits, c))
        for c in charger_candidates(device, centers)
    ]
    report, best = [], None
    for name, layout in candidates:
        compiled = pass_manager(device, optimization_level, seed, layout).run(circuit)
        chosen = compiled.layout.initial_index_layout()[: circuit.num_qubits]
        cost = circuit_cost(compiled)
        fidelity = estimated_fidelity(compiled, device)
        report.append({"candidate": name, "layout": chosen, **cost, "fidelity": fidelity})
        if best is None or fidelity > best[1]:
            best = (chosen, fidelity, name)
    assert best is not None
    return [int(q) for q in best[0]], {"chosen": best[2], "candidates": report}


def circuit_cost(circuit: QuantumCircuit) -> dict[str, Any]:
    """2-qubit gate count, depth and 2-qubit depth of a (transpiled) circuit; delays and
    barriers are not layers."""
    two_qubit = sum(
        1
        for instruction in circuit.data
        if instruction.operation.num_qubits == 2 and instruction.operation.name != "barrier"
    )
    return {
        "two_qubit_gates": two_qubit,
        "depth": circuit.depth(lambda i: i.operation.name not in ("delay", "barrier")),
        "two_qubit_depth": circuit.depth(lambda i: i.operation.num_qubits == 2),
    }


def circuit_duration(circuit: QuantumCircuit, backend: Backend) -> float | None:
    """Seconds one shot of ``circuit`` takes on the device (None without durations)."""
    if backend.device is None or not hasattr(circuit, "estimate_duration"):
        return None
    try:
        return float(circuit.estimate_duration(backend.device.target, unit="s"))
    except Exception:  # a target without durations
        return None


def repetition_delay(backend: Backend) -> float:
    """Seconds between shots on the device (its default ``rep_delay``)."""
    device = backend.device
    delay = getattr(device, "default_rep_delay", None)
    if delay is None and hasattr(device, "configuration"):
        delay = getattr(device.configuration(), "default_rep_delay", None)
    return float(delay) if delay else DEFAULT_REP_DELAY


def active_qubits(circuits: Sequence[QuantumCircuit]) -> list[int]:
    """Qubits any of ``circuits`` acts on (layout and routing included)."""
    used: set[int] = set()
    for circuit in circuits:
        for instruction in circuit.data:
            if instruction.operation.name not in ("barrier", "delay"):
                used.update(circuit.find_bit(q).index for q in instruction.qubits)
    return sorted(used)
