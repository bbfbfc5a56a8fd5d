"""Emulation of the Trotter circuits on Aer: the "aer" Trajectory.

build (circuits) -> run (backends) -> battery states -> thermo. With method "density_matrix" a
whole time trace is one circuit with a density-matrix snapshot at every requested time, so its
cost is linear in the number of steps. Stochastic insertions ("pauli", "gaussian") and the
"randomized" ordering are averaged over seeded circuit instances, with standard errors.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qbcircuit import observables, thermo
from qbcircuit._checks import QbcircuitError, check_positive, check_times
from qbcircuit.backends import run_saved_states
from qbcircuit.circuits import build_snapshot_circuit, check_options, steps_for
from qbcircuit.exact import memory_budget
from qbcircuit.model import StarModel
from qbcircuit.observables import BatteryState
from qbcircuit.results import Trajectory

__all__ = ["DEFAULT_INSTANCES", "METHODS", "density_matrix_memory", "emulate", "statevector_memory"]

DEFAULT_INSTANCES = 32
"""Instances averaged for a random circuit (stochastic dephasing or randomized ordering)."""
METHODS = ("density_matrix", "statevector", "auto")
_TRAJECTORY_KINDS = ("pauli", "gaussian", "none")  # unitary circuits: statevector works


def density_matrix_memory(
    model: StarModel, dephasing: str, snapshots: int, instances: int = 1
) -> int:
    """Bytes for the density-matrix method: the state (x3 for work space) and every instance's
    snapshots (all are kept for the jackknife)."""
    qubits = model.n_qubits + (dephasing == "collision")
    return 3 * 16 * 4**qubits + instances * snapshots * 16 * (4**model.n_batteries + 4)


def statevector_memory(model: StarModel, snapshots: int, instances: int) -> int:
    """Bytes for the statevector method: every saved state twice (Aer's result and ours)."""
    return 2 * instances * snapshots * 16 * 2**model.n_qubits + 4 * 16 * 2**model.n_qubits


def _is_random(dephasing: str, ordering: str) -> bool:
    return dephasing in ("pauli", "gaussian") or ordering == "randomized"


def _choose_method(
    model: StarModel, method: str, dephasing: str, snapshots: int, instances: int
) -> str:
    """The method to run, or one sentence saying why nothing fits (estimates first)."""
    budget = memory_budget()
    dense = density_matrix_memory(model, dephasing, snapshots, instances)
    vectors = statevector_memory(model, snapshots, instances)
    n = model.n_batteries
    if method == "statevector" and dephasing not in _TRAJECTORY_KINDS:
        raise QbcircuitError(
            f"The statevector method needs a unitary dephasing insertion ('pauli' or "
            f"'gaussian'), got {dephasing!r}; use method='density_matrix'."
        )
    if method in ("density_matrix", "auto") and dense <= budget:
        return "density_matrix"
    if method in ("statevector", "auto") and dephasing in _TRAJECTORY_KINDS and vectors <= budget:
        return "statevector"
    need = dense if method == "density_matrix" else vectors
    if method == "auto":
        need = min(dense, vectors) if dephasing in _TRAJECTORY_KINDS else dense
    raise QbcircuitError(
        f"The {method} emulation of N = {n} needs about {need / 2**30:.1f} GiB (budget "
        f"{budget / 2**30:.1f} GiB); use fewer batteries, time points or instances, or "
        "'pauli'/'gaussian' dephasing with method='statevector'."
    )


def emulate(
    model: StarModel,
    times: ArrayLike,
    *,
    dt: float,
    order: int = 2,
    ordering: str = "palindromic",
    dephasing: str = "channel",
    method: str = "density_matrix",
    shots: int | None = None,
    instances: int | None = None,
    seed: int | None = None,
) -> Trajectory:
    """Trotterized circuits of ``model`` on Aer, sampled at ``times`` (multiples of ``dt``).

    Args:
        model: the star battery.
        times: increasing times >= 0 on the dt grid (others are refused, not rounded).
        dt: Trotter step, 0 < dt <= max(times).
        order, ordering, dephasing: see :mod:`qbcircuit.circuits`.
        method: "density_matrix" (one circuit per instance, snapshots of the battery state),
            "statevector" (stochastic trajectories: "pauli"/"gaussian" instances as pure states;
            the averaged battery state has rank <= 2K, so W comes from a 2K x 2K Gram matrix),
            or "auto" (density matrix when it fits in memory, else statevector).
        shots: statevector method only: Z-basis samples per instance and time point (seeded),
            from which E and the charger excitation are estimated with their shot noise, as on
            hardware; W still comes from the states (tomography is a separate step).
        instances: circuit instances to average; default 1 for a deterministic circuit and
            DEFAULT_INSTANCES for a random one.
        seed: seeds the random circuits (reproducible).

    Returns:
        Trajectory labelled "aer"; for random circuits ``energy_error``/``ergotropy_error`` are
        standard errors over instances (jackknife for W). The density-matrix method keeps the
        2^N battery states.
    """
    t = check_times(times)
    dt = check_positive("dt", dt)
    if dt > t[-1]:
        raise QbcircuitError(f"Argument `dt` must be <= the time span {t[-1]!r}, got {dt!r}.")
    check_options(order, ordering, dephasing)
    if method not in METHODS:
        raise QbcircuitError(f"Argument `method` must be one of {METHODS}, got {method!r}.")
    steps = [steps_for(float(x), dt, name="times") for x in t]
    random = _is_random(dephasing, ordering)
    count = (DEFAULT_INSTANCES if random else 1) if instances is None else instances
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise QbcircuitError(f"Argument `instances` must be an integer >= 1, got {instances!r}.")
    chosen = _choose_method(model, method, dephasing, len(steps), count)
    if shots is not None:
        if isinstance(shots, bool) or not isinstance(shots, int) or shots < 1:
            raise QbcircuitError(f"Argument `shots` must be an integer >= 1, got {shots!r}.")
        if chosen == "density_matrix":
            raise QbcircuitError(
                "Argument `shots` does not apply to the density-matrix method, whose states are "
                "exact averages; use method='statevector' (or no shots)."
            )
    seeds = np.random.SeedSequence(seed).generate_state(count)
    circuits = [
        build_snapshot_circuit(
            model,
            dt,
            steps,
            order=order,
            ordering=ordering,
            dephasing=dephasing,
            seed=int(s),
            save=chosen,
        )
        for s in seeds
    ]
    saved = run_saved_states(circuits, method=chosen, seed=seed)
    if chosen == "density_matrix":
        battery = np.array([[run[f"b{k}"] for k in steps] for run in saved])  # (K, T, D, D)
        charger = np.array([[run[f"c{k}"][1, 1].real for k in steps] for run in saved])
        series, errors = _density_matrix_series(battery, charger, model.omega0)
        states: NDArray[np.complex128] | None = battery.mean(axis=0)
    else:
        vectors = np.array([[run[f"v{k}"] for k in steps] for run in saved])  # (K, T, 2D)
        series, errors = _statevector_series(vectors, model.n_batteries, model.omega0)
        if shots is not None:
            sampled = _sampled_energy(vectors, model.n_batteries, model.omega0, shots, seed)
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
            "dephasing": dephasing,
            "method": chosen,
            "instances": count,
            "shots": shots,
            "seed": seed,
        },
    )


Series = dict[str, NDArray[np.float64]]


def _standard_error(per_instance: NDArray[np.float64]) -> NDArray[np.float64]:
    count = per_instance.shape[0]
    if count < 2:
        return np.zeros(per_instance.shape[1:])
    return per_instance.std(axis=0, ddof=1) / np.sqrt(count)


def _jackknife(estimates: NDArray[np.float64]) -> NDArray[np.float64]:
    """Jackknife standard error from leave-one-out estimates, shape (K, T) -> (T,)."""
    count = estimates.shape[0]
    spread = estimates - estimates.mean(axis=0)
    return np.sqrt((count - 1) / count * np.sum(spread**2, axis=0))


def _density_matrix_series(
    battery: NDArray[np.complex128], charger: NDArray[np.float64], omega0: float
) -> tuple[Series, Series]:
    """Observables of the instance average at each time; errors of E (spread over instances)
    and W (jackknife over instances)."""
    count, size = battery.shape[:2]
    mean = battery.mean(axis=0)
    series = observables.evaluate((BatteryState.from_qubits(rho) for rho in mean), omega0)
    series["charger_excitation"] = charger.mean(axis=0)
    per_instance = np.array([[thermo.energy(rho, omega0) for rho in run] for run in battery])
    ergotropy_error = np.zeros(size)
    if count > 1:
        total = battery.sum(axis=0)
        leave_one_out = np.array(
            [
                [
                    thermo.ergotropy((total[i] - battery[k, i]) / (count - 1), omega0)
                    for i in range(size)
                ]
                for k in range(count)
            ]
        )
        ergotropy_error = _jackknife(leave_one_out)
    return series, {"energy": _standard_error(per_instance), "ergotropy": ergotropy_error}


def _statevector_series(
    vectors: NDArray[np.complex128], n: int, omega0: float
) -> tuple[Series, Series]:
    """Observables of the average of K pure states, from the (2^N, 2K) matrix of their
    charger components: rho_B = M M^+ / K, whose non-zero spectrum is that of M^+ M / K."""
    count, size = vectors.shape[:2]
    levels = thermo.battery_energies(n, omega0)
    columns = vectors.reshape(count, size, 2**n, 2)  # index c + 2 b: charger fastest
    weights = np.abs(columns) ** 2
    per_instance = np.einsum("ktbc,b->kt", weights, levels)
    charger = weights[..., 1].sum(axis=2)
    states = []
    leave_one_out = np.empty((count, size))
    for i in range(size):
        m = columns[:, i].transpose(1, 0, 2).reshape(2**n, 2 * count)  # columns (k, c)
        states.append(BatteryState.from_factor(m / np.sqrt(count)))
        gram = m.conj().T @ m
        for k in range(count if count > 1 else 0):
            keep = np.ones(2 * count, dtype=bool)
            keep[2 * k : 2 * k + 2] = False
            rest = np.linalg.eigvalsh(gram[np.ix_(keep, keep)] / (count - 1))[::-1]
            mean_rest = (per_instance[:, i].sum() - per_instance[k, i]) / (count - 1)
            leave_one_out[k, i] = mean_rest - thermo.passive_energy_low_rank(rest, n, omega0)
    series = observables.evaluate(states, omega0)
    series["charger_excitation"] = charger.mean(axis=0)
    ergotropy_error = _jackknife(leave_one_out) if count > 1 else np.zeros(size)
    return series, {"energy": _standard_error(per_instance), "ergotropy": ergotropy_error}


def _sampled_energy(
    vectors: NDArray[np.complex128], n: int, omega0: float, shots: int, seed: int | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """E and charger excitation from ``shots`` Z-basis samples of each instance state, and the
    standard error of E (over instances, or over shots for a single instance)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    count, size = vectors.shape[:2]
    excitations = thermo.battery_energies(n + 1, 1.0)  # popcount of the joint index
    charger_bit = np.arange(2 ** (n + 1)) & 1
    energy = np.empty((count, size))
    charger = np.empty((count, size))
    spread = np.empty((count, size))
    for k in range(count):
        for i in range(size):
            probabilities = np.abs(vectors[k, i]) ** 2
            outcomes = rng.choice(
                probabilities.size, size=shots, p=probabilities / probabilities.sum()
            )
            battery = excitations[outcomes] - charger_bit[outcomes]
            energy[k, i] = omega0 * battery.mean()
            charger[k, i] = charger_bit[outcomes].mean()
            spread[k, i] = omega0 * battery.std(ddof=1) / np.sqrt(shots) if shots > 1 else 0.0
    error = _standard_error(energy) if count > 1 else spread[0]
    return energy.mean(axis=0), error, charger.mean(axis=0)
