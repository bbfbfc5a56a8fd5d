"""Long times: the t -> infinity limit with its reach time and the relaxation time, each on the
fastest exact route the model allows (the charging time is in :mod:`._charging`)."""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg as la

from qbcircuit import observables, thermo
from qbcircuit._checks import QbcircuitError, check_fraction, check_positive
from qbcircuit._threads import sized_threads
from qbcircuit.exact._cost import (
    check_memory,
    permutation_dimension,
)
from qbcircuit.exact._evolve import (
    _DENSE_GAP_MAX_DIM,
    DENSE_GAP_MAX_BATTERIES,
    _uses_blocks,
    check_evolve,
    evolve,
    state_rows,
)
from qbcircuit.exact._liouvillian import (
    liouvillian,
    split_charger,
    stationary_state,
)
from qbcircuit.exact._permutation import (
    PERMUTATION_LIMIT_MAX_BATTERIES,
    battery_channels,
    permutation_generator,
    permutation_rows,
    stationary_vector,
)
from qbcircuit.exact._reach import (
    REACH_DENSE_MAX_BATTERIES,
    dense_modes,
    reach_time,
    resonant_modes,
)
from qbcircuit.exact._resonant import ResonantBlocks, resonant_blocks
from qbcircuit.model import StarModel, check_symmetric
from qbcircuit.results import LongTime

__all__ = [
    "DEFAULT_HORIZON",
    "DEFAULT_TOLERANCE",
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
    check_symmetric(model, what, FULL_SPACE_ONLY)
    if not model.charger_channels_only:  # battery-local noise: the permutation route
        battery_channels(model)
        if model.n_batteries > PERMUTATION_LIMIT_MAX_BATTERIES:
            raise QbcircuitError(
                f"{what} of a model with battery-local noise solves for the stationary state "
                f"of the spin sectors, available up to N = {PERMUTATION_LIMIT_MAX_BATTERIES}, "
                f"got N = {model.n_batteries}; exact.evolve reaches larger N at finite times."
            )
        return
    check_memory(model, "dicke", _uses_blocks(model, "dicke"), what)
    if _dense_kernel(model) and model.n_batteries > REACH_DENSE_MAX_BATTERIES:
        names = ", ".join(sorted({d.name for d in model.dissipators()}))
        start = "" if model.ground_initial else ", from a state other than all-ground,"
        raise QbcircuitError(
            f"{what} of a model with {names}{start} uses the "
            f"kernel of the dense sector generator, available up to N = "
            f"{REACH_DENSE_MAX_BATTERIES}, got N = {model.n_batteries}."
        )
    if horizon is not None and _uses_blocks(model, "dicke"):
        check_evolve(model, [check_positive("horizon", horizon)], basis="dicke")  # E, W there


FULL_SPACE_ONLY = "use basis='full' in exact.evolve to long times instead"
"""What an asymmetric model can have in place of the sector routes' long-time answers."""


def _dense_kernel(model: StarModel) -> bool:
    """The limit needs the kernel of the dense sector generator: not unital, or resonant from
    a state the block projection does not cover (anything but all-ground)."""
    return not model.pure_charger_dephasing or (model.is_resonant and not model.ground_initial)


_PERMUTATION_GAP_MAX = max(
    n for n in range(1, 64) if permutation_dimension(n) <= _DENSE_GAP_MAX_DIM
)  # relaxation_time with battery-local noise: the dense spin-sector spectrum

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
    if not model.charger_channels_only:  # the stationary state of the spin sectors
        vector, sectors = stationary_vector(model)
        limit, charger, _ = next(permutation_rows(sectors, iter([vector])))
        at = observables.values(limit, omega0, ["energy", "ergotropy"])
        return at["energy"], at["ergotropy"], 1, charger
    if _dense_kernel(model):  # not unital, or another start: the kernel of the generator
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
    """t -> infinity limit of the model's initial state (needs F, g and a dissipator), with
    the time it takes to get there.

    With the charger's dephasing as the only channel the dynamics is unital with a Hermitian
    jump operator, so the limit is the orthogonal projection of the initial state onto the
    commutant of {H, sz_C}. At battery resonance that commutant is spanned by the N+1 block
    projectors of :mod:`qbcircuit.exact._resonant` (never an arbitrary kernel element); with
    the battery detuned it is the identity alone and the limit is the maximally mixed state of
    the sector. With other dissipators (charger relaxation or excitation), or at resonance
    from a state other than all-ground, the limit is the spectral projection of the initial
    state onto the kernel of the sector generator (N <= REACH_DENSE_MAX_BATTERIES). With
    battery-local noise it is the unique stationary state of the spin sectors.

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
    """(reach time, (E, W) at the horizon) on an exact mode route, nan where there is none
    (the permutation route has no mode decomposition)."""
    if not model.charger_channels_only:
        return math.nan, (math.nan, math.nan)
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
    if not model.homogeneous:
        check_symmetric(model, "relaxation_time", FULL_SPACE_ONLY)
    if not model.charger_channels_only:
        battery_channels(model)
        if permutation_dimension(model.n_batteries) > _DENSE_GAP_MAX_DIM:
            raise QbcircuitError(
                "relaxation_time of a model with battery-local noise uses the dense spectrum "
                f"of the spin-sector generator, available up to N = {_PERMUTATION_GAP_MAX}, "
                f"got N = {model.n_batteries}."
            )
        return
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
        if model.charger_channels_only:
            generator = liouvillian(model, "dicke")
        else:
            generator = permutation_generator(model)[0]
        values = la.eigvals(generator.toarray())
        rates = np.sort(np.abs(values.real))
        kernel = int(np.sum(np.abs(values) < 1e-9 * max(1.0, float(np.abs(values).max()))))
        gap = float(rates[max(kernel, 1)])
    return math.inf if gap < 1e-12 else 1.0 / gap
