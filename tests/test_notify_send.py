"""Sending the notify messages to a real SMTP server (aiosmtpd on 127.0.0.1, tests/smtp_server.py): the server
receives exactly the due messages with their attachments; the run history then keeps anyone from being told the
same news twice; a refused recipient or a dropped connection stops nobody else and records only what went out
(docs/notify.md)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import omxl
from notify_book import AS_OF, notify_book
from omxl.cli import cli
from omxl.reporting import History

GOLDEN = Path(__file__).parent / "golden" / "notify"
SENDER = "orders@shop.example"
# The four reachable recipients of the hand-built book, by address.
REACHABLE = ["bob@example.com", "einkauf@kaufhaus-nord.example", "orders@europarts.example", "script@example.com"]


def notified(server, history: History, book: dict | None = None, **kwargs):
    config = {"smtp": server.settings(sender=SENDER)}
    return omxl.notify(omxl.read_book(book or notify_book(), config=config), as_of=AS_OF, history=history,
                       **kwargs)


def received_by(server) -> list[str]:
    return sorted(address for r in server.received for address in r.rcpt_tos)


def book_with_a_date_for_o1() -> dict:
    """PO P2 brings 3 A on 2026-12-05: O1/1 (K1) gets a projected date; nothing else changes."""
    book = notify_book()
    book["purchase_orders"] = pd.concat([book["purchase_orders"], pd.DataFrame({
        "po_id": ["P2"], "supplier_id": ["S1"], "sku": ["A"], "qty": [3.0],
        "order_date": pd.to_datetime(["2026-11-20"]), "expected_date": pd.to_datetime(["2026-12-05"])})],
        ignore_index=True)
    return book


def test_the_server_receives_exactly_the_due_messages(smtp_server, tmp_path):
    server = smtp_server()
    history = History(tmp_path / "omxl-history.sqlite")
    msgs = notified(server, history)
    report = msgs.send()
    assert received_by(server) == REACHABLE
    assert len(server.received) == 4 and len(report.sent) == 4 and report.refused.empty
    assert {r.mail_from for r in server.received} == {SENDER}
    by_to = {r.rcpt_tos[0]: r.message for r in server.received}
    k1 = by_to["einkauf@kaufhaus-nord.example"]
    assert k1["Subject"] == "Your order O1: delivery update" and k1["From"] == SENDER
    assert k1.get_body(("plain",)).get_content().encode() == (GOLDEN / "customer-delay-K1.txt").read_bytes()
    assert k1.get_body(("html",)).get_content().encode() == (GOLDEN / "customer-delay-K1.html").read_bytes()
    # K3's name tried to add a Bcc: the envelope has bob only, and the message no Bcc header.
    bob = by_to["bob@example.com"]
    assert bob["Bcc"] is None and [r.rcpt_tos for r in server.received if "bob@example.com" in r.rcpt_tos] == [
        ["bob@example.com"]]
    # The supplier's drafts arrive as workbooks with the right lines.
    s1 = by_to["orders@europarts.example"]
    lines = {}
    for attachment in s1.iter_attachments():
        sheet = openpyxl.load_workbook(io.BytesIO(attachment.get_content())).active
        lines[attachment.get_filename()] = [tuple(c.value for c in r[:3]) for r in sheet.iter_rows(min_row=13)
                                            if r[0].value not in (None, "Total")]
    assert lines == {"PO draft S1 Euro Parts EUR.xlsx": [("A", "Steel bracket", 20)],
                     "PO draft S1 Euro Parts USD.xlsx": [("D", "Hinge", 10)]}
    # What each was told is now in the history: 6 items for the 4 recipients.
    assert len(history.told()) == 6


def test_no_repeats_then_one_update_then_force(smtp_server, tmp_path):
    server = smtp_server()
    history = History(tmp_path / "omxl-history.sqlite")
    notified(server, history).send()
    assert len(server.received) == 4

    again = notified(server, history).send()       # nothing changed: nothing sent
    assert again.sent == [] and len(server.received) == 4

    update = notified(server, history, book_with_a_date_for_o1()).send()   # one new projected date: one update
    assert len(update.sent) == 1 and len(server.received) == 5
    last = server.received[-1]
    assert last.rcpt_tos == ["einkauf@kaufhaus-nord.example"]
    assert "  New projected ship date: 2026-12-05\n" in last.message.get_body(("plain",)).get_content()

    forced = notified(server, history, book_with_a_date_for_o1(), force=True).send()   # force: all four again
    assert len(forced.sent) == 4 and len(server.received) == 9
    assert sorted(a for r in server.received[5:] for a in r.rcpt_tos) == REACHABLE


def test_a_refused_recipient_does_not_stop_the_others(smtp_server, tmp_path):
    server = smtp_server(refuse=("script@example.com",))
    history = History(tmp_path / "omxl-history.sqlite")
    msgs = notified(server, history)
    report = msgs.send()
    assert received_by(server) == [a for a in REACHABLE if a != "script@example.com"]
    assert len(report.sent) == 3
    assert list(report.refused["to"]) == ["script@example.com"]
    assert "550" in report.refused["reason"].iloc[0]
    outcomes = msgs.outcomes(report)
    assert outcomes["customer-delay:K2"].startswith("refused: ") and "mailbox unavailable" in outcomes[
        "customer-delay:K2"]
    assert [outcomes[k] for k in ("customer-delay:K1", "customer-delay:K3", "supplier-po:S1")] == ["sent"] * 3
    # K2 was not told, so K2 is still due; the others are not.
    later = notified(server, history)
    assert list(later.sendable()["key"]) == ["customer-delay:K2"]


def test_a_connection_lost_half_way_records_only_what_went_out(smtp_server, tmp_path):
    server = smtp_server(drop_after=2)
    history = History(tmp_path / "omxl-history.sqlite")
    report = notified(server, history).send()
    assert len(server.received) == 2 and len(report.sent) == 2
    # Messages go out in the order of `messages`: K1 and K2 were accepted before the connection dropped.
    told = set(history.told()["recipient"])
    assert told == {"K1", "K2"}
    # The next run sends the two that did not go out, and only those.
    rest = notified(smtp_server(), history).sendable()
    assert len(rest) == 2 and not set(rest["recipient_id"]) & told


def test_cli_send_says_what_was_sent_and_refused(smtp_server, tmp_path):
    server = smtp_server(refuse=("script@example.com",))
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        for name, table in notify_book().items():
            table.to_excel(writer, sheet_name=name.replace("_", " ").title(), index=False)
    # The test server speaks plain SMTP; server and sender come from the command line.
    (tmp_path / "omxl.toml").write_text("[smtp]\nstarttls = false\n", encoding="utf-8")
    result = CliRunner(env={"COLUMNS": "250"}).invoke(cli, [
        "notify", str(path), "--as-of", AS_OF, "--out-dir", str(tmp_path / "mail"), "--send", "--smtp",
        server.address, "--from", SENDER, "--quiet"])
    flat = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert received_by(server) == [a for a in REACHABLE if a != "script@example.com"]
    assert re.search(r"K2 .*refused: 550 5\.1\.1 <script@example\.com>: mailbox unavailable", flat)
    assert "Sent 3 of 4 messages through " + server.address in flat
    assert "1 refused (listed above): run again to send those" in flat
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 7
    assert set(History(tmp_path / "omxl-history.sqlite").told()["recipient"]) == {"K1", "K3", "S1"}
