"""Backend specs, star layout, the fake-backend experiment end to end and readout mitigation
(cloud profile: qiskit-ibm-runtime and mthree). No test may touch the network."""

import socket

import numpy as np
import pytest

runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="fake and IBM backends are tested in the cloud profile"
)
pytest.importorskip("mthree", reason="readout mitigation is tested in the cloud profile")

from test_jobs import write_config  # noqa: E402
from tolerances import SIGMAS  # noqa: E402

from qbcircuit import (  # noqa: E402
    QbcircuitError,
    backends,
    exact,
    jobs,
)
from qbcircuit.circuits import insertion  # noqa: E402
from qbcircuit.cli import main  # noqa: E402
from qbcircuit.config import RunConfig  # noqa: E402
from qbcircuit.tomography import estimate_ergotropy  # noqa: E402
from qbcircuit.tomography.readout import ReadoutCalibration  # noqa: E402


@pytest.fixture(autouse=True)
def no_account(monkeypatch, tmp_path):
    """No saved IBM account is visible (conftest's no_network blocks every connection)."""
    from qiskit_ibm_runtime.accounts import management

    monkeypatch.setattr(
        management, "_DEFAULT_ACCOUNT_CONFIG_JSON_FILE", str(tmp_path / "qiskit-ibm.json")
    )
    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_URL", "QISKIT_IBM_INSTANCE"):
        monkeypatch.delenv(name, raising=False)


def test_the_network_is_blocked():
    with pytest.raises(OSError, match="network use"):
        socket.create_connection(("quantum.cloud.ibm.com", 443), timeout=1)
    with pytest.raises(OSError, match="network use"):
        socket.create_connection(("104.17.10.10", 443), timeout=1)


def test_backend_specs():
    names = {backends.resolve_backend(s).name for s in ("fake:torino", "fake:FakeTorino")}
    assert names == {"fake_torino"}
    noisy = backends.resolve_backend("aer:fake_sherbrooke")
    assert noisy.kind == "aer-noise" and not noisy.hardware and noisy.num_qubits == 127
    with pytest.raises(QbcircuitError, match="Unknown fake backend 'nowhere'"):
        backends.resolve_backend("fake:nowhere")


def test_channel_insertion_is_refused_on_hardware_targets(tmp_path, capsys):
    channel = insertion("channel")
    for target in (backends.FakeBackend("fake:torino", "x"), backends.IBMBackend("ibm:t", "x")):
        with pytest.raises(QbcircuitError, match="cannot run on"):
            target.check(channel, 3)
    backends.AerNoiseBackend("aer:torino", "x").check(channel, 3)  # Aer may
    path = write_config(tmp_path, insertion="channel")
    code = main(["submit", str(path), "--backend", "fake:torino", "--out", str(tmp_path / "j")])
    assert code == 2 and "use insertion 'pauli', 'gaussian'" in capsys.readouterr().err
    assert not (tmp_path / "j").exists()


def test_missing_credentials_give_one_sentence(tmp_path, capsys):
    with pytest.raises(QbcircuitError, match="No saved IBM Quantum credentials"):
        backends.resolve_backend("ibm:ibm_torino")
    path = write_config(tmp_path)
    assert main(["submit", str(path), "--backend", "ibm:ibm_torino", "--dry-run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("qbcircuit: error: No saved IBM") and "\n" not in err


def test_unreachable_service_gives_one_sentence(tmp_path):
    from qiskit_ibm_runtime.accounts import management

    runtime.QiskitRuntimeService.save_account(
        token="a" * 44,
        channel="ibm_quantum_platform",
        instance="crn:v1:bluemix:public:quantum-computing:us-east:a/0:0::",
        filename=management._DEFAULT_ACCOUNT_CONFIG_JSON_FILE,
        set_as_default=True,
    )
    with pytest.raises(QbcircuitError, match="Could not open the IBM Quantum service"):
        backends.resolve_backend("ibm:ibm_torino")


def test_star_layout_puts_the_batteries_next_to_the_charger():
    import rustworkx as rx

    device = backends.resolve_backend("fake:torino").device
    graph = device.coupling_map.graph.to_undirected(multigraph=False)
    center = backends.charger_candidates(device, 1)[0]
    layout = backends.star_layout(device, 5, center)
    distance = rx.distance_matrix(graph)[center]
    assert layout[0] == center and len(set(layout)) == 5
    assert [int(distance[q]) for q in layout[1:]] == [1, 1, 1, 2]  # heavy hex: degree 3


def test_fake_backend_experiment_end_to_end(tmp_path):
    """N = 2 on FakeTorino in local mode against Aer with the same noise model (4x the shots):
    equal within the shot noise of both; readout mitigation removes the readout bias of E(0)."""
    hardware = {"insertion": "gaussian", "instances": 4, "points": 2, "dt": 0.25}
    config = RunConfig.from_toml(write_config(tmp_path, **hardware))
    out = tmp_path / "fake"
    plan = jobs.submit(config, out, backend="fake:FakeTorino", echo=lambda _: None)
    assert plan.cost["two_qubit_gates_per_step"] <= 8  # ideal: 3 XX+YY = 6 CZ per Strang step
    assert plan.cost["qpu_seconds"] > 0
    measured, raw = jobs.collect(out / "job.json")
    assert raw is not None and measured.options["readout_mitigation"]
    assert measured.label == "hardware" and measured.options["backend_name"] == "fake_torino"
    fidelities = measured.options["readout"]["assignment"]
    assert len(fidelities) == 3  # charger + 2 batteries were calibrated

    text = config.text.replace("shots = 4000", "shots = 16000")
    (tmp_path / "more.toml").write_text(text)
    reference = jobs.submit(
        RunConfig.from_toml(tmp_path / "more.toml"),
        tmp_path / "aer",
        backend="aer:FakeTorino",
        echo=lambda _: None,
    )
    assert reference.values[6].tolist() == plan.values[6].tolist()  # the same instances
    simulated = jobs.collect(tmp_path / "aer")[0]
    for name in ("energy", "ergotropy"):
        spread = np.hypot(getattr(measured, f"{name}_error"), getattr(simulated, f"{name}_error"))
        gap = np.abs(getattr(measured, name) - getattr(simulated, name))
        assert np.all(gap <= SIGMAS * spread + 1e-3), (name, gap, spread)
    # at t = 0 the battery is in |00>: E = 0 exactly; readout errors raise the raw estimate
    assert raw.energy[0] > 0.02
    assert abs(measured.energy[0]) < SIGMAS * measured.energy_error[0] + 0.005
    # the device noise keeps E(t = 1) near, not at, the exact value
    ideal = exact.evolve(config.model, measured.times)
    assert abs(measured.energy[1] - ideal.energy[1]) < 0.1


def test_readout_correction_recovers_a_known_distribution():
    rng = np.random.default_rng(5)
    a = [np.array([[0.97, 0.06], [0.03, 0.94]]), np.array([[0.98, 0.04], [0.02, 0.96]])]
    noisy = np.kron(a[1], a[0])  # index bit 0 = qubit of a[0]
    zeros = rng.multinomial(200_000, noisy @ [1, 0, 0, 0])
    ones = rng.multinomial(200_000, noisy @ [0, 0, 0, 1])
    calibration = ReadoutCalibration.from_counts(zeros, ones, [11, 4])
    assert abs(calibration.fidelities[11] - 0.955) < 3e-3
    truth = np.array([0.5, 0.2, 0.1, 0.2])
    observed = rng.multinomial(100_000, noisy @ truth).astype(float)[None]
    corrected = calibration.corrector([11, 4])(observed)[0] / 100_000
    assert np.max(np.abs(corrected - truth)) < 0.01 < np.max(np.abs(observed[0] / 1e5 - truth))
    with pytest.raises(QbcircuitError, match="not calibrated"):
        calibration.corrector([11, 5])


def test_mitigated_ergotropy_estimate_removes_the_readout_bias():
    """Pauli tomography of |11> (W = 2, E = 2) through readout errors: raw W is biased low by
    many standard errors, the mitigated estimate is not; its error bars come from the bootstrap
    of the raw counts."""
    from qbcircuit.tomography import pauli_settings
    from qbcircuit.tomography.fitters import outcome_probabilities

    rng = np.random.default_rng(9)
    a = np.array([[0.95, 0.08], [0.05, 0.92]])
    noisy = np.kron(a, a)
    state = np.zeros((4, 4))
    state[3, 3] = 1.0
    ideal = outcome_probabilities(state, "pauli")
    assert ideal.shape == (len(pauli_settings(2)), 4)
    counts = np.array([rng.multinomial(4000, noisy @ row) for row in ideal])
    zeros = rng.multinomial(50_000, noisy @ [1, 0, 0, 0])
    ones = rng.multinomial(50_000, noisy @ [0, 0, 0, 1])
    correct = ReadoutCalibration.from_counts(zeros, ones, [0, 1]).corrector([0, 1])
    raw = estimate_ergotropy(counts, "pauli", replicates=40, seed=1)
    mitigated = estimate_ergotropy(counts, "pauli", replicates=40, seed=1, readout=correct)
    assert 2 - raw.ergotropy > 10 * raw.ergotropy_error
    assert abs(mitigated.ergotropy - 2) < SIGMAS * mitigated.ergotropy_error + 0.01
    assert abs(mitigated.energy - 2) < SIGMAS * mitigated.energy_error + 0.005
    assert mitigated.energy_error > 0
