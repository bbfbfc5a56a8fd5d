"""Benchmark of the permutation-invariant route against QuTiP's PIQS, measured in the same run.

Battery-local dephasing and relaxation on every battery qubit (the star with F = g = gamma = 1,
dB = 0.5, gamma_B = 0.01, Gamma_B = 0.005), 31 time points to t = 30. Ours: exact.evolve on
the spin sectors with E, W, local W and purity at every time. Peer: the same Lindbladian built
with PIQS (charger (x) the Dicke basis of all spin sectors, PIQS's local superoperator) and
QuTiP's mesolve, computing E(t) only (PIQS leaves the ergotropy to the user), at atol = rtol =
1e-10 and at 1e-12. Each solver's error is its largest deviation in E(t) from the exact
solution of the Lindbladian it integrates (scipy's expm_multiply of that generator, for N <= 20):
our Taylor propagation is exact to rounding, while mesolve's error stays at a few 1e-9 however
tight its tolerances, so the ratio at 1e-12 is the comparison closest to equal accuracy. Prints
medians of the repeats, the ratios (peer / ours, > 1 means we are faster) and the peak memory of
our call (tracemalloc: the arrays numpy and scipy allocate). A peer case that runs past
``--peer-limit`` seconds is stopped and its time reported as a lower bound (">"). ``--largest``
also times ours at growing N and reports the largest N whose trace takes under 60 s on this
machine.

    python scripts/bench_permutation.py --out bench-out [--quick] [--largest]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import statistics
import time
import tracemalloc
from pathlib import Path

import numpy as np
from scipy.sparse.linalg import expm_multiply

import qbcircuit
from qbcircuit import QbcircuitError, StarModel, exact
from qbcircuit.exact._permutation import initial_vector, permutation_generator, sector_energy
from qbcircuit.reports import Report

BASE = dict(
    drive=1.0,
    coupling=1.0,
    dephasing=1.0,
    battery_detuning=0.5,
    battery_dephasing=0.01,
    battery_relaxation=0.005,
)
TIMES = np.linspace(0.0, 30.0, 31)
TOLERANCES = (1e-10, 1e-12)
EXACT_MAX_BATTERIES = 20  # the exact references (expm_multiply of each generator) up to this N


def piqs_system(model: StarModel):
    """The star's Lindbladian, initial state and energy operator in PIQS's Dicke basis
    (charger first)."""
    import qutip
    from qutip import piqs

    n = model.n_batteries
    jz, jp = piqs.jspin(n, "z", basis="dicke"), piqs.jspin(n, "+", basis="dicke")
    one_b = qutip.qeye(jz.dims[0])
    sm = qutip.destroy(2)  # |0><1|, ground |0>
    sz = sm.dag() * sm - sm * sm.dag()
    h = (
        model.charger_detuning / 2 * qutip.tensor(sz, one_b)
        + model.battery_detuning * qutip.tensor(qutip.qeye(2), jz)
        + model.drive * qutip.tensor(sm + sm.dag(), one_b)
        + model.coupling * (qutip.tensor(sm.dag(), jp.dag()) + qutip.tensor(sm, jp))
    )
    local = piqs.Dicke(
        n, emission=model.battery_relaxation, dephasing=2 * model.battery_dephasing
    ).lindbladian()
    generator = qutip.liouvillian(h, [np.sqrt(model.dephasing / 2) * qutip.tensor(sz, one_b)])
    generator += qutip.super_tensor(qutip.to_super(qutip.qeye(2)), local)
    start = qutip.tensor(qutip.fock_dm(2, 0), piqs.dicke(n, n / 2, -n / 2))
    energy = model.omega0 * qutip.tensor(qutip.qeye(2), jz + n / 2 * one_b)
    return generator, start, energy


def piqs_energy(model: StarModel, times, tolerance: float) -> np.ndarray:
    """E(t) from mesolve of the PIQS Lindbladian at atol = rtol = ``tolerance``."""
    import qutip

    generator, start, energy = piqs_system(model)
    options = {"atol": tolerance, "rtol": tolerance, "nsteps": 10**7, "store_states": False}
    result = qutip.mesolve(generator, start, times, e_ops=[energy], options=options)
    return np.real(np.asarray(result.expect[0]))


def exact_vectors(generator, start, times) -> np.ndarray:
    """exp(G t) start at each of the evenly spaced ``times`` (scipy's expm_multiply)."""
    return expm_multiply(
        generator, start, start=times[0], stop=times[-1], num=times.size, endpoint=True
    )


def piqs_exact(model: StarModel, times) -> np.ndarray:
    """E(t) of the PIQS Lindbladian, exact: scipy's expm_multiply of its generator."""
    import qutip

    generator, start, energy = piqs_system(model)
    vectors = exact_vectors(
        generator.data_as("csr_matrix"), qutip.operator_to_vector(start).full().ravel(), times
    )
    return np.real(vectors @ qutip.operator_to_vector(energy).full().ravel().conj())


def ours_exact(model: StarModel, times) -> np.ndarray:
    """E(t) of our spin-sector generator, exact: scipy's expm_multiply of it (a second
    implementation of the propagation, not of the generator)."""
    generator, sectors = permutation_generator(model)
    vectors = exact_vectors(generator, initial_vector(model, sectors), times)
    return model.omega0 * np.array([sector_energy(sectors, vector) for vector in vectors])


def ours(model: StarModel, times):
    return exact.evolve(model, times)


def timed(function, repeat: int) -> tuple[float, object]:
    seconds, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), value


def peak_memory(function) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _peer(n: int, repeat: int, tolerance: float, queue: multiprocessing.Queue) -> None:
    model = StarModel(n_batteries=n, **BASE)
    queue.put(timed(lambda: piqs_energy(model, TIMES, tolerance), repeat))


def peer_within(
    n: int, repeat: int, tolerance: float, limit: float
) -> tuple[float, np.ndarray | None]:
    """The peer's median time and E(t), in a child process stopped after ``limit`` seconds
    (then (limit, None): the peer takes longer than that)."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=_peer, args=(n, repeat, tolerance, queue))
    child.start()
    try:
        return queue.get(timeout=limit)
    except Exception:  # queue.Empty: out of time
        return limit, None
    finally:
        child.terminate()
        child.join()


def _error(values, reference) -> float | None:
    if values is None or reference is None:
        return None
    return float(np.max(np.abs(np.asarray(values) - reference)))


def compare(n: int, repeat: int, peer_repeat: int, limit: float) -> dict:
    model = StarModel(n_batteries=n, **BASE)
    ours(model, TIMES[:2])  # imports and caches warm
    ours_s, trajectory = timed(lambda: ours(model, TIMES), repeat)
    small = n <= EXACT_MAX_BATTERIES
    ours_reference = ours_exact(model, TIMES) if small else None
    peer_reference = piqs_exact(model, TIMES) if small else None
    peers = {}
    for tolerance in TOLERANCES:
        seconds, energy = peer_within(n, peer_repeat, tolerance, limit)
        peers[f"{tolerance:.0e}"] = {
            "tolerance": tolerance,
            "seconds": seconds,
            "finished": energy is not None,
            "ratio": seconds / ours_s,  # a lower bound when the peer did not finish
            "error": _error(energy, peer_reference),
            "difference_from_ours": _error(energy, trajectory.energy),
        }
        if energy is None:  # a tighter tolerance takes longer still
            break
    return {
        "n_batteries": n,
        "points": TIMES.size,
        "t_max": float(TIMES[-1]),
        "ours_s": ours_s,
        "ours_error": _error(trajectory.energy, ours_reference),
        "lindbladians_differ_by": _error(peer_reference, ours_reference),
        "peers": peers,
        "ours_peak_bytes": peak_memory(lambda: ours(model, TIMES)),
        "repeats": [repeat, peer_repeat],
    }


def largest(limit: float = 60.0) -> dict:
    """Our t <= 30 trace at growing N: the largest N under ``limit`` seconds, with the
    peak memory of each call (traced in the same call)."""
    timings, memory, best = {}, {}, None
    for n in (40, 60, 80, 90, 100, 110, 120):
        model = StarModel(n_batteries=n, **BASE)
        tracemalloc.start()
        try:
            seconds, _ = timed(lambda model=model: ours(model, TIMES), 1)
            memory[n] = tracemalloc.get_traced_memory()[1]
        except QbcircuitError as refused:  # its own estimate is over the time budget
            print(f"  ours N = {n:>3}: refused ({refused})", flush=True)
            break
        finally:
            tracemalloc.stop()
        timings[n] = seconds
        print(f"  ours N = {n:>3}: {seconds:8.2f} s {memory[n] / 2**20:8.1f} MiB", flush=True)
        if seconds > limit:
            break
        best = n
    return {"limit_s": limit, "largest_n": best, "seconds": timings, "peak_bytes": memory}


def _seconds(peer: dict | None) -> str:
    if peer is None:
        return "-"
    return ("" if peer["finished"] else "> ") + f"{peer['seconds']:.3g} s"


def _ratio(peer: dict | None) -> str:
    if peer is None:
        return "-"
    return ("" if peer["finished"] else "> ") + f"x{peer['ratio']:.1f}"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1e}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--quick", action="store_true", help="N = 10, 20 only")
    parser.add_argument("--largest", action="store_true", help="also the largest N in 60 s")
    parser.add_argument("--peer-limit", type=float, default=900.0, help="seconds per peer case")
    parser.add_argument("--report", type=Path, help="write the results page into this folder")
    args = parser.parse_args(argv)
    page = Report("bench_permutation", "Battery noise at large N: against PIQS", __file__, argv)
    page.describe(__doc__)
    sizes = [10, 20] if args.quick else [10, 20, 50]
    header = ["N", "ours", "ours error"]
    for tolerance in TOLERANCES:
        header += [f"PIQS {tolerance:.0e}", "its error", "ratio"]
    header.append("our peak memory")
    print(" | ".join(header))
    rows, table = [], []
    for n in sizes:
        row = compare(n, 5 if n < 50 else 3, 3 if n < 50 else 1, args.peer_limit)
        rows.append(row)
        cells = [n, f"{row['ours_s']:.3g} s", _number(row["ours_error"])]
        for tolerance in TOLERANCES:
            peer = row["peers"].get(f"{tolerance:.0e}")
            cells += [_seconds(peer), _number(peer and peer["error"]), _ratio(peer)]
        cells.append(f"{row['ours_peak_bytes'] / 2**20:.1f} MiB")
        table.append(cells)
        print(" | ".join(str(cell) for cell in cells), flush=True)
    report = {
        "version": qbcircuit.__version__,
        "date": time.strftime("%Y-%m-%d"),
        "machine": platform.platform(),
        "model": BASE,
        "cases": rows,
    }
    page.table(header, table)
    differences = [row["lindbladians_differ_by"] for row in rows if row["ours_error"] is not None]
    if differences:
        page.line(f"The two Lindbladians' exact E(t) differ by at most {max(differences):.1e}.")
    if args.largest:
        report["largest"] = largest()
        found = report["largest"]
        page.table(
            ["N", "ours", "our peak memory"],
            [
                [n, f"{seconds:.3g} s", f"{found['peak_bytes'][n] / 2**20:.0f} MiB"]
                for n, seconds in found["seconds"].items()
            ],
        )
        page.line(f"largest N with a t <= 30 trace under 60 s: {found['largest_n']}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_permutation.json").write_text(json.dumps(report, indent=1))
    page.write(args.report)


if __name__ == "__main__":
    main()
