"""The lab-frame operators and signals of the pulse reference, and its cost estimate."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from qiskit.quantum_info import SparsePauliOp

from qbcircuit import dicke
from qbcircuit._checks import QbcircuitError, check_finite, check_positive
from qbcircuit._install import pip_install
from qbcircuit.model import StarModel, check_symmetric

__all__ = [
    "ARRAY_LIBRARIES",
    "COUPLING_FORMS",
    "DRIVE_SHAPES",
    "FRAMES",
    "INSTALL",
    "STEP_WARNING",
    "check_installed",
    "estimated_steps",
    "lab_operators",
]

FRAMES = ("lab", "rotating")
DRIVE_SHAPES = ("linear", "circular")
COUPLING_FORMS = ("flipflop", "xx")
ARRAY_LIBRARIES = ("numpy", "jax")
STEP_WARNING = 2_000_000
"""Warn when the estimated number of solver steps exceeds this."""
INSTALL = (
    "The pulse reference needs the 'pulse' extra (qiskit==1.3.0 + qiskit-dynamics==0.6.0), "
    f"which cannot share an environment with qiskit 2.x: in a new environment, "
    f"{pip_install('pulse')}."
)

_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
_SZ = np.diag([-1.0, 1.0]).astype(complex)
_SPLUS = np.array([[0, 0], [1, 0]], dtype=complex)


def check_installed() -> None:
    """Raise the one-sentence install hint when qiskit-dynamics cannot be imported."""
    _dynamics()


def _dynamics() -> Any:
    try:
        import qiskit_dynamics
    except ImportError:  # absent, or qiskit 2.x (no qiskit.pulse)
        raise QbcircuitError(INSTALL) from None
    return qiskit_dynamics


def _jax() -> Any:
    """jax with 64-bit floats, or one sentence naming the install command."""
    try:
        import jax
    except ImportError:
        message = f'array_library="jax" needs jax: {pip_install("pulse,jax")}.'
        raise QbcircuitError(message) from None
    jax.config.update("jax_enable_x64", True)
    return jax


def lab_operators(
    model: StarModel,
    *,
    basis: str = "full",
    omega0: float | None = None,
    carrier: float | None = None,
    coupling_form: str = "flipflop",
    drive_shape: str = "linear",
) -> dict[str, Any]:
    """Dense operators of the lab-frame model: ``static`` (H without drive), ``drives`` (X_C,
    and Y_C for the circular drive), ``jump``, ``frame`` (wd (sz_C/2 + Jz)) and the
    frequencies ``omega0``, ``carrier`` (wd), ``charger`` (wC). Basis "full" or "dicke"."""
    if coupling_form not in COUPLING_FORMS:
        raise QbcircuitError(
            f"Argument `coupling_form` must be one of {COUPLING_FORMS}, got {coupling_form!r}."
        )
    if drive_shape not in DRIVE_SHAPES:
        raise QbcircuitError(
            f"Argument `drive_shape` must be one of {DRIVE_SHAPES}, got {drive_shape!r}."
        )
    w_b = model.omega0 if omega0 is None else check_positive("omega0", omega0)
    w_d = w_b - model.battery_detuning if carrier is None else check_finite("carrier", carrier)
    w_c = w_b - model.battery_detuning + model.charger_detuning
    n, g = model.n_batteries, model.coupling
    if basis == "full":

        def op(terms: list[tuple[str, list[int], float]]) -> NDArray[np.complex128]:
            pauli = SparsePauliOp.from_sparse_list(terms, num_qubits=n + 1)
            return np.asarray(pauli.to_matrix(force_serial=True), dtype=complex)

        z_all = [("Z", [j], 1.0) for j in range(1, n + 1)]
        # battery qubit j at w_d + dB_j (w_b itself when every dB_j = dB)
        w_j = w_b + model.battery_detunings - model.battery_detuning
        g_j = model.battery_couplings
        static = op([("Z", [0], -w_c / 2)] + [("Z", [j], -w_j[j - 1] / 2) for j in range(1, n + 1)])
        if coupling_form == "flipflop":
            pairs = [(p, [0, j], g_j[j - 1] / 2) for j in range(1, n + 1) for p in ("XX", "YY")]
        else:
            pairs = [("XX", [0, j], g_j[j - 1]) for j in range(1, n + 1)]
        static = static + op(pairs)
        drives = [op([("X", [0], 1.0)]), op([("Y", [0], 1.0)])]
        frame = op([("Z", [0], -w_d / 2)] + [(p, q, -w_d / 2 * c) for p, q, c in z_all])
    elif basis == "dicke":
        check_symmetric(model, "The pulse leg's basis='dicke'")
        eye_b, eye_c = np.eye(n + 1), np.eye(2)
        jplus, jz = dicke.jplus(n).toarray(), dicke.jz(n).toarray()
        static = np.asarray((w_c / 2) * np.kron(eye_b, _SZ) + w_b * np.kron(jz, eye_c), complex)
        if coupling_form == "flipflop":
            static = static + g * (np.kron(jplus.T, _SPLUS) + np.kron(jplus, _SPLUS.T))
        else:
            static = static + g * np.kron(jplus + jplus.T, _X)
        drives = [np.kron(eye_b, _X), np.kron(eye_b, _Y)]
        frame = np.asarray(w_d * (np.kron(eye_b, _SZ) / 2 + np.kron(jz, eye_c)), complex)
    else:
        raise QbcircuitError(f"Argument `basis` must be 'full' or 'dicke', got {basis!r}.")
    return {
        "static": static,
        "drives": drives if drive_shape == "circular" else drives[:1],
        "jump": sp.csr_matrix(
            model.jump_operator("full" if basis == "full" else "dicke")
        ).toarray(),
        "jumps": [
            sp.csr_matrix(d.matrix(model, "full" if basis == "full" else "dicke")).toarray()
            for d in model.dissipators()
        ],
        "frame": frame,
        "omega0": w_b,
        "carrier": w_d,
        "charger": w_c,
    }


def _drive_terms(model: StarModel, drive_shape: str) -> list[tuple[float, float]]:
    """(amplitude, phase) of each drive signal, amplitude cos(wd t + phase)."""
    if drive_shape == "linear":
        return [(2 * model.drive, 0.0)]
    return [(model.drive, 0.0), (model.drive, math.pi / 2)]  # F cos X_C - F sin(wd t) Y_C


def _signals(model: StarModel, drive_shape: str, carrier: float) -> list[Any]:
    from qiskit_dynamics import Signal

    frequency = carrier / (2 * math.pi)  # Signal carrier_freq: cycles per unit time
    return [
        Signal(amplitude, carrier_freq=frequency, phase=phase)
        for amplitude, phase in _drive_terms(model, drive_shape)
    ]


def estimated_steps(operators: dict[str, Any], t_max: float, frame: str) -> int:
    """Rough step count of an adaptive explicit solver: about 20 steps per period of the
    fastest frequency left in the frame (lab: the bare frequencies; rotating: the detunings,
    couplings, and 2 wd for counter-rotating terms)."""
    fastest = float(np.max(np.abs(np.linalg.eigvalsh(operators["static"]))))
    if frame == "rotating":
        fastest = float(
            np.max(np.abs(np.linalg.eigvalsh(operators["static"] - operators["frame"])))
        )
    fastest = max(fastest, 2 * abs(operators["carrier"]) if frame == "lab" else fastest)
    return math.ceil(20 * t_max * fastest / (2 * math.pi)) + 1
