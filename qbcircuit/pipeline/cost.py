"""What a plan costs on its backend: PUBs, executions, shots, 2-qubit gates, depth, QPU time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from qiskit import QuantumCircuit

from qbcircuit.backends import Backend, circuit_duration, repetition_delay
from qbcircuit.circuits import steps_for

if TYPE_CHECKING:
    from qbcircuit.pipeline.experiment import TomographyExperiment
    from qbcircuit.pipeline.plan import Plan

RUN_BYTES = 2**30
"""At most this much simulator memory per run on a local backend (its estimate): a fixed
number, not this machine's, so that the same seed gives the same counts everywhere."""

__all__ = ["describe_cost", "plan_cost", "row_count"]


def row_count(values: NDArray[np.float64] | None) -> int:
    """Circuit executions of one PUB: its parameter rows (1 without parameters)."""
    return 1 if values is None else int(np.prod(values.shape[:-1]))


def plan_cost(
    experiment: TomographyExperiment,
    backend: Backend,
    circuits: Sequence[QuantumCircuit],
    costs: Sequence[dict[str, Any]],
    values: Sequence[NDArray[np.float64] | None],
    shots: Sequence[int],
    meta: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """Circuits, PUBs, shots, 2-qubit gates (per Trotter step at the last time, against the
    ideal N), depth and a QPU-time estimate: sum of shots x (duration + repetition delay)."""
    executions = [row_count(v) for v in values]
    total_shots = sum(e * s for e, s in zip(executions, shots, strict=True))
    last = max(range(len(meta)), key=lambda k: meta[k].get("time", -1))
    steps = steps_for(float(experiment.times[-1]), experiment.dt, name="times")
    seconds = 0.0
    durations = True
    delay = repetition_delay(backend) if backend.device is not None else 0.0
    for circuit, execution, shot in zip(circuits, executions, shots, strict=True):
        duration = circuit_duration(circuit, backend)
        durations &= duration is not None
        seconds += execution * shot * ((duration or 0.0) + delay)
    return {
        "backend": backend.spec,
        "pubs": len(circuits),
        "circuits": sum(executions),
        "shots": total_shots,
        "settings": experiment.settings.count,
        "two_qubit_gates_max": max(c["two_qubit_gates"] for c in costs),
        "depth_max": max(c["depth"] for c in costs),
        "two_qubit_depth_max": max(c["two_qubit_depth"] for c in costs),
        "steps_at_last_time": steps,
        "two_qubit_gates_per_step": costs[last]["two_qubit_gates"] / steps if steps else 0.0,
        "ideal_interactions_per_step": experiment.model.n_batteries,
        "qpu_seconds": seconds if backend.device is not None and durations else None,
    }


def _size(count: int) -> str:
    """Bytes in MiB below 1 GiB, else in GiB.

    >>> _size(3 * 2**20), _size(2**30), _size(5 * 2**29)
    ('3.0 MiB', '1 GiB', '2.5 GiB')
    """
    if count < 2**30:
        return f"{count / 2**20:.1f} MiB"
    return f"{count / 2**30:.3g} GiB"


def describe_cost(plan: Plan) -> str:
    """The dry-run report, a few lines."""
    cost = plan.cost
    qpu = cost["qpu_seconds"]
    provider = plan.backend.provider_mitigation
    lines = [
        f"backend {cost['backend']}: {cost['pubs']} PUBs, {cost['circuits']} circuit "
        f"executions, {cost['shots']} shots ({cost['settings']} settings x "
        f"{plan.times.size} times)",
        f"2-qubit gates: {cost['two_qubit_gates_per_step']:.1f} per Trotter step (ideal "
        f"{cost['ideal_interactions_per_step']} interactions), at most "
        f"{cost['two_qubit_gates_max']} per circuit; depth <= {cost['depth_max']} (2-qubit "
        f"depth {cost['two_qubit_depth_max']})",
        f"layout: {plan.layout['chosen']} {plan.layout['initial'] or ''}".rstrip(),
        (
            f"zero-noise extrapolation: scales {list(plan.experiment.zne_scales)} "
            f"({plan.experiment.zne_fit}), x{len(plan.experiment.zne_scales)} circuits and shots"
            if len(plan.experiment.zne_scales) > 1
            else "zero-noise extrapolation: off"
        )
        + (
            f"; Pauli twirling: {plan.experiment.twirls} "
            + ("randomizations (runtime)" if provider else "copies per circuit")
            if plan.experiment.twirls
            else "; Pauli twirling: off"
        )
        + (
            f"; dynamical decoupling: {plan.experiment.decoupling}"
            + (" (runtime)" if provider else "")
            if plan.experiment.decoupling != "none"
            else "; dynamical decoupling: off"
        ),
        f"coupling order: {plan.experiment.ordering}"
        + "".join(
            f"; {name} {count:g} 2-qubit gates per step"
            for name, count in plan.layout.get("two_qubit_per_step_by_ordering", {}).items()
        ),
        *(
            [
                f"simulator memory: about {_size(cost['memory_max_pub_bytes'])} for the "
                f"largest PUB; runs of at most {_size(RUN_BYTES)}"
            ]
            if cost.get("memory_max_pub_bytes")
            else []
        ),
        "estimated QPU time: "
        + (
            f"{qpu:.1f} s (shots x (duration + rep delay))"
            if qpu is not None
            else "n/a (no device)"
        ),
    ]
    return "\n".join(lines)
