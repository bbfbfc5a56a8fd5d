"""Emulation of the Trotter circuits on Aer: the "aer" Trajectory.

build (circuits) -> run (backends) -> battery states -> thermo. With method "density_matrix" a
whole time trace is one circuit with a density-matrix snapshot at every requested time, so its
cost is linear in the number of steps. Random insertions ("pauli", "gaussian") and the
"randomized" ordering are averaged over seeded circuit instances, with standard errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qbcircuit._checks import (
    QbcircuitError,
    check_budget,
    check_choice,
    check_integer,
    check_positive,
    check_seed,
    check_times,
    renamed,
)
from qbcircuit._threads import sized_threads
from qbcircuit.backends import run_saved_states
from qbcircuit.circuits import (
    INSERTIONS,
    Insertion,
    build_snapshot_circuit,
    check_options,
    insertion,
    steps_for,
)
from qbcircuit.emulation._series import (
    density_matrix_series,
    sampled_energy,
    statevector_series,
)
from qbcircuit.exact import memory_budget
from qbcircuit.model import StarModel
from qbcircuit.results import Trajectory

__all__ = [
    "DEFAULT_INSTANCES",
    "METHODS",
    "REPRESENTATIONS",
    "AerOptions",
    "EmulationPlan",
    "check_emulation",
    "density_matrix_memory",
    "emulate",
    "statevector_memory",
]

DEFAULT_INSTANCES = 32
"""Instances averaged for a random circuit (random insertion or randomized ordering)."""
REPRESENTATIONS = ("density_matrix", "statevector", "auto")
"""How Aer holds the state (its simulation ``method``)."""
METHODS = REPRESENTATIONS
"""Former name of REPRESENTATIONS (kept for one release)."""


def density_matrix_memory(
    model: StarModel, kind: str | Insertion, snapshots: int, instances: int = 1
) -> int:
    """Bytes for the density-matrix method with insertion ``kind``: the state (x3 for work
    space) and every instance's snapshots (all are kept for the jackknife)."""
    qubits = model.n_qubits + insertion(kind).extra_qubits
    return 3 * 16 * 4**qubits + instances * snapshots * 16 * (4**model.n_batteries + 4)


def statevector_memory(model: StarModel, snapshots: int, instances: int) -> int:
    """Bytes for the statevector method: every saved state twice (Aer's result and ours)."""
    return 2 * instances * snapshots * 16 * 2**model.n_qubits + 4 * 16 * 2**model.n_qubits


def _choose_method(
    model: StarModel, method: str, kind: Insertion, snapshots: int, instances: int
) -> str:
    """The method to run, or one sentence saying why nothing fits (estimates first)."""
    budget = memory_budget()
    dense = density_matrix_memory(model, kind, snapshots, instances)
    vectors = statevector_memory(model, snapshots, instances)
    n = model.n_batteries
    if method == "statevector" and not kind.unitary:
        unitary = tuple(name for name, k in INSERTIONS.items() if k.unitary)
        raise QbcircuitError(
            f"The statevector method needs a unitary insertion (one of {unitary}), got "
            f"{kind.name!r}; use method='density_matrix'."
        )
    if method in ("density_matrix", "auto") and dense <= budget:
        return "density_matrix"
    if method in ("statevector", "auto") and kind.unitary and vectors <= budget:
        return "statevector"
    need = dense if method == "density_matrix" else vectors
    if method == "auto":
        need = min(dense, vectors) if kind.unitary else dense
    raise QbcircuitError(
        f"The {method} emulation of N = {n} needs about {need / 2**30:.1f} GiB (budget "
        f"{budget / 2**30:.1f} GiB); use fewer batteries, time points or instances, or "
        "a random unitary insertion ('pauli', 'gaussian') with method='statevector'."
    )


@dataclass(frozen=True)
class AerOptions:
    """How the Trotter circuits are built and run on Aer (see :func:`emulate`), checked once."""

    dt: float
    order: int = 2
    ordering: str = "palindromic"
    insertion: str | Insertion = "channel"
    method: str = "density_matrix"
    shots: int | None = None
    instances: int | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "dt", check_positive("dt", self.dt))
        check_options(self.order, self.ordering, self.insertion)
        check_choice("method", self.method, REPRESENTATIONS)
        if self.instances is not None:
            check_integer("instances", self.instances, low=1)
        if self.shots is not None:
            check_integer("shots", self.shots, low=1)
        check_seed("seed", self.seed)

    @property
    def kind(self) -> Insertion:
        return insertion(self.insertion)

    @property
    def instance_count(self) -> int:
        random = self.kind.random or self.ordering == "randomized"
        if self.instances is not None:
            return int(self.instances)
        return DEFAULT_INSTANCES if random else 1


@dataclass(frozen=True)
class EmulationPlan:
    """What :func:`emulate` will run: the times, their step counts and the Aer method chosen."""

    times: NDArray[np.float64]
    steps: tuple[int, ...]
    method: str
    instances: int


def check_emulation(
    model: StarModel, times: ArrayLike, options: AerOptions, time_budget: float | None = None
) -> EmulationPlan:
    """Every refusal of :func:`emulate`, with its memory estimate, before any circuit is built:
    times off the dt grid, a dt beyond the span, an insertion the model or the method cannot
    take, a register beyond the memory budget, a run beyond the time budget (``time_budget``
    seconds, default $QBCIRCUIT_TIME_BUDGET or an hour)."""
    t = check_times(times)
    if options.dt > t[-1]:
        raise QbcircuitError(
            f"Argument `dt` must be <= the time span {t[-1]!r}, got {options.dt!r}."
        )
    options.kind.check_model(model)
    steps = tuple(steps_for(float(x), options.dt, name="times") for x in t)
    count = options.instance_count
    chosen = _choose_method(model, options.method, options.kind, len(steps), count)
    if options.shots is not None and chosen == "density_matrix":
        raise QbcircuitError(
            "Argument `shots` does not apply to the density-matrix method, whose states are "
            "exact averages; use method='statevector' (or no shots)."
        )
    # per instruction: building and transpiling it (about 0.3 ms measured), and Aer applying it
    # to the state (4^q or 2^q amplitudes, ~32 flops each)
    width = model.n_qubits + options.kind.extra_qubits
    amplitudes = 4**width if chosen == "density_matrix" else 2**width
    gates = max(steps, default=0) * options.order * (2 * model.n_qubits + 2)
    check_budget(
        f"The {chosen} emulation of N = {model.n_batteries} ({count} instance(s) of "
        f"{gates:.3g} gates)",
        count * gates * (3e-4 + 32.0 * amplitudes / 1e9),
        time_budget,
        "use a larger dt, fewer times or instances",
    )
    return EmulationPlan(t, steps, chosen, count)


def _battery_dimension(model: StarModel, *args: object, **kwargs: object) -> int:
    return 2**model.n_batteries  # the snapshots' eigenproblems


@sized_threads(_battery_dimension)
def emulate(
    model: StarModel,
    times: ArrayLike,
    *,
    dt: float,
    order: int = 2,
    ordering: str = "palindromic",
    insertion: str | Insertion = "channel",
    method: str = "density_matrix",
    shots: int | None = None,
    instances: int | None = None,
    seed: int | None = None,
    dephasing: str | None = None,
    time_budget: float | None = None,
) -> Trajectory:
    """Trotterized circuits of ``model`` on Aer, sampled at ``times`` (multiples of ``dt``).

    Args:
        model: the star battery.
        times: increasing times >= 0 on the dt grid (others are refused, not rounded).
        dt: Trotter step, 0 < dt <= max(times).
        order: 1 (Lie) or 2 (Strang), see :mod:`qbcircuit.circuits`.
        ordering: the order of the coupling gates, see :mod:`qbcircuit.circuits`.
        insertion: how the channels enter the circuit, see :mod:`qbcircuit.circuits`
            (``dephasing`` is the former name of ``insertion``).
        method: "density_matrix" (one circuit per instance, snapshots of the battery state),
            "statevector" (stochastic trajectories: random unitary instances as pure states;
            the averaged battery state has rank <= 2K, so W comes from a 2K x 2K Gram matrix),
            or "auto" (density matrix when it fits in memory, else statevector).
        shots: statevector method only: Z-basis samples per instance and time point (seeded),
            from which E and the charger excitation are estimated with their shot noise, as on
            hardware; W still comes from the states (tomography is a separate step).
        instances: circuit instances to average; default 1 for a deterministic circuit and
            DEFAULT_INSTANCES for a random one.
        seed: seeds the random circuits (reproducible).
        time_budget: see :func:`check_emulation`.

    Returns:
        Trajectory labelled "aer"; for random circuits ``energy_error``/``ergotropy_error`` are
        standard errors over instances (jackknife for W). The density-matrix method keeps the
        2^N battery states.
    """
    options = AerOptions(
        dt,
        order,
        ordering,
        renamed("insertion", insertion, "dephasing", dephasing),
        method,
        shots,
        instances,
        seed,
    )
    plan = check_emulation(model, times, options, time_budget)
    t, steps, chosen, count, kind = (
        plan.times,
        list(plan.steps),
        plan.method,
        plan.instances,
        options.kind,
    )
    dt = options.dt
    seeds = np.random.SeedSequence(seed).generate_state(count)
    circuits = [
        build_snapshot_circuit(
            model,
            dt,
            steps,
            order=order,
            ordering=ordering,
            insertion=kind,
            seed=int(s),
            save=chosen,
            merge=True,
        )
        for s in seeds
    ]
    saved = run_saved_states(circuits, method=chosen, seed=seed, merged=True)
    if chosen == "density_matrix":
        battery = np.array([[run[f"b{k}"] for k in steps] for run in saved])  # (K, T, D, D)
        charger = np.array([[run[f"c{k}"][1, 1].real for k in steps] for run in saved])
        series, errors = density_matrix_series(battery, charger, model.omega0)
        states: NDArray[np.complex128] | None = cast(NDArray[np.complex128], battery.mean(0))
    else:
        vectors = np.array([[run[f"v{k}"] for k in steps] for run in saved])  # (K, T, 2D)
        series, errors = statevector_series(vectors, model.n_batteries, model.omega0)
        if shots is not None:
            sampled = sampled_energy(vectors, model.n_batteries, model.omega0, shots, seed)
            # E and the charger from the samples; the other observables from the states
            series["energy"], errors["energy"], series["charger_excitation"] = sampled
        states = None
    if count == 1:
        errors.pop("ergotropy")
        if shots is None:
            errors.pop("energy")
    return Trajectory(
        label="aer",
        model=model,
        times=t,
        series=series,
        errors=errors,
        states=states,
        state_basis="qubits" if states is not None else None,
        options={
            "dt": dt,
            "order": order,
            "ordering": ordering,
            "insertion": kind.name,
            "method": chosen,
            "instances": count,
            "shots": shots,
            "seed": seed,
        },
    )
