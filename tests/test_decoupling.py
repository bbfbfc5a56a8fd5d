"""Dynamical decoupling and idle-qubit relaxation: a decoupled circuit is the original unitary;
a simulated device relaxes its qubits during delays at the rate of its T1; the experiment runs
end to end with every sequence; twirling and decoupling on IBM are the runtime's own options,
not circuits built here; and what cannot decouple is refused in one sentence."""

import importlib.util

import numpy as np
import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.providers.fake_provider import GenericBackendV2
from qiskit.quantum_info import Operator
from tolerances import SIGMAS

from qbcircuit import QbcircuitError, StarModel, jobs
from qbcircuit.backends.aer import AerNoiseBackend, device_noise_model, run_sampler
from qbcircuit.backends.schedule import schedule
from qbcircuit.circuits import build_trotter_template, dephasing_values
from qbcircuit.config import RunConfig
from qbcircuit.pipeline import combine, describe_cost, execute, plan_tomography
from qbcircuit.pipeline.experiment import TomographyExperiment
from qbcircuit.tomography.estimate import FitOptions

MODEL = StarModel(n_batteries=2, drive=1.0, coupling=0.5, dephasing=1.0)


def device():
    return GenericBackendV2(5, basis_gates=["cx", "rz", "sx", "x"], seed=1)


@pytest.mark.parametrize("sequence", ["none", "XX", "XY4"])
def test_a_scheduled_circuit_is_the_original_unitary(sequence):
    backend = device()
    template = build_trotter_template(MODEL, 1.0, steps=3, insertion="gaussian")
    values = dephasing_values(MODEL, template, instances=1, seed=2)[0]
    circuit = template.assign_parameters(dict(zip(template.parameters, values, strict=True)))
    compiled = transpile(circuit, backend, optimization_level=3, seed_transpiler=1)
    (timed,) = schedule([compiled], backend, sequence)
    assert Operator(timed).equiv(Operator(compiled))
    assert set(timed.count_ops()) <= set(backend.target.operation_names)  # no Y left
    pulses = timed.count_ops().get("x", 0) - compiled.count_ops().get("x", 0)
    assert (pulses > 0) == (sequence != "none") and "delay" in timed.count_ops()


def test_a_simulated_device_relaxes_an_idle_qubit_at_its_t1():
    backend = device()
    t1 = backend.target.qubit_properties[0].t1
    model = device_noise_model(backend, [0])
    circuits = []
    for wait in (0.0, t1):
        circuit = QuantumCircuit(5, 1)
        circuit.x(0)
        if wait:
            circuit.delay(wait, 0, unit="s")
        circuit.measure(0, 0)
        circuits.append(circuit)
    from qiskit_aer.primitives import SamplerV2

    sampler = SamplerV2(seed=3, options={"backend_options": {"noise_model": model}})
    shots = 40_000
    fresh, waited = (c["c"][1] / shots for c in run_sampler(circuits, shots, sampler=sampler))
    flip = 1 - fresh  # readout and gate error of a prepared |1>
    expected = np.exp(-1) * (1 - flip) + (1 - np.exp(-1)) * flip
    assert abs(waited - expected) < SIGMAS * np.sqrt(expected * (1 - expected) / shots) + 0.01


def run(backend, sequence):
    experiment = TomographyExperiment(
        MODEL,
        np.array([0.0, 0.5, 1.0]),
        0.25,
        insertion="gaussian",
        instances=4,
        shots=4000,
        seed=5,
        decoupling=sequence,
    )
    plan = plan_tomography(experiment, backend)
    counts = execute(plan)
    return plan, combine(experiment, plan.meta, counts, fit=FitOptions(replicates=30))


def test_decoupled_experiments_agree_with_the_plain_one_on_a_device_noise_model():
    backend = AerNoiseBackend("aer:generic", "generic", device())
    results = {sequence: run(backend, sequence) for sequence in ("none", "XX", "XY4")}
    plain_plan, plain = results["none"]
    assert all("delay" in c.count_ops() for c in plain_plan.circuits[1:])  # idle relaxation
    assert "dynamical decoupling: off" in describe_cost(plain_plan)
    for sequence in ("XX", "XY4"):
        plan, trajectory = results[sequence]
        assert f"dynamical decoupling: {sequence}" in describe_cost(plan)
        added = sum(c.count_ops().get("x", 0) for c in plan.circuits) - sum(
            c.count_ops().get("x", 0) for c in plain_plan.circuits
        )
        assert added > len(plan.circuits)  # pulses in the idle periods
        for k in (1, 2):  # a few more single-qubit gates: within the noise and 0.02
            spread = np.hypot(plain.energy_error[k], trajectory.energy_error[k])
            assert abs(plain.energy[k] - trajectory.energy[k]) < SIGMAS * spread + 0.02


def test_decoupling_without_gate_durations_is_refused_before_anything_is_written(tmp_path):
    from test_braket import CONFIG

    path = tmp_path / "aer.toml"
    path.write_text(CONFIG.format(backend="aer") + 'decoupling = "XY4"\n')
    with pytest.raises(QbcircuitError, match="Dynamical decoupling fills idle periods"):
        jobs.submit(RunConfig.from_toml(path), tmp_path / "job", echo=lambda _: None)
    assert not (tmp_path / "job").exists()
    path.write_text(CONFIG.format(backend="aer") + 'decoupling = "UR8"\n')
    with pytest.raises(QbcircuitError, match=r"`hardware.decoupling` must be one of"):
        RunConfig.from_toml(path)


@pytest.mark.skipif(
    importlib.util.find_spec("qiskit_ibm_runtime") is None, reason="cloud extra not installed"
)
def test_on_ibm_twirling_and_decoupling_are_the_runtime_options():
    from qiskit_ibm_runtime import SamplerV2
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    from qbcircuit.backends.ibm import IBMBackend

    fake = FakeManilaV2()
    backend = IBMBackend("ibm:manila", fake.name, fake)  # offline: never submitted
    experiment = TomographyExperiment(
        MODEL, np.array([0.0, 1.0]), 0.25, instances=4, twirls=4, decoupling="XY4", seed=1
    )
    plan = plan_tomography(experiment, backend)
    plain = plan_tomography(
        TomographyExperiment(MODEL, np.array([0.0, 1.0]), 0.25, instances=4, seed=1), backend
    )
    assert len(plan.circuits) == len(plain.circuits)  # no copies and no pulses built here
    assert plan.digest == plain.digest
    assert "4 randomizations (runtime); dynamical decoupling: XY4 (runtime)" in describe_cost(plan)
    sampler = backend.configure(SamplerV2(mode=fake), twirls=4, decoupling="XY4")
    assert sampler.options.twirling.enable_gates is True
    assert sampler.options.twirling.num_randomizations == 4
    assert sampler.options.twirling.shots_per_randomization == "auto"
    assert sampler.options.dynamical_decoupling.enable is True
    assert sampler.options.dynamical_decoupling.sequence_type == "XY4"
