import csv
import json

import numpy as np
import pytest

import qbcircuit
from qbcircuit import QbcircuitError, StarModel, Trajectory, exact
from qbcircuit.studies import long_time_versus_n

MODEL = StarModel(n_batteries=2, drive=1.0, coupling=0.5, dephasing=1.0)


def test_trajectory_roundtrip(tmp_path):
    trajectory = exact.evolve(MODEL, np.linspace(0, 3, 7), keep_states=True)
    path = trajectory.save(tmp_path / "run" / "traj.json")
    loaded = Trajectory.load(path)
    assert loaded.model == MODEL and loaded.label == "exact"
    assert loaded.version == qbcircuit.__version__
    assert loaded.options == trajectory.options
    for name in ("times", "energy", "ergotropy", "local_ergotropy", "charger_excitation"):
        assert np.array_equal(getattr(loaded, name), getattr(trajectory, name))
    assert np.array_equal(loaded.states, trajectory.states)
    rows = list(csv.DictReader((tmp_path / "run" / "traj.csv").open()))
    assert len(rows) == 7
    assert float(rows[-1]["energy"]) == trajectory.energy[-1]
    assert float(rows[-1]["ratio"]) == pytest.approx(trajectory.ratio[-1])
    document = json.loads(path.read_text())
    assert document["model"]["n_batteries"] == 2 and document["version"] == qbcircuit.__version__
    assert not list((tmp_path / "run").glob("*.tmp"))  # atomic writes leave no debris


def test_trajectory_is_frozen():
    trajectory = exact.evolve(MODEL, [0.0, 1.0])
    with pytest.raises(ValueError):
        trajectory.energy[0] = 1.0
    with pytest.raises(AttributeError):
        trajectory.label = "aer"  # type: ignore[misc]
    assert np.isnan(trajectory.ratio[0])  # E = 0 at t = 0
    with pytest.raises(QbcircuitError, match="label"):
        Trajectory(
            label="magic",
            model=MODEL,
            times=[0.0],
            energy=[0.0],
            ergotropy=[0.0],
            local_ergotropy=[0.0],
            charger_excitation=[0.0],
        )
    with pytest.raises(QbcircuitError, match="shape"):
        Trajectory(
            label="aer",
            model=MODEL,
            times=[0.0, 1.0],
            energy=[0.0],
            ergotropy=[0.0],
            local_ergotropy=[0.0],
            charger_excitation=[0.0],
        )


def test_ratio_study_roundtrip(tmp_path):
    study = long_time_versus_n(MODEL, [1, 3, 10], battery_detuning=0.4)
    path = study.save(tmp_path / "study.json")
    loaded = type(study).load(path)
    assert [e.ratio for e in loaded.detuned] == pytest.approx([0.0, 0.5, 9 / 11], abs=1e-12)
    assert [e.n_stationary for e in loaded.resonant] == [2, 4, 11]
    assert [e.model.drive for e in loaded.scaled] == [1.0, 3.0, 10.0]  # F = 2gN, g = 0.5
    for name, entries in study.series().items():
        again = loaded.series()[name]
        assert [e.status for e in again] == [e.status for e in entries]
        assert [e.reach_time for e in again] == [e.reach_time for e in entries]
        assert [e.ratio_at_horizon for e in again] == [e.ratio_at_horizon for e in entries]
    assert loaded.resonant[2].status == "not reached"  # F = 1 < gN/4 at N = 10
    rows = list(csv.DictReader((tmp_path / "study.csv").open()))
    assert [float(r["ratio_detuned"]) for r in rows] == pytest.approx(
        [float(r["ratio_unique_formula"]) for r in rows], abs=1e-12
    )
    with pytest.raises(QbcircuitError, match="does not hold a RatioStudy"):
        type(study).load(exact.evolve(MODEL, [0.0]).save(tmp_path / "t.json"))


def test_trajectory_table():
    model = StarModel(n_batteries=2, drive=1.0, coupling=0.5, dephasing=1.0)
    trajectory = exact.evolve(model, np.linspace(0, 4, 9))
    table = trajectory.table(every=4, names=["energy", "ratio"]).splitlines()
    assert table[0] == "| t | energy | ratio |"
    assert [row.split(" | ")[0] for row in table[2:]] == ["| 0", "| 2", "| 4"]  # last kept
    assert f"{trajectory.energy[8]:.4g}" in table[-1]
    sampled = Trajectory(
        "tomography",
        model,
        [0.0, 1.0],
        energy=[0.0, 0.5],
        ergotropy=[0.0, 0.2],
        energy_error=[0.0, 0.01],
        ratio=[np.nan, 0.45],
    )
    assert "0.5 +- 0.01" in sampled.table()
    assert sampled.ratio[1] == 0.45  # a path's own W/E wins over W/E of the series
    with pytest.raises(QbcircuitError, match="no series 'power'"):
        trajectory.table(names=["power"])
    with pytest.raises(QbcircuitError, match="every"):
        trajectory.table(every=0)
