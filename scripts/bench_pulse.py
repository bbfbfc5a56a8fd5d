"""Benchmark of the pulse-level solver against QuTiP mesolve with the same time-dependent
lab-frame Hamiltonian (linear drive, flip-flop coupling), measured in the same run.

Cases: N = 4 in the full space and N = 20 in the Dicke sector, times [0, 50] in 1/omega0 with
omega0 = 1 and F = 0.1, g = 0.05, gamma = 0.1 (omega0/F = 10); both at rtol = atol = 1e-8.
Prints wall times (each warm lab-frame solve: the median of 5, taken in turns with QuTiP so
that both see the same load; QuTiP's column: the median of all its turns), ratios (QuTiP time
/ ours, each over the turns taken so far: > 1 means we are faster), the rotating-frame
speed-up, jax (first call with compilation, then warm) and max |dE| between the solvers.

    python scripts/bench_pulse.py --out bench-out [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np

from qbcircuit import StarModel, pulse
from qbcircuit.reports import Report

MODEL = dict(drive=0.1, coupling=0.05, dephasing=0.1)
TOLERANCE = 1e-8
REPEATS = 5


def timed(function):
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def qutip_energy(model, times, basis, omega0):
    """E(t) from QuTiP mesolve with our lab-frame operators and a cosine coefficient, the
    operators in QuTiP's sparse (CSR) form, as a QuTiP user builds them (its dense form is
    much slower on these sparse matrices)."""
    import qutip

    def sparse(matrix):
        return qutip.Qobj(matrix).to("CSR")

    operators = pulse.lab_operators(model, basis=basis, omega0=omega0)
    dims = operators["static"].shape[0]
    h = qutip.QobjEvo(
        [
            sparse(operators["static"]),
            [sparse(operators["drives"][0]), lambda t: 2 * model.drive * math.cos(omega0 * t)],
        ]
    )
    rho0 = qutip.Qobj(np.diag(np.eye(dims)[0]).astype(complex))
    if basis == "dicke":  # sector index 2 n + c
        excitations = np.repeat(np.arange(model.n_batteries + 1.0), 2)
    else:  # full index c + 2 b: popcount of the battery bits
        excitations = np.array([bin(i >> 1).count("1") for i in range(dims)], dtype=float)
    number = qutip.Qobj(np.diag(excitations).astype(complex))
    result = qutip.mesolve(
        h,
        rho0,
        times,
        c_ops=[sparse(operators["jump"])],
        e_ops=[number],
        options={"atol": TOLERANCE, "rtol": TOLERANCE, "nsteps": 10**7},
    )
    return model.omega0 * np.real(np.asarray(result.expect[0]))


def _case(n, basis, t_max, omega0, libraries, batch):
    model = StarModel(n_batteries=n, **MODEL)
    times = np.linspace(0, t_max, 101)
    options = {"omega0": omega0, "basis": basis, "rtol": TOLERANCE, "atol": TOLERANCE}
    qutip_energy(model, times[:3], basis, omega0)  # warm-up
    peer_solve = partial(qutip_energy, model, times, basis, omega0)
    peer_times, reference = [], None
    row = {"n_batteries": n, "basis": basis, "t_max": t_max}
    models = [model.replace(drive=model.drive * (1 + k / batch)) for k in range(batch)]
    for library in libraries:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            solve = partial(pulse.evolve, model, times, array_library=library, **options)
            first, solved = timed(solve)
            ours_times = []
            for _ in range(REPEATS):  # in turns: both see the same load
                seconds, reference = timed(peer_solve)
                peer_times.append(seconds)
                seconds, solved = timed(solve)
                ours_times.append(seconds)
            warm, peer = statistics.median(ours_times), statistics.median(peer_times)
            rotating, in_frame = timed(partial(solve, frame="rotating"))
            batched, _ = timed(
                partial(pulse.evolve_batch, models, times, array_library=library, **options)
            )
        row |= {
            "qutip_s": peer,
            f"{library}_lab_first_s": first,
            f"{library}_lab_s": warm,
            f"{library}_rotating_s": rotating,
            f"{library}_batch_{batch}_s": batched,
            f"ratio_qutip_over_{library}_lab": peer / warm,
            f"rotating_speedup_{library}": warm / rotating,
            f"max_abs_dE_{library}_vs_qutip": float(np.max(np.abs(solved.energy - reference))),
            f"max_abs_dE_{library}_lab_vs_rotating": float(
                np.max(np.abs(solved.energy - in_frame.energy))
            ),
        }
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--quick", action="store_true", help="small cases (CI smoke run)")
    parser.add_argument("--report", type=Path, help="write the results page into this folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    omega0 = 1.0
    cases = (
        [(2, "full", 10.0), (4, "dicke", 10.0)]
        if args.quick
        else [(4, "full", 50.0), (20, "dicke", 50.0)]
    )
    try:
        import jax  # noqa: F401

        libraries = ("numpy", "jax")
    except ImportError:
        libraries = ("numpy",)
    report = []
    for n, basis, t_max in cases:
        report.append(_case(n, basis, t_max, omega0, libraries, batch=4 if args.quick else 8))
        print(json.dumps(report[-1], indent=1), flush=True)
    (args.out / "bench_pulse.json").write_text(json.dumps(report, indent=1))
    print(f"wrote {args.out}/bench_pulse.json")
    page = Report("bench_pulse", "The pulse leg against QuTiP", __file__, argv)
    page.describe(__doc__)
    page.text("Seconds per solve (warm), the ratio QuTiP / ours, and the largest difference in E.")
    page.table(
        [
            "case",
            "QuTiP",
            *(f"ours, {lib} (lab)" for lib in libraries),
            "rotating frame",
            "batch of the drive",
            "max dE vs QuTiP",
        ],
        [
            [
                f"N = {r['n_batteries']}, {r['basis']}",
                f"{r['qutip_s']:.3g} s",
                *(
                    f"{r[f'{lib}_lab_s']:.3g} s (x{r[f'ratio_qutip_over_{lib}_lab']:.2g})"
                    for lib in libraries
                ),
                f"{r['numpy_rotating_s']:.3g} s",
                " / ".join(
                    f"{lib} {v:.3g} s"
                    for lib in libraries
                    for k, v in r.items()
                    if k.startswith(f"{lib}_batch_")
                ),
                r["max_abs_dE_numpy_vs_qutip"],
            ]
            for r in report
        ],
    )
    page.write(args.report)


if __name__ == "__main__":
    main()
