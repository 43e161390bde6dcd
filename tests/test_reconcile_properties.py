"""Allocation invariants over random books (hypothesis)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import omxl
from omxl.reconciliation import reconcile

pytestmark = pytest.mark.core

SKUS = ["A", "B", "C"]
DAYS = pd.date_range("2026-11-10", periods=30, freq="D")

line_strategy = st.fixed_dictionaries({
    "sku": st.sampled_from(SKUS),
    "qty": st.integers(min_value=1, max_value=12),
    "priority": st.one_of(st.none(), st.integers(min_value=1, max_value=3)),
    "promised": st.one_of(st.none(), st.integers(min_value=0, max_value=29)),
    "ordered": st.integers(min_value=0, max_value=10),
    "status": st.sampled_from(["open", "open", "open", "on_hold", "cancelled", "closed"]),
    "shipped": st.integers(min_value=0, max_value=6),
})


def build(lines, stock, order_of_rows):
    orders = pd.DataFrame([{
        "order_id": f"SO-{i:03d}", "line": 1, "order_date": DAYS[spec["ordered"]], "customer_id": "C-1",
        "sku": spec["sku"], "qty": float(spec["qty"]), "unit_price": 1.0,
        "promised_date": DAYS[spec["promised"]] if spec["promised"] is not None else pd.NaT,
        "status": spec["status"], "priority": spec["priority"],
    } for i, spec in enumerate(lines)])
    shipments = pd.DataFrame([{
        "order_id": f"SO-{i:03d}", "line": 1, "sku": spec["sku"], "qty": float(spec["shipped"]),
        "ship_date": DAYS[0]} for i, spec in enumerate(lines) if spec["shipped"] > 0],
        columns=["order_id", "line", "sku", "qty", "ship_date"])
    inventory = pd.DataFrame({"sku": SKUS, "on_hand": [float(s) for s in stock]})
    orders = orders.iloc[order_of_rows(len(orders))].reset_index(drop=True)
    return omxl.read_book({"orders": orders, "shipments": shipments, "inventory": inventory,
                           "suppliers": pd.DataFrame({"supplier_id": ["P"]})})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(line_strategy, min_size=1, max_size=10),
       stock=st.lists(st.integers(min_value=0, max_value=25), min_size=3, max_size=3),
       seed=st.randoms(use_true_random=False))
def test_allocation_invariants(lines, stock, seed):
    book = build(lines, stock, lambda n: list(range(n)))
    rec = reconcile(book, as_of="2026-11-27")
    result = rec.lines.set_index("order_id")

    # Never more allocated than on hand.
    allocated = result.groupby("sku")["allocated_qty"].sum()
    for sku, on_hand in zip(SKUS, stock):
        assert allocated.get(sku, 0.0) <= on_hand + 1e-9

    # Every open line not on hold is allocated or backordered, exactly; held lines take nothing.
    held = result["status"] == "on_hold"
    total = result["allocated_qty"] + result["backordered_qty"]
    assert ((total - result["open_qty"]).abs()[~held] < 1e-9).all()
    assert (total[held] == 0).all()

    # No line gets stock while a line ranked before it (same SKU) is short.
    ranked = result.assign(rank=result["priority"].astype("Float64")).reset_index()
    wanting = ranked[(ranked["open_qty"] > 0) & (ranked["status"] != "on_hold")]
    ordered = wanting.sort_values(["sku", "rank", "promised_date", "order_date", "order_id", "line"],
                                  na_position="last")
    for _, group in ordered.groupby("sku"):
        short_seen = False
        for _, row in group.iterrows():
            if short_seen:
                assert row["allocated_qty"] == 0
            if row["backordered_qty"] > 0:
                short_seen = True

    # The result does not depend on the order of the input rows.
    shuffled = build(lines, stock, lambda n: seed.sample(range(n), n))
    again = reconcile(shuffled, as_of="2026-11-27").lines.set_index("order_id").loc[result.index]
    columns = ["shipped_qty", "open_qty", "allocated_qty", "backordered_qty", "status", "late", "at_risk"]
    pd.testing.assert_frame_equal(again[columns], result[columns])
