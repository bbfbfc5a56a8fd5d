"""One benchmark run: our solvers against their peers, measured side by side, with peak memory.

Cases (each solver in its own fresh process, so its peak memory is its own):
  exact (Dicke sector) vs QuTiP mesolve on the same sector vs PIQS (QuTiP's permutational
  invariance module: the battery in its full Dicke basis, every j); exact at large N vs
  QuTiP on the sector; exact (full space) vs QuTiP (full space), also with a second CPU-bound
  process running; Aer density-matrix emulation (Strang, dt = 0.05) vs Aer's own reported
  simulation time, a plain numpy application of the same gates and QuTiP (full space);
  charging_time (battery detuned, tau_1e) vs a scan that integrates from t = 0 for every
  evaluation; long_time at large N vs the same limit with its dense (N+1)-square ergotropy;
  pulse (qiskit-dynamics, lab frame, linear drive) vs QuTiP with the same time-dependent
  Hamiltonian in its sparse form (skipped without the pulse extra).

Prints, per case, each solver's wall time (after a warm-up; the median of up to 9 runs where
one takes under 0.1 s), the ratio peer / ours (> 1: ours is faster), the peak resident memory
each solver added over its imports, and max |difference| of its result (E(t), or tau, or W)
against ours; writes it all to OUT/bench.json so runs can be compared.

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


AER_DT = 0.05


def _snapshot_circuit(model, times):
    from qbcircuit.backends import consolidate_for_aer
    from qbcircuit.circuits import build_snapshot_circuit, steps_for

    steps = [steps_for(float(t), AER_DT) for t in times]
    circuit = build_snapshot_circuit(model, AER_DT, steps, merge=True)
    return steps, consolidate_for_aer([circuit], merged=True)[0]


def aer_own(model, times):
    """Aer's own reported simulation time (time_taken) of the circuit our emulation runs."""
    from qiskit_aer import AerSimulator

    from qbcircuit.thermo import energy

    steps, circuit = _snapshot_circuit(model, times)
    result = AerSimulator(method="density_matrix").run(circuit).result()
    data = result.data(0)
    energies = [energy(np.asarray(data[f"b{k}"]), model.omega0) for k in steps]
    return {"energy": energies, "reported_seconds": float(result.results[0].time_taken)}


def numpy_gates(model, times):
    """The same instructions applied to the density matrix by plain numpy and scipy: each gate
    as the sparse D x D operator U (4 non-zeros per row), rho -> U rho U^+ = (U (U rho)^+)^+
    (rho Hermitian), each channel by the Kraus operators of the charger's phase flip."""
    import scipy.sparse as sp

    _, circuit = _snapshot_circuit(model, times)
    qubits = circuit.num_qubits
    dim = 2**qubits
    rho = np.zeros((dim, dim), dtype=complex)
    rho[0, 0] = 1.0
    levels = np.array([bin(i >> 1).count("1") for i in range(dim)], dtype=float)
    charger = np.arange(dim) & 1  # bit 0

    def dephase(kraus):
        """rho -> sum_k K rho K^+ for diagonal Kraus operators K on the charger."""
        out = np.zeros_like(rho)
        for k in kraus:
            assert np.allclose(k, np.diag(np.diag(k)))  # the charger's phase flip
            d = np.diag(k)[charger]
            out += d[:, None] * rho * d.conj()[None, :]
        return out

    cache = {}

    def full(matrix, targets):
        """The gate on ``targets`` (qiskit order) as a sparse operator on all qubits."""
        key = (matrix.tobytes(), tuple(targets))
        if key not in cache:
            index = np.arange(dim)
            bits = [(index >> q) & 1 for q in targets]
            local = sum(b << k for k, b in enumerate(bits))
            base = index.copy()
            for q in targets:
                base &= ~(1 << q)
            rows, cols, values = [], [], []
            for out in range(2 ** len(targets)):
                target = base | sum(((out >> k) & 1) << q for k, q in enumerate(targets))
                rows.append(target)
                cols.append(index)
                values.append(matrix[out, local])
            cache[key] = sp.csr_matrix(
                (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
                shape=(dim, dim),
            )
        return cache[key]

    energies = []
    for instruction in circuit.data:
        operation = instruction.operation
        targets = [circuit.find_bit(q).index for q in instruction.qubits]
        if operation.name == "unitary":
            u = full(operation.to_matrix(), targets)
            rho = (u @ (u @ rho).conj().T).conj().T
        elif operation.name == "kraus":  # the charger's phase flip (dt/2, or dt where joined)
            assert targets == [0]
            rho = dephase(operation.params)
        elif operation.name == "save_density_matrix" and operation.label.startswith("b"):
            energies.append(model.omega0 * float(np.real(np.diagonal(rho)) @ levels))
        elif operation.name != "save_density_matrix":
            raise ValueError(f"numpy_gates: no rule for {operation.name}")
    return energies


def ours_charging(model, times):
    from qbcircuit import exact

    return [exact.charging_time(model)]


def from_zero_charging(model, times):
    """tau_1e by the previous method: E scanned on doubling horizons, the crossing refined by
    brentq, every evaluation integrated from t = 0 (exact.evolve in the Dicke sector)."""
    from scipy.optimize import brentq

    from qbcircuit import exact

    target = (1 - 1 / math.e) * exact.long_time(model).energy
    n = model.n_batteries
    frequency = model.drive + model.coupling * (n + 1) / 2 + abs(model.battery_detuning) * n / 2
    frequency += abs(model.charger_detuning) / 2 + model.dephasing

    def energy(grid):
        return exact.evolve(model, grid, basis="dicke", keep_states=False).energy

    start, horizon = 0.0, 4.0 / frequency
    while True:
        points = int(min(128, max(16, math.ceil(4 * frequency * (horizon - start)))))
        grid = np.linspace(start, horizon, points + 1)
        above = np.nonzero(energy(grid) >= target)[0]
        if above.size:
            i = int(above[0])
            tau = brentq(
                lambda t: energy(np.array([0.0, t]))[-1] - target,
                grid[i - 1],
                grid[i],
                xtol=1e-10 * grid[i],
                rtol=1e-12,
            )
            return [float(tau)]
        start, horizon = horizon, 2 * horizon


def ours_long_time(model, times):
    from qbcircuit import exact

    return [exact.long_time(model).ergotropy]


def dense_long_time(model, times):
    """The same limit with its ergotropy from the dense (N+1)-square state (as before)."""
    from qbcircuit import exact, thermo

    limit = exact.long_time(model)  # the reach time and the horizon, as ours computes them
    state = exact.resonant_blocks(model).long_time_battery_state()
    assert abs(limit.energy - float(np.diagonal(state) @ np.arange(state.shape[0]))) < 1e-8
    return [thermo.ergotropy_symmetric(state, model.omega0)]


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
    "aer_own": aer_own,
    "numpy_gates": numpy_gates,
    "ours_charging": ours_charging,
    "from_zero_charging": from_zero_charging,
    "ours_long_time": ours_long_time,
    "dense_long_time": dense_long_time,
    "ours_pulse": ours_pulse,
    "qutip": qutip_exact,
    "qutip_pulse": qutip_pulse,
    "piqs": piqs_exact,
}


def measure(solver: str, model_fields: dict, times: list, *args) -> dict:
    """In a fresh process: import, warm up on two time points, then run the solver; wall time
    (the median of up to 9 runs where one takes under 0.1 s, so that a few milliseconds are not
    one sample of a noisy machine) and the peak resident memory it added over the warm-up
    (ru_maxrss is a high-water mark, in KiB on Linux)."""
    import qutip  # noqa: F401 - imported before the baseline, like ours

    import qbcircuit  # noqa: F401
    from qbcircuit import StarModel

    model = StarModel(**model_fields)
    SOLVERS[solver](model, np.array(times[:2]), *args)  # warm-up: lazy imports, set-up, JIT
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runs: list[float] = []
    reported: list[float] = []
    while not runs or (len(runs) < 9 and runs[0] < 0.1):
        start = time.perf_counter()
        energy = SOLVERS[solver](model, np.array(times), *args)
        runs.append(time.perf_counter() - start)
        if isinstance(energy, dict) and "reported_seconds" in energy:
            reported.append(energy["reported_seconds"])
    seconds = float(np.median(runs))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    extra = energy if isinstance(energy, dict) else {"energy": energy}
    if reported:  # a solver's own account of its time is the one compared
        seconds = float(np.median(reported))
    return {
        "seconds": seconds,
        "peak_mib": peak / 1024,
        "added_mib": (peak - baseline) / 1024,
        "energy": np.asarray(extra["energy"]).tolist(),
    }


def _spin(stop) -> None:
    while not stop.is_set():
        sum(range(10_000))


def run_case(label: str, model: dict, times, legs: dict, loaded: bool = False) -> dict:
    """``legs``: name -> (solver, extra args); the first leg is ours, the others its peers.
    ``loaded``: a second CPU-bound process runs beside every leg."""
    context = multiprocessing.get_context("spawn")
    results = {}
    for name, (solver, extra) in legs.items():
        stop = context.Event()
        spinner = context.Process(target=_spin, args=(stop,), daemon=True) if loaded else None
        if spinner is not None:
            spinner.start()
        try:
            with cf.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                results[name] = pool.submit(measure, solver, model, list(times), *extra).result()
        finally:
            if spinner is not None:
                stop.set()
                spinner.join()
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--quick", action="store_true", help="smaller sizes (CI smoke run)")
    parser.add_argument("--report", type=Path, help="write the results page into this folder")
    args = parser.parse_args(argv)
    import qutip

    import qbcircuit

    print(f"qbcircuit {qbcircuit.__version__}, qutip {qutip.__version__}, {platform.machine()}")
    print("ratio = peer time / ours (> 1: ours is faster); MiB = peak memory added by the solve")
    times = np.linspace(0, 30, 61)
    small, large = (6, 40) if args.quick else (16, 200)
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
    for full in (4,) if args.quick else (6, 8):
        model = dict(n_batteries=full, **BASE)
        legs = {"ours": ("ours_exact", ("full",)), "qutip": ("qutip", ("full",))}
        rows.append(run_case(f"full N={full}", model, times, legs))
        if not args.quick:
            rows.append(run_case(f"full N={full}, loaded", model, times, legs, loaded=True))
    aer_times = np.linspace(0, 10 if args.quick else 30, 21 if args.quick else 121)
    for aer in (3,) if args.quick else (4, 6, 8):
        model = dict(n_batteries=aer, **BASE)
        legs = {
            "ours": ("ours_aer", ()),
            "aer_reported": ("aer_own", ()),
            "numpy": ("numpy_gates", ()),
            "qutip": ("qutip", ("full",)),
        }
        rows.append(run_case(f"aer density matrix N={aer}", model, aer_times, legs))
    legs = {"ours": ("ours_charging", ()), "from_t0": ("from_zero_charging", ())}
    for n in (8,) if args.quick else (16, 32):
        model = dict(n_batteries=n, battery_detuning=0.5, **BASE)
        rows.append(run_case(f"charging_time N={n} dB=0.5", model, [0.0], legs))
    legs = {"ours": ("ours_long_time", ()), "dense": ("dense_long_time", ())}
    for n in (200,) if args.quick else (1000,):
        model = dict(n_batteries=n, **BASE)
        rows.append(run_case(f"long_time N={n}", model, [0.0], legs))
    try:
        import qiskit_dynamics  # noqa: F401

        pulse_times = np.linspace(0, 20 if args.quick else 50, 41)
        for n in (2,) if args.quick else (2, 4):
            model = dict(n_batteries=n, **PULSE)
            legs = {"ours": ("ours_pulse", ()), "qutip": ("qutip_pulse", ())}
            rows.append(run_case(f"pulse lab frame N={n}", model, pulse_times, legs))
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
    write_report(rows, argv, qutip.__version__, args.report)


def write_report(
    rows: list[dict], argv: list[str] | None, qutip_version: str, folder: Path | None
) -> None:
    from qbcircuit.reports import Report

    page = Report("bench", "Benchmarks against QuTiP, PIQS and numpy", __file__, argv)
    page.describe(__doc__)
    page.text(
        f"QuTiP {qutip_version}. Each peer's time, its ratio to ours (> 1: ours is faster) "
        "and the largest difference of its E(t) from ours; memory is the peak resident memory "
        "each solve added."
    )

    def peers(row: dict) -> str:
        return "; ".join(
            f"{name} {leg['seconds']:.3g} s (x{leg['ratio']:.3g}, dE {leg['max_abs_dE']:.0e})"
            for name, leg in row.items()
            if isinstance(leg, dict) and "ratio" in leg
        )

    page.table(
        ["case", "ours", "ours memory", "peers (time, ratio, max dE)"],
        [
            [
                r["case"],
                f"{r['ours']['seconds']:.3g} s",
                f"{r['ours']['added_mib']:.0f} MiB",
                peers(r),
            ]
            for r in rows
        ],
    )
    page.write(folder)


if __name__ == "__main__":
    main()
