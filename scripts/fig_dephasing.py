"""Dephasing-enabled fast charging: charging and relaxation times versus gamma/g.

Without dephasing the resonant battery never settles; too much dephasing freezes the charger
(Zeno). The relaxation time 1/gap (the slowest decay toward the long-time state) is shortest
near critical damping: exactly at gamma = 2g for N = 1, below it for N > 1 (the minimum is
refined by a bounded search between the grid points around it). The first-crossing time tau_1e keeps
falling as gamma -> 0 (it is reached during the first, undamped oscillation), so both are
shown. Strong drive F = gN (N < N* = 4F/g), resonant, N = 1, 2, 4, 8.

One sweep (qbcircuit.sweeps) in OUT/store-dephasing, resumed on a rerun. Writes dephasing.csv,
dephasing_optimum.csv and dephasing.png.

    python scripts/fig_dephasing.py --out fig-out [--quick] [--executor serial]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy.optimize import OptimizeResult, minimize_scalar

from qbcircuit import exact, plots, sweeps
from qbcircuit.config import RunConfig
from qbcircuit.model import StarModel
from qbcircuit.reports import Report
from qbcircuit.results import write_atomic

COUPLING = 0.5


def gamma_over_g(count: int) -> list[float]:
    """``count`` log-spaced values of gamma/g in [0.1, 10], with 2 itself included."""
    return sorted({*np.round(np.geomspace(0.1, 10.0, count), 6).tolist(), 2.0})


def config(n_values: Sequence[int], ratios: Sequence[float]) -> RunConfig:
    points = sweeps.points_toml(
        {"n_batteries": n, "drive": COUPLING * n, "dephasing": COUPLING * r}
        for n in n_values
        for r in ratios
    )
    text = f"""
[model]
n_batteries = 1
drive = 1.0
coupling = {COUPLING}
dephasing = 1.0

[sweep]
compute = ["charging", "relaxation"]
{points}"""
    return RunConfig.from_text(text, "fig_dephasing")


def relaxation_time(n: int, ratio: float) -> float:
    model = StarModel(
        n_batteries=n, drive=COUPLING * n, coupling=COUPLING, dephasing=COUPLING * ratio
    )
    return exact.relaxation_time(model)


def fastest_relaxation(n: int, low: float, high: float) -> OptimizeResult:
    """The gamma/g in [low, high] (the grid's bracket of its minimum) where 1/gap is least:
    bounded Brent search to 1e-7 in gamma/g (the minimum sits on a kink where two decay
    rates cross, or at the exceptional point, so the grid alone is off by its spacing)."""
    return minimize_scalar(
        lambda ratio: relaxation_time(n, ratio),
        bounds=(low, high),
        method="bounded",
        options={"xatol": 1e-7},
    )


def main(argv: Sequence[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("fig-dephasing-out"))
    parser.add_argument("--quick", action="store_true", help="N = 1, 4 and 13 rates (CI)")
    parser.add_argument("--executor", choices=sweeps.EXECUTORS, default="processes")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--report", type=Path, help="write the results page into this folder")
    args = parser.parse_args(argv)
    report = Report("dephasing", "The dephasing rate that relaxes fastest", __file__, argv)
    report.describe(__doc__)
    say = report.line
    n_values = [1, 4] if args.quick else [1, 2, 4, 8]
    ratios = gamma_over_g(12 if args.quick else 40)
    result = sweeps.sweep(
        config(n_values, ratios),
        args.out / "store-dephasing",
        executor=args.executor,
        progress=not args.no_progress,
    )
    table = ["n_batteries,drive,gamma_over_g,tau,tau_90,relaxation_time"]
    table += [
        f"{r['n_batteries']},{r['drive']!r},{r['dephasing'] / COUPLING!r},{r['tau']!r},"
        f"{r['tau_90']!r},{r['relaxation_time']!r}"
        for r in result.rows()
    ]
    write_atomic(args.out / "dephasing.csv", "\n".join(table) + "\n")
    optimum = []
    for n in n_values:
        gamma = result.column("dephasing", n_batteries=n) / COUPLING
        relaxation = result.column("relaxation_time", n_batteries=n)
        tau = result.column("tau", n_batteries=n)
        best = int(np.argmin(relaxation))
        low, high = gamma[max(best - 1, 0)], gamma[min(best + 1, gamma.size - 1)]
        fastest = fastest_relaxation(n, low, high)
        at_2g = float(relaxation[np.argmin(np.abs(gamma - 2))])
        optimum.append(
            {
                "n_batteries": n,
                "gamma_over_g_fastest_relaxation": float(fastest.x),
                "relaxation_time_min": float(fastest.fun),
                "relaxation_time_at_2g": at_2g,
                "at_2g_over_min": at_2g / float(fastest.fun),
                "gamma_over_g_grid_argmin": float(gamma[best]),
                "gamma_over_g_fastest_tau": float(gamma[int(np.argmin(tau))]),
            }
        )
    lines = [",".join(optimum[0])] + [",".join(repr(v) for v in row.values()) for row in optimum]
    write_atomic(args.out / "dephasing_optimum.csv", "\n".join(lines) + "\n")
    plot(args.out / "dephasing.png", result, n_values)

    say(f"fastest relaxation versus gamma (g={COUPLING:g}, F=gN, resonant):")
    say(
        f"  {'N':>3} {'gamma*/g':>9} {'1/gap min':>10} {'1/gap at 2g':>12} {'ratio':>6} "
        f"{'argmin tau':>10}"
    )
    for row in optimum:
        say(
            f"  {row['n_batteries']:>3} {row['gamma_over_g_fastest_relaxation']:>9.4f} "
            f"{row['relaxation_time_min']:>10.4f} {row['relaxation_time_at_2g']:>12.4f} "
            f"{row['at_2g_over_min']:>6.3f} {row['gamma_over_g_fastest_tau']:>10.3f}"
        )
    print(f"  {result.reused} points reused, {result.computed} computed; wrote {args.out}/")
    report.figure(args.out / "dephasing.png", "relaxation time and charging time versus gamma")
    report.csv(args.out / "dephasing_optimum.csv")
    report.write(args.report)
    return optimum


def plot(path: Path, result: sweeps.SweepResult, n_values: Sequence[int]) -> None:
    figure = Figure(figsize=(6.4, 4.4))
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    for k, n in enumerate(n_values):
        gamma = result.column("dephasing", n_batteries=n) / COUPLING
        axes.loglog(
            gamma,
            result.column("relaxation_time", n_batteries=n),
            "-",
            color=f"C{k}",
            label=f"1/gap, $N = {n}$",
        )
        axes.loglog(
            gamma,
            result.column("tau", n_batteries=n),
            "--",
            color=f"C{k}",
            label=rf"$\tau_{{1/e}}$, $N = {n}$",
        )
    axes.axvline(2.0, color="k", lw=0.8, ls=":", label=r"$\gamma = 2g$")
    axes.set(
        xlabel=r"charger dephasing $\gamma / g$",
        ylabel=r"time [$1/\omega_0$]",
        title="dephasing-enabled charging ($F = gN$)",
    )
    axes.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    plots.save_png(figure, path)


if __name__ == "__main__":
    main()
