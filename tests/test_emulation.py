import numpy as np
import pytest
from tolerances import SIGMAS

from qbcircuit import QbcircuitError, StarModel, exact
from qbcircuit.emulation import emulate

SETS = [
    dict(drive=1.0, coupling=0.7, dephasing=0.8),
    dict(drive=0.6, coupling=1.1, dephasing=1.5, charger_detuning=0.4, battery_detuning=0.3),
]
TIMES = np.linspace(0, 4, 9)
# Convergence study (scripts/trotter_study.py): the Strang error is below
# 0.065 N dt^2 in E and 0.057 N dt^2 in W for these sets; asserted with margin.
STRANG_CONSTANT = 0.1


def _errors(model, dt, order, reference):
    trajectory = emulate(model, TIMES, dt=dt, order=order)
    return (
        np.max(np.abs(trajectory.energy - reference.energy)),
        np.max(np.abs(trajectory.ergotropy - reference.ergotropy)),
    )


@pytest.mark.parametrize("params", SETS)
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_convergence_order(n, params):
    model = StarModel(n_batteries=n, **params)
    reference = exact.evolve(model, TIMES, basis="dicke")
    for order, (low, high) in ((1, (1.8, 2.3)), (2, (3.7, 4.3))):
        coarse = _errors(model, 0.1, order, reference)
        fine = _errors(model, 0.05, order, reference)
        for c, f in zip(coarse, fine, strict=True):
            assert low < c / f < high, (order, c, f)


@pytest.mark.parametrize("params", SETS)
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_density_matrix_trajectory_matches_exact(n, params):
    model = StarModel(n_batteries=n, **params)
    dt = 0.02
    trajectory = emulate(model, TIMES, dt=dt)
    reference = exact.evolve(model, TIMES, basis="dicke")
    bound = STRANG_CONSTANT * n * dt**2
    assert np.max(np.abs(trajectory.energy - reference.energy)) < bound
    assert np.max(np.abs(trajectory.ergotropy - reference.ergotropy)) < bound
    assert np.max(np.abs(trajectory.charger_excitation - reference.charger_excitation)) < bound
    assert trajectory.label == "aer" and trajectory.states.shape == (9, 2**n, 2**n)
    assert np.max(reference.energy) > 0.1


def test_collision_equals_channel():
    model = StarModel(n_batteries=2, **SETS[1])
    channel = emulate(model, TIMES, dt=0.1, insertion="channel")
    collision = emulate(model, TIMES, dt=0.1, insertion="collision")
    assert np.max(np.abs(channel.energy - collision.energy)) < 1e-10
    assert np.max(np.abs(channel.ergotropy - collision.ergotropy)) < 1e-10


@pytest.mark.parametrize("kind", ["pauli", "gaussian"])
def test_stochastic_dephasing_within_standard_error(kind):
    model = StarModel(n_batteries=2, **SETS[0])
    trajectory = emulate(model, TIMES, dt=0.05, insertion=kind, instances=64, seed=11)
    channel = emulate(model, TIMES, dt=0.05, insertion="channel")
    assert trajectory.options["instances"] == 64
    late = slice(1, None)
    assert np.all(trajectory.energy_error[late] > 0) and np.all(
        trajectory.ergotropy_error[late] > 0
    )
    assert np.all(
        np.abs(trajectory.energy - channel.energy)[late]
        < SIGMAS * trajectory.energy_error[late] + 1e-12
    )
    again = emulate(model, TIMES, dt=0.05, insertion=kind, instances=64, seed=11)
    assert np.array_equal(again.energy, trajectory.energy)  # seeded


def test_randomized_ordering_is_averaged():
    model = StarModel(n_batteries=3, **SETS[0])
    randomized = emulate(model, TIMES, dt=0.1, ordering="randomized", instances=8, seed=2)
    reference = exact.evolve(model, TIMES, basis="dicke")
    assert randomized.options["instances"] == 8
    assert np.max(np.abs(randomized.energy - reference.energy)) < 0.02


@pytest.mark.parametrize(
    "times, kwargs, fragment",
    [
        (TIMES, dict(dt=0.0), "dt"),
        (TIMES, dict(dt=5.0), "time span"),
        ([0.0, 0.15], dict(dt=0.1), "dt grid"),
        (TIMES, dict(dt=0.1, method="mps"), "method"),
        (TIMES, dict(dt=0.1, insertion="amplitude"), "insertion"),
        (TIMES, dict(dt=0.1, ordering="sorted"), "ordering"),
        (TIMES, dict(dt=0.1, instances=0), "instances"),
    ],
)
def test_bad_input(times, kwargs, fragment):
    with pytest.raises(QbcircuitError, match=fragment):
        emulate(StarModel(n_batteries=2, **SETS[0]), times, **kwargs)


def test_too_many_qubits_is_refused_before_simulating():
    with pytest.raises(QbcircuitError, match=r"N = 15 needs about .* GiB"):
        emulate(StarModel(n_batteries=15, **SETS[0]), TIMES, dt=0.5)


@pytest.mark.parametrize("kind", ["pauli", "gaussian"])
def test_statevector_trajectories_equal_the_density_matrix_average(kind):
    """Same seeds, same unitary instances: the rank-2K Gram route must give the averaged
    density matrix's E, W, local ergotropy and error bars exactly."""
    model = StarModel(n_batteries=3, **SETS[1])
    dense = emulate(model, TIMES, dt=0.1, insertion=kind, instances=12, seed=4)
    vectors = emulate(
        model, TIMES, dt=0.1, insertion=kind, instances=12, seed=4, method="statevector"
    )
    assert vectors.options["method"] == "statevector" and vectors.states is None
    for name in (
        "energy",
        "ergotropy",
        "local_ergotropy",
        "charger_excitation",
        "energy_error",
        "ergotropy_error",
    ):
        assert np.max(np.abs(getattr(dense, name) - getattr(vectors, name))) < 1e-10, name
    assert np.max(vectors.ergotropy) > 0.1


def test_auto_uses_statevector_beyond_density_matrix_reach():
    model = StarModel(n_batteries=14, **SETS[0])
    trajectory = emulate(
        model, [0.0, 0.5], dt=0.25, insertion="pauli", instances=4, method="auto", seed=3
    )
    assert trajectory.options["method"] == "statevector"
    assert 0 < trajectory.energy[1] < 14 and 0 <= trajectory.ergotropy[1] <= trajectory.energy[1]
    small = emulate(StarModel(n_batteries=2, **SETS[0]), TIMES, dt=0.5, method="auto")
    assert small.options["method"] == "density_matrix"
    with pytest.raises(QbcircuitError, match="statevector method needs"):
        emulate(StarModel(n_batteries=2, **SETS[0]), TIMES, dt=0.5, method="statevector")
    with pytest.raises(QbcircuitError, match=r"auto emulation of N = 14 needs about"):
        emulate(model, [0.0, 0.5], dt=0.25, insertion="channel", method="auto")


def test_shots_sample_the_energy_with_shot_noise():
    model = StarModel(n_batteries=3, **SETS[0])
    exact_states = emulate(
        model, TIMES, dt=0.1, insertion="pauli", instances=8, seed=6, method="statevector"
    )
    sampled = emulate(
        model,
        TIMES,
        dt=0.1,
        insertion="pauli",
        instances=8,
        seed=6,
        method="statevector",
        shots=400,
    )
    assert sampled.options["shots"] == 400
    assert np.array_equal(sampled.ergotropy, exact_states.ergotropy)  # W from the states
    difference = np.abs(sampled.energy - exact_states.energy)[1:]
    assert np.all(difference > 0)  # shot noise is there
    assert np.all(difference < 5 * sampled.energy_error[1:])  # and within its error bar
    assert np.all(np.abs(sampled.charger_excitation - exact_states.charger_excitation) < 0.1)
    with pytest.raises(QbcircuitError, match="density-matrix method"):
        emulate(model, TIMES, dt=0.1, shots=100)
    with pytest.raises(QbcircuitError, match="shots"):
        emulate(model, TIMES, dt=0.1, insertion="pauli", method="statevector", shots=0)
