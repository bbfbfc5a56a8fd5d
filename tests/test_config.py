"""Every config value is checked when the config is read: one sentence naming the key, before
anything runs (the CLI's bad-config test runs a few of these through the entry point)."""

import pytest

from qbcircuit import QbcircuitError
from qbcircuit.config import RunConfig

BASE = "[model]\nn_batteries = 2\ndrive = 1.0\ncoupling = 0.5\ndephasing = 1.0\n"

BAD = [
    ("[aer]\nseed = 'abc'\ninsertion = 'pauli'\n", "aer.seed"),
    ("[aer]\nseed = -1\n", "aer.seed"),
    ("[aer]\nseed = 1.5\n", "aer.seed"),
    ("[aer]\nseed = true\n", "aer.seed"),
    ("[aer]\ninstances = 0\n", "aer.instances"),
    ("[aer]\ninstances = 1.5\n", "aer.instances"),
    ("[aer]\ninstances = 'many'\n", "aer.instances"),
    ("[aer]\norder = 3\n", "order"),
    ("[aer]\nordering = 'random'\n", "ordering"),
    ("[aer]\ninsertion = 'noise'\n", "insertion"),
    ("[aer]\ndt = 0\n", "aer.dt"),
    ("[aer]\ndt = 'fast'\n", "aer.dt"),
    ("[aer]\nn_values = [0]\n", "n_values"),
    ("[aer]\nspeed = 1\n", "Unknown key 'speed' in [aer]"),
    ("[hardware]\nbackend = 'qpu:foo'\n", "hardware.backend"),
    ("[hardware]\nbackend = 'ibm:'\n", "hardware.backend"),
    ("[hardware]\nbackend = 3\n", "hardware.backend"),
    ("[hardware]\ninstances = 0\n", "hardware.instances"),
    ("[hardware]\nseed = 'x'\n", "hardware.seed"),
    ("[hardware]\nmitigation = 'yes'\n", "hardware.mitigation"),
    ("[hardware]\npoints = 0\n", "hardware.points"),
    ("[hardware]\noptimization_level = 4\n", "hardware.optimization_level"),
    ("[hardware]\ndt = -0.1\n", "hardware.dt"),
    ("[tomography]\nshots = 0\n", "tomography.shots"),
    ("[tomography]\nshots = 100.0\n", "tomography.shots"),
    ("[tomography]\nmethod = 'shadow'\n", "tomography.method"),
    ("[tomography]\nfitter = 'bayes'\n", "tomography.fitter"),
    ("[tomography]\nconfidence = 1.0\n", "tomography.confidence"),
    ("[tomography]\nreplicates = -1\n", "tomography.replicates"),
    ("[tomography]\ncorrect_bias = 1\n", "tomography.correct_bias"),
    ("[tomography]\ncorrect_bias = true\nreplicates = 0\n", "needs `tomography.replicates` >= 2"),
    ("[times]\nstop = 0\n", "times.stop"),
    ("[times]\npoints = 1\n", "times.points"),
    ("[times]\npoints = 10.5\n", "times.points"),
    ("[study]\nn_values = [3, 2]\n", "study.n_values"),
    ("[study]\nbattery_detuning = 0\n", "study.battery_detuning"),
    ("[study]\nhorizon = 0\n", "study.horizon"),
    ("[study]\ntolerance = 2\n", "study.tolerance"),
    ("[study]\ndrive_ratio = 'x'\n", "study.drive_ratio"),
    ("[pulse]\nframe = 'moving'\n", "pulse.frame"),
    ("[pulse]\nrtol = 0\n", "pulse.rtol"),
    ("[foo]\nx = 1\n", "Unknown table [foo]"),
]


@pytest.mark.parametrize("extra, fragment", BAD)
def test_bad_value_is_one_sentence_naming_the_key(extra, fragment):
    with pytest.raises(QbcircuitError) as raised:
        RunConfig.from_text(BASE + extra, "bad.toml")
    message = str(raised.value)
    assert fragment in message and "\n" not in message and message.endswith(".")


def test_the_table_is_large_and_the_good_values_pass():
    assert len(BAD) >= 30
    good = RunConfig.from_text(
        BASE + "[aer]\nseed = 0\ninstances = 4\n[hardware]\nbackend = 'aer:torino'\n", "good"
    )
    assert (good.aer.seed, good.aer.instances, good.hardware.backend) == (0, 4, "aer:torino")
