"""reconcile: hand-computed scenarios, line by line (contract 4.2)."""

from __future__ import annotations

import pandas as pd
import pytest

import omxl
from omxl.findings import FINDING_COLUMNS
from omxl.reconciliation import reconcile

pytestmark = pytest.mark.core

AS_OF = "2026-11-27"
T = pd.Timestamp


def order(order_id, sku, qty, promised, *, line=1, priority=None, ordered="2026-11-01", status="open",
          price=10.0):
    return {"order_id": order_id, "line": line, "order_date": T(ordered), "customer_id": "C-1", "sku": sku,
            "qty": qty, "unit_price": price, "promised_date": T(promised), "status": status, "priority": priority}


ORDERS = [
    # (a) three, then four lines compete for 10 units of S1
    order("O1", "S1", 6, "2026-12-01", priority=2),
    order("O2", "S1", 5, "2026-12-10", priority=1, ordered="2026-11-02"),
    order("O3", "S1", 4, "2026-11-30", ordered="2026-10-30"),
    order("O4", "S1", 3, "2026-11-28", priority=2),
    # (b) a backorder covered by two POs; (c) one no PO covers
    order("O5", "S2", 10, "2026-12-20"),
    order("O6", "S2", 5, "2026-12-22"),
    # (d) partial shipments and an over-shipment
    order("O7", "S3", 10, "2026-12-05"),
    order("O7", "S4", 5, "2026-12-05", line=2),
    # (f) a cancelled line with a shipment
    order("O8", "S3", 2, "2026-12-05", status="cancelled"),
    # (h) an exchange's replacement competes with O9 for S5
    order("O9", "S5", 4, "2026-12-15"),
    order("O10", "S5", 3, "2026-11-10", ordered="2026-10-20", status="closed"),
    # (i) as_of boundaries
    order("O11", "S3", 1, "2026-11-27"),
    order("O12", "S3", 1, "2026-11-26"),
]
INVENTORY = pd.DataFrame({"sku": ["S1", "S2", "S3", "S4", "S5"], "on_hand": [10, 0, 100, 0, 5],
                          "supplier_id": "P1"})
SUPPLIERS = pd.DataFrame({"supplier_id": ["P1"], "name": ["Parts Co"]})
SHIPMENTS = pd.DataFrame({
    "shipment_id": ["SH1", "SH2", "SH3", "SH4", "SH5", "SH6"],
    "order_id": ["O7", "O7", "O7", "O99", "O8", "O10"],
    "line": pd.array([1, 1, 2, 1, 1, 1], dtype="Int64"),
    "sku": ["S3", "S3", "S4", "S3", "S3", "S5"],
    "qty": [4, 3, 7, 2, 2, 3],
    "ship_date": [T("2026-11-10"), T("2026-11-20"), T("2026-11-20"), T("2026-11-21"), T("2026-11-22"),
                  T("2026-11-09")],
    "tracking_number": ["1Z1", "1Z2", "1Z3", "1Z4", "1Z5", "1Z6"],
    "delivered_date": [T("2026-11-12"), pd.NaT, pd.NaT, pd.NaT, pd.NaT, T("2026-11-11")],
})
PURCHASE_ORDERS = pd.DataFrame({
    "po_id": ["P-2", "P-1"], "supplier_id": ["P1", "P1"], "sku": ["S2", "S2"], "qty": [8, 6],
    "order_date": [T("2026-11-20"), T("2026-11-15")], "expected_date": [T("2026-12-12"), T("2026-12-05")],
    "received_qty": [0, 0], "status": ["open", "open"],
})
RETURNS = pd.DataFrame({
    "rma_id": ["R1", "R2"], "order_id": ["O7", "O10"], "line": pd.array([1, 1], dtype="Int64"), "sku": ["S3", "S5"],
    "qty": [9, 3], "received_date": [T("2026-11-24"), T("2026-11-20")], "condition": ["resellable", "damaged"],
    "resolution": ["refund", "exchange"], "status": ["received", "received"],
})


@pytest.fixture(scope="module")
def rec():
    book = omxl.read_book({"orders": pd.DataFrame(ORDERS), "inventory": INVENTORY, "suppliers": SUPPLIERS,
                           "shipments": SHIPMENTS, "purchase_orders": PURCHASE_ORDERS, "returns": RETURNS})
    return reconcile(book, as_of=AS_OF)


def line(rec, order_id, line_number=1):
    lines = rec.lines.set_index(["order_id", "line"])
    return lines.loc[(order_id, line_number)]


def values(row, *columns):
    return tuple(row[c] for c in columns)


QTYS = ("shipped_qty", "open_qty", "allocated_qty", "backordered_qty", "status")


def test_a_stock_goes_by_priority_then_promised_date(rec):
    # O2 (priority 1) 5; priority 2: O4 (promised 11-28) 3, then O1 the last 2; O3 (no priority) nothing.
    assert values(line(rec, "O2"), *QTYS) == (0, 5, 5, 0, "ready")
    assert values(line(rec, "O4"), *QTYS) == (0, 3, 3, 0, "ready")
    assert values(line(rec, "O1"), *QTYS) == (0, 6, 2, 4, "partially_allocated")
    assert values(line(rec, "O3"), *QTYS) == (0, 4, 0, 4, "backordered")
    assert line(rec, "O2")["projected_ship_date"] == T(AS_OF)
    assert (line(rec, "O2")["at_risk"], line(rec, "O1")["at_risk"], line(rec, "O3")["at_risk"]) == (False, True, True)
    assert line(rec, "O1")["reason"] == "2 of 6 allocated from stock, 4 short; no open purchase order covers the rest."


def test_b_backorder_covered_by_the_second_po(rec):
    o5 = line(rec, "O5")
    assert values(o5, *QTYS) == (0, 10, 0, 10, "backordered")
    assert o5["projected_ship_date"] == T("2026-12-12")   # 6 arrive 12-05, the other 4 with P-2 on 12-12
    assert o5["at_risk"] == False  # noqa: E712 - numpy bool
    assert o5["reason"] == "No stock for the 10 open units; P-2 expected 2026-12-12 covers them."


def test_c_backorder_no_po_covers_has_no_date_and_is_at_risk(rec):
    o6 = line(rec, "O6")
    assert values(o6, *QTYS) == (0, 5, 0, 5, "backordered")
    assert pd.isna(o6["projected_ship_date"])           # 15 needed, 14 inbound
    assert (o6["late"], o6["at_risk"]) == (False, True)


def test_d_partial_shipments_and_an_over_shipment(rec):
    assert values(line(rec, "O7", 1), *QTYS) == (7, 3, 3, 0, "partially_shipped")
    assert values(line(rec, "O7", 2), *QTYS) == (7, 0, 0, 0, "shipped")
    over = rec.exceptions[rec.exceptions["code"] == "over-shipment"]
    assert over[["order_id", "line", "sku"]].values.tolist() == [["O7", 2, "S4"]]
    assert over["message"].item() == ("Order O7 line 2 ordered 5 but 7 were shipped. Invoice the extra or arrange "
                                      "its return.")


def test_e_shipment_for_a_line_that_does_not_exist(rec):
    orphan = rec.exceptions[rec.exceptions["code"] == "shipment-without-order"]
    assert orphan[["order_id", "sku", "ref"]].values.tolist() == [["O99", "S3", "SH4"]]
    assert orphan["message"].item() == ("Shipment of 2 x S3 on 2026-11-21 matches no order line (order O99, line 1). "
                                        "Check the order number on the shipment.")


def test_f_cancelled_line_with_a_shipment(rec):
    assert values(line(rec, "O8"), *QTYS) == (2, 0, 0, 0, "cancelled")
    found = rec.exceptions[rec.exceptions["code"] == "shipment-on-cancelled-line"]
    assert found[["order_id", "line", "ref"]].values.tolist() == [["O8", 1, "SH5"]]


def test_g_return_of_more_than_shipped(rec):
    found = rec.exceptions[rec.exceptions["code"] == "return-exceeds-shipped"]
    assert found[["order_id", "line", "ref"]].values.tolist() == [["O7", 1, "R1"]]
    assert found["message"].item() == ("Returns for order O7 line 1 come to 9 but only 7 shipped (return R1). Check "
                                       "the quantities before refunding.")
    refund = rec.returns.set_index("rma_id").loc["R1"]
    assert (refund["refund_amount"], refund["restock_qty"]) == (90.0, 9.0)


def test_h_exchange_replacement_competes_for_stock(rec):
    replacement = rec.lines[rec.lines["kind"] == "exchange"]
    assert replacement[["order_id", "line", "sku", "qty", "allocated_qty", "rma_id"]].values.tolist() == [
        ["O10", 2, "S5", 3.0, 3.0, "R2"]]
    # Promised for the day the return arrived (11-20), it goes before O9 (12-15): O9 gets the last 2 of 5.
    assert values(line(rec, "O9"), *QTYS) == (0, 4, 2, 2, "partially_allocated")
    assert values(line(rec, "O10"), *QTYS) == (3, 0, 0, 0, "delivered")
    assert rec.returns.set_index("rma_id").loc["R2", ["refund_amount", "restock_qty", "replacement_line"]].tolist() \
        == [0.0, 0.0, 2]
    assert line(rec, "O10", 2)["reason"].startswith("Replacement for return R2. Late by 7 days (promised 2026-11-20).")


def test_i_as_of_boundaries(rec):
    today, yesterday = line(rec, "O11"), line(rec, "O12")
    assert (today["late"], today["days_late"]) == (False, 0)
    assert (yesterday["late"], yesterday["days_late"], yesterday["at_risk"]) == (True, 1, False)
    assert yesterday["reason"] == ("Late by 1 day (promised 2026-11-26). Ready to ship: all 1 open units allocated "
                                   "from stock.")


def test_orders_roll_up_to_the_worst_line(rec):
    orders = rec.orders.set_index("order_id")
    assert orders.loc["O7", ["status", "lines", "qty", "shipped_qty", "open_qty"]].tolist() == \
        ["partially_shipped", 2, 15.0, 14.0, 3.0]
    assert orders.loc["O12", ["status", "late", "days_late"]].tolist() == ["ready", True, 1]
    assert orders.loc["O10", "status"] == "ready"   # its replacement line waits to ship


def test_inventory_view(rec):
    view = rec.inventory.set_index("sku")
    assert view.loc["S1", ["on_hand", "allocated", "backlog", "on_order", "available"]].tolist() == \
        [10.0, 10.0, 18.0, 0.0, 0.0]
    assert view.loc["S2", ["on_hand", "allocated", "backlog", "on_order"]].tolist() == [0.0, 0.0, 15.0, 14.0]
    assert view.loc["S3", ["allocated", "backlog", "available"]].tolist() == [5.0, 5.0, 95.0]


def test_exception_codes_found(rec):
    assert sorted(set(rec.exceptions["code"])) == [
        "over-shipment", "return-exceeds-shipped", "shipment-on-cancelled-line", "shipment-without-order",
        "status-mismatch", "stockout"]
    # O7 line 2 is still open on the sheet although everything (and more) has shipped.
    mismatch = rec.exceptions[rec.exceptions["code"] == "status-mismatch"]
    assert mismatch[["order_id", "line"]].values.tolist() == [["O7", 2]]
    stockouts = rec.exceptions[rec.exceptions["code"] == "stockout"]
    assert stockouts["sku"].tolist() == ["S2"]
    assert list(rec.exceptions.columns) == list(FINDING_COLUMNS)
    assert set(rec.exceptions["stage"]) == {"reconcile"}
    # Each exception cites the cell of the row it comes from.
    assert stockouts["cell"].tolist() == ["B3"] and stockouts["column"].tolist() == ["on_hand"]
    assert mismatch[["source", "cell", "column", "value"]].values.tolist() == [["orders", "I9", "status", "open"]]


def test_rows_with_errors_are_left_out_and_counted():
    bad = pd.DataFrame([order("O1", "S1", -2, "2026-12-01"), order("O2", "S1", 3, "2026-12-01")])
    rec = reconcile(omxl.read_book({"orders": bad, "inventory": INVENTORY, "suppliers": SUPPLIERS}), as_of=AS_OF)
    assert rec.lines["order_id"].tolist() == ["O2"]
    assert rec.left_out.set_index("table").loc["orders", "rows_left_out"] == 1
    assert rec.issues.loc[rec.issues["severity"] == "error", "code"].tolist() == ["constraint-error"]


def test_sample_workbook_exceptions():
    from conftest import SAMPLE

    rec = reconcile(omxl.read_book(SAMPLE), as_of=AS_OF)
    counts = rec.exceptions.groupby("code").size().to_dict()
    assert counts == {"missing-tracking": 1, "negative-stock": 1, "over-shipment": 1, "po-over-receipt": 1,
                      "po-overdue": 2, "return-exceeds-shipped": 1, "return-without-shipment": 1,
                      "shipment-on-cancelled-line": 1, "shipment-sku-mismatch": 1, "shipment-without-order": 1,
                      "status-mismatch": 3, "stockout": 4}
    cited = set(zip(rec.exceptions["sheet"], rec.exceptions["row"]))
    assert {("Shipments", 16), ("Shipments", 20), ("Shipments", 25), ("Shipments", 22),
            ("Purchase Orders", 4), ("Purchase Orders", 8), ("Purchase Orders", 9), ("Returns", 2),
            ("Returns", 4), ("Inventory", 5), ("Inventory", 7), ("Inventory", 9), ("Inventory", 11),
            ("Orders", 8), ("Orders", 12)} <= cited


def test_shipments_table_wins_over_the_order_sheets_own_ship_columns():
    orders = pd.DataFrame([order("O1", "S3", 10, "2026-12-01"), order("O2", "S3", 4, "2026-12-01")])
    orders["shipped_qty"] = [6.0, None]
    orders["ship_date"] = [T("2026-11-20"), T("2026-11-21")]
    shipments = pd.DataFrame({
        "shipment_id": ["X1"], "order_id": ["O1"], "line": pd.array([1], dtype="Int64"), "sku": ["S3"], "qty": [4.0],
        "ship_date": [T("2026-11-20")], "tracking_number": ["1Z"], "delivered_date": [pd.NaT]})
    rec = reconcile(omxl.read_book({"orders": orders, "inventory": INVENTORY, "suppliers": SUPPLIERS,
                                    "shipments": shipments}), as_of=AS_OF)
    assert line(rec, "O1")["shipped_qty"] == 4.0
    assert line(rec, "O2")["shipped_qty"] == 0.0
    found = rec.exceptions[rec.exceptions["code"] == "shipment-data-mismatch"]
    assert found["message"].tolist() == [
        "Order O1 line 1 says 6 shipped, the shipments table 4. The shipments table is used; correct the order sheet.",
        "Order O2 line 1 says 4 shipped, the shipments table 0. The shipments table is used; correct the order sheet."]


def test_without_a_shipments_table_the_order_lines_ship_columns_are_the_shipments():
    orders = pd.DataFrame([order("O1", "S3", 10, "2026-12-01"), order("O2", "S3", 4, "2026-12-01")])
    orders["shipped_qty"] = [6.0, None]
    orders["ship_date"] = [T("2026-11-20"), T("2026-11-21")]
    rec = reconcile(omxl.read_book({"orders": orders, "inventory": INVENTORY, "suppliers": SUPPLIERS}), as_of=AS_OF)
    assert values(line(rec, "O1"), *QTYS) == (6, 4, 4, 0, "partially_shipped")
    assert values(line(rec, "O2"), *QTYS) == (4, 0, 0, 0, "shipped")
    assert "shipment-data-mismatch" not in set(rec.exceptions["code"])


def test_a_book_with_orders_only_still_runs_every_step():
    """Contract 2.3: no inventory means no stock, no suppliers means reorder lines without one."""
    orders = pd.DataFrame([order("O1", "S1", 3, "2026-12-01")])
    book = omxl.read_book({"orders": orders})
    issues = omxl.validate(book, as_of=AS_OF)
    assert issues[["severity", "code", "table"]].values.tolist() == [
        ["warning", "missing-table", "inventory"], ["warning", "missing-table", "suppliers"]]
    rec = reconcile(book, as_of=AS_OF)
    # Without an inventory table stock is not judged: the line is open, neither backordered nor at risk.
    assert rec.stock_judged is False
    assert values(line(rec, "O1"), *QTYS) == (0, 3, 0, 0, "open")
    assert (bool(line(rec, "O1")["at_risk"]), bool(line(rec, "O1")["late"])) == (False, False)
    assert line(rec, "O1")["reason"] == "3 open units; stock not checked: no inventory table."
    assert rec.orders["status"].tolist() == ["open"]
    assert rec.exceptions.empty
    plan = omxl.plan_reorders(book, as_of=AS_OF)
    assert (len(plan.lines), len(plan.skus), len(plan.purchase_orders)) == (0, 0, 0)
    assert plan.summary == ("Reorder plan as of 2026-11-27: no inventory table: nothing to plan. Stock, supplier "
                            "and reorder settings per item live in the inventory table; add a sheet named "
                            "'Inventory' (or Stock) with SKU and On Hand columns.")
    assert list(plan.lines.columns)[:3] == ["sku", "description", "supplier_id"]


def test_a_negative_count_at_one_location_is_no_stockout_when_another_has_stock():
    inventory = pd.DataFrame({"sku": ["S1", "S1"], "location": ["MAIN", "WEST"], "on_hand": [5.0, -5.0]})
    book = omxl.read_book({"orders": pd.DataFrame([order("O1", "S1", 3, "2026-12-01")]), "inventory": inventory,
                           "suppliers": SUPPLIERS})
    rec = reconcile(book, as_of=AS_OF)
    assert values(line(rec, "O1"), *QTYS) == (0, 3, 3, 0, "ready")
    assert rec.exceptions["code"].tolist() == ["negative-stock"]
    assert rec.exceptions["ref"].tolist() == ["WEST"]
