"""A hand-built messy workbook comes out exactly as contract section 2.4 says."""

from __future__ import annotations

import pandas as pd
import pytest

import omxl

pytestmark = pytest.mark.core


@pytest.fixture
def book(messy_workbook):
    return omxl.read_book(messy_workbook)


def found(book, code):
    rows = book.findings[book.findings["code"] == code]
    return sorted(zip(rows["sheet"], rows["cell"], rows["column"], rows["value"], rows["count"]))


def test_orders_found_below_title_block_with_real_row_numbers(book):
    orders = book.orders
    assert book.layout.set_index("sheet").loc["Open Orders", ["table", "matched_by", "header_row", "rows"]].tolist() \
        == ["orders", "sheet name", 4, 5]
    # The blank row 8 is dropped; rows after it keep their Excel row numbers.
    assert orders["row"].tolist() == [5, 6, 7, 9, 10]
    assert orders["sheet"].unique().tolist() == ["Open Orders"]
    assert orders["source"].unique().tolist() == ["messy.xlsx"]


def test_identifiers_are_text_tidied(book):
    orders = book.orders
    assert orders["order_id"].tolist() == ["SO-1001", "SO-1001", "SO-1002", "SO-1003", "SO-1003"]
    # Leading zeros kept, the non-breaking space removed, a numeric cell 4711.0 becomes "4711".
    assert orders["sku"].tolist() == ["00123", "SKU-7", "SKU-9", "SKU-7", "4711"]
    assert orders["customer_id"].tolist() == ["C-1", "17850", "C-2", "C-3", "C-3"]
    assert str(orders["sku"].dtype) == "string"


def test_numbers_dates_status_and_default_lines(book):
    orders = book.orders
    assert orders["qty"].tolist()[:3] == [5.0, 1200.0, 2.0]
    assert pd.isna(orders["qty"].iloc[3])          # the #N/A cell is not a number and not zero
    assert orders["qty"].iloc[4] == 7.0            # " 7 " typed as text
    assert orders["line"].tolist() == [1, 2, 1, 1, 2]
    assert orders["order_date"].dt.strftime("%Y-%m-%d").tolist() == \
        ["2026-11-02", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-04"]
    promised = orders["promised_date"]
    assert promised.iloc[0] == pd.Timestamp("2026-11-20")
    assert promised.iloc[1] == pd.Timestamp("2026-11-25")   # ISO text
    assert pd.isna(promised.iloc[2])                         # "03/04/2026" is never guessed
    assert promised.iloc[3] == pd.Timestamp("2026-11-13")   # "13/11/2026" has one reading only
    assert pd.isna(promised.iloc[4])
    assert orders["status"].tolist() == ["open", "cancelled", "on_hold", "closed", "open"]
    assert str(orders["qty"].dtype) == "float64"
    assert str(orders["order_date"].dtype) == "datetime64[ns]"
    assert str(orders["line"].dtype) == "Int64"


def test_unknown_column_is_carried_and_reported_once(book):
    assert book.orders["Sales Rep"].tolist() == ["Ann", "Ann", "Bo", "Bo", None]
    assert found(book, "unknown-column") == [("Open Orders", "H4", "Sales Rep", "Sales Rep", 1)]


def test_error_cell_ambiguous_date_and_blank_row_cite_their_cells(book):
    assert found(book, "error-cell") == [("Open Orders", "D9", "Qty", "#N/A", 1)]
    assert found(book, "ambiguous-date") == [("Open Orders", "G7", "Promised Date", "03/04/2026", 1)]
    message = book.findings.loc[book.findings["code"] == "ambiguous-date", "message"].item()
    assert message.startswith("Date '03/04/2026' can be read as 03 April 2026 or 04 March 2026.")
    assert found(book, "blank-row") == [("Open Orders", "B8", "", "", 1)]
    assert book.findings.loc[book.findings["code"] == "blank-row", "row"].tolist() == [8]


def test_each_fix_is_counted_per_column(book):
    fixes = found(book, "normalized-value")
    assert fixes == [
        ("Open Orders", "C6", "Item Code", "SKU-7\u00a0", 2),        # nbsp and 4711.0
        ("Open Orders", "D6", "Qty", "1,200", 2),                    # "1,200" and " 7 "
        ("Open Orders", "E7", "Order Date", "2026-11-03", 1),        # ISO text date
        ("Open Orders", "F6", "Customer", "17850", 2),               # 17850.0 and "  C-2 "
        ("Open Orders", "G6", "Promised Date", "2026-11-25", 2),     # ISO text and 13/11/2026
        ("Warehouse", "B5", "On Hand", "1,200", 1),
    ]


def test_excel_table_is_found_by_its_name_and_hidden_sheet_skipped(book):
    layout = book.layout.set_index("sheet")
    assert layout.loc["Warehouse", ["table", "matched_by", "header_row", "rows"]].tolist() == \
        ["inventory", "Excel table 'Inventory'", 3, 3]
    assert layout.loc["Orders 2025", "note"] == "hidden sheet, skipped"
    assert layout.loc["Notes", "note"] == "not recognised"
    inventory = book.inventory
    assert inventory["sku"].tolist() == ["00123", "SKU-7", "SKU-9"]
    assert inventory["on_hand"].tolist() == [40.0, 1200.0, 0.0]
    assert inventory["location"].tolist() == ["MAIN", "MAIN", "WEST"]
    assert inventory["row"].tolist() == [4, 5, 6]


def test_hidden_sheets_can_be_read_on_request(messy_workbook):
    book = omxl.read_book(messy_workbook, config={"read_hidden_sheets": True})
    assert book.orders["order_id"].tolist()[-1] == "SO-0001"
    assert book.orders["sheet"].tolist()[-1] == "Orders 2025"


def test_missing_tables_are_empty_frames_with_canonical_columns(book):
    from omxl.model import TABLE_BY_NAME

    suppliers = book.suppliers
    assert len(suppliers) == 0
    assert list(suppliers.columns) == [*TABLE_BY_NAME["suppliers"].column_names, "source", "sheet", "row"]
    assert str(suppliers["lead_time_days"].dtype) == "float64"


def test_column_map_records_headers_as_written(book):
    orders_map = book.column_map[book.column_map["sheet"] == "Open Orders"]
    assert list(zip(orders_map["letter"], orders_map["header"], orders_map["column"])) == [
        ("B", "Order #", "order_id"), ("C", "Item Code", "sku"), ("D", "Qty", "qty"),
        ("E", "Order Date", "order_date"), ("F", "Customer", "customer_id"),
        ("G", "Promised Date", "promised_date"), ("H", "Sales Rep", ""), ("I", "Status", "status"),
    ]


def test_repr_and_notebook_html_say_what_was_found(book):
    text = repr(book)
    assert text.splitlines()[0] == "<omxl.Book from messy.xlsx>"
    assert "  orders                  5 rows  messy.xlsx!Open Orders (header row 4)" in text
    assert "  suppliers               0 rows  not found" in text
    assert text.splitlines()[-1] == "  reading findings: 2 errors, 0 warnings, 8 info"
    html = book._repr_html_()
    assert "<td>orders</td><td>5</td><td>messy.xlsx!Open Orders (header row 4)</td>" in html
    assert "<td>Sales Rep</td>" in html
