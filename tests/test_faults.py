"""Fault injection: `qbcircuit run`, `submit` and `sweep` (process pool, dask) killed
(SIGKILL) or interrupted (SIGINT) at seeded moments. Afterwards every file left parses, nothing
half-written survives the rerun, the rerun's outputs equal an uninterrupted run's (byte for
byte; wall times and job ids aside) and no child of the killed command is alive."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from test_jobs import write_config
from test_mainjob import CONFIG as RUN_CONFIG
from test_refusals import sweep
from test_sweeps import alive, children

from qbcircuit import jobs

pytestmark = pytest.mark.skipif(
    not Path("/proc").exists(), reason="reads the process table from /proc"
)


def command(*args):
    return [sys.executable, "-m", "qbcircuit", *args, "--no-progress"]


def visible(folder):
    """The files a user sees (a temporary file of an atomic write is hidden)."""
    return sorted(p.name for p in Path(folder).glob("*") if p.is_file() and p.name[0] != ".")


def descendants(pid):
    """The live processes below ``pid`` (children, theirs, ...)."""
    found = []
    for child in children(pid):
        found += [child, *descendants(child)]
    return found


def interrupted(arguments, folder, files, signum):
    """Start the command, send ``signum`` once ``files`` outputs exist in ``folder`` (or it
    ended first); return its exit status, stderr and every process seen below it, after
    checking that none of them outlived it."""
    process = subprocess.Popen(
        command(*arguments), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    seen: set[int] = set()
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline:
        seen.update(descendants(process.pid))
        if Path(folder).is_dir() and len(visible(folder)) >= files:
            break
        time.sleep(0.002)
    seen.update(descendants(process.pid))
    if process.poll() is None:
        process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    deadline = time.monotonic() + 60
    while any(alive(c) for c in seen) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(c) for c in seen), "a child of the killed command is alive"
    return process.returncode, err, seen


def check_parses(folder):
    """Every file a user sees is whole: JSON loads, NPZ opens, CSV rows match the header."""
    for path in Path(folder).glob("*"):
        if path.name.startswith("."):
            continue
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".npz":
            with np.load(path) as archive:
                [archive[name] for name in archive.files]
        elif path.suffix == ".csv":
            rows = path.read_text().splitlines()
            assert rows and all(r.count(",") == rows[0].count(",") for r in rows), path.name


def same_outputs(folder, reference, skip=("summary.json",)):
    assert visible(folder) == visible(reference)
    for name in visible(reference):
        if name not in skip:
            assert (Path(folder) / name).read_bytes() == (Path(reference) / name).read_bytes(), name


@pytest.fixture(scope="module")
def whole_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("whole")
    config = folder / "run.toml"
    config.write_text(RUN_CONFIG)
    subprocess.run(command("run", str(config), "--out", str(folder / "out")), check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return config, folder / "out"


@pytest.mark.parametrize(("signum", "seed"), [(signal.SIGKILL, 1), (signal.SIGKILL, 2),
                                              (signal.SIGINT, 3)])  # fmt: skip
def test_a_killed_run_leaves_whole_files_and_its_rerun_equals_a_whole_one(
    tmp_path, whole_run, signum, seed
):
    config, reference = whole_run
    files = int(np.random.default_rng(seed).integers(1, len(visible(reference))))
    arguments = ["run", str(config), "--out", str(tmp_path)]
    status, err, _ = interrupted(arguments, tmp_path, files, signum)
    if status != 0 and signum == signal.SIGINT:
        assert len(err.strip().splitlines()) == 1, err  # one line, no traceback
    check_parses(tmp_path)
    subprocess.run(command("run", str(config), "--out", str(tmp_path)), check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    assert not list(tmp_path.glob(".*.tmp")), "a temporary file outlived the rerun"
    same_outputs(tmp_path, reference)


@pytest.mark.parametrize(("signum", "seed"), [(signal.SIGKILL, 4), (signal.SIGINT, 5)])
def test_a_killed_submit_resumes_to_the_counts_of_a_whole_one(tmp_path, signum, seed):
    config = write_config(tmp_path, mitigation=False)
    reference, broken = tmp_path / "whole", tmp_path / "broken"
    subprocess.run(command("submit", str(config), "--backend", "aer", "--out", str(reference)),
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    files = int(np.random.default_rng(seed).integers(1, len(visible(reference))))
    arguments = ["submit", str(config), "--backend", "aer", "--out", str(broken)]
    status, err, _ = interrupted(arguments, broken, files, signum)
    if status != 0 and signum == signal.SIGINT:
        assert len(err.strip().splitlines()) == 1, err
    check_parses(broken)
    subprocess.run(command(*arguments), check=True, stdout=subprocess.DEVNULL)
    assert not list(broken.glob(".*.tmp")), "a temporary file outlived the rerun"
    assert visible(broken) == visible(reference)
    for name in visible(reference):  # job.json holds submission times, counts files job ids
        if name.startswith("counts-"):
            counts = [json.loads((f / name).read_text())["counts"] for f in (broken, reference)]
            assert counts[0] == counts[1], name
    whole, _ = jobs.collect(reference)
    resumed, _ = jobs.collect(broken)
    np.testing.assert_array_equal(resumed.energy, whole.energy)
    np.testing.assert_array_equal(resumed.ergotropy, whole.ergotropy)


SWEEP = sweep(
    "n_batteries = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]\nbattery_detuning = [0.5]\n",
    compute=("long_time", "charging"),
)


@pytest.mark.parametrize(
    ("executor", "signum", "seed"),
    [
        ("dask", signal.SIGKILL, 6),
        ("dask", signal.SIGINT, 7),
        ("processes", signal.SIGKILL, 8),
        ("processes", signal.SIGINT, 9),
    ],
)
def test_a_killed_parallel_sweep_leaves_no_worker_and_resumes_to_a_whole_one(
    tmp_path, executor, signum, seed
):
    if executor == "dask":
        pytest.importorskip("distributed")
    config = tmp_path / "sweep.toml"
    config.write_text(SWEEP)
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    subprocess.run(command("sweep", str(config), "--out", str(whole), "--executor", "serial"),
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    points = len(list((whole / "points").glob("*.json")))
    wanted = int(np.random.default_rng(seed).integers(1, points))
    arguments = ["sweep", str(config), "--out", str(broken), "--executor", executor]
    status, err, seen = interrupted([*arguments, "--workers", "2"], broken / "points", wanted,
                                    signum)  # fmt: skip
    assert seen, "the workers must have been running"
    if signum == signal.SIGINT and status != 0:
        assert err.strip().splitlines() == [
            "qbcircuit: interrupted; finished outputs are kept and reused on a rerun."
        ]
    for point in (broken / "points").glob("*.json"):
        json.loads(point.read_text())
    subprocess.run(command("sweep", str(config), "--out", str(broken), "--executor", "serial"),
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    assert table(broken) == table(whole)


def table(store):
    """sweep.csv without its per-point wall times."""
    rows = [line.split(",") for line in (store / "sweep.csv").read_text().splitlines()]
    drop = rows[0].index("seconds")
    return [row[:drop] + row[drop + 1 :] for row in rows]


def loading_qiskit(pid):
    """True once the process has mapped qiskit's compiled core, i.e. mid-import of the command
    line, before the command's own handler exists."""
    try:
        return "qiskit/_accelerate" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def test_ctrl_c_while_the_package_is_imported_is_one_line(tmp_path):
    process = subprocess.Popen(
        command("run", "--out", str(tmp_path)),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not loading_qiskit(process.pid) and process.poll() is None:
        assert time.monotonic() < deadline, "qiskit was never loaded"
        time.sleep(0.001)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert err.strip().splitlines() == [
        "qbcircuit: interrupted; finished outputs are kept and reused on a rerun."
    ]
    assert not list(tmp_path.iterdir())


def test_ctrl_c_after_the_command_has_ended_is_ignored(tmp_path):
    """The interpreter's exit joins the pools' threads; an interrupt there is not an error."""
    script = (
        "import os, signal, sys\n"
        "from qbcircuit._launch import main\n"
        f"status = main(['run', {str(tmp_path / 'missing.toml')!r}])\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "print('exit', status)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["exit", "2"]
    assert done.stderr.strip().splitlines()[0].startswith("qbcircuit: error:")
