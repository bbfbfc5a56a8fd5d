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

__all__ = ["plot_ratio_study", "plot_trajectories", "ratio_study_figure", "save_png"]

_STYLE = {"exact": "-", "pulse": "--", "aer": "o", "tomography": "s", "hardware": "^"}


def save_png(figure: Figure, path: str | os.PathLike[str]) -> Path:
    """Render ``figure`` and write it atomically as a PNG."""
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
    return save_png(figure, path)


def plot_ratio_study(study: RatioStudy, path: str | os.PathLike[str]) -> Path:
    """Write :func:`ratio_study_figure` as a PNG."""
    return save_png(ratio_study_figure(study), path)


def ratio_study_figure(study: RatioStudy) -> Figure:
    """Long-time W/E versus N per series (left axes), filled where the limit is reached by the
    horizon and open (with W/E at the horizon beside it) where it is not; 1 - W/E of the
    reached limits on log axes (right axes: the 1/N law)."""
    n = study.n_values.astype(float)
    horizon, tolerance = study.resonant[0].horizon, study.resonant[0].tolerance
    names = {
        "resonant": rf"$\delta_B = 0$, $F = {study.base.drive:g}$",
        "scaled": rf"$\delta_B = 0$, $F = {study.drive_ratio:g}\,gN$",
        "detuned": rf"$\delta_B = {study.detuning:g}$, $F = {study.base.drive:g}$",
    }
    figure = Figure(figsize=(11, 4.4))
    left, right = figure.subplots(1, 2)
    colors = {"resonant": "C0", "scaled": "C2", "detuned": "C1"}
    for name, entries in study.series().items():
        color = colors[name]
        ratio = np.array([entry.ratio for entry in entries])
        status = np.array([entry.status for entry in entries])
        at_horizon = np.array([entry.ratio_at_horizon for entry in entries])
        reached = status == "reached"
        left.plot(n, ratio, "-", color=color, lw=1)
        for mask, marker, fill, label in (
            (reached, "o", color, "limit reached"),
            (status == "not reached", "o", "none", "limit not reached"),
            (status == "unknown", "s", "none", "limit, reach time not computed"),
        ):
            if mask.any():
                left.plot(
                    n[mask],
                    ratio[mask],
                    marker,
                    color=color,
                    mfc=fill,
                    label=f"{names[name]}: {label}",
                )
        if (status == "not reached").any():
            late = status == "not reached"
            left.plot(
                n[late],
                at_horizon[late],
                "x",
                color=color,
                label=f"{names[name]}: value at $t = {horizon:g}$",
            )
        with np.errstate(divide="ignore"):
            right.loglog(n[reached], 1 - ratio[reached], "o-", color=color, label=names[name])
    left.semilogx(n, (n - 1) / (n + 1), "k:", label="$(N-1)/(N+1)$")
    right.loglog(n, 2 / (n + 1), "k:", label="$2/(N+1)$")
    left.set_ylabel("$W/E$ (long time)")
    right.set_ylabel("$1 - W/E$ (reached limits only)")
    for ax in (left, right):
        ax.set_xlabel("battery qubits $N$")
        ax.grid(alpha=0.3, which="both")
    left.legend(fontsize=7)
    right.legend(fontsize=7)
    g = study.base.coupling
    figure.suptitle(
        rf"$g = {g:g}$, $\gamma = {study.base.dephasing:g}$ (units of $\omega_0$); reached: "
        rf"$|E(t) - E_\infty| \leq {tolerance:g}\,E_\infty$ from $t \leq {horizon:g}$ on"
    )
    return figure
