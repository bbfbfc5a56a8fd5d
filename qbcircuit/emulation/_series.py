"""Averages over circuit instances with their standard errors (jackknife for W), from saved
density matrices or statevectors."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from qbcircuit import observables, thermo
from qbcircuit.observables import BatteryState

__all__ = ["Series", "density_matrix_series", "sampled_energy", "statevector_series"]

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


def density_matrix_series(
    battery: NDArray[np.complex128], charger: NDArray[np.float64], omega0: float
) -> tuple[Series, Series]:
    """Observables of the instance average at each time; errors of E (spread over instances)
    and W (jackknife over instances)."""
    count, size = battery.shape[:2]
    mean = battery.mean(axis=0)
    series = observables.evaluate(BatteryState.from_qubit_batch(mean), omega0)
    series["charger_excitation"] = charger.mean(axis=0)
    levels = thermo.battery_energies(battery.shape[-1].bit_length() - 1, omega0)
    per_instance = np.real(np.diagonal(battery, axis1=2, axis2=3)) @ levels
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


def statevector_series(
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


def sampled_energy(
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
    battery = excitations - charger_bit  # the battery's excitations of each outcome
    for k in range(count):
        for i in range(size):
            probabilities = np.abs(vectors[k, i]) ** 2
            # the shots' outcome counts (one multinomial draw: memory independent of shots)
            counts = rng.multinomial(shots, probabilities / probabilities.sum())
            mean = float(counts @ battery) / shots
            energy[k, i] = omega0 * mean
            charger[k, i] = float(counts @ charger_bit) / shots
            if shots > 1:
                variance = float(counts @ (battery - mean) ** 2) / (shots - 1)
                spread[k, i] = omega0 * np.sqrt(variance / shots)
            else:
                spread[k, i] = 0.0
    error = _standard_error(energy) if count > 1 else spread[0]
    return energy.mean(axis=0), error, charger.mean(axis=0)
