"""Measurement settings of the battery register and the circuits that realise them.

A setting measures every register qubit along a Bloch direction a = (sin t cos p, sin t sin p,
cos t): the circuit applies RZ(-p) then RY(-t), which maps the +1 eigenstate of a.sigma to |0>,
and measures Z. Outcome bit 0 means +1, bit 1 means -1.

- "pauli": each qubit along X, Y or Z independently, 3^n settings. Setting ``"XZ"`` measures
  register qubit 0 along X and register qubit 1 along Z (character q is register qubit q).
- "permutation": all qubits along one common direction, (n+1)(n+2)/2 settings (Toth et al.,
  PRL 105, 250403 (2010)); directions spread over a hemisphere (:func:`permutation_directions`).

Counts of a setting are indexed by the integer whose bit q is register qubit q (Qiskit order, the
convention of :mod:`qbcircuit.thermo`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from qiskit import ClassicalRegister, QuantumCircuit

from qbcircuit._checks import QbcircuitError, check_integer

__all__ = [
    "METHODS",
    "PAULI_AXES",
    "REGISTER",
    "SCHEMES",
    "TomographySettings",
    "build_tomography_circuits",
    "check_method",
    "pauli_settings",
    "permutation_directions",
    "setting_count",
]

SCHEMES = ("pauli", "permutation")
"""The tomography schemes (the ``method`` argument of the tomography functions)."""
METHODS = SCHEMES
"""Former name of SCHEMES (kept for one release)."""
REGISTER = "tomography"
"""Name of the classical register holding a setting's outcome."""
PAULI_AXES = {"X": (1.0, 0.0, 0.0), "Y": (0.0, 1.0, 0.0), "Z": (0.0, 0.0, 1.0)}


def check_method(method: str) -> str:
    if method not in SCHEMES:
        raise QbcircuitError(f"Argument `method` must be one of {SCHEMES}, got {method!r}.")
    return method


def setting_count(n_qubits: int, method: str) -> int:
    """3^n (Pauli) or (n+1)(n+2)/2 (permutation-invariant)."""
    check_method(method)
    return 3**n_qubits if method == "pauli" else (n_qubits + 1) * (n_qubits + 2) // 2


def pauli_settings(n_qubits: int) -> list[str]:
    """All 3^n settings, character q naming the axis of register qubit q ("XX..", "XY..", ...)."""
    return ["".join(axes) for axes in itertools.product("XYZ", repeat=n_qubits)]


def permutation_directions(n_qubits: int) -> NDArray[np.float64]:
    """The (n+1)(n+2)/2 common directions, shape (S, 3): a golden-angle spiral over the upper
    hemisphere, z_i = 1 - i/S, starting at +z (row 0, the energy setting).

    Any (n+1)(n+2)/2 directions in general position determine the permutation-invariant part
    (Toth et al.); their spread sets the noise. Toth's example set (k, l, n-k-l)/norm crowds
    into one octant: the condition number of the fit is 2.5e3 at n = 8 and 2.4e4 at n = 10,
    against 24 and 33 for this spiral.
    """
    count = setting_count(n_qubits, "permutation")
    index = np.arange(count)
    z = 1 - index / count
    azimuth = np.pi * (3 - np.sqrt(5)) * index
    radius = np.sqrt(1 - z**2)
    return np.column_stack([radius * np.cos(azimuth), radius * np.sin(azimuth), z])


def _directions(n_qubits: int, method: str) -> list[list[tuple[float, float, float]]]:
    """Per setting, the direction of each register qubit."""
    if method == "pauli":
        return [[PAULI_AXES[c] for c in label] for label in pauli_settings(n_qubits)]
    return [
        [(float(x), float(y), float(z))] * n_qubits for x, y, z in permutation_directions(n_qubits)
    ]


def _rotate_to_z(circuit: QuantumCircuit, qubit: int, direction: Sequence[float]) -> None:
    x, y, z = direction
    polar = math.acos(max(-1.0, min(1.0, z)))
    azimuth = math.atan2(y, x)
    if abs(azimuth) > 1e-15 and polar > 1e-15:
        circuit.rz(-azimuth, qubit)
    if polar > 1e-15:
        circuit.ry(-polar, qubit)


@dataclass(frozen=True)
class TomographySettings:
    """The settings of an ``n_qubits`` register under ``scheme``: the circuits that measure
    them and the order the fitters read their counts in (setting k is row k of a counts table).

    >>> settings = TomographySettings("pauli", 2)
    >>> settings.count, settings.labels[:3], settings.z_setting
    (9, ['XX', 'XY', 'XZ'], 8)
    """

    scheme: str
    n_qubits: int

    def __post_init__(self) -> None:
        check_method(self.scheme)
        check_integer("n_qubits", self.n_qubits, low=1)

    @property
    def count(self) -> int:
        return setting_count(self.n_qubits, self.scheme)

    @property
    def labels(self) -> list[str]:
        """Pauli strings (character q: register qubit q), or the direction index."""
        if self.scheme == "pauli":
            return pauli_settings(self.n_qubits)
        return [str(i) for i in range(self.count)]

    @property
    def z_setting(self) -> int:
        """The setting with every qubit along +z: its popcounts give the energy."""
        return 3**self.n_qubits - 1 if self.scheme == "pauli" else 0

    def directions(self) -> list[list[tuple[float, float, float]]]:
        """Per setting, the Bloch direction each register qubit is measured along."""
        return _directions(self.n_qubits, self.scheme)

    def circuits(self, circuit: QuantumCircuit, qubits: Sequence[int]) -> list[QuantumCircuit]:
        """Copies of ``circuit`` measuring ``qubits`` (register qubit q = ``qubits[q]``) in
        every setting, in order; see :func:`build_tomography_circuits`."""
        register = list(qubits)
        if len(register) != self.n_qubits:
            raise QbcircuitError(
                f"Argument `qubits` must name {self.n_qubits} qubits, got {len(register)}."
            )
        if len(set(register)) != len(register) or not all(
            isinstance(q, (int, np.integer)) and 0 <= q < circuit.num_qubits for q in register
        ):
            raise QbcircuitError(
                f"Argument `qubits` must be distinct qubit indices in "
                f"0..{circuit.num_qubits - 1}, got {register}."
            )
        if any(reg.name == REGISTER for reg in circuit.cregs):
            raise QbcircuitError(
                f"The circuit already has a classical register named {REGISTER!r}."
            )
        out = []
        for index, (label, directions) in enumerate(
            zip(self.labels, self.directions(), strict=True)
        ):
            copy = circuit.copy(name=f"{circuit.name}_{self.scheme}_{label}")
            bits = ClassicalRegister(self.n_qubits, REGISTER)
            copy.add_register(bits)
            for q, direction in zip(register, directions, strict=True):
                _rotate_to_z(copy, int(q), direction)
            copy.measure(register, bits)
            copy.metadata = {
                **(circuit.metadata or {}),
                "tomography": {
                    "method": self.scheme,
                    "setting": index,
                    "qubits": [int(q) for q in register],
                },
            }
            out.append(copy)
        return out


def build_tomography_circuits(
    circuit: QuantumCircuit, qubits: Sequence[int], *, method: str = "permutation"
) -> list[QuantumCircuit]:
    """Copies of ``circuit`` measuring ``qubits`` in every setting of ``method``.

    Each copy gets a classical register named ``"tomography"`` (bit q <- ``qubits[q]``) and
    ``metadata["tomography"] = {"method", "setting", "qubits"}``; settings are in the order of
    :func:`pauli_settings` / :func:`permutation_directions`, the order the fitters expect.
    """
    check_method(method)
    if not list(qubits):
        raise QbcircuitError("Argument `qubits` must name at least one qubit.")
    return TomographySettings(method, len(list(qubits))).circuits(circuit, qubits)
