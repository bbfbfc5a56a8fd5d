"""Pulse-level reference (qiskit-dynamics, pulse profile) against exact dynamics."""

import importlib.util

import numpy as np
import pytest
from tolerances import REFERENCE

from qbcircuit import QbcircuitError, StarModel, exact

dynamics_installed = importlib.util.find_spec("qiskit_dynamics") is not None
needs_dynamics = pytest.mark.skipif(not dynamics_installed, reason="pulse extra not installed")

MODEL = StarModel(
    n_batteries=2, drive=1.0, coupling=0.5, dephasing=1.0, charger_detuning=0.2,
    battery_detuning=0.1,
)  # fmt: skip
TOLERANCE = REFERENCE  # the solver runs at 1e-10


@pytest.mark.skipif(dynamics_installed, reason="checks the message of the missing extra")
def test_missing_extra_is_one_sentence():
    from qbcircuit import pulse

    with pytest.raises(QbcircuitError, match=r'pip install -e "\.\[pulse\]"'):
        pulse.evolve(MODEL, [0.0, 1.0])


@needs_dynamics
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("frame", ["lab", "rotating"])
def test_circular_flipflop_equals_exact(n, frame):
    """The lab-frame model with the circular drive is the rotating-frame model exactly."""
    from qbcircuit import pulse

    model = MODEL.replace(n_batteries=n)
    times = np.linspace(0, 4, 9)
    reference = exact.evolve(model, times)
    solved = pulse.evolve(
        model, times, frame=frame, drive_shape="circular", omega0=6.0, rtol=1e-10, atol=1e-10
    )
    assert solved.label == "pulse"
    for name in ("energy", "ergotropy", "local_ergotropy", "charger_excitation"):
        deviation = np.max(np.abs(getattr(solved, name) - getattr(reference, name)))
        assert deviation < TOLERANCE, name


@needs_dynamics
def test_closed_system_is_still_a_density_matrix_solve():
    """gamma = 0: the state must still evolve as rho (not as a propagator)."""
    from qbcircuit import pulse

    model = MODEL.replace(dephasing=0.0)
    times = np.linspace(0, 3, 7)
    solved = pulse.evolve(model, times, drive_shape="circular", omega0=4.0, rtol=1e-10, atol=1e-10)
    assert np.max(np.abs(solved.energy - exact.evolve(model, times).energy)) < TOLERANCE


jax_installed = importlib.util.find_spec("jax") is not None


@needs_dynamics
@pytest.mark.skipif(not jax_installed, reason="jax extra not installed")
def test_jax_batch_equals_numpy_and_exact():
    """One jit + vmap solve over several (F, g, gamma), gamma = 0 included."""
    from qbcircuit import pulse

    models = [
        MODEL.replace(drive=f, coupling=g, dephasing=gamma)
        for f, g, gamma in ((1.0, 0.5, 1.0), (0.5, 1.0, 2.0), (2.0, 0.3, 0.0))
    ]
    times = np.linspace(0, 3, 7)
    options = {"drive_shape": "circular", "omega0": 5.0, "rtol": 1e-10, "atol": 1e-10}
    batch = pulse.evolve_batch(models, times, array_library="jax", **options)
    single = pulse.evolve(models[0], times, array_library="jax", **options)
    assert np.max(np.abs(single.energy - batch[0].energy)) < 1e-8
    for model, solved in zip(models, batch, strict=True):
        reference = exact.evolve(model, times)
        assert solved.options["batch"] == 3
        assert np.max(np.abs(solved.energy - reference.energy)) < TOLERANCE
        assert np.max(np.abs(solved.ergotropy - reference.ergotropy)) < TOLERANCE
    with pytest.raises(QbcircuitError, match="differ in drive, coupling and dephasing only"):
        pulse.evolve_batch([MODEL, MODEL.replace(n_batteries=3)], times)


@needs_dynamics
def test_lab_and_rotating_frames_agree_for_the_linear_drive():
    from qbcircuit import pulse

    times = np.linspace(0, 3, 7)
    options = {"drive_shape": "linear", "coupling_form": "xx", "omega0": 4.0}
    lab = pulse.evolve(MODEL, times, frame="lab", rtol=1e-10, atol=1e-10, **options)
    rotating = pulse.evolve(MODEL, times, frame="rotating", rtol=1e-10, atol=1e-10, **options)
    assert np.max(np.abs(lab.energy - rotating.energy)) < 1e-7
    assert np.max(np.abs(lab.ergotropy - rotating.ergotropy)) < 1e-7
    reference = exact.evolve(MODEL, times)
    assert np.max(np.abs(lab.energy - reference.energy)) > 1e-3  # non-RWA terms are visible


@needs_dynamics
def test_rwa_error_shrinks_with_omega0():
    """Linear drive + xx coupling approach the RWA model as F/omega0 and g/omega0 shrink."""
    from qbcircuit import pulse

    model = StarModel(n_batteries=2, drive=0.2, coupling=0.1, dephasing=0.2)
    times = np.linspace(0, 20, 21)
    reference = exact.evolve(model, times)
    errors = [
        np.max(np.abs(pulse.evolve(model, times, omega0=w, coupling_form="xx").energy
                      - reference.energy))
        for w in (2.0, 8.0, 32.0)
    ]  # fmt: skip
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < errors[0] / 4


@needs_dynamics
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("coupling_form", ["flipflop", "xx"])
def test_dicke_sector_equals_full_space(n, coupling_form):
    from qbcircuit import pulse

    model = MODEL.replace(n_batteries=n)
    times = np.linspace(0, 2, 5)
    options = {"coupling_form": coupling_form, "omega0": 3.0, "rtol": 1e-10, "atol": 1e-10}
    full = pulse.evolve(model, times, basis="full", **options)
    sector = pulse.evolve(model, times, basis="dicke", **options)
    assert np.max(np.abs(full.energy - sector.energy)) < 1e-8
    assert np.max(np.abs(full.ergotropy - sector.ergotropy)) < 1e-8


@needs_dynamics
def test_rwa_cutoff_recovers_the_rotating_model():
    """In the rotating frame, dropping terms at 2 wd turns linear + xx into the RWA model."""
    from qbcircuit import pulse

    times = np.linspace(0, 3, 7)
    solved = pulse.evolve(
        MODEL, times, frame="rotating", coupling_form="xx", omega0=3.0,
        rwa_cutoff_freq=3.0 / (2 * np.pi), rtol=1e-10, atol=1e-10,
    )  # fmt: skip
    reference = exact.evolve(MODEL, times)
    assert np.max(np.abs(solved.energy - reference.energy)) < TOLERANCE


@needs_dynamics
def test_bad_input(monkeypatch):
    from qbcircuit import pulse

    times = [0.0, 1.0]
    for kwargs, fragment in (
        ({"frame": "rotating", "carrier": 0.5}, "rotating-frame solve is at the drive frequency"),
        ({"rtol": 0.0}, "rtol"),
        ({"atol": -1.0}, "atol"),
        ({"frame": "dressed"}, "frame"),
        ({"drive_shape": "square"}, "drive_shape"),
        ({"coupling_form": "zz"}, "coupling_form"),
        ({"rwa_cutoff_freq": 1.0}, "needs frame='rotating'"),
    ):
        with pytest.raises(QbcircuitError, match=fragment):
            pulse.evolve(MODEL, times, **kwargs)
    steps = pulse.estimated_steps(pulse.lab_operators(MODEL, omega0=50.0), 100.0, "lab")
    assert 1e4 < steps < 1e5  # ~20 steps per period of 2 wd over 100/omega0 periods
    monkeypatch.setattr(pulse.solve, "STEP_WARNING", 100)  # the module that warns
    with pytest.warns(UserWarning, match="solver steps"):
        pulse.evolve(MODEL, [0.0, 0.5], omega0=50.0, basis="dicke")


@needs_dynamics
@pytest.mark.parametrize("drive_shape", ["linear", "circular"])
def test_dense_and_sparse_right_hand_sides_agree(drive_shape):
    """N = 2 steps with dense BLAS products; the sparse kernel form gives the same d x/dt."""
    from qbcircuit.pulse import lab_operators
    from qbcircuit.pulse.lab import LabGenerator

    operators = lab_operators(MODEL, basis="full", omega0=6.0, drive_shape=drive_shape)
    generator = LabGenerator(MODEL, operators, drive_shape)
    x = np.random.default_rng(2).normal(size=generator.frame.dimension)
    dense, sparse = generator._dense_closure(), generator._sparse_closure()
    assert generator.right_hand_side.__code__ is dense.__code__  # 64 coordinates: dense
    for t in (0.0, 0.37, 2.9):
        np.testing.assert_allclose(dense(t, x), sparse(t, x), rtol=1e-13, atol=1e-13)
