"""Dissipators as data: the model lists its channels, the generic exact route takes any list of
jump operators, the structured routes and the circuits refuse what they do not cover."""

import importlib.util

import numpy as np
import pytest
import scipy.sparse.linalg as sla
from tolerances import AGREE, EXACT, LATE_TIME, REFERENCE

from qbcircuit import QbcircuitError, StarModel, exact
from qbcircuit.emulation import emulate
from qbcircuit.model import Dissipator

STAR = StarModel(n_batteries=2, drive=1.0, coupling=0.5, dephasing=0.6, battery_detuning=0.3)


def test_the_model_lists_its_dissipators():
    assert [d.name for d in STAR.dissipators()] == ["charger_dephasing"]
    assert STAR.pure_charger_dephasing and STAR.unital
    damped = STAR.replace(charger_relaxation=0.8)
    assert [(d.name, d.rate, d.operator) for d in damped.dissipators()] == [
        ("charger_dephasing", 0.3, "sz"),
        ("charger_relaxation", 0.8, "sminus"),
    ]
    assert not damped.pure_charger_dephasing and not damped.unital
    assert STAR.replace(dephasing=0.0).dissipators() == ()
    lowering = damped.jump_operators("full")[1].toarray()
    excited = np.zeros(8)
    excited[1] = 1.0  # charger (qubit 0) in |1>, batteries in |0>
    np.testing.assert_allclose(lowering @ excited, np.sqrt(0.8) * np.eye(8)[0], atol=EXACT)
    with pytest.raises(QbcircuitError, match="leaves the symmetric sector"):
        Dissipator("battery_dephasing", 0.1, 1, "sz").matrix(STAR, "dicke")


def test_the_generic_generator_is_the_structured_route():
    """expm of the generator of (H, [L]) equals the sign-mask solver for charger dephasing."""
    times = [0.0, 0.7, 1.9]
    structured = exact.evolve(STAR, times, basis="full", keep_states=True)
    generator = exact.lindblad_generator(STAR.hamiltonian("full"), STAR.jump_operators("full"))
    start = np.zeros(64, dtype=complex)
    start[0] = 1.0
    for k, t in enumerate(times):
        rho = sla.expm_multiply(generator * t, start).reshape(8, 8)
        battery = np.einsum("icjc->ij", rho.reshape(4, 2, 4, 2))
        np.testing.assert_allclose(battery, structured.states[k], atol=EXACT)


def driven_damped_excitation(drive, detuning, dephasing, relaxation):
    """rho_ee of H = F X - (dC/2) Z with L1 = sqrt(gamma/2) sz, L2 = sqrt(Gamma) s-: the
    optical Bloch equations' steady state with coherence decay g2 = Gamma/2 + gamma."""
    g2 = relaxation / 2 + dephasing
    return drive**2 * (2 * g2 / relaxation) / (detuning**2 + g2**2 + 4 * drive**2 * g2 / relaxation)


@pytest.mark.parametrize("basis", ["full", "dicke"])
def test_charger_relaxation_alone_is_the_driven_damped_qubit(basis):
    model = StarModel(
        n_batteries=1, drive=0.7, coupling=0.0, dephasing=0.6, charger_detuning=0.4,
        charger_relaxation=0.8,
    )  # fmt: skip
    late = exact.evolve(model, [0.0, 150.0], basis=basis)
    assert late.options["solver"] == "liouvillian-vectorised"
    expected = driven_damped_excitation(0.7, 0.4, 0.6, 0.8)
    assert abs(late.charger_excitation[1] - expected) < EXACT
    assert late.energy[1] == pytest.approx(0.0, abs=EXACT)  # g = 0: the battery never moves


@pytest.mark.parametrize("detuning", [0.0, 0.3])
def test_with_relaxation_the_star_has_one_stationary_state(detuning):
    model = STAR.replace(battery_detuning=detuning, charger_relaxation=0.4)
    limit = exact.long_time(model)
    assert limit.n_stationary == 1
    late = exact.evolve(model, [600.0], basis="dicke")
    assert abs(limit.energy - late.energy[0]) < LATE_TIME
    assert abs(limit.ergotropy - late.ergotropy[0]) < LATE_TIME
    assert abs(limit.charger_excitation - late.charger_excitation[0]) < LATE_TIME
    # the charger relaxes towards |0>: below the unital limit's 1/2, battery not maximally mixed
    assert limit.charger_excitation < 0.5 and limit.ratio > 0
    assert limit.status == "reached" and 0 < limit.reach_time < 600
    full = exact.evolve(model, [5.0], basis="full")
    dicke = exact.evolve(model, [5.0], basis="dicke")
    for name in ("energy", "ergotropy", "local_ergotropy", "purity"):
        assert abs(full[name][0] - dicke[name][0]) < AGREE, name


def test_routes_and_circuits_refuse_what_they_do_not_cover():
    damped = STAR.replace(charger_relaxation=0.4)
    with pytest.raises(QbcircuitError, match="'gaussian' insertion cannot realise charger_rel"):
        emulate(damped, [0.0, 0.5], dt=0.25, insertion="gaussian")
    with pytest.raises(QbcircuitError, match="available up to N = 16"):
        exact.long_time(damped.replace(n_batteries=17))
    with pytest.raises(QbcircuitError, match="needs `dephasing` > 0"):
        exact.long_time(STAR.replace(dephasing=0.0))
    none = emulate(damped, [0.0, 0.5], dt=0.25, insertion="none")  # dropped by choice
    closed = exact.evolve(damped.replace(dephasing=0.0, charger_relaxation=0.0), [0.0, 0.5])
    assert abs(none.energy[1] - closed.energy[1]) < 1e-2  # Trotter error only


@pytest.mark.skipif(
    importlib.util.find_spec("qiskit_dynamics") is None, reason="pulse extra not installed"
)
def test_the_pulse_leg_takes_the_same_dissipators():
    from qbcircuit import pulse

    model = STAR.replace(charger_relaxation=0.5, charger_detuning=0.2)
    times = np.linspace(0, 3, 7)
    solved = pulse.evolve(model, times, drive_shape="circular", omega0=5.0, rtol=1e-10, atol=1e-10)
    reference = exact.evolve(model, times)
    for name in ("energy", "ergotropy", "charger_excitation"):
        assert np.max(np.abs(solved[name] - reference[name])) < REFERENCE, name


@pytest.mark.skipif(
    importlib.util.find_spec("qiskit_dynamics") is None, reason="pulse extra not installed"
)
def test_the_pulse_leg_takes_battery_noise_in_the_full_space():
    from qbcircuit import pulse

    model = STAR.replace(n_batteries=2, battery_dephasing=0.3, battery_relaxation=0.2)
    times = np.linspace(0, 3, 7)
    solved = pulse.evolve(model, times, drive_shape="circular", omega0=5.0, rtol=1e-10, atol=1e-10)
    assert solved.options["basis"] == "full"
    reference = exact.evolve(model, times)  # the permutation route
    for name in ("energy", "ergotropy", "local_ergotropy", "charger_excitation"):
        assert np.max(np.abs(solved[name] - reference[name])) < REFERENCE, name
    with pytest.raises(QbcircuitError, match="needs every dissipator on the charger"):
        pulse.evolve(model, times, basis="dicke")
