"""One bad row, one finding (docs/validation-rules.md): what is derived from a row left out for an error goes
with it silently, and the error on the row says what it took with it."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import omxl
from omxl.cli import cli
from omxl.reporting import compute_kpis
from test_summary import read_rows

AS_OF = "2026-03-10"

# The public Superstore export's Orders columns, in its order (Order ID is column B, Quantity column S).
SUPERSTORE_HEADERS = ["Row ID", "Order ID", "Order Date", "Ship Date", "Ship Mode", "Customer ID", "Customer Name",
                      "Segment", "Country", "City", "State", "Postal Code", "Region", "Product ID", "Category",
                      "Sub-Category", "Product Name", "Sales", "Quantity", "Discount", "Profit"]


def superstore_row(row_id, order_id, ordered, shipped, customer, product, sales, qty):
    return [row_id, order_id, dt.datetime(2026, 3, ordered), dt.datetime(2026, 3, shipped), "Second Class",
            customer, "Claire Gute", "Consumer", "United States", "Henderson", "Kentucky", 42420, "South",
            product, "Furniture", "Bookcases", "Bush Somerset Collection Bookcase", sales, qty, 0, 41.91]


# Rows 2-7 of the sheet. Row 6 repeats row 5 in every value but its Row ID, as Superstore's order line B3408
# appears twice: the export's one exact duplicate.
SUPERSTORE_ROWS = [
    superstore_row(1, "CA-2026-1", 1, 4, "CG-12520", "FUR-BO-1", 261.96, 2),
    superstore_row(2, "CA-2026-1", 1, 4, "CG-12520", "FUR-CH-2", 731.94, 3),
    superstore_row(3, "CA-2026-2", 2, 5, "DV-13045", "OFF-LA-3", 14.62, 2),
    superstore_row(4, "US-2026-3", 3, 4, "SO-20335", "OFF-ST-4", 957.58, 5),
    superstore_row(5, "US-2026-3", 3, 4, "SO-20335", "OFF-ST-4", 957.58, 5),
    superstore_row(6, "CA-2026-4", 3, 8, "BH-11710", "TEC-PH-5", 907.15, 6),
]


@pytest.fixture(scope="module")
def superstore_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("superstore") / "Sample - Superstore.xlsx"
    workbook = openpyxl.Workbook()
    orders = workbook.active
    orders.title = "Orders"
    orders.append(SUPERSTORE_HEADERS)
    for row in SUPERSTORE_ROWS:
        orders.append(row)
    returns = workbook.create_sheet("Returns")
    returns.append(["Returned", "Order ID"])
    returns.append(["Yes", "US-2026-3"])
    workbook.save(path)
    return path


@pytest.fixture(scope="module")
def superstore(superstore_path):
    return omxl.reconcile(omxl.read_book(superstore_path), as_of=AS_OF)


def test_the_duplicate_row_has_one_finding_that_says_what_it_took(superstore):
    findings = superstore.findings
    on_row = findings[(findings["sheet"] == "Orders") & (findings["row"] == 6)]
    assert on_row[["severity", "code", "table", "cell"]].values.tolist() == [
        ["error", "duplicate-key", "orders", "B6"]]
    assert on_row["message"].iloc[0] == (
        "This line repeats row 5 exactly (order US-2026-3, same item, quantity, price and date). Delete it if it "
        "was entered twice; its shipment (ship date 2026-03-04) is left out with it.")
    assert "shipment-without-order" not in set(findings["code"])
    assert findings[findings["table"] == "shipments"].empty
    assert superstore.exceptions.empty


def test_the_kept_copy_ships_and_the_duplicate_counts_once(superstore):
    lines = superstore.lines
    kept = lines[lines["order_id"] == "US-2026-3"]
    assert kept[["line", "sku", "qty", "shipped_qty", "status", "row"]].values.tolist() == [
        [1, "OFF-ST-4", 5.0, 5.0, "shipped", 5]]
    assert len(lines) == 5 and lines["status"].eq("shipped").all()
    assert superstore.left_out.set_index("table")["rows_left_out"].to_dict() == {
        "orders": 1, "inventory": 0, "suppliers": 0, "customers": 0, "shipments": 0, "purchase_orders": 0,
        "returns": 0, "carriers": 0, "invoices": 0, "payments": 0}
    # The order-only return covers the kept line only, with what it shipped: nothing exceeds.
    assert superstore.returns[["rma_id", "line", "qty", "shipped_qty"]].values.tolist() == [
        ["US-2026-3", 1, 5.0, 5.0]]


def test_validate_alone_gives_the_same_one_finding(superstore_path):
    issues = omxl.validate(omxl.read_book(superstore_path), as_of=AS_OF)
    on_row = issues[(issues["sheet"] == "Orders") & (issues["row"] == 6)]
    assert on_row["code"].tolist() == ["duplicate-key"]
    assert on_row["message"].iloc[0].endswith("; its shipment (ship date 2026-03-04) is left out with it.")


def test_a_line_with_a_type_error_takes_its_shipment_silently(tmp_path):
    path = tmp_path / "orders.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Orders"
    sheet.append(["Order ID", "Order Date", "Promised Date", "Ship Date", "Customer ID", "SKU", "Qty", "Unit Price"])
    sheet.append(["SO-1", dt.datetime(2026, 3, 2), dt.datetime(2026, 3, 6), dt.datetime(2026, 3, 5), "C-1", "S-1",
                  4, 10.0])
    sheet.append(["SO-2", dt.datetime(2026, 3, 2), dt.datetime(2026, 3, 6), dt.datetime(2026, 3, 6), "C-1", "S-1",
                  "two", 10.0])
    stock = workbook.create_sheet("Inventory")
    stock.append(["SKU", "On Hand"])
    stock.append(["S-1", 20])
    workbook.save(path)
    book = omxl.read_book(path)
    assert len(book.shipments) == 2   # both lines have a ship date: two shipments derived
    pos = omxl.prepare(book, as_of=AS_OF)
    rec, plan = omxl.reconcile(pos), omxl.plan_reorders(pos)
    findings = rec.findings
    on_row = findings[findings["row"] == 3]
    assert on_row[["severity", "code", "table", "cell"]].values.tolist() == [["error", "type-error", "orders", "G3"]]
    assert on_row["message"].iloc[0] == ("'Qty' must be a number (found 'two'). Type the quantity as a plain number; "
                                         "its shipment (ship date 2026-03-06) is left out with it.")
    assert findings[findings["table"] == "shipments"].empty
    # Only SO-1's shipment counts: 1 line and 4 units shipped, 40.00 of value in the week to 2026-03-10.
    assert pos.shipment_matches["order_id"].tolist() == ["SO-1"]
    assert rec.lines[["order_id", "shipped_qty"]].values.tolist() == [["SO-1", 4.0]]
    kpis = compute_kpis(pos, rec, plan).set_index("kpi")
    assert kpis.loc["shipped_lines", "value"] == 1
    assert kpis.loc["shipped_value", "value"] == 40.0
    assert rec.left_out.set_index("table").loc[["orders", "shipments"], "rows_left_out"].tolist() == [1, 0]


def test_shipments_and_returns_of_the_book_wait_with_their_left_out_line(tmp_path):
    # The book's own shipment SH-1 and return R-1 are rows of their own, not derived: they match only line 1,
    # which is left out for its quantity, so they cannot be counted until it is fixed. The error says so; no
    # shipment-without-order or return-without-shipment repeats it.
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"Order ID": ["A1", "A2"], "Line": [1, 1], "Order Date": pd.to_datetime(["2026-03-01"] * 2),
                      "Customer ID": ["C-1"] * 2, "SKU": ["S-1"] * 2, "Qty": [-2, 4]}).to_excel(
            writer, sheet_name="Orders", index=False)
        pd.DataFrame({"Shipment ID": ["SH-1", "SH-2"], "Order ID": ["A1", "A2"], "Line": [1, 1],
                      "SKU": ["S-1", "S-1"], "Qty": [2, 4], "Ship Date": pd.to_datetime(["2026-03-04"] * 2),
                      "Tracking Number": ["1Z1", "1Z2"]}).to_excel(writer, sheet_name="Shipments", index=False)
        pd.DataFrame({"RMA ID": ["R-1"], "Order ID": ["A1"], "SKU": ["S-1"], "Qty": [1]}).to_excel(
            writer, sheet_name="Returns", index=False)
        pd.DataFrame({"SKU": ["S-1"], "On Hand": [10]}).to_excel(writer, sheet_name="Inventory", index=False)
    rec = omxl.reconcile(omxl.read_book(path), as_of=AS_OF)
    errors = rec.findings[rec.findings["severity"] == "error"]
    assert errors[["code", "table", "cell"]].values.tolist() == [["constraint-error", "orders", "F2"]]
    assert errors["message"].iloc[0] == (
        "'Qty' must be more than 0 (found -2). Correct the quantity or cancel the line; shipment SH-1 (row 2 of "
        "Shipments) and return R-1 (row 2 of Returns) are left out with it.")
    assert rec.exceptions.empty
    assert rec.lines[["order_id", "shipped_qty"]].values.tolist() == [["A2", 4.0]]
    # They are rows of the user's sheets: counted as left out, and the Summary says why.
    assert rec.left_out.set_index("table").loc[["orders", "shipments", "returns"], "rows_left_out"].tolist() == [
        1, 1, 1]
    out = tmp_path / "status.xlsx"
    result = CliRunner().invoke(cli, ["reconcile", str(path), "--as-of", AS_OF, "--out", str(out)])
    assert result.exit_code == 1, result.output   # the error in the book
    read = read_rows(openpyxl.load_workbook(out)["Summary"])
    assert read["Orders"][:2] == (2, 1) and read["Orders"][3] == "1 row with errors: 1 constraint-error"
    assert read["Shipments"][:2] == (2, 1) and read["Shipments"][3] == "1 left out with the order line it is for"
    assert read["Returns"][:2] == (1, 1) and read["Returns"][3] == "1 left out with the order line it is for"


def test_an_order_header_error_names_the_lines_and_shipments_it_takes(tmp_path):
    path = tmp_path / "header-lines.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"Order ID": ["H1", "H2"], "Order Date": ["2026-03-01", "soon"], "Customer ID": ["C-1"] * 2,
                      "Ship Date": pd.to_datetime(["2026-03-04", "2026-03-05"])}).to_excel(
            writer, sheet_name="Orders", index=False)
        pd.DataFrame({"Order ID": ["H1", "H2", "H2"], "SKU": ["S-1", "S-1", "S-2"], "Qty": [1, 2, 3]}).to_excel(
            writer, sheet_name="Order Lines", index=False)
        pd.DataFrame({"SKU": ["S-1", "S-2"], "On Hand": [10, 10]}).to_excel(writer, sheet_name="Inventory",
                                                                           index=False)
    rec = omxl.reconcile(omxl.read_book(path), as_of=AS_OF)
    errors = rec.findings[rec.findings["severity"] == "error"]
    assert errors[["code", "sheet", "cell"]].values.tolist() == [["type-error", "Orders", "B3"]]
    assert errors["message"].iloc[0] == (
        "'Order Date' must be a date (found 'soon'). Make the cell a date, or type it as YYYY-MM-DD; its 2 lines "
        "(rows 3 and 4 of Order Lines) and their shipments are left out with it.")
    assert rec.findings[rec.findings["table"] == "shipments"].empty
    assert rec.lines[["order_id", "shipped_qty"]].values.tolist() == [["H1", 1.0]]
    assert rec.left_out.set_index("table").loc[["orders", "shipments"], "rows_left_out"].tolist() == [2, 0]
