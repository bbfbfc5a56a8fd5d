"""The main job as a library function: exact trajectory, Trotter circuits on Aer against exact,
tomography of those circuits, and the long-time W/E versus N with what is reached.

``qbcircuit run`` is parse -> :func:`run_main_job` -> print; the function writes its outputs to
``out`` (each stamped with a hash of its inputs and reused on a rerun when they match) and
returns its tables. ``echo`` receives the lines of the report as they become known.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from qbcircuit import emulation, exact, plots
from qbcircuit._version import __version__
from qbcircuit.config import RunConfig
from qbcircuit.mainjob.cache import cached
from qbcircuit.mainjob.preflight import preflight
from qbcircuit.model import StarModel
from qbcircuit.pipeline import emulate_tomography
from qbcircuit.results import RatioStudy, Trajectory, remove_temporaries, write_atomic
from qbcircuit.studies import long_time_versus_n
from qbcircuit.sweeps.store import table_csv

__all__ = ["MainJobResult", "preflight", "run_main_job"]

Echo = Callable[[str], None]


@dataclass(frozen=True)
class MainJobResult:
    """What the main job computed (or reused) and wrote.

    ``aer_rows``: one row per N of [aer] (max |dE|, |dW| against exact); ``tomography_rows``:
    one row per tomography time (E, W with errors and interval beside exact); ``reused``: the
    outputs taken from an earlier run.
    """

    trajectory: Trajectory
    emulated: Trajectory | None
    tomography: Trajectory | None
    study: RatioStudy
    aer_rows: tuple[dict[str, Any], ...]
    tomography_rows: tuple[dict[str, float], ...]
    outputs: tuple[str, ...]
    reused: tuple[str, ...]
    seconds: float


def run_main_job(
    config: RunConfig,
    out: str | Path,
    *,
    progress: bool = False,
    echo: Echo | None = None,
) -> MainJobResult:
    """Run the main job of ``config`` into the folder ``out`` (see the module docstring)."""
    say: Echo = echo if echo is not None else (lambda line: None)
    folder = Path(out)
    model = config.model
    started = time.perf_counter()
    preflight(config, folder)
    remove_temporaries(folder)  # what a killed run was writing when it died
    reused: list[str] = []
    files: list[str] = []
    trajectory, again = cached(
        folder,
        "trajectory",
        config.digest("trajectory"),
        lambda: exact.evolve(model, config.times.times(), progress=progress),
        Trajectory.load,
        files,
    )
    reused += ["trajectory"] if again else []
    say(
        f"  exact trajectory: {trajectory.times.size} times to t={config.times.stop:g} "
        f"({trajectory.options['basis']}, {'reused' if again else 'computed'}); "
        f"final E={trajectory.energy[-1]:.6g} W={trajectory.ergotropy[-1]:.6g} "
        f"W/E={trajectory.ratio[-1]:.6g}"
    )
    emulated, aer_rows = _compare_aer(config, trajectory, folder, progress, say, reused, files)
    measured, tomography_rows = _tomography(
        config, trajectory, folder, progress, say, reused, files
    )
    overlay = [t for t in (trajectory, emulated, measured) if t is not None]
    plots.plot_trajectories(overlay, folder / "trajectory.png")
    files.append("trajectory.png")

    study, again = cached(
        folder,
        "ratio_vs_n",
        config.digest("study"),
        lambda: long_time_versus_n(
            model,
            config.study.n_values,
            battery_detuning=config.study.battery_detuning,
            drive_ratio=config.study.drive_ratio,
            tolerance=config.study.tolerance,
            horizon=config.study.horizon,
            progress=progress,
        ),
        RatioStudy.load,
        files,
    )
    reused += ["ratio_vs_n"] if again else []
    plots.plot_ratio_study(study, folder / "ratio_vs_n.png")
    files.append("ratio_vs_n.png")
    for line in _study_lines(study, again):
        say(line)
    outputs = tuple(sorted(set(files)))  # this run's only, whatever else the folder holds
    seconds = time.perf_counter() - started
    summary = {
        "config": config.source,
        "version": __version__,
        "seconds": round(seconds, 3),
        "outputs": list(outputs),
    }
    write_atomic(folder / "summary.json", json.dumps(summary, indent=1))
    say(f"  wrote {folder}/: {', '.join(outputs)}")
    return MainJobResult(
        trajectory=trajectory,
        emulated=emulated,
        tomography=measured,
        study=study,
        aer_rows=tuple(aer_rows),
        tomography_rows=tuple(tomography_rows),
        outputs=outputs,
        reused=tuple(reused),
        seconds=seconds,
    )


def _compare_aer(
    config: RunConfig,
    exact_trajectory: Trajectory,
    out: Path,
    progress: bool,
    say: Echo,
    reused: list[str],
    files: list[str],
) -> tuple[Trajectory | None, list[dict[str, Any]]]:
    """Trotter circuits on Aer against exact for each N of [aer] (aer_vs_exact.csv); returns
    the emulation of the model's own N when it is among them, and the table."""
    aer = config.aer
    times = config.times.times()
    say(
        f"  Aer density-matrix emulation (dt={aer.dt:g}, order {aer.order}, {aer.ordering}, "
        f"{aer.insertion} insertion) vs exact:"
    )
    say(f"  {'N':>6} {'max|dE|':>10} {'max|dW|':>10} {'':>8}")
    own, rows = None, []
    ns = tqdm(config.aer_n_values, desc="aer vs exact", unit="N", disable=not progress, leave=False)
    for n in ns:
        model = config.model.replace(n_batteries=n)

        def run_aer(model: StarModel = model) -> Trajectory:
            return emulation.emulate(model, times, dt=aer.dt, **aer.circuit_options())

        emulated, again = cached(
            out, f"aer_N{n}", config.digest("aer", n), run_aer, Trajectory.load, files
        )
        reused += [f"aer_N{n}"] if again else []
        own_n = n == config.model.n_batteries
        reference = exact_trajectory if own_n else exact.evolve(model, times)
        own = emulated if own_n else own
        d_e = float(np.max(np.abs(emulated.energy - reference.energy)))
        d_w = float(np.max(np.abs(emulated.ergotropy - reference.ergotropy)))
        rows.append(
            {
                "n_batteries": n,
                "max_abs_dE": d_e,
                "max_abs_dW": d_w,
                "max_abs_dW_over_N": d_w / n,
                "dt": aer.dt,
                "order": aer.order,
                "ordering": aer.ordering,
                "insertion": aer.insertion,
            }
        )
        say(f"  {n:>6} {d_e:>10.2e} {d_w:>10.2e} {'reused' if again else 'computed':>8}")
    write_atomic(out / "aer_vs_exact.csv", table_csv(rows))
    files.append("aer_vs_exact.csv")
    return own, rows


def _tomography(
    config: RunConfig,
    exact_trajectory: Trajectory,
    out: Path,
    progress: bool,
    say: Echo,
    reused: list[str],
    files: list[str],
) -> tuple[Trajectory | None, list[dict[str, float]]]:
    """Tomography of the model's circuits at [tomography] points: E, W with error bars and
    intervals against exact (tomography_vs_exact.csv)."""
    tomo, aer, model = config.tomography, config.aer, config.model
    if tomo.points == 0:
        return None, []
    times = tomo.times(exact_trajectory.times)
    say(
        f"  tomography ({tomo.method}, {tomo.fitter}, {tomo.shots} shots per setting, "
        f"{tomo.confidence:.0%} intervals) of the Aer circuits vs exact, N={model.n_batteries}:"
    )
    measured, again = cached(
        out,
        "tomography",
        config.digest("tomography"),
        lambda: emulate_tomography(
            model,
            times,
            dt=aer.dt,
            progress=progress,
            **tomo.emulation_options(),
            **aer.circuit_options(),
        ),
        Trajectory.load,
        files,
    )
    reused += ["tomography"] if again else []
    index = np.searchsorted(exact_trajectory.times, times)
    intervals = measured.options["ergotropy_interval"]
    energy_error, ergotropy_error = measured.energy_error, measured.ergotropy_error
    assert energy_error is not None and ergotropy_error is not None
    rows = [
        {
            "time": float(t),
            "E_exact": float(exact_trajectory.energy[index[i]]),
            "E": float(measured.energy[i]),
            "E_error": float(energy_error[i]),
            "W_exact": float(exact_trajectory.ergotropy[index[i]]),
            "W": float(measured.ergotropy[i]),
            "W_error": float(ergotropy_error[i]),
            "W_low": float(intervals[i][0]),
            "W_high": float(intervals[i][1]),
            "W_bias": float(measured.options["ergotropy_bias"][i]),
        }
        for i, t in enumerate(times)
    ]
    say(f"  {'t':>6} {'E exact':>8} {'E':>15} {'W exact':>8} {'W':>15} {'interval':>17}")
    for r in rows:
        say(
            f"  {r['time']:>6.3g} {r['E_exact']:>8.4f} {r['E']:>7.4f}+-{r['E_error']:.4f} "
            f"{r['W_exact']:>8.4f} {r['W']:>7.4f}+-{r['W_error']:.4f}  "
            f"[{r['W_low']:.4f}, {r['W_high']:.4f}]"
        )
    covered = sum(r["W_low"] <= r["W_exact"] <= r["W_high"] for r in rows)
    say(
        f"  exact W inside the interval at {covered} of {len(times)} times "
        f"({'reused' if again else 'computed'})"
    )
    write_atomic(out / "tomography_vs_exact.csv", table_csv(rows))
    files.append("tomography_vs_exact.csv")
    return measured, rows


def _study_lines(study: RatioStudy, reused: bool) -> list[str]:
    """The W/E-versus-N table: each series' limit, reached or not by the horizon."""
    horizon, tolerance = study.resonant[0].horizon, study.resonant[0].tolerance
    lines = [
        f"  long-time W/E vs N ({'reused' if reused else 'computed'}; the limit, and whether "
        f"E is within {tolerance:.0%} of it by t = {horizon:g}, else W/E at that time):"
    ]
    names = {
        "resonant": f"resonant F={study.base.drive:g}",
        "scaled": f"resonant F={study.drive_ratio:g}gN",
        "detuned": f"detuned dB={study.detuning:g}",
    }
    series = study.series()
    lines.append(f"  {'N':>6} " + " ".join(f"{names[s]:>30}" for s in series) + "  (N-1)/(N+1)")
    for index, n in enumerate(study.n_values.tolist()):
        cells = []
        for entries in series.values():
            entry = entries[index]
            if entry.status == "reached":
                cells.append(f"{entry.ratio:.6f} reached t={entry.reach_time:.3g}")
            elif entry.status == "not reached":
                cells.append(f"{entry.ratio:.6f} NOT, now {entry.ratio_at_horizon:.4f}")
            else:
                cells.append(f"{entry.ratio:.6f} reach time n/a")
        cell_text = " ".join(f"{cell:>30}" for cell in cells)
        lines.append(f"  {n:>6} {cell_text}  {(n - 1) / (n + 1):.6f}")
    return lines
