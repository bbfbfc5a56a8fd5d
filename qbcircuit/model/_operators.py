"""The star's operators as matrices and Pauli sums, in the full space or the Dicke sector
(mixed into :class:`qbcircuit.model.StarModel`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from qiskit.quantum_info import SparsePauliOp

from qbcircuit import dicke
from qbcircuit._checks import QbcircuitError

__all__ = ["Operators", "check_basis", "single_qubit"]

# Sector operators of the charger, index c = 0 (ground), 1 (excited).
_SZ = sp.csr_matrix(np.diag([-1.0, 1.0]))


class Operators:
    """H, H_B and the charger's dephasing operator of a :class:`~qbcircuit.model.StarModel`."""

    n_batteries: int
    drive: float
    coupling: float
    dephasing: float
    charger_detuning: float
    battery_detuning: float
    omega0: float
    if TYPE_CHECKING:  # defined by the model

        @property
        def homogeneous(self) -> bool: ...

        @property
        def battery_couplings(self) -> NDArray[np.float64]: ...

        @property
        def battery_detunings(self) -> NDArray[np.float64]: ...

    @property
    def n_qubits(self) -> int:
        return self.n_batteries + 1

    # ----------------------------------------------------------------- Pauli operators
    def hamiltonian_pauli(self) -> SparsePauliOp:
        """Rotating-frame H on N+1 qubits as a SparsePauliOp (qubit 0 = charger)."""
        n = self.n_batteries
        terms: list[tuple[str, list[int], float]] = [
            ("Z", [0], -self.charger_detuning / 2),
            ("X", [0], self.drive),
        ]
        couplings, detunings = self.battery_couplings, self.battery_detunings
        for j in range(1, n + 1):
            g = float(couplings[j - 1])
            terms += [("Z", [j], -float(detunings[j - 1]) / 2)]
            terms += [("XX", [0, j], g / 2), ("YY", [0, j], g / 2)]
        return SparsePauliOp.from_sparse_list(terms, num_qubits=n + 1).simplify()

    def battery_hamiltonian_pauli(self) -> SparsePauliOp:
        """H_B = omega0 sum_j (1 - Z_j)/2 on N+1 qubits (identity on the charger)."""
        n, w = self.n_batteries, self.omega0
        terms: list[tuple[str, list[int], float]] = [("", [], w * n / 2)]
        terms += [("Z", [j], -w / 2) for j in range(1, n + 1)]
        return SparsePauliOp.from_sparse_list(terms, num_qubits=n + 1).simplify()

    # ----------------------------------------------------------------- matrices
    def hamiltonian(self, basis: str = "full") -> sp.csr_matrix:
        """Rotating-frame H as a sparse matrix, 2^(N+1) ("full") or 2(N+1) ("dicke") square."""
        if check_basis(basis) == "full":
            return _sparse(self.hamiltonian_pauli())
        if not self.homogeneous:
            raise QbcircuitError(
                "A battery with unequal couplings or detunings leaves the Dicke sector; use "
                "basis='full'."
            )
        dim = 2 * (self.n_batteries + 1)
        rows, cols, data = self.sector_hamiltonian(self.n_batteries)
        return sp.csr_matrix((data, (rows, cols)), shape=(dim, dim))

    def sector_hamiltonian(
        self, two_j: int
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.complex128]]:
        """H on charger (x) spin j as COO entries (battery index b = m + j slow, charger c
        fast: row 2b + c): for 2j = N the Dicke sector, for smaller j the ladder of spin j
        (a spin sector of the permutation-invariant route). Written entry by entry: the
        sectors are many and small, and sparse products cost more than the arithmetic."""
        size = two_j + 1
        b = np.arange(size)
        diagonal = np.empty(2 * size)
        diagonal[0::2] = -self.charger_detuning / 2 + self.battery_detuning * (b - two_j / 2)
        diagonal[1::2] = diagonal[0::2] + self.charger_detuning
        ladder = self.coupling * dicke.jminus_offdiagonal(two_j)  # <b|J-|b+1>, b < 2j
        lower, every = b[:-1], np.arange(2 * size)
        drive = np.full(size, self.drive)
        # diagonal; F (s+_C + s-_C); g (s+_C J- + s-_C J+): |b+1, 0> <-> |b, 1>
        rows = [every, 2 * b, 2 * b + 1, 2 * lower + 1, 2 * lower + 2]
        cols = [every, 2 * b + 1, 2 * b, 2 * lower + 2, 2 * lower + 1]
        data = [diagonal, drive, drive, ladder, ladder]
        return np.concatenate(rows), np.concatenate(cols), np.concatenate(data).astype(complex)

    def jump_operator(self, basis: str = "full") -> sp.csr_matrix:
        """L = sqrt(gamma/2) sz_C in the requested basis."""
        rate = np.sqrt(self.dephasing / 2)
        if check_basis(basis) == "full":
            return single_qubit(rate * _SZ.toarray(), 0, self.n_qubits)
        eye_b = sp.identity(self.n_batteries + 1, format="csr")
        return sp.csr_matrix(rate * sp.kron(eye_b, _SZ), dtype=complex)

    def battery_hamiltonian(self, basis: str = "full") -> sp.csr_matrix:
        """H_B (x) 1_C in the requested basis (diagonal: omega0 times the excitation count)."""
        if check_basis(basis) == "full":
            return _sparse(self.battery_hamiltonian_pauli())
        levels = self.omega0 * np.repeat(np.arange(self.n_batteries + 1.0), 2)
        return sp.diags(levels.astype(complex), 0, format="csr")


def check_basis(basis: str) -> str:
    if basis not in ("full", "dicke"):
        raise QbcircuitError(f"Argument `basis` must be 'full' or 'dicke', got {basis!r}.")
    return basis


def single_qubit(local: NDArray[np.complex128], qubit: int, n_qubits: int) -> sp.csr_matrix:
    """The 2 x 2 operator ``local`` on ``qubit`` (bit ``qubit`` of the index) of ``n_qubits``,
    built as CSR directly: row r holds the columns r with that bit 0 and 1 (sparse krons of
    identities cost ten times as much at the sizes the solvers set up often)."""
    index = np.arange(2**n_qubits)
    bit = (index >> qubit) & 1
    low = index & ~(1 << qubit)
    indices = np.stack([low, low | (1 << qubit)], axis=1).ravel()
    data = np.asarray(local, dtype=complex)[bit].ravel()  # row r: local[bit(r), 0 and 1]
    matrix = sp.csr_matrix((data, indices, np.arange(0, 2 * index.size + 1, 2)))
    matrix.eliminate_zeros()
    return matrix


def _sparse(op: SparsePauliOp) -> sp.csr_matrix:
    """The operator's CSR matrix without stored zeros (XX + YY cancels on |00> <-> |11>: a
    third of the entries qiskit stores, which every product would otherwise touch)."""
    matrix = sp.csr_matrix(op.to_matrix(sparse=True), dtype=complex)
    matrix.eliminate_zeros()
    return matrix
