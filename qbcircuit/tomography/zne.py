"""Zero-noise extrapolation of measured outcome probabilities.

A circuit U run at noise scale lambda = 1, 3, 5, ... (global folding U (U^+ U)^k, lambda =
2k + 1, :func:`fold`) gives outcome probabilities p(lambda) of every setting; they are
extrapolated to lambda = 0 outcome by outcome, by a least-squares line ("linear", robust with
few scales) or the polynomial through all points ("richardson", exact for a noise polynomial
of that degree, noisier), and each setting's row is projected back onto the probability
simplex (the Euclidean projection) before the tomography fit sees it. The bootstrap of the
fit redraws the raw counts of every scale and extrapolates each replicate again, so the error
bars include the extrapolation's own noise.

>>> extrapolate([1, 3], np.array([[0.4], [0.6]]), "linear").round(6).tolist()
[0.3]
>>> project_simplex(np.array([[0.7, 0.5, -0.1]])).round(6).tolist()
[[0.6, 0.4, 0.0]]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit import QuantumCircuit

from qbcircuit._checks import QbcircuitError

__all__ = ["FITS", "check_fit", "check_scales", "extrapolate", "fold", "project_simplex"]

FITS = ("linear", "richardson")
"""The extrapolations of :func:`extrapolate`."""


def check_scales(scales: Any, name: str = "zne_scales") -> tuple[int, ...]:
    """Odd integers 1 = lambda_0 < lambda_1 < ... (global folding makes odd scales only);
    (1,) switches extrapolation off."""
    try:
        values = tuple(scales)
    except TypeError:
        raise QbcircuitError(
            f"Argument `{name}` must be a list of odd integers, got {scales!r}."
        ) from None
    if (
        not values
        or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in values)
        or values[0] != 1
        or any(v % 2 == 0 for v in values)
        or any(b <= a for a, b in itertools.pairwise(values))
    ):
        raise QbcircuitError(
            f"Argument `{name}` must be increasing odd integers starting at 1 (e.g. [1, 3, 5]), "
            f"got {scales!r}."
        )
    return tuple(int(v) for v in values)


def check_fit(fit: Any, name: str = "zne_fit") -> str:
    """One of :data:`FITS`, or one sentence."""
    if fit not in FITS:
        raise QbcircuitError(f"Argument `{name}` must be one of {FITS}, got {fit!r}.")
    return str(fit)


def fold(circuit: QuantumCircuit, scale: int) -> QuantumCircuit:
    """``circuit`` followed by (U^+ U)^k, k = (scale - 1)/2, each piece fenced by barriers so
    no transpiler pass cancels a U^+ against its U (the circuit must be unitary: no reset or
    measurement; its parameters are shared by every copy)."""
    if scale == 1:
        return circuit
    if any(item.operation.name in ("reset", "measure") for item in circuit.data):
        raise QbcircuitError(
            "Zero-noise extrapolation folds the circuit (U U^+ U), which needs a unitary "
            "circuit; use a unitary insertion ('gaussian', 'pauli' or 'none')."
        )
    inverse = circuit.inverse()
    folded = circuit.copy()
    for _ in range((scale - 1) // 2):
        folded.barrier()
        folded.compose(inverse, inplace=True)
        folded.barrier()
        folded.compose(circuit, inplace=True)
    return folded


def extrapolate(
    scales: Sequence[int], values: NDArray[np.float64], fit: str = "linear"
) -> NDArray[np.float64]:
    """The zero-noise value of ``values`` (axis 0 over ``scales``, any trailing shape)."""
    check_fit(fit)
    x = np.asarray(scales, dtype=float)
    y = np.asarray(values, dtype=float).reshape(x.size, -1)
    degree = 1 if fit == "linear" else x.size - 1
    vander = np.vander(x, degree + 1)  # highest power first: the last column is lambda^0
    coefficients = np.linalg.lstsq(vander, y, rcond=None)[0]
    return np.asarray(coefficients[-1]).reshape(np.shape(values)[1:])


def project_simplex(rows: NDArray[np.float64]) -> NDArray[np.float64]:
    """Each row's nearest probability vector (Euclidean projection onto the simplex)."""
    rows = np.atleast_2d(np.asarray(rows, dtype=float))
    ordered = -np.sort(-rows, axis=1)
    cumulative = np.cumsum(ordered, axis=1) - 1
    index = np.arange(1, rows.shape[1] + 1)
    active = ordered - cumulative / index > 0
    count = active.sum(axis=1)
    shift = cumulative[np.arange(rows.shape[0]), count - 1] / count
    return np.maximum(rows - shift[:, None], 0.0)
