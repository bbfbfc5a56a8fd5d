"""Speed versus quality: charging time tau and W/E at tau versus the drive F/(gN), beside the
long-time W/E, for N = 4, 8, 16, 32, at resonance and with the battery detuned.

tau = first time E(t) >= (1 - 1/e) E_inf (exact), g = 0.5, gamma = 2g, F = r g N for each
ratio r. At resonance a weak drive (r below about 1/4) charges far more slowly, and past
N ~ 4F/g = 4rN, i.e. for r < 1/4, a dark state traps it (tau > t_max = 1e4: drawn as a censored
marker at t_max, listed as inf); where it does charge, W/E at tau is higher than under a strong
drive. With the battery detuned (dB = 0.5) the long-time W/E is (N-1)/(N+1) for every drive
and a weak drive is only slower.

One sweep (qbcircuit.sweeps) stored in OUT/store-tradeoff, resumed on a rerun. Writes
tradeoff.csv and tradeoff.png.

    python scripts/fig_tradeoff.py --out fig-out [--quick] [--executor serial]
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from qbcircuit import plots, sweeps
from qbcircuit.config import RunConfig
from qbcircuit.reports import Report
from qbcircuit.results import write_atomic

COUPLING = 0.5
DEPHASING = 2 * COUPLING
DETUNING = 0.5
RATIOS_FULL = [0.0625, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0]
RATIOS_QUICK = [0.25, 0.5, 2.0]
N_FULL = [4, 8, 16, 32]
N_QUICK = [4, 8]
T_MAX = 1e4
HORIZON = 1e4  # long-time limits flagged against the same horizon as the charging scan


def config(ratios: Sequence[float], n_values: Sequence[int]) -> RunConfig:
    points = sweeps.points_toml(
        {"n_batteries": n, "drive": r * COUPLING * n, "battery_detuning": detuning}
        for detuning in (0.0, DETUNING)
        for n in n_values
        for r in ratios
    )
    text = f"""
[model]
n_batteries = 1
drive = 1.0
coupling = {COUPLING}
dephasing = {DEPHASING}

[sweep]
compute = ["long_time", "charging"]
t_max = {T_MAX}
horizon = {HORIZON}
{points}"""
    return RunConfig.from_text(text, "fig_tradeoff")


def main(argv: Sequence[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("fig-tradeoff-out"))
    parser.add_argument("--quick", action="store_true", help="N = 4, 8 and 3 drives (CI)")
    parser.add_argument("--executor", choices=sweeps.EXECUTORS, default="processes")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--report", type=Path, help="write the results page into this folder")
    args = parser.parse_args(argv)
    report = Report("tradeoff", "Speed against quality: the drive trade-off", __file__, argv)
    report.describe(__doc__)
    say = report.line
    ratios = RATIOS_QUICK if args.quick else RATIOS_FULL
    n_values = N_QUICK if args.quick else N_FULL
    result = sweeps.sweep(
        config(ratios, n_values),
        args.out / "store-tradeoff",
        executor=args.executor,
        progress=not args.no_progress,
    )
    rows = []
    for row in result.rows():
        n = row["n_batteries"]
        rows.append(
            {
                "n_batteries": n,
                "battery_detuning": row["battery_detuning"],
                "drive_ratio": row["drive"] / (COUPLING * n),
                "drive": row["drive"],
                "tau": row["tau"],
                "censored": not math.isfinite(row["tau"]),
                "tau_90": row["tau_90"],
                "ratio_tau": row["ratio_tau"],
                "ratio_inf": row["ratio_inf"],
                "reach_time": row["reach_time"],
                "reach": row["reach"],
            }
        )
    columns = list(rows[0])
    lines = [",".join(columns)]
    lines += [",".join(_cell(row[c]) for c in columns) for row in rows]
    write_atomic(args.out / "tradeoff.csv", "\n".join(lines) + "\n")
    plot(args.out / "tradeoff.png", rows, n_values)

    say(f"charging time and quality versus F/(gN) (g={COUPLING:g}, gamma={DEPHASING:g}):")
    say(f"  {'N':>3} {'dB':>4} {'F/(gN)':>7} {'tau':>10} {'W/E(tau)':>9} {'W/E(inf)':>9}  reach")
    for row in rows:
        say(
            f"  {row['n_batteries']:>3} {row['battery_detuning']:>4g} {row['drive_ratio']:>7g} "
            f"{row['tau']:>10.4g} {row['ratio_tau']:>9.4f} {row['ratio_inf']:>9.4f}  "
            f"{row['reach']} ({row['reach_time']:.3g})"
        )
    print(f"  store: {result.reused} points reused; wrote {args.out}/tradeoff.csv, tradeoff.png")
    report.figure(args.out / "tradeoff.png", "charging time and W/E versus the drive")
    report.csv(args.out / "tradeoff.csv")
    report.write(args.report)
    return rows


def _cell(value: object) -> str:
    return repr(float(value)) if isinstance(value, float) else str(value)


def plot(path: Path, rows: list[dict], n_values: Sequence[int]) -> None:
    figure = Figure(figsize=(13, 4.2))
    axes = figure.subplots(1, 3)
    for color, n in zip((f"C{k}" for k in range(10)), n_values, strict=False):
        for detuning, style in ((0.0, "-"), (DETUNING, "--")):
            series = [
                r for r in rows if r["n_batteries"] == n and r["battery_detuning"] == detuning
            ]
            x = np.array([r["drive_ratio"] for r in series])
            tau = np.array([r["tau"] for r in series])
            quality = np.array([r["ratio_tau"] for r in series])
            limit = np.array([r["ratio_inf"] for r in series])
            reached = np.array([r["reach"] == "reached" for r in series])
            label = rf"$N = {n}$, $\delta_B = {detuning:g}$"
            charged = np.isfinite(tau)
            axes[0].loglog(x[charged], tau[charged], "o" + style, color=color, ms=4, label=label)
            if (~charged).any():
                axes[0].plot(
                    x[~charged],
                    np.full((~charged).sum(), T_MAX),
                    "^",
                    color=color,
                    mfc="none",
                    ms=8,
                )
            axes[1].semilogx(x[charged], quality[charged], "o" + style, color=color, ms=4)
            axes[2].semilogx(x, limit, style, color=color, lw=1)
            axes[2].plot(x[reached], limit[reached], "o", color=color, ms=4)
            axes[2].plot(x[~reached], limit[~reached], "o", color=color, mfc="none", ms=6)
    axes[0].plot([], [], "^", color="gray", mfc="none", label=rf"trapped: $\tau > {T_MAX:g}$")
    axes[2].plot([], [], "o", color="gray", label=rf"reached by $t = {HORIZON:g}$")
    axes[2].plot([], [], "o", color="gray", mfc="none", label="not reached (or not computed)")
    axes[0].set(ylabel=r"charging time $\tau_{1/e}$ [$1/\omega_0$]")
    axes[1].set(ylabel=r"$W/E$ at $\tau_{1/e}$")
    axes[2].set(ylabel=r"long-time $W/E$")
    ratios = sorted({r["drive_ratio"] for r in rows})
    for ax in axes:
        ax.set_xlabel(r"drive $F/(gN)$")
        ax.grid(alpha=0.3, which="both")
        ax.set_xticks(ratios, [f"{r:g}" for r in ratios])
    axes[0].legend(fontsize=6)
    axes[2].legend(fontsize=6)
    figure.suptitle(
        rf"$g = {COUPLING:g}$, $\gamma = {DEPHASING:g}$ (units of $\omega_0$); "
        r"solid: resonant, dashed: battery detuned"
    )
    figure.tight_layout()
    plots.save_png(figure, path)


if __name__ == "__main__":
    main()
