"""Dispatch (contract 4.6): which lines the warehouse picks, from which location, for which carrier, and what it
holds back. A hand-built book states every quantity; the sample workbook and Northwind are checked against an
independent pandas computation over reconcile's lines."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import omxl
from omxl.dispatching import Dispatch, dispatch

from conftest import NORTHWIND

pytestmark = pytest.mark.core

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "workbooks" / "sample.xlsx"
AS_OF = "2026-11-27"
D = pd.Timestamp


def hand_book() -> omxl.Book:
    """Two locations (SKU A in both: EAST 10, MAIN 6), two carriers (DHL, UPS), a line on hold (O3/1), a cancelled
    line (O3/2), an unallocated line (O2/2: no stock of C), a partially allocated line (O2/1: 8 of 12), a
    partially shipped line with stock allocated to the rest (O4/1: 2 of 5 shipped, 3 allocated), a ship-complete
    order missing one line (O5, its customer ships complete: line 2 has no stock) and a complete one (O6, on the
    order)."""
    orders = pd.DataFrame([
        # order, line, customer, sku, qty, priority, promised, carrier, status, shipped, ship date, complete, ship to
        ("O1", 1, "C1", "A", 8, 1, "2026-11-30", "DHL", None, None, None, None, "1 Harbour Road, Kiel"),
        ("O1", 2, "C1", "B", 2, 1, "2026-11-30", "DHL", None, None, None, None, "1 Harbour Road, Kiel"),
        ("O2", 1, "C2", "A", 12, 2, "2026-12-01", "UPS", None, None, None, None, "5 Mill Lane, Leeds"),
        ("O2", 2, "C2", "C", 3, 2, "2026-12-01", "UPS", None, None, None, None, "5 Mill Lane, Leeds"),
        ("O3", 1, "C1", "B", 4, None, "2026-11-28", "DHL", "On Hold", None, None, None, None),
        ("O3", 2, "C1", "D", 1, None, "2026-11-28", "DHL", "Cancelled", None, None, None, None),
        ("O4", 1, "C2", "D", 5, None, "2026-11-25", "UPS", None, 2, "2026-11-20", None, "5 Mill Lane, Leeds"),
        ("O5", 1, "C3", "B", 3, 3, "2026-11-29", "DHL", None, None, None, None, "9 Quay Street, Cork"),
        ("O5", 2, "C3", "C", 1, 3, "2026-11-29", "DHL", None, None, None, None, "9 Quay Street, Cork"),
        ("O6", 1, "C1", "D", 1, None, "2026-12-02", "DHL", None, None, None, True, "1 Harbour Road, Kiel"),
    ], columns=["order_id", "line", "customer_id", "sku", "qty", "priority", "promised_date", "carrier", "status",
                "shipped_qty", "ship_date", "ship_complete", "ship_to"])
    orders["order_date"] = "2026-11-16"
    inventory = pd.DataFrame([
        ("A", "Widget", "MAIN", "S1", "01", 6),
        ("A", "Widget", "EAST", "E2", "07", 10),
        ("B", "Bracket", "MAIN", "S1", "02", 5),
        ("C", "Cable", "MAIN", "S3", "11", 0),
        ("D", "Dowel", "EAST", "E4", "02", 4),
    ], columns=["sku", "description", "location", "shelf", "bin", "on_hand"])
    customers = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "name": ["Kiel Tools", "Leeds Parts", "Cork Marine"],
                              "ship_complete": [None, None, True]})
    return omxl.read_book({"orders": orders, "inventory": inventory, "customers": customers})


@pytest.fixture(scope="module")
def hand() -> Dispatch:
    return dispatch(hand_book(), as_of=AS_OF)


def rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame[columns].itertuples(index=False)]


def test_picks_take_the_larger_location_first_and_never_more_than_a_location_holds(hand):
    assert rows(hand.picks, ["location", "shelf", "bin", "sku", "order_id", "line", "pick_qty", "carrier"]) == [
        ("EAST", "E2", "07", "A", "O1", 1, 8.0, "DHL"),
        ("EAST", "E2", "07", "A", "O2", 1, 2.0, "UPS"),
        ("EAST", "E4", "02", "D", "O4", 1, 3.0, "UPS"),
        ("EAST", "E4", "02", "D", "O6", 1, 1.0, "DHL"),
        ("MAIN", "S1", "01", "A", "O2", 1, 6.0, "UPS"),
        ("MAIN", "S1", "02", "B", "O1", 2, 2.0, "DHL"),
    ]
    assert list(hand.picks.columns) == ["order_id", "line", "customer_id", "sku", "description", "pick_qty",
                                        "location", "shelf", "bin", "carrier", "priority", "promised_date"]
    assert hand.picks["description"].tolist() == ["Widget", "Widget", "Dowel", "Dowel", "Widget", "Bracket"]
    assert hand.picks["priority"].tolist()[:2] == [1, 2] and hand.picks["priority"].isna().tolist()[2:4] == [True, True]
    assert hand.locations == ["EAST", "MAIN"]
    assert hand.pick_list("MAIN")["pick_qty"].sum() == 8.0


def test_held_lines_say_why(hand):
    assert rows(hand.held, ["order_id", "line", "sku", "open_qty", "allocated_qty", "held_by", "reason"]) == [
        ("O3", 1, "B", 4.0, 0.0, "status", "on hold on the order sheet"),
        ("O5", 1, "B", 3.0, 3.0, "ship_complete", "order ships complete and is not: line 2 (C) short 1 of 1"),
    ]


def test_slips_list_every_open_line_of_a_picked_order_with_what_follows(hand):
    assert rows(hand.slips, ["order_id", "line", "sku", "pick_qty", "to_follow_qty", "ship_to", "carrier"]) == [
        ("O1", 1, "A", 8.0, 0.0, "1 Harbour Road, Kiel", "DHL"),
        ("O1", 2, "B", 2.0, 0.0, "1 Harbour Road, Kiel", "DHL"),
        ("O2", 1, "A", 8.0, 4.0, "5 Mill Lane, Leeds", "UPS"),
        ("O2", 2, "C", 0.0, 3.0, "5 Mill Lane, Leeds", "UPS"),
        ("O4", 1, "D", 3.0, 0.0, "5 Mill Lane, Leeds", "UPS"),
        ("O6", 1, "D", 1.0, 0.0, "1 Harbour Road, Kiel", "DHL"),
    ]


def test_manifests_count_orders_lines_and_units_per_carrier(hand):
    assert rows(hand.manifests, ["carrier", "orders", "lines", "units"]) == [("DHL", 2, 3, 11.0), ("UPS", 2, 2, 11.0)]
    # Per location, O2/1 counts once in each of the two locations it is picked from.
    assert rows(hand.by_location(), ["location", "orders", "lines", "units"]) == [("EAST", 4, 4, 14.0),
                                                                                  ("MAIN", 2, 2, 8.0)]
    assert rows(hand.manifest("UPS"), ["order_id", "customer_id", "ship_to", "lines", "units"]) == [
        ("O2", "C2", "5 Mill Lane, Leeds", 1, 8.0), ("O4", "C2", "5 Mill Lane, Leeds", 1, 3.0)]


def test_summary_and_figures(hand):
    assert hand.summary == ("5 lines of 4 orders to pick, 22 units from 2 locations; 2 held back (1 on hold, "
                            "1 waiting to ship complete).")
    figures = dict(zip(hand.figures["label"], hand.figures["value"]))
    assert figures == {"Lines to pick": 5, "Orders to pick": 4, "Units to pick": 22.0, "Locations": 2,
                       "Carriers": 2, "Lines on hold": 1, "Lines waiting to ship complete": 1}
    assert list(hand.result_sheets()) == ["Pick List", "Held Lines", "Manifests", "Packing Slips"]


def test_promised_by_keeps_lines_promised_on_or_before_that_day():
    picked = dispatch(hand_book(), as_of=AS_OF, promised_by="2026-11-30")
    assert rows(picked.picks, ["location", "sku", "order_id", "line", "pick_qty"]) == [
        ("EAST", "A", "O1", 1, 8.0), ("EAST", "D", "O4", 1, 3.0), ("MAIN", "B", "O1", 2, 2.0)]
    # O5 (promised 2026-11-29) is still held: the filter keeps it, its missing line keeps it back.
    assert rows(picked.held, ["order_id", "line", "held_by"]) == [("O3", 1, "status"), ("O5", 1, "ship_complete")]
    assert picked.summary.endswith("(promised by 2026-11-30 or earlier); 2 held back (1 on hold, 1 waiting to ship "
                                   "complete).")
    assert dispatch(hand_book(), as_of=AS_OF, promised_by="2026-11-30", max_priority=1).filters == [
        "promised by 2026-11-30 or earlier", "priority 1"]


def test_max_priority_keeps_priorities_one_to_n():
    picked = dispatch(hand_book(), as_of=AS_OF, max_priority=1)
    assert rows(picked.picks, ["location", "sku", "order_id", "line", "pick_qty"]) == [
        ("EAST", "A", "O1", 1, 8.0), ("MAIN", "B", "O1", 2, 2.0)]
    assert picked.held.empty
    with pytest.raises(ValueError, match="max_priority: 0 is not a priority"):
        dispatch(hand_book(), as_of=AS_OF, max_priority=0)


def test_an_order_that_says_no_overrides_its_customers_ship_complete():
    book = hand_book()
    orders = book.orders.copy()
    orders.loc[orders["order_id"] == "O5", "ship_complete"] = False
    picked = dispatch(omxl.read_book({"orders": orders.drop(columns=["source", "sheet", "row"]),
                                      "inventory": book.inventory.drop(columns=["source", "sheet", "row"]),
                                      "customers": book.customers.drop(columns=["source", "sheet", "row"])}),
                      as_of=AS_OF)
    assert ("O5", 1, 3.0) in rows(picked.picks, ["order_id", "line", "pick_qty"])
    assert rows(picked.held, ["order_id", "held_by"]) == [("O3", "status")]


def test_a_reconciliation_is_used_as_it_is():
    book = hand_book()
    rec = omxl.reconcile(book, as_of=AS_OF)
    from_rec = dispatch(rec)
    pd.testing.assert_frame_equal(from_rec.picks, dispatch(book, as_of=AS_OF).picks)
    with pytest.raises(ValueError, match="This position is as of 2026-11-27, not 2026-11-28"):
        dispatch(rec, as_of="2026-11-28")


def test_without_inventory_nothing_is_picked_and_it_says_why():
    book = hand_book()
    picked = dispatch(omxl.read_book({"orders": book.orders.drop(columns=["source", "sheet", "row"])}), as_of=AS_OF)
    assert picked.picks.empty and picked.slips.empty and picked.manifests.empty
    assert picked.summary == "Nothing to pick: the book has no inventory table, so no stock is allocated to any line."


def independent_picks(rec_lines: pd.DataFrame) -> pd.Series:
    """Contract 4.6 over reconcile's lines: open lines with allocated_qty > 0 whose status is not on_hold,
    cancelled or closed; their allocated units per SKU (no ship-complete order in these books)."""
    chosen = rec_lines[(rec_lines["allocated_qty"] > 0) & (rec_lines["open_qty"] > 0)
                       & ~rec_lines["status"].isin(["on_hold", "cancelled", "closed"])]
    return chosen.groupby("sku")["allocated_qty"].sum().sort_index()


@pytest.mark.parametrize("source", ["sample", "northwind"])
def test_real_books_pick_what_reconcile_allocated(source):
    if source == "sample":
        book, as_of = omxl.read_book(SAMPLE), AS_OF
    else:
        book = omxl.read_book(NORTHWIND / "orders.csv", NORTHWIND / "order-details.csv",
                              NORTHWIND / "products.csv", NORTHWIND / "customers.csv")
        as_of = "1998-05-06"
    rec = omxl.reconcile(book, as_of=as_of)
    picked = dispatch(rec)
    expected = independent_picks(rec.lines)
    assert len(expected) > 20
    per_sku = picked.picks.groupby("sku")["pick_qty"].sum().sort_index()
    pd.testing.assert_series_equal(per_sku, expected, check_names=False, atol=1e-9)
    statuses = rec.lines.set_index(["order_id", "line"])["status"]
    assert not statuses.reindex(pd.MultiIndex.from_frame(picked.picks[["order_id", "line"]])).isin(
        ["on_hold", "cancelled", "closed"]).any()
    # No location gives more than it holds.
    stock = book.inventory.assign(location=book.inventory["location"].fillna("MAIN")) \
        .groupby(["sku", "location"])["on_hand"].sum()
    taken = picked.picks.groupby(["sku", "location"])["pick_qty"].sum()
    assert (taken <= stock.reindex(taken.index) + 1e-9).all()
    # The picks are in walking order: location, then SKU.
    keys = list(zip(picked.picks["location"], picked.picks["sku"]))
    assert keys == sorted(keys)
