"""notify (contract 4.5, docs/notify.md) on the hand-built book of tests/notify_book.py: who gets which message,
the exact text of each (golden files, byte for byte), HTML that escapes the workbook's text, headers a name
cannot break, .eml files that parse back with their attachments, recipients without an address listed, and no
repeats over two runs through the run history."""

from __future__ import annotations

import functools
import io
import email
from email import policy
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import omxl
from notify_book import AS_OF, notify_book
from omxl.errors import ConfigError
from omxl.messaging import MESSAGE_COLUMNS, Messages, notify
from omxl.reporting import History
from omxl.render import TemplateError

GOLDEN = Path(__file__).parent / "golden" / "notify"
SENDER = "Order desk <orders@shop.example>"


def messages(config: dict | None = None, book: dict | None = None, **kwargs) -> Messages:
    return notify(omxl.read_book(book or notify_book(), config=config or {}), as_of=AS_OF, **kwargs)


@functools.cache
def shared(shipped: bool = False) -> Messages:
    """The messages of the hand-built book, made once for the tests that only read them."""
    return messages({"shipped_notice_days": 7} if shipped else None)


def row(msgs: Messages, key: str) -> pd.Series:
    rows = msgs.messages[msgs.messages["key"] == key]
    assert len(rows) == 1, key
    return rows.iloc[0]


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=policy.default)


def test_one_message_per_recipient_with_news():
    msgs = shared()
    frame = msgs.messages
    assert tuple(frame.columns) == MESSAGE_COLUMNS
    got = [tuple(r) for r in frame[["kind", "recipient_id", "to", "subject", "lines", "attachments"]]
           .astype(object).where(frame.notna(), None).itertuples(index=False)]
    assert got == [
        ("customer-delay", "K1", "einkauf@kaufhaus-nord.example", "Your order O1: delivery update", 2, None),
        ("customer-delay", "K2", "script@example.com", "Your order O2: delivery update", 1, None),
        ("customer-delay", "K3", "bob@example.com", "Your order O3: delivery update", 1, None),
        ("customer-delay", "K4", None, "Your order O4: delivery update", 1, None),
        ("customer-delay", "K6", None, "Your order O7: delivery update", 1, None),
        ("supplier-po", "S1", "orders@europarts.example", "Purchase order 2026-11-27: 2 items", 2,
         "PO draft S1 Euro Parts EUR.xlsx; PO draft S1 Euro Parts USD.xlsx"),
        ("supplier-po", "S2", None, "Purchase order 2026-11-27: 1 item", 1, "PO draft S2 Dollar Bolts.xlsx"),
    ]
    # Without a history every recipient's news is new, so every message is due.
    assert frame["changed"].all() and frame["due"].all()


def test_delay_recipients_match_an_independent_computation():
    """Customers with an open line (not on hold) that is late, at risk or backordered, computed from rec.lines
    in plain pandas."""
    book = omxl.read_book(notify_book())
    rec = omxl.reconcile(book, as_of=AS_OF)
    lines = rec.lines
    open_ = ~lines["status"].isin(["closed", "shipped", "delivered", "cancelled"])
    news = lines[open_ & (lines["late"] | lines["at_risk"] | (lines["backordered_qty"] > 0))]
    expected = news.groupby("customer_id").size()
    msgs = notify(book, as_of=AS_OF)
    delay = msgs.messages[msgs.messages["kind"] == "customer-delay"]
    assert dict(zip(delay["recipient_id"], delay["lines"])) == expected.to_dict() == {
        "K1": 2, "K2": 1, "K3": 1, "K4": 1, "K6": 1}
    # And the lines themselves: O1/1 5 of 8 from stock, 3 with no date; O1/2 in stock; B lines wait for P1.
    table = msgs.news["customer-delay"]
    assert [tuple(r) for r in table[["item", "open_qty", "delay", "situation", "state"]].itertuples(index=False)] == [
        ("O1/1", 8.0, "late", "part-in-stock-no-date", "late no date"),
        ("O1/2", 10.0, "late", "in-stock", "late 2026-11-27"),
        ("O7/1", 1.0, "late", "in-stock", "late 2026-11-27"),
        ("O2/1", 4.0, "at risk", "awaiting-stock", "at risk 2026-12-10"),
        ("O4/1", 2.0, "backordered", "awaiting-stock", "backordered 2026-12-10"),
        ("O3/1", 6.0, "backordered", "awaiting-stock", "backordered 2026-12-10"),
    ]


@pytest.mark.parametrize("key", ["customer-delay:K1", "supplier-po:S1", "customer-shipped:K5"])
def test_rendered_text_is_exactly_the_golden_file(key):
    msgs = shared(shipped=True)
    message = msgs.email(key, sender=SENDER)
    stem = key.replace(":", "-")
    assert message["Subject"] + "\n" == (GOLDEN / f"{stem}.subject").read_text(encoding="utf-8")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert text.encode("utf-8") == (GOLDEN / f"{stem}.txt").read_bytes()
    assert html.encode("utf-8") == (GOLDEN / f"{stem}.html").read_bytes()


def test_shipped_notices_only_when_configured():
    assert "customer-shipped" not in set(shared().messages["kind"])
    shipped = shared(shipped=True).news["customer-shipped"]
    assert [tuple(r) for r in shipped[["recipient", "order_id", "qty", "carrier", "tracking_number"]]
            .itertuples(index=False)] == [("K5", "O5", 3.0, "DHL", "JD0001")]
    # SH1 shipped 2026-11-26: one day is as_of only, two days reach back to it.
    assert messages({"shipped_notice_days": 1}).news["customer-shipped"].empty
    assert len(messages({"shipped_notice_days": 2}).news["customer-shipped"]) == 1


def test_html_escapes_text_from_the_workbook():
    message = shared().email("customer-delay:K2", sender=SENDER)
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "<p>Dear &lt;script&gt;alert(1)&lt;/script&gt;,</p>" in html
    assert "<script>" not in html
    assert text.startswith("Dear <script>alert(1)</script>,\n")   # plain text is text: shown as written
    assert str(message["To"]) == "\"<script>alert(1)</script>\" <script@example.com>"   # quoted, one mailbox


def test_a_name_cannot_add_a_header():
    message = shared().email("customer-delay:K3", sender=SENDER)
    data = message.as_bytes(policy=policy.SMTP)
    back = parse(data)
    assert back["Bcc"] is None and b"\r\nBcc:" not in data
    assert [name for name in back.keys()] == ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
                                              "Content-Type"]
    to = back["To"].addresses
    assert len(to) == 1 and (to[0].display_name, to[0].addr_spec) == ("Bob Bcc: x@y.example", "bob@example.com")
    assert back.get_body(("plain",)).get_content().startswith("Dear Bob Bcc: x@y.example,\r\n")


def test_a_sender_must_be_one_address():
    msgs = shared()
    with pytest.raises(ConfigError, match="is not one e-mail address"):
        msgs.email("customer-delay:K1", sender="a@x.example, b@y.example")
    with pytest.raises(ConfigError, match="line break"):
        msgs.email("customer-delay:K1", sender="a@x.example\r\nBcc: c@z.example")


def test_eml_files_parse_back_with_their_parts(tmp_path):
    msgs = shared()
    written = msgs.write(tmp_path / "mail", sender=SENDER)
    assert [p.name for p in written] == [
        "customer-delay K1 Kaufhaus Nord.eml", "customer-delay K2 _script_alert(1)_script_.eml",
        "customer-delay K3 Bob Bcc_ x@y.example.eml", "customer-delay K4 Corner Shop.eml", "customer-delay K6.eml",
        "supplier-po S1 Euro Parts.eml", "supplier-po S2 Dollar Bolts.eml"]
    assert sorted(p.name for p in (tmp_path / "mail").iterdir()) == sorted(p.name for p in written)
    k1 = parse((tmp_path / "mail" / "customer-delay K1 Kaufhaus Nord.eml").read_bytes())
    assert k1.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in k1.iter_parts()] == ["text/plain", "text/html"]
    assert str(k1["From"]) == SENDER and str(k1["To"]) == "Kaufhaus Nord <einkauf@kaufhaus-nord.example>"
    assert k1["Message-ID"].startswith("<omxl.20261127.") and k1["Message-ID"].endswith(
        "@shop.example>")
    # The file keeps mail's CRLF line ends; the text is the golden one.
    assert k1.get_body(("plain",)).get_content().replace("\r\n", "\n").encode() == \
        (GOLDEN / "customer-delay-K1.txt").read_bytes()
    # A recipient without an address is written without To, to print or forward.
    k4 = parse((tmp_path / "mail" / "customer-delay K4 Corner Shop.eml").read_bytes())
    assert k4["To"] is None and k4["Subject"] == "Your order O4: delivery update"
    # Every file uses CRLF line ends, as mail travels.
    raw = (tmp_path / "mail" / "customer-delay K1 Kaufhaus Nord.eml").read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n")


def test_supplier_attachments_open_as_workbooks_with_the_right_lines(tmp_path):
    msgs = shared()
    msgs.write(tmp_path, sender=SENDER)
    s1 = parse((tmp_path / "supplier-po S1 Euro Parts.eml").read_bytes())
    assert s1.get_content_type() == "multipart/mixed"
    attachments = list(s1.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["PO draft S1 Euro Parts EUR.xlsx",
                                                       "PO draft S1 Euro Parts USD.xlsx"]
    found = {}
    for attachment in attachments:
        assert attachment.get_content_type() == \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        sheet = openpyxl.load_workbook(io.BytesIO(attachment.get_content())).active
        currency = sheet["B6"].value
        rows = [tuple(cell.value for cell in r[:4]) for r in sheet.iter_rows(min_row=13)
                if r[0].value not in (None, "Total")]
        found[currency] = (sheet["B3"].value, rows)
    # Plan: A 20 at 2.00 (EUR), D 10 at 7.50 (USD), each on its own draft.
    assert found == {"EUR": ("S1", [("A", "Steel bracket", 20, 2)]), "USD": ("S1", [("D", "Hinge", 10, 7.5)])}


def test_recipients_without_an_address_are_listed():
    frame = shared().messages
    listed = frame[frame["to"].isna()]
    assert dict(zip(listed["key"], listed["problem"])) == {
        "customer-delay:K4": "no e-mail address",
        "customer-delay:K6": "not in the customers table, so no e-mail address",
        "supplier-po:S2": "no e-mail address"}
    # K5's address is not one: no delay news for K5, but its shipped notice says so.
    shipped = shared(shipped=True)
    assert row(shipped, "customer-shipped:K5")["problem"] == "'not-an-address' is not a valid e-mail address"


def sent(msgs: Messages) -> None:
    """What sending does after each message the server accepted: record what it told its recipient."""
    for key in msgs.messages.loc[msgs.messages["due"] & msgs.messages["to"].notna(), "key"]:
        msgs.record_sent(msgs.email(key, sender=SENDER))


def test_no_repeats_over_two_runs(tmp_path):
    history = History(tmp_path / "omxl-history.sqlite")
    first = messages(history=history)
    first.write(tmp_path / "dry")   # a dry run records nothing
    assert history.told().empty
    assert first.messages["changed"].all()
    sent(first)
    told = history.told()
    # Four reachable recipients: K1 (2 lines), K2, K3 and S1 (2 PO lines).
    assert sorted(zip(told["kind"], told["recipient"], told["item"], told["state"])) == [
        ("customer-delay", "K1", "O1/1", "late no date"), ("customer-delay", "K1", "O1/2", "late 2026-11-27"),
        ("customer-delay", "K2", "O2/1", "at risk 2026-12-10"),
        ("customer-delay", "K3", "O3/1", "backordered 2026-12-10"),
        ("supplier-po", "S1", "EUR/A", "20"), ("supplier-po", "S1", "USD/D", "10")]

    again = messages(history=tmp_path / "omxl-history.sqlite")
    reachable = again.messages["to"].notna()
    assert not again.messages.loc[reachable, "changed"].any()
    assert not again.messages.loc[reachable, "due"].any()
    # Never sent, so still news: the recipients without an address.
    assert list(again.messages.loc[~reachable, "key"]) == ["customer-delay:K4", "customer-delay:K6",
                                                           "supplier-po:S2"]
    assert again.messages.loc[~reachable, "changed"].all()

    # A new projected date for one line: PO P2 brings 3 A on 2026-12-05, so O1/1 now has a date. Only K1 changed.
    book = notify_book()
    book["purchase_orders"] = pd.concat([book["purchase_orders"], pd.DataFrame({
        "po_id": ["P2"], "supplier_id": ["S1"], "sku": ["A"], "qty": [3.0],
        "order_date": pd.to_datetime(["2026-11-20"]),
        "expected_date": pd.to_datetime(["2026-12-05"])})], ignore_index=True)
    update = messages(book=book, history=history)
    due = update.messages[update.messages["due"] & update.messages["to"].notna()]
    assert list(due["key"]) == ["customer-delay:K1"]
    k1 = update.email("customer-delay:K1", sender=SENDER).get_body(("plain",)).get_content()
    assert "  New projected ship date: 2026-12-05\n" in k1
    assert "What happens next: 5 ship from stock by 2026-11-27; the other 3 follow when new stock arrives, " \
           "expected 2026-12-05." in k1
    sent(update)
    assert not messages(book=book, history=history).messages.loc[reachable.to_numpy(), "due"].any()

    # force: every message is due again, and `changed` still says the news is the same.
    forced = messages(book=book, history=history, force=True)
    assert forced.messages["due"].all()
    assert list(forced.messages.loc[forced.messages["to"].notna(), "changed"]) == [False] * 4


def test_a_line_that_drops_out_is_no_news(tmp_path):
    """O1/2 ships in full: K1's message shrinks to O1/1, which K1 was already told about."""
    history = History(tmp_path / "h.sqlite")
    sent(messages(history=history))
    book = notify_book()
    book["shipments"] = pd.concat([book["shipments"], pd.DataFrame({
        "shipment_id": ["SH2"], "order_id": ["O1"], "line": [2], "sku": ["C"], "qty": [10.0],
        "ship_date": pd.to_datetime(["2026-11-27"]), "carrier": ["DHL"], "tracking_number": ["JD0002"]})],
        ignore_index=True)
    later = messages(book=book, history=history)
    assert row(later, "customer-delay:K1")["lines"] == 1
    assert not row(later, "customer-delay:K1")["changed"]


def test_the_history_keeps_the_latest_state_told(tmp_path):
    history = History(tmp_path / "h.sqlite")
    items = pd.DataFrame({"item": ["O1/1", "O1/2"], "state": ["late no date", "late 2026-11-27"]})
    history.record_told(kind="customer-delay", recipient="K1", items=items, as_of="2026-11-27", message_id="<a@x>")
    history.record_told(kind="customer-delay", recipient="K1", items=items.iloc[:1].assign(state="late 2026-12-05"),
                        as_of="2026-11-28", message_id="<b@x>")
    told = history.told()
    assert [tuple(r) for r in told[["item", "state"]].itertuples(index=False)] == [
        ("O1/2", "late 2026-11-27"), ("O1/1", "late 2026-12-05")]
    assert list(told["as_of"].dt.strftime("%Y-%m-%d")) == ["2026-11-27", "2026-11-28"]
    # A weekly run recorded in the same file leaves what was told as it was.
    with __import__("sqlite3").connect(history.path) as connection:
        assert connection.execute("SELECT count(*) FROM told").fetchone()[0] == 3


def test_history_from_the_setting(tmp_path):
    settings = tmp_path / "omxl.toml"
    settings.write_text('history = "notify-history.sqlite"\n', encoding="utf-8")
    msgs = notify(omxl.read_book(notify_book(), config=settings), as_of=AS_OF)
    assert msgs.history is not None and msgs.history.path == tmp_path / "notify-history.sqlite"
    assert shared().history is None   # a library call without the setting keeps no history


def test_own_templates_replace_the_shipped_ones(tmp_path):
    own = tmp_path / "mail-templates"
    own.mkdir()
    (own / "customer-delay.subject").write_text("Delivery news for {{ recipient.name }} ({{ lines|length }})",
                                                encoding="utf-8")
    settings = tmp_path / "omxl.toml"
    settings.write_text('email_templates = "mail-templates"\n', encoding="utf-8")
    msgs = notify(omxl.read_book(notify_book(), config=settings), as_of=AS_OF)
    assert row(msgs, "customer-delay:K1")["subject"] == "Delivery news for Kaufhaus Nord (2)"
    # The other parts still come from the shipped templates.
    assert msgs.email("customer-delay:K1").get_body(("plain",)).get_content().encode() == \
        (GOLDEN / "customer-delay-K1.txt").read_bytes()


def test_a_template_cannot_reach_python_internals(tmp_path):
    (tmp_path / "customer-delay.txt").write_text("{{ recipient.__class__.__mro__ }}", encoding="utf-8")
    with pytest.raises(TemplateError, match="access to '__class__' is not allowed"):
        messages({"email_templates": str(tmp_path)})
    (tmp_path / "customer-delay.txt").write_text("Dear {{ recipient.nam }}", encoding="utf-8")
    with pytest.raises(TemplateError, match="customer-delay.txt.*has no attribute 'nam'"):
        messages({"email_templates": str(tmp_path)})


def test_a_missing_template_folder_is_named():
    with pytest.raises(ConfigError, match="email_templates: the folder .*nowhere does not exist"):
        messages({"email_templates": "/nowhere"})


def test_a_book_without_the_address_tables_lists_everyone():
    book = notify_book()
    msgs = messages(book={"orders": book["orders"], "inventory": book["inventory"]})
    assert set(msgs.messages["problem"]) == {"the book has no customers table, so no e-mail address",
                                             "the book has no suppliers table, so no e-mail address"}
    assert msgs.messages["to"].isna().all() and len(msgs.messages) == 8


def test_nothing_to_say_is_an_empty_table(tmp_path):
    book = notify_book()
    msgs = messages(book={"orders": book["orders"].iloc[[5]], "shipments": book["shipments"]})
    assert msgs.messages.empty and tuple(msgs.messages.columns) == MESSAGE_COLUMNS
    assert msgs.write(tmp_path / "mail") == [] and (tmp_path / "mail").is_dir()


def test_shipped_notice_days_must_be_a_positive_number_of_days():
    with pytest.raises(ConfigError, match="setting 'shipped_notice_days': Input should be greater than or equal "
                                          "to 1 \\(found 0\\)"):
        messages({"shipped_notice_days": 0})
