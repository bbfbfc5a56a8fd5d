"""Beyond the ideal star: per-qubit couplings and detunings (given or drawn), charger
relaxation and excitation (a thermal charger), other initial states. Each route is checked
against an independent QuTiP model or a closed form; each bad input is one sentence."""

import importlib.util

import numpy as np
import pytest
from tolerances import AGREE, LATE_TIME, REFERENCE

from qbcircuit import QbcircuitError, StarModel, Trajectory, exact


def qutip_energy(model, times):
    """<H_B>(t) of the same Lindbladian written qubit by qubit in QuTiP (mesolve)."""
    qutip = pytest.importorskip("qutip")
    size = model.n_qubits
    low = qutip.Qobj(np.array([[0.0, 1.0], [0.0, 0.0]]))  # |0><1|, ground |0>
    sz = qutip.Qobj(np.diag([-1.0, 1.0]))

    def on(operator, qubit):  # our qubit q is bit q: QuTiP's first factor is the highest
        factors = [qutip.qeye(2)] * size
        factors[size - 1 - qubit] = operator
        return qutip.tensor(factors)

    h = model.charger_detuning / 2 * on(sz, 0) + model.drive * on(qutip.sigmax(), 0)
    jumps = [
        np.sqrt(model.dephasing / 2) * on(sz, 0),
        np.sqrt(model.charger_relaxation) * on(low, 0),
        np.sqrt(model.charger_excitation) * on(low.dag(), 0),
    ]
    for j, (g, d) in enumerate(
        zip(model.battery_couplings, model.battery_detunings, strict=True), start=1
    ):
        h += d / 2 * on(sz, j) + g * (on(low.dag(), 0) * on(low, j) + on(low, 0) * on(low.dag(), j))
        jumps += [
            np.sqrt(model.battery_dephasing / 2) * on(sz, j),
            np.sqrt(model.battery_relaxation) * on(low, j),
        ]
    ket = qutip.Qobj(model.initial_ket("full").reshape(-1, 1), dims=[[2] * size, [1] * size])
    h_b = sum(model.omega0 * on(low.dag() * low, j) for j in range(1, size))
    result = qutip.mesolve(
        h,
        ket,
        times,
        [j for j in jumps if j.norm() > 0],
        e_ops=[h_b],
        options={"atol": 1e-12, "rtol": 1e-10},
    )
    return np.asarray(result.expect[0])


GENERAL = [
    dict(coupling_disorder=0.4, detuning_disorder=0.3, disorder_seed=3),
    dict(coupling_offsets=[0.2, -0.3, 0.0], battery_initial="101", charger_initial=1),
    dict(
        detuning_offsets=[0.5, 0.0, -0.5],
        charger_relaxation=0.3,
        charger_excitation=0.2,
        battery_dephasing=0.1,
    ),
    dict(battery_initial="dicke:2", battery_relaxation=0.2, charger_initial=1),
]


@pytest.mark.parametrize("changes", GENERAL, ids=lambda d: "+".join(d))
def test_every_route_equals_an_independent_qubit_by_qubit_model(changes):
    model = StarModel(n_batteries=3, drive=1.0, coupling=0.8, dephasing=0.7, **changes)
    times = np.linspace(0.0, 3.0, 7)
    trajectory = exact.evolve(model, times)
    expected = "full" if not model.symmetric else "permutation"
    assert trajectory.options["basis"] == expected
    assert np.max(np.abs(trajectory.energy - qutip_energy(model, times))) < REFERENCE
    wide = model.replace(
        n_batteries=5, coupling_offsets=(), detuning_offsets=(), battery_initial="ground"
    )
    expected = (
        "full" if not wide.symmetric else ("dicke" if wide.charger_channels_only else "permutation")
    )
    assert exact.evolve(wide, [0.0, 0.5]).options["basis"] == expected


@pytest.mark.parametrize(
    "start",
    [
        dict(battery_initial="dicke:1"),
        dict(charger_initial=1),
        dict(battery_initial="111", charger_initial=1),
    ],
)
@pytest.mark.parametrize("detuning", [0.0, 0.6], ids=["resonant", "detuned"])
def test_symmetric_starts_on_the_dicke_sector_equal_the_full_space(start, detuning):
    model = StarModel(
        n_batteries=3, drive=0.9, coupling=1.0, dephasing=0.5, battery_detuning=detuning, **start
    )
    times = np.linspace(0.0, 4.0, 9)
    sector = exact.evolve(model, times, basis="dicke")
    full = exact.evolve(model, times, basis="full")
    assert sector.options["solver"] == "liouvillian"  # the closed forms start from all-ground
    for name in ("energy", "ergotropy", "local_ergotropy", "purity", "charger_excitation"):
        assert np.max(np.abs(sector.series[name] - full.series[name])) < AGREE


def test_the_long_time_limit_of_another_start_is_its_own():
    model = StarModel(
        n_batteries=3, drive=1.0, coupling=1.0, dephasing=1.0, battery_initial="dicke:1"
    )
    limit = exact.long_time(model)
    assert limit.n_stationary == 4  # resonant: the N + 1 blocks, projected from |N/2, 1>
    late = exact.evolve(model, [4 * limit.reach_time], basis="full")
    assert abs(late.energy[0] - limit.energy) <= limit.tolerance * limit.energy
    ground = exact.long_time(model.replace(battery_initial="ground"))
    assert abs(ground.ergotropy - limit.ergotropy) > 0.1  # the start is remembered


def test_the_driven_damped_dephased_charger_has_the_bloch_steady_state():
    f, dc, gamma, relax = 0.7, 0.4, 0.3, 0.5
    model = StarModel(
        n_batteries=1,
        drive=f,
        coupling=0.0,
        dephasing=gamma,
        charger_detuning=dc,
        charger_relaxation=relax,
    )
    late = exact.evolve(model, [0.0, 400.0])  # 200 relaxation times
    g2 = relax / 2 + gamma
    rho_ee = f**2 * (2 * g2 / relax) / (dc**2 + g2**2 + 4 * f**2 * g2 / relax)
    assert abs(late.series["charger_excitation"][-1] - rho_ee) < LATE_TIME


def test_a_thermal_charger_alone_reaches_its_occupation():
    rates = StarModel.thermal_charger(t1=2.0, occupation=0.4)
    model = StarModel(n_batteries=1, drive=0.0, coupling=0.0, dephasing=0.1, **rates)
    late = exact.evolve(model, [0.0, 200.0])
    assert abs(late.series["charger_excitation"][-1] - 0.4 / 1.8) < LATE_TIME


def test_with_relaxation_the_steady_state_is_unique_and_not_maximally_mixed():
    model = StarModel(n_batteries=3, drive=1.0, coupling=1.0, dephasing=1.0, charger_relaxation=0.2)
    limit = exact.long_time(model)
    assert limit.n_stationary == 1
    assert abs(limit.charger_excitation - 0.5) > 0.01
    assert abs(limit.energy - 1.5) > 0.01  # the maximally mixed sector would hold N/2
    again = exact.long_time(model.replace(battery_initial="dicke:2", charger_initial=1))
    assert abs(again.energy - limit.energy) < LATE_TIME  # unique: the start is forgotten


def test_the_disorder_draw_is_seeded_and_keeps_its_pattern():
    base = StarModel(n_batteries=4, drive=1.0, coupling=1.0, dephasing=1.0, disorder_seed=11)
    a = base.replace(coupling_disorder=0.2)
    b = base.replace(coupling_disorder=0.4)
    assert np.allclose(a.battery_couplings - 1.0, (b.battery_couplings - 1.0) / 2)
    assert np.all(np.abs(b.battery_couplings - 1.0) <= 0.4) and not a.homogeneous
    c = base.replace(coupling_disorder=0.2, detuning_disorder=0.3)
    assert np.array_equal(c.battery_couplings, a.battery_couplings)  # widths are independent
    assert not np.array_equal(
        base.replace(coupling_disorder=0.2, disorder_seed=12).battery_couplings, a.battery_couplings
    )
    assert base.homogeneous and np.all(base.battery_couplings == 1.0)


def test_a_general_model_survives_a_save_and_a_config(tmp_path):
    model = StarModel(
        n_batteries=2,
        drive=1.0,
        coupling=0.5,
        dephasing=1.0,
        coupling_offsets=[0.1, -0.1],
        battery_initial="10",
        **StarModel.thermal_charger(5.0, 0.2),
    )
    trajectory = exact.evolve(model, [0.0, 1.0])
    back = Trajectory.load(trajectory.save(tmp_path / "general"))
    assert back.model == model
    table = {
        "n_batteries": 2,
        "drive": 1.0,
        "coupling": 0.5,
        "dephasing": 1.0,
        "charger_t1": 5.0,
        "charger_occupation": 0.2,
    }
    assert StarModel.from_dict(table).dissipators() == model.dissipators()


BAD = [
    (dict(charger_excitation=-0.1), "`charger_excitation` must be >= 0"),
    (dict(coupling_offsets=[0.1, 0.2]), "one number per battery qubit (3), got 2"),
    (dict(battery_initial="dicke:4"), "excitation count 0..3"),
    (dict(battery_initial="1012"), "'ground', 'dicke:n'"),
    (dict(coupling_disorder=5.0, disorder_seed=2), "< 0; use a smaller `coupling_disorder`"),
    (dict(charger_initial=2), "`charger_initial` must be an integer >= 0 and <= 1"),
]


@pytest.mark.parametrize(("changes", "sentence"), BAD)
def test_bad_model_input_is_one_sentence(changes, sentence):
    with pytest.raises(QbcircuitError, match=None) as error:
        StarModel(n_batteries=3, drive=1.0, coupling=1.0, dephasing=1.0, **changes)
    assert sentence in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    "changes", [dict(coupling_offsets=[0.0, 0.1, 0.0]), dict(battery_initial="100")]
)
@pytest.mark.parametrize("basis", ["permutation", "dicke"])
def test_a_sector_route_for_an_asymmetric_model_is_refused(changes, basis):
    model = StarModel(
        n_batteries=3,
        drive=1.0,
        coupling=1.0,
        dephasing=1.0,
        battery_dephasing=0.1 if basis == "permutation" else 0.0,
        **changes,
    )
    with pytest.raises(QbcircuitError, match="use basis='full'") as error:
        exact.evolve(model, [0.0, 1.0], basis=basis)
    assert "\n" not in str(error.value)
    with pytest.raises(QbcircuitError, match="use basis='full'"):
        exact.long_time(model)


def test_charger_t1_beside_a_rate_is_refused():
    table = {
        "n_batteries": 2,
        "drive": 1.0,
        "coupling": 0.5,
        "dephasing": 1.0,
        "charger_t1": 5.0,
        "charger_relaxation": 0.2,
    }
    with pytest.raises(QbcircuitError, match="either 'charger_t1' or 'charger_relaxation'"):
        StarModel.from_dict(table)


@pytest.mark.skipif(
    importlib.util.find_spec("qiskit_dynamics") is None, reason="pulse extra not installed"
)
@pytest.mark.parametrize("frame", ["lab", "rotating"])
def test_the_pulse_leg_takes_the_general_model(frame):
    from qbcircuit import pulse

    model = StarModel(
        n_batteries=2,
        drive=0.7,
        coupling=0.5,
        dephasing=0.6,
        battery_detuning=0.2,
        coupling_offsets=[0.2, -0.1],
        detuning_offsets=[0.1, -0.3],
        battery_initial="10",
        charger_relaxation=0.2,
        charger_excitation=0.1,
    )
    times = np.linspace(0.0, 3.0, 7)
    solved = pulse.evolve(
        model, times, frame=frame, drive_shape="circular", omega0=5.0, rtol=1e-10, atol=1e-10
    )
    reference = exact.evolve(model, times)
    for name in ("energy", "ergotropy", "charger_excitation"):
        assert np.max(np.abs(solved[name] - reference[name])) < REFERENCE, name
