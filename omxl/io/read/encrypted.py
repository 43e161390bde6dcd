"""Password-protected workbooks: decrypt them in memory with msoffcrypto-tool, or say how to pass the password.

Excel's "Encrypt with Password" stores the .xlsx inside an OLE container (an
EncryptedPackage stream); a legacy .xls with a password keeps its OLE layout
but encrypts the records (a FilePass record). Both are decrypted to bytes in
memory; nothing decrypted is ever written to disk.
"""

from __future__ import annotations

import io
import os

from ...errors import SourceError


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
PASSWORD_ENV = "OMXL_PASSWORD"

PROTECTED = "the workbook is protected with a password."
HOW_TO_PASS = ("Pass the password with --password (or set OMXL_PASSWORD; in Python read_book(..., password=...)), "
               "or open it in Excel, remove the password (File > Info > Protect Workbook), save it and try again.")
WRONG = "the password is not right for this workbook."
RETRY = "Check it (passwords are case-sensitive) and pass it again with --password or OMXL_PASSWORD."


def resolve_password(password: str | None) -> str | None:
    """The password argument wins; without one, OMXL_PASSWORD (so scripts and the CLI behave alike)."""
    if password is not None:
        return password
    return os.environ.get(PASSWORD_ENV) or None


def needs_password(data: bytes) -> bool:
    """An OLE file that msoffcrypto says is encrypted: an encrypted .xlsx/.xlsm/.xlsb package or a .xls
    with a password. Cheap for the common case: only OLE files are looked at."""
    if not data.startswith(OLE_MAGIC):
        return False
    if ENCRYPTED_MARK in data:
        return True
    import msoffcrypto  # imported on use (start-up time): only a password-protected workbook needs it

    try:
        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:  # noqa: BLE001 - not an Office file msoffcrypto knows; the readers will say what it is
        return False


def decrypt(name: str, data: bytes, password: str | None) -> bytes:
    """The decrypted workbook bytes, or SourceError: protected (no password) / the password is not right."""
    if password is None:
        raise SourceError(name, PROTECTED, HOW_TO_PASS)
    import msoffcrypto  # imported on use (start-up time), as above
    from msoffcrypto.exceptions import DecryptionError, InvalidKeyError

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password=password)
        out = io.BytesIO()
        office.decrypt(out)
    except (InvalidKeyError, DecryptionError) as exc:
        if "password" in str(exc).lower() or isinstance(exc, InvalidKeyError):
            raise SourceError(name, WRONG, RETRY) from None
        raise SourceError(name, f"the workbook is protected with a password and cannot be decrypted "
                                f"({str(exc)[:120]}).", "Open it in Excel, remove the password, save it and "
                                                         "try again.") from None
    except Exception as exc:  # noqa: BLE001 - a damaged or unusual encryption header
        raise SourceError(name, f"the workbook is protected with a password and cannot be decrypted "
                                f"({type(exc).__name__}: {str(exc)[:120]}).",
                          "Open it in Excel, remove the password, save it and try again.") from None
    return out.getvalue()
