"""How the model's dissipators enter a circuit: one small object per insertion kind.

Each channel acts on one qubit, and a channel for a time tau is a single-qubit map:

    dephasing   L = sqrt(gamma/2) sz:  rho -> (1-p) rho + p Z rho Z, p = (1 - exp(-gamma tau))/2
    relaxation  L = sqrt(Gamma) s-:    amplitude damping |1> -> |0> with probability
                                       1 - exp(-Gamma tau)
    excitation  L = sqrt(Gamma_up) s+: the same from |0> to |1>

An insertion realises them for every qubit that has channels (the charger first, then battery
qubits 1..N; the reversed order, channel by channel, in the second half of a Strang step, so
the step stays symmetric), exactly (on average over instances for the random ones), and
declares what the rest of the package needs to know: the extra qubits it uses, whether it is
random (instances), whether its circuits stay unitary (statevector trajectories work), whether
it runs on hardware and whether it has an OpenQASM form.

    "channel"    the exact Lindblad map of each qubit's channels over tau as one Kraus
                 instruction (``kraus``, native to Aer; no transpiler pass removes it, unlike
                 noise attached to ``id``); Aer only; every channel.
    "pauli"      Z with probability p (random unitary unravelling), one draw per instance;
                 dephasing only (a random unitary cannot realise a non-unital channel).
    "gaussian"   RZ(phi), phi ~ Normal(0, variance 2 gamma tau): E[exp(-i phi)] = exp(-gamma tau);
                 dephasing only.
    "collision"  an ancilla |0> that meets the qubit and is reset: RZX(theta) with
                 cos(theta) = exp(-gamma tau) for dephasing; CRY(2 asin sqrt(q)) then CX back
                 for damping with q = 1 - exp(-Gamma tau) (X on both sides for excitation);
                 runs on hardware with mid-circuit reset.
    "none"       no dissipator in the circuit (the closed-system Trotter circuit).

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
from scipy.linalg import expm

from qbcircuit._checks import QbcircuitError
from qbcircuit.model import OPERATORS, Dissipator, StarModel

__all__ = [
    "INSERTIONS",
    "Insertion",
    "damping_probability",
    "insertion",
    "phase_flip_probability",
    "qubit_channels",
]


def phase_flip_probability(rate: Any, duration: float) -> Any:
    """p with (1 - 2p) = exp(-gamma tau): the phase flip equal to dephasing for a time tau
    (``rate`` may be an array)."""
    return (1 - np.exp(-np.asarray(rate, dtype=float) * duration)) / 2


def damping_probability(rate: float, duration: float) -> float:
    """q = 1 - exp(-Gamma tau): the amplitude damping equal to relaxation for a time tau."""
    return -math.expm1(-rate * duration)


def _coherence_rate(channel: Dissipator) -> float:
    """The rate an insertion takes: gamma (coherence decay) for dephasing, whose dissipator
    rate is gamma/2; Gamma itself for relaxation and excitation."""
    return 2 * channel.rate if channel.operator == "sz" else channel.rate


def qubit_channels(model: StarModel) -> tuple[tuple[int, tuple[Dissipator, ...]], ...]:
    """(qubit, its dissipators) for every qubit with one, charger first."""
    groups: dict[int, list[Dissipator]] = {}
    for channel in model.dissipators():
        groups.setdefault(channel.qubit, []).append(channel)
    return tuple((q, tuple(groups[q])) for q in sorted(groups))


@dataclass(frozen=True)
class Insertion:
    """The model's dissipators for a time tau, as circuit instructions.

    Attributes:
        name: the kind, as written in configs.
        extra_qubits: ancillas appended after the N+1 system qubits.
        random: draws an angle per insertion (instances of one template).
        unitary: each instance is a unitary circuit (no channel, no reset).
        hardware: runs on a device (no simulator-only instruction).
        qasm: has an OpenQASM 3 form.
        operators: the single-qubit operators of the channels it realises (sz: dephasing,
            sminus: relaxation, splus: excitation); circuits of a model with any other
            channel are refused.
    """

    name: ClassVar[str] = ""
    extra_qubits: ClassVar[int] = 0
    random: ClassVar[bool] = False
    unitary: ClassVar[bool] = True
    hardware: ClassVar[bool] = True
    qasm: ClassVar[bool] = True
    operators: ClassVar[tuple[str, ...]] = ("sz", "sminus", "splus")

    def check_model(self, model: StarModel) -> None:
        """Refuse, in one sentence, a model with dissipators this insertion does not realise
        ("none" drops them all by choice)."""
        missing = sorted({d.name for d in model.dissipators() if d.operator not in self.operators})
        if missing and self.name != "none":
            why = (
                "a random-unitary unravelling realises unital channels (dephasing) only"
                if self.random
                else f"it realises {', '.join(self.operators)} channels only"
            )
            raise QbcircuitError(
                f"The {self.name!r} insertion cannot realise {', '.join(missing)}: {why} (use "
                "insertion 'channel' or 'collision', or the exact or pulse path)."
            )

    def draws(self, model: StarModel) -> bool:
        """Circuits of ``model`` hold random angles (a random kind, a dissipator to realise)."""
        return self.random and bool(model.dissipators())

    def insert(
        self,
        circuit: QuantumCircuit,
        model: StarModel,
        tau: float,
        rng: np.random.Generator | None,
        reverse: bool = False,
    ) -> None:
        """Append every channel of ``model`` for a time ``tau``: qubit by qubit, charger first
        (``reverse``: the mirror order, for the second half of a symmetric step). A random
        kind with no ``rng`` appends its angles as fresh parameters ``phi[k]`` (a template)
        and records each one's rate in ``circuit.metadata["insertion"]["rates"]``."""
        groups = qubit_channels(model)
        for qubit, channels in reversed(groups) if reverse else groups:
            self.append_qubit(circuit, qubit, channels[::-1] if reverse else channels, tau, rng)

    def append_qubit(
        self,
        circuit: QuantumCircuit,
        qubit: int,
        channels: tuple[Dissipator, ...],
        tau: float,
        rng: np.random.Generator | None,
    ) -> None:
        """The channels of one qubit, one after the other (dephasing commutes with damping;
        relaxation and excitation do not, and the mirrored order keeps the step symmetric)."""
        for channel in channels:
            self.append(circuit, qubit, channel.operator, _coherence_rate(channel), tau, rng)

    def append(
        self,
        circuit: QuantumCircuit,
        qubit: int,
        operator: str,
        rate: float,
        tau: float,
        rng: np.random.Generator | None,
    ) -> None:
        """Append one channel (``operator`` on ``qubit`` at ``rate``, see
        :func:`_coherence_rate`) for a time ``tau``."""

    def draw(
        self, rates: Any, tau: float, shape: tuple[int, ...], rng: np.random.Generator
    ) -> NDArray[np.float64]:
        """Values of a template's parameters (zeros for kinds without any); ``rates``: the
        dephasing rate of each column."""
        return np.zeros(shape)


def _parameter(circuit: QuantumCircuit, rate: float) -> Parameter:
    info = (circuit.metadata or {}).get("insertion")
    if info is not None:
        info.setdefault("rates", []).append(rate)
    return Parameter(f"phi[{len(circuit.parameters):05d}]")


@dataclass(frozen=True)
class NoInsertion(Insertion):
    name: ClassVar[str] = "none"

    def insert(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass(frozen=True)
class ChannelInsertion(Insertion):
    name: ClassVar[str] = "channel"
    unitary: ClassVar[bool] = False
    hardware: ClassVar[bool] = False
    qasm: ClassVar[bool] = False

    def append_qubit(
        self,
        circuit: QuantumCircuit,
        qubit: int,
        channels: tuple[Dissipator, ...],
        tau: float,
        rng: np.random.Generator | None,
    ) -> None:
        key = tuple((d.operator, d.rate) for d in channels)
        circuit.append(_qubit_error(key, tau), [qubit])


@lru_cache(maxsize=256)
def _qubit_error(channels: tuple[tuple[str, float], ...], tau: float) -> Any:
    """The Kraus instruction of exp(tau sum_k D[L_k]) on one qubit, built once per (channels,
    tau) (a circuit holds one instance per step: building it is the costly part): the phase
    flip itself for dephasing alone, else the exact map of the summed generator. A native Aer
    instruction ("kraus"): an Aer noise instruction instead would make Aer rebuild the whole
    circuit on every run to move it into a noise model."""
    from qiskit.quantum_info import Kraus, SuperOp

    if len(channels) == 1 and channels[0][0] == "sz":
        p = float(phase_flip_probability(2 * channels[0][1], tau))
        return Kraus(
            [np.sqrt(1 - p) * np.eye(2), np.sqrt(p) * np.diag([1.0, -1.0])]
        ).to_instruction()
    eye = np.eye(2)
    generator = np.zeros((4, 4), dtype=complex)
    for operator, rate in channels:  # column stacking: vec(A rho B) = (B^T (x) A) vec(rho)
        jump = np.sqrt(rate) * OPERATORS[operator]
        decay = jump.conj().T @ jump
        generator += np.kron(jump.conj(), jump) - (np.kron(eye, decay) + np.kron(decay.T, eye)) / 2
    return Kraus(SuperOp(expm(tau * generator))).to_instruction()


@dataclass(frozen=True)
class PauliInsertion(Insertion):
    """Z with probability p; as a template RZ(pi b), b ~ Bernoulli(p) (Z up to a global phase)."""

    name: ClassVar[str] = "pauli"
    random: ClassVar[bool] = True
    operators: ClassVar[tuple[str, ...]] = ("sz",)

    def append(
        self,
        circuit: QuantumCircuit,
        qubit: int,
        operator: str,
        rate: float,
        tau: float,
        rng: np.random.Generator | None,
    ) -> None:
        if rng is None:
            circuit.rz(_parameter(circuit, rate), qubit)
        elif rng.random() < phase_flip_probability(rate, tau):
            circuit.z(qubit)

    def draw(
        self, rates: Any, tau: float, shape: tuple[int, ...], rng: np.random.Generator
    ) -> NDArray[np.float64]:
        flips = rng.random(size=shape) < phase_flip_probability(rates, tau)
        return np.where(flips, np.pi, 0.0)


@dataclass(frozen=True)
class GaussianInsertion(Insertion):
    name: ClassVar[str] = "gaussian"
    random: ClassVar[bool] = True
    operators: ClassVar[tuple[str, ...]] = ("sz",)

    def append(
        self,
        circuit: QuantumCircuit,
        qubit: int,
        operator: str,
        rate: float,
        tau: float,
        rng: np.random.Generator | None,
    ) -> None:
        if rng is None:
            circuit.rz(_parameter(circuit, rate), qubit)
        else:
            circuit.rz(float(rng.normal(0.0, math.sqrt(2 * rate * tau))), qubit)

    def draw(
        self, rates: Any, tau: float, shape: tuple[int, ...], rng: np.random.Generator
    ) -> NDArray[np.float64]:
        scale = np.sqrt(2 * np.asarray(rates, dtype=float) * tau)
        return np.asarray(rng.normal(0.0, 1.0, size=shape) * scale)


@dataclass(frozen=True)
class CollisionInsertion(Insertion):
    """A fresh ancilla (the last qubit) per channel: an interaction, then reset."""

    name: ClassVar[str] = "collision"
    extra_qubits: ClassVar[int] = 1
    unitary: ClassVar[bool] = False

    def append(
        self,
        circuit: QuantumCircuit,
        qubit: int,
        operator: str,
        rate: float,
        tau: float,
        rng: np.random.Generator | None,
    ) -> None:
        system, ancilla = circuit.qubits[qubit], circuit.qubits[-1]
        if operator == "sz":
            circuit.rzx(math.acos(math.exp(-rate * tau)), system, ancilla)
        else:  # |1>|0> -> sqrt(1-q) |1>|0> + sqrt(q) |0>|1>; |0>|0> unchanged
            if operator == "splus":
                circuit.x(system)
            angle = 2 * math.asin(math.sqrt(damping_probability(rate, tau)))
            circuit.cry(angle, system, ancilla)
            circuit.cx(ancilla, system)
            if operator == "splus":
                circuit.x(system)
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
