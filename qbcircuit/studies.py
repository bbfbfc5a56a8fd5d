"""Studies built from the public solvers: long-time W/E versus N."""

from __future__ import annotations

from collections.abc import Sequence

from tqdm import tqdm

from qbcircuit import exact
from qbcircuit._checks import QbcircuitError, check_finite
from qbcircuit.model import StarModel
from qbcircuit.results import RatioStudy

__all__ = ["long_time_versus_n"]


def long_time_versus_n(
    model: StarModel,
    n_values: Sequence[int],
    *,
    battery_detuning: float,
    progress: bool = False,
) -> RatioStudy:
    """Long-time E, W, W/E of ``model`` for each N: at resonance (dB = 0) and with dB detuned.

    The resonant series has N+1 stationary states and depends on F/g; the detuned one has a
    unique, maximally mixed steady state with W/E = (N-1)/(N+1).
    """
    detuning = check_finite("battery_detuning", battery_detuning)
    if detuning == 0:
        raise QbcircuitError("Argument `battery_detuning` must be != 0, got 0.")
    resonant, detuned = [], []
    for n in tqdm(
        list(n_values), desc="long-time W/E vs N", unit="N", disable=not progress, leave=False
    ):
        resonant.append(exact.long_time(model.replace(n_batteries=n, battery_detuning=0.0)))
        detuned.append(exact.long_time(model.replace(n_batteries=n, battery_detuning=detuning)))
    return RatioStudy(
        base=model, detuning=detuning, resonant=tuple(resonant), detuned=tuple(detuned)
    )
