"""A hand-built book for the company rules (docs/company-rules.md): each of the eight documented examples
matches known rows, the credit limit one customer. Cells are where the tests say: row 1 holds the headers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import write_book

D = dt.date
AS_OF = "2026-11-27"

ORDER_HEADERS = ("Order ID", "Line", "Order Date", "Customer", "SKU", "Qty", "Unit Price", "Discount",
                 "Promised Date", "Status", "Priority", "Carrier", "Currency", "Ship Date")
# Row 2 onwards. Values: O-101 6,500 EUR, O-102 10,800, O-107 4,000 (C-ACME in November: 10,500 in two orders).
ORDERS = (
    ("O-101", 1, D(2026, 11, 20), "C-ACME", "SKU-A", 600, 10, 0, D(2026, 12, 15), "open", 2, "DHL", "EUR", None),
    ("O-101", 2, D(2026, 11, 20), "C-ACME", "SKU-B", 20, 25, 0, D(2026, 12, 15), "open", 2, "DHL", "EUR", None),
    ("O-102", 1, D(2026, 11, 21), "C-BOLT", "SKU-A", 400, 12, 0, D(2026, 12, 20), "open", 3, "UPS", "EUR", None),
    ("O-102", 2, D(2026, 11, 21), "C-BOLT", "SKU-C", 100, 60, 0, D(2026, 12, 20), "open", 3, "UPS", "EUR", None),
    ("O-103", 1, D(2026, 11, 22), "C-CRUX", "SKU-B", 5, 20, 0, D(2026, 12, 5), "open", 1, None, "EUR", None),
    ("O-104", 1, D(2026, 11, 23), "C-DELTA", "SKU-C", 10, 30, 0, D(2026, 12, 31), "open", 2, "DHL", "EUR", None),
    ("O-105", 1, D(2026, 11, 24), "C-DELTA", "SKU-B", 8, 25, 0.35, D(2026, 12, 31), "open", 2, "DHL", "EUR", None),
    ("O-106", 1, D(2026, 11, 24), "C-EAST", "SKU-B", 3, 25, 0, D(2026, 11, 28), "open", 2, "UPS", "EUR", None),
    ("O-107", 1, D(2026, 11, 25), "C-ACME", "SKU-D", 100, 40, 0, D(2026, 12, 20), "open", 3, "DHL", "EUR", None),
    ("O-080", 1, D(2026, 10, 1), "C-EAST", "SKU-D", 15, 40, 0, D(2026, 10, 10), "closed", 2, "UPS", "EUR",
     D(2026, 10, 4)),
    ("O-090", 1, D(2026, 10, 5), "C-BOLT", "SKU-D", 50, 40, 0, D(2026, 10, 20), "closed", 3, "UPS", "EUR",
     D(2026, 10, 9)),
)
INVENTORY = (
    ("SKU", "Description", "On Hand", "Unit Cost", "Supplier", "Lead Time Days"),
    ("SKU-A", "Anchor bolt", 1000, 6, "SUP-1", 7),
    ("SKU-B", "Bracket", 100, 15, "SUP-1", 10),
    ("SKU-C", "Coupling", 500, 40, "SUP-2", 21),
    ("SKU-D", "Damper", 300, 22, "SUP-2", None),   # no lead time of its own: its supplier's 30 days
)
SUPPLIERS = (
    ("Supplier ID", "Name", "Lead Time Days"),
    ("SUP-1", "Nordic Parts", 12),
    ("SUP-2", "Delta Metals", 30),
)
CUSTOMERS = (
    ("Customer ID", "Name", "Credit Limit"),
    ("C-ACME", "Acme Builders", 50000),
    ("C-BOLT", "Bolt & Co", None),
    ("C-CRUX", "Crux Marine", None),
    ("C-DELTA", "Delta Works", 1000),
    ("C-EAST", "East Yard", 500),       # open O-106 75 + unpaid INV-80 600 = 675: 175 over
)
INVOICES = (
    ("Invoice ID", "Order ID", "Line", "SKU", "Qty", "Amount", "Invoice Date", "Due Date", "Currency"),
    ("INV-80", "O-080", 1, "SKU-D", 15, 600, D(2026, 10, 5), D(2026, 11, 4), "EUR"),
    ("INV-90", "O-090", 1, "SKU-D", 50, 2000, D(2026, 10, 10), D(2026, 11, 9), "EUR"),
)
PAYMENTS = (
    ("Payment ID", "Invoice ID", "Amount", "Paid Date"),
    ("PAY-1", "INV-90", 2000, D(2026, 11, 1)),
)

# The eight examples of docs/company-rules.md, as a configuration (the same text as the TOML there).
EXAMPLES = [
    {"code": "max-units", "table": "orders", "when": "qty > 500", "hold": True,
     "message": "Line {line} of {order_id}: {qty} units of {sku}, more than 500 in one line"},
    {"code": "needs-approval", "table": "order_totals", "when": "value > 10000", "hold": True,
     "message": "Order {order_id} is worth {value} {currency}: a manager approves orders above 10,000"},
    {"code": "customer-on-hold", "table": "customers", "when": "customer_id in ['C-CRUX']", "hold": True,
     "message": "{name} is on hold until accounts clear it"},
    {"code": "below-cost", "table": "orders", "severity": "error",
     "when": "unit_price * (1 - discount) < unit_cost or (discount is blank and unit_price < unit_cost)",
     "message": "{sku} sold at {unit_price} (discount {discount}), below its cost of {unit_cost}"},
    {"code": "promise-before-lead-time", "table": "orders",
     "when": "open_qty > 0 and promised_date < order_date + lead_time_days",
     "message": "Promised {promised_date}, but {supplier_id} needs {lead_time_days} days from the order date"},
    {"code": "monthly-limit", "table": "customer_months", "when": "value > 10000", "severity": "info",
     "message": "{customer_id} ordered {value} {currency} in {month} (orders: {orders}): above the monthly "
                "limit of 10,000"},
    {"code": "rush-without-carrier", "table": "orders", "severity": "error",
     "when": "priority = 1 and carrier is blank and open_qty > 0",
     "message": "Priority-1 order {order_id} has no carrier"},
    {"code": "big-discount", "table": "orders", "when": "discount > 0.3",
     "message": "Line {line} of {order_id}: a discount of {discount} is above 30 %"},
]


def write_rules_book(path: Path, orders: tuple = ORDERS, customers: tuple = CUSTOMERS) -> Path:
    return write_book(path, {"Orders": (ORDER_HEADERS, *orders), "Inventory": INVENTORY, "Suppliers": SUPPLIERS,
                             "Customers": customers, "Invoices": INVOICES, "Payments": PAYMENTS})
