"""Sending e-mail (omxl/messaging/smtp.py) against a real aiosmtpd server on 127.0.0.1 (tests/smtp_server.py)."""

from __future__ import annotations

from email.message import EmailMessage

import pandas as pd
import pytest

import omxl
from omxl.config import load_config
from omxl.messaging.smtp import MailError, parse_server, send_messages
from smtp_server import PASSWORD_ENV, free_port

SENDER = "Orders <orders@example.com>"


def message(to: str, subject: str, *, cc: str | None = None, bcc: str | None = None,
            message_id: str | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = SENDER
    mail["To"] = to
    if cc:
        mail["Cc"] = cc
    if bcc:
        mail["Bcc"] = bcc
    mail["Subject"] = subject
    if message_id:
        mail["Message-ID"] = message_id
    mail.set_content(f"Body of {subject}\n")
    return mail


def refused_rows(report) -> list[tuple[str, str, str]]:
    return list(report.refused.itertuples(index=False, name=None))


def test_the_server_receives_exactly_the_messages(smtp_server):
    server = smtp_server()
    first = message("Ann Buyer <ann@acme.example>", "Order SO-1001 is late", cc="bo@acme.example",
                    bcc="archive@example.com", message_id="<m1@example.com>")
    second = message("carl@bolt.example", "PO-2026-0042", message_id="<m2@example.com>")
    report = send_messages([first, second], config={"smtp": server.settings()})

    assert report.sent == ["<m1@example.com>", "<m2@example.com>"]
    assert report.refused.empty and list(report.refused.columns) == ["to", "message_id", "reason"]
    assert [(r.mail_from, r.rcpt_tos) for r in server.received] == [
        ("orders@example.com", ["ann@acme.example", "bo@acme.example", "archive@example.com"]),
        ("orders@example.com", ["carl@bolt.example"]),
    ]
    got = server.received[0].message
    assert (got["From"], got["To"], got["Cc"], got["Subject"], got["Message-ID"]) == (
        "Orders <orders@example.com>", "Ann Buyer <ann@acme.example>", "bo@acme.example", "Order SO-1001 is late",
        "<m1@example.com>")
    assert got["Bcc"] is None and b"archive@example.com" not in server.received[0].data  # Bcc stays a secret
    assert got.get_content() == "Body of Order SO-1001 is late\n"
    assert server.received[1].message["Subject"] == "PO-2026-0042"


def test_starttls_and_login_with_the_password_from_the_environment(smtp_server, monkeypatch):
    server = smtp_server(tls=True, username="orders", password="s3cret pass")
    monkeypatch.setenv(PASSWORD_ENV, "s3cret pass")
    sent_ones = []
    report = send_messages([message("ann@acme.example", "Hello", message_id="<tls@example.com>")],
                           config={"smtp": server.settings()}, on_sent=sent_ones.append)
    assert report.sent == ["<tls@example.com>"] and report.refused.empty
    # The server refuses MAIL before STARTTLS and before a login, so the message arriving proves both happened.
    assert [(r.mail_from, r.rcpt_tos, r.message["Subject"]) for r in server.received] == [
        ("orders@example.com", ["ann@acme.example"], "Hello")]
    assert [m["Message-ID"] for m in sent_ones] == ["<tls@example.com>"]


def test_a_wrong_password_is_said_in_plain_words(smtp_server, monkeypatch):
    server = smtp_server(tls=True, username="orders", password="s3cret")
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    with pytest.raises(MailError) as caught:
        send_messages([message("ann@acme.example", "Hello")], config={"smtp": server.settings()})
    assert str(caught.value) == (
        f"The SMTP server {server.address} refused the login of 'orders' (535 5.7.8 Authentication credentials "
        f"invalid). Check username under [smtp] and the password in {PASSWORD_ENV}; a mailbox with two-step "
        "verification needs an app password. Nothing was sent.")
    assert caught.value.exit_code == 2 and isinstance(caught.value, omxl.OmxlError)
    assert server.received == []


def test_a_missing_password_variable_is_named_before_anything_is_sent(smtp_server, monkeypatch):
    server = smtp_server(tls=True, username="orders", password="s3cret")
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with pytest.raises(MailError) as caught:
        send_messages([message("ann@acme.example", "Hello")], config={"smtp": server.settings()})
    assert str(caught.value) == (
        f"The environment variable {PASSWORD_ENV} (setting smtp.password_env) is not set, so there is no password "
        f"to log in as 'orders': set it to the SMTP password (export {PASSWORD_ENV}=... in the shell, or the "
        "scheduler's environment) and run again. Nothing was sent.")
    assert server.received == []


def test_a_login_without_password_env_names_the_setting():
    with pytest.raises(omxl.ConfigError) as caught:
        send_messages([message("ann@acme.example", "Hello")],
                      config={"smtp": {"host": "127.0.0.1", "username": "orders"}})
    assert str(caught.value).startswith("setting 'smtp.password_env': smtp.username is set ('orders') but not the "
                                        "environment variable that holds the password")


def test_one_refused_recipient_does_not_stop_the_others(smtp_server):
    server = smtp_server(refuse=("gone@acme.example",))
    messages = [message("ann@acme.example, gone@acme.example", "One", message_id="<1@example.com>"),
                message("gone@acme.example", "Two", message_id="<2@example.com>"),
                message("carl@bolt.example", "Three", message_id="<3@example.com>")]
    called = []
    report = send_messages(messages, config={"smtp": server.settings()}, on_sent=called.append)

    assert report.sent == ["<1@example.com>", "<3@example.com>"]
    assert refused_rows(report) == [
        ("gone@acme.example", "<1@example.com>", "550 5.1.1 <gone@acme.example>: mailbox unavailable"),
        ("gone@acme.example", "<2@example.com>", "550 5.1.1 <gone@acme.example>: mailbox unavailable"),
    ]
    assert [(r.rcpt_tos, r.message["Subject"]) for r in server.received] == [
        (["ann@acme.example"], "One"), (["carl@bolt.example"], "Three")]
    assert called == [messages[0], messages[2]]
    assert (report.refused.dtypes == "string").all()


def test_a_connection_dropped_after_two_of_four_messages(smtp_server):
    server = smtp_server(drop_after=2)
    messages = [message(f"buyer{n}@acme.example", f"Message {n}", message_id=f"<{n}@example.com>")
                for n in range(1, 5)]
    called = []
    report = send_messages(messages, config={"smtp": server.settings()}, on_sent=called.append)

    assert report.sent == ["<1@example.com>", "<2@example.com>"]
    assert len(called) == 2 and called[0] is messages[0] and called[1] is messages[1]
    assert [r.message["Subject"] for r in server.received] == ["Message 1", "Message 2"]
    assert refused_rows(report) == [
        ("buyer3@acme.example", "<3@example.com>",
         f"not sent: the connection to {server.address} was lost before the server accepted this message "
         "(connection unexpectedly closed); send it again"),
        ("buyer4@acme.example", "<4@example.com>",
         f"not sent: the connection to {server.address} was lost earlier (connection unexpectedly closed)"),
    ]


def test_an_unreachable_server_gives_the_clear_message():
    port = free_port()
    with pytest.raises(MailError) as caught:
        send_messages([message("ann@acme.example", "Hello")], config={"smtp": {"host": "127.0.0.1", "port": port}})
    assert str(caught.value) == (
        f"Cannot reach the SMTP server 127.0.0.1:{port} (connection refused: nothing listens on that port). Check "
        "host and port under [smtp] in omxl.toml (or --smtp HOST:PORT), that the server is running, and that this "
        "computer may connect to it (network, VPN, firewall). Nothing was sent.")
    assert caught.value.exit_code == 2


def test_no_server_configured():
    with pytest.raises(omxl.ConfigError) as caught:
        send_messages([message("ann@acme.example", "Hello")], config={})
    assert str(caught.value) == ("No SMTP server is configured: set host under [smtp] in omxl.toml (e.g. host = "
                                 "\"smtp.example.com\") or pass --smtp HOST:PORT. Nothing was sent.")


def test_nothing_to_send_needs_no_server():
    report = send_messages([], config={})
    assert report.sent == [] and report.refused.empty


def test_smtp_override_and_sender_override(smtp_server):
    server = smtp_server()
    original = message("ann@acme.example", "Hello", message_id="<o@example.com>")
    report = send_messages([original], config={"smtp": {"host": "mail.invalid", "port": 2525, "starttls": False}},
                           smtp=server.address, sender="Planning <planning@example.com>")
    assert report.sent == ["<o@example.com>"]
    got = server.received[0]
    assert (got.mail_from, got.message["From"]) == ("planning@example.com", "Planning <planning@example.com>")
    assert original["From"] == SENDER  # the caller's message (and its .eml) keeps its own From


def test_a_message_without_message_id_gets_one_on_the_callers_message(smtp_server):
    server = smtp_server()
    original = message("ann@acme.example", "Hello")
    report = send_messages([original], config={"smtp": server.settings()})
    assert report.sent == [original["Message-ID"]]
    assert original["Message-ID"].endswith("@example.com>")
    assert server.received[0].message["Message-ID"] == original["Message-ID"]


@pytest.mark.parametrize("value, expected", [
    ("smtp.example.com:587", ("smtp.example.com", 587)),
    ("smtp.example.com", ("smtp.example.com", None)),
    ("[::1]:2525", ("::1", 2525)),
])
def test_parse_server(value, expected):
    assert parse_server(value) == expected


@pytest.mark.parametrize("value", ["smtp.example.com:", "smtp.example.com:abc", "smtp.example.com:70000", "",
                                   ":25", "smtp example.com:25"])
def test_a_bad_smtp_override_is_refused(value):
    with pytest.raises(MailError) as caught:
        send_messages([message("ann@acme.example", "Hello")], config={}, smtp=value)
    assert str(caught.value) == (f"--smtp '{value}' is not a server address; write HOST:PORT, e.g. "
                                 "smtp.example.com:587 (the port a number from 1 to 65535).")


def test_starttls_refused_when_the_server_does_not_offer_it(smtp_server):
    server = smtp_server()
    with pytest.raises(MailError) as caught:
        send_messages([message("ann@acme.example", "Hello")], config={"smtp": server.settings(starttls=True)})
    assert str(caught.value) == (
        f"The SMTP server {server.address} does not offer STARTTLS, so the connection cannot be encrypted. Use the "
        "server's submission port (usually 587), or set starttls = false under [smtp] for a relay on a trusted "
        "network. Nothing was sent.")
    assert server.received == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # deliberately so here
def test_a_login_over_an_unencrypted_connection_needs_explicit_consent(smtp_server, monkeypatch):
    server = smtp_server(username="orders", password="s3cret")
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    with pytest.raises(MailError) as caught:
        send_messages([message("ann@acme.example", "Hello")], config={"smtp": server.settings()})
    assert str(caught.value) == (
        f"Refusing to log in to {server.address} as 'orders' over a connection that is not encrypted (starttls = "
        "false): the password would cross the network readable. Turn starttls on, or set allow_unencrypted_login "
        "= true under [smtp] for a server on a trusted network. Nothing was sent.")
    assert server.received == []
    report = send_messages([message("ann@acme.example", "Hello", message_id="<plain@example.com>")],
                           config={"smtp": server.settings(allow_unencrypted_login=True)})
    assert report.sent == ["<plain@example.com>"] and len(server.received) == 1


def test_an_untrusted_certificate_is_refused(smtp_server):
    server = smtp_server(tls=True)
    settings = server.settings()
    del settings["ca_file"]  # the system's authorities do not know the test server's own certificate
    with pytest.raises(MailError) as caught:
        send_messages([message("ann@acme.example", "Hello")], config={"smtp": settings})
    assert str(caught.value).startswith(f"The certificate of the SMTP server {server.address} cannot be trusted (")
    assert str(caught.value).endswith("if the server uses your company's own certificate authority, set ca_file "
                                      "under [smtp] to its certificate. Nothing was sent.")
    assert server.received == []


@pytest.mark.parametrize("section, expected", [
    ({"password": "hunter2"},
     "config: setting 'smtp.password': a password is never kept in the settings file: put it in an environment "
     "variable and name that variable here as password_env (e.g. password_env = \"OMXL_SMTP_PASSWORD\")"),
    ({"password_env": "hunter2 !"},
     "config: setting 'smtp.password_env': write the NAME of an environment variable (letters, digits and _, e.g. "
     "OMXL_SMTP_PASSWORD) that holds the password, never the password itself"),
    ({"hots": "smtp.example.com"},
     "config: setting 'smtp.hots': unknown setting; known settings: host, port, starttls, username, password_env, "
     "sender, timeout, ca_file, allow_unencrypted_login"),
    ({"port": 0}, "config: setting 'smtp.port': Input should be greater than or equal to 1 (found 0)"),
    ({"host": "smtp.example.com:587"},
     "config: setting 'smtp.host': write the server's name or address alone, e.g. 'smtp.example.com'; the port is "
     "the setting smtp.port (found 'smtp.example.com:587')"),
    ({"sender": "orders"},
     "config: setting 'smtp.sender': write an e-mail address, e.g. 'orders@example.com' or 'Orders "
     "<orders@example.com>' (found 'orders')"),
])
def test_smtp_settings_name_the_setting(section, expected):
    with pytest.raises(omxl.ConfigError) as caught:
        load_config({"smtp": section})
    assert str(caught.value) == expected
    assert "hunter2" not in str(caught.value)  # a password written in the file is never repeated on screen


def test_smtp_settings_from_a_file(tmp_path):
    settings = tmp_path / "omxl.toml"
    settings.write_text('[smtp]\nhost = "smtp.example.com"\nusername = "orders"\npassword_env = "MAIL_PW"\n'
                        'ca_file = "certs/company-ca.pem"\n', encoding="utf-8")
    smtp = load_config(settings).smtp
    assert (smtp.host, smtp.port, smtp.starttls, smtp.username, smtp.password_env, smtp.timeout) == (
        "smtp.example.com", 587, True, "orders", "MAIL_PW", 30.0)
    assert smtp.ca_file == str(tmp_path / "certs" / "company-ca.pem")


def test_the_refused_frame_compares_with_pandas(smtp_server):
    server = smtp_server(refuse=("x@acme.example",))
    report = send_messages([message("x@acme.example", "Only", message_id="<only@example.com>")],
                           config={"smtp": server.settings()})
    expected = pd.DataFrame({"to": ["x@acme.example"], "message_id": ["<only@example.com>"],
                             "reason": ["550 5.1.1 <x@acme.example>: mailbox unavailable"]}, dtype="string[python]")
    pd.testing.assert_frame_equal(report.refused, expected)
    assert report.sent == [] and server.received == []


def test_a_bad_sender_override_is_refused():
    with pytest.raises(MailError) as caught:
        send_messages([message("ann@acme.example", "Hello")], config={"smtp": {"host": "127.0.0.1"}}, sender="orders")
    assert str(caught.value) == ("The sender 'orders' (--from) is not an e-mail address; write one such as "
                                 "orders@example.com or 'Orders <orders@example.com>'. Nothing was sent.")


def test_the_docs_sending_example_runs(smtp_server, monkeypatch, capsys):
    from test_docs import code_blocks

    server = smtp_server(tls=True, username="orders@example.com", password="pw")
    monkeypatch.setenv(PASSWORD_ENV, "pw")
    block = code_blocks("email.md", "python")[0]
    line = ('SMTP = {"host": "smtp.example.com", "port": 587, "username": "orders@example.com", '
            '"password_env": "OMXL_SMTP_PASSWORD"}')
    assert line in block  # the example's server, swapped for the test server (same login, with its certificate)
    exec(compile(block.replace(line, f"SMTP = {server.settings()!r}"), "email.md#0", "exec"), {})
    (got,) = server.received
    assert (got.mail_from, got.rcpt_tos, got.message["Subject"]) == ("orders@example.com", ["ann@acme.example"],
                                                                      "Order SO-1001")
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "sent ann@acme.example"
    assert printed[1] == f"['{got.message['Message-ID']}']"
