"""The dephased star battery: a frozen model description and the operators it defines.

Rotating frame at the drive frequency (docs/physics.md), hbar = 1, qubit 0 the charger C,
qubits 1..N the battery, |0> the ground state, sz = -Z:

    H   = (dC/2) sz_C + dB J_z + F sx_C + g (s+_C J- + s-_C J+)
        = -(dC/2) Z_0 - (dB/2) sum_j Z_j + F X_0 + (g/2) sum_j (X_0 X_j + Y_0 Y_j)
    L1  = sqrt(gamma/2) sz_C           (charger coherence decays as exp(-gamma t))
    L2  = sqrt(Gamma) s-_C             (charger relaxation, |1> -> |0>; off by default)
    L3j = sqrt(gamma_B/2) sz_j         (dephasing of every battery qubit j; off by default)
    L4j = sqrt(Gamma_B) s-_j           (relaxation of every battery qubit j; off by default)
    H_B = omega0 sum_j (1 - Z_j)/2     (ground energy 0, maximum N omega0)

A model builds operators; it never simulates. Its dissipators are data
(:meth:`StarModel.dissipators`): the solvers take any list of them, and their fast routes check
the model's capability flags (:attr:`StarModel.pure_charger_dephasing`,
:attr:`StarModel.unital`).

>>> model = StarModel(n_batteries=2, drive=1.0, coupling=0.5, dephasing=1.0)
>>> model.hamiltonian("dicke").shape
(6, 6)
>>> model.hamiltonian("full").shape
(8, 8)
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from qiskit.quantum_info import SparsePauliOp

from qbcircuit import dicke
from qbcircuit._checks import QbcircuitError, check_finite, check_nonnegative, check_positive

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["OPERATORS", "Basis", "Dissipator", "StarModel", "parse_toml", "read_toml"]

Basis = Literal["full", "dicke"]

_RATES = (
    "drive",
    "coupling",
    "dephasing",
    "charger_relaxation",
    "battery_dephasing",
    "battery_relaxation",
)
_DETUNINGS = ("charger_detuning", "battery_detuning")

# Sector operators of the charger, index c = 0 (ground), 1 (excited).
_SZ = sp.csr_matrix(np.diag([-1.0, 1.0]))
_SPLUS = sp.csr_matrix(np.array([[0.0, 0.0], [1.0, 0.0]]))
_SX = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))

OPERATORS = {
    "sz": np.diag([-1.0, 1.0]).astype(complex),  # sz = -Z: -1 on |0> (ground)
    "sminus": np.array([[0.0, 1.0], [0.0, 0.0]], dtype=complex),  # |0><1|
    "splus": np.array([[0.0, 0.0], [1.0, 0.0]], dtype=complex),  # |1><0|
}
"""Single-qubit operators a dissipator may act with (computational basis, |0> first)."""


@dataclass(frozen=True)
class Dissipator:
    """One Lindblad channel D[L] rho = L rho L^+ - {L^+ L, rho}/2 with L = sqrt(rate) A, where
    A is the single-qubit operator ``operator`` (a key of :data:`OPERATORS`) on ``qubit``
    (0 = the charger, j = battery qubit j).

    >>> Dissipator("charger_dephasing", 0.5, 0, "sz").hermitian
    True
    """

    name: str
    rate: float
    qubit: int
    operator: str

    @property
    def hermitian(self) -> bool:
        """L = L^+: the channel is unital (the maximally mixed state stays stationary)."""
        return self.operator == "sz"

    def matrix(self, model: StarModel, basis: Basis = "full") -> sp.csr_matrix:
        """L in ``basis``; the Dicke sector holds charger operators only."""
        local = np.sqrt(self.rate) * OPERATORS[self.operator]
        if _basis(basis) == "full":
            n = model.n_qubits  # qubit q is bit q: kron(..., q1, q0)
            eye_low = sp.identity(2**self.qubit, format="csr")
            eye_high = sp.identity(2 ** (n - self.qubit - 1), format="csr")
            return sp.csr_matrix(sp.kron(eye_high, sp.kron(local, eye_low)), dtype=complex)
        if self.qubit != 0:
            raise QbcircuitError(
                f"The {self.name} dissipator acts on battery qubit {self.qubit} and leaves the "
                "symmetric sector; use basis='full'."
            )
        eye_b = sp.identity(model.n_batteries + 1, format="csr")
        return sp.csr_matrix(sp.kron(eye_b, sp.csr_matrix(local)), dtype=complex)


def read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Parse a TOML file, turning every failure into one sentence naming the file."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise QbcircuitError(f"Config file {os.fspath(path)!r} does not exist.") from None
    except tomllib.TOMLDecodeError as error:
        raise QbcircuitError(f"Config file {os.fspath(path)!r} does not parse: {error}.") from None
    except UnicodeDecodeError as error:
        raise QbcircuitError(
            f"Config file {os.fspath(path)!r} is not UTF-8 text (byte {error.start})."
        ) from None
    except IsADirectoryError:
        raise QbcircuitError(f"Config file {os.fspath(path)!r} is a folder.") from None


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """Parse TOML text; a failure is one sentence naming ``source``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise QbcircuitError(f"Config {source!r} does not parse: {error}.") from None


@dataclass(frozen=True)
class StarModel:
    """N battery qubits coupled to one driven, dephased charger (all rates in omega0 units).

    Attributes:
        n_batteries: N >= 1.
        drive: F >= 0, the rotating-frame drive amplitude (F sx_C).
        coupling: g >= 0, flip-flop coupling per battery qubit (no 1/sqrt(N)).
        dephasing: gamma >= 0 with L = sqrt(gamma/2) sz_C (gamma = 1/T_phi).
        charger_detuning: dC = wC - wd.
        battery_detuning: dB = wB - wd (0 is the resonant, non-unique steady-state case).
        omega0: battery level spacing, > 0 (energy unit of H_B).
        charger_relaxation: Gamma >= 0 with L = sqrt(Gamma) s-_C (Gamma = 1/T1 at zero
            temperature); 0, the default, is the ideal star.
        battery_dephasing: gamma_B >= 0 with L = sqrt(gamma_B/2) sz_j on every battery qubit
            (each qubit's coherence decays as exp(-gamma_B t), as the charger's does with
            gamma); 0, the default, is the ideal star.
        battery_relaxation: Gamma_B >= 0 with L = sqrt(Gamma_B) s-_j on every battery qubit
            (Gamma_B = 1/T1 of a battery qubit at zero temperature); 0 by default.
    """

    n_batteries: int
    drive: float
    coupling: float
    dephasing: float
    charger_detuning: float = 0.0
    battery_detuning: float = 0.0
    omega0: float = 1.0
    charger_relaxation: float = 0.0
    battery_dephasing: float = 0.0
    battery_relaxation: float = 0.0

    def __post_init__(self) -> None:
        n = self.n_batteries
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise QbcircuitError(f"Argument `n_batteries` must be an integer >= 1, got {n!r}.")
        object.__setattr__(self, "n_batteries", int(n))
        for name in _RATES:
            object.__setattr__(self, name, check_nonnegative(name, getattr(self, name)))
        for name in _DETUNINGS:
            object.__setattr__(self, name, check_finite(name, getattr(self, name)))
        object.__setattr__(self, "omega0", check_positive("omega0", self.omega0))

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_dict(cls, table: Mapping[str, Any], *, where: str = "[model]") -> StarModel:
        """Build from a mapping with exactly the field names; unknown keys are refused."""
        names = [field.name for field in dataclasses.fields(cls)]
        unknown = sorted(set(table) - set(names))
        if unknown:
            raise QbcircuitError(
                f"Unknown key {unknown[0]!r} in {where}; expected some of {', '.join(names)}."
            )
        missing = [
            f.name
            for f in dataclasses.fields(cls)
            if f.default is dataclasses.MISSING and f.name not in table
        ]
        if missing:
            raise QbcircuitError(f"Key {missing[0]!r} is missing from {where}.")
        try:
            return cls(**table)
        except QbcircuitError as error:
            raise QbcircuitError(f"{where}: {error}") from None

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> StarModel:
        """Read the ``[model]`` table of a TOML file."""
        document = read_toml(path)
        table = document.get("model")
        if not isinstance(table, dict):
            raise QbcircuitError(f"Config file {os.fspath(path)!r} has no [model] table.")
        return cls.from_dict(table, where=f"[model] of {os.fspath(path)!r}")

    def replace(self, **changes: Any) -> StarModel:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    # ----------------------------------------------------------------- properties
    @property
    def n_qubits(self) -> int:
        return self.n_batteries + 1

    def dissipators(self) -> tuple[Dissipator, ...]:
        """The Lindblad channels with a non-zero rate, as data (built once per model)."""
        return self._dissipators

    @functools.cached_property
    def _dissipators(self) -> tuple[Dissipator, ...]:
        channels = [
            Dissipator("charger_dephasing", self.dephasing / 2, 0, "sz"),
            Dissipator("charger_relaxation", self.charger_relaxation, 0, "sminus"),
        ]
        battery = [
            (name, rate, operator)
            for name, rate, operator in (
                ("battery_dephasing", self.battery_dephasing / 2, "sz"),
                ("battery_relaxation", self.battery_relaxation, "sminus"),
            )
            if rate > 0
        ]
        if battery:  # one of each per battery qubit
            for j in range(1, self.n_batteries + 1):
                channels += [
                    Dissipator(name, rate, j, operator) for name, rate, operator in battery
                ]
        return tuple(d for d in channels if d.rate > 0)

    def jump_operators(self, basis: Basis = "full") -> list[sp.csr_matrix]:
        """L of every dissipator, in ``basis``."""
        return [d.matrix(self, basis) for d in self.dissipators()]

    @property
    def pure_charger_dephasing(self) -> bool:
        """Dephasing of the charger is the only channel (or there is none): the condition of
        the structured exact routes (real sign-mask generator, resonant blocks)."""
        return all(d.name == "charger_dephasing" for d in self.dissipators())

    @property
    def charger_channels_only(self) -> bool:
        """Every dissipator acts on the charger: from all-ground the state stays in the
        symmetric (Dicke) sector, the condition of ``basis="dicke"``."""
        return all(d.qubit == 0 for d in self.dissipators())

    @property
    def unital(self) -> bool:
        """Every jump operator is Hermitian: the dynamics is unital."""
        return all(d.hermitian for d in self.dissipators())

    @property
    def is_resonant(self) -> bool:
        """dB = 0: H^2 is conserved and the steady state is not unique (docs/physics.md, 6)."""
        return self.battery_detuning == 0.0

    # ----------------------------------------------------------------- Pauli operators
    def hamiltonian_pauli(self) -> SparsePauliOp:
        """Rotating-frame H on N+1 qubits as a SparsePauliOp (qubit 0 = charger)."""
        n, g = self.n_batteries, self.coupling
        terms: list[tuple[str, list[int], float]] = [
            ("Z", [0], -self.charger_detuning / 2),
            ("X", [0], self.drive),
        ]
        for j in range(1, n + 1):
            terms += [("Z", [j], -self.battery_detuning / 2)]
            terms += [("XX", [0, j], g / 2), ("YY", [0, j], g / 2)]
        return SparsePauliOp.from_sparse_list(terms, num_qubits=n + 1).simplify()

    def battery_hamiltonian_pauli(self) -> SparsePauliOp:
        """H_B = omega0 sum_j (1 - Z_j)/2 on N+1 qubits (identity on the charger)."""
        n, w = self.n_batteries, self.omega0
        terms: list[tuple[str, list[int], float]] = [("", [], w * n / 2)]
        terms += [("Z", [j], -w / 2) for j in range(1, n + 1)]
        return SparsePauliOp.from_sparse_list(terms, num_qubits=n + 1).simplify()

    # ----------------------------------------------------------------- matrices
    def hamiltonian(self, basis: Basis = "full") -> sp.csr_matrix:
        """Rotating-frame H as a sparse matrix, 2^(N+1) ("full") or 2(N+1) ("dicke") square."""
        if _basis(basis) == "full":
            return _sparse(self.hamiltonian_pauli())
        n = self.n_batteries
        eye_b, eye_c = sp.identity(n + 1, format="csr"), sp.identity(2, format="csr")
        jplus = dicke.jplus(n)
        h = (
            (self.charger_detuning / 2) * sp.kron(eye_b, _SZ)
            + self.battery_detuning * sp.kron(dicke.jz(n), eye_c)
            + self.drive * sp.kron(eye_b, _SX)
            + self.coupling * (sp.kron(jplus.T, _SPLUS) + sp.kron(jplus, _SPLUS.T))
        )
        return sp.csr_matrix(h, dtype=complex)

    def jump_operator(self, basis: Basis = "full") -> sp.csr_matrix:
        """L = sqrt(gamma/2) sz_C in the requested basis."""
        rate = np.sqrt(self.dephasing / 2)
        if _basis(basis) == "full":
            z0 = SparsePauliOp.from_sparse_list([("Z", [0], -rate)], num_qubits=self.n_qubits)
            return _sparse(z0)
        eye_b = sp.identity(self.n_batteries + 1, format="csr")
        return sp.csr_matrix(rate * sp.kron(eye_b, _SZ), dtype=complex)

    def battery_hamiltonian(self, basis: Basis = "full") -> sp.csr_matrix:
        """H_B (x) 1_C in the requested basis (diagonal: omega0 times the excitation count)."""
        if _basis(basis) == "full":
            return _sparse(self.battery_hamiltonian_pauli())
        levels = self.omega0 * np.repeat(np.arange(self.n_batteries + 1.0), 2)
        return sp.diags(levels.astype(complex), 0, format="csr")


def _basis(basis: str) -> str:
    if basis not in ("full", "dicke"):
        raise QbcircuitError(f"Argument `basis` must be 'full' or 'dicke', got {basis!r}.")
    return basis


def _sparse(op: SparsePauliOp) -> sp.csr_matrix:
    return sp.csr_matrix(op.to_matrix(sparse=True), dtype=complex)
