"""Where circuits meet a simulator or a device: the only package that runs anything.

Backend specs, one provider module per prefix (:data:`PROVIDERS`):

    "aer"            Aer, ideal (density matrix up to DENSITY_MATRIX_QUBITS qubits)   aer.py
    "aer:<fake>"     Aer with the noise model, coupling map and gates of a runtime fake device
    "fake:<fake>"    the runtime's fake device in local mode (qiskit-ibm-runtime's SamplerV2) ibm.py
    "ibm:<name>"     an IBM Quantum backend through QiskitRuntimeService (saved credentials)
    "braket:local"   Amazon Braket's local simulator (offline)                          braket.py
    "braket:<name>"  a Braket device by name or ARN (AWS credentials from ~/.aws or the environment)

Every provider implements the protocol of :mod:`~qbcircuit.backends.base`; a new one is a module
with its :class:`Backend` subclass and a resolver, and one line in :data:`PROVIDERS`. Layout and
cost estimation (:mod:`~qbcircuit.backends.layout`) are apart from running.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from qiskit import QuantumCircuit

from qbcircuit._checks import QbcircuitError
from qbcircuit.backends import aer, braket, ibm
from qbcircuit.backends.aer import (
    DENSITY_MATRIX_QUBITS,
    AerBackend,
    AerNoiseBackend,
    aer_options,
    consolidate_for_aer,
    device_noise_model,
    run_sampler,
    run_saved_states,
    transpile_for_aer,
)
from qbcircuit.backends.base import Backend, JobStatus, RemoteJob, check_shots, dense_counts
from qbcircuit.backends.braket import BraketBackend
from qbcircuit.backends.ibm import CLOUD_INSTALL, FakeBackend, IBMBackend
from qbcircuit.backends.layout import (
    active_qubits,
    charger_candidates,
    choose_layout,
    circuit_cost,
    circuit_duration,
    estimated_fidelity,
    repetition_delay,
    star_layout,
)

__all__ = [
    "BACKEND_PREFIXES",
    "CLOUD_INSTALL",
    "DENSITY_MATRIX_QUBITS",
    "PROVIDERS",
    "AerBackend",
    "AerNoiseBackend",
    "Backend",
    "BraketBackend",
    "FakeBackend",
    "IBMBackend",
    "JobStatus",
    "Provider",
    "RemoteJob",
    "active_qubits",
    "aer_options",
    "charger_candidates",
    "check_shots",
    "choose_layout",
    "circuit_cost",
    "circuit_duration",
    "consolidate_for_aer",
    "dense_counts",
    "device_noise_model",
    "estimated_fidelity",
    "parse_backend_spec",
    "repetition_delay",
    "resolve_backend",
    "run_sampler",
    "run_saved_states",
    "star_layout",
    "translate_for_backend",
    "transpile_for_aer",
    "transpile_for_backend",
]


@dataclass(frozen=True)
class Provider:
    """How specs with one prefix resolve: ``resolve(spec, name)`` builds the Backend (it may
    import its SDK and reach its service); ``forms`` are the spec shapes it takes, for messages;
    ``bare``: the prefix alone is a spec."""

    resolve: Callable[[str, str], Backend]
    forms: tuple[str, ...]
    bare: bool = False


PROVIDERS: dict[str, Provider] = {
    "aer": Provider(aer.resolve, ("aer", "aer:<fake backend>"), bare=True),
    "fake": Provider(ibm.resolve_fake, ("fake:<fake backend>",)),
    "ibm": Provider(ibm.resolve_ibm, ("ibm:<backend name>",)),
    "braket": Provider(braket.resolve, ("braket:local", "braket:<device name or ARN>")),
}
"""The backend providers by spec prefix."""

BACKEND_PREFIXES = tuple(PROVIDERS)


def parse_backend_spec(spec: Any, name: str = "backend") -> tuple[str, str]:
    """(prefix, name) of a spec, checked for its form only (nothing is imported or reached).

    >>> parse_backend_spec("fake:torino")
    ('fake', 'torino')
    """
    text = spec.strip() if isinstance(spec, str) else ""
    prefix, colon, device = text.partition(":")
    provider = PROVIDERS.get(prefix)
    if provider is None or (not device and (colon or not provider.bare)):
        forms = [repr(f) for p in PROVIDERS.values() for f in p.forms]
        raise QbcircuitError(
            f"Argument `{name}` must be {', '.join(forms[:-1])} or {forms[-1]}, got {spec!r}."
        )
    return prefix, device


def resolve_backend(spec: str) -> Backend:
    """Resolve a backend spec (see the package docstring); errors are one sentence.

    >>> resolve_backend("aer").kind
    'aer'
    """
    prefix, name = parse_backend_spec(spec)
    return PROVIDERS[prefix].resolve(spec, name)


def transpile_for_backend(
    circuits: Sequence[QuantumCircuit],
    backend: Backend,
    *,
    layout: Sequence[int] | None = None,
    optimization_level: int = 3,
    seed: int = 1,
) -> list[QuantumCircuit]:
    """``backend.transpile(...)`` (kept as a function for one release)."""
    return backend.transpile(
        circuits, layout=layout, optimization_level=optimization_level, seed=seed
    )


def translate_for_backend(
    circuits: Sequence[QuantumCircuit], backend: Backend
) -> list[QuantumCircuit]:
    """``backend.translate(...)`` (kept as a function for one release)."""
    return backend.translate(circuits)
