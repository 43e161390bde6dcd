"""The worksheets and tables read from the package (outline.py) are calamine's, or outline says None."""

from __future__ import annotations

import io
import zipfile
from importlib.metadata import version
from pathlib import Path

import openpyxl
import pytest
import python_calamine as calamine
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.table import Table

import omxl
from omxl.demo import write_demo
from omxl.io.read.outline import Worksheet, outline
from omxl.io.read.sources import _tables_by_sheet

pytestmark = pytest.mark.core

ROOT = Path(__file__).resolve().parent.parent
# openpyxl writes a sheet's table as an absolute target (/xl/tables/table1.xml); calamine before 0.9 finds no
# table there, so on the lowest versions the outline (which follows it) is compared with the values only.
FOLLOWS_ABSOLUTE_TARGETS = tuple(int(p) for p in version("python-calamine").split(".")[:2]) >= (0, 9)


def calamine_says(data: bytes) -> tuple[list[Worksheet], dict]:
    book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data), load_tables=True)
    return ([Worksheet(m.name, m.visible != calamine.SheetVisibleEnum.Visible) for m in book.sheets_metadata
             if m.typ == calamine.SheetTypeEnum.WorkSheet], _tables_by_sheet(book))


def outline_of(data: bytes):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return outline(archive)


@pytest.fixture(scope="module")
def book_bytes() -> bytes:
    wb = openpyxl.Workbook()
    orders = wb.active
    orders.title = "Orders & Lines"
    orders.append(["Report of 2026-03-02"])
    orders.append([])
    orders.append(["Order ID", "SKU", "Quantity"])
    for n in range(1, 6):
        orders.append([f"SO-{n}", f"SKU-{n}", n])
    orders.append(["Total", None, 15])
    orders.add_table(Table(displayName="Orders", ref="A3:C9", totalsRowCount=1))
    stock = wb.create_sheet("Stock")
    stock.append(["SKU", "On hand"])
    stock.append(["SKU-1", 4])
    stock.add_table(Table(displayName="Stock_Table", ref="A1:B2"))
    wb.create_sheet("Hidden").sheet_state = "hidden"
    wb.create_sheet("Very hidden").sheet_state = "veryHidden"
    chart = wb.create_chartsheet("Chart")
    bars = BarChart()
    bars.add_data(Reference(stock, min_col=2, min_row=1, max_row=2), titles_from_data=True)
    chart.add_chart(bars)
    wb.create_sheet("Last")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def edited(data: bytes, part: str, old: bytes, new: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == part:
                assert old in content, (part, old)
                content = content.replace(old, new)
            target.writestr(info.filename, content)
    return out.getvalue()


def test_the_outline_is_calamines_with_hidden_sheets_a_chart_sheet_and_a_totals_row(book_bytes):
    worksheets, tables = outline_of(book_bytes)
    assert worksheets == [Worksheet("Orders & Lines", False), Worksheet("Stock", False), Worksheet("Hidden", True),
                          Worksheet("Very hidden", True), Worksheet("Last", False)]
    # header row 3 (0-based 2), columns A:C, last row 8 (0-based 7): the totals row is not the table's
    assert tables == {"Orders & Lines": {"Orders": (2, 0, 2, 7)}, "Stock": {"Stock_Table": (0, 0, 1, 1)}}
    if FOLLOWS_ABSOLUTE_TARGETS:
        assert (worksheets, tables) == calamine_says(book_bytes)


@pytest.mark.parametrize(("old", "new", "orders"), [
    (b'totalsRowCount="1"', b'', (2, 0, 2, 8)),                  # no totals row: row 9 is the table's
    (b'name="Orders"', b'name="Other"', (2, 0, 2, 7)),           # the name differs: the display name counts
])
def test_edited_tables_still_read_as_calamine_reads_them(book_bytes, old, new, orders):
    data = edited(book_bytes, "xl/tables/table1.xml", old, new)
    assert outline_of(data)[1]["Orders & Lines"] == {"Orders": orders}
    if FOLLOWS_ABSOLUTE_TARGETS:
        assert outline_of(data) == calamine_says(data)


@pytest.mark.parametrize(("part", "old", "new"), [
    ("xl/tables/table1.xml", b'displayName="Orders"', b""),                     # no display name
    ("xl/tables/table2.xml", b'displayName="Stock_Table"', b'displayName="Orders"'),   # two tables of one name
    ("xl/tables/table1.xml", b'ref="A3:C9"', b'ref="A3"'),                     # not a range
    ("xl/tables/table1.xml", b'totalsRowCount="1"', b'totalsRowCount="one"'),
    ("xl/tables/table1.xml", b'totalsRowCount="1"', b'totalsRowCount="2"'),
    ("xl/tables/table1.xml", b'totalsRowCount="1"', b'totalsRowCount="1" headerRowCount="0"'),   # no header row
    ("xl/workbook.xml", b'name="Stock"', b'name="St&#246;ck"'),                # a character reference
    ("xl/workbook.xml", b'state="hidden"', b'state="odd"'),
    ("xl/_rels/workbook.xml.rels", b"relationships/worksheet\" Target=\"/xl/worksheets/sheet2.xml",
     b"relationships/dialogsheet\" Target=\"/xl/worksheets/sheet2.xml"),      # another sheet type
])
def test_what_outline_does_not_read_is_left_to_calamine(book_bytes, part, old, new):
    assert outline_of(edited(book_bytes, part, old, new)) is None


def test_the_shipped_workbooks_and_the_demo_book_agree_with_calamine(tmp_path):
    demo = write_demo(tmp_path / "demo.xlsx", lines=300)
    paths = [ROOT / "workbooks" / "sample.xlsx", ROOT / "workbooks" / "omxl.xlsm",
             *sorted((ROOT / "tests" / "fixtures").glob("*.xlsx")), demo]
    tables = 0
    for path in paths:
        data = path.read_bytes()
        ours = outline_of(data)
        assert ours is not None, path
        assert ours == calamine_says(data), path
        tables += sum(len(found) for found in ours[1].values())
    assert tables >= 1   # the demo book's stock is an Excel table


def test_a_book_read_through_the_outline_keeps_hidden_sheets_and_tables(book_bytes, tmp_path):
    path = tmp_path / "outlined.xlsx"
    path.write_bytes(book_bytes)
    book = omxl.read_book(path)
    layout = book.layout.set_index("sheet")
    assert layout.loc["Orders & Lines", "matched_by"] == "Excel table 'Orders'"
    assert layout.loc["Orders & Lines", "header_row"] == 3
    assert layout.loc["Orders & Lines", "rows"] == 5
    assert book.tables["orders"]["order_id"].tolist() == ["SO-1", "SO-2", "SO-3", "SO-4", "SO-5"]
    assert book.tables["orders"]["row"].tolist() == [4, 5, 6, 7, 8]   # the totals row (9) is not a line
    assert layout.loc["Hidden", "note"] == "hidden sheet, skipped"
    assert layout.loc["Very hidden", "note"] == "hidden sheet, skipped"
    assert "Chart" not in layout.index
