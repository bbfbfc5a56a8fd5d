import itertools

import numpy as np
import pytest
from systems import permute_qubits, random_density_matrix, random_pure_state
from tolerances import EXACT

from qbcircuit import QbcircuitError, thermo
from qbcircuit.dicke import embedding

RNG = np.random.default_rng(20261128)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_pure_state_ergotropy_is_energy_above_ground(n):
    for _ in range(5):
        rho = random_pure_state(2**n, RNG)
        omega0 = 1.7
        e = thermo.energy(rho, omega0)
        assert thermo.ergotropy(rho, omega0) == pytest.approx(e - 0.0, abs=EXACT)


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("beta", [0.0, 0.3, 2.0, -0.5])
def test_gibbs_states(n, beta):
    levels = thermo.battery_energies(n)
    weights = np.exp(-beta * levels)
    rho = np.diag(weights / weights.sum())
    work = thermo.ergotropy(rho)
    if beta >= 0:  # passive
        assert work == pytest.approx(0.0, abs=EXACT)
    else:  # population inversion: the reversed Gibbs state is active
        assert work > 0.1


def test_passive_states_have_zero_ergotropy_and_lower_energy():
    for n in (1, 2, 3):
        rho = random_density_matrix(2**n, RNG)
        passive = thermo.passive_state(rho)
        assert thermo.ergotropy(passive) == pytest.approx(0.0, abs=EXACT)
        assert np.allclose(np.linalg.eigvalsh(passive), np.linalg.eigvalsh(rho), atol=EXACT)
        assert thermo.energy(rho) - thermo.energy(passive) == pytest.approx(
            thermo.ergotropy(rho), abs=EXACT
        )


def test_random_states_between_zero_and_energy():
    for n in (1, 2, 3, 4):
        for rank in (1, 2, 2**n):
            rho = random_density_matrix(2**n, RNG, rank)
            work = thermo.ergotropy(rho)
            assert -EXACT <= work <= thermo.energy(rho) + EXACT


def test_permutation_invariance():
    rho = random_density_matrix(8, RNG)
    reference = (thermo.energy(rho), thermo.ergotropy(rho), thermo.local_ergotropy(rho))
    for order in itertools.permutations(range(3)):
        moved = permute_qubits(rho, list(order))
        values = (thermo.energy(moved), thermo.ergotropy(moved), thermo.local_ergotropy(moved))
        assert np.allclose(values, reference, atol=EXACT)
    # the permutation really moves something: a product state |1> (x) |0> (x) |0>
    single = np.zeros((8, 8))
    single[1, 1] = 1.0  # qubit 0 excited
    assert np.allclose(np.diag(permute_qubits(single, [2, 0, 1]))[4], 1.0)


def test_custom_hamiltonian():
    plus = np.full((2, 2), 0.5)
    minus = np.array([[0.5, -0.5], [-0.5, 0.5]])
    x = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert thermo.ergotropy(plus, hamiltonian=x) == pytest.approx(2.0, abs=EXACT)
    assert thermo.ergotropy(minus, hamiltonian=x) == pytest.approx(0.0, abs=EXACT)
    passive = thermo.passive_state(plus, hamiltonian=x)
    assert np.allclose(passive, minus, atol=EXACT)


def test_local_ergotropy_of_bell_state_is_zero_but_global_is_not():
    psi = np.zeros(4)
    psi[[0, 3]] = 1 / np.sqrt(2)
    bell = np.outer(psi, psi)
    assert thermo.local_ergotropy(bell) == pytest.approx(0.0, abs=EXACT)
    assert thermo.ergotropy(bell) == pytest.approx(1.0, abs=EXACT)
    assert np.allclose(thermo.reduced_state(bell, [0]), np.eye(2) / 2)


def test_reduced_state_keeps_qiskit_order():
    # |q1 q0> = |1 0>: qubit 1 excited, index 2
    rho = np.zeros((4, 4))
    rho[2, 2] = 1
    assert np.allclose(thermo.reduced_state(rho, [1]), np.diag([0.0, 1.0]))
    assert np.allclose(thermo.reduced_state(rho, [0]), np.diag([1.0, 0.0]))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_symmetric_fast_path_equals_full_spectrum(n):
    v = embedding(n)
    for rank in (1, 2, n + 1):
        sym = random_density_matrix(n + 1, RNG, rank)
        full = v @ sym @ v.T
        assert thermo.ergotropy_symmetric(sym) == pytest.approx(thermo.ergotropy(full), abs=EXACT)
        assert thermo.energy(full) == pytest.approx(
            float(np.real(np.diag(sym)) @ np.arange(n + 1)), abs=EXACT
        )


@pytest.mark.parametrize("n", [2, 5, 30])
def test_degeneracy_matters_for_the_maximally_mixed_symmetric_state(n):
    """The (N+1)-level ladder alone would call this state passive (W = 0)."""
    sym = np.eye(n + 1) / (n + 1)
    expected = n / 2 - (1 - 1 / (n + 1))
    assert thermo.ergotropy_symmetric(sym) == pytest.approx(expected, abs=EXACT)
    assert expected > 0


@pytest.mark.parametrize(
    "rho, fragment",
    [
        (np.array([[1.0, 0.1], [0.0, 0.0]]), "Hermitian"),
        (np.eye(2), "trace 1"),
        (np.diag([1.5, -0.5]), "positive semidefinite"),
        (np.eye(3) / 3, r"2\^n x 2\^n"),
        (np.ones(4) / 4, "square"),
        (np.diag([np.nan, 1.0]), "finite"),
    ],
)
def test_rejects_non_density_matrices(rho, fragment):
    with pytest.raises(QbcircuitError, match=fragment):
        thermo.ergotropy(rho)
