"""Ergotropy from state tomography of the battery register: build -> run -> fit.

- :mod:`~qbcircuit.tomography.settings`: the settings and ``build_tomography_circuits``;
- :func:`qbcircuit.backends.run_sampler`: execution through a qiskit SamplerV2 (Aer, fake or IBM);
- :mod:`~qbcircuit.tomography.fitters`: pure fitters over count arrays;
- :mod:`~qbcircuit.tomography.estimate`: ``estimate_ergotropy`` with bootstrap intervals;
- :mod:`~qbcircuit.tomography.readout`: readout calibration and correction.

The "tomography" Trajectory of the Trotter circuits (build, run on a backend, fit) is the
circuit pipeline's (:func:`qbcircuit.pipeline.emulate_tomography`); it is also reachable here.
"""

from __future__ import annotations

from qbcircuit.tomography.counts import counts_array
from qbcircuit.tomography.estimate import (
    INTERVALS,
    Estimate,
    FitOptions,
    estimate_ergotropy,
    recommend_shots,
)
from qbcircuit.tomography.fitters import (
    FITTERS,
    Reconstruction,
    outcome_probabilities,
    project_to_simplex,
    reconstruct,
    spin_operators,
)
from qbcircuit.tomography.settings import (
    METHODS,
    SCHEMES,
    TomographySettings,
    build_tomography_circuits,
    pauli_settings,
    permutation_directions,
    setting_count,
)

__all__ = [
    "FITTERS",
    "INTERVALS",
    "METHODS",
    "SCHEMES",
    "Estimate",
    "FitOptions",
    "Reconstruction",
    "TomographySettings",
    "build_tomography_circuits",
    "counts_array",
    "estimate_ergotropy",
    "outcome_probabilities",
    "pauli_settings",
    "permutation_directions",
    "project_to_simplex",
    "recommend_shots",
    "reconstruct",
    "setting_count",
    "spin_operators",
]


def __getattr__(name: str) -> object:
    if name == "emulate_tomography":  # the pipeline sits above this package: import on use
        from qbcircuit.pipeline import emulate_tomography

        return emulate_tomography
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
