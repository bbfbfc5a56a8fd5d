"""Pauli twirling of device circuits: every copy is the original unitary, and on an ideal
simulator behind a device interface (Braket's local simulator) twirled counts agree with
untwirled ones within shot noise."""

import importlib.util

import numpy as np
import pytest
from qiskit import transpile
from qiskit.providers.fake_provider import GenericBackendV2
from qiskit.quantum_info import Operator
from tolerances import SIGMAS

from qbcircuit import QbcircuitError, StarModel, jobs
from qbcircuit.circuits import build_trotter_template, dephasing_values
from qbcircuit.config import RunConfig
from qbcircuit.pipeline import twirled


def test_every_twirled_copy_is_the_original_unitary():
    device = GenericBackendV2(5, basis_gates=["cx", "rz", "sx", "x"], seed=1)
    model = StarModel(n_batteries=2, drive=1.0, coupling=0.5, dephasing=1.0)
    template = build_trotter_template(model, 1.0, steps=3, insertion="gaussian")
    angles = dict(
        zip(
            template.parameters,
            dephasing_values(model, template, instances=1, seed=2)[0],
            strict=True,
        )
    )
    compiled = transpile(
        template.assign_parameters(angles), device, optimization_level=3, seed_transpiler=1
    )
    copies = twirled(compiled, 4, seed=3, device=device)
    assert len(copies) == 4 and len({str(c.data) for c in copies}) == 4  # different Paulis
    for copy in copies:
        assert Operator(copy).equiv(Operator(compiled))
        assert copy.count_ops()["cx"] == compiled.count_ops()["cx"]


@pytest.mark.skipif(
    importlib.util.find_spec("qiskit_braket_provider") is None,
    reason="cloud extra (qiskit-braket-provider) not installed",
)
def test_twirled_counts_equal_the_untwirled_ones_within_shot_noise(tmp_path):
    from test_braket import CONFIG

    results = {}
    for twirls in (0, 4):
        path = tmp_path / f"twirls-{twirls}.toml"
        path.write_text(CONFIG.format(backend="braket:local") + f"twirls = {twirls}\n")
        config = RunConfig.from_toml(path)
        plan = jobs.submit(config, tmp_path / f"job-{twirls}", echo=lambda _: None)
        results[twirls] = (plan, jobs.collect(tmp_path / f"job-{twirls}")[0])
    (plain, a), (twirl, b) = results[0], results[4]
    tomography = [m for m in plan.meta if m["role"] == "tomography"]
    assert len(twirl.circuits) - 2 > 3 * (len(plain.circuits) - 2)  # calibrations aside
    assert "Pauli twirling: 4 copies per circuit" in jobs.describe_cost(twirl)
    assert tomography
    for k in (1, 2):
        spread = np.hypot(a.energy_error[k], b.energy_error[k])
        assert abs(a.energy[k] - b.energy[k]) < SIGMAS * spread


def test_twirling_on_ideal_aer_is_refused_before_anything_is_written(tmp_path):
    from test_braket import CONFIG

    path = tmp_path / "aer.toml"
    path.write_text(CONFIG.format(backend="aer") + "twirls = 4\n")
    with pytest.raises(QbcircuitError, match="Pauli twirling acts on a device's two-qubit gates"):
        jobs.submit(RunConfig.from_toml(path), tmp_path / "job", echo=lambda _: None)
    assert not (tmp_path / "job").exists()
