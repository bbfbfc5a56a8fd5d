"""The tables of a run configuration, one frozen dataclass each, checked once when built."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qbcircuit._checks import (
    QbcircuitError,
    check_choice,
    check_finite,
    check_fraction,
    check_integer,
    check_positive,
    check_seed,
)

__all__ = [
    "AerConfig",
    "HardwareConfig",
    "PulseConfig",
    "StudyConfig",
    "TimeGrid",
    "TomographyConfig",
]

DEFAULT_N = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 50, 100, 200, 500, 1000)
"""The default [study] n_values."""


@dataclass(frozen=True)
class TimeGrid:
    stop: float = 30.0
    points: int = 121

    def __post_init__(self) -> None:
        object.__setattr__(self, "stop", check_positive("times.stop", self.stop))
        check_integer("times.points", self.points, low=2)

    def times(self) -> NDArray[np.float64]:
        return np.linspace(0.0, self.stop, self.points)


@dataclass(frozen=True)
class StudyConfig:
    """[study]: long-time W/E versus N (see qbcircuit.studies.long_time_versus_n).

    ``drive_ratio`` sets the scaled resonant series F = drive_ratio * g * N; a limit whose
    reach time (E within ``tolerance`` of E_inf) exceeds ``horizon`` is flagged not reached.
    """

    n_values: tuple[int, ...] = DEFAULT_N
    battery_detuning: float = 0.5
    drive_ratio: float = 2.0
    horizon: float = 1e3
    tolerance: float = 1e-2

    def __post_init__(self) -> None:
        values = self.n_values
        if (
            not isinstance(values, (list, tuple))
            or not values
            or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in values)
            or any(b <= a for a, b in itertools.pairwise(values))
        ):
            raise QbcircuitError(
                f"Argument `study.n_values` must be increasing integers >= 1, got {values!r}."
            )
        object.__setattr__(self, "n_values", tuple(values))
        detuning = check_finite("study.battery_detuning", self.battery_detuning)
        if detuning == 0:
            raise QbcircuitError(
                "Argument `study.battery_detuning` must be != 0 (it makes the "
                "detuned series), got 0."
            )
        object.__setattr__(self, "battery_detuning", detuning)
        object.__setattr__(
            self, "drive_ratio", check_positive("study.drive_ratio", self.drive_ratio)
        )
        object.__setattr__(self, "horizon", check_positive("study.horizon", self.horizon))
        object.__setattr__(self, "tolerance", check_fraction("study.tolerance", self.tolerance))


@dataclass(frozen=True)
class AerConfig:
    dt: float = 0.05
    order: int = 2
    ordering: str = "palindromic"
    insertion: str = "channel"
    instances: int | None = None
    seed: int = 1
    n_values: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        from qbcircuit.circuits import check_options, insertion

        object.__setattr__(self, "dt", check_positive("aer.dt", self.dt))
        check_options(self.order, self.ordering, insertion(self.insertion, name="aer.insertion"))
        if self.instances is not None:
            check_integer("aer.instances", self.instances, low=1)
        check_seed("aer.seed", self.seed)
        if self.n_values is not None:
            object.__setattr__(self, "n_values", StudyConfig(n_values=self.n_values).n_values)

    def circuit_options(self) -> dict[str, Any]:
        """The circuit keywords shared by emulate, emulate_tomography and compare's aer leg."""
        return {
            "order": self.order,
            "ordering": self.ordering,
            "insertion": self.insertion,
            "instances": self.instances,
            "seed": self.seed,
        }


@dataclass(frozen=True)
class TomographyConfig:
    method: str = "permutation"
    shots: int = 2000
    fitter: str = "mle"
    points: int = 7
    replicates: int = 100
    confidence: float = 0.9
    correct_bias: bool = False

    def __post_init__(self) -> None:
        from qbcircuit.tomography import FITTERS, METHODS

        check_choice("tomography.method", self.method, METHODS)
        check_choice("tomography.fitter", self.fitter, FITTERS)
        for name, low in (("shots", 1), ("points", 0), ("replicates", 0)):
            check_integer(f"tomography.{name}", getattr(self, name), low=low)
        check_fraction("tomography.confidence", self.confidence)
        if not isinstance(self.correct_bias, bool):
            raise QbcircuitError(
                "Argument `tomography.correct_bias` must be true or false, got "
                f"{self.correct_bias!r}."
            )
        if self.correct_bias and self.replicates < 2:
            raise QbcircuitError(
                "Argument `tomography.correct_bias` subtracts the bootstrap bias; it needs "
                f"`tomography.replicates` >= 2, got {self.replicates}."
            )

    def emulation_options(self) -> dict[str, Any]:
        """The emulate_tomography keywords of this table, shared by the main job and sweeps
        (``points`` selects the times: see :meth:`times`)."""
        return {
            "method": self.method,
            "shots": self.shots,
            "fitter": self.fitter,
            "confidence": self.confidence,
            "replicates": self.replicates,
            "correct_bias": self.correct_bias,
        }

    def times(self, grid: NDArray[np.float64]) -> NDArray[np.float64]:
        """``points`` times of ``grid``, evenly spread over it (both ends included)."""
        count = min(self.points, grid.size)
        return grid[np.unique(np.round(np.linspace(0, grid.size - 1, count)).astype(int))]


@dataclass(frozen=True)
class PulseConfig:
    frame: str = "lab"
    drive_shape: str = "linear"
    coupling_form: str = "flipflop"
    omega0: float = 20.0
    rtol: float = 1e-8
    atol: float = 1e-8
    basis: str = "auto"

    def __post_init__(self) -> None:
        from qbcircuit.pulse import COUPLING_FORMS, DRIVE_SHAPES, FRAMES

        for name, allowed in (
            ("frame", FRAMES),
            ("drive_shape", DRIVE_SHAPES),
            ("coupling_form", COUPLING_FORMS),
            ("basis", ("auto", "full", "dicke")),
        ):
            check_choice(f"pulse.{name}", getattr(self, name), allowed)
        for name in ("omega0", "rtol", "atol"):
            object.__setattr__(self, name, check_positive(f"pulse.{name}", getattr(self, name)))


@dataclass(frozen=True)
class HardwareConfig:
    """``qbcircuit submit``: the Trotter circuits with in-circuit dephasing, measured in every
    tomography setting of [tomography] at ``points`` times of linspace(0, stop, points)."""

    backend: str = "aer"
    dt: float | None = None
    stop: float | None = None
    points: int = 5
    insertion: str = "gaussian"
    ordering: str = "auto"
    zne_scales: tuple[float, ...] = (1,)
    zne_fit: str = "linear"
    twirls: int = 0
    decoupling: str = "none"
    instances: int = 8
    max_depth: int = 20000
    mitigation: bool = True
    calibration_shots: int = 4000
    optimization_level: int = 3
    seed: int = 1
    pubs_per_job: int = 100

    def __post_init__(self) -> None:
        from qbcircuit.backends import parse_backend_spec
        from qbcircuit.circuits import insertion

        parse_backend_spec(self.backend, name="hardware.backend")
        for name in ("dt", "stop"):
            if getattr(self, name) is not None:
                object.__setattr__(
                    self, name, check_positive(f"hardware.{name}", getattr(self, name))
                )
        insertion(self.insertion, name="hardware.insertion")
        from qbcircuit.backends.schedule import check_decoupling
        from qbcircuit.circuits import ORDERINGS
        from qbcircuit.tomography.zne import check_fit, check_scales

        object.__setattr__(
            self, "zne_scales", check_scales(self.zne_scales, name="hardware.zne_scales")
        )
        check_fit(self.zne_fit, name="hardware.zne_fit")
        check_decoupling(self.decoupling, name="hardware.decoupling")
        if self.ordering != "auto" and self.ordering not in ORDERINGS:
            raise QbcircuitError(
                f"Argument `hardware.ordering` must be 'auto' or one of {ORDERINGS}, got "
                f"{self.ordering!r}."
            )
        for name, low in (
            ("points", 1),
            ("instances", 1),
            ("max_depth", 1),
            ("calibration_shots", 1),
            ("seed", 0),
            ("pubs_per_job", 1),
            ("twirls", 0),
        ):
            check_integer(f"hardware.{name}", getattr(self, name), low=low)
        check_integer("hardware.optimization_level", self.optimization_level, low=0, high=3)
        if not isinstance(self.mitigation, bool):
            raise QbcircuitError(
                f"Argument `hardware.mitigation` must be true or false, got {self.mitigation!r}."
            )
