"""Entry lists: data validation on the entry sheets from the book's own master sheets (contract 5.4, docs/excel.md
"Entry lists"), made by excel-setup and by validate --write-back --entry-lists, read back by openpyxl and by
LibreOffice, which refuses an unknown SKU typed into an order line."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner

import omxl
from conftest import ROOT, SAMPLE, python_with_uno
from omxl.cli import cli

ENTRY_SHEET_PARTS = ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet5.xml",
                     "xl/worksheets/sheet6.xml", "xl/worksheets/sheet7.xml")  # Orders, Inventory, Shipments, POs, Returns
DATE = ("date", "between", "1", "2958465")
QTY = ("decimal", "greaterThan", "0", None)
SAMPLE_VALIDATIONS = {
    "Orders": [("C5:C10000", *DATE), ("D5:D10000", "list", None, "omxl_customers", None),
               ("E5:E10000", "list", None, "omxl_skus", None), ("F5:F10000", *QTY), ("H5:H10000", *DATE)],
    "Inventory": [("F2:F10000", "list", None, "omxl_suppliers", None)],
    "Shipments": [("E2:E10000", *QTY), ("F2:F10000", *DATE), ("I2:I10000", *DATE)],
    "Purchase Orders": [("B2:B10000", "list", None, "omxl_suppliers", None),
                        ("C2:C10000", "list", None, "omxl_skus", None), ("D2:D10000", *QTY), ("E2:E10000", *DATE),
                        ("F2:F10000", *DATE)],
    "Returns": [("E2:E10000", *QTY), ("F2:F10000", *DATE)],
}
SAMPLE_NAMES = {
    "omxl_skus": "OFFSET('Inventory'!$A$2,0,0,MAX(1,COUNTA('Inventory'!$A$2:$A$1048576)),1)",
    "omxl_customers": "OFFSET('Customers'!$A$2,0,0,MAX(1,COUNTA('Customers'!$A$2:$A$1048576)),1)",
    "omxl_suppliers": "OFFSET('Suppliers'!$A$2,0,0,MAX(1,COUNTA('Suppliers'!$A$2:$A$1048576)),1)",
}
OUR_ELEMENT = re.compile(rb'<dataValidations count="\d+">.*?</dataValidations>', re.S)


def run(*args):
    return CliRunner(env={"COLUMNS": "400"}).invoke(cli, [*map(str, args)])


def validations(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path, keep_vba=True)
    return {sheet.title: [(str(v.sqref), v.type, v.operator, v.formula1, v.formula2)
                          for v in sheet.data_validations.dataValidation]
            for sheet in book if sheet.title != "omxl" and sheet.data_validations.dataValidation}


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def lo_entry_lists(path: Path, profile: Path, request: dict) -> dict:
    result = subprocess.run([python_with_uno(), str(ROOT / "tests" / "lo_entry_lists.py"), str(path), str(profile),
                             json.dumps(request)], check=True, capture_output=True, text=True, timeout=180)
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def set_up(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("entry")
    book = Path(shutil.copy(SAMPLE, folder / "orders.xlsx"))
    result = run("excel-setup", book)
    assert result.exit_code == 0, result.output
    return book, folder / "orders.xlsm"


def test_excel_setup_adds_the_entry_lists_by_default(set_up):
    _, made = set_up
    assert validations(made) == SAMPLE_VALIDATIONS
    book = openpyxl.load_workbook(made, keep_vba=True)
    names = {name: book.defined_names[name] for name in book.defined_names if name.startswith("omxl_")}
    assert {name: d.attr_text for name, d in names.items()} == SAMPLE_NAMES
    assert all(d.localSheetId is None for d in names.values())  # workbook-wide: every sheet can use them
    assert names["omxl_skus"].comment == "omxl: the item codes (SKUs) on Inventory, column A, for the entry lists"
    sku, = [v for v in book["Orders"].data_validations.dataValidation if str(v.sqref) == "E5:E10000"]
    assert (sku.allow_blank, sku.showInputMessage, sku.showErrorMessage, sku.errorStyle) == (True, True, True, None)
    assert sku.promptTitle == "Item Code"
    assert sku.prompt == ("Choose an item code (SKU) from the list: the item codes (SKUs) in the Inventory sheet, "
                          "column A (the name omxl_skus). A new one goes on Inventory first.")
    assert sku.errorTitle == "Not on the list"
    assert sku.error == ("'Item Code' takes an item code (SKU) listed in the Inventory sheet, column A. Choose one "
                         "from the list, or add it to Inventory first.")
    ordered, = [v for v in book["Orders"].data_validations.dataValidation if str(v.sqref) == "C5:C10000"]
    assert (ordered.promptTitle, ordered.prompt, ordered.errorTitle, ordered.error) == (
        "Order Date", "Enter a date, such as 2026-11-27.", "Not a date",
        "'Order Date' takes a date, such as 2026-11-27. Text (such as 'next week' or 'TBC') cannot be planned with.")
    shipped, = [v for v in book["Shipments"].data_validations.dataValidation if str(v.sqref) == "E2:E10000"]
    assert (shipped.promptTitle, shipped.prompt, shipped.errorTitle, shipped.error) == (
        "Qty Shipped", "Enter a quantity greater than 0.", "Not a quantity",
        "'Qty Shipped' takes a number greater than 0, such as 12.")


def test_only_the_entry_sheets_get_an_element_and_nothing_else_changes(set_up, tmp_path):
    book, made = set_up
    plain = omxl.excel_setup(book, out=tmp_path / "plain.xlsm", entry_lists=False)
    with_lists, without = members(made), members(plain)
    assert sorted(n for n in with_lists if with_lists[n] != without[n]) == sorted(
        [*ENTRY_SHEET_PARTS, "xl/workbook.xml"])
    original = members(book)
    for part in ENTRY_SHEET_PARTS:
        # Orders (sheet1) was the selected tab: it also loses that mark, so the workbook opens on omxl alone.
        assert OUR_ELEMENT.sub(b"", with_lists[part], count=1) == original[part].replace(
            b'<sheetView tabSelected="1" workbookViewId="0">', b'<sheetView workbookViewId="0">', 1)
    # In CT_Worksheet's order: after the sheet's data and filter, before its margins (and the Inventory table).
    inventory = with_lists["xl/worksheets/sheet2.xml"].decode("utf-8")
    assert inventory.index("</sheetData>") < inventory.index("<dataValidations") < inventory.index("<pageMargins")
    assert inventory.index("</dataValidations>") < inventory.index("<tableParts")


def test_no_entry_lists_adds_none(set_up, tmp_path):
    book, _ = set_up
    result = run("excel-setup", book, "--out", tmp_path / "plain.xlsm", "--no-entry-lists")
    assert result.exit_code == 0, result.output
    made, original = members(tmp_path / "plain.xlsm"), members(book)
    unselected = original["xl/worksheets/sheet1.xml"].replace(       # Orders loses its tab selection only
        b'<sheetView tabSelected="1" workbookViewId="0">', b'<sheetView workbookViewId="0">', 1)
    assert made["xl/worksheets/sheet1.xml"] == unselected
    assert all(made[part] == original[part] for part in ENTRY_SHEET_PARTS if part != "xl/worksheets/sheet1.xml")
    assert "omxl_" not in made["xl/workbook.xml"].decode("utf-8")
    assert validations(tmp_path / "plain.xlsm") == {}


def test_libreoffice_reads_the_lists_and_refuses_an_unknown_sku(set_up, tmp_path):
    _, made = set_up
    seen = lo_entry_lists(made, tmp_path / "lo-profile", {
        "describe": ["Orders!E5", "Orders!C5", "Purchase Orders!D2"],
        # An unknown SKU, a SKU added at the bottom of Inventory (row 400, below its 398 items) and then typed in
        # an order line, a quantity of 0 and a date written as words.
        "type": {"Orders!E5": "SKU-NOPE", "Inventory!A400": "SKU-NEW-1", "Orders!E6": "SKU-NEW-1", "Orders!F6": 0,
                 "Orders!C6": "next week"}})
    assert seen["names"] == {
        "omxl_customers": "OFFSET($Customers.$A$2;0;0;MAX(1;COUNTA($Customers.$A$2:$A$1048576));1)",
        "omxl_skus": "OFFSET($Inventory.$A$2;0;0;MAX(1;COUNTA($Inventory.$A$2:$A$1048576));1)",
        "omxl_suppliers": "OFFSET($Suppliers.$A$2;0;0;MAX(1;COUNTA($Suppliers.$A$2:$A$1048576));1)"}
    sku = seen["cells"]["Orders!E5"]
    assert (sku["type"], sku["formula1"], sku["show_list"], sku["error_style"], sku["ignore_blank"]) == (
        "LIST", "omxl_skus", 1, "STOP", True)
    assert sku["input_title"] == "Item Code" and sku["error_title"] == "Not on the list"
    assert (seen["cells"]["Orders!C5"]["type"], seen["cells"]["Orders!C5"]["operator"],
            seen["cells"]["Orders!C5"]["formula1"], seen["cells"]["Orders!C5"]["formula2"]) == (
        "DATE", "BETWEEN", "1", "2958465")
    assert (seen["cells"]["Purchase Orders!D2"]["type"], seen["cells"]["Purchase Orders!D2"]["operator"],
            seen["cells"]["Purchase Orders!D2"]["formula1"]) == ("DECIMAL", "GREATER", "0")
    # E5 (unknown SKU), F6 (0) and C6 (words) are refused; E6 is not: the list grew with Inventory. The rest are the
    # sample's own deliberate defects, each one omxl validate reports too: a date as 03/04/2026 (C2992),
    # customers with stray spaces (D2962) or unknown (D2970), a SKU with a no-break space (E2964) or unknown
    # (E2974), quantities '1,200' as text (F2960), -3 (F2986) and 'twelve' (F2996), unknown suppliers.
    assert seen["invalid"] == {
        "Orders": ["C6", "E5", "F6", "C2992", "D2962", "D2970", "E2964", "E2974", "F2960", "F2986", "F2996"],
        "Inventory": ["F23"], "Purchase Orders": ["B10"]}
    findings = omxl.validate(omxl.read_book(SAMPLE), as_of="2026-11-27")
    cited = set(zip(findings["sheet"], findings["cell"]))
    assert {(sheet, cell) for sheet, cells in seen["invalid"].items() for cell in cells
            if cell not in ("C6", "E5", "F6")} <= cited


@pytest.fixture()
def own_book(tmp_path) -> Path:
    """A user's workbook with carriers and validations of their own: customers C2:C50 from a typed list, the
    whole quantity column, and an Excel 2010 validation (in the sheet's extension list) on Inventory C2:C20."""
    path = tmp_path / "own.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheets = {"Orders": [["Order ID", "Order Date", "Customer", "SKU", "Qty", "Carrier"],
                         ["SO-1", dt.datetime(2026, 11, 2), "C-1", "A-1", 4, "DHL"],
                         ["SO-2", dt.datetime(2026, 11, 3), "C-2", "A-2", 1, "UPS"]],
              "Inventory": [["SKU", "On Hand", "Supplier"], ["A-1", 10, "S-1"], ["A-2", 0, "S-2"]],
              "Customers": [["Customer ID", "Name"], ["C-1", "Ann"], ["C-2", "Bo"]],
              "Suppliers": [["Supplier ID", "Name"], ["S-1", "Acme"], ["S-2", "Bolt"]],
              "Carriers": [["Carrier ID", "Name"], ["DHL", "DHL Express"], ["UPS", "UPS"]]}
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for title, rows in sheets.items():
        sheet = book.add_worksheet(title)
        for number, row in enumerate(rows):
            for column, value in enumerate(row):
                sheet.write(number, column, value, day if isinstance(value, dt.datetime) else None)
    book.get_worksheet_by_name("Orders").data_validation("C2:C50", {"validate": "list", "source": ["C-1", "C-2"]})
    book.get_worksheet_by_name("Orders").data_validation("E1:E1048576", {
        "validate": "integer", "criteria": "between", "minimum": 1, "maximum": 999})
    book.close()
    x14 = ('<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
           'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations '
           'count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:dataValidation type="list" '
           'allowBlank="1" showErrorMessage="1"><x14:formula1><xm:f>Suppliers!$A$2:$A$3</xm:f></x14:formula1>'
           "<xm:sqref>C2:C20</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>")
    parts = members(path)
    parts["xl/worksheets/sheet2.xml"] = parts["xl/worksheets/sheet2.xml"].replace(b"</worksheet>",
                                                                                  x14.encode() + b"</worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_a_users_own_validations_are_kept_and_ours_go_around_them(own_book, tmp_path):
    out = omxl.excel_setup(own_book, out=tmp_path / "own.xlsm")
    made = validations(out)
    assert made["Orders"] == [
        ("C2:C50", "list", None, '"C-1,C-2"', None), ("E1:E1048576", "whole", None, "1", "999"),
        ("B2:B10000", *DATE), ("C51:C10000", "list", None, "omxl_customers", None),
        ("D2:D10000", "list", None, "omxl_skus", None), ("F2:F10000", "list", None, "omxl_carriers", None)]
    assert made["Inventory"] == [("C21:C10000", "list", None, "omxl_suppliers", None)]
    orders = members(out)["xl/worksheets/sheet1.xml"].decode("utf-8")
    assert orders.count("<dataValidations") == 1 and '<dataValidations count="6">' in orders
    inventory = members(out)["xl/worksheets/sheet2.xml"].decode("utf-8")
    assert "<xm:sqref>C2:C20</xm:sqref>" in inventory  # the Excel 2010 validation stays, after ours
    assert inventory.index('<dataValidations count="1">') < inventory.index("<extLst>")
    book = openpyxl.load_workbook(out, keep_vba=True)
    assert book.defined_names["omxl_carriers"].attr_text == (
        "OFFSET('Carriers'!$A$2,0,0,MAX(1,COUNTA('Carriers'!$A$2:$A$1048576)),1)")
    seen = lo_entry_lists(out, tmp_path / "lo-profile", {"type": {"Orders!F3": "FEDEX", "Orders!C60": "C-9"}})
    # FEDEX is no carrier, C-9 no customer; E1 is the header 'Qty', which the user's own rule on the whole column
    # refuses: theirs is kept as it is.
    assert seen["invalid"] == {"Orders": ["E1", "F3", "C60"]}


def test_a_long_table_gets_room_past_its_last_row(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "long.xlsx"))
    orders = book.add_worksheet("Orders")
    orders.write_row(0, 0, ["Order ID", "Order Date", "Customer", "SKU", "Qty"])
    for n in range(1, 6_001):
        orders.write_row(n, 0, [f"SO-{n}", "2026-11-02", "C-1", "A-1", 1])
    inventory = book.add_worksheet("Inventory")
    inventory.write_row(0, 0, ["SKU", "On Hand"])
    inventory.write_row(1, 0, ["A-1", 5])
    book.close()
    made = validations(omxl.excel_setup(tmp_path / "long.xlsx"))
    assert made == {"Orders": [("B2:B11001", *DATE), ("D2:D11001", "list", None, "omxl_skus", None),
                               ("E2:E11001", *QTY)]}


def test_validate_write_back_entry_lists_changes_nothing_else(tmp_path):
    path = Path(shutil.copy(SAMPLE, tmp_path / "plain.xlsx"))
    result = run("validate", path, "--write-back", "--entry-lists", "--limit", "0")
    assert result.exit_code == 1, result.output  # the sample has errors
    assert (f"Wrote 'omxl Summary', 'omxl Issues' and the entry lists (docs/excel.md) into {path} (backup in "
            "omxl-backups/).") in result.output
    before, after = members(SAMPLE), members(path)
    merged = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
              *ENTRY_SHEET_PARTS}
    assert {n: d for n, d in before.items() if n not in merged} == {n: after[n] for n in before if n not in merged}
    assert all(OUR_ELEMENT.sub(b"", after[part], count=1) == before[part] for part in ENTRY_SHEET_PARTS)
    assert validations(path) == SAMPLE_VALIDATIONS
    book = openpyxl.load_workbook(path)
    assert {n: book.defined_names[n].attr_text for n in book.defined_names if n.startswith("omxl_")} == SAMPLE_NAMES
    # Again: the lists are in place, so the entry sheets and the names stay as they are.
    again = run("validate", path, "--write-back", "--entry-lists", "--limit", "0")
    assert again.exit_code == 1, again.output
    assert all(members(path)[part] == after[part] for part in ENTRY_SHEET_PARTS)
    assert validations(path) == SAMPLE_VALIDATIONS


def test_entry_lists_go_with_write_back(tmp_path):
    path = Path(shutil.copy(SAMPLE, tmp_path / "plain.xlsx"))
    result = run("validate", path, "--entry-lists")
    assert result.exit_code == 2
    assert result.output.endswith("Error: --entry-lists adds drop-down lists to the workbook itself, so it goes with "
                                  "--write-back: omxl validate BOOK --write-back --entry-lists.\n")
    assert path.read_bytes() == SAMPLE.read_bytes()
