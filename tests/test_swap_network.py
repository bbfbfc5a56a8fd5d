"""The swap-network coupling order: the charger carried along a line of batteries. Equal to the
fixed-order Strang step as an operator, nearest-neighbour only, and cheaper on heavy-hex
devices from N = 4 on, where a device run picks it by its transpiled two-qubit count."""

import importlib.util

import numpy as np
import pytest
from qiskit import transpile
from qiskit.quantum_info import Operator
from qiskit.transpiler import CouplingMap
from tolerances import EXACT

from qbcircuit import QbcircuitError, StarModel
from qbcircuit.circuits import build_trotter_circuit
from qbcircuit.emulation import emulate
from qbcircuit.pipeline import TomographyExperiment, choose_ordering


def general(n):
    return StarModel(
        n_batteries=n,
        drive=0.7,
        coupling=0.9,
        dephasing=0.0,
        charger_detuning=0.3,
        coupling_offsets=list(np.linspace(0.0, 0.2, n)),
        detuning_offsets=list(np.linspace(-0.2, 0.3, n)),
    )


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_the_swap_network_is_the_fixed_order_step(n):
    fixed = build_trotter_circuit(general(n), 0.6, steps=3, ordering="fixed", insertion="none")
    line = build_trotter_circuit(
        general(n), 0.6, steps=3, ordering="swap-network", insertion="none"
    )
    assert Operator(line).equiv(Operator(fixed))
    pairs = {
        tuple(sorted(line.find_bit(q).index for q in item.qubits))
        for item in line.data
        if item.operation.num_qubits == 2
    }
    assert all(b - a == 1 for a, b in pairs)  # nearest neighbours on the line only


@pytest.mark.parametrize("kind", ["channel", "collision"])
def test_the_swap_network_emulates_like_the_fixed_order(kind):
    model = general(3).replace(dephasing=0.6, battery_relaxation=0.2, battery_initial="dicke:1")
    times = [0.0, 0.5, 1.0]
    line = emulate(model, times, dt=0.1, ordering="swap-network", insertion=kind)
    fixed = emulate(model, times, dt=0.1, ordering="fixed", insertion=kind)
    for name in ("energy", "ergotropy", "charger_excitation"):
        assert np.max(np.abs(line[name] - fixed[name])) < EXACT


def heavy_hex():
    from qiskit.providers.fake_provider import GenericBackendV2

    coupling = CouplingMap.from_heavy_hex(3)
    return GenericBackendV2(
        coupling.size(), coupling_map=coupling, basis_gates=["cx", "rz", "sx", "x"], seed=1
    )


def per_step(device, n, ordering):
    circuit = build_trotter_circuit(
        StarModel(n, 1.0, 0.5, 0.0), 0.2, steps=2, ordering=ordering, insertion="none"
    )
    compiled = transpile(circuit, device, optimization_level=3, seed_transpiler=1)
    return sum(1 for item in compiled.data if item.operation.num_qubits == 2) / 2


def test_on_heavy_hex_the_swap_network_needs_about_6n_cx_per_step():
    device = heavy_hex()
    for n in range(2, 9):
        assert per_step(device, n, "swap-network") <= 6 * n - 4
    assert per_step(device, 8, "swap-network") < per_step(device, 8, "palindromic")


@pytest.mark.skipif(
    importlib.util.find_spec("qiskit_ibm_runtime") is None, reason="cloud extra not installed"
)
def test_fake_torino_and_sherbrooke_counts_beside_the_routed_order():
    from qiskit_ibm_runtime.fake_provider import FakeSherbrooke, FakeTorino

    for device in (FakeTorino(), FakeSherbrooke()):
        for n in (2, 4, 6, 8):
            line, routed = per_step(device, n, "swap-network"), per_step(device, n, "palindromic")
            assert line <= 6 * n - 4
            if n >= 6:
                assert line < routed, (device.name, n, line, routed)


def test_a_device_run_picks_the_cheaper_order():
    device = heavy_hex()
    model = StarModel(n_batteries=6, drive=1.0, coupling=0.5, dephasing=1.0)
    experiment = TomographyExperiment(model, [0.0, 0.2], dt=0.1, scheme="pauli", shots=10)
    chosen, counts = choose_ordering(experiment, device)
    assert chosen == "swap-network" and counts["swap-network"] < counts["palindromic"]
    small = TomographyExperiment(model.replace(n_batteries=2), [0.0, 0.2], dt=0.1)
    assert choose_ordering(small, device)[0] == "palindromic"  # ties go to the routed star


def test_the_swap_network_needs_the_strang_step():
    with pytest.raises(QbcircuitError, match="swap-network ordering needs order 2"):
        build_trotter_circuit(general(2), 0.5, steps=2, order=1, ordering="swap-network")
