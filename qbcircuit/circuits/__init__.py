"""Circuits of the dephased star battery: Trotter steps with the charger's dephasing inserted.

- :mod:`~qbcircuit.circuits.trotter`: the builders (one step, a circuit for time t, a
  parameterized template and its instance values, a snapshot circuit saving states);
- :mod:`~qbcircuit.circuits.insertions`: how dephasing enters a circuit, one object per kind
  ("channel", "pauli", "gaussian", "collision", "none") declaring its ancillas, randomness,
  hardware readiness and OpenQASM form;
- :mod:`~qbcircuit.circuits.export`: OpenQASM 3 and the canonical circuits of circuits/qasm.
"""

from __future__ import annotations

from qbcircuit.circuits.export import (
    CANONICAL_KINDS,
    CANONICAL_MODEL,
    canonical_circuits,
    export_qasm3,
)
from qbcircuit.circuits.insertions import (
    INSERTIONS,
    Insertion,
    insertion,
    phase_flip_probability,
)
from qbcircuit.circuits.trotter import (
    ORDERINGS,
    build_snapshot_circuit,
    build_trotter_circuit,
    build_trotter_step,
    build_trotter_template,
    check_options,
    coupling_orders,
    dephasing_values,
    merge_gates,
    steps_for,
)

DEPHASING_KINDS = tuple(INSERTIONS)
"""Former name of the tuple of INSERTIONS names (kept for one release)."""

__all__ = [
    "CANONICAL_KINDS",
    "CANONICAL_MODEL",
    "DEPHASING_KINDS",
    "INSERTIONS",
    "ORDERINGS",
    "Insertion",
    "build_snapshot_circuit",
    "build_trotter_circuit",
    "build_trotter_step",
    "build_trotter_template",
    "canonical_circuits",
    "check_options",
    "coupling_orders",
    "dephasing_values",
    "export_qasm3",
    "insertion",
    "merge_gates",
    "phase_flip_probability",
    "steps_for",
]
