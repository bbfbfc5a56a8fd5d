"""RWA validity: the lab-frame model with a linear drive and xx coupling (counter-rotating
terms kept) against the rotating-frame model, versus omega0/F and omega0/g; and the long-time
W/E of the lab-frame model, whose non-RWA terms break the resonant symmetry (docs/physics.md, 6),
against the RWA value and (N-1)/(N+1).

    python scripts/rwa_study.py --out rwa-out [--quick]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from qbcircuit import StarModel, exact, plots, pulse
from qbcircuit.reports import Report

SETS = {  # F/g = 2 and F/g = 0.5, resonant
    "F=0.2 g=0.1": dict(drive=0.2, coupling=0.1, dephasing=0.2),
    "F=0.1 g=0.2": dict(drive=0.1, coupling=0.2, dephasing=0.2),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("rwa-out"))
    parser.add_argument("--quick", action="store_true", help="fewer frequencies (CI run)")
    parser.add_argument("--report", type=Path, help="write the results page into this folder")
    args = parser.parse_args(argv)
    page = Report("rwa", "The rotating-wave approximation against the lab frame", __file__, argv)
    page.describe(__doc__)
    args.out.mkdir(parents=True, exist_ok=True)
    frequencies = (2.0, 8.0) if args.quick else (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
    n = 2
    times = np.linspace(0, 20, 41)
    rows = []
    for name, params in SETS.items():
        model = StarModel(n_batteries=n, **params)
        reference = exact.evolve(model, times)
        for omega0 in frequencies:
            for drive_shape, coupling_form in (("linear", "flipflop"), ("linear", "xx")):
                lab = pulse.evolve(
                    model,
                    times,
                    frame="rotating",  # the same lab-frame physics, solved without the fast phase
                    drive_shape=drive_shape,
                    coupling_form=coupling_form,
                    omega0=omega0,
                )
                rows.append(
                    {
                        "set": name,
                        "n_batteries": n,
                        "omega0": omega0,
                        "omega0_over_F": omega0 / model.drive,
                        "omega0_over_g": omega0 / model.coupling,
                        "drive_shape": drive_shape,
                        "coupling_form": coupling_form,
                        "max_abs_dE": float(np.max(np.abs(lab.energy - reference.energy))),
                        "max_abs_dW": float(np.max(np.abs(lab.ergotropy - reference.ergotropy))),
                    }
                )
                print(rows[-1], flush=True)
    _write(args.out / "rwa_study.csv", rows)

    # long time: the RWA model keeps N+1 stationary states; the non-RWA lab model relaxes to
    # the unique maximally mixed state (W/E = (N-1)/(N+1)) on a slow time scale
    model = StarModel(n_batteries=n, drive=0.5, coupling=0.5, dephasing=1.0)
    late = np.linspace(0, 100 if args.quick else 400, 9 if args.quick else 21)
    rwa_limit = exact.long_time(model)
    long_rows = []
    for omega0 in (1.0, 2.0) if args.quick else (1.0, 2.0, 4.0):
        lab = pulse.evolve(
            model, late, frame="rotating", coupling_form="xx", omega0=omega0, basis="dicke"
        )
        for t, ratio in zip(late, lab.ratio, strict=True):
            long_rows.append(
                {
                    "omega0": omega0,
                    "time": float(t),
                    "ratio_lab": float(ratio),
                    "ratio_rwa_long_time": rwa_limit.ratio,
                    "ratio_unique": (n - 1) / (n + 1),
                }
            )
        page.line(
            f"omega0={omega0:g}: lab W/E at t={late[-1]:g}: {lab.ratio[-1]:.4f} "
            f"(RWA long time {rwa_limit.ratio:.4f}, (N-1)/(N+1) = {(n - 1) / (n + 1):.4f})"
        )
    _write(args.out / "rwa_long_time.csv", long_rows)
    _plot(rows, long_rows, args.out / "rwa_study.png")
    print(f"wrote {args.out}/rwa_study.csv, rwa_long_time.csv, rwa_study.png")
    page.figure(args.out / "rwa_study.png", "deviation of the lab model from the RWA")
    page.csv(args.out / "rwa_study.csv")
    page.write(args.report)


def _write(path, rows):
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _plot(rows, long_rows, path):
    figure = Figure(figsize=(11, 4))
    left, right = figure.subplots(1, 2)
    for name in SETS:
        for form, style in (("flipflop", "o-"), ("xx", "s--")):
            series = [r for r in rows if r["set"] == name and r["coupling_form"] == form]
            left.loglog(
                [r["omega0_over_F"] for r in series],
                [r["max_abs_dE"] for r in series],
                style,
                label=f"{name}, linear drive, {form}",
            )
    left.set_xlabel("omega0 / F")
    left.set_ylabel("max |E_lab - E_RWA|, t <= 20")
    left.legend(fontsize=7)
    for omega0 in sorted({r["omega0"] for r in long_rows}):
        series = [r for r in long_rows if r["omega0"] == omega0]
        right.plot(
            [r["time"] for r in series],
            [r["ratio_lab"] for r in series],
            "o-",
            label=f"lab, xx, omega0 = {omega0:g}",
        )
    right.axhline(long_rows[0]["ratio_rwa_long_time"], color="C3", ls="--", label="RWA long time")
    right.axhline(long_rows[0]["ratio_unique"], color="k", ls=":", label="(N-1)/(N+1)")
    right.set_xlabel("time")
    right.set_ylabel("W / E (N = 2)")
    right.legend(fontsize=7)
    for ax in (left, right):
        ax.grid(alpha=0.3, which="both")
    FigureCanvasAgg(figure)
    plots.save_png(figure, path)


if __name__ == "__main__":
    main()
