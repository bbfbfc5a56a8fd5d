"""The CLI through its real entry point (a subprocess running `python -m qbcircuit`)."""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tolerances import SIGMAS

SMALL = """
[model]
n_batteries = 2
drive = 1.0
coupling = 0.5
dephasing = 1.0

[times]
stop = 5.0
points = 11

[study]
n_values = [1, 2, 5, 40]
battery_detuning = 0.5
"""


def qbcircuit(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "qbcircuit", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=3000,  # a guard against a hang only: far above any run's time on a busy machine
    )


def test_console_script_is_installed():
    assert shutil.which("qbcircuit", path=str(Path(sys.executable).parent)) is not None


def test_help_everywhere():
    for args in (["--help"], ["run", "--help"], ["compare", "--help"], ["sweep", "--help"]):
        result = qbcircuit(*args)
        assert result.returncode == 0 and "usage: qbcircuit" in result.stdout


def test_run_writes_outputs_and_resumes(tmp_path):
    config = tmp_path / "small.toml"
    config.write_text(SMALL)
    out = tmp_path / "out"
    first = qbcircuit("run", config, "--out", out, "--no-progress")
    assert first.returncode == 0, first.stderr
    for name in (
        "trajectory.json",
        "trajectory.csv",
        "trajectory.png",
        "ratio_vs_n.json",
        "ratio_vs_n.csv",
        "ratio_vs_n.png",
        "summary.json",
    ):
        assert (out / name).stat().st_size > 0, name
    rows = list(csv.DictReader((out / "ratio_vs_n.csv").open()))
    assert [int(r["n_batteries"]) for r in rows] == [1, 2, 5, 40]
    for row in rows:  # the detuned series is the unique, maximally mixed steady state
        n = int(row["n_batteries"])
        assert float(row["ratio_detuned"]) == pytest.approx((n - 1) / (n + 1), abs=1e-12)
        assert int(row["n_stationary_resonant"]) == n + 1
        assert float(row["E_resonant"]) == pytest.approx(n / 2, abs=1e-10)
        assert row["status_scaled"] == "reached" and float(row["drive_scaled"]) == n
    assert [r["status_resonant"] for r in rows] == ["reached"] * 3 + ["not reached"]
    assert "computed" in first.stdout and " 40 " in first.stdout
    trajectory = json.loads((out / "trajectory.json").read_text())
    assert trajectory["model"]["n_batteries"] == 2
    aer = list(csv.DictReader((out / "aer_vs_exact.csv").open()))
    assert [int(r["n_batteries"]) for r in aer] == [2]  # [aer] n_values defaults to the model's
    assert 0 < float(aer[0]["max_abs_dE"]) < 1e-3 and float(aer[0]["max_abs_dW"]) < 1e-3
    assert json.loads((out / "aer_N2.json").read_text())["label"] == "aer"
    tomography = list(csv.DictReader((out / "tomography_vs_exact.csv").open()))
    assert len(tomography) == 7  # [tomography] points of the 11-point grid, ends included
    assert float(tomography[0]["time"]) == 0 and float(tomography[-1]["time"]) == 5
    for row in tomography[1:]:
        assert abs(float(row["W"]) - float(row["W_exact"])) < SIGMAS * float(row["W_error"])
        assert abs(float(row["E"]) - float(row["E_exact"])) < SIGMAS * float(row["E_error"])
    assert json.loads((out / "tomography.json").read_text())["label"] == "tomography"

    second = qbcircuit("run", config, "--out", out, "--no-progress")
    assert second.returncode == 0
    assert second.stdout.count("reused") == 4 and "computed" not in second.stdout

    config.write_text(SMALL.replace("stop = 5.0", "stop = 6.0"))
    third = qbcircuit("run", config, "--out", out, "--no-progress")
    assert "to t=6 (full, computed)" in third.stdout and "(reused;" in third.stdout


def test_aer_for_other_n_values(tmp_path):
    config = tmp_path / "other.toml"
    config.write_text(SMALL + "\n[aer]\ndt = 0.1\nn_values = [1, 3]\n[tomography]\npoints = 0\n")
    result = qbcircuit("run", config, "--out", tmp_path / "out", "--no-progress")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader((tmp_path / "out" / "aer_vs_exact.csv").open()))
    assert [int(r["n_batteries"]) for r in rows] == [1, 3]
    assert all(float(r["max_abs_dE"]) < 5e-3 for r in rows)
    assert (tmp_path / "out" / "trajectory.png").stat().st_size > 0  # N = 2 not in [aer]
    assert not (tmp_path / "out" / "tomography.json").exists()  # points = 0: no tomography


def test_default_config_runs(tmp_path):
    result = qbcircuit("run", "--out", tmp_path / "out", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "default.toml" in result.stdout and "1000" in result.stdout
    rows = {
        int(r["n_batteries"]): r
        for r in csv.DictReader((tmp_path / "out" / "ratio_vs_n.csv").open())
    }
    # the headline: F = 1 is trapped past N = 4F/g = 8, F = 2gN is reached at every N
    assert [n for n, r in rows.items() if r["status_resonant"] == "reached"] == [1, 2, 3, 4, 6]
    assert all(r["status_scaled"] == "reached" for r in rows.values())
    assert float(rows[1000]["ratio_scaled"]) > 0.998


def test_the_time_budget_flag_and_a_folder_in_the_way(tmp_path):
    config = tmp_path / "small.toml"
    config.write_text(SMALL)
    tight = qbcircuit("--time-budget", "1e-6", "run", config, "--out", tmp_path / "a")
    assert tight.returncode == 2 and "over the time budget of 1e-06 s" in tight.stderr
    assert not (tmp_path / "a").exists()
    bad = qbcircuit("--time-budget", "soon", "run", config, "--out", tmp_path / "a")
    assert bad.returncode == 2 and "`--time-budget` must be a number" in bad.stderr
    (tmp_path / "b" / "trajectory.csv").mkdir(parents=True)
    blocked = qbcircuit("run", config, "--out", tmp_path / "b")
    assert blocked.returncode == 2 and "trajectory.csv' is a folder" in blocked.stderr
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["trajectory.csv"]


def test_missing_config_file(tmp_path):
    result = qbcircuit("run", tmp_path / "nope.toml")
    assert result.returncode == 2 and "does not exist" in result.stderr
    binary = tmp_path / "binary.toml"
    binary.write_bytes(SMALL.encode() + b"# \xff\xfe\n")
    for path, fragment in ((binary, "is not UTF-8 text"), (tmp_path, "is a folder")):
        result = qbcircuit("run", path, "--out", tmp_path / "out")
        assert result.returncode == 2 and fragment in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_compare_three_ways(tmp_path):
    """exact vs pulse vs aer through the entry point; the pulse leg is skipped, with the
    install command, where the extra is missing."""
    import importlib.util

    config = tmp_path / "compare.toml"
    config.write_text(
        SMALL + "\n[aer]\ndt = 0.1\n[pulse]\ndrive_shape = 'circular'\nomega0 = 5.0\n"
        "rtol = 1e-10\natol = 1e-10\n"
    )
    out = tmp_path / "out"
    result = qbcircuit("compare", config, "--out", out)
    assert result.returncode == 0, result.stderr
    rows = {row["leg"]: row for row in csv.DictReader((out / "comparison.csv").open())}
    assert float(rows["aer"]["max_abs_dE"]) < 5e-3  # Trotter error at dt = 0.1
    assert (out / "comparison.png").stat().st_size > 0
    if importlib.util.find_spec("qiskit_dynamics") is None:
        assert "skipped" in rows["pulse"]["note"] and '.[pulse]"' in result.stdout
    else:  # circular drive: the lab-frame solution is the rotating-frame model
        assert float(rows["pulse"]["max_abs_dE"]) < 1e-6
        assert float(rows["pulse"]["max_abs_dW"]) < 1e-6
        assert json.loads((out / "compare_pulse.json").read_text())["label"] == "pulse"
    bad = qbcircuit("compare", config, "--out", out, "--no-aer", "--no-pulse")
    assert bad.returncode == 0 and "aer" not in bad.stdout.split("\n", 1)[1]


def test_an_internal_fault_is_one_line_with_exit_1(monkeypatch, capsys):
    """The last resort: an exception that is not a refusal is one line naming the command and
    how to see the traceback; --debug (or QBCIRCUIT_DEBUG=1) shows it."""
    from qbcircuit import cli

    def fault(*args, **kwargs):
        raise TypeError("unsupported operand\nsecond line")

    monkeypatch.setattr(cli, "run_main_job", fault)
    monkeypatch.delenv(cli.DEBUG_VARIABLE, raising=False)
    assert cli.main(["run"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        "qbcircuit: internal error in `run` (TypeError: unsupported operand); rerun with "
        "--debug (or QBCIRCUIT_DEBUG=1) for the traceback."
    ]
    with pytest.raises(TypeError):
        cli.main(["--debug", "run"])
    monkeypatch.setenv(cli.DEBUG_VARIABLE, "1")
    with pytest.raises(TypeError):
        cli.main(["run"])


def test_init_writes_the_example_configs_that_run(tmp_path):
    from qbcircuit.config import RunConfig
    from qbcircuit.config.examples import EXAMPLES

    result = qbcircuit("init", "--out", tmp_path / "start")
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in (tmp_path / "start").iterdir())
    assert written == sorted(EXAMPLES)
    for name in written:  # each parses as the config it is
        config = RunConfig.from_toml(tmp_path / "start" / name)
        assert config.model.n_batteries >= 1
    assert RunConfig.from_toml(tmp_path / "start" / "sweep.toml").sweep is not None
    (tmp_path / "start" / "default.toml").write_text("# mine\n")
    again = qbcircuit("init", "--out", tmp_path / "start")
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "--force" in again.stderr
    assert (tmp_path / "start" / "default.toml").read_text() == "# mine\n"  # nothing written
    forced = qbcircuit("init", "--out", tmp_path / "start", "--force")
    assert forced.returncode == 0 and "[model]" in (tmp_path / "start" / "default.toml").read_text()


def test_install_hints_follow_the_installation(monkeypatch):
    from qbcircuit import _install

    monkeypatch.setattr(_install, "_editable", lambda: True)
    assert _install.pip_install("cloud") == 'pip install -e ".[cloud]"'
    monkeypatch.setattr(_install, "_editable", lambda: False)
    assert _install.pip_install("pulse,jax") == 'pip install "qbcircuit[pulse,jax]"'


def test_the_wheel_carries_every_example_config():
    import tomllib

    from qbcircuit.config.examples import EXAMPLES

    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    included = project["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    for name in EXAMPLES:
        assert included[f"circuits/{name}"] == f"qbcircuit/_examples/{name}"
