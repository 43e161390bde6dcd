"""Invoices and payments read like the other tables (contract 2.3, 4.1 and 4.7): hand-built workbooks written with
openpyxl and read back with exact values, types and cells; an invoice header + line export joined on invoice_id
like orders; the validation findings of both tables; and two real data sets: Northwind 2007's 35 invoices read as
the invoices table, UCI Online Retail (whose InvoiceNo is an order number) still read as orders."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import omxl
from conftest import ONLINE_RETAIL, write_book
from northwind import NORTHWIND_2007, northwind_2007_invoiced_book

pytestmark = pytest.mark.core

AS_OF = "2026-04-30"
ORDERS = (("Order ID", "Order Date", "Customer", "SKU", "Qty", "Unit Price", "Currency"),
          ("SO-1", dt.date(2026, 3, 2), "C1", "A", 10, 5.0, "EUR"),
          ("SO-1", dt.date(2026, 3, 2), "C1", "B", 2, 20.0, "EUR"),
          ("SO-2", dt.date(2026, 3, 4), "C2", "A", 4, 6.0, "USD"))
INVENTORY = (("SKU", "On Hand"), ("A", 100), ("B", 100))


def cited(issues: pd.DataFrame, table: str) -> list[tuple]:
    rows = issues[(issues["table"] == table) & (issues["severity"] != "info")]
    return sorted(zip(rows["severity"], rows["code"], rows["sheet"], rows["cell"], rows["value"]))


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


# --- one workbook: invoices, payments, customers' credit terms ------------------------------------------------

@pytest.fixture(scope="module")
def billing_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("billing") / "billing.xlsx"
    return write_book(path, {
        "Orders": ORDERS,
        "Inventory": INVENTORY,
        "Customers": (("Customer ID", "Name", "Credit Limit", "Payment Terms Days"),
                      ("C1", "Acme", 5000, 30), ("C2", "Beta", 0, 14)),
        # A title row above the header, as printed registers have; a credit note is a negative line.
        "Invoices": (("Invoice register, March 2026",), (),
                     ("Invoice No", "Order No", "Line", "SKU", "Qty", "Amount", "Invoice Date", "Due Date",
                      "Currency", "Note"),
                     ("INV-1", "SO-1", 1, "A", 10, 50, dt.date(2026, 3, 5), dt.date(2026, 4, 4), "EUR", None),
                     ("INV-1", "SO-1", 2, "B", 2, 40, dt.date(2026, 3, 5), dt.date(2026, 4, 4), "EUR", None),
                     ("INV-2", "SO-2", None, None, None, "1,024.00", "2026-03-06", None, "USD", "whole order"),
                     ("CN-1", "SO-1", 2, "B", -1, -20, dt.date(2026, 3, 20), None, "EUR", "one B returned")),
        "Payments": (("Payment ID", "Invoice No", "Amount Paid", "Payment Date"),
                     ("P-1", "INV-1", 90, dt.date(2026, 3, 30)),
                     ("P-2", "INV-2", 10.5, dt.date(2026, 4, 1)),
                     ("P-3", "INV-2", " 14 ", "2026-04-02")),
    })


def test_invoices_payments_and_credit_terms_read_with_their_types_and_cells(billing_book):
    book = omxl.read_book(billing_book)
    layout = book.layout.set_index("sheet")
    assert layout.loc["Invoices", ["table", "matched_by", "header_row", "rows"]].tolist() == [
        "invoices", "sheet name", 3, 4]
    assert layout.loc["Payments", ["table", "matched_by", "header_row", "rows"]].tolist() == [
        "payments", "sheet name", 1, 3]
    invoices = book.invoices
    assert list(invoices.columns) == ["invoice_id", "order_id", "line", "sku", "qty", "amount", "invoice_date",
                                      "due_date", "currency", "Note", "source", "sheet", "row"]
    assert invoices.dtypes[["invoice_id", "order_id", "line", "sku", "qty", "amount", "invoice_date", "due_date",
                            "currency"]].astype(str).tolist() == [
        "string", "string", "Int64", "string", "float64", "float64", "datetime64[ns]", "datetime64[ns]", "string"]
    assert invoices["invoice_id"].tolist() == ["INV-1", "INV-1", "INV-2", "CN-1"]
    assert invoices["order_id"].tolist() == ["SO-1", "SO-1", "SO-2", "SO-1"]
    assert invoices["line"].tolist() == [1, 2, pd.NA, 2]
    assert invoices["sku"].tolist() == ["A", "B", pd.NA, "B"]
    assert invoices["qty"].fillna(-999).tolist() == [10.0, 2.0, -999, -1.0]
    # "1,024.00" written as text is read as the number and counted as a fix.
    assert invoices["amount"].tolist() == [50.0, 40.0, 1024.0, -20.0]
    assert invoices["invoice_date"].tolist() == [day("2026-03-05"), day("2026-03-05"), day("2026-03-06"),
                                                 day("2026-03-20")]
    assert invoices["due_date"].tolist()[:2] == [day("2026-04-04")] * 2
    assert invoices["due_date"].isna().tolist() == [False, False, True, True]
    assert invoices["currency"].tolist() == ["EUR", "EUR", "USD", "EUR"]
    assert invoices["Note"].tolist() == [None, None, "whole order", "one B returned"]
    assert invoices[["source", "sheet"]].drop_duplicates().values.tolist() == [["billing.xlsx", "Invoices"]]
    assert invoices["row"].tolist() == [4, 5, 6, 7]

    payments = book.payments
    assert list(payments.columns) == ["payment_id", "invoice_id", "amount", "paid_date", "source", "sheet", "row"]
    assert payments[["payment_id", "invoice_id", "amount"]].values.tolist() == [
        ["P-1", "INV-1", 90.0], ["P-2", "INV-2", 10.5], ["P-3", "INV-2", 14.0]]
    assert payments["paid_date"].tolist() == [day("2026-03-30"), day("2026-04-01"), day("2026-04-02")]
    assert payments["row"].tolist() == [2, 3, 4]

    customers = book.customers.set_index("customer_id")
    assert customers["credit_limit"].tolist() == [5000.0, 0.0]
    assert customers["payment_terms_days"].tolist() == [30.0, 14.0]
    assert customers["credit_limit"].dtype == "float64"

    # The text cells read as numbers and dates are counted where they are; the unknown Note column is reported once.
    fixes = book.findings[book.findings["code"] == "normalized-value"]
    assert sorted(zip(fixes["table"], fixes["cell"])) == [("invoices", "F6"), ("invoices", "G6"), ("payments", "C4"),
                                                          ("payments", "D4")]
    unknown = book.findings[book.findings["code"] == "unknown-column"]
    assert list(zip(unknown["table"], unknown["cell"], unknown["value"])) == [("invoices", "J3", "Note")]
    # A credit note's negative amount and quantity are not errors: nothing else to report.
    issues = omxl.validate(book, as_of=AS_OF)
    assert cited(issues, "invoices") == [] and cited(issues, "payments") == [] and cited(issues, "customers") == []


def test_invoice_and_payment_findings_cite_their_cells(tmp_path):
    path = write_book(tmp_path / "billing.xlsx", {
        "Orders": ORDERS,
        "Inventory": INVENTORY,
        "Customers": (("Customer ID", "Credit Limit", "Payment Terms Days"), ("C1", -100, 30), ("C2", 0, -7)),
        "Invoices": (("Invoice No", "Order No", "Line", "SKU", "Qty", "Amount", "Invoice Date", "Due Date"),
                     ("INV-1", "SO-1", 1, "A", 10, 50, dt.date(2026, 3, 5), dt.date(2026, 4, 4)),
                     ("INV-1", "SO-1", 1, "A", 10, 50, dt.date(2026, 3, 5), dt.date(2026, 4, 4)),
                     ("INV-3", "SO-9", 1, "A", 1, 5, dt.date(2026, 3, 6), dt.date(2026, 3, 1)),
                     ("INV-4", "SO-2", 1, "A", 4, None, dt.date(2026, 3, 6), None)),
        "Payments": (("Payment ID", "Invoice No", "Amount", "Paid Date"),
                     ("P-1", "INV-1", 50, dt.date(2026, 3, 30)),
                     ("P-1", "INV-1", 50, dt.date(2026, 3, 31)),
                     ("P-2", "INV-7", 20, dt.date(2026, 4, 1)),
                     ("P-3", "INV-1", -5, dt.date(2026, 4, 2)),
                     ("P-4", "INV-3", 5, None)),
    })
    issues = omxl.validate(omxl.read_book(path), as_of=AS_OF)
    assert cited(issues, "invoices") == [
        ("error", "constraint-error", "Invoices", "H4", "2026-03-01"),   # due before the invoice date
        ("error", "duplicate-key", "Invoices", "A3", "INV-1"),           # INV-1 line 1 again
        ("error", "missing-value", "Invoices", "F5", ""),                # no amount
        ("warning", "foreign-key", "Invoices", "B4", "SO-9"),            # an order the book does not have
    ]
    assert cited(issues, "payments") == [
        ("error", "constraint-error", "Payments", "C5", "-5"),           # a refund is not a payment
        ("error", "duplicate-key", "Payments", "A3", "P-1"),
        ("error", "missing-value", "Payments", "D6", ""),
        ("warning", "foreign-key", "Payments", "B4", "INV-7"),           # an invoice the book does not have
    ]
    assert cited(issues, "customers") == [
        ("error", "constraint-error", "Customers", "B2", "-100"),   # credit_limit
        ("error", "constraint-error", "Customers", "C3", "-7")]     # payment_terms_days
    message = dict(zip(issues["cell"] + "@" + issues["sheet"], issues["message"]))
    assert message["A3@Invoices"] == ("Invoice INV-1 line 1 appears more than once (first on row 2). Delete the "
                                      "repeated line or give it its own line number.")
    assert message["B4@Invoices"] == ("Order 'SO-9' is not in the orders sheet. Correct the order number on the "
                                      "invoice, or add the order; until then the invoice matches no order line.")
    assert message["H4@Invoices"] == ("'Due Date' (2026-03-01) is before 'Invoice Date' (2026-03-06). Correct one "
                                      "of the dates.")
    assert message["F5@Invoices"] == ("'Amount' is blank. Fill in the amount. Rows with a blank required value are "
                                      "left out of reconciliation and planning.")
    assert message["C5@Payments"] == ("'Amount' must be more than 0 (found -5). Correct the amount; a refund "
                                      "belongs on the invoices as a negative line (a credit note), not here.")
    assert message["A3@Payments"] == ("Payment P-1 appears more than once (first on row 2). Keep one row per "
                                      "payment.")
    assert message["B4@Payments"] == ("Invoice 'INV-7' is not in the invoices sheet. Correct the invoice number on "
                                      "the payment, or add the invoice; until then the payment is applied to "
                                      "nothing.")
    assert message["D6@Payments"] == ("'Paid Date' is blank. Fill in the date it was paid. Rows with a blank "
                                      "required value are left out of reconciliation and planning.")


def test_an_invoice_row_repeated_exactly_without_line_numbers_is_a_duplicate(tmp_path):
    (tmp_path / "orders.csv").write_text("Order ID,Order Date,Customer,SKU,Qty\nSO-1,2026-03-02,C1,A,10\n",
                                         encoding="utf-8")
    (tmp_path / "invoices.csv").write_text(
        "Invoice No,Order No,SKU,Qty,Amount,Invoice Date\n"
        "INV-1,SO-1,A,4,20,2026-03-05\nINV-1,SO-1,A,6,30,2026-03-05\nINV-1,SO-1,A,4,20,2026-03-05\n",
        encoding="utf-8")
    issues = omxl.validate(omxl.read_book(tmp_path / "orders.csv", tmp_path / "invoices.csv"), as_of=AS_OF)
    found = issues[issues["table"] == "invoices"]
    assert found[["severity", "code", "cell", "value"]].values.tolist() == [
        ["error", "duplicate-key", "A4", "INV-1"]]
    assert found["message"].item() == ("This invoice row repeats row 2 exactly (invoice INV-1, same order, item, "
                                       "quantity, amount and date). Delete it if it was entered twice.")


def test_invoice_and_payment_files_named_for_nothing_are_found_by_their_header_rows(tmp_path):
    files = {"o.csv": "Order ID,Order Date,Customer,SKU,Qty\nSO-1,2026-03-02,C1,A,1\n",
             "export_1.csv": "Invoice No,Order No,Amount,Invoice Date\nI-1,SO-1,5,2026-03-05\n",
             "export_2.csv": "Payment ID,Invoice No,Amount,Payment Date\nP-1,I-1,5,2026-03-09\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    book = omxl.read_book(*(tmp_path / name for name in files))
    assert book.layout[["source", "table", "matched_by"]].values.tolist() == [
        ["o.csv", "orders", "header"], ["export_1.csv", "invoices", "header"], ["export_2.csv", "payments", "header"]]
    assert book.invoices[["invoice_id", "order_id", "amount"]].values.tolist() == [["I-1", "SO-1", 5.0]]
    assert book.payments[["payment_id", "invoice_id", "amount"]].values.tolist() == [["P-1", "I-1", 5.0]]


# --- invoice header + line export ------------------------------------------------------------------------------

def test_invoice_header_and_line_sheets_join_on_invoice_id_like_orders(tmp_path):
    path = write_book(tmp_path / "erp.xlsx", {
        "Orders": ORDERS,
        "Inventory": INVENTORY,
        "Invoice Header": (("Invoice No", "Order No", "Invoice Date", "Due Date", "Currency"),
                           ("INV-1", "SO-1", dt.date(2026, 3, 5), dt.date(2026, 4, 4), "EUR"),
                           ("INV-2", "SO-2", dt.date(2026, 3, 6), None, "USD"),
                           ("INV-9", "SO-1", dt.date(2026, 3, 7), dt.date(2026, 4, 6), "EUR")),
        "Invoice Lines": (("Invoice No", "Line", "SKU", "Qty", "Amount", "Currency"),
                          ("INV-1", 1, "A", 10, 50, None),
                          ("INV-1", 2, "B", 2, 40, "GBP"),
                          ("INV-2", 1, "A", 4, 24, None),
                          ("INV-5", 1, "B", 1, 20, None)),
    })
    book = omxl.read_book(path)
    layout = book.layout.set_index("sheet")
    assert layout.loc["Invoice Header", ["table", "note"]].tolist() == [
        "invoices", "invoice header: joined onto the invoice lines by invoice_id"]
    assert layout.loc["Invoice Lines", ["table", "note"]].tolist() == [
        "invoices", "invoice lines: header values joined by invoice_id"]
    invoices = book.invoices
    assert len(invoices) == 4   # the lines, not lines + headers
    # Header values fill the lines; a column on both keeps the line's value where the line's cell is filled.
    assert invoices[["invoice_id", "line", "sku", "qty", "amount"]].values.tolist() == [
        ["INV-1", 1, "A", 10.0, 50.0], ["INV-1", 2, "B", 2.0, 40.0], ["INV-2", 1, "A", 4.0, 24.0],
        ["INV-5", 1, "B", 1.0, 20.0]]
    assert invoices["order_id"].tolist() == ["SO-1", "SO-1", "SO-2", pd.NA]
    assert invoices["invoice_date"].tolist() == [day("2026-03-05"), day("2026-03-05"), day("2026-03-06"), pd.NaT]
    assert invoices["due_date"].tolist()[:2] == [day("2026-04-04")] * 2 and invoices["due_date"][2:].isna().all()
    assert invoices["currency"].tolist() == ["EUR", "GBP", "USD", pd.NA]
    # Provenance stays the line's; the header row is carried beside it.
    assert invoices[["sheet", "row"]].values.tolist() == [["Invoice Lines", r] for r in (2, 3, 4, 5)]
    assert invoices["header_sheet"].tolist() == ["Invoice Header"] * 3 + [pd.NA]
    assert invoices["header_row"].tolist() == [2, 2, 3, pd.NA]
    assert "missing-column" not in set(book.findings["code"])

    issues = omxl.validate(book, as_of=AS_OF)
    assert cited(issues, "invoices") == [
        ("error", "foreign-key", "Invoice Header", "A4", "INV-9"),   # a header without lines
        ("error", "foreign-key", "Invoice Lines", "A5", "INV-5"),    # a line without its header
    ]
    message = dict(zip(issues["cell"] + "@" + issues["sheet"], issues["message"]))
    assert message["A5@Invoice Lines"] == (
        "Line of invoice INV-5 has no header row in erp.xlsx, so its order, invoice date and due date are "
        "unknown. Add the header row or correct the number; the line is left out until then.")
    assert message["A4@Invoice Header"] == (
        "The invoice header INV-9 has no lines in erp.xlsx: nothing of this invoice can be reconciled. Add its "
        "lines or delete the header row.")


# --- real data ------------------------------------------------------------------------------------------------

def test_northwind_2007_invoices_are_the_invoices_table(tmp_path):
    book = northwind_2007_invoiced_book(tmp_path)
    layout = book.layout.set_index("source")
    assert layout.loc["invoices.csv", ["table", "matched_by", "rows"]].tolist() == ["invoices", "sheet name", 35]
    plain = pd.read_csv(NORTHWIND_2007 / "invoices.csv", dtype=str)
    invoices = book.invoices
    assert len(invoices) == len(plain) == 35
    assert invoices["invoice_id"].tolist() == plain["id"].tolist()
    assert invoices["order_id"].tolist() == plain["order_id"].tolist()
    assert invoices["invoice_date"].tolist() == pd.to_datetime(plain["invoice_date"]).tolist()
    # Every amount is 0, no due date, no line, item or quantity: amounts have to come from the order lines.
    assert (invoices["amount"] == 0).all()
    assert invoices[["due_date", "line", "sku", "qty", "currency"]].isna().all().all()
    assert invoices[["tax", "shipping"]].values.tolist() == [["0", "0"]] * 35   # carried through, as written
    # Every invoice names an order with lines (orders.csv joined onto order_details.csv), as pandas finds too:
    # no foreign-key finding.
    details = pd.read_csv(NORTHWIND_2007 / "order_details.csv", dtype=str)
    assert set(plain["order_id"]) <= set(details["order_id"])
    assert set(invoices["order_id"]) <= set(book.orders["order_id"])
    issues = omxl.validate(book, as_of="2006-07-01")
    assert cited(issues, "invoices") == []
    unknown = issues[(issues["table"] == "invoices") & (issues["code"] == "unknown-column")]
    assert unknown["value"].tolist() == ["tax", "shipping"]


def test_online_retail_still_reads_as_orders(tmp_path):
    # UCI Online Retail's InvoiceNo and InvoiceDate are an order number and date: its daily files are orders.
    files = sorted(ONLINE_RETAIL.glob("*.csv"))
    book = omxl.read_book(*files)
    assert book.layout["table"].tolist() == ["orders"] * 4
    assert book.layout["matched_by"].tolist() == ["header"] * 4
    plain_rows = sum(len(pd.read_csv(f, dtype=str)) for f in files)
    assert len(book.orders) == plain_rows == 5910
    assert len(book.invoices) == 0 and len(book.payments) == 0
    mapped = book.column_map.drop_duplicates("header").set_index("header")["column"]
    assert (mapped["InvoiceNo"], mapped["InvoiceDate"], mapped["Quantity"]) == ("order_id", "order_date", "qty")
