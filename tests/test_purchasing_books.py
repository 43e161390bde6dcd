"""Purchasing books (contract 2.3): purchase orders, items, stock per location and vendors, no sales orders.

Two books: one in AdventureWorks' shape written by tests/purchasing_book.py (PO header + detail with a numeric
status, Product with ReorderPoint/SafetyStockLevel/StandardCost, ProductInventory with LocationID/Shelf/Bin/
Quantity, Vendor), and the real Northwind 2007 purchase orders (tests/data/northwind2007/). Every count is
checked against the same count worked out with pandas from the CSV files themselves.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import omxl
from purchasing_book import AS_OF, write_purchasing_book

NORTHWIND_2007 = Path(__file__).parent / "data" / "northwind2007"
STATUS_WORDS = {1: "open", 2: "open", 3: "cancelled", 4: "closed"}


@pytest.fixture(scope="module")
def book_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("purchasing")
    write_purchasing_book(folder)
    return folder


@pytest.fixture(scope="module")
def book(book_dir):
    return omxl.read_book(*sorted(book_dir.glob("*.csv")))


def _po_lines(folder: Path) -> pd.DataFrame:
    """The PO lines with their header's status, as pandas reads the CSV files."""
    header = pd.read_csv(folder / "PurchaseOrderHeader.csv")
    detail = pd.read_csv(folder / "PurchaseOrderDetail.csv", parse_dates=["DueDate"])
    lines = detail.merge(header[["PurchaseOrderID", "Status", "VendorID"]], on="PurchaseOrderID")
    return lines.assign(status=lines["Status"].map(STATUS_WORDS))


def _position_per_product(folder: Path) -> pd.DataFrame:
    """On hand summed over locations (items without stock rows: 0), open PO quantity, reorder point."""
    products = pd.read_csv(folder / "Product.csv").set_index("ProductID")
    stock = pd.read_csv(folder / "ProductInventory.csv")
    on_hand = stock.groupby("ProductID")["Quantity"].sum().reindex(products.index, fill_value=0)
    lines = _po_lines(folder)
    open_lines = lines[lines["status"] == "open"]
    on_order = (open_lines["OrderQty"] - open_lines["ReceivedQty"]).clip(lower=0).groupby(
        open_lines["ProductID"]).sum().reindex(products.index, fill_value=0)
    return pd.DataFrame({"on_hand": on_hand, "on_order": on_order, "reorder_point": products["ReorderPoint"],
                         "position": on_hand + on_order})


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "omxl", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


# --- AdventureWorks' shape ---------------------------------------------------------------------------------------

def test_the_purchasing_book_reads_without_orders(book):
    read = book.tables_read().set_index("table")["rows"]
    assert read.get("orders", 0) == 0
    assert read["purchase_orders"] == 10
    assert read["suppliers"] == 4
    # 15 stock rows (one, 4242, of an item the master lacks: left out by validation) and one row for the item
    # without stock rows (999, on hand 0).
    assert len(book.inventory) == 16
    assert book.inventory.set_index("sku").loc["999", "on_hand"] == 0
    assert set(book.purchase_orders["status"]) == {"open", "cancelled", "closed"}
    assert book.orders.empty and list(book.orders.columns[:3]) == ["order_id", "line", "order_date"]


def test_overdue_po_lines_and_over_receipts_equal_pandas(book, book_dir):
    lines = _po_lines(book_dir)
    as_of = pd.Timestamp(AS_OF)
    overdue = lines[(lines["status"] == "open") & (lines["DueDate"] < as_of) & (lines["ReceivedQty"] < lines["OrderQty"])]
    over = lines[lines["ReceivedQty"] > lines["OrderQty"]]
    rec = omxl.reconcile(book, as_of=AS_OF)
    found = rec.exceptions
    assert (found["code"] == "po-overdue").sum() == len(overdue) == 3
    assert sorted(found.loc[found["code"] == "po-overdue", "sku"]) == sorted(overdue["ProductID"].astype(str)) \
        == ["324", "350", "999"]
    assert (found["code"] == "po-over-receipt").sum() == len(over) == 2
    figures = rec.figures.set_index("label")
    assert figures.loc["Overdue PO lines", "value"] == 3
    open_po = lines[(lines["status"] == "open") & (lines["ReceivedQty"] < lines["OrderQty"])]
    assert figures.loc["Open PO lines", "value"] == len(open_po) == 5
    # Order-line figures are not known in a purchasing book: blank with the reason, never 0.
    assert figures.loc["Late lines", "value"] is None
    assert figures.loc["Late lines", "note"] == "no orders table: a purchasing book, order lines not known"


def test_skus_at_or_below_their_reorder_point_equal_pandas(book, book_dir):
    expected = _position_per_product(book_dir)
    at_or_below = expected[expected["position"] <= expected["reorder_point"]]
    plan = omxl.plan_reorders(book, as_of=AS_OF)
    skus = plan.skus.set_index("sku")
    assert (skus["on_hand"].sort_index().to_numpy() == expected["on_hand"].sort_index().to_numpy()).all()
    triggered = skus[skus["inventory_position"] <= skus["reorder_point"]]
    assert sorted(triggered.index) == sorted(at_or_below.index.astype(str)) == ["317", "350", "711", "870", "999"]
    assert (skus["rule"] == "reorder_point").all()
    # Without demand, up to the reorder point: 711 sits exactly on it, so nothing is added.
    assert plan.lines.set_index("sku")["order_qty"].to_dict() == {"317": 25.0, "350": 200.0, "870": 2.0, "999": 35.0}
    assert skus.loc["350", "explanation"] == ("IP 400 = on hand 100 + on order 300 - backlog 0 <= reorder point "
                                              "600; order 200 = 600 - 400 (no demand known: no cover days added)")
    assert skus.loc["316", "on_hand"] == 734          # three locations summed
    assert plan.summary.endswith("No orders table: demand not known: 10 SKUs were planned from the reorder point "
                                 "or min/max the item carries.")
    assert np.isnan(skus.loc["316", "avg_daily_demand"])


def test_kpis_that_need_orders_are_blank_with_the_reason(book):
    report = omxl.weekly_report(book, as_of=AS_OF)
    kpis = report.kpis.set_index("kpi")
    for name in ("orders_received", "otif_line_rate", "late_lines", "backorder_lines", "days_of_supply"):
        assert pd.isna(kpis.loc[name, "value"]), name
        assert kpis.loc[name, "reason"].startswith("no orders table in the book"), name
    assert kpis.loc["overdue_po_lines", "value"] == 3
    assert kpis.loc["reorder_skus", "value"] == 4


def test_every_command_runs_on_the_purchasing_book(book_dir, tmp_path):
    files = [p.name for p in sorted(book_dir.glob("*.csv"))]
    read = _run("read", *files, cwd=book_dir)
    assert read.returncode == 1, read.stderr        # one stock row names an item the master does not have
    assert "PurchaseOrderHeader" in read.stdout and "Traceback" not in read.stderr
    validate = _run("validate", *files, "--as-of", AS_OF, cwd=book_dir)
    assert validate.returncode == 1 and "foreign-key" in validate.stdout
    reconcile = _run("reconcile", *files, "--as-of", AS_OF, cwd=book_dir)
    assert reconcile.returncode == 1
    assert "the book has no orders table (a purchasing book)" in reconcile.stdout
    assert "Open PO lines: 5" in reconcile.stdout and "Overdue: 3" in reconcile.stdout
    reorder = _run("reorder", *files, "--as-of", AS_OF, cwd=book_dir)
    assert reorder.returncode == 1 and "4 SKUs to order" in reorder.stdout
    weekly = _run("weekly", *files, "--as-of", AS_OF, "--out", str(tmp_path / "weekly.xlsx"),
                  "--history", str(tmp_path / "history.sqlite"), cwd=book_dir)
    assert weekly.returncode == 1, weekly.stderr
    assert (tmp_path / "weekly.xlsx").stat().st_size > 10_000


def test_without_values_the_status_error_gives_the_lines_that_fix_it(tmp_path):
    folder = tmp_path / "plain"
    files = write_purchasing_book(folder, config=False)
    (folder / "omxl.toml").write_text('[columns.Vendor]\nBusinessEntityID = "supplier_id"\n', encoding="utf-8")
    issues = omxl.validate(omxl.read_book(*files), as_of=AS_OF)
    status = issues[(issues["code"] == "type-error") & (issues["column"] == "Status")]
    assert status["count"].sum() == 6
    message = status["message"].iloc[0]
    assert "[values.purchase_orders.status]" in message
    suggested = message[message.index("[values.purchase_orders.status]"):]
    lines = [line for line in suggested.splitlines() if line.startswith("[") or re.match(r'^"\d+" = "', line)]
    assert lines[0] == "[values.purchase_orders.status]"
    assert sorted(line.split(" = ")[0] for line in lines[1:]) == ['"1"', '"2"', '"3"', '"4"']
    with open(folder / "omxl.toml", "a", encoding="utf-8") as settings:
        settings.write("\n" + "\n".join(lines) + "\n")
    again = omxl.validate(omxl.read_book(*files), as_of=AS_OF)
    assert not ((again["code"] == "type-error") & (again["column"] == "Status")).any()


def test_the_no_tables_error_names_what_a_book_needs(tmp_path):
    vendors = tmp_path / "Vendor.csv"
    pd.DataFrame({"Vendor ID": ["V1"], "Name": ["Litware, Inc."]}).to_csv(vendors, index=False)
    with pytest.raises(omxl.NoTablesError) as caught:
        omxl.read_book(vendors)
    assert str(caught.value).startswith("Vendor.csv: no orders, inventory or purchase orders table was found; "
                                        "found: Vendor (suppliers).")
    assert list(caught.value.column_map["column"]) == ["supplier_id", "name"]
    run = _run("read", "Vendor.csv", cwd=tmp_path)
    assert run.returncode == 2
    # The mapping is shown before the message, so the user can see what to map.
    assert "Column mapping" in run.stdout and "supplier_id" in run.stdout
    assert run.stderr.startswith("omxl: Vendor.csv: no orders, inventory or purchase orders table was found")


# --- Northwind 2007 (real, public) ---------------------------------------------------------------------------------

NORTHWIND_2007_CONFIG = """\
[columns."purchase_orders.csv"]
id = "po_id"
status_id = "status"
creation_date = "order_date"

[columns."suppliers.csv"]
id = "supplier_id"

[values.purchase_orders.status]
"0" = "open"
"1" = "open"
"2" = "open"
"3" = "closed"
"""


def test_northwind_2007_purchase_orders_read_as_a_purchasing_book(tmp_path):
    settings = tmp_path / "omxl.toml"
    settings.write_text(NORTHWIND_2007_CONFIG, encoding="utf-8")
    files = [NORTHWIND_2007 / name for name in ("purchase_orders.csv", "purchase_order_details.csv", "suppliers.csv")]
    book = omxl.read_book(*files, config=settings)
    header = pd.read_csv(NORTHWIND_2007 / "purchase_orders.csv")
    detail = pd.read_csv(NORTHWIND_2007 / "purchase_order_details.csv")
    lines = detail.merge(header[["id", "status_id"]], left_on="purchase_order_id", right_on="id")
    # Four POs name an item a second time (a re-order of what was already received): the PO key is (po_id, sku),
    # so the later line is a duplicate-key error, left out; the first is kept.
    repeated = lines[lines.duplicated(["purchase_order_id", "product_id"], keep="first")]
    kept = lines.drop(repeated.index)
    received = kept[kept["date_received"].notna()]
    still_open = kept[kept["date_received"].isna() & kept["status_id"].isin([0, 1, 2])]
    assert len(book.purchase_orders) == len(detail) == 55
    assert set(book.purchase_orders["status"]) == {"open"}          # 25 approved, 3 submitted: all open
    issues = omxl.validate(book, as_of="2006-06-30")
    errors = issues[issues["severity"] == "error"]
    assert list(errors["code"].unique()) == ["duplicate-key"]
    assert sorted(errors["row"]) == sorted(repeated.index + 2) == [45, 46, 48, 49]
    assert errors.set_index("row").loc[45, "message"] == ("PO 90 item 1 appears more than once (first on row 2). "
                                                         "Merge the lines.")
    rec = omxl.reconcile(book, as_of="2006-06-30")
    supply = rec.open_supply
    assert len(supply) == len(kept) == 51
    assert int((supply["received_qty"] >= supply["qty"]).sum()) == len(received) == 43
    assert int((supply["open_qty"] > 0).sum()) == len(still_open) == 8
    assert supply["open_qty"].sum() == still_open["quantity"].sum()
    figures = rec.figures.set_index("label")
    assert figures.loc["Open PO lines", "value"] == 8
    # No PO has an expected date, so none is overdue.
    assert figures.loc["Overdue PO lines", "value"] == 0


def test_the_reconcile_button_on_a_purchasing_book_speaks_of_its_purchase_orders(tmp_path):
    import openpyxl

    from omxl.excel.filebook import FileWorkbook
    import omxl.macros as macros

    path = tmp_path / "purchasing.xlsx"
    with pd.ExcelWriter(path) as sheets:
        pd.DataFrame({"PO": ["PO-1", "PO-1", "PO-2"], "Supplier": ["V1", "V1", "V2"], "SKU": ["A", "B", "A"],
                      "Qty": [10, 20, 5], "Expected Date": pd.to_datetime(["2026-11-01", "2026-11-01", "2026-12-20"]),
                      "Received Qty": [10, 25, 0]}).to_excel(sheets, sheet_name="Purchase Orders", index=False)
        pd.DataFrame({"SKU": ["A", "B"], "On Hand": [3, 50], "Reorder Point": [5, 10]}).to_excel(
            sheets, sheet_name="Inventory", index=False)
    workbook = openpyxl.load_workbook(path)
    control = workbook.create_sheet("omxl", 0)     # the Control sheet, as the macro workbook has it
    control["A2"], control["A3"], control["A4"] = "Action", "As of", "Status"
    control["B2"], control["B3"] = "reconcile", AS_OF
    workbook.save(path)
    book = FileWorkbook(path)
    macros.reconcile(book)
    # PO-1/A received in full, PO-1/B over-received (25 of 20: the one exception, its cell marked), PO-2/A open
    # and due after as_of.
    assert book.read_cell("omxl", "B4") == (
        "Reconciled as of 2026-11-27: no orders table (a purchasing book), so purchase orders and stock only: 1 open "
        "PO line, 0 overdue; 1 exception. 1 cell marked: red for errors, yellow for warnings, the note says why. "
        "See 'omxl Summary'.")
    assert book.alerts == []
