"""qbcircuit: circuit emulation of the dephased star quantum battery.

Layers, imports running one way (app -> pipeline -> paths -> core):

- core: model (StarModel and its dissipators as data), dicke, thermo, observables (the registry
  every path evaluates), results (Trajectory);
- paths: exact, circuits (Trotter builders, insertions), backends (protocol and providers),
  emulation (Aer), tomography (pure fitters over counts), pulse (qiskit-dynamics);
- pipeline: experiment -> plan -> execute -> combine, emulated or on a device;
- app: config, mainjob (``qbcircuit run``), jobs and jobfile (``submit``/``collect``), sweeps,
  compare, studies, plots, cli.

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
