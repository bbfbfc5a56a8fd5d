"""Shot budget of ergotropy tomography: bias and spread of W/N versus shots per setting, for
Pauli and permutation-invariant tomography, against the exact battery state; and the cost of
W/N within 1e-2 (settings, circuits, total shots, fit time) at larger N.

Counts are drawn from the exact outcome probabilities of the exact battery state (F = 1,
g = 0.5, gamma = 1 at t = 5): the ideal sampler, so this isolates shots + reconstruction.

    python scripts/tomography_study.py --out tomography-out [--quick]
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from qbcircuit import StarModel, exact, plots, thermo
from qbcircuit.reports import Report
from qbcircuit.tomography import (
    estimate_ergotropy,
    outcome_probabilities,
    recommend_shots,
    reconstruct,
    setting_count,
)

MODEL = StarModel(n_batteries=1, drive=1.0, coupling=0.5, dephasing=1.0)
TIME = 5.0
TARGET = 1e-2  # on W/N


def battery_state(n: int) -> np.ndarray:
    trajectory = exact.evolve(MODEL.replace(n_batteries=n), [TIME], basis="dicke", keep_states=True)
    return trajectory.states[0]


def sweep(n, method, fitter, shots, repetitions, rng):
    """W/N estimates over seeded repetitions: (exact W/N, estimates / N, seconds per fit)."""
    state = battery_state(n)
    truth = thermo.ergotropy_symmetric(state) / n
    probabilities = outcome_probabilities(state, method, basis="dicke")
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    estimates, seconds = [], 0.0
    for _ in range(repetitions):
        counts = np.array([rng.multinomial(shots, row) for row in probabilities])
        started = time.perf_counter()
        estimates.append(reconstruct(counts, method, fitter).ergotropy() / n)
        seconds += time.perf_counter() - started
    return truth, np.array(estimates), seconds / repetitions


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("tomography-out"))
    parser.add_argument("--quick", action="store_true", help="small N and few shots (CI run)")
    parser.add_argument("--report", type=Path, help="write the results page into this folder")
    args = parser.parse_args(argv)
    page = Report("tomography", "Tomography: bias, spread and the shot budget", __file__, argv)
    page.describe(__doc__)
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2026)
    n_values = (2, 3) if args.quick else (2, 3, 4, 5, 6)
    shot_grid = (300, 3000) if args.quick else (100, 300, 1000, 3000, 10000)
    repetitions = 8 if args.quick else 20

    rows = []
    for n in n_values:
        for method in ("permutation", "pauli"):
            for shots in shot_grid:
                truth, estimates, seconds = sweep(n, method, "mle", shots, repetitions, rng)
                bias, spread = float(estimates.mean() - truth), float(estimates.std(ddof=1))
                rows.append(
                    {
                        "n_batteries": n,
                        "method": method,
                        "settings": setting_count(n, method),
                        "shots_per_setting": shots,
                        "repetitions": repetitions,
                        "W_over_N_exact": truth,
                        "bias_W_over_N": bias,
                        "sd_W_over_N": spread,
                        "rms_W_over_N": math.hypot(bias, spread),
                        "fit_seconds": seconds,
                    }
                )
                print(
                    f"N={n} {method:12s} shots={shots:6d}: W/N={truth:.4f} bias={bias:+.5f} "
                    f"sd={spread:.5f} fit {seconds * 1e3:.1f} ms",
                    flush=True,
                )
    _write(args.out / "tomography_study.csv", rows)
    _plot(rows, args.out / "tomography_study.png")

    budget = []
    for n in (3, 4) if args.quick else (4, 6, 8, 10):
        for method in ("permutation", "pauli"):
            budget.append(_budget(n, method, rng, quick=args.quick))
            print(budget[-1], flush=True)
    _write(args.out / "tomography_budget.csv", budget)
    print(f"wrote {args.out}/tomography_study.csv, tomography_study.png, tomography_budget.csv")
    page.figure(args.out / "tomography_study.png", "bias and spread of W/N versus shots")
    page.text("The budget: shots per setting for rms(W/N) <= 1e-2, and the fit time.")
    page.csv(args.out / "tomography_budget.csv")
    page.text("Bias and spread of W/N versus shots per setting:")
    page.csv(args.out / "tomography_study.csv")
    page.write(args.report)


def _budget(n, method, rng, quick):
    """Smallest shots per setting with rms(W/N) <= TARGET: measured on a geometric grid and
    interpolated (log-log) between the bracketing points; beside it, recommend_shots from one
    bootstrapped pilot at 1000 shots per setting."""
    settings = setting_count(n, method)
    row = {"n_batteries": n, "method": method, "settings": settings, "circuits": settings}
    if method == "pauli" and n > 8:
        return row | {"note": "skipped: 3^N settings; the 6^N frame tensor needs ~1 GB"}
    fitter = "mle" if settings * 2**n <= 2e5 else "projected"
    repetitions = 4 if quick else (6 if settings > 1000 else 12)
    previous, needed, seconds = None, float("nan"), 0.0
    for shots in (10, 30, 100, 300, 1000, 3000, 10000):
        truth, estimates, seconds = sweep(n, method, fitter, shots, repetitions, rng)
        rms = math.hypot(float(estimates.mean() - truth), float(estimates.std(ddof=1)))
        if rms <= TARGET:
            needed = shots
            if previous is not None and previous[1] > rms:
                low, above = previous
                slope = math.log(shots / low) / math.log(above / rms)
                needed = math.ceil(low * (above / TARGET) ** slope)
            break
        previous = (shots, rms)
    probabilities = outcome_probabilities(battery_state(n), method, basis="dicke")
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    counts = np.array([rng.multinomial(1000, p) for p in probabilities])
    replicates = 10 if settings > 1000 else 30
    estimate = estimate_ergotropy(counts, method, fitter=fitter, replicates=replicates, seed=1)
    return row | {
        "fitter": fitter,
        "repetitions": repetitions,
        "shots_per_setting_needed": needed,
        "total_shots_needed": needed * settings,
        "recommend_shots_from_pilot_1000": recommend_shots(estimate, TARGET * n),
        "fit_seconds": seconds,
    }


def _write(path, rows):
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def _plot(rows, path):
    figure = Figure(figsize=(11, 4))
    left, right = figure.subplots(1, 2)
    for method, marker in (("permutation", "o-"), ("pauli", "s--")):
        for n in sorted({r["n_batteries"] for r in rows}):
            series = [r for r in rows if r["n_batteries"] == n and r["method"] == method]
            shots = [r["shots_per_setting"] for r in series]
            left.loglog(shots, [r["rms_W_over_N"] for r in series], marker, label=f"{method} N={n}")
            right.semilogx(shots, [r["bias_W_over_N"] for r in series], marker)
    left.axhline(TARGET, color="k", lw=0.8, ls=":")
    left.set_ylabel("rms error of W/N")
    right.set_ylabel("bias of W/N")
    for ax in (left, right):
        ax.set_xlabel("shots per setting")
        ax.grid(alpha=0.3, which="both")
    left.legend(fontsize=7, ncol=2)
    figure.suptitle(f"MLE tomography of the battery state at t = {TIME:g} (F=1, g=0.5, gamma=1)")
    FigureCanvasAgg(figure)
    plots.save_png(figure, path)


if __name__ == "__main__":
    main()
