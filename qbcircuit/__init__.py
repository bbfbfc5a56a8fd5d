"""qbcircuit: circuit emulation of the dephased star quantum battery.

Data flow: config/StarModel -> exact | circuits -> backends -> tomography | pulse -> observables
(the registry every path evaluates) -> results (Trajectory) -> plots, CLI, scripts; sweeps run
many points of it.
See README.md and docs/physics.md for conventions.
"""

from __future__ import annotations

from qbcircuit import exact, observables, sweeps, thermo
from qbcircuit._checks import QbcircuitError
from qbcircuit._version import __version__
from qbcircuit.model import StarModel
from qbcircuit.pipeline import emulate_tomography
from qbcircuit.results import LongTime, RatioStudy, Trajectory
from qbcircuit.sweeps import SweepResult, sweep
from qbcircuit.tomography import Estimate, estimate_ergotropy

__all__ = [
    "Estimate",
    "LongTime",
    "QbcircuitError",
    "RatioStudy",
    "StarModel",
    "SweepResult",
    "Trajectory",
    "__version__",
    "emulate_tomography",
    "estimate_ergotropy",
    "exact",
    "observables",
    "sweep",
    "sweeps",
    "thermo",
]
