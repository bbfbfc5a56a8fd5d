"""The charging time: the first time E(t) reaches a share of its limit, from one forward
pass over the propagation, on the fastest exact route the model allows."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

from qbcircuit._checks import QbcircuitError, check_fraction, check_positive
from qbcircuit._threads import sized_threads
from qbcircuit.exact._cost import ROUND_OFF_LIMIT, longest_time
from qbcircuit.exact._evolve import _uses_blocks, evolve, series_of, state_rows
from qbcircuit.exact._liouvillian import Propagation, split_charger
from qbcircuit.exact._longtime import _limit, _sector, check_long_time
from qbcircuit.exact._permutation import SpinSectors, permutation_rows, sector_energy
from qbcircuit.exact._resonant import ResonantBlocks, resonant_blocks
from qbcircuit.model import StarModel

__all__ = ["charging_points", "charging_time", "charging_times"]


class _EnergyScan:
    """E(t) of the Dicke sector in one forward pass: the resonant blocks in closed form at any
    t, or one propagation carried forward that keeps the state at every scanned time, so a
    crossing is refined from the scanned time before it, never from t = 0."""

    def __init__(self, model: StarModel, blocks: ResonantBlocks | None) -> None:
        """``blocks``: the model's resonant decomposition when its route uses it, else None."""
        self.omega0 = model.omega0
        self.excitations = np.arange(model.n_batteries + 1.0)
        self.blocks = blocks
        self.scanned: list[tuple[float, object]] = []
        if self.blocks is not None:
            u = self.blocks.u[:, self.blocks.active]
            v = self.blocks.v[:, self.blocks.active]
            # E = Tr[X0 a] + Tr[X1 b] with a, b symmetric
            self.a, self.b = (u.T * self.excitations) @ u, (v.T * self.excitations) @ v
        else:
            self.sectors = None if model.charger_channels_only else SpinSectors(model.n_batteries)
            self.propagation = Propagation(
                model, "dicke" if self.sectors is None else "permutation"
            )

    def _from_joint(self, joint: NDArray[np.complex128]) -> float:
        if self.sectors is not None:  # the concatenated spin sectors
            return self.omega0 * sector_energy(self.sectors, joint)
        return self.omega0 * float(np.real(np.diagonal(split_charger(joint)[0])) @ self.excitations)

    def _closed_form(self, times: NDArray[np.float64]) -> NDArray[np.float64]:
        assert self.blocks is not None
        energies = [
            float(np.real(np.sum(x0 * self.a) + np.sum(x1 * self.b)))
            for x0, x1 in self.blocks.battery_blocks(times)
        ]
        return self.omega0 * np.array(energies, dtype=float)

    def advance(self, times: NDArray[np.float64]) -> NDArray[np.float64]:
        """E at increasing ``times`` (from the last scanned time on); the propagation keeps
        the state at each of them (:meth:`between`)."""
        if self.blocks is not None:
            return self._closed_form(times)
        self.scanned = []
        energies = []
        for t in times:  # populations only: no spectrum, no local ergotropy
            energies.append(self._from_joint(self.propagation.advance(float(t))))
            self.scanned.append(self.propagation.checkpoint)
        return np.array(energies, dtype=float)

    def between(self, index: int, t: float) -> float:
        """E(t) for t after the ``index``-th time of the last :meth:`advance`, from its state."""
        if self.blocks is not None:
            return float(self._closed_form(np.array([t]))[0])
        return self._from_joint(self.propagation.from_checkpoint(self.scanned[index], t))

    def state_at(self, index: int, t: float) -> NDArray[np.complex128] | None:
        """The joint state at t, as :meth:`between` reaches it (None on the closed forms)."""
        if self.blocks is not None:
            return None
        return self.propagation.from_checkpoint(self.scanned[index], t)


def _frequency(model: StarModel) -> float:
    """A bound on the fastest rate of E(t): the scan's step resolves it."""
    n = model.n_batteries
    return (
        model.drive
        + model.coupling * (n + 1) / 2
        + abs(model.charger_detuning) / 2
        + abs(model.battery_detuning) * n / 2
        + model.dephasing
        + model.charger_relaxation
        + model.battery_dephasing
        + model.battery_relaxation
    )


@sized_threads(_sector)
def charging_times(
    model: StarModel, levels: Sequence[float], *, t_max: float = 1e4
) -> tuple[float, ...]:
    """First times with E(t) >= level * E_inf for every level in ``levels``, from one pass
    (:func:`charging_points` without the observables)."""
    return tuple(float(tau) for tau in _crossings(model, levels, t_max)[0])


@sized_threads(_sector)
def charging_points(
    model: StarModel, levels: Sequence[float], *, t_max: float = 1e4
) -> tuple[tuple[float, dict[str, float]], ...]:
    """(tau, the registry's observables at tau) for every level in ``levels``, from one pass:
    the first times with E(t) >= level * E_inf, and the battery there, taken from the same
    propagation (the state at tau from the scanned state before it), never integrated again
    from t = 0. The observables are empty where tau is ``inf``.

    E is scanned forward on doubling horizons with a step resolving the fastest frequency (at
    most 128 points per horizon); each crossing is refined by root finding between the two
    scanned times around it, starting from the state at the earlier one. ``inf`` for a level
    E stays below up to ``t_max`` (e.g. the weak-drive dark-state trap).
    """
    found, states, scan = _crossings(model, levels, t_max)
    return tuple(
        (float(tau), _observed(model, scan, float(tau), states.get(k)))
        for k, tau in enumerate(found)
    )


def _crossings(
    model: StarModel, levels: Sequence[float], t_max: float
) -> tuple[NDArray[np.float64], dict[int, NDArray[np.complex128] | None], _EnergyScan]:
    """The charging times of ``levels`` (see :func:`charging_points`), the joint state at each
    finite one (None on the closed forms), and the scan."""
    fractions = [check_fraction("level", level) for level in levels]
    t_max = check_positive("t_max", t_max)
    check_long_time(model, "charging_time")
    blocks = resonant_blocks(model) if _uses_blocks(model, "dicke") else None
    targets = np.array(fractions) * _limit(model, blocks)[0]
    found = np.full(len(fractions), math.inf)
    states: dict[int, NDArray[np.complex128] | None] = {}
    scan, frequency, resolved = _EnergyScan(model, blocks), _frequency(model), longest_time(model)
    start, horizon = 0.0, min(t_max, 4.0 / frequency, resolved)
    for k in np.nonzero(targets <= float(scan.advance(np.array([0.0]))[0]))[0]:
        found[k], states[int(k)] = 0.0, scan.state_at(0, 0.0)
    while np.any(np.isinf(found)):
        points = int(min(128, max(16, math.ceil(4 * frequency * (horizon - start)))))
        grid = np.linspace(start, horizon, points + 1)  # grid[0] = start: scanned before
        energy = scan.advance(grid)
        for k in np.nonzero(np.isinf(found))[0]:
            above = np.nonzero(energy >= targets[k])[0]
            if not above.size:
                continue
            i, target = int(above[0]), float(targets[k])

            def gap(x: float, i: int = i, target: float = target) -> float:
                return scan.between(i - 1, x) - target

            found[k] = brentq(gap, grid[i - 1], grid[i], xtol=1e-10 * grid[i], rtol=1e-12)
            states[int(k)] = scan.state_at(i - 1, float(found[k]))
        if horizon >= t_max:
            break
        if horizon >= resolved and np.any(np.isinf(found)):
            raise QbcircuitError(
                f"charging_time: E is still below the level at t = {horizon:.3g}, the longest "
                f"time the exact routes resolve to {ROUND_OFF_LIMIT:g}; the charging time is "
                "longer (exact.long_time bounds when the limit is reached)."
            )
        start, horizon = horizon, min(t_max, 2 * horizon, resolved)
    return found, states, scan


def _observed(
    model: StarModel, scan: _EnergyScan, tau: float, joint: NDArray[np.complex128] | None
) -> dict[str, float]:
    """Every registered observable of the battery at ``tau`` ({} for tau = inf): from the
    scan's state, or on the closed forms from evolve at that one time."""
    if not math.isfinite(tau):
        return {}
    if joint is None:
        # the closed forms: the resonant blocks of the Dicke sector at that one time
        at = evolve(model, [tau], basis="dicke", keep_states=False)
        return {name: float(values[0]) for name, values in at.series.items()}
    rows: Iterable[Any] = (
        permutation_rows(scan.sectors, iter([joint]))
        if scan.sectors is not None
        else state_rows([joint], "dicke", keep=False)
    )
    return {name: float(values[0]) for name, values in series_of(rows, model.omega0).items()}


def charging_time(model: StarModel, *, level: float = 1 - 1 / math.e, t_max: float = 1e4) -> float:
    """First time with E(t) >= level * E_inf (tau_1e by default; level=0.9 gives tau_90).

    One pass of :func:`charging_times`. Returns ``inf`` when E stays below the level up to
    ``t_max`` (e.g. the weak-drive dark-state trap).
    """
    return charging_times(model, [level], t_max=t_max)[0]
