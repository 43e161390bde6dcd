"""Adapter: Northwind's CSV export as one omxl book.

Northwind keeps order headers (orders.csv: customer, dates, carrier) apart from
order lines (order-details.csv: product, quantity, price), as many ERPs do. omxl
reads each file on its own through its aliases alone (orders.csv and
order-details.csv both match the orders table by file name; products.csv matches
inventory; NULL is a configured blank), and this adapter joins the header columns
onto the lines by order id, then hands the joined lines over as a DataFrame.
Given both files together, omxl joins them itself (docs/header-line-exports.md,
tests/test_northwind_cli.py); this adapter stays as the fixed input of the pinned
Northwind result digests.
"""

from __future__ import annotations

import pandas as pd

import omxl
from conftest import NORTHWIND

HEADER_COLUMNS = ["order_id", "order_date", "customer_id", "promised_date", "ship_date", "carrier"]
LINE_COLUMNS = ["order_id", "line", "sku", "qty", "unit_price"]


def northwind_headers() -> omxl.Book:
    return omxl.read_book(NORTHWIND / "orders.csv")


def northwind_lines() -> pd.DataFrame:
    headers = northwind_headers().orders[HEADER_COLUMNS]
    lines = omxl.read_book(NORTHWIND / "order-details.csv").orders[LINE_COLUMNS]
    return lines.merge(headers, on="order_id", how="left", validate="many_to_one")


def northwind_book() -> omxl.Book:
    return omxl.read_book(
        {"orders": northwind_lines()},
        NORTHWIND / "products.csv", NORTHWIND / "suppliers.csv", NORTHWIND / "customers.csv",
    )
