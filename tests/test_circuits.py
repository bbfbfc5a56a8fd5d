import math

import numpy as np
import pytest
import scipy.linalg as la
from qiskit import QuantumCircuit, transpile
from qiskit.quantum_info import DensityMatrix, Operator, SuperOp
from qiskit_aer import AerSimulator
from tolerances import EXACT, SIGMAS

from qbcircuit import QbcircuitError, StarModel
from qbcircuit.backends import run_saved_states
from qbcircuit.circuits import (
    build_snapshot_circuit,
    build_trotter_circuit,
    build_trotter_step,
    coupling_orders,
    phase_flip_probability,
)

GAMMA = 0.7


def _charger_coherence(kind: str, t: float, dt: float, seeds: range) -> np.ndarray:
    """<0|rho_C|1> of a charger prepared in |+>, under dephasing only (F = g = 0), per seed."""
    model = StarModel(n_batteries=1, drive=0.0, coupling=0.0, dephasing=GAMMA)
    circuits = []
    for seed in seeds:
        trotter = build_trotter_circuit(model, t, dt=dt, insertion=kind, seed=seed)
        circuit = QuantumCircuit(*trotter.qregs)
        circuit.h(0)
        circuit.compose(trotter, inplace=True)
        circuit.save_density_matrix([0], label="c")
        circuits.append(circuit)
    saved = run_saved_states(circuits, method="density_matrix", seed=0)
    return np.array([run["c"][0, 1].real for run in saved])


@pytest.mark.parametrize("kind", ["channel", "collision"])
def test_deterministic_insertions_are_exact(kind):
    for t in (0.5, 2.0):
        assert _charger_coherence(kind, t, 0.25, range(1))[0] == pytest.approx(
            math.exp(-GAMMA * t) / 2, abs=EXACT
        )


@pytest.mark.parametrize("kind", ["pauli", "gaussian"])
def test_stochastic_insertions_average_to_the_decay(kind):
    """Mean over 300 seeded instances within 4 standard errors of exp(-gamma t)/2."""
    t = 1.5
    values = _charger_coherence(kind, t, 0.25, range(300))
    error = values.std(ddof=1) / np.sqrt(values.size)
    assert 0 < error < 0.05
    assert abs(values.mean() - math.exp(-GAMMA * t) / 2) < SIGMAS * error


def test_phase_flip_probability():
    assert 1 - 2 * phase_flip_probability(GAMMA, 0.3) == pytest.approx(math.exp(-GAMMA * 0.3))


@pytest.mark.parametrize("order", [1, 2])
def test_no_coupling_no_dephasing_is_the_exact_unitary(order):
    """Without coupling (and dC = 0) the terms act on different qubits and commute."""
    model = StarModel(n_batteries=3, drive=0.8, coupling=0.0, dephasing=0.0, battery_detuning=0.6)
    t = 1.3
    circuit = build_trotter_circuit(model, t, steps=4, order=order, insertion="none")
    exact = la.expm(-1j * t * model.hamiltonian("full").toarray())
    assert np.allclose(Operator(circuit).data, exact, atol=EXACT)


def test_one_step_unitary_matches_strang_product():
    model = StarModel(
        n_batteries=2,
        drive=0.9,
        coupling=0.6,
        dephasing=0.0,
        charger_detuning=0.3,
        battery_detuning=-0.2,
    )
    dt = 0.2
    step = Operator(build_trotter_step(model, dt, order=2, ordering="fixed", insertion="none")).data
    exact = la.expm(-1j * dt * model.hamiltonian("full").toarray())
    error = np.max(np.abs(step - exact))
    assert 1e-6 < error < 5 * dt**3  # a genuine second-order approximation


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_transpiling_keeps_the_dephasing(level):
    model = StarModel(n_batteries=2, drive=1.0, coupling=0.5, dephasing=GAMMA)
    circuit = build_trotter_circuit(model, 1.0, dt=0.25, order=2, insertion="channel")
    compiled = transpile(circuit, AerSimulator(method="density_matrix"), optimization_level=level)
    assert compiled.count_ops().get("kraus", 0) == 8  # D(dt/2) U D(dt/2), 4 steps


def test_orderings():
    assert coupling_orders(3, 2, "fixed") == [[1, 2, 3], [1, 2, 3]]
    assert coupling_orders(3, 2, "palindromic") == [[1, 2, 3], [3, 2, 1]]
    drawn = coupling_orders(5, 20, "randomized", np.random.default_rng(3))
    assert all(sorted(step) == [1, 2, 3, 4, 5] for step in drawn)
    assert len({tuple(step) for step in drawn}) > 5
    assert drawn == coupling_orders(5, 20, "randomized", np.random.default_rng(3))


def test_collision_uses_one_ancilla_and_resets_it():
    model = StarModel(n_batteries=2, drive=1.0, coupling=0.5, dephasing=GAMMA)
    circuit = build_trotter_circuit(model, 1.0, dt=0.5, order=1, insertion="collision")
    assert circuit.num_qubits == 4
    assert circuit.count_ops()["rzx"] == circuit.count_ops()["reset"] == 2


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(dt=-0.1), "dt"),
        (dict(dt=0.3), "dt grid"),
        (dict(dt=2.0), "dt"),
        (dict(dt=0.1, insertion="thermal"), "insertion"),
        (dict(dt=0.1, ordering="alphabetical"), "ordering"),
        (dict(dt=0.1, order=3), "order"),
        (dict(dt=0.1, steps=4), "exactly one"),
    ],
)
def test_bad_input(kwargs, fragment):
    model = StarModel(n_batteries=2, drive=1.0, coupling=0.5, dephasing=GAMMA)
    with pytest.raises(QbcircuitError, match=fragment):
        build_trotter_circuit(model, 1.0, **kwargs)


@pytest.mark.parametrize(
    "n, widths", [(2, [2, 2, 2]), (4, [5]), (5, [2, 5, 2]), (6, [2, 2, 5, 2, 2])]
)
def test_fusion_for_the_density_matrix_keeps_the_channel_of_a_step(n, widths):
    """A Strang step with its dephasing channels: the fused form is the same channel; at N = 2
    the two-qubit gates stay, at N = 4 they are one five-qubit unitary, from N = 5 the seven
    around the middle are."""
    from qiskit.quantum_info import SuperOp

    from qbcircuit.circuits._fusion import fuse_for_density_matrix

    model = StarModel(n_batteries=n, drive=0.7, coupling=0.4, dephasing=0.9, battery_detuning=0.3)
    step = build_trotter_step(model, 0.1)
    out = fuse_for_density_matrix(step)
    assert [len(i.qubits) for i in out.data if i.operation.name == "unitary"] == widths
    assert out.count_ops()["kraus"] == step.count_ops()["kraus"]
    assert out.count_ops()["kraus"] == 2  # the half-step channels, where they were

    def gates(circuit):  # the unitary part, the channels left out
        kept = circuit.copy_empty_like()
        for instruction in circuit.data:
            if instruction.operation.name != "kraus":
                kept.append(instruction)
        return Operator(kept).data

    np.testing.assert_allclose(gates(out), gates(step), atol=EXACT)
    if n <= 2:  # the whole channel (4^(N+1)-square superoperators)
        np.testing.assert_allclose(SuperOp(out).data, SuperOp(step).data, atol=EXACT)


@pytest.mark.parametrize(
    "battery_noise", [{}, {"battery_relaxation": 0.2, "battery_dephasing": 0.3}]
)
def test_snapshot_circuit_joins_the_channels_between_steps_into_the_same_states(battery_noise):
    """Between saves, the half-step channels closing one Strang step and opening the next are
    one channel per qubit: the saved states are those of the steps one after another, with one
    channel instruction per noisy qubit per step plus one per save."""
    model = StarModel(n_batteries=2, drive=0.7, coupling=0.4, dephasing=0.9, **battery_noise)
    snapshots = [0, 3, 4, 7]
    circuit = build_snapshot_circuit(model, 0.1, snapshots, ordering="fixed", merge=True)
    step = build_trotter_step(model, 0.1, ordering="fixed")
    noisy = step.count_ops()["kraus"] // 2
    assert circuit.count_ops()["kraus"] == noisy * (7 + 3)  # a step each, a save each (not 0)
    states = run_saved_states([circuit], method="density_matrix")[0]
    rho = np.zeros((8, 8), dtype=complex)
    rho[0, 0] = 1.0
    channel = SuperOp(step)
    for k in range(8):
        if k in snapshots:
            battery = np.trace(rho.reshape(4, 2, 4, 2), axis1=1, axis2=3)
            np.testing.assert_allclose(states[f"b{k}"], battery, atol=EXACT)
        rho = DensityMatrix(rho).evolve(channel).data
