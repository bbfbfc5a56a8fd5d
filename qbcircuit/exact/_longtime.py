"""Long times: the t -> infinity limit with its reach time, the relaxation time and the
charging time, each on the fastest exact route the model allows."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import scipy.linalg as la
from numpy.typing import NDArray
from scipy.optimize import brentq

from qbcircuit import observables, thermo
from qbcircuit._checks import QbcircuitError, check_fraction, check_positive
from qbcircuit._threads import sized_threads
from qbcircuit.exact._cost import ROUND_OFF_LIMIT, check_memory, longest_time
from qbcircuit.exact._evolve import (
    DENSE_GAP_MAX_BATTERIES,
    _uses_blocks,
    check_evolve,
    evolve,
    state_rows,
)
from qbcircuit.exact._liouvillian import (
    Propagation,
    liouvillian,
    split_charger,
    stationary_state,
)
from qbcircuit.exact._reach import (
    REACH_DENSE_MAX_BATTERIES,
    dense_modes,
    reach_time,
    resonant_modes,
)
from qbcircuit.exact._resonant import ResonantBlocks, resonant_blocks
from qbcircuit.model import StarModel
from qbcircuit.results import LongTime

__all__ = [
    "DEFAULT_HORIZON",
    "DEFAULT_TOLERANCE",
    "charging_time",
    "charging_times",
    "check_long_time",
    "check_relaxation_time",
    "long_time",
    "relaxation_time",
]


# --------------------------------------------------------------------------- long time
def check_long_time(
    model: StarModel, what: str = "long_time", horizon: float | None = None
) -> None:
    """Refuse, in one sentence, a model whose long-time limit (or charging time) the exact
    routes cannot give: no drive or coupling, no dissipator, a model outside the kernel
    route's size, or (with ``horizon``, as long_time has) a horizon beyond the time the exact
    routes resolve. ``what`` names the request in the message."""
    for name in ("drive", "coupling"):
        if getattr(model, name) <= 0:
            raise QbcircuitError(
                f"{what} needs `{name}` > 0, got {getattr(model, name)!r}: without it the "
                "battery never charges."
            )
    if not model.dissipators():
        raise QbcircuitError(
            f"{what} needs `dephasing` > 0 (or another dissipator, `charger_relaxation`), got "
            "none: without one the battery never settles."
        )
    check_memory(model, "dicke", _uses_blocks(model, "dicke"), what)
    if not model.pure_charger_dephasing and model.n_batteries > REACH_DENSE_MAX_BATTERIES:
        raise QbcircuitError(
            f"{what} of a model with {', '.join(d.name for d in model.dissipators())} uses the "
            f"kernel of the dense sector generator, available up to N = "
            f"{REACH_DENSE_MAX_BATTERIES}, got N = {model.n_batteries}."
        )
    if horizon is not None and _uses_blocks(model, "dicke"):
        check_evolve(model, [check_positive("horizon", horizon)], basis="dicke")  # E, W there


DEFAULT_TOLERANCE = 1e-2
"""long_time's reach time: from then on E(t) is within this share of E_inf."""
DEFAULT_HORIZON = 1e3
"""long_time flags a limit whose reach time exceeds this (in 1/omega0) as not reached."""


def _limit(
    model: StarModel, blocks: ResonantBlocks | None = None
) -> tuple[float, float, int, float]:
    """E and W of the t -> infinity limit, the number of stationary states of the sector and
    the charger's excitation (``blocks``: the resonant decomposition, if already at hand).

    At resonance the limit is F F^T of rank <= 2m (:meth:`ResonantBlocks.long_time_factor`):
    its spectrum comes from the 2m-square F^T F, never from the (N+1)-square state."""
    n, omega0 = model.n_batteries, model.omega0
    excitations = np.arange(n + 1.0)
    if not model.pure_charger_dephasing:  # not unital: the kernel of the actual generator
        joint, stationary = stationary_state(model, "dicke")
        battery, excitation = split_charger(joint)
        energy = omega0 * float(np.real(np.diagonal(battery)) @ excitations)
        return energy, thermo.ergotropy_symmetric(battery, omega0), stationary, excitation
    if model.is_resonant:
        blocks = blocks if blocks is not None else resonant_blocks(model)
        factor = blocks.long_time_factor()
        energy = omega0 * float(np.sum(factor**2, axis=1) @ excitations)
        spectrum = np.clip(np.linalg.eigvalsh(factor.T @ factor)[::-1], 0.0, None)
        passive = thermo.passive_energy_low_rank(spectrum, n, omega0)
        return energy, thermo.clip_ergotropy(energy - passive), n + 1, 0.5
    # the maximally mixed state of the sector (passive within it, not among all 2^N levels)
    energy = omega0 * n / 2
    passive = thermo.passive_energy_low_rank(np.full(n + 1, 1 / (n + 1)), n, omega0)
    return energy, thermo.clip_ergotropy(energy - passive), 1, 0.5


def _sector(model: StarModel, *args: object, **kwargs: object) -> int:
    return 2 * model.n_qubits  # the Dicke sector's joint states


def _sector_generator(model: StarModel, *args: object, **kwargs: object) -> int:
    return (2 * model.n_qubits) ** 2  # the sector's dense generator


@sized_threads(_sector)
def long_time(
    model: StarModel,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    horizon: float = DEFAULT_HORIZON,
) -> LongTime:
    """t -> infinity limit of the all-ground state (needs F, g, gamma > 0), with the time it
    takes to get there.

    With the charger's dephasing as the only channel the dynamics is unital with a Hermitian
    jump operator, so the limit is the orthogonal projection of the initial state onto the
    commutant of {H, sz_C}. At battery resonance that commutant is spanned by the N+1 block
    projectors of :mod:`qbcircuit.exact._resonant` (never an arbitrary kernel element); with
    the battery detuned it is the identity alone and the limit is the maximally mixed state of
    the sector. With other dissipators (charger relaxation) the limit is the spectral
    projection of the initial state onto the kernel of the sector generator
    (N <= REACH_DENSE_MAX_BATTERIES).

    ``reach_time`` is a guaranteed bound: from then on |E(t) - E_inf| <= tolerance * E_inf
    (:mod:`qbcircuit.exact._reach`; at resonance for any N, detuned for
    N <= REACH_DENSE_MAX_BATTERIES, nan beyond). E and W at t = ``horizon`` are computed on the
    same routes, so an unreached limit shows what the battery holds at the horizon instead.
    """
    tolerance = check_fraction("tolerance", tolerance)
    horizon = check_positive("horizon", horizon)
    check_long_time(model, "long_time", horizon)
    blocks = resonant_blocks(model) if _uses_blocks(model, "dicke") else None
    energy, ergotropy, stationary, excitation = _limit(model, blocks)
    reach, at_horizon = _reach(model, blocks, tolerance * energy, horizon)
    return LongTime(
        model=model,
        energy=energy,
        ergotropy=ergotropy,
        charger_excitation=excitation,
        n_stationary=stationary,
        reach_time=reach,
        tolerance=tolerance,
        horizon=horizon,
        energy_at_horizon=at_horizon[0],
        ergotropy_at_horizon=at_horizon[1],
    )


def _reach(
    model: StarModel, blocks: ResonantBlocks | None, target: float, horizon: float
) -> tuple[float, tuple[float, float]]:
    """(reach time, (E, W) at the horizon) on an exact mode route, nan where there is none."""
    if blocks is not None:
        reach = reach_time(resonant_modes(model, blocks, target), target)
        late = evolve(model, [horizon], basis="dicke", keep_states=False)
        return reach, (float(late.energy[0]), float(late.ergotropy[0]))
    if model.n_batteries > REACH_DENSE_MAX_BATTERIES:
        return math.nan, (math.nan, math.nan)
    modes, values, weighted = dense_modes(model)
    dim = 2 * (model.n_batteries + 1)
    joint = (weighted @ np.exp(values * horizon)).reshape(dim, dim)
    battery = next(state_rows([joint], "dicke", keep=False))[0]
    at = observables.values(battery, model.omega0, ["energy", "ergotropy"])
    return reach_time(modes, target), (at["energy"], at["ergotropy"])


def check_relaxation_time(model: StarModel) -> None:
    """Refuse, in one sentence, a model whose relaxation time needs a dense spectrum beyond
    DENSE_GAP_MAX_BATTERIES."""
    if not _uses_blocks(model, "dicke") and model.n_batteries > DENSE_GAP_MAX_BATTERIES:
        raise QbcircuitError(
            "relaxation_time off the resonant block route (battery detuned, or dissipators "
            "other than the charger's dephasing) uses the dense sector spectrum, available up "
            f"to N = {DENSE_GAP_MAX_BATTERIES}, got N = {model.n_batteries}."
        )


@sized_threads(_sector_generator)
def relaxation_time(model: StarModel) -> float:
    """1 / (spectral gap of the sector Liouvillian): slowest decay rate of the non-stationary part.

    ``inf`` when some non-stationary mode never decays (gamma = 0 or degenerate blocks).
    """
    check_relaxation_time(model)
    if _uses_blocks(model, "dicke"):
        blocks = resonant_blocks(model)
        size = blocks.b.size
        k, m = np.divmod(np.arange(size * size), size)
        rates = np.abs(np.linalg.eigvals(blocks.generators(k, m)).real)
        diagonal = k == m
        rates[diagonal] = np.sort(rates[diagonal], axis=1)[:, ::-1]  # one zero mode per block
        rates[diagonal, -1] = np.inf
        gap = float(rates.min())
    else:
        values = la.eigvals(liouvillian(model, "dicke").toarray())
        rates = np.sort(np.abs(values.real))
        kernel = int(np.sum(np.abs(values) < 1e-9 * max(1.0, float(np.abs(values).max()))))
        gap = float(rates[max(kernel, 1)])
    return math.inf if gap < 1e-12 else 1.0 / gap


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
            self.propagation = Propagation(model, "dicke")

    def _from_joint(self, joint: NDArray[np.complex128]) -> float:
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
    )


@sized_threads(_sector)
def charging_times(
    model: StarModel, levels: Sequence[float], *, t_max: float = 1e4
) -> tuple[float, ...]:
    """First times with E(t) >= level * E_inf for every level in ``levels``, from one pass.

    E is scanned forward on doubling horizons with a step resolving the fastest frequency (at
    most 128 points per horizon); each crossing is refined by root finding between the two
    scanned times around it, starting from the state at the earlier one. ``inf`` for a level
    E stays below up to ``t_max`` (e.g. the weak-drive dark-state trap).
    """
    fractions = [check_fraction("level", level) for level in levels]
    t_max = check_positive("t_max", t_max)
    check_long_time(model, "charging_time")
    blocks = resonant_blocks(model) if _uses_blocks(model, "dicke") else None
    targets = np.array(fractions) * _limit(model, blocks)[0]
    found = np.full(len(fractions), math.inf)
    scan, frequency, resolved = _EnergyScan(model, blocks), _frequency(model), longest_time(model)
    start, horizon = 0.0, min(t_max, 4.0 / frequency, resolved)
    found[targets <= float(scan.advance(np.array([0.0]))[0])] = 0.0
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
        if horizon >= t_max:
            break
        if horizon >= resolved and np.any(np.isinf(found)):
            raise QbcircuitError(
                f"charging_time: E is still below the level at t = {horizon:.3g}, the longest "
                f"time the exact routes resolve to {ROUND_OFF_LIMIT:g}; the charging time is "
                "longer (exact.long_time bounds when the limit is reached)."
            )
        start, horizon = horizon, min(t_max, 2 * horizon, resolved)
    return tuple(float(x) for x in found)


def charging_time(model: StarModel, *, level: float = 1 - 1 / math.e, t_max: float = 1e4) -> float:
    """First time with E(t) >= level * E_inf (tau_1e by default; level=0.9 gives tau_90).

    One pass of :func:`charging_times`. Returns ``inf`` when E stays below the level up to
    ``t_max`` (e.g. the weak-drive dark-state trap).
    """
    return charging_times(model, [level], t_max=t_max)[0]
