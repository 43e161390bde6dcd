"""User text never becomes a formula, in any file omxl writes; names from data stay in their folder."""

from __future__ import annotations

import re
import zipfile

import pandas as pd
import pytest
import python_calamine as calamine

import omxl
from conftest import SAMPLE, convert_with_libreoffice
from omxl.io.safety import output_path, safe_filename
from omxl.io.save.write import xlsx_workbook

DANGEROUS = ["=HYPERLINK(\"http://evil.example\",\"Click\")", "+1+2", "-2+3", "@SUM(A1:A2)", "\tTabbed",
             "\rReturn", "=cmd|' /C calc'!A0"]
FRAME = pd.DataFrame({"customer": DANGEROUS, "qty": range(len(DANGEROUS))})


def sheet_parts(path):
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("xl/worksheets/")}


def assert_no_formulas(xml: str):
    assert "<f>" not in xml and "<f " not in xml


def test_write_back_stores_formula_like_text_as_literal_text(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(SAMPLE.read_bytes())
    omxl.write_back(path, {"Customers check": FRAME})
    xml = [x for x in sheet_parts(path).values() if "Customers check" not in x and "customer" in x][-1]
    assert_no_formulas(xml)
    assert xml.count('t="inlineStr" s="') >= len(DANGEROUS)
    assert '<c r="A2" t="inlineStr"' in xml and "=HYPERLINK(&quot;" not in xml.split("<sheetData>")[0]
    with calamine.CalamineWorkbook.from_path(str(path)) as book:
        assert [row[0] for row in book.get_sheet_by_name("omxl Customers check").to_python()[1:]] == DANGEROUS
    ods = convert_with_libreoffice(path, "ods", tmp_path)
    with calamine.CalamineWorkbook.from_path(str(ods)) as book:
        values = [row[0] for row in book.get_sheet_by_name("omxl Customers check").to_python()[1:]]
    # LibreOffice computed nothing: every value is still the text (it trims a leading tab or CR).
    assert values[:4] + values[6:] == DANGEROUS[:4] + DANGEROUS[6:]
    assert [v.strip() for v in values[4:6]] == ["Tabbed", "Return"]


def test_save_workbook_stores_formula_like_text_as_literal_text(tmp_path):
    path = omxl.save_workbook({"Customers": FRAME}, tmp_path / "out.xlsx")
    (xml,) = sheet_parts(path).values()
    assert_no_formulas(xml)
    ods = convert_with_libreoffice(path, "ods", tmp_path)
    with calamine.CalamineWorkbook.from_path(str(ods)) as book:
        rows = book.get_sheet_by_name("Customers").to_python()
    assert rows[1] == [DANGEROUS[0], 0.0]
    assert [r[0] for r in rows[1:4]] == DANGEROUS[:3]


def test_save_csv_neutralises_formula_like_text(tmp_path):
    frame = pd.DataFrame({"=name": DANGEROUS + ["plain", "-"], "qty": list(range(len(DANGEROUS))) + [-5, 6]})
    path = omxl.save_csv(frame, tmp_path / "out.csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf'=name,qty\r\n") or data.startswith(b"\xef\xbb\xbf'=name,qty\n")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[1] == "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\",0"
    assert lines[2] == "'+1+2,1"
    assert lines[3] == "'-2+3,2"
    assert lines[4] == "'@SUM(A1:A2),3"
    assert lines[5] == "'\tTabbed,4"
    assert "-5" in data.decode() and "plain,-5" in data.decode()   # numbers keep their sign
    assert "'-,6" in data.decode()


def test_xlsx_workbook_write_keeps_text_as_text(tmp_path):
    path = tmp_path / "x.xlsx"
    book = xlsx_workbook(path)
    sheet = book.add_worksheet("S")
    for row, text in enumerate(DANGEROUS + ["https://example.com", "0123"]):
        sheet.write(row, 0, text)
    book.close()
    (xml,) = sheet_parts(path).values()
    assert_no_formulas(xml)
    assert "<hyperlink" not in xml
    with calamine.CalamineWorkbook.from_path(str(path)) as opened:
        assert [r[0] for r in opened.get_sheet_by_name("S").to_python()][-1] == "0123"


def test_demo_writer_keeps_customer_names_as_text():
    with zipfile.ZipFile(SAMPLE) as archive:
        shared = archive.read("xl/sharedStrings.xml").decode("utf-8")
        workbook = archive.read("xl/workbook.xml").decode("utf-8")
        sheets = re.findall(r'<sheet name="([^"]+)"', workbook)
        customers = archive.read(f"xl/worksheets/sheet{sheets.index('Customers') + 1}.xml").decode("utf-8")
    assert "=Cmd Retail Ltd" in shared and "@Home Furnishings" in shared
    assert_no_formulas(customers)
    book = omxl.read_book(SAMPLE)
    assert {"=Cmd Retail Ltd", "@Home Furnishings"} <= set(book.customers["name"])


@pytest.mark.parametrize("name, expected", [
    ("ACME Ltd.", "ACME Ltd"),
    ("../../etc/passwd", "_etc_passwd"),
    ("C:\\Windows\\system32", "C_Windows_system32"),
    ("CON", "_CON"),
    ("lpt1.txt", "_lpt1.txt"),
    ("  <Müller & Söhne>  ", "_Müller & Söhne_"),
    ("", "unnamed"),
    ("...", "unnamed"),
    ("a" * 300, "a" * 100),
    ("tab\there", "tab_here"),
])
def test_safe_filenames(name, expected):
    assert safe_filename(name) == expected


def test_output_path_stays_in_its_folder(tmp_path):
    assert output_path(tmp_path, "../../x", ".xlsx") == tmp_path.resolve() / "_x.xlsx"
    assert output_path(tmp_path, "PO Supplier/42", ".xlsx").parent == tmp_path.resolve()
