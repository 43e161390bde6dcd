"""Hostile and messy files: password-protected workbooks, .xlsb, files of the wrong kind, all-error and
damaged workbooks. Each gives one exact message (CLI exit 2) or is read by its bytes; `omxl read` exits 1
when reading found errors."""

from __future__ import annotations

import io
import shutil
import zipfile

import pandas as pd
import pandas.testing as pdt
import pytest
import xlsxwriter
from click.testing import CliRunner

import omxl
from conftest import SAMPLE, convert_with_libreoffice, save_with_password_in_libreoffice
from omxl.cli import cli
from xlsb_writer import Error, xlsb_bytes

pytestmark = pytest.mark.core

PASSWORD = "Ex@mple-2026"
PROTECTED = ("the workbook is protected with a password. Pass the password with --password (or set "
             "OMXL_PASSWORD; in Python read_book(..., password=...)), or open it in Excel, remove the password "
             "(File > Info > Protect Workbook), save it and try again.")
WRONG = ("the password is not right for this workbook. Check it (passwords are case-sensitive) and pass it "
         "again with --password or OMXL_PASSWORD.")
HEADERS = ["Order ID", "Order Date", "Customer", "SKU", "Qty"]
ROWS = [["SO-1", "2026-11-02", "C-1", "SKU-1", 5], ["SO-2", "2026-11-03", "C-2", "SKU-2", 7.5],
        ["SO-3", "2026-11-04", "C-1", "SKU-1", 12]]


def encrypt(source, target, password=PASSWORD):
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with open(source, "rb") as handle:
        OOXMLFile(handle).encrypt(password, out)
    target.write_bytes(out.getvalue())
    return target


def write_xlsx(path, rows, sheet="Orders"):
    book = xlsxwriter.Workbook(str(path))
    page = book.add_worksheet(sheet)
    for r, values in enumerate(rows):
        page.write_row(r, 0, values)
    book.close()
    return path


def message(path_or_source, *, password=None):
    with pytest.raises(omxl.SourceError) as caught:
        omxl.read_book(path_or_source, password=password)
    return str(caught.value)


def cli_run(args, env=None):
    result = CliRunner().invoke(cli, args, env=env)
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="module")
def small_xlsx(folder):
    return write_xlsx(folder / "small.xlsx", [HEADERS, *ROWS])


@pytest.fixture(scope="module")
def locked_sample(folder):
    return encrypt(SAMPLE, folder / "locked.xlsx")


@pytest.fixture(scope="module")
def small_xls(folder, small_xlsx):
    return convert_with_libreoffice(small_xlsx, "xls", folder)


@pytest.fixture(autouse=True)
def no_password_in_environment(monkeypatch):
    monkeypatch.delenv("OMXL_PASSWORD", raising=False)


# --- password-protected workbooks --------------------------------------------------------------

def test_encrypted_workbook_without_password_says_how_to_pass_it(locked_sample):
    assert message(locked_sample) == f"locked.xlsx: {PROTECTED}"


def test_wrong_password_is_not_right(locked_sample):
    assert message(locked_sample, password="ex@mple-2026") == f"locked.xlsx: {WRONG}"


def test_with_the_password_the_book_reads_as_the_plain_one(locked_sample):
    book = omxl.read_book(locked_sample, password=PASSWORD)
    plain = omxl.read_book(SAMPLE)
    assert len(book.orders) == 3000
    assert book.orders["order_id"].nunique() == plain.orders["order_id"].nunique()
    for name in ("orders", "inventory", "suppliers"):
        pdt.assert_frame_equal(book.tables[name].drop(columns="source"), plain.tables[name].drop(columns="source"))
    assert set(book.tables["orders"]["source"]) == {"locked.xlsx"}


def test_library_reads_omxl_password_when_no_password_is_passed(locked_sample, monkeypatch):
    monkeypatch.setenv("OMXL_PASSWORD", PASSWORD)
    assert len(omxl.read_book(locked_sample).orders) == 3000
    # An explicit password wins over the environment.
    assert message(locked_sample, password="nope") == f"locked.xlsx: {WRONG}"


@pytest.fixture(scope="module")
def locked_small(folder, small_xlsx):
    # The same file name as the plain book, so the two runs' outputs can be compared as they are.
    (folder / "locked").mkdir()
    return encrypt(small_xlsx, folder / "locked" / "small.xlsx")


@pytest.mark.parametrize("command", ["read", "validate", "reconcile", "reorder"])
def test_every_reading_command_takes_password(command, locked_small, small_xlsx):
    args = [command, str(locked_small)] + (["--as-of", "2026-11-27"] if command in ("reconcile", "reorder") else [])
    refused = cli_run(args)
    assert refused.exit_code == 2
    assert " ".join(refused.stderr.split()) == f"omxl: small.xlsx: {PROTECTED}"
    wrong = cli_run(args + ["--password", "wrong"])
    assert wrong.exit_code == 2
    assert " ".join(wrong.stderr.split()) == f"omxl: small.xlsx: {WRONG}"
    plain = cli_run([command, str(small_xlsx), *args[2:]])
    opened = cli_run(args + ["--password", PASSWORD])
    from_env = cli_run(args, env={"OMXL_PASSWORD": PASSWORD})
    assert plain.exit_code in (0, 1)
    assert opened.exit_code == from_env.exit_code == plain.exit_code
    assert opened.stdout == from_env.stdout == plain.stdout != ""


def test_password_protected_ods_says_protected(folder):
    path = folder / "locked.ods"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        package.writestr("content.xml", b"\x8f\x12 encrypted bytes")
        package.writestr("META-INF/manifest.xml",
                         '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:'
                         'tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml" '
                         'manifest:media-type="text/xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K" '
                         'manifest:checksum="x"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" '
                         'manifest:initialisation-vector="x"/></manifest:encryption-data></manifest:file-entry>'
                         '</manifest:manifest>')
    assert message(path) == (
        "locked.ods: the workbook is protected with a password (an encrypted .ods). omxl cannot decrypt .ods "
        "files: open it in LibreOffice, save a copy without the password (File > Save As, untick 'Save with "
        "password') and try again.")



@pytest.fixture(scope="module")
def locked_xls(folder, small_xlsx):
    # LibreOffice's "Save with password" as .xls (Excel 97-2003): the records are encrypted with RC4 CryptoAPI,
    # as Excel does. No Python library writes one; LibreOffice is driven through python-UNO.
    (folder / "locked-xls").mkdir()
    return save_with_password_in_libreoffice(small_xlsx, folder / "locked-xls" / "small.xls", PASSWORD)


def test_password_protected_xls_is_decrypted_with_the_password(locked_xls, small_xls):
    import msoffcrypto

    with open(locked_xls, "rb") as handle:
        office = msoffcrypto.OfficeFile(handle)
        assert type(office).__name__ == "Xls97File" and office.is_encrypted()
    assert message(locked_xls) == f"small.xls: {PROTECTED}"
    assert message(locked_xls, password="ex@mple-2026") == f"small.xls: {WRONG}"
    orders = omxl.read_book(locked_xls, password=PASSWORD).orders
    assert orders["order_id"].tolist() == ["SO-1", "SO-2", "SO-3"]
    assert orders["qty"].tolist() == [5, 7.5, 12]
    assert orders["order_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-02", "2026-11-03", "2026-11-04"]
    assert orders["row"].tolist() == [2, 3, 4]
    # The same values as the same workbook saved as .xls without a password.
    plain = omxl.read_book(small_xls).orders
    pdt.assert_frame_equal(orders.drop(columns="source"), plain.drop(columns="source"))
    # The command line: exit 2 with one line, then the data with --password.
    refused = cli_run(["read", str(locked_xls)])
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [f"omxl: small.xls: {PROTECTED}"]
    assert cli_run(["read", str(locked_xls), "--password", PASSWORD]).exit_code == 0

# --- .xlsb ---------------------------------------------------------------------------------------

def test_xlsb_reads_like_the_same_xlsx(folder, small_xlsx):
    path = folder / "orders.xlsb"
    path.write_bytes(xlsb_bytes("Orders", [HEADERS, *ROWS]))
    book = omxl.read_book(path)
    assert book.layout["kind"].tolist() == ["xlsb"]
    expected = omxl.read_book(small_xlsx).orders.drop(columns="source")
    pdt.assert_frame_equal(book.orders.drop(columns="source"), expected)
    assert book.orders["qty"].tolist() == [5.0, 7.5, 12.0]
    assert book.orders["order_date"].tolist() == [pd.Timestamp("2026-11-02"), pd.Timestamp("2026-11-03"),
                                                  pd.Timestamp("2026-11-04")]


def test_xlsb_error_cells_are_errors_never_blanks(folder):
    path = folder / "errors.xlsb"
    path.write_bytes(xlsb_bytes("Orders", [HEADERS + ["Unit Price"],
                                           ["SO-1", "2026-11-02", "C-1", "SKU-1", 2, Error("#DIV/0!")],
                                           ["SO-2", "2026-11-02", "C-1", "SKU-2", Error("#N/A"), 3.5]]))
    book = omxl.read_book(path)
    errors = book.findings[book.findings["code"] == "error-cell"]
    assert sorted(zip(errors["cell"], errors["column"], errors["value"])) == [
        ("E3", "Qty", "#N/A"), ("F2", "Unit Price", "#DIV/0!")]


def test_encrypted_xlsb_without_and_with_password(folder):
    # Excel encrypts .xlsb the same way as .xlsx: the package inside an OLE EncryptedPackage stream.
    # 400 lines: msoffcrypto-tool cannot encrypt a package under 4,096 bytes (the OLE mini stream) correctly.
    lines = [[f"SO-{i}", "2026-11-02", f"C-{i % 13}", f"SKU-{i * 31 % 97}", i % 17 + 1] for i in range(400)]
    plain = folder / "binary.xlsb"
    plain.write_bytes(xlsb_bytes("Orders", [HEADERS, *lines]))
    locked = encrypt(plain, folder / "locked.xlsb")
    assert message(locked) == f"locked.xlsb: {PROTECTED}"
    assert message(locked, password="x") == f"locked.xlsb: {WRONG}"
    orders = omxl.read_book(locked, password=PASSWORD).orders
    assert len(orders) == 400
    assert orders["qty"].sum() == sum(i % 17 + 1 for i in range(400)) == 3564
    pdt.assert_frame_equal(orders.drop(columns="source"), omxl.read_book(plain).orders.drop(columns="source"))


# --- files of the wrong kind ---------------------------------------------------------------------

def test_xls_named_xlsx_and_xlsx_named_xls_are_read_by_their_bytes(folder, small_xls, small_xlsx):
    xls_as_xlsx = shutil.copy(small_xls, folder / "legacy.xlsx")
    xlsx_as_xls = shutil.copy(small_xlsx, folder / "modern.xls")
    first, second = omxl.read_book(xls_as_xlsx), omxl.read_book(xlsx_as_xls)
    assert first.layout["kind"].tolist() == ["xls"]
    assert second.layout["kind"].tolist() == ["xlsx"]
    for book in (first, second):
        assert book.orders["order_id"].tolist() == ["SO-1", "SO-2", "SO-3"]
        assert book.orders["qty"].tolist() == [5.0, 7.5, 12.0]


PICK = "Check that you picked the right file; omxl reads .xlsx, .xlsm, .xlsb, .xls, .ods and .csv."
WRONG_KINDS = {
    "export.xlsx": (b"Order ID,Order Date,Customer,SKU,Qty\nSO-1,2026-11-02,C-1,SKU-1,5\n",
                    "export.xlsx: this is a text file (CSV or plain text), not a workbook, whatever its extension "
                    "says. If it is a CSV export, rename it to .csv and try again; otherwise open it in Excel and "
                    "save it as .xlsx."),
    "notes.ods": (b"just some notes\n",
                  "notes.ods: this is a text file (CSV or plain text), not a workbook, whatever its extension says. "
                  "If it is a CSV export, rename it to .csv and try again; otherwise open it in Excel and save it "
                  "as .xlsx."),
    "report.xls": (b"<!DOCTYPE html>\n<html><body><table><tr><td>Order ID</td></tr></table></body></html>",
                   "report.xls: this is a web page (HTML), not a workbook, whatever its extension says. Open it in "
                   "Excel or LibreOffice and save it as .xlsx, then try again."),
    "invoice.xlsx": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
                     f"invoice.xlsx: this is a PDF document, not a workbook, whatever its extension says. {PICK}"),
    "scan.xls": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
                 f"scan.xls: this is an image (PNG), not a workbook, whatever its extension says. {PICK}"),
    "photo.xlsx": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
                   f"photo.xlsx: this is an image (JPEG), not a workbook, whatever its extension says. {PICK}"),
}


@pytest.mark.parametrize("name", sorted(WRONG_KINDS))
def test_wrong_kind_says_what_the_file_seems_to_be(name, tmp_path, monkeypatch):
    content, expected = WRONG_KINDS[name]
    (tmp_path / name).write_bytes(content)
    assert message(tmp_path / name) == expected
    monkeypatch.chdir(tmp_path)
    result = cli_run(["read", name])
    assert result.exit_code == 2
    assert " ".join(result.stderr.split()) == f"omxl: {expected}"


def test_tab_separated_text_named_xls_is_read_as_text(tmp_path):
    # ERPs write tab-separated text named .xls (Excel opens it); only zip-package extensions refuse text.
    path = tmp_path / "erp-export.xls"
    path.write_text("Order ID\tOrder Date\tCustomer\tSKU\tQty\nSO-1\t2026-11-02\tC-1\tSKU-1\t5\n", encoding="utf-8")
    book = omxl.read_book(path)
    assert book.layout["kind"].tolist() == ["csv"]
    assert book.orders["qty"].tolist() == [5.0]


def test_empty_workbook(tmp_path):
    path = tmp_path / "empty.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Sheet1")
    book.close()
    assert message(path) == ("empty.xlsx: the file holds no data: every sheet is empty. Check that you picked "
                             "the right file, or export the data again.")


ALL_ERRORS = ("every cell with a value holds an Excel error value ({}), so there is no data to read. The formulas "
              "lost what they refer to (a deleted sheet, column or linked file): open it in Excel, fix the "
              "formulas or paste the values, save it and try again.")


@pytest.mark.parametrize("sheet", ["Sheet1", "Orders"])
def test_workbook_of_only_error_values_says_so(sheet, tmp_path):
    path = tmp_path / "broken-links.xlsx"
    book = xlsxwriter.Workbook(str(path))
    page = book.add_worksheet(sheet)
    for r in range(3):
        for c in range(2):
            page.write_formula(r, c, "=[old.xlsx]Orders!A1", None, "#REF!")
    page.write_formula(3, 0, "=NA()", None, "#N/A")
    book.add_worksheet("Empty")
    book.close()
    # Even a sheet named Orders: its "missing columns" would hide the cause.
    assert message(path) == "broken-links.xlsx: " + ALL_ERRORS.format("#N/A in 1 cell, #REF! in 6 cells")


def test_damaged_xls_says_damaged_not_internal_error(folder, small_xls, tmp_path, monkeypatch):
    data = bytearray(small_xls.read_bytes())
    sst = data.find(b"\xfc\x00")   # the SST record: type, size, total count, unique count
    assert sst > 0
    data[sst + 8:sst + 12] = (40).to_bytes(4, "little")   # more unique strings than the record holds
    path = tmp_path / "damaged.xls"
    path.write_bytes(bytes(data))
    expected = ("damaged.xls: the .xls workbook is damaged (its internal record counts do not add up). Open it in "
                "Excel with File > Open > Open and Repair, save it as .xlsx and try again.")
    assert message(path) == expected
    monkeypatch.chdir(tmp_path)
    result = cli_run(["read", "damaged.xls"])
    assert result.exit_code == 2
    assert " ".join(result.stderr.split()) == f"omxl: {expected}"


# --- omxl read exit code -------------------------------------------------------------------------

def test_read_exits_0_when_reading_found_no_errors(small_xlsx):
    result = cli_run(["read", str(small_xlsx)])
    assert result.exit_code == 0
    findings = omxl.read_book(small_xlsx).findings
    assert findings["severity"].tolist() == ["info"]   # one note, no error


def test_read_exits_1_when_reading_found_errors(tmp_path):
    path = write_xlsx(tmp_path / "bad-qty.xlsx", [HEADERS, ["SO-1", "2026-11-02", "C-1", "SKU-1", "five"]])
    findings = omxl.read_book(path).findings
    assert (findings["severity"] == "error").sum() >= 1
    for output_format in ("table", "json"):
        result = cli_run(["read", str(path), "--format", output_format])
        assert result.exit_code == 1
    assert cli_run(["read", str(SAMPLE), "--format", "json"]).exit_code == 1


def test_read_exits_2_when_a_file_cannot_be_read(tmp_path):
    (tmp_path / "zero.xlsx").write_bytes(b"")
    assert cli_run(["read", str(tmp_path / "zero.xlsx")]).exit_code == 2


def test_sheet_and_structure_protection_need_no_password(tmp_path):
    # Protection without encryption only locks editing; the values are readable as usual.
    path = tmp_path / "protected-sheet.xlsx"
    book = xlsxwriter.Workbook(str(path))
    page = book.add_worksheet("Orders")
    for r, values in enumerate([HEADERS, *ROWS]):
        page.write_row(r, 0, values)
    page.protect("sheet-pw")
    book.close()
    assert omxl.read_book(path).orders["qty"].tolist() == [5.0, 7.5, 12.0]
