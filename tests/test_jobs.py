"""submit -> job file -> collect on the ideal Aer backend (both profiles): physics against exact,
resuming an interrupted submission, a collect that never runs a circuit, refusals."""

import dataclasses
import importlib.util
import json
import math
import textwrap

import numpy as np
import pytest
from qiskit.quantum_info import DensityMatrix, Statevector, partial_trace
from tolerances import SIGMAS

from qbcircuit import QbcircuitError, StarModel, backends, exact, jobs
from qbcircuit.backends import run_saved_states
from qbcircuit.circuits import build_snapshot_circuit, build_trotter_template, dephasing_values
from qbcircuit.cli import main
from qbcircuit.config import RunConfig


def write_config(tmp_path, name="run.toml", **hardware):
    table = {
        "dt": 0.1,
        "stop": 1.0,
        "points": 3,
        "insertion": "collision",
        "instances": 4,
        "pubs_per_job": 4,
        **hardware,
    }
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in table.items())
    text = textwrap.dedent(
        """\
        [model]
        n_batteries = 2
        drive = 1.0
        coupling = 0.5
        dephasing = 1.0

        [times]
        stop = 1.0
        points = 11

        [aer]
        dt = 0.1

        [tomography]
        shots = 4000
        replicates = 30

        [hardware]
        """
    )
    path = tmp_path / name
    path.write_text(text + lines + "\n")
    return path


@pytest.mark.parametrize("kind", ["gaussian", "pauli"])
def test_template_rows_average_to_the_dephasing_channel(kind):
    """K bound rows of one template: their mean state is the channel's, to sampling error."""
    model = StarModel(n_batteries=1, drive=1.0, coupling=0.5, dephasing=1.0)
    template = build_trotter_template(model, 1.0, steps=4, insertion=kind)
    assert template.num_parameters == 8
    values = dephasing_values(model, template, instances=1500, seed=3)
    mean = np.zeros((4, 4), dtype=complex)
    for row in values:
        mean += DensityMatrix(Statevector(template.assign_parameters(row))).data / len(values)
    snapshot = build_snapshot_circuit(model, 0.25, [4], insertion="channel")
    saved = run_saved_states([snapshot], method="density_matrix")[0]
    charger = partial_trace(DensityMatrix(mean), [1]).data
    battery = partial_trace(DensityMatrix(mean), [0]).data
    assert np.max(np.abs(charger - saved["c4"])) < 0.03
    assert np.max(np.abs(battery - saved["b4"])) < 0.03


def test_submit_collect_on_ideal_aer_matches_exact(tmp_path, capsys):
    path = write_config(tmp_path)
    out = tmp_path / "job"
    assert main(["submit", str(path), "--backend", "aer", "--out", str(out), "--no-progress"]) == 0
    assert (out / "job.json").exists()
    assert main(["collect", str(out / "job.json"), "--no-progress"]) == 0
    hardware = jobs.collect(out)[0]
    assert hardware.label == "hardware" and hardware.options["backend"] == "aer"
    reference = exact.evolve(hardware.model, hardware.times)
    trotter = 0.01  # dt = 0.1 Strang at t <= 1 (measured 2e-3)
    for name in ("energy", "ergotropy"):
        error = getattr(hardware, f"{name}_error")
        assert np.all(error[1:] > 0)
        deviation = np.abs(getattr(hardware, name) - getattr(reference, name))
        assert np.all(deviation <= SIGMAS * error + trotter), (name, deviation, error)
    for name in ("hardware.json", "hardware.csv", "hardware_vs_exact.csv", "hardware_vs_exact.png"):
        assert (out / name).stat().st_size > 0
    printed = capsys.readouterr().out
    assert "2-qubit gates:" in printed and "readout mitigation off" in printed


class Interrupt(KeyboardInterrupt):
    pass


def counting_sampler(monkeypatch, fail_at=None):
    """Wrap the Aer backend's sampler: count sampler runs, optionally interrupt run number
    ``fail_at``."""
    runs = []
    pending = [fail_at]
    original = backends.AerBackend.sampler

    def make(*args, **kwargs):
        sampler = original(*args, **kwargs)
        run = sampler.run

        def counted(pubs):
            runs.append(len(pubs))
            if pending[0] is not None and len(runs) == pending[0]:
                pending[0] = None  # interrupt once
                raise Interrupt
            return run(pubs)

        sampler.run = counted
        return sampler

    monkeypatch.setattr(backends.AerBackend, "sampler", make)
    return runs


def test_interrupted_submit_resumes_and_collect_never_runs(tmp_path, monkeypatch):
    config = RunConfig.from_toml(write_config(tmp_path))
    whole = tmp_path / "whole"
    jobs.submit(config, whole, echo=lambda _: None)
    expected = jobs.collect(whole)[0]

    out = tmp_path / "interrupted"
    runs = counting_sampler(monkeypatch, fail_at=3)
    with pytest.raises(Interrupt):
        jobs.submit(config, out, echo=lambda _: None)
    document = json.loads((out / "job.json").read_text())
    statuses = [job["status"] for job in document["jobs"]]
    # 3 times x 6 settings = 18 PUBs, 4 per job; the third job was interrupted in run()
    assert statuses == ["done", "done", "pending", "pending", "pending"]
    with pytest.raises(QbcircuitError, match=r"Job 2 .* has no usable counts"):
        jobs.collect(out)

    runs.clear()
    jobs.submit(config, out, echo=lambda _: None)
    assert runs == [4, 4, 2]  # only the three unfinished jobs ran again

    def refuse(*args, **kwargs):
        raise AssertionError("collect ran a circuit")

    monkeypatch.setattr(backends.AerBackend, "sampler", refuse)
    resumed = jobs.collect(out)[0]
    np.testing.assert_array_equal(resumed.energy, expected.energy)
    np.testing.assert_array_equal(resumed.ergotropy, expected.ergotropy)


def test_job_file_is_written_before_the_first_submission(tmp_path, monkeypatch):
    config = RunConfig.from_toml(write_config(tmp_path))
    counting_sampler(monkeypatch, fail_at=1)
    with pytest.raises(Interrupt):
        jobs.submit(config, tmp_path / "job", echo=lambda _: None)
    document = json.loads((tmp_path / "job" / "job.json").read_text())
    assert document["format"] == jobs.FORMAT and document["backend"] == "aer"
    assert document["config"]["text"] == config.text
    assert len(document["circuits_sha256"]) == 64 and document["created"]
    assert all(job["status"] == "pending" for job in document["jobs"])


def test_resume_refuses_a_different_experiment(tmp_path):
    out = tmp_path / "job"
    jobs.submit(RunConfig.from_toml(write_config(tmp_path)), out, echo=lambda _: None)
    changed = RunConfig.from_toml(write_config(tmp_path, "other.toml", points=2))
    with pytest.raises(QbcircuitError, match="different experiment"):
        jobs.submit(changed, out, echo=lambda _: None)


def test_dry_run_prints_the_cost_and_submits_nothing(tmp_path, capsys):
    path = write_config(tmp_path)
    out = tmp_path / "job"
    assert main(["submit", str(path), "--out", str(out), "--dry-run", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert not out.exists()
    # 3 times x 6 permutation settings, one execution each (collision is deterministic)
    assert "18 PUBs, 18 circuit executions, 72000 shots" in printed
    assert "estimated QPU time: n/a" in printed
    assert "MiB for the largest PUB; runs of at most 1 GiB" in printed


def test_refusals_are_one_sentence(tmp_path, capsys):
    path = write_config(tmp_path, max_depth=10)
    assert main(["submit", str(path), "--out", str(tmp_path / "a"), "--no-progress"]) == 2
    message = capsys.readouterr().err.strip()
    assert "hardware.max_depth = 10" in message and "\n" not in message
    assert not (tmp_path / "a").exists()
    path = write_config(tmp_path, "ok.toml")
    assert main(["submit", str(path), "--backend", "qpu:x", "--out", str(tmp_path / "b")]) == 2
    assert "must be 'aer'" in capsys.readouterr().err
    assert main(["collect", str(tmp_path / "nothing" / "job.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(QbcircuitError, match=r"hardware\.instances"):
        RunConfig.from_toml(write_config(tmp_path, "bad.toml", instances=0))


def test_shots_split_over_instances_and_rows(tmp_path):
    config = RunConfig.from_toml(write_config(tmp_path, insertion="gaussian", instances=3))
    plan = jobs.plan_experiment(config, backends.resolve_backend("aer"))
    rows = [1 if v is None else v.shape[0] for v in plan.values]
    assert rows[:6] == [1] * 6 and set(rows[6:]) == {3}  # t = 0 has no angles
    assert plan.shots[6] == math.ceil(4000 / 3) and plan.shots[0] == 3 * plan.shots[6]


def _submitted(tmp_path):
    """A finished submission on Aer and its collected Trajectory."""
    config = RunConfig.from_toml(write_config(tmp_path))
    out = tmp_path / "job"
    jobs.submit(config, out, echo=lambda _: None)
    return config, out, jobs.collect(out)[0]


def _edit(path, change):
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


@pytest.mark.parametrize(
    ("damage", "fragment"),
    [
        (lambda p: p.write_text(p.read_text()[:300]), "is not JSON"),
        (lambda p: p.write_bytes(b"\xff\xfe\x00"), "is not JSON"),
        (lambda p: _edit(p, lambda d: d.pop("pubs")), "`pubs` is missing"),
        (lambda p: _edit(p, lambda d: d.update(times="soon")), "`times` is a str"),
        (lambda p: _edit(p, lambda d: d["pubs"][3].update(time=7)), "PUB row 3 has a time"),
        (lambda p: _edit(p, lambda d: d["pubs"][2].pop("battery")), "PUB row 2 has no battery"),
        (lambda p: _edit(p, lambda d: d["pubs"].pop()), "does not match the hash"),
        (lambda p: _edit(p, lambda d: d["jobs"].pop()), "its jobs cover 16 of the 18 PUBs"),
        (lambda p: _edit(p, lambda d: d["jobs"][1].update(pubs=[5, 8])), "job 1 does not cover"),
        (
            lambda p: _edit(p, lambda d: d["config"].update(text=d["config"]["text"] + "\n#")),
            "config text does not match the hash",
        ),
        (lambda p: _edit(p, lambda d: d.update(format="qbcircuit-job/1")), "older versions"),
    ],
)
def test_a_damaged_job_file_is_one_sentence(tmp_path, capsys, damage, fragment):
    _, out, _ = _submitted(tmp_path)
    damage(out / "job.json")
    assert main(["collect", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err and "job.json" in err and "\n" not in err, err


def test_lost_or_damaged_counts_are_run_again_by_submit(tmp_path, monkeypatch, capsys):
    config, out, expected = _submitted(tmp_path)
    (out / "counts-1.json").unlink()
    text = (out / "counts-3.json").read_text()
    (out / "counts-3.json").write_text(text[: len(text) // 2])  # truncated
    assert main(["collect", str(out), "--no-progress"]) == 2
    assert "Job 1" in capsys.readouterr().err
    with pytest.raises(QbcircuitError, match=r"counts-1.json is missing.*rerun `qbcircuit submit"):
        jobs.collect(out)
    runs = counting_sampler(monkeypatch)
    said = []
    jobs.submit(config, out, echo=said.append)
    assert runs == [4, 4]  # jobs 1 and 3 only, 4 PUBs each
    assert any("job 3 runs again: counts-3.json is not" in line for line in said)
    again = jobs.collect(out)[0]
    np.testing.assert_array_equal(again.energy, expected.energy)
    np.testing.assert_array_equal(again.ergotropy, expected.ergotropy)


def test_swapped_or_edited_counts_are_refused(tmp_path):
    _, out, _ = _submitted(tmp_path)
    zero, one = (out / "counts-0.json").read_text(), (out / "counts-1.json").read_text()
    (out / "counts-0.json").write_text(one)
    (out / "counts-1.json").write_text(zero)
    with pytest.raises(QbcircuitError, match=r"counts-0\.json is not the file recorded"):
        jobs.collect(out)
    # an edit that also updates the recorded hash is still checked for its content
    import hashlib

    document = json.loads(zero)
    document["counts"][0]["tomography"][0] = 2.5
    text = json.dumps(document)
    (out / "counts-0.json").write_text(text)
    (out / "counts-1.json").write_text(one)
    _edit(
        out / "job.json",
        lambda d: d["jobs"][0].update(counts_sha256=hashlib.sha256(text.encode()).hexdigest()),
    )
    with pytest.raises(QbcircuitError, match=r"register 'tomography' is not 4 counts"):
        jobs.collect(out)


@pytest.mark.skipif(
    importlib.util.find_spec("qiskit_ibm_runtime") is None, reason="cloud extra not installed"
)
def test_a_device_dry_run_reports_the_coupling_order_it_chose(tmp_path):
    config = RunConfig.from_toml(write_config(tmp_path, stop=0.2, points=2))
    config = dataclasses.replace(config, model=config.model.replace(n_batteries=6))
    plan = jobs.plan_experiment(config, backends.resolve_backend("aer:torino"))
    counts = plan.layout["two_qubit_per_step_by_ordering"]
    assert plan.layout["ordering"] == "swap-network" == plan.experiment.ordering
    assert counts["swap-network"] < counts["palindromic"]
    assert "coupling order: swap-network; palindromic" in jobs.describe_cost(plan)
    fixed = dataclasses.replace(
        config, hardware=dataclasses.replace(config.hardware, ordering="palindromic")
    )
    assert (
        jobs.plan_experiment(fixed, backends.resolve_backend("aer:torino")).layout["ordering"]
        == "palindromic"
    )
