"""Decide what a file is from its first bytes, never from its extension."""

from __future__ import annotations

import io
import zipfile
import zlib

from ...errors import SourceError
from .encrypted import HOW_TO_PASS, PROTECTED


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")

XLSX, XLSM, XLS, ODS, CSV = "xlsx", "xlsm", "xls", "ods", "csv"
XLSB = "xlsb"
# Extensions of zip-packaged workbooks: text content under one of these names is a mistake, not a CSV.
# (.xls is left out on purpose: ERPs often write tab-separated text named .xls, which Excel opens.)
PACKAGE_EXTENSIONS = (".xlsx", ".xlsm", ".xlsb", ".ods")
# First bytes of other common file kinds -> what to call them in the message.
OTHER_KINDS = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "an image (PNG)"),
    (b"\xff\xd8\xff", "an image (JPEG)"),
    (b"GIF8", "an image (GIF)"),
    (b"{\\rtf", "an RTF text document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)
SAVE_AS = "Open it in Excel or LibreOffice and save it as .xlsx, then try again."
PICK_AGAIN = "Check that you picked the right file; omxl reads .xlsx, .xlsm, .xlsb, .xls, .ods and .csv."


def sniff(data: bytes, name: str) -> str:
    """Return the kind of workbook in `data`, or raise SourceError saying what it is instead."""
    if not data:
        raise SourceError(name, "the file is empty (0 bytes).", "Export the data again.")
    if data.startswith(ZIP_MAGIC):
        return _zip_kind(data, name)
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_MARK in data:
            raise SourceError(name, PROTECTED, HOW_TO_PASS)
        return XLS
    for magic, what in OTHER_KINDS:
        if data.startswith(magic):
            raise SourceError(name, f"this is {what}, not a workbook, whatever its extension says.",
                              PICK_AGAIN)
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<head", b"<meta")):
        raise SourceError(name, "this is a web page (HTML), not a workbook, whatever its extension says.",
                          SAVE_AS)
    if head.startswith(b"<?xml"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in data[:65536]:
            raise SourceError(name, "this is an Excel 2003 XML spreadsheet, which omxl does not read.", SAVE_AS)
        raise SourceError(name, "this is an XML file, not a workbook.", SAVE_AS)
    if _looks_like_text(data):
        if name.lower().endswith(PACKAGE_EXTENSIONS):
            raise SourceError(name, "this is a text file (CSV or plain text), not a workbook, whatever its "
                                    "extension says.",
                              "If it is a CSV export, rename it to .csv and try again; otherwise open it in Excel "
                              "and save it as .xlsx.")
        return CSV
    raise SourceError(name, "this is not a workbook or CSV file (unrecognised binary content).", PICK_AGAIN)


def _zip_kind(data: bytes, name: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names:
                return XLSM if "xl/vbaProject.bin" in names else XLSX
            if "xl/workbook.bin" in names:
                return XLSB
            if "mimetype" in names and archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.spreadsheet":
                if _ods_encrypted(archive, names):
                    raise SourceError(name, "the workbook is protected with a password (an encrypted .ods).",
                                      "omxl cannot decrypt .ods files: open it in LibreOffice, save a copy "
                                      "without the password (File > Save As, untick 'Save with password') and "
                                      "try again.")
                return ODS
            if "word/document.xml" in names:
                raise SourceError(name, "this is a Word document, not a workbook.", SAVE_AS)
    # A flipped byte can also give an unknown compression method or a broken deflate stream.
    except (zipfile.BadZipFile, NotImplementedError, zlib.error, EOFError, ValueError):
        raise SourceError(name, "the file is damaged (an incomplete or corrupt .xlsx/.ods package).",
                          "Copy or export it again; if Excel can open it, save it again as .xlsx.") from None
    raise SourceError(name, "this is a zip archive but not a workbook.", SAVE_AS)


def _ods_encrypted(archive: zipfile.ZipFile, names: set[str]) -> bool:
    """LibreOffice's password protection encrypts content.xml and lists encryption-data in the manifest."""
    manifest = "META-INF/manifest.xml"
    if manifest not in names:
        return False
    return b"encryption-data" in archive.read(manifest)[:1_000_000]


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
