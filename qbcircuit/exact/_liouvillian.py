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
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from numpy.typing import NDArray

from qbcircuit._threads import limit_blas
from qbcircuit.exact._frame import HermitianFrame
from qbcircuit.exact._taylor import HermitianGenerator, VectorGenerator
from qbcircuit.model import Basis, StarModel

__all__ = [
    "Propagation",
    "full_memory_estimate",
    "lindblad_coo",
    "lindblad_entries",
    "lindblad_generator",
    "liouvillian",
    "propagate",
    "split_charger",
    "split_charger_batch",
    "stationary_state",
]


Entries = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.complex128]]
"""A sparse matrix as COO (rows, columns, values); repeated positions add up."""


def lindblad_entries(h: sp.spmatrix, jumps: Sequence[sp.spmatrix]) -> Entries:
    """Row-major vectorised generator of d rho/dt = -i[H, rho] + sum_k D[L_k] rho:
    d vec(rho)/dt = G vec(rho), vec = rho.ravel(), with (A rho B) -> (A (x) B^T) vec(rho):

        G = -i(H (x) 1 - 1 (x) H^T) + sum_k [L_k (x) conj(L_k) - (K_k (x) 1 + 1 (x) K_k^T)/2],

    K_k = L_k^+ L_k; G's entries (:func:`lindblad_coo` on the operators' COO entries)."""
    return lindblad_coo(
        h.shape[0], _coo(h), [(_coo(jump), _coo(jump.conj().T @ jump)) for jump in jumps]
    )


def _coo(m: sp.spmatrix) -> Entries:
    m = sp.coo_matrix(m)
    return m.row.astype(np.int64), m.col.astype(np.int64), m.data


def lindblad_coo(n: int, h: Entries, jumps: Sequence[tuple[Entries, Entries]]) -> Entries:
    """:func:`lindblad_entries` from COO entries of H and of each (L_k, K_k = L_k^+ L_k) on an
    n-dimensional space, the Kronecker products taken on the entries directly (scipy's own
    products cost more than the arithmetic on the many small spin sectors)."""
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

    def transposed(m: Entries) -> Entries:
        return m[1], m[0], m[2]

    kron(h, eye, -1j)
    kron(eye, transposed(h), 1j)
    for jump, product in jumps:
        kron(jump, (jump[0], jump[1], np.conj(jump[2])), 1.0)
        kron(product, eye, -0.5)
        kron(eye, transposed(product), -0.5)
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
    with limit_blas(1):  # reproducible across executors
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
    battery, excitation = split_charger_batch(rho[None])
    return battery[0], float(excitation[0])


def split_charger_batch(
    rhos: NDArray[np.complex128],
) -> tuple[NDArray[np.complex128], NDArray[np.float64]]:
    """:func:`split_charger` of each of the joint states (K, D, D): (K, D/2, D/2), (K,)."""
    count, dim = rhos.shape[:2]
    blocks = rhos.reshape(count, dim // 2, 2, dim // 2, 2)
    battery = np.einsum("kicjc->kij", blocks)
    excitation = np.real(np.einsum("kii->k", blocks[:, :, 1, :, 1]))
    return battery, excitation
