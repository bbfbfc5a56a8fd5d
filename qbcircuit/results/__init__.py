"""Frozen results and the only place with serialization (JSON + CSV, written atomically).

Every path (exact, aer, pulse, tomography, hardware) produces a :class:`Trajectory` with a fixed
``label``, so comparisons are pairwise. Results carry the model, the options that produced them
and the package version.
"""

from __future__ import annotations

from qbcircuit.results._io import LABELS, remove_temporaries, write_atomic
from qbcircuit.results.study import REACH_STATUS, LongTime, RatioStudy
from qbcircuit.results.trajectory import Trajectory

__all__ = [
    "LABELS",
    "REACH_STATUS",
    "LongTime",
    "RatioStudy",
    "Trajectory",
    "remove_temporaries",
    "write_atomic",
]
