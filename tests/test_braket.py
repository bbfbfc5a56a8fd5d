"""Amazon Braket as a second provider: its local simulator runs the device experiment end to
end and agrees with ideal Aer within shot noise, an interrupted submit resumes, and a device
without AWS credentials is one sentence (nothing reaches the network)."""

import importlib.util
import json

import numpy as np
import pytest
from tolerances import SIGMAS

from qbcircuit import QbcircuitError, backends, jobs
from qbcircuit.config import RunConfig

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("qiskit_braket_provider") is None,
    reason="cloud extra (qiskit-braket-provider) not installed",
)

CONFIG = """\
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
shots = 4000
replicates = 30
[hardware]
backend = "{backend}"
stop = 1.0
points = 3
insertion = "gaussian"
instances = 4
pubs_per_job = 4
"""


def config(tmp_path, backend):
    path = tmp_path / f"{backend.replace(':', '-')}.toml"
    path.write_text(CONFIG.format(backend=backend))
    return RunConfig.from_toml(path)


class Interrupt(KeyboardInterrupt):
    pass


def test_braket_local_runs_the_device_experiment_like_ideal_aer(tmp_path, monkeypatch):
    braket = config(tmp_path, "braket:local")
    runs, interrupted, original = [], [], backends.BraketBackend.sampler

    def counting(*args, **kwargs):  # interrupt the second job once
        sampler = original(*args, **kwargs)
        run = sampler.run

        def counted(pubs, **options):
            runs.append(len(pubs))
            if len(runs) == 2 and not interrupted:
                interrupted.append(True)
                raise Interrupt
            return run(pubs, **options)

        sampler.run = counted
        return sampler

    monkeypatch.setattr(backends.BraketBackend, "sampler", counting)
    out = tmp_path / "braket"
    with pytest.raises(Interrupt):
        jobs.submit(braket, out, echo=lambda _: None)
    statuses = [job["status"] for job in json.loads((out / "job.json").read_text())["jobs"]]
    assert statuses[0] == "done" and set(statuses[1:]) == {"pending"}
    runs.clear()
    jobs.submit(braket, out, echo=lambda _: None)  # resumes after the stored job
    assert len(runs) == len(statuses) - 1
    on_braket = jobs.collect(out)[0]
    assert on_braket.options["backend"] == "braket:local"

    jobs.submit(config(tmp_path, "aer"), tmp_path / "aer", echo=lambda _: None)
    on_aer = jobs.collect(tmp_path / "aer")[0]
    for k in (1, 2):
        for name, error in (("energy", "energy_error"), ("ergotropy", "ergotropy_error")):
            spread = np.hypot(getattr(on_aer, error)[k], getattr(on_braket, error)[k])
            assert abs(on_aer[name][k] - on_braket[name][k]) < SIGMAS * spread, (name, k)


def test_braket_refuses_what_it_cannot_run():
    from qbcircuit.circuits import INSERTIONS

    local = backends.resolve_backend("braket:local")
    with pytest.raises(QbcircuitError, match="'channel' insertion is a simulator instruction"):
        local.check(INSERTIONS["channel"], 3)
    with pytest.raises(QbcircuitError, match="braket:local"):
        backends.parse_backend_spec("braket")


@pytest.mark.parametrize("name", ["SV1", "arn:aws:braket:::device/quantum-simulator/amazon/sv1"])
def test_a_braket_device_without_credentials_is_one_sentence(name, monkeypatch, tmp_path):
    for variable in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with pytest.raises(QbcircuitError, match="could not be reached") as error:
        backends.resolve_backend(f"braket:{name}")
    assert "\n" not in str(error.value) and "credentials" in str(error.value)
