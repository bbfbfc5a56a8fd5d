"""The permutation-symmetric (Dicke) sector of N battery qubits.

Basis |n>, n = 0..N, is the normalised symmetric superposition of all N-bit strings with n ones
(n excitations): |j = N/2, m = n - N/2>. Joined with the charger, the sector index is ``2 n + c``
(charger c the fastest index), the same order as Qiskit's little-endian full index
``c + 2 b`` with the charger as qubit 0.

>>> import numpy as np
>>> jplus(2).toarray().round(6)
array([[0.      , 0.      , 0.      ],
       [1.414214, 0.      , 0.      ],
       [0.      , 1.414214, 0.      ]])
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = ["embedding", "jminus_offdiagonal", "jplus", "jz", "sector_dimension"]


def sector_dimension(n_batteries: int) -> int:
    """Dimension 2 (N + 1) of the charger (x) symmetric-battery sector."""
    return 2 * (n_batteries + 1)


def jminus_offdiagonal(n_batteries: int) -> NDArray[np.float64]:
    """Entries <n-1| J- |n> = sqrt(n (N - n + 1)) for n = 1..N (shape (N,))."""
    n = np.arange(1, n_batteries + 1, dtype=float)
    return np.sqrt(n * (n_batteries - n + 1))


def jplus(n_batteries: int) -> sp.csr_matrix:
    """J+ = sum_j s+_j on the symmetric sector, shape (N+1, N+1): J+|n> ~ |n+1>."""
    return sp.diags(jminus_offdiagonal(n_batteries), -1, format="csr")


def jz(n_batteries: int) -> sp.csr_matrix:
    """J_z = sum_j sz_j / 2 on the symmetric sector: diag(n - N/2)."""
    n = np.arange(n_batteries + 1, dtype=float)
    return sp.diags(n - n_batteries / 2, 0, format="csr")


def embedding(n_batteries: int) -> NDArray[np.float64]:
    """Isometry from the symmetric sector into the 2^N battery space, shape (2^N, N+1).

    Column n is the normalised sum of computational states with n ones; bit j-1 of the row
    index is battery qubit j (Qiskit order). Meant for small N (checks, tests).
    """
    dim = 2**n_batteries
    weights = np.array([bin(b).count("1") for b in range(dim)])
    isometry = np.zeros((dim, n_batteries + 1))
    isometry[np.arange(dim), weights] = 1.0
    return isometry / np.sqrt(isometry.sum(axis=0))
