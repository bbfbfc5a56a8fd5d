"""Aer: the ideal simulator ("aer") and a device's noise model on Aer ("aer:<fake>").

Aer's SamplerV2 simulates the density matrix once and samples all shots up to
DENSITY_MATRIX_QUBITS qubits, and one trajectory per shot (statevector) beyond. Saved states
(save_density_matrix / save_statevector) come back as arrays (:func:`run_saved_states`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from qiskit import QuantumCircuit, transpile

from qbcircuit._checks import QbcircuitError
from qbcircuit._threads import thread_cap
from qbcircuit.backends.base import Backend, check_shots, dense_counts
from qbcircuit.circuits import Insertion, merge_gates

__all__ = [
    "DENSITY_MATRIX_QUBITS",
    "AerBackend",
    "AerNoiseBackend",
    "aer_options",
    "consolidate_for_aer",
    "device_noise_model",
    "resolve",
    "run_sampler",
    "run_saved_states",
    "transpile_for_aer",
]

DENSITY_MATRIX_QUBITS = 12
"""Up to this many qubits Aer's sampler simulates the density matrix once and samples all shots;
beyond, it runs one trajectory per shot (statevector)."""
AER_RUN_BYTES = 1024
"""Memory Aer's sampler holds per instruction of each bound circuit of one run (it binds every
parameter row as a circuit of its own, noise included): measured 620 B ideal, 670-860 B with a
device noise model, at N = 4."""


def aer_options(**options: Any) -> dict[str, Any]:
    """Aer simulator options with its thread count capped by $QBCIRCUIT_THREADS (0, Aer's
    default, uses every core; sweep workers set 1)."""
    return {"max_parallel_threads": thread_cap() or 0, **options}


def _method(width: int) -> str:
    return "density_matrix" if width <= DENSITY_MATRIX_QUBITS else "statevector"


def transpile_for_aer(circuits: Sequence[QuantumCircuit]) -> list[QuantumCircuit]:
    """Circuits in Aer's instruction set (optimization level 1; channels and resets kept)."""
    from qiskit_aer import AerSimulator

    return list(transpile(list(circuits), AerSimulator(), optimization_level=1))


def consolidate_for_aer(
    circuits: Sequence[QuantumCircuit], *, merged: bool = False
) -> list[QuantumCircuit]:
    """Circuits for Aer's simulation methods with every run of gates on at most two qubits
    merged into one ``unitary`` instruction (:func:`~qbcircuit.circuits.merge_gates`), which
    Aer applies directly: the exact same product of gates, with no expansion of native
    two-qubit terms into CX and rotations (``merged``: they already are). Anything still
    outside Aer's instruction set is then translated.
    """
    from qiskit_aer import AerSimulator

    out = list(circuits) if merged else [merge_gates(c) for c in circuits]
    native = set(AerSimulator().configuration().basis_gates)
    return [
        c if set(c.count_ops()) <= native else transpile(c, AerSimulator(), optimization_level=0)
        for c in out
    ]


@dataclass(frozen=True)
class AerBackend(Backend):
    """Ideal Aer: all-to-all, no noise beyond what the circuits contain."""

    kind: ClassVar[str] = "aer"
    noiseless: ClassVar[bool] = True
    run_bytes: ClassVar[int] = AER_RUN_BYTES

    def check(self, insertion: Insertion, width: int) -> None:
        super().check(insertion, width)
        if width > DENSITY_MATRIX_QUBITS and not insertion.unitary:
            raise QbcircuitError(
                f"The {insertion.name!r} insertion on Aer's sampler handles up to "
                f"{DENSITY_MATRIX_QUBITS} qubits, the circuits need {width}."
            )

    def transpile(
        self,
        circuits: Sequence[QuantumCircuit],
        *,
        layout: Sequence[int] | None = None,
        optimization_level: int = 3,
        seed: int = 1,
    ) -> list[QuantumCircuit]:
        return transpile_for_aer(circuits)

    def translate(self, circuits: Sequence[QuantumCircuit]) -> list[QuantumCircuit]:
        return transpile_for_aer(circuits)

    def sampler(
        self,
        *,
        seed: int | None,
        width: int,
        qubits: Sequence[int] | None = None,
        mode: Any = None,
    ) -> Any:
        from qiskit_aer.primitives import SamplerV2

        options = aer_options(method=_method(width))
        return SamplerV2(seed=seed, options={"backend_options": options})


@dataclass(frozen=True)
class AerNoiseBackend(Backend):
    """Aer with the noise model, coupling map and gates of a runtime fake device."""

    kind: ClassVar[str] = "aer-noise"
    idle_noise: ClassVar[bool] = True
    run_bytes: ClassVar[int] = AER_RUN_BYTES

    def sampler(
        self,
        *,
        seed: int | None,
        width: int,
        qubits: Sequence[int] | None = None,
        mode: Any = None,
    ) -> Any:
        from qiskit_aer.primitives import SamplerV2

        if qubits is None:
            raise QbcircuitError("Argument `qubits` is needed for a noisy device simulation.")
        options = aer_options(
            method=_method(width), noise_model=device_noise_model(self.device, qubits)
        )
        return SamplerV2(seed=seed, options={"backend_options": options})


def resolve(spec: str, name: str) -> Backend:
    """ "aer" or "aer:<fake device>"."""
    if not name:
        return AerBackend(spec, "aer")
    from qbcircuit.backends.ibm import fake_device

    device = fake_device(name)
    return AerNoiseBackend(spec, device.name, device)


_NOISE_MODELS: dict[tuple[str, tuple[int, ...]], Any] = {}


def device_noise_model(device: Any, qubits: Sequence[int]) -> Any:
    """The device's Aer noise model (gate errors with thermal relaxation, readout errors,
    thermal relaxation during delays; the same functions as ``NoiseModel.from_backend``) on
    ``qubits`` only.

    Same counts for the same seed as the full model on circuits confined to ``qubits``, but Aer
    converts the full 133-qubit model on every run (2.2 s each on this machine, against 0.04 s).
    Idle qubits relax only where a scheduled circuit holds delays
    (:func:`~qbcircuit.backends.schedule.schedule`).
    """
    key = (device.name, tuple(sorted(int(q) for q in qubits)))
    if key not in _NOISE_MODELS:
        from qiskit_aer.noise import NoiseModel
        from qiskit_aer.noise.device import basic_device_gate_errors, basic_device_readout_errors

        from qbcircuit.backends.schedule import relaxation_pass

        target, keep = device.target, set(key[1])
        model = NoiseModel(basis_gates=list(target.operation_names))
        for name, gate_qubits, error in basic_device_gate_errors(target=target):
            if set(gate_qubits) <= keep:
                model.add_quantum_error(error, name, gate_qubits)
        for readout_qubits, error in basic_device_readout_errors(target=target):
            if set(readout_qubits) <= keep:
                model.add_readout_error(error, readout_qubits)
        idle = relaxation_pass(device, key[1])
        if idle is not None:
            model._custom_noise_passes.append(idle)  # as from_backend attaches it
        _NOISE_MODELS[key] = model
    return _NOISE_MODELS[key]


def run_saved_states(
    circuits: Sequence[QuantumCircuit],
    *,
    method: str,
    seed: int | None = None,
    merged: bool = False,
) -> list[dict[str, NDArray[np.complex128]]]:
    """Run circuits on Aer (``method`` "density_matrix" or "statevector"); return, per circuit,
    its saved states (save_density_matrix / save_statevector) as arrays keyed by label.
    ``merged``: the circuits' gates are already merged (:func:`consolidate_for_aer`)."""
    from qiskit_aer import AerSimulator

    options = aer_options(method=method)
    if seed is not None:
        options["seed_simulator"] = seed
    simulator = AerSimulator(**options)
    compiled = consolidate_for_aer(circuits, merged=merged)
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
    counts = check_shots(shots, len(circuits))
    if sampler is None:
        width = max((c.num_qubits for c in circuits), default=0)
        if not transpiled:
            circuits = transpile_for_aer(circuits)
        sampler = AerBackend("aer", "aer").sampler(seed=seed, width=width)
    pubs = [(c, None, n) for c, n in zip(circuits, counts, strict=True)]
    result = sampler.run(pubs).result()
    return [
        dense_counts(pub, [register.name for register in circuit.cregs])
        for circuit, pub in zip(circuits, result, strict=True)
    ]
