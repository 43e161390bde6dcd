"""Demand per item by its demand class's method (contract 4.3, docs/reorder-planning.md "Demand methods"):
Croston, SBA and TSB for intermittent items, vectorised across items.

omxl.reorder's croston/sba/tsb take one item's series; planning has thousands of items over a dozen weekly
buckets, so the same recursions run here once per week for every item at a time (tests/test_demand_forecast.py
checks them against the one-item functions). Each gives the forecast per week after the last week, and the root
mean square of its one-step-ahead errors over the weeks it forecast (the forecast error's spread, which the safety
stock takes in place of the weekly quantities' standard deviation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

METHODS: tuple[str, ...] = ("normal", "croston", "sba", "tsb")


def method_forecasts(weekly: np.ndarray, method: str, *, alpha: float = 0.1, alpha_demand: float = 0.1,
                     alpha_probability: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """(forecast per week, RMSE of the one-step-ahead forecasts) for each row of `weekly`.

    weekly   items x weeks, oldest week first; NaN for the weeks before an item's history starts
    method   "croston", "sba" or "tsb" (as omxl.reorder.croston, sba, tsb define them)

    An item without demand forecasts 0 with no error. The error is over the weeks after the item's first week with
    demand (the weeks that had a forecast before them); with none it is NaN."""
    if method not in METHODS[1:]:
        raise ValueError(f"method must be one of croston, sba, tsb, not {method!r}")
    values = np.asarray(weekly, dtype="float64")
    n_items, n_weeks = values.shape
    size = np.full(n_items, np.nan)        # smoothed demand size (of the weeks with demand)
    interval = np.full(n_items, np.nan)    # smoothed interval between them (Croston, SBA)
    probability = np.full(n_items, np.nan)   # smoothed chance of a week with demand (TSB)
    last_demand = np.full(n_items, -1)     # the week of the last demand, counted from the first week
    started = np.zeros(n_items, dtype=bool)
    seen = np.zeros(n_items, dtype="int64")  # weeks of history so far
    squared = np.zeros(n_items)
    errors = np.zeros(n_items, dtype="int64")
    for week in range(n_weeks):
        y = values[:, week]
        present = ~np.isnan(y)
        forecast = _current(method, size, interval, probability, alpha)
        has_forecast = present & ~np.isnan(forecast)
        error = np.where(has_forecast, y - np.nan_to_num(forecast), 0.0)
        squared += error * error
        errors += has_forecast
        demand = present & (y != 0)
        gap = np.where(last_demand >= 0, seen - last_demand, seen + 1).astype("float64")
        first_demand = demand & np.isnan(size)
        later_demand = demand & ~first_demand
        size = np.where(first_demand, y, np.where(later_demand, _alpha_of(method, alpha, alpha_demand) * y
                                                  + (1 - _alpha_of(method, alpha, alpha_demand)) * size, size))
        interval = np.where(first_demand, gap, np.where(later_demand, alpha * gap + (1 - alpha) * interval,
                                                        interval))
        occurred = (y != 0).astype("float64")
        first_week = present & ~started
        probability = np.where(first_week, occurred, np.where(present, alpha_probability * occurred
                                                              + (1 - alpha_probability) * probability,
                                                              probability))
        last_demand = np.where(demand, seen, last_demand)
        seen = seen + present
        started |= present
    forecast = np.nan_to_num(_current(method, size, interval, probability, alpha))
    with np.errstate(invalid="ignore", divide="ignore"):
        rmse = np.where(errors > 0, np.sqrt(squared / np.maximum(errors, 1)), np.nan)
    no_demand = np.isnan(size)
    return np.where(no_demand, 0.0, forecast), np.where(no_demand, 0.0, rmse)


def _alpha_of(method: str, alpha: float, alpha_demand: float) -> float:
    """The smoothing constant of the demand sizes: TSB's own, else Croston's."""
    return alpha_demand if method == "tsb" else alpha


def _current(method: str, size: np.ndarray, interval: np.ndarray, probability: np.ndarray,
             alpha: float) -> np.ndarray:
    """The forecast per week from the smoothed state (NaN before an item has one)."""
    if method == "tsb":
        return probability * size
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(interval != 0, size / interval, size)
    return rate * (1 - alpha / 2) if method == "sba" else rate


def class_demand(weekly: np.ndarray, demand_class: "np.ndarray", methods: dict[str, str], *, alpha: float,
                 alpha_demand: float, alpha_probability: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(method, forecast per week, forecast error per week) of each item: the method of its demand class
    (`methods`, the [demand_methods] setting; an item without a class is planned as normal), and for the items of a
    forecasting method its forecast and error (NaN for the items planned as normal: the weekly mean and standard
    deviation stay theirs). `weekly`: items x weeks, oldest week first, NaN before an item's history."""
    classes = pd.Series(demand_class, dtype=object)
    method = classes.map(methods).where(classes.notna(), "normal").fillna("normal").to_numpy(dtype=object)
    forecast = np.full(len(classes), np.nan)
    error = np.full(len(classes), np.nan)
    for name in METHODS[1:]:
        rows = np.flatnonzero(method == name)
        if len(rows):
            forecast[rows], error[rows] = method_forecasts(weekly[rows], name, alpha=alpha, alpha_demand=alpha_demand,
                                                           alpha_probability=alpha_probability)
    return method, forecast, error

