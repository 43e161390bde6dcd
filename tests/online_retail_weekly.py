"""The Online Retail excerpt's units per SKU and week, the series the demand methods are compared on
(tests/test_demand_methods.py, tests/test_demand_statsforecast.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from conftest import ONLINE_RETAIL


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
