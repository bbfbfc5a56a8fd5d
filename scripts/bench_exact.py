"""Benchmark of the exact solvers against QuTiP mesolve, measured in the same run.

Prints wall times and ratios (QuTiP time / ours, > 1 means we are faster) and the largest
deviation in E(t) between the two (same accuracy: QuTiP at atol = rtol = 1e-10), and writes
them as JSON. Also times two absolute targets (long_time at N = 1000, evolve with 200 time
points at N = 500).

    python scripts/bench_exact.py --out bench-out [--quick]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

import qbcircuit
from qbcircuit import StarModel, exact

BASE = dict(drive=1.0, coupling=0.5, dephasing=1.0)


def timed(function, repeat=1):
    best, value = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def qutip_energy(model: StarModel, times, basis: str, tolerance: float = 1e-10):
    """E(t) from QuTiP mesolve with our operators (the same Hamiltonian and jump operator)."""
    import qutip

    h = qutip.Qobj(model.hamiltonian(basis))
    jump = qutip.Qobj(model.jump_operator(basis))
    hb = qutip.Qobj(model.battery_hamiltonian(basis))
    dim = h.shape[0]
    rho0 = qutip.Qobj(np.diag(np.eye(dim)[0]).astype(complex))
    options = {"atol": tolerance, "rtol": tolerance, "nsteps": 10**7, "store_states": False}
    result = qutip.mesolve(h, rho0, times, [jump], e_ops=[hb], options=options)
    return np.real(np.array(result.expect[0]))


def compare(label: str, model: StarModel, times, basis: str, repeat: int) -> dict:
    ours_time, ours = timed(lambda: exact.evolve(model, times, basis=basis), repeat)
    qutip_time, qutip_e = timed(lambda: qutip_energy(model, times, basis))
    row = {
        "case": label,
        "n_batteries": model.n_batteries,
        "basis": basis,
        "solver": ours.options["solver"],
        "points": len(times),
        "t_max": float(times[-1]),
        "ours_s": ours_time,
        "qutip_s": qutip_time,
        "speedup": qutip_time / ours_time,
        "max_dE": float(np.max(np.abs(ours.energy - qutip_e))),
    }
    print(
        f"{label:<34} ours {ours_time:8.3f} s  qutip {qutip_time:8.3f} s  "
        f"ratio {row['speedup']:7.1f}x  max|dE| {row['max_dE']:.1e}"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--quick", action="store_true", help="smaller sizes (CI smoke run)")
    args = parser.parse_args()
    import qutip

    print(f"qbcircuit {qbcircuit.__version__}, qutip {qutip.__version__}, {platform.processor()}")
    times = np.linspace(0, 30, 200)
    rows = []
    full_sizes = (3, 4) if args.quick else (6, 7, 8)
    for n in full_sizes:
        for detuning in (0.0, 0.5):
            model = StarModel(n_batteries=n, battery_detuning=detuning, **BASE)
            label = f"full N={n} dB={detuning:g}"
            rows.append(compare(label, model, times, "full", 1))
    sector = 10 if args.quick else 50
    for detuning in (0.0, 0.5):
        model = StarModel(n_batteries=sector, battery_detuning=detuning, **BASE)
        rows.append(compare(f"dicke N={sector} dB={detuning:g}", model, times, "dicke", 3))

    targets = []
    big = 100 if args.quick else 1000
    for detuning in (0.0, 0.5):
        model = StarModel(n_batteries=big, battery_detuning=detuning, **BASE)
        seconds, result = timed(lambda m=model: exact.long_time(m), 3)
        targets.append(
            {
                "what": f"long_time N={big} dB={detuning:g}",
                "seconds": seconds,
                "ratio": result.ratio,
                "target_s": 2.0,
            }
        )
    mid = 100 if args.quick else 500
    model = StarModel(n_batteries=mid, drive=1.0, coupling=0.05, dephasing=1.0)
    seconds, _ = timed(lambda: exact.evolve(model, np.linspace(0, 50, 200)))
    targets.append(
        {"what": f"evolve N={mid} 200 points t<=50 (g=0.05)", "seconds": seconds, "target_s": 10.0}
    )
    for entry in targets:
        print(f"{entry['what']:<44} {entry['seconds']:8.3f} s  (target < {entry['target_s']} s)")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "bench_exact.json"
    path.write_text(
        json.dumps(
            {
                "version": qbcircuit.__version__,
                "qutip": qutip.__version__,
                "compare": rows,
                "targets": targets,
            },
            indent=1,
        )
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
