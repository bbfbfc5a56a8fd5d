"""Charging a disordered star: W/E versus the coupling-disorder width, N = 4..8.

Every battery qubit gets its own coupling g_j = g + w u_j (g = 1), u_j uniform in [-1, 1] (box
disorder, one draw per seed), in the strong-drive regime F = gN with the battery detuned
(dB = 0.5) and the charger dephased (gamma = g = 1). The permutation symmetry that keeps the
ideal star in its symmetric sector is gone, so the exact dynamics runs in the full space
(2^(N+1) states). With only the charger's dephasing the dynamics is unital and the unique
long-time state of a disordered star is maximally mixed (W = 0): what is left is the charge
while it builds up. For each width the script reports, averaged over seeds (with their
spread), W/E when E first reaches 90 % of its limit N/2 (tau_90; seeds that do not reach it within
the span are counted and left out of the mean) and W/E at the end of the span.

One sweep (qbcircuit.sweeps) in OUT/store-disorder, resumed on a rerun. Writes disorder.csv and
disorder.png.

    python scripts/fig_disorder.py --out fig-out [--quick] [--executor serial]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from qbcircuit import plots, sweeps
from qbcircuit.config import RunConfig
from qbcircuit.reports import Report
from qbcircuit.results import Trajectory, write_atomic

WIDTHS = [0.0, 0.1, 0.2, 0.3, 0.5]
SPAN = 10.0  # over 4 tau_90 of the clean star at F = gN (tau_90 = 2.2-2.3 for N = 4..8)
COLUMNS = (
    "n_batteries",
    "width",
    "seeds",
    "reached",
    "ratio_tau_90",
    "ratio_tau_90_std",
    "tau_90",
    "ratio_end",
    "ratio_end_std",
)


def config(n_values: Sequence[int], widths: Sequence[float], seeds: int) -> RunConfig:
    points = sweeps.points_toml(
        {"n_batteries": n, "drive": float(n), "coupling_disorder": w, "disorder_seed": s}
        for n in n_values
        for w in widths
        for s in (range(seeds) if w > 0 else [0])  # the clean star is one point
    )
    text = f"""
[model]
n_batteries = 1
drive = 1.0
coupling = 1.0
dephasing = 1.0
battery_detuning = 0.5

[times]
stop = {SPAN}
points = 201

[sweep]
compute = ["trajectory"]
{points}"""
    return RunConfig.from_text(text, "fig_disorder")


def at_crossing(trajectory: Trajectory, level: float) -> tuple[float, float]:
    """(tau, W/E at tau) where E first reaches ``level`` times N/2 (linear interpolation
    between the grid times); nan if it never does."""
    target = level * trajectory.model.n_batteries * trajectory.model.omega0 / 2
    energy, ratio, t = trajectory.energy, trajectory.ratio, trajectory.times
    above = np.nonzero(energy >= target)[0]
    if above.size == 0 or above[0] == 0:
        return float("nan"), float("nan")
    k = int(above[0])
    share = (target - energy[k - 1]) / (energy[k] - energy[k - 1])
    return float(t[k - 1] + share * (t[k] - t[k - 1])), float(
        ratio[k - 1] + share * (ratio[k] - ratio[k - 1])
    )


def _over_finite(values: np.ndarray, statistic) -> float:
    """``statistic`` of the finite entries (seeds that never reached the level are nan)."""
    finite = values[np.isfinite(values)]
    return float(statistic(finite)) if finite.size else float("nan")


def main(argv: Sequence[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("fig-disorder-out"))
    parser.add_argument("--quick", action="store_true", help="N = 4, 5, 3 widths, 2 seeds (CI)")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--executor", choices=sweeps.EXECUTORS, default="processes")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--report", type=Path, help="write the results page into this folder")
    args = parser.parse_args(argv)
    report = Report("disorder", "Disordered couplings", __file__, argv)
    report.describe(__doc__)
    say = report.line
    n_values = [4, 5] if args.quick else [4, 5, 6, 7, 8]
    widths = [0.0, 0.2, 0.5] if args.quick else WIDTHS
    seeds = 2 if args.quick else args.seeds
    result = sweeps.sweep(
        config(n_values, widths, seeds),
        args.out / "store-disorder",
        executor=args.executor,
        progress=not args.no_progress,
    )
    rows = []
    for n in n_values:
        for w in widths:
            found = [
                (result.trajectory(r["index"]), r)
                for r in result.rows()
                if r["n_batteries"] == n and r["coupling_disorder"] == w
            ]
            crossings = np.array([at_crossing(t, 0.9) for t, _ in found])
            ends = np.array([r["ratio_final"] for _, r in found])
            rows.append(
                {
                    "n_batteries": n,
                    "width": w,
                    "seeds": len(found),
                    "reached": int(np.sum(np.isfinite(crossings[:, 0]))),
                    "ratio_tau_90": _over_finite(crossings[:, 1], np.mean),
                    "ratio_tau_90_std": _over_finite(crossings[:, 1], np.std),
                    "tau_90": _over_finite(crossings[:, 0], np.mean),
                    "ratio_end": float(np.mean(ends)),
                    "ratio_end_std": float(np.std(ends)),
                }
            )
    lines = [",".join(COLUMNS)] + [",".join(repr(r[c]) for c in COLUMNS) for r in rows]
    write_atomic(args.out / "disorder.csv", "\n".join(lines) + "\n")
    plot(args.out / "disorder.png", rows, n_values)
    say(f"W/E at tau_90 (and at t = {SPAN:g}) versus coupling disorder w (F = gN, dB = 0.5):")
    say(f"  {'N':>3} " + " ".join(f"{'w=' + format(w, 'g'):>14}" for w in widths))
    for n in n_values:
        mine = [r for r in rows if r["n_batteries"] == n]
        say(
            f"  {n:>3} "
            + " ".join(f"{r['ratio_tau_90']:>6.3f} ({r['ratio_end']:.3f})" for r in mine)
        )
    print(f"  {result.reused} points reused, {result.computed} computed; wrote {args.out}/")
    report.figure(args.out / "disorder.png", "W/E versus coupling disorder")
    report.csv(args.out / "disorder.csv")
    report.write(args.report)
    return rows


def plot(path: Path, rows: list[dict], n_values: Sequence[int]) -> None:
    figure = Figure(figsize=(9.6, 4.0))
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
    for axes, column in ((left, "ratio_tau_90"), (right, "ratio_end")):
        for k, n in enumerate(n_values):
            mine = [r for r in rows if r["n_batteries"] == n]
            axes.errorbar(
                [r["width"] for r in mine],
                [r[column] for r in mine],
                [r[f"{column}_std"] for r in mine],
                fmt="o-",
                color=f"C{k}",
                capsize=3,
                label=f"N = {n}",
            )
    left.set(
        xlabel="coupling disorder $w$ ($g_j = g + w u_j$, $g = 1$)",
        ylabel="$W/E$ at $\\tau_{90}$",
        title="charge quality at the charging time",
    )
    right.set(
        xlabel="coupling disorder $w$",
        ylabel=f"$W/E$ at $t = {SPAN:g}/\\omega_0$",
        title="later: the charge leaks out of the symmetric sector",
    )
    for axes in (left, right):
        axes.set_ylim(0, 1)
        axes.legend(fontsize=7)
    figure.text(
        0.5,
        0.01,
        "mean over disorder seeds; bars: their standard deviation",
        ha="center",
        fontsize=7,
    )
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    plots.save_png(figure, path)


if __name__ == "__main__":
    main()
