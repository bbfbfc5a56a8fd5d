"""Ergotropy from state tomography of the battery register: build -> run -> fit.

- :mod:`~qbcircuit.tomography.settings`: the settings and ``build_tomography_circuits``;
- :func:`qbcircuit.backends.run_sampler`: execution through a qiskit SamplerV2 (Aer, fake or IBM);
- :mod:`~qbcircuit.tomography.fitters`: pure fitters over count arrays;
- :mod:`~qbcircuit.tomography.estimate`: ``estimate_ergotropy`` with bootstrap intervals;
- :mod:`~qbcircuit.tomography.emulate`: the "tomography" Trajectory of the Trotter circuits.
"""

from __future__ import annotations

from qbcircuit.tomography.counts import counts_array
from qbcircuit.tomography.emulate import emulate_tomography
from qbcircuit.tomography.estimate import INTERVALS, Estimate, estimate_ergotropy, recommend_shots
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
    build_tomography_circuits,
    pauli_settings,
    permutation_directions,
    setting_count,
)

__all__ = [
    "FITTERS",
    "INTERVALS",
    "METHODS",
    "Estimate",
    "Reconstruction",
    "build_tomography_circuits",
    "counts_array",
    "emulate_tomography",
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
