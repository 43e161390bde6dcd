"""Reorder policy functions (contract section 3), pure and vectorised.

Units are the caller's: demand and its standard deviation per time unit, lead time
in the same unit. Each function takes scalars or numpy arrays / pandas Series.
plan_reorders, which applies them to a book, lives in omxl.planning.
"""

from __future__ import annotations

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


def _like(template, values: np.ndarray):
    """Scalars in, scalar out; Series in, Series out (same index); arrays otherwise."""
    if isinstance(template, pd.Series):
        return pd.Series(values, index=template.index)
    if np.ndim(values) == 0:
        return float(values)
    return values
