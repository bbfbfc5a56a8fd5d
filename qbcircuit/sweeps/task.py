"""One sweep task: a point in, JSON-ready results out (what a worker runs)."""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

import numpy as np

from qbcircuit.results import Trajectory
from qbcircuit.sweeps.spec import SweepPoint

__all__ = ["run_point"]


def run_point(point: SweepPoint) -> dict[str, Any]:
    """Compute one point (runs in a worker): scalar results and, if asked, the trajectory.

    Scalars, by compute:

    * long_time (exact): ``energy_inf``, ``ergotropy_inf``, ``ratio_inf``, ``n_stationary``,
      ``reach_time`` (E within ``tolerance`` of E_inf from then on), ``tolerance``,
      ``horizon``, ``reach`` ("reached" or "not reached" by the horizon, or "unknown"), and
      ``energy_horizon``,
      ``ergotropy_horizon``, ``ratio_horizon`` at t = horizon;
    * charging (exact): ``tau``, ``tau_90`` (first time E >= level * E_inf, inf if never before
      t_max) and ``energy_tau``, ``ergotropy_tau``, ``ratio_tau`` at ``tau``;
    * relaxation (exact): ``relaxation_time`` (1/gap);
    * trajectory (by ``method``): ``energy_final``, ``ergotropy_final``, ``ratio_final``
      (+ ``*_error`` when sampled), ``ergotropy_max``, ``time_ergotropy_max``.
    """
    from qbcircuit import exact

    started = time.perf_counter()
    model = point.config.model
    values: dict[str, Any] = {}
    if "long_time" in point.compute:
        limit = exact.long_time(model, tolerance=point.tolerance, horizon=point.horizon)
        values.update(
            energy_inf=limit.energy,
            ergotropy_inf=limit.ergotropy,
            ratio_inf=limit.ratio,
            n_stationary=limit.n_stationary,
            reach_time=limit.reach_time,
            horizon=limit.horizon,
            tolerance=limit.tolerance,
            reach=limit.status,
            energy_horizon=limit.energy_at_horizon,
            ergotropy_horizon=limit.ergotropy_at_horizon,
            ratio_horizon=limit.ratio_at_horizon,
        )
    if "charging" in point.compute:
        (tau, at), (tau_90, _) = exact.charging_points(
            model, [point.level, 0.9], t_max=point.t_max
        )  # the battery at tau from the same pass
        energy, ergotropy = at.get("energy", math.nan), at.get("ergotropy", math.nan)
        values.update(
            tau=tau,
            tau_90=tau_90,
            energy_tau=energy,
            ergotropy_tau=ergotropy,
            ratio_tau=ergotropy / energy if energy > 0 else math.nan,
        )
    if "relaxation" in point.compute:
        values["relaxation_time"] = exact.relaxation_time(model)
    trajectory = None
    if "trajectory" in point.compute:
        trajectory = _trajectory(point)
        values.update(_trajectory_scalars(trajectory))
    return {
        "values": values,
        "trajectory": trajectory.to_dict() if trajectory is not None else None,
        "seconds": time.perf_counter() - started,
    }


def _trajectory(point: SweepPoint) -> Trajectory:
    from qbcircuit import emulation, exact

    config, model = point.config, point.config.model
    times = config.times.times()
    if point.method == "exact":
        return exact.evolve(model, times, keep_states=False)
    if point.method == "aer":
        emulated = emulation.emulate(model, times, dt=config.aer.dt, **config.aer.circuit_options())
        return dataclasses.replace(emulated, states=None, state_basis=None)
    if point.method == "tomography":
        from qbcircuit.pipeline import emulate_tomography

        tomo = config.tomography
        return emulate_tomography(
            model,
            tomo.times(times),
            dt=config.aer.dt,
            **tomo.emulation_options(),
            **config.aer.circuit_options(),
        )
    from qbcircuit import pulse

    return pulse.evolve(model, times, **dataclasses.asdict(config.pulse))


def _trajectory_scalars(trajectory: Trajectory) -> dict[str, float]:
    peak = int(np.argmax(trajectory.ergotropy))
    values = {
        "energy_final": float(trajectory.energy[-1]),
        "ergotropy_final": float(trajectory.ergotropy[-1]),
        "ratio_final": float(trajectory.ratio[-1]),
        "ergotropy_max": float(trajectory.ergotropy[peak]),
        "time_ergotropy_max": float(trajectory.times[peak]),
    }
    if trajectory.energy_error is not None:
        values["energy_final_error"] = float(trajectory.energy_error[-1])
    if trajectory.ergotropy_error is not None:
        values["ergotropy_final_error"] = float(trajectory.ergotropy_error[-1])
    if trajectory.ratio_error is not None:
        values["ratio_final_error"] = float(trajectory.ratio_error[-1])
    return values
