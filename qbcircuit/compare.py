"""Exact vs pulse vs aer for one model: the pairwise separation of error sources
(exact vs pulse = RWA + solver; exact vs aer = Trotter + channel).

>>> # comparison = compare(model, times, dt=0.05, pulse_options={"drive_shape": "linear"})
>>> # comparison.save("out")  -> comparison.csv, comparison.png, one JSON + CSV per leg
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from qbcircuit import exact, plots
from qbcircuit._checks import QbcircuitError
from qbcircuit.model import StarModel
from qbcircuit.results import Trajectory, write_atomic

__all__ = ["Comparison", "compare"]


@dataclass(frozen=True)
class Comparison:
    """The exact Trajectory, the legs that ran, and why any leg was skipped."""

    reference: Trajectory
    legs: tuple[Trajectory, ...]
    skipped: Mapping[str, str] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        """Max |dE|, |dW|, |d(W/E)| of each leg against exact (W/E where both E > 1e-9)."""
        out = []
        for leg in self.legs:
            both = (leg.energy > 1e-9) & (self.reference.energy > 1e-9)
            ratio = np.abs(leg.ratio[both] - self.reference.ratio[both])
            out.append(
                {
                    "leg": leg.label,
                    "max_abs_dE": float(np.max(np.abs(leg.energy - self.reference.energy))),
                    "max_abs_dW": float(np.max(np.abs(leg.ergotropy - self.reference.ergotropy))),
                    "max_abs_dratio": float(np.max(ratio)) if ratio.size else float("nan"),
                    "options": dict(leg.options),
                }
            )
        return out

    def to_csv(self) -> str:
        buffer = io.StringIO()
        buffer.write("leg,max_abs_dE,max_abs_dW,max_abs_dratio,note\n")
        for row in self.rows():
            buffer.write(
                f"{row['leg']},{row['max_abs_dE']!r},{row['max_abs_dW']!r},"
                f"{row['max_abs_dratio']!r},\n"
            )
        for label, reason in self.skipped.items():
            buffer.write(f'{label},,,,"skipped: {reason}"\n')
        return buffer.getvalue()

    def save(self, folder: str | os.PathLike[str]) -> Path:
        out = Path(folder)
        for trajectory in (self.reference, *self.legs):
            trajectory.save(out / f"compare_{trajectory.label}.json")
        plots.plot_trajectories(
            [self.reference, *self.legs], out / "comparison.png", residuals=True
        )
        return write_atomic(out / "comparison.csv", self.to_csv())


def compare(
    model: StarModel,
    times: ArrayLike,
    *,
    dt: float | None = None,
    aer_options: Mapping[str, Any] | None = None,
    pulse_options: Mapping[str, Any] | None = None,
    legs: tuple[str, ...] = ("pulse", "aer"),
) -> Comparison:
    """Run exact and each requested leg on the same times.

    The aer leg needs ``dt`` (times on its grid); ``aer_options`` go to
    :func:`qbcircuit.emulation.emulate`, ``pulse_options`` to :func:`qbcircuit.pulse.evolve`.
    A pulse leg without the extra is skipped, with the install sentence as the reason.
    """
    unknown = sorted(set(legs) - {"pulse", "aer"})
    if unknown:
        raise QbcircuitError(f"Argument `legs` must name 'pulse' and/or 'aer', got {unknown[0]!r}.")
    if "aer" in legs and dt is None:
        raise QbcircuitError("The aer leg needs `dt` (the Trotter step).")
    reference = exact.evolve(model, times)
    done: list[Trajectory] = []
    skipped: dict[str, str] = {}
    if "pulse" in legs:
        from qbcircuit import pulse

        try:
            done.append(pulse.evolve(model, reference.times, **dict(pulse_options or {})))
        except QbcircuitError as error:
            if str(error) != pulse.INSTALL:
                raise
            skipped["pulse"] = str(error)
    if "aer" in legs:
        from qbcircuit.emulation import emulate

        assert dt is not None
        done.append(emulate(model, reference.times, dt=dt, **dict(aer_options or {})))
    return Comparison(reference, tuple(done), skipped)
