"""The figure scripts in their --quick mode: their files exist and hold the expected curves."""

import csv
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from tolerances import EXACT

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
pytestmark = pytest.mark.slow


def script(name):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def table(path):
    with open(path) as handle:
        return list(csv.DictReader(handle))


def quick(name, out):
    return script(name).main(
        ["--quick", "--out", str(out), "--executor", "serial", "--no-progress"]
    )


def test_ratio_versus_n(tmp_path):
    fits = quick("fig_ratio_vs_n", tmp_path)
    rows = table(tmp_path / "ratio_vs_n.csv")
    n = np.array([float(r["n_batteries"]) for r in rows])
    detuned = np.array([float(r["ratio_detuned"]) for r in rows])
    resonant = np.array([float(r["ratio_resonant"]) for r in rows])
    np.testing.assert_allclose(detuned, (n - 1) / (n + 1), atol=EXACT)
    assert n.max() == 100 and np.all(np.diff(resonant) > 0) and np.all(resonant < 1)
    assert [int(r["n_stationary_resonant"]) for r in rows] == [int(k) + 1 for k in n]
    for series in ("resonant", "detuned"):  # the 1/N law
        assert fits[series]["exponent"] == pytest.approx(-1, abs=0.1)
    assert json.loads((tmp_path / "fits.json").read_text()) == fits
    circuits = table(tmp_path / "circuits_ratio.csv")
    assert {r["method"] for r in circuits} == {"exact", "aer", "tomography"}
    exact = {
        (r["n_batteries"], r["battery_detuning"]): float(r["ratio"])
        for r in circuits
        if r["method"] == "exact"
    }
    for r in circuits:
        reference = exact[r["n_batteries"], r["battery_detuning"]]
        if r["method"] == "aer":  # Trotter dt = 0.1, Strang
            assert float(r["ratio"]) == pytest.approx(reference, abs=0.01)
        if r["method"] == "tomography":  # shots: a 5-sigma band
            assert abs(float(r["ratio"]) - reference) < 5 * float(r["ratio_error"]) + 0.02
    assert (tmp_path / "ratio_vs_n.png").stat().st_size > 10_000


def test_charging_versus_n(tmp_path):
    fits = quick("fig_charging_vs_n", tmp_path)
    by = {(f["drive"], f["battery_detuning"]): f for f in fits}
    assert abs(by[2.0, 0.0]["exponent"]) < 0.05  # strong drive: tau independent of N
    assert by[0.5, 0.5]["exponent"] == pytest.approx(2, abs=0.2)  # detuned, weak: ~ N^2
    assert by[0.5, 0.0]["first_trapped_n"] > by[0.5, 0.0]["crossover_n"]  # trap past N*
    rows = table(tmp_path / "charging_time_vs_n.csv")
    assert len(rows) == 2 * 2 * 8
    detuned = [r for r in rows if float(r["battery_detuning"]) > 0]
    assert all(np.isfinite(float(r["tau"])) for r in detuned)  # detuning breaks the trap
    for drive in ("0.5", "2.0"):  # W/E at tau rises with N in every series (trade-off)
        for detuning in ("0.0", "0.5"):
            series = [
                float(r["ratio_tau"])
                for r in rows
                if (r["drive"], r["battery_detuning"]) == (drive, detuning)
                and np.isfinite(float(r["tau"]))
            ]
            assert len(series) >= 4 and np.all(np.diff(series) > 0) and min(series) >= 0
            assert max(series) < 1
    for name in ("charging_time_vs_n.png", "ratio_at_charging_vs_n.png", "charging_fits.csv"):
        assert (tmp_path / name).stat().st_size > 100


def test_dephasing_optimum(tmp_path):
    optimum = quick("fig_dephasing", tmp_path)
    single = optimum[0]
    assert single["n_batteries"] == 1
    assert single["gamma_over_g_fastest_relaxation"] == 2.0  # critical damping, exactly 2g
    # 1/g; gamma = 2g is an exceptional point, where eigenvalues carry ~sqrt(eps) errors
    assert single["relaxation_time_min"] == pytest.approx(2.0, abs=1e-6)
    for row in optimum:
        assert 1.0 <= row["gamma_over_g_fastest_relaxation"] <= 2.0
    rows = table(tmp_path / "dephasing.csv")
    assert len(rows) == 2 * 13 and (tmp_path / "dephasing.png").stat().st_size > 10_000
