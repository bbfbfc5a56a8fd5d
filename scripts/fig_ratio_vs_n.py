"""Asymptotic freedom: the long-time W/E of the battery versus N (exact, N = 1..1000), at
resonance and with the battery detuned, against (N-1)/(N+1), and 1 - W/E on log axes with
its fitted exponent (the 1/N law); and W/E at t = 30 from the Trotter circuits on Aer and
from their tomography at small N, beside the exact value at the same time.

Two sweeps (qbcircuit.sweeps), stored under OUT/ and resumed on a rerun:
OUT/store-exact (long_time over N x dB) and OUT/store-circuits (trajectory over N x dB x method).
Writes ratio_vs_n.csv, circuits_ratio.csv, fits.json, ratio_vs_n.png.

    python scripts/fig_ratio_vs_n.py --out fig-out [--quick] [--executor serial]
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from qbcircuit import sweeps
from qbcircuit.config import RunConfig
from qbcircuit.results import write_atomic

MODEL = """
[model]
n_batteries = 1
drive = 1.0
coupling = 0.5
dephasing = 1.0
"""
DETUNING = 0.5
STOP = 30.0
N_FULL = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 50, 70, 100, 150, 200, 300, 500, 700, 1000]
N_QUICK = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 50, 70, 100]
FIT_FROM = 16  # 1 - W/E ~ N^a fitted over N >= FIT_FROM


def exact_config(n_values: Sequence[int]) -> RunConfig:
    text = f"""{MODEL}
[sweep]
compute = ["long_time"]
[sweep.grid]
battery_detuning = [0.0, {DETUNING}]
n_batteries = {list(n_values)}
"""
    return RunConfig.from_text(text, "fig_ratio_vs_n (exact)")


def circuits_config(n_values: Sequence[int], shots: int) -> RunConfig:
    text = f"""{MODEL}
[times]
stop = {STOP}
points = 2
[aer]
dt = 0.1
[tomography]
shots = {shots}
points = 2
replicates = 20
[sweep]
compute = ["trajectory"]
[sweep.grid]
battery_detuning = [0.0, {DETUNING}]
n_batteries = {list(n_values)}
method = ["exact", "aer", "tomography"]
"""
    return RunConfig.from_text(text, "fig_ratio_vs_n (circuits)")


def power_law(n: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Exponent and prefactor of y = c N^a (least squares in log-log)."""
    slope, intercept = np.polyfit(np.log(n), np.log(y), 1)
    return float(slope), float(math.exp(intercept))


def main(argv: Sequence[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("fig-ratio-out"))
    parser.add_argument("--quick", action="store_true", help="N <= 100, circuits N <= 2 (CI)")
    parser.add_argument("--executor", choices=sweeps.EXECUTORS, default="processes")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    run = dict(executor=args.executor, progress=not args.no_progress)

    long = sweeps.sweep(
        exact_config(N_QUICK if args.quick else N_FULL), args.out / "store-exact", **run
    )
    n = long.column("n_batteries", battery_detuning=0.0)
    resonant = long.column("ratio_inf", battery_detuning=0.0)
    detuned = long.column("ratio_inf", battery_detuning=DETUNING)
    stationary = long.column("n_stationary", battery_detuning=0.0)
    formula = (n - 1) / (n + 1)
    lines = ["n_batteries,ratio_resonant,n_stationary_resonant,ratio_detuned,ratio_formula"]
    lines += [
        f"{k},{a!r},{s},{b!r},{f!r}"
        for k, a, s, b, f in zip(
            *(x.tolist() for x in (n, resonant, stationary, detuned, formula)), strict=True
        )
    ]
    write_atomic(args.out / "ratio_vs_n.csv", "\n".join(lines) + "\n")

    tail = n >= FIT_FROM
    fits: dict = {"fit_from_n": FIT_FROM}
    for series, ratio in (("resonant", resonant), ("detuned", detuned)):
        exponent, prefactor = power_law(n[tail], 1 - ratio[tail])
        fits[series] = {"exponent": exponent, "prefactor": prefactor}
    fits["max_abs_detuned_minus_formula"] = float(np.max(np.abs(detuned - formula)))

    circuits = sweeps.sweep(
        circuits_config([1, 2] if args.quick else [1, 2, 3, 4], 4000 if args.quick else 8000),
        args.out / "store-circuits",
        **run,
    )
    rows = ["n_batteries,battery_detuning,method,time,ratio,ratio_error"]
    for row in circuits.rows():
        error = math.nan
        if "ergotropy_final_error" in row and row["energy_final"] > 0:  # first-order propagation
            error = row["ratio_final"] * math.hypot(
                row["ergotropy_final_error"] / max(row["ergotropy_final"], 1e-12),
                row["energy_final_error"] / row["energy_final"],
            )
        rows.append(
            f"{row['n_batteries']},{row['battery_detuning']!r},{row['method']},{STOP!r},"
            f"{row['ratio_final']!r},{error!r}"
        )
    write_atomic(args.out / "circuits_ratio.csv", "\n".join(rows) + "\n")
    write_atomic(args.out / "fits.json", json.dumps(fits, indent=1))
    plot(args.out / "ratio_vs_n.png", n, resonant, detuned, fits, circuits.rows())

    print(f"W/E versus N (F=1, g=0.5, gamma=1; detuned dB={DETUNING}):")
    print(f"  {'N':>5} {'resonant':>10} {'detuned':>10} {'(N-1)/(N+1)':>12}")
    for k, a, b, f in zip(n, resonant, detuned, formula, strict=True):
        print(f"  {k:>5} {a:>10.6f} {b:>10.6f} {f:>12.6f}")
    for series in ("resonant", "detuned"):
        fit = fits[series]
        print(
            f"  1 - W/E ({series}, N >= {FIT_FROM}) ~ {fit['prefactor']:.3f} "
            f"N^{fit['exponent']:.3f}"
        )
    print(f"  circuits at t = {STOP:g} (method: W/E):")
    for row in circuits.rows():
        print(
            f"    N={row['n_batteries']} dB={row['battery_detuning']:g} {row['method']:>10}: "
            f"{row['ratio_final']:.4f}"
        )
    print(f"  stores: {long.reused} + {circuits.reused} points reused; wrote {args.out}/")
    return fits


def plot(path, n, resonant, detuned, fits, circuit_rows) -> None:
    figure = Figure(figsize=(11, 4.2))
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
    grid = np.geomspace(1, n.max(), 200)
    left.plot(n, resonant, "o-", label="resonant (exact)")
    left.plot(n, detuned, "s-", label=f"detuned dB={DETUNING:g} (exact)")
    left.plot(grid, (grid - 1) / (grid + 1), "k--", lw=1, label="(N-1)/(N+1)")
    markers = {"exact": "x", "aer": "^", "tomography": "D"}
    for row in circuit_rows:
        left.plot(
            row["n_batteries"],
            row["ratio_final"],
            markers[row["method"]],
            color="C0" if row["battery_detuning"] == 0 else "C1",
            mfc="none",
            ms=8,
        )
    for method, marker in markers.items():
        left.plot([], [], marker, color="gray", mfc="none", label=f"{method}, t = {STOP:g}")
    left.set(xscale="log", xlabel="N", ylabel="W/E", title="long-time W/E versus N")
    left.legend(fontsize=7)
    right.loglog(n, 1 - resonant, "o-", label="resonant")
    right.loglog(n, 1 - detuned, "s-", label="detuned")
    right.loglog(grid, 2 / (grid + 1), "k--", lw=1, label="2/(N+1)")
    for series, style in (("resonant", "C0:"), ("detuned", "C1:")):
        fit = fits[series]
        right.loglog(
            grid,
            fit["prefactor"] * grid ** fit["exponent"],
            style,
            label=f"fit N>={FIT_FROM}: N^{fit['exponent']:.2f}",
        )
    right.set(xlabel="N", ylabel="1 - W/E", title="the 1/N law")
    right.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
