"""Header + line exports (contract 2.3) on small hand-built books: found by their columns, joined by key,
orphans on both sides reported with their cells; carriers by name; null_values; discount."""

from __future__ import annotations

import pandas as pd
import pytest

import omxl
from omxl.errors import ConfigError

pytestmark = pytest.mark.core

HEADERS = """Order No,Customer,Order Date,Required Date,Ship Via,Remark
O1,C1,2026-01-05,2026-01-02,1,NULL
O2,C1,2026-01-05,2026-01-20,2,rush
O3,C2,2026-01-06,2026-01-21,9,
O2,C9,2026-01-07,2026-01-21,1,again
,C1,2026-01-07,2026-01-21,1,no number
"""
LINES = """Order No,SKU,Qty,Unit Price,Discount,Required Date
O1,A,1,10,0,
O1,B,2,10,0.1,
O2,A,4,10,0.25,
O2,B,1,10,,2026-01-25
O2,A,3,10,1.5,
O5,A,1,10,0,
"""


@pytest.fixture()
def order_files(tmp_path):
    # File names no alias knows: the columns alone say which file is the header and which the lines.
    files = {"export_1.csv": HEADERS, "export_2.csv": LINES, "carriers.csv": "Carrier ID,Name\n1,Speedy\n2,Slow\n",
             "stock.csv": "SKU,On Hand\nA,100\nB,100\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return [tmp_path / name for name in files]


def test_header_and_line_files_are_found_by_their_columns_and_joined(order_files):
    book = omxl.read_book(*order_files)
    layout = book.layout.set_index("source")
    assert layout.loc["export_1.csv", ["table", "matched_by"]].tolist() == ["orders", "header (header columns)"]
    assert layout.loc["export_2.csv", ["table", "matched_by"]].tolist() == ["orders", "header (line columns)"]
    assert layout.loc["export_1.csv", "note"] == "order header: joined onto the order lines by order_id"
    orders = book.orders
    assert len(orders) == 6   # the lines, not lines + headers
    plain_lines = pd.read_csv(order_files[1], dtype=str)
    plain_heads = pd.read_csv(order_files[0], dtype=str, keep_default_na=False).drop_duplicates("Order No")
    expected = plain_lines.merge(plain_heads, on="Order No", how="left", suffixes=("_line", ""))
    assert orders["customer_id"].fillna("").tolist() == expected["Customer"].fillna("").tolist()
    assert orders["order_date"].dt.strftime("%Y-%m-%d").fillna("").tolist() == \
        expected["Order Date"].fillna("").tolist()
    # A header column also on the line keeps the line's value where the line's cell is filled.
    own = expected["Required Date_line"].fillna(expected["Required Date"]).fillna("")
    assert orders["promised_date"].dt.strftime("%Y-%m-%d").fillna("").tolist() == own.tolist()
    assert orders.loc[3, "promised_date"] == pd.Timestamp("2026-01-25")
    # Provenance stays the line's; the header row is carried beside it; NULL blanks an unknown column too.
    assert orders[["source", "row", "header_source", "header_row"]].iloc[0].tolist() == \
        ["export_2.csv", 2, "export_1.csv", 2]
    assert orders["Remark"].tolist()[:5] == [None, None, "rush", "rush", "rush"]
    assert "missing-column" not in set(book.findings["code"])


def test_orphans_on_both_sides_and_header_values_cite_their_cells(order_files):
    book = omxl.read_book(*order_files)
    issues = omxl.validate(book, as_of="2026-01-10")
    errors = issues[issues["severity"] == "error"]
    cited = sorted(zip(errors["code"], errors["source"], errors["cell"], errors["value"]))
    assert cited == [
        ("constraint-error", "export_1.csv", "D2", "2026-01-02"),   # O1's promised date, once for its 2 lines
        ("constraint-error", "export_2.csv", "E6", "1.5"),          # discount outside 0-1
        ("duplicate-key", "export_1.csv", "A5", "O2"),              # O2's header again: its lines take row 3
        ("foreign-key", "export_1.csv", "A4", "O3"),                # header without lines
        ("foreign-key", "export_2.csv", "A7", "O5"),                # line without header
        ("missing-value", "export_1.csv", "A6", ""),                 # a header without an order number
    ]
    header_error = errors[errors["cell"] == "D2"].iloc[0]
    # The header's error says what it takes: O1's two lines (docs/validation-rules.md, one bad row, one finding).
    assert header_error["message"] == ("'Required Date' (2026-01-02) is before 'Order Date' (2026-01-05). Correct "
                                       "the promised date; its 2 lines (rows 2 and 3 of export_2.csv) are left out "
                                       "with it.")
    assert errors.loc[errors["cell"] == "A7", "message"].item().startswith(
        "Line of order O5 has no header row in export_1.csv")
    rec = omxl.reconcile(book, as_of="2026-01-10")
    # Left out: O1's two lines (their header cell D2 is wrong), the 1.5 discount line, the orphan O5 line.
    assert rec.left_out.set_index("table").loc["orders", "rows_left_out"] == 4
    assert sorted(zip(rec.lines["order_id"], rec.lines["line"])) == [("O2", 1), ("O2", 2)]
    # Carrier ids are shown as names; values net of discount (blank discount = none).
    assert rec.lines["carrier"].tolist() == ["Slow", "Slow"]
    order = rec.orders.set_index("order_id").loc["O2"]
    assert order["value"] == pytest.approx(4 * 10 * (1 - 0.25) + 1 * 10)
    assert order["open_value"] == pytest.approx(order["value"])


def test_purchase_order_header_and_lines(tmp_path):
    (tmp_path / "po_head.csv").write_text(
        "PO Number,Vendor,PO Date,ETA,Status\nP1,S1,2026-01-02,2026-01-20,Open\nP2,S1,2026-01-03,2026-01-25,Open\n"
        "P9,S2,2026-01-04,2026-01-26,Open\n", encoding="utf-8")
    (tmp_path / "po_body.csv").write_text(
        "PO Number,Item,Qty,Received Qty\nP1,A,10,0\nP1,B,5,5\nP2,A,3,\nP7,B,4,0\n", encoding="utf-8")
    (tmp_path / "orders.csv").write_text("Order ID,Order Date,Customer,SKU,Qty\nO1,2026-01-05,C1,A,1\n",
                                         encoding="utf-8")
    (tmp_path / "items.csv").write_text("SKU,On Hand,Supplier\nA,1,S1\nB,2,S1\n", encoding="utf-8")
    book = omxl.read_book(*(tmp_path / n for n in ("po_head.csv", "po_body.csv", "orders.csv", "items.csv")))
    pos = book.purchase_orders
    assert pos[["po_id", "supplier_id", "sku"]].fillna("").values.tolist() == [
        ["P1", "S1", "A"], ["P1", "S1", "B"], ["P2", "S1", "A"], ["P7", "", "B"]]
    assert pos["qty"].tolist() == [10.0, 5.0, 3.0, 4.0]
    assert pos["expected_date"].dt.strftime("%Y-%m-%d").fillna("").tolist() == \
        ["2026-01-20", "2026-01-20", "2026-01-25", ""]
    assert pos["status"].fillna("").tolist() == ["open", "open", "open", ""]
    foreign = book.findings[book.findings["code"] == "foreign-key"]
    assert sorted(zip(foreign["source"], foreign["cell"], foreign["value"])) == [
        ("po_body.csv", "A5", "P7"), ("po_head.csv", "A4", "P9")]
    assert "missing-column" not in set(book.findings["code"])
    rec = omxl.reconcile(book, as_of="2026-01-10")
    assert rec.left_out.set_index("table").loc["purchase_orders", "rows_left_out"] == 1   # the P7 line
    supply = rec.open_supply.sort_values(["po_id", "sku"])
    assert list(zip(supply["po_id"], supply["sku"], supply["open_qty"], supply["expected_date"].dt.day)) == [
        ("P1", "A", 10.0, 20), ("P1", "B", 0.0, 20), ("P2", "A", 3.0, 25)]


def test_refund_uses_the_lines_net_price():
    book = omxl.read_book({
        "orders": pd.DataFrame({"order_id": ["O1"], "order_date": ["2026-01-02"], "customer_id": ["C1"],
                                "sku": ["A"], "qty": [2], "unit_price": [10.0], "discount": [0.25],
                                "ship_date": ["2026-01-03"]}),
        "inventory": pd.DataFrame({"sku": ["A"], "on_hand": [5]}),
        "returns": pd.DataFrame({"rma_id": ["R1"], "order_id": ["O1"], "sku": ["A"], "qty": [1],
                                 "resolution": ["Refund"]}),
    })
    rec = omxl.reconcile(book, as_of="2026-01-10")
    assert rec.returns["refund_amount"].tolist() == [1 * 10.0 * (1 - 0.25)]
    assert rec.orders["value"].tolist() == [2 * 10.0 * 0.75]


def test_null_values_setting(tmp_path):
    (tmp_path / "orders.csv").write_text(
        "Order ID,Order Date,Customer,SKU,Qty,Ship Date,Note\nO1,2026-01-02,C1,A,1,n/a,n/a\nO2,2026-01-02,C1,A,1,"
        "NULL,NULL\n", encoding="utf-8")
    book = omxl.read_book(tmp_path / "orders.csv", config={"null_values": ["n/a"]})
    # n/a is a blank now; NULL no longer is: it is a type error in a date column (and the cell reads blank).
    assert book.orders["ship_date"].isna().tolist() == [True, True]
    assert book.orders["Note"].tolist() == [None, "NULL"]
    assert "type-error" in set(book.findings.loc[book.findings["row"] == 3, "code"])
    default = omxl.read_book(tmp_path / "orders.csv")
    assert default.orders["Note"].tolist() == ["n/a", None]
    for bad, words in (([""], "non-blank text"), ([" NULL"], "surrounding spaces")):
        with pytest.raises(ConfigError, match=words):
            omxl.read_book(tmp_path / "orders.csv", config={"null_values": bad})


def test_a_whole_order_sheet_beside_header_and_lines_is_read_as_it_is(tmp_path):
    (tmp_path / "head.csv").write_text("Order ID,Customer,Order Date\nO1,C1,2026-01-05\n", encoding="utf-8")
    (tmp_path / "lines.csv").write_text("Order ID,SKU,Qty,Promised Date\nO1,A,1,\nO1,B,2,2026-01-09\n",
                                        encoding="utf-8")
    (tmp_path / "full.csv").write_text("Order ID,Order Date,Customer,SKU,Qty\nO9,2026-01-06,C2,A,1\n",
                                       encoding="utf-8")
    book = omxl.read_book(*(tmp_path / n for n in ("head.csv", "lines.csv", "full.csv")))
    orders = book.orders
    assert list(zip(orders["order_id"], orders["customer_id"], orders["source"])) == [
        ("O1", "C1", "lines.csv"), ("O1", "C1", "lines.csv"), ("O9", "C2", "full.csv")]
    assert orders["header_row"].tolist()[:2] == [2, 2] and pd.isna(orders["header_row"].iloc[2])
    assert set(book.findings["code"]) <= {"normalized-value", "unknown-column"}   # O9 is no orphan
    assert "header_filled" not in orders   # promised_date is on the lines only
