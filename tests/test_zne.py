"""Zero-noise extrapolation: folded circuits are the original as operators, the extrapolation
and the simplex projection are exact where they should be, and on ideal Aer (no noise to
remove) the extrapolated trajectory agrees with the plain one within shot noise."""

import dataclasses
import importlib.util
import textwrap
from pathlib import Path

import numpy as np
import pytest
from qiskit.quantum_info import Operator
from tolerances import SIGMAS

from qbcircuit import QbcircuitError, StarModel, jobs
from qbcircuit.circuits import build_trotter_template, dephasing_values
from qbcircuit.config import RunConfig
from qbcircuit.jobfile import read_job
from qbcircuit.pipeline import TomographyExperiment, combine
from qbcircuit.tomography.estimate import FitOptions
from qbcircuit.tomography.zne import (
    check_scales,
    extrapolate,
    extrapolate_distributions,
    fold,
    project_simplex,
)

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
MODEL = StarModel(n_batteries=2, drive=1.0, coupling=0.5, dephasing=1.0)


@pytest.mark.parametrize("scale", [3, 5, 1.5, 2, 3.25])
def test_a_folded_template_is_the_original_operator(scale):
    template = build_trotter_template(MODEL, 1.0, steps=4, insertion="gaussian")
    values = dephasing_values(MODEL, template, instances=1, seed=3)[0]
    folded = fold(template, scale)
    assert folded.num_parameters == template.num_parameters  # every copy shares the angles
    angles = dict(zip(template.parameters, values, strict=True))
    assert Operator(folded.assign_parameters(angles)).equiv(
        Operator(template.assign_parameters(angles))
    )
    # the two-qubit gates scale by the requested factor (16 in the template: exactly here)
    depth = sum(1 for item in folded.data if item.operation.name == "xx_plus_yy")
    assert depth == scale * sum(1 for item in template.data if item.operation.name == "xx_plus_yy")


def test_folding_refuses_a_circuit_with_reset():
    template = build_trotter_template(MODEL, 1.0, steps=2, insertion="collision")
    with pytest.raises(QbcircuitError, match="needs a unitary circuit"):
        fold(template, 3)
    with pytest.raises(QbcircuitError, match="needs a unitary insertion"):
        TomographyExperiment(MODEL, [0.0, 0.5], dt=0.25, insertion="collision", zne_scales=(1, 3))


def test_the_extrapolations_are_exact_for_their_polynomials():
    scales = [1, 3, 5]
    x = np.array(scales, dtype=float)[:, None]
    line = 0.2 + 0.05 * x * np.array([1.0, -2.0])
    assert np.allclose(extrapolate(scales, line, "linear"), [0.2, 0.2])
    curve = 0.3 - 0.04 * x + 0.01 * x**2
    assert np.allclose(extrapolate(scales, curve, "richardson"), [0.3])
    assert not np.allclose(extrapolate(scales, curve, "linear"), [0.3])


def test_the_exponential_fit_is_exact_for_depolarised_distributions():
    """Depolarising noise moves every outcome distribution as uniform + (p - uniform) f^lambda:
    each parity decays as f^lambda, which the exponential fit undoes and a polynomial does
    not; a parity at the shot-noise floor falls back to Richardson."""
    rng = np.random.default_rng(4)
    truth = rng.dirichlet(np.ones(16), size=5)  # 5 settings of 4 measured bits
    scales = [1, 1.5, 2]
    noisy = np.array([1 / 16 + (truth - 1 / 16) * 0.7**s for s in scales])
    zero = extrapolate_distributions(scales, noisy, "exponential")
    assert np.allclose(zero, truth, atol=1e-12) and np.allclose(zero.sum(axis=1), 1)
    richardson = extrapolate_distributions(scales, noisy, "richardson")
    assert np.abs(richardson - truth).max() > 1e-3
    assert np.allclose(richardson, extrapolate(scales, noisy, "richardson"))
    shots = np.full((3, 5), 4.0)  # floor 1.5: every parity below it, extrapolated by Richardson
    assert np.allclose(extrapolate_distributions(scales, noisy, "exponential", shots), richardson)
    sign_flip = np.array([[0.2], [-0.01], [0.05]])  # no decay towards 0 of one sign
    assert np.allclose(extrapolate(scales, sign_flip, "exponential"),
                       extrapolate(scales, sign_flip, "richardson"))  # fmt: skip


def test_the_simplex_projection_is_the_nearest_probability_vector():
    rng = np.random.default_rng(2)
    rows = rng.normal(0.25, 0.3, size=(50, 4))
    projected = project_simplex(rows)
    assert np.allclose(projected.sum(axis=1), 1) and np.all(projected >= 0)
    for row, nearest in zip(rows, projected, strict=True):  # no other vector is closer
        others = project_simplex(nearest + rng.normal(0, 0.05, size=(20, 4)))
        assert np.all(np.linalg.norm(others - row, axis=1) >= np.linalg.norm(nearest - row) - 1e-12)
    assert np.allclose(project_simplex(np.array([[0.1, 0.2, 0.7]])), [[0.1, 0.2, 0.7]])


@pytest.mark.parametrize(
    "scales", [[3, 5], [1, 0.5], [1, 5, 3], [1, 1], [], "1,3", [1, "2"], [1, float("inf")]]
)
def test_bad_scales_are_one_sentence(scales):
    with pytest.raises(QbcircuitError, match=r"increasing noise scales starting at 1|list of"):
        check_scales(scales)


def test_scales_keep_integers_and_take_fractions():
    assert check_scales([1, 3.0, 5]) == (1, 3, 5)
    assert check_scales([1, 1.5, 2]) == (1, 1.5, 2)


def config(tmp_path, scales):
    text = textwrap.dedent(
        f"""\
        [model]
        n_batteries = 2
        drive = 1.0
        coupling = 0.5
        dephasing = 1.0
        [times]
        stop = 1.0
        points = 5
        [aer]
        dt = 0.25
        [tomography]
        shots = 6000
        replicates = 40
        [hardware]
        backend = "aer"
        stop = 1.0
        points = 3
        insertion = "gaussian"
        instances = 4
        zne_scales = {scales}
        """
    )
    path = tmp_path / f"zne-{len(scales)}.toml"
    path.write_text(text)
    return RunConfig.from_toml(path)


def refit(folder, zne_fit):
    """A job's counts combined with another extrapolation (what collect does with its own)."""
    document = read_job(folder / "job.json")
    config = RunConfig.from_text(document["config"]["text"], document["config"]["source"])
    experiment = dataclasses.replace(jobs.hardware_experiment(config), zne_fit=zne_fit)
    counts = jobs._gather(folder, document, False)
    tomo = config.tomography
    fit = FitOptions(tomo.fitter, tomo.confidence, tomo.replicates)
    return combine(experiment, document["pubs"], counts, fit=fit, mitigate=False)


def test_on_ideal_aer_extrapolation_changes_nothing_but_the_noise(tmp_path):
    plain = jobs.submit(config(tmp_path, [1]), tmp_path / "plain", echo=lambda _: None)
    folded = jobs.submit(config(tmp_path, [1, 3, 5]), tmp_path / "zne", echo=lambda _: None)
    assert len(folded.circuits) == 3 * len(plain.circuits)
    assert "zero-noise extrapolation: scales [1, 3, 5] (linear), x3" in jobs.describe_cost(folded)
    a, b = jobs.collect(tmp_path / "plain")[0], jobs.collect(tmp_path / "zne")[0]
    assert b.options["zne_scales"] == [1, 3, 5] and b.options["zne_fit"] == "linear"
    for k in (1, 2):
        spread = np.hypot(a.energy_error[k], b.energy_error[k])
        assert abs(a.energy[k] - b.energy[k]) < SIGMAS * spread
        assert b.energy_error[k] > a.energy_error[k]  # the extrapolation's own noise is in it
    exponential = refit(tmp_path / "zne", "exponential")
    assert exponential.options["zne_fit"] == "exponential"
    for k in (1, 2):
        spread = np.hypot(a.energy_error[k], exponential.energy_error[k])
        assert abs(a.energy[k] - exponential.energy[k]) < SIGMAS * spread


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("qiskit_ibm_runtime") is None, reason="cloud extra not installed"
)
def test_on_a_device_noise_model_extrapolation_removes_most_of_the_bias(tmp_path):
    spec = importlib.util.spec_from_file_location("study", SCRIPTS / "mitigation_study.py")
    study = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(study)
    rows = study.run(2, None, 3, "aer:torino", tmp_path, jobs=("",))
    at = {(r["technique"], r["time"]): r for r in rows}
    late = max(r["time"] for r in rows)
    readout, full = at[("readout", late)], at[("readout+zne-richardson", late)]

    def bias(row):
        return abs(row["energy"] - row["energy_exact"])

    assert bias(full) < bias(readout) / 2
    assert full["energy_sigmas"] < 3 and full["ergotropy_sigmas"] < 3
    assert full["energy_noiseless_sigmas"] < 3 and full["ergotropy_noiseless_sigmas"] < 3
    assert full["shots"] > 2 * readout["shots"]  # what it costs
    tripled = at[("readout@3", late)]  # the scale-3 counts alone: more noise, more energy
    assert tripled["energy"] > readout["energy"] + 3 * tripled["energy_error"]
    assert abs(readout["energy_noiseless"] - readout["energy_exact"]) < 0.1  # 32 instances
