"""Northwind (real third-party data with NULLs and malformed rows) reads through aliases alone."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from conftest import NORTHWIND
from northwind import northwind_book, northwind_headers

pytestmark = pytest.mark.core


def raw_records(name):
    with open(NORTHWIND / name, newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    return records[0], records[1:]


@pytest.fixture(scope="module")
def book():
    return northwind_book()


@pytest.fixture(scope="module")
def headers():
    return northwind_headers()


def test_row_counts(book):
    assert len(book.orders) == 2155
    assert len(book.inventory) == 77
    assert len(book.suppliers) == 29
    assert len(book.customers) == 91


def test_first_order_line_values(book):
    first = book.orders.iloc[0]
    assert (first["order_id"], first["line"], first["sku"], first["qty"], first["unit_price"]) == \
        ("10248", 1, "11", 12.0, 14.0)
    assert first["customer_id"] == "VINET"
    assert first["order_date"] == pd.Timestamp("1996-07-04")
    assert first["promised_date"] == pd.Timestamp("1996-08-01")
    assert first["ship_date"] == pd.Timestamp("1996-07-16")
    assert book.orders.loc[book.orders["order_id"] == "10248", "line"].tolist() == [1, 2, 3]


def test_products_map_onto_inventory(book):
    chang = book.inventory.set_index("sku").loc["2"]
    assert (chang["description"], chang["on_hand"], chang["on_order"], chang["reorder_point"],
            chang["supplier_id"], chang["discontinued"]) == ("Chang", 17.0, 40.0, 25.0, "1", False)
    header, rows = raw_records("products.csv")
    assert int(book.inventory["discontinued"].sum()) == sum(r[header.index("discontinued")] == "1" for r in rows)


def test_null_means_blank_and_is_counted(headers):
    header, rows = raw_records("orders.csv")
    blank_shipped = sum(r[header.index("shippedDate")] == "NULL" for r in rows)
    assert blank_shipped == 21
    assert int(headers.orders["ship_date"].isna().sum()) == blank_shipped
    fix = headers.findings[(headers.findings["code"] == "normalized-value")
                           & (headers.findings["column"] == "shippedDate")]
    assert fix["count"].tolist() == [blank_shipped]
    assert fix["message"].item().startswith(f"{blank_shipped} values in column 'shippedDate' read as blank")


@pytest.mark.parametrize("name, table", [("orders.csv", "orders"), ("customers.csv", "customers"),
                                         ("suppliers.csv", "suppliers")])
def test_records_with_an_extra_field_are_reported_not_fatal(name, table, book, headers):
    header, rows = raw_records(name)
    expected_lines = [i + 2 for i, r in enumerate(rows) if len(r) > len(header)]
    source = headers if name == "orders.csv" else book
    found = source.findings[(source.findings["code"] == "malformed-row") & (source.findings["table"] == table)]
    assert found["row"].tolist() == expected_lines
    assert len(expected_lines) == {"orders.csv": 176, "customers.csv": 24, "suppliers.csv": 9}[name]
    assert set(found["severity"]) == {"warning"}


def test_order_header_file_alone_reports_its_missing_line_columns(headers):
    missing = headers.findings[headers.findings["code"] == "missing-column"]
    assert sorted(missing["column"]) == ["qty", "sku"]
    assert len(headers.orders) == 830


def test_late_shipments_visible_in_typed_dates(headers):
    orders = headers.orders
    late = (orders["ship_date"] > orders["promised_date"]).sum()
    header, rows = raw_records("orders.csv")
    i_req, i_ship = header.index("requiredDate"), header.index("shippedDate")
    expected = sum(r[i_ship] != "NULL" and r[i_ship] > r[i_req] for r in rows)
    assert late == expected == 37
