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
from math import comb
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qbcircuit import thermo
from qbcircuit._checks import QbcircuitError, check_positive
from qbcircuit.observables import BatteryState
from qbcircuit.tomography.counts import counts_array
from qbcircuit.tomography.frames import (
    _PAULIS,
    Blocks,
    _frame,
    _PauliFrame,
    _PermutationFrame,
    project_to_simplex,
    spin_operators,
)
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
        """E minus the passive energy of the full 2^n spectrum (never the ladder's: see
        docs/physics.md, 4)."""
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
    probabilities: bool = False,
) -> Reconstruction:
    """Fit a state to tomography counts (see :func:`counts_array` for accepted forms;
    ``probabilities``: exact outcome probabilities instead)."""
    if fitter not in FITTERS:
        raise QbcircuitError(f"Argument `fitter` must be one of {FITTERS}, got {fitter!r}.")
    table = counts_array(counts, method, n_qubits=n_qubits, probabilities=probabilities)
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
    if method == "pauli":
        return np.clip(_PauliFrame(n).probabilities((rho,)), 0.0, None)
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
