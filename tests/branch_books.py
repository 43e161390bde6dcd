"""Branch workbooks for books of several units (contract 4.9, docs/scale.md): north, south and west each keep
their own orders, stock, shipments, purchase orders, invoices and payments, the same suppliers and customers;
east's workbook is corrupt. Cells are where the tests say: row 1 holds the headers, data from row 2.

- north and south use the same order numbers (O-1001 ... O-1004) for different orders.
- SUP-1 is the same in all three; SUP-2 has a lead time of 20 days in north and south, 35 in west (a conflict:
  west's Suppliers row 3 is the duplicate-key); SUP-3 is west's only.
- SKU-B costs 15 in north and south, 16 in west (item master conflict: west's Inventory row 3, a warning).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import write_book

D = dt.date
AS_OF = "2026-11-27"
UNITS = ("north", "south", "west")

ORDER_HEADERS = ("Order ID", "Line", "Order Date", "Customer", "SKU", "Qty", "Unit Price", "Promised Date",
                 "Status", "Ship Date", "Shipped Qty", "Carrier")
ORDERS = {
    "north": (
        ("O-1001", 1, D(2026, 11, 2), "C-ACME", "SKU-A", 40, 10, D(2026, 11, 10), "shipped", D(2026, 11, 9), 40,
         "DHL"),
        ("O-1002", 1, D(2026, 11, 5), "C-BOLT", "SKU-B", 30, 25, D(2026, 11, 20), "open", None, None, "UPS"),
        ("O-1003", 1, D(2026, 11, 12), "C-ACME", "SKU-A", 70, 10, D(2026, 11, 25), "open", None, None, "DHL"),
        ("O-1004", 1, D(2026, 11, 20), "C-CRUX", "SKU-C", 5, 60, D(2026, 12, 4), "open", None, None, "DHL"),
    ),
    "south": (
        ("O-1001", 1, D(2026, 11, 3), "C-BOLT", "SKU-B", 12, 25, D(2026, 11, 12), "shipped", D(2026, 11, 14), 12,
         "UPS"),
        ("O-1002", 1, D(2026, 11, 9), "C-CRUX", "SKU-A", 200, 10, D(2026, 11, 18), "open", None, None, "DHL"),
        ("O-1003", 1, D(2026, 11, 16), "C-ACME", "SKU-C", 8, 60, D(2026, 12, 10), "open", None, None, "UPS"),
        ("O-1004", 1, D(2026, 11, 22), "C-BOLT", "SKU-A", 15, 10, D(2026, 12, 2), "open", None, None, "UPS"),
    ),
    "west": (
        ("W-2001", 1, D(2026, 11, 4), "C-ACME", "SKU-A", 25, 10, D(2026, 11, 15), "shipped", D(2026, 11, 13), 25,
         "DHL"),
        ("W-2002", 1, D(2026, 11, 18), "C-DUNE", "SKU-D", 9, 40, D(2026, 11, 24), "open", None, None, "UPS"),
    ),
}
INVENTORY_HEADERS = ("SKU", "Description", "On Hand", "Unit Cost", "Supplier", "Lead Time Days")
INVENTORY = {
    "north": (("SKU-A", "Anchor bolt", 50, 6, "SUP-1", 7), ("SKU-B", "Bracket", 0, 15, "SUP-2", 10),
              ("SKU-C", "Coupling", 10, 40, "SUP-2", 21)),
    "south": (("SKU-A", "Anchor bolt", 120, 6, "SUP-1", 7), ("SKU-B", "Bracket", 40, 15, "SUP-2", 10),
              ("SKU-C", "Coupling", 0, 40, "SUP-2", 21)),
    "west": (("SKU-A", "Anchor bolt", 80, 6, "SUP-1", 7), ("SKU-B", "Bracket", 5, 16, "SUP-2", 10),
             ("SKU-D", "Damper", 0, 22, "SUP-3", 14)),
}
SUPPLIER_HEADERS = ("Supplier ID", "Name", "Lead Time Days", "Email")
SUPPLIERS = {
    "north": (("SUP-1", "Nordic Parts", 12, "orders@nordic.example"),
              ("SUP-2", "Delta Metals", 20, "sales@delta.example")),
    "south": (("SUP-1", "Nordic Parts", 12, "orders@nordic.example"),
              ("SUP-2", "Delta Metals", 20, "sales@delta.example")),
    "west": (("SUP-1", "Nordic Parts", 12, "orders@nordic.example"),
             ("SUP-2", "Delta Metals", 35, "sales@delta.example"),
             ("SUP-3", "Eastern Dampers", 14, "hello@eastern.example")),
}
CUSTOMER_HEADERS = ("Customer ID", "Name", "Email")
CUSTOMERS = (("C-ACME", "Acme Builders", "buyer@acme.example"), ("C-BOLT", "Bolt & Co", "ap@bolt.example"),
             ("C-CRUX", "Crux Marine", "orders@crux.example"), ("C-DUNE", "Dune Yard", "yard@dune.example"))
PO_HEADERS = ("PO ID", "Supplier", "SKU", "Qty", "Order Date", "Expected Date", "Status")
PURCHASE_ORDERS = {
    "north": (("PO-1", "SUP-2", "SKU-B", 60, D(2026, 11, 10), D(2026, 12, 1), "open"),),
    "south": (("PO-1", "SUP-1", "SKU-A", 100, D(2026, 11, 12), D(2026, 11, 30), "open"),),
    "west": (),
}


def write_branch(folder: Path, unit: str) -> Path:
    """The unit's workbook, `folder/unit/orders.xlsx`."""
    (folder / unit).mkdir(parents=True, exist_ok=True)
    sheets = {
        "Orders": (ORDER_HEADERS, *ORDERS[unit]),
        "Inventory": (INVENTORY_HEADERS, *INVENTORY[unit]),
        "Suppliers": (SUPPLIER_HEADERS, *SUPPLIERS[unit]),
        "Customers": (CUSTOMER_HEADERS, *CUSTOMERS),
    }
    if PURCHASE_ORDERS[unit]:
        sheets["Purchase Orders"] = (PO_HEADERS, *PURCHASE_ORDERS[unit])
    return write_book(folder / unit / "orders.xlsx", sheets)


def write_branches(folder: Path, *, corrupt: bool = True) -> list[Path]:
    """north, south and west's workbooks, and east's corrupt one (bytes of no workbook) when `corrupt`."""
    paths = [write_branch(folder, unit) for unit in UNITS]
    if corrupt:
        (folder / "east").mkdir(parents=True, exist_ok=True)
        broken = folder / "east" / "orders.xlsx"
        broken.write_bytes(b"PK\x03\x04 this workbook was cut off while it was copied")
        paths.append(broken)
    return paths
