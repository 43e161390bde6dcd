"""Billing as a person reads it: the Billing page, Receivables and Billing Lines sheets of `omxl reconcile --out`,
the Billing sheet and the DSO KPI of the weekly workbook; every figure against an independent pandas computation
from the sheets written, and the page printed by LibreOffice."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pypdf
import pytest
from click.testing import CliRunner

import omxl
from omxl.cli import cli

from conftest import convert_with_libreoffice, write_book
from northwind import NORTHWIND_2007, northwind_2007_invoiced_book
from test_billing import AS_OF, INVOICES, ORDERS, PAYMENTS, RETURNS

pytestmark = pytest.mark.core

CUSTOMERS = (("Customer ID", "Name", "Payment Terms Days"), ("C1", "Acme", 30), ("C2", "Beta", 14))


@pytest.fixture(scope="module")
def book_path(tmp_path_factory):
    return write_book(tmp_path_factory.mktemp("billing-out") / "billing.xlsx", {
        "Orders": ORDERS, "Inventory": (("SKU", "On Hand"), ("A", 100), ("B", 100), ("C", 100)),
        "Customers": CUSTOMERS, "Invoices": INVOICES, "Payments": PAYMENTS, "Returns": RETURNS})


def frame(rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(rows[1:]), columns=list(rows[0]))


def expected_balances() -> pd.DataFrame:
    """Per currency, from the sheets alone: invoiced, paid, open, open by age, DSO; unbilled value of the shipped
    lines of orders no invoice names (every other shipped line of this book is invoiced in full)."""
    as_of = pd.Timestamp(AS_OF)
    invoices = frame(INVOICES).assign(**{"Invoice Date": lambda f: pd.to_datetime(f["Invoice Date"]),
                                         "Due Date": lambda f: pd.to_datetime(f["Due Date"])})
    invoices = invoices[invoices["Invoice Date"] <= as_of]
    payments = frame(PAYMENTS)
    payments = payments[pd.to_datetime(payments["Paid Date"]) <= as_of]
    orders = frame(ORDERS)
    terms = frame(CUSTOMERS).set_index("Customer ID")["Payment Terms Days"]
    customer = orders.drop_duplicates("Order ID").set_index("Order ID")["Customer"]
    per = invoices.groupby("Invoice No").agg(order=("Order No", "first"), currency=("Currency", "first"),
                                             amount=("Amount", "sum"), date=("Invoice Date", "min"),
                                             due=("Due Date", "min"))
    per["paid"] = payments.groupby("Invoice No")["Amount"].sum().reindex(per.index).fillna(0.0)
    per["open"] = per["amount"] - per["paid"]
    by_terms = per["date"] + pd.to_timedelta(per["order"].map(customer).map(terms), unit="D")
    per["days"] = (as_of - per["due"].fillna(by_terms)).dt.days
    open_ = per["open"] > 0.005
    bins = {"not_due": open_ & (per["days"] <= 0), "overdue_1_30": open_ & per["days"].between(1, 30),
            "overdue_31_60": open_ & per["days"].between(31, 60), "overdue_61_90": open_ & per["days"].between(61, 90),
            "overdue_over_90": open_ & (per["days"] > 90)}
    out = per.groupby("currency").agg(invoiced_amount=("amount", "sum"), paid_amount=("paid", "sum"),
                                      open_balance=("open", "sum"))
    for name, mask in bins.items():
        out[name] = per["open"].where(mask, 0.0).groupby(per["currency"]).sum()
    recent = per["date"] >= as_of - pd.Timedelta(days=89)
    out["dso"] = out["open_balance"] / per["amount"].where(recent, 0.0).groupby(per["currency"]).sum() * 90
    shipped = orders[(orders["Shipped Qty"].fillna(0) > 0) & ~orders["Order ID"].isin(invoices["Order No"])]
    unbilled = (shipped["Shipped Qty"] * shipped["Unit Price"] * (1 - shipped["Discount"])).groupby(
        shipped["Currency"]).sum()
    out["unbilled_value"] = unbilled.reindex(out.index).fillna(0.0)
    return out


def block(sheet, heading: str) -> list[list]:
    """The rows of the table under `heading` on a Billing page: the header row, then the rows until a blank."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == heading) + 1
    if rows[start][1] is None:   # a sentence under the heading
        start += 1
    out = []
    for r in rows[start:]:
        if all(v is None for v in r):
            break
        out.append(r)
    return out


def test_reconcile_out_billing_page_equals_pandas(book_path, tmp_path):
    out = tmp_path / "status.xlsx"
    result = CliRunner().invoke(cli, ["reconcile", str(book_path), "--as-of", AS_OF, "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames[-3:] == ["Billing", "Receivables", "Billing Lines"]
    page = workbook["Billing"]
    assert page["A1"].value == "Billing as of 2026-04-30"
    expected = expected_balances()

    balances = block(page, "Balances per currency")
    assert balances[0][:8] == ["Currency", "Invoiced", "Paid", "Open", "Shipped, not invoiced", "DSO (days)",
                               "Invoiced, last 90 days", "Note"]
    shown = {r[0]: r[1:7] for r in balances[1:]}
    assert list(shown) == ["EUR", "USD"]
    for currency, row in shown.items():
        want = expected.loc[currency]
        assert row == pytest.approx([want["invoiced_amount"], want["paid_amount"], want["open_balance"],
                                     want["unbilled_value"], want["dso"], want["invoiced_amount"]])
    # By hand: EUR INV-1 90.00 - 60.00 paid, INV-3 40.00 - 45.00 (overpaid), CN-3 -4.50; SO-4's 3 x 20.00 never
    # invoiced (INV-9 is dated after as_of). USD INV-2 34.00 unpaid.
    assert shown["EUR"][:4] == [125.5, 105, 20.5, 60] and shown["USD"][:4] == [34, 0, 34, 0]
    assert shown["EUR"][4] == pytest.approx(20.5 / 125.5 * 90) and page["F6"].number_format == "#,##0.0"

    ages = block(page, "Open receivables by age (days past due)")
    assert ages[0] == ["Currency", "Not due yet", "1-30 days", "31-60 days", "61-90 days", "Over 90 days",
                       "No due date", None]
    for row in ages[1:]:
        want = expected.loc[row[0]]
        assert row[1:6] == [want[c] for c in ("not_due", "overdue_1_30", "overdue_31_60", "overdue_61_90",
                                               "overdue_over_90")]
    # INV-1 was due 2026-04-04 (26 days), INV-2 by Beta's 14 days' terms on 2026-03-20 (41 days).
    assert ages[1:] == [["EUR", 0, 30, 0, 0, 0, 0, None], ["USD", 0, 0, 34, 0, 0, 0, None]]

    chase = block(page, "Receivables to chase")
    assert chase[0] == ["Customer", "Invoice", "Order", "Due date", "Days overdue", "Open", "Currency", "Action"]
    assert chase[1:] == [["Beta", "INV-2", "SO-2", dt.datetime(2026, 3, 20), 41, 34, "USD",
                          "call the customer and agree a payment date"],
                         ["Acme", "INV-1", "SO-1", dt.datetime(2026, 4, 4), 26, 30, "EUR", "send a payment reminder"]]

    receivables = [list(r) for r in workbook["Receivables"].iter_rows(values_only=True)]
    assert receivables[0] == ["Invoice", "Order", "Customer", "Invoice date", "Due date", "Due date from",
                              "Invoiced", "Paid", "Open", "Days overdue", "Age (days past due)", "Currency"]
    assert [r[0] for r in receivables[1:]] == ["INV-1", "INV-2", "INV-3", "CN-3"]
    assert receivables[3][5:] == ["due date", 40, 45, -5, 0, "credit", "EUR"]
    lines = list(workbook["Billing Lines"].iter_rows(values_only=True))
    assert len(lines) == 1 + 7 and lines[0][:3] == ("Order", "Line", "SKU")


def test_a_book_without_invoices_gets_no_billing_sheets(tmp_path):
    path = plain_book(tmp_path)
    out = tmp_path / "status.xlsx"
    assert CliRunner().invoke(cli, ["reconcile", str(path), "--as-of", AS_OF, "--out", str(out), "-q"]).exit_code == 0
    assert openpyxl.load_workbook(out, read_only=True).sheetnames == [
        "Summary", "Order Status", "Closed Lines", "Orders", "Exceptions", "Inventory", "Returns"]


def test_balances_converted_into_the_base_currency_keep_the_rows_per_currency(book_path):
    rec = omxl.reconcile(omxl.read_book(book_path), as_of=AS_OF,
                         config={"base_currency": "EUR", "fx_rates": {"USD": 0.9}})
    balances = rec.balances
    assert list(balances["currency"]) == ["EUR", "USD", "EUR"] and list(balances["converted"]) == [False, False, True]
    converted = balances.iloc[2]
    assert (converted["invoiced_amount"], converted["open_balance"], converted["overdue_31_60"]) == \
        pytest.approx((125.5 + 34 * 0.9, 20.5 + 34 * 0.9, 34 * 0.9))
    assert converted["dso"] == pytest.approx((20.5 + 30.6) / (125.5 + 30.6) * 90)
    assert converted["note"] == "all currencies in EUR at USD 0.9"


def weekly_workbook(path, folder) -> openpyxl.Workbook:
    """`omxl weekly PATH --out weekly.xlsx` (exit code 0), the workbook it wrote."""
    out = folder / "weekly.xlsx"
    result = CliRunner().invoke(cli, ["weekly", str(path), "--as-of", AS_OF, "--out", str(out),
                                      "--history", str(folder / "h.sqlite"), "-q"])
    assert result.exit_code == 0, result.output
    return openpyxl.load_workbook(out)


def plain_book(folder):
    """The billing book's orders and stock, without customers, invoices or payments."""
    return write_book(folder / "plain.xlsx", {"Orders": ORDERS, "Inventory": (("SKU", "On Hand"), ("A", 1), ("B", 1),
                                                                                 ("C", 1))})


def test_weekly_workbook_billing_sheet_and_dso_equal_pandas(book_path, tmp_path):
    workbook = weekly_workbook(book_path, tmp_path)
    sheet = workbook["Billing"]
    expected = expected_balances()
    assert sheet["A1"].value == "Billing, week 2026-W18 (as of 2026-04-30)"
    assert sheet["A2"].value == ("Invoices and payments up to 2026-04-30. One row per currency: money is never added "
                                 "across currencies. Ages: days past the due date.")
    assert [c.value for c in sheet[4][:7]] == ["Currency", "Invoiced", "Paid", "Open", "Shipped, not invoiced",
                                               "DSO (days)", "Invoiced, last 90 days"]
    for row in (5, 6):
        currency = sheet[f"A{row}"].value
        want = expected.loc[currency]
        assert [sheet[f"{c}{row}"].value for c in "BCDEF"] == pytest.approx(
            [want["invoiced_amount"], want["paid_amount"], want["open_balance"], want["unbilled_value"], want["dso"]])
    assert sheet["A8"].value == "Open receivables by age (days past due)"
    assert [[c.value for c in sheet[r][:7]] for r in (10, 11)] == [["EUR", 0, 30, 0, 0, 0, 0],
                                                                  ["USD", 0, 0, 34, 0, 0, 0]]
    assert sheet["A13"].value == "Receivables to chase"
    assert [c.value for c in sheet[15][:5]] == ["Beta", "INV-2", "SO-2", dt.datetime(2026, 3, 20), 41]
    # The KPI sheet: DSO per currency, in days.
    kpis = {r[0]: r for r in workbook["KPIs"].iter_rows(min_row=4, max_col=8, values_only=True)}
    assert kpis["DSO"][4] == "Lower is better"
    values = [r[1] for r in workbook["KPIs"].iter_rows(min_row=4, max_col=2, values_only=True) if r[0] == "DSO"]
    assert values == ["14.7 days (EUR)", "90.0 days (USD)"]
    assert expected.loc["EUR", "dso"] == pytest.approx(14.7, abs=0.05)


def test_libreoffice_prints_the_billing_page_on_one_landscape_page(book_path, tmp_path):
    out = tmp_path / "status.xlsx"
    CliRunner().invoke(cli, ["reconcile", str(book_path), "--as-of", AS_OF, "--out", str(out), "-q"])
    workbook = openpyxl.load_workbook(out)
    for name in workbook.sheetnames:   # print the Billing page alone
        workbook[name].sheet_state = "visible" if name == "Billing" else "hidden"
    workbook.active = workbook.sheetnames.index("Billing")
    single = tmp_path / "billing-only.xlsx"
    workbook.save(single)
    pages = pypdf.PdfReader(str(convert_with_libreoffice(single, "pdf", tmp_path))).pages
    assert len(pages) == 1
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    assert width > height   # landscape
    text = " ".join(pages[0].extract_text().split())
    for words in ("Billing as of 2026-04-30", "Balances per currency", "Open receivables by age (days past due)",
                  "Receivables to chase", "call the customer and agree a payment date", "125.50", "14.7"):
        assert words in text, words


def test_the_weekly_billing_sheet_of_a_book_without_invoices_says_so_once(tmp_path):
    workbook = weekly_workbook(plain_book(tmp_path), tmp_path)
    sheet = workbook["Billing"]
    assert sheet["A2"].value == "The book has no invoices table: billing is not known."
    assert [sheet[f"D{row}"].value for row in (3, 7, 11)] == [None, None, None]
    assert [sheet[f"A{row}"].value for row in (3, 4, 5, 7, 8, 11, 12)] == [
        "Balances per currency", "Currency", None, "Open receivables by age (days past due)", "Currency",
        "Receivables to chase", "Customer"]
    dso = [r for r in workbook["KPIs"].iter_rows(min_row=4, max_col=8, values_only=True) if r[0] == "DSO"]
    assert dso == [("DSO", None, None, None, "Lower is better", None, None, "no invoices table in the book")]


def test_write_back_adds_the_billing_sheets_linked_from_the_summary(book_path, tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(book_path.read_bytes())
    result = CliRunner().invoke(cli, ["reconcile", str(path), "--as-of", AS_OF, "--write-back", "-q"])
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(path)
    ours = [name for name in workbook.sheetnames if name.startswith("omxl ")]
    assert ours[-3:] == ["omxl Billing", "omxl Receivables", "omxl Billing Lines"]
    summary = {row[0]: row[1] for row in workbook["omxl Summary"].iter_rows(values_only=True)}
    assert summary["omxl Billing"] == "Balances per currency, DSO, open receivables by age, and the invoices to chase."
    assert summary["omxl Receivables"].startswith("One row per invoice")
    assert workbook["omxl Billing"]["A1"].value == "Billing as of 2026-04-30"
    # The user's own sheets are all still there, first.
    assert workbook.sheetnames[:6] == ["Orders", "Inventory", "Customers", "Invoices", "Payments", "Returns"]


def test_northwind_2007_balances_equal_pandas(tmp_path):
    """Real invoices: every one of Northwind 2007's 35 bills 0.00 and none is paid, so nothing is open, nothing
    is overdue and DSO is not known; the balances say so rather than show a ratio of nothing."""
    as_of = "2006-07-01"
    rec = omxl.reconcile(northwind_2007_invoiced_book(tmp_path), as_of=as_of)
    invoices = pd.read_csv(NORTHWIND_2007 / "invoices.csv")
    invoices = invoices[pd.to_datetime(invoices["invoice_date"]) <= pd.Timestamp(as_of)]
    balances = rec.balances
    assert len(balances) == 1 and pd.isna(balances["currency"].iloc[0])
    row = balances.iloc[0]
    assert (row["invoiced_amount"], row["paid_amount"], row["open_balance"]) == (
        invoices["amount_due"].sum(), 0.0, invoices["amount_due"].sum()) == (0.0, 0.0, 0.0)
    assert len(rec.receivables) == invoices["id"].nunique() == 35
    assert set(rec.receivables["age"]) == {"settled"}
    assert pd.isna(row["dso"]) and row["note"] == "nothing invoiced in the last 90 days: no DSO"
    # Every shipped line's order has an invoice (test_billing.py counts them against pandas): nothing unbilled.
    assert row["unbilled_value"] == 0.0
    assert rec.to_chase.empty


def test_the_billing_page_lists_the_20_most_overdue_and_points_to_the_receivables_sheet(book_path):
    from omxl.presentation.billing_sheet import billing_page

    rec = omxl.reconcile(omxl.read_book(book_path), as_of=AS_OF)
    many = pd.concat([rec.to_chase] * 15, ignore_index=True)   # 30 invoices to chase
    page = billing_page(rec.balances, many, rec.as_of)
    texts = [row[0].value for row in page.rows if row]
    at = texts.index("Receivables to chase")
    assert texts[at + 1] == ("30 invoices have money open past the due date, most days overdue first; the 20 most "
                             "overdue are here, every invoice is on the Receivables sheet.")
    assert texts[at + 2] == "Customer" and len(texts) == at + 3 + 20
