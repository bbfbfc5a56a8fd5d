"""Real coordinates for vectors of Hermitian blocks: the vectorised generators of the exact
routes keep every block Hermitian, so they propagate as real matrices on as many reals as
the complex vector has entries (half the arithmetic of complex products)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = ["HermitianFrame"]

_HALF = math.sqrt(0.5)
DENSE_DIMENSION = 100
"""Up to this many coordinates (10 x 10 blocks) :meth:`HermitianFrame.real_generator` is dense."""


class HermitianFrame:
    """Real coordinates of a vector of Hermitian blocks (each block's row-major entries, the
    blocks concatenated): the real parts of the upper triangles, then the imaginary parts of
    the strict upper triangles, as many reals as the vector has complex entries. A generator
    that keeps every block Hermitian is a real matrix in them (:meth:`real_generator`), half
    the arithmetic of the complex one."""

    def __init__(
        self, offsets: Sequence[int] | NDArray[np.int64], sizes: Sequence[int] | NDArray[np.int64]
    ) -> None:
        upper, lower, strict = [], [], []
        for offset, size in zip(offsets, sizes, strict=False):
            a, b = np.triu_indices(int(size))
            upper.append(offset + a * size + b)
            lower.append(offset + b * size + a)
            strict.append(a != b)
        self._upper, lower_all = np.concatenate(upper), np.concatenate(lower)
        off_diagonal = np.concatenate(strict)
        self._imaginary = self._upper[off_diagonal]
        n_real, n_imaginary = self._upper.size, self._imaginary.size
        self.dimension = n_real + n_imaginary
        # x = weight * (Re v[upper], Im v[strict upper]): sqrt(2) off the diagonal
        self._weight = np.concatenate(
            [np.where(off_diagonal, 1 / _HALF, 1.0), np.full(n_imaginary, 1 / _HALF)]
        )
        columns = np.arange(self.dimension)
        self.to_complex = sp.csr_matrix(  # vec = to_complex @ x
            (
                np.concatenate(
                    [
                        np.where(off_diagonal, _HALF, 1.0),
                        np.full(n_imaginary, _HALF),
                        np.full(n_imaginary, 1j * _HALF),
                        np.full(n_imaginary, -1j * _HALF),
                    ]
                ),
                (
                    np.concatenate(
                        [
                            self._upper,
                            lower_all[off_diagonal],
                            self._imaginary,
                            lower_all[off_diagonal],
                        ]
                    ),
                    np.concatenate(
                        [
                            columns[:n_real],
                            columns[:n_real][off_diagonal],
                            columns[n_real:],
                            columns[n_real:],
                        ]
                    ),
                ),
            ),
            shape=(self.dimension, self.dimension),
        )

    def coordinates(self, vector: NDArray[np.complex128]) -> NDArray[np.float64]:
        """The real coordinates of a vector of Hermitian blocks."""
        return self._weight * np.concatenate(
            [vector[self._upper].real, vector[self._imaginary].imag]
        )

    def real_generator(self, generator: sp.spmatrix | NDArray[np.complex128]) -> sp.csr_matrix:
        """The real matrix of a Hermiticity-preserving ``generator`` (sparse or dense) in these
        coordinates, through dense products for a dense one and up to :data:`DENSE_DIMENSION`
        coordinates, where scipy's sparse indexing costs ten times the arithmetic."""
        if self.dimension <= DENSE_DIMENSION or not sp.issparse(generator):
            image = np.asarray(generator @ self.to_complex.toarray())
            rows = np.vstack([image[self._upper].real, image[self._imaginary].imag])
            return sp.csr_matrix(self._weight[:, None] * rows)
        image = sp.csr_matrix(generator @ self.to_complex)
        rows = sp.vstack([image[self._upper].real, image[self._imaginary].imag], format="csr")
        real = sp.csr_matrix(sp.diags(self._weight) @ rows)
        real.eliminate_zeros()
        return real
