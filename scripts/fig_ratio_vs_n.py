"""Asymptotic freedom: the long-time W/E of the battery versus N (exact, N = 1..1000) in three
series, each with the time it takes to get there: at resonance with F = 1 (a limit that a dark
state keeps from being reached past N ~ 4F/g: W/E at the horizon is drawn beside it), at
resonance with F = 2gN (reached in t < 20 at every N) and with the battery detuned (the unique
limit (N-1)/(N+1); reach times from the dense spectrum up to N = 16); 1 - W/E on log axes with
fitted exponents (the 1/N law); and W/E at t = 30 from the Trotter circuits on Aer and from
their tomography at small N, beside the exact value at the same time.

Two sweeps (qbcircuit.sweeps), stored under OUT/ and resumed on a rerun:
OUT/store-exact (long_time over N x series) and OUT/store-circuits (trajectory over N x dB x
method). Writes ratio_vs_n.csv (reach time, reached flag and W/E at the horizon per series),
circuits_ratio.csv, fits.json, ratio_vs_n.png.

    python scripts/fig_ratio_vs_n.py --out fig-out [--quick] [--executor serial]
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qbcircuit import plots, sweeps
from qbcircuit.config import RunConfig
from qbcircuit.model import StarModel
from qbcircuit.reports import Report
from qbcircuit.results import LongTime, RatioStudy, write_atomic

DRIVE, COUPLING, DEPHASING = 1.0, 0.5, 1.0
MODEL = f"""
[model]
n_batteries = 1
drive = {DRIVE}
coupling = {COUPLING}
dephasing = {DEPHASING}
"""
DETUNING = 0.5
DRIVE_RATIO = 2.0  # the scaled series: F = DRIVE_RATIO g N
HORIZON = 1e3
STOP = 30.0
N_FULL = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 50, 70, 100, 150, 200, 300, 500, 700, 1000]
N_QUICK = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 50, 70, 100]
FIT_FROM = 16  # 1 - W/E ~ N^a fitted over N >= FIT_FROM
SERIES = ("resonant", "scaled", "detuned")


def series_point(series: str, n: int) -> dict[str, float]:
    """The drive and battery detuning of one series at N."""
    if series == "scaled":
        return {"drive": DRIVE_RATIO * COUPLING * n, "battery_detuning": 0.0}
    return {"drive": DRIVE, "battery_detuning": DETUNING if series == "detuned" else 0.0}


def exact_config(n_values: Sequence[int]) -> RunConfig:
    points = sweeps.points_toml(
        {"n_batteries": n, **series_point(series, n)} for n in n_values for series in SERIES
    )
    text = f"""{MODEL}
[sweep]
compute = ["long_time"]
horizon = {HORIZON}
{points}"""
    return RunConfig.from_text(text, "fig_ratio_vs_n (exact)")


def study_from_rows(rows: Sequence[dict]) -> RatioStudy:
    """The RatioStudy of the exact sweep's rows (points in N-major, SERIES order)."""
    names = [field for field in StarModel.__dataclass_fields__]
    entries: dict[str, list[LongTime]] = {series: [] for series in SERIES}
    for index, row in enumerate(rows):
        entries[SERIES[index % len(SERIES)]].append(
            LongTime(
                model=StarModel(**{name: row[name] for name in names}),
                energy=row["energy_inf"],
                ergotropy=row["ergotropy_inf"],
                charger_excitation=0.5,
                n_stationary=row["n_stationary"],
                reach_time=row["reach_time"],
                tolerance=row["tolerance"],
                horizon=row["horizon"],
                energy_at_horizon=row["energy_horizon"],
                ergotropy_at_horizon=row["ergotropy_horizon"],
            )
        )
    return RatioStudy(
        base=entries["resonant"][0].model,
        detuning=DETUNING,
        resonant=tuple(entries["resonant"]),
        detuned=tuple(entries["detuned"]),
        scaled=tuple(entries["scaled"]),
        drive_ratio=DRIVE_RATIO,
    )


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
    parser.add_argument("--report", type=Path, help="write the results page into this folder")
    args = parser.parse_args(argv)
    run = dict(executor=args.executor, progress=not args.no_progress)

    long = sweeps.sweep(
        exact_config(N_QUICK if args.quick else N_FULL), args.out / "store-exact", **run
    )
    study = study_from_rows(long.rows())
    write_atomic(args.out / "ratio_vs_n.csv", study.to_csv())
    n = study.n_values
    tail = n >= FIT_FROM
    fits: dict = {"fit_from_n": FIT_FROM, "horizon": HORIZON}
    for series, entries in study.series().items():
        ratio = np.array([entry.ratio for entry in entries])
        reached = np.array([entry.status == "reached" for entry in entries])
        exponent, prefactor = power_law(n[tail], 1 - ratio[tail])
        fits[series] = {
            "exponent": exponent,
            "prefactor": prefactor,
            "reached_points_in_fit": int(np.sum(reached[tail])),
            "fit_points": int(np.sum(tail)),
            "n_times_one_minus_ratio_at_largest_n": float(n[-1] * (1 - ratio[-1])),
            "max_reach_time_reached": max(
                (e.reach_time for e in entries if e.status == "reached"), default=math.nan
            ),
        }
    formula = (n - 1) / (n + 1)
    detuned = np.array([entry.ratio for entry in study.detuned])
    fits["max_abs_detuned_minus_formula"] = float(np.max(np.abs(detuned - formula)))

    circuits = sweeps.sweep(
        circuits_config([1, 2] if args.quick else [1, 2, 3, 4], 4000 if args.quick else 8000),
        args.out / "store-circuits",
        **run,
    )
    rows = ["n_batteries,battery_detuning,method,time,ratio,ratio_error"]
    for row in circuits.rows():
        rows.append(
            f"{row['n_batteries']},{row['battery_detuning']!r},{row['method']},{STOP!r},"
            f"{row['ratio_final']!r},{ratio_error(row)!r}"
        )
    write_atomic(args.out / "circuits_ratio.csv", "\n".join(rows) + "\n")
    write_atomic(args.out / "fits.json", json.dumps(fits, indent=1))
    plot(args.out / "ratio_vs_n.png", study, fits, circuits.rows())

    print(
        f"W/E versus N (g={COUPLING:g}, gamma={DEPHASING:g}): limit [reached by t={HORIZON:g}? "
        "else W/E then]"
    )
    print(f"  {'N':>5} {'F=1, dB=0':>24} {'F=2gN, dB=0':>24} {'F=1, dB=0.5':>24}")
    for index, k in enumerate(n.tolist()):
        cells = []
        for entries in study.series().values():
            entry = entries[index]
            note = {"reached": "yes", "unknown": "?"}.get(
                entry.status, f"no: {entry.ratio_at_horizon:.4f}"
            )
            cells.append(f"{entry.ratio:.6f} [{note}]")
        print(f"  {k:>5} " + " ".join(f"{cell:>24}" for cell in cells))
    for series in SERIES:
        fit = fits[series]
        print(
            f"  1 - W/E ({series}, N >= {FIT_FROM}) ~ {fit['prefactor']:.3f} "
            f"N^{fit['exponent']:.3f} ({fit['reached_points_in_fit']} of {fit['fit_points']} "
            "points reached)"
        )
    print(f"  circuits at t = {STOP:g} (method: W/E):")
    for row in circuits.rows():
        print(
            f"    N={row['n_batteries']} dB={row['battery_detuning']:g} {row['method']:>10}: "
            f"{row['ratio_final']:.4f}"
        )
    print(f"  stores: {long.reused} + {circuits.reused} points reused; wrote {args.out}/")
    write_report(args, argv, study, fits, circuits.rows())
    return fits


def write_report(
    args: argparse.Namespace, argv: Sequence[str] | None, study: RatioStudy, fits: dict, rows: list
) -> None:
    report = Report("ratio_vs_n", "Asymptotic freedom: W/E versus N", __file__, argv)
    report.text(
        f"Long-time W/E of the battery versus N in three series (g = {COUPLING:g}, "
        f"gamma = {DEPHASING:g}): resonant with a fixed drive F = 1, resonant with F = 2gN, "
        f"and a detuned battery (dB = 0.5, F = 1). Each limit comes with its reach time (E "
        f"within 1 % of its limit from then on); a limit not reached by t = {HORIZON:g} is "
        "shown with the value the battery holds then."
    )
    report.figure(args.out / "ratio_vs_n.png", "W/E versus N")

    def cell(entry: LongTime) -> str:
        if entry.status == "reached":
            return f"{entry.ratio:.4f} (reached, t = {entry.reach_time:.3g})"
        if entry.status == "unknown":
            return f"{entry.ratio:.4f} (reach time not computed)"
        return f"{entry.ratio:.4f} (not reached; {entry.ratio_at_horizon:.4f} at t = {HORIZON:g})"

    series = study.series()
    report.table(
        ["N", "F = 1, dB = 0", "F = 2gN, dB = 0", "F = 1, dB = 0.5"],
        [
            [int(k), *(cell(entries[i]) for entries in series.values())]
            for i, k in enumerate(study.n_values.tolist())
        ],
    )
    report.table(
        ["series", "fit of 1 - W/E over N >= 16", "N (1 - W/E) at the largest N", "reached"],
        [
            [
                name,
                f"{fits[name]['prefactor']:.3f} N^{fits[name]['exponent']:.3f}",
                f"{fits[name]['n_times_one_minus_ratio_at_largest_n']:.3f}",
                f"{fits[name]['reached_points_in_fit']} of {fits[name]['fit_points']}",
            ]
            for name in SERIES
        ],
    )
    report.text(f"W/E at t = {STOP:g} from the circuits, beside exact:")
    report.table(
        ["N", "dB", "method", "W/E", "standard error"],
        [
            [r["n_batteries"], r["battery_detuning"], r["method"], r["ratio_final"], ratio_error(r)]
            for r in rows
        ],
    )
    report.write(args.report)


def ratio_error(row: dict) -> float:
    """The bootstrap standard error of W/E (tomography), else nan."""
    return row.get("ratio_final_error", math.nan)


def plot(path: Path, study: RatioStudy, fits: dict, circuit_rows: list[dict]) -> None:
    figure = plots.ratio_study_figure(study)
    left, right = figure.axes
    markers = {"exact": "+", "aer": "^", "tomography": "D"}
    for row in circuit_rows:
        left.errorbar(
            row["n_batteries"],
            row["ratio_final"],
            yerr=ratio_error(row) if row["method"] == "tomography" else None,
            fmt=markers[row["method"]],
            color="C0" if row["battery_detuning"] == 0 else "C1",
            mfc="none",
            ms=7,
        )
    for method, marker in markers.items():
        left.plot([], [], marker, color="gray", mfc="none", label=f"{method}, $t = {STOP:g}$")
    left.legend(fontsize=6)
    grid = np.geomspace(FIT_FROM, study.n_values.max(), 50)
    for series, style in (("scaled", "C2--"),):  # the reached series
        fit = fits[series]
        right.loglog(
            grid,
            fit["prefactor"] * grid ** fit["exponent"],
            style,
            lw=1,
            label=rf"fit $N \geq {FIT_FROM}$: $N^{{{fit['exponent']:.2f}}}$ ({series} limit)",
        )
    right.legend(fontsize=7)
    plots.save_png(figure, path)


if __name__ == "__main__":
    main()
