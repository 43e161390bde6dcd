"""Item master + stock lines (contract 2.3): AdventureWorks' Product.csv and ProductInventory.csv (and an .xlsx
with an item-master sheet and a stock-by-location sheet) are joined into one inventory row per SKU and location;
stock is summed per SKU for allocation and planning; findings cite the master's cell for item values and the
stock row's cell for stock; items without stock and stock without an item are reported."""

from __future__ import annotations

import pandas as pd
import pytest
import xlsxwriter

import omxl
from conftest import NORTHWIND

pytestmark = pytest.mark.core

AS_OF = "2026-03-10"
# AdventureWorks' Product (columns cut down): SKU 2's ReorderPoint is negative (E3), SKU 4's StandardCost is
# text (F5), SKU 3 has no stock rows.
PRODUCT = """ProductID,Name,ProductNumber,SafetyStockLevel,ReorderPoint,StandardCost,ListPrice,DiscontinuedDate
1,Adjustable Race,AR-5381,100,750,2.5,0,
2,Bearing Ball,BA-8327,100,-5,3.5,0,
3,BB Ball Bearing,BE-2349,80,60,1.25,0,
4,Headset Ball Bearings,BE-2908,80,60,n/a,0,
"""
# AdventureWorks' ProductInventory: SKU 1 in three locations, SKU 2 in two, SKU 4 in one, SKU 9 is in no master;
# SKU 2's second row has no quantity (E6).
PRODUCT_INVENTORY = """ProductID,LocationID,Shelf,Bin,Quantity,ModifiedDate
1,1,A,1,408,2026-01-04
1,6,B,5,324,2026-01-04
1,50,A,5,353,2026-01-04
2,1,A,2,427,2026-01-04
2,6,B,1,,2026-01-04
4,1,C,7,12,2026-01-04
9,1,C,3,10,2026-01-04
"""
ORDERS = """Order ID,Order Date,Customer,SKU,Qty
SO1,2026-03-02,C1,1,1000
SO2,2026-03-03,C2,3,4
"""


@pytest.fixture()
def adventure_works(tmp_path):
    for name, text in (("Product.csv", PRODUCT), ("ProductInventory.csv", PRODUCT_INVENTORY),
                       ("orders.csv", ORDERS)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return [tmp_path / name for name in ("orders.csv", "Product.csv", "ProductInventory.csv")]


def test_product_and_product_inventory_are_joined_per_sku_and_location(adventure_works):
    book = omxl.read_book(*adventure_works)
    layout = book.layout.set_index("source")
    assert layout.loc["Product.csv", ["table", "note"]].tolist() == [
        "inventory", "item master: joined onto the stock lines by sku"]
    assert layout.loc["ProductInventory.csv", ["table", "note"]].tolist() == [
        "inventory", "stock lines: item values joined by sku"]
    mapped = book.column_map.set_index(["source", "header"])["column"]
    assert mapped[("ProductInventory.csv", "Quantity")] == "on_hand"
    assert mapped[("Product.csv", "SafetyStockLevel")] == "safety_stock"
    assert mapped[("Product.csv", "StandardCost")] == "unit_cost"
    # Neither part lacks a column the other has: no missing-column (the master has no on_hand by design).
    assert "missing-column" not in set(book.findings["code"])
    inventory = book.inventory
    # One row per stock row, in the stock file's order, then the item without stock rows.
    assert inventory["sku"].tolist() == ["1", "1", "1", "2", "2", "4", "9", "3"]
    # Location, shelf and bin as read: LocationID is the location, Bin never is.
    assert inventory["location"].tolist() == ["1", "6", "50", "1", "6", "1", "1", "MAIN"]
    assert inventory["shelf"].fillna("").tolist() == ["A", "B", "A", "A", "B", "C", "C", ""]
    assert inventory["bin"].fillna("").tolist() == ["1", "5", "5", "2", "1", "7", "3", ""]
    assert inventory["on_hand"].fillna(-1).tolist() == [408.0, 324.0, 353.0, 427.0, -1, 12.0, 10.0, 0.0]
    # Item values fill every location row.
    assert inventory["description"].fillna("").tolist()[:3] == ["Adjustable Race"] * 3
    assert inventory["reorder_point"].tolist()[:3] == [750.0] * 3
    assert inventory["safety_stock"].tolist()[:3] == [100.0] * 3
    assert inventory["unit_cost"].tolist()[:3] == [2.5] * 3
    assert inventory["ProductNumber"].tolist()[:3] == ["AR-5381"] * 3
    # Provenance: the stock row's, and the master row the item values came from.
    assert inventory[["source", "row", "header_source", "header_row"]].iloc[2].tolist() == \
        ["ProductInventory.csv", 4, "Product.csv", 2]


def test_a_sku_in_three_locations_is_allocated_and_planned_from_its_summed_stock(adventure_works):
    book = omxl.read_book(*adventure_works)
    rec = omxl.reconcile(book, as_of=AS_OF)
    item = rec.inventory.set_index("sku").loc["1"]
    assert item["on_hand"] == 408 + 324 + 353
    assert item["allocated"] == 1000.0
    assert item["available"] == 85.0
    line = rec.lines.set_index("order_id").loc["SO1"]
    assert (line["allocated_qty"], line["backordered_qty"], line["status"]) == (1000.0, 0.0, "ready")
    plan = omxl.plan_reorders(book, as_of=AS_OF)
    lines = plan.lines[plan.lines["sku"] == "1"]
    assert len(lines) == 1   # one line per SKU, not one per location
    planned = lines.iloc[0]
    assert planned["on_hand"] == 1085.0
    assert planned["inventory_position"] == 85.0   # 1085 on hand - 1000 open
    assert planned["reorder_point"] == 750.0
    assert planned["rule"] == "reorder_point"
    assert planned["description"] == "Adjustable Race"


def test_findings_cite_the_master_for_item_values_and_the_stock_row_for_stock(adventure_works):
    book = omxl.read_book(*adventure_works)
    issues = omxl.validate(book, as_of=AS_OF)
    errors = issues[issues["severity"] == "error"]
    cited = sorted(zip(errors["code"], errors["source"], errors["sheet"], errors["row"], errors["cell"],
                       errors["column"], errors["sku"]))
    assert cited == [
        # SKU 2's reorder point fills its two location rows but lives in one cell: one finding, at the master.
        ("constraint-error", "Product.csv", "Product", 3, "E3", "ReorderPoint", "2"),
        ("foreign-key", "ProductInventory.csv", "ProductInventory", 8, "A8", "ProductID", "9"),
        ("missing-value", "ProductInventory.csv", "ProductInventory", 6, "E6", "Quantity", "2"),
        ("type-error", "Product.csv", "Product", 5, "F5", "StandardCost", pd.NA),
    ]
    negative = errors[errors["code"] == "constraint-error"].iloc[0]
    assert negative["message"] == ("'ReorderPoint' cannot be negative (found -5). Correct it, or leave it blank "
                                   "if unknown.")
    rec = omxl.reconcile(book, as_of=AS_OF)
    # Left out: SKU 2's two rows (its master cell E3 is wrong, and one has no quantity), SKU 4's row (its master
    # cell F5 is not a number) and SKU 9's row (no item).
    assert rec.left_out.set_index("table").loc["inventory", "rows_left_out"] == 4
    assert sorted(rec.inventory["sku"]) == ["1", "3"]


def test_stock_without_an_item_is_a_foreign_key_and_left_out(adventure_works):
    book = omxl.read_book(*adventure_works)
    found = book.findings[book.findings["code"] == "foreign-key"]
    assert len(found) == 1
    orphan = found.iloc[0]
    assert (orphan["source"], orphan["row"], orphan["cell"], orphan["value"], orphan["severity"]) == \
        ("ProductInventory.csv", 8, "A8", "9", "error")
    assert orphan["message"] == (
        "Stock of item 9 has no row in the item master Product.csv, so its description, cost and reorder levels "
        "are unknown. Add the item to the master or correct the item code; the stock row is left out until then.")
    pos = omxl.prepare(book, as_of=AS_OF)
    assert "9" not in set(pos.book.inventory["sku"])


def test_an_item_without_stock_rows_is_read_with_nothing_on_hand(adventure_works):
    book = omxl.read_book(*adventure_works)
    found = book.findings[book.findings["code"] == "item-without-stock"]
    assert len(found) == 1
    alone = found.iloc[0]
    assert (alone["severity"], alone["stage"], alone["source"], alone["row"], alone["cell"], alone["sku"]) == \
        ("info", "read", "Product.csv", 4, "A4", "3")
    assert alone["message"] == ("Item 3 of the item master has no stock rows in ProductInventory.csv: it is read as "
                                "0 on hand at MAIN. Add its stock rows if it has stock.")
    row = book.inventory.set_index("sku").loc["3"]
    assert (row["on_hand"], row["location"], row["reorder_point"], row["source"], row["row"]) == \
        (0.0, "MAIN", 60.0, "Product.csv", 4)
    rec = omxl.reconcile(book, as_of=AS_OF)
    assert rec.inventory.set_index("sku").loc["3", "on_hand"] == 0.0
    assert rec.lines.set_index("order_id").loc["SO2", "backordered_qty"] == 4.0


def _two_sheet_workbook(path):
    """An .xlsx with an item master sheet, a stock-by-location sheet (Qty beside Warehouse) and orders."""
    book = xlsxwriter.Workbook(str(path))
    sheets = {
        "Item Master": [["Item Code", "Description", "Unit Cost", "Reorder Point", "Units On Order"],
                        ["W-1", "Widget", 4.0, 30, 25], ["W-2", "Gadget", -1.0, 10, 0]],
        "Stock By Location": [["Item Code", "Warehouse", "Shelf", "Bin", "Qty"],
                              ["W-1", "North", "S1", "B7", 20], ["W-1", "South", "S4", "B2", 15],
                              ["W-2", "North", "S2", "B1", 5]],
        "Orders": [["Order ID", "Order Date", "Customer", "SKU", "Qty"], ["SO1", "2026-03-02", "C1", "W-1", 30]],
    }
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, values in enumerate(rows):
            sheet.write_row(r, 0, values)
    book.close()


def test_an_xlsx_with_an_item_master_sheet_and_a_stock_sheet(tmp_path):
    path = tmp_path / "warehouse.xlsx"
    _two_sheet_workbook(path)
    book = omxl.read_book(path)
    inventory = book.inventory
    assert list(zip(inventory["sku"], inventory["location"], inventory["shelf"], inventory["bin"],
                    inventory["on_hand"])) == [("W-1", "North", "S1", "B7", 20.0), ("W-1", "South", "S4", "B2", 15.0),
                                               ("W-2", "North", "S2", "B1", 5.0)]
    assert inventory["header_sheet"].tolist() == ["Item Master"] * 3
    # The item's units on order are the item's, not each location's: filled into its first row only.
    assert inventory["on_order"].fillna(-1).tolist() == [25.0, -1, 0.0]
    issues = omxl.validate(book, as_of=AS_OF)
    cost = issues[issues["code"] == "constraint-error"]
    assert list(zip(cost["sheet"], cost["cell"], cost["column"], cost["value"])) == [
        ("Item Master", "C3", "Unit Cost", "-1")]
    rec = omxl.reconcile(book, as_of=AS_OF)
    item = rec.inventory.set_index("sku").loc["W-1"]
    assert (item["on_hand"], item["allocated"], item["on_order"]) == (35.0, 30.0, 25.0)
    assert rec.left_out.set_index("table").loc["inventory", "rows_left_out"] == 1   # W-2: its cost cell is wrong
    plan = omxl.plan_reorders(book, as_of=AS_OF)
    planned = plan.lines[plan.lines["sku"] == "W-1"]
    assert len(planned) == 1
    # IP = 35 on hand (both locations) + 25 on order (counted once) - 30 open = 30, at the reorder point.
    assert (planned["on_hand"].item(), planned["on_order"].item(), planned["inventory_position"].item()) == \
        (35.0, 25.0, 30.0)


def test_quantity_means_on_hand_only_beside_a_location(tmp_path):
    files = {
        # Order-details export: an order id, a product id and a quantity. Order lines, not stock.
        "export_1.csv": "Order ID,Product ID,Quantity\nSO1,W-1,3\n",
        # An order line that says which warehouse ships it is still an order line: it has an order number.
        "export_2.csv": "Order ID,Product ID,Quantity,Warehouse\nSO2,W-1,4,North\n",
        "export_3.csv": "Order ID,Customer,Order Date\nSO1,C1,2026-03-02\nSO2,C1,2026-03-02\n",
        # Stock by location under a name no alias knows: found by its header row, Quantity is on hand.
        "export_4.csv": "ProductID,LocationID,Bin,Quantity\nW-1,7,B3,11\n",
        # Without a location, shelf or bin a Quantity column is no stock.
        "export_5.csv": "SKU,Quantity\nW-1,5\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    book = omxl.read_book(*(tmp_path / name for name in files))
    layout = book.layout.set_index("source")
    assert layout["table"].fillna("").to_dict() == {
        "export_1.csv": "orders", "export_2.csv": "orders", "export_3.csv": "orders", "export_4.csv": "inventory",
        "export_5.csv": ""}
    assert book.orders["qty"].tolist() == [3.0, 4.0]
    assert list(zip(book.inventory["sku"], book.inventory["location"], book.inventory["bin"],
                    book.inventory["on_hand"])) == [("W-1", "7", "B3", 11.0)]
    mapped = book.column_map.set_index(["source", "header"])["column"]
    assert mapped[("export_4.csv", "Quantity")] == "on_hand"
    assert mapped[("export_1.csv", "Quantity")] == "qty"


def test_a_stock_file_alone_is_read_as_before_without_a_join(tmp_path):
    (tmp_path / "orders.csv").write_text(ORDERS, encoding="utf-8")
    (tmp_path / "ProductInventory.csv").write_text(PRODUCT_INVENTORY, encoding="utf-8")
    book = omxl.read_book(tmp_path / "orders.csv", tmp_path / "ProductInventory.csv")
    assert "header_row" not in book.inventory
    assert book.layout.set_index("source").loc["ProductInventory.csv", "note"] == ""
    assert book.inventory["on_hand"].sum() == 408 + 324 + 353 + 427 + 12 + 10
    assert "foreign-key" not in set(book.findings["code"])


def test_northwind_products_alone_is_one_inventory_table_as_before():
    book = omxl.read_book(NORTHWIND / "orders.csv", NORTHWIND / "order-details.csv", NORTHWIND / "products.csv")
    inventory = book.inventory
    assert len(inventory) == 77
    assert "header_row" not in inventory
    assert set(inventory["location"]) == {"MAIN"}
    assert book.layout.set_index("source").loc["products.csv", ["table", "note"]].tolist() == ["inventory", ""]
    assert not book.findings["code"].isin(["item-without-stock", "missing-column"]).any()


def test_the_same_item_twice_in_the_master_or_at_one_location_is_a_duplicate_key(tmp_path):
    (tmp_path / "orders.csv").write_text(ORDERS, encoding="utf-8")
    (tmp_path / "Item Master.csv").write_text("SKU,Description,Reorder Point\nA,Anvil,5\nB,Bolt,7\nA,Anvil again,9\n",
                                              encoding="utf-8")
    (tmp_path / "Stock Lines.csv").write_text("SKU,Location,On Hand\nA,North,3\nB,North,4\nB,North,6\n",
                                              encoding="utf-8")
    book = omxl.read_book(*(tmp_path / n for n in ("orders.csv", "Item Master.csv", "Stock Lines.csv")))
    issues = omxl.validate(book, as_of=AS_OF)
    repeats = issues[issues["code"] == "duplicate-key"]
    assert list(zip(repeats["source"], repeats["cell"], repeats["message"])) == [
        ("Item Master.csv", "A4", "Item A appears more than once in the item master (first on row 2); its stock "
                                  "rows take the first one. Delete the repeated row."),
        ("Stock Lines.csv", "A4", "Item B at location North appears more than once (first on row 3). Merge the "
                                  "rows."),
    ]
    # A's stock takes the first master row.
    assert book.inventory.set_index("sku").loc["A", ["description", "reorder_point"]].tolist() == ["Anvil", 5.0]
