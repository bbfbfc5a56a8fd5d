"""The observables registry: closed forms on known states, the same values from every form of
a state, and battery purity Tr[rho_B^2] on every path."""

import math

import numpy as np
import pytest
from systems import random_density_matrix
from tolerances import AGREE, EXACT

from qbcircuit import StarModel, exact, thermo
from qbcircuit.emulation import emulate
from qbcircuit.observables import OBSERVABLES, BatteryState, evaluate, values
from qbcircuit.tomography import emulate_tomography

NAMES = ["energy", "ergotropy", "local_ergotropy", "locked_ergotropy", "purity"]


def w_state(n):
    """|N/2, 1>: one excitation shared by n qubits, in qubit order and as a vector."""
    psi = np.zeros(2**n)
    psi[[1 << q for q in range(n)]] = 1 / math.sqrt(n)
    return psi


def test_the_registry_lists_what_every_path_computes():
    assert list(OBSERVABLES) == NAMES


@pytest.mark.parametrize("n", [2, 3, 5])
def test_w_state_in_every_form(n):
    """A pure state with one excitation: E = W = 1, each qubit diag(1 - 1/n, 1/n) is passive, so
    all the work is locked in correlations; purity 1."""
    psi = w_state(n)
    dicke = np.zeros((n + 1, n + 1))
    dicke[1, 1] = 1.0
    forms = [
        BatteryState.from_qubits(np.outer(psi, psi)),
        BatteryState.from_dicke(dicke),
        BatteryState.from_factor(psi[:, None]),
    ]
    expected = dict(energy=1.0, ergotropy=1.0, local_ergotropy=0.0, locked_ergotropy=1.0)
    for state in forms:
        got = values(state, omega0=1.0)
        assert got == pytest.approx({**expected, "purity": 1.0}, abs=EXACT)
    assert values(forms[0], omega0=2.5)["energy"] == pytest.approx(2.5, abs=EXACT)


@pytest.mark.parametrize("n", [1, 2, 4, 7])
def test_maximally_mixed_symmetric_state(n):
    """1/(N+1) on the symmetric subspace: purity 1/(N+1), W/E = (N-1)/(N+1)."""
    got = values(BatteryState.from_dicke(np.eye(n + 1) / (n + 1)), omega0=1.0)
    assert got["purity"] == pytest.approx(1 / (n + 1), abs=EXACT)
    assert got["energy"] == pytest.approx(n / 2, abs=EXACT)
    assert got["ergotropy"] / got["energy"] == pytest.approx((n - 1) / (n + 1), abs=EXACT)


def test_dense_and_factor_forms_agree_on_random_states():
    rng = np.random.default_rng(3)
    for n, rank in [(2, 1), (3, 2), (4, 3)]:
        g = rng.normal(size=(2**n, rank)) + 1j * rng.normal(size=(2**n, rank))
        g /= np.linalg.norm(g)
        dense = values(BatteryState.from_qubits(g @ g.conj().T), 1.3)
        assert values(BatteryState.from_factor(g), 1.3) == pytest.approx(dense, abs=EXACT)
        assert dense["ergotropy"] == pytest.approx(thermo.ergotropy(g @ g.conj().T, 1.3), abs=EXACT)
    rho = random_density_matrix(8, rng)
    got = values(BatteryState.from_qubits(rho), 1.0)
    assert got["purity"] == pytest.approx(float(np.real(np.trace(rho @ rho))), abs=EXACT)
    assert got["local_ergotropy"] == pytest.approx(thermo.local_ergotropy(rho), abs=EXACT)
    series = evaluate([BatteryState.from_qubits(rho)] * 3, 1.0, ["purity"])
    assert list(series) == ["purity"] and series["purity"].shape == (3,)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_a_batch_of_states_gives_each_state_its_own_values(n):
    rng = np.random.default_rng(n)
    states = np.array([random_density_matrix(2**n, rng, rank=1 + k % 3) for k in range(4)])
    batch = BatteryState.from_qubit_batch(states)
    assert len(batch) == 4
    for state, got in zip(states, batch, strict=True):
        alone = BatteryState.from_qubits(state)
        assert values(got, 0.9) == pytest.approx(values(alone, 0.9), abs=EXACT)
        assert values(got, 0.9) == pytest.approx(
            {
                "energy": thermo.energy(state, 0.9),
                "ergotropy": thermo.ergotropy(state, 0.9),
                "local_ergotropy": thermo.local_ergotropy(state, 0.9),
                "locked_ergotropy": thermo.ergotropy(state, 0.9)
                - thermo.local_ergotropy(state, 0.9),
                "purity": float(np.real(np.trace(state @ state))),
            },
            abs=EXACT,
        )
        for q, (mine, count) in enumerate(got.qubit_states):
            assert count == 1
            np.testing.assert_allclose(mine, thermo.reduced_state(state, [q]), atol=EXACT)


def one_qubit_purity(trajectory):
    """Closed form for N = 1 from E and the local ergotropy of the same state: the Bloch
    vector has z = 1 - 2E and |r| = 2 W_local + z, and Tr[rho^2] = (1 + |r|^2) / 2."""
    z = 1 - 2 * trajectory.energy
    length = 2 * trajectory.local_ergotropy + z
    return (1 + length**2) / 2


MODEL = StarModel(n_batteries=1, drive=1.0, coupling=0.7, dephasing=0.8)
TIMES = np.linspace(0, 4, 9)


def test_purity_exact_full_and_dicke_against_closed_forms():
    for basis in ("full", "dicke"):
        trajectory = exact.evolve(MODEL, TIMES, basis=basis)
        np.testing.assert_allclose(trajectory.purity, one_qubit_purity(trajectory), atol=EXACT)
        assert trajectory.purity[0] == pytest.approx(1.0, abs=EXACT)
        assert np.min(trajectory.purity) < 0.9  # the battery qubit did get mixed
    detuned = StarModel(n_batteries=3, drive=1.0, coupling=0.5, dephasing=1.0, battery_detuning=0.5)
    late = 20 * exact.long_time(detuned).reach_time  # deviations ~ (1e-2)^20
    for basis in ("full", "dicke"):  # the maximally mixed sector state: 1/(N+1)
        assert exact.evolve(detuned, [late], basis=basis).purity[0] == pytest.approx(
            0.25, abs=AGREE
        )


@pytest.mark.parametrize("method", ["density_matrix", "statevector"])
def test_purity_aer_against_closed_form_and_exact(method):
    reference = exact.evolve(MODEL, TIMES)
    kind = "channel" if method == "density_matrix" else "pauli"
    instances = None if method == "density_matrix" else 16
    aer = emulate(MODEL, TIMES, dt=0.05, method=method, insertion=kind, instances=instances, seed=4)
    np.testing.assert_allclose(aer.purity, one_qubit_purity(aer), atol=EXACT)
    if method == "density_matrix":  # Strang dt = 0.05
        np.testing.assert_allclose(aer.purity, reference.purity, atol=2e-3)
    else:  # 16 random instances: the average state is a noisy estimate
        assert np.max(np.abs(aer.purity - reference.purity)) < 0.1


def test_purity_pulse_against_exact():
    pytest.importorskip("qiskit_dynamics")
    from qbcircuit import pulse

    reference = exact.evolve(MODEL, TIMES)
    rotating = pulse.evolve(MODEL, TIMES, frame="rotating", drive_shape="circular")
    np.testing.assert_allclose(rotating.purity, reference.purity, atol=1e-6)
    np.testing.assert_allclose(rotating.purity, one_qubit_purity(rotating), atol=1e-9)


def test_purity_tomography_against_exact():
    """Permutation tomography of N = 2, 20000 shots per setting (seeded): the fitted states'
    purity within 0.03 of exact."""
    model = MODEL.replace(n_batteries=2)
    times = [0.0, 1.0, 3.0]
    reference = exact.evolve(model, times)
    measured = emulate_tomography(model, times, dt=0.05, shots=20000, replicates=0, seed=7)
    assert set(NAMES) <= set(measured.series)
    assert np.max(np.abs(measured.purity - reference.purity)) < 0.03
    assert reference.purity[2] < 0.9  # a mixed state, not only the pure start
    np.testing.assert_allclose(
        measured.locked_ergotropy, measured.ergotropy - measured.local_ergotropy, atol=EXACT
    )
