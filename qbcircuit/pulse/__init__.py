"""Pulse-level reference: the time-dependent lab-frame model solved with qiskit-dynamics.

The adapter for the ``pulse`` extra (qiskit 1.3 + qiskit-dynamics 0.6): qiskit-dynamics is
imported here only, lazily, and a missing extra is one sentence. Lab frame (docs/physics.md,
2), in the Pauli convention of the package (sz = -Z, |0> = ground), with battery frequency
``omega0``, drive frequency wd (``carrier``, default omega0 - dB) and charger frequency
wC = wd + dC:

    H(t) = (wC/2) sz_C + omega0 Jz + coupling + drive(t),   L = sqrt(gamma/2) sz_C
    coupling  "flipflop": g sum_j (s+_C s-_j + h.c.)     "xx": g sum_j X_C X_j (non-RWA)
    drive     "circular": F (e^{-i wd t} s+_C + h.c.) = F (cos(wd t) X_C - sin(wd t) Y_C)
              "linear":   2 F cos(wd t) X_C (counter-rotating terms included)

Drives are qiskit-dynamics Signals, whose ``carrier_freq`` is in cycles per unit time: wd / 2 pi.
With the circular drive and flip-flop coupling, H(t) is exactly the rotating-frame model of
:mod:`qbcircuit.model` seen from the lab; the linear drive and the xx coupling add the terms the
RWA drops. E, W and the local ergotropy are those of H_B = omega0_model sum_j (1 - Z_j)/2, which
commutes with the frame change, so lab- and rotating-frame Trajectories compare directly.
"""

from __future__ import annotations

from qbcircuit.pulse.operators import (
    ARRAY_LIBRARIES,
    COUPLING_FORMS,
    DRIVE_SHAPES,
    FRAMES,
    INSTALL,
    STEP_WARNING,
    check_installed,
    estimated_steps,
    lab_operators,
)
from qbcircuit.pulse.solve import evolve, evolve_batch

__all__ = [
    "ARRAY_LIBRARIES",
    "COUPLING_FORMS",
    "DRIVE_SHAPES",
    "FRAMES",
    "INSTALL",
    "STEP_WARNING",
    "check_installed",
    "estimated_steps",
    "evolve",
    "evolve_batch",
    "lab_operators",
]
