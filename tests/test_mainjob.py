"""The main job as a library function: its tables, its files, and a rerun that reuses them."""

import csv

import pytest
from tolerances import SIGMAS

from qbcircuit.config import RunConfig
from qbcircuit.mainjob import run_main_job

CONFIG = """
[model]
n_batteries = 2
drive = 1.0
coupling = 0.5
dephasing = 1.0
[times]
stop = 2.0
points = 5
[study]
n_values = [1, 2, 12]
[aer]
dt = 0.1
[tomography]
shots = 4000
points = 3
replicates = 20
"""


def test_main_job_returns_its_tables_and_reuses_them(tmp_path):
    config = RunConfig.from_text(CONFIG, "small")
    lines = []
    first = run_main_job(config, tmp_path, echo=lines.append)
    assert first.trajectory.label == "exact" and first.emulated.label == "aer"
    (aer,) = first.aer_rows
    assert aer["n_batteries"] == 2 and 0 < aer["max_abs_dE"] < 1e-3  # Strang, dt = 0.1
    assert len(first.tomography_rows) == 3
    for row in first.tomography_rows[1:]:  # shots: a 4-sigma band around exact
        assert abs(row["W"] - row["W_exact"]) < SIGMAS * row["W_error"] + 0.01
    assert [e.status for e in first.study.resonant] == ["reached", "reached", "not reached"]
    assert first.reused == ()
    saved = list(csv.DictReader((tmp_path / "aer_vs_exact.csv").open()))
    assert float(saved[0]["max_abs_dE"]) == pytest.approx(aer["max_abs_dE"], rel=1e-15)
    assert {"trajectory.json", "ratio_vs_n.csv", "tomography_vs_exact.csv"} <= set(first.outputs)
    assert (tmp_path / "summary.json").exists()
    assert any("long-time W/E vs N (computed" in line for line in lines)
    again = run_main_job(config, tmp_path)
    assert set(again.reused) == {"trajectory", "aer_N2", "tomography", "ratio_vs_n"}
    assert again.tomography_rows == first.tomography_rows


def test_a_damaged_output_is_recomputed_and_stale_ones_are_not_listed(tmp_path):
    config = RunConfig.from_text(CONFIG.replace("points = 3", "points = 0"), "small")
    first = run_main_job(config, tmp_path)
    text = (tmp_path / "trajectory.csv").read_text()
    (tmp_path / "trajectory.csv").write_text(text[: len(text) // 2])  # truncated
    (tmp_path / "aer_N2.npz").unlink()
    again = run_main_job(config, tmp_path)
    assert set(again.reused) == {"ratio_vs_n"}  # the damaged and the incomplete one redone
    assert (tmp_path / "trajectory.csv").read_text() == text
    assert again.trajectory.energy.tolist() == first.trajectory.energy.tolist()
    other = RunConfig.from_text(
        CONFIG.replace("points = 3", "points = 0").replace("dt = 0.1", "dt = 0.1\nn_values = [1]"),
        "other",
    )
    third = run_main_job(other, tmp_path)
    assert "aer_N1.json" in third.outputs and not any("aer_N2" in f for f in third.outputs)
    assert (tmp_path / "aer_N2.json").exists()  # left in place, not listed as this run's
