"""Benchmark of the Aer emulation, measured in one run with its peers, ratios printed.

1. N = 8 (9 qubits), Strang, dt = 0.05, t <= 30 with 60 snapshots, density matrix: our one-pass
   snapshot circuit versus QuTiP mesolve on the full space and versus one circuit per time
   point; errors of each against the exact solver are printed beside the times.
2. Density-matrix reach: the largest N whose memory estimate fits this machine, and the time
   per Trotter step at a few sizes.
3. Statevector-trajectory reach at N = 20: standard error of W/N from K instances and the K
   that a 1e-2 error needs (SE ~ 1/sqrt(K)).

    python scripts/bench_aer.py --out bench-out [--quick]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import qbcircuit
from qbcircuit import StarModel, exact
from qbcircuit.backends import run_saved_states
from qbcircuit.circuits import build_snapshot_circuit
from qbcircuit.emulation import density_matrix_memory, emulate
from qbcircuit.exact import memory_budget

BASE = dict(drive=1.0, coupling=0.5, dephasing=1.0)


def seconds(function):
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def qutip_energy(model: StarModel, times) -> np.ndarray:
    import qutip

    h, jump = qutip.Qobj(model.hamiltonian("full")), qutip.Qobj(model.jump_operator("full"))
    dim = h.shape[0]
    rho0 = np.zeros((dim, dim), dtype=complex)
    rho0[0, 0] = 1
    grid = np.concatenate(([0.0], times))  # mesolve starts from rho0 at grid[0]
    hb = qutip.Qobj(model.battery_hamiltonian("full"))
    options = {"rtol": 1e-4, "atol": 1e-6}  # an error comparable to the Trotter error
    result = qutip.mesolve(h, qutip.Qobj(rho0), grid, [jump], e_ops=[hb], options=options)
    return np.real(np.array(result.expect[0]))[1:]


def one_circuit_per_time(model: StarModel, times, dt: float) -> np.ndarray:
    """The naive way: a separate circuit for each time point (quadratic in the steps)."""
    circuits = [build_snapshot_circuit(model, dt, [round(t / dt)]) for t in times]
    saved = run_saved_states(circuits, method="density_matrix")
    levels = qbcircuit.thermo.battery_energies(model.n_batteries, model.omega0)
    return np.array(
        [
            float(np.real(np.diag(run[f"b{round(t / dt)}"])) @ levels)
            for run, t in zip(saved, times, strict=True)
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--quick", action="store_true", help="smaller sizes (CI smoke run)")
    args = parser.parse_args()
    report: dict = {"version": qbcircuit.__version__}

    n = 3 if args.quick else 8
    model = StarModel(n_batteries=n, **BASE)
    stop, count = (5.0, 10) if args.quick else (30.0, 60)
    times = np.linspace(0, stop, count + 1)[1:]  # snapshots on the dt = 0.05 grid
    ours_s, ours = seconds(lambda: emulate(model, times, dt=0.05))
    reference = exact.evolve(model, times)
    qutip_s, qutip_e = seconds(lambda: qutip_energy(model, times))
    naive_s, naive_e = seconds(lambda: one_circuit_per_time(model, times, 0.05))
    rows = {
        "snapshot circuit (ours)": (ours_s, np.max(np.abs(ours.energy - reference.energy))),
        "QuTiP mesolve, full space": (qutip_s, np.max(np.abs(qutip_e - reference.energy))),
        "one circuit per time": (naive_s, np.max(np.abs(naive_e - reference.energy))),
    }
    print(f"N = {n}, Strang dt = 0.05, {count} snapshots to t = {stop:g} (max |dE| vs exact):")
    for name, (wall, error) in rows.items():
        print(
            f"  {name:<28} {wall:8.2f} s  ratio to ours {wall / ours_s:6.1f}  max|dE| {error:.1e}"
        )
    report["snapshots"] = {
        name: {"seconds": w, "max_dE": float(e)} for name, (w, e) in rows.items()
    }

    budget = memory_budget()
    largest = max(
        k
        for k in range(1, 20)
        if density_matrix_memory(StarModel(n_batteries=k, **BASE), "channel", 2) <= budget
    )
    print(
        f"density-matrix reach: N = {largest} ({largest + 1} qubits) within "
        f"{budget / 2**30:.1f} GiB"
    )
    per_step = {}
    for k in (2, 4) if args.quick else (6, 8, 10, largest):
        wide = StarModel(n_batteries=k, **BASE)
        wall, _ = seconds(lambda m=wide: emulate(m, [0.1, 0.2], dt=0.1))
        per_step[k] = wall / 2
        print(f"  N = {k:>2}: {wall / 2:8.3f} s per Strang step (incl. compile and snapshots)")
    report["density_matrix"] = {"largest_n": largest, "seconds_per_step": per_step}

    n_sv = 8 if args.quick else 20
    instances = 8 if args.quick else 16
    model = StarModel(n_batteries=n_sv, drive=1.0, coupling=0.2, dephasing=1.0)
    wall, trajectory = seconds(
        lambda: emulate(
            model,
            [1.0, 2.0],
            dt=0.2,
            insertion="pauli",
            method="statevector",
            instances=instances,
            seed=1,
        )
    )
    error = float(trajectory.ergotropy_error[-1] / n_sv)
    needed = int(np.ceil(instances * (error / 1e-2) ** 2))
    print(
        f"statevector trajectories N = {n_sv}: {wall:.1f} s for {instances} instances, "
        f"W/N = {trajectory.ergotropy[-1] / n_sv:.4f} +- {error:.4f}; about {needed} "
        "instances for a 1e-2 error in W/N"
    )
    report["statevector"] = {
        "n_batteries": n_sv,
        "instances": instances,
        "seconds": wall,
        "W_over_N": float(trajectory.ergotropy[-1] / n_sv),
        "se_W_over_N": error,
        "instances_for_1e-2": needed,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_aer.json").write_text(json.dumps(report, indent=1))
    print(f"wrote {args.out / 'bench_aer.json'}")


if __name__ == "__main__":
    main()
