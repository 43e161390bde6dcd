"""A purchasing book in the shape of Microsoft's AdventureWorks Purchasing and Production exports, written as CSV
files the way a user gets them: PurchaseOrderHeader, PurchaseOrderDetail, Product, ProductInventory and Vendor,
with AdventureWorks' own column names, its numeric PO status (1 pending, 2 approved, 3 rejected, 4 complete) and
its date format. No sales orders: a purchasing team's book.

The rows are few and written out by hand so that every figure a test checks can be worked out from them:
overdue PO lines, over-receipts, SKUs at or below their reorder point.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

AS_OF = "2026-11-27"

# ProductID, Name, ProductNumber, SafetyStockLevel, ReorderPoint, StandardCost, ListPrice
PRODUCTS = [
    (316, "Blade", "BL-2036", 800, 600, 0.00, 0.00),
    (317, "LL Crankarm", "CA-5965", 500, 375, 0.00, 0.00),
    (324, "Chain Stays", "CS-2812", 1000, 750, 0.00, 0.00),
    (331, "Fork End", "FE-3760", 800, 600, 0.00, 0.00),
    (350, "Fork Crown", "FC-3982", 800, 600, 0.00, 0.00),
    (707, "Sport-100 Helmet, Red", "HL-U509-R", 4, 3, 13.0863, 34.99),
    (708, "Sport-100 Helmet, Black", "HL-U509", 4, 3, 13.0863, 34.99),
    (711, "Sport-100 Helmet, Blue", "HL-U509-B", 4, 3, 13.0863, 34.99),
    (870, "Water Bottle - 30 oz.", "WB-H098", 4, 3, 1.8663, 4.99),
    (999, "Road-750 Black, 52", "BK-R19B-52", 100, 75, 343.6496, 539.99),   # no stock rows: item-without-stock
]
# ProductID, LocationID, Shelf, Bin, Quantity
STOCK = [
    (316, 1, "A", 1, 324), (316, 6, "B", 5, 158), (316, 50, "A", 2, 252),       # 734 in three locations
    (317, 1, "A", 1, 200), (317, 6, "B", 2, 150),                               # 350
    (324, 1, "A", 9, 400), (324, 6, "C", 1, 285),                               # 685
    (331, 1, "A", 3, 500), (331, 6, "B", 3, 450),                               # 950
    (350, 1, "A", 4, 100),                                                      # 100
    (707, 7, "N/A", 0, 288), (708, 7, "N/A", 0, 2),
    (711, 7, "N/A", 0, 3), (870, 7, "N/A", 0, 1),
    (4242, 7, "N/A", 0, 9),                                                     # stock without an item
]
# PurchaseOrderID, Status, VendorID, OrderDate
HEADERS = [
    (1, 4, 1580, "2026-09-01"),
    (2, 1, 1496, "2026-10-20"),
    (3, 2, 1494, "2026-10-25"),
    (4, 2, 1580, "2026-11-02"),
    (5, 3, 1496, "2026-11-05"),
    (6, 2, 1492, "2026-11-10"),
]
# PurchaseOrderID, PurchaseOrderDetailID, DueDate, OrderQty, ProductID, UnitPrice, ReceivedQty, RejectedQty
DETAILS = [
    (1, 1, "2026-09-15", 550, 316, 0.16, 550, 0),        # complete
    (1, 2, "2026-09-15", 500, 317, 0.12, 560, 0),        # complete, 60 over: po-over-receipt
    (2, 3, "2026-11-01", 300, 350, 0.99, 0, 0),          # pending, due before as_of: overdue
    (2, 4, "2026-12-10", 20, 707, 12.50, 0, 0),          # pending, due after as_of
    (3, 5, "2026-11-20", 400, 324, 1.50, 150, 0),        # approved, part received, due before: overdue
    (3, 6, "2026-11-20", 60, 870, 1.80, 60, 0),          # approved, received in full: not overdue
    (4, 7, "2026-12-01", 50, 708, 12.80, 0, 0),          # approved, due after as_of
    (4, 8, "2026-11-25", 10, 711, 12.80, 12, 0),         # approved, 2 over: po-over-receipt
    (5, 9, "2026-11-10", 900, 331, 0.75, 0, 0),          # rejected: cancelled, never overdue
    (6, 10, "2026-11-26", 40, 999, 330.00, 0, 0),        # approved, due the day before as_of: overdue
]
# BusinessEntityID, AccountNumber, Name, CreditRating, PreferredVendorStatus, ActiveFlag
VENDORS = [
    (1492, "AUSTRALI0001", "Australia Bike Retailer", 1, 1, 1),
    (1494, "ALLENSON0001", "Allenson Cycles", 2, 1, 1),
    (1496, "ADVANCED0001", "Advanced Bicycles", 1, 1, 1),
    (1580, "LITWARE0001", "Litware, Inc.", 1, 1, 1),
]

# The settings a user adds for this export: the vendor number's header, and what the PO status codes mean.
CONFIG = """\
[columns.Vendor]
BusinessEntityID = "supplier_id"

[values.purchase_orders.status]
"1" = "open"
"2" = "open"
"3" = "cancelled"
"4" = "closed"
"""


def _stamp(day: str) -> str:
    return f"{day} 00:00:00.000"     # AdventureWorks' datetime text


def write_purchasing_book(folder: Path, *, config: bool = True) -> list[Path]:
    """The five CSV files (and omxl.toml beside them when `config`); the paths in reading order."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = {
        "PurchaseOrderHeader": pd.DataFrame(
            [(po, 0, status, 250, vendor, 3, _stamp(day), _stamp(day), 100.0, 8.0, 2.5, 110.5, _stamp(day))
             for po, status, vendor, day in HEADERS],
            columns=["PurchaseOrderID", "RevisionNumber", "Status", "EmployeeID", "VendorID", "ShipMethodID",
                     "OrderDate", "ShipDate", "SubTotal", "TaxAmt", "Freight", "TotalDue", "ModifiedDate"]),
        "PurchaseOrderDetail": pd.DataFrame(
            [(po, detail, _stamp(due), qty, product, price, round(qty * price, 4), received, rejected,
              received - rejected, _stamp(due)) for po, detail, due, qty, product, price, received, rejected in DETAILS],
            columns=["PurchaseOrderID", "PurchaseOrderDetailID", "DueDate", "OrderQty", "ProductID", "UnitPrice",
                     "LineTotal", "ReceivedQty", "RejectedQty", "StockedQty", "ModifiedDate"]),
        "Product": pd.DataFrame(
            [(pid, name, number, 0, 0, safety, reorder, cost, price, 0, _stamp("2026-01-01"), "")
             for pid, name, number, safety, reorder, cost, price in PRODUCTS],
            columns=["ProductID", "Name", "ProductNumber", "MakeFlag", "FinishedGoodsFlag", "SafetyStockLevel",
                     "ReorderPoint", "StandardCost", "ListPrice", "DaysToManufacture", "SellStartDate",
                     "DiscontinuedDate"]),
        "ProductInventory": pd.DataFrame(
            [(pid, location, shelf, bin_, qty, _stamp("2026-11-20")) for pid, location, shelf, bin_, qty in STOCK],
            columns=["ProductID", "LocationID", "Shelf", "Bin", "Quantity", "ModifiedDate"]),
        "Vendor": pd.DataFrame(VENDORS, columns=["BusinessEntityID", "AccountNumber", "Name", "CreditRating",
                                                 "PreferredVendorStatus", "ActiveFlag"]),
    }
    paths = []
    for name, frame in frames.items():
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    if config:
        (folder / "omxl.toml").write_text(CONFIG, encoding="utf-8")
    return paths
