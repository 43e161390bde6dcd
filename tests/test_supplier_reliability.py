"""omxl.supplier_reliability: per supplier, from the POs received, the on-time rate, the median and spread of the
slip, and the shift an open PO's expected date gets (contract 4.3, issue "Learning from what happened")."""

from __future__ import annotations

import pandas as pd
import pytest

from omxl.supplier_reliability import COLUMNS, receipts, supplier_reliability

pytestmark = pytest.mark.core

D = pd.Timestamp


def hand_pos() -> pd.DataFrame:
    # SUP-1: three POs received 2, 4 and 6 days late (PO-1's two lines together: one receipt); SUP-2: one receipt a
    # day early and one PO still open; SUP-3: received, but its POs carry no expected date; SUP-4: 3 receipts, early
    # or on time; PO-9 is cancelled and does not count.
    rows = [("PO-1", "SUP-1", "A", "2026-10-01", "2026-10-03"), ("PO-1", "SUP-1", "B", "2026-10-01", "2026-10-03"),
            ("PO-2", "SUP-1", "C", "2026-10-10", "2026-10-14"), ("PO-3", "SUP-1", "D", "2026-10-20", "2026-10-26"),
            ("PO-4", "SUP-2", "E", "2026-10-01", "2026-09-30"), ("PO-5", "SUP-2", "F", "2026-12-05", None),
            ("PO-6", "SUP-3", "G", None, "2026-10-01"),
            ("PO-7", "SUP-4", "H", "2026-10-01", "2026-09-29"), ("PO-8", "SUP-4", "H", "2026-10-08", "2026-10-08"),
            ("PO-10", "SUP-4", "H", "2026-10-15", "2026-10-16"),
            ("PO-9", "SUP-1", "A", "2026-10-01", "2026-11-30")]
    frame = pd.DataFrame(rows, columns=["po_id", "supplier_id", "sku", "expected_date", "received_date"])
    frame["status"] = ["closed"] * 10 + ["cancelled"]
    frame.loc[5, "status"] = "open"
    for column in ("expected_date", "received_date"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def test_receipts_count_a_po_received_on_one_day_once():
    seen = receipts(hand_pos())
    assert seen["po_id"].tolist() == ["PO-1", "PO-2", "PO-3", "PO-4", "PO-7", "PO-8", "PO-10"]
    assert seen["slip_days"].tolist() == [2.0, 4.0, 6.0, -1.0, -2.0, 0.0, 1.0]
    assert seen["on_time"].tolist() == [False, False, False, True, True, True, False]


def test_per_supplier_figures_shift_and_notes():
    table = supplier_reliability(hand_pos(), pd.DataFrame({"supplier_id": ["SUP-1", "SUP-5"]})).set_index("supplier_id")
    assert list(table.reset_index().columns) == list(COLUMNS)
    assert table.index.tolist() == ["SUP-1", "SUP-2", "SUP-3", "SUP-4", "SUP-5"]
    sup1 = table.loc["SUP-1"]
    assert (sup1["receipts"], sup1["on_time"], sup1["on_time_rate"]) == (3, 0, 0.0)
    assert (sup1["median_slip_days"], sup1["slip_std_days"], sup1["shift_days"]) == (4.0, 2.0, 4.0)
    assert sup1["note"] == "3 receipts, median 4 days late: dates moved by the median"
    assert table.loc["SUP-2", "note"] == "1 receipt: fewer than 3, no shift"
    assert table.loc["SUP-2", "shift_days"] == 0.0 and pd.isna(table.loc["SUP-2", "slip_std_days"])
    assert table.loc["SUP-3", "note"] == "no expected dates on its purchase orders: no shift"
    assert pd.isna(table.loc["SUP-3", "on_time_rate"]) and table.loc["SUP-3", "receipts"] == 0
    # Early or on time at the median: never moved earlier.
    sup4 = table.loc["SUP-4"]
    assert (sup4["receipts"], sup4["on_time"], sup4["median_slip_days"], sup4["shift_days"]) == (3, 2, 0.0, 0.0)
    assert sup4["on_time_rate"] == pytest.approx(2 / 3)
    assert sup4["note"] == "3 receipts, on time at the median: no shift"
    assert table.loc["SUP-5", "note"] == "no purchase orders in the book: no shift"
    # SUP-2's open PO alone, nothing received yet.
    open_only = supplier_reliability(hand_pos().iloc[[5]]).set_index("supplier_id")
    assert open_only.loc["SUP-2", "note"] == "no purchase order received yet: no shift"


def test_no_purchase_orders():
    assert supplier_reliability(None).empty
    table = supplier_reliability(None, pd.DataFrame({"supplier_id": ["SUP-1"]}))
    assert table[["supplier_id", "receipts", "shift_days", "note"]].values.tolist() == [
        ["SUP-1", 0, 0.0, "no purchase orders in the book: no shift"]]
