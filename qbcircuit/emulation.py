"""Emulation of the Trotter circuits on Aer: the "aer" Trajectory.

build (circuits) -> run (backends) -> battery states -> thermo. With method "density_matrix" a
whole time trace is one circuit with a density-matrix snapshot at every requested time, so its
cost is linear in the number of steps. Stochastic insertions ("pauli", "gaussian") and the
"randomized" ordering are averaged over seeded circuit instances, with standard errors.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qbcircuit import thermo
from qbcircuit._checks import QbcircuitError, check_positive, check_times
from qbcircuit.backends import run_saved_states
from qbcircuit.circuits import build_snapshot_circuit, check_options, steps_for
from qbcircuit.exact import memory_budget
from qbcircuit.model import StarModel
from qbcircuit.results import Trajectory

__all__ = ["DEFAULT_INSTANCES", "density_matrix_memory", "emulate"]

DEFAULT_INSTANCES = 32
"""Instances averaged for a random circuit (stochastic dephasing or randomized ordering)."""


def density_matrix_memory(model: StarModel, dephasing: str, snapshots: int) -> int:
    """Bytes for one density-matrix run: the state (x3 for work space) and the snapshots."""
    qubits = model.n_qubits + (dephasing == "collision")
    return 3 * 16 * 4**qubits + snapshots * 16 * (4**model.n_batteries + 4)


def _is_random(dephasing: str, ordering: str) -> bool:
    return dephasing in ("pauli", "gaussian") or ordering == "randomized"


def emulate(
    model: StarModel,
    times: ArrayLike,
    *,
    dt: float,
    order: int = 2,
    ordering: str = "palindromic",
    dephasing: str = "channel",
    method: str = "density_matrix",
    instances: int | None = None,
    seed: int | None = None,
) -> Trajectory:
    """Trotterized circuits of ``model`` on Aer, sampled at ``times`` (multiples of ``dt``).

    Args:
        model: the star battery.
        times: increasing times >= 0 on the dt grid (others are refused, not rounded).
        dt: Trotter step, 0 < dt <= max(times).
        order, ordering, dephasing: see :mod:`qbcircuit.circuits`.
        method: "density_matrix" (exact channel average; one circuit per instance).
        instances: circuit instances to average; default 1 for a deterministic circuit and
            DEFAULT_INSTANCES for a random one.
        seed: seeds the random circuits (reproducible).

    Returns:
        Trajectory labelled "aer" with 2^N battery states kept; for random circuits
        ``energy_error``/``ergotropy_error`` are standard errors over instances (jackknife for W).
    """
    t = check_times(times)
    dt = check_positive("dt", dt)
    if dt > t[-1]:
        raise QbcircuitError(f"Argument `dt` must be <= the time span {t[-1]!r}, got {dt!r}.")
    check_options(order, ordering, dephasing)
    if method != "density_matrix":
        raise QbcircuitError(f"Argument `method` must be 'density_matrix', got {method!r}.")
    steps = [steps_for(float(x), dt, name="times") for x in t]
    random = _is_random(dephasing, ordering)
    count = (DEFAULT_INSTANCES if random else 1) if instances is None else instances
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise QbcircuitError(f"Argument `instances` must be an integer >= 1, got {instances!r}.")
    need, budget = density_matrix_memory(model, dephasing, len(steps)), memory_budget()
    if need > budget:
        raise QbcircuitError(
            f"The density-matrix emulation of N = {model.n_batteries} needs about "
            f"{need / 2**30:.1f} GiB (budget {budget / 2**30:.1f} GiB); use fewer batteries."
        )
    seeds = np.random.SeedSequence(seed).generate_state(count)
    circuits = [
        build_snapshot_circuit(
            model, dt, steps, order=order, ordering=ordering, dephasing=dephasing, seed=int(s)
        )
        for s in seeds
    ]
    saved = run_saved_states(circuits, method="density_matrix", seed=seed)
    battery = np.array([[run[f"b{k}"] for k in steps] for run in saved])  # (K, T, D, D)
    charger = np.array([[run[f"c{k}"][1, 1].real for k in steps] for run in saved])
    mean = battery.mean(axis=0)
    omega0 = model.omega0
    energy = np.array([thermo.energy(rho, omega0) for rho in mean])
    ergotropy = np.array([thermo.ergotropy(rho, omega0) for rho in mean])
    local = np.array([thermo.local_ergotropy(rho, omega0) for rho in mean])
    energy_error = ergotropy_error = None
    if count > 1:
        per_instance = np.array([[thermo.energy(rho, omega0) for rho in run] for run in battery])
        energy_error = per_instance.std(axis=0, ddof=1) / np.sqrt(count)
        ergotropy_error = _jackknife_ergotropy(battery, omega0)
    return Trajectory(
        label="aer",
        model=model,
        times=t,
        energy=energy,
        ergotropy=ergotropy,
        local_ergotropy=local,
        charger_excitation=charger.mean(axis=0),
        energy_error=energy_error,
        ergotropy_error=ergotropy_error,
        states=mean,
        state_basis="qubits",
        options={
            "dt": dt,
            "order": order,
            "ordering": ordering,
            "dephasing": dephasing,
            "method": method,
            "instances": count,
            "seed": seed,
        },
    )


def _jackknife_ergotropy(battery: NDArray[np.complex128], omega0: float) -> NDArray[np.float64]:
    """Jackknife standard error of W(mean state) over instances, shape (T,)."""
    count = battery.shape[0]
    total = battery.sum(axis=0)
    leave_one_out = np.array(
        [
            [
                thermo.ergotropy((total[i] - battery[k, i]) / (count - 1), omega0)
                for i in range(battery.shape[1])
            ]
            for k in range(count)
        ]
    )
    spread = leave_one_out - leave_one_out.mean(axis=0)
    return np.sqrt((count - 1) / count * np.sum(spread**2, axis=0))
