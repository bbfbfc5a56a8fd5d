"""Lindblad channels as data: one single-qubit jump operator on one qubit at one rate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from qbcircuit._checks import QbcircuitError
from qbcircuit.model._operators import check_basis, single_qubit

if TYPE_CHECKING:
    from qbcircuit.model import Basis, StarModel

__all__ = ["OPERATORS", "Dissipator"]

OPERATORS = {
    "sz": np.diag([-1.0, 1.0]).astype(complex),  # sz = -Z: -1 on |0> (ground)
    "sminus": np.array([[0.0, 1.0], [0.0, 0.0]], dtype=complex),  # |0><1|
    "splus": np.array([[0.0, 0.0], [1.0, 0.0]], dtype=complex),  # |1><0|
}
"""Single-qubit operators a dissipator may act with (computational basis, |0> first)."""


@dataclass(frozen=True)
class Dissipator:
    """One Lindblad channel D[L] rho = L rho L^+ - {L^+ L, rho}/2 with L = sqrt(rate) A, where
    A is the single-qubit operator ``operator`` (a key of :data:`OPERATORS`) on ``qubit``
    (0 = the charger, j = battery qubit j).

    >>> Dissipator("charger_dephasing", 0.5, 0, "sz").hermitian
    True
    """

    name: str
    rate: float
    qubit: int
    operator: str

    @property
    def hermitian(self) -> bool:
        """L = L^+: the channel is unital (the maximally mixed state stays stationary)."""
        return self.operator == "sz"

    def matrix(self, model: StarModel, basis: Basis = "full") -> sp.csr_matrix:
        """L in ``basis``; the Dicke sector holds charger operators only."""
        local = np.sqrt(self.rate) * OPERATORS[self.operator]
        if check_basis(basis) == "full":  # qubit q is bit q of the index
            return single_qubit(local, self.qubit, model.n_qubits)
        if self.qubit != 0:
            raise QbcircuitError(
                f"The {self.name} dissipator acts on battery qubit {self.qubit} and leaves the "
                "symmetric sector; use basis='full'."
            )
        eye_b = sp.identity(model.n_batteries + 1, format="csr")
        return sp.csr_matrix(sp.kron(eye_b, sp.csr_matrix(local)), dtype=complex)
