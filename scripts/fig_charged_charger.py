"""Charging from a charged charger: does starting the charger in |1> buy time or quality?

The star (g = gamma = 1, dB = 0.5) charges from all-ground, or from the charger in |1> with
the battery in its ground state, under weak drive (F = 1) and strong drive (F = gN). The
long-time state of the detuned star is the maximally mixed state of the symmetric sector
whatever the start (W/E = (N - 1)/(N + 1)), so the start can only change the way there: the
charging time tau_90 (E first reaches 90 % of N/2) and W/E at tau_90, versus N, exact on the
Dicke sector.

One sweep (qbcircuit.sweeps) in OUT/store-charged-charger, resumed on a rerun. Writes
charged_charger.csv and charged_charger.png.

    python scripts/fig_charged_charger.py --out fig-out [--quick] [--executor serial]
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

N_FULL = [1, 2, 4, 8, 16, 32]
N_QUICK = [1, 2, 4, 8]
DRIVES = ("weak", "strong")
COLUMNS = (
    "n_batteries",
    "drive_regime",
    "drive",
    "charger_initial",
    "tau_90",
    "ratio_tau_90",
    "ratio_inf",
)


def drive_of(regime: str, n: int) -> float:
    return 1.0 if regime == "weak" else float(n)


def config(n_values: Sequence[int]) -> RunConfig:
    points = sweeps.points_toml(
        {"n_batteries": n, "drive": drive_of(regime, n), "charger_initial": c}
        for regime in DRIVES
        for n in n_values
        for c in (0, 1)
        if regime == "weak" or n > 1  # F = gN is F = 1 at N = 1: one model, listed as weak
    )
    text = f"""
[model]
n_batteries = 1
drive = 1.0
coupling = 1.0
dephasing = 1.0
battery_detuning = 0.5

[sweep]
compute = ["long_time", "charging"]
level = 0.9
t_max = 1e5
{points}"""
    return RunConfig.from_text(text, "fig_charged_charger")


def main(argv: Sequence[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("fig-charged-charger-out"))
    parser.add_argument("--quick", action="store_true", help="N <= 8 (CI)")
    parser.add_argument("--executor", choices=sweeps.EXECUTORS, default="processes")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--report", type=Path, help="write the results page into this folder")
    args = parser.parse_args(argv)
    report = Report("charged_charger", "A charged charger", __file__, argv)
    report.describe(__doc__)
    say = report.line
    n_values = N_QUICK if args.quick else N_FULL
    result = sweeps.sweep(
        config(n_values),
        args.out / "store-charged-charger",
        executor=args.executor,
        progress=not args.no_progress,
    )
    rows = []
    for r in result.rows():
        regime = "weak" if r["drive"] == drive_of("weak", r["n_batteries"]) else "strong"
        rows.append(
            {
                "n_batteries": r["n_batteries"],
                "drive_regime": regime,
                "drive": r["drive"],
                "charger_initial": r["charger_initial"],
                "tau_90": r["tau_90"],
                "ratio_tau_90": r["ratio_tau"],
                "ratio_inf": r["ratio_inf"],
            }
        )
    lines = [",".join(COLUMNS)] + [",".join(repr(r[c]) for c in COLUMNS) for r in rows]
    write_atomic(args.out / "charged_charger.csv", "\n".join(lines) + "\n")
    plot(args.out / "charged_charger.png", rows)
    say("tau_90 and W/E at tau_90 from |0> and |1> on the charger (g = gamma = 1, dB = 0.5):")
    say(f"  {'drive':>6} {'N':>3} {'tau |0>':>9} {'tau |1>':>9} {'W/E |0>':>8} {'W/E |1>':>8}")
    for regime in DRIVES:
        for n in n_values if regime == "weak" else n_values[1:]:
            pair = {
                r["charger_initial"]: r
                for r in rows
                if r["drive_regime"] == regime and r["n_batteries"] == n
            }
            say(
                f"  {regime:>6} {n:>3} {pair[0]['tau_90']:>9.3f} {pair[1]['tau_90']:>9.3f} "
                f"{pair[0]['ratio_tau_90']:>8.3f} {pair[1]['ratio_tau_90']:>8.3f}"
            )
    print(f"  {result.reused} points reused, {result.computed} computed; wrote {args.out}/")
    report.figure(args.out / "charged_charger.png", "charging time and W/E from a charged charger")
    report.csv(args.out / "charged_charger.csv")
    report.write(args.report)
    return rows


def plot(path: Path, rows: list[dict]) -> None:
    figure = Figure(figsize=(9.6, 4.0))
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
    for k, regime in enumerate(DRIVES):
        for c, style in ((0, "o-"), (1, "s--")):
            mine = [r for r in rows if r["drive_regime"] == regime and r["charger_initial"] == c]
            n = np.array([r["n_batteries"] for r in mine], dtype=float)
            label = f"{'F = 1' if regime == 'weak' else 'F = gN'}, charger |{c}>"
            right.loglog(n, [r["tau_90"] for r in mine], style, color=f"C{k}", label=label)
            left.semilogx(n, [r["ratio_tau_90"] for r in mine], style, color=f"C{k}", label=label)
    n = np.array(sorted({r["n_batteries"] for r in rows}), dtype=float)
    left.semilogx(n, (n - 1) / (n + 1), "k:", label="long time: $(N-1)/(N+1)$")
    left.set(
        xlabel="battery qubits $N$",
        ylabel="$W/E$ at $\\tau_{90}$",
        ylim=(0, 1),
        title="quality of the charge",
    )
    right.set(
        xlabel="battery qubits $N$", ylabel="$\\tau_{90}$ ($1/\\omega_0$)", title="charging time"
    )
    for axes in (left, right):
        axes.set_xticks(n, [f"{v:g}" for v in n])
        axes.xaxis.set_minor_formatter("")
        axes.legend(fontsize=7)
    figure.tight_layout()
    plots.save_png(figure, path)


if __name__ == "__main__":
    main()
