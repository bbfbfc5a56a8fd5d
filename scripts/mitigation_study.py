"""What error mitigation buys on a device noise model: E, W and W/E against exact.

The experiment of circuits/hardware_n2.toml (gaussian dephasing, here 32 instances, permutation
tomography, 4000 shots per setting and time) runs on Aer with the noise model of a fake device
(default aer:torino, seeded: gate errors, readout errors, and thermal relaxation of idle qubits
in the scheduled circuits), with readout calibrations. One job also folds every circuit to noise
scales 3 and 5, and its counts are combined into: raw (scale 1 only), readout-mitigated
(mthree), and readout-mitigated with zero-noise extrapolation, linear and Richardson. Five more
jobs, readout-mitigated: Richardson over the finer scales 1, 1.5, 2 (a tail of each circuit
folded), with 16 times the shots, since its weights (6, -8, 3) amplify shot noise about ten
times; every circuit as 4 Pauli-twirled copies; XY4 dynamical decoupling in the idle periods;
and everything at once (twirling, XY4, Richardson over scales 1, 3, 5), and again over the
fine scales with their shots ("-fine"). Every extrapolation
is also fitted as exponential decay of each setting's parities ("zne-exponential"), and with
the tomography's linear-inversion fitter projected onto physical states instead of the
maximum-likelihood one ("(projected)"): fed extrapolated counts, which no single physical
state explains, the maximum-likelihood fit lowers W; the projection in turn raises W where it
is near 0, and "(projected, bias-corrected)" subtracts the bootstrap's estimate of that bias.
Each folded scale is also fitted on its own, readout-mitigated ("readout@3"), to show how E and
W move with the noise. N = 2 runs to its charging time (E first reaches 1 - 1/e of its limit),
N = 4 to t = 2. Each row prints the estimate with its bootstrap error, its deviation in
standard errors from exact and from the noiseless circuits, and the cost of the technique in
circuits and shots.

    python scripts/mitigation_study.py --out mitigation-out [--quick] [--backend aer:torino]
        [--seed 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

import qbcircuit
from qbcircuit import exact, jobs, thermo
from qbcircuit.config import RunConfig
from qbcircuit.jobfile import read_job
from qbcircuit.pipeline import combine
from qbcircuit.pipeline.experiment import TomographyExperiment
from qbcircuit.pipeline.states import simulate_states
from qbcircuit.reports import Report
from qbcircuit.results import write_atomic
from qbcircuit.tomography.estimate import FitOptions

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = 32  # the instance average of the random dephasing is exact only as it grows
FINE_SHOTS = 16  # the fine scales' Richardson weights (6, -8, 3) amplify shot noise ~10x
PROJECTED = " (projected)"  # the technique fitted by linear inversion projected to a state
CORRECTED = " (projected, bias-corrected)"  # the same, less the bootstrap bias of W and W/E
SCALED = {  # name: (noise scales used, extrapolation, readout mitigation)
    "raw": ((1,), "linear", False),
    "readout": ((1,), "linear", True),
    "readout@3": ((3,), "linear", True),  # one folded scale alone: how E and W move with noise
    "readout@5": ((5,), "linear", True),
    "readout+zne-linear": ((1, 3, 5), "linear", True),
    "readout+zne-richardson": ((1, 3, 5), "richardson", True),
    "readout+zne-exponential": ((1, 3, 5), "exponential", True),
    "readout+zne-exponential" + PROJECTED: ((1, 3, 5), "exponential", True),
    "readout+zne-exponential" + CORRECTED: ((1, 3, 5), "exponential", True),
}
# job: ([hardware] lines, the techniques its counts are combined into)
JOBS: dict[str, tuple[str, dict]] = {
    "": ("zne_scales = [1, 3, 5]", SCALED),
    "fine": (
        'zne_scales = [1, 1.5, 2]\nzne_fit = "richardson"',
        {
            "readout@1.5": ((1.5,), "linear", True),
            "readout@2": ((2,), "linear", True),
            "readout+zne-richardson-fine": ((1, 1.5, 2), "richardson", True),
            "readout+zne-exponential-fine": ((1, 1.5, 2), "exponential", True),
            "readout+zne-exponential-fine" + PROJECTED: ((1, 1.5, 2), "exponential", True),
            "readout+zne-exponential-fine" + CORRECTED: ((1, 1.5, 2), "exponential", True),
        },
    ),
    "twirls4": ("twirls = 4", {"readout+twirling": ((1,), "linear", True)}),
    "xy4": ('decoupling = "XY4"', {"readout+dd": ((1,), "linear", True)}),
    "full": (
        'twirls = 4\ndecoupling = "XY4"\nzne_scales = [1, 3, 5]\nzne_fit = "richardson"',
        {
            "readout+twirling+dd+zne-richardson": ((1, 3, 5), "richardson", True),
            "readout+twirling+dd+zne-exponential": ((1, 3, 5), "exponential", True),
            "readout+twirling+dd+zne-exponential" + PROJECTED: ((1, 3, 5), "exponential", True),
            "readout+twirling+dd+zne-exponential" + CORRECTED: ((1, 3, 5), "exponential", True),
        },
    ),
    "full-fine": (
        'twirls = 4\ndecoupling = "XY4"\nzne_scales = [1, 1.5, 2]\nzne_fit = "richardson"',
        {
            f"readout+twirling+dd+zne-{fit}-fine" + suffix: ((1, 1.5, 2), fit, True)
            for fit, suffix in (
                ("richardson", ""),
                ("exponential", ""),
                ("exponential", PROJECTED),
                ("exponential", CORRECTED),
            )
        },
    ),
}


REFERENCES = ("exact", "noiseless")
SIGMAS = ("sigmas", "noiseless_sigmas")


def config_text(
    n: int, stop: float, points: int, backend: str, job: str = "", seed: int | None = None
) -> str:
    """The study's config of N = ``n`` for ``job`` (``seed``: its [hardware] seed, which moves
    the layout, the dephasing instances and the samples; None: the default)."""
    text = (ROOT / "circuits" / "hardware_n2.toml").read_text()
    text = text.replace("n_batteries = 2", f"n_batteries = {n}")
    text = text.replace('backend = "fake:torino"', f'backend = "{backend}"')
    text = text.replace("stop = 2.0\npoints = 5", f"stop = {stop}\npoints = {points}")
    text = text.replace("instances = 8", f"instances = {INSTANCES}")
    text = text.replace("max_depth = 2000", "max_depth = 20000")  # folded N = 4 circuits
    if job.endswith("fine"):
        text = text.replace("shots = 4000 ", f"shots = {4000 * FINE_SHOTS} ")
    text += JOBS[job][0] + '\nordering = "palindromic"\n'
    return text if seed is None else text + f"seed = {seed}\n"


def charging_stop(config: RunConfig, dt: float) -> float:
    tau = exact.charging_time(config.model)
    return max(dt, dt * round(tau / dt))


def run(
    n: int,
    stop: float | None,
    points: int,
    backend: str,
    out: Path,
    jobs: tuple = tuple(JOBS),
    seed: int | None = None,
) -> list[dict]:
    """The rows of N = ``n`` to ``stop`` (None: its charging time) from the ``jobs`` named."""
    probe = RunConfig.from_text(config_text(n, 2.0, points, backend), f"mitigation-n{n}")
    dt = probe.hardware_dt()
    stop = charging_stop(probe, dt) if stop is None else stop
    stop = dt * max(points - 1, round(stop / dt / (points - 1)) * (points - 1))
    rows: list[dict] = []
    started = time.perf_counter()
    references: dict[str, dict] = {}
    for job in jobs:
        techniques = JOBS[job][1]
        config, document, counts = submitted(n, stop, points, backend, job, out, seed)
        rows += combined(config, document, counts, techniques, references)
        print(f"  N = {n} {job or 'scaled'}: {time.perf_counter() - started:.0f} s on {backend}")
    return rows


def noiseless(experiment: TomographyExperiment) -> dict[str, np.ndarray]:
    """E and W of the experiment's own circuits without noise: the battery state averaged over
    the circuit instances, as their shots weigh them. Zero-noise extrapolation aims at this; it
    differs from exact by the Trotter error and the finite instance average of the dephasing."""
    ideal = dataclasses.replace(experiment, zne_scales=(1,), twirls=0, decoupling="none")
    battery = list(range(1, experiment.model.n_qubits))
    sums: dict[int, list] = {}
    for i, states, shots in simulate_states(ideal):
        total = sums.setdefault(i, [0.0, 0])
        total[0] = total[0] + shots * sum(thermo.reduced_state(rho, battery) for rho in states)
        total[1] += shots * len(states)
    omega0 = experiment.model.omega0
    means = [sums[i][0] / sums[i][1] for i in range(experiment.times.size)]
    return {
        "energy": np.array([thermo.energy(rho, omega0) for rho in means]),
        "ergotropy": np.array([thermo.ergotropy(rho, omega0) for rho in means]),
    }


def submitted(
    n: int, stop: float, points: int, backend: str, job: str, out: Path, seed: int | None
) -> tuple[RunConfig, dict, list]:
    """The job of one config (submitted, or resumed from ``out``) and its stored counts."""
    name = f"n{n}" + (f"-{job}" if job else "")
    path = out / f"{name}.toml"
    write_atomic(path, config_text(n, stop, points, backend, job, seed))
    config = RunConfig.from_toml(path)
    folder = out / f"job-{name}"
    jobs.submit(config, folder, echo=lambda line: print(f"  {line}"))
    document = read_job(folder / "job.json")
    return config, document, jobs._gather(folder, document, False)  # stored counts, checked


def combined(
    config: RunConfig, document: dict, counts: list, techniques: dict, references: dict
) -> list[dict]:
    """One row per technique and time: the same counts combined each technique's way, against
    exact and against the noiseless circuits (computed once per circuit ordering, kept in
    ``references``)."""
    full = jobs.hardware_experiment(config, ordering=document["layout"].get("ordering"))
    reference = exact.evolve(config.model, full.times)
    if full.ordering not in references:
        references[full.ordering] = noiseless(full)
    circuit = references[full.ordering]
    tomo = config.tomography
    n = config.model.n_batteries
    rows = []
    pubs = document["pubs"]
    for name, (scales, how, readout) in techniques.items():
        alone = full.zne_scales.index(scales[0]) if scales[0] != 1 else None  # one folded scale
        keep = [
            k
            for k, m in enumerate(pubs)
            if m["role"] != "tomography"
            or (m["scale"] == alone if alone is not None else m["scale"] < len(scales))
        ]
        meta = [
            dict(pubs[k], scale=0)
            if alone is not None and pubs[k]["role"] == "tomography"
            else pubs[k]
            for k in keep
        ]
        experiment = dataclasses.replace(
            full, zne_scales=(1,) if alone is not None else scales, zne_fit=how
        )
        fitter = "projected" if name.endswith((PROJECTED, CORRECTED)) else tomo.fitter
        fit = FitOptions(
            fitter, tomo.confidence, tomo.replicates, correct_bias=name.endswith(CORRECTED)
        )
        trajectory = combine(experiment, meta, [counts[k] for k in keep], fit=fit, mitigate=readout)
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
                truth, ideal = float(reference[quantity][k]), float(circuit[quantity][k])
                row[quantity] = value
                row[f"{quantity}_error"] = error
                row[f"{quantity}_exact"] = truth
                row[f"{quantity}_noiseless"] = ideal
                for distance, target in (("sigmas", truth), ("noiseless_sigmas", ideal)):
                    row[f"{quantity}_{distance}"] = (
                        abs(value - target) / error if error else math.nan
                    )
            row["ratio"] = float(trajectory.ratio[k])
            row["ratio_exact"] = float(reference.ratio[k])
            rows.append(row)
    return rows


def _cell(row: dict, quantity: str) -> str:
    value, error = row[quantity], row[f"{quantity}_error"]
    distances = ", ".join(f"{row[f'{quantity}_{name}']:.1f}" for name in SIGMAS)
    return f"{value:.3f} +- {error:.3f} ({distances})"


def meets(row: dict, raw: dict) -> bool:
    """Whether E and W of ``row`` are each within 2 standard errors of the noiseless circuits
    or at least 5x closer to them than the raw counts' (``raw``, same N and time)."""

    def fine(quantity: str) -> bool:
        error = abs(row[quantity] - row[f"{quantity}_noiseless"])
        raw_error = abs(raw[quantity] - raw[f"{quantity}_noiseless"])
        return row[f"{quantity}_noiseless_sigmas"] <= 2 or error * 5 <= raw_error

    return fine("energy") and fine("ergotropy")


def _largest(values: Iterable[float]) -> float:
    """The largest of the defined values (a distance is undefined where the error is 0)."""
    return max((v for v in values if not math.isnan(v)), default=math.nan)


def summary(rows: list[dict]) -> list[list]:
    """Per N and technique: the largest E and W distances from the noiseless circuits in
    standard errors, W's largest absolute error, and at how many times :func:`meets` holds."""
    raw = {(r["n_batteries"], r["time"]): r for r in rows if r["technique"] == "raw"}
    out = []
    for n, technique in dict.fromkeys((r["n_batteries"], r["technique"]) for r in rows):
        these = [r for r in rows if (r["n_batteries"], r["technique"]) == (n, technique)]
        met = sum(meets(r, raw[n, r["time"]]) for r in these)
        out.append(
            [
                n,
                technique,
                f"{_largest(r['energy_noiseless_sigmas'] for r in these):.1f}",
                f"{_largest(r['ergotropy_noiseless_sigmas'] for r in these):.1f}",
                f"{max(abs(r['ergotropy'] - r['ergotropy_noiseless']) for r in these):.3f}",
                f"{met} of {len(these)}",
            ]
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("mitigation-out"))
    parser.add_argument("--backend", default="aer:torino")
    parser.add_argument("--seed", type=int, help="[hardware] seed (default: the config's)")
    parser.add_argument("--quick", action="store_true", help="N = 2 only, 3 times")
    parser.add_argument("--report", type=Path, help="write the results page into this folder")
    args = parser.parse_args(argv)
    page = Report(
        "mitigation", "What error mitigation buys on a device noise model", __file__, argv
    )
    page.describe(__doc__)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = run(2, None, 3 if args.quick else 5, args.backend, args.out, seed=args.seed)
    if not args.quick:
        rows += run(4, 2.0, 5, args.backend, args.out, seed=args.seed)
    for r in rows:
        print(
            f"N = {r['n_batteries']} t = {r['time']:.2f} {r['technique']:>36}: "
            f"E {_cell(r, 'energy')}, W {_cell(r, 'ergotropy')}, "
            f"{r['circuits']} circuits, {r['shots']} shots"
        )
    report = {
        "version": qbcircuit.__version__,
        "date": time.strftime("%Y-%m-%d"),
        "backend": args.backend,
        "rows": rows,
    }
    write_atomic(args.out / "mitigation.json", json.dumps(report, indent=1))
    page.text(
        "The references: exact (the model's dynamics) and the noiseless circuits (the same "
        "circuit instances without noise, which is what mitigation can reach; they differ from "
        "exact by the Trotter error and the finite average over dephasing instances)."
    )
    first = [r for r in rows if r["technique"] == "raw"]
    page.table(
        ["N", "t", "exact E", "noiseless E", "exact W", "noiseless W"],
        [
            [r["n_batteries"], f"{r['time']:.2f}"]
            + [f"{r[f'{q}_{ref}']:.3f}" for q in ("energy", "ergotropy") for ref in REFERENCES]
            for r in first
        ],
    )
    page.text(
        "Each technique over its times, against the noiseless circuits: the largest distance "
        "of E and of W in standard errors, W's largest absolute error, and the times at which "
        "both E and W are within 2 standard errors or at least 5x closer than raw."
    )
    page.table(
        ["N", "technique", "max E sigmas", "max W sigmas", "max W error", "met at"],
        summary(rows),
    )
    page.text(
        "Each cell: the estimate with its bootstrap standard error, and in brackets its "
        "distance in those errors from exact, then from the noiseless circuits; circuits and "
        "shots are what the technique costs."
    )
    page.table(
        ["N", "t", "technique", "E", "W", "circuits", "shots"],
        [
            [
                r["n_batteries"],
                f"{r['time']:.2f}",
                r["technique"],
                _cell(r, "energy"),
                _cell(r, "ergotropy"),
                r["circuits"],
                f"{r['shots']:.2g}",
            ]
            for r in rows
        ],
    )
    page.write(args.report)


if __name__ == "__main__":
    main()
