"""Northwind reconciled as of its last order date, checked against plain computations on the CSVs."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from conftest import NORTHWIND
from northwind import northwind_book
from omxl.reconciliation import reconcile

pytestmark = pytest.mark.core

AS_OF = "1998-05-06"   # the last orderDate in orders.csv


def raw(name):
    with open(NORTHWIND / name, newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    header = records[0]
    return [dict(zip(header, r)) for r in records[1:]]


@pytest.fixture(scope="module")
def rec():
    return reconcile(northwind_book(), as_of=AS_OF)


def test_as_of_is_the_last_order_date():
    assert max(r["orderDate"][:10] for r in raw("orders.csv")) == AS_OF


def test_the_21_orders_without_a_ship_date_are_open(rec):
    unshipped = {r["orderID"] for r in raw("orders.csv") if r["shippedDate"] == "NULL"}
    assert len(unshipped) == 21
    open_orders = set(rec.orders.loc[rec.orders["open_qty"] > 0, "order_id"])
    assert open_orders == unshipped
    lines = rec.lines[rec.lines["order_id"].isin(unshipped)]
    details = [r for r in raw("order-details.csv") if r["orderID"] in unshipped]
    assert len(lines) == len(details)
    assert lines["open_qty"].sum() == sum(float(r["quantity"]) for r in details)
    assert set(lines["status"]) <= {"ready", "partially_allocated", "backordered"}


def test_late_shipped_orders_are_counted(rec):
    late_shipped = {r["orderID"] for r in raw("orders.csv")
                    if r["shippedDate"] != "NULL" and r["shippedDate"] > r["requiredDate"]}
    assert len(late_shipped) == 37
    assert set(rec.orders.loc[rec.orders["shipped_late"], "order_id"]) == late_shipped


def test_open_lines_past_their_required_date_are_late(rec):
    orders = {r["orderID"]: r for r in raw("orders.csv")}
    expected = sum(1 for r in raw("order-details.csv")
                   if orders[r["orderID"]]["shippedDate"] == "NULL"
                   and orders[r["orderID"]]["requiredDate"][:10] < AS_OF)
    assert int(rec.lines["late"].sum()) == expected


def test_stock_allocation_never_exceeds_units_in_stock(rec):
    stock = {r["productID"]: float(r["unitsInStock"]) for r in raw("products.csv")}
    allocated = rec.lines.groupby("sku")["allocated_qty"].sum()
    assert all(allocated[sku] <= stock[sku] for sku in allocated.index)
    view = rec.inventory.set_index("sku")
    assert view.loc["2", "on_order"] == 40.0          # unitsOnOrder counts when there are no purchase orders
    assert pd.isna(rec.lines.loc[rec.lines["backordered_qty"] > 0, "projected_ship_date"]).all()
