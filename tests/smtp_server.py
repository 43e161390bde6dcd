"""A real SMTP server for the e-mail tests: aiosmtpd on 127.0.0.1, on a free port, started by the test.

Use the `smtp_server` fixture (registered in tests/conftest.py). It is a factory; each server it starts is
stopped when the test ends:

    def test_something(smtp_server, monkeypatch):
        server = smtp_server()                                    # plain SMTP, no login
        server = smtp_server(tls=True, username="orders", password="s3cret")
        monkeypatch.setenv("OMXL_SMTP_PASSWORD", "s3cret")
        report = send_messages(messages, config={"smtp": server.settings(sender="orders@example.com")})
        server.received[0].mail_from, server.received[0].rcpt_tos, server.received[0].message["Subject"]

Options of `smtp_server(...)`:

- `tls=True`: the server offers STARTTLS with a self-signed certificate for 127.0.0.1 and localhost, made at
  test time with `cryptography`, and refuses MAIL before STARTTLS. `server.settings()` then names that
  certificate as `ca_file`, so the client verifies the server exactly as it would a real one.
- `username`, `password`: AUTH LOGIN and PLAIN are offered (after STARTTLS when `tls=True`) and required; a wrong
  pair is answered `535 5.7.8 Authentication credentials invalid`.
- `refuse`: recipient addresses answered `550 5.1.1 <address>: mailbox unavailable` at RCPT.
- `drop_after=N`: after N accepted messages, the next MAIL FROM drops the connection without a reply (a network
  failure half-way through a run).

What it records: `server.received`, one `Received` per accepted message: `mail_from` and `rcpt_tos` (the
envelope), `data` (the raw bytes as transmitted, CRLF line ends) and `message` (those bytes parsed as an
EmailMessage, line ends "\n").
`server.settings(**more)` is the `smtp` section of omxl's settings pointing at this server (host, port,
starttls, username, password_env "OMXL_SMTP_PASSWORD", ca_file); `server.address` is "127.0.0.1:PORT".
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"
PASSWORD_ENV = "OMXL_SMTP_PASSWORD"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    message: EmailMessage


@dataclass
class Handler:
    refuse: frozenset[str]
    drop_after: int | None
    received: list[Received] = field(default_factory=list)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.drop_after is not None and len(self.received) >= self.drop_after:
            server.transport.abort()  # gone without a reply, as a lost network connection is
            return "421 4.4.2 connection dropped"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content
        # Parsed with the wire's CRLF line ends made "\n", so get_content() reads as the text that was written.
        message = BytesParser(policy=policy.default).parsebytes(data.replace(b"\r\n", b"\n"))
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), data, message))
        return "250 2.0.0 Message accepted for delivery"


class MailServer:
    """One running aiosmtpd server (see the module docstring)."""

    def __init__(self, *, certificate: tuple[Path, Path] | None = None, username: str | None = None,
                 password: str | None = None, refuse: tuple[str, ...] = (), drop_after: int | None = None):
        self.handler = Handler(frozenset(refuse), drop_after)
        self.port = free_port()
        self.certificate = certificate
        self.username = username
        options: dict = {}
        if certificate is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(certificate[0]), str(certificate[1]))
            options.update(tls_context=context, require_starttls=True)
        if username is not None:
            def authenticate(server, session, envelope, mechanism, auth_data):
                ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
                    username.encode(), (password or "").encode())
                return AuthResult(success=ok, handled=False)

            options.update(authenticator=authenticate, auth_required=True,
                           auth_require_tls=certificate is not None)
        self.controller = Controller(self.handler, hostname=HOST, port=self.port, **options)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    def settings(self, **more: object) -> dict:
        section: dict = {"host": HOST, "port": self.port, "starttls": self.certificate is not None}
        if self.certificate is not None:
            section["ca_file"] = str(self.certificate[0])
        if self.username is not None:
            section.update(username=self.username, password_env=PASSWORD_ENV)
        return {**section, **more}

    def start(self) -> "MailServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def free_port() -> int:
    """A port nothing listens on right now (the kernel's choice)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """(certificate.pem, key.pem) for 127.0.0.1 and localhost, valid from yesterday for a week."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "omxl test mail server")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        # What a strict verifier (Python 3.13's default context) asks of a certificate that is its own authority.
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = folder / "server-cert.pem", folder / "server-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture(scope="session")
def smtp_certificate(tmp_path_factory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def smtp_server(smtp_certificate):
    """A factory: smtp_server(tls=False, username=None, password=None, refuse=(), drop_after=None) -> MailServer,
    started; every server is stopped when the test ends."""
    started: list[MailServer] = []

    def start(*, tls: bool = False, username: str | None = None, password: str | None = None,
              refuse: tuple[str, ...] = (), drop_after: int | None = None) -> MailServer:
        server = MailServer(certificate=smtp_certificate if tls else None, username=username, password=password,
                            refuse=refuse, drop_after=drop_after).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
