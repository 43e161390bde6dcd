"""Reorder policy functions (contract section 3), pure and vectorised.

Units are the caller's: demand and its standard deviation per time unit, lead time
in the same unit. Each function takes scalars or numpy arrays / pandas Series.
plan_reorders, which applies them to a book, lives in omxl.planning.

Intermittent demand (contract 4.3, docs/reorder-planning.md): croston, sba and tsb take one series of
per-period demand and return the forecast per period after its last one; croston_fitted, sba_fitted and
tsb_fitted return the one-step-ahead forecast of every period (for the forecast error's std). The fill-rate
(beta) service level: loss_function (the standard normal loss G) and fill_rate_k (k solving
sigma_DL * G(k) = (1 - beta) * Q).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd


# Quantities are compared after rounding to this many decimals, so that 5.1 / 0.1 is 51, not 51.00000000000001.
_DECIMALS = 9


def eoq(annual_demand, ordering_cost, holding_cost):
    """Economic order quantity sqrt(2DK/h); NaN where h <= 0 or an input is missing, 0 where D = 0."""
    demand = np.asarray(annual_demand, dtype=float)
    cost = np.asarray(ordering_cost, dtype=float)
    holding = np.asarray(holding_cost, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.sqrt(2.0 * demand * cost / holding)
    result = np.where((holding > 0) & (demand >= 0) & (cost >= 0), result, np.nan)
    return _like(annual_demand, result)


def service_factor(service_level):
    """z for a cycle service level (0.95 -> 1.6449)."""
    levels = np.asarray(service_level, dtype=float)
    if np.any((levels <= 0) | (levels >= 1)):
        raise ValueError("service_level must be between 0 and 1 (exclusive), e.g. 0.95")
    unique = np.unique(levels)
    table = {level: NormalDist().inv_cdf(float(level)) for level in unique}
    return np.vectorize(table.__getitem__, otypes=[float])(levels) if levels.ndim else table[float(levels)]


def safety_stock(service_level, demand_std, lead_time, demand_mean=0.0, lead_time_std=0.0):
    """z * sqrt(L * s^2 + d^2 * sL^2): demand variability over the lead time plus lead-time variability."""
    z = service_factor(service_level)
    s = np.asarray(demand_std, dtype=float)
    lead = np.asarray(lead_time, dtype=float)
    d = np.asarray(demand_mean, dtype=float)
    s_lead = np.asarray(lead_time_std, dtype=float)
    result = z * np.sqrt(lead * s**2 + d**2 * s_lead**2)
    return _like(demand_std, result)


def reorder_point(demand_mean, lead_time, safety_stock):
    """d * L + SS."""
    result = np.asarray(demand_mean, dtype=float) * np.asarray(lead_time, dtype=float) + \
        np.asarray(safety_stock, dtype=float)
    return _like(demand_mean, result)


def round_up_to_pack(qty, pack_size):
    """qty rounded up to a whole number of packs, float-safe (5.1 with pack 0.1 stays 5.1).
    A missing or non-positive pack size leaves qty as it is."""
    amount = np.asarray(qty, dtype=float)
    pack = np.asarray(pack_size, dtype=float)
    usable = np.isfinite(pack) & (pack > 0)
    safe_pack = np.where(usable, pack, 1.0)
    packs = np.ceil(np.round(amount / safe_pack, _DECIMALS))
    result = np.where(usable, np.round(packs * safe_pack, _DECIMALS), amount)
    return _like(qty, result)


# --- intermittent demand: Croston, SBA, TSB ------------------------------------------------------------------
#
# Defined exactly as statsforecast's CrostonClassic, CrostonSBA and TSB (statsforecast.models), initialisation
# included, so that a forecast can be checked against an independent implementation:
# - simple exponential smoothing (SES) of a series x_1..x_m starts its level at the first value, L_0 = x_1, and
#   updates L_c = alpha * x_c + (1 - alpha) * L_(c-1); the forecast after the series is L_m;
# - Croston smooths the non-zero demand sizes z and the intervals p between them (the first interval counts the
#   periods up to and including the first demand) separately: forecast = L_m(z) / L_m(p);
# - SBA multiplies Croston's forecast by (1 - alpha / 2) (Syntetos and Boylan's bias correction; 0.95 at the
#   alpha 0.1 statsforecast fixes);
# - TSB smooths the demand sizes and the demand probability (1 in a period with demand, 0 otherwise, over
#   every period, the level starting at the first period's 0 or 1): forecast = L_n(d) * L_m(z).
# A series with no demand at all forecasts 0.


def croston(demand, alpha: float = 0.1) -> float:
    """Croston's forecast of demand per period after the series:  z^ / p^, where z^ is the SES level of the
    non-zero demand sizes and p^ the SES level of the intervals between demands (both with `alpha`, started at
    their first value). 0.0 when the series has no demand."""
    series = _demand_series(demand)
    _check_alpha("alpha", alpha)
    sizes, intervals = _sizes_and_intervals(series)
    if not sizes.size:
        return 0.0
    return float(_ses_levels(sizes, alpha)[-1] / _ses_levels(intervals, alpha)[-1])


def sba(demand, alpha: float = 0.1) -> float:
    """Syntetos-Boylan approximation: (1 - alpha / 2) * z^ / p^, Croston's forecast without its upward bias
    (0.95 * Croston at alpha = 0.1). 0.0 when the series has no demand."""
    return (1.0 - alpha / 2.0) * croston(demand, alpha)


def tsb(demand, alpha_demand: float = 0.1, alpha_probability: float = 0.1) -> float:
    """Teunter-Syntetos-Babai: d^ * z^, where d^ is the SES level (alpha_probability) of the demand
    indicator (1 in a period with demand, 0 otherwise; every period, started at the first) and z^ the SES
    level (alpha_demand) of the non-zero demand sizes. Unlike Croston it decays over periods without demand.
    0.0 when the series has no demand."""
    series = _demand_series(demand)
    _check_alpha("alpha_demand", alpha_demand)
    _check_alpha("alpha_probability", alpha_probability)
    sizes = series[series > 0]
    if not sizes.size:
        return 0.0
    probability = (series != 0).astype(np.float64)
    return float(_ses_levels(probability, alpha_probability)[-1] * _ses_levels(sizes, alpha_demand)[-1])


def croston_fitted(demand, alpha: float = 0.1):
    """The one-step-ahead Croston forecast of every period: the forecast made with the periods before it
    (z^ / p^ after the demands seen so far). The first period has none (NaN); before the first demand it is 0.
    Same length as `demand` (a Series keeps its index). Its last value is not croston(demand): that one also
    uses the last period."""
    series = _demand_series(demand)
    _check_alpha("alpha", alpha)
    sizes, intervals = _sizes_and_intervals(series)
    seen = _demands_before(series)
    fitted = np.zeros(series.size, dtype=np.float64)
    if sizes.size:
        after = seen > 0
        fitted[after] = (_ses_levels(sizes, alpha)[seen[after] - 1] /
                         _ses_levels(intervals, alpha)[seen[after] - 1])
    if fitted.size:
        fitted[0] = np.nan
    return _like_series(demand, fitted)


def sba_fitted(demand, alpha: float = 0.1):
    """The one-step-ahead SBA forecast of every period: (1 - alpha / 2) * croston_fitted."""
    return (1.0 - alpha / 2.0) * croston_fitted(demand, alpha)


def tsb_fitted(demand, alpha_demand: float = 0.1, alpha_probability: float = 0.1):
    """The one-step-ahead TSB forecast of every period: d^ * z^ after the periods before it. The first
    period has none (NaN); before the first demand it is 0. Same length as `demand`."""
    series = _demand_series(demand)
    _check_alpha("alpha_demand", alpha_demand)
    _check_alpha("alpha_probability", alpha_probability)
    sizes = series[series > 0]
    fitted = np.zeros(series.size, dtype=np.float64)
    if sizes.size:
        seen = _demands_before(series)
        probability = _ses_levels((series != 0).astype(np.float64), alpha_probability)
        after = seen > 0
        # Period i (from 0) is forecast from the i periods before it: the probability level after i periods.
        periods = np.arange(series.size)
        fitted[after] = probability[periods[after] - 1] * _ses_levels(sizes, alpha_demand)[seen[after] - 1]
    if fitted.size:
        fitted[0] = np.nan
    return _like_series(demand, fitted)


def _demand_series(demand) -> np.ndarray:
    """One series of per-period demand as float64; refuses what no forecast can be made from."""
    values = np.asarray(demand, dtype=np.float64)
    if values.ndim == 0:
        values = values.reshape(1)
    if values.ndim != 1:
        raise ValueError("demand must be one series of per-period quantities (one row or column), "
                         f"not an array of shape {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError("demand has a missing or infinite value: enter 0 for a period without demand")
    if (values < 0).any():
        raise ValueError("demand cannot be negative: returns are not demand; enter 0 for a period without "
                         "demand")
    return values


def _check_alpha(name: str, alpha: float) -> None:
    # alpha = 0 would never move the level from its first value, alpha = 1 keeps only the last one.
    number = isinstance(alpha, (int, float, np.integer, np.floating)) and not isinstance(alpha, bool)
    if not (number and 0 < alpha <= 1):
        raise ValueError(f"{name} must be above 0 and at most 1, e.g. 0.1")


def _sizes_and_intervals(series: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The non-zero demands and the periods from one demand to the next (the first counted from the start)."""
    positions = np.flatnonzero(series != 0)
    return series[positions], np.diff(positions + 1, prepend=0).astype(np.float64)


def _demands_before(series: np.ndarray) -> np.ndarray:
    """For each period, how many periods before it had demand."""
    return np.concatenate(([0], np.cumsum(series[:-1] != 0))).astype(np.int64) if series.size else \
        np.zeros(0, dtype=np.int64)


def _ses_levels(values: np.ndarray, alpha: float) -> np.ndarray:
    """Simple exponential smoothing: the level after each value, started at the first value (statsforecast's
    initialisation). The recursion is sequential, so it is a loop; series are a few years of weeks."""
    levels = np.empty(values.size, dtype=np.float64)
    level = float(values[0])
    for index, value in enumerate(values.tolist()):
        level = alpha * value + (1.0 - alpha) * level
        levels[index] = level
    return levels


def _like_series(template, values: np.ndarray):
    return pd.Series(values, index=template.index, dtype=np.float64) if isinstance(template, pd.Series) \
        else values


# --- fill-rate (beta) service level ----------------------------------------------------------------------------

_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)
_ERFC = np.vectorize(math.erfc, otypes=[np.float64])


def loss_function(k):
    """The standard normal loss function G(k) = phi(k) - k * (1 - Phi(k)): the expected units short per
    unit of standard deviation when stock covers the mean plus k standard deviations. 1 - Phi(k) is taken as
    erfc(k / sqrt 2) / 2, exact in the tail where 1 - cdf would round to 0. G(0) = 0.39894; G(k) > -k."""
    values = np.asarray(k, dtype=np.float64)
    result = _loss(values)
    return _like(k, result)


def _loss(k: np.ndarray) -> np.ndarray:
    density = np.exp(-0.5 * k * k) / _SQRT2PI
    upper_tail = 0.5 * _ERFC(k / _SQRT2)
    return density - k * upper_tail


def fill_rate_k(fill_rate, order_qty, demand_std_lead_time):
    """The safety factor k for a fill rate (beta: the share of demand served from stock): k solves
    sigma_DL * G(k) = (1 - beta) * Q, with G the standard normal loss function, sigma_DL the standard deviation of
    demand over the lead time and Q the order quantity; safety stock = k * sigma_DL.

    Each order cycle may fall short by sigma_DL * G(k) units on average, and (1 - beta) * Q is the shortage beta
    allows per cycle of Q units. k can be negative: when Q is large against sigma_DL, even a reorder point below
    the mean lead-time demand lets through fewer short units per cycle than beta allows (a negative safety stock
    for the fill rate). Found by a bracketed solver (Newton steps kept inside a bisection bracket) to 1e-12.
    A missing input gives NaN."""
    beta = np.asarray(fill_rate, dtype=np.float64)
    qty = np.asarray(order_qty, dtype=np.float64)
    sigma = np.asarray(demand_std_lead_time, dtype=np.float64)
    if np.any((beta <= 0) | (beta >= 1)):
        raise ValueError("fill_rate must be between 0 and 1 (exclusive), e.g. 0.98")
    if np.any(qty <= 0):
        raise ValueError("order_qty must be above 0: the fill rate is the share of each order's quantity "
                         "served from stock")
    if np.any(sigma <= 0):
        raise ValueError("demand_std_lead_time must be above 0: without variability over the lead time "
                         "the fill rate needs no safety factor")
    target = (1.0 - beta) * qty / sigma
    missing = ~np.isfinite(target)
    unique, inverse = np.unique(np.where(missing, 1.0, target), return_inverse=True)
    solved = _solve_loss(unique)[inverse].reshape(target.shape)
    result = np.where(missing, np.nan, solved)
    return _like(fill_rate, result)


def _solve_loss(target: np.ndarray) -> np.ndarray:
    """k with G(k) = target for each target > 0. G falls strictly (G' = Phi - 1 < 0) and is convex (G'' = phi),
    so a root lies between a point where G is above the target and one where it is below. G(k) > -k gives
    the lower end -target (or -5); the upper end starts at 8 and doubles while G is still above the target."""
    low = np.minimum(-5.0, -target)
    high = np.full(target.shape, 8.0)
    for _ in range(4):   # up to 128: G(128) is 0 in float64, below any target
        above = _loss(high) > target
        high = np.where(above, high * 2.0, high)
    k = low.copy()
    for _ in range(200):
        excess = _loss(k) - target
        low = np.where(excess > 0, k, low)
        high = np.where(excess <= 0, k, high)
        slope = -0.5 * _ERFC(k / _SQRT2)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = k - excess / slope
        # A Newton step that leaves the bracket (or a flat tail) is replaced by bisection.
        inside = np.isfinite(newton) & (newton > low) & (newton < high)
        step = np.where(inside, newton, 0.5 * (low + high))
        done = (np.abs(step - k) < 1e-13) | (high - low < 1e-13)
        k = step
        if done.all():
            break
    return k


def _like(template, values: np.ndarray):
    """Scalars in, scalar out; Series in, Series out (same index); arrays otherwise."""
    if isinstance(template, pd.Series):
        return pd.Series(values, index=template.index)
    if np.ndim(values) == 0:
        return float(values)
    return values
