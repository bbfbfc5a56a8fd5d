"""Generic exact propagation: vectorised Lindblad generator + Krylov-free Taylor (expm_multiply).

Works for any parameters, in the full 2^(N+1) space or the 2(N+1) Dicke sector; it is the
independent reference for the structured resonant solver.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.linalg import expm_multiply

from qbcircuit.model import Basis, StarModel

__all__ = ["full_memory_estimate", "liouvillian", "propagate", "split_charger"]


def liouvillian(model: StarModel, basis: Basis) -> sp.csr_matrix:
    """Row-major vectorised generator: d vec(rho)/dt = L vec(rho), vec = rho.ravel().

    -i(H (x) 1 - 1 (x) H^T) + (gamma/2)(S (x) S - 1) for L = sqrt(gamma/2) S, S = sz_C (S^2 = 1).
    """
    h = model.hamiltonian(basis)
    s = model.jump_operator(basis)  # sqrt(gamma/2) sz_C, Hermitian, real
    eye = sp.identity(h.shape[0], format="csr", dtype=complex)
    generator = -1j * (sp.kron(h, eye) - sp.kron(eye, h.T))
    if model.dephasing > 0:
        generator = generator + sp.kron(s, s.conj()) - (model.dephasing / 2) * sp.kron(eye, eye)
    return sp.csr_matrix(generator)


def full_memory_estimate(n_batteries: int) -> int:
    """Bytes needed by the full-space generic solver (generator + a few work vectors)."""
    dim = 2 ** (n_batteries + 1)
    nnz_h = dim * (2 + n_batteries)  # diagonal, drive, at most N flip-flops per row
    nnz_l = 2 * nnz_h * dim + dim * dim
    return int(nnz_l * 28 + 8 * 16 * dim * dim)  # csr (value + index) x ~2 copies while built


def ground_vector(dim: int) -> NDArray[np.complex128]:
    rho = np.zeros(dim * dim, dtype=complex)
    rho[0] = 1.0
    return rho


def propagate(
    generator: sp.csr_matrix, rho0: NDArray[np.complex128], times: NDArray[np.float64]
) -> Iterator[NDArray[np.complex128]]:
    """Yield vec(rho(t)) for each t in ``times`` (increasing, from rho0 at t = 0)."""
    trace = complex(generator.diagonal().sum())
    current, now = rho0, 0.0
    for t in times:
        if t > now:
            current = expm_multiply((t - now) * generator, current, traceA=(t - now) * trace)
            now = float(t)
        yield current


def split_charger(
    vec: NDArray[np.complex128], dim: int
) -> tuple[NDArray[np.complex128], float]:
    """Battery state (trace over the charger, the fastest index) and charger excitation."""
    rho = vec.reshape(dim // 2, 2, dim // 2, 2)
    battery = np.einsum("icjc->ij", rho)
    excitation = float(np.real(np.einsum("ii->", rho[:, 1, :, 1])))
    return battery, excitation
