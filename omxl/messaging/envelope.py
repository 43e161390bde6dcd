"""Messages as `email.message.EmailMessage`: addresses and headers that text from a workbook cannot break.

A name or subject from the workbook may hold anything, including line breaks meant to smuggle in a header
(`Bob\\r\\nBcc: x@y`). Every header value is built from text with its control characters turned into spaces,
and addresses through `email.headerregistry.Address`, which quotes a display name and refuses what is not
one address. An e-mail address must match the rule `validate` checks (the `invalid-email` finding).
"""

from __future__ import annotations

import datetime as dt
import re
from email import policy
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime

import pandas as pd

from ..validation import _EMAIL  # the one definition of a usable e-mail address, shared with `validate`


# Line breaks of every kind (CR, LF, NEL, the Unicode separators) and other control characters.
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]+")
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
# The right-hand side of a Message-ID when no sender is configured: .invalid is reserved for names that must
# never resolve (RFC 2606), so such an id can never clash with a real domain's.
NO_DOMAIN = "omxl.invalid"


def header_text(value: object) -> str:
    """Text safe in a header: control characters and line breaks become single spaces; trimmed."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return " ".join(_CONTROL.sub(" ", str(value)).split())


def email_address(value: object) -> str | None:
    """The address in a workbook cell when it is one usable address, else None."""
    text = header_text(value)
    if not text or not _EMAIL.fullmatch(text):
        return None
    try:
        Address(addr_spec=text)
    except (ValueError, IndexError, TypeError):
        return None
    return text


def mailbox(name: object, address: str) -> Address:
    """`Name <address>`, the name made header-safe (blank: the bare address)."""
    return Address(display_name=header_text(name), addr_spec=address)


def sender_address(value: object) -> Address:
    """A sender given as `addr@example.com` or `Name <addr@example.com>` (config or --from). ValueError with
    the reason when it is not one address."""
    text = str(value)
    if _CONTROL.search(text):
        raise ValueError(f"'{header_text(text)}' holds a line break or control character")
    header = HeaderRegistry()("From", text)
    addresses = header.addresses
    if len(addresses) != 1 or header.defects or not email_address(addresses[0].addr_spec):
        raise ValueError(f"'{text}' is not one e-mail address (write it as orders@example.com or "
                         "\"Order desk <orders@example.com>\")")
    return addresses[0]


def build(*, to: Address | None, sender: Address | None, subject: str, text: str, html: str, local_id: str,
          attachments: tuple[tuple[str, bytes], ...] = (), date: dt.datetime | None = None) -> EmailMessage:
    """One message: plain text and HTML alternatives, then the attachments (.xlsx). Date is `date` (default:
    now, in the local time zone); the Message-ID is `<local_id@the sender's domain>`."""
    message = EmailMessage(policy=policy.default)
    if sender is not None:
        message["From"] = sender
    if to is not None:
        message["To"] = to
    message["Subject"] = header_text(subject)
    message["Date"] = format_datetime(date or dt.datetime.now().astimezone())
    message["Message-ID"] = f"<{local_id}@{sender.domain if sender is not None else NO_DOMAIN}>"
    # Quoted-printable keeps every line 7-bit and short, so any server relays it as written (8-bit bodies need a
    # server that offers 8BITMIME).
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    for name, data in attachments:
        message.add_attachment(data, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=name)
    return message


def local_part(message_id: object) -> str:
    """The part of a Message-ID before the '@': how a sent message is found again among the drafts."""
    return str(message_id or "").strip().strip("<>").rpartition("@")[0]
