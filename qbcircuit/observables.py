"""Battery observables by name: one registry that every path evaluates.

A path (exact, pulse, Aer, tomography) turns each battery state it has into a
:class:`BatteryState`, in whatever form it holds it: a 2^N matrix in Qiskit qubit order, an
(N+1)-dim matrix in the symmetric (Dicke) basis, a factor M with rho = M M^+ (pure-state
trajectories), or the three things every observable here needs, computed by the path itself
(the resonant blocks and the tomography fits). :func:`evaluate` then fills one series per
registered :class:`Observable`. A new observable is one entry of :data:`OBSERVABLES`, written
against those three things:

* ``mean_excitation``: <number of excited battery qubits> (E = omega0 times it);
* ``spectrum``: the non-zero eigenvalues of rho_B, decreasing (the omitted ones are zero),
  each occurring ``multiplicities[i]`` times when given (a permutation-invariant state, whose
  block eigenvalues repeat once per copy of their spin sector), once otherwise;
* ``qubit_states``: single-qubit reduced states with multiplicities (one state with
  multiplicity N for a symmetric state).

>>> import numpy as np
>>> state = BatteryState.from_qubits(np.diag([0.0, 1.0]))      # one qubit in |1>
>>> {name: round(value, 12) for name, value in values(state, omega0=1.0).items()}
{'energy': 1.0, 'ergotropy': 1.0, 'local_ergotropy': 1.0, 'locked_ergotropy': 0.0, 'purity': 1.0}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qbcircuit import dicke, thermo

__all__ = ["OBSERVABLES", "BatteryState", "Observable", "evaluate", "values"]


@dataclass(frozen=True)
class BatteryState:
    """What the observables need of one battery state of ``n_qubits`` qubits (see the module
    docstring); build it with one of the ``from_*`` constructors or directly."""

    n_qubits: int
    mean_excitation: float
    spectrum: NDArray[np.float64]
    qubit_states: tuple[tuple[NDArray[np.complex128], int], ...]
    multiplicities: NDArray[np.float64] | None = None

    @classmethod
    def from_qubits(cls, rho: ArrayLike) -> BatteryState:
        """From the 2^N x 2^N state in Qiskit qubit order."""
        return cls.from_qubit_batch(np.asarray(rho, dtype=complex)[None])[0]

    @classmethod
    def from_qubit_batch(cls, states: ArrayLike) -> list[BatteryState]:
        """:meth:`from_qubits` of each of the states (K, 2^N, 2^N), computed for all at once."""
        batch = np.asarray(states, dtype=complex)
        count, dim = batch.shape[:2]
        n = dim.bit_length() - 1
        diagonals = np.real(np.diagonal(batch, axis1=1, axis2=2))
        means = diagonals @ thermo.battery_energies(n)
        spectra = np.linalg.eigvalsh((batch + batch.conj().transpose(0, 2, 1)) / 2)[:, ::-1]
        # qubit q is axis N-q of the (K, 2, ..., 2) row and column tensors
        tensor = batch.reshape((count,) + (2,) * (2 * n))
        singles = []
        for q in range(n):
            rows = tensor.reshape(count, 2 ** (n - 1 - q), 2, 2**q, dim)
            blocks = rows.reshape(count, 2 ** (n - 1 - q), 2, 2**q, 2 ** (n - 1 - q), 2, 2**q)
            singles.append(np.einsum("kaxbayb->kxy", blocks))
        return [
            cls(n, float(means[k]), spectra[k].copy(), tuple((s[k], 1) for s in singles))
            for k in range(count)
        ]

    @classmethod
    def from_dicke(cls, rho: ArrayLike) -> BatteryState:
        """From the (N+1)-dim state in the symmetric basis |N/2, n>, n excitations."""
        state = np.asarray(rho, dtype=complex)
        n = state.shape[0] - 1
        mean = float(np.real(np.diagonal(state)) @ np.arange(n + 1))
        below = np.diagonal(state, -1)  # rho[m, m-1]: Tr[rho J-] = sum_m rho[m, m-1] a_m
        jminus = complex(np.sum(below * dicke.jminus_offdiagonal(n)))
        spectrum = _decreasing(np.linalg.eigvalsh(_hermitian(state)))
        return cls.symmetric(n, mean, spectrum, jminus)

    @classmethod
    def from_factor(cls, factor: ArrayLike) -> BatteryState:
        """From M (2^N x r) with rho = M M^+ (e.g. r pure-state components, each / sqrt(K)):
        the spectrum comes from the r x r Gram matrix, never a 2^N matrix."""
        m = np.asarray(factor, dtype=complex)
        n = m.shape[0].bit_length() - 1
        mean = float(np.sum(np.abs(m) ** 2, axis=1) @ thermo.battery_energies(n))
        spectrum = _decreasing(np.linalg.eigvalsh(m.conj().T @ m))
        qubits = []
        for j in range(n):
            tensor = m.reshape(2 ** (n - 1 - j), 2, 2**j, m.shape[1])
            qubits.append((np.einsum("axbk,aybk->xy", tensor, tensor.conj()), 1))
        return cls(n, mean, spectrum, tuple(qubits))

    @classmethod
    def symmetric(
        cls, n: int, mean_excitation: float, spectrum: ArrayLike, jminus: complex
    ) -> BatteryState:
        """A state in the symmetric subspace from <n>, its spectrum and <J->: every qubit has
        the same reduced state, with excitation <n>/N and coherence <J->/N."""
        p = mean_excitation / n
        single = np.array([[1 - p, np.conj(jminus) / n], [jminus / n, p]], dtype=complex)
        return cls(n, mean_excitation, _decreasing(spectrum), ((single, n),))


def _hermitian(state: NDArray[np.complex128]) -> NDArray[np.complex128]:
    return (state + state.conj().T) / 2


def _decreasing(values: ArrayLike) -> NDArray[np.float64]:
    return np.sort(np.asarray(values, dtype=float))[::-1]


@dataclass(frozen=True)
class Observable:
    """A battery observable: ``of(state, omega0)`` for one :class:`BatteryState`."""

    name: str
    description: str
    of: Callable[[BatteryState, float], float]


def _energy(state: BatteryState, omega0: float) -> float:
    return omega0 * state.mean_excitation


def _ergotropy(state: BatteryState, omega0: float) -> float:
    """E minus the passive energy of the full spectrum on the levels of H_B (with their
    degeneracies), never the symmetric ladder's own levels."""
    if state.multiplicities is not None:
        passive = thermo.passive_energy_weighted(
            state.spectrum, state.multiplicities, state.n_qubits, omega0
        )
    else:
        passive = thermo.passive_energy_low_rank(state.spectrum, state.n_qubits, omega0)
    return thermo.clip_ergotropy(_energy(state, omega0) - passive)


def _local_ergotropy(state: BatteryState, omega0: float) -> float:
    """sum over qubits of omega0 (|r| - z)/2, r the Bloch vector of each reduced state (the
    ergotropy of a qubit whose ground state is |0>)."""
    total = 0.0
    for q, count in state.qubit_states:  # Python numbers: 2 x 2 numpy indexing costs more
        (upper, coherence), (_, lower) = np.asarray(q).tolist()
        z = (upper - lower).real
        total += count * (math.hypot(z, 2 * abs(coherence)) - z)
    return omega0 * total / 2


def _purity(state: BatteryState) -> float:
    squares = state.spectrum**2
    if state.multiplicities is not None:
        return float(squares @ state.multiplicities)
    return float(np.sum(squares))


OBSERVABLES: dict[str, Observable] = {
    o.name: o
    for o in (
        Observable("energy", "E = Tr[rho_B H_B]", _energy),
        Observable("ergotropy", "W = E - passive energy", _ergotropy),
        Observable("local_ergotropy", "sum of single-qubit ergotropies", _local_ergotropy),
        Observable(
            "locked_ergotropy",
            "W - local W: work locked in correlations",
            lambda s, w: _ergotropy(s, w) - _local_ergotropy(s, w),
        ),
        Observable("purity", "Tr[rho_B^2]", lambda s, w: _purity(s)),
    )
}
"""The registry, by name: every path evaluates all of them."""


def values(state: BatteryState, omega0: float, names: Sequence[str] | None = None) -> dict:
    """{name: value} of the registered observables (or ``names``) for one state."""
    chosen = OBSERVABLES if names is None else {name: OBSERVABLES[name] for name in names}
    return {name: float(o.of(state, omega0)) for name, o in chosen.items()}


def evaluate(
    states: Iterable[BatteryState], omega0: float, names: Sequence[str] | None = None
) -> dict[str, NDArray[np.float64]]:
    """{name: series over ``states``} of the registered observables (or ``names``)."""
    rows = [values(state, omega0, names) for state in states]
    chosen = list(OBSERVABLES) if names is None else list(names)
    return {name: np.array([row[name] for row in rows], dtype=float) for name in chosen}
