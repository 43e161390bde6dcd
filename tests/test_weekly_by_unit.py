"""The weekly report by unit (contract 4.9, issue 30; docs/weekly-report.md "By unit"): three branch workbooks
that use the same order numbers (tests/units_books.py) read into one book by omxl.consolidate; each unit's
KPIs equal that branch's workbook reported alone, KPI by KPI; the By Unit and Late Lines by Unit sheets read back
cell by cell and printed by LibreOffice; a book without units is a settings error."""

from __future__ import annotations

import importlib.util
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import omxl
from conftest import convert_with_libreoffice
from omxl.kpi_catalog import KPIS
from omxl.presentation.kpi_words import PERCENT
from omxl.reporting.units import BLOCKS, BY_UNIT_COLUMNS, MONEY_BLOCK, unit_tables
from test_weekly_print import SNAKE, _size, pdf_pages
from units_books import AS_OF, UNITS, write_branches

ROOT = Path(__file__).resolve().parents[1]
BY_UNIT_TEMPLATE = ROOT / "omxl" / "shipped" / "weekly_status_by_unit.xlsx"
SHEETS = ["Summary", "KPIs", "Late & At Risk", "Changes", "Root Causes", "Open Orders", "Backorders", "Overdue POs",
          "Inventory", "Reorder", "Demand Classes", "Purchase Orders", "Supplier Reliability", "Carriers", "Improvements", "Returns", "Billing", "Data Issues"]

@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    """The branches reported alone and together by unit; the workbook by unit, printed by LibreOffice."""
    folder = tmp_path_factory.mktemp("by-unit")
    paths = write_branches(folder)
    alone = {unit: omxl.weekly_report(omxl.read_book(path), as_of=AS_OF) for unit, path in paths.items()}
    book = omxl.consolidate(sorted(paths.values()), unit_from="folder")
    report = omxl.weekly_report(book, as_of=AS_OF, by_unit=True)
    workbook = report.save(folder / "weekly.xlsx", backup=False)
    pdf = convert_with_libreoffice(workbook, "pdf", folder)
    return {"alone": alone, "book": book, "report": report, "workbook": workbook, "pages": pdf_pages(pdf),
            "folder": folder}


def _compared(kpis: pd.DataFrame) -> pd.DataFrame:
    """kpi, currency, value, and the reason of a blank value (a value's reason is about the run history)."""
    frame = kpis[["kpi", "currency", "value"]].reset_index(drop=True)
    return frame.assign(reason=kpis["reason"].where(kpis["value"].isna()).reset_index(drop=True))


def test_each_units_kpis_equal_its_workbook_reported_alone(run):
    by_unit = run["report"].by_unit
    assert list(by_unit.columns) == list(BY_UNIT_COLUMNS)
    assert list(pd.unique(by_unit["unit"])) == list(UNITS)
    for unit in UNITS:
        mine = by_unit[by_unit["unit"] == unit]
        assert list(pd.unique(mine["kpi"])) == [kpi.name for kpi in KPIS]
        # Every KPI, every currency row, exactly; a blank one blank for the same reason.
        pd.testing.assert_frame_equal(_compared(mine), _compared(run["alone"][unit].kpis), check_exact=True)
    value = by_unit.set_index(["unit", "kpi", by_unit["currency"].fillna("-")])["value"]
    assert value[("north", "late_lines", "-")] == 3 and value[("south", "late_lines", "-")] == 6
    assert value[("east", "late_lines", "-")] == 1
    # east: 220 invoiced in the last 90 days, 70 open (150 of invoice I1 paid): 70 / 220 x 90 days.
    assert value[("east", "dso", "USD")] == pytest.approx(70 / 220 * 90)
    assert np.isnan(value[("south", "units_returned", "-")])   # south has no returns table
    # The supplier all three have (merged, blank unit) has a wrong e-mail address: each unit's warning.
    assert [value[(unit, "data_warnings", "-")] for unit in UNITS] == [1.0, 1.0, 1.0]
    assert [value[(unit, "data_errors", "-")] for unit in UNITS] == [0.0, 1.0, 1.0]


def test_a_book_without_units_cannot_be_reported_by_unit(run):
    book = run["alone"]["north"].position.book
    message = ("by_unit: the book has no units, so there is nothing to break the report down by. Read the units' "
               "workbooks with omxl.consolidate([...]) (one unit per folder, or per file with unit_from=\"file\"), "
               "or on the command line give the workbooks with --by-unit.")
    for given in (book, omxl.prepare(book, as_of=AS_OF)):
        with pytest.raises(omxl.ConfigError) as raised:
            omxl.weekly_report(given, as_of=AS_OF, by_unit=True)
        assert str(raised.value) == message


def test_without_by_unit_the_report_and_its_workbook_are_as_before(run, tmp_path):
    plain = omxl.weekly_report(run["book"], as_of=AS_OF)
    assert plain.by_unit is None
    pd.testing.assert_frame_equal(plain.kpis, run["report"].kpis)
    assert list(plain.sheets) == [name for name in SHEETS if name not in ("Summary", "Billing")]
    assert openpyxl.load_workbook(plain.save(tmp_path / "plain.xlsx"), read_only=True).sheetnames == SHEETS
    by_unit = openpyxl.load_workbook(run["workbook"], read_only=True).sheetnames
    assert by_unit == SHEETS[:2] + ["By Unit", "Late Lines by Unit"] + SHEETS[2:]
    assert list(run["report"].result_sheets())[:4] == ["Summary", "KPIs", "By Unit", "Late Lines by Unit"]


def test_the_late_lines_of_two_units_with_the_same_order_number_stay_apart(run):
    sheet = openpyxl.load_workbook(run["workbook"])["Late Lines by Unit"]
    assert sheet["A1"].value == "Late lines by unit, week 2026-W11 (as of 2026-03-15)"
    assert [cell.value for cell in sheet[3]] == ["Unit", "Order", "Line", "Customer", "SKU", "Open qty",
                                                 "Promised date", "Days late", "Status", "Why", "Action"]
    rows = [row[:8] for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]]
    day = lambda text: pd.Timestamp(text).to_pydatetime()  # noqa: E731
    assert rows == [
        ("east", "east/O-1001", 2, "Alder Shop", "east/E-2", 1, day("2026-03-12"), 3),
        ("north", "north/O-1002", 1, "Birch & Co", "north/A", 5, day("2026-03-11"), 4),
        ("north", "north/O-1001", 2, "Alder Shop", "north/C", 1, day("2026-03-12"), 3),
        ("north", "north/O-1005", 1, "Birch & Co", "north/B", 6, day("2026-03-14"), 1),
        ("south", "south/O-1006", 1, "Dogwood", "south/C", 7, day("2026-03-01"), 14),
        ("south", "south/O-1001", 1, "Alder Shop", "south/A", 10, day("2026-03-10"), 5),
        ("south", "south/O-1002", 1, "Birch & Co", "south/A", 13, day("2026-03-11"), 4),
        ("south", "south/O-1001", 2, "Alder Shop", "south/C", 5, day("2026-03-12"), 3),
        ("south", "south/O-1008", 1, "Elm Traders", "south/C", 2, day("2026-03-13"), 2),
        ("south", "south/O-1005", 1, "Birch & Co", "south/B", 12, day("2026-03-14"), 1),
    ]
    assert sheet["I4"].value == "Partially shipped"   # codes in words
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref == "A3:K13"
    assert sheet.print_title_rows == "$3:$3"


def test_the_by_unit_sheet_holds_a_row_per_unit_and_a_column_per_kpi(run):
    sheet = openpyxl.load_workbook(run["workbook"])["By Unit"]
    assert sheet["A1"].value == "KPIs by unit, week 2026-W11 (as of 2026-03-15)"
    assert sheet["A2"].value.startswith("3 units: east, north, south. Each unit's figures come from its own rows")

    def block(heading_row: int, width: int) -> tuple[list, list]:
        header = [cell.value for cell in sheet[heading_row + 1]][:width]
        body = [[cell.value for cell in row[:width]] for row in sheet.iter_rows(min_row=heading_row + 2,
                                                                                max_row=heading_row + 4)]
        return header, body

    assert sheet["A14"].value == "Service: late and at-risk lines, on time in full"
    header, body = block(14, 10)
    assert header == ["Unit", "Late lines", "At-risk lines", "Backorder lines", "Backorder rate", "Lines due",
                      "OTIF line rate", "Unit fill rate", "Order fill rate", "Order cycle time"]
    assert [row[:6] for row in body] == [["east", 1, 1, 2, 1, 2], ["north", 3, 1, 2, pytest.approx(2 / 6), 5],
                                         ["south", 6, 1, 3, pytest.approx(2 / 6), 5]]
    assert body[2][9] is None                                     # south completed no order in the period
    assert sheet["E16"].number_format == PERCENT and sheet["B16"].number_format == "#,##0"
    assert sheet["J17"].number_format == '#,##0.0" days"'
    assert sheet["A20"].value == "Orders, shipments and returns"
    header, body = block(20, 7)
    assert header == ["Unit", "Orders received", "Lines received", "Cancelled lines", "Shipped lines",
                      "Units returned", "Return rate"]
    assert [row[0] for row in body] == list(UNITS) and body[1][5] == 2 and body[2][5] is None
    assert sheet["A26"].value == "Stock, purchasing and data quality"
    header, body = block(26, 7)
    assert header == ["Unit", "Overdue PO lines", "Stockout SKUs", "SKUs to reorder", "Days of supply",
                      "Data errors", "Data warnings"]
    assert [row[1] for row in body] == [1, 0, None] and [row[5] for row in body] == [0, 1, 1]
    assert sheet["A32"].value == "Money, per currency"
    header = [cell.value for cell in sheet[33]][:8]
    assert header == ["Unit", "Currency", "Shipped value", "Backorder value", "Overdue PO value", "Reorder value",
                      "Inventory value", "DSO (days)"]
    money = [[cell.value for cell in row[:8]] for row in sheet.iter_rows(min_row=34, max_row=38)]
    assert money == [["east", "USD", 220, 70, 120, 300, 60, pytest.approx(70 / 220 * 90)],
                     ["north", "EUR", 33, 100, 0, 0, 120, None], ["north", "USD", 9, 0, 0, 100, 0, None],
                     ["south", "EUR", 33, 200, None, 30, 120, None], ["south", "USD", 9, 39, None, 125, 0, None]]
    assert sheet["C34"].number_format == "#,##0.00" and sheet["H34"].number_format == '#,##0.0" days"'
    assert sheet["A40"].value.startswith("Why a figure is blank")
    blanks = [(row[0], row[1]) for row in sheet.iter_rows(min_row=42, max_col=2, values_only=True) if row[0]]
    assert blanks == [("Overdue PO lines", "south: no purchase orders table in the book"),
                      ("Overdue PO value", "south: no purchase orders table in the book"),
                      ("Order cycle time", "east, south: no orders completed in the period"),
                      ("Units returned", "east, south: no returns table in the book"),
                      ("Return rate", "east, south: no returns table in the book"),
                      ("DSO", "north, south: no invoices table in the book")]
    # The chart plots the late and at-risk lines of the service table, stretched to its three units.
    with zipfile.ZipFile(run["workbook"]) as archive:
        charts = [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/charts/chart")]
    chart = next(xml for xml in charts if "Late and at-risk lines by unit" in xml)
    assert re.findall(r"<c:f>([^<]*)</c:f>", chart) == ["'By Unit'!$A$16:$A$18", "'By Unit'!$B$16:$B$18",
                                                        "'By Unit'!$A$16:$A$18", "'By Unit'!$C$16:$C$18"]


def test_every_kpi_has_one_column_on_the_by_unit_sheet():
    columns = [kpi for _, _, kpis in (*BLOCKS, MONEY_BLOCK) for kpi in kpis]
    assert sorted(columns) == sorted(kpi.name for kpi in KPIS)


def test_money_of_a_unit_with_nothing_and_an_amount_without_currency():
    """A unit with no money figure at all has one row without a currency; an amount without one its own row."""
    rows = [("a", "shipped_value", 0.0, None), ("a", "backorder_value", 0.0, None), ("b", "shipped_value", 5.0, None),
            ("b", "shipped_value", 7.0, "EUR"), ("b", "backorder_value", 0.0, None)]
    rows += [(unit, kpi, np.nan, None) for unit in "ab" for kpi in MONEY_BLOCK[2][2:]]
    frame = pd.DataFrame(rows, columns=["unit", "kpi", "value", "currency"]).assign(
        label="x", reason=pd.NA).astype({"unit": "string[python]", "currency": "string[python]"})
    money = unit_tables(frame)[MONEY_BLOCK[0]]
    assert money[["unit", "currency", "shipped_value", "backorder_value"]].astype(object).where(
        money[["unit", "currency", "shipped_value", "backorder_value"]].notna(), None).values.tolist() == [
        ["a", None, 0.0, 0.0], ["b", "EUR", 7.0, 0.0], ["b", "unknown currency", 5.0, 0.0]]
    assert money[list(MONEY_BLOCK[2][2:])].isna().all().all()


def test_libreoffice_prints_the_by_unit_sheets_one_page_wide_at_8_pt_or_more(run):
    pages = run["pages"]
    first = next(i for i, page in enumerate(pages) if page["text"].startswith("KPIs by unit, week 2026-W11"))
    by_unit = pages[first]["text"]
    # Page 1 of the sheet: the chart, then the three tables of counts and rates, every column on the page.
    for text in ("Late and at-risk lines by unit", "Service: late and at-risk lines", "Order cycle",
                 "Orders, shipments and returns", "Return rate", "Stock, purchasing and data quality",
                 "Data warnings", "south 6 1 3 33.3% 5 0.0% 24.2% 0.0%", "north 3 1 2 33.3% 5 40.0% 46.9% 25.0% "
                 "12.5 days"):
        assert text in by_unit, text
    # Page 2: the money per currency and the blank figures (a page break above them), then the late lines.
    money = pages[first + 1]["text"]
    assert money.startswith("Money, per currency")
    assert "east USD 220.00 70.00 120.00 300.00 60.00 28.6 days" in money
    assert "DSO north, south: no invoices table in the book" in money
    assert pages[first + 2]["text"].startswith("Late lines by unit, week 2026-W11")
    # The late lines take two pages: the header row is printed on both.
    assert pages[first + 3]["text"].startswith("Unit Order Line Customer SKU Open qty Promised Days Status Why Action")
    late = pages[first + 2]["text"] + pages[first + 3]["text"]
    for printed in ("east east/O-1001 2 ?Alder Shop east/E-2 1 2026-03-12 3", "north north/O-1001 2 ?Alder Shop "
                    "north/C 1 2026-03-12 3", "south south/O-1001 1 ?Alder Shop south/A 10 2026-03-10 5",
                    "south south/O-1001 2 ?Alder Shop south/C 5 2026-03-12 3"):
        assert re.search(printed, late), printed
    sheets = pages[first:first + 4]
    assert [token for page in sheets for token in SNAKE.findall(page["text"])] == []
    assert min(_size(char) for page in sheets for char in page["chars"]) >= 8.5   # 11 pt at 85 %
    width = max(char["x1"] for page in sheets for char in page["chars"])
    assert width < 842 - 0.4 * 72   # within the right margin of A4 landscape: no column cut off to another page


def test_the_committed_by_unit_template_is_what_its_builder_makes(tmp_path):
    spec = importlib.util.spec_from_file_location("weekly_status_template",
                                                  ROOT / "scripts" / "weekly_status_template.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    fresh = builder.build(tmp_path / "weekly_status_by_unit.xlsx", by_unit=True)
    with zipfile.ZipFile(fresh) as new, zipfile.ZipFile(BY_UNIT_TEMPLATE) as committed:
        assert {n: new.read(n) for n in new.namelist()} == {n: committed.read(n) for n in committed.namelist()}


def test_the_weekly_report_page_example_by_unit_prints_what_its_comments_say(monkeypatch, tmp_path, capsys):
    page = (ROOT / "docs" / "weekly-report.md").read_text(encoding="utf-8")
    section = page[page.index("## By unit"):]
    block = section[section.index("```python\n") + len("```python\n"):section.index("\n```\n")]
    monkeypatch.chdir(tmp_path)
    exec(compile(block.replace('"workbooks/sample.xlsx"', repr(str(ROOT / "workbooks" / "sample.xlsx"))),
                 "weekly-report.md", "exec"), {})
    said = [line.split("# ")[1].split(":")[0] for line in block.splitlines() if line.startswith("print(")]
    assert capsys.readouterr().out.splitlines() == said == ["64.0 64.0", "128.0", "64.0",
                                                            "['north', 'north/SO-260010']"]
    assert openpyxl.load_workbook(tmp_path / "weekly-by-unit.xlsx", read_only=True).sheetnames[1:4] == [
        "KPIs", "By Unit", "Late Lines by Unit"]
