"""Execute on ideal Aer from states: each circuit instance is simulated once, up to the end of
its Trotter circuit, and every tomography setting's counts are drawn from that state.

A setting only rotates the battery qubits before measuring them, so its outcome probabilities
are the diagonal of R rho R^+ with R a product of one-qubit rotations (the gates the setting's
circuit appends). Aer's sampler does the same for a density matrix (one simulation, all shots
drawn from the final probabilities), but once per setting: with S settings this path simulates
each Trotter circuit once instead of S times. The counts are exact multinomial draws from those
probabilities, pooled over a random circuit's instances, in the meta/counts form
:func:`~qbcircuit.pipeline.execute.execute` returns, so :func:`combine` is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator

from qbcircuit.backends import aer_options, consolidate_for_aer
from qbcircuit.pipeline.execute import Counts
from qbcircuit.pipeline.experiment import TomographyExperiment
from qbcircuit.pipeline.plan import CHARGER, templates
from qbcircuit.tomography.settings import REGISTER, rotate_to_z

__all__ = ["outcome_probabilities", "sample_from_states", "simulate_states", "state_memory"]

_STATE = "system"


def state_memory(experiment: TomographyExperiment) -> int:
    """Bytes :func:`sample_from_states` holds at once: Aer's density matrix of the whole register
    (x3 for work space) and one template's instance states of the N+1 system qubits."""
    system = 16 * 4**experiment.model.n_qubits
    return 3 * 16 * 4**experiment.width + experiment.instance_count * system


def simulate_states(
    experiment: TomographyExperiment,
) -> Iterator[tuple[int, list[NDArray[np.complex128]], int]]:
    """The state of the N+1 system qubits at the end of every circuit instance (ancillas traced
    out), one Aer run per template (:func:`~qbcircuit.pipeline.plan.templates`), so only one
    template's states are held at a time: its time index, its instances' density matrices (one
    per row of random angles, else one) and the shots each of them is measured with."""
    from qiskit_aer import AerSimulator

    simulator = AerSimulator(**aer_options(method="density_matrix"))
    system = list(range(experiment.model.n_qubits))
    for template, values, i, shots in templates(experiment):
        rows = [template] if values is None else [template.assign_parameters(v) for v in values]
        circuits = []
        for circuit in rows:
            saving = circuit.copy()
            saving.save_density_matrix(system, label=_STATE)
            circuits.append(saving)
        result = simulator.run(consolidate_for_aer(circuits)).result()
        yield i, [np.asarray(result.data(k)[_STATE]) for k in range(len(circuits))], shots


@lru_cache(maxsize=256)
def _rotation(direction: tuple[float, float, float]) -> NDArray[np.complex128]:
    """The one-qubit unitary a setting applies before measuring along ``direction``."""
    circuit = QuantumCircuit(1)
    rotate_to_z(circuit, 0, direction)
    return np.asarray(Operator(circuit).data)


def outcome_probabilities(
    rho: NDArray[np.complex128], directions: Sequence[Sequence[tuple[float, float, float]]]
) -> NDArray[np.float64]:
    """Per setting, the probabilities of the N+1 measured bits (index bit q = qubit q: the
    charger is bit 0, battery qubit q is bit q) when battery qubit q is measured along
    ``directions[setting][q - 1]``, shape (settings, 2^(N+1))."""
    qubits = int(np.log2(rho.shape[0]))
    tensor = rho.reshape((2,) * (2 * qubits))  # axis a: qubit qubits - 1 - a (rows, then cols)
    out = np.empty((len(directions), 2**qubits))
    for s, setting in enumerate(directions):
        rotated = tensor
        for q, direction in enumerate(setting, start=1):
            u = _rotation(tuple(float(x) for x in direction))
            row, col = qubits - 1 - q, 2 * qubits - 1 - q
            rotated = np.moveaxis(np.tensordot(u, rotated, axes=(1, row)), 0, row)
            rotated = np.moveaxis(np.tensordot(u.conj(), rotated, axes=(1, col)), 0, col)
        diagonal = np.real(np.einsum("ii->i", rotated.reshape(2**qubits, 2**qubits)))
        out[s] = np.clip(diagonal, 0.0, None)
    return out / out.sum(axis=1, keepdims=True)


def sample_from_states(
    experiment: TomographyExperiment,
) -> tuple[list[dict[str, Any]], list[Counts]]:
    """Meta and counts of every (time, setting) PUB of ``experiment`` on ideal Aer, in the
    order and form of :func:`plan_tomography` + :func:`execute`: each instance's state is
    simulated once and every setting sampled from it with the instance's shots (seeded by the
    experiment's seed)."""
    n = experiment.model.n_batteries
    settings = experiment.settings
    directions = settings.directions()
    rng = np.random.default_rng(np.random.SeedSequence(experiment.seed).spawn(5)[4])
    meta: list[dict[str, Any]] = []
    counts: list[Counts] = []
    for i, states, shots in simulate_states(experiment):
        pooled = np.zeros((settings.count, 2**n, 2), dtype=np.int64)  # (setting, battery, charger)
        for rho in states:
            for s, p in enumerate(outcome_probabilities(rho, directions)):
                pooled[s] += rng.multinomial(shots, p).reshape(2**n, 2)
        for s in range(settings.count):
            meta.append(
                {
                    "role": "tomography",
                    "time": i,
                    "setting": s,
                    "battery": list(range(1, n + 1)),
                    "charger": 0,
                    "registers": [CHARGER, REGISTER],
                }
            )
            counts.append({CHARGER: pooled[s].sum(axis=0), REGISTER: pooled[s].sum(axis=1)})
    return meta, counts
