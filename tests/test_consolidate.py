"""Books of several units (contract 4.9, docs/scale.md): omxl.consolidate over the branch workbooks of
tests/branch_books.py, the steps over the consolidated book, and the command line's --by-unit."""

from __future__ import annotations

import subprocess
import sys

import openpyxl
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import omxl
from branch_books import AS_OF, write_branch, write_branches
from omxl.consolidation import consolidate
from omxl.errors import ConfigError, SourceError

pytestmark = pytest.mark.core


@pytest.fixture(scope="module")
def branches(tmp_path_factory):
    folder = tmp_path_factory.mktemp("branches")
    write_branches(folder)
    return folder


@pytest.fixture(scope="module")
def book(branches):
    return consolidate(str(branches / "*" / "orders.xlsx"))


def test_every_table_has_the_unit_of_its_folder_and_keys_of_its_unit(book):
    assert list(book.orders["unit"]) == ["north"] * 4 + ["south"] * 4 + ["west"] * 2
    assert list(book.orders["order_id"][:5]) == ["north/O-1001", "north/O-1002", "north/O-1003", "north/O-1004",
                                                 "south/O-1001"]
    assert list(book.orders["sku"][:2]) == ["north/SKU-A", "north/SKU-B"]
    assert list(book.orders.columns[-4:]) == ["unit", "source", "sheet", "row"]
    assert list(book.orders["source"].unique()) == ["north/orders.xlsx", "south/orders.xlsx", "west/orders.xlsx"]
    assert list(book.inventory["location"][:3]) == ["north/MAIN", "north/MAIN", "north/MAIN"]
    assert list(book.purchase_orders["po_id"]) == ["north/PO-1", "south/PO-1"]
    assert all("unit" in frame.columns for frame in book.tables.values())
    assert book.sources == ("north/orders.xlsx", "south/orders.xlsx", "west/orders.xlsx")


def test_shared_tables_merge_where_the_units_agree(book):
    suppliers = book.suppliers.set_index("supplier_id")
    assert list(suppliers.index) == ["SUP-1", "SUP-2", "SUP-3"]
    # SUP-1 is the same in all three: one row, no unit; SUP-2 agrees in north and south (west's differs and is
    # left out); SUP-3 is west's only.
    assert suppliers["unit"].isna().tolist() == [True, True, False]
    assert suppliers.loc["SUP-3", "unit"] == "west"
    assert suppliers.loc["SUP-2", "lead_time_days"] == 20
    assert suppliers.loc["SUP-2", "source"] == "north/orders.xlsx"
    assert len(book.customers) == 4 and book.customers["unit"].isna().all()


def test_a_conflicting_supplier_is_a_duplicate_key_naming_both_files(book):
    found = book.findings[book.findings["code"] == "duplicate-key"]
    supplier = found[found["table"] == "suppliers"].iloc[0]
    assert (supplier["severity"], supplier["source"], supplier["sheet"], supplier["cell"]) == (
        "error", "west/orders.xlsx", "Suppliers", "A3")
    assert supplier["message"] == (
        "supplier_id SUP-2 is also in north/orders.xlsx (Suppliers row 3) with other values (lead_time_days 20 "
        "there, 35 here): the row of north/orders.xlsx is used and this one is left out. Make the suppliers rows "
        "of every unit agree, or give them different keys.")
    item = found[found["table"] == "inventory"].iloc[0]
    assert (item["severity"], item["source"], item["cell"]) == ("warning", "west/orders.xlsx", "A3")
    assert item["message"].startswith("Item SKU-B is described differently in north/orders.xlsx (Inventory row 3): "
                                      "unit_cost 15 there, 16 here.")
    assert len(found) == 2


def test_the_corrupt_workbook_is_reported_and_the_others_read(book):
    unreadable = book.findings[book.findings["code"] == "unreadable-source"]
    assert len(unreadable) == 1
    assert unreadable.iloc[0]["source"] == "east/orders.xlsx"
    assert unreadable.iloc[0]["severity"] == "error"
    assert unreadable.iloc[0]["message"].startswith("east/orders.xlsx could not be read: the file is damaged")
    assert unreadable.iloc[0]["message"].endswith("The other workbooks were read without it.")


def test_colliding_order_numbers_stay_two_orders_and_stock_stays_in_its_unit(book):
    rec = omxl.reconcile(book, as_of=AS_OF)
    lines = rec.lines.set_index("order_id")
    assert list(rec.lines.columns[:2]) == ["unit", "order_id"]
    assert lines.loc["north/O-1001", "status"] == "shipped"
    assert lines.loc["south/O-1001", "sku"] == "south/SKU-B"
    # north has 50 of SKU-A for north/O-1003 (70); south's 120 go to south/O-1002 (200), none to south/O-1004.
    assert lines.loc["north/O-1003", "allocated_qty"] == 50
    assert lines.loc["south/O-1002", "allocated_qty"] == 120
    assert lines.loc["south/O-1004", "allocated_qty"] == 0
    assert rec.orders.set_index("order_id").loc["south/O-1001", "unit"] == "south"
    assert len(rec.orders) == 10


def test_each_units_lines_are_that_branch_run_on_its_own(tmp_path, book):
    rec = omxl.reconcile(book, as_of=AS_OF)
    for unit in ("north", "south"):
        alone = omxl.reconcile(omxl.read_book(write_branch(tmp_path, unit)), as_of=AS_OF).lines
        mine = rec.lines[rec.lines["unit"] == unit].reset_index(drop=True)
        columns = ["line", "qty", "open_qty", "allocated_qty", "backordered_qty", "status", "projected_ship_date",
                   "late", "days_late"]
        assert_frame_equal(mine[columns], alone[columns])
        assert list(mine["order_id"]) == [f"{unit}/{order}" for order in alone["order_id"]]
    plan = omxl.plan_reorders(book, as_of=AS_OF)
    north = omxl.plan_reorders(omxl.read_book(tmp_path / "north" / "orders.xlsx"), as_of=AS_OF).skus
    mine = plan.skus[plan.skus["unit"] == "north"].sort_values("sku").reset_index(drop=True)
    assert list(mine["sku"]) == [f"north/{sku}" for sku in north.sort_values("sku")["sku"]]
    assert mine["reorder_point"].tolist() == north.sort_values("sku")["reorder_point"].tolist()


def test_shared_stock_pools_each_item_across_units(branches):
    book = consolidate(str(branches / "*" / "orders.xlsx"), config={"shared_stock": True})
    assert list(book.orders["sku"][:2]) == ["SKU-A", "SKU-B"]
    assert list(book.inventory["location"][:2]) == ["north/MAIN", "north/MAIN"]
    lines = omxl.reconcile(book, as_of=AS_OF).lines.set_index("order_id")
    # 250 of SKU-A in all: south/O-1002 (promised 18 Nov) takes 200, north/O-1003 (25 Nov) the other 50.
    assert lines.loc["south/O-1002", "allocated_qty"] == 200
    assert lines.loc["north/O-1003", "allocated_qty"] == 50
    assert lines.loc["south/O-1004", "allocated_qty"] == 0


def test_drafts_per_unit_and_supplier_unless_purchasing_is_shared(branches, book):
    plan = omxl.plan_reorders(book, as_of=AS_OF)
    drafts = plan.purchase_orders
    assert list(zip(drafts["unit"], drafts["supplier_id"])) == [
        ("north", "SUP-1"), ("north", "SUP-2"), ("south", "SUP-1"), ("south", "SUP-2"), ("west", "SUP-3")]
    per_line = plan.lines.groupby(["unit", "supplier_id"])["order_qty"].sum()
    assert drafts.set_index(["unit", "supplier_id"])["units"].to_dict() == per_line.to_dict()
    assert list(plan.po_lines("SUP-1", None, "south")["sku"]) == ["south/SKU-A"]
    shared = omxl.plan_reorders(consolidate(str(branches / "*" / "orders.xlsx"),
                                            config={"shared_purchasing": True}), as_of=AS_OF).purchase_orders
    assert "unit" not in shared.columns
    assert shared.set_index("supplier_id")["units"].to_dict() == drafts.groupby("supplier_id")["units"].sum().to_dict()


def test_unit_names_from_files_or_a_function(branches):
    by_file = consolidate([branches / "north" / "orders.xlsx"], unit_from="file")
    assert set(by_file.orders["unit"]) == {"orders"}
    named = consolidate(str(branches / "[ns]*" / "orders.xlsx"), unit_from=lambda path: path.parent.name.upper())
    assert list(named.orders["order_id"][[0, 4]]) == ["NORTH/O-1001", "SOUTH/O-1001"]


def test_unusable_unit_names_and_missing_files_are_said(branches):
    with pytest.raises(ConfigError, match="unit_from 'region' is not one of folder, file or a function"):
        consolidate(str(branches / "*" / "orders.xlsx"), unit_from="region")
    with pytest.raises(ConfigError, match="the unit name 'a/b' cannot be used"):
        consolidate(str(branches / "north" / "orders.xlsx"), unit_from=lambda path: "a/b")
    with pytest.raises(SourceError) as error:
        consolidate(str(branches / "*" / "stock.xlsx"))
    assert "stock.xlsx" in str(error.value)


def test_workers_give_the_same_book_as_a_serial_read(branches, book):
    parallel = consolidate(str(branches / "*" / "orders.xlsx"), workers=2)
    for name, frame in book.tables.items():
        assert_frame_equal(parallel.tables[name], frame)
    assert_frame_equal(parallel.findings, book.findings)


def test_the_command_line_reads_units_with_by_unit(tmp_path, branches):
    out = tmp_path / "status.xlsx"
    done = subprocess.run([sys.executable, "-m", "omxl", "reconcile", str(branches / "*" / "orders.xlsx"),
                           "--by-unit", "--as-of", AS_OF, "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr   # the corrupt workbook and the conflicting supplier are errors
    sheet = openpyxl.load_workbook(out)["Order Status"]
    header = [cell.value for cell in sheet[1]]
    assert header[:2] == ["Unit", "Order"]
    orders = [(row[0], row[1]) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert ("north", "north/O-1002") in orders and ("south", "south/O-1002") in orders
    refused = subprocess.run([sys.executable, "-m", "omxl", "reconcile", str(branches / "north" / "orders.xlsx"),
                              "--workers", "2"], capture_output=True, text=True)
    assert refused.returncode == 2
    assert ("--workers, --scheduler and --send-bytes read each workbook as a unit: add --by-unit (units named by "
            "their folders) or --unit-from folder|file.") in refused.stderr


def test_a_book_without_units_is_as_before(branches):
    plain = omxl.read_book(branches / "north" / "orders.xlsx")
    assert "unit" not in plain.orders.columns
    rec = omxl.reconcile(plain, as_of=AS_OF)
    assert "unit" not in rec.lines.columns and "unit" not in rec.orders.columns
    assert pd.api.types.is_string_dtype(rec.lines["order_id"])


def test_messages_name_each_line_with_its_unit(book):
    messages = omxl.notify(book, as_of=AS_OF)
    bolt = next(d for d in messages.drafts if d.kind == "customer-delay" and d.recipient == "C-BOLT")
    assert bolt.subject == "Your orders north/O-1002, south/O-1004: delivery update"
    assert bolt.items.values.tolist() == [["north/O-1002/1", "late 2026-12-01"],
                                          ["south/O-1004/1", "backordered 2026-11-30"]]
    nordic = next(d for d in messages.drafts if d.kind == "supplier-po" and d.recipient == "SUP-1")
    assert [name for name, _ in nordic.attachments] == ["PO draft north SUP-1 Nordic Parts.xlsx",
                                                        "PO draft south SUP-1 Nordic Parts.xlsx"]
    assert "north/SKU-A Anchor bolt: 287 at 6.00" in nordic.text and "south/SKU-A Anchor bolt: 1,080" in nordic.text


def test_billing_and_rules_keep_the_unit(tmp_path):
    import company_rules_book as rules_book
    for unit in ("north", "south"):
        (tmp_path / unit).mkdir()
        rules_book.write_rules_book(tmp_path / unit / "orders.xlsx", rules_book.ORDERS, rules_book.CUSTOMERS)
    book = consolidate(str(tmp_path / "*" / "orders.xlsx"), config={"rules": [
        {"code": "north-big", "table": "orders", "when": 'unit == "north" and qty > 500', "hold": True}]})
    rec = omxl.reconcile(book, as_of=rules_book.AS_OF)
    assert rec.receivables[["unit", "invoice_id"]].values.tolist() == [
        ["north", "north/INV-80"], ["north", "north/INV-90"], ["south", "south/INV-80"], ["south", "south/INV-90"]]
    assert rec.to_chase[["unit", "invoice_id", "days_overdue"]].values.tolist() == [
        ["north", "north/INV-80", 23], ["south", "south/INV-80", 23]]
    assert list(rec.billing["unit"].unique()) == ["north", "south"]
    # Only north's 600 units of O-101 are held: the rule names the unit. Its finding cites the quantity's cell (the
    # unit is no cell of the sheet).
    assert rec.rule_holds[["unit", "order_id", "open_qty"]].values.tolist() == [["north", "north/O-101", 600.0]]
    found = rec.exceptions[rec.exceptions["code"] == "north-big"].iloc[0]
    assert (found["source"], found["sheet"], found["cell"], found["value"]) == ("north/orders.xlsx", "Orders", "F2",
                                                                                "600")


def test_weekly_by_unit_on_the_command_line(tmp_path, branches):
    out = tmp_path / "weekly.xlsx"
    done = subprocess.run([sys.executable, "-m", "omxl", "weekly", str(branches / "*" / "orders.xlsx"), "--by-unit",
                           "--as-of", AS_OF, "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    workbook = openpyxl.load_workbook(out)
    assert {"By Unit", "Late Lines by Unit"} <= set(workbook.sheetnames)
    late = [row[:2] for row in workbook["Late Lines by Unit"].iter_rows(values_only=True) if row[1] and "/" in str(row[1])]
    assert ("north", "north/O-1002") in late and ("south", "south/O-1002") in late
    plain = tmp_path / "plain.xlsx"
    subprocess.run([sys.executable, "-m", "omxl", "weekly", str(branches / "*" / "orders.xlsx"), "--unit-from",
                    "folder", "--as-of", AS_OF, "--out", str(plain)], capture_output=True, text=True)
    assert "By Unit" not in openpyxl.load_workbook(plain).sheetnames
