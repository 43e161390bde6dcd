"""Sending e-mail through SMTP (contract 4.5, 6; docs/email.md).

`send_messages` sends ready-made `EmailMessage`s over one connection: STARTTLS when configured, a login with the
password from the environment variable the settings name, each message in turn. What the server accepted is in
`SendReport.sent`, what it refused or never received in `SendReport.refused` with the reason: a refused
recipient does not stop the others, and a connection lost half-way leaves the messages already accepted
reported as sent and every other one reported as not sent, never silently lost. `on_sent` is called once per
accepted message, right after the server accepted it, so a caller can record exactly what went out.

Failures to send at all (no server configured, a missing password variable, a server that cannot be reached,
a refused login, a certificate that cannot be verified) raise OmxlError with what to do, before any message is
sent.
"""

from __future__ import annotations

import copy
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid, parseaddr
from typing import Callable, Sequence

import pandas as pd

from ..config import Config, SmtpSettings, load_config
from ..errors import ConfigError, MailError

REFUSED_COLUMNS = ("to", "message_id", "reason")


@dataclass(frozen=True)
class SendReport:
    """What happened to each message: `sent` the Message-ID of each message the server accepted for at least
    one recipient, in sending order; `refused` one row per refused recipient or failed message (`to`,
    `message_id`, `reason`)."""

    sent: list[str]
    refused: pd.DataFrame


@dataclass(frozen=True)
class _Server:
    host: str
    port: int
    settings: SmtpSettings

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def send_messages(messages: Sequence[EmailMessage], *, config: Config | None = None, smtp: str | None = None,
                  sender: str | None = None,
                  on_sent: Callable[[EmailMessage], None] | None = None) -> SendReport:
    """Send `messages` through the SMTP server of `config.smtp` (`smtp="host:port"` overrides its host and port,
    `sender` the From address of every message). A message without a Message-ID gets one, on the message
    itself, so the caller can match `sent`. `on_sent(message)` is called with the caller's message after the
    server accepted it (an exception it raises stops the run and is raised here: that message was sent).
    Raises MailError (exit 2) when nothing can be sent; see docs/email.md."""
    sent: list[str] = []
    refused: list[tuple[str, str, str]] = []
    if not messages:  # nothing to send: no server is needed, none is contacted
        return SendReport(sent, _refused_frame(refused))
    config = load_config(config)
    server = _server(config.smtp, smtp)
    from_address = _sender(config.smtp, sender)
    password = _password(config.smtp)
    outgoing = [_prepared(message, from_address) for message in messages]
    connection = _connect(server, password)
    lost: str | None = None
    try:
        for original, message in zip(messages, outgoing):
            message_id = str(message["Message-ID"])
            recipients = _recipients(message)
            to_text = ", ".join(recipients)
            if lost is not None:
                refused.append((to_text, message_id,
                                f"not sent: the connection to {server.address} was lost earlier ({lost})"))
                continue
            if not recipients:
                refused.append(("", message_id, "not sent: the message has no recipient address"))
                continue
            rows_before = len(refused)
            try:
                rejected = connection.send_message(message, to_addrs=recipients)
            except smtplib.SMTPRecipientsRefused as exc:
                refused += [(to, message_id, _reply(reply)) for to, reply in exc.recipients.items()]
            except smtplib.SMTPSenderRefused as exc:
                refused.append((to_text, message_id, f"the server refused the sender {exc.sender}: "
                                                     f"{_reply((exc.smtp_code, exc.smtp_error))}"))
            except smtplib.SMTPServerDisconnected as exc:
                lost = _plain(exc)
            except smtplib.SMTPException as exc:
                refused.append((to_text, message_id, f"the server refused the message: {_plain(exc)}"))
            except OSError as exc:  # the network failed (reset, timeout) half-way: the connection is unusable
                lost = _plain(exc)
            else:
                refused += [(to, message_id, _reply(reply)) for to, reply in rejected.items()]
                sent.append(message_id)
                if on_sent is not None:
                    on_sent(original)
            if lost is None and connection.sock is None:  # a server closing after its reply (421) ends it too
                lost = "the server closed it"
            if lost is not None and message_id not in sent and len(refused) == rows_before:
                refused.append((to_text, message_id,
                                f"not sent: the connection to {server.address} was lost before the server "
                                f"accepted this message ({lost}); send it again"))
    finally:
        _quit(connection)
    return SendReport(sent, _refused_frame(refused))


def check_sending(config: Config | None = None, *, smtp: str | None = None, sender: str | None = None) -> None:
    """Raise, without connecting, the error sending would start with: no server configured, a bad `smtp`
    override, no sender or a bad one, a login without its password variable. A command calls it before its
    work, so a missing setting is said before a long run rather than after it."""
    config = load_config(config)
    _server(config.smtp, smtp)
    if _sender(config.smtp, sender) is None:
        raise ConfigError("No sender is configured: set sender under [smtp] in omxl.toml (e.g. sender = "
                          "\"orders@example.com\") or pass --from ADDRESS. Nothing was sent.")
    _password(config.smtp)


def parse_server(text: str) -> tuple[str, int | None]:
    """'host:port', 'host' or '[ipv6]:port' -> (host, port or None); MailError naming the value otherwise."""
    value = text.strip()
    host, port = value, None
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        if rest and not rest.startswith(":"):
            host = ""
        port_text = rest[1:] if rest else None
    elif value.count(":") == 1:
        host, port_text = value.split(":")
    else:
        port_text = None
    if port_text is not None:
        port = int(port_text) if port_text.isdigit() else 0
    if not host or any(ch.isspace() for ch in host) or port is not None and not 1 <= port <= 65535:
        raise MailError(f"--smtp '{text}' is not a server address; write HOST:PORT, e.g. smtp.example.com:587 "
                        "(the port a number from 1 to 65535).")
    return host, port


def _server(settings: SmtpSettings, override: str | None) -> _Server:
    host, port = settings.host, settings.port
    if override is not None:
        host, given_port = parse_server(override)
        port = given_port if given_port is not None else port
    if host is None:
        raise ConfigError("No SMTP server is configured: set host under [smtp] in omxl.toml (e.g. host = "
                          "\"smtp.example.com\") or pass --smtp HOST:PORT. Nothing was sent.")
    return _Server(host, port, settings)


def _sender(settings: SmtpSettings, override: str | None) -> str | None:
    from_address = override if override is not None else settings.sender
    if from_address is not None and "@" not in parseaddr(from_address)[1]:
        raise MailError(f"The sender '{from_address}' (--from) is not an e-mail address; write one such as "
                        "orders@example.com or 'Orders <orders@example.com>'. Nothing was sent.")
    return from_address


def _password(settings: SmtpSettings) -> str | None:
    """The login password from the environment variable the settings name; None when there is no login."""
    if settings.username is None:
        return None
    if settings.password_env is None:
        raise ConfigError(f"setting 'smtp.password_env': smtp.username is set ('{settings.username}') but not the "
                          "environment variable that holds the password; add password_env = "
                          "\"OMXL_SMTP_PASSWORD\" under [smtp] and set that variable. Nothing was sent.")
    password = os.environ.get(settings.password_env)
    if not password:
        raise MailError(f"The environment variable {settings.password_env} (setting smtp.password_env) is not set, "
                        f"so there is no password to log in as '{settings.username}': set it to the SMTP password "
                        f"(export {settings.password_env}=... in the shell, or the scheduler's environment) and "
                        "run again. Nothing was sent.")
    return password


def _prepared(message: EmailMessage, from_address: str | None) -> EmailMessage:
    """The message as it goes out: the caller's, with `from_address` as From (on a copy, so the caller's
    message and its .eml stay as they were). A Message-ID is added to the caller's message itself."""
    if message["Message-ID"] is None:
        domain = parseaddr(from_address or message["From"] or "")[1].rpartition("@")[2] or None
        message["Message-ID"] = make_msgid(domain=domain)
    if from_address is None:
        if message["From"] is None:
            raise ConfigError("The messages have no sender: set sender under [smtp] in omxl.toml (e.g. sender = "
                              "\"orders@example.com\") or pass --from ADDRESS. Nothing was sent.")
        return message
    outgoing = copy.deepcopy(message)
    del outgoing["From"]
    outgoing["From"] = from_address
    return outgoing


def _recipients(message: EmailMessage) -> list[str]:
    fields = [str(value) for name in ("To", "Cc", "Bcc") for value in message.get_all(name, [])]
    return [address for _, address in getaddresses(fields) if address]


def _connect(server: _Server, password: str | None) -> smtplib.SMTP:
    """An open connection, encrypted and logged in as configured; MailError in plain words otherwise."""
    settings = server.settings
    try:
        connection = smtplib.SMTP(server.host, server.port, timeout=settings.timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"Cannot reach the SMTP server {server.address} ({_plain(exc)}). Check host and port "
                        "under [smtp] in omxl.toml (or --smtp HOST:PORT), that the server is running, and that "
                        "this computer may connect to it (network, VPN, firewall). Nothing was sent.") from None
    try:
        connection.ehlo()
        encrypted = False
        if settings.starttls:
            if not connection.has_extn("starttls"):
                raise MailError(f"The SMTP server {server.address} does not offer STARTTLS, so the connection "
                                "cannot be encrypted. Use the server's submission port (usually 587), or set "
                                "starttls = false under [smtp] for a relay on a trusted network. Nothing was "
                                "sent.")
            connection.starttls(context=_tls_context(settings))
            connection.ehlo()
            encrypted = True
        if password is not None:
            if not encrypted and not settings.allow_unencrypted_login:
                raise MailError(f"Refusing to log in to {server.address} as '{settings.username}' over a "
                                "connection that is not encrypted (starttls = false): the password would cross "
                                "the network readable. Turn starttls on, or set allow_unencrypted_login = true "
                                "under [smtp] for a server on a trusted network. Nothing was sent.")
            connection.login(settings.username, password)
    except smtplib.SMTPAuthenticationError as exc:
        _quit(connection)
        raise MailError(f"The SMTP server {server.address} refused the login of '{settings.username}' "
                        f"({_reply((exc.smtp_code, exc.smtp_error))}). Check username under [smtp] and the "
                        f"password in {settings.password_env}; a mailbox with two-step verification needs an "
                        "app password. Nothing was sent.") from None
    except smtplib.SMTPNotSupportedError:
        _quit(connection)
        raise MailError(f"The SMTP server {server.address} does not accept a login here (it offers no AUTH"
                        f"{' after STARTTLS' if settings.starttls else ''}). Remove username under [smtp] for a "
                        "relay that needs none, or ask for the server's submission port. Nothing was "
                        "sent.") from None
    except ssl.SSLCertVerificationError as exc:
        _quit(connection)
        raise MailError(f"The certificate of the SMTP server {server.address} cannot be trusted "
                        f"({exc.verify_message}). Check the host name under [smtp]; if the server uses your "
                        "company's own certificate authority, set ca_file under [smtp] to its certificate. "
                        "Nothing was sent.") from None
    except MailError:
        _quit(connection)
        raise
    except (OSError, smtplib.SMTPException) as exc:
        _quit(connection)
        raise MailError(f"The SMTP server {server.address} ended the conversation before anything was sent "
                        f"({_plain(exc)}). Check host, port and starttls under [smtp]. Nothing was "
                        "sent.") from None
    return connection


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if settings.ca_file is not None:
        try:
            context.load_verify_locations(cafile=settings.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise MailError(f"{settings.ca_file}: cannot read it as a PEM certificate (setting smtp.ca_file; "
                            f"{_plain(exc)}). Point ca_file to the certificate authority's .pem or .crt file. "
                            "Nothing was sent.") from None
    return context


def _quit(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (OSError, smtplib.SMTPException):
        connection.close()


def _reply(reply: tuple[int, bytes | str]) -> str:
    """A server reply as the server said it: '550 5.1.1 mailbox unavailable'."""
    code, text = reply
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(text.split())}".strip()


def _plain(exc: BaseException) -> str:
    """An OS or SMTP error in words: 'connection refused', 'timed out', 'no such host'."""
    if isinstance(exc, socket.gaierror):
        return "no such host name"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "no answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused: nothing listens on that port"
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply((exc.smtp_code, exc.smtp_error))
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text[0].lower() + text[1:] if text else type(exc).__name__


def _refused_frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(REFUSED_COLUMNS))
    return frame.astype({column: "string[python]" for column in REFUSED_COLUMNS})
