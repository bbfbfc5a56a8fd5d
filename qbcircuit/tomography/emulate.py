"""The "tomography" Trajectory: Trotter circuits, measured in every tomography setting of the
battery register through a SamplerV2, fitted time point by time point.

This is what a device run does (E from Z-basis counts, W from the fitted state, bootstrap error
bars), on Aer by default; comparing it with the "aer" Trajectory isolates shots + reconstruction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from qiskit import ClassicalRegister, QuantumCircuit
from tqdm import tqdm

from qbcircuit import observables
from qbcircuit._checks import QbcircuitError, check_positive, check_times
from qbcircuit.backends import DENSITY_MATRIX_QUBITS, run_sampler, transpile_for_aer
from qbcircuit.circuits import build_trotter_circuit, check_options, steps_for
from qbcircuit.model import StarModel
from qbcircuit.results import Trajectory
from qbcircuit.tomography.estimate import Estimate, check_estimate_options, estimate_ergotropy
from qbcircuit.tomography.settings import REGISTER, build_tomography_circuits, setting_count

__all__ = ["MAX_CIRCUITS", "emulate_tomography", "estimates_trajectory"]

MAX_CIRCUITS = 50_000
"""Refuse a request needing more circuits than this (settings x times x instances)."""


def _base_circuit(
    model: StarModel, t: float, steps: int, options: dict[str, Any], seed: int
) -> QuantumCircuit:
    if steps:
        circuit = build_trotter_circuit(model, t, steps=steps, seed=seed, **options)
    else:
        circuit = QuantumCircuit(model.n_qubits)
    charger = ClassicalRegister(1, "charger")
    circuit.add_register(charger)
    circuit.measure(0, charger[0])
    return circuit


def emulate_tomography(
    model: StarModel,
    times: ArrayLike,
    *,
    dt: float,
    method: str = "permutation",
    shots: int = 2000,
    fitter: str = "mle",
    order: int = 2,
    ordering: str = "palindromic",
    dephasing: str = "channel",
    instances: int | None = None,
    sampler: Any = None,
    confidence: float = 0.9,
    replicates: int = 100,
    interval: str = "percentile",
    seed: int | None = None,
    progress: bool = False,
) -> Trajectory:
    """E, W, W/E of the battery from tomography of Trotter circuits at ``times``.

    Args:
        model, times, dt, order, ordering, dephasing: as for :func:`qbcircuit.emulation.emulate`.
        method: "permutation" ((N+1)(N+2)/2 settings) or "pauli" (3^N settings).
        shots: shots per setting and time, split evenly over the instances of a random circuit
            ("pauli"/"gaussian" dephasing, "randomized" ordering; default 8 instances) and
            pooled, as on a device: the pooled counts sample the instance average.
        fitter, confidence, replicates, interval: see :func:`estimate_ergotropy`.
        sampler: a SamplerV2 taking these circuits as they are; default Aer (density matrix).
        seed: seeds the circuits, the sampler and the bootstrap.

    Returns:
        Trajectory labelled "tomography": E from Z-basis counts (shot-noise error), W and local
        W from the fit (bootstrap error); ``options`` keeps every time's intervals and bias.
        The error bars are shot noise given the instances drawn, not the instance spread.
    """
    t = check_times(times)
    dt = check_positive("dt", dt)
    check_options(order, ordering, dephasing)
    steps = [steps_for(float(x), dt, name="times") for x in t]
    random = dephasing in ("pauli", "gaussian") or ordering == "randomized"
    count = (8 if random else 1) if instances is None else instances
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise QbcircuitError(f"Argument `instances` must be an integer >= 1, got {instances!r}.")
    if isinstance(shots, bool) or not isinstance(shots, int) or shots < count:
        raise QbcircuitError(
            f"Argument `shots` must be an integer >= the {count} instance(s), got {shots!r}."
        )
    settings = setting_count(model.n_batteries, method)
    if settings * t.size * count > MAX_CIRCUITS:
        raise QbcircuitError(
            f"The {method} tomography of N = {model.n_batteries} at {t.size} times needs "
            f"{settings * t.size * count} circuits (limit {MAX_CIRCUITS}); use fewer times, "
            "instances, or method='permutation'."
        )
    width = model.n_qubits + (dephasing == "collision")
    if sampler is None and width > DENSITY_MATRIX_QUBITS:
        raise QbcircuitError(
            f"Emulated tomography on Aer handles up to {DENSITY_MATRIX_QUBITS} qubits, N = "
            f"{model.n_batteries} needs {width}; pass a `sampler` for larger registers."
        )
    check_estimate_options(fitter, confidence, replicates, interval)
    options = {"order": order, "ordering": ordering, "dephasing": dephasing}
    split = [shots // count + (k < shots % count) for k in range(count)]
    streams = np.random.SeedSequence(seed).spawn(3)
    circuit_seeds = streams[0].generate_state(count)
    sampler_seeds = streams[1].generate_state(t.size)
    bootstrap_seeds = streams[2].generate_state(t.size)
    estimates: list[Estimate] = []
    charger: list[float] = []
    battery = list(range(1, model.n_qubits))
    for i in tqdm(range(t.size), desc="tomography", unit="time", disable=not progress):
        circuits, pub_shots = [], []
        for k in range(count):
            base = _base_circuit(model, float(t[i]), steps[i], options, int(circuit_seeds[k]))
            if sampler is None:  # transpile the evolution once, not once per setting
                base = transpile_for_aer([base])[0]
            circuits += build_tomography_circuits(base, battery, method=method)
            pub_shots += [split[k]] * settings
        runs = run_sampler(
            circuits, pub_shots, sampler=sampler, seed=int(sampler_seeds[i]), transpiled=True
        )
        table = np.zeros((settings, 2**model.n_batteries))
        ones = 0
        for j, run in enumerate(runs):
            table[j % settings] += run[REGISTER]
            ones += int(run["charger"][1])
        charger.append(ones / (shots * settings))
        estimates.append(
            estimate_ergotropy(
                table,
                method,
                fitter=fitter,
                omega0=model.omega0,
                confidence=confidence,
                replicates=replicates,
                interval=interval,
                seed=int(bootstrap_seeds[i]),
            )
        )
    return estimates_trajectory(
        "tomography",
        model,
        t,
        estimates,
        charger,
        {
            "dt": dt,
            **options,
            "method": method,
            "fitter": fitter,
            "shots": shots,
            "instances": count,
            "sampler": "aer" if sampler is None else type(sampler).__name__,
            "confidence": confidence,
            "interval": interval,
            "replicates": replicates,
            "seed": seed,
        },
    )


def estimates_trajectory(
    label: str,
    model: StarModel,
    times: NDArray[np.float64],
    estimates: Sequence[Estimate],
    charger_excitation: Sequence[float],
    options: dict[str, Any],
) -> Trajectory:
    """The Trajectory of one tomography :class:`Estimate` per time: every registered
    observable of the fitted states, except E, which comes from the Z-basis counts, with the
    errors of E and W; ``options`` gains every time's W interval, W bias and W/E interval."""
    fitted = [e.reconstruction.battery_state() for e in estimates]
    series = observables.evaluate(fitted, model.omega0)
    series["energy"] = np.array([e.energy for e in estimates])
    series["charger_excitation"] = np.array(charger_excitation)
    return Trajectory(
        label=label,
        model=model,
        times=times,
        series=series,
        energy_error=np.array([e.energy_error for e in estimates]),
        ergotropy_error=np.array([e.ergotropy_error for e in estimates]),
        options={
            **options,
            "ergotropy_interval": [list(e.ergotropy_interval) for e in estimates],
            "ergotropy_bias": [e.ergotropy_bias for e in estimates],
            "ratio_interval": [list(e.ratio_interval) for e in estimates],
        },
    )
