"""What survives of asymptotic freedom when every battery qubit dephases.

The ideal detuned star (F = g = gamma = 1, dB = 0.5) charges to W/E = (N - 1)/(N + 1) at long
times, 1 - O(1/N). With battery dephasing gamma_B on every battery qubit the dynamics is still
unital but the state leaves the symmetric sector: the unique stationary state is maximally
mixed and holds no ergotropy, so only what the battery holds while it charges is left. This
script computes, on the permutation-invariant route (exact, O(N^3)), the charging time tau_90
(E first reaches 90 % of its limit N/2) and W/E there, and the long-time W/E, versus N for
gamma_B / gamma in {0, 1e-3, 1e-2, 1e-1}.

One sweep (qbcircuit.sweeps) in OUT/store-battery-noise, resumed on a rerun. Writes
battery_noise.csv and battery_noise.png.

    python scripts/fig_battery_noise.py --out fig-out [--quick] [--executor serial]
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
from qbcircuit.results import write_atomic

GAMMA = 1.0
RATIOS = [0.0, 1e-3, 1e-2, 1e-1]
N_FULL = [2, 4, 8, 16]  # N = 32 at gamma_B = 1e-3 charges near t = 6000: hours on the sectors
N_QUICK = [2, 4, 8]
T_MAX = 1e5
COLUMNS = ("n_batteries", "battery_dephasing", "tau_90", "ratio_tau_90", "ratio_inf")


def config(n_values: Sequence[int], ratios: Sequence[float]) -> RunConfig:
    text = f"""
[model]
n_batteries = 1
drive = 1.0
coupling = 1.0
dephasing = {GAMMA}
battery_detuning = 0.5

[sweep]
compute = ["long_time", "charging"]
level = 0.9
t_max = {T_MAX}
[sweep.grid]
n_batteries = {list(n_values)}
battery_dephasing = {[GAMMA * r for r in ratios]}
"""
    return RunConfig.from_text(text, "fig_battery_noise")


def main(argv: Sequence[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("fig-battery-noise-out"))
    parser.add_argument("--quick", action="store_true", help="N = 2, 4, 8 (CI)")
    parser.add_argument("--executor", choices=sweeps.EXECUTORS, default="processes")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--report", type=Path, help="write the results page into this folder")
    args = parser.parse_args(argv)
    report = Report(
        "battery_noise", "Battery noise: what survives of asymptotic freedom", __file__, argv
    )
    report.describe(__doc__)
    say = report.line
    n_values = N_QUICK if args.quick else N_FULL
    result = sweeps.sweep(
        config(n_values, RATIOS),
        args.out / "store-battery-noise",
        executor=args.executor,
        progress=not args.no_progress,
    )
    rows = [
        {
            "n_batteries": r["n_batteries"],
            "battery_dephasing": r["battery_dephasing"],
            "tau_90": r["tau_90"],
            "ratio_tau_90": r["ratio_tau"],  # the sweep's level is 0.9: tau is tau_90
            "ratio_inf": r["ratio_inf"],
        }
        for r in result.rows()
    ]
    rows.sort(key=lambda r: (r["battery_dephasing"], r["n_batteries"]))
    lines = [",".join(COLUMNS)] + [",".join(repr(r[c]) for c in COLUMNS) for r in rows]
    write_atomic(args.out / "battery_noise.csv", "\n".join(lines) + "\n")
    plot(args.out / "battery_noise.png", rows)
    say("W/E at tau_90 (E = 90 % of N/2) with battery dephasing (F = g = gamma = 1, dB = 0.5):")
    say(f"  {'N':>3} " + " ".join(f"{'gB=' + format(r, 'g'):>10}" for r in RATIOS))
    for n in n_values:
        at = {r["battery_dephasing"]: r["ratio_tau_90"] for r in rows if r["n_batteries"] == n}
        say(f"  {n:>3} " + " ".join(f"{at[GAMMA * r]:>10.3f}" for r in RATIOS))
    print(f"  {result.reused} points reused, {result.computed} computed; wrote {args.out}/")
    report.figure(args.out / "battery_noise.png", "W/E at the charging time with battery dephasing")
    report.csv(args.out / "battery_noise.csv")
    report.write(args.report)
    return rows


def plot(path: Path, rows: list[dict]) -> None:
    figure = Figure(figsize=(9.6, 4.0))
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
    for k, ratio in enumerate(RATIOS):
        mine = [r for r in rows if r["battery_dephasing"] == GAMMA * ratio]
        n = np.array([r["n_batteries"] for r in mine], dtype=float)
        label = (
            "$\\gamma_B = 0$"
            if ratio == 0
            else f"$\\gamma_B/\\gamma = 10^{{{np.log10(ratio):.0f}}}$"
        )
        left.semilogx(n, [r["ratio_tau_90"] for r in mine], "o-", color=f"C{k}", label=label)
        right.loglog(n, [r["tau_90"] for r in mine], "o-", color=f"C{k}", label=label)
    n = np.array(sorted({r["n_batteries"] for r in rows}), dtype=float)
    left.semilogx(n, (n - 1) / (n + 1), "k:", label="long time, $\\gamma_B = 0$: $(N-1)/(N+1)$")
    left.set(
        xlabel="battery qubits $N$",
        ylabel="$W/E$ at $\\tau_{90}$",
        ylim=(0, 1),
        title="quality of the charge",
    )
    right.set(
        xlabel="battery qubits $N$", ylabel="$\\tau_{90}$ ($1/\\omega_0$)", title="charging time"
    )
    for axes in (left, right):  # the N themselves as ticks, no colliding minor labels
        axes.set_xticks(n, [f"{v:g}" for v in n])
        axes.xaxis.set_minor_formatter("")
    left.legend(fontsize=7)
    right.legend(fontsize=7)
    figure.tight_layout()
    plots.save_png(figure, path)


if __name__ == "__main__":
    main()
