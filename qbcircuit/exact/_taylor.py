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
from scipy.linalg.blas import daxpy as _daxpy
from scipy.linalg.blas import idamax as _idamax

from qbcircuit.model import Basis, StarModel

try:  # the kernels behind scipy's sparse @; their dispatch costs more than a small product
    from scipy.sparse._sparsetools import csr_matvec as _csr_matvec
    from scipy.sparse._sparsetools import csr_matvecs as _csr_matvecs
except ImportError:  # pragma: no cover - a scipy that moved them: the public product
    _csr_matvec = _csr_matvecs = None

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
    A step works in row-padded buffers it keeps: fresh arrays cost a page fault per page, and
    the transpose of a matrix whose rows are a power-of-two bytes long misses the cache on
    almost every element (eight padding columns make it 3x faster at 512 rows, 4x at 1024).
    """

    def __init__(self, model: StarModel, basis: Basis) -> None:
        if not model.pure_charger_dephasing:
            raise ValueError("HermitianGenerator needs the charger's dephasing as the only channel")
        h = model.hamiltonian(basis)
        if h.imag.count_nonzero():
            raise ValueError("HermitianGenerator needs a real Hamiltonian")
        self.h = sp.csr_matrix(h.real)
        self.h.eliminate_zeros()
        n = h.shape[0]
        signs = np.sign(model.jump_operator(basis).diagonal().real)
        if model.dephasing == 0:
            signs = np.ones(n)
        self.shift = -model.dephasing / 2
        differ = signs[:, None] != signs[None, :]
        self.width = n + _PADDING if n >= 128 and n % 64 == 0 else n
        self.mask = np.zeros((n, self.width))  # the padding columns stay zero throughout
        self.mask[:, :n] = np.where(differ, -model.dephasing, 0.0) - self.shift
        column_sums = np.asarray(abs(self.h).sum(axis=0)).ravel()
        self.norm = 2 * float(column_sums.max(initial=0.0)) + model.dephasing / 2
        self._buffers = [np.zeros((n, self.width)) for _ in range(6)]

    def __call__(self, r: NDArray[np.float64], i: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
        out = self._padded(np.zeros_like(r)), self._padded(np.zeros_like(i))
        self._apply(self._padded(r), self._padded(i), *out)
        n = r.shape[0]
        return out[0][:, :n].copy(), out[1][:, :n].copy()

    def _padded(self, matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        """A C-contiguous copy of an n-square matrix, rows padded with zeros to the width."""
        padded = np.zeros((matrix.shape[0], self.width))
        padded[:, : matrix.shape[1]] = matrix
        return padded

    def _product(self, dense: NDArray[np.float64], out: NDArray[np.float64]) -> None:
        """out = H dense on padded arrays (the padding columns of a zero-padded array stay 0)."""
        h, (n, width) = self.h, dense.shape
        if _csr_matvecs is None:  # pragma: no cover - see the import
            np.copyto(out, h @ dense)
            return
        out.fill(0.0)  # the kernel adds H dense into out
        _csr_matvecs(n, n, width, h.indptr, h.indices, h.data, dense.ravel(), out.ravel())

    def _apply(self, r: NDArray, i: NDArray, out_r: NDArray, out_i: NDArray) -> None:
        """(out_r, out_i) = L(R + iI) on padded arrays."""
        hr, hi = self._buffers[4:]
        n = r.shape[0]
        self._product(r, hr)
        self._product(i, hi)
        square = hi[:, :n]
        np.add(square, square.T, out=out_r[:, :n])  # [H, I] = HI + (HI)^T
        out_r += np.multiply(self.mask, r, out=hi)
        square = hr[:, :n]
        np.subtract(square.T, square, out=out_i[:, :n])  # -[H, R] = (HR)^T - HR
        out_i += np.multiply(self.mask, i, out=hr)

    def step(self, r: NDArray, i: NDArray, duration: float) -> tuple[NDArray, NDArray]:
        """exp(L duration) applied to R + iI (:func:`_buffered_taylor` on the padded arrays)."""
        n = r.shape[0]
        total_r, total_i = _buffered_taylor(
            lambda term, out: self._apply(*term, *out),
            [self._padded(r), self._padded(i)],
            (self._buffers[0:2], self._buffers[2:4]),
            self.norm,
            self.shift,
            duration,
        )
        return np.ascontiguousarray(total_r[:, :n]), np.ascontiguousarray(total_i[:, :n])


_PADDING = 8  # columns added to rows of a multiple of 64 entries


def _max_abs(matrix: NDArray[np.float64]) -> float:
    """Largest |entry| of a C-contiguous real array (BLAS: no temporary)."""
    flat = matrix.ravel()
    return abs(float(flat[_idamax(flat)]))


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
    """:func:`taylor_step` for one real vector, by :func:`_buffered_taylor` with scipy's kernel
    (its per-call cost is most of a small step)."""
    n = m.shape[0]

    def apply(term: list[NDArray], out: list[NDArray]) -> None:
        out[0].fill(0.0)  # the kernel adds A term into out
        _csr_matvec(n, n, m.indptr, m.indices, m.data, term[0], out[0])

    buffers = ([np.empty(n)], [np.empty(n)])
    return _buffered_taylor(apply, [np.array(vector)], buffers, norm, shift, duration)[0]


def _buffered_taylor(
    apply: Callable[[list[NDArray], list[NDArray]], None],
    totals: list[NDArray[np.float64]],
    buffers: tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]],
    norm: float,
    shift: float,
    duration: float,
) -> list[NDArray[np.float64]]:
    """:func:`taylor_step` on real C-contiguous arrays, in place in ``totals`` (the state,
    owned by the caller), with ``apply(term, out)`` writing A term into ``out``: the terms
    alternate between the two sets of ``buffers``, each scaled as it is made (so no term grows
    beyond the state, however large ||A||) and added by BLAS; the largest entry from BLAS."""
    degree, substeps = _schedule(norm * duration)
    h = duration / substeps
    damping = math.exp(shift * h)
    for _ in range(substeps):
        tolerance = 2.0**-53 * max(_max_abs(total) for total in totals)
        term, previous = list(totals), math.inf  # read before the first addition
        for k in range(1, degree + 1):
            out = buffers[k % 2]
            apply(term, out)
            for part, total in zip(out, totals, strict=True):
                part *= h / k
                _daxpy(part.ravel(), total.ravel())  # in place: contiguous views
            current = max(_max_abs(part) for part in out)
            if previous + current <= tolerance:
                break
            previous, term = current, out
        for total in totals:
            total *= damping
    return totals


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
