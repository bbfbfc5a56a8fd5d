"""Studies built from the public solvers: long-time W/E versus N, with what is reached."""

from __future__ import annotations

import math
from collections.abc import Sequence

from tqdm import tqdm

from qbcircuit import exact
from qbcircuit._checks import QbcircuitError, check_finite, check_positive
from qbcircuit.model import StarModel
from qbcircuit.results import LongTime, RatioStudy

__all__ = ["long_time_versus_n", "study_models"]


def study_models(
    model: StarModel, n: int, battery_detuning: float, drive_ratio: float | None
) -> dict[str, StarModel]:
    """The models of one N of the study: "resonant" (dB = 0, the model's F), "scaled" (dB = 0,
    F = drive_ratio g N; absent when drive_ratio is None) and "detuned" (dB =
    battery_detuning)."""
    at_n = model.replace(n_batteries=n, battery_detuning=0.0)
    models = {"resonant": at_n}
    if drive_ratio is not None:
        models["scaled"] = at_n.replace(drive=drive_ratio * model.coupling * n)
    models["detuned"] = at_n.replace(battery_detuning=battery_detuning)
    return models


def long_time_versus_n(
    model: StarModel,
    n_values: Sequence[int],
    *,
    battery_detuning: float,
    drive_ratio: float | None = 2.0,
    tolerance: float = exact.DEFAULT_TOLERANCE,
    horizon: float = exact.DEFAULT_HORIZON,
    progress: bool = False,
) -> RatioStudy:
    """Long-time E, W, W/E for each N, with reach times and the values at ``horizon``.

    Three series from ``model``: at resonance (dB = 0) with the model's drive F, whose N+1
    stationary states make the limit depend on F/g and which a dark state keeps from being
    reached past N ~ 4F/g; at resonance with F = drive_ratio * g * N (None leaves it out),
    reached in a time nearly independent of N; with dB = ``battery_detuning``, a unique,
    maximally mixed limit with W/E = (N-1)/(N+1).
    """
    detuning = check_finite("battery_detuning", battery_detuning)
    if detuning == 0:
        raise QbcircuitError("Argument `battery_detuning` must be != 0, got 0.")
    if drive_ratio is not None:
        drive_ratio = check_positive("drive_ratio", drive_ratio)
    if model.coupling <= 0 and drive_ratio is not None:
        raise QbcircuitError("A scaled-drive series F = drive_ratio g N needs `coupling` > 0.")
    options = {"tolerance": tolerance, "horizon": horizon}
    series: dict[str, list[LongTime]] = {"resonant": [], "scaled": [], "detuned": []}
    for n in tqdm(
        list(n_values), desc="long-time W/E vs N", unit="N", disable=not progress, leave=False
    ):
        for name, at_n in study_models(model, n, detuning, drive_ratio).items():
            series[name].append(exact.long_time(at_n, **options))
    resonant, scaled, detuned = series["resonant"], series["scaled"], series["detuned"]
    return RatioStudy(
        base=model,
        detuning=detuning,
        resonant=tuple(resonant),
        detuned=tuple(detuned),
        scaled=tuple(scaled),
        drive_ratio=math.nan if drive_ratio is None else drive_ratio,
    )
