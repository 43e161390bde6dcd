"""omxl.reorder's demand methods for intermittent demand (Croston, SBA, TSB) and the fill-rate (beta) service
level (loss_function, fill_rate_k), with their worksheet functions: issue "Planning by demand class",
contract 4.3, docs/reorder-planning.md.

The methods are checked on a series computed here by hand and against statsforecast's CrostonClassic, CrostonSBA
and TSB on the weekly series of 20 Online Retail SKUs. statsforecast cannot be a test dependency (it needs
pandas < 3 and, through fugue and triad, pyarrow, which the core tests must run without), so its results are
kept here as numbers (REFERENCE: statsforecast 2.1.1's forecast and the sum and sum of squares of its fitted values,
made in an environment of its own). The fill rate is checked against scipy.stats.norm."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from omxl import reorder
from omxl.excel import functions

from conftest import ONLINE_RETAIL, ROOT

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


def online_retail_weekly() -> pd.DataFrame:
    """Units per SKU and week (Monday to Sunday) of the Online Retail excerpt, every week from the first to the
    last (54), 0 where the SKU sold nothing; cancelled invoices and negative quantities left out."""
    lines = pd.concat([pd.read_csv(path, usecols=["InvoiceNo", "StockCode", "Quantity", "InvoiceDate"],
                                   dtype={"InvoiceNo": str, "StockCode": str, "Quantity": "int64"},
                                   parse_dates=["InvoiceDate"])
                       for path in sorted(ONLINE_RETAIL.glob("*.csv"))], ignore_index=True)
    lines = lines[~lines["InvoiceNo"].str.startswith("C") & (lines["Quantity"] > 0)]
    week = lines["InvoiceDate"].dt.to_period("W-SUN")
    table = lines.groupby([lines["StockCode"], week])["Quantity"].sum().unstack(fill_value=0)
    weeks = pd.period_range(week.min(), week.max(), freq="W-SUN")
    return table.reindex(columns=weeks, fill_value=0).astype(np.float64)


def twenty_skus(table: pd.DataFrame) -> list[str]:
    """The 20 SKUs that sold in the most weeks (4 of 54: 50 zero weeks each), ties by stock code."""
    weeks_with_demand = (table > 0).sum(axis=1)
    return sorted(table.index, key=lambda sku: (-int(weeks_with_demand[sku]), sku))[:20]


# statsforecast 2.1.1 on these series (float64, h=1, fitted=True), per SKU and model (CrostonClassic, CrostonSBA,
# TSB(alpha_d=0.1, alpha_p=0.1)): (forecast, sum of the fitted values, sum of their squares), NaN left out.
REFERENCE = {
    '20724': [
        (3.4595052524567946, 402.8426966292134, 3221.740058073476),
        (3.2865299898339546, 382.7005617977528, 2907.6204024113113),
        (2.1510364227795384, 105.37155999302252, 396.4067585698896),
    ],
    '20725': [
        (12.61809556082684, 2535.5355805243435, 125633.6905833999),
        (11.987190782785497, 2408.7588014981266, 113384.40575151842),
        (7.845625647822402, 902.8104746556963, 37054.539576330935),
    ],
    '20728': [
        (3.25957302609285, 690.2883895131084, 9437.989914292524),
        (3.0965943747882076, 655.7739700374535, 8517.785897649008),
        (2.026723415683846, 251.8374303740512, 2962.8355481405847),
    ],
    '20974': [
        (2.473568281938326, 526.9241573033709, 5426.182260762527),
        (2.3498898678414095, 500.57794943820227, 4897.1294903381795),
        (1.5380047377881516, 188.5417811044676, 1596.8064319728433),
    ],
    '21121': [
        (5.7234835648932565, 1072.3651685393256, 22833.243498295673),
        (5.437309386648593, 1018.7469101123595, 20607.002257211832),
        (3.5587232031292393, 393.01523302291787, 7233.7944560798205),
    ],
    '21124': [
        (1.2605896306336837, 182.28089887640442, 648.6028279257666),
        (1.1975601491019994, 173.16685393258427, 585.3640522030046),
        (0.7838040447389445, 64.29436714285528, 180.56698227998515),
    ],
    '21126': [
        (1.6790918332768552, 369.31460674157296, 2744.432142406262),
        (1.5951372416130123, 350.84887640449426, 2476.850008521652),
        (1.0440185595917928, 137.95525991345045, 910.954666090563),
    ],
    '21212': [
        (31.05777702473738, 6898.2106741573025, 965477.8194277871),
        (29.50488817350051, 6553.300140449439, 871343.7320335775),
        (19.310972152255744, 2596.9948407772176, 330679.7155428891),
    ],
    '21213': [
        (6.693154862758388, 1489.6994382022467, 45025.25882937759),
        (6.358497119620468, 1415.2144662921348, 40635.29609351329),
        (4.1616412875433495, 561.5923259503625, 15396.222870487018),
    ],
    '21479': [
        (6.990003388681803, 1413.6488764044948, 39941.13012088118),
        (6.640503219247712, 1342.9664325842696, 36046.86993409526),
        (4.346214498078649, 523.6795525578713, 12874.64750662175),
    ],
    '21754': [
        (2.793968146391054, 619.9138576779028, 7842.609701356448),
        (2.654269739071501, 588.9181647940075, 7077.955255474196),
        (1.7372215991593003, 235.01799443969293, 2734.4453851012504),
    ],
    '21877': [
        (0.6226702812605897, 78.1825842696629, 116.57211052897364),
        (0.5915367671975601, 74.27345505617974, 105.20632975239863),
        (0.38716127209887374, 22.704226460884275, 18.55369825103404),
    ],
    '22087': [
        (1.3797017960013556, 203.8735955056179, 797.2316232167653),
        (1.3107167062012877, 193.67991573033697, 719.5015399531308),
        (0.8578650989662936, 58.10942732780318, 121.14092149768864),
    ],
    '22113': [
        (8.125381226702814, 1810.3052434456927, 66873.43174613193),
        (7.719112165367672, 1719.7899812734076, 60353.27215088407),
        (5.052164888373766, 686.4081885288131, 23302.70552098172),
    ],
    '22327': [
        (0.3913927482209421, 63.56554307116106, 80.43762712339907),
        (0.371823110809895, 60.38726591760299, 72.59495847886767),
        (0.24335851389072066, 23.401841755647318, 25.706106581858524),
    ],
    '22356': [
        (2.723652998983395, 461.7462546816479, 4262.913874335451),
        (2.5874703490342252, 438.6589419475655, 3847.279771587744),
        (1.693501346663781, 170.8955631974214, 1386.6594806218966),
    ],
    '22361': [
        (0.3388681802778719, 65.98127340823969, 85.73051943497592),
        (0.3219247712639783, 62.68220973782768, 77.37179379006572),
        (0.21070001202659794, 23.892999879734028, 26.212063230645434),
    ],
    '22371': [
        (1.2648254828871568, 233.22752808988764, 1102.2470884358024),
        (1.2015842087427988, 221.56615168539327, 994.7779973133124),
        (0.7864377948892768, 87.76122174243905, 375.61861766413114),
    ],
    '22378': [
        (1.1702812605896307, 211.07397003745317, 843.8045867875827),
        (1.111767197560149, 200.52027153558046, 761.5336395757934),
        (0.727652491533856, 63.96785025676851, 151.63189310065042),
    ],
    '22379': [
        (5.115384615384616, 1127.53277153558, 25905.47668206174),
        (4.859615384615385, 1071.1561329588014, 23379.69270556072),
        (3.1806220315475096, 426.56263017010275, 8993.11351244806),
    ],
}


@pytest.fixture(scope="module")
def weekly() -> pd.DataFrame:
    return online_retail_weekly()


def test_online_retail_equals_statsforecast(weekly):
    assert weekly.shape == (2057, 54)
    skus = twenty_skus(weekly)
    assert skus == list(REFERENCE)
    assert ((weekly.loc[skus] == 0).sum(axis=1) == 50).all()
    for sku in skus:
        demand = weekly.loc[sku]
        ours = [(reorder.croston(demand), reorder.croston_fitted(demand)),
                (reorder.sba(demand), reorder.sba_fitted(demand)),
                (reorder.tsb(demand), reorder.tsb_fitted(demand))]
        for (forecast, fitted), expected in zip(ours, REFERENCE[sku]):
            assert fitted.index.equals(demand.index)
            got = (forecast, float(np.nansum(fitted)), float(np.nansum(fitted * fitted)))
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), sku
    # The SKU that sold most: 40 units in the first week, 1, 5 and 5 later. Croston 5.1154 a week.
    assert reorder.croston(weekly.loc["22379"]) == pytest.approx(5.115384615384616, abs=1e-9)


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
