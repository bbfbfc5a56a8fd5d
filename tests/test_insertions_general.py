"""Circuits of the general star: per-qubit couplings and detunings in the Trotter gates, an
insertion for every channel (dephasing, relaxation, excitation on any qubit), the initial
state prepared in the circuit. Each insertion converges to the exact dynamics at order 2;
random-unitary insertions refuse channels that are not unital."""

import numpy as np
import pytest
from qiskit.quantum_info import Statevector
from tolerances import SIGMAS

from qbcircuit import QbcircuitError, StarModel, exact
from qbcircuit.circuits import build_trotter_circuit, build_trotter_template, dephasing_values
from qbcircuit.emulation import emulate
from qbcircuit.pipeline.emulate import emulate_tomography

MODELS = [
    (1, dict(charger_relaxation=0.4, charger_excitation=0.2)),
    (2, dict(battery_relaxation=0.3, coupling_offsets=[0.3, -0.2])),
    (
        3,
        dict(
            battery_dephasing=0.5,
            battery_relaxation=0.2,
            charger_initial=1,
            battery_initial="dicke:1",
        ),
    ),
    (
        4,
        dict(
            battery_dephasing=0.4,
            coupling_disorder=0.3,
            detuning_disorder=0.2,
            battery_initial="0101",
        ),
    ),
]
NAMES = ("energy", "ergotropy", "charger_excitation")


@pytest.mark.parametrize(
    ("n", "changes"), MODELS, ids=lambda x: str(x) if isinstance(x, int) else "+".join(x)
)
@pytest.mark.parametrize("kind", ["channel", "collision"])
def test_each_insertion_converges_to_exact_at_order_two(n, changes, kind):
    model = StarModel(n_batteries=n, drive=1.0, coupling=0.8, dephasing=0.6, **changes)
    times = [0.0, 1.0, 2.0]
    reference = exact.evolve(model, times, basis="full")
    errors = []
    for dt in (0.2, 0.1):
        emulated = emulate(model, times, dt=dt, insertion=kind)
        errors.append(max(float(np.max(np.abs(emulated[k] - reference[k]))) for k in NAMES))
    assert 1e-4 < errors[1] < errors[0] / 3.5  # halving dt divides the error by ~4
    assert errors[0] / errors[1] < 4.5


@pytest.mark.parametrize(
    "changes", [dict(battery_initial="dicke:2"), dict(charger_initial=1, battery_initial="110")]
)
def test_the_circuit_prepares_the_initial_state(changes):
    model = StarModel(n_batteries=3, drive=1.0, coupling=1.0, dephasing=0.0, **changes)
    prepared = build_trotter_circuit(model, 1e-9, steps=1, insertion="none")
    state = Statevector(prepared)
    assert abs(abs(state.inner(Statevector(model.initial_ket("full")))) - 1) < 1e-6


@pytest.mark.parametrize("kind", ["pauli", "gaussian"])
def test_random_unitary_insertions_refuse_channels_that_are_not_unital(kind):
    model = StarModel(n_batteries=2, drive=1.0, coupling=1.0, dephasing=1.0, battery_relaxation=0.1)
    with pytest.raises(
        QbcircuitError, match=f"'{kind}' insertion cannot realise battery_rel"
    ) as error:
        emulate(model, [0.0, 1.0], dt=0.1, insertion=kind)
    assert "\n" not in str(error.value)
    assert "unital channels (dephasing) only" in str(error.value)


def test_a_template_draws_each_channel_at_its_own_rate():
    model = StarModel(n_batteries=2, drive=1.0, coupling=1.0, dephasing=0.6, battery_dephasing=0.2)
    template = build_trotter_template(model, 1.0, steps=2, insertion="gaussian")
    rates = template.metadata["insertion"]["rates"]
    # Strang: charger, battery 1, battery 2, then the mirror order, each step
    assert rates == [0.6, 0.2, 0.2, 0.2, 0.2, 0.6] * 2
    values = dephasing_values(model, template, instances=40000, seed=5)
    tau = 1.0 / 2 / 2
    variance = values.var(axis=0)
    assert np.all(np.abs(variance / (2 * np.array(rates) * tau) - 1) < 0.05)


def test_random_battery_dephasing_averages_to_the_channel():
    model = StarModel(n_batteries=2, drive=1.0, coupling=0.8, dephasing=0.5, battery_dephasing=0.6)
    channel = emulate(model, [0.0, 1.5], dt=0.1, insertion="channel")
    random = emulate(model, [0.0, 1.5], dt=0.1, insertion="gaussian", instances=64, seed=4)
    assert random.energy_error is not None and random.energy_error[1] > 0  # the instance spread
    assert abs(random.energy[1] - channel.energy[1]) < SIGMAS * random.energy_error[1]


def test_pauli_tomography_of_an_asymmetric_noisy_battery_agrees_with_exact():
    model = StarModel(
        n_batteries=2,
        drive=1.0,
        coupling=0.8,
        dephasing=0.6,
        coupling_offsets=[0.2, -0.2],
        battery_relaxation=0.2,
    )
    times = [0.0, 1.0]
    with pytest.raises(QbcircuitError, match="use scheme 'pauli'"):
        emulate_tomography(model, times, dt=0.05, insertion="collision")
    measured = emulate_tomography(
        model,
        times,
        dt=0.05,
        insertion="collision",
        method="pauli",
        shots=4000,
        replicates=30,
        seed=3,
    )
    reference = exact.evolve(model, times)
    trotter = 0.01  # dt = 0.05, order 2: well inside this
    assert abs(measured.energy[1] - reference.energy[1]) < (
        SIGMAS * measured.energy_error[1] + trotter
    )
