"""Billing reconciliation's edge cases (contract 4.7, docs/billing.md), each on a small hand-built workbook
written with openpyxl and read back: an invoice in another currency than its order, one line invoiced in two
currencies, one invoice with rows in two currencies, invoice rows that match no order line, invoices without a
due date, and the due date from the sheet against the one from the customer's payment terms."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import omxl

from conftest import write_book

pytestmark = pytest.mark.core

AS_OF = "2026-04-30"
D = dt.date
ORDER_HEADER = ("Order ID", "Line", "Order Date", "Customer", "SKU", "Qty", "Unit Price", "Discount", "Currency",
                "Ship Date", "Shipped Qty")
INVOICE_HEADER = ("Invoice No", "Order No", "Line", "SKU", "Qty", "Amount", "Invoice Date", "Due Date", "Currency")
PAYMENT_HEADER = ("Payment ID", "Invoice No", "Amount", "Paid Date")
INVENTORY = (("SKU", "On Hand"), ("A", 100), ("B", 100))
CUSTOMERS = (("Customer ID", "Name", "Payment Terms Days"), ("C1", "Acme", 30))
FINDING = ["code", "table", "cell", "value", "order_id", "line", "ref"]


def reconciled(path, sheets: dict, as_of: str = AS_OF, config: dict | None = None):
    return omxl.reconcile(omxl.read_book(write_book(path, sheets)), as_of=as_of, config=config)


def rounded(frame: pd.DataFrame) -> list[list]:
    """Rows as plain values: floats to 4 places, dates as 'YYYY-MM-DD', every blank as None."""
    out = frame.astype(object).where(frame.notna(), None)
    return [[round(v, 4) if isinstance(v, float) else f"{v:%Y-%m-%d}" if isinstance(v, pd.Timestamp) else v
             for v in row] for row in out.values.tolist()]


def billing_exceptions(rec) -> pd.DataFrame:
    return rec.exceptions[rec.exceptions["stage"] == "reconcile"].reset_index(drop=True)


def found(rec) -> list[list]:
    return billing_exceptions(rec)[FINDING].astype(object).where(lambda f: f.notna(), None).values.tolist()


# --- 1. an invoice in another currency than its order's lines ----------------------------------------------------

OTHER_CURRENCY = {
    "Orders": (ORDER_HEADER,
               ("SO-1", 1, D(2026, 3, 2), "C1", "A", 10, 5.0, 0, "EUR", D(2026, 3, 4), 10),      # row 2
               ("SO-1", 2, D(2026, 3, 2), "C1", "B", 2, 20.0, 0, "EUR", D(2026, 3, 4), 2)),      # row 3
    "Inventory": INVENTORY, "Customers": CUSTOMERS,
    "Invoices": (INVOICE_HEADER,
                 # 6 of line 1's 10 units billed in USD (5.50 each), though the order is priced in EUR.
                 ("INV-1", "SO-1", 1, "A", 6, 33, D(2026, 3, 5), D(2026, 4, 4), "USD"),          # row 2
                 ("INV-2", "SO-1", 2, "B", 2, 40, D(2026, 4, 10), D(2026, 5, 10), "EUR")),       # row 3
    "Payments": (PAYMENT_HEADER, ("P-1", "INV-1", 22, D(2026, 4, 1))),
}


def test_an_invoice_in_another_currency_than_its_order_is_a_mismatch_and_its_money_stays_in_its_currency(tmp_path):
    rec = reconciled(tmp_path / "other_currency.xlsx", OTHER_CURRENCY)
    # Line 1 has one row, in the currency it is invoiced in; its 4 units not invoiced are valued in its own EUR.
    # (A line never invoiced has one row in its own currency; an invoiced line one row per currency invoiced.)
    assert rounded(rec.billing) == [
        ["SO-1", 1, "A", 10.0, 6.0, 33.0, 22.0, 11.0, 26, "USD"],
        ["SO-1", 2, "B", 2.0, 2.0, 40.0, 0.0, 40.0, 0, "EUR"],
    ]
    assert rounded(rec.receivables) == [
        ["INV-1", "SO-1", "C1", "2026-03-05", "2026-04-04", "due date", 33.0, 22.0, 11.0, 26, "1-30", "USD"],
        ["INV-2", "SO-1", "C1", "2026-04-10", "2026-05-10", "due date", 40.0, 0.0, 40.0, 0, "not due", "EUR"],
    ]
    assert found(rec) == [
        ["shipped-not-invoiced", "orders", "F2", "10", "SO-1", 1, ""],
        ["invoice-amount-mismatch", "invoices", "F2", "33", "SO-1", 1, "INV-1"],
        ["invoice-overdue", "invoices", "H2", "2026-04-04", "SO-1", None, "INV-1"],
    ]
    assert billing_exceptions(rec)["message"].tolist() == [
        "Order SO-1 line 1 shipped 10 x A but 6 were invoiced. Invoice the 4 not yet billed (EUR 20.00).",
        "Invoice INV-1 bills USD 33.00 for order SO-1 line 1, which is priced in EUR: at the order's prices it "
        "comes to EUR 30.00. Invoice it in the order's currency, or correct the order's currency.",
        "Invoice INV-1 for order SO-1 was due 2026-04-04: USD 11.00 of USD 33.00 is open, 26 days overdue. Remind "
        "the customer and agree a date.",
    ]
    # Balances: EUR and USD apart, never one sum; the unbilled 4 x 5.00 is EUR, the line's currency.
    columns = ["currency", "converted", "invoiced_amount", "paid_amount", "open_balance", "unbilled_value", "dso",
               "invoiced_last_90", "not_due", "overdue_1_30", "no_due_date", "note"]
    assert rounded(rec.balances[columns]) == [
        ["EUR", False, 40.0, 0.0, 40.0, 20.0, 90.0, 40.0, 40.0, 0.0, 0.0, None],
        ["USD", False, 33.0, 22.0, 11.0, 0.0, 30.0, 33.0, 0.0, 11.0, 0.0, None],
    ]
    # With a base currency and a rate, one more row sums them at the rate: USD 33.00 x 0.9 = EUR 29.70, ...
    converted = reconciled(tmp_path / "converted.xlsx", OTHER_CURRENCY,
                           config={"base_currency": "EUR", "fx_rates": {"USD": 0.9}})
    assert rounded(converted.balances[columns]) == [
        ["EUR", False, 40.0, 0.0, 40.0, 20.0, 90.0, 40.0, 40.0, 0.0, 0.0, None],
        ["USD", False, 33.0, 22.0, 11.0, 0.0, 30.0, 33.0, 0.0, 11.0, 0.0, None],
        # 40 + 29.70; 19.80 paid; 40 + 9.90 open; DSO 49.90 / 69.70 x 90.
        ["EUR", True, 69.7, 19.8, 49.9, 20.0, round(49.9 / 69.7 * 90, 4), 69.7, 40.0, 9.9, 0.0,
         "all currencies in EUR at USD 0.9"],
    ]


# --- 2. one order line invoiced in two currencies ----------------------------------------------------------------

def test_one_line_invoiced_in_two_currencies_has_a_row_per_currency(tmp_path):
    rec = reconciled(tmp_path / "two_currencies.xlsx", {
        "Orders": (ORDER_HEADER, ("SO-1", 1, D(2026, 3, 2), "C1", "A", 10, 5.0, 0, "EUR", D(2026, 3, 4), 10)),
        "Inventory": INVENTORY, "Customers": CUSTOMERS,
        "Invoices": (INVOICE_HEADER,
                     ("INV-1", "SO-1", 1, "A", 6, 30, D(2026, 3, 5), D(2026, 4, 4), "EUR"),      # row 2
                     ("INV-2", "SO-1", 1, "A", 4, 22, D(2026, 3, 6), D(2026, 4, 5), "USD")),     # row 3
        "Payments": (PAYMENT_HEADER, ("P-1", "INV-1", 30, D(2026, 4, 1)), ("P-2", "INV-2", 10, D(2026, 4, 2))),
    })
    # Each row with its own invoiced quantity and money; shipped_qty is the line's, on both.
    assert rounded(rec.billing) == [
        ["SO-1", 1, "A", 10.0, 6.0, 30.0, 30.0, 0.0, 0, "EUR"],
        ["SO-1", 1, "A", 10.0, 4.0, 22.0, 10.0, 12.0, 25, "USD"],
    ]
    assert rounded(rec.receivables) == [
        ["INV-1", "SO-1", "C1", "2026-03-05", "2026-04-04", "due date", 30.0, 30.0, 0.0, 0, "settled", "EUR"],
        ["INV-2", "SO-1", "C1", "2026-03-06", "2026-04-05", "due date", 22.0, 10.0, 12.0, 25, "1-30", "USD"],
    ]
    # 6 + 4 units invoiced of the 10 shipped: nothing left to invoice, whatever the currencies.
    assert found(rec) == [
        ["invoice-amount-mismatch", "invoices", "F3", "22", "SO-1", 1, "INV-2"],
        ["invoice-overdue", "invoices", "H3", "2026-04-05", "SO-1", None, "INV-2"],
    ]
    assert rec.balances[["currency", "invoiced_amount", "paid_amount", "open_balance"]].values.tolist() == [
        ["EUR", 30.0, 30.0, 0.0], ["USD", 22.0, 10.0, 12.0]]


# --- 3. one invoice with rows in two currencies ------------------------------------------------------------------

TWO_CURRENCY_INVOICE = {
    "Orders": (ORDER_HEADER,
               ("SO-1", 1, D(2026, 3, 2), "C1", "A", 10, 5.0, 0, "EUR", D(2026, 3, 4), 10),
               ("SO-2", 1, D(2026, 3, 2), "C1", "B", 2, 20.0, 0, "USD", D(2026, 3, 4), 2)),
    "Inventory": INVENTORY, "Customers": CUSTOMERS,
    # One invoice for two orders, by order and item (no line numbers), one row in EUR and one in USD.
    "Invoices": (INVOICE_HEADER,
                 ("INV-1", "SO-1", None, "A", 10, 50, D(2026, 3, 5), D(2026, 4, 4), "EUR"),      # row 2
                 ("INV-1", "SO-2", None, "B", 2, 40, D(2026, 3, 5), D(2026, 4, 4), "USD")),      # row 3
    "Payments": (PAYMENT_HEADER,
                 ("P-1", "INV-1", 45, D(2026, 4, 1)),                                            # row 2
                 ("P-2", "INV-1", 54, D(2026, 5, 10))),                                          # row 3: after AS_OF
}


def test_an_invoice_in_two_currencies_has_a_receivable_and_findings_per_currency(tmp_path):
    rec = reconciled(tmp_path / "two_currency_invoice.xlsx", TWO_CURRENCY_INVOICE)
    # P-1's 45.00 names no currency: it is spread over the invoice's rows in proportion to their amounts, 50 : 40,
    # so 25.00 falls on the EUR row and 20.00 on the USD row.
    assert rounded(rec.receivables) == [
        ["INV-1", "SO-1", "C1", "2026-03-05", "2026-04-04", "due date", 50.0, 25.0, 25.0, 26, "1-30", "EUR"],
        ["INV-1", "SO-2", "C1", "2026-03-05", "2026-04-04", "due date", 40.0, 20.0, 20.0, 26, "1-30", "USD"],
    ]
    assert rounded(rec.billing) == [
        ["SO-1", 1, "A", 10.0, 10.0, 50.0, 25.0, 25.0, 26, "EUR"],
        ["SO-2", 1, "B", 2.0, 2.0, 40.0, 20.0, 20.0, 26, "USD"],
    ]
    # Overdue: one finding per currency, each citing its own row's due date, in its own currency's amounts.
    assert found(rec) == [
        ["invoice-overdue", "invoices", "H2", "2026-04-04", "SO-1", None, "INV-1"],
        ["invoice-overdue", "invoices", "H3", "2026-04-04", "SO-2", None, "INV-1"],
    ]
    assert billing_exceptions(rec)["message"].tolist() == [
        "Invoice INV-1 for order SO-1 was due 2026-04-04: EUR 25.00 of EUR 50.00 is open, 26 days overdue. Remind "
        "the customer and agree a date.",
        "Invoice INV-1 for order SO-2 was due 2026-04-04: USD 20.00 of USD 40.00 is open, 26 days overdue. Remind "
        "the customer and agree a date.",
    ]


def test_an_invoice_in_two_currencies_paid_too_much_is_overpaid_in_each_never_in_one_sum(tmp_path):
    # As of 2026-05-31 P-2 is paid too: 99.00 spread 50 : 40 is 55.00 on the EUR row and 44.00 on the USD row.
    rec = reconciled(tmp_path / "overpaid.xlsx", TWO_CURRENCY_INVOICE, as_of="2026-05-31")
    assert rec.receivables[["currency", "invoiced_amount", "paid_amount", "open_balance", "age"]].values.tolist() == [
        ["EUR", 50.0, 55.0, -5.0, "credit"], ["USD", 40.0, 44.0, -4.0, "credit"]]
    # Both cite the last payment's amount (P-2, C3); neither adds USD to EUR.
    assert found(rec) == [["overpaid", "payments", "C3", "54", "SO-1", None, "INV-1"],
                          ["overpaid", "payments", "C3", "54", "SO-2", None, "INV-1"]]
    assert billing_exceptions(rec)["message"].tolist() == [
        "Invoice INV-1 for order SO-1 bills EUR 50.00 but EUR 55.00 was paid (its EUR rows' share of 2 payments): "
        "EUR 5.00 too much. Refund the customer or hold it as a credit on the account.",
        "Invoice INV-1 for order SO-2 bills USD 40.00 but USD 44.00 was paid (its USD rows' share of 2 payments): "
        "USD 4.00 too much. Refund the customer or hold it as a credit on the account.",
    ]


# --- 4. invoice rows that match no order line --------------------------------------------------------------------

def test_invoice_rows_matching_no_order_line_cite_the_cell_to_correct(tmp_path):
    rec = reconciled(tmp_path / "orphans.xlsx", {
        "Orders": (ORDER_HEADER, ("SO-1", 1, D(2026, 3, 2), "C1", "A", 10, 5.0, 0, "EUR", D(2026, 3, 4), 10)),
        "Inventory": INVENTORY, "Customers": CUSTOMERS,
        "Invoices": (INVOICE_HEADER,
                     ("INV-1", "SO-1", 1, "A", 10, 50, D(2026, 3, 5), D(2026, 4, 4), "EUR"),     # row 2: matches
                     ("INV-7", "SO-9", 1, "A", 2, 10, D(2026, 3, 5), D(2026, 5, 4), "EUR"),      # row 3: no order
                     ("INV-8", "SO-1", 5, "A", 2, 10, D(2026, 3, 5), D(2026, 5, 4), "EUR"),      # row 4: no line 5
                     ("INV-9", "SO-1", None, "Z", 2, 10, D(2026, 3, 5), D(2026, 5, 4), "EUR")),  # row 5: no item Z
        "Payments": (PAYMENT_HEADER, ("P-1", "INV-1", 50, D(2026, 4, 1))),
    })
    # The cell to correct: SO-9's order number (B3), SO-1's line 5 (C4), SO-1's item Z (D5).
    assert found(rec) == [
        ["invoiced-not-shipped", "invoices", "C4", "5", "SO-1", 5, "INV-8"],
        ["invoiced-not-shipped", "invoices", "D5", "Z", "SO-1", None, "INV-9"],
        ["invoiced-not-shipped", "invoices", "B3", "SO-9", "SO-9", 1, "INV-7"],
    ]
    assert billing_exceptions(rec)["message"].tolist() == [
        "Invoice INV-8 bills order SO-1, line 5, which is not on the orders sheet: nothing of it can have shipped. "
        "Correct the order or line on the invoice, or credit it.",
        "Invoice INV-9 bills order SO-1, item Z, which is not on the orders sheet: nothing of it can have shipped. "
        "Correct the order or line on the invoice, or credit it.",
        "Invoice INV-7 bills order SO-9, line 1, which is not on the orders sheet: nothing of it can have shipped. "
        "Correct the order or line on the invoice, or credit it.",
    ]
    # Validation warned about the unknown order on the same cell.
    unknown = rec.issues[rec.issues["code"] == "foreign-key"]
    assert unknown[["table", "cell", "value"]].values.tolist() == [["invoices", "B3", "SO-9"]]
    # Only the matched line is in rec.billing; each orphan is a receivable of its own, the customer known only
    # through a known order.
    assert rounded(rec.billing) == [["SO-1", 1, "A", 10.0, 10.0, 50.0, 50.0, 0.0, 0, "EUR"]]
    assert rec.receivables[["invoice_id", "order_id", "customer_id", "invoiced_amount", "open_balance", "age"]] \
        .astype(object).where(rec.receivables.notna(), None).values.tolist() == [
        ["INV-1", "SO-1", "C1", 50.0, 0.0, "settled"],
        ["INV-7", "SO-9", None, 10.0, 10.0, "not due"],
        ["INV-8", "SO-1", "C1", 10.0, 10.0, "not due"],
        ["INV-9", "SO-1", "C1", 10.0, 10.0, "not due"],
    ]


# --- 5. no due date: days overdue unknown, not 0 -----------------------------------------------------------------

def test_an_unpaid_invoice_without_any_due_date_has_unknown_days_overdue(tmp_path):
    rec = reconciled(tmp_path / "no_due_date.xlsx", {
        "Orders": (ORDER_HEADER,
                   ("SO-1", 1, D(2026, 3, 2), "C1", "A", 10, 5.0, 0, "EUR", D(2026, 3, 4), 10),
                   ("SO-2", 1, D(2026, 3, 2), "C1", "B", 2, 20.0, 0, "EUR", D(2026, 3, 4), 2)),
        "Inventory": INVENTORY,
        # C1 has no payment terms, and neither invoice a due date.
        "Customers": (("Customer ID", "Name", "Payment Terms Days"), ("C1", "Acme", None)),
        "Invoices": (INVOICE_HEADER,
                     ("INV-1", "SO-1", 1, "A", 10, 50, D(2026, 3, 5), None, "EUR"),              # unpaid
                     ("INV-2", "SO-2", 1, "B", 2, 40, D(2026, 3, 5), None, "EUR")),              # paid
        "Payments": (PAYMENT_HEADER, ("P-1", "INV-2", 40, D(2026, 4, 1))),
    })
    assert rounded(rec.billing) == [
        ["SO-1", 1, "A", 10.0, 10.0, 50.0, 0.0, 50.0, None, "EUR"],
        ["SO-2", 1, "B", 2.0, 2.0, 40.0, 40.0, 0.0, 0, "EUR"],
    ]
    assert rec.billing["days_overdue"].isna().tolist() == [True, False]
    assert rounded(rec.receivables) == [
        ["INV-1", "SO-1", "C1", "2026-03-05", None, None, 50.0, 0.0, 50.0, None, "no due date", "EUR"],
        ["INV-2", "SO-2", "C1", "2026-03-05", None, None, 40.0, 40.0, 0.0, 0, "settled", "EUR"],
    ]
    assert found(rec) == []
    assert rec.balances[["currency", "open_balance", "not_due", "overdue_1_30", "no_due_date"]].values.tolist() == [
        ["EUR", 50.0, 0.0, 0.0, 50.0]]
    assert rec.to_chase.empty


def test_a_line_with_one_invoice_not_due_and_one_without_a_due_date_is_not_known_to_be_on_time(tmp_path):
    rec = reconciled(tmp_path / "mixed_due.xlsx", {
        "Orders": (ORDER_HEADER, ("SO-1", 1, D(2026, 3, 2), "C1", "A", 10, 5.0, 0, "EUR", D(2026, 3, 4), 10)),
        "Inventory": INVENTORY,
        "Customers": (("Customer ID", "Name", "Payment Terms Days"), ("C1", "Acme", None)),
        "Invoices": (INVOICE_HEADER,
                     ("INV-1", "SO-1", 1, "A", 6, 30, D(2026, 3, 5), D(2026, 6, 1), "EUR"),      # not due yet
                     ("INV-2", "SO-1", 1, "A", 4, 20, D(2026, 3, 6), None, "EUR")),             # due unknown
        "Payments": (PAYMENT_HEADER,),
    })
    # Not known to be overdue, not known to be on time: blank. With INV-1 past due it would be its days.
    assert rec.billing["days_overdue"].isna().tolist() == [True]
    assert list(rec.receivables["age"]) == ["not due", "no due date"]


# --- 6. due by the sheet's due date or by the payment terms ------------------------------------------------------

def test_the_due_date_on_the_sheet_wins_over_the_payment_terms(tmp_path):
    rec = reconciled(tmp_path / "due.xlsx", {
        "Orders": (ORDER_HEADER,
                   ("SO-1", 1, D(2026, 3, 2), "C1", "A", 10, 5.0, 0, "EUR", D(2026, 3, 4), 10),
                   ("SO-2", 1, D(2026, 3, 2), "C1", "A", 10, 5.0, 0, "EUR", D(2026, 3, 4), 10),
                   ("SO-3", 1, D(2026, 3, 2), "C1", "A", 10, 5.0, 0, "EUR", D(2026, 3, 4), 10)),
        "Inventory": INVENTORY, "Customers": CUSTOMERS,                                          # C1: 30 days
        "Invoices": (INVOICE_HEADER,
                     # Due 2026-03-15, earlier than 2026-03-01 + 30 days.
                     ("INV-1", "SO-1", 1, "A", 10, 50, D(2026, 3, 1), D(2026, 3, 15), "EUR"),    # row 2
                     # No due date: 2026-03-01 + 30 days = 2026-03-31.
                     ("INV-2", "SO-2", 1, "A", 10, 50, D(2026, 3, 1), None, "EUR"),              # row 3
                     # Due 2026-04-20, later than the terms' 2026-03-31: the sheet's still.
                     ("INV-3", "SO-3", 1, "A", 10, 50, D(2026, 3, 1), D(2026, 4, 20), "EUR")),   # row 4
    })
    assert rec.receivables[["invoice_id", "due_date", "due_from", "days_overdue", "age"]].astype(object) \
        .values.tolist() == [
        ["INV-1", pd.Timestamp("2026-03-15"), "due date", 46, "31-60"],
        ["INV-2", pd.Timestamp("2026-03-31"), "payment terms", 30, "1-30"],
        ["INV-3", pd.Timestamp("2026-04-20"), "due date", 10, "1-30"],
    ]
    assert rec.billing["days_overdue"].tolist() == [46, 30, 10]
    # The due date is cited where it is written; from the terms, the invoice date it is counted from.
    assert found(rec) == [
        ["invoice-overdue", "invoices", "H2", "2026-03-15", "SO-1", None, "INV-1"],
        ["invoice-overdue", "invoices", "G3", "2026-03-01", "SO-2", None, "INV-2"],
        ["invoice-overdue", "invoices", "H4", "2026-04-20", "SO-3", None, "INV-3"],
    ]
    assert billing_exceptions(rec)["message"].tolist()[:2] == [
        "Invoice INV-1 for order SO-1 was due 2026-03-15: EUR 50.00 of EUR 50.00 is open, 46 days overdue. Remind "
        "the customer and agree a date.",
        "Invoice INV-2 for order SO-2 was due 2026-03-31 (payment terms): EUR 50.00 of EUR 50.00 is open, 30 days "
        "overdue. Remind the customer and agree a date.",
    ]
