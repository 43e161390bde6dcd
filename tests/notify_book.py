"""The hand-built book of the notify tests (tests/test_notify.py): every message is worked out by hand on it.

As of 2026-11-27. Stock: A 5 (supplier S1, EUR), B 0 (S2, USD; PO P1 brings 30 on 2026-12-10), C 100 (S1), D 0
(S1, priced in USD). Allocation by promised date: O1/1 (8 x A, promised 11-20) gets the 5 A, 3 short with no
PO: late 7 days; O1/2 (10 x C, promised 11-25) is in stock: late 2 days; O2/1 (4 x B, promised 12-05) waits for
P1 (12-10): at risk; O4/1 (2 x B, promised 12-15) and O3/1 (6 x B, promised 12-20) wait for P1 too:
backordered, not at risk; O5/1 shipped in full on 11-26 (DHL, JD0001); O6/1 (2 x C) is ready; O7/1 (1 x C,
promised 11-26) is late for K6, who is not in the customers sheet.
Customers: K1 has an address; K2 is named `<script>alert(1)</script>`; K3's name tries to add a Bcc header; K4
has no address; K5's address is not one. Plan: A 20 (reorder point 10, IP -3), B 50 (IP 18 <= 20), D 10: S1
gets a EUR draft (A) and a USD draft (D); S2 has no e-mail address.
"""

from __future__ import annotations

import pandas as pd

AS_OF = "2026-11-27"
D = pd.to_datetime


def notify_book() -> dict[str, pd.DataFrame]:
    orders = pd.DataFrame({
        "order_id": ["O1", "O1", "O2", "O3", "O4", "O5", "O6", "O7"],
        "line": [1, 2, 1, 1, 1, 1, 1, 1],
        "order_date": D(["2026-11-02", "2026-11-02", "2026-11-10", "2026-11-12", "2026-11-13", "2026-11-01",
                         "2026-11-20", "2026-11-18"]),
        "customer_id": ["K1", "K1", "K2", "K3", "K4", "K5", "K1", "K6"],
        "sku": ["A", "C", "B", "B", "B", "C", "C", "C"],
        "qty": [8.0, 10.0, 4.0, 6.0, 2.0, 3.0, 2.0, 1.0],
        "unit_price": [5.0, 1.5, 9.0, 9.0, 9.0, 1.5, 1.5, 1.5],
        "promised_date": D(["2026-11-20", "2026-11-25", "2026-12-05", "2026-12-20", "2026-12-15", "2026-11-10",
                            "2026-12-01", "2026-11-26"]),
        "status": ["open"] * 8,
        "currency": ["EUR"] * 8,
    })
    shipments = pd.DataFrame({"shipment_id": ["SH1"], "order_id": ["O5"], "line": [1], "sku": ["C"], "qty": [3.0],
                              "ship_date": D(["2026-11-26"]), "carrier": ["DHL"], "tracking_number": ["JD0001"]})
    inventory = pd.DataFrame({
        "sku": ["A", "B", "C", "D"], "description": ["Steel bracket", "Hex bolt M8", "Cable tie", "Hinge"],
        "on_hand": [5.0, 0.0, 100.0, 0.0], "unit_cost": [2.0, 0.4, 0.1, 7.5],
        "supplier_id": ["S1", "S2", "S1", "S1"], "currency": ["EUR", "USD", "EUR", "USD"],
        "reorder_point": [10.0, 20.0, None, 5.0], "reorder_qty": [20.0, 50.0, None, 10.0],
        "min_qty": [None, None, 10.0, None], "max_qty": [None, None, 200.0, None],
    })
    suppliers = pd.DataFrame({"supplier_id": ["S1", "S2"], "name": ["Euro Parts", "Dollar Bolts"],
                              "email": ["orders@europarts.example", None], "currency": ["EUR", "USD"]})
    customers = pd.DataFrame({
        "customer_id": ["K1", "K2", "K3", "K4", "K5"],
        "name": ["Kaufhaus Nord", "<script>alert(1)</script>", "Bob\r\nBcc: x@y.example", "Corner Shop",
                 "Bad Address Ltd"],
        "email": ["einkauf@kaufhaus-nord.example", "script@example.com", "bob@example.com", None,
                  "not-an-address"],
    })
    purchase_orders = pd.DataFrame({"po_id": ["P1"], "supplier_id": ["S2"], "sku": ["B"], "qty": [30.0],
                                    "order_date": D(["2026-11-15"]), "expected_date": D(["2026-12-10"])})
    return {"orders": orders, "shipments": shipments, "inventory": inventory, "suppliers": suppliers,
            "customers": customers, "purchase_orders": purchase_orders}
