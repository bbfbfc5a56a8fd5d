"""The dephased star battery: a frozen model description and the operators it defines.

Rotating frame at the drive frequency (docs/physics.md), hbar = 1, qubit 0 the charger C,
qubits 1..N the battery, |0> the ground state, sz = -Z:

    H   = (dC/2) sz_C + dB J_z + F sx_C + g (s+_C J- + s-_C J+)
        = -(dC/2) Z_0 - (dB/2) sum_j Z_j + F X_0 + (g/2) sum_j (X_0 X_j + Y_0 Y_j)
    L1  = sqrt(gamma/2) sz_C           (charger coherence decays as exp(-gamma t))
    L2  = sqrt(Gamma) s-_C             (charger relaxation, |1> -> |0>; off by default)
    L2' = sqrt(Gamma_up) s+_C          (charger excitation, |0> -> |1>; off by default)
    L3j = sqrt(gamma_B/2) sz_j         (dephasing of every battery qubit j; off by default)
    L4j = sqrt(Gamma_B) s-_j           (relaxation of every battery qubit j; off by default)
    H_B = omega0 sum_j (1 - Z_j)/2     (ground energy 0, maximum N omega0)

Every battery qubit j may have its own coupling g_j and detuning dB_j (``coupling_offsets``,
``detuning_offsets`` or a seeded box-disorder draw), replacing g and dB above term by term.
The initial state is |c> (x) |battery> with the charger in |0> or |1> (``charger_initial``) and
the battery all-ground, a Dicke state |N/2, n> or a product of |0>s and |1>s
(``battery_initial``).

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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from qbcircuit._checks import (
    QbcircuitError,
    check_finite,
    check_integer,
    check_nonnegative,
    check_positive,
)
from qbcircuit.model._channels import OPERATORS, Dissipator
from qbcircuit.model._operators import Operators, check_basis
from qbcircuit.model._state import (
    battery_excitations,
    check_offsets,
    check_symmetric,
    initial_ket,
    per_qubit,
    thermal_charger,
    thermal_keys,
)
from qbcircuit.model._toml import parse_toml, read_toml

__all__ = [
    "OPERATORS",
    "Basis",
    "Dissipator",
    "StarModel",
    "check_symmetric",
    "parse_toml",
    "read_toml",
]

Basis = Literal["full", "dicke"]

_RATES = (
    "drive",
    "coupling",
    "dephasing",
    "charger_relaxation",
    "charger_excitation",
    "coupling_disorder",
    "detuning_disorder",
    "battery_dephasing",
    "battery_relaxation",
)
_DETUNINGS = ("charger_detuning", "battery_detuning")


@dataclass(frozen=True)
class StarModel(Operators):
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
        charger_excitation: Gamma_up >= 0 with L = sqrt(Gamma_up) s+_C; with
            ``charger_relaxation`` a thermal bath of the charger (:meth:`thermal_charger`).
        coupling_offsets: () or N numbers: g_j = g + offset_j for battery qubit j = 1..N.
        detuning_offsets: () or N numbers: dB_j = dB + offset_j.
        coupling_disorder: w_g >= 0: g_j also gets w_g u_j, u_j uniform in [-1, 1] drawn with
            ``disorder_seed`` (box disorder; every g_j must stay >= 0).
        detuning_disorder: w_d >= 0: dB_j also gets w_d v_j, v_j uniform in [-1, 1].
        disorder_seed: the seed of the draw (u and v are drawn together, so changing one width
            keeps the other pattern).
        charger_initial: 0 or 1, the charger's initial basis state.
        battery_initial: "ground" (every battery qubit |0>), "dicke:n" (the symmetric Dicke
            state |N/2, -N/2 + n> with n excitations) or N characters 0/1, battery qubit 1
            first (a product of basis states).
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
    charger_excitation: float = 0.0
    coupling_offsets: tuple[float, ...] = ()
    detuning_offsets: tuple[float, ...] = ()
    coupling_disorder: float = 0.0
    detuning_disorder: float = 0.0
    disorder_seed: int = 0
    charger_initial: int = 0
    battery_initial: str = "ground"

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
        for name in ("coupling_offsets", "detuning_offsets"):
            object.__setattr__(self, name, check_offsets(name, getattr(self, name), n))
        object.__setattr__(
            self, "disorder_seed", check_integer("disorder_seed", self.disorder_seed, 0)
        )
        object.__setattr__(
            self, "charger_initial", check_integer("charger_initial", self.charger_initial, 0, 1)
        )
        battery_excitations(self.battery_initial, n)  # refuses a malformed state
        couplings = self.battery_couplings
        if np.any(couplings < 0):
            j = int(np.argmax(couplings < 0))
            raise QbcircuitError(
                f"The coupling of battery qubit {j + 1} is g + offset + disorder = "
                f"{couplings[j]:.6g} < 0; use a smaller `coupling_disorder` or offsets."
            )

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_dict(cls, table: Mapping[str, Any], *, where: str = "[model]") -> StarModel:
        """Build from a mapping with the field names (``charger_t1`` and ``charger_occupation``
        stand for the two charger rates of :meth:`thermal_charger`); unknown keys are refused."""
        names = [field.name for field in dataclasses.fields(cls)]
        table = thermal_keys(dict(table), where)
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
        """The fields as plain data (offsets as lists), as a JSON or TOML file holds them."""
        return {
            k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()
        }

    # ----------------------------------------------------------------- properties
    def dissipators(self) -> tuple[Dissipator, ...]:
        """The Lindblad channels with a non-zero rate, as data (built once per model)."""
        return self._dissipators

    @functools.cached_property
    def _dissipators(self) -> tuple[Dissipator, ...]:
        channels = [
            Dissipator("charger_dephasing", self.dephasing / 2, 0, "sz"),
            Dissipator("charger_relaxation", self.charger_relaxation, 0, "sminus"),
            Dissipator("charger_excitation", self.charger_excitation, 0, "splus"),
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

    @staticmethod
    def thermal_charger(t1: float, occupation: float = 0.0) -> dict[str, float]:
        """Charger rates of a thermal bath with relaxation time ``t1`` and mean occupation
        n_th: Gamma = (n_th + 1)/T1 down, Gamma_up = n_th/T1 up (the steady state of the bare
        charger has excitation n_th/(2 n_th + 1)); in a config, the keys ``charger_t1`` and
        ``charger_occupation`` of [model].

        >>> StarModel.thermal_charger(10.0, 0.5)
        {'charger_relaxation': 0.15, 'charger_excitation': 0.05}
        """
        return thermal_charger(t1, occupation)

    @functools.cached_property
    def battery_couplings(self) -> NDArray[np.float64]:
        """g_j of battery qubits 1..N (offsets and disorder included; read-only, built once)."""
        return per_qubit(
            self.coupling, self.coupling_offsets, self.coupling_disorder, self._draw[0]
        )

    @functools.cached_property
    def battery_detunings(self) -> NDArray[np.float64]:
        """dB_j of battery qubits 1..N (offsets and disorder included; read-only, built once)."""
        return per_qubit(
            self.battery_detuning, self.detuning_offsets, self.detuning_disorder, self._draw[1]
        )

    @functools.cached_property
    def _draw(self) -> NDArray[np.float64]:
        """u_j and v_j of the disorder (zeros without any)."""
        if not (self.coupling_disorder or self.detuning_disorder):
            return np.zeros((2, self.n_batteries))
        return np.random.default_rng(self.disorder_seed).uniform(-1, 1, (2, self.n_batteries))

    @property
    def homogeneous(self) -> bool:
        """No offsets and no disorder: every battery qubit has g_j = g and dB_j = dB, and the
        Hamiltonian is symmetric under permutations of the battery (the condition of every
        sector route, which use g and dB themselves)."""
        offsets = self.coupling_offsets + self.detuning_offsets
        return not (any(offsets) or self.coupling_disorder or self.detuning_disorder)

    @property
    def symmetric_initial(self) -> bool:
        """The battery starts symmetric under permutations of its qubits (all-ground, a Dicke
        state, or a product with every bit equal)."""
        return self.dicke_excitations is not None

    @property
    def dicke_excitations(self) -> int | None:
        """n of the initial Dicke state |N/2, -N/2 + n> (0 for all-ground), None for a product
        state that is not symmetric."""
        counts = battery_excitations(self.battery_initial, self.n_batteries)
        if self.battery_initial == "ground" or self.battery_initial.startswith("dicke:"):
            return counts[0]
        return sum(counts) if len(set(counts)) == 1 else None

    @property
    def ground_initial(self) -> bool:
        """Every qubit starts in |0> (the condition of the resonant closed forms)."""
        return self.charger_initial == 0 and self.dicke_excitations == 0

    def initial_ket(self, basis: Basis = "full") -> NDArray[np.complex128]:
        """The initial pure state in ``basis`` (full: qubit q is bit q of the index; Dicke:
        index 2 n + c)."""
        return initial_ket(self, check_basis(basis))

    def initial_state(self, basis: Basis = "full") -> NDArray[np.complex128]:
        """The initial density matrix |psi0><psi0| in ``basis``."""
        ket = self.initial_ket(basis)
        return np.outer(ket, ket.conj())

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
        """Every dissipator acts on the charger: with a homogeneous battery and a symmetric
        initial state the state stays in the symmetric (Dicke) sector (``basis="dicke"``)."""
        return all(d.qubit == 0 for d in self.dissipators())

    @property
    def symmetric(self) -> bool:
        """Homogeneous battery and symmetric initial state: the sector routes apply (Dicke
        with charger channels only, the spin sectors with battery-local noise)."""
        return self.homogeneous and self.symmetric_initial

    @property
    def unital(self) -> bool:
        """Every jump operator is Hermitian: the dynamics is unital."""
        return all(d.hermitian for d in self.dissipators())

    @property
    def is_resonant(self) -> bool:
        """dB_j = 0 for every battery qubit (with homogeneous couplings H^2 is then conserved
        and the steady state is not unique, docs/physics.md)."""
        return bool(np.all(self.battery_detunings == 0.0))
