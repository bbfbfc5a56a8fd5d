"""What the experiment costs on IBM-like devices: transpiled 2-qubit gates per Trotter step
against the ideal N interactions, depth, layout, and the QPU time of a W/E-versus-N study.

For each fake backend and N, the [hardware] experiment of a config (default
circuits/hardware_n2.toml with N replaced) is planned exactly as ``qbcircuit submit --dry-run``
plans it (the coupling order with fewer two-qubit gates, star-aware layout, ISA
transpilation, tomography settings, readout calibration);
nothing is submitted. Needs the cloud extra (fake backends).

    python scripts/hardware_cost.py --out cost            # N = 2, 4, 6 on Torino and Sherbrooke
    python scripts/hardware_cost.py --quick --out cost    # N = 2, 3 on Torino
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from qbcircuit import QbcircuitError, backends, jobs
from qbcircuit.config import RunConfig
from qbcircuit.reports import Report
from qbcircuit.results import write_atomic

COLUMNS = (
    "backend",
    "n_batteries",
    "two_qubit_gates_per_step",
    "ideal_interactions_per_step",
    "ratio",
    "two_qubit_gates_max",
    "depth_max",
    "layout",
    "ordering",
    "pubs",
    "circuits",
    "shots",
    "qpu_seconds",
    "plan_seconds",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("hardware-cost"))
    parser.add_argument("--quick", action="store_true", help="N = 2, 3 on one backend")
    parser.add_argument("--n", type=int, nargs="+", default=None)
    parser.add_argument("--backends", nargs="+", default=None)
    parser.add_argument("--report", type=Path, help="write the results page into this folder")
    args = parser.parse_args(argv)
    page = Report("hardware_cost", "Device cost of the experiment", __file__, argv)
    page.describe(__doc__)
    here = Path(__file__).resolve().parent.parent
    config = RunConfig.from_toml(args.config or here / "circuits" / "hardware_n2.toml")
    n_values = args.n or ([2, 3] if args.quick else [2, 4, 6])
    specs = args.backends or (["fake:torino"] if args.quick else ["fake:torino", "fake:sherbrooke"])
    rows = []
    print(
        f"{'backend':>16} {'N':>3} {'2q/step':>8} {'ideal':>6} {'ratio':>6} {'depth':>6} "
        f"{'PUBs':>5} {'shots':>8} {'QPU s':>8}  layout, coupling order"
    )
    try:
        for spec in specs:
            backend = backends.resolve_backend(spec)
            for n in n_values:
                model = config.model.replace(n_batteries=n)
                started = time.perf_counter()
                plan = jobs.plan_experiment(dataclasses.replace(config, model=model), backend)
                cost = plan.cost
                row = {
                    **{k: cost[k] for k in COLUMNS if k in cost},
                    "backend": backend.name,
                    "n_batteries": n,
                    "ratio": cost["two_qubit_gates_per_step"] / n,
                    "layout": plan.layout["chosen"],
                    "ordering": plan.layout["ordering"],
                    "by_ordering": plan.layout.get("two_qubit_per_step_by_ordering", {}),
                    "plan_seconds": time.perf_counter() - started,
                }
                rows.append(row)
                print(
                    f"{backend.name:>16} {n:>3} {row['two_qubit_gates_per_step']:>8.1f} "
                    f"{n:>6} {row['ratio']:>6.2f} {row['depth_max']:>6} {row['pubs']:>5} "
                    f"{row['shots']:>8} {row['qpu_seconds']:>8.1f}  {row['layout']}, "
                    f"{row['ordering']}"
                )
            total = sum(r["qpu_seconds"] for r in rows if r["backend"] == backend.name)
            study = f"W/E-versus-N study (N = {n_values}): {total:.0f} s of QPU time"
            page.text(f"{backend.name}: a {study}.")
            print(f"{'':>16} {study}")
    except QbcircuitError as error:
        print(f"hardware_cost: error: {error}", file=sys.stderr)
        return 2
    lines = [",".join(COLUMNS)] + [",".join(str(r[c]) for c in COLUMNS) for r in rows]
    write_atomic(args.out / "hardware_cost.csv", "\n".join(lines) + "\n")
    print(f"wrote {args.out / 'hardware_cost.csv'}")
    page.text(
        "Two-qubit gates per Trotter step of each coupling order (two steps transpiled at "
        "optimization level 3, seeded), the order chosen (the fewer gates), and what the "
        "whole experiment costs in that order: QPU time = shots x (circuit duration + the "
        "backend's repetition delay), queueing and compilation not included."
    )
    page.table(
        [
            "backend",
            "N",
            "routed star",
            "swap network",
            "chosen",
            "2-qubit gates per step",
            "max depth",
            "PUBs",
            "shots",
            "QPU time",
        ],
        [
            [
                r["backend"],
                r["n_batteries"],
                *_by_ordering(r),
                r["ordering"],
                f"{r['two_qubit_gates_per_step']:.1f}",
                r["depth_max"],
                r["pubs"],
                f"{r['shots']:.2g}",
                f"{r['qpu_seconds']:.0f} s",
            ]
            for r in rows
        ],
    )
    page.write(args.report)
    return 0


def _by_ordering(row: dict) -> list[str]:
    counts = row["by_ordering"]
    return [f"{counts[k]:.1f}" if k in counts else "-" for k in ("palindromic", "swap-network")]


if __name__ == "__main__":
    raise SystemExit(main())
