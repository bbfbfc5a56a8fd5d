"""Execute on ideal Aer from states: each circuit instance is simulated once, up to the end of
its Trotter circuit, and every tomography setting's counts are drawn from that state.

A setting only rotates the battery qubits before measuring them, so its outcome probabilities
follow from the state alone (:func:`setting_probabilities`, through the fitters' own exact
outcome probabilities of each setting). Aer's sampler does the same for a density matrix (one
simulation, all shots drawn from the final probabilities), but once per setting: with S
settings this path simulates each Trotter circuit once instead of S times. The counts are
exact multinomial draws from those probabilities, pooled over a random circuit's instances, in
the meta/counts form :func:`~qbcircuit.pipeline.execute.execute` returns, so :func:`combine` is
unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qbcircuit import tomography
from qbcircuit._checks import QbcircuitError
from qbcircuit.backends import aer_options, consolidate_for_aer
from qbcircuit.pipeline.execute import Counts
from qbcircuit.pipeline.experiment import TomographyExperiment
from qbcircuit.pipeline.plan import CHARGER, templates
from qbcircuit.tomography.settings import REGISTER

__all__ = ["sample_from_states", "setting_probabilities", "simulate_states", "state_memory"]

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

    if len(experiment.zne_scales) > 1:
        raise QbcircuitError(
            "The simulated states are noiseless, so there is nothing to extrapolate: zero-noise "
            "extrapolation runs through a backend plan (submit)."
        )
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


def setting_probabilities(rho: NDArray[np.complex128], scheme: str) -> NDArray[np.float64]:
    """Joint probabilities of (battery register, charger) for every setting of ``scheme``,
    shape (settings, 2^N, 2), from the N+1-qubit state ``rho`` (charger = qubit 0): a setting
    rotates only the battery, so the charger-diagonal blocks <c| rho |c> give the battery's
    outcomes with the charger found in c (:func:`~qbcircuit.tomography.outcome_probabilities`,
    which is linear in the state)."""
    half = rho.shape[0] // 2
    blocks = rho.reshape(half, 2, half, 2)
    joint = np.stack(
        [tomography.outcome_probabilities(blocks[:, c, :, c], scheme) for c in (0, 1)], axis=-1
    )
    return joint / joint.sum(axis=(1, 2), keepdims=True)


def sample_from_states(
    experiment: TomographyExperiment,
) -> tuple[list[dict[str, Any]], list[Counts]]:
    """Meta and counts of every (time, setting) PUB of ``experiment`` on ideal Aer, in the
    order and form of :func:`plan_tomography` + :func:`execute`: each instance's state is
    simulated once and every setting sampled from it with the instance's shots (seeded by the
    experiment's seed)."""
    n = experiment.model.n_batteries
    settings = experiment.settings
    rng = np.random.default_rng(np.random.SeedSequence(experiment.seed).spawn(5)[4])
    meta: list[dict[str, Any]] = []
    counts: list[Counts] = []
    for i, states, shots in simulate_states(experiment):
        pooled = np.zeros((settings.count, 2**n, 2), dtype=np.int64)  # (setting, battery, charger)
        for rho in states:
            for s, p in enumerate(setting_probabilities(rho, experiment.scheme)):
                pooled[s] += rng.multinomial(shots, p.ravel()).reshape(2**n, 2)
        for s in range(settings.count):
            meta.append(
                {
                    "role": "tomography",
                    "time": i,
                    "setting": s,
                    "scale": 0,
                    "battery": list(range(1, n + 1)),
                    "charger": 0,
                    "registers": [CHARGER, REGISTER],
                }
            )
            counts.append({CHARGER: pooled[s].sum(axis=0), REGISTER: pooled[s].sum(axis=1)})
    return meta, counts
