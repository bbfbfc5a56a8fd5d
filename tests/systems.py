"""Analytic test systems, written down once."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def driven_dephased_qubit_excitation(
    times: NDArray[np.float64], drive: float, dephasing: float
) -> NDArray[np.float64]:
    """Excited population of one resonantly driven qubit, H = F sx, L = sqrt(gamma/2) sz, from |0>.

    Bloch equations with transverse decay gamma: dy/dt = -2F z - gamma y, dz/dt = 2F y, so
    z'' + gamma z' + 4F^2 z = 0 with z(0) = -1, z'(0) = 0:
        z(t) = -exp(-gamma t/2) [cos(nu t) + gamma/(2 nu) sin(nu t)],  nu = sqrt(4F^2 - gamma^2/4)
    (nu imaginary: overdamped, the same formula with cosh/sinh). p = (1 + z)/2.
    """
    nu = np.sqrt(complex(4 * drive**2 - dephasing**2 / 4))
    t = np.asarray(times, dtype=float)
    if abs(nu) < 1e-12:
        bracket = 1 + dephasing * t / 2
    else:
        bracket = np.cos(nu * t) + dephasing / (2 * nu) * np.sin(nu * t)
    z = -np.exp(-dephasing * t / 2) * np.real(bracket)
    return (1 + z) / 2


def random_density_matrix(dim: int, rng: np.random.Generator, rank: int | None = None) -> NDArray:
    """Random state (Ginibre ensemble of the given rank)."""
    g = rng.normal(size=(dim, rank or dim)) + 1j * rng.normal(size=(dim, rank or dim))
    rho = g @ g.conj().T
    return rho / np.trace(rho).real


def random_pure_state(dim: int, rng: np.random.Generator) -> NDArray:
    psi = rng.normal(size=dim) + 1j * rng.normal(size=dim)
    psi /= np.linalg.norm(psi)
    return np.outer(psi, psi.conj())


def permute_qubits(rho: NDArray, order: list[int]) -> NDArray:
    """State with qubit q moved to position order[q] (Qiskit order, qubit q = axis n-1-q)."""
    n = rho.shape[0].bit_length() - 1
    tensor = rho.reshape((2,) * (2 * n))
    axes = [0] * n
    for q, target in enumerate(order):
        axes[n - 1 - target] = n - 1 - q
    return tensor.transpose(axes + [a + n for a in axes]).reshape(rho.shape)


def permutation_average(rho: NDArray) -> NDArray:
    """(1/n!) sum over qubit permutations of the permuted state: its permutation-invariant part."""
    import itertools
    import math

    n = rho.shape[0].bit_length() - 1
    orders = list(itertools.permutations(range(n)))
    return sum(permute_qubits(rho, list(order)) for order in orders) / math.factorial(n)


def sample_counts(probabilities: NDArray, shots: int, rng: np.random.Generator) -> NDArray:
    """Multinomial counts, one row per setting: what an ideal sampler returns."""
    return np.array([rng.multinomial(shots, row / row.sum()) for row in probabilities])
