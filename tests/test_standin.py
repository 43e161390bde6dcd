"""The file-backed stand-in converts values the way xlwings hands them over from Excel (numbers as float, dates
as datetime, empty cells as None, errors as None or their text, a used range that starts where the data does,
a 1x1 range as a scalar), sees edits not saved to disk, and writes as Excel takes values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment

from omxl.excel.filebook import FileWorkbook
from omxl.excel.interface import SheetExistsError, SheetLayout


@pytest.fixture
def book_path(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "Data"
    data["C5"] = 3                      # an int in the file
    data["D5"] = 2.5
    data["E5"] = "SKU-1"
    data["C6"] = dt.date(2026, 11, 27)  # a date cell
    data["D6"] = dt.datetime(2026, 11, 27, 14, 30)
    data["E6"] = ""                      # empty text
    data["C7"] = True
    data["D7"] = "#N/A"                  # an error cell (t="e")
    data["E7"] = dt.time(8, 15)
    data["F8"] = "=C5*2"                 # a formula no program has calculated
    wb.create_sheet("Empty")
    hidden = wb.create_sheet("Hidden")
    hidden["A1"] = "x"
    hidden.sheet_state = "hidden"
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


def test_numbers_come_back_as_float_dates_as_datetime_and_blanks_as_none(book_path: Path):
    book = FileWorkbook(book_path)
    three = book.read_cell("Data", "C5")
    assert three == 3.0 and type(three) is float
    assert book.read_cell("Data", "D5") == 2.5
    day = book.read_cell("Data", "C6")
    assert day == dt.datetime(2026, 11, 27, 0, 0) and type(day) is dt.datetime
    assert book.read_cell("Data", "D6") == dt.datetime(2026, 11, 27, 14, 30)
    assert book.read_cell("Data", "E6") is None          # empty text reads as an empty cell
    assert book.read_cell("Data", "A1") is None
    assert book.read_cell("Data", "C7") is True
    # A time of day alone is a datetime on Excel's day zero, as pywin32 hands it over.
    assert book.read_cell("Data", "E7") == dt.datetime(1899, 12, 30, 8, 15)
    assert book.read_cell("Data", "F8") is None           # never calculated: no value to show


def test_errors_are_none_unless_err_to_str(book_path: Path):
    book = FileWorkbook(book_path)
    assert book.read_cell("Data", "D7") is None
    assert book.value("Data", "D7", err_to_str=True) == "#N/A"


def test_range_shapes_follow_xlwings(book_path: Path):
    book = FileWorkbook(book_path)
    assert book.value("Data", "C5") == 3.0                                # 1x1: a scalar
    assert book.value("Data", "C5:E5") == [3.0, 2.5, "SKU-1"]             # one row: a flat list
    assert book.value("Data", "C5:C6") == [3.0, dt.datetime(2026, 11, 27)]   # one column: a flat list
    assert book.value("Data", "C5:D6") == [[3.0, 2.5], [dt.datetime(2026, 11, 27), dt.datetime(2026, 11, 27, 14, 30)]]
    assert book.value("Data", "C5", ndim=2) == [[3.0]]


def test_used_range_starts_where_the_data_does(book_path: Path):
    book = FileWorkbook(book_path)
    used = book.used_range("Data")
    assert (used.row, used.column) == (5, 3)                               # C5
    assert len(used.values) == 4 and all(len(r) == 4 for r in used.values)  # C5:F8
    assert used.values[0] == [3.0, 2.5, "SKU-1", None]
    assert used.values[2] == [True, "#N/A", dt.datetime(1899, 12, 30, 8, 15), None]   # read with err_to_str
    assert used.values[3] == [None, None, None, None]
    empty = book.used_range("Empty")
    assert (empty.row, empty.column, empty.values) == (1, 1, [[None]])


def test_sheets_in_tab_order_with_hidden_and_owned(book_path: Path):
    book = FileWorkbook(book_path)
    book.write_sheet("omxl Result", SheetLayout(values=[["'Heading"], [1.0]]))
    assert [(s.name, s.hidden, s.owned) for s in book.sheets()] == [
        ("Data", False, False), ("Empty", False, False), ("Hidden", True, False), ("omxl Result", False, True)]


def test_unsaved_edits_are_read_and_the_file_is_untouched_until_save(book_path: Path, tmp_path: Path):
    book = FileWorkbook(book_path)
    book.book["Data"]["C5"] = 7
    book.write_cell("Data", "E5", "SKU-2")
    assert book.read_cell("Data", "C5") == 7.0
    assert book.used_range("Data").values[0][:3] == [7.0, 2.5, "SKU-2"]
    assert openpyxl.load_workbook(book_path)["Data"]["C5"].value == 3
    saved = book.save(tmp_path / "saved.xlsx")
    assert openpyxl.load_workbook(saved)["Data"]["E5"].value == "SKU-2"


def test_writing_takes_values_as_excel_does(book_path: Path, tmp_path: Path):
    book = FileWorkbook(book_path)
    book.write_cell("Data", "A1", "'00123")     # Excel's literal-text prefix
    book.write_cell("Data", "A2", "=1+1")       # a formula, as typed
    book.write_cell("Data", "A3", dt.datetime(2026, 11, 27))
    ws = openpyxl.load_workbook(book.save(tmp_path / "w.xlsx"))["Data"]
    assert ws["A1"].value == "00123" and ws["A1"].quotePrefix is True
    assert ws["A2"].value == "=1+1" and ws["A2"].data_type == "f"
    assert ws["A3"].value == dt.datetime(2026, 11, 27)
    assert book.read_cell("Data", "A1") == "00123"


def test_write_sheet_replaces_only_its_own_sheets(book_path: Path, tmp_path: Path):
    book = FileWorkbook(book_path)
    layout = SheetLayout(values=[["'Qty", "'When"], [5.0, dt.datetime(2026, 11, 27)], [1234.5, None]],
                         number_formats=(("A2:A3", "#,##0.00"), ("B2:B3", "yyyy-mm-dd")),
                         fills=(("A2:B2", "FFF4B183"),), bold=("A1:B1",), wrap=("A1:B1",),
                         links=(("A2", "'Data'!C5"),), widths=(11.0, 14.0), freeze_rows=1, autofilter="A1:B3")
    book.write_sheet("omxl Out", layout)
    book.write_sheet("omxl Out", SheetLayout(values=[["'Again"]]))   # replaced in place
    book.write_sheet("omxl Out2", layout)
    with pytest.raises(SheetExistsError):
        book.write_sheet("DATA", layout)                              # the user's sheet, any case
    wb = openpyxl.load_workbook(book.save(tmp_path / "out.xlsx"))
    assert wb.sheetnames == ["Data", "Empty", "Hidden", "omxl Out", "omxl Out2"]
    assert wb["omxl Out"]["A1"].value == "Again" and wb["omxl Out"]["A2"].value is None
    ws = wb["omxl Out2"]
    assert [[c.value for c in row] for row in ws["A1:B3"]] == [["Qty", "When"], [5, dt.datetime(2026, 11, 27)],
                                                               [1234.5, None]]
    assert ws["A2"].number_format == "#,##0.00" and ws["B2"].number_format == "yyyy-mm-dd"
    assert ws["A2"].fill.fgColor.rgb == "FFF4B183" and ws["B2"].fill.fgColor.rgb == "FFF4B183"
    assert ws["A3"].fill.fill_type is None
    assert ws["A1"].font.bold and ws["A1"].alignment.wrap_text
    assert ws["A2"].hyperlink.location == "'Data'!C5"
    assert ws.column_dimensions["A"].width == 11.0 and ws.column_dimensions["B"].width == 14.0
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:B3"
    assert wb["Data"]["C5"].value == 3


def test_marks_keep_the_users_notes_and_clear_only_omxls(book_path: Path, tmp_path: Path):
    book = FileWorkbook(book_path)
    book.book["Data"]["D5"].comment = Comment("Checked by Ana", "Ana")
    book.mark_cell("Data", "C5", "FFFFC7CE", "Quantity must be above 0.")
    book.mark_cell("Data", "D5", "FFFFEB9C", "Price looks high.")
    ws = openpyxl.load_workbook(book.save(tmp_path / "m1.xlsx"))["Data"]
    assert ws["C5"].comment.text == "omxl:\nQuantity must be above 0." and ws["C5"].fill.fgColor.rgb == "FFFFC7CE"
    assert ws["D5"].comment.text == "Checked by Ana" and ws["D5"].fill.fgColor.rgb == "FFFFEB9C"
    assert book.clear_marks("Data") == 1
    ws = openpyxl.load_workbook(book.save(tmp_path / "m2.xlsx"))["Data"]
    assert ws["C5"].comment is None and ws["C5"].fill.fill_type is None
    assert ws["D5"].comment.text == "Checked by Ana"


def test_the_open_workbook_reads_as_the_saved_file_does(tmp_path: Path):
    """Tables, rows and findings (cells included) from the open workbook's used ranges are those read_book gives
    for the same workbook saved: here an Orders table that starts at C5, below a title, with an error cell."""
    import pandas as pd

    import omxl
    from omxl.config import Config
    from omxl.excel.grids import read_open_book
    from one_of_each import FIXTURES

    wb = openpyxl.load_workbook(FIXTURES / "one-of-each.xlsx")
    orders = wb["Orders"]
    orders.insert_rows(1, 4)
    orders.insert_cols(1, 2)
    orders["C1"] = "Open orders, exported 2026-11-27"
    orders["H7"] = "#N/A"                                    # an error where a quantity belongs
    # The fixture's =NA() was never calculated; Excel shows #N/A there, which the open workbook hands over.
    (formula,) = [c for row in orders.iter_rows() for c in row if c.data_type == "f"]
    assert formula.value == "=NA()"
    formula.value = "#N/A"
    path = tmp_path / "shifted.xlsx"
    wb.save(path)
    from_file = omxl.read_book(path)
    from_open = read_open_book(FileWorkbook(path), config=Config())
    assert from_open.tables.keys() == from_file.tables.keys()
    for name, table in from_file.tables.items():
        pd.testing.assert_frame_equal(from_open.tables[name], table, check_dtype=True)
    assert from_open.tables["orders"]["row"].tolist()[:3] == [6, 7, 8]     # Excel rows under the header in row 5
    pd.testing.assert_frame_equal(from_open.findings, from_file.findings)
    cells = from_open.findings[["code", "sheet", "cell"]].astype(object).values.tolist()
    assert ["error-cell", "Orders", "H7"] in cells and ["type-error", "Orders", "H8"] in cells
