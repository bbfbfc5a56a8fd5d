"""Trotter error study: max |dE| and |dW| against exact versus dt, for orders 1 and 2 and the
three coupling orderings, written as CSV + PNG with the fitted convergence order and the error
constants max|dE| / (N dt^p), max|dW| / (N dt^p) at the smallest step.

    python scripts/trotter_study.py --out trotter-out [--n 2 4] [--stop 4] [--quick]
        [--orders 1 2] [--orderings fixed palindromic randomized]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from qbcircuit import StarModel, exact, plots
from qbcircuit.emulation import emulate
from qbcircuit.reports import Report

SETS = {
    "resonant": dict(drive=1.0, coupling=0.7, dephasing=0.8),
    "detuned": dict(
        drive=0.6, coupling=1.1, dephasing=1.5, charger_detuning=0.4, battery_detuning=0.3
    ),
    "weak-dephasing": dict(drive=1.0, coupling=0.5, dephasing=0.1),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("trotter-out"))
    parser.add_argument("--n", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--stop", type=float, default=4.0, help="errors over [0, stop]")
    parser.add_argument("--orders", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--orderings", nargs="+", default=["fixed", "palindromic", "randomized"])
    parser.add_argument("--quick", action="store_true", help="fewer step sizes (CI smoke run)")
    parser.add_argument("--report", type=Path, help="write the results page into this folder")
    args = parser.parse_args(argv)
    page = Report("trotter", "Trotter error and convergence order", __file__, argv)
    page.describe(__doc__)
    steps = (0.25, 0.125) if args.quick else (0.25, 0.125, 0.0625, 0.03125)
    times = np.linspace(0, args.stop, round(args.stop / 0.5) + 1)
    rows = []
    for name, params in SETS.items():
        for n in args.n:
            model = StarModel(n_batteries=n, **params)
            reference = exact.evolve(model, times, basis="dicke")
            for order in args.orders:
                for ordering in args.orderings:
                    for dt in steps:
                        run = emulate(
                            model,
                            times,
                            dt=dt,
                            order=order,
                            ordering=ordering,
                            instances=8 if ordering == "randomized" else None,
                            seed=5,
                        )
                        rows.append(
                            {
                                "set": name,
                                "n_batteries": n,
                                "order": order,
                                "ordering": ordering,
                                "dt": dt,
                                "max_abs_dE": float(np.max(np.abs(run.energy - reference.energy))),
                                "max_abs_dW": float(
                                    np.max(np.abs(run.ergotropy - reference.ergotropy))
                                ),
                            }
                        )
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "trotter_study.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    figure = Figure(figsize=(11, 4 * len(SETS)))
    axes = figure.subplots(len(SETS), 2, squeeze=False)
    for row_axes, name in zip(axes, SETS, strict=True):
        for ax, key in zip(row_axes, ("max_abs_dE", "max_abs_dW"), strict=True):
            for n in args.n:
                for order in args.orders:
                    for ordering, marker in (
                        (o, m)
                        for o, m in (("fixed", "o"), ("palindromic", "s"), ("randomized", "^"))
                        if o in args.orderings
                    ):
                        picked = [
                            r
                            for r in rows
                            if r["set"] == name
                            and r["n_batteries"] == n
                            and r["order"] == order
                            and r["ordering"] == ordering
                        ]
                        dts = np.array([r["dt"] for r in picked])
                        errors = np.array([r[key] for r in picked])
                        slope = np.polyfit(np.log(dts), np.log(errors), 1)[0]
                        constant = errors[-1] / (n * dts[-1] ** order)
                        page.line(
                            f"{name:14} N={n} order {order} {ordering:12} {key}: "
                            f"fitted order {slope:.2f}, at dt={dts[-1]:g}: {errors[-1]:.2e} "
                            f"= {constant:.3f} N dt^{order}"
                        )
                        ax.loglog(
                            dts,
                            errors,
                            marker=marker,
                            linestyle="-" if order == 2 else ":",
                            label=f"N={n} o{order} {ordering} (p={slope:.2f})",
                        )
            ax.set_xlabel("dt")
            ax.set_ylabel(key.replace("max_abs_", "max |") + "|")
            ax.set_title(f"{name}: {key}")
            ax.grid(alpha=0.3, which="both")
        row_axes[0].legend(fontsize=6, ncol=2)
    FigureCanvasAgg(figure)
    plots.save_png(figure, args.out / "trotter_study.png")
    print(f"wrote {args.out}/trotter_study.csv and .png")
    page.figure(args.out / "trotter_study.png", "Trotter error versus dt")
    page.write(args.report)


if __name__ == "__main__":
    main()
