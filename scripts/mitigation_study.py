"""What error mitigation buys on a device noise model: E, W and W/E against exact.

The experiment of circuits/hardware_n2.toml (gaussian dephasing, here 32 instances, permutation
tomography, 4000 shots per setting and time) runs on Aer with the noise model of a fake device
(default aer:torino, seeded: gate errors, readout errors, and thermal relaxation of idle qubits
in the scheduled circuits), with readout calibrations. One job also folds every circuit to noise
scales 3 and 5, and its counts are combined four ways: raw (scale 1 only), readout-mitigated
(mthree), and readout-mitigated with zero-noise extrapolation, linear and Richardson. Four more
jobs, readout-mitigated: Richardson over the finer scales 1, 1.5, 2 (a tail of each circuit
folded); every circuit as 4 Pauli-twirled copies; XY4 dynamical decoupling in the idle
periods; and everything at once (twirling, XY4, Richardson over scales 1, 3, 5).
N = 2 runs to its charging time (E first reaches 1 - 1/e of its limit), N = 4 to t = 2. Each
row prints the estimate with its bootstrap error, exact, the deviation in standard errors, and
the cost of the technique in circuits and shots.

    python scripts/mitigation_study.py --out mitigation-out [--quick] [--backend aer:torino]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import time
from pathlib import Path

import numpy as np

import qbcircuit
from qbcircuit import exact, jobs
from qbcircuit.config import RunConfig
from qbcircuit.jobfile import read_job
from qbcircuit.pipeline import combine
from qbcircuit.reports import Report
from qbcircuit.results import write_atomic
from qbcircuit.tomography.estimate import FitOptions

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = 32  # the instance average of the random dephasing is exact only as it grows
SCALED = {  # name: (noise scales used, extrapolation, readout mitigation)
    "raw": ((1,), "linear", False),
    "readout": ((1,), "linear", True),
    "readout+zne-linear": ((1, 3, 5), "linear", True),
    "readout+zne-richardson": ((1, 3, 5), "richardson", True),
}
JOBS = {  # job: ([hardware] lines, the techniques its counts are combined into)
    "": ("zne_scales = [1, 3, 5]", SCALED),
    "fine": (
        'zne_scales = [1, 1.5, 2]\nzne_fit = "richardson"',
        {"readout+zne-richardson-fine": ((1, 1.5, 2), "richardson", True)},
    ),
    "twirls4": ("twirls = 4", {"readout+twirling": ((1,), "linear", True)}),
    "xy4": ('decoupling = "XY4"', {"readout+dd": ((1,), "linear", True)}),
    "full": (
        'twirls = 4\ndecoupling = "XY4"\nzne_scales = [1, 3, 5]\nzne_fit = "richardson"',
        {"readout+twirling+dd+zne-richardson": ((1, 3, 5), "richardson", True)},
    ),
}


def config_text(n: int, stop: float, points: int, backend: str, job: str = "") -> str:
    text = (ROOT / "circuits" / "hardware_n2.toml").read_text()
    text = text.replace("n_batteries = 2", f"n_batteries = {n}")
    text = text.replace('backend = "fake:torino"', f'backend = "{backend}"')
    text = text.replace("stop = 2.0\npoints = 5", f"stop = {stop}\npoints = {points}")
    text = text.replace("instances = 8", f"instances = {INSTANCES}")
    text = text.replace("max_depth = 2000", "max_depth = 20000")  # folded N = 4 circuits
    return text + JOBS[job][0] + '\nordering = "palindromic"\n'


def charging_stop(config: RunConfig, dt: float) -> float:
    tau = exact.charging_time(config.model)
    return max(dt, dt * round(tau / dt))


def run(
    n: int, stop: float | None, points: int, backend: str, out: Path, jobs: tuple = tuple(JOBS)
) -> list[dict]:
    """The rows of N = ``n`` to ``stop`` (None: its charging time) from the ``jobs`` named."""
    probe = RunConfig.from_text(config_text(n, 2.0, points, backend), f"mitigation-n{n}")
    dt = probe.hardware_dt()
    stop = charging_stop(probe, dt) if stop is None else stop
    stop = dt * max(points - 1, round(stop / dt / (points - 1)) * (points - 1))
    rows: list[dict] = []
    started = time.perf_counter()
    for job in jobs:
        techniques = JOBS[job][1]
        config, document, counts = submitted(n, stop, points, backend, job, out)
        rows += combined(config, document, counts, techniques)
        print(f"  N = {n} {job or 'scaled'}: {time.perf_counter() - started:.0f} s on {backend}")
    return rows


def submitted(
    n: int, stop: float, points: int, backend: str, job: str, out: Path
) -> tuple[RunConfig, dict, list]:
    """The job of one config (submitted, or resumed from ``out``) and its stored counts."""
    name = f"n{n}" + (f"-{job}" if job else "")
    path = out / f"{name}.toml"
    write_atomic(path, config_text(n, stop, points, backend, job))
    config = RunConfig.from_toml(path)
    folder = out / f"job-{name}"
    jobs.submit(config, folder, echo=lambda line: print(f"  {line}"))
    document = read_job(folder / "job.json")
    return config, document, jobs._gather(folder, document, False)  # stored counts, checked


def combined(config: RunConfig, document: dict, counts: list, techniques: dict) -> list[dict]:
    """One row per technique and time: the same counts combined each technique's way."""
    full = jobs.hardware_experiment(config, ordering=document["layout"].get("ordering"))
    reference = exact.evolve(config.model, full.times)
    tomo = config.tomography
    fit = FitOptions(tomo.fitter, tomo.confidence, tomo.replicates)
    n = config.model.n_batteries
    rows = []
    for name, (scales, how, readout) in techniques.items():
        keep = [
            k
            for k, m in enumerate(document["pubs"])
            if m["role"] != "tomography" or m["scale"] < len(scales)
        ]
        experiment = dataclasses.replace(full, zne_scales=scales, zne_fit=how)
        trajectory = combine(
            experiment,
            [document["pubs"][k] for k in keep],
            [counts[k] for k in keep],
            fit=fit,
            mitigate=readout,
        )
        shots = sum(
            int(np.sum(counts[k][key])) for k in keep for key in counts[k] if key != "charger"
        )
        for k, t in enumerate(full.times):
            row = {
                "n_batteries": n,
                "technique": name,
                "time": float(t),
                "circuits": len(keep),
                "shots": shots,
            }
            for quantity, error_name in (
                ("energy", "energy_error"),
                ("ergotropy", "ergotropy_error"),
            ):
                value = float(trajectory[quantity][k])
                error = float(getattr(trajectory, error_name)[k])
                truth = float(reference[quantity][k])
                row[quantity] = value
                row[f"{quantity}_error"] = error
                row[f"{quantity}_exact"] = truth
                row[f"{quantity}_sigmas"] = abs(value - truth) / error if error > 0 else math.nan
            row["ratio"] = float(trajectory.ratio[k])
            row["ratio_exact"] = float(reference.ratio[k])
            rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("mitigation-out"))
    parser.add_argument("--backend", default="aer:torino")
    parser.add_argument("--quick", action="store_true", help="N = 2 only, 3 times")
    parser.add_argument("--report", type=Path, help="write the results page into this folder")
    args = parser.parse_args(argv)
    page = Report(
        "mitigation", "What error mitigation buys on a device noise model", __file__, argv
    )
    page.describe(__doc__)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = run(2, None, 3 if args.quick else 5, args.backend, args.out)
    if not args.quick:
        rows += run(4, 2.0, 5, args.backend, args.out)
    print(
        f"{'N':>2} {'technique':>23} {'t':>5} {'E':>15} {'exact':>6} {'sig':>5} "
        f"{'W':>15} {'exact':>6} {'sig':>5} {'circuits':>8} {'shots':>9}"
    )
    for r in rows:
        print(
            f"{r['n_batteries']:>2} {r['technique']:>23} {r['time']:>5.2f} "
            f"{r['energy']:>7.4f}+-{r['energy_error']:<6.4f} {r['energy_exact']:>6.3f} "
            f"{r['energy_sigmas']:>5.1f} {r['ergotropy']:>7.4f}+-{r['ergotropy_error']:<6.4f} "
            f"{r['ergotropy_exact']:>6.3f} {r['ergotropy_sigmas']:>5.1f} {r['circuits']:>8} "
            f"{r['shots']:>9}"
        )
    report = {
        "version": qbcircuit.__version__,
        "date": time.strftime("%Y-%m-%d"),
        "backend": args.backend,
        "rows": rows,
    }
    write_atomic(args.out / "mitigation.json", json.dumps(report, indent=1))
    page.text(
        "Each cell: the estimate with its bootstrap standard error, and in brackets its "
        "distance from exact in those errors; circuits and shots are what the technique costs."
    )
    page.table(
        ["N", "t", "technique", "E", "exact E", "W", "exact W", "circuits", "shots"],
        [
            [
                r["n_batteries"],
                f"{r['time']:.2f}",
                r["technique"],
                f"{r['energy']:.3f} +- {r['energy_error']:.3f} ({r['energy_sigmas']:.1f})",
                f"{r['energy_exact']:.3f}",
                f"{r['ergotropy']:.3f} +- {r['ergotropy_error']:.3f} ({r['ergotropy_sigmas']:.1f})",
                f"{r['ergotropy_exact']:.3f}",
                r["circuits"],
                f"{r['shots']:.2g}",
            ]
            for r in rows
        ],
    )
    page.write(args.report)


if __name__ == "__main__":
    main()
