"""qbcircuit: circuit emulation of the dephased star quantum battery.

Layers, imports running one way (app -> pipeline -> paths -> core):

- core: model (StarModel and its dissipators as data), dicke, thermo, observables (the registry
  every path evaluates), results (Trajectory);
- paths: exact, circuits (Trotter builders, insertions), backends (protocol and providers),
  emulation (Aer), tomography (pure fitters over counts), pulse (qiskit-dynamics);
- pipeline: experiment -> plan -> execute -> combine, emulated or on a device;
- app: config, mainjob (``qbcircuit run``), jobs and jobfile (``submit``/``collect``), sweeps,
  compare, studies, plots, cli.

The names below are loaded on first use, so ``import qbcircuit`` costs nothing until one is
touched (qiskit and numpy are imported then). The documentation (docs/: getting started,
tutorials, physics and conventions, guides, API reference) says the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from qbcircuit._version import __version__

if TYPE_CHECKING:
    from qbcircuit import exact, observables, sweeps, thermo
    from qbcircuit._checks import QbcircuitError
    from qbcircuit.model import StarModel
    from qbcircuit.pipeline import emulate_tomography
    from qbcircuit.results import LongTime, RatioStudy, Trajectory
    from qbcircuit.sweeps import SweepResult, sweep
    from qbcircuit.tomography import Estimate, estimate_ergotropy

_HOMES = {
    "Estimate": "qbcircuit.tomography",
    "LongTime": "qbcircuit.results",
    "QbcircuitError": "qbcircuit._checks",
    "RatioStudy": "qbcircuit.results",
    "StarModel": "qbcircuit.model",
    "SweepResult": "qbcircuit.sweeps",
    "Trajectory": "qbcircuit.results",
    "emulate_tomography": "qbcircuit.pipeline",
    "estimate_ergotropy": "qbcircuit.tomography",
    "sweep": "qbcircuit.sweeps",
}
_MODULES = ("exact", "observables", "sweeps", "thermo")

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


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(f"qbcircuit.{name}")
    if name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'qbcircuit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
