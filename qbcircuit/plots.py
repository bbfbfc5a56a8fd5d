"""PNG figures of results (matplotlib, no global pyplot state)."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from qbcircuit.results import RatioStudy, Trajectory, write_atomic

__all__ = ["plot_ratio_study", "plot_trajectories"]

_STYLE = {"exact": "-", "pulse": "--", "aer": "o", "tomography": "s", "hardware": "^"}


def _save(figure: Figure, path: str | os.PathLike[str]) -> Path:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    return write_atomic(path, buffer.getvalue())


def plot_trajectories(trajectories: Sequence[Trajectory], path: str | os.PathLike[str]) -> Path:
    """E(t), W(t) and W/E(t) side by side, one line (or marker set) per trajectory."""
    figure = Figure(figsize=(12, 3.6))
    axes = figure.subplots(1, 3)
    for trajectory in trajectories:
        style = _STYLE.get(trajectory.label, "-")
        name = f"{trajectory.label} (N={trajectory.model.n_batteries})"
        for ax, values, error in (
            (axes[0], trajectory.energy, trajectory.energy_error),
            (axes[1], trajectory.ergotropy, trajectory.ergotropy_error),
            (axes[2], trajectory.ratio, None),
        ):
            if error is None:
                ax.plot(trajectory.times, values, style, label=name, markersize=3)
            else:
                ax.errorbar(
                    trajectory.times, values, yerr=error, fmt=style, label=name, markersize=3
                )
    for ax, title in zip(axes, ("energy E", "ergotropy W", "W / E"), strict=True):
        ax.set_xlabel("time t [1/omega0]")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    return _save(figure, path)


def plot_ratio_study(study: RatioStudy, path: str | os.PathLike[str]) -> Path:
    """Long-time W/E versus N and 1 - W/E on log axes (the 1/N law)."""
    n = study.n_values.astype(float)
    resonant = np.array([entry.ratio for entry in study.resonant])
    detuned = np.array([entry.ratio for entry in study.detuned])
    unique = (n - 1) / (n + 1)
    figure = Figure(figsize=(10, 4))
    left, right = figure.subplots(1, 2)
    left.semilogx(n, resonant, "o-", label="resonant (dB = 0)")
    left.semilogx(n, detuned, "s-", label=f"detuned (dB = {study.detuning:g})")
    left.semilogx(n, unique, "k:", label="(N-1)/(N+1)")
    left.set_ylabel("long-time W / E")
    for ax in (left, right):
        ax.set_xlabel("N battery qubits")
        ax.grid(alpha=0.3, which="both")
    with np.errstate(divide="ignore"):
        right.loglog(n, 1 - resonant, "o-", label="resonant")
        right.loglog(n, 1 - detuned, "s-", label="detuned")
        right.loglog(n, 2 / (n + 1), "k:", label="2/(N+1)")
    right.set_ylabel("1 - W / E")
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    F, g = study.base.drive, study.base.coupling
    figure.suptitle(f"F = {F:g}, g = {g:g}, gamma = {study.base.dephasing:g}")
    return _save(figure, path)
