"""Weekly report KPIs (contract 4.4, docs/kpis.md) and root causes: a hand-built book with every KPI worked out
by hand, the same with currencies converted, and Northwind as of 1998-05-06 against a plain-pandas computation."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import omxl
from conftest import NORTHWIND
from northwind import northwind_book, northwind_lines
from weekly_book import AS_OF, hand_book
from omxl.reporting import KPI_COLUMNS, KPIS, compute_kpis, period_of, root_causes

pytestmark = pytest.mark.core

def run(book, as_of=AS_OF, config=None):
    pos = omxl.prepare(omxl.read_book(book, config=config) if isinstance(book, dict) else book, as_of=as_of)
    rec = omxl.reconcile(pos)
    plan = omxl.plan_reorders(pos)
    return pos, rec, plan


def as_dict(kpis: pd.DataFrame) -> dict[tuple[str, object], float]:
    return {(row.kpi, None if pd.isna(row.currency) else row.currency): row.value
            for row in kpis.itertuples(index=False)}


# Every KPI by hand. Lines that count (O4/1 cancelled, O9/1 left out): O1/1 O1/2 O2/1 O3/1 O3/2 O5/1 O6/1 O7/1 O8/1.
HAND = {
    # order_date 03-09..03-15: O3/1, O3/2 (03-10), O5/1 (03-09), O7/1 (03-14); O4/1 cancelled, O9/1 left out.
    ("orders_received", None): 3.0,
    ("lines_received", None): 4.0,
    # Entered in the period and cancelled: O4/1 (order_date 03-12, status cancelled).
    ("cancelled_lines", None): 1.0,
    # promised 03-09..03-15: O1/1 (03-10), O1/2 (03-12), O2/1 (03-11), O5/1 (03-14), O8/1 (03-13).
    ("lines_due", None): 5.0,
    # In full by the promised date: O1/1 (last shipment 03-10 = promised) and O8/1 (03-13 = promised).
    ("otif_line_rate", None): 2 / 5,
    # On-time units: O1/1 6 + 4, O1/2 0 (shipped 03-13 > 03-12), O2/1 3, O5/1 0, O8/1 2 = 15 of 10+5+8+6+2 = 31.
    ("unit_fill_rate", None): 15 / 31,
    # Orders with due lines: O1 (O1/2 late), O2, O5, O8 -> only O8.
    ("order_fill_rate", None): 1 / 4,
    # Shipments 03-09..03-15: S2 (O1/1 4), S3 (O1/2 5), S4 (O2/1 3), S5 (O6/1 7), S6 (O8/1 2); S1 is 03-08.
    ("shipped_lines", None): 5.0,
    # EUR 4 x 3 + 5 x 2 + 7 x 1 + 2 x 2 = 33; USD 3 x 4 x (1 - 0.25) = 9.
    ("shipped_value", "EUR"): 33.0,
    ("shipped_value", "USD"): 9.0,
    # Open and promised before 03-15: O2/1 (5 open, 03-11), O5/1 (6 open, 03-14).
    ("late_lines", None): 2.0,
    # O3/1: projected 03-25 (PO P1) after promised 03-20. O3/2 and O7/1 are ready today.
    ("at_risk_lines", None): 1.0,
    # B has no stock: O5/1 6 and O3/1 4 backordered (A has 10 on hand for O2/1's 5).
    ("backorder_lines", None): 2.0,
    ("backorder_value", "EUR"): 6 * 10.0 + 4 * 10.0,
    # Open lines: O2/1, O3/1, O3/2, O5/1, O7/1.
    ("backorder_rate", None): 2 / 5,
    # PO P1 is expected 03-25, after as_of: nothing overdue, and no value (one row of 0, no currency).
    ("overdue_po_lines", None): 0.0,
    ("overdue_po_value", None): 0.0,
    # Completed orders with the last shipment in the period: O1 (03-01 -> 03-13: 12 days), O6 (02-20 -> 03-09:
    # 17 days), O8 (03-05 -> 03-13: 8 days).
    ("order_cycle_time", None): (12 + 17 + 8) / 3,
    # B: no stock, 10 open.
    ("stockout_skus", None): 1.0,
    # Reorder point rule: B IP = 0 + 10 on order - 10 backlog = 0 <= 5 -> max(20, 5 - 0) = 20 x 5.00 USD (the
    # supplier's currency). A IP = 10 - 5 = 5 > 2, C IP = 100 - 3 = 97 > 10: no order.
    ("reorder_skus", None): 1.0,
    ("reorder_value", "USD"): 100.0,
    # A 10 x 2 + C (60 + 40) x 1 = 120 EUR; B 0 x 5 = 0 USD.
    ("inventory_value", "EUR"): 120.0,
    ("inventory_value", "USD"): 0.0,
    # 110 units on hand / (45 units ordered in the 84 days to 03-15 / 84).
    ("days_of_supply", None): 110 / (45 / 84),
    # R1 (2, received 03-12); R2 was received 03-05.
    ("units_returned", None): 2.0,
    # 2 returned / 4 + 5 + 3 + 7 + 2 = 21 shipped in the period.
    ("return_rate", None): 2 / 21,
    # O9/1 qty -1 (constraint-error); S2's e-mail (invalid-email).
    ("data_errors", None): 1.0,
    ("data_warnings", None): 1.0,
}


def test_every_kpi_on_the_hand_built_book():
    pos, rec, plan = run(hand_book())
    kpis = compute_kpis(pos, rec, plan)
    assert tuple(kpis.columns) == KPI_COLUMNS
    assert set(kpis["kpi"]) == {k.name for k in KPIS}
    assert list(dict.fromkeys(kpis["kpi"])) == [k.name for k in KPIS]
    found = as_dict(kpis)
    # The book has no invoices: DSO is not known (test_dso_per_currency_from_open_balances_and_90_days_invoiced).
    assert math.isnan(found.pop(("dso", None)))
    assert kpis.loc[kpis["kpi"] == "dso", "reason"].item() == "no invoices table in the book"
    assert found.keys() == HAND.keys()
    for key, expected in HAND.items():
        assert found[key] == pytest.approx(expected, abs=1e-12), key
    assert kpis["previous"].isna().all() and kpis["change"].isna().all()
    assert kpis.loc[kpis["kpi"] == "otif_line_rate", "label"].item() == "OTIF line rate"
    assert kpis.loc[kpis["kpi"] == "backorder_value", "unit"].item() == "money"
    assert str(kpis["kpi"].dtype) == "string" and kpis["kpi"].dtype.storage == "python"


def test_money_kpis_in_one_converted_row():
    """base_currency EUR, 1 USD = 0.9 EUR: one row per money KPI in EUR."""
    pos, rec, plan = run(hand_book(), config={"base_currency": "EUR", "fx_rates": {"USD": 0.9}})
    kpis = compute_kpis(pos, rec, plan)
    found = as_dict(kpis)
    assert found[("shipped_value", "EUR")] == pytest.approx(33 + 9 * 0.9)
    assert found[("backorder_value", "EUR")] == 100.0
    assert found[("reorder_value", "EUR")] == pytest.approx(100 * 0.9)
    assert found[("inventory_value", "EUR")] == 120.0
    money = kpis[kpis["kpi"].isin(["shipped_value", "backorder_value", "reorder_value", "inventory_value"])]
    assert len(money) == 4 and (money["currency"] == "EUR").all()


def test_a_currency_without_a_rate_keeps_its_own_row():
    pos, rec, plan = run(hand_book(), config={"base_currency": "GBP", "fx_rates": {"EUR": 0.85}})
    found = as_dict(compute_kpis(pos, rec, plan))
    assert found[("shipped_value", "GBP")] == pytest.approx(33 * 0.85)
    assert found[("shipped_value", "USD")] == 9.0
    assert found[("reorder_value", "USD")] == 100.0
    assert ("reorder_value", "GBP") not in found


def test_period_is_the_seven_days_ending_on_as_of():
    assert period_of(pd.Timestamp("2026-03-15")) == (pd.Timestamp("2026-03-09"), pd.Timestamp("2026-03-15"))


def test_a_week_without_activity_gives_blank_rates_not_zero():
    pos, rec, plan = run(hand_book(), as_of="2026-06-30")
    found = as_dict(compute_kpis(pos, rec, plan))
    for kpi in ("otif_line_rate", "unit_fill_rate", "order_fill_rate", "return_rate", "order_cycle_time"):
        assert math.isnan(found[(kpi, None)]), kpi
    assert found[("lines_due", None)] == 0.0
    assert found[("shipped_value", None)] == 0.0  # nothing shipped: one row of 0, no currency


def test_root_causes_on_the_hand_built_book():
    """Late or backordered: O2/1 (late, 5 open, USD 15), O3/1 (backordered 4, EUR 40), O5/1 (late and
    backordered: counted once with its 6 open, EUR 60)."""
    pos, rec, _ = run(hand_book())
    causes = root_causes(pos, rec)
    assert list(causes.columns[:7]) == ["dimension", "key", "lines", "units", "value", "share", "cumulative_share"]
    rows = [(r.dimension, r.key, r.lines, r.units, None if pd.isna(r.value) else r.value,
             round(r.share, 6), round(r.cumulative_share, 6), None if pd.isna(r.currency) else r.currency)
            for r in causes.itertuples(index=False)]
    assert rows == [
        ("supplier", "S2", 2, 10.0, 100.0, round(10 / 15, 6), round(10 / 15, 6), "EUR"),
        ("supplier", "S1", 1, 5.0, 15.0, round(5 / 15, 6), 1.0, "USD"),
        ("carrier", "UPS", 1, 6.0, 60.0, 0.4, 0.4, "EUR"),
        ("carrier", "DHL", 1, 5.0, 15.0, round(5 / 15, 6), round(11 / 15, 6), "USD"),
        ("carrier", "(none)", 1, 4.0, 40.0, round(4 / 15, 6), 1.0, "EUR"),
        ("sku", "B", 2, 10.0, 100.0, round(10 / 15, 6), round(10 / 15, 6), "EUR"),
        ("sku", "A", 1, 5.0, 15.0, round(5 / 15, 6), 1.0, "USD"),
        ("customer", "K2", 2, 11.0, None, round(11 / 15, 6), round(11 / 15, 6), "mixed"),
        ("customer", "K3", 1, 4.0, 40.0, round(4 / 15, 6), 1.0, "EUR"),
    ]


def test_root_causes_converted():
    pos, rec, _ = run(hand_book(), config={"base_currency": "EUR", "fx_rates": {"USD": 0.9}})
    causes = root_causes(pos, rec)
    customer = causes[causes["dimension"] == "customer"].set_index("key")
    assert customer.loc["K2", "value"] == pytest.approx(5 * 3 * 0.9 + 60)
    assert (causes["currency"] == "EUR").all()


# --- Northwind ---------------------------------------------------------------------------------------------------

NW_AS_OF = pd.Timestamp("1998-05-06")


def independent_northwind() -> dict[str, float]:
    """The KPIs from the joined Northwind lines in plain pandas. Each line ships in one shipment (its order's
    shippedDate), all of it; no line is cancelled and none has an error (no line is left out)."""
    lines = northwind_lines()
    start, end = NW_AS_OF - pd.Timedelta(days=6), NW_AS_OF
    due = lines[(lines["promised_date"] >= start) & (lines["promised_date"] <= end)]
    on_time = due["ship_date"].notna() & (due["ship_date"] <= due["promised_date"])
    shipped_lines = lines[lines["ship_date"].notna()]
    open_lines = lines[lines["ship_date"].isna()]
    # Allocation by hand: stock per product to open lines by promised date, order date, order id, line.
    products = pd.read_csv(NORTHWIND / "products.csv")
    stock = products.set_index(products["productID"].astype(str))["unitsInStock"].clip(lower=0)
    queue = open_lines.sort_values(["promised_date", "order_date", "order_id", "line"])
    before = queue.groupby("sku")["qty"].cumsum() - queue["qty"]
    available = queue["sku"].astype(object).map(stock).fillna(0.0)
    backordered = (queue["qty"] - (available - before).clip(lower=0)).clip(lower=0)
    per_order = lines.groupby("order_id").agg(shipped=("ship_date", "count"), n=("ship_date", "size"),
                                             last=("ship_date", "max"), ordered=("order_date", "min"))
    completed = per_order[(per_order["shipped"] == per_order["n"]) & (per_order["last"] >= start)
                          & (per_order["last"] <= end)]
    return {
        "lines_due": len(due),
        "otif_line_rate": on_time.sum() / len(due),
        "unit_fill_rate": due.loc[on_time, "qty"].sum() / due["qty"].sum(),
        "order_fill_rate": on_time.groupby(due["order_id"]).all().mean(),
        "late_lines": int((open_lines["promised_date"] < NW_AS_OF).sum()),
        "backorder_rate": (backordered > 0).sum() / len(open_lines),
        "backorder_lines": int((backordered > 0).sum()),
        "order_cycle_time": (completed["last"] - completed["ordered"]).dt.days.mean(),
        "shipped_lines": int(((shipped_lines["ship_date"] >= start) & (shipped_lines["ship_date"] <= end)).sum()),
        "lines_received": int(((lines["order_date"] >= start) & (lines["order_date"] <= end)).sum()),
    }


def test_northwind_kpis_equal_an_independent_computation():
    pos, rec, plan = run(northwind_book(), as_of=NW_AS_OF)
    found = {kpi: value for (kpi, _), value in as_dict(compute_kpis(pos, rec, plan)).items()}
    expected = independent_northwind()
    for kpi, value in expected.items():
        assert found[kpi] == pytest.approx(value, abs=1e-12), kpi
    # The figures themselves, so a change in either computation shows.
    assert expected["lines_due"] == 38
    assert found["otif_line_rate"] == pytest.approx(35 / 38)
    assert found["late_lines"] == 0
    assert found["backorder_lines"] == 29
    assert round(found["unit_fill_rate"], 6) == 0.781137
    assert round(found["order_fill_rate"], 6) == 0.933333
    assert round(found["backorder_rate"], 6) == 0.39726
    assert round(found["order_cycle_time"], 6) == 6.277778
    # Northwind has no returns table: returns are not known, so blank, never 0 returned.
    assert math.isnan(found["units_returned"]) and math.isnan(found["return_rate"])


def reasons(kpis: pd.DataFrame) -> dict[tuple[str, object], object]:
    return {(row.kpi, None if pd.isna(row.currency) else row.currency): None if pd.isna(row.reason) else row.reason
            for row in kpis.itertuples(index=False)}


STOCK_KPIS = ("at_risk_lines", "backorder_lines", "backorder_value", "backorder_rate", "stockout_skus",
              "reorder_skus", "reorder_value", "inventory_value", "days_of_supply")


def test_without_an_inventory_table_the_stock_figures_are_blank_with_the_reason():
    book = hand_book()
    del book["inventory"]
    pos, rec, plan = run(book)
    kpis = compute_kpis(pos, rec, plan)
    found, why = as_dict(kpis), reasons(kpis)
    # Stock is not judged: one blank row each (money too: no currency row), never 0 % or 0.00.
    for name in STOCK_KPIS:
        assert math.isnan(found[(name, None)]), name
        assert why[(name, None)] == "no inventory table in the book", name
    assert len(kpis[kpis["kpi"].isin(STOCK_KPIS)]) == len(STOCK_KPIS)
    # The order figures are there, without a reason.
    assert found[("late_lines", None)] == 2.0 and found[("lines_due", None)] == 5.0
    assert why[("late_lines", None)] is None and why[("otif_line_rate", None)] is None


def test_without_a_returns_table_the_return_figures_are_blank_with_the_reason():
    book = hand_book()
    del book["returns"]
    pos, rec, plan = run(book)
    kpis = compute_kpis(pos, rec, plan)
    found, why = as_dict(kpis), reasons(kpis)
    for name in ("units_returned", "return_rate"):
        assert math.isnan(found[(name, None)]) and why[(name, None)] == "no returns table in the book", name
    assert found[("shipped_lines", None)] == 5.0 and why[("shipped_lines", None)] is None


def test_without_a_purchase_orders_table_the_overdue_po_figures_are_blank_with_the_reason():
    book = hand_book()
    del book["purchase_orders"]
    kpis = compute_kpis(*run(book))
    found, why = as_dict(kpis), reasons(kpis)
    for name in ("overdue_po_lines", "overdue_po_value"):
        assert math.isnan(found[(name, None)]), name
        assert why[(name, None)] == "no purchase orders table in the book", name


def test_the_tables_each_kpi_needs_are_data():
    by_name = {kpi.name: kpi for kpi in KPIS}
    assert {name for name, kpi in by_name.items() if "inventory" in kpi.needs} == set(STOCK_KPIS)
    assert by_name["return_rate"].needs == ("orders", "returns") and by_name["units_returned"].needs == ("returns",)
    assert by_name["data_errors"].needs == () and by_name["overdue_po_value"].needs == ("purchase_orders",)
    # A book without orders (not readable yet) leaves every order and line KPI blank by the same rule.
    assert {name for name, kpi in by_name.items() if "orders" in kpi.needs} == {
        "orders_received", "lines_received", "cancelled_lines", "lines_due", "otif_line_rate", "unit_fill_rate",
        "order_fill_rate", "shipped_lines", "shipped_value", "late_lines", "at_risk_lines", "backorder_lines",
        "backorder_value", "backorder_rate", "order_cycle_time", "stockout_skus", "days_of_supply",
        "return_rate"}


def test_a_rate_of_nothing_says_why_it_is_blank():
    kpis = compute_kpis(*run(hand_book(), as_of="2026-06-30"))
    why = reasons(kpis)
    assert why[("otif_line_rate", None)] == why[("unit_fill_rate", None)] == why[("order_fill_rate", None)] \
        == "no lines due in the period"
    assert why[("return_rate", None)] == "nothing shipped in the period"
    assert why[("order_cycle_time", None)] == "no orders completed in the period"
    assert why[("lines_due", None)] is None  # 0 lines due is a value, not a blank


def test_cancelled_lines_count_lines_entered_in_the_period_and_cancelled():
    """O4/1 (entered 03-12) is cancelled on the sheet; O11/1 entered 03-14 is cancelled too, O12/1 was cancelled
    but entered 03-01 (before the period), O13/1 entered 03-13 is open: 2 cancelled lines, and lines received
    leaves the cancelled ones out (4 + O13/1 = 5)."""
    book = hand_book()
    extra = pd.DataFrame({"order_id": ["O11", "O12", "O13"], "line": [1, 1, 1],
                          "order_date": pd.to_datetime(["2026-03-14", "2026-03-01", "2026-03-13"]),
                          "customer_id": ["K1", "K2", "K3"], "sku": ["C", "C", "C"], "qty": [1.0, 2.0, 3.0],
                          "unit_price": [2.0, 2.0, 2.0], "discount": [None, None, None],
                          "promised_date": pd.to_datetime(["2026-03-20", "2026-03-05", "2026-03-20"]),
                          "status": ["cancelled", "cancelled", "open"], "carrier": [None, None, None],
                          "currency": ["EUR", "EUR", "EUR"]})
    book["orders"] = pd.concat([book["orders"], extra], ignore_index=True)
    found = as_dict(compute_kpis(*run(book)))
    assert found[("cancelled_lines", None)] == 2.0
    assert found[("lines_received", None)] == 5.0


def billed_hand_book() -> dict[str, pd.DataFrame]:
    """The hand-built book with four invoices and two payments, as of 2026-03-15 (the 90 days: 2025-12-16 to
    2026-03-15). EUR: I1 40.00 (25.00 paid), I3 7.00 dated 2025-12-01 (before the 90 days, unpaid), I4 4.00 (paid):
    open 22.00, invoiced in the 90 days 44.00. USD: I2 9.00, unpaid: open 9.00, invoiced 9.00."""
    book = hand_book()
    book["invoices"] = pd.DataFrame({
        "invoice_id": ["I1", "I2", "I3", "I4"], "order_id": ["O1", "O2", "O6", "O8"],
        "amount": [40.0, 9.0, 7.0, 4.0],
        "invoice_date": pd.to_datetime(["2026-03-10", "2026-03-11", "2025-12-01", "2026-03-13"]),
        "due_date": pd.to_datetime(["2026-04-09", "2026-03-12", "2025-12-31", "2026-04-12"]),
        "currency": ["EUR", "USD", "EUR", "EUR"]})
    book["payments"] = pd.DataFrame({"payment_id": ["P1", "P2"], "invoice_id": ["I1", "I4"], "amount": [25.0, 4.0],
                                     "paid_date": pd.to_datetime(["2026-03-12", "2026-03-14"])})
    return book


def test_dso_per_currency_from_open_balances_and_90_days_invoiced():
    pos, rec, plan = run(billed_hand_book())
    found = as_dict(compute_kpis(pos, rec, plan))
    assert found[("dso", "EUR")] == pytest.approx(22 / 44 * 90)   # 45.0 days
    assert found[("dso", "USD")] == pytest.approx(9 / 9 * 90)     # 90.0 days
    # Converted: EUR 22.00 + USD 9.00 x 0.9 open over EUR 44.00 + USD 9.00 x 0.9 invoiced, one row in EUR.
    pos, rec, plan = run(billed_hand_book(), config={"base_currency": "EUR", "fx_rates": {"USD": 0.9}})
    kpis = compute_kpis(pos, rec, plan)
    dso = kpis[kpis["kpi"] == "dso"]
    assert list(dso["currency"]) == ["EUR"]
    assert dso["value"].item() == pytest.approx((22 + 8.1) / (44 + 8.1) * 90)
    # A rate for USD only into GBP: EUR keeps its own row.
    pos, rec, plan = run(billed_hand_book(), config={"base_currency": "GBP", "fx_rates": {"USD": 0.8}})
    found = as_dict(compute_kpis(pos, rec, plan))
    assert found[("dso", "GBP")] == pytest.approx(90.0) and found[("dso", "EUR")] == pytest.approx(45.0)


def test_dso_is_blank_with_the_reason_when_nothing_was_invoiced_in_the_90_days():
    book = billed_hand_book()
    book["invoices"] = book["invoices"][book["invoices"]["invoice_id"] == "I3"]
    book["payments"] = book["payments"].iloc[0:0]
    pos, rec, plan = run(book)
    kpis = compute_kpis(pos, rec, plan)
    dso = kpis[kpis["kpi"] == "dso"]
    assert list(dso["currency"]) == ["EUR"] and math.isnan(dso["value"].item())
    assert dso["reason"].item() == "nothing invoiced in the last 90 days"
