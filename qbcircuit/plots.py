"""PNG figures of results (matplotlib, no global pyplot state)."""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogFormatter, NullFormatter

from qbcircuit.results import RatioStudy, Trajectory, write_atomic

__all__ = [
    "MARKERS",
    "plot_ratio_study",
    "plot_trajectories",
    "ratio_study_figure",
    "save_png",
    "tidy_log_axes",
    "trajectories_figure",
    "trajectory_name",
]

_STYLE = {"exact": "-", "pulse": "--", "aer": "o", "tomography": "s", "hardware": "^"}


def _plain(value: float, _: object = None) -> str:
    return f"{value:g}"


def _two_and_five(value: float, _: object = None) -> str:
    return f"{value:g}" if f"{value:e}"[0] in "25" else ""


def tidy_log_axes(figure: Figure) -> None:
    """Plain numbers on every log axis that still has matplotlib's own labels, and labels on
    its minor ticks only where fewer than two decades show (then at 2 and 5 times a power of
    ten): matplotlib's defaults write 2x10^1, 3x10^1, ... where they collide. An axis whose
    ticks a figure labelled itself (``set_xticks(values, labels)``) keeps those labels and
    loses the minor ones beside them."""
    for ax in figure.axes:
        for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            low, high = sorted(limits)
            if axis.get_scale() != "log" or low <= 0:
                continue
            if not isinstance(axis.get_major_formatter(), LogFormatter):  # labelled by hand
                axis.set_minor_formatter(NullFormatter())
                continue
            decades = math.floor(math.log10(high)) - math.ceil(math.log10(low)) + 1
            axis.set_major_formatter(FuncFormatter(_plain))
            minor = FuncFormatter(_two_and_five) if decades < 2 else NullFormatter()
            axis.set_minor_formatter(minor)


def save_png(figure: Figure, path: str | os.PathLike[str]) -> Path:
    """Render ``figure`` (log axes tidied) and write it atomically as a PNG."""
    FigureCanvasAgg(figure)
    tidy_log_axes(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    return write_atomic(path, buffer.getvalue())


MARKERS = 25
"""At most this many markers per sampled trajectory, so they never hide the exact line."""


def trajectory_name(trajectory: Trajectory) -> str:
    """The legend entry of a trajectory: its path, and for a device run the backend and
    whether its counts were mitigated."""
    name = trajectory.label
    backend = trajectory.options.get("backend")
    if trajectory.label == "hardware" and backend:
        name = "ideal Aer" if backend == "aer" else str(backend)
        if "mitigated" in trajectory.options:
            name += ", mitigated" if trajectory.options["mitigated"] else ", raw counts"
    return f"{name} (N={trajectory.model.n_batteries})"


def trajectories_figure(trajectories: Sequence[Trajectory], *, residuals: bool = False) -> Figure:
    """E(t), W(t) and W/E(t) side by side: a line per computed trajectory (exact, pulse),
    markers for sampled ones (at most :data:`MARKERS`, with error bars where the path has
    them). ``residuals``: a second row with each trajectory minus the first (interpolated
    onto its times), where differences too small to see on the first row show."""
    figure = Figure(figsize=(12, 6.4 if residuals else 3.8))
    axes = figure.subplots(2 if residuals else 1, 3, squeeze=False)
    reference = trajectories[0] if trajectories else None
    for index, trajectory in enumerate(trajectories):
        style = _STYLE.get(trajectory.label, "-")
        if trajectory.options.get("mitigated") is False:
            style = "v"
        name, color = trajectory_name(trajectory), f"C{index}"
        every = max(1, -(-trajectory.times.size // MARKERS)) if style not in ("-", "--") else 1
        pick = slice(None, None, every)
        columns = (
            (trajectory.energy, trajectory.energy_error),
            (trajectory.ergotropy, trajectory.ergotropy_error),
            (trajectory.ratio, trajectory.ratio_error),
        )
        for k, (values, error) in enumerate(columns):
            times = trajectory.times[pick]
            shown = values[pick]
            bars = None if error is None else error[pick]
            look = dict(fmt=style, color=color, label=name, markersize=4, capsize=2)
            axes[0, k].errorbar(times, shown, yerr=bars, **look)
            if residuals and reference is not None and trajectory is not reference:
                base = (reference.energy, reference.ergotropy, reference.ratio)[k]
                difference = shown - np.interp(times, reference.times, base)
                axes[1, k].errorbar(times, difference, yerr=bars, **look)
    units = (r"$E$ [$\omega_0$]", r"$W$ [$\omega_0$]", r"$W/E$")
    for k, unit in enumerate(units):
        axes[0, k].set_ylabel(unit)
        if residuals:
            against = reference.label if reference is not None else ""
            axes[1, k].set_ylabel(f"{unit.split(' [')[0]} $-$ {against}")
            axes[1, k].axhline(0.0, color="k", lw=0.6)
        for ax in axes[:, k]:
            ax.grid(alpha=0.3)
        axes[-1, k].set_xlabel(r"time $t$ [$1/\omega_0$]")
    axes[0, 0].legend(fontsize=8)
    figure.tight_layout()
    return figure


def plot_trajectories(
    trajectories: Sequence[Trajectory], path: str | os.PathLike[str], *, residuals: bool = False
) -> Path:
    """Write :func:`trajectories_figure` as a PNG."""
    return save_png(trajectories_figure(trajectories, residuals=residuals), path)


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
