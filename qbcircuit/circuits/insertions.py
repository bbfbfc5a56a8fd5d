"""How the charger's dephasing enters a circuit: one small object per insertion kind.

Dephasing L = sqrt(gamma/2) sz_C for a time tau is the phase-flip channel
rho -> (1-p) rho + p Z rho Z with p = (1 - exp(-gamma tau))/2. Each insertion realises it
exactly (on average over instances for the random ones) and declares what the rest of the
package needs to know: the extra qubits it uses, whether it is random (instances), whether its
circuits stay unitary (statevector trajectories work), whether it runs on hardware and whether
it has an OpenQASM form.

    "channel"    the Aer QuantumError itself as a circuit instruction (``quantum_channel``; no
                 transpiler pass removes it, unlike noise attached to ``id``); Aer only.
    "pauli"      Z with probability p (random unitary unravelling), one draw per instance.
    "gaussian"   RZ(phi), phi ~ Normal(0, variance 2 gamma tau): E[exp(-i phi)] = exp(-gamma tau).
    "collision"  ancilla |0>, RZX(theta) on (charger, ancilla), reset; cos(theta) = exp(-gamma tau).
    "none"       no dephasing in the circuit (the closed-system Trotter circuit).

A new kind is a subclass with :meth:`Insertion.append` (and :meth:`Insertion.draw` when random)
and one line in :data:`INSERTIONS`.

>>> insertion("collision").extra_qubits
1
>>> [name for name, kind in INSERTIONS.items() if kind.random]
['pauli', 'gaussian']
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter

from qbcircuit._checks import QbcircuitError
from qbcircuit.model import StarModel

__all__ = [
    "INSERTIONS",
    "Insertion",
    "insertion",
    "phase_flip_probability",
]


def phase_flip_probability(rate: float, duration: float) -> float:
    """p with (1 - 2p) = exp(-gamma tau): the phase flip equal to dephasing for a time tau."""
    return (1 - math.exp(-rate * duration)) / 2


@dataclass(frozen=True)
class Insertion:
    """The dephasing of the charger (qubit 0) for a time tau, as circuit instructions.

    Attributes:
        name: the kind, as written in configs.
        extra_qubits: ancillas appended after the N+1 system qubits.
        random: draws an angle per insertion (instances of one template).
        unitary: each instance is a unitary circuit (no channel, no reset).
        hardware: runs on a device (no simulator-only instruction).
        qasm: has an OpenQASM 3 form.
        channels: the model dissipators it realises (:meth:`StarModel.dissipators` names);
            circuits of a model with any other dissipator are refused.
    """

    name: ClassVar[str] = ""
    extra_qubits: ClassVar[int] = 0
    random: ClassVar[bool] = False
    unitary: ClassVar[bool] = True
    hardware: ClassVar[bool] = True
    qasm: ClassVar[bool] = True
    channels: ClassVar[tuple[str, ...]] = ("charger_dephasing",)

    def check_model(self, model: StarModel) -> None:
        """Refuse, in one sentence, a model with dissipators this insertion does not realise
        ("none" drops them all by choice)."""
        missing = sorted({d.name for d in model.dissipators()} - set(self.channels))
        if missing and self.name != "none":
            raise QbcircuitError(
                f"The {self.name!r} insertion realises {', '.join(self.channels)} only; this "
                f"model also has {', '.join(missing)} (use the exact or pulse path)."
            )

    def append(
        self, circuit: QuantumCircuit, rate: float, tau: float, rng: np.random.Generator | None
    ) -> None:
        """Append the insertion for a time ``tau`` at dephasing ``rate``; a random kind with no
        ``rng`` appends its angle as a fresh parameter ``phi[k]`` (a template)."""

    def draw(
        self, rate: float, tau: float, shape: tuple[int, ...], rng: np.random.Generator
    ) -> NDArray[np.float64]:
        """Values of a template's parameters (zeros for kinds without any)."""
        return np.zeros(shape)


def _parameter(circuit: QuantumCircuit) -> Parameter:
    return Parameter(f"phi[{len(circuit.parameters):05d}]")


@dataclass(frozen=True)
class NoInsertion(Insertion):
    name: ClassVar[str] = "none"


@dataclass(frozen=True)
class ChannelInsertion(Insertion):
    name: ClassVar[str] = "channel"
    unitary: ClassVar[bool] = False
    hardware: ClassVar[bool] = False
    qasm: ClassVar[bool] = False

    def append(
        self, circuit: QuantumCircuit, rate: float, tau: float, rng: np.random.Generator | None
    ) -> None:
        circuit.append(_phase_flip_error(phase_flip_probability(rate, tau)), [0])


@lru_cache(maxsize=64)
def _phase_flip_error(p: float) -> Any:
    """Aer's phase-flip QuantumError, built once per probability (a circuit holds one
    instance per step: building it is the costly part of the instruction)."""
    from qiskit_aer.noise import pauli_error

    return pauli_error([("Z", p), ("I", 1 - p)])


@dataclass(frozen=True)
class PauliInsertion(Insertion):
    """Z with probability p; as a template RZ(pi b), b ~ Bernoulli(p) (Z up to a global phase)."""

    name: ClassVar[str] = "pauli"
    random: ClassVar[bool] = True

    def append(
        self, circuit: QuantumCircuit, rate: float, tau: float, rng: np.random.Generator | None
    ) -> None:
        if rng is None:
            circuit.rz(_parameter(circuit), 0)
        elif rng.random() < phase_flip_probability(rate, tau):
            circuit.z(0)

    def draw(
        self, rate: float, tau: float, shape: tuple[int, ...], rng: np.random.Generator
    ) -> NDArray[np.float64]:
        flips = rng.random(size=shape) < phase_flip_probability(rate, tau)
        return np.where(flips, np.pi, 0.0)


@dataclass(frozen=True)
class GaussianInsertion(Insertion):
    name: ClassVar[str] = "gaussian"
    random: ClassVar[bool] = True

    def append(
        self, circuit: QuantumCircuit, rate: float, tau: float, rng: np.random.Generator | None
    ) -> None:
        if rng is None:
            circuit.rz(_parameter(circuit), 0)
        else:
            circuit.rz(float(rng.normal(0.0, math.sqrt(2 * rate * tau))), 0)

    def draw(
        self, rate: float, tau: float, shape: tuple[int, ...], rng: np.random.Generator
    ) -> NDArray[np.float64]:
        return np.asarray(rng.normal(0.0, math.sqrt(2 * rate * tau), size=shape))


@dataclass(frozen=True)
class CollisionInsertion(Insertion):
    """A fresh ancilla (the last qubit) per insertion: RZX(theta), then reset."""

    name: ClassVar[str] = "collision"
    extra_qubits: ClassVar[int] = 1
    unitary: ClassVar[bool] = False

    def append(
        self, circuit: QuantumCircuit, rate: float, tau: float, rng: np.random.Generator | None
    ) -> None:
        ancilla = circuit.qubits[-1]
        circuit.rzx(math.acos(math.exp(-rate * tau)), circuit.qubits[0], ancilla)
        circuit.reset(ancilla)


INSERTIONS: dict[str, Insertion] = {
    kind.name: kind
    for kind in (
        ChannelInsertion(),
        PauliInsertion(),
        GaussianInsertion(),
        CollisionInsertion(),
        NoInsertion(),
    )
}
"""Every insertion kind by name."""


def insertion(kind: str | Insertion, name: str = "insertion") -> Insertion:
    """The :class:`Insertion` named ``kind`` (an Insertion is returned as it is)."""
    if isinstance(kind, Insertion):
        return kind
    found = INSERTIONS.get(kind) if isinstance(kind, str) else None
    if found is None:
        raise QbcircuitError(f"Argument `{name}` must be one of {tuple(INSERTIONS)}, got {kind!r}.")
    return found
