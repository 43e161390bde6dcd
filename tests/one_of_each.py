"""The validation fixture: a workbook with exactly one defect of each finding code, and its fixed twin.

    python tests/one_of_each.py      # rewrites tests/fixtures/one-of-each*.xlsx

EXPECTED lists (code, sheet, cell) of every finding the defective workbook must give, as-of 2026-11-27.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

FIXTURES = Path(__file__).resolve().parent / "fixtures"
AS_OF = "2026-11-27"
NA = object()  # an =NA() error cell
BLANK_ROW = object()

EXPECTED = [
    ("missing-table", "", ""),                       # no suppliers sheet
    ("missing-column", "Shipments", ""),             # shipments without a ship date column
    ("duplicate-column", "Orders", "K1"),            # "Quantity" beside "Qty"
    ("unknown-column", "Orders", "J1"),              # "Notes"
    ("type-error", "Orders", "F4"),                  # qty "five"
    ("ambiguous-date", "Orders", "C5"),              # "03/04/2026"
    ("error-cell", "Orders", "G6"),                  # =NA()
    ("constraint-error", "Orders", "F7"),            # qty -3
    ("duplicate-key", "Orders", "A8"),               # SO-1 line 1 again
    ("foreign-key", "Orders", "E9"),                 # item not in inventory
    ("future-date", "Orders", "C10"),                # ordered after the day of the run (OMXL_TODAY)
    ("after-as-of", "", ""),                         # that line again: after the as-of date, so left out
    ("missing-value", "Orders", "D11"),              # blank customer
    ("blank-row", "Orders", "A12"),
    ("normalized-value", "Orders", "E13"),           # item code with spaces around it
    ("outlier", "Orders", "F19"),                    # 500 where the item usually sells 2
    ("invalid-email", "Customers", "C3"),
]


def order_rows(fixed: bool) -> list:
    d = dt.date
    rows = [
        ("SO-1", 1, d(2026, 11, 2), "C-1", "SKU-1", 5, 10.0, d(2026, 11, 20), "Open", "rush"),
        ("SO-1", 2, d(2026, 11, 2), "C-1", "SKU-2", 4, 12.5, d(2026, 11, 20), "Open", None),
        ("SO-2", 1, d(2026, 11, 3), "C-2", "SKU-1", 5 if fixed else "five", 10.0, d(2026, 11, 21), "Open", None),
        ("SO-3", 1, d(2026, 3, 4) if fixed else "03/04/2026", "C-3", "SKU-2", 2, 12.5, d(2026, 11, 22), "Open", None),
        ("SO-4", 1, d(2026, 11, 5), "C-4", "SKU-2", 1, 12.5 if fixed else NA, d(2026, 11, 23), "Open", None),
        ("SO-5", 1, d(2026, 11, 6), "C-5", "SKU-1", 3 if fixed else -3, 10.0, d(2026, 11, 24), "Open", None),
        ("SO-1", 3 if fixed else 1, d(2026, 11, 2), "C-1", "SKU-1", 5, 10.0, d(2026, 11, 20), "Open", None),
        ("SO-6", 1, d(2026, 11, 7), "C-6", "SKU-2" if fixed else "SKU-404", 1, 12.5, d(2026, 11, 25), "Open", None),
        ("SO-7", 1, d(2026, 11, 8) if fixed else d(2026, 12, 15), "C-7", "SKU-1", 1, 10.0, d(2026, 12, 20), "Open",
         None),
        ("SO-8", 1, d(2026, 11, 9), "C-8" if fixed else None, "SKU-1", 1, 10.0, d(2026, 11, 26), "Open", None),
        BLANK_ROW if not fixed else None,
        ("SO-9", 1, d(2026, 11, 10), "C-9", "SKU-3" if fixed else "  SKU-3 ", 2, 8.0, d(2026, 11, 27), "Open", None),
    ]
    rows += [(f"SO-{10 + i}", 1, d(2026, 11, 11 + i), "C-9", "SKU-3", 2, 8.0, d(2026, 11, 27), "Closed", None)
             for i in range(5)]
    rows.append(("SO-15", 1, d(2026, 11, 16), "C-9", "SKU-3", 2 if fixed else 500, 8.0, d(2026, 11, 30), "Open",
                 None))
    return [r for r in rows if r is not None]


def build(path: Path, fixed: bool) -> Path:
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    book.set_properties({"created": dt.datetime(2026, 11, 27)})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    orders = book.add_worksheet("Orders")
    headers = ["Order #", "Line", "Order Date", "Customer", "SKU", "Qty", "Unit Price", "Promised Date", "Status",
               "Notes"] + ([] if fixed else ["Quantity"])
    orders.write_row(0, 0, headers)
    for r, row in enumerate(order_rows(fixed), start=1):
        if row is BLANK_ROW:
            continue
        for c, value in enumerate(row):
            if value is None:
                continue
            if value is NA:
                orders.write_formula(r, c, "=NA()", None, "#N/A")
            elif isinstance(value, dt.date):
                orders.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date_format)
            elif isinstance(value, str):
                orders.write_string(r, c, value)
            else:
                orders.write_number(r, c, value)
        if not fixed:
            quantity = row[5]
            if isinstance(quantity, (int, float)):
                orders.write_number(r, 10, quantity)
    inventory = book.add_worksheet("Inventory")
    inventory.write_row(0, 0, ["SKU", "Description", "On Hand", "Unit Cost"])
    for r, row in enumerate([("SKU-1", "Widget", 20, 4.0), ("SKU-2", "Gadget", 5, 6.0), ("SKU-3", "Sprocket", 50, 3.0)],
                            start=1):
        inventory.write_row(r, 0, row)
    customers = book.add_worksheet("Customers")
    customers.write_row(0, 0, ["Customer ID", "Name", "Email"])
    for n in range(1, 10):
        email = "bob at example.com" if n == 2 and not fixed else f"buyer{n}@example.com"
        customers.write_row(n, 0, [f"C-{n}", f"Customer {n}", email])
    shipments = book.add_worksheet("Shipments")
    shipments.write_row(0, 0, ["Order #", "Line", "SKU", "Qty"] + (["Ship Date"] if fixed else []))
    shipments.write_row(1, 0, ["SO-1", 1, "SKU-1", 5])
    if fixed:
        shipments.write_datetime(1, 4, dt.datetime(2026, 11, 4), date_format)
        suppliers = book.add_worksheet("Suppliers")
        suppliers.write_row(0, 0, ["Supplier ID", "Name"])
        suppliers.write_row(1, 0, ["SUP-1", "Acme Parts"])
    book.close()
    return path


def main() -> None:
    FIXTURES.mkdir(exist_ok=True)
    build(FIXTURES / "one-of-each.xlsx", fixed=False)
    build(FIXTURES / "one-of-each-fixed.xlsx", fixed=True)


if __name__ == "__main__":
    main()
