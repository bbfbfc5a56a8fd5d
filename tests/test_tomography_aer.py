"""Tomography end to end on Aer: circuits -> SamplerV2 -> counts -> estimate / Trajectory."""

import numpy as np
import pytest
from qiskit_aer.primitives import SamplerV2
from tolerances import SIGMAS

from qbcircuit import QbcircuitError, StarModel, emulate_tomography, exact
from qbcircuit.backends import transpile_for_aer
from qbcircuit.circuits import build_trotter_circuit
from qbcircuit.tomography import build_tomography_circuits, estimate_ergotropy

MODEL = StarModel(n_batteries=2, drive=1.0, coupling=0.5, dephasing=1.0, battery_detuning=0.3)


@pytest.mark.parametrize("method", ["pauli", "permutation"])
def test_estimate_from_a_sampler_result(method):
    """The user-facing path: any SamplerV2's result goes straight into estimate_ergotropy."""
    t = 2.0
    circuit = build_trotter_circuit(MODEL, t, dt=0.05, insertion="channel")
    circuits = transpile_for_aer(build_tomography_circuits(circuit, [1, 2], method=method))
    result = SamplerV2(seed=11).run(circuits, shots=4000).result()
    estimate = estimate_ergotropy(result, method, replicates=40, seed=1)
    reference = exact.evolve(MODEL, [t])
    assert abs(estimate.energy - reference.energy[0]) < SIGMAS * estimate.energy_error
    assert abs(estimate.ergotropy - reference.ergotropy[0]) < SIGMAS * estimate.ergotropy_error
    assert 0 < estimate.ergotropy_error < 0.02


def test_result_without_the_register_is_refused():
    circuit = build_trotter_circuit(MODEL, 0.5, dt=0.05, insertion="none")
    circuit.measure_all()
    result = SamplerV2(seed=1).run(transpile_for_aer([circuit]), shots=10).result()
    with pytest.raises(QbcircuitError, match="no classical register 'tomography'"):
        estimate_ergotropy(result)


def test_tomography_trajectory_against_exact():
    times = [0.0, 1.0, 2.0]
    measured = emulate_tomography(MODEL, times, dt=0.1, shots=4000, replicates=40, seed=3)
    reference = exact.evolve(MODEL, times)
    assert measured.label == "tomography" and measured.options["method"] == "permutation"
    assert len(measured.options["ergotropy_interval"]) == 3
    assert measured.energy[0] == 0 and measured.energy_error[0] == 0  # all-ground: no noise
    for i in (1, 2):
        assert abs(measured.energy[i] - reference.energy[i]) < SIGMAS * measured.energy_error[i]
        assert (
            abs(measured.ergotropy[i] - reference.ergotropy[i])
            < SIGMAS * measured.ergotropy_error[i]
        )
        p = reference.charger_excitation[i]
        noise = np.sqrt(p * (1 - p) / (4000 * 6))
        assert abs(measured.charger_excitation[i] - p) < 5 * noise
        # W/E is that of the fitted state (in [0, 1]), with its bootstrap error
        assert 0 <= measured.ratio[i] <= 1 and measured.ratio_error[i] > 0
        assert abs(measured.ratio[i] - reference.ratio[i]) < SIGMAS * measured.ratio_error[i]
        interval = measured.options["ratio_interval"][i]
        assert interval[0] <= measured.ratio[i] <= interval[1]


def test_random_dephasing_splits_shots_over_instances():
    times = [0.0, 0.5]
    measured = emulate_tomography(
        MODEL.replace(n_batteries=1),
        times,
        dt=0.05,
        insertion="gaussian",
        method="pauli",
        shots=3000,
        instances=6,
        replicates=20,
        seed=2,
    )
    assert measured.options["instances"] == 6 and measured.options["shots"] == 3000
    reference = exact.evolve(MODEL.replace(n_batteries=1), times)
    assert abs(measured.energy[1] - reference.energy[1]) < 0.05
    with pytest.raises(QbcircuitError, match="shots"):
        emulate_tomography(MODEL, times, dt=0.05, insertion="pauli", shots=4, instances=5)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"model": MODEL.replace(n_batteries=9), "method": "pauli"}, "59049 circuits"),
        ({"model": MODEL.replace(n_batteries=12)}, "up to 12 qubits"),
        ({"shots": 0}, "shots"),
        ({"fitter": "bayes"}, "fitter"),
        ({"confidence": 2.0}, "confidence"),
        ({"replicates": -1}, "replicates"),
        ({"interval": "bca"}, "interval"),
        ({"dt": 0.35}, "dt grid"),
    ],
)
def test_bad_requests_fail_before_running(kwargs, fragment):
    arguments = {"model": MODEL, "times": [0.0, 0.6, 1.2], "dt": 0.2, **kwargs}
    model = arguments.pop("model")
    times = arguments.pop("times")
    with pytest.raises(QbcircuitError, match=fragment):
        emulate_tomography(model, times, **arguments)


def test_instance_states_beyond_memory_are_refused_with_the_estimate(monkeypatch):
    """The states path holds one time's instance states at once; beyond the budget, one
    sentence with the estimate before anything is simulated."""
    import qbcircuit.pipeline.emulate as emulated

    monkeypatch.setattr(emulated, "memory_budget", lambda: 2**28)
    model = MODEL.replace(n_batteries=8)  # 4 MiB per state of 9 qubits: 80 + 3 of them
    with pytest.raises(QbcircuitError, match=r"holds 80 density matrices of 9 qubits per time"):
        emulate_tomography(model, [0.0, 0.5], dt=0.25, insertion="gaussian", instances=80)
