"""Where circuits meet a simulator: the only module that runs anything (Aer for now).

Circuits are transpiled for the simulator (the dephasing ``quantum_channel`` instructions survive
every optimization level) and run in one batch; saved states come back by label, measured
registers as dense counts through a qiskit SamplerV2 (Aer's by default, or any given one).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit import QuantumCircuit, transpile

from qbcircuit._checks import QbcircuitError

__all__ = ["DENSITY_MATRIX_QUBITS", "run_sampler", "run_saved_states", "transpile_for_aer"]

DENSITY_MATRIX_QUBITS = 12
"""Up to this many qubits Aer's sampler simulates the density matrix once and samples all shots;
beyond, it runs one trajectory per shot (statevector)."""


def run_saved_states(
    circuits: Sequence[QuantumCircuit], *, method: str, seed: int | None = None
) -> list[dict[str, NDArray[np.complex128]]]:
    """Run circuits on Aer (``method`` "density_matrix" or "statevector"); return, per circuit,
    its saved states (save_density_matrix / save_statevector) as arrays keyed by label."""
    from qiskit_aer import AerSimulator

    options: dict[str, Any] = {"method": method}
    if seed is not None:
        options["seed_simulator"] = seed
    simulator = AerSimulator(**options)
    compiled = transpile(list(circuits), simulator, optimization_level=1)
    result = simulator.run(compiled, shots=1).result()
    return [
        {label: np.asarray(value) for label, value in result.data(i).items()}
        for i in range(len(compiled))
    ]


def run_sampler(
    circuits: Sequence[QuantumCircuit],
    shots: int | Sequence[int],
    *,
    sampler: Any = None,
    seed: int | None = None,
    transpiled: bool = False,
) -> list[dict[str, NDArray[np.int64]]]:
    """Run measured circuits through a SamplerV2; return, per circuit, dense counts per
    classical register (index = the register's bits as an integer, bit 0 = clbit 0).

    ``shots``: one number, or one per circuit. ``sampler``: a SamplerV2 for circuits that are
    already in its target's ISA; default Aer's SamplerV2 (seeded by ``seed``) after
    transpiling with :func:`transpile_for_aer` (skipped when ``transpiled``).
    """
    counts = [shots] * len(circuits) if isinstance(shots, (int, np.integer)) else list(shots)
    if len(counts) != len(circuits) or any(
        isinstance(c, bool) or not isinstance(c, (int, np.integer)) or c < 1 for c in counts
    ):
        raise QbcircuitError(f"Argument `shots` must be integers >= 1, got {shots!r}.")
    if sampler is None:
        from qiskit_aer.primitives import SamplerV2

        width = max((c.num_qubits for c in circuits), default=0)
        method = "density_matrix" if width <= DENSITY_MATRIX_QUBITS else "statevector"
        if not transpiled:
            circuits = transpile_for_aer(circuits)
        sampler = SamplerV2(seed=seed, options={"backend_options": {"method": method}})
    pubs = [(c, None, int(n)) for c, n in zip(circuits, counts, strict=True)]
    result = sampler.run(pubs).result()
    out = []
    for circuit, pub in zip(circuits, result, strict=True):
        row = {}
        for register in circuit.cregs:
            dense = np.zeros(2**register.size, dtype=np.int64)
            for value, number in getattr(pub.data, register.name).get_int_counts().items():
                dense[value] = number
            row[register.name] = dense
        out.append(row)
    return out


def transpile_for_aer(circuits: Sequence[QuantumCircuit]) -> list[QuantumCircuit]:
    """Circuits in Aer's instruction set (optimization level 1; channels and resets kept)."""
    from qiskit_aer import AerSimulator

    return list(transpile(list(circuits), AerSimulator(), optimization_level=1))
