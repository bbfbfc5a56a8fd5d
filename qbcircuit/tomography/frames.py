"""Frames: the linear maps from a battery-register state to the outcome probabilities of every
tomography setting, with their adjoints (see :mod:`qbcircuit.tomography.fitters` for the two
state forms, "pauli" and "permutation")."""

from __future__ import annotations

from functools import lru_cache
from math import comb
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qbcircuit import thermo
from qbcircuit.tomography.settings import permutation_directions

__all__ = ["Blocks", "project_to_simplex", "spin_operators"]

Blocks = tuple[NDArray[np.complex128], ...]

_IDENTITY = np.eye(2)
_PAULIS = np.array([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]])
_PROJECTORS = np.array([[(_IDENTITY + sign * p) / 2 for sign in (1, -1)] for p in _PAULIS]).reshape(
    6, 2, 2
)  # index 2 a + b: axis a (X, Y, Z), outcome b (0 <-> +1)
_DUALS = 3 * _PROJECTORS - _IDENTITY  # 3 |b><b| - 1: the canonical dual of the Pauli frame


def spin_operators(spin: float) -> NDArray[np.complex128]:
    """(S_x, S_y, S_z) for total spin ``spin`` in the basis m = j, j-1, ..., -j, shape (3, d, d)."""
    d = round(2 * spin) + 1
    m = spin - np.arange(d)
    raising = np.diag(np.sqrt(spin * (spin + 1) - m[1:] * (m[1:] + 1)), 1)  # <m+1|S+|m>
    return np.array(
        [(raising + raising.T) / 2, (raising - raising.T) / 2j, np.diag(m)], dtype=complex
    )


def project_to_simplex(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Euclidean projection of real numbers onto {x >= 0, sum x = 1}."""
    u = np.sort(values)[::-1]
    cumulative = np.cumsum(u) - 1
    index = np.arange(1, u.size + 1)
    last = index[u - cumulative / index > 0][-1]
    return np.maximum(values - cumulative[last - 1] / last, 0.0)


# ------------------------------------------------------------------------------- frames
class _PauliFrame:
    """3^n settings x 2^n outcomes on one 2^n block."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.spins: tuple[float, ...] = ()
        self.multiplicities = (1,)

    def to_frame(self, table: NDArray[Any]) -> NDArray[Any]:
        """(3^n, 2^n) -> (6,)*n with one axis (a_q, b_q) per qubit, qubit n-1 first."""
        n = self.n
        order = [axis for q in range(n - 1, -1, -1) for axis in (q, 2 * n - 1 - q)]
        return table.reshape((3,) * n + (2,) * n).transpose(order).reshape((6,) * n)

    def from_frame(self, tensor: NDArray[Any]) -> NDArray[Any]:
        n = self.n
        order = [2 * (n - 1 - q) for q in range(n)] + [2 * i + 1 for i in range(n)]
        return tensor.reshape((3, 2) * n).transpose(order).reshape(3**n, 2**n)

    def combine(self, weights: NDArray[Any], ops: NDArray[Any]) -> Blocks:
        """sum over settings and outcomes of weights times (x)_q ops[a_q, b_q]."""
        x = self.to_frame(weights)
        for _ in range(self.n):
            x = np.tensordot(x, ops, axes=([0], [0]))  # qubit n-1 first; appends (row, col)
        order = [2 * k for k in range(self.n)] + [2 * k + 1 for k in range(self.n)]
        return (x.transpose(order).reshape(2**self.n, 2**self.n),)

    def probabilities(self, blocks: Blocks) -> NDArray[np.float64]:
        n = self.n
        x = blocks[0].reshape((2,) * (2 * n))
        x = x.transpose([axis for k in range(n) for axis in (k, n + k)]).reshape((4,) * n)
        tr = _PROJECTORS.transpose(0, 2, 1).reshape(6, 4)  # Tr[rho P] = sum rho_ij P_ji
        for _ in range(n):
            x = np.tensordot(x, tr, axes=([0], [1]))
        return np.asarray(self.from_frame(x).real)

    def adjoint(self, weights: NDArray[np.float64]) -> Blocks:
        return self.combine(weights, _PROJECTORS)

    def data(self, counts: NDArray[np.float64]) -> NDArray[np.float64]:
        return counts

    def linear(self, frequencies: NDArray[np.float64]) -> Blocks:
        (rho,) = self.combine(frequencies, _DUALS)
        return (rho / 3**self.n,)

    def levels(self) -> tuple[NDArray[np.float64], ...]:
        return (thermo.battery_energies(self.n),)


class _PermutationFrame:
    """(n+1)(n+2)/2 common directions x (n+1) popcounts on the total-spin blocks."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.spins = tuple(n / 2 - r for r in range(n // 2 + 1))
        self.multiplicities = tuple(
            comb(n, r) - (comb(n, r - 1) if r else 0) for r in range(n // 2 + 1)
        )
        directions = permutation_directions(n)
        self.povm = []  # per block: (S, n+1, d, d)
        for spin in self.spins:
            operators = spin_operators(spin)
            d = operators.shape[1]
            elements = np.zeros((len(directions), n + 1, d, d), dtype=complex)
            for s, a in enumerate(directions):
                _, vectors = np.linalg.eigh(np.tensordot(a, operators, axes=1))  # m = -j..j
                for k in range(n + 1):
                    m = n / 2 - k
                    if abs(m) <= spin + 1e-9:
                        v = vectors[:, round(m + spin)]
                        elements[s, k] = np.outer(v, v.conj())
            self.povm.append(elements)
        self.design = np.hstack([_design_columns(e) for e in self.povm])
        self.pseudo_inverse = np.linalg.pinv(self.design)
        self.popcount = np.zeros((2**n, n + 1))
        self.popcount[np.arange(2**n), thermo.battery_energies(n).astype(int)] = 1.0

    def probabilities(self, blocks: Blocks) -> NDArray[np.float64]:
        total = sum(
            np.einsum("skab,ba->sk", e, sigma) for e, sigma in zip(self.povm, blocks, strict=True)
        )
        return np.asarray(np.real(total))

    def adjoint(self, weights: NDArray[np.float64]) -> Blocks:
        return tuple(np.einsum("sk,skab->ab", weights, e) for e in self.povm)

    def data(self, counts: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(counts @ self.popcount)

    def linear(self, frequencies: NDArray[np.float64]) -> Blocks:
        theta = self.pseudo_inverse @ frequencies.ravel()
        blocks, start = [], 0
        for e in self.povm:
            d = e.shape[-1]
            blocks.append(_hermitian(theta[start : start + d * d], d))
            start += d * d
        return tuple(blocks)

    def levels(self) -> tuple[NDArray[np.float64], ...]:
        return tuple(
            np.asarray(self.n / 2 - spin + np.arange(round(2 * spin) + 1), dtype=float)
            for spin in self.spins
        )


def _design_columns(elements: NDArray[np.complex128]) -> NDArray[np.float64]:
    """Columns d/d theta of Tr[sigma Q] for the real parameters theta of a Hermitian sigma:
    diagonal, then Re and Im of the upper triangle (coefficients Q_aa, 2 Re Q_ab, 2 Im Q_ab)."""
    d = elements.shape[-1]
    rows = elements.reshape(-1, d, d)
    upper = np.triu_indices(d, 1)
    diagonal = np.real(rows[:, np.arange(d), np.arange(d)])
    off = rows[:, upper[0], upper[1]]
    return np.hstack([diagonal, 2 * off.real, 2 * off.imag])


def _hermitian(theta: NDArray[np.float64], d: int) -> NDArray[np.complex128]:
    upper = np.triu_indices(d, 1)
    k = len(upper[0])
    sigma = np.diag(theta[:d]).astype(complex)
    sigma[upper] = theta[d : d + k] + 1j * theta[d + k : d + 2 * k]
    sigma[upper[1], upper[0]] = np.conj(sigma[upper])
    return sigma


@lru_cache(maxsize=16)
def _frame(n: int, method: str) -> _PauliFrame | _PermutationFrame:
    return _PauliFrame(n) if method == "pauli" else _PermutationFrame(n)
