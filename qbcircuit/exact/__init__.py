"""Exact dynamics of the dephased star battery from the all-ground state: the oracle.

Two exact routes, cross-checked in the tests:

* ``basis="full"``: the Lindblad generator on all 2^(N+1) qubit states (small N);
* ``basis="dicke"``: the 2(N+1)-dim charger (x) symmetric-battery sector, exact from all-ground
  (PHYSICS.md item 1). At battery resonance with F > 0 it uses the exact block decomposition of
  :mod:`qbcircuit.exact._resonant` (cost independent of t); otherwise the sector generator.

>>> from qbcircuit import StarModel
>>> lt = long_time(StarModel(n_batteries=3, drive=1.0, coupling=1.0, dephasing=1.0,
...                          battery_detuning=0.5))
>>> round(lt.ratio, 12), lt.n_stationary        # (N-1)/(N+1) = 1/2
(0.5, 1)
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from typing import Literal

import numpy as np
import scipy.linalg as la
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq
from tqdm import tqdm

from qbcircuit import dicke, observables, thermo
from qbcircuit._checks import QbcircuitError, check_fraction, check_positive, check_times
from qbcircuit.exact._liouvillian import (
    full_memory_estimate,
    liouvillian,
    propagate,
    split_charger,
)
from qbcircuit.exact._reach import (
    REACH_DENSE_MAX_BATTERIES,
    dense_modes,
    reach_time,
    resonant_modes,
)
from qbcircuit.exact._resonant import ResonantBlocks, resonant_blocks
from qbcircuit.model import StarModel
from qbcircuit.observables import BatteryState
from qbcircuit.results import LongTime, Trajectory

__all__ = [
    "AUTO_FULL_MAX_BATTERIES",
    "DEFAULT_HORIZON",
    "DEFAULT_TOLERANCE",
    "DENSE_GAP_MAX_BATTERIES",
    "REACH_DENSE_MAX_BATTERIES",
    "charging_time",
    "evolve",
    "long_time",
    "memory_budget",
    "relaxation_time",
]

AUTO_FULL_MAX_BATTERIES = 4
"""``basis="auto"`` uses the full space up to this N, the Dicke sector above."""

_KEEP_STATES_BYTES = 64 * 2**20
_DENSE_GAP_MAX_DIM = 2500  # detuned relaxation time: dense spectrum of the sector generator
DENSE_GAP_MAX_BATTERIES = math.isqrt(_DENSE_GAP_MAX_DIM) // 2 - 1
"""relaxation_time of a battery-detuned model handles N up to this (dense sector spectrum)."""


def memory_budget() -> int:
    """Bytes a solver may plan to use: half the physical memory of this machine."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")) // 2
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 8 * 2**30


def _choose_basis(model: StarModel, basis: str) -> Literal["full", "dicke"]:
    if basis == "auto":
        return "full" if model.n_batteries <= AUTO_FULL_MAX_BATTERIES else "dicke"
    if basis == "dicke":
        return "dicke"
    if basis != "full":
        raise QbcircuitError(f"Argument `basis` must be 'auto', 'full' or 'dicke', got {basis!r}.")
    need, budget = full_memory_estimate(model.n_batteries), memory_budget()
    if need > budget:
        raise QbcircuitError(
            f"basis='full' for N = {model.n_batteries} needs about {need / 2**30:.1f} GiB "
            f"(budget {budget / 2**30:.1f} GiB); use basis='dicke', exact from all-ground."
        )
    return "full"


def _uses_blocks(model: StarModel, basis: str) -> bool:
    return basis == "dicke" and model.is_resonant and model.drive > 0


# --------------------------------------------------------------------------- observables
Row = tuple[BatteryState, float, "NDArray[np.complex128] | None"]
"""(battery state for the observables, charger excitation, battery matrix if kept)."""


def _generic_rows(
    model: StarModel, times: NDArray[np.float64], basis: str, keep: bool
) -> Iterator[Row]:
    """Generic route: Lindblad equation -> battery state -> observables (full space or sector)."""
    states = propagate(model, basis, times)  # type: ignore[arg-type]
    return state_rows(states, basis, keep)


def state_rows(states: Iterable[NDArray[np.complex128]], basis: str, keep: bool) -> Iterator[Row]:
    """One :data:`Row` per joint state (charger (x) battery, charger the fastest index;
    2^(N+1) "full" or 2(N+1) "dicke")."""
    for joint in states:
        rho, excitation = split_charger(joint)
        battery = BatteryState.from_qubits(rho) if basis == "full" else BatteryState.from_dicke(rho)
        yield battery, excitation, rho if keep else None


def series_of(rows: Iterable[Row], omega0: float) -> dict[str, NDArray[np.float64]]:
    """Every registered observable and ``charger_excitation`` over the rows."""
    rows = list(rows)
    series = observables.evaluate((row[0] for row in rows), omega0)
    series["charger_excitation"] = np.array([row[1] for row in rows], dtype=float)
    return series


def _block_rows(model: StarModel, times: NDArray[np.float64], keep: bool) -> Iterator[Row]:
    """Resonant route. Over the m active blocks, Tr_C rho = W Z W^T with W = [u_A, v_A] of shape
    (N+1, 2m) and Z = diag(X0, X1): rank <= 2m, so when 2m <= N+1 the spectrum is that of
    G^1/2 Z G^1/2 with the Gram matrix G = W^T W; <n> and <J-> are traces against fixed
    2m x 2m matrices, so no (N+1)-square state is formed unless it is kept."""
    blocks = resonant_blocks(model)
    n = model.n_batteries
    w = np.hstack([blocks.u[:, blocks.active], blocks.v[:, blocks.active]])
    m = blocks.active.size
    if 2 * m <= n + 1:  # spectrum from the 2m x 2m problem G^1/2 Z G^1/2
        values, vectors = np.linalg.eigh(w.T @ w)
        side = ((vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T).astype(complex)
    else:  # most blocks touched: the (N+1)-dim Dicke matrix W Z W^T is smaller
        side = w.astype(complex)
    number = (w.T * np.arange(n + 1.0)) @ w  # W^T n W
    jminus_op = w.T @ (dicke.jplus(n).T @ w)  # W^T J- W
    z = np.zeros((2 * m, 2 * m), dtype=complex)
    for x0, x1 in blocks.battery_blocks(times):
        z[:m, :m], z[m:, m:] = x0, x1
        mean_n = float(np.real(np.sum(z * number.T)))
        jminus = complex(np.sum(z * jminus_op.T))
        spectrum = np.linalg.eigvalsh(side @ z @ side.T)[::-1][: n + 1]
        state = np.asarray(w @ z @ w.T, dtype=complex) if keep else None
        battery = BatteryState.symmetric(n, mean_n, spectrum, jminus)
        yield battery, float(np.real(np.trace(x1))), state


def evolve(
    model: StarModel,
    times: ArrayLike,
    *,
    basis: str = "auto",
    keep_states: bool | str = "auto",
    progress: bool = False,
) -> Trajectory:
    """Exact trajectory of the battery from all qubits in |0>.

    Args:
        model: the star battery.
        times: increasing times >= 0, shape (T,).
        basis: "full" (2^(N+1) space), "dicke" (2(N+1) sector) or "auto" (full for
            N <= AUTO_FULL_MAX_BATTERIES). Both are exact from all-ground.
        keep_states: keep the battery states (shape (T, D, D)); "auto" keeps them up to 64 MiB.
        progress: show a progress bar over the time points (stderr).

    Returns:
        Trajectory labelled "exact"; ``state_basis`` is "qubits" (full) or "dicke".
    """
    t = check_times(times)
    chosen = _choose_basis(model, basis)
    dim = 2**model.n_batteries if chosen == "full" else model.n_batteries + 1
    if keep_states == "auto":
        keep = t.size * dim * dim * 16 <= _KEEP_STATES_BYTES
    elif isinstance(keep_states, bool):
        keep = keep_states
    else:
        raise QbcircuitError(
            f"Argument `keep_states` must be True, False or 'auto', got {keep_states!r}."
        )
    blocks = _uses_blocks(model, chosen)
    source = _block_rows(model, t, keep) if blocks else _generic_rows(model, t, chosen, keep)
    rows = list(
        tqdm(source, total=t.size, desc="exact evolve", unit="t", disable=not progress, leave=False)
    )
    solver = "resonant-blocks" if blocks else "liouvillian"
    return Trajectory(
        label="exact",
        model=model,
        times=t,
        series=series_of(rows, model.omega0),
        options={"basis": chosen, "solver": solver},
        states=np.array([row[2] for row in rows]) if keep else None,
        state_basis=("qubits" if chosen == "full" else "dicke") if keep else None,
    )


# --------------------------------------------------------------------------- long time
def _require_relaxing(model: StarModel, what: str) -> None:
    for name in ("drive", "coupling", "dephasing"):
        if getattr(model, name) <= 0:
            raise QbcircuitError(
                f"{what} needs `{name}` > 0, got {getattr(model, name)!r}: without it the "
                "battery either never charges or never settles."
            )


DEFAULT_TOLERANCE = 1e-2
"""long_time's reach time: from then on E(t) is within this share of E_inf."""
DEFAULT_HORIZON = 1e3
"""long_time flags a limit whose reach time exceeds this (in 1/omega0) as not reached."""


def _limit(
    model: StarModel, blocks: ResonantBlocks | None = None
) -> tuple[NDArray[np.float64], int]:
    """Battery state (Dicke basis) of the t -> infinity limit and the number of stationary
    states of the sector (``blocks``: the resonant decomposition, if already at hand)."""
    n = model.n_batteries
    if model.is_resonant:
        blocks = blocks if blocks is not None else resonant_blocks(model)
        return blocks.long_time_battery_state(), n + 1
    return np.eye(n + 1) / (n + 1), 1


def long_time(
    model: StarModel,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    horizon: float = DEFAULT_HORIZON,
) -> LongTime:
    """t -> infinity limit of the all-ground state (needs F, g, gamma > 0), with the time it
    takes to get there.

    The dynamics is unital with a Hermitian jump operator, so the limit is the orthogonal
    projection of the initial state onto the commutant of {H, sz_C}. At battery resonance that
    commutant is spanned by the N+1 block projectors of :mod:`qbcircuit.exact._resonant`
    (never an arbitrary kernel element); with the battery detuned it is the identity alone and
    the limit is the maximally mixed state of the sector.

    ``reach_time`` is a guaranteed bound: from then on |E(t) - E_inf| <= tolerance * E_inf
    (:mod:`qbcircuit.exact._reach`; at resonance for any N, detuned for
    N <= REACH_DENSE_MAX_BATTERIES, nan beyond). E and W at t = ``horizon`` are computed on the
    same routes, so an unreached limit shows what the battery holds at the horizon instead.
    """
    _require_relaxing(model, "long_time")
    tolerance = check_fraction("tolerance", tolerance)
    horizon = check_positive("horizon", horizon)
    blocks = resonant_blocks(model) if model.is_resonant else None
    rho, stationary = _limit(model, blocks)
    omega0 = model.omega0
    energy = omega0 * float(np.diagonal(rho) @ np.arange(model.n_batteries + 1))
    reach, at_horizon = _reach(model, blocks, tolerance * energy, horizon)
    return LongTime(
        model=model,
        energy=energy,
        ergotropy=thermo.ergotropy_symmetric(rho, omega0),
        charger_excitation=0.5,
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


def relaxation_time(model: StarModel) -> float:
    """1 / (spectral gap of the sector Liouvillian): slowest decay rate of the non-stationary part.

    ``inf`` when some non-stationary mode never decays (gamma = 0 or degenerate blocks).
    """
    if model.is_resonant and model.drive > 0:
        blocks = resonant_blocks(model)
        size = blocks.b.size
        k, m = np.divmod(np.arange(size * size), size)
        rates = np.abs(np.linalg.eigvals(blocks.generators(k, m)).real)
        diagonal = k == m
        rates[diagonal] = np.sort(rates[diagonal], axis=1)[:, ::-1]  # one zero mode per block
        rates[diagonal, -1] = np.inf
        gap = float(rates.min())
    else:
        dim = 2 * (model.n_batteries + 1)
        if dim * dim > _DENSE_GAP_MAX_DIM:
            raise QbcircuitError(
                "relaxation_time of a battery-detuned model uses the dense sector spectrum, "
                f"available up to N = {DENSE_GAP_MAX_BATTERIES}, "
                f"got N = {model.n_batteries}."
            )
        values = la.eigvals(liouvillian(model, "dicke").toarray())
        rates = np.sort(np.abs(values.real))
        kernel = int(np.sum(np.abs(values) < 1e-9 * max(1.0, float(np.abs(values).max()))))
        gap = float(rates[max(kernel, 1)])
    return math.inf if gap < 1e-12 else 1.0 / gap


def _energy(model: StarModel, times: NDArray[np.float64]) -> NDArray[np.float64]:
    """E(t) only, in the Dicke sector."""
    n = np.arange(model.n_batteries + 1.0)
    if _uses_blocks(model, "dicke"):
        blocks = resonant_blocks(model)
        u, v = blocks.u[:, blocks.active], blocks.v[:, blocks.active]
        a, b = (u.T * n) @ u, (v.T * n) @ v  # E = Tr[X0 a] + Tr[X1 b] (a, b symmetric)
        energies = [
            float(np.real(np.sum(x0 * a) + np.sum(x1 * b)))
            for x0, x1 in blocks.battery_blocks(times)
        ]
    else:  # populations only: no spectrum, no local ergotropy
        energies = [
            float(np.real(np.diagonal(split_charger(joint)[0])) @ n)
            for joint in propagate(model, "dicke", times)
        ]
    return model.omega0 * np.array(energies, dtype=float)


def charging_time(model: StarModel, *, level: float = 1 - 1 / math.e, t_max: float = 1e4) -> float:
    """First time with E(t) >= level * E_inf (tau_1e by default; level=0.9 gives tau_90).

    E is scanned on doubling horizons with a step resolving the fastest frequency (at most 128
    points per horizon), then the crossing is refined by root finding. Returns ``inf`` when E
    stays below the level up to ``t_max`` (e.g. the weak-drive dark-state trap).
    """
    level = check_fraction("level", level)
    t_max = check_positive("t_max", t_max)
    _require_relaxing(model, "charging_time")
    n = model.n_batteries
    rho, _ = _limit(model)
    target = level * model.omega0 * float(np.diagonal(rho) @ np.arange(n + 1))
    frequency = (
        model.drive
        + model.coupling * (n + 1) / 2
        + abs(model.charger_detuning) / 2
        + abs(model.battery_detuning) * n / 2
        + model.dephasing
    )
    start, horizon = 0.0, min(t_max, 4.0 / frequency)
    while True:
        points = int(min(128, max(16, math.ceil(4 * frequency * (horizon - start)))))
        grid = np.linspace(start, horizon, points + 1)
        energy = _energy(model, grid)
        above = np.nonzero(energy >= target)[0]
        if above.size:
            i = int(above[0])
            if i == 0:
                return float(grid[0])

            def gap(t: float) -> float:
                return float(_energy(model, np.array([t]))[0] - target)

            return float(brentq(gap, grid[i - 1], grid[i], xtol=1e-10 * grid[i], rtol=1e-12))
        if horizon >= t_max:
            return math.inf
        start, horizon = horizon, min(t_max, 2 * horizon)
