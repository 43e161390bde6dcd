"""Demand classes per SKU (contract 4.3, docs/reorder-planning.md "Demand classes"): the Syntetos–Boylan class
from weekly buckets and the ABC class by value share.

Pure functions over DataFrames: planning gives them the weekly buckets it already makes for demand and the value
of each SKU's history; they give the classes back, column-wise (no loop over SKUs).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

# Syntetos–Boylan cut-offs (Syntetos, Boylan & Croston 2005): average inter-demand interval and squared
# coefficient of variation of the non-zero demand sizes.
ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
DEMAND_CLASSES = ("smooth", "erratic", "intermittent", "lumpy")
ABC_CLASSES = ("A", "B", "C")
CLASS_COLUMNS = ("adi", "cv2", "demand_class", "short_history", "weeks_with_demand")
# A share within this of a threshold counts as on it: 0.1 + 0.7 is 0.7999999999999999 in floating point.
SHARE_TOLERANCE = 1e-9


def classify_demand(weekly: pd.DataFrame) -> pd.DataFrame:
    """The Syntetos–Boylan class of each SKU from its weekly quantities (index: sku; one column per week, every
    week of the history, weeks without orders 0).

    A week with demand is a week whose total is above 0. ADI = weeks ÷ weeks with demand; CV² = (std ÷ mean)² of
    the quantities of the weeks with demand, population std (ddof 0). smooth: ADI < 1.32 and CV² < 0.49; erratic:
    ADI < 1.32, CV² ≥ 0.49; intermittent: ADI ≥ 1.32, CV² < 0.49; lumpy: both at or above their cut-off. A SKU
    without a week with demand has no class (blank ADI, CV² and class). short_history: fewer than 2 weeks with
    demand (one week's CV² is 0 by definition and says nothing).

    Returns columns adi, cv2 (float64), demand_class (string, blank without demand), short_history (bool),
    weeks_with_demand (int64), same index."""
    values = weekly.to_numpy(dtype="float64", na_value=0.0)
    weeks = values.shape[1]
    positive = values > 0
    counted = positive.sum(axis=1).astype("int64")
    sizes = np.where(positive, values, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = sizes.sum(axis=1) / counted
        variance = np.where(positive, (values - mean[:, None]) ** 2, 0.0).sum(axis=1) / counted
        adi = np.where(counted > 0, weeks / counted, np.nan)
        cv2 = np.where(counted > 0, variance / mean ** 2, np.nan)
    frequent, steady = adi < ADI_CUTOFF, cv2 < CV2_CUTOFF
    kind = np.select([counted == 0, frequent & steady, frequent, steady],
                     [None, "smooth", "erratic", "intermittent"], "lumpy")
    return pd.DataFrame({
        "adi": pd.Series(adi, index=weekly.index, dtype="float64"),
        "cv2": pd.Series(cv2, index=weekly.index, dtype="float64"),
        "demand_class": pd.Series(kind, index=weekly.index, dtype="string[python]"),
        "short_history": pd.Series(counted < 2, index=weekly.index, dtype="bool"),
        "weeks_with_demand": pd.Series(counted, index=weekly.index, dtype="int64"),
    }, index=weekly.index)


def abc_classes(value: pd.Series, currency: pd.Series, thresholds: Sequence[float] = (0.80, 0.95)) -> pd.Series:
    """The ABC class of each SKU by its share of the value within its currency (a blank currency is a group of
    its own; convert values into the base currency first to rank across currencies).

    SKUs are ranked by value, largest first (equal values by SKU, the index, so the same book always gives the
    same classes). A SKU is A when the SKUs ranked above it hold less than thresholds[0] of its currency's value, B
    when they hold less than thresholds[1], else C: A is the SKUs up to and including the one that reaches 80 %
    (with SKUs worth 80, 15 and 5 the first is A, the second B, the third C; with one SKU holding 90 % it alone is
    A). A blank value (no demand, or no unit cost) gives a blank class; a currency whose SKUs are all worth 0
    has no value to share: C."""
    first, second = (float(share) for share in thresholds)
    values = value.to_numpy(dtype="float64", na_value=np.nan)
    known = ~np.isnan(values)
    frame = pd.DataFrame({"key": currency.astype(object).where(currency.notna(), "").to_numpy()[known],
                          "value": values[known], "label": value.index.astype(str)[known],
                          "position": np.flatnonzero(known)})
    ranked = frame.sort_values(["key", "value", "label"], ascending=[True, False, True], kind="stable")
    groups = ranked.groupby("key", sort=False)["value"]
    total = groups.transform("sum").to_numpy()
    before = groups.cumsum().to_numpy() - ranked["value"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, before / total, np.inf)
    labels = np.full(len(values), None, dtype=object)
    labels[ranked["position"].to_numpy()] = np.select(
        [share < first - SHARE_TOLERANCE, share < second - SHARE_TOLERANCE], ["A", "B"], "C")
    return pd.Series(labels, index=value.index, dtype="string[python]")
