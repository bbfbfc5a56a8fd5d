"""Sweeps: physics of the stored points, resume after a kill or a failing task, executors that
agree with serial, and every refusal before work starts."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from tolerances import EXACT

import qbcircuit
from qbcircuit import QbcircuitError, StarModel, exact, sweeps
from qbcircuit.config import RunConfig

BASE = """
[model]
n_batteries = 1
drive = 1.0
coupling = 0.5
dephasing = 1.0
[times]
stop = 4.0
points = 9
[aer]
dt = 0.1
"""


def config(sweep_table, base=BASE):
    return RunConfig.from_text(base + sweep_table, "test.toml")


SMALL = config(
    """
[sweep]
compute = ["long_time", "charging", "trajectory"]
[sweep.grid]
n_batteries = [1, 2, 3]
battery_detuning = [0.0, 0.5]
"""
)
# Detuned, weak drive: each point is a charging-time search of 0.05-0.5 s, slow enough to kill
# a serial sweep between points.
SLOW = config(
    """
[sweep]
compute = ["charging"]
[sweep.grid]
n_batteries = [2, 3, 4, 5, 6, 7, 8, 9]
drive = [0.5]
battery_detuning = [0.5]
"""
)


def values(result):
    return [record["values"] for record in result.records]


def test_points_hold_the_physics(tmp_path):
    result = qbcircuit.sweep(SMALL, tmp_path / "s", executor="serial", progress=False)
    assert (result.computed, result.reused) == (6, 0)
    n = result.column("n_batteries", battery_detuning=0.5)
    ratio = result.column("ratio_inf", battery_detuning=0.5)
    np.testing.assert_allclose(ratio, (n - 1) / (n + 1), atol=EXACT)
    assert list(result.column("n_stationary", battery_detuning=0.0)) == [2, 3, 4]
    times = RunConfig.from_text(BASE, "base").times.times()
    for index, record in enumerate(result.records):
        model = StarModel(**record["model"])
        reference = exact.evolve(model, times)
        trajectory = result.trajectory(index)
        np.testing.assert_allclose(trajectory.energy, reference.energy, atol=EXACT)
        np.testing.assert_allclose(trajectory.ergotropy, reference.ergotropy, atol=EXACT)
        tau = record["values"]["tau"]
        assert tau == pytest.approx(exact.charging_time(model), abs=EXACT)
        at_tau = exact.evolve(model, [tau]).energy[0]
        assert at_tau == pytest.approx((1 - 1 / np.e) * model.n_batteries / 2, abs=1e-8)
    table = (tmp_path / "s" / "sweep.csv").read_text().splitlines()
    assert len(table) == 7 and table[0].startswith("index,n_batteries,drive")
    loaded = sweeps.SweepResult.load(tmp_path / "s")
    assert values(loaded) == values(result)


def test_killed_sweep_resumes_with_identical_results(tmp_path):
    path = tmp_path / "slow.toml"
    path.write_text(SLOW.text)
    store = tmp_path / "killed"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "qbcircuit",
            "sweep",
            str(path),
            "--out",
            str(store),
            "--executor",
            "serial",
            "--no-progress",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(list((store / "points").glob("*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    finished = len(list((store / "points").glob("*.json")))
    assert 2 <= finished < 8, "the kill must land midway"
    for path in (store / "points").glob("*.json"):
        json.loads(path.read_text())  # every stored point is whole

    resumed = qbcircuit.sweep(SLOW, store, executor="serial", progress=False)
    assert (resumed.reused, resumed.computed) == (finished, 8 - finished)
    again = qbcircuit.sweep(SLOW, store, executor="serial", progress=False)
    assert (again.reused, again.computed) == (8, 0)
    whole = qbcircuit.sweep(SLOW, tmp_path / "whole", executor="processes", progress=False)
    assert values(resumed) == values(whole) == values(again)


LONG = config(
    """
[sweep]
compute = ["charging"]
[sweep.grid]
n_batteries = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
drive = [0.5]
battery_detuning = [0.5]
"""
)


def children(pid):
    """PIDs of the live processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads the process table from /proc")
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_a_killed_process_pool_sweep_leaves_no_workers(tmp_path, signum):
    """Killed, terminated or interrupted midway: every stored point is whole, no worker of the
    pool outlives the sweep and an interrupt is one line (resuming is tested above)."""
    path = tmp_path / "long.toml"
    path.write_text(LONG.text)
    store = tmp_path / "store"
    process = subprocess.Popen(
        [sys.executable, "-m", "qbcircuit", "sweep", str(path), "--out", str(store),
         "--executor", "processes", "--workers", "2", "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while len(list((store / "points").glob("*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    workers = children(process.pid)
    assert workers, "the pool must be running"
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    deadline = time.monotonic() + 60
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(w) for w in workers), "a worker outlived the sweep"
    if signum != signal.SIGKILL:
        assert process.returncode == 130 and len(err.strip().splitlines()) == 1, err
    stored = qbcircuit.SweepResult.load(store)  # every stored point is whole
    assert 2 <= len(stored.records) < 12


def test_failing_task_stops_the_sweep_and_keeps_finished_points(tmp_path, monkeypatch):
    real = sweeps.run_point

    def failing(point):
        if point.index == 2:
            raise RuntimeError("worker lost")
        return real(point)

    monkeypatch.setattr(sweeps, "run_point", failing)
    with pytest.raises(QbcircuitError, match=r"Sweep point 2 \(.*worker lost; the 2 finished"):
        qbcircuit.sweep(SMALL, tmp_path / "s", executor="serial", progress=False)
    assert len(list((tmp_path / "s" / "points").glob("*.json"))) == 2
    monkeypatch.setattr(sweeps, "run_point", real)
    resumed = qbcircuit.sweep(SMALL, tmp_path / "s", executor="serial", progress=False)
    assert (resumed.reused, resumed.computed) == (2, 4)
    whole = qbcircuit.sweep(SMALL, tmp_path / "whole", executor="serial", progress=False)
    assert values(resumed) == values(whole)


def test_process_pool_and_dask_agree_with_serial(tmp_path):
    serial = qbcircuit.sweep(SMALL, tmp_path / "serial", executor="serial", progress=False)
    pool = qbcircuit.sweep(SMALL, tmp_path / "pool", workers=2, progress=False)
    assert values(pool) == values(serial)
    assert [r["trajectory"] for r in pool.records] == [r["trajectory"] for r in serial.records]
    pytest.importorskip("distributed")
    dask = qbcircuit.sweep(SMALL, tmp_path / "dask", executor="dask", workers=2, progress=False)
    assert "LocalCluster" in dask.executor
    assert values(dask) == values(serial)


# --------------------------------------------------------------------------- bad input
def test_grid_over_the_limit_needs_yes(tmp_path):
    big = config(
        "[sweep]\nlimit = 10\n[sweep.grid]\nn_batteries = [1, 2, 3, 4]\ndrive = [1, 2, 3]\n"
    )
    with pytest.raises(QbcircuitError, match=r"12 points, more than the limit of 10.*--yes"):
        qbcircuit.sweep(big, tmp_path / "s", executor="serial", progress=False)
    assert not (tmp_path / "s").exists()
    assert len(sweeps.expand(big, yes=True)) == 12


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ("[sweep.grid]\nN = [1, 2]\n", "Unknown sweep parameter 'N' in [sweep.grid]"),
        ("[[sweep.points]]\ngama = 1.0\n", "Unknown sweep parameter 'gama'"),
        ("[sweep.grid]\ndrive = [1.0, -1.0]\n", "sweep point 1 (drive=-1.0)"),
        ("[sweep.grid]\ndephasing = [0.0]\n", "long_time needs `dephasing` > 0"),
        ("[sweep]\ncompute = ['energy']\n[sweep.grid]\ndrive = [1]\n", "sweep.compute"),
        ("[sweep.grid]\ndrive = [1]\n[[sweep.points]]\ndrive = 1\n", "exactly one of"),
        ("[sweep]\nfoo = 1\n", "Unknown key 'foo' in [sweep]"),
        (
            "[sweep]\ncompute = ['trajectory']\n[sweep.grid]\nmethod = ['aer']\ndt = [0.3]\n",
            "dt grid",
        ),
        # the paths' own checks, made for every point before the first runs
        (
            "[sweep]\ncompute = ['trajectory']\n[sweep.grid]\nmethod = ['aer']\n"
            "n_batteries = [2, 15]\n",
            "sweep point 1 (method='aer', n_batteries=15): The density_matrix emulation of "
            "N = 15 needs about",
        ),
        (
            "[sweep]\ncompute = ['trajectory']\n[sweep.grid]\nmethod = ['tomography']\n"
            "n_batteries = [12]\n",
            "Emulated tomography on Aer handles up to 12 qubits",
        ),
        (
            "insertion = 'pauli'\n[sweep]\ncompute = ['trajectory']\n[sweep.grid]\n"
            "method = ['aer']\ncharger_relaxation = [0.5]\n",
            "'pauli' insertion cannot realise charger_relaxation",
        ),
    ],
)
def test_bad_sweep_tables_are_one_sentence(tmp_path, table, fragment):
    path = tmp_path / "bad.toml"
    path.write_text(BASE + table)
    result = subprocess.run(
        [sys.executable, "-m", "qbcircuit", "sweep", str(path), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert fragment in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_store_of_another_config_or_version_is_refused(tmp_path):
    store = tmp_path / "s"
    qbcircuit.sweep(SMALL, store, executor="serial", progress=False)
    other = config("[sweep]\n[sweep.grid]\nn_batteries = [1, 2, 4]\n")
    with pytest.raises(QbcircuitError, match=r"holds a different sweep.*never mixed"):
        qbcircuit.sweep(other, store, executor="serial", progress=False)
    manifest = json.loads((store / "sweep.json").read_text())
    (store / "sweep.json").write_text(json.dumps({**manifest, "version": "0.0.1"}))
    with pytest.raises(QbcircuitError, match=r"written by qbcircuit 0\.0\.1"):
        qbcircuit.sweep(SMALL, store, executor="serial", progress=False)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(QbcircuitError, match="not empty and holds no sweep"):
        qbcircuit.sweep(SMALL, tmp_path / "busy", executor="serial", progress=False)


def test_a_damaged_point_file_is_named_and_recomputed(tmp_path):
    store = tmp_path / "s"
    whole = qbcircuit.sweep(SMALL, store, executor="serial", progress=False)
    damaged = sorted((store / "points").glob("*.json"))[2]
    damaged.write_text(damaged.read_text()[:40])  # truncated by a crash or a full disk
    with pytest.raises(QbcircuitError, match=r"Sweep point file .* is damaged"):
        qbcircuit.SweepResult.load(store)
    again = qbcircuit.sweep(SMALL, store, executor="serial", progress=False)
    assert again.computed == 1 and values(again) == values(whole)


def test_unreachable_scheduler_is_one_sentence(tmp_path):
    pytest.importorskip("distributed")
    with socket.socket() as probe:  # a local port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(
        QbcircuitError, match=f"Cannot reach the dask scheduler at 'tcp://127.0.0.1:{port}'"
    ):
        qbcircuit.sweep(
            SMALL,
            tmp_path / "s",
            scheduler=f"tcp://127.0.0.1:{port}",
            executor="dask",
            progress=False,
        )
    assert time.monotonic() - started < 60
    assert not (tmp_path / "s" / "points").exists()


def test_dask_missing_is_the_install_sentence(tmp_path):
    try:
        import distributed  # noqa: F401
    except ImportError:
        with pytest.raises(QbcircuitError, match=r'pip install -e "\.\[dask\]"'):
            qbcircuit.sweep(SMALL, tmp_path / "s", executor="dask", progress=False)
    else:
        pytest.skip("dask.distributed is installed in this profile")


def test_scheduler_needs_the_dask_executor(tmp_path):
    with pytest.raises(QbcircuitError, match="`scheduler` needs executor='dask'"):
        qbcircuit.sweep(SMALL, tmp_path / "s", scheduler="tcp://127.0.0.1:1", progress=False)


def test_cli_sweep_prints_and_resumes(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL.text)
    command = [sys.executable, "-m", "qbcircuit", "sweep", str(path), "--out", str(tmp_path / "o")]
    first = subprocess.run(
        [*command, "--executor", "serial", "--no-progress"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert first.returncode == 0, first.stderr
    assert "6 points (0 reused, 6 computed)" in first.stdout
    second = subprocess.run(
        [*command, "--no-progress"], capture_output=True, text=True, timeout=120
    )
    assert "6 points (6 reused, 0 computed)" in second.stdout
    assert os.path.exists(tmp_path / "o" / "sweep.csv")
