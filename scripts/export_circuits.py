"""Regenerate circuits/qasm/: OpenQASM 3 of one Trotter step for N = 1..4 and each
hardware-ready dephasing kind (tests check the files are up to date).

    python scripts/export_circuits.py [--out circuits/qasm]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from qbcircuit.circuits import canonical_circuits, export_qasm3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parent.parent / "circuits" / "qasm"
    parser.add_argument("--out", type=Path, default=default)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, (title, circuit) in canonical_circuits().items():
        (args.out / name).write_text(export_qasm3(circuit, title))
    print(f"wrote {len(canonical_circuits())} files to {args.out}")


if __name__ == "__main__":
    main()
