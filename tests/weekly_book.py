"""The hand-built book of the weekly report tests (tests/test_kpis.py, tests/test_history.py): every KPI of
contract 4.4 is worked out by hand on it, and `next_week_book` is the same business a week later."""

from __future__ import annotations

import pandas as pd

AS_OF = "2026-03-15"  # period: 2026-03-09 .. 2026-03-15
NEXT_WEEK = "2026-03-22"
D = pd.to_datetime


def hand_book() -> dict[str, pd.DataFrame]:
    """Eleven order lines. O4/1 is cancelled; O9/1 has qty -1 (an error: left out). O1/1 ships 6 on 03-08 (before
    the period) and 4 on 03-10 (promised 03-10); O1/2 ships late; O2/1 ships 3 of 8 and is late; O3/1 and O5/1
    are for B, which has no stock, covered by PO P1 (due 03-25); O6/1 (promised 03-01) ships 03-09; O7/1 has no
    promised date; O8/1 ships on its promised day. Supplier S2 (B) sells in USD; O2/1 is priced in USD."""
    orders = pd.DataFrame({
        "order_id": ["O1", "O1", "O2", "O3", "O3", "O4", "O5", "O6", "O7", "O8", "O9"],
        "line": [1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1],
        "order_date": D(["2026-03-01", "2026-03-01", "2026-03-02", "2026-03-10", "2026-03-10", "2026-03-12",
                         "2026-03-09", "2026-02-20", "2026-03-14", "2026-03-05", "2026-03-11"]),
        "customer_id": ["K1", "K1", "K2", "K3", "K3", "K1", "K2", "K4", "K4", "K5", "K5"],
        "sku": ["A", "C", "A", "B", "C", "A", "B", "C", "C", "C", "C"],
        "qty": [10.0, 5.0, 8.0, 4.0, 2.0, 3.0, 6.0, 7.0, 1.0, 2.0, -1.0],
        "unit_price": [3.0, 2.0, 4.0, 10.0, 2.0, 3.0, 10.0, 1.0, 2.0, 2.0, 2.0],
        "discount": [None, None, 0.25, None, None, None, None, None, None, None, None],
        "promised_date": D(["2026-03-10", "2026-03-12", "2026-03-11", "2026-03-20", "2026-03-25", "2026-03-14",
                            "2026-03-14", "2026-03-01", None, "2026-03-13", "2026-03-13"]),
        "status": ["open", "open", "open", "open", "open", "cancelled", "open", "open", "open", "open", "open"],
        "carrier": ["DHL", "DHL", "DHL", None, None, None, "UPS", "DHL", None, "DHL", None],
        "currency": ["EUR", "EUR", "USD", "EUR", "EUR", "EUR", "EUR", "EUR", "EUR", "EUR", "EUR"],
    })
    shipments = pd.DataFrame({
        "shipment_id": ["S1", "S2", "S3", "S4", "S5", "S6"],
        "order_id": ["O1", "O1", "O1", "O2", "O6", "O8"], "line": [1, 1, 2, 1, 1, 1],
        "sku": ["A", "A", "C", "A", "C", "C"], "qty": [6.0, 4.0, 5.0, 3.0, 7.0, 2.0],
        "ship_date": D(["2026-03-08", "2026-03-10", "2026-03-13", "2026-03-11", "2026-03-09", "2026-03-13"]),
        "carrier": ["DHL"] * 6,
    })
    inventory = pd.DataFrame({
        "sku": ["A", "B", "C", "C"], "location": ["MAIN", "MAIN", "MAIN", "WEST"],
        "on_hand": [10.0, 0.0, 60.0, 40.0], "unit_cost": [2.0, 5.0, 1.0, 1.0],
        "supplier_id": ["S1", "S2", "S1", "S1"],
        "reorder_point": [2.0, 5.0, 10.0, 10.0], "reorder_qty": [10.0, 20.0, 50.0, 50.0],
    })
    suppliers = pd.DataFrame({"supplier_id": ["S1", "S2"], "name": ["Euro Parts", "Dollar Bolts"],
                              "email": ["orders@europarts.example", "not an address"], "currency": ["EUR", "USD"]})
    purchase_orders = pd.DataFrame({"po_id": ["P1"], "supplier_id": ["S2"], "sku": ["B"], "qty": [10.0],
                                    "order_date": D(["2026-03-10"]), "expected_date": D(["2026-03-25"])})
    returns = pd.DataFrame({"rma_id": ["R1", "R2"], "order_id": ["O6", "O1"], "line": [1, 1], "sku": ["C", "A"],
                            "qty": [2.0, 1.0], "received_date": D(["2026-03-12", "2026-03-05"]),
                            "condition": ["resellable", "resellable"], "resolution": ["refund", "refund"]})
    return {"orders": orders, "shipments": shipments, "inventory": inventory, "suppliers": suppliers,
            "purchase_orders": purchase_orders, "returns": returns}


def next_week_book() -> dict[str, pd.DataFrame]:
    """A week later: O2/1's last 5 shipped on 03-17 (A's stock counted down to 5); PO P1 now expected 03-28
    instead of 03-25; a new order O10/1 for 12 x A, promised 03-18, is late and 7 short. O3/1 (promised 03-20)
    is now late too."""
    book = hand_book()
    new = pd.DataFrame({"order_id": ["O10"], "line": [1], "order_date": D(["2026-03-16"]), "customer_id": ["K6"],
                        "sku": ["A"], "qty": [12.0], "unit_price": [3.0], "discount": [float("nan")],
                        "promised_date": D(["2026-03-18"]), "status": ["open"], "carrier": ["DHL"],
                        "currency": ["EUR"]})
    book["orders"] = pd.concat([book["orders"], new], ignore_index=True)
    shipment = pd.DataFrame({"shipment_id": ["S7"], "order_id": ["O2"], "line": [1], "sku": ["A"], "qty": [5.0],
                             "ship_date": D(["2026-03-17"]), "carrier": ["DHL"]})
    book["shipments"] = pd.concat([book["shipments"], shipment], ignore_index=True)
    book["inventory"].loc[book["inventory"]["sku"] == "A", "on_hand"] = 5.0
    book["purchase_orders"]["expected_date"] = D(["2026-03-28"])
    return book


# What changed from AS_OF to NEXT_WEEK, as line_changes lists it (tests/test_history.py, tests/test_weekly_report.py):
# O10/1 (new, already late and 7 short) and O3/1 newly late, O2/1 shipped in full, P1's new date moving the
# projected dates of O3/1 and O5/1, and SKU A reordered for the first time.
CHANGED_NEXT_WEEK = [
    ("newly_late", "O10", 1, "A", "not late", "late", "partially_allocated"),
    ("newly_late", "O3", 1, "B", "not late", "late", "backordered"),
    ("no_longer_late", "O2", 1, "A", "late", "not late", "shipped"),
    ("projected_date_moved", "O3", 1, "B", "2026-03-25", "2026-03-28", "backordered"),
    ("projected_date_moved", "O5", 1, "B", "2026-03-25", "2026-03-28", "backordered"),
    ("new_backorder", "O10", 1, "A", "0", "7", "partially_allocated"),
    ("newly_reordered", None, None, "A", "not reordered", "10", None),
]
