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

from pathlib import Path

import pandas as pd

import omxl
from conftest import NORTHWIND

NORTHWIND_2007 = Path(__file__).parent / "data" / "northwind2007"
# Northwind 2007 calls every key `id`: one map per file says which (docs/billing.md).
NORTHWIND_2007_SETTINGS = """\
[columns."invoices.csv"]   # its `id` is the invoice number; orders.csv and customers.csv have ids of their own
id = "invoice_id"

[columns."orders.csv"]
id = "order_id"

[columns."customers.csv"]
id = "customer_id"
"""

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


def northwind_2007_invoiced_book(folder: Path) -> omxl.Book:
    """Northwind 2007's orders, order details, invoices and customers as one book, read with the column maps
    above (written to omxl.toml in `folder`)."""
    settings = folder / "omxl.toml"
    settings.write_text(NORTHWIND_2007_SETTINGS, encoding="utf-8")
    files = [NORTHWIND_2007 / name for name in ("orders.csv", "order_details.csv", "invoices.csv", "customers.csv")]
    return omxl.read_book(*files, config=settings)
