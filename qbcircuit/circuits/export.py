"""OpenQASM 3 export and the small canonical circuits kept in circuits/qasm."""

from __future__ import annotations

from qiskit import QuantumCircuit

from qbcircuit._checks import QbcircuitError
from qbcircuit.circuits.insertions import INSERTIONS
from qbcircuit.circuits.trotter import build_trotter_step
from qbcircuit.model import StarModel

__all__ = ["CANONICAL_KINDS", "CANONICAL_MODEL", "canonical_circuits", "export_qasm3"]

CANONICAL_MODEL = StarModel(
    n_batteries=1,
    drive=1.0,
    coupling=0.5,
    dephasing=1.0,
    charger_detuning=0.2,
    battery_detuning=0.1,
)
CANONICAL_KINDS = tuple(name for name, kind in INSERTIONS.items() if kind.qasm)
"""The insertion kinds with an OpenQASM form, in the order of INSERTIONS."""


def export_qasm3(circuit: QuantumCircuit, title: str = "") -> str:
    """OpenQASM 3 text with a header naming the qiskit version that wrote it.

    The "channel" insertion is an Aer instruction with no OpenQASM form and is refused.
    """
    import qiskit
    from qiskit import qasm3

    if "kraus" in circuit.count_ops():
        kinds = ", ".join(repr(k) for k in CANONICAL_KINDS if k != "none")
        raise QbcircuitError(
            "The 'channel' insertion is a Kraus instruction with no OpenQASM form; export "
            f"a circuit with insertion {kinds} instead."
        )
    header = f"// {title}\n" if title else ""
    return f"{header}// written by qiskit {qiskit.__version__}\n" + qasm3.dumps(circuit)


def canonical_circuits() -> dict[str, tuple[str, QuantumCircuit]]:
    """The small circuits exported to circuits/qasm: one Strang step (dt = 0.1, palindromic,
    seed 0) of CANONICAL_MODEL for N = 1..4 and each insertion with an OpenQASM form.
    Maps file name to (title, circuit)."""
    out = {}
    for n in range(1, 5):
        model = CANONICAL_MODEL.replace(n_batteries=n)
        for kind in CANONICAL_KINDS:
            title = (
                f"qbcircuit Trotter step: N={n}, dephasing={kind}, Strang, dt=0.1, "
                f"F=1 g=0.5 gamma=1 dC=0.2 dB=0.1, seed 0"
            )
            circuit = build_trotter_step(model, 0.1, order=2, insertion=kind, seed=0)
            out[f"trotter_step_N{n}_{kind}.qasm"] = (title, circuit)
    return out
