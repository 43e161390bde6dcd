"""Three branch workbooks that use the same order numbers (tests/test_weekly_by_unit.py): north is the weekly
tests' hand-built book (tests/weekly_book.py) with O-1001/2 left one unit short, so it is late; south is the same
business twice the size, with no purchase orders and no returns table; east is a small branch with invoices and
payments of its own, its own supplier and customer (and supplier S2 and customer K1 as the others have them), and an O-1001 too. The suppliers and customers sheets of
north and south are equal, and east's customer K1 is theirs (one merged master row each in the consolidated
book)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from conftest import write_book
from weekly_book import AS_OF, hand_book

D = pd.to_datetime
UNITS = ("east", "north", "south")
SHEETS = {"orders": "Orders", "shipments": "Shipments", "inventory": "Inventory", "suppliers": "Suppliers",
          "customers": "Customers", "purchase_orders": "Purchase Orders", "returns": "Returns",
          "invoices": "Invoices", "payments": "Payments"}
# O1 of the hand-built book is O-1001, and so on.
ORDER_NUMBERS = {f"O{n}": f"O-{1000 + n}" for n in range(1, 11)}
CUSTOMERS = pd.DataFrame({"customer_id": ["K1", "K2", "K3", "K4", "K5"],
                          "name": ["Alder Shop", "Birch & Co", "Cedar Ltd", "Dogwood", "Elm Traders"]})


def _numbered(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    for name in ("orders", "shipments", "returns"):
        if name in tables:
            tables[name] = tables[name].assign(order_id=tables[name]["order_id"].map(ORDER_NUMBERS))
    return tables


def north() -> dict[str, pd.DataFrame]:
    tables = hand_book()
    tables["orders"].loc[1, "qty"] = 6.0   # O-1001/2 shipped 5 of 6, promised 03-12: late
    return _numbered({**tables, "customers": CUSTOMERS})


def south() -> dict[str, pd.DataFrame]:
    tables = hand_book()
    tables["orders"]["qty"] = tables["orders"]["qty"] * 2
    del tables["purchase_orders"], tables["returns"]
    return _numbered({**tables, "customers": CUSTOMERS})


def east() -> dict[str, pd.DataFrame]:
    orders = pd.DataFrame({
        "order_id": ["O-1001", "O-1001", "O-2001"], "line": [1, 2, 1],
        "order_date": D(["2026-03-02", "2026-03-02", "2026-03-10"]), "customer_id": ["K1", "K1", "K9"],
        "sku": ["E-1", "E-2", "E-1"], "qty": [4.0, 2.0, 3.0], "unit_price": [50.0, 20.0, 50.0],
        "promised_date": D(["2026-03-09", "2026-03-12", "2026-03-20"]), "currency": ["USD"] * 3})
    shipments = pd.DataFrame({"shipment_id": ["X1", "X2"], "order_id": ["O-1001", "O-1001"], "line": [1, 2],
                              "sku": ["E-1", "E-2"], "qty": [4.0, 1.0], "ship_date": D(["2026-03-09", "2026-03-11"]),
                              "carrier": ["UPS", "UPS"]})
    inventory = pd.DataFrame({"sku": ["E-1", "E-2"], "location": ["EAST", "EAST"], "on_hand": [2.0, 0.0],
                              "unit_cost": [30.0, 12.0], "supplier_id": ["S3", "S3"], "reorder_point": [3.0, 2.0],
                              "reorder_qty": [10.0, 10.0]})
    # S2 as north and south have it (its e-mail address is wrong there too); S3 east's own.
    suppliers = pd.concat([hand_book()["suppliers"].iloc[1:], pd.DataFrame(
        {"supplier_id": ["S3"], "name": ["Eastern Supply"], "email": ["orders@eastern.example"], "currency": ["USD"]})])
    purchase_orders = pd.DataFrame({"po_id": ["P1"], "supplier_id": ["S3"], "sku": ["E-2"], "qty": [10.0],
                                    "order_date": D(["2026-03-01"]), "expected_date": D(["2026-03-10"])})
    invoices = pd.DataFrame({"invoice_id": ["I1", "I2"], "order_id": ["O-1001", "O-1001"], "line": [1, 2],
                             "amount": [200.0, 20.0], "invoice_date": D(["2026-03-09", "2026-03-11"]),
                             "due_date": D(["2026-03-23", "2026-03-25"]), "currency": ["USD", "USD"]})
    payments = pd.DataFrame({"payment_id": ["Y1"], "invoice_id": ["I1"], "amount": [150.0],
                             "paid_date": D(["2026-03-12"])})
    customers = pd.concat([CUSTOMERS.iloc[:1], pd.DataFrame({"customer_id": ["K9"], "name": ["Ivy Stores"]})])
    return {"orders": orders, "shipments": shipments, "inventory": inventory, "suppliers": suppliers,
            "customers": customers, "purchase_orders": purchase_orders, "invoices": invoices, "payments": payments}


BRANCHES = {"east": east, "north": north, "south": south}


def _rows(frame: pd.DataFrame) -> tuple[tuple, ...]:
    """The header, then each row: dates as date cells, blanks as empty cells."""
    values = frame.astype(object).where(frame.notna(), None)
    body = [tuple(v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in row)
            for row in values.itertuples(index=False)]
    return (tuple(frame.columns), *body)


def write_branches(folder: Path) -> dict[str, Path]:
    """folder/<unit>/orders.xlsx for each unit (the same file name in every folder, as branches send them)."""
    paths = {}
    for unit, tables in BRANCHES.items():
        (folder / unit).mkdir(parents=True, exist_ok=True)
        paths[unit] = write_book(folder / unit / "orders.xlsx",
                                 {SHEETS[name]: _rows(frame) for name, frame in tables().items()})
    return paths


__all__ = ["AS_OF", "BRANCHES", "UNITS", "write_branches"]
