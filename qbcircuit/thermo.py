"""Energy, ergotropy and passive states of battery states (pure numpy).

States are density matrices of n battery qubits in Qiskit order (qubit q is bit q of the index),
shape (2^n, 2^n). The default Hamiltonian is H_B = omega0 sum_q (1 - Z_q)/2, whose level
k omega0 is C(n, k)-fold degenerate. Ergotropy W = E - sum_k r_k e_k pairs the eigenvalues r of
rho in decreasing order with the 2^n energies e in increasing order, so degeneracies of H_B and
of rho need no special care.

>>> import numpy as np
>>> excited = np.diag([0.0, 1.0])             # one qubit in |1>
>>> float(ergotropy(excited))
1.0
>>> float(ergotropy(np.eye(4) / 4))           # maximally mixed: passive
0.0
"""

from __future__ import annotations

import functools
from math import comb

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qbcircuit._checks import QbcircuitError, check_positive

__all__ = [
    "DENSITY_TOLERANCE",
    "battery_energies",
    "clip_ergotropy",
    "energy",
    "ergotropy",
    "ergotropy_symmetric",
    "local_ergotropy",
    "lowest_battery_levels",
    "passive_energy_low_rank",
    "passive_energy_symmetric",
    "passive_energy_weighted",
    "passive_state",
    "reduced_state",
]

DENSITY_TOLERANCE = 1e-8
"""How far from Hermitian, trace 1 and PSD a state may be before it is refused."""


def battery_energies(n_qubits: int, omega0: float = 1.0) -> NDArray[np.float64]:
    """Diagonal of H_B in the computational basis: omega0 times the popcount of each index."""
    index = np.arange(2**n_qubits)
    counts = np.zeros(index.shape, dtype=float)
    for q in range(n_qubits):
        counts += (index >> q) & 1
    return omega0 * counts


def _check_state(rho: ArrayLike, *, square_of_qubits: bool = True) -> NDArray[np.complex128]:
    state = np.asarray(rho, dtype=complex)
    if state.ndim != 2 or state.shape[0] != state.shape[1] or state.shape[0] == 0:
        raise QbcircuitError(f"Argument `rho` must be a square matrix, got shape {state.shape}.")
    dim = state.shape[0]
    if square_of_qubits and dim & (dim - 1):
        raise QbcircuitError(f"Argument `rho` must be 2^n x 2^n, got {dim} x {dim}.")
    if not np.all(np.isfinite(state)):
        raise QbcircuitError("Argument `rho` must hold finite numbers.")
    asym = float(np.max(np.abs(state - state.conj().T)))
    if asym > DENSITY_TOLERANCE:
        raise QbcircuitError(f"Argument `rho` must be Hermitian, got |rho - rho^+| = {asym:.2e}.")
    trace = complex(np.trace(state))
    if abs(trace - 1) > DENSITY_TOLERANCE:
        raise QbcircuitError(f"Argument `rho` must have trace 1, got {trace.real:.10g}.")
    return (state + state.conj().T) / 2


def _spectrum(state: NDArray[np.complex128]) -> NDArray[np.float64]:
    values = np.linalg.eigvalsh(state)
    if values[0] < -DENSITY_TOLERANCE:
        raise QbcircuitError(
            f"Argument `rho` must be positive semidefinite, got eigenvalue {values[0]:.3e}."
        )
    return np.asarray(values[::-1], dtype=float)  # decreasing


def _levels(
    dim: int, omega0: float, hamiltonian: ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.complex128] | None]:
    """Increasing energies and (for a non-default H) its eigenvectors."""
    if hamiltonian is None:
        return np.sort(battery_energies(dim.bit_length() - 1, omega0)), None
    h = np.asarray(hamiltonian, dtype=complex)
    if h.shape != (dim, dim):
        raise QbcircuitError(f"Argument `hamiltonian` must have shape {(dim, dim)}, got {h.shape}.")
    if np.max(np.abs(h - h.conj().T)) > DENSITY_TOLERANCE * max(1.0, float(np.max(np.abs(h)))):
        raise QbcircuitError("Argument `hamiltonian` must be Hermitian.")
    values, vectors = np.linalg.eigh((h + h.conj().T) / 2)
    return values, vectors


def energy(rho: ArrayLike, omega0: float = 1.0) -> float:
    """E = Tr[rho H_B] with H_B = omega0 sum_q (1 - Z_q)/2."""
    state = _check_state(rho)
    omega0 = check_positive("omega0", omega0)
    return float(
        np.real(np.diagonal(state)) @ battery_energies(state.shape[0].bit_length() - 1, omega0)
    )


def ergotropy(
    rho: ArrayLike, omega0: float = 1.0, *, hamiltonian: ArrayLike | None = None
) -> float:
    """W = Tr[rho H] - min over unitaries, with H = H_B or any Hermitian ``hamiltonian``."""
    state = _check_state(rho)
    omega0 = check_positive("omega0", omega0)
    dim = state.shape[0]
    levels, _ = _levels(dim, omega0, hamiltonian)
    if hamiltonian is None:
        mean = float(np.real(np.diagonal(state)) @ battery_energies(dim.bit_length() - 1, omega0))
    else:
        mean = float(np.real(np.sum(state * np.asarray(hamiltonian, dtype=complex).T)))
    return clip_ergotropy(mean - float(_spectrum(state) @ levels))


def clip_ergotropy(work: float) -> float:
    """Round-off can make a zero ergotropy slightly negative; anything larger is returned as is."""
    return 0.0 if -DENSITY_TOLERANCE < work < 0 else work


def passive_state(
    rho: ArrayLike, omega0: float = 1.0, *, hamiltonian: ArrayLike | None = None
) -> NDArray[np.complex128]:
    """sum_k r_k |e_k><e_k|: eigenvalues of rho (decreasing) on levels of H (increasing).

    Within a degenerate level the choice of eigenvectors is free; the energy is not.
    """
    state = _check_state(rho)
    omega0 = check_positive("omega0", omega0)
    _, vectors = _levels(state.shape[0], omega0, hamiltonian)
    r = _spectrum(state)
    if vectors is None:  # H_B is diagonal: fill basis states in order of their energy
        order = np.argsort(battery_energies(state.shape[0].bit_length() - 1, omega0), kind="stable")
        passive = np.zeros_like(state)
        passive[order, order] = r
        return passive
    return np.asarray((vectors * r) @ vectors.conj().T)


def reduced_state(rho: ArrayLike, keep: list[int] | tuple[int, ...]) -> NDArray[np.complex128]:
    """Partial trace of an n-qubit state onto the qubits ``keep`` (Qiskit order kept)."""
    state = np.asarray(rho, dtype=complex)
    n = state.shape[0].bit_length() - 1
    keep = sorted(keep)
    if any(q < 0 or q >= n for q in keep):
        raise QbcircuitError(f"Argument `keep` must list qubits in 0..{n - 1}, got {keep}.")
    tensor = state.reshape((2,) * (2 * n))  # axis n-1-q is qubit q (row), 2n-1-q (column)
    drop = [q for q in range(n) if q not in keep]
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    rows, cols = list(letters[:n]), list(letters[n : 2 * n])
    for q in drop:
        cols[n - 1 - q] = rows[n - 1 - q]
    out_rows = [rows[n - 1 - q] for q in reversed(keep)]
    out_cols = [cols[n - 1 - q] for q in reversed(keep)]
    spec = "".join(rows + cols) + "->" + "".join(out_rows + out_cols)
    dim = 2 ** len(keep)
    return np.einsum(spec, tensor).reshape(dim, dim)


def local_ergotropy(rho: ArrayLike, omega0: float = 1.0) -> float:
    """Sum of single-qubit ergotropies (H_B is local); W minus this is locked in correlations."""
    state = _check_state(rho)
    n = state.shape[0].bit_length() - 1
    return float(sum(ergotropy(reduced_state(state, [q]), omega0) for q in range(n)))


def ergotropy_symmetric(rho_dicke: ArrayLike, omega0: float = 1.0) -> float:
    """Ergotropy of an N-qubit state given in the (N+1)-dim symmetric (Dicke) basis.

    Exactly the full 2^N result: the sector's N+1 eigenvalues (decreasing) are paired with the
    N+1 lowest of the 2^N energies of H_B (0, then omega0 with degeneracy N, ...), the rest of the
    spectrum carrying zero weight (docs/physics.md, 4). The ladder's own energies 0, 1, ..., N
    would miss the degeneracy and underestimate W.
    """
    state = _check_state(rho_dicke, square_of_qubits=False)
    omega0 = check_positive("omega0", omega0)
    n = state.shape[0] - 1
    mean = omega0 * float(np.real(np.diagonal(state)) @ np.arange(n + 1))
    return clip_ergotropy(mean - passive_energy_symmetric(_spectrum(state), omega0))


def passive_energy_symmetric(spectrum: ArrayLike, omega0: float = 1.0) -> float:
    """Passive energy of an N-qubit state supported on the symmetric subspace.

    ``spectrum``: its N+1 eigenvalues in decreasing order (from the Dicke-basis matrix).
    """
    values = np.asarray(spectrum, dtype=float)
    return passive_energy_low_rank(values, values.size - 1, omega0)


def passive_energy_low_rank(spectrum: ArrayLike, n_qubits: int, omega0: float = 1.0) -> float:
    """Passive energy of an n-qubit state from its largest eigenvalues (decreasing order).

    The omitted eigenvalues must be zero (a state of rank <= len(spectrum)): they then sit on
    the highest levels and carry no energy.
    """
    values = np.asarray(spectrum, dtype=float)[: 2**n_qubits]
    return float(values @ lowest_battery_levels(n_qubits, values.size, omega0))


def passive_energy_weighted(
    spectrum: ArrayLike, multiplicities: ArrayLike, n_qubits: int, omega0: float = 1.0
) -> float:
    """Passive energy of an n-qubit state whose eigenvalue ``spectrum[i]`` (decreasing order)
    occurs ``multiplicities[i]`` times, the omitted eigenvalues zero: a permutation-invariant
    state, whose block eigenvalues repeat once per copy of their spin sector.

    With F(x) the energy of the x lowest levels of H_B (piecewise linear, slope k omega0 over
    the C(n, k) levels of energy k omega0), the eigenvalues filling slots [c, c + d) carry
    lambda (F(c + d) - F(c)); no 2^n array is formed (the counts may exceed 1e29).

    >>> passive_energy_weighted([0.5, 0.25], [1, 2], 2)     # diag(0.5, 0.25, 0.25, 0)
    0.5
    """
    values = np.asarray(spectrum, dtype=float)
    counts = np.asarray(multiplicities, dtype=float)
    degeneracy = np.array([float(comb(n_qubits, k)) for k in range(n_qubits + 1)])
    slots = np.concatenate([[0.0], np.cumsum(degeneracy)])
    filled = np.concatenate([[0.0], np.cumsum(degeneracy * np.arange(n_qubits + 1) * omega0)])
    edges = np.concatenate([[0.0], np.cumsum(counts)])
    energy = np.interp(edges, slots, filled)  # F at every edge (clamped beyond 2^n)
    return float(values @ np.diff(energy))


def lowest_battery_levels(n_qubits: int, count: int, omega0: float = 1.0) -> NDArray[np.float64]:
    """The ``count`` lowest energies of H_B on n qubits, with degeneracy C(n, k) at k omega0
    (read-only: one array per arguments, since every ergotropy of a trace asks for it)."""
    return _lowest_levels(int(n_qubits), int(count), float(omega0))


@functools.lru_cache(maxsize=64)
def _lowest_levels(n_qubits: int, count: int, omega0: float) -> NDArray[np.float64]:
    levels: list[float] = []
    k = 0
    while len(levels) < count and k <= n_qubits:
        levels += [k * omega0] * min(comb(n_qubits, k), count - len(levels))
        k += 1
    out = np.array(levels)
    out.flags.writeable = False
    return out
