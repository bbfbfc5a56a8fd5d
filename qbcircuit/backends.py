"""Where circuits meet a simulator: the only module that runs anything (Aer for now).

Circuits are transpiled for the simulator (the dephasing ``quantum_channel`` instructions survive
every optimization level) and run in one batch; saved states come back by label.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit import QuantumCircuit, transpile

__all__ = ["run_saved_states"]


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
