"""Benchmark of the permutation-invariant route against QuTiP's PIQS, measured in the same run.

Battery-local dephasing and relaxation on every battery qubit (the star with F = g = gamma = 1,
dB = 0.5, gamma_B = 0.01, Gamma_B = 0.005), 31 time points to t = 30. Ours: exact.evolve on
the spin sectors with E, W, local W and purity at every time. Peer: the same Lindbladian built
with PIQS (charger (x) the Dicke basis of all spin sectors, PIQS's local superoperator) and
QuTiP's mesolve at atol = rtol = 1e-10, computing E(t) only (PIQS leaves the ergotropy to the
user). Prints medians of the repeats, the ratio (peer / ours, > 1 means we are faster), the
largest deviation in E(t), and the peak memory of our call (tracemalloc: the arrays numpy and
scipy allocate). A peer case that runs past ``--peer-limit`` seconds is stopped and its time
reported as a lower bound (">"). ``--largest`` also times ours at growing N and reports the
largest N whose trace takes under 60 s on this machine.

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

import qbcircuit
from qbcircuit import StarModel, exact
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
TOLERANCE = 1e-10


def piqs_energy(model: StarModel, times) -> np.ndarray:
    """E(t) from mesolve of the same Lindbladian in PIQS's Dicke basis (charger first)."""
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
    options = {"atol": TOLERANCE, "rtol": TOLERANCE, "nsteps": 10**7, "store_states": False}
    result = qutip.mesolve(generator, start, times, e_ops=[energy], options=options)
    return np.real(np.asarray(result.expect[0]))


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


def _peer(n: int, repeat: int, queue: multiprocessing.Queue) -> None:
    model = StarModel(n_batteries=n, **BASE)
    queue.put(timed(lambda: piqs_energy(model, TIMES), repeat))


def peer_within(n: int, repeat: int, limit: float) -> tuple[float, np.ndarray | None]:
    """The peer's median time and E(t), in a child process stopped after ``limit`` seconds
    (then (limit, None): the peer takes longer than that)."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=_peer, args=(n, repeat, queue))
    child.start()
    try:
        return queue.get(timeout=limit)
    except Exception:  # queue.Empty: out of time
        return limit, None
    finally:
        child.terminate()
        child.join()


def compare(n: int, repeat: int, peer_repeat: int, limit: float) -> dict:
    model = StarModel(n_batteries=n, **BASE)
    ours(model, TIMES[:2])  # imports and caches warm
    ours_s, trajectory = timed(lambda: ours(model, TIMES), repeat)
    peer_s, peer = peer_within(n, peer_repeat, limit)
    return {
        "n_batteries": n,
        "points": TIMES.size,
        "t_max": float(TIMES[-1]),
        "ours_s": ours_s,
        "piqs_mesolve_s": peer_s,
        "peer_finished": peer is not None,
        "ratio": peer_s / ours_s,  # a lower bound when the peer did not finish
        "max_energy_difference": (
            float(np.max(np.abs(trajectory.energy - peer))) if peer is not None else None
        ),
        "ours_peak_bytes": peak_memory(lambda: ours(model, TIMES)),
        "repeats": [repeat, peer_repeat],
    }


def largest(limit: float = 60.0) -> dict:
    """Our t <= 30 trace at growing N: the largest N under ``limit`` seconds."""
    timings, best = {}, None
    for n in (40, 60, 80, 90, 100, 110, 120):
        seconds, _ = timed(lambda n=n: ours(StarModel(n_batteries=n, **BASE), TIMES), 1)
        timings[n] = seconds
        print(f"  ours N = {n:>3}: {seconds:8.2f} s", flush=True)
        if seconds > limit:
            break
        best = n
    return {"limit_s": limit, "largest_n": best, "seconds": timings}


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
    rows = []
    print(f"{'N':>4} {'ours s':>8} {'PIQS s':>8} {'ratio':>7} {'max |dE|':>9} {'ours MiB':>9}")
    for n in sizes:
        row = compare(n, 5 if n < 50 else 3, 3 if n < 50 else 1, args.peer_limit)
        rows.append(row)
        above = "" if row["peer_finished"] else ">"
        difference = row["max_energy_difference"]
        print(
            f"{n:>4} {row['ours_s']:>8.3f} {above + format(row['piqs_mesolve_s'], '.3f'):>8} "
            f"{above + format(row['ratio'], '.1f'):>7} "
            f"{'-' if difference is None else format(difference, '.1e'):>9} "
            f"{row['ours_peak_bytes'] / 2**20:>9.1f}",
            flush=True,
        )
    report = {
        "version": qbcircuit.__version__,
        "date": time.strftime("%Y-%m-%d"),
        "machine": platform.platform(),
        "model": BASE,
        "cases": rows,
    }
    page.table(
        ["N", "ours", "PIQS + mesolve", "ratio", "max dE", "our peak memory"],
        [
            [
                row["n_batteries"],
                f"{row['ours_s']:.3g} s",
                ("" if row["peer_finished"] else "> ") + f"{row['piqs_mesolve_s']:.3g} s",
                ("" if row["peer_finished"] else "> ") + f"x{row['ratio']:.1f}",
                "-" if row["max_energy_difference"] is None else row["max_energy_difference"],
                f"{row['ours_peak_bytes'] / 2**20:.1f} MiB",
            ]
            for row in rows
        ],
    )
    if args.largest:
        report["largest"] = largest()
        page.line(f"largest N with a t <= 30 trace under 60 s: {report['largest']['largest_n']}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_permutation.json").write_text(json.dumps(report, indent=1))
    page.write(args.report)


if __name__ == "__main__":
    main()
