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
