"""What a tomography experiment measures, checked once: the model, the times, the Trotter
circuits, the insertion, instances and shots, the tomography scheme, calibration and the seed."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from qbcircuit._checks import (
    QbcircuitError,
    check_integer,
    check_positive,
    check_seed,
    check_times,
)
from qbcircuit.backends.schedule import check_decoupling
from qbcircuit.circuits import Insertion, check_options, insertion, steps_for
from qbcircuit.model import StarModel
from qbcircuit.tomography.settings import TomographySettings
from qbcircuit.tomography.zne import check_fit, check_scales

__all__ = ["DEFAULT_INSTANCES", "MAX_CIRCUITS", "TomographyExperiment"]

MAX_CIRCUITS = 50_000
"""Refuse an experiment needing more circuit executions than this (settings x times x
instances)."""
DEFAULT_INSTANCES = 8
"""Instances of a random circuit when none are asked for."""


@dataclass(frozen=True)
class TomographyExperiment:
    """Tomography of the battery register after Trotter circuits at ``times``.

    Attributes:
        model: the star battery.
        times: increasing times >= 0 on the ``dt`` grid.
        dt, order, ordering, insertion: the Trotter circuits (see :mod:`qbcircuit.circuits`).
        instances: circuit instances of a random circuit (a random insertion or the
            "randomized" ordering), DEFAULT_INSTANCES when None; 1 for a deterministic one.
        shots: per setting and time, split over the instances (each row gets
            ceil(shots / instances)) and pooled, as on a device.
        scheme: tomography settings, "permutation" or "pauli".
        calibration_shots: shots of each readout-calibration circuit (0: none; devices only).
        seed: seeds the circuits, the samplers and the bootstrap.
        zne_scales: noise scales of zero-noise extrapolation (increasing from 1; (1,) is off):
            every circuit also runs folded to each scale, globally for odd integers and with a
            folded tail between them (:mod:`qbcircuit.tomography.zne`).
        zne_fit: "linear", "richardson" or "exponential", the extrapolation to zero noise
            (:mod:`qbcircuit.tomography.zne`).
        twirls: Pauli-twirled copies of every device circuit (0: none), the shots of each
            instance split over them.
        decoupling: dynamical decoupling of idle qubits on a device, "none", "XX" or "XY4"
            (:mod:`qbcircuit.backends.schedule`).
    """

    model: StarModel
    times: NDArray[np.float64] = field(compare=False)
    dt: float
    order: int = 2
    ordering: str = "palindromic"
    insertion: str = "gaussian"
    instances: int | None = None
    shots: int = 2000
    scheme: str = "permutation"
    calibration_shots: int = 0
    seed: int | None = None
    zne_scales: tuple[float, ...] = (1,)
    zne_fit: str = "linear"
    twirls: int = 0
    decoupling: str = "none"

    def __post_init__(self) -> None:
        object.__setattr__(self, "times", check_times(self.times))
        object.__setattr__(self, "dt", check_positive("dt", self.dt))
        kind = check_options(self.order, self.ordering, self.insertion)
        kind.check_model(self.model)
        object.__setattr__(self, "insertion", kind.name)
        for t in self.times:
            steps_for(float(t), self.dt, name="times")
        if self.instances is not None:
            check_integer("instances", self.instances, low=1)
        check_integer("shots", self.shots, low=1)
        if self.shots < self.instance_count:
            raise QbcircuitError(
                f"Argument `shots` must be an integer >= the {self.instance_count} instance(s), "
                f"got {self.shots!r}."
            )
        TomographySettings(self.scheme, self.model.n_batteries)
        if self.scheme == "permutation" and not (
            self.model.symmetric and self.model.charger_channels_only
        ):
            raise QbcircuitError(
                "The permutation tomography scheme fits the battery in its symmetric (Dicke) "
                "subspace, which this model's state leaves (unequal couplings or detunings, an "
                "asymmetric start or battery-local noise); use scheme 'pauli'."
            )
        check_integer("calibration_shots", self.calibration_shots, low=0)
        check_seed("seed", self.seed)
        object.__setattr__(self, "zne_scales", check_scales(self.zne_scales))
        check_integer("twirls", self.twirls, low=0)
        check_decoupling(self.decoupling)
        check_fit(self.zne_fit)
        if len(self.zne_scales) > 1 and not kind.unitary:
            raise QbcircuitError(
                "Zero-noise extrapolation folds the circuit (U U^+ U), which needs a unitary "
                f"insertion ('gaussian', 'pauli' or 'none'), got {kind.name!r}."
            )
        if self.circuit_count > MAX_CIRCUITS:
            raise QbcircuitError(
                f"The {self.scheme} tomography of N = {self.model.n_batteries} at "
                f"{self.times.size} times needs {self.circuit_count} circuits (limit "
                f"{MAX_CIRCUITS}); use fewer times, instances, or the permutation scheme."
            )

    @property
    def kind(self) -> Insertion:
        return insertion(self.insertion)

    @property
    def width(self) -> int:
        """Qubits of the circuits: the N+1 of the star and the insertion's ancillas."""
        return self.model.n_qubits + self.kind.extra_qubits

    @property
    def settings(self) -> TomographySettings:
        return TomographySettings(self.scheme, self.model.n_batteries)

    @property
    def random_angles(self) -> bool:
        """The circuits draw angles (one template, a row of values per instance)."""
        return self.kind.draws(self.model)

    @property
    def random(self) -> bool:
        """Instances differ (random angles or a randomized coupling order)."""
        return self.random_angles or self.ordering == "randomized"

    @property
    def instance_count(self) -> int:
        if not self.random:
            return 1
        return DEFAULT_INSTANCES if self.instances is None else int(self.instances)

    @property
    def circuit_count(self) -> int:
        copies = len(self.zne_scales) * max(1, self.twirls)
        return self.settings.count * self.times.size * self.instance_count * copies

    @property
    def row_shots(self) -> int:
        """Shots of each instance's circuit."""
        return -(-self.shots // self.instance_count)
