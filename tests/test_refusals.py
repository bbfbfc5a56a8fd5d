"""Bad input, one table across the commands and the Python entry points: every case is one
sentence (one line, exit status 2 for a command), nothing is written, and the process stays
under 1 GiB of peak memory however large the request (measured: the command's own VmHWM,
tracemalloc for an entry point), i.e. it was refused from its estimate, not after trying."""

import json
import shutil
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from test_cli import SMALL
from test_jobs import write_config

from qbcircuit import QbcircuitError, StarModel, emulate_tomography, exact, jobs, pulse
from qbcircuit.config import RunConfig
from qbcircuit.emulation import emulate
from qbcircuit.tomography import estimate_ergotropy

GIB = 2**30

SWEEP = """
[model]
n_batteries = 1
drive = 1.0
coupling = 0.5
dephasing = 1.0
[sweep]
"""


def sweep(grid, extra="", compute=("long_time",)):
    """A sweep config over ``grid`` (TOML lines), ``extra`` lines in its [sweep] table."""
    lines = f"compute = {list(compute)!r}\n".replace("'", '"')
    return SWEEP + lines + extra + "[sweep.grid]\n" + textwrap.dedent(grid)


# (command, config text or None, extra arguments, fragment of the one line)
RUN = [
    ("[model]\nn_batteries = 2\ndrive = 1\n", "'coupling' is missing"),
    ("[model]\nn_batteries = 2\ndrive = 1\ncoupling = 1\ndephasing = -1\n", "dephasing"),
    ("[model\n", "does not parse"),
    (SMALL + "\n[extra]\nx = 1\n", "Unknown table [extra]"),
    (SMALL.replace("points = 11", "points = 1"), "times.points"),
    (SMALL.replace("[1, 2, 5, 40]", "[3, 2]"), "n_values"),
    (SMALL.replace("battery_detuning = 0.5", "battery_detuning = 0.0"), "!= 0"),
    (SMALL + "\n[aer]\ndt = 0.3\n", "dt grid"),
    (SMALL + "\n[aer]\ninsertion = 'thermal'\n", "insertion"),
    (SMALL + "\n[aer]\nspeed = 1\n", "Unknown key 'speed' in [aer]"),
    (SMALL + "\n[tomography]\nmethod = 'shadow'\n", "tomography.method"),
    (SMALL + "\n[tomography]\nshots = 0\n", "tomography.shots"),
    (SMALL + "\n[tomography]\nconfidence = 1.5\n", "tomography.confidence"),
    (SMALL + "\n[pulse]\ndrive_shape = 'square'\n", "pulse.drive_shape"),
    (SMALL + "\n[pulse]\nomega0 = -1\n", "pulse.omega0"),
    (SMALL + "\n[aer]\nseed = 'abc'\ndephasing = 'pauli'\n", "aer.seed"),
    (SMALL + "\n[aer]\nseed = -3\n", "aer.seed"),
    (SMALL + "\n[aer]\ninstances = 0\n", "aer.instances"),
    (SMALL + "\n[aer]\ninstances = 1.5\n", "aer.instances"),
    (SMALL + "\n[hardware]\nbackend = 'qpu:foo'\n", "hardware.backend"),
    # beyond the machine or the time budget: refused with the estimate, before any file
    (SMALL + "\n[aer]\nn_values = [2, 20]\n", "emulation of N = 20 needs about"),
    (
        SMALL.replace("n_batteries = 2", "n_batteries = 11") + "\n[tomography]\nmethod = 'pauli'\n",
        "needs 1240029 circuits",
    ),
    (SMALL.replace("drive = 1.0", "drive = 1e300"), "is beyond t = 3.52e-293"),
    (SMALL.replace("stop = 5.0", "stop = 6e9"), "evolve to t = 6e+09 is beyond t ="),
    (SMALL + "\n[aer]\ndt = 1e-6\n", "emulation of N = 2 (1 instance(s) of 8e+07 gates)"),
    (SMALL.replace("n_batteries = 2", "n_batteries = 60000"), "over the memory budget"),
    (SMALL.replace("n_batteries = 2", "n_batteries = 1000000"), "over the memory budget"),
    (SMALL.replace("[1, 2, 5, 40]", "[1, 2, 1000000]"), "long_time of N = 1000000"),
]
COMMANDS = [("run", text, (), fragment) for text, fragment in RUN] + [
    ("compare", SMALL + "\n[pulse]\nomega0 = 1e9\n", (), "over the time budget of 3600 s"),
    ("compare", SMALL + "\n[pulse]\nframe = 'dressed'\n", (), "pulse.frame"),
    ("compare", SMALL.replace("n_batteries = 2", "n_batteries = 60000"), (), "memory budget"),
    ("compare", "[model\n", (), "does not parse"),
    ("sweep", SMALL, (), "has no [sweep] table"),
    ("sweep", sweep("n_batteries = [1, 2]\nspeed = [1, 2]\n"), (), "Unknown sweep parameter"),
    ("sweep", sweep("n_batteries = [2, 1000000]\nbattery_detuning = [0.5]\n"), (),
     "sweep point 1 (n_batteries=1000000, battery_detuning=0.5)"),
    ("sweep", sweep("n_batteries = [1, 60000]\n"), (), "N = 60000"),
    ("sweep", sweep("n_batteries = [1, 2, 3, 4]\n", "limit = 3\n"), (), "more than the limit"),
    ("sweep", sweep("n_batteries = [1, 2]\n", compute=("teleport",)), (),
     "sweep.compute"),
    ("sweep", sweep("dephasing = [1.0, -1.0]\n"), (), "sweep point 1 (dephasing=-1.0)"),
    ("sweep", sweep("n_batteries = [1, 2]\n"), ("--workers", "0"), "`workers`"),
    ("sweep", sweep("drive = [1.0, 1e300]\n"), (), "sweep point 1 (drive=1e+300): The exact"),
]  # fmt: skip


LAUNCH = """
import atexit, sys
report = sys.argv.pop(1)
def peak():  # this process's own high-water mark (ru_maxrss would include the forking parent)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            open(report, "w").write(line.split()[1])
atexit.register(peak)
sys.argv[0] = "qbcircuit"
from qbcircuit.cli import main
sys.exit(main())
"""


def measured(argv, cwd):
    """Run a command; its exit status, stderr and peak resident memory in bytes (VmHWM, read
    by the command itself as it exits; a forked child's ru_maxrss counts the parent's pages)."""
    report = Path(cwd).parent / f"{Path(cwd).name}.peak"
    result = subprocess.run(
        [sys.executable, "-c", LAUNCH, str(report), *argv], cwd=cwd, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    peak = int(report.read_text()) * 1024  # kB
    report.unlink()
    return result.returncode, result.stderr, peak


def one_refusal(status, err, peak, fragment):
    assert status == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], err
    assert lines[0].startswith("qbcircuit")
    assert peak < GIB, f"peak memory {peak / GIB:.2f} GiB"


@pytest.mark.parametrize(("command", "text", "extra", "fragment"), COMMANDS)
def test_a_bad_command_is_one_line_and_writes_nothing(tmp_path, command, text, extra, fragment):
    (tmp_path / "bad.toml").write_text(text)
    quiet = [] if command == "compare" else ["--no-progress"]
    argv = [command, "bad.toml", "--out", "out", *quiet, *extra]
    one_refusal(*measured(argv, tmp_path), fragment)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]  # nothing written


@pytest.fixture(scope="module")
def submitted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submitted")
    config = RunConfig.from_toml(write_config(folder, mitigation=False))
    jobs.submit(config, folder / "job", echo=lambda _: None)
    return folder


def damage(folder, name, change):
    document = json.loads((folder / name).read_text())
    change(document)
    (folder / name).write_text(json.dumps(document))


JOB_CASES = [
    ("a missing file", lambda f: (f / "job.json").unlink(), "does not exist"),
    ("truncated", lambda f: (f / "job.json").write_text((f / "job.json").read_text()[:99]),
     "is not JSON"),
    ("another format", lambda f: damage(f, "job.json", lambda d: d.update(format="x")),
     "is not a qbcircuit-job/2 file"),
    ("a missing key", lambda f: damage(f, "job.json", lambda d: d.pop("pubs")), "job.json"),
    ("a config edited inside", lambda f: damage(
        f, "job.json", lambda d: d["config"].update(text=d["config"]["text"] + "\n# edited\n")),
     "job.json"),
    ("a lost counts file", lambda f: (f / "counts-1.json").unlink(), "counts-1.json is missing"),
    ("edited counts", lambda f: damage(
        f, "counts-1.json", lambda d: d["counts"][0]["tomography"].__setitem__(0, -5)),
     "counts-1.json is not the file recorded"),
    ("swapped counts", lambda f: shutil.copy(f / "counts-0.json", f / "counts-1.json"),
     "counts-1.json"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "change", "fragment"), JOB_CASES, ids=[c[0] for c in JOB_CASES])
def test_a_damaged_job_folder_is_one_line_from_collect(tmp_path, submitted, case, change, fragment):
    folder = tmp_path / "job"
    shutil.copytree(submitted / "job", folder)
    change(folder)
    before = sorted(p.name for p in folder.iterdir())
    one_refusal(*measured(["collect", str(folder), "--no-progress"], tmp_path), fragment)
    assert sorted(p.name for p in folder.iterdir()) == before


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda text: text + "max_depth = 3\n", "max_depth = 3"),
        (lambda text: text.replace("n_batteries = 2", "n_batteries = 200"), "circuits"),
        (lambda text: text + "backend = 'qpu:nowhere'\n", "hardware.backend"),
        (lambda text: text.replace("instances = 4", "instances = 0"), "instances"),
    ],
)
def test_a_bad_submit_is_one_line_and_writes_nothing(tmp_path, change, fragment):
    path = write_config(tmp_path, name="bad.toml", mitigation=False)
    path.write_text(change(path.read_text()))
    backend = [] if "qpu:nowhere" in path.read_text() else ["--backend", "aer"]
    argv = ["submit", "bad.toml", *backend, "--out", "out", "--no-progress"]
    one_refusal(*measured(argv, tmp_path), fragment)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


MODEL = StarModel(n_batteries=2, drive=1.0, coupling=0.5, dephasing=1.0)
TIMES = np.linspace(0, 5, 11)
API = [
    ("StarModel N = 0", lambda: StarModel(n_batteries=0, drive=1, coupling=1, dephasing=1),
     "n_batteries"),
    ("evolve N = 60000", lambda: exact.evolve(MODEL.replace(n_batteries=60000), TIMES),
     "memory budget"),
    ("evolve times decreasing", lambda: exact.evolve(MODEL, [1.0, 0.5]), "increasing"),
    ("evolve full N = 30", lambda: exact.evolve(MODEL.replace(n_batteries=30), TIMES,
                                                basis="full"), "GiB"),
    ("long_time without dephasing", lambda: exact.long_time(MODEL.replace(dephasing=0.0)),
     "dephasing"),
    ("charging_time level 1.5", lambda: exact.charging_time(MODEL, level=1.5), "level"),
    ("emulate N = 20", lambda: emulate(MODEL.replace(n_batteries=20), TIMES, dt=0.5),
     "needs about"),
    ("emulate 10^7 instances", lambda: emulate(MODEL, TIMES, dt=0.5, insertion="pauli",
                                               instances=10**7), "emulation"),
    ("emulate shots on a density matrix", lambda: emulate(MODEL, TIMES, dt=0.5, shots=100),
     "does not apply to the density-matrix method"),
    ("pulse omega0 1e9", lambda: pulse.evolve(MODEL, TIMES, omega0=1e9), "time budget"),
    ("tomography pauli N = 11", lambda: emulate_tomography(
        MODEL.replace(n_batteries=11), TIMES, dt=0.5, method="pauli"), "circuits"),
    ("complex counts", lambda: estimate_ergotropy(np.ones((6, 4)) * (1 + 1j), "permutation"),
     "Counts"),
    ("NaN counts", lambda: estimate_ergotropy(np.full((6, 4), np.nan), "permutation"),
     "Counts"),
    ("fractional counts", lambda: estimate_ergotropy(np.full((6, 4), 0.5), "permutation"),
     "Counts"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "call", "fragment"), API, ids=[c[0] for c in API])
def test_a_bad_call_is_one_sentence_before_any_allocation(case, call, fragment):
    tracemalloc.start()
    try:
        with pytest.raises(QbcircuitError, match=fragment) as raised:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "\n" not in str(raised.value)
    assert peak < GIB, f"peak traced memory {peak / GIB:.2f} GiB"
