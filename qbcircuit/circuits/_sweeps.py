"""The unitary half-steps of a Trotter step: the star's terms in sequence on the star's own
qubits, or the same sequence with the charger carried along a line of batteries by swaps.

A swap network on a line (charger, battery 1, ..., battery N, in wire order) needs only
nearest-neighbour gates: the forward half couples the charger to battery j and swaps the two
(j < N), so the charger meets battery j + 1 next; the reverse half undoes the swaps in mirror
order, so a Strang step (forward, then reverse) brings every qubit back to its own wire and
equals the "fixed"-order step as an operator. Each coupling-and-swap is one two-qubit block
(3 CX after consolidation), the turning coupling 2 CX: 6N - 4 CX per step on a line. The swaps
are written as three CX each, not as SWAP gates, which a transpiler would otherwise absorb into
its qubit layout (and route the star again).
"""

from __future__ import annotations

from collections.abc import Sequence

from qiskit import QuantumCircuit
from qiskit.circuit.library import XXPlusYYGate

from qbcircuit.model import StarModel

__all__ = ["network_sweep", "unitary_sweep"]


def _terms(couplings: Sequence[int]) -> list[tuple[str, int]]:
    ops: list[tuple[str, int]] = [("drive", 0), ("detune", 0)]
    return ops + [("couple", j) for j in couplings] + [("detune", j) for j in couplings]


def _term(
    circuit: QuantumCircuit, model: StarModel, tau: float, term: str, qubit: int, wires: list[int]
) -> None:
    """exp(-i tau H_term) of one term on the wires its qubits sit on now."""
    if term == "drive" and model.drive:
        circuit.rx(2 * model.drive * tau, wires[0])
    elif term == "couple" and model.battery_couplings[qubit - 1]:
        angle = 2 * float(model.battery_couplings[qubit - 1]) * tau
        circuit.append(XXPlusYYGate(angle, 0.0), [wires[0], wires[qubit]])
    elif term == "detune":
        detuning = (
            model.charger_detuning if qubit == 0 else float(model.battery_detunings[qubit - 1])
        )
        if detuning:
            circuit.rz(-detuning * tau, wires[qubit])


def unitary_sweep(
    circuit: QuantumCircuit, model: StarModel, tau: float, couplings: Sequence[int], reverse: bool
) -> None:
    """exp(-i tau H_term) for every term, in sequence (or the reversed sequence)."""
    ops = _terms(couplings)
    wires = list(range(model.n_qubits))
    for term, qubit in reversed(ops) if reverse else ops:
        _term(circuit, model, tau, term, qubit, wires)


def network_sweep(circuit: QuantumCircuit, model: StarModel, tau: float, reverse: bool) -> None:
    """The forward ("fixed" order) half-step with the charger swapped along the line after each
    coupling but the last, or (``reverse``) the mirror half-step that brings it back."""
    n = model.n_batteries
    ops = _terms(range(1, n + 1))
    wires = list(range(n + 1))  # the wire each qubit sits on
    if reverse:  # where the forward half left them: the charger beside battery N
        wires = [n - 1, *range(n - 1), n] if n > 1 else [0, 1]

    def swap(j: int) -> None:  # as three CX: a transpiler elides SWAP gates into its layout
        a, b = wires[0], wires[j]
        circuit.cx(a, b)
        circuit.cx(b, a)
        circuit.cx(a, b)
        wires[0], wires[j] = b, a

    for term, qubit in reversed(ops) if reverse else ops:
        if term == "couple" and reverse and qubit < n:
            swap(qubit)
        _term(circuit, model, tau, term, qubit, wires)
        if term == "couple" and not reverse and qubit < n:
            swap(qubit)
