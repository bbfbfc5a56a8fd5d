"""Combine: counts -> the Trajectory, time point by time point.

The counts of every tomography PUB are pooled per (time, setting) into a counts table and fitted
(:func:`~qbcircuit.tomography.estimate_ergotropy`); the charger's counts give its excitation.
With readout calibrations among the PUBs, both can be readout-mitigated. Every registered
observable is evaluated on the fitted states, except E, which comes from the Z-basis counts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from qbcircuit import observables
from qbcircuit._checks import QbcircuitError
from qbcircuit._threads import sized_threads
from qbcircuit.model import StarModel
from qbcircuit.pipeline.experiment import TomographyExperiment
from qbcircuit.pipeline.plan import CALIBRATION, CHARGER
from qbcircuit.results import Trajectory
from qbcircuit.tomography.estimate import Estimate, FitOptions, estimate_ergotropy
from qbcircuit.tomography.readout import ReadoutCalibration
from qbcircuit.tomography.settings import REGISTER
from qbcircuit.tomography.zne import extrapolate_distributions, project_simplex

__all__ = ["Tables", "combine", "estimates_trajectory"]


class Tables:
    """Counts pooled per time and noise scale: ``tomography[i]`` (scales, settings, 2^N),
    ``charger[i]`` (scales, 2), the physical qubits of each time, and the readout calibration
    counts if any (one scale, 1, without zero-noise extrapolation)."""

    def __init__(
        self,
        experiment: TomographyExperiment,
        meta: Sequence[Mapping[str, Any]],
        counts: Sequence[Mapping[str, NDArray[Any]]],
    ) -> None:
        times, n = experiment.times.size, experiment.model.n_batteries
        scales = len(experiment.zne_scales)
        self.tomography = np.zeros((times, scales, experiment.settings.count, 2**n))
        self.charger = np.zeros((times, scales, 2))
        self.battery_qubits: dict[int, list[int]] = {}
        self.charger_qubit: dict[int, int] = {}
        self.calibration: dict[int, NDArray[Any]] = {}
        self.calibrated: list[int] = []
        for m, row in zip(meta, counts, strict=True):
            if m["role"] == CALIBRATION:
                self.calibration[int(m["prepared"])] = np.asarray(row[CALIBRATION])
                self.calibrated = list(m["qubits"])
                continue
            scale = int(m.get("scale", 0))
            self.tomography[m["time"], scale, m["setting"]] += row[REGISTER]
            self.charger[m["time"], scale] += row[CHARGER]
            self.battery_qubits.setdefault(m["time"], list(m["battery"]))
            self.charger_qubit.setdefault(m["time"], int(m["charger"]))

    @functools.cached_property
    def readout(self) -> ReadoutCalibration | None:
        """The readout calibration of these counts (None without calibration circuits), fitted
        once however many Trajectories are combined from them."""
        if not self.calibration:
            return None
        return ReadoutCalibration.from_counts(
            self.calibration[0], self.calibration[1], self.calibrated
        )


def _fit_dimension(experiment: TomographyExperiment, *args: object, **kwargs: object) -> int:
    n = experiment.model.n_batteries
    return 2**n if experiment.scheme == "pauli" else n + 1


@sized_threads(_fit_dimension)
def combine(
    experiment: TomographyExperiment,
    meta: Sequence[Mapping[str, Any]],
    counts: Sequence[Mapping[str, NDArray[Any]]],
    *,
    fit: FitOptions | None = None,
    label: str = "tomography",
    mitigate: bool = False,
    options: Mapping[str, Any] | None = None,
    tables: Tables | None = None,
    progress: bool = False,
) -> Trajectory:
    """The Trajectory ``label`` of an experiment's counts (in the order of its plan's
    ``meta``), readout-mitigated when ``mitigate`` (the counts must hold calibrations).
    ``options`` are added to the Trajectory's, after the experiment's own."""
    fit = FitOptions() if fit is None else fit
    tables = Tables(experiment, meta, counts) if tables is None else tables
    calibration = tables.readout if mitigate else None
    if mitigate and calibration is None:
        raise QbcircuitError(
            "Argument `mitigate` needs readout calibration counts, and these have none."
        )
    model = experiment.model
    stream = np.random.SeedSequence(experiment.seed).spawn(4)[3]
    seeds = stream.generate_state(experiment.times.size)
    estimates, excitation = [], []
    scales = experiment.zne_scales
    for i in tqdm(
        range(experiment.times.size), desc="fit", unit="time", disable=not progress, leave=False
    ):
        readout = charger_fix = None
        if calibration is not None:
            readout = calibration.corrector(tables.battery_qubits[i])
            charger_fix = calibration.corrector([tables.charger_qubit[i]])
        stacked = tables.tomography[i].reshape(-1, tables.tomography.shape[-1])
        if len(scales) > 1:
            readout = _extrapolated(scales, experiment.zne_fit, readout)
        estimates.append(
            estimate_ergotropy(
                stacked,
                experiment.scheme,
                omega0=model.omega0,
                seed=int(seeds[i]),
                readout=readout,
                stacked=len(scales),
                **fit.as_kwargs(),
            )
        )
        rows = tables.charger[i] if charger_fix is None else charger_fix(tables.charger[i])
        counted = rows.sum(axis=1, keepdims=True)
        shares = rows[:, 1] / counted[:, 0]
        if len(scales) > 1:  # the charger's two outcomes as a distribution per scale
            table = (rows / counted)[:, None, :]
            zero = extrapolate_distributions(scales, table, experiment.zne_fit, counted)
            shares = np.clip(zero[:, 1], 0.0, 1.0)
        excitation.append(float(shares[0]))
    own = {
        "dt": experiment.dt,
        "order": experiment.order,
        "ordering": experiment.ordering,
        "insertion": experiment.insertion,
        "instances": experiment.instance_count,
        "method": experiment.scheme,
        "shots": experiment.shots,
        "seed": experiment.seed,
        **fit.as_kwargs(),
        "readout_mitigation": calibration is not None,
        "zne_scales": list(scales),
        "zne_fit": experiment.zne_fit if len(scales) > 1 else None,
    }
    return estimates_trajectory(
        label, model, experiment.times, estimates, excitation, {**own, **(options or {})}
    )


def _extrapolated(
    scales: Sequence[float],
    fit: str,
    readout: Callable[[NDArray[np.float64]], NDArray[np.float64]] | None,
) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    """The correction of a stacked table (scales x settings rows): each scale's rows
    readout-corrected (if ``readout``), as probabilities extrapolated to zero noise, projected
    onto the simplex and scaled back to the first scale's shots."""

    def correct(stacked: NDArray[np.float64]) -> NDArray[np.float64]:
        blocks = np.split(stacked, len(scales), axis=0)
        if readout is not None:
            blocks = [np.asarray(readout(block), dtype=float) for block in blocks]
        counted = np.array([b.sum(axis=1) for b in blocks])  # (scales, settings)
        shares = np.array(blocks) / counted[..., None]
        zero = extrapolate_distributions(scales, shares, fit, counted)
        return project_simplex(zero) * counted[0][:, None]

    return correct


def estimates_trajectory(
    label: str,
    model: StarModel,
    times: NDArray[np.float64],
    estimates: Sequence[Estimate],
    charger_excitation: Sequence[float],
    options: dict[str, Any],
) -> Trajectory:
    """The Trajectory of one tomography :class:`Estimate` per time: every registered
    observable of the fitted states, except E, which comes from the Z-basis counts, and W/E,
    that of the fitted state (so in [0, 1]), with the errors of E, W and W/E; bias-corrected
    estimates give W and W/E less their bootstrap bias. ``options`` gains every time's W
    interval, W bias and W/E interval."""
    fitted = [e.reconstruction.battery_state() for e in estimates]
    series = observables.evaluate(fitted, model.omega0)
    series["energy"] = np.array([e.energy for e in estimates])
    series["charger_excitation"] = np.array(charger_excitation)
    series["ratio"] = np.array([e.ratio for e in estimates])
    if any(e.bias_corrected for e in estimates):
        series["ergotropy"] = np.array([e.ergotropy for e in estimates])
    return Trajectory(
        label=label,
        model=model,
        times=times,
        series=series,
        energy_error=np.array([e.energy_error for e in estimates]),
        ergotropy_error=np.array([e.ergotropy_error for e in estimates]),
        ratio_error=np.array([e.ratio_error for e in estimates]),
        options={
            **options,
            "ergotropy_interval": [list(e.ergotropy_interval) for e in estimates],
            "ergotropy_bias": [e.ergotropy_bias for e in estimates],
            "ratio_interval": [list(e.ratio_interval) for e in estimates],
        },
    )
