"""Pure fitters over count arrays (no simulator): ``reconstruct(counts, method, fitter)``.

A fitter works on a *frame*: the linear map from a state to the outcome probabilities of every
setting, with its adjoint. The state is a tuple of blocks:

- "pauli": one block, the 2^n x 2^n density matrix (Qiskit order). The frame is a tensor product
  over qubits, so probabilities and adjoints are contracted qubit by qubit (no 4^n x 6^n matrix).
- "permutation": the permutation-invariant part of the state, rho_PI = (+)_j (sigma_j / d_j) (x)
  1_{d_j}, over total spins j = n/2, n/2 - 1, ... (Schur-Weyl); block sigma_j is (2j+1)-square in
  the basis m = j, j-1, ..., -j of S_z = sum_q Z_q / 2, d_j is the multiplicity of spin j, and
  Tr rho_PI = sum_j Tr sigma_j. Outcome k of a setting (k qubits gave -1) projects every block
  onto |j, m = n/2 - k> along the setting's direction, so only the popcount histogram of each
  setting matters. For a symmetric state sigma_{n/2} is its Dicke-basis matrix (index =
  excitations), the basis of :mod:`qbcircuit.dicke`.

Fitters: "linear" (linear inversion; not always a physical state), "projected" (linear, then the
nearest physical state: eigenvalues projected onto the simplex, Smolin, Gambetta & Smith,
PRL 108, 070502 (2012)), "mle" (maximum likelihood, by L-BFGS over a factor A of
rho = A A^+ / Tr, with exact gradients from the frame adjoint).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import comb
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qbcircuit import thermo
from qbcircuit._checks import QbcircuitError, check_positive
from qbcircuit.observables import BatteryState
from qbcircuit.tomography.counts import counts_array
from qbcircuit.tomography.settings import permutation_directions

__all__ = [
    "FITTERS",
    "Reconstruction",
    "outcome_probabilities",
    "project_to_simplex",
    "reconstruct",
    "spin_operators",
]

FITTERS = ("linear", "projected", "mle")
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


# ------------------------------------------------------------------------------- fitters
def _project(blocks: Blocks) -> Blocks:
    pairs = [np.linalg.eigh((b + b.conj().T) / 2) for b in blocks]
    values = project_to_simplex(np.concatenate([w for w, _ in pairs]))
    out, start = [], 0
    for w, v in pairs:
        out.append((v * values[start : start + w.size]) @ v.conj().T)
        start += w.size
    return tuple(out)


def _mle(
    frame: _PauliFrame | _PermutationFrame, data: NDArray[np.float64], start: Blocks
) -> Blocks:
    """Maximise L = sum n_sk log p_sk over states sigma_j = A_j A_j^+ / sum Tr(A A^+).

    With G = sum (n_sk / p_sk) P_sk (the frame adjoint) and N = sum n_sk = Tr(G rho),
    dL = 2 Re Tr[A^+ (G - N) dA] / Tr(A A^+), so L-BFGS gets exact gradients; started at the
    projected fit (square root of it, with 1e-3 of the maximally mixed state mixed in).
    """
    from scipy.optimize import minimize

    total = float(data.sum())
    shapes = [b.shape for b in start]
    sizes = [2 * b.size for b in start]
    mixed = [
        d * np.eye(b.shape[0]) / 2**frame.n
        for d, b in zip(frame.multiplicities, start, strict=True)
    ]

    def unpack(x: NDArray[np.float64]) -> list[NDArray[np.complex128]]:
        parts = np.split(x, np.cumsum(sizes)[:-1])
        return [
            (p[: p.size // 2] + 1j * p[p.size // 2 :]).reshape(shape)
            for p, shape in zip(parts, shapes, strict=True)
        ]

    def objective(x: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        factors = unpack(x)
        norm = sum(float(np.vdot(a, a).real) for a in factors)
        blocks = tuple(a @ a.conj().T / norm for a in factors)
        p = frame.probabilities(blocks)
        seen = data > 0
        if np.any(p[seen] <= 0):
            return np.inf, np.zeros_like(x)
        value = float(np.sum(data[seen] * np.log(p[seen])))
        weights = np.divide(data, p, out=np.zeros_like(data), where=seen)
        gradients = []
        for g, a in zip(frame.adjoint(weights), factors, strict=True):
            m = 2 * (g @ a - total * a) / norm
            gradients.append(np.concatenate([m.real.ravel(), m.imag.ravel()]))
        return -value / total, -np.concatenate(gradients) / total

    x0 = []
    for b, m in zip(start, mixed, strict=True):
        w, v = np.linalg.eigh(0.999 * b + 0.001 * m)
        a = v * np.sqrt(np.maximum(w, 0.0))
        x0.append(np.concatenate([a.real.ravel(), a.imag.ravel()]))
    result = minimize(
        objective,
        np.concatenate(x0),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 2000, "gtol": 1e-7, "ftol": 1e-10},
    )
    factors = unpack(result.x)
    norm = sum(float(np.vdot(a, a).real) for a in factors)
    return tuple(a @ a.conj().T / norm for a in factors)


@dataclass(frozen=True, eq=False)
class Reconstruction:
    """A fitted battery state (see the module docstring for ``blocks``).

    ``spins`` and ``multiplicities`` describe the permutation-invariant blocks (``spins`` is
    empty for "pauli", whose single block is the density matrix). ``physical`` is False only
    for the "linear" fitter when the fit has negative eigenvalues.
    """

    method: str
    fitter: str
    n_qubits: int
    blocks: Blocks
    spins: tuple[float, ...]
    multiplicities: tuple[int, ...]

    @property
    def physical(self) -> bool:
        return bool(all(np.linalg.eigvalsh(b)[0] >= -thermo.DENSITY_TOLERANCE for b in self.blocks))

    def density_matrix(self) -> NDArray[np.complex128]:
        """The 2^n x 2^n state (Pauli method only: the permutation method keeps blocks)."""
        if self.method != "pauli":
            raise QbcircuitError(
                "A permutation-invariant reconstruction holds total-spin blocks, not a 2^n "
                "matrix; use `blocks` (blocks[0] is the symmetric block)."
            )
        return self.blocks[0]

    def spectrum(self) -> NDArray[np.float64]:
        """All 2^n eigenvalues (block eigenvalues / d_j, each d_j times), decreasing."""
        values = [
            np.repeat(np.linalg.eigvalsh(b) / d, d)
            for b, d in zip(self.blocks, self.multiplicities, strict=True)
        ]
        return np.sort(np.concatenate(values))[::-1]

    def energy(self, omega0: float = 1.0) -> float:
        omega0 = check_positive("omega0", omega0)
        levels = _frame(self.n_qubits, self.method).levels()
        return omega0 * float(
            sum(np.real(np.diagonal(b)) @ e for b, e in zip(self.blocks, levels, strict=True))
        )

    def ergotropy(self, omega0: float = 1.0) -> float:
        """E minus the passive energy of the full 2^n spectrum (PHYSICS.md: never the ladder)."""
        passive = self.spectrum() @ np.sort(thermo.battery_energies(self.n_qubits, omega0))
        return float(self.energy(omega0) - passive)

    def bloch_vectors(self) -> NDArray[np.float64]:
        """Single-qubit Bloch vectors (<X_q>, <Y_q>, <Z_q>), shape (n, 3); all rows are equal
        for the permutation method (the mean over qubits)."""
        if self.method == "pauli":
            rows = []
            for q in range(self.n_qubits):
                one = thermo.reduced_state(self.blocks[0], [q])
                rows.append([np.real(np.trace(one @ p)) for p in _PAULIS])
            return np.array(rows)
        mean = sum(
            np.real(np.einsum("xab,ba->x", spin_operators(j), b))
            for j, b in zip(self.spins, self.blocks, strict=True)
        )
        return np.tile(2 * np.asarray(mean) / self.n_qubits, (self.n_qubits, 1))

    def local_ergotropy(self, omega0: float = 1.0) -> float:
        """Sum of single-qubit ergotropies omega0 (|r_q| - z_q) / 2."""
        r = self.bloch_vectors()
        return float(omega0 * np.sum(np.linalg.norm(r, axis=1) - r[:, 2]) / 2)

    def battery_state(self) -> BatteryState:
        """The fitted state for :mod:`qbcircuit.observables` (spectrum, <n>, qubit states)."""
        qubits: list[tuple[NDArray[np.complex128], int]] = []
        for x, y, z in self.bloch_vectors():
            single: NDArray[np.complex128] = np.array(
                [[1 + z, x - 1j * y], [x + 1j * y, 1 - z]], dtype=complex
            )
            qubits.append((single / 2, 1))
        if self.method != "pauli":  # all rows equal: one symmetric qubit, n times
            qubits = [(qubits[0][0], self.n_qubits)]
        return BatteryState(self.n_qubits, self.energy(1.0), self.spectrum(), tuple(qubits))

    def probabilities(self) -> NDArray[np.float64]:
        """Predicted outcome probabilities: (3^n, 2^n) for Pauli, (S, n+1) popcounts otherwise."""
        return _frame(self.n_qubits, self.method).probabilities(self.blocks)


def reconstruct(
    counts: Any,
    method: str = "permutation",
    fitter: str = "projected",
    *,
    n_qubits: int | None = None,
) -> Reconstruction:
    """Fit a state to tomography counts (see :func:`counts_array` for accepted forms)."""
    if fitter not in FITTERS:
        raise QbcircuitError(f"Argument `fitter` must be one of {FITTERS}, got {fitter!r}.")
    table = counts_array(counts, method, n_qubits=n_qubits)
    return _reconstruct(table, method, fitter)


def _reconstruct(table: NDArray[np.float64], method: str, fitter: str) -> Reconstruction:
    n = table.shape[1].bit_length() - 1
    frame = _frame(n, method)
    blocks = _fit(frame, frame.data(table), fitter)
    return Reconstruction(method, fitter, n, blocks, frame.spins, frame.multiplicities)


def _fit(frame: _PauliFrame | _PermutationFrame, data: NDArray[np.float64], fitter: str) -> Blocks:
    """Blocks fitted to ``data`` (the frame's outcome table: counts, or popcount histograms)."""
    blocks = frame.linear(data / data.sum(axis=1, keepdims=True))
    if fitter != "linear":
        blocks = _project(blocks)
    if fitter == "mle":
        blocks = _mle(frame, data, blocks)
    return blocks


def outcome_probabilities(
    state: NDArray[np.complex128], method: str = "permutation", *, basis: str = "qubits"
) -> NDArray[np.float64]:
    """Exact outcome probabilities (settings, 2^n) of every setting for a battery state.

    ``basis``: "qubits" (2^n x 2^n, Qiskit order) or "dicke" ((n+1)-square symmetric-sector
    state, index = excitations; "permutation" method only is cheap, "pauli" embeds it).
    Sampling these with a multinomial is what an ideal sampler does.
    """
    rho = np.asarray(state, dtype=complex)
    if basis == "dicke":
        n = rho.shape[0] - 1
        if method == "permutation":
            frame = _frame(n, method)
            assert isinstance(frame, _PermutationFrame)
            popcounts = frame.probabilities(
                (rho, *(np.zeros((round(2 * j) + 1,) * 2, dtype=complex) for j in frame.spins[1:]))
            )
            return _spread(popcounts, n)
        from qbcircuit.dicke import embedding

        iso = embedding(n)
        rho = iso @ rho @ iso.T
    elif basis != "qubits":
        raise QbcircuitError(f"Argument `basis` must be 'qubits' or 'dicke', got {basis!r}.")
    n = rho.shape[0].bit_length() - 1
    pauli = _PauliFrame(n).probabilities((rho,))
    if method == "pauli":
        return np.clip(pauli, 0.0, None)
    directions = permutation_directions(n)
    out = np.empty((len(directions), 2**n))
    for s, a in enumerate(directions):
        out[s] = np.real(np.diagonal(_rotated(rho, a, n)))
    return np.clip(out, 0.0, None)


def _spread(popcounts: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """Share each popcount probability equally among its C(n, k) bit strings."""
    weights = thermo.battery_energies(n).astype(int)
    sizes = np.array([comb(n, k) for k in range(n + 1)])
    return np.clip(popcounts[:, weights] / sizes[weights], 0.0, None)


def _rotated(rho: NDArray[np.complex128], a: NDArray[np.float64], n: int) -> NDArray[np.complex128]:
    """U^(x n) rho U^(x n)^+ with U mapping the +1 eigenvector of a.sigma to |0>."""
    _, vectors = np.linalg.eigh(np.tensordot(a, _PAULIS, axes=1))
    u = vectors[:, ::-1].conj().T  # rows: <+a|, <-a|
    x = rho.reshape((2,) * (2 * n))
    for axis in range(2 * n):
        gate = u if axis < n else u.conj()
        x = np.moveaxis(np.tensordot(gate, x, axes=([1], [axis])), 0, axis)
    return x.reshape(2**n, 2**n)
