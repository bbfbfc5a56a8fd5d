"""Solving the lab-frame model with qiskit-dynamics: one model, or a batch in one jax solve."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qbcircuit._checks import QbcircuitError, check_budget, check_positive, check_times
from qbcircuit._threads import sized_threads
from qbcircuit.exact import memory_budget, series_of, state_rows
from qbcircuit.model import StarModel
from qbcircuit.pulse.lab import LabGenerator, solve_lab
from qbcircuit.pulse.operators import (
    ARRAY_LIBRARIES,
    FRAMES,
    STEP_WARNING,
    _dynamics,
    _jax,
    _signals,
    estimated_steps,
    lab_operators,
)
from qbcircuit.results import Trajectory

__all__ = ["evolve", "evolve_batch"]


def _chosen_basis(model: StarModel, basis: str) -> str:
    """``basis``, with "auto" resolved: the full space up to N = 4, the Dicke sector above
    (always the full space with battery-local noise, which leaves the sector; "dicke" refused)."""
    if basis == "dicke" and not model.charger_channels_only:
        raise QbcircuitError(
            "The pulse leg's basis='dicke' needs every dissipator on the charger; this model has "
            "battery-local noise: use basis='full'."
        )
    if basis != "auto":
        return basis
    sector = model.charger_channels_only and model.symmetric
    return "full" if model.n_batteries <= 4 or not sector else "dicke"


def _dimension(model: StarModel, *args: object, basis: str = "auto", **kwargs: object) -> int:
    full = _chosen_basis(model, basis) == "full"
    return 2**model.n_qubits if full else 2 * model.n_qubits


@sized_threads(_dimension)
def evolve(
    model: StarModel,
    times: ArrayLike,
    *,
    frame: str = "lab",
    drive_shape: str = "linear",
    coupling_form: str = "flipflop",
    omega0: float | None = None,
    carrier: float | None = None,
    rwa_cutoff_freq: float | None = None,
    basis: str = "auto",
    rtol: float = 1e-8,
    atol: float = 1e-8,
    array_library: str = "numpy",
    time_budget: float | None = None,
) -> Trajectory:
    """Lab-frame dynamics from all-ground with qiskit-dynamics' Solver (Lindblad, static
    dissipator sqrt(gamma/2) sz_C).

    Args:
        model: the star battery (its F, g, gamma, dC, dB; ``model.omega0`` sets H_B).
        times: increasing times >= 0.
        frame: "lab", or "rotating" (qiskit-dynamics solves in the frame of wd (sz_C/2 + Jz),
            the same physics, slow dynamics only).
        drive_shape: "linear" (2F cos(wd t) X_C) or "circular" (the RWA drive exactly).
        coupling_form: "flipflop" or "xx" (g X_C X_j, with counter-rotating terms).
        omega0: lab battery frequency (default ``model.omega0``); large omega0/F, omega0/g make
            the RWA accurate.
        carrier: drive frequency wd (default omega0 - dB); the rotating frame needs the default.
        rwa_cutoff_freq: with frame "rotating", drop terms faster than this (angular
            frequency / 2 pi, qiskit-dynamics' convention): the RWA done by the solver.
        basis: "full" (2^(N+1)), "dicke" (2(N+1); the lab model is permutation symmetric) or
            "auto" (full for N <= 4).
        rtol: relative solver tolerance (> 0).
        atol: absolute solver tolerance (> 0).
        array_library: "numpy" (scipy DOP853) or "jax" (jit-compiled Dopri5; needs jax).
        time_budget: seconds the solve may be estimated to take (default
            $QBCIRCUIT_TIME_BUDGET or an hour); a longer one is refused before it starts.

    Returns:
        Trajectory labelled "pulse" (lab-frame E, W, local W, charger excitation).
    """
    t = check_times(times)
    if frame not in FRAMES:
        raise QbcircuitError(f"Argument `frame` must be one of {FRAMES}, got {frame!r}.")
    if array_library not in ARRAY_LIBRARIES:
        raise QbcircuitError(
            f"Argument `array_library` must be one of {ARRAY_LIBRARIES}, got {array_library!r}."
        )
    rtol, atol = check_positive("rtol", rtol), check_positive("atol", atol)
    basis = _chosen_basis(model, basis)
    dim = 2**model.n_qubits if basis == "full" else 2 * model.n_qubits
    need, budget = 24 * 16 * dim * dim, memory_budget()  # dense operators and solver stages
    if need > budget:
        raise QbcircuitError(
            f"The pulse solve of N = {model.n_batteries} ({basis}, {dim} states) needs about "
            f"{need / 2**30:.3g} GiB, over the memory budget of {budget / 2**30:.1f} GiB; use "
            "basis='dicke' or fewer batteries."
        )
    operators = lab_operators(
        model,
        basis=basis,
        omega0=omega0,
        carrier=carrier,
        coupling_form=coupling_form,
        drive_shape=drive_shape,
    )
    natural = operators["omega0"] - model.battery_detuning
    if frame == "rotating" and abs(operators["carrier"] - natural) > 1e-12 * max(1.0, natural):
        raise QbcircuitError(
            f"A rotating-frame solve is at the drive frequency omega0 - dB = {natural!r}; got "
            f"carrier = {carrier!r} (use frame='lab' for an off-resonant carrier)."
        )
    if rwa_cutoff_freq is not None:
        check_positive("rwa_cutoff_freq", rwa_cutoff_freq)
        if frame != "rotating":
            raise QbcircuitError("Argument `rwa_cutoff_freq` needs frame='rotating'.")
    steps = estimated_steps(operators, float(t[-1]), frame)
    # per step: about 12 right-hand sides of dense dim x dim products, and solver overhead
    check_budget(
        f"The {frame}-frame pulse solve to t = {t[-1]:g} ({steps:.2g} solver steps)",
        steps * (12 * 4.0 * dim**3 / 1e9 + 1e-4),
        time_budget,
        "use frame='rotating', a smaller omega0 or a shorter span",
    )
    if steps > STEP_WARNING:
        warnings.warn(
            f"The {frame}-frame solve to t = {t[-1]:g} with omega0 = {operators['omega0']:g} "
            f"needs about {steps:.2e} solver steps; consider frame='rotating' or a shorter span.",
            UserWarning,
            stacklevel=2,
        )
    dynamics = _dynamics()
    if array_library == "jax":
        _jax()
    frequency = operators["carrier"] / (2 * math.pi)
    # numpy: the vectorised Lindblad generator as scipy sparse matrices, one sparse product per
    # right-hand side (the operators are sparse; the dense matrix form spends most of each step
    # in small products and dispatch), except with an RWA cutoff (qiskit-dynamics builds its
    # RWA model from dense operators only); jax: dense matrices, traced once
    vectorised = array_library == "numpy" and rwa_cutoff_freq is None
    rho0 = model.initial_state(basis)  # type: ignore[arg-type]
    t_span = [0.0, float(t[-1])] if t[-1] > 0 else [0.0, 1e-12]
    method = "DOP853" if array_library == "numpy" else "jax_odeint"
    y0 = rho0.reshape(-1, order="F") if vectorised else rho0  # column stacking
    tolerances = {"t_eval": t, "method": method, "rtol": rtol, "atol": atol}
    if vectorised and frame == "lab":  # the same generator, stepped in compiled code
        states = solve_lab(LabGenerator(model, operators, drive_shape), rho0, t, rtol, atol)
        method = "LindbladModel, scipy's DOP853"
    else:
        solver = dynamics.Solver(
            static_hamiltonian=operators["static"],
            hamiltonian_operators=operators["drives"],
            # every dissipator is frame-invariant in D[L] (sz_C commutes with the frame, s-_C
            # picks up a phase that cancels); with none, a zero-rate jump keeps it a Lindblad
            # model: without dissipators qiskit-dynamics would treat rho0 as a propagator
            static_dissipators=operators["jumps"] or [operators["jump"]],
            rotating_frame=operators["frame"] if frame == "rotating" else None,
            rwa_cutoff_freq=rwa_cutoff_freq,
            rwa_carrier_freqs=[frequency] * len(operators["drives"]) if rwa_cutoff_freq else None,
            array_library="scipy_sparse" if vectorised else array_library,
            vectorized=vectorised,
        )
        signals = _signals(model, drive_shape, operators["carrier"])
        result = solver.solve(t_span=t_span, y0=y0, signals=signals, **tolerances)
        states = np.asarray(result.y)
        if vectorised:
            states = states.reshape(len(t), dim, dim, order="F")
    return _trajectory(
        model,
        t,
        states,
        basis,
        {
            "frame": frame,
            "drive_shape": drive_shape,
            "coupling_form": coupling_form,
            "omega0": operators["omega0"],
            "carrier": operators["carrier"],
            "rwa_cutoff_freq": rwa_cutoff_freq,
            "basis": basis,
            "rtol": rtol,
            "atol": atol,
            "array_library": array_library,
            "solver": f"qiskit-dynamics {dynamics.__version__} {method}",
        },
    )


def _trajectory(
    model: StarModel,
    times: NDArray[np.float64],
    states: NDArray[np.complex128],
    basis: str,
    options: dict[str, Any],
) -> Trajectory:
    """The "pulse" Trajectory of the joint states (T, D, D) of one solve."""
    rows = state_rows(states, basis, keep=False)
    return Trajectory(
        label="pulse",
        model=model,
        times=times,
        series=series_of(rows, model.omega0),
        options=options,
    )


def evolve_batch(
    models: Sequence[StarModel],
    times: ArrayLike,
    *,
    frame: str = "lab",
    drive_shape: str = "linear",
    coupling_form: str = "flipflop",
    omega0: float | None = None,
    basis: str = "auto",
    rtol: float = 1e-8,
    atol: float = 1e-8,
    array_library: str = "jax",
) -> list[Trajectory]:
    """Several parameter sets (F, g, gamma may differ; N, detunings and omega0 may not) in one
    solve: with jax, one jit-compiled, vmap-batched function of (F, g, gamma); with numpy, a
    loop over :func:`evolve`. Same options and result as :func:`evolve`, per model."""
    if not models:
        raise QbcircuitError("Argument `models` must hold at least one model.")
    first = models[0]
    fixed = [f for f in first.as_dict() if f not in ("drive", "coupling", "dephasing")]
    for model in models[1:]:
        for name in fixed:
            if getattr(model, name) != getattr(first, name):
                raise QbcircuitError(
                    f"Models in a batch may differ in drive, coupling and dephasing only; "
                    f"`{name}` differs ({getattr(first, name)!r} vs {getattr(model, name)!r})."
                )
    options: dict[str, Any] = {
        "frame": frame,
        "drive_shape": drive_shape,
        "coupling_form": coupling_form,
        "omega0": omega0,
        "basis": basis,
        "rtol": rtol,
        "atol": atol,
    }
    if array_library == "numpy":
        return [evolve(model, times, array_library="numpy", **options) for model in models]
    if not first.homogeneous:
        raise QbcircuitError(
            "The jax batch scales one coupling of every battery qubit; run models with "
            "offsets or disorder one by one (pulse.evolve) or with array_library='numpy'."
        )
    if not first.pure_charger_dephasing:
        raise QbcircuitError(
            "The jax batch carries the charger's dephasing as its only dissipator; run models "
            "with other dissipators one by one (pulse.evolve) or with array_library='numpy'."
        )
    if array_library != "jax":
        raise QbcircuitError(
            f"Argument `array_library` must be one of {ARRAY_LIBRARIES}, got {array_library!r}."
        )
    t = check_times(times)
    evolve(first, t[:2] if t.size > 1 else t, array_library="numpy", **options)  # checks
    dynamics = _dynamics()
    jax = _jax()
    jnp = jax.numpy
    chosen = _chosen_basis(first, basis)
    unit = first.replace(drive=1.0, coupling=1.0, dephasing=2.0)  # per-unit operators
    operators = lab_operators(
        unit,
        basis=chosen,
        omega0=omega0,
        coupling_form=coupling_form,
        drive_shape=drive_shape,
    )
    bare = lab_operators(
        unit.replace(coupling=0.0),
        basis=chosen,
        omega0=omega0,
        coupling_form=coupling_form,
        drive_shape=drive_shape,
    )
    coupling_operator = operators["static"] - bare["static"]  # H for g = 1
    frequency = operators["carrier"] / (2 * math.pi)
    solver = dynamics.Solver(
        static_hamiltonian=bare["static"],
        hamiltonian_operators=[*operators["drives"], coupling_operator],
        dissipator_operators=[operators["jump"]],  # sqrt(1) sz_C: rate gamma as its signal
        rotating_frame=operators["frame"] if frame == "rotating" else None,
        array_library="jax",
    )
    rho0 = first.initial_state(chosen)  # type: ignore[arg-type]
    t_span = [0.0, float(t[-1])] if t[-1] > 0 else [0.0, 1e-12]

    def states(drive: Any, coupling: Any, dephasing: Any) -> Any:
        amplitude = 2 * drive if drive_shape == "linear" else drive
        signals = [dynamics.Signal(amplitude, carrier_freq=frequency)]
        if drive_shape == "circular":
            signals.append(dynamics.Signal(drive, carrier_freq=frequency, phase=math.pi / 2))
        signals.append(dynamics.Signal(coupling))
        result = solver.solve(
            t_span=t_span,
            y0=rho0,
            signals=(signals, [dynamics.Signal(dephasing / 2)]),
            t_eval=t,
            method="jax_odeint",
            rtol=rtol,
            atol=atol,
        )
        return result.y

    parameters = [
        jnp.array([getattr(m, name) for m in models]) for name in ("drive", "coupling", "dephasing")
    ]
    batch = np.asarray(jax.jit(jax.vmap(states))(*parameters))
    solved = {
        **options,
        "omega0": operators["omega0"],
        "carrier": operators["carrier"],
        "basis": chosen,
        "array_library": "jax",
        "batch": len(models),
        "solver": f"qiskit-dynamics {dynamics.__version__} jax_odeint, jit+vmap",
    }
    return [
        _trajectory(model, t, joint, chosen, dict(solved))
        for model, joint in zip(models, batch, strict=True)
    ]
