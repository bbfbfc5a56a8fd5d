"""Tomography counts as one checked array: shape (settings, 2^n), row s = setting s.

Accepted forms: such an array of non-negative integers (integral floats too), or one mapping per
setting from outcome to count, where an outcome is an ``int`` or a bit string of '0'/'1' with
register qubit 0 rightmost (Qiskit's order). Exact probabilities (noiseless checks) are accepted
only when asked for (``probabilities=True``). Anything else (complex, NaN, negative or fractional
values, bools) is refused in one sentence; nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qbcircuit._checks import QbcircuitError
from qbcircuit.tomography.settings import check_method, setting_count

__all__ = ["counts_array", "n_qubits_of"]


def n_qubits_of(outcomes: int) -> int:
    n = outcomes.bit_length() - 1
    if outcomes < 2 or 2**n != outcomes:
        raise QbcircuitError(f"Counts must have 2^n outcomes per setting (n >= 1), got {outcomes}.")
    return n


def _row(counts: Mapping[Any, Any], n: int, index: int) -> NDArray[np.float64]:
    row = np.zeros(2**n)
    for key, value in counts.items():
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            outcome = int(key)
            if not 0 <= outcome < 2**n:
                raise QbcircuitError(
                    f"Setting {index}: outcome {outcome} is out of range for {n} qubits."
                )
        elif isinstance(key, str):
            if len(key) != n or set(key) - {"0", "1"}:
                raise QbcircuitError(
                    f"Setting {index}: outcome {key!r} is not a string of {n} characters '0'/'1'."
                )
            outcome = int(key, 2)
        else:
            raise QbcircuitError(
                f"Setting {index}: outcome {key!r} is neither an int nor a string."
            )
        integral = isinstance(value, (int, np.integer)) or (
            isinstance(value, (float, np.floating)) and float(value).is_integer()
        )
        if isinstance(value, (bool, np.bool_)) or not integral or value < 0:
            raise QbcircuitError(
                f"Setting {index}: count of {key!r} must be an integer >= 0, got {value!r}."
            )
        row[outcome] += int(value)
    return row


def _width(counts: Sequence[Mapping[Any, Any]]) -> int:
    for mapping in counts:
        for key in mapping:
            if isinstance(key, str):
                return len(key)
    raise QbcircuitError(
        "Give `n_qubits` with integer-keyed counts: the register size cannot be read from them."
    )


def counts_array(
    counts: Any, method: str, *, n_qubits: int | None = None, probabilities: bool = False
) -> NDArray[np.float64]:
    """Check ``counts`` against ``method`` and return them as a float array (settings, 2^n);
    ``probabilities``: the rows may be any non-negative reals (exact outcome probabilities)."""
    check_method(method)
    if isinstance(counts, (str, bytes)):
        raise QbcircuitError(
            "Counts must be an array (settings, 2^n) or a list of one mapping per setting, got "
            f"{type(counts).__name__}."
        )
    if isinstance(counts, np.ndarray) or (
        isinstance(counts, Sequence) and counts and not isinstance(counts[0], Mapping)
    ):
        try:
            raw = np.asarray(counts)
        except (TypeError, ValueError):
            raise QbcircuitError("Counts must be numbers, one row per setting.") from None
        if raw.dtype.kind not in "iuf":
            raise QbcircuitError(
                f"Counts must be real numbers, one row per setting, got dtype {raw.dtype}."
            )
        array = raw.astype(float)
        if array.ndim != 2:
            raise QbcircuitError(
                f"Counts must have shape (settings, 2^n), got shape {array.shape}."
            )
        n = n_qubits_of(array.shape[1])
    elif isinstance(counts, Sequence):
        if not counts:
            raise QbcircuitError("Counts must hold one entry per setting, got none.")
        n = n_qubits if n_qubits is not None else _width(counts)
        array = np.array([_row(mapping, n, i) for i, mapping in enumerate(counts)])
    else:
        raise QbcircuitError(
            "Counts must be an array (settings, 2^n) or a list of one mapping per setting, got "
            f"{type(counts).__name__}."
        )
    if n_qubits is not None and n != n_qubits:
        raise QbcircuitError(f"Counts are for {n} qubits, expected {n_qubits}.")
    expected = setting_count(n, method)
    if array.shape[0] != expected:
        raise QbcircuitError(
            f"The {method} method on {n} qubits needs counts for all {expected} settings, got "
            f"{array.shape[0]}."
        )
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise QbcircuitError("Counts must be finite and >= 0.")
    if not probabilities and np.any(array != np.round(array)):
        bad = np.argwhere(array != np.round(array))[0]
        raise QbcircuitError(
            f"Counts must be integers: setting {bad[0]}, outcome {bad[1]} holds "
            f"{array[tuple(bad)]!r} (pass probabilities=True for exact outcome probabilities)."
        )
    shots = array.sum(axis=1)
    if np.any(shots <= 0):
        empty = int(np.argmax(shots <= 0))
        raise QbcircuitError(f"Setting {empty} has no shots; every setting needs at least one.")
    array.setflags(write=False)
    return array
