"""The permutation-invariant route (battery-local noise, spin sectors with multiplicities):
equal to the full space for N = 1..5, to QuTiP's PIQS Lindbladian at N = 10 and 20, to the
symmetric route without battery noise; its refusals are one sentence each."""

from math import comb

import numpy as np
import pytest
from tolerances import AGREE, EXACT, REFERENCE

from qbcircuit import QbcircuitError, StarModel, exact, thermo
from qbcircuit.exact._permutation import SpinSectors, permutation_rows

NAMES = ("energy", "ergotropy", "local_ergotropy", "purity", "charger_excitation")
NOISES = [
    {"battery_dephasing": 0.4},
    {"battery_relaxation": 0.3},
    {"battery_dephasing": 0.5, "battery_relaxation": 0.2, "charger_relaxation": 0.1},
]


def largest_difference(a, b):
    return max(float(np.max(np.abs(a.series[k] - b.series[k]))) for k in NAMES)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("noise", NOISES, ids=lambda d: "+".join(d))
@pytest.mark.parametrize("detuning", [0.0, 0.7], ids=["resonant", "detuned"])
def test_the_spin_sectors_equal_the_full_space(n, noise, detuning):
    model = StarModel(n_batteries=n, drive=1.0, coupling=0.8, dephasing=0.6,
                      battery_detuning=detuning, **noise)  # fmt: skip
    times = np.linspace(0.0, 4.0, 9)
    full = exact.evolve(model, times, basis="full")
    spins = exact.evolve(model, times)
    assert spins.options == {"basis": "permutation", "solver": "permutation-invariant"}
    assert largest_difference(full, spins) < AGREE


def test_without_battery_noise_it_is_the_symmetric_route():
    model = StarModel(n_batteries=6, drive=1.0, coupling=1.0, dephasing=1.0, battery_detuning=0.3)
    times = np.linspace(0.0, 5.0, 6)
    spins = exact.evolve(model, times, basis="permutation")
    assert largest_difference(spins, exact.evolve(model, times, basis="dicke")) < AGREE


def test_the_weighted_passive_energy_is_the_expanded_one():
    rng = np.random.default_rng(7)
    n = 6
    counts = np.array([1, 5, 9, 5, 9, 5])  # d_j of N = 6: 1, 5, 9 (twice over, in pieces)
    values = np.sort(rng.random(counts.size))[::-1]
    values /= values @ counts
    expanded = np.repeat(values, counts)
    passive = float(expanded @ np.sort(thermo.battery_energies(n))[: expanded.size])
    assert abs(thermo.passive_energy_weighted(values, counts, n) - passive) < EXACT


def test_the_sectors_hold_every_state_once():
    from qbcircuit.exact._cost import permutation_dimension  # the pre-flight's count

    for n in range(1, 12):
        sectors = SpinSectors(n)
        assert float(sectors.degeneracy @ (sectors.two_j + 1)) == 2**n
        assert sectors.dimension == permutation_dimension(n)
    assert SpinSectors(100).degeneracy.max() > 1e27  # held as floats, never expanded


def piqs_trajectory(model, times):
    """The same Lindbladian built with QuTiP: charger (x) PIQS Dicke space, PIQS's local
    emission and dephasing superoperator (its rates: Gamma_B and 2 gamma_B), mesolve."""
    qutip = pytest.importorskip("qutip")
    from qutip import piqs

    n = model.n_batteries
    jz, jp = piqs.jspin(n, "z", basis="dicke"), piqs.jspin(n, "+", basis="dicke")
    eye_b = qutip.qeye(jz.dims[0])
    sm = qutip.destroy(2)  # |0><1|: lowers the charger (ground |0>)
    sz_c = sm.dag() * sm - sm * sm.dag()
    h = (model.charger_detuning / 2 * qutip.tensor(sz_c, eye_b)
         + model.battery_detuning * qutip.tensor(qutip.qeye(2), jz)
         + model.drive * qutip.tensor(sm + sm.dag(), eye_b)
         + model.coupling * (qutip.tensor(sm.dag(), jp.dag()) + qutip.tensor(sm, jp)))  # fmt: skip
    charger = [np.sqrt(model.dephasing / 2) * qutip.tensor(sz_c, eye_b)]
    local = piqs.Dicke(n, emission=model.battery_relaxation,
                       dephasing=2 * model.battery_dephasing).lindbladian()  # fmt: skip
    generator = qutip.liouvillian(h, charger) + qutip.super_tensor(
        qutip.to_super(qutip.qeye(2)), local
    )
    start = qutip.tensor(qutip.basis(2, 0) * qutip.basis(2, 0).dag(),
                         piqs.dicke(n, n / 2, -n / 2))  # fmt: skip
    result = qutip.mesolve(generator, start, times, options={"atol": 1e-12, "rtol": 1e-10})
    sectors = SpinSectors(n)
    vectors = []
    for state in result.states:
        joint = state.full().reshape(2, -1, 2, jz.shape[0])  # (c, dicke, c', dicke')
        parts, start_index = [], 0
        for two_j in sectors.two_j:
            size = two_j + 1
            block = joint[:, start_index : start_index + size, :, start_index : start_index + size]
            block = block[:, ::-1, :, ::-1]  # PIQS orders m downwards; b = m + j upwards
            parts.append(block.transpose(1, 0, 3, 2).reshape(2 * size, 2 * size).ravel())
            start_index += size
        vectors.append(np.concatenate(parts))
    rows = list(permutation_rows(sectors, iter(vectors)))
    return {
        "energy": np.array([r[0].mean_excitation for r in rows]) * model.omega0,
        "charger_excitation": np.array([r[1] for r in rows]),
        "rows": rows,
    }


@pytest.mark.parametrize("n", [10, 20])
def test_the_spin_sectors_agree_with_piqs(n):
    from qbcircuit.observables import evaluate

    model = StarModel(n_batteries=n, drive=1.0, coupling=0.5, dephasing=1.0, battery_detuning=0.2,
                      battery_dephasing=0.1, battery_relaxation=0.05)  # fmt: skip
    times = np.linspace(0.0, 6.0, 7)
    ours = exact.evolve(model, times)
    peer = piqs_trajectory(model, times)
    series = evaluate((r[0] for r in peer["rows"]), model.omega0)
    series["charger_excitation"] = peer["charger_excitation"]
    for name in NAMES:
        assert np.max(np.abs(ours.series[name] - series[name])) < REFERENCE, name
    assert np.max(ours.series["ergotropy"]) > 0.1  # a charged battery, not a trivial match


def test_refusals_are_one_sentence():
    noisy = StarModel(n_batteries=3, drive=1.0, coupling=1.0, dephasing=1.0, battery_dephasing=0.1)
    with pytest.raises(QbcircuitError, match="basis='dicke' is exact only while"):
        exact.evolve(noisy, [0.0, 1.0], basis="dicke")
    with pytest.raises(QbcircuitError, match="keeps no 2\\^N battery states"):
        exact.evolve(noisy, [0.0, 1.0], keep_states=True)
    with pytest.raises(QbcircuitError, match="battery_relaxation"):
        StarModel(n_batteries=3, drive=1.0, coupling=1.0, dephasing=1.0, battery_relaxation=-1)
    with pytest.raises(QbcircuitError, match="Argument `basis`"):
        exact.evolve(noisy, [0.0, 1.0], basis="spins")


def test_the_time_estimate_admits_n_100_and_refuses_below_it():
    # N = 100 to t = 30 takes about a minute on a 2-core machine; the estimate (a few times
    # that) stays within the default hour and refuses a budget of a second, before any work
    model = StarModel(
        n_batteries=100,
        drive=1.0,
        coupling=1.0,
        dephasing=1.0,
        battery_detuning=0.5,
        battery_dephasing=0.01,
        battery_relaxation=0.005,
    )
    times = np.linspace(0.0, 30.0, 31)
    exact.check_evolve(model, times, time_budget=1000.0)
    with pytest.raises(QbcircuitError, match="estimated to take about"):
        exact.check_evolve(model, times, time_budget=1.0)


def test_the_degeneracies_are_the_dimension_formula():
    n = 9
    sectors = SpinSectors(n)
    for k, d in zip(sectors.lowest, sectors.degeneracy, strict=True):
        j = n / 2 - k
        assert d == (2 * j + 1) * comb(n, k) / (n / 2 + j + 1)


@pytest.mark.parametrize("noise", NOISES[:2], ids=lambda d: "+".join(d))
def test_the_limit_of_the_spin_sectors_is_the_full_space_kernel(noise):
    from qbcircuit.exact import lindblad_generator  # the full generator, densely
    from qbcircuit.exact._liouvillian import split_charger

    model = StarModel(n_batteries=3, drive=1.0, coupling=1.0, dephasing=1.0,
                      battery_detuning=0.3, **noise)  # fmt: skip
    generator = lindblad_generator(model.hamiltonian(), model.jump_operators()).toarray()
    values, vectors = np.linalg.eig(generator)
    kernel = np.abs(values) < 1e-9
    assert kernel.sum() == 1  # unique: the route's n_stationary is right
    rho = vectors[:, kernel][:, 0].reshape(16, 16)
    battery = split_charger(rho / np.trace(rho))[0]
    limit = exact.long_time(model)
    assert limit.n_stationary == 1
    assert abs(limit.energy - thermo.energy(battery, model.omega0)) < AGREE
    assert abs(limit.ergotropy - thermo.ergotropy(battery, model.omega0)) < AGREE


def test_battery_dephasing_leaves_a_passive_limit_and_relaxation_a_charged_one():
    base = dict(n_batteries=8, drive=1.0, coupling=1.0, dephasing=1.0)
    dephased = exact.long_time(StarModel(**base, battery_dephasing=0.01))
    assert abs(dephased.energy - 4.0) < AGREE and dephased.ergotropy < AGREE  # 1/2^(N+1)
    relaxed = exact.long_time(StarModel(**base, battery_relaxation=0.01))
    assert relaxed.ergotropy > 0.1 and relaxed.energy < 4.0


def test_charging_time_on_the_spin_sectors_is_where_the_full_space_crosses():
    model = StarModel(n_batteries=3, drive=1.0, coupling=1.0, dephasing=1.0,
                      battery_relaxation=0.05)  # fmt: skip
    tau = exact.charging_time(model, level=0.5)
    target = 0.5 * exact.long_time(model).energy
    around = exact.evolve(model, [tau * (1 - 1e-6), tau * (1 + 1e-6)], basis="full").energy
    assert around[0] < target < around[1]


def test_the_spin_sector_spectrum_is_part_of_the_full_space_spectrum():
    """The permutation-invariant operators are an invariant subspace of the full generator:
    every eigenvalue of the sector generator is one of the full generator's, so the
    relaxation time of the sectors is that of a full-space mode."""
    from qbcircuit.exact import lindblad_generator
    from qbcircuit.exact._permutation import permutation_generator

    model = StarModel(n_batteries=3, drive=1.0, coupling=0.7, dephasing=1.0, battery_detuning=0.4,
                      battery_dephasing=0.05, battery_relaxation=0.02)  # fmt: skip
    full = np.linalg.eigvals(
        lindblad_generator(model.hamiltonian(), model.jump_operators()).toarray()
    )
    sectors = np.linalg.eigvals(permutation_generator(model)[0].toarray())
    assert max(np.min(np.abs(full - value)) for value in sectors) < 1e-8
    slowest = np.sort(np.abs(sectors.real))[1]
    assert abs(exact.relaxation_time(model) - 1 / slowest) < EXACT


def test_long_time_refusals_name_the_limit():
    big = StarModel(n_batteries=60, drive=1.0, coupling=1.0, dephasing=1.0, battery_dephasing=0.1)
    with pytest.raises(QbcircuitError, match="available up to N = 40"):
        exact.long_time(big)
    with pytest.raises(QbcircuitError, match="relaxation_time of a model with battery-local"):
        exact.relaxation_time(big)
