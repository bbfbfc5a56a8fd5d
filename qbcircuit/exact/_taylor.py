"""Exact exp(G t) applied to a state: the truncated Taylor method with Al-Mohy-Higham scaling
at double precision, for the two forms the propagation steps in (the real matrix form of the
charger-dephased star and a sparse vectorised generator)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.linalg.blas import idamax as _idamax

from qbcircuit.model import Basis, StarModel

try:  # the kernel behind scipy's sparse @; its dispatch costs more than a small product
    from scipy.sparse._sparsetools import csr_matvec as _csr_matvec
except ImportError:  # pragma: no cover - a scipy that moved it: the public product
    _csr_matvec = None

__all__ = ["HermitianGenerator", "VectorGenerator", "taylor_step"]


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

    def step(self, vector: NDArray[Any], duration: float) -> NDArray[Any]:
        """exp(G duration) applied to ``vector`` (:func:`taylor_step`; a real generator on a
        real vector takes the same steps in place, with scipy's kernel and BLAS directly)."""
        m = self.matrix
        if (
            _csr_matvec is None
            or m.dtype != np.float64
            or vector.dtype != np.float64
            or not vector.flags.c_contiguous
        ):
            return taylor_step(self, (vector,), self.norm, self.shift, duration)[0]
        return _real_taylor(m, vector, self.norm, self.shift.real, duration)


def _schedule(size: float) -> tuple[int, int]:
    """(degree, substeps) of the cheapest Taylor schedule for ||A t|| <= ``size``."""
    return min(
        ((m, max(1, math.ceil(size / theta))) for m, theta in _THETA.items()),
        key=lambda pair: pair[0] * pair[1],
    )


def _real_taylor(
    m: sp.csr_matrix, vector: NDArray[np.float64], norm: float, shift: float, duration: float
) -> NDArray[np.float64]:
    """:func:`taylor_step` for one real vector: the same terms and stopping rule, two term
    buffers reused, the largest entry from BLAS (its per-call cost is most of a small step)."""
    degree, substeps = _schedule(norm * duration)
    h = duration / substeps
    damping = math.exp(shift * h)
    n = m.shape[0]
    buffers = (np.empty(n), np.empty(n))
    state = vector
    for _ in range(substeps):
        total = state.copy()
        tolerance = 2.0**-53 * abs(state[_idamax(state)])
        term, previous = state, math.inf
        for k in range(1, degree + 1):
            out = buffers[k % 2]
            out.fill(0.0)  # the kernel adds A term into out
            _csr_matvec(n, n, m.indptr, m.indices, m.data, term, out)
            out *= h / k
            total += out
            current = abs(out[_idamax(out)])
            if previous + current <= tolerance:
                break
            previous, term = current, out
        total *= damping
        state = total
    return state


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
    degree, substeps = _schedule(norm * duration)
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
