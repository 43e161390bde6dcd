"""Decide what a file is from its first bytes, never from its extension."""

from __future__ import annotations

import io
import zipfile
import zlib

from ...errors import SourceError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")

XLSX, XLSM, XLS, ODS, CSV = "xlsx", "xlsm", "xls", "ods", "csv"
SAVE_AS = "Open it in Excel or LibreOffice and save it as .xlsx, then try again."


def sniff(data: bytes, name: str) -> str:
    """Return the kind of workbook in `data`, or raise SourceError saying what it is instead."""
    if not data:
        raise SourceError(name, "the file is empty (0 bytes).", "Export the data again.")
    if data.startswith(ZIP_MAGIC):
        return _zip_kind(data, name)
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_MARK in data:
            raise SourceError(name, "the workbook is protected with a password.",
                              "Open it in Excel, remove the password (File > Info > Protect Workbook), "
                              "save it and try again.")
        return XLS
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<head", b"<meta")):
        raise SourceError(name, "this is a web page (HTML), not a workbook, whatever its extension says.",
                          SAVE_AS)
    if head.startswith(b"<?xml"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in data[:65536]:
            raise SourceError(name, "this is an Excel 2003 XML spreadsheet, which omxl does not read.", SAVE_AS)
        raise SourceError(name, "this is an XML file, not a workbook.", SAVE_AS)
    if _looks_like_text(data):
        return CSV
    raise SourceError(name, "this is not a workbook or CSV file (unrecognised binary content).",
                      "Check that you picked the right file; omxl reads .xlsx, .xlsm, .xls, .ods and .csv.")


def _zip_kind(data: bytes, name: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names:
                return XLSM if "xl/vbaProject.bin" in names else XLSX
            if "mimetype" in names and archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.spreadsheet":
                return ODS
            if "word/document.xml" in names:
                raise SourceError(name, "this is a Word document, not a workbook.", SAVE_AS)
    # A flipped byte can also give an unknown compression method or a broken deflate stream.
    except (zipfile.BadZipFile, NotImplementedError, zlib.error, EOFError, ValueError):
        raise SourceError(name, "the file is damaged (an incomplete or corrupt .xlsx/.ods package).",
                          "Copy or export it again; if Excel can open it, save it again as .xlsx.") from None
    raise SourceError(name, "this is a zip archive but not a workbook.", SAVE_AS)


def _looks_like_text(data: bytes) -> bool:
    sample = data[:65536]
    if b"\x00" in sample:
        return False
    for encoding in ("utf-8", "cp1252"):
        try:
            sample.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            # A multi-byte character cut by the sample's end is still text.
            if encoding == "utf-8" and exc.start >= len(sample) - 3:
                return True
    return False
