"""Billing reconciliation (contract 4.7): rec.billing per order line (shipped, invoiced, paid, open, days overdue,
per currency) and the billing exceptions, on a hand-built workbook written with openpyxl and read back, and on
Northwind 2007's real invoices against an independent pandas computation."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import omxl
from omxl.reconciliation.billing import BILLING_COLUMNS

from conftest import write_book
from northwind import NORTHWIND_2007, northwind_2007_invoiced_book

pytestmark = pytest.mark.core

AS_OF = "2026-04-30"
BILLING_CODES = {"shipped-not-invoiced", "invoiced-not-shipped", "invoice-amount-mismatch", "invoice-overdue",
                 "overpaid", "refund-not-credited"}
D = dt.date


ORDERS = (
    ("Order ID", "Line", "Order Date", "Customer", "SKU", "Qty", "Unit Price", "Discount", "Currency", "Ship Date",
     "Shipped Qty"),
    ("SO-1", 1, D(2026, 3, 2), "C1", "A", 10, 5.0, 0, "EUR", D(2026, 3, 4), 10),     # row 2
    ("SO-1", 2, D(2026, 3, 2), "C1", "B", 2, 20.0, 0, "EUR", D(2026, 3, 4), 2),      # row 3
    ("SO-2", 1, D(2026, 3, 3), "C2", "A", 4, 6.0, 0, "USD", D(2026, 3, 5), 4),       # row 4
    ("SO-2", 2, D(2026, 3, 3), "C2", "C", 1, 10.0, 0, "USD", None, None),            # row 5: not shipped
    ("SO-3", 1, D(2026, 3, 4), "C1", "A", 5, 5.0, 0.1, "EUR", D(2026, 3, 6), 5),     # row 6
    ("SO-3", 2, D(2026, 3, 4), "C1", "A", 3, 5.0, 0.1, "EUR", D(2026, 3, 6), 3),     # row 7
    ("SO-4", 1, D(2026, 3, 5), "C1", "B", 3, 20.0, 0, "EUR", D(2026, 3, 7), 3),      # row 8: never invoiced
)
INVOICES = (
    ("Invoice No", "Order No", "Line", "SKU", "Qty", "Amount", "Invoice Date", "Due Date", "Currency"),
    ("INV-1", "SO-1", 1, "A", 10, 50, D(2026, 3, 5), D(2026, 4, 4), "EUR"),       # row 2
    ("INV-1", "SO-1", 2, "B", 2, 40, D(2026, 3, 5), D(2026, 4, 4), "EUR"),        # row 3
    # The whole order: no line, no item, no quantity; due by the customer's 14 days' terms.
    ("INV-2", "SO-2", None, None, None, 34, D(2026, 3, 6), None, "USD"),          # row 4
    # By order and item: SO-3's two lines of A; 8 x 5.00 less 10% is 36.00, not 40.00.
    ("INV-3", "SO-3", None, "A", 8, 40, D(2026, 3, 7), D(2026, 5, 7), "EUR"),     # row 5
    # A credit note for return R-2, dated after it was received.
    ("CN-3", "SO-3", 1, "A", -1, -4.5, D(2026, 3, 20), None, "EUR"),              # row 6
    # Dated after as_of: not issued yet as of that day.
    ("INV-9", "SO-4", 1, "B", 3, 60, D(2026, 5, 2), D(2026, 6, 1), "EUR"),        # row 7
)
PAYMENTS = (
    ("Payment ID", "Invoice No", "Amount", "Paid Date"),
    ("P-1", "INV-1", 60, D(2026, 3, 30)),     # row 2: INV-1 partly paid
    ("P-3", "INV-3", 45, D(2026, 4, 2)),      # row 3: INV-3 paid 5.00 too much
    ("P-4", "INV-1", 30, D(2026, 5, 3)),      # row 4: after as_of
)
RETURNS = (
    ("RMA", "Order ID", "Line", "SKU", "Qty", "Received Date", "Resolution", "Condition"),
    ("R-1", "SO-1", 2, "B", 1, D(2026, 3, 15), "refund", "resellable"),     # row 2: no credit note
    ("R-2", "SO-3", 1, "A", 1, D(2026, 3, 18), "credit", "resellable"),     # row 3: CN-3
)


@pytest.fixture(scope="module")
def billed(tmp_path_factory):
    path = write_book(tmp_path_factory.mktemp("billing") / "billing.xlsx", {
        "Orders": ORDERS,
        "Inventory": (("SKU", "On Hand"), ("A", 100), ("B", 100), ("C", 100)),
        "Customers": (("Customer ID", "Name", "Payment Terms Days"), ("C1", "Acme", 30), ("C2", "Beta", 14)),
        "Invoices": INVOICES,
        "Payments": PAYMENTS,
        "Returns": RETURNS,
    })
    return path, omxl.reconcile(omxl.read_book(path), as_of=AS_OF)


def rounded(frame: pd.DataFrame) -> list[list]:
    return [[round(v, 4) if isinstance(v, float) else v for v in row] for row in frame.astype(object)
            .where(frame.notna(), None).values.tolist()]


def test_billing_per_order_line_shipped_invoiced_paid_open_and_overdue(billed):
    _, rec = billed
    billing = rec.billing
    assert list(billing.columns) == list(BILLING_COLUMNS)
    assert billing.dtypes.astype(str).tolist() == ["string", "Int64", "string", "float64", "float64", "float64",
                                                   "float64", "float64", "Int64", "string"]
    assert rounded(billing) == [
        # INV-1 (90.00) paid 60.00, spread 50 : 40 over its lines; due 2026-04-04, 26 days before as_of.
        ["SO-1", 1, "A", 10.0, 10.0, 50.0, 33.3333, 16.6667, 26, "EUR"],
        ["SO-1", 2, "B", 2.0, 2.0, 40.0, 26.6667, 13.3333, 26, "EUR"],
        # INV-2 names only the order: spread by line value 24 : 10, each line's ordered quantity; unpaid, due by
        # C2's terms on 2026-03-20.
        ["SO-2", 1, "A", 4.0, 4.0, 24.0, 0.0, 24.0, 41, "USD"],
        ["SO-2", 2, "C", 0.0, 1.0, 10.0, 0.0, 10.0, 41, "USD"],
        # INV-3 (item A, 8 units, 40.00) spread over SO-3's lines of A by value 22.50 : 13.50; paid 45.00; CN-3
        # gives 4.50 back on line 1 and takes no quantity off.
        ["SO-3", 1, "A", 5.0, 5.0, 20.5, 28.125, -7.625, 0, "EUR"],
        ["SO-3", 2, "A", 3.0, 3.0, 15.0, 16.875, -1.875, 0, "EUR"],
        # INV-9 is dated after as_of: nothing invoiced yet.
        ["SO-4", 1, "B", 3.0, 0.0, 0.0, 0.0, 0.0, 0, "EUR"],
    ]
    # Balances per currency, never added across currencies.
    per_currency = billing.groupby("currency")["open_balance"].sum().round(2).to_dict()
    assert per_currency == {"EUR": 20.5, "USD": 34.0}


def test_each_billing_exception_cites_its_cell_with_exact_amounts(billed):
    _, rec = billed
    found = rec.exceptions[rec.exceptions["code"].isin(BILLING_CODES)]
    assert found[["code", "severity", "table", "sheet", "cell", "value", "order_id", "line", "ref"]] \
        .astype(object).where(found.notna(), None).values.tolist() == [
        ["shipped-not-invoiced", "warning", "orders", "Orders", "F8", "3", "SO-4", 1, ""],
        ["invoiced-not-shipped", "warning", "invoices", "Invoices", "E4", "", "SO-2", 2, "INV-2"],
        ["invoice-amount-mismatch", "warning", "invoices", "Invoices", "F5", "40", "SO-3", None, "INV-3"],
        ["invoice-overdue", "warning", "invoices", "Invoices", "H2", "2026-04-04", "SO-1", None, "INV-1"],
        ["invoice-overdue", "warning", "invoices", "Invoices", "G4", "2026-03-06", "SO-2", None, "INV-2"],
        ["overpaid", "warning", "payments", "Payments", "C3", "45", "SO-3", None, "INV-3"],
        ["refund-not-credited", "warning", "returns", "Returns", "G2", "refund", "SO-1", 2, "R-1"],
    ]
    assert found["message"].tolist() == [
        "Order SO-4 line 1 shipped 3 x B but 0 were invoiced. Invoice the 3 not yet billed (EUR 60.00).",
        "Order SO-2 line 2 is invoiced for 1 x C (invoice INV-2) but 0 shipped. Ship the 1 billed or credit them.",
        "Invoice INV-3 bills EUR 40.00 for order SO-3 (2 lines); at the order's prices it comes to EUR 36.00. "
        "Correct the invoice (credit the difference or bill it) or the order's price.",
        "Invoice INV-1 for order SO-1 was due 2026-04-04: EUR 30.00 of EUR 90.00 is open, 26 days overdue. Remind "
        "the customer and agree a date.",
        "Invoice INV-2 for order SO-2 was due 2026-03-20 (payment terms): USD 34.00 of USD 34.00 is open, 41 days "
        "overdue. Remind the customer and agree a date.",
        "Invoice INV-3 for order SO-3 bills EUR 40.00 but EUR 45.00 was paid (1 payment): EUR 5.00 too much. "
        "Refund the customer or hold it as a credit on the account.",
        "Return R-1 of 1 x B (order SO-1) is resolved as a refund of EUR 20.00 but no credit note for it is dated "
        "on or after 2026-03-15. Issue the credit note (a negative invoice line).",
    ]
    assert set(found["stage"]) == {"reconcile"}


def test_severities_change_or_switch_off_billing_codes(billed):
    path, _ = billed
    rec = omxl.reconcile(omxl.read_book(path), as_of=AS_OF,
                         config={"severities": {"overpaid": "off", "invoice-overdue": "error"}})
    codes = rec.exceptions[rec.exceptions["code"].isin(BILLING_CODES)]
    assert "overpaid" not in set(codes["code"])
    assert codes.loc[codes["code"] == "invoice-overdue", "severity"].tolist() == ["error", "error"]


def test_a_credit_note_dated_before_the_return_does_not_credit_it(tmp_path):
    path = write_book(tmp_path / "early.xlsx", {
        "Orders": ORDERS[:2],
        "Inventory": (("SKU", "On Hand"), ("A", 100)),
        "Invoices": (INVOICES[0], INVOICES[1],
                     ("CN-1", "SO-1", 1, "A", -2, -10, D(2026, 3, 9), None, "EUR")),
        "Returns": (RETURNS[0], ("R-5", "SO-1", 1, "A", 2, D(2026, 3, 10), "refund", "damaged")),
    })
    rec = omxl.reconcile(omxl.read_book(path), as_of=AS_OF)
    found = rec.exceptions[rec.exceptions["code"] == "refund-not-credited"]
    assert found[["cell", "ref"]].values.tolist() == [["G2", "R-5"]]
    assert found["message"].item().startswith("Return R-5 of 2 x A (order SO-1) is resolved as a refund of EUR 10.00")
    # Dated on the day of the return, the same credit note credits it.
    path = write_book(tmp_path / "on_time.xlsx", {
        "Orders": ORDERS[:2],
        "Inventory": (("SKU", "On Hand"), ("A", 100)),
        "Invoices": (INVOICES[0], INVOICES[1], ("CN-1", "SO-1", 1, "A", -2, -10, D(2026, 3, 10), None, "EUR")),
        "Returns": (RETURNS[0], ("R-5", "SO-1", 1, "A", 2, D(2026, 3, 10), "refund", "damaged")),
    })
    rec = omxl.reconcile(omxl.read_book(path), as_of=AS_OF)
    assert "refund-not-credited" not in set(rec.exceptions["code"])


def test_a_book_without_invoices_has_an_empty_billing_frame_and_no_billing_exceptions(tmp_path):
    path = write_book(tmp_path / "plain.xlsx", {"Orders": ORDERS, "Inventory": (("SKU", "On Hand"), ("A", 100))})
    rec = omxl.reconcile(omxl.read_book(path), as_of=AS_OF)
    assert rec.billing.empty and list(rec.billing.columns) == list(BILLING_COLUMNS)
    assert rec.billing.dtypes.astype(str).tolist()[-2:] == ["Int64", "string"]
    assert not set(rec.exceptions["code"]) & BILLING_CODES


# --- Northwind 2007: 35 invoices of amount 0, without line, item, quantity or due date -------------------------

def test_northwind_2007_invoices_mark_their_orders_invoiced_and_every_amount_mismatches(tmp_path):
    as_of = "2006-07-01"
    rec = omxl.reconcile(northwind_2007_invoiced_book(tmp_path), as_of=as_of)

    # Independently, with pandas: an order is invoiced when an invoice names it; its lines are shipped when the
    # order has a shipped date on or before as_of.
    orders = pd.read_csv(NORTHWIND_2007 / "orders.csv", dtype=str)
    details = pd.read_csv(NORTHWIND_2007 / "order_details.csv", dtype={"order_id": str})
    invoices = pd.read_csv(NORTHWIND_2007 / "invoices.csv", dtype=str)
    invoices = invoices[pd.to_datetime(invoices["invoice_date"]) <= pd.Timestamp(as_of)]
    orders = orders[pd.to_datetime(orders["order_date"]) <= pd.Timestamp(as_of)]
    # A line of quantity 0 is a constraint-error (order 81's two lines): left out of reconciliation.
    details = details[details["quantity"] > 0]
    ordered_ids = set(orders["id"]) & set(details["order_id"])
    invoiced_ids = set(invoices["order_id"]) & ordered_ids
    billing = rec.billing
    per_order = billing.groupby("order_id")["invoiced_qty"].sum()
    assert set(per_order[per_order > 0].index) == invoiced_ids
    assert set(per_order[per_order == 0].index) == ordered_ids - invoiced_ids
    assert (len(invoiced_ids), len(ordered_ids - invoiced_ids)) == (35, 4)

    # Amount 0 on every invoice: the open balance is 0 everywhere and each invoice of an order with priced lines
    # is an invoice-amount-mismatch (one per invoice, citing its amount_due cell).
    assert (billing["invoiced_amount"] == 0).all() and (billing["open_balance"] == 0).all()
    value = details.assign(value=details["quantity"] * details["unit_price"] * (1 - details["discount"]))
    priced_orders = set(value.groupby("order_id")["value"].sum().loc[lambda v: v > 0.005].index)
    found = rec.exceptions
    mismatch = found[found["code"] == "invoice-amount-mismatch"]
    assert len(mismatch) == len(invoiced_ids & priced_orders) == 35
    assert set(mismatch["column"]) == {"amount_due"}
    # An invoice without a quantity bills what its order's lines ordered: the invoiced lines whose order had not
    # shipped are invoiced-not-shipped; the shipped lines of orders without an invoice are shipped-not-invoiced.
    shipped_ids = set(orders.loc[pd.to_datetime(orders["shipped_date"]) <= pd.Timestamp(as_of), "id"])
    lines = details[details["order_id"].isin(ordered_ids)]
    not_shipped = lines[lines["order_id"].isin(invoiced_ids - shipped_ids)]
    shipped_only = lines[lines["order_id"].isin((ordered_ids & shipped_ids) - invoiced_ids)]
    counts = found["code"].value_counts()
    assert counts.get("invoiced-not-shipped", 0) == len(not_shipped) == 3
    assert counts.get("shipped-not-invoiced", 0) == len(shipped_only) == 0
    # No due date and no payment terms, nothing owed: nothing overdue, nothing overpaid.
    assert not {"invoice-overdue", "overpaid"} & set(counts.index)
