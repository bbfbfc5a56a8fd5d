import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp
from tolerances import EXACT

from qbcircuit import QbcircuitError, StarModel
from qbcircuit.dicke import embedding

MODEL = StarModel(
    n_batteries=3,
    drive=0.8,
    coupling=0.6,
    dephasing=1.3,
    charger_detuning=0.4,
    battery_detuning=-0.25,
    omega0=1.5,
)


def _joint_embedding(n):
    """Sector (index 2n + c) into the full space (index c + 2b): V_battery (x) 1_charger."""
    return np.kron(embedding(n), np.eye(2))


@pytest.mark.parametrize("method", ["hamiltonian", "jump_operator", "battery_hamiltonian"])
def test_sector_operators_are_the_full_ones_restricted(method):
    for n in (1, 2, 3, 4):
        model = MODEL.replace(n_batteries=n)
        full = getattr(model, method)("full").toarray()
        sector = getattr(model, method)("dicke").toarray()
        v = _joint_embedding(n)
        assert np.allclose(full @ v, v @ sector, atol=EXACT)  # invariant sector
        assert np.allclose(v.T @ full @ v, sector, atol=EXACT)


def test_pauli_operators_match_the_conventions():
    h = MODEL.hamiltonian("full").toarray()
    assert np.allclose(h, MODEL.hamiltonian_pauli().to_matrix(), atol=EXACT)
    # charger alone (N = 1, g = 0): H = (dC/2) sz + F sx with |0> the ground state, sz = -Z
    one = StarModel(n_batteries=1, drive=0.7, coupling=0.0, dephasing=0.0, charger_detuning=0.4)
    h1 = one.hamiltonian("full").toarray()
    assert h1[0, 0] == pytest.approx(-0.2)  # |00>: charger ground, energy -dC/2
    assert h1[1, 1] == pytest.approx(0.2)  # charger excited
    assert h1[0, 1] == pytest.approx(0.7)  # F sx
    # flip-flop |charger 1, battery 0> <-> |charger 0, battery 1> with amplitude g
    h2 = MODEL.replace(n_batteries=1).hamiltonian("full").toarray()
    assert h2[1, 2] == pytest.approx(0.6)
    assert h2[0, 3] == pytest.approx(0.0)
    hb = MODEL.battery_hamiltonian("full").diagonal().real
    assert hb[0] == 0 and hb[-1] == pytest.approx(3 * 1.5) and hb[1] == 0  # charger excluded


def test_jump_operator_gives_dephasing_rate_gamma():
    """L = sqrt(gamma/2) sz: D(|0><1|) = L X L - {L^2, X}/2 = -gamma |0><1|."""
    one = StarModel(n_batteries=1, drive=0, coupling=0, dephasing=2.6)
    jump = one.jump_operator("full").toarray()
    x = np.zeros((4, 4))
    x[0, 1] = 1
    dissipated = jump @ x @ jump - 0.5 * (jump @ jump @ x + x @ jump @ jump)
    assert dissipated[0, 1] == pytest.approx(-2.6)


def test_frozen_and_validated():
    with pytest.raises(dataclasses.FrozenInstanceError):
        MODEL.drive = 2.0  # type: ignore[misc]
    for field, value, fragment in [
        ("drive", -1.0, "drive.*>= 0"),
        ("coupling", float("nan"), "coupling.*finite"),
        ("dephasing", -0.1, "dephasing.*>= 0"),
        ("n_batteries", 0, "n_batteries.*>= 1"),
        ("n_batteries", 2.0, "n_batteries.*integer"),
        ("n_batteries", True, "n_batteries.*integer"),
        ("omega0", 0.0, "omega0.*> 0"),
        ("battery_detuning", "0.5", "battery_detuning.*real"),
    ]:
        with pytest.raises(QbcircuitError, match=fragment):
            MODEL.replace(**{field: value})
    assert isinstance(MODEL.hamiltonian("dicke"), sp.csr_matrix)
    with pytest.raises(QbcircuitError, match="basis"):
        MODEL.hamiltonian("dickie")


def test_from_toml(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text("[model]\nn_batteries = 2\ndrive = 1\ncoupling = 0.5\ndephasing = 1.0\n")
    assert StarModel.from_toml(good) == StarModel(2, 1.0, 0.5, 1.0)
    cases = {
        "[model]\nn_batteries = 2\ndrive = 1\ncoupling = 0.5\ndephasing = 1\nspeed = 3\n": (
            "Unknown key 'speed'"
        ),
        "[model]\nn_batteries = 2\ndrive = 'fast'\ncoupling = 0.5\ndephasing = 1\n": "drive",
        "[model]\nn_batteries = 2\ndrive = 1\ncoupling = -0.5\ndephasing = 1\n": "coupling",
        "[model]\nn_batteries = 0\ndrive = 1\ncoupling = 0.5\ndephasing = 1\n": "n_batteries",
        "[model]\nn_batteries = 2\ndrive = 1\ncoupling = 0.5\n": "'dephasing' is missing",
        "[model]\nn_batteries = 2\ndrive = = 1\n": r"does not parse.*line 3",
        "n_batteries = 2\n": "no \\[model\\] table",
    }
    for i, (text, fragment) in enumerate(cases.items()):
        path = tmp_path / f"bad{i}.toml"
        path.write_text(text)
        with pytest.raises(QbcircuitError, match=fragment):
            StarModel.from_toml(path)
    with pytest.raises(QbcircuitError, match="does not exist"):
        StarModel.from_toml(tmp_path / "absent.toml")


def test_the_full_space_operators_store_no_zeros():
    model = StarModel(n_batteries=4, drive=1.0, coupling=0.5, dephasing=1.0)
    for matrix in (model.hamiltonian("full"), model.battery_hamiltonian("full")):
        assert np.count_nonzero(matrix.data) == matrix.nnz
    # the drive on every state, each coupling where charger and battery qubit differ
    assert model.hamiltonian("full").nnz == 2**5 * (1 + 4 / 2)
