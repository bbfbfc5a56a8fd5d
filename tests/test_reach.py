"""How long a long-time limit takes: the reach time bounds the approach, the horizon values are
the state at that time, and the headline series are flagged as they behave."""

import math

import numpy as np
import pytest
from tolerances import LATE_TIME

from qbcircuit import QbcircuitError, StarModel, exact

TOLERANCE = 0.01
APPROACH = [
    dict(n_batteries=4, drive=1.0, coupling=0.5, dephasing=1.0),  # resonant
    dict(n_batteries=8, drive=8.0, coupling=0.5, dephasing=1.0),  # resonant, F = 2gN
    dict(n_batteries=3, drive=0.8, coupling=0.7, dephasing=0.6, charger_detuning=0.4),
    dict(n_batteries=4, drive=1.0, coupling=0.5, dephasing=1.0, battery_detuning=0.5),  # dense
    dict(n_batteries=2, drive=2.0, coupling=0.4, dephasing=0.3, battery_detuning=0.2, omega0=1.3),
]


@pytest.mark.parametrize("params", APPROACH)
def test_reach_time_bounds_the_last_exit_from_the_tolerance_band(params):
    """From reach_time on |E - E_inf| <= tol E_inf (it is an upper bound), and the bound is
    tight: E still leaves the band shortly before it."""
    model = StarModel(**params)
    limit = exact.long_time(model, tolerance=TOLERANCE)
    assert 0 < limit.reach_time < 200
    times = np.linspace(0, 3 * limit.reach_time, 3001)
    energy = exact.evolve(model, times, basis="dicke", keep_states=False).energy
    outside = np.abs(energy - limit.energy) > TOLERANCE * limit.energy
    last_exit = times[np.nonzero(outside)[0].max() + 1]
    assert last_exit <= limit.reach_time * (1 + 1e-9) + times[1]
    assert limit.reach_time < 1.25 * last_exit


@pytest.mark.parametrize("params", APPROACH[2:])
def test_horizon_values_are_the_state_at_the_horizon(params):
    """Detuned: from the dense eigendecomposition; checked against the generic propagator."""
    model = StarModel(**params)
    limit = exact.long_time(model, horizon=7.5)
    at = exact.evolve(model, [7.5], basis="full", keep_states=False)
    assert limit.energy_at_horizon == pytest.approx(at.energy[0], abs=LATE_TIME)
    assert limit.ergotropy_at_horizon == pytest.approx(at.ergotropy[0], abs=LATE_TIME)
    assert limit.horizon == 7.5 and limit.tolerance == exact.DEFAULT_TOLERANCE


def test_the_dark_state_keeps_the_resonant_limit_from_being_reached():
    """F = 1, g = 0.5, gamma = 1: past N* = 4F/g = 8 the limit is never reached; at N = 100 the
    battery holds about 0.1 % of E_inf at t = 1000 with W/E near 2/3."""
    model = StarModel(n_batteries=100, drive=1.0, coupling=0.5, dephasing=1.0)
    limit = exact.long_time(model)
    assert limit.reach_time > 1e6 and limit.status == "not reached"
    assert limit.ratio == pytest.approx(0.9898, abs=1e-4)
    assert limit.energy_at_horizon / limit.energy < 2e-3
    assert limit.ratio_at_horizon == pytest.approx(0.669, abs=2e-3)
    small = exact.long_time(model.replace(n_batteries=4))
    assert small.status == "reached" and small.reach_time < 30


@pytest.mark.slow
@pytest.mark.parametrize("n", [1, 2, 10, 100, 1000])
def test_a_drive_scaled_with_n_reaches_the_limit_in_a_time_independent_of_n(n):
    model = StarModel(n_batteries=n, drive=2 * 0.5 * n, coupling=0.5, dephasing=1.0)
    limit = exact.long_time(model)
    assert limit.status == "reached" and 10 < limit.reach_time < 100
    assert limit.energy_at_horizon == pytest.approx(limit.energy, rel=TOLERANCE)


def test_detuned_reach_is_computed_up_to_the_dense_limit_only():
    model = StarModel(n_batteries=2, drive=1.0, coupling=0.5, dephasing=1.0, battery_detuning=0.5)
    beyond = exact.long_time(model.replace(n_batteries=exact.REACH_DENSE_MAX_BATTERIES + 1))
    assert math.isnan(beyond.reach_time) and beyond.status == "unknown"
    assert math.isnan(beyond.ratio_at_horizon)
    assert beyond.ratio == pytest.approx(16 / 18, abs=1e-12)  # the limit itself is exact


def test_bad_reach_options():
    model = StarModel(n_batteries=2, drive=1.0, coupling=0.5, dephasing=1.0)
    for options, fragment in [
        ({"tolerance": 0.0}, "tolerance"),
        ({"tolerance": 1.5}, "tolerance"),
        ({"horizon": -1.0}, "horizon"),
        ({"horizon": math.inf}, "horizon"),
    ]:
        with pytest.raises(QbcircuitError, match=fragment):
            exact.long_time(model, **options)
