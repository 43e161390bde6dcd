"""The outlier rule: a robust z-score on log quantities per item (docs/outliers.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import omxl

pytestmark = pytest.mark.core

AS_OF = "2026-11-27"
HISTORY = {
    "A": [2, 2, 2, 2, 2, 2, 3, 3, 1, 2, 2, 2, 70, 60],   # always about 2: 70 is 35x (z 5.13), 60 is 30x (z 4.91)
    "B": [1, 10, 100, 1, 10, 100, 1, 10, 100, 1000],      # sold at every size: 1,000 is ordinary for it
    "C": [50000],                                          # a one-off: judged against every item's lines
    "D": [40, 40, 40],                                     # few lines, ordinary sizes
}


def book():
    rows = [(sku, q) for sku, quantities in HISTORY.items() for q in quantities]
    orders = pd.DataFrame({"order_id": [f"O{i}" for i in range(len(rows))], "order_date": pd.Timestamp("2026-11-01"),
                           "customer_id": "K", "sku": [r[0] for r in rows], "qty": [float(r[1]) for r in rows]})
    inventory = pd.DataFrame({"sku": list(HISTORY), "on_hand": 0.0})
    return omxl.read_book({"orders": orders, "inventory": inventory}), orders


def robust_z(orders, min_lines=10):
    """Independent: per item with enough lines its own median and MAD of log qty, else all items'."""
    logs = np.log(orders["qty"])
    z = pd.Series(index=orders.index, dtype=float)
    everyone = (logs.median(), (logs - logs.median()).abs().median())
    for sku, part in logs.groupby(orders["sku"]):
        centre, mad = (part.median(), (part - part.median()).abs().median()) if len(part) >= min_lines \
            else everyone
        z[part.index] = (part - centre) / max(1.4826 * mad, np.log(2))
    return z


def test_outliers_are_far_above_the_items_usual_spread():
    b, orders = book()
    issues = omxl.validate(b, as_of=AS_OF)
    found = issues[issues["code"] == "outlier"]
    assert found[["severity", "cell", "value"]].values.tolist() == [["warning", "E14", "70"], ["warning", "E26", "50000"]]
    assert found["message"].tolist() == [
        "'qty' 70 is 35 times this item's usual order (median of its 14 lines: 2), far outside the usual spread. "
        "Check for a typo.",
        "'qty' 50000 is 16,667 times the usual order of all items (3; this item has only 1 line), far outside "
        "the usual spread. Check for a typo."]
    z = robust_z(orders)
    assert sorted(orders.index[z > 5] + 2) == [14, 26]          # sheet rows (header on row 1)
    assert round(z[12], 2) == 5.13 and round(z[13], 2) == 4.91 and round(z[26 - 2], 2) == 5.97
    assert z[orders["sku"] == "B"].max() < 2                     # 1,000 of B: z 1.35


def test_outlier_threshold_and_severity_are_configurable():
    b, orders = book()
    issues = omxl.validate(b, as_of=AS_OF, config={"outlier_threshold": 4.5, "severities": {"outlier": "info"}})
    found = issues[issues["code"] == "outlier"]
    assert found["cell"].tolist() == ["E14", "E15", "E26"]       # 60 (z 4.91) now too
    assert set(found["severity"]) == {"info"}
    # An item needs outlier_min_lines lines to be judged on its own: with 15, A is judged against every item.
    fewer = omxl.validate(b, as_of=AS_OF, config={"outlier_min_lines": 15})
    z = robust_z(orders, min_lines=15)
    assert sorted(fewer.loc[fewer["code"] == "outlier", "row"]) == sorted(orders.index[z > 5] + 2) == [26]
