"""The "tomography" Trajectory: the pipeline's three steps on Aer, in memory.

This is what a device run does (E from Z-basis counts, W from the fitted state, bootstrap error
bars), on Aer by default; comparing it with the "aer" Trajectory isolates shots + reconstruction.
"""

from __future__ import annotations

from typing import Any

from numpy.typing import ArrayLike

from qbcircuit._checks import QbcircuitError, renamed
from qbcircuit.backends import DENSITY_MATRIX_QUBITS, Backend, resolve_backend
from qbcircuit.exact import memory_budget
from qbcircuit.model import StarModel
from qbcircuit.pipeline.combine import combine
from qbcircuit.pipeline.execute import execute
from qbcircuit.pipeline.experiment import TomographyExperiment
from qbcircuit.pipeline.plan import plan_tomography
from qbcircuit.pipeline.states import sample_from_states, state_memory
from qbcircuit.results import Trajectory
from qbcircuit.tomography.estimate import FitOptions

__all__ = ["check_emulated_tomography", "emulate_tomography"]


def check_emulated_tomography(
    model: StarModel,
    times: ArrayLike,
    *,
    dt: float,
    method: str = "permutation",
    shots: int = 2000,
    fitter: str = "mle",
    order: int = 2,
    ordering: str = "palindromic",
    insertion: str = "channel",
    instances: int | None = None,
    sampler: Any = None,
    backend: str | Backend = "aer",
    confidence: float = 0.9,
    replicates: int = 100,
    interval: str = "percentile",
    seed: int | None = None,
    correct_bias: bool = False,
) -> tuple[TomographyExperiment, FitOptions, Backend]:
    """Every refusal of :func:`emulate_tomography` before any circuit is built (its arguments,
    less ``progress``): the experiment, the fit options and the resolved backend."""
    experiment = TomographyExperiment(
        model,
        times,  # type: ignore[arg-type]
        dt,
        order=order,
        ordering=ordering,
        insertion=insertion,
        instances=instances,
        shots=shots,
        scheme=method,
        seed=seed,
    )
    fit = FitOptions(fitter, confidence, replicates, interval, correct_bias)
    target = resolve_backend(backend) if isinstance(backend, str) else backend
    if sampler is None and target.device is None and experiment.width > DENSITY_MATRIX_QUBITS:
        raise QbcircuitError(
            f"Emulated tomography on Aer handles up to {DENSITY_MATRIX_QUBITS} qubits, N = "
            f"{model.n_batteries} needs {experiment.width}; pass a `sampler` for larger "
            "registers."
        )
    target.check(experiment.kind, experiment.width)
    if sampler is None and target.noiseless:
        need = state_memory(experiment)
        if need > memory_budget():
            raise QbcircuitError(
                f"Emulated tomography of N = {model.n_batteries} holds {experiment.instance_count} "
                f"density matrices of {experiment.width} qubits per time, about "
                f"{need / 2**30:.1f} GiB (budget {memory_budget() / 2**30:.1f} GiB); use fewer "
                "batteries or instances."
            )
    return experiment, fit, target


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
    insertion: str = "channel",
    instances: int | None = None,
    sampler: Any = None,
    backend: str | Backend = "aer",
    confidence: float = 0.9,
    replicates: int = 100,
    interval: str = "percentile",
    seed: int | None = None,
    correct_bias: bool = False,
    progress: bool = False,
    dephasing: str | None = None,
) -> Trajectory:
    """E, W, W/E of the battery from tomography of Trotter circuits at ``times``.

    Args:
        model: the star battery.
        times: increasing times >= 0 on the dt grid.
        dt: Trotter step.
        order: as for :func:`qbcircuit.emulation.emulate`.
        ordering: as for :func:`qbcircuit.emulation.emulate`.
        insertion: as for :func:`qbcircuit.emulation.emulate` (``dephasing`` is its former
            name).
        method: the tomography scheme, "permutation" ((N+1)(N+2)/2 settings) or "pauli" (3^N).
        shots: shots per setting and time, split evenly over the instances of a random circuit
            (a random insertion or the "randomized" ordering; default 8 instances) and pooled,
            as on a device: the pooled counts sample the instance average.
        fitter: see :func:`qbcircuit.tomography.estimate_ergotropy`.
        confidence: the interval level, see :func:`qbcircuit.tomography.estimate_ergotropy`.
        replicates: bootstrap replicates, see :func:`qbcircuit.tomography.estimate_ergotropy`.
        interval: "percentile" or "basic", see :func:`qbcircuit.tomography.estimate_ergotropy`.
        correct_bias: W and W/E less their bootstrap bias, see
            :func:`qbcircuit.tomography.estimate_ergotropy`.
        backend: where the circuits are transpiled for and run (a local spec: "aer",
            "aer:<fake>", "fake:<fake>"); ``sampler``: a SamplerV2 to run them instead. On
            ideal Aer each circuit instance is simulated once and every setting's counts are
            drawn from its state (:mod:`qbcircuit.pipeline.states`); the others run every
            setting's circuit through the sampler, as a device does.
        seed: seeds the circuits, the sampler and the bootstrap.

    Returns:
        Trajectory labelled "tomography": E from Z-basis counts (shot-noise error), W and local
        W from the fit (bootstrap error); ``options`` keeps every time's intervals and bias.
        The error bars are shot noise given the instances drawn, not the instance spread.
    """
    experiment, fit, target = check_emulated_tomography(
        model,
        times,
        dt=dt,
        method=method,
        shots=shots,
        fitter=fitter,
        order=order,
        ordering=ordering,
        insertion=renamed("insertion", insertion, "dephasing", dephasing),
        instances=instances,
        sampler=sampler,
        backend=backend,
        confidence=confidence,
        replicates=replicates,
        interval=interval,
        seed=seed,
        correct_bias=correct_bias,
    )
    if sampler is None and target.noiseless:
        meta, counts = sample_from_states(experiment)
    else:
        plan = plan_tomography(experiment, target, progress=progress)
        meta, counts = list(plan.meta), execute(plan, sampler=sampler, progress=progress)
    return combine(
        experiment,
        meta,
        counts,
        fit=fit,
        label="tomography",
        options={"sampler": target.spec if sampler is None else type(sampler).__name__},
        progress=progress,
    )
