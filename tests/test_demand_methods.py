"""omxl.reorder's demand methods for intermittent demand (Croston, SBA, TSB) and the fill-rate (beta) service
level (loss_function, fill_rate_k), with their worksheet functions: issue "Planning by demand class",
contract 4.3, docs/reorder-planning.md.

The methods are checked here on a series computed by hand; tests/test_demand_statsforecast.py compares them with
statsforecast's on that series and on 20 Online Retail SKUs. The fill rate is checked against scipy.stats.norm."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from omxl import reorder
from omxl.excel import functions

from conftest import ROOT
from online_retail_weekly import online_retail_weekly

pytestmark = pytest.mark.core

# The hand-computed series: weekly demand 0, 3, 0, 0, 5, 0, 2 with alpha = 0.1.
SERIES = [0.0, 3.0, 0.0, 0.0, 5.0, 0.0, 2.0]


def test_croston_sba_tsb_by_hand():
    # Demand sizes (the non-zero weeks): 3, 5, 2. Intervals (weeks from one demand to the next, the first counted
    # from the start: demands in weeks 2, 5, 7): 2, 3, 2.
    # Exponential smoothing starts at the first value and moves alpha of the way to each value:
    #   sizes:     3 -> 0.1*3 + 0.9*3 = 3 -> 0.1*5 + 0.9*3 = 3.2 -> 0.1*2 + 0.9*3.2 = 3.08
    #   intervals: 2 -> 0.1*2 + 0.9*2 = 2 -> 0.1*3 + 0.9*2 = 2.1 -> 0.1*2 + 0.9*2.1 = 2.09
    # Croston = 3.08 / 2.09 = 1.473684...
    assert reorder.croston(SERIES) == pytest.approx(3.08 / 2.09, abs=1e-12)
    assert reorder.croston(SERIES) == pytest.approx(1.4736842105, abs=1e-9)
    # SBA = (1 - 0.1/2) * Croston = 0.95 * 3.08 / 2.09 = 1.4
    assert reorder.sba(SERIES) == pytest.approx(1.4, abs=1e-12)
    # TSB: the demand indicator 0, 1, 0, 0, 1, 0, 1 smoothed from its first value 0:
    #   0 -> 0 -> 0.1 -> 0.09 -> 0.081 -> 0.1*1 + 0.9*0.081 = 0.1729 -> 0.9*0.1729 = 0.15561
    #   -> 0.1*1 + 0.9*0.15561 = 0.240049; times the smoothed size 3.08 = 0.73935092
    assert reorder.tsb(SERIES) == pytest.approx(0.240049 * 3.08, abs=1e-12)
    assert reorder.tsb(SERIES) == pytest.approx(0.73935092, abs=1e-12)
    # Other alphas: sizes 3 -> 3 -> 0.5*5 + 0.5*3 = 4 -> 0.5*2 + 0.5*4 = 3; intervals 2 -> 2 -> 2.5 -> 2.25.
    assert reorder.croston(SERIES, alpha=0.5) == pytest.approx(3 / 2.25, abs=1e-12)
    assert reorder.sba(SERIES, alpha=0.5) == pytest.approx(0.75 * 3 / 2.25, abs=1e-12)
    # TSB with alpha_probability 0.5: 0 -> 0 -> 0.5 -> 0.25 -> 0.125 -> 0.5625 -> 0.28125 -> 0.640625; size level
    # with alpha_demand 0.2: 3 -> 3 -> 3.4 -> 3.12.
    assert reorder.tsb(SERIES, alpha_demand=0.2, alpha_probability=0.5) == pytest.approx(0.640625 * 3.12, abs=1e-12)


def test_one_step_ahead_forecasts_by_hand():
    # Week 1 has no forecast (NaN); week 2 is forecast before any demand: 0. After the demand of 3 in week 2:
    # size 3, interval 2 -> 1.5 for weeks 3-5; after the 5 in week 5: 3.2 / 2.1 for weeks 6-7.
    fitted = reorder.croston_fitted(SERIES)
    assert np.isnan(fitted[0])
    np.testing.assert_allclose(fitted[1:], [0.0, 1.5, 1.5, 1.5, 3.2 / 2.1, 3.2 / 2.1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(reorder.sba_fitted(SERIES)[1:], 0.95 * fitted[1:], rtol=0, atol=1e-12)
    # TSB: the probability after weeks 1..6 (0, 0.1, 0.09, 0.081, 0.1729, 0.15561) times the size seen so far
    # (none before week 2; 3 after it; 3.2 after week 5).
    tsb = reorder.tsb_fitted(SERIES)
    assert np.isnan(tsb[0])
    np.testing.assert_allclose(tsb[1:], [0.0, 0.3, 0.27, 0.243, 0.1729 * 3.2, 0.15561 * 3.2], rtol=0, atol=1e-12)
    # A Series keeps its index (the lead's weekly buckets), as float64.
    weeks = pd.Series(SERIES, index=pd.period_range("2026-01-05", periods=7, freq="W-SUN"))
    fitted_series = reorder.croston_fitted(weeks)
    assert fitted_series.index.equals(weeks.index) and fitted_series.dtype == np.float64
    assert fitted_series.iloc[-1] == pytest.approx(3.2 / 2.1, abs=1e-12)
    # The one-step-ahead errors the forecast error's std comes from: demand minus the forecast, weeks 2-7.
    errors = np.asarray(SERIES)[1:] - fitted[1:]
    assert errors.tolist() == pytest.approx([3.0, -1.5, -1.5, 3.5, -3.2 / 2.1, 2 - 3.2 / 2.1], abs=1e-12)


def test_no_demand_forecasts_zero():
    for method in (reorder.croston, reorder.sba, reorder.tsb):
        assert method([0.0, 0.0, 0.0]) == 0.0
        assert method([]) == 0.0
        assert method(np.zeros(52, dtype=np.float64)) == 0.0
    for fitted in (reorder.croston_fitted, reorder.sba_fitted, reorder.tsb_fitted):
        values = fitted([0.0, 0.0, 0.0])
        assert np.isnan(values[0]) and values[1:].tolist() == [0.0, 0.0]
        assert fitted([]).size == 0
    # One period of demand: sizes 4, interval 1 -> 4; TSB's probability starts at 1 -> 4.
    assert reorder.croston([4.0]) == 4.0 and reorder.tsb([4.0]) == 4.0 and reorder.sba([4.0]) == 3.8


@pytest.mark.parametrize("call, message", [
    (lambda: reorder.croston([1.0, -2.0]),
     "demand cannot be negative: returns are not demand; enter 0 for a period without demand"),
    (lambda: reorder.tsb([1.0, float("nan")]),
     "demand has a missing or infinite value: enter 0 for a period without demand"),
    (lambda: reorder.sba([[1.0, 2.0], [3.0, 4.0]]),
     "demand must be one series of per-period quantities (one row or column), not an array of shape (2, 2)"),
    (lambda: reorder.croston(SERIES, alpha=0.0), "alpha must be above 0 and at most 1, e.g. 0.1"),
    (lambda: reorder.sba_fitted(SERIES, alpha=1.5), "alpha must be above 0 and at most 1, e.g. 0.1"),
    (lambda: reorder.tsb(SERIES, alpha_probability=-0.1), "alpha_probability must be above 0 and at most 1, e.g. 0.1"),
    (lambda: reorder.tsb_fitted(SERIES, alpha_demand=2), "alpha_demand must be above 0 and at most 1, e.g. 0.1"),
])
def test_refused_input(call, message):
    with pytest.raises(ValueError) as raised:
        call()
    assert str(raised.value) == message


@pytest.fixture(scope="module")
def weekly() -> pd.DataFrame:
    return online_retail_weekly()


# --- fill rate ---------------------------------------------------------------------------------------------------

def scipy_loss(k: float) -> float:
    from scipy.stats import norm   # a test dependency (pyproject: test)
    return float(norm.pdf(k) - k * (1.0 - norm.cdf(k)))


def test_loss_function():
    # G(0) = phi(0) = 1 / sqrt(2 pi); tables (e.g. Silver, Pyke and Peterson) give G(1.25) = 0.0506, G(1.26) = 0.0495.
    assert reorder.loss_function(0.0) == pytest.approx(1 / math.sqrt(2 * math.pi), abs=1e-15)
    assert round(reorder.loss_function(1.25), 4) == 0.0506
    assert round(reorder.loss_function(1.26), 4) == 0.0495
    for k in (-6.0, -1.0, 0.5, 1.2555817153018225, 3.0, 6.0):
        assert reorder.loss_function(k) == pytest.approx(scipy_loss(k), rel=1e-9, abs=1e-15)
    values = reorder.loss_function(np.array([-1.0, 0.0, 1.0]))
    assert isinstance(values, np.ndarray) and values.dtype == np.float64
    assert values.tolist() == pytest.approx([scipy_loss(-1.0), scipy_loss(0.0), scipy_loss(1.0)], abs=1e-14)
    series = reorder.loss_function(pd.Series([0.0, 2.0], index=["A-1", "B-2"]))
    assert series.index.tolist() == ["A-1", "B-2"]
    # Far in the tail 1 - Phi(k) would round to 0; erfc keeps G positive and falling.
    assert 0 < reorder.loss_function(10.0) < reorder.loss_function(9.0)


def test_fill_rate_textbook_case():
    # sigma_DL = 100, Q = 500, beta = 0.99: G(k) = (1 - 0.99) * 500 / 100 = 0.05, between the table's G(1.25) =
    # 0.0506 and G(1.26) = 0.0495, so k = 1.2556; safety stock 125.56 units (a cycle service level of 0.99
    # would need z = 2.3263, 232.63 units).
    k = reorder.fill_rate_k(0.99, 500.0, 100.0)
    assert k == pytest.approx(1.2556, abs=1e-4)
    assert scipy_loss(k) == pytest.approx(0.05, abs=1e-12)       # solved to well within 1e-9 of k
    assert k == pytest.approx(1.2555817153018225, abs=1e-9)
    assert reorder.service_factor(0.99) == pytest.approx(2.3263478740, abs=1e-9)


def test_fill_rate_negative_k():
    # sigma_DL = 100, Q = 1,000, beta = 0.90: the 100 short units a cycle beta allows are more than the 39.9 a
    # reorder point at the mean lead-time demand lets through (G(0) = 0.3989); so k < 0: G(k) = 1 at k = -0.8995.
    k = reorder.fill_rate_k(0.90, 1000.0, 100.0)
    assert k == pytest.approx(-0.8994715612537433, abs=1e-9)
    assert scipy_loss(k) == pytest.approx(1.0, abs=1e-12)
    # Far below: G(k) = 50 needs k about -50.
    assert reorder.fill_rate_k(0.5, 1000.0, 10.0) == pytest.approx(-50.0, abs=1e-6)


def test_fill_rate_k_vectorised():
    ks = reorder.fill_rate_k(np.array([0.99, 0.90, 0.99]), np.array([500.0, 1000.0, 500.0]),
                             np.array([100.0, 100.0, np.nan]))
    assert isinstance(ks, np.ndarray) and ks.dtype == np.float64
    assert ks[:2].tolist() == pytest.approx([1.2555817153018225, -0.8994715612537433], abs=1e-9)
    assert np.isnan(ks[2])                       # a missing sigma: no k, as eoq gives NaN for a missing input
    by_sku = reorder.fill_rate_k(pd.Series([0.95, 0.98], index=["A-1", "B-2"]), 200.0, 80.0)
    assert by_sku.index.tolist() == ["A-1", "B-2"]
    assert [scipy_loss(k) for k in by_sku] == pytest.approx([0.05 * 200 / 80, 0.02 * 200 / 80], abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(low=st.floats(0.01, 0.999), high=st.floats(0.01, 0.999), qty=st.floats(1.0, 10_000.0),
       sigma=st.floats(1.0, 5_000.0), mean=st.floats(0.0, 500.0), lead=st.floats(0.0, 60.0))
def test_higher_fill_rate_never_lowers_the_reorder_point(low, high, qty, sigma, mean, lead):
    low, high = sorted((low, high))
    k_low, k_high = reorder.fill_rate_k(low, qty, sigma), reorder.fill_rate_k(high, qty, sigma)
    # The solver's tolerance (1e-12) is the only slack.
    assert k_high >= k_low - 1e-9
    assert reorder.reorder_point(mean, lead, k_high * sigma) >= reorder.reorder_point(mean, lead, k_low * sigma) - 1e-6


@pytest.mark.parametrize("args, message", [
    ((1.0, 500.0, 100.0), "fill_rate must be between 0 and 1 (exclusive), e.g. 0.98"),
    ((0.0, 500.0, 100.0), "fill_rate must be between 0 and 1 (exclusive), e.g. 0.98"),
    ((99.0, 500.0, 100.0), "fill_rate must be between 0 and 1 (exclusive), e.g. 0.98"),
    ((0.99, 0.0, 100.0),
     "order_qty must be above 0: the fill rate is the share of each order's quantity served from stock"),
    ((0.99, np.array([500.0, -1.0]), 100.0),
     "order_qty must be above 0: the fill rate is the share of each order's quantity served from stock"),
    ((0.99, 500.0, 0.0), "demand_std_lead_time must be above 0: without variability over the lead time the "
                         "fill rate needs no safety factor"),
    ((0.99, 500.0, -5.0), "demand_std_lead_time must be above 0: without variability over the lead time the "
                          "fill rate needs no safety factor"),
])
def test_fill_rate_refused_input(args, message):
    with pytest.raises(ValueError) as raised:
        reorder.fill_rate_k(*args)
    assert str(raised.value) == message


# --- worksheet functions -------------------------------------------------------------------------------------

def test_worksheet_functions_equal_the_python_functions(weekly):
    column = [[value] for value in SERIES]                # B2:B8 as xlwings hands a column over with ndim=2
    assert functions.omxl_croston(SERIES, 0.1) == reorder.croston(SERIES)
    assert functions.omxl_croston(column, None) == reorder.croston(SERIES)     # blank alpha: 0.1
    assert functions.omxl_sba([SERIES], 0.1) == reorder.sba(SERIES)           # one row
    assert functions.omxl_tsb(SERIES, 0.2, 0.5) == reorder.tsb(SERIES, 0.2, 0.5)
    assert functions.omxl_croston(3.0) == 3.0                                  # one cell
    demand = weekly.loc["21212"].tolist()
    assert functions.omxl_tsb(demand) == pytest.approx(19.310972152255744, abs=1e-9)
    assert functions.omxl_loss_function(1.25) == reorder.loss_function(1.25)
    assert functions.omxl_fill_rate_k(0.99, 500.0, 100.0) == reorder.fill_rate_k(0.99, 500.0, 100.0)
    assert functions.omxl_fill_rate_k(0.90, 1000.0, 100.0) == pytest.approx(-0.8994715612537433, abs=1e-9)


@pytest.mark.parametrize("call, shown", [
    (lambda: functions.omxl_croston([0.0, None, 2.0]),
     "#VALUE! period 2 of the demand is blank: enter 0 for a period without demand"),
    (lambda: functions.omxl_sba([1.0, "n/a"]), "#VALUE! period 2 of the demand is 'n/a', not a number"),
    (lambda: functions.omxl_tsb([1.0, -3.0]), "#NUM! period 2 of the demand is negative: demand cannot be below 0"),
    (lambda: functions.omxl_croston([[1.0, 2.0], [3.0, 4.0]]),
     "#VALUE! the demand must be one row or one column of periods"),
    (lambda: functions.omxl_croston([]), "#VALUE! the demand range is empty"),
    (lambda: functions.omxl_croston(SERIES, 0.0), "#NUM! alpha must be above 0 and at most 1, e.g. 0.1"),
    (lambda: functions.omxl_sba(SERIES, "x"), "#VALUE! alpha is 'x', not a number"),
    (lambda: functions.omxl_tsb(SERIES, 0.1, 2.0),
     "#NUM! alpha for the probability must be above 0 and at most 1, e.g. 0.1"),
    (lambda: functions.omxl_loss_function(None), "#VALUE! k is blank: enter a number"),
    (lambda: functions.omxl_fill_rate_k(99.0, 500.0, 100.0),
     "#NUM! fill rate must be between 0 and 1, e.g. 0.98 for 98%"),
    (lambda: functions.omxl_fill_rate_k(0.99, 0.0, 100.0), "#NUM! order quantity must be above 0"),
    (lambda: functions.omxl_fill_rate_k(0.99, 500.0, -1.0),
     "#NUM! demand standard deviation over the lead time must be above 0"),
    (lambda: functions.omxl_fill_rate_k(0.99, "500 pcs", 100.0), "#VALUE! order quantity is '500 pcs', not a number"),
])
def test_worksheet_functions_bad_input(call, shown):
    assert call() == shown


# --- the page ----------------------------------------------------------------------------------------------------

def test_the_page_shows_these_numbers():
    page = (ROOT / "docs" / "reorder-planning.md").read_text(encoding="utf-8")
    section = page[page.index("## Intermittent demand: Croston, SBA, TSB"):]
    assert "## Fill rate (β) service levels" in section
    shown = {
        "Croston": reorder.croston(SERIES), "SBA": reorder.sba(SERIES), "TSB": reorder.tsb(SERIES),
        "k": reorder.fill_rate_k(0.99, 500.0, 100.0), "safety stock": 100 * reorder.fill_rate_k(0.99, 500.0, 100.0),
        "cycle z": reorder.service_factor(0.99), "negative k": reorder.fill_rate_k(0.90, 1000.0, 100.0),
    }
    for what, value in shown.items():
        text = f"{value:.4f}" if what != "safety stock" else f"{value:.2f}"
        assert text.replace("-", "−") in section, (what, text)
    fitted = reorder.croston_fitted(SERIES)
    assert "NaN, 0, 1.5, 1.5, 1.5, 1.5238, 1.5238" in section
    assert [round(value, 4) for value in fitted[1:]] == [0, 1.5, 1.5, 1.5, 1.5238, 1.5238]
    for name in ("OMXL_CROSTON", "OMXL_SBA", "OMXL_TSB", "OMXL_LOSS_FUNCTION", "OMXL_FILL_RATE_K"):
        assert re.search(rf"`={name}\(", section), name
