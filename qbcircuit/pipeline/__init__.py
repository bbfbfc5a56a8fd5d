"""One circuit pipeline for every tomography run, emulated or on a device: construct ->
execute -> combine (the shape of mitiq's construct_circuits / executor / combine_results).

- :class:`TomographyExperiment` (:mod:`~qbcircuit.pipeline.experiment`): what is measured,
  checked once;
- :func:`plan_tomography` (:mod:`~qbcircuit.pipeline.plan`): the circuits, parameter rows and
  shots for one backend, transpiled, with their cost (nothing runs);
- :func:`execute` (:mod:`~qbcircuit.pipeline.execute`): the PUBs on the backend, counts back;
- :func:`combine` (:mod:`~qbcircuit.pipeline.combine`): counts -> Trajectory.

:func:`qbcircuit.tomography.emulate_tomography` is the three calls on a local backend; on ideal
Aer, :func:`sample_from_states` (:mod:`~qbcircuit.pipeline.states`) takes the place of plan and
execute: each circuit is simulated once and every setting's counts are drawn from its state.
``qbcircuit submit`` and ``collect`` are the same calls with the job file (:mod:`qbcircuit.jobs`)
between execute and combine.

>>> from qbcircuit import StarModel
>>> from qbcircuit.backends import resolve_backend
>>> model = StarModel(n_batteries=1, drive=1.0, coupling=0.5, dephasing=1.0)
>>> experiment = TomographyExperiment(model, [0.0, 0.5], dt=0.25, shots=400, seed=1)
>>> plan = plan_tomography(experiment, resolve_backend("aer"))
>>> len(plan.circuits), plan.cost["circuits"]
(6, 27)
>>> counts = execute(plan)
>>> trajectory = combine(experiment, plan.meta, counts)
>>> trajectory.label, trajectory.energy.shape
('tomography', (2,))
"""

from __future__ import annotations

from qbcircuit.pipeline.combine import Tables, combine, estimates_trajectory
from qbcircuit.pipeline.cost import describe_cost, plan_cost
from qbcircuit.pipeline.emulate import check_emulated_tomography, emulate_tomography
from qbcircuit.pipeline.execute import (
    Counts,
    execute,
    job_counts,
    job_ranges,
    run_batches,
    submit_job,
)
from qbcircuit.pipeline.experiment import DEFAULT_INSTANCES, MAX_CIRCUITS, TomographyExperiment
from qbcircuit.pipeline.plan import (
    CALIBRATION,
    CHARGER,
    Plan,
    choose_ordering,
    plan_tomography,
    twirled,
)
from qbcircuit.pipeline.states import sample_from_states, setting_probabilities

__all__ = [
    "CALIBRATION",
    "CHARGER",
    "DEFAULT_INSTANCES",
    "MAX_CIRCUITS",
    "Counts",
    "Plan",
    "Tables",
    "TomographyExperiment",
    "check_emulated_tomography",
    "choose_ordering",
    "combine",
    "describe_cost",
    "emulate_tomography",
    "estimates_trajectory",
    "execute",
    "job_counts",
    "job_ranges",
    "plan_cost",
    "plan_tomography",
    "run_batches",
    "sample_from_states",
    "setting_probabilities",
    "submit_job",
    "twirled",
]
