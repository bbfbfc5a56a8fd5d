"""One benchmark run: our solvers against QuTiP, measured side by side, with peak memory.

Cases (each solver in its own fresh process, so its peak memory is its own):
  exact (Dicke sector) vs QuTiP mesolve on the same sector vs PIQS (QuTiP's permutational
  invariance module: the battery in its full Dicke basis, every j); exact at large N vs
  QuTiP on the sector; exact (full space) vs QuTiP (full space); Aer density-matrix emulation
  (Strang, dt = 0.05) vs QuTiP (full space); pulse (qiskit-dynamics, lab frame, linear drive)
  vs QuTiP with the same time-dependent Hamiltonian (skipped without the pulse extra).

Prints, per case, each solver's wall time, the ratio peer / ours (> 1: ours is faster), the
peak resident memory each solver added over its imports, and max |dE| against ours; writes it
all to OUT/bench.json so runs can be compared.

    python scripts/bench.py --out bench-out [--quick]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import math
import multiprocessing
import platform
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np

BASE = dict(drive=1.0, coupling=0.5, dephasing=1.0)
PULSE = dict(drive=0.1, coupling=0.05, dephasing=0.1)  # omega0 = 1: omega0/F = 10
TOLERANCE = 1e-8


# --------------------------------------------------------------------------- solvers
def ours_exact(model, times, basis):
    from qbcircuit import exact

    return exact.evolve(model, times, basis=basis, keep_states=False).energy


def ours_aer(model, times):
    from qbcircuit.emulation import emulate

    return emulate(model, times, dt=0.05).energy


def ours_pulse(model, times):
    from qbcircuit import pulse

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trajectory = pulse.evolve(
            model, times, frame="lab", drive_shape="linear", rtol=TOLERANCE, atol=TOLERANCE
        )
    return trajectory.energy


def qutip_exact(model, times, basis):
    """QuTiP mesolve with our operators (the same H, jump operator and H_B)."""
    from bench_exact import qutip_energy

    return qutip_energy(model, times, basis, tolerance=TOLERANCE)


def piqs_exact(model, times):
    """QuTiP mesolve with the battery in PIQS's Dicke basis (all j), charger (x) battery."""
    import qutip
    from qutip import piqs

    n = model.n_batteries
    jz = piqs.jspin(n, "z", basis="dicke")
    jm = piqs.jspin(n, "-", basis="dicke")
    ground = piqs.dicke(n, n / 2, -n / 2)
    sz = qutip.Qobj(np.diag([-1.0, 1.0]))
    splus = qutip.Qobj(np.array([[0.0, 0.0], [1.0, 0.0]]))
    one_c, one_b = qutip.qeye(2), qutip.qeye(jz.shape[0])
    h = (
        qutip.tensor(model.charger_detuning / 2 * sz + model.drive * (splus + splus.dag()), one_b)
        + model.battery_detuning * qutip.tensor(one_c, jz)
        + model.coupling * (qutip.tensor(splus, jm) + qutip.tensor(splus.dag(), jm.dag()))
    )
    h.dims = [[h.shape[0]], [h.shape[0]]]
    jump = math.sqrt(model.dephasing / 2) * qutip.tensor(sz, one_b)
    jump.dims = h.dims
    energy = model.omega0 * qutip.tensor(one_c, jz + n / 2 * one_b)
    energy.dims = h.dims
    start = qutip.tensor(qutip.fock_dm(2, 0), ground)
    start.dims = h.dims
    options = {"atol": TOLERANCE, "rtol": TOLERANCE, "nsteps": 10**7}
    result = qutip.mesolve(h, start, times, [jump], e_ops=[energy], options=options)
    return np.real(np.asarray(result.expect[0]))


def qutip_pulse(model, times):
    """QuTiP with our lab-frame operators and the cosine drive coefficient (full space)."""
    from bench_pulse import qutip_energy

    return qutip_energy(model, times, "full", model.omega0)


SOLVERS = {
    "ours_exact": ours_exact,
    "ours_aer": ours_aer,
    "ours_pulse": ours_pulse,
    "qutip": qutip_exact,
    "qutip_pulse": qutip_pulse,
    "piqs": piqs_exact,
}


def measure(solver: str, model_fields: dict, times: list, *args) -> dict:
    """In a fresh process: import, warm up on two time points, then run the solver once; wall
    time and the peak resident memory it added over the warm-up (ru_maxrss is a high-water
    mark, in KiB on Linux)."""
    import qutip  # noqa: F401 - imported before the baseline, like ours

    import qbcircuit  # noqa: F401
    from qbcircuit import StarModel

    model = StarModel(**model_fields)
    SOLVERS[solver](model, np.array(times[:2]), *args)  # warm-up: lazy imports, set-up, JIT
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    energy = SOLVERS[solver](model, np.array(times), *args)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": seconds,
        "peak_mib": peak / 1024,
        "added_mib": (peak - baseline) / 1024,
        "energy": np.asarray(energy).tolist(),
    }


def run_case(label: str, model: dict, times, legs: dict) -> dict:
    """``legs``: name -> (solver, extra args); the first leg is ours, the others its peers."""
    context = multiprocessing.get_context("spawn")
    results = {}
    for name, (solver, extra) in legs.items():
        with cf.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            results[name] = pool.submit(measure, solver, model, list(times), *extra).result()
    energies = {name: np.array(result.pop("energy")) for name, result in results.items()}
    ours_name = next(iter(legs))
    ours = results[ours_name]
    row = {"case": label, "model": model, "points": len(times), "t_max": float(times[-1])}
    parts = [f"{label:<26}"]
    for name, result in results.items():
        note = ""
        if name != ours_name:
            result["ratio"] = result["seconds"] / ours["seconds"]
            result["max_abs_dE"] = float(np.max(np.abs(energies[name] - energies[ours_name])))
            note = f" (x{result['ratio']:.2g}, dE {result['max_abs_dE']:.0e})"
        parts.append(f"{name} {result['seconds']:.3f} s {result['added_mib']:.0f} MiB{note}")
        row[name] = result
    print("  ".join(parts), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--quick", action="store_true", help="smaller sizes (CI smoke run)")
    args = parser.parse_args()
    import qutip

    import qbcircuit

    print(f"qbcircuit {qbcircuit.__version__}, qutip {qutip.__version__}, {platform.machine()}")
    print("ratio = peer time / ours (> 1: ours is faster); MiB = peak memory added by the solve")
    times = np.linspace(0, 30, 61)
    small, large, full, aer = (6, 40, 4, 3) if args.quick else (16, 200, 6, 5)
    rows = []
    for detuning in (0.0, 0.5):
        model = dict(n_batteries=small, battery_detuning=detuning, **BASE)
        legs = {
            "ours": ("ours_exact", ("dicke",)),
            "qutip": ("qutip", ("dicke",)),
            "piqs": ("piqs", ()),
        }
        rows.append(run_case(f"dicke N={small} dB={detuning:g}", model, times, legs))
        model = dict(n_batteries=large, battery_detuning=detuning, **BASE)
        legs = {"ours": ("ours_exact", ("dicke",)), "qutip": ("qutip", ("dicke",))}
        rows.append(run_case(f"dicke N={large} dB={detuning:g}", model, times, legs))
    model = dict(n_batteries=full, **BASE)
    legs = {"ours": ("ours_exact", ("full",)), "qutip": ("qutip", ("full",))}
    rows.append(run_case(f"full N={full}", model, times, legs))
    aer_times = np.linspace(0, 10, 21)
    model = dict(n_batteries=aer, **BASE)
    legs = {"ours": ("ours_aer", ()), "qutip": ("qutip", ("full",))}
    rows.append(run_case(f"aer density matrix N={aer}", model, aer_times, legs))
    try:
        import qiskit_dynamics  # noqa: F401

        pulse_times = np.linspace(0, 20 if args.quick else 50, 41)
        model = dict(n_batteries=2, **PULSE)
        legs = {"ours": ("ours_pulse", ()), "qutip": ("qutip_pulse", ())}
        rows.append(run_case("pulse lab frame N=2", model, pulse_times, legs))
    except ImportError:
        print("pulse lab frame: skipped (needs the pulse extra)")
    args.out.mkdir(parents=True, exist_ok=True)
    document = {
        "version": qbcircuit.__version__,
        "qutip": qutip.__version__,
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "quick": args.quick,
        "cases": rows,
    }
    path = args.out / "bench.json"
    path.write_text(json.dumps(document, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
