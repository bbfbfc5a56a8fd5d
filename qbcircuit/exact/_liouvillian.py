"""Generic exact propagation of the Lindblad equation, for any parameters and dissipators.

Works in the full 2^(N+1) space, the 2(N+1) Dicke sector or (with :mod:`._permutation`) the
spin sectors of a permutation-invariant state; it is the independent reference for the
structured resonant solver. :func:`lindblad_generator` builds the vectorised generator of
any Hamiltonian and list of jump operators, :func:`liouvillian` that of a model (it serves dense
spectra and stationary states); :func:`propagate` integrates in matrix form with real arithmetic
when the charger's dephasing is the only channel, and with the vectorised generator otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from qbcircuit.exact._frame import HermitianFrame
from qbcircuit.model import Basis, StarModel

try:  # the kernel behind scipy's sparse @; its dispatch costs more than a small product
    from scipy.sparse._sparsetools import csr_matvec as _csr_matvec
except ImportError:  # pragma: no cover - a scipy that moved it: the public product
    _csr_matvec = None

__all__ = [
    "HermitianGenerator",
    "Propagation",
    "full_memory_estimate",
    "lindblad_entries",
    "lindblad_generator",
    "liouvillian",
    "propagate",
    "split_charger",
    "stationary_state",
]


Entries = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.complex128]]
"""A sparse matrix as COO (rows, columns, values); repeated positions add up."""


def lindblad_entries(h: sp.spmatrix, jumps: Sequence[sp.spmatrix]) -> Entries:
    """Row-major vectorised generator of d rho/dt = -i[H, rho] + sum_k D[L_k] rho:
    d vec(rho)/dt = G vec(rho), vec = rho.ravel(), with (A rho B) -> (A (x) B^T) vec(rho):

        G = -i(H (x) 1 - 1 (x) H^T) + sum_k [L_k (x) conj(L_k) - (K_k (x) 1 + 1 (x) K_k^T)/2],

    K_k = L_k^+ L_k; G's entries, the Kronecker products taken on the COO arrays directly
    (scipy's own products cost more than the arithmetic on the many small sectors).
    """
    n = h.shape[0]
    eye = (np.arange(n), np.arange(n), np.ones(n, dtype=complex))
    parts: list[Entries] = []

    def kron(a: Entries, b: Entries, scale: complex) -> None:
        parts.append(
            (
                (a[0][:, None] * n + b[0]).ravel(),
                (a[1][:, None] * n + b[1]).ravel(),
                (scale * a[2][:, None] * b[2]).ravel(),
            )
        )

    def coo(m: sp.spmatrix, transpose: bool = False) -> Entries:
        m = sp.coo_matrix(m)
        rows, cols = m.row.astype(np.int64), m.col.astype(np.int64)
        return (cols, rows, m.data) if transpose else (rows, cols, m.data)

    kron(coo(h), eye, -1j)
    kron(eye, coo(h, transpose=True), 1j)
    for jump in jumps:
        lj, product = coo(jump), jump.conj().T @ jump
        kron(lj, (lj[0], lj[1], lj[2].conj()), 1.0)
        kron(coo(product), eye, -0.5)
        kron(eye, coo(product, transpose=True), -0.5)
    rows, cols, data = (np.concatenate(column) for column in zip(*parts, strict=True))
    return rows, cols, data.astype(complex)


def lindblad_generator(h: sp.spmatrix, jumps: Sequence[sp.spmatrix]) -> sp.csr_matrix:
    """The generator of :func:`lindblad_entries` as a sparse matrix."""
    n = h.shape[0]
    rows, cols, data = lindblad_entries(h, jumps)
    return sp.csr_matrix((data, (rows, cols)), shape=(n * n, n * n))


def liouvillian(model: StarModel, basis: Basis) -> sp.csr_matrix:
    """The model's generator (:func:`lindblad_generator` of its H and dissipators)."""
    return lindblad_generator(model.hamiltonian(basis), model.jump_operators(basis))


def stationary_state(
    model: StarModel, basis: Basis = "dicke"
) -> tuple[NDArray[np.complex128], int]:
    """The t -> infinity limit of the model's initial state from the kernel of the dense generator,
    and the kernel's dimension (the number of stationary states).

    With right and left kernel bases R and Q (null spaces of G and G^+), the limit of vec(rho0)
    is R (Q^+ R)^-1 Q^+ vec(rho0): the spectral projection onto the kernel, for any dissipators.
    """
    generator = liouvillian(model, basis).toarray()
    dim = math.isqrt(generator.shape[0])
    rcond = 1e-10
    with threadpool_limits(limits=1, user_api="blas"):  # reproducible across executors
        right = la.null_space(generator, rcond=rcond)
        left = la.null_space(generator.conj().T, rcond=rcond)
    start = model.initial_state(basis).reshape(-1)
    overlap = left.conj().T @ right
    rho = (right @ np.linalg.solve(overlap, left.conj().T @ start)).reshape(dim, dim)
    rho = (rho + rho.conj().T) / 2
    return rho / np.trace(rho).real, int(right.shape[1])


def full_memory_estimate(n_batteries: int) -> int:
    """Bytes the full-space solver needs: about 16 real D x D work arrays, D = 2^(N+1)."""
    dim = 2 ** (n_batteries + 1)
    return 16 * 8 * dim * dim


# Al-Mohy & Higham (2011), Table 3.1: largest ||A t|| for which a degree-m Taylor step meets
# double precision (backward error 2^-53); the same table scipy's expm_multiply uses.
_THETA = {
    5: 2.4e-3,
    10: 0.144,
    15: 0.641,
    20: 1.44,
    25: 2.43,
    30: 3.54,
    35: 4.7,
    40: 6.0,
    45: 7.2,
    50: 8.5,
    55: 9.9,
}


class HermitianGenerator:
    """The Lindblad generator acting on Hermitian rho = R + iI stored as two real arrays.

    H is real symmetric in the computational (and Dicke) basis and the jump operator is a real
    diagonal sign matrix S = diag(s) times sqrt(gamma/2), so

        L(rho) = -i[H, rho] + (gamma/2)(S rho S - rho)
        Re L = [H, I] + m * R,   Im L = -[H, R] + m * I,   m_ij = -gamma [s_i != s_j],

    with [H, R] = HR - (HR)^T (R symmetric) and [H, I] = HI + (HI)^T (I antisymmetric): one real
    sparse-times-dense product per part, about a quarter of the flops of the vectorised complex
    generator. The generator is shifted by mu = -gamma/2 (its mean diagonal) to reduce its norm.
    """

    def __init__(self, model: StarModel, basis: Basis) -> None:
        if not model.pure_charger_dephasing:
            raise ValueError("HermitianGenerator needs the charger's dephasing as the only channel")
        h = model.hamiltonian(basis)
        if h.imag.count_nonzero():
            raise ValueError("HermitianGenerator needs a real Hamiltonian")
        self.h = sp.csr_matrix(h.real)
        signs = np.sign(model.jump_operator(basis).diagonal().real)
        if model.dephasing == 0:
            signs = np.ones(h.shape[0])
        self.shift = -model.dephasing / 2
        differ = signs[:, None] != signs[None, :]
        self.mask = np.where(differ, -model.dephasing, 0.0) - self.shift
        column_sums = np.asarray(abs(self.h).sum(axis=0)).ravel()
        self.norm = 2 * float(column_sums.max(initial=0.0)) + model.dephasing / 2

    def __call__(self, r: NDArray[np.float64], i: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
        hr, hi = self.h @ r, self.h @ i
        new_r = np.add(hi, hi.T)
        new_r += np.multiply(self.mask, r, out=hi)  # hi's buffer reused
        new_i = np.subtract(hr.T, hr)
        new_i += np.multiply(self.mask, i, out=hr)
        return new_r, new_i

    def step(self, r: NDArray, i: NDArray, duration: float) -> tuple[NDArray, NDArray]:
        """exp(L duration) applied to R + iI (:func:`taylor_step`)."""
        r, i = taylor_step(self, (r, i), self.norm, self.shift, duration)
        return r, i


class VectorGenerator:
    """A vectorised generator G (sparse, complex or real) acting on vec(rho), shifted by
    mu = Tr G / D (its mean diagonal) to reduce its norm; its 1-norm is computed once, so every
    step of a propagation reuses it (scipy's expm_multiply re-estimates norms of powers of G
    per call, most of its time on large sparse generators)."""

    def __init__(self, generator: sp.spmatrix) -> None:
        dim = generator.shape[0]
        self.shift = complex(generator.diagonal().sum()) / dim
        shift = self.shift if np.iscomplexobj(generator.data) else self.shift.real
        self.matrix = sp.csr_matrix(generator - shift * sp.identity(dim, format="csr"))
        self.norm = float(np.max(np.asarray(abs(self.matrix).sum(axis=0)), initial=0.0))

    def __call__(self, vector: NDArray[np.complex128]) -> tuple[NDArray[np.complex128]]:
        m = self.matrix
        if _csr_matvec is None or vector.dtype != m.dtype or not vector.flags.c_contiguous:
            return (m @ vector,)
        out = np.zeros(m.shape[0], dtype=m.dtype)  # scipy's kernel without its dispatch
        _csr_matvec(m.shape[0], m.shape[1], m.indptr, m.indices, m.data, vector, out)
        return (out,)

    def step(self, vector: NDArray[np.complex128], duration: float) -> NDArray[np.complex128]:
        """exp(G duration) applied to ``vector`` (:func:`taylor_step`)."""
        return taylor_step(self, (vector,), self.norm, self.shift, duration)[0]


def _largest(parts: tuple[NDArray, ...]) -> float:
    if len(parts) == 1:
        return float(np.abs(parts[0]).max())
    return max(float(np.abs(part).max()) for part in parts)


def taylor_step(
    apply: Callable[..., tuple[NDArray, ...]],
    state: tuple[NDArray, ...],
    norm: float,
    shift: complex,
    duration: float,
) -> tuple[NDArray, ...]:
    """exp((A + shift) duration) on ``state`` (a tuple of arrays ``apply`` maps to the tuple
    A(state)): truncated Taylor with Al-Mohy-Higham scaling for ||A|| <= ``norm``.

    A substep stops adding terms once two successive ones are below 2^-53 of the state
    (the propagator is contractive, so the state's size bounds the result's).
    """
    size = norm * duration
    degree, substeps = min(
        ((m, max(1, math.ceil(size / theta))) for m, theta in _THETA.items()),
        key=lambda pair: pair[0] * pair[1],
    )
    damping = np.exp(shift * duration / substeps)
    parts = tuple(state)
    for _ in range(substeps):
        totals = tuple(part.copy() for part in parts)
        tolerance = 2.0**-53 * _largest(parts)
        previous = np.inf
        for k in range(1, degree + 1):
            parts = apply(*parts)
            factor = duration / (substeps * k)
            for part, total in zip(parts, totals, strict=True):
                part *= factor
                total += part
            current = _largest(parts)
            if previous + current <= tolerance:
                break
            previous = current
        for total in totals:
            total *= damping if np.iscomplexobj(total) else damping.real
        parts = totals
    return parts


class Propagation:
    """rho(t) of the model's initial state, carried forward in time: :meth:`advance` moves the
    state to a later time; :attr:`checkpoint` is the current (time, state), from which
    :meth:`from_checkpoint` gives any later time without moving (a root search between two
    scanned times never integrates from t = 0 again). Real matrix form when the charger's
    dephasing is the only channel, the vectorised generator otherwise, and for
    ``basis="permutation"`` the vectorised spin sectors; every form steps with
    :func:`taylor_step` (the Al-Mohy-Higham Taylor method at double precision)."""

    def __init__(self, model: StarModel, basis: str) -> None:
        self._vector = basis == "permutation"  # the concatenated spin sectors, kept as a vector
        hermitian = model.pure_charger_dephasing and not self._vector
        self._hermitian = HermitianGenerator(model, basis) if hermitian else None  # type: ignore[arg-type]
        state: Any
        if self._vector:
            from qbcircuit.exact._permutation import initial_vector, permutation_generator

            generator, sectors = permutation_generator(model)
            self._frame = HermitianFrame(sectors.offsets[:-1], sectors.joint)
            vector = initial_vector(model, sectors)
        elif self._hermitian is not None:
            rho0 = model.initial_state(basis)  # type: ignore[arg-type]
            state = (np.ascontiguousarray(rho0.real), np.ascontiguousarray(rho0.imag))
        else:
            generator = liouvillian(model, basis)  # type: ignore[arg-type]
            vector = model.initial_state(basis).reshape(-1)  # type: ignore[arg-type]
            self._frame = HermitianFrame([0], [math.isqrt(vector.size)])
        if self._hermitian is None:  # the vectorised forms step in real coordinates
            self._generator = VectorGenerator(self._frame.real_generator(generator))
            state = self._frame.coordinates(vector)
        self.checkpoint: tuple[float, Any] = (0.0, state)

    def _after(self, state: Any, duration: float) -> Any:
        if duration <= 0:
            return state
        if self._hermitian is not None:
            return self._hermitian.step(state[0], state[1], duration)
        return self._generator.step(state, duration)

    def _matrix(self, state: Any) -> NDArray[np.complex128]:
        if self._hermitian is not None:
            return state[0] + 1j * state[1]
        vector = self._frame.to_complex @ state
        if self._vector:
            return vector
        dim = math.isqrt(vector.size)
        return vector.reshape(dim, dim)

    def advance(self, t: float) -> NDArray[np.complex128]:
        """Move to time ``t`` (>= the current time) and return rho(t)."""
        now, state = self.checkpoint
        self.checkpoint = (max(now, float(t)), self._after(state, float(t) - now))
        return self._matrix(self.checkpoint[1])

    def from_checkpoint(self, checkpoint: tuple[float, Any], t: float) -> NDArray[np.complex128]:
        """rho(t) from an earlier :attr:`checkpoint` (t at or after its time)."""
        return self._matrix(self._after(checkpoint[1], float(t) - checkpoint[0]))


def propagate(
    model: StarModel, basis: str, times: NDArray[np.float64]
) -> Iterator[NDArray[np.complex128]]:
    """Yield rho(t), the joint state in the basis's order (for "permutation", the
    concatenated vectorised spin sectors), at each of ``times``."""
    propagation = Propagation(model, basis)
    for t in times:
        yield propagation.advance(float(t))


def split_charger(rho: NDArray[np.complex128]) -> tuple[NDArray[np.complex128], float]:
    """Battery state (trace over the charger, the fastest index) and charger excitation."""
    dim = rho.shape[0]
    blocks = rho.reshape(dim // 2, 2, dim // 2, 2)
    battery = np.einsum("icjc->ij", blocks)
    excitation = float(np.real(np.einsum("ii->", blocks[:, 1, :, 1])))
    return battery, excitation
