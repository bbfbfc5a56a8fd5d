"""Exact trajectories: the route choice (full space, Dicke sector, resonant blocks) and
:func:`evolve`."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from tqdm import tqdm

from qbcircuit import dicke, observables
from qbcircuit._checks import QbcircuitError, check_budget, check_choice, check_times
from qbcircuit._threads import blas_threads
from qbcircuit.exact._cost import check_memory, check_propagation, check_time
from qbcircuit.exact._liouvillian import (
    full_memory_estimate,
    propagate,
    split_charger_batch,
)
from qbcircuit.exact._permutation import (
    SpinSectors,
    battery_channels,
    permutation_rows,
)
from qbcircuit.exact._resonant import resonant_blocks
from qbcircuit.model import StarModel, check_symmetric
from qbcircuit.observables import BatteryState
from qbcircuit.results import Trajectory

__all__ = [
    "AUTO_FULL_MAX_BATTERIES",
    "BASES",
    "DENSE_GAP_MAX_BATTERIES",
    "SOLVERS",
    "check_evolve",
    "evolve",
    "memory_budget",
    "series_of",
    "state_rows",
]

SOLVERS = ("auto", "liouvillian")
"""The ``solver`` choices of :func:`evolve`."""
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


BASES = ("auto", "full", "dicke", "permutation")
"""The ``basis`` choices of :func:`evolve`."""


def _choose_basis(model: StarModel, basis: str) -> Literal["full", "dicke", "permutation"]:
    check_choice("basis", basis, BASES)
    if basis == "auto":  # disorder or an asymmetric product state: the full space
        if model.symmetric and not model.charger_channels_only:
            return "permutation"
        if model.symmetric and model.n_batteries > AUTO_FULL_MAX_BATTERIES:
            return "dicke"
        basis = "full"
    if basis == "dicke":
        check_symmetric(model, "basis='dicke'")
        if not model.charger_channels_only:
            raise QbcircuitError(
                "basis='dicke' is exact only while every dissipator acts on the charger; this "
                f"model has {_battery_channel_names(model)}: use basis='permutation' or 'full'."
            )
        return "dicke"
    if basis == "permutation":
        battery_channels(model)  # refuses channels that break the permutation symmetry
        return "permutation"
    need, budget = full_memory_estimate(model.n_batteries), memory_budget()
    if need > budget:
        raise QbcircuitError(
            f"basis='full' for N = {model.n_batteries} needs about {need / 2**30:.1f} GiB "
            f"(budget {budget / 2**30:.1f} GiB); use basis='dicke' (charger channels only) or "
            "'permutation'."
        )
    return "full"


def _battery_channel_names(model: StarModel) -> str:
    return ", ".join(sorted({d.name for d in model.dissipators() if d.qubit != 0}))


def _uses_blocks(model: StarModel, basis: str) -> bool:
    return (
        basis == "dicke"
        and model.is_resonant
        and model.drive > 0
        and model.pure_charger_dephasing
        and model.ground_initial
    )


# --------------------------------------------------------------------------- observables
_CHUNK_BYTES = 2**22  # joint states turned into rows together (batched eigensolves)
Row = tuple[BatteryState, float, "NDArray[np.complex128] | None"]
"""(battery state for the observables, charger excitation, battery matrix if kept)."""


def _generic_rows(
    model: StarModel, times: NDArray[np.float64], basis: str, keep: bool
) -> Iterator[Row]:
    """Generic route: Lindblad equation -> battery state -> observables (full space or sector)."""
    states = propagate(model, basis, times)
    if basis == "permutation":
        return permutation_rows(SpinSectors(model.n_batteries), states)
    return state_rows(states, basis, keep)


def state_rows(states: Iterable[NDArray[np.complex128]], basis: str, keep: bool) -> Iterator[Row]:
    """One :data:`Row` per joint state (charger (x) battery, charger the fastest index;
    2^(N+1) "full" or 2(N+1) "dicke")."""
    iterator = iter(states)
    first = next(iterator, None)
    if first is None:
        return
    size = max(1, min(64, _CHUNK_BYTES // max(1, np.asarray(first).nbytes)))
    iterator = chain([first], iterator)
    while chunk := list(islice(iterator, size)):
        rhos, excitations = split_charger_batch(np.asarray(chunk))
        if basis == "full":
            batteries = BatteryState.from_qubit_batch(rhos)
        else:
            batteries = [BatteryState.from_dicke(rho) for rho in rhos]
        for battery, excitation, rho in zip(batteries, excitations, rhos, strict=True):
            yield battery, float(excitation), rho if keep else None


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


def check_evolve(
    model: StarModel,
    times: ArrayLike,
    *,
    basis: str = "auto",
    solver: str = "auto",
    time_budget: float | None = None,
) -> bool:
    """Every refusal of :func:`evolve` before anything is allocated (times, basis, memory of
    the route, time of a generic propagation); returns whether the resonant blocks are used."""
    return _route(model, times, basis, solver, time_budget)[2]


def _battery_dim(model: StarModel, basis: str) -> int:
    """The side of the largest battery matrix of the route (the permutation route's largest
    spin sector is the symmetric one)."""
    return 2**model.n_batteries if basis == "full" else model.n_batteries + 1


def _route(
    model: StarModel, times: ArrayLike, basis: str, solver: str, time_budget: float | None
) -> tuple[NDArray[np.float64], Literal["full", "dicke", "permutation"], bool]:
    """The checked times, the basis and whether the blocks are used (see check_evolve)."""
    t = check_times(times)
    chosen = _choose_basis(model, basis)
    check_choice("solver", solver, SOLVERS)
    blocks = solver == "auto" and _uses_blocks(model, chosen)
    check_memory(model, chosen, blocks)
    check_time(model, float(t[-1]))
    side = _battery_dim(model, chosen)
    if blocks:  # spectra of the rank-2m Gram form, m the touched blocks (a few dozen)
        side = min(side, 128)
    check_budget(  # every time point: the registry's observables of one battery state
        f"The exact evolve of N = {model.n_batteries} at {t.size} time points",
        t.size * (5e-4 + 10.0 * side**3 / 1e9),
        time_budget,
        "use fewer time points",
    )
    if not blocks:
        check_propagation(model, chosen, float(t[-1]), time_budget)
    return t, chosen, blocks


def evolve(
    model: StarModel,
    times: ArrayLike,
    *,
    basis: str = "auto",
    keep_states: bool | str = "auto",
    solver: str = "auto",
    progress: bool = False,
    time_budget: float | None = None,
) -> Trajectory:
    """Exact trajectory of the battery from the model's initial state.

    Args:
        model: the star battery.
        times: increasing times >= 0, shape (T,).
        basis: "full" (2^(N+1) space), "dicke" (2(N+1) sector; every dissipator on the
            charger), "permutation" (the spin sectors, O(N^3); homogeneous battery-local
            noise) or "auto": the permutation route when a battery qubit has a dissipator,
            else full for N <= AUTO_FULL_MAX_BATTERIES and the Dicke sector above; the full
            space for unequal couplings or detunings or an asymmetric initial product state.
            Each is exact where it applies.
        keep_states: keep the battery states (shape (T, D, D)); "auto" keeps them up to 64 MiB.
        solver: "auto" (the fastest exact route: resonant blocks where they apply) or
            "liouvillian" (the generic generator of the chosen basis, for cross-checks).
        progress: show a progress bar over the time points (stderr).
        time_budget: seconds the generic propagation may be estimated to take (default
            $QBCIRCUIT_TIME_BUDGET or an hour); a longer request is refused before it starts.

    Returns:
        Trajectory labelled "exact"; ``options`` names the basis and solver taken;
        ``state_basis`` is "qubits" (full) or "dicke" (the permutation route keeps none).
    """
    if not (keep_states == "auto" or isinstance(keep_states, bool)):
        raise QbcircuitError(
            f"Argument `keep_states` must be True, False or 'auto', got {keep_states!r}."
        )
    t, chosen, blocks = _route(model, times, basis, solver, time_budget)
    dim = _battery_dim(model, chosen)
    if chosen == "permutation":
        if keep_states is True:
            raise QbcircuitError(
                "The permutation-invariant route keeps no 2^N battery states (keep_states=True); "
                "use basis='full' for N <= 8, or keep_states=False."
            )
        keep = False
    elif keep_states == "auto":
        keep = t.size * dim * dim * 16 <= _KEEP_STATES_BYTES
    else:
        keep = bool(keep_states)
    source = _block_rows(model, t, keep) if blocks else _generic_rows(model, t, chosen, keep)
    with blas_threads(2 * dim):  # the joint state's rows; the battery's eigenproblems
        rows = list(
            tqdm(
                source,
                total=t.size,
                desc="exact evolve",
                unit="t",
                disable=not progress,
                leave=False,
            )
        )
    solver = "resonant-blocks" if blocks else "liouvillian"
    if chosen == "permutation":
        solver = "permutation-invariant"
    elif not blocks and not model.pure_charger_dephasing:
        solver = "liouvillian-vectorised"
    return Trajectory(
        label="exact",
        model=model,
        times=t,
        series=series_of(rows, model.omega0),
        options={"basis": chosen, "solver": solver},
        states=np.array([row[2] for row in rows]) if keep else None,
        state_basis=("qubits" if chosen == "full" else "dicke") if keep else None,
    )
