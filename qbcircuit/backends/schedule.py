"""Circuits in time: ISA circuits scheduled on a device's durations, their idle periods filled
with delays (which a simulated device lets relax) or with a dynamical-decoupling sequence.

Dynamical decoupling (DD) fills each idle period of a qubit with pulses whose product is the
identity, spaced so the qubit's phase errors from slow noise and static couplings refocus:
"XX" (X, X) or "XY4" (X, Y, X, Y). Periods before a qubit's first gate are left alone (the qubit
is still in |0>). Scheduling is qiskit's ALAPScheduleAnalysis with PadDelay or
PadDynamicalDecoupling; Y pulses, absent from most device targets, are scheduled with the
duration of X on the same qubit and then translated to the device's basis (a virtual RZ and an
X), which keeps the timing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qiskit import QuantumCircuit

from qbcircuit._checks import QbcircuitError

__all__ = ["DECOUPLING", "check_decoupling", "has_durations", "relaxation_pass", "schedule"]

DECOUPLING = ("none", "XX", "XY4")
"""Dynamical-decoupling sequences: none, X X, X Y X Y."""


def check_decoupling(value: Any, name: str = "decoupling") -> str:
    """``value`` if it names a sequence of :data:`DECOUPLING`, else one sentence."""
    if value not in DECOUPLING:
        raise QbcircuitError(f"Argument `{name}` must be one of {DECOUPLING}, got {value!r}.")
    return str(value)


def has_durations(device: Any) -> bool:
    """The device's target times its X pulses and measurements (so circuits can be scheduled)."""
    target = getattr(device, "target", None)
    if target is None or "x" not in target.operation_names or "measure" not in target:
        return False
    try:
        durations = target.durations()
        qubit = next(iter(q for q in target["x"] if q is not None))
        return durations.get("x", qubit[0], unit="s") > 0
    except Exception:  # no timing at all
        return False


def _durations(target: Any, decoupling: str) -> Any:
    durations = target.durations()
    if decoupling == "XY4":  # Y: the same pulse as X with its phase shifted
        durations.update(
            [("y", q, durations.get("x", q, unit="dt"), "dt") for (q,) in target["x"]],
            durations.dt,
        )
    return durations


def schedule(
    circuits: Sequence[QuantumCircuit], device: Any, decoupling: str
) -> list[QuantumCircuit]:
    """ISA ``circuits`` scheduled as late as possible on ``device``, every idle period of an
    active qubit filled with a delay ("none") or the ``decoupling`` sequence, then delays on
    qubits the circuit never uses dropped; the result is in the device's basis."""
    from qiskit.circuit.library import XGate, YGate
    from qiskit.transpiler import PassManager
    from qiskit.transpiler.passes import (
        ALAPScheduleAnalysis,
        PadDelay,
        PadDynamicalDecoupling,
    )

    target = device.target
    durations = _durations(target, decoupling)
    if decoupling == "none":
        pad: Any = PadDelay(fill_very_end=False, target=target)
    else:
        sequence = [XGate(), XGate()] if decoupling == "XX" else [XGate(), YGate()] * 2
        pad = PadDynamicalDecoupling(
            durations=durations,
            dd_sequence=sequence,
            pulse_alignment=target.pulse_alignment,
        )
    manager = PassManager([ALAPScheduleAnalysis(durations), pad])
    out = [_drop_idle_delays(c) for c in manager.run(list(circuits))]
    if decoupling == "XY4":  # its Y pulses into the device's basis
        from qbcircuit.backends.base import translate_to

        out = translate_to(target, out)
    return out


def _drop_idle_delays(circuit: QuantumCircuit) -> QuantumCircuit:
    from qiskit.converters import circuit_to_dag, dag_to_circuit

    dag = circuit_to_dag(circuit)
    idle = set(dag.idle_wires(ignore=["delay"]))
    for node in list(dag.op_nodes()):
        if node.op.name == "delay" and set(node.qargs) <= idle:
            dag.remove_op_node(node)
    return dag_to_circuit(dag)


def relaxation_pass(device: Any, qubits: Sequence[int]) -> Any:
    """Aer's noise pass that lets ``qubits`` of ``device`` relax (T1, T2, ground state)
    during delays; None when the device has no T1/T2."""
    import numpy as np
    from qiskit.circuit import Delay
    from qiskit_aer.noise.passes import RelaxationNoisePass

    properties = getattr(device.target, "qubit_properties", None)
    if not properties:
        return None
    keep = set(int(q) for q in qubits)
    t1s, t2s = [], []
    for q, p in enumerate(properties):
        t1 = getattr(p, "t1", None) if q in keep else None
        t2 = getattr(p, "t2", None) if q in keep else None
        t1 = np.inf if t1 is None else float(t1)
        t2 = np.inf if t2 is None else min(float(t2), 2 * t1)  # physical: T2 <= 2 T1
        t1s.append(t1)
        t2s.append(t2)
    return RelaxationNoisePass(
        t1s=t1s, t2s=t2s, dt=device.target.dt, op_types=Delay, target=device.target
    )
