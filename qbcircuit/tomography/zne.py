"""Zero-noise extrapolation of measured outcome probabilities.

A circuit U run at noise scale lambda = 1, 3, 5, ... (global folding U (U^+ U)^k, lambda =
2k + 1, :func:`fold`), or at a scale between (the last gates T of U folded once more, U (U^+
U)^k (T^+ T), lambda = 2k + 1 + 2 |T| / |U| counted in two-qubit gates) gives outcome
probabilities p(lambda) of every setting; they are extrapolated to lambda = 0
(:func:`extrapolate_distributions`) by a least-squares line ("linear", robust with few scales),
the polynomial through all points ("richardson", exact for a noise polynomial of that degree,
noisier), or exponential decay ("exponential"): each parity of a setting's outcomes (the
expectation of a product of Z's on some of its qubits, the Walsh-Hadamard transform of the
distribution) is fitted as c f^lambda, as depolarising noise makes it decay towards 0, by a
straight line through log |parity| weighted by parity^2 (its inverse variance), where the
parity keeps its sign and stays above the shot-noise floor at every scale; a parity that does
not falls back to Richardson. Each setting's row is projected back onto the probability
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

__all__ = [
    "FITS",
    "check_fit",
    "check_scales",
    "extrapolate",
    "extrapolate_distributions",
    "fold",
    "project_simplex",
]

FITS = ("linear", "richardson", "exponential")
"""The extrapolations of :func:`extrapolate`."""


def check_scales(scales: Any, name: str = "zne_scales") -> tuple[float, ...]:
    """Increasing numbers 1 = lambda_0 < lambda_1 < ...: odd integers fold the whole circuit,
    others also a tail of it (:func:`fold`); (1,) switches extrapolation off. Integers are kept
    as integers."""
    try:
        values = tuple(scales)
    except TypeError:
        raise QbcircuitError(
            f"Argument `{name}` must be a list of noise scales, got {scales!r}."
        ) from None
    if (
        not values
        or any(
            isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating))
            for v in values
        )
        or not all(np.isfinite(float(v)) for v in values)
        or float(values[0]) != 1.0
        or any(float(b) <= float(a) for a, b in itertools.pairwise(values))
    ):
        raise QbcircuitError(
            f"Argument `{name}` must be increasing noise scales starting at 1 (e.g. [1, 3, 5] "
            f"or [1, 1.5, 2]), got {scales!r}."
        )
    return tuple(int(v) if float(v).is_integer() else float(v) for v in values)


def check_fit(fit: Any, name: str = "zne_fit") -> str:
    """One of :data:`FITS`, or one sentence."""
    if fit not in FITS:
        raise QbcircuitError(f"Argument `{name}` must be one of {FITS}, got {fit!r}.")
    return str(fit)


def _tail(circuit: QuantumCircuit, fraction: float) -> QuantumCircuit:
    """The last instructions of ``circuit`` holding ``fraction`` of its two-qubit gates (of
    all its gates when it has none), as a circuit on the same qubits."""
    gates = [k for k, item in enumerate(circuit.data) if item.operation.name != "barrier"]
    two = [k for k in gates if circuit.data[k].operation.num_qubits > 1]
    counted = two or gates
    keep = round(fraction * len(counted))
    tail = circuit.copy_empty_like()
    if keep == 0:
        return tail
    for item in circuit.data[counted[-keep] :]:
        tail.append(item)
    return tail


def fold(circuit: QuantumCircuit, scale: float) -> QuantumCircuit:
    """``circuit`` U followed by (U^+ U)^k, k = floor((scale - 1)/2), and, for a scale between
    odd integers, by T^+ T for the tail T of U holding the remaining share (scale - 1 - 2k)/2
    of its two-qubit gates (the realised scale is within 1/G of ``scale`` for G of them); each
    piece fenced by barriers so that no transpiler pass cancels a U^+ against its U (the
    circuit must be unitary: no reset or measurement; its parameters are shared by every
    copy)."""
    if scale == 1:
        return circuit
    if any(item.operation.name in ("reset", "measure") for item in circuit.data):
        raise QbcircuitError(
            "Zero-noise extrapolation folds the circuit (U U^+ U), which needs a unitary "
            "circuit; use a unitary insertion ('gaussian', 'pauli' or 'none')."
        )
    whole = int((scale - 1) // 2)
    pieces = [(circuit.inverse(), circuit)] * whole  # (U^+, U), the inverse built once
    remainder = (scale - 1 - 2 * whole) / 2
    if remainder > 0:
        tail = _tail(circuit, remainder)
        pieces.append((tail.inverse(), tail))
    folded = circuit.copy()
    for inverse, piece in pieces:
        folded.barrier()
        folded.compose(inverse, inplace=True)
        folded.barrier()
        folded.compose(piece, inplace=True)
    return folded


def extrapolate(
    scales: Sequence[float],
    values: NDArray[np.float64],
    fit: str = "linear",
    floor: float | NDArray[np.float64] = 0.0,
) -> NDArray[np.float64]:
    """The zero-noise value of ``values`` (axis 0 over ``scales``, any trailing shape); for
    "exponential", values decaying towards 0, each fitted where its |value| exceeds ``floor``
    (broadcast to the trailing shape) with one sign at every scale, by Richardson elsewhere."""
    check_fit(fit)
    x = np.asarray(scales, dtype=float)
    y = np.asarray(values, dtype=float).reshape(x.size, -1)
    degree = 1 if fit == "linear" else x.size - 1
    vander = np.vander(x, degree + 1)  # highest power first: the last column is lambda^0
    result = np.asarray(np.linalg.lstsq(vander, y, rcond=None)[0][-1])
    if fit == "exponential" and x.size > 1:
        limit = np.broadcast_to(np.asarray(floor, dtype=float), np.shape(values)[1:]).ravel()
        signed = np.all(y > 0, axis=0) | np.all(y < 0, axis=0)
        decays = signed & (np.min(np.abs(y), axis=0) > limit)
        if decays.any():
            result[decays] = _exponential(x, y[:, decays])
    return result.reshape(np.shape(values)[1:])


def _exponential(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """c of y = c f^x per column (one sign per column, no zeros): the weighted least-squares
    line through log |y| against x, weights y^2, evaluated at x = 0."""
    weights = y**2
    total = weights.sum(axis=0)
    mean_x = (weights * x[:, None]).sum(axis=0) / total
    logs = np.log(np.abs(y))
    mean_log = (weights * logs).sum(axis=0) / total
    dx = x[:, None] - mean_x
    slope = (weights * dx * (logs - mean_log)).sum(axis=0) / (weights * dx**2).sum(axis=0)
    return np.sign(y[0]) * np.exp(mean_log - slope * mean_x)


def extrapolate_distributions(
    scales: Sequence[float],
    shares: NDArray[np.float64],
    fit: str = "linear",
    shots: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Zero-noise rows of outcome distributions: ``shares`` (scales, rows, 2^n), each row the
    probabilities of the 2^n outcomes of n measured bits; returns (rows, 2^n), each row summing
    to 1 (entries may be negative: project them before a fit). "linear" and "richardson" act
    outcome by outcome; "exponential" parity by parity, the floor 3 / sqrt(shots) of each row
    (``shots``: (scales, rows), the fewest over scales counts; none: every parity fitted)."""
    check_fit(fit)
    shares = np.asarray(shares, dtype=float)
    if fit != "exponential":
        return extrapolate(scales, shares, fit)
    width = shares.shape[-1]
    signs = _walsh(width)
    parities = shares @ signs  # (scales, rows, 2^n): the empty parity is 1
    floor = np.zeros(shares.shape[1])
    if shots is not None:
        floor = 3 / np.sqrt(np.maximum(np.asarray(shots, dtype=float).min(axis=0), 1.0))
    zero = extrapolate(scales, parities, fit, floor[:, None])
    zero[:, 0] = 1.0
    return np.asarray(zero @ signs / width)  # the transform is its own inverse up to 2^n


def _walsh(width: int) -> NDArray[np.float64]:
    """The Walsh-Hadamard sign matrix of 2^n outcomes: column s is (-1)^popcount(s & x)."""
    outcome = np.arange(width)
    common = outcome[:, None] & outcome[None, :]
    parity = np.zeros_like(common)
    while common.any():
        parity ^= common & 1
        common = common >> 1
    return np.asarray(1.0 - 2.0 * parity)


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
