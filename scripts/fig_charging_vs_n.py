"""Charging time versus N for strong and weak drive, and W/E at the charging time.

tau = first time E(t) >= (1 - 1/e) E_inf (exact; docs/physics.md, 4), for drives F = 0.5, 2, 8 at
g = 0.5, gamma = 2g, at resonance and with the battery detuned (dB = 0.5). At resonance a drive
with N below the crossover N* = 4F/g charges in a time nearly independent of N (fitted exponent
over N <= N*/2); above it the nearly dark state traps the battery and tau leaves any horizon
(t_max = 1e4: plotted as missing, listed as inf). Detuning breaks the trap: tau is finite and,
beyond the crossover, grows as a power of N (fitted over N >= N*).

One sweep (qbcircuit.sweeps) stored in OUT/store-charging, resumed on a rerun. Writes
charging_time_vs_n.csv/.png, ratio_at_charging_vs_n.png, charging_fits.csv.

    python scripts/fig_charging_vs_n.py --out fig-out [--quick] [--executor serial]
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from qbcircuit import plots, sweeps
from qbcircuit.config import RunConfig
from qbcircuit.reports import Report
from qbcircuit.results import write_atomic

COUPLING = 0.5
DETUNING = 0.5
DRIVES_FULL = [0.5, 2.0, 8.0]
DRIVES_QUICK = [0.5, 2.0]
N_FULL = [1, 2, 3, 4, 6, 8, 12, 16, 20, 24, 28, 32]
N_QUICK = [1, 2, 3, 4, 6, 8, 12, 16]
T_MAX = 1e4


def config(drives: Sequence[float], n_values: Sequence[int]) -> RunConfig:
    text = f"""
[model]
n_batteries = 1
drive = 1.0
coupling = {COUPLING}
dephasing = {2 * COUPLING}

[sweep]
compute = ["long_time", "charging"]
t_max = {T_MAX}
[sweep.grid]
drive = {list(drives)}
battery_detuning = [0.0, {DETUNING}]
n_batteries = {list(n_values)}
"""
    return RunConfig.from_text(text, "fig_charging_vs_n")


def crossover(drive: float) -> float:
    """N* = 4F/g: below it the drive is strong (docs/physics.md, 7)."""
    return 4 * drive / COUPLING


def fit(n: np.ndarray, tau: np.ndarray, window: np.ndarray) -> float:
    """Exponent a of tau ~ N^a over ``window`` (nan with fewer than 3 finite points)."""
    use = window & np.isfinite(tau)
    if use.sum() < 3:
        return math.nan
    return float(np.polyfit(np.log(n[use]), np.log(tau[use]), 1)[0])


def main(argv: Sequence[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("fig-charging-out"))
    parser.add_argument("--quick", action="store_true", help="F = 0.5, 2 and N <= 16 (CI)")
    parser.add_argument("--executor", choices=sweeps.EXECUTORS, default="processes")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--report", type=Path, help="write the results page into this folder")
    args = parser.parse_args(argv)
    report = Report(
        "charging_vs_n", "Charging time versus N: strong and weak drive", __file__, argv
    )
    report.describe(__doc__)
    say = report.line
    drives = DRIVES_QUICK if args.quick else DRIVES_FULL
    result = sweeps.sweep(
        config(drives, N_QUICK if args.quick else N_FULL),
        args.out / "store-charging",
        executor=args.executor,
        progress=not args.no_progress,
    )
    rows = result.rows()
    table = ["drive,battery_detuning,n_batteries,crossover_n,tau,tau_90,ratio_tau,ratio_inf"]
    table += [
        f"{r['drive']!r},{r['battery_detuning']!r},{r['n_batteries']},"
        f"{crossover(r['drive'])!r},{r['tau']!r},{r['tau_90']!r},{r['ratio_tau']!r},"
        f"{r['ratio_inf']!r}"
        for r in rows
    ]
    write_atomic(args.out / "charging_time_vs_n.csv", "\n".join(table) + "\n")

    fits = []
    for drive in drives:
        star = crossover(drive)
        for detuning in (0.0, DETUNING):
            n = result.column("n_batteries", drive=drive, battery_detuning=detuning)
            tau = result.column("tau", drive=drive, battery_detuning=detuning)
            if detuning == 0:
                window, regime = n <= star / 2, "strong (N <= N*/2)"
            else:
                window, regime = n >= star, "beyond crossover (N >= N*)"
            trapped = n[~np.isfinite(tau)]
            fits.append(
                {
                    "drive": drive,
                    "battery_detuning": detuning,
                    "crossover_n": star,
                    "regime": regime,
                    "exponent": fit(n, tau, window),
                    "first_trapped_n": int(trapped[0]) if trapped.size else "",
                }
            )
    lines = ["drive,battery_detuning,crossover_n,regime,exponent,first_trapped_n"]
    lines += [",".join(str(f[k]) for k in f) for f in fits]
    write_atomic(args.out / "charging_fits.csv", "\n".join(lines) + "\n")
    plot(args.out, result, drives)

    say(f"charging time tau_1e versus N (g={COUPLING:g}, gamma=2g, t_max={T_MAX:g}):")
    say(f"  {'F':>5} {'dB':>5} {'N*=4F/g':>8} {'exponent':>9}  window / first trapped N")
    for f in fits:
        say(
            f"  {f['drive']:>5g} {f['battery_detuning']:>5g} {f['crossover_n']:>8g} "
            f"{f['exponent']:>9.3f}  {f['regime']}; trapped from N = {f['first_trapped_n'] or '-'}"
        )
    print(f"  {result.reused} points reused, {result.computed} computed; wrote {args.out}/")
    report.figure(args.out / "charging_time_vs_n.png", "charging time versus N")
    report.figure(args.out / "ratio_at_charging_vs_n.png", "W/E at the charging time versus N")
    report.csv(args.out / "charging_fits.csv")
    report.csv(args.out / "charging_time_vs_n.csv")
    report.write(args.report)
    return fits


def plot(out: Path, result: sweeps.SweepResult, drives: Sequence[float]) -> None:
    figure = Figure(figsize=(6.4, 4.4))
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    ratio_figure = Figure(figsize=(6.4, 4.4))
    FigureCanvasAgg(ratio_figure)
    ratio_axes = ratio_figure.subplots()
    for k, drive in enumerate(drives):
        for detuning, style in ((0.0, "o-"), (DETUNING, "s--")):
            n = result.column("n_batteries", drive=drive, battery_detuning=detuning)
            tau = result.column("tau", drive=drive, battery_detuning=detuning)
            ratio = result.column("ratio_tau", drive=drive, battery_detuning=detuning)
            detuned = "resonant" if detuning == 0 else rf"$\delta_B = {detuning:g}$"
            label = f"$F = {drive:g}$, {detuned}"
            axes.loglog(
                n, np.where(np.isfinite(tau), tau, np.nan), style, color=f"C{k}", label=label
            )
            trapped = ~np.isfinite(tau)  # no tau before t_max: drawn at t_max, pointing up
            axes.plot(n[trapped], np.full(trapped.sum(), T_MAX), "^", color=f"C{k}", mfc="none")
            ratio_axes.semilogx(n, ratio, style, color=f"C{k}", label=label)
        axes.axvline(crossover(drive), color=f"C{k}", lw=0.8, ls=":")
    grid = np.array(result.column("n_batteries", drive=drives[0], battery_detuning=0.0), float)
    ratio_axes.semilogx(grid, (grid - 1) / (grid + 1), "k:", lw=1, label="$(N-1)/(N+1)$")
    axes.plot([], [], "^", color="gray", mfc="none", label=rf"trapped: $\tau > {T_MAX:g}$")
    axes.set(
        xlabel="battery qubits $N$",
        ylabel=r"charging time $\tau_{1/e}$ [$1/\omega_0$]",
        title="charging time (dotted: $N^* = 4F/g$)",
    )
    axes.legend(fontsize=7)
    ratio_axes.set(
        xlabel="battery qubits $N$",
        ylabel=r"$W/E$ at $\tau_{1/e}$",
        title="W/E at the charging time",
    )
    ratio_axes.legend(fontsize=7)
    figure.tight_layout()
    plots.save_png(figure, out / "charging_time_vs_n.png")
    ratio_figure.tight_layout()
    plots.save_png(ratio_figure, out / "ratio_at_charging_vs_n.png")


if __name__ == "__main__":
    main()
