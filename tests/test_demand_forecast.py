"""Demand by class's method across items (omxl/demand_forecast.py): the recursions of omxl.reorder's croston,
sba and tsb run for every item at once, with the one-step-ahead error the safety stock takes."""

from __future__ import annotations

import numpy as np
import pytest

from omxl import reorder
from omxl.demand_forecast import class_demand, method_forecasts

pytestmark = pytest.mark.core

NAN = np.nan


def test_croston_sba_and_tsb_by_hand():
    # Weeks 0 3 0 0 5 0 2. Demands 3, 5, 2 at intervals 2, 3, 2 (the first from the series' start).
    # Smoothed sizes (alpha 0.1, starting at the first): 3, 3 + 0.1 (5 - 3) = 3.2, 3.2 + 0.1 (2 - 3.2) = 3.08.
    # Smoothed intervals: 2, 2.1, 2.09. Croston 3.08 / 2.09 = 1.47368...; SBA x (1 - 0.1 / 2) = 1.4.
    weekly = np.array([[0, 3, 0, 0, 5, 0, 2.0]])
    forecast, error = method_forecasts(weekly, "croston")
    assert forecast[0] == pytest.approx(3.08 / 2.09, abs=1e-12)
    # One-step-ahead: 1.5 before weeks 2-4 (3 / 2), 3.2 / 2.1 before weeks 5-6: errors -1.5, -1.5, 3.5,
    # -1.52381, 0.47619; root mean square 1.96463.
    assert error[0] == pytest.approx(np.sqrt((1.5**2 * 2 + 3.5**2 + (3.2 / 2.1)**2 + (2 - 3.2 / 2.1)**2) / 5),
                                     abs=1e-12)
    assert method_forecasts(weekly, "sba")[0][0] == pytest.approx(1.4, abs=1e-12)
    # TSB: the chance of a week with demand 0, 0.1, 0.09, 0.081, 0.1729, 0.15561, 0.240049, sizes as above (3.08).
    assert method_forecasts(weekly, "tsb")[0][0] == pytest.approx(0.240049 * 3.08, abs=1e-12)


def test_every_item_equals_the_one_item_functions():
    rng = np.random.default_rng(7)
    weekly = rng.poisson(0.4, (60, 16)) * rng.integers(1, 30, (60, 16)).astype(float)
    weekly[5, :6] = NAN            # an item first ordered in week 6
    weekly[9] = 0.0                # no demand
    weekly[11, :-1] = 0.0          # demand in the last week only
    for method, single in (("croston", lambda y: reorder.croston(y, alpha=0.1)),
                           ("sba", lambda y: reorder.sba(y, alpha=0.1)),
                           ("tsb", lambda y: reorder.tsb(y, alpha_demand=0.1, alpha_probability=0.1))):
        forecast, _ = method_forecasts(weekly, method)
        expected = [single(row[~np.isnan(row)]) for row in weekly]
        np.testing.assert_allclose(forecast, expected, rtol=0, atol=1e-12)
        assert forecast[9] == 0.0


def test_each_item_takes_its_class_method():
    weekly = np.array([[0, 3, 0, 0, 5, 0, 2.0], [4, 5, 6, 5, 4, 5, 6.0], [0, 0, 0, 0, 0, 0, 0.0]])
    method, forecast, error = class_demand(weekly, ["lumpy", "smooth", None],
                                           {"smooth": "normal", "erratic": "normal", "intermittent": "sba",
                                            "lumpy": "tsb"}, alpha=0.1, alpha_demand=0.1, alpha_probability=0.1)
    assert method.tolist() == ["tsb", "normal", "normal"]
    assert forecast[0] == pytest.approx(0.240049 * 3.08, abs=1e-12)
    assert np.isnan(forecast[1:]).all() and np.isnan(error[1:]).all()


def test_an_unknown_method_is_refused():
    with pytest.raises(ValueError, match="method must be one of croston, sba, tsb, not 'arima'"):
        method_forecasts(np.zeros((1, 3)), "arima")
