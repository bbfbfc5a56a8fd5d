"""The circuit pipeline: construct -> execute -> combine is what emulated tomography and the
job file both run; insertions and backend providers plug in as objects."""

import importlib
import itertools

import numpy as np
import pytest
from test_jobs import write_config
from tolerances import EXACT, SIGMAS

from qbcircuit import QbcircuitError, StarModel, emulate_tomography, jobs
from qbcircuit.backends import PROVIDERS, AerBackend, JobStatus, Provider, resolve_backend
from qbcircuit.backends.ibm import job_status
from qbcircuit.circuits import INSERTIONS, Insertion, build_trotter_circuit
from qbcircuit.config import RunConfig
from qbcircuit.emulation import emulate
from qbcircuit.pipeline import (
    TomographyExperiment,
    combine,
    execute,
    plan_tomography,
    run_batches,
    sample_from_states,
    setting_probabilities,
)

MODEL = StarModel(n_batteries=2, drive=1.0, coupling=0.5, dephasing=1.0)


def test_emulated_tomography_is_the_three_steps():
    """Same seed, same counts, same fit: emulate_tomography adds nothing of its own (on ideal
    Aer the counts are drawn from simulated states; elsewhere they come from plan + execute)."""
    times = [0.0, 0.5, 1.0]
    options = dict(dt=0.25, insertion="pauli", instances=3, shots=900, seed=8)
    whole = emulate_tomography(MODEL, times, replicates=20, **options)
    experiment = TomographyExperiment(
        MODEL, times, 0.25, insertion="pauli", instances=3, shots=900, seed=8
    )
    plan = plan_tomography(experiment, resolve_backend("aer"))
    # 6 settings x 3 times, the two later times one template with 3 rows of angles
    assert len(plan.circuits) == 18 and plan.cost["circuits"] == 6 + 12 * 3
    counts = execute(plan)
    assert sum(int(c["tomography"].sum()) for c in counts) == 18 * 900
    meta, drawn = sample_from_states(experiment)
    assert meta == list(plan.meta)
    for sampled, from_states in zip(counts, drawn, strict=True):
        assert sampled["tomography"].sum() == from_states["tomography"].sum()
        assert from_states["charger"].sum() == from_states["tomography"].sum()
    from qbcircuit.tomography import FitOptions

    steps = combine(experiment, meta, drawn, fit=FitOptions(replicates=20))
    for name in ("energy", "ergotropy", "purity", "charger_excitation"):
        np.testing.assert_array_equal(whole[name], steps[name])
    np.testing.assert_array_equal(whole.ergotropy_error, steps.ergotropy_error)
    # the sampler path measures the same states: E agrees within its shot noise
    sampled = combine(experiment, plan.meta, counts, fit=FitOptions(replicates=0))
    spread = np.hypot(whole.energy_error, sampled.energy_error)
    assert np.all(np.abs(whole.energy - sampled.energy) <= SIGMAS * spread + 1e-12)


@pytest.mark.parametrize(
    ("scheme", "insertion", "instances"),
    [("permutation", "channel", None), ("pauli", "collision", None), ("pauli", "gaussian", 2)],
)
def test_states_give_each_setting_the_probabilities_aer_measures(scheme, insertion, instances):
    """The outcome probabilities drawn from equal Aer's own for every setting's circuit."""
    from qiskit import transpile
    from qiskit_aer import AerSimulator

    from qbcircuit.pipeline.plan import templates
    from qbcircuit.pipeline.states import simulate_states

    model = StarModel(n_batteries=3, drive=1.0, coupling=0.5, dephasing=1.0, battery_detuning=0.3)
    experiment = TomographyExperiment(
        model, [0.0, 0.5], 0.25, insertion=insertion, instances=instances, scheme=scheme, seed=1
    )
    simulator = AerSimulator(method="density_matrix")
    drawn, simulated = templates(experiment), list(simulate_states(experiment))
    for (template, values, i, shots), (j, states, row_shots) in zip(drawn, simulated, strict=True):
        assert (i, shots, len(states)) == (j, row_shots, 1 if values is None else len(values))
        circuit = template if values is None else template.assign_parameters(values[-1])
        expected = setting_probabilities(states[-1], scheme)  # (setting, battery, charger)
        for setting, measuring in enumerate(experiment.settings.circuits(circuit, [1, 2, 3])):
            measuring.remove_final_measurements()
            measuring.save_probabilities(list(range(4)), label="p")
            result = simulator.run(transpile(measuring, simulator)).result()
            # Aer's index: charger bit 0, battery register above it
            np.testing.assert_allclose(result.data(0)["p"], expected[setting].ravel(), atol=EXACT)


def test_a_randomized_ordering_measures_each_time_with_the_shots_asked_for():
    """K ordering draws of a deterministic circuit share the shots, they do not get K x them."""
    experiment = TomographyExperiment(
        MODEL,
        [0.0, 0.5],
        0.25,
        ordering="randomized",
        insertion="channel",
        instances=4,
        shots=400,
        seed=1,
    )
    plan = plan_tomography(experiment, resolve_backend("aer"))
    per_time = {0: 0, 1: 0}
    for meta, shots in zip(plan.meta, plan.shots, strict=True):
        per_time[meta["time"]] += shots
    assert per_time == {0: 400 * 6, 1: 400 * 6}


def test_the_job_file_sits_between_execute_and_combine(tmp_path):
    """submit + collect on Aer give exactly the in-memory pipeline's Trajectory."""
    config = RunConfig.from_toml(write_config(tmp_path, mitigation=False))
    jobs.submit(config, tmp_path / "job", echo=lambda _: None)
    collected, raw = jobs.collect(tmp_path / "job")
    assert raw is None
    experiment = jobs.hardware_experiment(config)
    plan = plan_tomography(experiment, resolve_backend("aer"))
    counts = execute(plan, size=config.hardware.pubs_per_job)
    from qbcircuit.tomography import FitOptions

    tomo = config.tomography
    fit = FitOptions(tomo.fitter, tomo.confidence, tomo.replicates)
    direct = combine(experiment, plan.meta, counts, fit=fit, label="hardware")
    np.testing.assert_array_equal(collected.energy, direct.energy)
    np.testing.assert_array_equal(collected.ergotropy, direct.ergotropy)


def test_a_local_job_runs_in_memory_bounded_batches(monkeypatch):
    """PUBs beyond a run's memory bound run as several seeded simulator calls: every PUB's
    counts complete, the first batch exactly as in one call, the same seed the same counts,
    and E within shot noise of one call."""
    experiment = TomographyExperiment(
        MODEL, [0.0, 0.5, 1.0], 0.25, insertion="pauli", instances=3, shots=900, seed=8
    )
    plan = plan_tomography(experiment, resolve_backend("aer"))
    count = len(plan.circuits)
    assert 0 < plan.memory(count - 1) <= plan.cost["memory_max_pub_bytes"]
    assert run_batches(plan, 0, count) == [(0, count)]
    whole = execute(plan)
    module = importlib.import_module("qbcircuit.pipeline.execute")
    monkeypatch.setattr(module, "RUN_BYTES", 3 * plan.cost["memory_max_pub_bytes"])
    batches = run_batches(plan, 0, count)
    assert len(batches) > 3 and batches[0][0] == 0 and batches[-1][1] == count
    assert all(a[1] == b[0] for a, b in itertools.pairwise(batches))
    split, again = execute(plan), execute(plan)
    for one, parts, repeat, shots, values in zip(
        whole, split, again, plan.shots, plan.values, strict=True
    ):
        rows = 1 if values is None else len(values)
        assert parts["tomography"].sum() == one["tomography"].sum() == shots * rows
        np.testing.assert_array_equal(parts["tomography"], repeat["tomography"])
    for i in range(*batches[0]):
        np.testing.assert_array_equal(whole[i]["tomography"], split[i]["tomography"])
    assert any(
        not np.array_equal(a["tomography"], b["tomography"])
        for a, b in zip(whole, split, strict=True)
    )  # the later batches have seeds of their own
    from qbcircuit.tomography import FitOptions

    one, parts = (
        combine(experiment, plan.meta, c, fit=FitOptions(replicates=20)) for c in (whole, split)
    )
    spread = np.hypot(one.energy_error, parts.energy_error)
    assert np.all(np.abs(one.energy - parts.energy) <= SIGMAS * spread + 1e-12)


def test_a_bias_corrected_trajectory_is_its_estimates_less_their_bias():
    options = dict(dt=0.25, shots=300, replicates=20, seed=1, fitter="projected")
    plain = emulate_tomography(MODEL, [0.0, 0.5], **options)
    corrected = emulate_tomography(MODEL, [0.0, 0.5], correct_bias=True, **options)
    bias = np.array(plain.options["ergotropy_bias"])
    np.testing.assert_array_equal(corrected.ergotropy, plain.ergotropy - bias)
    np.testing.assert_array_equal(corrected.energy, plain.energy)
    assert corrected.options["correct_bias"] and not plain.options["correct_bias"]
    assert not np.array_equal(corrected.ratio, plain.ratio)


def test_a_pub_beyond_the_memory_budget_is_refused_before_any_file(tmp_path, monkeypatch):
    config = RunConfig.from_toml(write_config(tmp_path, mitigation=False))
    module = importlib.import_module("qbcircuit.pipeline.plan")
    monkeypatch.setattr(module, "memory_budget", lambda: 1000)
    with pytest.raises(QbcircuitError, match=r"instructions, \d+ parameter rows\) needs about"):
        jobs.submit(config, tmp_path / "job", echo=lambda _: None)
    assert not (tmp_path / "job").exists()


def test_an_insertion_is_an_object():
    """A kind written outside the package runs through the circuits and the emulation."""

    class Mirror(Insertion):  # the channel insertion under another name
        name = "mirror"
        unitary = False
        hardware = False

        def append_qubit(self, circuit, qubit, channels, tau, rng):
            INSERTIONS["channel"].append_qubit(circuit, qubit, channels, tau, rng)

    times = np.linspace(0, 1, 5)
    mine = emulate(MODEL, times, dt=0.25, insertion=Mirror())
    channel = emulate(MODEL, times, dt=0.25, insertion="channel")
    np.testing.assert_allclose(mine.energy, channel.energy, atol=1e-12)
    assert mine.options["insertion"] == "mirror"

    class Device(AerBackend):  # a hardware-like backend without the runtime
        kind = "device"
        hardware = True

    with pytest.raises(QbcircuitError, match="'mirror' insertion is a simulator instruction"):
        Device("device", "device").check(Mirror(), 3)


def test_a_provider_is_one_registry_line(tmp_path, monkeypatch):
    """A new prefix resolves, plans, submits and collects through the job file."""

    class Local(AerBackend):
        kind = "local"

    monkeypatch.setitem(
        PROVIDERS, "local", Provider(lambda spec, name: Local(spec, name), ("local:<name>",))
    )
    config = RunConfig.from_toml(write_config(tmp_path, backend="local:here"))
    plan = jobs.submit(config, tmp_path / "job", echo=lambda _: None)
    assert plan.backend.kind == "local" and plan.cost["backend"] == "local:here"
    measured = jobs.collect(tmp_path / "job")[0]
    assert measured.options["backend"] == "local:here" and np.all(measured.energy >= 0)


def test_job_status_from_the_runtime_words():
    class Old:  # older runtimes return an enum member
        name = "CANCELLED"

    assert [job_status(s) for s in ("QUEUED", "RUNNING", "DONE", "ERROR")] == [
        JobStatus.QUEUED,
        JobStatus.RUNNING,
        JobStatus.DONE,
        JobStatus.FAILED,
    ]
    assert job_status(Old()) is JobStatus.CANCELLED and job_status(Old()).final
    assert not job_status("INITIALIZING").final


def test_former_names_still_work_with_a_warning(tmp_path):
    with pytest.warns(DeprecationWarning, match="`dephasing` is now called `insertion`"):
        old = build_trotter_circuit(MODEL, 1.0, steps=2, dephasing="collision")
    assert old.num_qubits == 4
    text = (
        write_config(tmp_path).read_text().replace('insertion = "collision"', 'dephasing = "pauli"')
    )
    (tmp_path / "old.toml").write_text(text)
    with pytest.warns(DeprecationWarning, match="is now called `insertion`"):
        config = RunConfig.from_toml(tmp_path / "old.toml")
    assert config.hardware.insertion == "pauli"
    both = text.replace('dephasing = "pauli"', 'dephasing = "pauli"\ninsertion = "pauli"')
    (tmp_path / "both.toml").write_text(both)
    with pytest.raises(QbcircuitError, match="sets both `insertion` and its former name"):
        RunConfig.from_toml(tmp_path / "both.toml")


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (dict(dt=0.3), "dt grid"),
        (dict(dt=0.25, shots=2, instances=3, insertion="pauli"), "instance"),
        (dict(dt=0.25, scheme="tomography"), "method"),
        (dict(dt=0.25, calibration_shots=-1), "calibration_shots"),
        (dict(dt=0.25, seed=-3), "seed"),
        (dict(dt=0.25, insertion="amplitude"), "insertion"),
    ],
)
def test_an_experiment_is_checked_once(options, fragment):
    with pytest.raises(QbcircuitError, match=fragment):
        TomographyExperiment(MODEL, [0.0, 0.5], **options)
