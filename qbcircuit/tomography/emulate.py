"""Former home of :func:`emulate_tomography`, now :mod:`qbcircuit.pipeline` (kept for one
release)."""

from __future__ import annotations

from qbcircuit.pipeline import MAX_CIRCUITS, emulate_tomography, estimates_trajectory

__all__ = ["MAX_CIRCUITS", "emulate_tomography", "estimates_trajectory"]
