from pathlib import Path

import pytest
import qiskit

from qbcircuit import QbcircuitError, StarModel
from qbcircuit.circuits import build_trotter_step, canonical_circuits, export_qasm3

FOLDER = Path(__file__).resolve().parent.parent / "circuits" / "qasm"


def test_every_canonical_circuit_is_exported():
    assert sorted(p.name for p in FOLDER.glob("*.qasm")) == sorted(canonical_circuits())


def test_exported_circuits_are_up_to_date():
    written = {p.name: p.read_text() for p in FOLDER.glob("*.qasm")}
    versions = {text.splitlines()[1] for text in written.values()}
    if versions != {f"// written by qiskit {qiskit.__version__}"}:
        pytest.skip(f"files were written by another qiskit ({versions}); its text differs")
    for name, (title, circuit) in canonical_circuits().items():
        assert written[name] == export_qasm3(circuit, title), (
            f"{name} is stale: run scripts/export_circuits.py"
        )


def test_exports_hold_the_gates_of_the_step():
    text = (FOLDER / "trotter_step_N3_collision.qasm").read_text()
    assert text.count("xx_plus_yy(0.05, 0) q[0]") == 6  # 3 couplings, two Strang half steps
    assert text.count("reset env[0];") == 2 and "qubit[4] q;" in text


def test_channel_has_no_qasm_form():
    model = StarModel(n_batteries=1, drive=1.0, coupling=0.5, dephasing=1.0)
    with pytest.raises(QbcircuitError, match="no OpenQASM form"):
        export_qasm3(build_trotter_step(model, 0.1, insertion="channel"))
