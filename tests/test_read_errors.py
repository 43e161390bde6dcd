"""Files that cannot be read give one clear message naming the file and what to do; CLI exit 2."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
import xlsxwriter
from click.testing import CliRunner

import omxl
from omxl.cli import cli

pytestmark = pytest.mark.core


def write_vendors_only(path):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Vendors")
    sheet.write_row(0, 0, ["Vendor ID", "Vendor Name"])
    sheet.write_row(1, 0, ["V-1", "Crest Hygiene Ltd"])
    book.add_worksheet("Notes").write("A1", "nothing here")
    book.close()


def write_empty_workbook(path):
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Sheet1")
    book.close()


def write_encrypted(path, messy_workbook):
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(messy_workbook, "rb") as handle:
        out = io.BytesIO()
        OOXMLFile(handle).encrypt("secret", out)
    path.write_bytes(out.getvalue())


CASES = {
    "missing.xlsx": (None, "missing.xlsx: file not found. Check the path and the file name."),
    "web-page.xls": (
        lambda p, m: p.write_text("<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>"),
        "web-page.xls: this is a web page (HTML), not a workbook, whatever its extension says. "
        "Open it in Excel or LibreOffice and save it as .xlsx, then try again."),
    "locked.xlsx": (
        write_encrypted,
        "locked.xlsx: the workbook is protected with a password. Pass the password with --password (or set "
        "OMXL_PASSWORD; in Python read_book(..., password=...)), or open it in Excel, remove the password "
        "(File > Info > Protect Workbook), save it and try again."),
    "truncated.xlsx": (
        lambda p, m: p.write_bytes(m.read_bytes()[:2000]),
        "truncated.xlsx: the file is damaged (an incomplete or corrupt .xlsx/.ods package). "
        "Copy or export it again; if Excel can open it, save it again as .xlsx."),
    "empty.xlsx": (
        lambda p, m: write_empty_workbook(p),
        "empty.xlsx: the file holds no data: every sheet is empty. "
        "Check that you picked the right file, or export the data again."),
    "zero.csv": (
        lambda p, m: p.write_bytes(b""),
        "zero.csv: the file is empty (0 bytes). Export the data again."),
    "binary.xlsx": (
        lambda p, m: p.write_bytes(bytes(range(256)) * 8),
        "binary.xlsx: this is not a workbook or CSV file (unrecognised binary content). Check that you picked "
        "the right file; omxl reads .xlsx, .xlsm, .xlsb, .xls, .ods and .csv."),
    "vendors.xlsx": (
        lambda p, m: write_vendors_only(p),
        "vendors.xlsx: no orders, inventory or purchase orders table was found; found: Vendors (suppliers), Notes "
        "(not recognised). Name a sheet 'Orders' (order_id, order_date, customer_id, sku, qty), 'Inventory' (sku, "
        "on_hand) or 'Purchase Orders' (po_id, supplier_id, sku, qty), or give it a header row with those "
        "columns; or map your headers in omxl.toml with lines such as these, writing each header as you have it "
        "in place of Your header:\n[columns.orders]\n\"Your header\" = \"order_id\""),
}


def make(name, tmp_path, messy_workbook):
    path = tmp_path / name
    builder = CASES[name][0]
    if builder is not None:
        builder(path, messy_workbook)
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_library_raises_one_clear_message(name, tmp_path, messy_workbook):
    path = make(name, tmp_path, messy_workbook)
    with pytest.raises(omxl.SourceError) as caught:
        omxl.read_book(path)
    expected = CASES[name][1]
    if name == "missing.xlsx":
        expected = f"{path}: file not found. Check the path and the file name."
    assert str(caught.value) == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_exit_2_with_the_message_and_no_traceback(name, tmp_path, messy_workbook, monkeypatch):
    make(name, tmp_path, messy_workbook)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["read", name])
    assert result.exit_code == 2
    assert result.stderr.replace("\n", " ").startswith(f"omxl: {CASES[name][1].split(':', 1)[0]}:")
    assert " ".join(result.stderr.split()) == " ".join(f"omxl: {CASES[name][1]}".split())
    assert "Traceback" not in result.output


def test_real_process_shows_no_traceback(tmp_path, messy_workbook):
    path = make("truncated.xlsx", tmp_path, messy_workbook)
    done = subprocess.run([sys.executable, "-m", "omxl.cli", "read", str(path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "the file is damaged" in done.stderr


def test_unknown_dict_key_names_the_tables(tmp_path):
    import pandas as pd

    with pytest.raises(omxl.SourceError) as caught:
        omxl.read_book({"widgets": pd.DataFrame({"a": [1]})})
    assert str(caught.value) == ("dict key 'widgets': is not a table name. Key the DataFrames by one of: orders, "
                                 "inventory, suppliers, customers, shipments, purchase_orders, returns, carriers, "
                                 "invoices, payments.")


def test_too_large_file_is_refused_before_reading(messy_workbook):
    with pytest.raises(omxl.SourceError) as caught:
        omxl.read_book(messy_workbook, config={"max_file_mb": 0.001})
    assert str(caught.value).startswith("messy.xlsx: the file is too large (0 MB; the limit is 0 MB).")
