"""Payment reminders (notify kind `customer-payment-reminder`, contract 4.5, docs/notify.md) on a hand-built billing
book written with openpyxl and read back: which invoices a customer is reminded of at a given number of days past
due, the exact subject and text, totals kept per currency, and through a real SMTP server on 127.0.0.1 with a
SQLite run history: a reminder is sent once, and again only when the open balance or the due date changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import omxl
from conftest import write_book
from omxl.errors import ConfigError
from omxl.messaging import Messages
from omxl.messaging.news import PAYMENT_COLUMNS
from omxl.reporting import History

AS_OF = "2026-04-30"
KIND = "customer-payment-reminder"
SENDER = "accounts@shop.example"
D = dt.date

ORDERS = (
    ("Order ID", "Line", "Order Date", "Customer", "SKU", "Qty", "Unit Price", "Currency", "Ship Date", "Shipped Qty"),
    ("SO-1", 1, D(2026, 2, 27), "C1", "A", 10, 5.0, "EUR", D(2026, 3, 1), 10),
    ("SO-1", 2, D(2026, 2, 27), "C1", "B", 2, 20.0, "EUR", D(2026, 3, 1), 2),
    ("SO-2", 1, D(2026, 3, 3), "C2", "A", 4, 6.0, "USD", D(2026, 3, 5), 4),
    ("SO-3", 1, D(2026, 3, 4), "C1", "A", 5, 5.0, "EUR", D(2026, 3, 6), 5),
    ("SO-4", 1, D(2026, 3, 9), "C1", "B", 2, 20.0, "EUR", D(2026, 3, 10), 2),
    ("SO-5", 1, D(2026, 2, 10), "C3", "B", 1, 20.0, "EUR", D(2026, 2, 12), 1),
    ("SO-6", 1, D(2026, 3, 10), "C4", "A", 2, 5.0, "EUR", D(2026, 3, 12), 2),
    ("SO-7", 1, D(2026, 2, 20), "C1", "C", 3, 10.0, "USD", D(2026, 2, 22), 3),
    ("SO-8", 1, D(2026, 4, 18), "C2", "C", 1, 12.0, "USD", D(2026, 4, 19), 1),
    ("SO-9", 1, D(2026, 3, 30), "C2", "C", 1, 15.0, "USD", D(2026, 3, 31), 1),
)
INVOICE_HEADER = ("Invoice No", "Order No", "Amount", "Invoice Date", "Due Date", "Currency")
INVOICES = {
    # Partly paid (P-1): EUR 30.00 of 90.00 open, due 2026-03-31, 30 days overdue on 2026-04-30.
    "INV-1": ("INV-1", "SO-1", 90, D(2026, 3, 1), D(2026, 3, 31), "EUR"),
    # No due date written: due by C2's 14 days' payment terms on 2026-03-20, 41 days overdue.
    "INV-2": ("INV-2", "SO-2", 24, D(2026, 3, 6), None, "USD"),
    # Paid in full (P-3).
    "INV-3": ("INV-3", "SO-3", 25, D(2026, 3, 7), D(2026, 4, 6), "EUR"),
    # A credit note: money given back, nothing to remind of.
    "CN-3": ("CN-3", "SO-3", -5, D(2026, 3, 20), None, "EUR"),
    # 20 days overdue: reminded at 0 days, not at 30.
    "INV-4": ("INV-4", "SO-4", 40, D(2026, 3, 11), D(2026, 4, 10), "EUR"),
    # C3 has no e-mail address: listed with its problem, never dropped. 46 days overdue.
    "INV-5": ("INV-5", "SO-5", 20, D(2026, 2, 13), D(2026, 3, 15), "EUR"),
    # No due date and C4 has no payment terms: no days overdue are known, so never reminded.
    "INV-6": ("INV-6", "SO-6", 10, D(2026, 3, 13), None, "EUR"),
    # C1's USD invoice, 36 days overdue: its total stays apart from C1's EUR.
    "INV-7": ("INV-7", "SO-7", 30, D(2026, 2, 23), D(2026, 3, 25), "USD"),
    # Due by C2's terms on 2026-05-04: not yet due, so not even at 0 days.
    "INV-8": ("INV-8", "SO-8", 12, D(2026, 4, 20), None, "USD"),
    # 10 days overdue.
    "INV-9": ("INV-9", "SO-9", 15, D(2026, 4, 1), D(2026, 4, 20), "USD"),
    # Its order is not on the orders sheet, so no customer to write to: left out.
    "INV-99": ("INV-99", "SO-99", 50, D(2026, 3, 1), D(2026, 3, 10), "EUR"),
}
PAYMENT_HEADER = ("Payment ID", "Invoice No", "Amount", "Paid Date")
PAYMENTS = (("P-1", "INV-1", 60, D(2026, 4, 2)), ("P-3", "INV-3", 25, D(2026, 4, 1)))
CUSTOMERS = (
    ("Customer ID", "Name", "Email", "Payment Terms Days"),
    ("C1", "Acme", "ap@acme.example", 30),
    ("C2", "Beta", "billing@beta.example", 14),
    ("C3", "Corner Shop", None, 30),
    ("C4", "Delta", "delta@example.com", None),
)


def billing_book(path: Path, invoices: dict | None = None, payments: tuple = PAYMENTS, *,
                 with_invoices: bool = True) -> Path:
    """The hand-built book as a real .xlsx; `invoices` replaces invoice rows by number, `payments` the payments."""
    rows = {**INVOICES, **(invoices or {})}
    sheets = {"Orders": ORDERS, "Inventory": (("SKU", "On Hand"), ("A", 100), ("B", 100), ("C", 100)),
              "Customers": CUSTOMERS}
    if with_invoices:
        sheets.update(Invoices=(INVOICE_HEADER, *rows.values()), Payments=(PAYMENT_HEADER, *payments))
    return write_book(path, sheets)


def reminders(path: Path, days: int | None, **kwargs) -> Messages:
    config = {} if days is None else {"payment_reminder_days": days}
    config.update(kwargs.pop("config", {}))
    return omxl.notify(omxl.read_book(path, config=config), as_of=kwargs.pop("as_of", AS_OF), **kwargs)


def plain(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(r) for r in frame.astype(object).where(frame.notna(), None).itertuples(index=False)]


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return billing_book(tmp_path_factory.mktemp("reminders") / "billing.xlsx")


@pytest.fixture(scope="module")
def at_zero(book) -> Messages:
    return reminders(book, 0)


def test_every_invoice_past_due_is_reminded_at_zero_days(at_zero):
    table = at_zero.news[KIND]
    assert tuple(table.columns) == (*PAYMENT_COLUMNS, "key")
    ts = pd.Timestamp
    assert plain(table[list(PAYMENT_COLUMNS)]) == [
        # C1: most days overdue first; EUR and USD invoices side by side, never added up.
        ("C1", "INV-7", "SO-7", ts("2026-02-23"), ts("2026-03-25"), 36, 30.0, 0.0, 30.0, "USD", "INV-7/USD",
         "30.00 due 2026-03-25"),
        ("C1", "INV-1", "SO-1", ts("2026-03-01"), ts("2026-03-31"), 30, 90.0, 60.0, 30.0, "EUR", "INV-1/EUR",
         "30.00 due 2026-03-31"),
        ("C1", "INV-4", "SO-4", ts("2026-03-11"), ts("2026-04-10"), 20, 40.0, 0.0, 40.0, "EUR", "INV-4/EUR",
         "40.00 due 2026-04-10"),
        # INV-2's due date comes from C2's payment terms (14 days after 2026-03-06).
        ("C2", "INV-2", "SO-2", ts("2026-03-06"), ts("2026-03-20"), 41, 24.0, 0.0, 24.0, "USD", "INV-2/USD",
         "24.00 due 2026-03-20"),
        ("C2", "INV-9", "SO-9", ts("2026-04-01"), ts("2026-04-20"), 10, 15.0, 0.0, 15.0, "USD", "INV-9/USD",
         "15.00 due 2026-04-20"),
        ("C3", "INV-5", "SO-5", ts("2026-02-13"), ts("2026-03-15"), 46, 20.0, 0.0, 20.0, "EUR", "INV-5/EUR",
         "20.00 due 2026-03-15"),
    ]
    # Left out: INV-3 (paid), CN-3 (a credit), INV-6 (no due date known), INV-8 (due 2026-05-04, not yet due),
    # INV-99 (its order is not in the book: no customer to write to).
    assert set(table["invoice_id"]) == {"INV-1", "INV-2", "INV-4", "INV-5", "INV-7", "INV-9"}
    assert str(table["days_overdue"].dtype) == "Int64"


def test_at_thirty_days_only_invoices_thirty_or_more_days_overdue(book):
    table = reminders(book, 30).news[KIND]
    assert plain(table[["recipient", "invoice_id", "days_overdue", "open_balance"]]) == [
        ("C1", "INV-7", 36, 30.0), ("C1", "INV-1", 30, 30.0), ("C2", "INV-2", 41, 24.0), ("C3", "INV-5", 46, 20.0)]
    assert list(reminders(book, 31).news[KIND]["invoice_id"]) == ["INV-7", "INV-2", "INV-5"]


def test_one_reminder_per_customer_the_one_without_an_address_listed(at_zero):
    frame = at_zero.messages
    assert plain(frame[["kind", "recipient_id", "name", "to", "subject", "lines", "due", "problem"]]) == [
        (KIND, "C1", "Acme", "ap@acme.example", "Payment reminder: invoices INV-7, INV-1, INV-4", 3, True, None),
        (KIND, "C2", "Beta", "billing@beta.example", "Payment reminder: invoices INV-2, INV-9", 2, True, None),
        (KIND, "C3", "Corner Shop", None, "Payment reminder: invoice INV-5", 1, True, "no e-mail address"),
    ]
    figures = at_zero.figures.set_index("label")["value"].to_dict()
    assert figures == {"Recipients with news": 3, "Messages due": 3, "Without an address": 1,
                       f"Kind: {KIND}": 3}


def test_the_text_lists_each_invoice_and_the_totals_per_currency(at_zero):
    message = at_zero.email(f"{KIND}:C1", sender=SENDER)
    assert message["Subject"] == "Payment reminder: invoices INV-7, INV-1, INV-4"
    assert str(message["To"]) == "Acme <ap@acme.example>"
    assert message.get_body(("plain",)).get_content().splitlines() == [
        "Dear Acme,",
        "",
        "According to our records, 3 invoices are past their due date and not yet paid in full. This is where each "
        "stands as of 2026-04-30:",
        "",
        "Invoice INV-7 (order SO-7), dated 2026-02-23",
        "  Due: 2026-03-25, 36 days overdue",
        "  Amount: USD 30.00",
        "  Paid: USD 0.00",
        "  Open: USD 30.00",
        "",
        "Invoice INV-1 (order SO-1), dated 2026-03-01",
        "  Due: 2026-03-31, 30 days overdue",
        "  Amount: EUR 90.00",
        "  Paid: EUR 60.00",
        "  Open: EUR 30.00",
        "",
        "Invoice INV-4 (order SO-4), dated 2026-03-11",
        "  Due: 2026-04-10, 20 days overdue",
        "  Amount: EUR 40.00",
        "  Paid: EUR 0.00",
        "  Open: EUR 40.00",
        "",
        # USD 30.00 and EUR 30.00 + 40.00: two totals, never one sum of 100.
        "Open in total:",
        "  USD 30.00",
        "  EUR 70.00",
        "",
        "Please arrange payment of the open amount at your earliest convenience.",
        "If you have already paid, thank you: please reply with the date and amount of your payment so we can "
        "match it.",
        "",
        "Kind regards,",
        "Accounts receivable",
    ]
    html = message.get_body(("html",)).get_content()
    assert ('<tr><td>INV-1</td><td>SO-1</td><td>2026-03-01</td><td>2026-03-31</td><td style="text-align: right;">'
            '30</td><td style="text-align: right;">90.00</td><td style="text-align: right;">60.00</td>'
            '<td style="text-align: right;">30.00</td><td>EUR</td></tr>') in html
    assert '<tr><td>USD</td><td style="text-align: right;">30.00</td></tr>\n' \
           '<tr><td>EUR</td><td style="text-align: right;">70.00</td></tr>' in html


def test_one_invoice_reads_in_the_singular(at_zero):
    message = at_zero.email(f"{KIND}:C3")
    assert message["Subject"] == "Payment reminder: invoice INV-5" and message["To"] is None
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("Dear Corner Shop,\n\nAccording to our records, one invoice is past its due date and not "
                           "yet paid in full. This is where each stands as of 2026-04-30:\n")
    assert "  Due: 2026-03-15, 46 days overdue\n" in text and "Open in total:\n  EUR 20.00\n\n" in text


def test_off_unless_set_and_nothing_without_invoices(book, tmp_path):
    assert KIND not in reminders(book, None).news
    assert reminders(book, None).messages.empty
    without = reminders(billing_book(tmp_path / "no-invoices.xlsx", with_invoices=False), 0)
    assert without.news[KIND].empty and tuple(without.news[KIND].columns) == (*PAYMENT_COLUMNS, "key")
    assert without.messages.empty


def test_payment_reminder_days_cannot_be_negative(book):
    with pytest.raises(ConfigError, match="setting 'payment_reminder_days': Input should be greater than or equal "
                                          "to 0 \\(found -1\\)"):
        reminders(book, -1)


def received(server) -> dict[str, object]:
    """The messages the server accepted, by recipient address; the server's list is emptied."""
    out = {r.rcpt_tos[0]: r.message for r in server.received}
    assert all(len(r.rcpt_tos) == 1 for r in server.received)
    server.received.clear()
    return out


def test_sent_once_then_again_only_when_the_balance_or_due_date_changes(smtp_server, tmp_path, book):
    server = smtp_server()
    history = History(tmp_path / "omxl-history.sqlite")
    smtp = {"smtp": server.settings(sender=SENDER)}

    def run(path: Path, **kwargs) -> Messages:
        return reminders(path, 30, config=smtp, history=history, **kwargs)

    first = run(book)
    report = first.send()
    assert len(report.sent) == 2 and report.refused.empty
    got = received(server)
    assert sorted(got) == ["ap@acme.example", "billing@beta.example"]   # C3 has no address: never sent
    acme = got["ap@acme.example"]
    assert (acme["To"], acme["From"], acme["Subject"]) == ("Acme <ap@acme.example>", SENDER,
                                                           "Payment reminder: invoices INV-7, INV-1")
    text = acme.get_body(("plain",)).get_content()
    assert "Invoice INV-1 (order SO-1), dated 2026-03-01\n  Due: 2026-03-31, 30 days overdue\n  Amount: EUR 90.00\n" \
           "  Paid: EUR 60.00\n  Open: EUR 30.00\n" in text
    assert "Open in total:\n  USD 30.00\n  EUR 30.00\n" in text
    assert got["billing@beta.example"]["Subject"] == "Payment reminder: invoice INV-2"
    told = history.told()
    assert sorted(zip(told["kind"], told["recipient"], told["item"], told["state"])) == [
        (KIND, "C1", "INV-1/EUR", "30.00 due 2026-03-31"), (KIND, "C1", "INV-7/USD", "30.00 due 2026-03-25"),
        (KIND, "C2", "INV-2/USD", "24.00 due 2026-03-20")]

    # The same book again, that day and the next (one more day overdue is no news): nothing is due.
    for as_of in (AS_OF, "2026-05-01"):
        again = run(book, as_of=as_of)
        reachable = again.messages["to"].notna()
        assert list(again.messages.loc[reachable, "due"]) == [False, False]
        assert list(again.messages.loc[~reachable, "key"]) == [f"{KIND}:C3"]   # never sent, so still news
        assert again.send().sent == [] and server.received == []

    # A payment of 10.00 on INV-1: C1's open balance is now 20.00, so C1 is reminded again; C2 is not.
    paid = run(billing_book(tmp_path / "paid.xlsx", payments=(*PAYMENTS, ("P-4", "INV-1", 10, D(2026, 4, 28)))))
    assert list(paid.messages.loc[paid.messages["due"], "key"]) == [f"{KIND}:C1", f"{KIND}:C3"]
    assert len(paid.send().sent) == 1
    got = received(server)
    assert list(got) == ["ap@acme.example"]
    text = got["ap@acme.example"].get_body(("plain",)).get_content()
    assert "  Paid: EUR 70.00\n  Open: EUR 20.00\n" in text and "Open in total:\n  USD 30.00\n  EUR 20.00\n" in text

    # INV-2 gets a due date of its own, 2026-03-27 instead of its terms' 2026-03-20: C2 is reminded again.
    moved = billing_book(tmp_path / "moved.xlsx",
                         invoices={"INV-2": ("INV-2", "SO-2", 24, D(2026, 3, 6), D(2026, 3, 27), "USD")},
                         payments=(*PAYMENTS, ("P-4", "INV-1", 10, D(2026, 4, 28))))
    changed = run(moved)
    assert list(changed.messages.loc[changed.messages["due"], "key"]) == [f"{KIND}:C2", f"{KIND}:C3"]
    changed.send()
    got = received(server)
    assert list(got) == ["billing@beta.example"]
    assert "Invoice INV-2 (order SO-2), dated 2026-03-06\n  Due: 2026-03-27, 34 days overdue\n" in \
        got["billing@beta.example"].get_body(("plain",)).get_content()
    assert not run(moved).messages.loc[lambda m: m["to"].notna(), "due"].any()

    # force: both are due again, and `changed` still says their news is the same.
    forced = run(moved, force=True)
    assert list(forced.messages["due"]) == [True, True, True]
    assert list(forced.messages["changed"]) == [False, False, True]
    assert len(forced.send().sent) == 2
    assert sorted(received(server)) == ["ap@acme.example", "billing@beta.example"]
