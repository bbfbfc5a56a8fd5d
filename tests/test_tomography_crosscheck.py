"""Cross-check with qiskit-experiments' StateTomography on the same Aer counts (installed in the
cloud profile; qiskit-experiments needs qiskit-ibm-runtime, hence qiskit 2.x)."""

import numpy as np
import pytest
from qiskit.quantum_info import DensityMatrix, partial_trace, state_fidelity

from qbcircuit import StarModel
from qbcircuit.circuits import build_trotter_circuit
from qbcircuit.tomography import estimate_ergotropy, pauli_settings, reconstruct

experiments = pytest.importorskip(
    "qiskit_experiments.library", reason="qiskit-experiments is installed in the cloud profile"
)

AXIS = {0: "Z", 1: "X", 2: "Y"}  # PauliMeasurementBasis indices


def test_pauli_fitter_agrees_with_qiskit_experiments():
    from qiskit_aer import AerSimulator

    model = StarModel(n_batteries=2, drive=1.0, coupling=0.7, dephasing=0.0, battery_detuning=0.2)
    circuit = build_trotter_circuit(model, 1.5, dt=0.05, insertion="none")
    truth = partial_trace(DensityMatrix(circuit), [0])  # battery qubits 1, 2: mixed
    experiment = experiments.StateTomography(circuit, measurement_indices=[1, 2])
    data = experiment.run(AerSimulator(seed_simulator=7), shots=5000).block_for_results()
    theirs = data.analysis_results("state", dataframe=True).iloc[0].value

    rows = {}
    for entry in data.data():
        label = "".join(AXIS[i] for i in entry["metadata"]["m_idx"])  # char q: register qubit q
        rows[label] = {key: value for key, value in entry["counts"].items()}
    counts = [rows[label] for label in pauli_settings(2)]  # every setting present, our order
    ours = reconstruct(counts, "pauli", "projected").density_matrix()

    assert state_fidelity(theirs, truth, validate=False) > 0.99
    # their default fit (linear inversion made physical) is our projected fit, to round-off
    assert np.max(np.abs(ours - theirs.data)) < 1e-10
    estimate = estimate_ergotropy(counts, "pauli", fitter="projected", replicates=0)
    assert estimate.shots == 9 * 5000 and np.isfinite(estimate.ergotropy)
