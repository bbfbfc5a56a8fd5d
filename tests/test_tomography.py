"""Tomography: settings and circuits, fitters over count arrays, estimates with intervals.

Noiseless checks feed exact outcome probabilities (linear inversion is then exact); statistical
checks pin seeds and shots and assert thresholds.
"""

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit.library import XXPlusYYGate
from qiskit.quantum_info import DensityMatrix, partial_trace, random_unitary, state_fidelity
from systems import (
    permutation_average,
    permute_qubits,
    random_density_matrix,
    random_pure_state,
    sample_counts,
)
from tolerances import EXACT, SIGMAS

from qbcircuit import QbcircuitError, StarModel, exact, thermo
from qbcircuit.dicke import embedding
from qbcircuit.tomography import (
    build_tomography_circuits,
    estimate_ergotropy,
    outcome_probabilities,
    pauli_settings,
    permutation_directions,
    recommend_shots,
    reconstruct,
    setting_count,
    spin_operators,
)

MODEL = StarModel(n_batteries=4, drive=1.0, coupling=0.5, dephasing=1.0)


def dicke_state(n, k):
    state = np.zeros((n + 1, n + 1))
    state[k, k] = 1.0
    return state


# ------------------------------------------------------------------------ settings, circuits
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_setting_counts(n):
    assert setting_count(n, "pauli") == 3**n == len(pauli_settings(n))
    assert setting_count(n, "permutation") == (n + 1) * (n + 2) // 2
    directions = permutation_directions(n)
    assert directions.shape == ((n + 1) * (n + 2) // 2, 3)
    assert np.allclose(np.linalg.norm(directions, axis=1), 1.0)
    assert np.allclose(directions[0], [0, 0, 1])  # the energy setting
    assert len(set(map(tuple, directions.round(12)))) == len(directions)


def _measured_state(circuit, qubits):
    """Reduced state of ``qubits`` just before the tomography rotations (register order)."""
    bare = QuantumCircuit(circuit.num_qubits)
    bare.compose(circuit, inplace=True)
    rho = DensityMatrix(bare)
    traced = [q for q in range(circuit.num_qubits) if q not in qubits]
    reduced = partial_trace(rho, traced).data if traced else rho.data
    order = sorted(qubits)  # partial_trace keeps ascending qubit order; the register may not
    return permute_qubits(reduced, [qubits.index(q) for q in order])


@pytest.mark.parametrize("method", ["pauli", "permutation"])
def test_circuits_realise_the_fitters_settings(method):
    """Each tomography circuit's exact outcome distribution (register bit q = qubits[q]) is the
    row that outcome_probabilities predicts: rotations, order and bit convention agree."""
    circuit = QuantumCircuit(4)
    circuit.append(random_unitary(16, seed=3).to_instruction(), range(4))
    circuit.append(XXPlusYYGate(0.7, 0.1), [0, 2])
    qubits = [3, 1, 2]  # out of order on purpose; qubit 0 plays the charger
    circuits = build_tomography_circuits(circuit, qubits, method=method)
    assert len(circuits) == setting_count(3, method)
    expected = outcome_probabilities(_measured_state(circuit, qubits), method)
    for s, tomo in enumerate(circuits):
        assert tomo.metadata["tomography"] == {"method": method, "setting": s, "qubits": qubits}
        rotated = tomo.remove_final_measurements(inplace=False)
        probabilities = DensityMatrix(rotated).probabilities(qubits)
        assert np.max(np.abs(probabilities - expected[s])) < EXACT


def test_tomography_circuits_bad_input():
    circuit = QuantumCircuit(3)
    with pytest.raises(QbcircuitError, match=r"distinct qubit indices in 0\.\.2"):
        build_tomography_circuits(circuit, [1, 1])
    with pytest.raises(QbcircuitError, match="distinct"):
        build_tomography_circuits(circuit, [3])
    with pytest.raises(QbcircuitError, match="method"):
        build_tomography_circuits(circuit, [1], method="shadow")


# ------------------------------------------------------------------------ noiseless fitters
@pytest.mark.parametrize("n", [1, 2, 3])
def test_pauli_linear_inversion_is_exact(n):
    rho = random_density_matrix(2**n, np.random.default_rng(n))
    fit = reconstruct(outcome_probabilities(rho, "pauli"), "pauli", "linear", probabilities=True)
    assert np.max(np.abs(fit.density_matrix() - rho)) < EXACT
    assert fit.ergotropy() == pytest.approx(thermo.ergotropy(rho), abs=EXACT)
    assert fit.local_ergotropy() == pytest.approx(thermo.local_ergotropy(rho), abs=EXACT)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_permutation_fit_is_the_permutation_invariant_part(n):
    """For a non-symmetric state the blocks reproduce rho_PI = average over permutations:
    its energy, full 2^n spectrum, ergotropy (<= that of rho) and local ergotropy."""
    rho = random_density_matrix(2**n, np.random.default_rng(10 + n), rank=3)
    average = permutation_average(rho)
    probabilities = outcome_probabilities(rho, "permutation")
    fit = reconstruct(probabilities, "permutation", "linear", probabilities=True)
    assert fit.multiplicities == tuple(
        math.comb(n, r) - (math.comb(n, r - 1) if r else 0) for r in range(n // 2 + 1)
    )
    assert np.max(np.abs(fit.spectrum() - np.linalg.eigvalsh(average)[::-1])) < EXACT
    assert fit.energy() == pytest.approx(thermo.energy(rho), abs=EXACT)
    assert fit.ergotropy() == pytest.approx(thermo.ergotropy(average), abs=EXACT)
    assert fit.ergotropy() <= thermo.ergotropy(rho) + EXACT
    assert fit.local_ergotropy() == pytest.approx(thermo.local_ergotropy(average), abs=EXACT)


@pytest.mark.parametrize("n", [4, 6, 8, 10])
def test_symmetric_block_is_the_dicke_matrix(n):
    state = random_density_matrix(n + 1, np.random.default_rng(n), rank=2)
    probabilities = outcome_probabilities(state, basis="dicke")
    fit = reconstruct(probabilities, "permutation", "linear", probabilities=True)
    assert np.max(np.abs(fit.blocks[0] - state)) < 1e-9
    assert all(np.max(np.abs(b)) < 1e-9 for b in fit.blocks[1:])
    assert fit.ergotropy() == pytest.approx(thermo.ergotropy_symmetric(state), abs=1e-9)
    if n <= 6:  # the Dicke shortcut equals the full-space probabilities
        full = embedding(n) @ state @ embedding(n).T
        assert np.allclose(outcome_probabilities(full), outcome_probabilities(state, basis="dicke"))


def test_spin_operators_commutation():
    for spin in (0.5, 1.0, 2.5):
        sx, sy, sz = spin_operators(spin)
        assert np.allclose(sx @ sy - sy @ sx, 1j * sz)
        assert np.allclose(sx @ sx + sy @ sy + sz @ sz, spin * (spin + 1) * np.eye(sx.shape[0]))


# ------------------------------------------------------------------------ statistics
@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("fitter", ["projected", "mle"])
def test_fidelity_of_random_pure_states(n, fitter):
    rng = np.random.default_rng(100 + n)
    for _ in range(5):
        rho = random_pure_state(2**n, rng)
        counts = sample_counts(outcome_probabilities(rho, "pauli"), 5000, rng)
        fit = reconstruct(counts, "pauli", fitter).density_matrix()
        assert state_fidelity(fit, rho, validate=False) > 0.99


@pytest.mark.parametrize("method", ["pauli", "permutation"])
@pytest.mark.parametrize("fitter", ["projected", "mle"])
def test_fits_are_physical(method, fitter):
    """Hermitian, PSD, trace 1 even from a handful of shots (where linear inversion is not)."""
    rng = np.random.default_rng(5)
    rho = random_density_matrix(8, rng, rank=1)
    unphysical = 0
    for shots in (3, 10, 100):
        counts = sample_counts(outcome_probabilities(rho, method), shots, rng)
        fit = reconstruct(counts, method, fitter)
        unphysical += not reconstruct(counts, method, "linear").physical
        assert fit.physical
        for block in fit.blocks:
            assert np.max(np.abs(block - block.conj().T)) < 1e-12
        assert sum(np.trace(b).real for b in fit.blocks) == pytest.approx(1, abs=1e-12)
        assert fit.spectrum().min() > -1e-12
    assert unphysical > 0  # the check above is not vacuous


def test_mle_maximises_the_likelihood():
    rng = np.random.default_rng(8)
    rho = random_density_matrix(4, rng, rank=1)
    counts = sample_counts(outcome_probabilities(rho, "pauli"), 500, rng)

    def log_likelihood(fit):
        return float(np.sum(counts * np.log(np.maximum(fit.probabilities(), 1e-300))))

    assert log_likelihood(reconstruct(counts, "pauli", "mle")) > log_likelihood(
        reconstruct(counts, "pauli", "projected")
    )


@pytest.mark.slow
@pytest.mark.parametrize("n", [4, 6, 8])
def test_permutation_tomography_of_symmetric_states(n):
    """W within 3 standard errors of exact at 1e4 shots per setting: a Dicke state and the
    exact battery state of the model (mixed, rank 2) at t = 3."""
    battery = exact.evolve(MODEL.replace(n_batteries=n), [3.0], basis="dicke", keep_states=True)
    rng = np.random.default_rng(n)
    for state in (dicke_state(n, n // 2), battery.states[0]):
        counts = sample_counts(outcome_probabilities(state, basis="dicke"), 10_000, rng)
        estimate = estimate_ergotropy(counts, "permutation", fitter="mle", replicates=50, seed=n)
        truth = thermo.ergotropy_symmetric(state)
        assert abs(estimate.ergotropy - truth) < SIGMAS * estimate.ergotropy_error
        assert estimate.ergotropy_error < 0.02 * n
        energy = float(np.real(np.diagonal(state)) @ np.arange(n + 1))
        assert abs(estimate.energy - energy) < SIGMAS * max(estimate.energy_error, 1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["pauli", "permutation"])
def test_bootstrap_interval_coverage(method):
    """A 90% interval covers the exact W in >= 80% of 50 seeded repetitions (N = 2 battery
    state at t = 5, 2000 shots per setting, MLE, percentile interval)."""
    battery = exact.evolve(MODEL.replace(n_batteries=2), [5.0], basis="dicke", keep_states=True)
    state = battery.states[0]
    truth = thermo.ergotropy_symmetric(state)
    probabilities = outcome_probabilities(state, method, basis="dicke")
    rng = np.random.default_rng(2024)
    covered = 0
    for repetition in range(50):
        counts = sample_counts(probabilities, 2000, rng)
        estimate = estimate_ergotropy(counts, method, replicates=100, seed=repetition)
        low, high = estimate.ergotropy_interval
        covered += low <= truth <= high
    assert covered >= 40


def test_estimate_fields_and_energy_from_z_counts():
    state = dicke_state(3, 1) * 0.5 + dicke_state(3, 3) * 0.5
    counts = sample_counts(
        outcome_probabilities(state, basis="dicke"), 4000, np.random.default_rng(1)
    )
    estimate = estimate_ergotropy(counts, "permutation", replicates=20, seed=3, omega0=2.0)
    z_counts = counts[0]  # +z setting: the popcount is the number of excitations
    popcount = np.array([bin(b).count("1") for b in range(8)])
    assert estimate.energy == pytest.approx(2.0 * (z_counts @ popcount) / 4000, abs=1e-12)
    assert estimate.energy == pytest.approx(4.0, abs=SIGMAS * estimate.energy_error)
    assert estimate.settings == 10 and estimate.shots == 40_000
    # W of the state: E = 2 (1/2 + 3/2) = 4, spectrum (1/2, 1/2) on the levels 0 and omega0
    low, high = estimate.ergotropy_interval
    assert low < 3.0 < high and high - low < 6 * estimate.ergotropy_error
    assert estimate.ergotropy == pytest.approx(3.0, abs=SIGMAS * estimate.ergotropy_error)
    assert 0 <= estimate.ratio <= 1 and estimate.replicates == 20
    again = estimate_ergotropy(counts, "permutation", replicates=20, seed=3, omega0=2.0)
    assert again.ergotropy_interval == estimate.ergotropy_interval  # seeded


def test_bias_correction_removes_the_upward_bias_near_zero_ergotropy():
    """A passive N = 3 state (W = 0) fitted by projected linear inversion at 300 shots: the
    plug-in W sits 7 standard errors of the mean above 0 over 12 repetitions; less its
    bootstrap bias it is within 2 of 0 and over 5x closer."""
    state = 0.85 * dicke_state(3, 0) + 0.15 * dicke_state(3, 1)
    probabilities = outcome_probabilities(state, basis="dicke")
    rng = np.random.default_rng(7)
    plain, corrected = [], []
    for repetition in range(12):
        counts = sample_counts(probabilities, 300, rng)
        options = dict(fitter="projected", replicates=60, seed=repetition)
        a = estimate_ergotropy(counts, "permutation", **options)
        b = estimate_ergotropy(counts, "permutation", correct_bias=True, **options)
        assert b.bias_corrected and not a.bias_corrected
        assert b.ergotropy == a.ergotropy - a.ergotropy_bias == a.ergotropy - b.ergotropy_bias
        assert b.ergotropy_interval == pytest.approx(
            [x - a.ergotropy_bias for x in a.ergotropy_interval], abs=1e-15
        )
        assert (b.energy, b.ergotropy_error) == (a.energy, a.ergotropy_error)
        plain.append(a.ergotropy)
        corrected.append(b.ergotropy)
    spread = np.std(plain, ddof=1) / np.sqrt(len(plain))
    assert np.mean(plain) > 4 * spread
    assert abs(np.mean(corrected)) < 2 * np.std(corrected, ddof=1) / np.sqrt(len(corrected))
    assert abs(np.mean(corrected)) * 5 < np.mean(plain)


def test_recommend_shots_follows_the_error_model():
    state = exact.evolve(MODEL.replace(n_batteries=3), [3.0], basis="dicke", keep_states=True)
    rng = np.random.default_rng(4)
    probabilities = outcome_probabilities(state.states[0], basis="dicke")
    pilot = estimate_ergotropy(sample_counts(probabilities, 500, rng), replicates=60, seed=1)
    target = pilot.ergotropy_error / 3
    shots = recommend_shots(pilot, target)
    assert shots >= 500 * 9 * 0.9  # SE ~ 1/sqrt(shots): at least ~9x the pilot
    assert recommend_shots(pilot, target / 2) > shots
    check = estimate_ergotropy(sample_counts(probabilities, shots, rng), replicates=60, seed=2)
    assert check.ergotropy_error < 1.5 * target


# ------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "counts, method, fragment",
    [
        (np.ones((9, 8)), "pauli", "needs counts for all 27 settings, got 9"),
        (np.ones((10, 4)), "permutation", "needs counts for all 6 settings, got 10"),
        (np.ones((6, 3)), "permutation", "2^n outcomes"),
        (np.vstack([np.ones((5, 4)), np.zeros((1, 4))]), "permutation", "Setting 5 has no shots"),
        ([{"0x": 3}] * 6, "permutation", "not a string of 2 characters '0'/'1'"),
        ([{"01": 3, "0 1": 1}] * 6, "permutation", "'0 1'"),
        ([{"01": -2}] * 6, "permutation", "must be an integer >= 0"),
        ([{"01": 2}] * 5, "permutation", "all 6 settings, got 5"),
        (np.full((6, 4), -1.0), "permutation", ">= 0"),
        (np.full((6, 4), 3 + 1j), "permutation", "real numbers"),
        (np.full((6, 4), np.nan), "permutation", "finite"),
        (np.full((6, 4), 2.5), "permutation", "must be integers"),
        (np.full((6, 4), True), "permutation", "real numbers"),
        ([{"01": 2.5}] * 6, "permutation", "must be an integer >= 0, got 2.5"),
        ([{"01": 1j}] * 6, "permutation", "must be an integer >= 0"),
        ("counts", "permutation", "Counts must be an array"),
    ],
)
def test_bad_counts_are_one_sentence(counts, method, fragment):
    with pytest.raises(QbcircuitError, match=fragment.replace("(", r"\(").replace("^", r"\^")):
        estimate_ergotropy(counts, method)


def test_bad_estimate_options():
    counts = np.ones((6, 4))
    for kwargs, fragment in (
        ({"fitter": "bayes"}, "fitter"),
        ({"confidence": 1.0}, "confidence"),
        ({"replicates": -1}, "replicates"),
        ({"interval": "bca"}, "interval"),
        ({"correct_bias": True, "replicates": 0}, "needs replicates >= 2"),
        ({"correct_bias": 1}, "correct_bias"),
        ({"omega0": 0}, "omega0"),
    ):
        with pytest.raises(QbcircuitError, match=fragment):
            estimate_ergotropy(counts, "permutation", **kwargs)
    with pytest.raises(QbcircuitError, match="n_qubits"):
        estimate_ergotropy([{0: 5}] * 6, "permutation")
    with pytest.raises(QbcircuitError, match="Counts must be integers: setting 0, outcome 0"):
        estimate_ergotropy(np.full((6, 4), 0.25), "permutation")
    with pytest.raises(QbcircuitError, match="bootstrap needs integer counts"):
        estimate_ergotropy(np.full((6, 4), 0.25), "permutation", probabilities=True)
    exact = estimate_ergotropy(np.full((6, 4), 0.25), replicates=0, probabilities=True)
    assert exact.energy == pytest.approx(1.0)
    with pytest.raises(QbcircuitError, match="Counts are for 2 qubits, expected 3"):
        estimate_ergotropy(counts, "permutation", n_qubits=3)
