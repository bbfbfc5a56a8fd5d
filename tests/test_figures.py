"""The figure scripts in their --quick mode: their files exist and hold the expected curves."""

import csv
import importlib.util
import json
import re
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
    """Run the script in quick mode; its results page names the command (without --report)
    and every figure it shows lies beside it."""
    arguments = ["--quick", "--out", str(out), "--executor", "serial", "--no-progress"]
    result = script(name).main([*arguments, "--report", str(out / "report")])
    (page,) = (out / "report").glob("*.md")
    text = page.read_text()
    assert f"Written by `python scripts/{name}.py {' '.join(arguments)}` with qbcircuit" in text
    assert "--report" not in text and "| --- |" in text
    for figure in re.findall(r"!\[[^]]*\]\(([^)]+)\)", text):
        assert (out / "report" / figure).stat().st_size > 1000
    return result


def test_ratio_versus_n(tmp_path):
    fits = quick("fig_ratio_vs_n", tmp_path)
    rows = table(tmp_path / "ratio_vs_n.csv")
    n = np.array([float(r["n_batteries"]) for r in rows])
    detuned = np.array([float(r["ratio_detuned"]) for r in rows])
    resonant = np.array([float(r["ratio_resonant"]) for r in rows])
    np.testing.assert_allclose(detuned, (n - 1) / (n + 1), atol=EXACT)
    assert n.max() == 100 and np.all(np.diff(resonant) > 0) and np.all(resonant < 1)
    assert [int(r["n_stationary_resonant"]) for r in rows] == [int(k) + 1 for k in n]
    for series in ("resonant", "scaled", "detuned"):  # the 1/N law
        assert fits[series]["exponent"] == pytest.approx(-1, abs=0.1)
    # F = 1 at resonance: the dark state keeps the limit from being reached past N* = 8;
    # F = 2gN is reached at every N, in a time nearly independent of N
    by_n = {int(r["n_batteries"]): r for r in rows}
    assert by_n[100]["status_resonant"] == "not reached"
    assert float(by_n[100]["reach_time_resonant"]) > 1e6
    assert float(by_n[100]["ratio_horizon_resonant"]) < 0.7 < float(by_n[100]["ratio_resonant"])
    assert by_n[4]["status_resonant"] == "reached"
    assert all(r["status_scaled"] == "reached" for r in rows)
    assert all(float(r["reach_time_scaled"]) < 100 for r in rows)
    assert fits["scaled"]["reached_points_in_fit"] == fits["scaled"]["fit_points"]
    assert fits["resonant"]["reached_points_in_fit"] == 0
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


def test_tradeoff(tmp_path):
    rows = quick("fig_tradeoff", tmp_path)
    by = {(r["n_batteries"], r["battery_detuning"], r["drive_ratio"]): r for r in rows}
    # N = 8 at resonance: the strong drive charges in tau = 4.3 to W/E = 0.749, the weak one
    # in tau = 5858 to 0.829 (the trade-off)
    assert by[8, 0.0, 2.0]["ratio_tau"] == pytest.approx(0.749, abs=1e-3)
    assert by[8, 0.0, 2.0]["tau"] == pytest.approx(4.29, abs=0.01)
    assert by[8, 0.0, 0.25]["ratio_tau"] == pytest.approx(0.829, abs=1e-3)
    assert by[8, 0.0, 0.25]["tau"] == pytest.approx(5858, rel=1e-3)
    for n in (4, 8):  # detuned: the same limit (N-1)/(N+1) for every drive
        limits = [r["ratio_inf"] for r in rows if r["n_batteries"] == n and r["battery_detuning"]]
        assert limits == pytest.approx([(n - 1) / (n + 1)] * 3, abs=EXACT)
    saved = table(tmp_path / "tradeoff.csv")
    assert len(saved) == len(rows) == 2 * 2 * 3
    assert {r["reach"] for r in saved} <= {"reached", "not reached"}
    assert (tmp_path / "tradeoff.png").stat().st_size > 10_000


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
    # critical damping, exactly 2g; gamma = 2g is an exceptional point, where eigenvalues
    # carry ~sqrt(eps) errors (1/gap in units of 1/g)
    assert single["gamma_over_g_fastest_relaxation"] == pytest.approx(2.0, abs=1e-5)
    assert single["relaxation_time_min"] == pytest.approx(2.0, abs=1e-6)
    four = optimum[1]  # N = 4: below 2g, refined between the grid points
    assert four["n_batteries"] == 4
    assert four["gamma_over_g_fastest_relaxation"] == pytest.approx(1.6657, abs=1e-3)
    assert four["at_2g_over_min"] == pytest.approx(1.865, abs=2e-3)
    assert four["relaxation_time_min"] < 1.001 * min(
        float(r["relaxation_time"])
        for r in table(tmp_path / "dephasing.csv")
        if r["n_batteries"] == "4"
    )
    rows = table(tmp_path / "dephasing.csv")
    assert len(rows) == 2 * 13 and (tmp_path / "dephasing.png").stat().st_size > 10_000


def test_battery_noise(tmp_path):
    rows = quick("fig_battery_noise", tmp_path)
    assert (tmp_path / "battery_noise.png").stat().st_size > 0
    assert len(table(tmp_path / "battery_noise.csv")) == len(rows) == 12
    at = {(r["n_batteries"], r["battery_dephasing"]): r for r in rows}
    for n in (2, 4, 8):
        clean = at[(n, 0.0)]
        assert clean["ratio_inf"] == pytest.approx((n - 1) / (n + 1), abs=EXACT)
        for rate in (1e-3, 1e-2, 1e-1):  # unital and out of the symmetric sector: W = 0
            assert at[(n, rate)]["ratio_inf"] < 1e-6
        quality = [at[(n, rate)]["ratio_tau_90"] for rate in (0.0, 1e-3, 1e-2, 1e-1)]
        assert np.all(np.diff(quality) < 0)  # more battery noise, less ergotropy
    assert at[(8, 1e-1)]["ratio_tau_90"] < 0.05 < 0.7 < at[(8, 0.0)]["ratio_tau_90"]


def test_disorder(tmp_path):
    rows = quick("fig_disorder", tmp_path)
    assert (tmp_path / "disorder.png").stat().st_size > 0
    assert [r["seeds"] for r in rows] == [1, 2, 2, 1, 2, 2]
    for n in (4, 5):
        mine = [r for r in rows if r["n_batteries"] == n]
        assert all(r["reached"] == r["seeds"] for r in mine)
        assert mine[0]["ratio_end"] > mine[1]["ratio_end"] > mine[2]["ratio_end"]
        assert mine[0]["ratio_tau_90"] > mine[2]["ratio_tau_90"]


def test_charged_charger(tmp_path):
    rows = quick("fig_charged_charger", tmp_path)
    assert (tmp_path / "charged_charger.png").stat().st_size > 0
    for r in rows:  # the detuned star forgets its start: the sector's mixed state
        n = r["n_batteries"]
        assert r["ratio_inf"] == pytest.approx((n - 1) / (n + 1), abs=1e-9)
    weak = {
        (r["n_batteries"], r["charger_initial"]): r for r in rows if r["drive_regime"] == "weak"
    }
    assert weak[(8, 1)]["tau_90"] < weak[(8, 0)]["tau_90"] / 5  # a charged charger helps here
