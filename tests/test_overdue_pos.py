"""Overdue purchase orders (contract 4.4, omxl/reporting/overdue.py): the sample as of 2026-11-27 has two, PO-4507 and
PO-4508; the Overdue POs sheet, the overdue PO KPIs and reconcile's po-overdue exceptions agree, and the figures
equal a computation with plain pandas from the workbook's own sheets."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import omxl
from conftest import SAMPLE
from omxl.reporting import OVERDUE_COLUMNS, overdue_by_supplier, overdue_po_lines
from weekly_book import AS_OF, hand_book

pytestmark = pytest.mark.core

SAMPLE_AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def sample_report():
    return omxl.weekly_report(omxl.read_book(SAMPLE), as_of=SAMPLE_AS_OF)


def sheet(name: str) -> pd.DataFrame:
    with warnings.catch_warnings():  # pandas' notice that its default xlsx engine will change
        warnings.simplefilter("ignore")
        return pd.read_excel(SAMPLE, sheet_name=name, engine="openpyxl")


def independent_overdue() -> pd.DataFrame:
    """From the Purchase Orders, Inventory and Suppliers sheets as written: PO lines not received, closed or
    cancelled, expected before as_of, with units still open; valued at the item's unit cost in its supplier's
    currency (the sample's items carry no currency of their own)."""
    pos = sheet("Purchase Orders")
    open_units = pos["Qty Ordered"] - pos["Received Qty"].fillna(0)
    still_open = ~pos["Status"].str.lower().isin(["received", "closed", "cancelled"])
    overdue = pos[still_open & (pos["Expected Date"] < pd.Timestamp(SAMPLE_AS_OF)) & (open_units > 0)]
    items = sheet("Inventory").drop_duplicates("SKU").set_index("SKU")
    suppliers = sheet("Suppliers").drop_duplicates("Supplier ID").set_index("Supplier ID")
    cost = overdue["SKU"].map(items["Unit Cost"])
    return pd.DataFrame({"po_id": overdue["PO Number"], "sku": overdue["SKU"],
                         "open_units": open_units[overdue.index], "value": open_units[overdue.index] * cost,
                         "currency": overdue["SKU"].map(items["Supplier"]).map(suppliers["Currency"]),
                         "days_overdue": (pd.Timestamp(SAMPLE_AS_OF) - overdue["Expected Date"]).dt.days})


def test_the_sample_has_two_overdue_pos_with_their_units_and_values(sample_report):
    table = sample_report.overdue_pos
    assert tuple(table.columns) == OVERDUE_COLUMNS
    rows = [(r.po_id, r.sku, r.open_units, round(r.value, 2), r.currency, r.days_overdue)
            for r in table.itertuples(index=False)]
    # The longest overdue first: PO-4507 (expected 11-18) before PO-4508 (11-23).
    assert rows == [("PO-4507", "SKU-11233", 504.0, 3134.88, "EUR", 9), ("PO-4508", "SKU-12596", 190.0, 714.40, "USD", 4)]
    expected = independent_overdue().sort_values("days_overdue", ascending=False)
    assert [(r.po_id, r.sku, float(r.open_units), round(float(r.value), 2), r.currency, int(r.days_overdue))
            for r in expected.itertuples(index=False)] == rows
    assert list(table["supplier_name"]) == ["Brightline Components BV", "Brightline Industrial Supply Inc"]
    assert list(table["unit_cost"]) == [6.22, 3.76]
    assert list(table["expected_date"]) == [pd.Timestamp("2026-11-18"), pd.Timestamp("2026-11-23")]
    # The customer lines covered by each PO, by order and line.
    assert list(table["waiting_lines"]) == [
        "SO-260845/1, SO-260901/6, SO-260915/2, SO-261001/2",
        "SO-260582/3, SO-260879/1, SO-260881/3, SO-260883/1, SO-260913/1, SO-260914/2, SO-260917/2, "
        "SO-260971/2, SO-260997/2"]


def test_the_overdue_kpis_equal_the_sheet_and_reconciles_exceptions(sample_report):
    kpis = sample_report.kpis
    exceptions = omxl.reconcile(omxl.read_book(SAMPLE), as_of=SAMPLE_AS_OF).exceptions
    overdue = exceptions[exceptions["code"] == "po-overdue"]
    assert list(overdue["ref"]) == ["PO-4507", "PO-4508"]
    count = kpis.loc[kpis["kpi"] == "overdue_po_lines", "value"]
    assert count.tolist() == [len(overdue)] == [len(sample_report.overdue_pos)] == [2]
    value = kpis[kpis["kpi"] == "overdue_po_value"]
    assert [(c, round(v, 2)) for c, v in zip(value["currency"], value["value"])] == [("EUR", 3134.88),
                                                                                     ("USD", 714.40)]


def test_the_overdue_pos_sheet_follows_backorders(sample_report):
    assert list(sample_report.sheets)[4:8] == ["Open Orders", "Backorders", "Overdue POs", "Inventory"]
    sheets = sample_report.result_sheets()
    assert list(sheets)[5:9] == ["Open Orders", "Backorders", "Overdue POs", "Inventory"]


def test_overdue_by_supplier_for_the_chart(sample_report):
    chart = overdue_by_supplier(sample_report.overdue_pos)
    assert chart.to_dict("list") == {"supplier": ["Brightline Components BV", "Brightline Industrial Supply Inc"],
                                     "lines": [1, 1], "units": [504.0, 190.0]}


def test_a_po_cost_of_its_own_wins_and_a_supplier_without_a_name_reads_as_its_id():
    """P1 (10 x B from S2, expected 03-12) is overdue on 03-15, 3 received: 7 open at the PO's own cost 4.50 in the
    PO's currency GBP. P2 (S3, no supplier row) expected 03-14, no cost of its own: the item C's 1.00 in EUR
    (S1's currency, C's supplier). B has no stock: P1's 7 open units cover O5/1 (6, promised first); O3/1 (4) waits
    for more than P1 brings, so it is not waiting on P1."""
    book = hand_book()
    book["purchase_orders"] = pd.DataFrame({
        "po_id": ["P1", "P2"], "supplier_id": ["S2", "S3"], "sku": ["B", "C"], "qty": [10.0, 5.0],
        "received_qty": [3.0, 0.0], "unit_cost": [4.5, None], "currency": ["GBP", None],
        "order_date": pd.to_datetime(["2026-03-01", "2026-03-01"]),
        "expected_date": pd.to_datetime(["2026-03-12", "2026-03-14"])})
    pos = omxl.prepare(omxl.read_book(book), as_of=AS_OF)
    rec = omxl.reconcile(pos)
    table = overdue_po_lines(pos, rec)
    assert [(r.po_id, r.open_units, r.unit_cost, r.value, r.currency, r.days_overdue, r.waiting_lines)
            for r in table.itertuples(index=False)] == [
        ("P1", 7.0, 4.5, 31.5, "GBP", 3, "O5/1"), ("P2", 5.0, 1.0, 5.0, "EUR", 1, "")]
    assert rec.lines.set_index(["order_id", "line"]).loc[("O3", 1), "covering_po"] is pd.NA
    assert overdue_by_supplier(table).to_dict("list") == {"supplier": ["Dollar Bolts", "S3"], "lines": [1, 1],
                                                          "units": [7.0, 5.0]}
