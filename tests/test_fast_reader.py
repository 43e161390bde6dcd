"""omxl's own .xlsx reader (omxl/io/read/sheet_xml.py) reads what calamine reads: the same tables, dtypes and
findings, cell for cell, on a messy 100,000-line book (docs/reading.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xlsxwriter

from both_readers import read_by_both
from omxl.io.read.sheet_cells import CellGrid
from omxl.io.read.sources import OWN, READER_VARIABLE, open_source

LINES = 100_000
BLANK_AFTER = (25_000, 70_000)     # a blank row after these many lines
FIRST_DATA_ROW = 5                 # two title rows, a blank row, the header in row 4
EPOCH = dt.date(1899, 12, 30)


def _excel_row(line: int) -> int:
    """The Excel row of order line `line` (0-based), past the blank rows above it."""
    return FIRST_DATA_ROW + line + sum(line >= b for b in BLANK_AFTER)


def _orders_book(path: Path) -> Path:
    """Orders with shared strings (and a rich-text one): title rows, the header in row 4, blank rows inside
    the data, numbers and dates as text, error cells, TRUE/FALSE, a formula without a calculated value."""
    lines = np.arange(LINES)
    columns = {
        "Order #": np.char.add("SO-", (100_000 + lines // 3).astype(str)).tolist(),
        "Line": (lines % 3 + 1).tolist(),
        "Order Date": (46_023 + lines // 400).tolist(),
        "Customer": np.char.add("C-", (lines * 7 % 4_000).astype(str)).tolist(),
        "Item Code": np.char.add("SKU-", np.char.zfill((lines * 13 % 5_000).astype(str), 5)).tolist(),
        "Qty": (lines % 48 + 1).tolist(),
        "Unit Price": np.round(1 + (lines * 37 % 2_000) / 100, 2).tolist(),
        "Promised Date": (46_030 + lines // 400 + lines % 9).tolist(),
        "Status": np.array(["Open", "Shipped", "Open", "Backordered"])[lines % 4].tolist(),
        "Rush": (lines % 5 == 0).tolist(),
    }
    book = xlsxwriter.Workbook(str(path))
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("Orders")
    sheet.write_string(0, 0, "Open order book")
    sheet.write_string(1, 0, "Exported 2026-11-27 from the ERP")
    for col, header in enumerate(columns):
        sheet.write_string(FIRST_DATA_ROW - 2, col, header)
    bounds = [0, *BLANK_AFTER, LINES]
    for col, (header, values) in enumerate(columns.items()):
        for start, stop in zip(bounds[:-1], bounds[1:]):
            cells = values[start:stop]
            sheet.write_column(_excel_row(start) - 1, col, cells, date if "Date" in header else None)
    dirty = {   # line -> (column, how)
        10: ("Qty", "1,200"), 11: ("Qty", " 12 "), 12: ("Item Code", "SKU-00042\u00a0"),
        13: ("Order Date", "2026-03-05"), 14: ("Qty", "#N/A"), 15: ("Unit Price", "#REF!"), 16: ("Qty", True),
        17: ("Unit Price", "formula"), 18: ("Customer", "rich"), 30_000: ("Qty", "7.5e1"), 30_001: ("Qty", "-0"),
    }
    names = list(columns)
    bold = book.add_format({"bold": True})
    for line, (header, how) in dirty.items():
        row, col = _excel_row(line) - 1, names.index(header)
        if how in ("#N/A", "#REF!"):
            sheet.write_formula(row, col, "=NA()" if how == "#N/A" else "=#REF!", None, how)
        elif how == "formula":
            sheet.write_formula(row, col, f"=F{row + 1}*2", None, "")
        elif how == "rich":
            sheet.write_rich_string(row, col, bold, "C-", "0042")
        elif isinstance(how, bool):
            sheet.write_boolean(row, col, how)
        elif how in ("7.5e1", "-0"):
            sheet.write_number(row, col, float(how))
        else:
            sheet.write_string(row, col, how)
    book.close()
    return path


def _stock_book(path: Path) -> Path:
    """Inventory and purchase orders as a program writing row by row leaves them: inline strings."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    date = book.add_format({"num_format": "dd.mm.yyyy"})
    inventory = book.add_worksheet("Inventory")
    inventory.write_row(0, 0, ["SKU", "Location", "On Hand", "Unit Cost"])
    for i in range(5_000):
        on_hand: object = " 12 " if i == 7 else (i * 11) % 300
        inventory.write_row(i + 1, 0, [f"SKU-{i:05d}", "MAIN" if i % 3 else "EAST", on_hand, 2.5 + i % 40])
    orders = book.add_worksheet("Purchase Orders")
    orders.write_row(0, 0, ["PO Number", "Supplier", "SKU", "Qty Ordered", "Status"])
    orders.write_string(0, 5, "PO Date")
    orders.write_string(0, 6, "Expected Date")
    for i in range(1_500):
        orders.write_row(i + 1, 0, [f"PO-{4_500 + i}", f"SUP-{i % 40:03d}", f"SKU-{i * 3 % 5_000:05d}",
                                    10 + i % 90, "Open" if i % 2 else "Closed"])
        orders.write_number(i + 1, 5, 46_000 + i // 10, date)
        if i == 9:
            orders.write_string(i + 1, 6, "2026-05-04")
        else:
            orders.write_datetime(i + 1, 6, dt.datetime(2026, 1, 1, 12) + dt.timedelta(days=i // 7), date)
    book.close()
    return path


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("fast-reader")
    return _orders_book(folder / "orders.xlsx"), _stock_book(folder / "stock.xlsx")


@pytest.fixture(scope="module")
def both(books):
    return read_by_both(*books)


def test_the_own_reader_reads_every_sheet_of_the_messy_books(books, monkeypatch):
    monkeypatch.setenv(READER_VARIABLE, OWN)
    for book in books:
        _, sheets = open_source(str(book), 100)
        assert all(isinstance(sheet.grid, CellGrid) for sheet in sheets)


def test_both_readers_give_the_same_tables_and_findings(both):
    slow, fast = both
    assert list(fast.tables) == list(slow.tables)
    for name in slow.tables:
        pd.testing.assert_frame_equal(fast.tables[name], slow.tables[name], check_exact=True)
    pd.testing.assert_frame_equal(fast.findings, slow.findings, check_exact=True)
    pd.testing.assert_frame_equal(fast.layout, slow.layout)
    pd.testing.assert_frame_equal(fast.column_map, slow.column_map)
    assert len(fast.tables["orders"]) == LINES
    assert (fast.tables["orders"]["qty"].dtype, fast.tables["orders"]["line"].dtype) == ("float64", "Int64")
    assert str(fast.tables["orders"]["order_date"].dtype) == "datetime64[ns]"


def test_the_findings_name_the_cells_of_the_messy_rows(both):
    _, fast = both
    findings = fast.findings
    blank = findings[findings["code"] == "blank-row"]
    assert blank["row"].tolist() == [_excel_row(25_000) - 1, _excel_row(70_000) - 1] == [25_005, 70_006]
    orders = findings[(findings["sheet"] == "Orders")]
    qty_text = orders[(orders["code"] == "normalized-value") & (orders["column"] == "Qty")]
    assert qty_text["cell"].tolist() == ["F15"] and qty_text["count"].tolist() == [2]
    errors = orders[orders["code"] == "error-cell"]
    assert sorted(zip(errors["cell"], errors["value"])) == [("F19", "#N/A"), ("G20", "#REF!")]
    formula = orders[orders["code"] == "formula-without-value"]
    assert formula["cell"].tolist() == ["G22"] and formula["value"].tolist() == ["=F22*2"]
    true_qty = orders[(orders["code"] == "type-error") & (orders["column"] == "Qty")]
    assert true_qty["cell"].tolist() == ["F21"]
    lines = fast.tables["orders"]
    assert lines.loc[lines["row"] == 15, "qty"].tolist() == [1200]
    assert lines.loc[lines["row"] == 16, "qty"].tolist() == [12]
    assert lines.loc[lines["row"] == 17, "sku"].tolist() == ["SKU-00042"]
    assert lines.loc[lines["row"] == 18, "order_date"].tolist() == [pd.Timestamp("2026-03-05")]
    assert lines.loc[lines["row"] == 23, "customer_id"].tolist() == ["C-0042"]
    assert lines.loc[lines["row"] == _excel_row(30_000), "qty"].tolist() == [75]
    inventory = fast.tables["inventory"]
    assert inventory.loc[inventory["row"] == 9, "on_hand"].tolist() == [12]
    purchase = fast.tables["purchase_orders"]
    assert purchase.loc[purchase["row"] == 11, "expected_date"].tolist() == [pd.Timestamp("2026-05-04")]
    assert purchase.loc[purchase["row"] == 2, "expected_date"].tolist() == [pd.Timestamp("2026-01-01 12:00")]
