"""Readout-error mitigation of tomography counts with mthree (M3, Nation et al., PRX Quantum 2,
040326 (2021)), from two calibration circuits run in the same job as the experiment.

Calibration ("marginal", as mthree calls it): the measured qubits prepared all in |0> and all in
|1>, measured; qubit q's assignment matrix A_q[measured, prepared] is read from its marginals.
M3 then solves (tensor A_q) p_ideal = p_measured in the subspace of observed bit strings and
:meth:`~mthree.classes.QuasiDistribution.nearest_probability_distribution` returns the nearest
probability vector, so the fitters get non-negative counts with the original shots. Correlated
readout errors are not modelled (tensored calibration). mthree is part of the ``cloud`` extra and
imported only here, lazily.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qbcircuit._checks import QbcircuitError
from qbcircuit._install import pip_install

__all__ = ["INSTALL", "ReadoutCalibration"]

INSTALL = (
    f"Readout mitigation needs mthree, part of the cloud extra: {pip_install('cloud')} "
    "(or set mitigation = false in [hardware])."
)


def _mthree() -> Any:
    try:
        import mthree
    except ImportError:
        raise QbcircuitError(INSTALL) from None
    return mthree


@dataclass(frozen=True)
class ReadoutCalibration:
    """Per-qubit assignment matrices ``assignment[q][measured, prepared]`` of the physical
    qubits in ``qubits`` (same order), from ``shots`` shots per calibration circuit."""

    qubits: tuple[int, ...]
    assignment: tuple[tuple[tuple[float, float], tuple[float, float]], ...]
    shots: int

    @classmethod
    def from_counts(
        cls, zeros: NDArray[Any], ones: NDArray[Any], qubits: Sequence[int]
    ) -> ReadoutCalibration:
        """From dense counts (index bit k = ``qubits[k]``) of all-|0> and all-|1> preparations."""
        zeros, ones = np.asarray(zeros, dtype=float), np.asarray(ones, dtype=float)
        n = len(qubits)
        if zeros.shape != (2**n,) or ones.shape != (2**n,) or zeros.sum() <= 0 or ones.sum() <= 0:
            raise QbcircuitError(
                f"Calibration counts must be two non-empty arrays of 2^{n} outcomes, got shapes "
                f"{zeros.shape} and {ones.shape}."
            )
        outcomes = np.arange(2**n)
        matrices = []
        for k in range(n):
            bit = (outcomes >> k) & 1
            p10 = float(zeros[bit == 1].sum() / zeros.sum())  # read 1 after preparing 0
            p01 = float(ones[bit == 0].sum() / ones.sum())
            matrices.append(((1 - p10, p01), (p10, 1 - p01)))
        return cls(tuple(int(q) for q in qubits), tuple(matrices), int(zeros.sum()))

    @property
    def fidelities(self) -> dict[int, float]:
        """Assignment fidelity 1 - (P(1|0) + P(0|1))/2 per physical qubit."""
        return {
            q: 1 - (a[1][0] + a[0][1]) / 2
            for q, a in zip(self.qubits, self.assignment, strict=True)
        }

    def corrector(self, qubits: Sequence[int]) -> Callable[[NDArray[Any]], NDArray[np.float64]]:
        """A function mapping a counts table (rows, 2^n; index bit k = physical ``qubits[k]``)
        to the mitigated table: each row the nearest probability vector times its shots."""
        mthree = _mthree()
        missing = sorted(set(qubits) - set(self.qubits))
        if missing:
            raise QbcircuitError(
                f"Qubits {missing} were not calibrated; calibrated: {self.qubits}."
            )
        mitigator = mthree.M3Mitigation()
        matrices: list[Any] = [None] * (max(self.qubits) + 1)
        for q, a in zip(self.qubits, self.assignment, strict=True):
            matrices[q] = np.array(a, dtype=np.float32)
        mitigator.cals_from_matrices(matrices)
        physical = [int(q) for q in qubits]
        n = len(physical)

        def correct(table: NDArray[Any]) -> NDArray[np.float64]:
            rows = np.atleast_2d(np.asarray(table, dtype=float))
            out = np.zeros_like(rows)
            for r, row in enumerate(rows):
                shots = row.sum()
                observed = {format(i, f"0{n}b"): float(c) for i, c in enumerate(row) if c > 0}
                quasi = mitigator.apply_correction(observed, physical)
                for key, value in quasi.nearest_probability_distribution().items():
                    out[r, int(key, 2)] = value * shots
            return out.reshape(np.shape(table))

        return correct

    def to_dict(self) -> dict[str, Any]:
        return {
            "qubits": list(self.qubits),
            "assignment": [[list(row) for row in a] for a in self.assignment],
            "shots": self.shots,
        }
