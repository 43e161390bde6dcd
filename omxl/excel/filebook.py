"""A workbook file held open in memory, answering the Workbook interface as Excel through xlwings would:
the stand-in the tests (and scripts without Excel) run every macro on (docs/macros.md).

The workbook is loaded once with openpyxl (keep_vba=True for .xlsm, so a macro workbook's VBA project
survives); every read sees the edits made since (write_cell, write_sheet, mark_cell, or a test editing
`.book` directly), none of which reach the disk until save(). Values are converted exactly as xlwings
converts what Excel hands it, because a stand-in kinder than xlwings would hide the bugs users meet:

- Numbers come back as float, whole ones too (3 reads 3.0): Excel keeps every number as a double and
  xlwings/_xlwindows.py `Range.raw_value` returns COM's `Range.Value` as it is; only
  xlwings/conversion/standard.py `CleanDataFromReadStage` with the `numbers=` option changes that.
- Dates come back as datetime.datetime (never datetime.date): xlwings/_xlwindows.py
  `_clean_value_data_element` turns COM's time type into a datetime with `_com_time_to_datetime`; a time of day
  alone is a datetime on 1899-12-30, Excel's day zero.
- Empty cells (and empty text) come back as None: `_clean_value_data_element` returns `empty_as` (the `empty=`
  option, None by default) for '' and None.
- Excel errors come back as None, or as their text ('#N/A') with the `err_to_str=True` option:
  `_clean_value_data_element` looks the COM error code up in xlwings/_xlwindows.py `cell_errors`.
- A formula cell reads as its calculated value (openpyxl's cached value; a formula no program has calculated
  reads as None).
- `used_range` is Excel's UsedRange (xlwings/main.py `Sheet.used_range`): it starts at the first used row
  and column, which may be below A1 and right of column A (a sheet whose first cell is C5 has a used range from
  C5); an empty sheet's used range is A1 alone.
- Shapes follow xlwings/conversion/standard.py `AdjustDimensionsStage`: with the default `ndim` a 1x1 range is
  a scalar, one row or one column is a flat list; `ndim=2` always gives rows of cells (`Ensure2DStage`).

Writing follows Excel too: text starting with an apostrophe is stored as literal text without it (quote
prefix), text starting with '=' becomes a formula, None writes an empty cell (xlwings/_xlwindows.py
`Engine.prepare_xl_data_element` sends '' for None and NaN).
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.hyperlink import Hyperlink

from ..io.read.sources import ERROR_LITERALS
from ..io.xlsx.package import OWNER_NAME
from .interface import NOTE_MARK, SheetExistsError, SheetInfo, SheetLayout, UsedRange


EXCEL_DAY_ZERO = dt.datetime(1899, 12, 30)
LINK_FONT = Font(underline="single", color="FF0563C1")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


class FileWorkbook:
    """The Workbook interface over a .xlsx/.xlsm file, held open in memory.

        book = FileWorkbook("orders.xlsm")
        omxl.macros.validate(book)     # as the Validate button does in Excel
        book.save()                    # or book.save("checked.xlsm")

    `alerts` lists the (title, message) of every alert shown."""

    def __init__(self, path: str | Path):
        self._path = Path(path).resolve()
        self.book = openpyxl.load_workbook(self._path, keep_vba=self._path.suffix.lower() == ".xlsm")
        self._cached: openpyxl.Workbook | None = None   # the calculated values of formula cells, loaded when needed
        self.alerts: list[tuple[str, str]] = []

    # --- the interface ----------------------------------------------------------------------------

    def path(self) -> Path | None:
        return self._path

    def sheets(self) -> list[SheetInfo]:
        return [SheetInfo(ws.title, hidden=ws.sheet_state != "visible", owned=OWNER_NAME in ws.defined_names)
                for ws in self.book.worksheets]

    def used_range(self, sheet: str) -> UsedRange:
        ws = self._sheet(sheet)
        # openpyxl's bounds are those of the cells the file holds, values or formats: Excel's UsedRange too.
        if ws.max_row == 1 and ws.max_column == 1 and ws.cell(1, 1).value is None and not ws._cells:
            return UsedRange(1, 1, [[None]])
        address = f"{_letter(ws.min_column)}{ws.min_row}:{_letter(ws.max_column)}{ws.max_row}"
        return UsedRange(ws.min_row, ws.min_column, self.value(sheet, address, ndim=2, err_to_str=True))

    def read_cell(self, sheet: str, cell: str) -> Any:
        return self.value(sheet, cell)

    def write_cell(self, sheet: str, cell: str, value: Any) -> None:
        _put(self._sheet(sheet)[cell], value)

    def write_sheet(self, name: str, layout: SheetLayout) -> None:
        existing = next((ws for ws in self.book.worksheets if ws.title.casefold() == name.casefold()), None)
        if existing is not None and OWNER_NAME not in existing.defined_names:
            raise SheetExistsError(existing.title)
        if existing is not None:
            # As Excel's Sheet.Clear: the sheet stays where it is, with nothing on it.
            index = self.book.worksheets.index(existing)
            self.book.remove(existing)
            ws = self.book.create_sheet(name, index)
        else:
            ws = self.book.create_sheet(name)
        for r, row in enumerate(layout.values, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    _put(ws.cell(r, c), value)
        for ref, fmt in layout.number_formats:
            for cell in _cells(ws, ref):
                cell.number_format = fmt
        fills = {argb: PatternFill("solid", fgColor=argb) for _, argb in layout.fills}
        for ref, argb in layout.fills:
            for cell in _cells(ws, ref):
                cell.fill = fills[argb]
        for ref in layout.bold:
            for cell in _cells(ws, ref):
                cell.font = BOLD
        for ref in layout.wrap:
            for cell in _cells(ws, ref):
                cell.alignment = WRAP
        for ref, target in layout.links:
            cell = ws[ref]
            cell.hyperlink = Hyperlink(ref=ref, location=target, display=str(cell.value))
            cell.font = LINK_FONT   # Excel gives a new link its Hyperlink style
        for position, width in enumerate(layout.widths, start=1):
            ws.column_dimensions[_letter(position)].width = width
        if layout.freeze_rows:
            ws.freeze_panes = f"A{layout.freeze_rows + 1}"
        if layout.autofilter:
            ws.auto_filter.ref = layout.autofilter
        quoted = "'" + name.replace("'", "''") + "'"
        ws.defined_names[OWNER_NAME] = DefinedName(OWNER_NAME, attr_text=f"{quoted}!$A$1", hidden=True)

    def mark_cell(self, sheet: str, cell: str, fill: str, note: str) -> None:
        target = self._sheet(sheet)[cell]
        target.fill = PatternFill("solid", fgColor=fill)
        if target.comment is None or target.comment.text.startswith(NOTE_MARK):
            target.comment = Comment(f"{NOTE_MARK}\n{note}", "omxl", width=300, height=150)

    def clear_marks(self, sheet: str) -> int:
        cleared = 0
        for row in self._sheet(sheet).iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.text.startswith(NOTE_MARK):
                    cell.comment = None
                    cell.fill = PatternFill(fill_type=None)
                    cleared += 1
        return cleared

    def alert(self, message: str, title: str) -> None:
        self.alerts.append((title, message))

    def pause_screen(self) -> AbstractContextManager[None]:
        return nullcontext()   # a file has no screen to redraw and calculates nothing

    def show_sheet(self, sheet: str) -> None:
        # The sheet the saved file opens on; only it selected, as Excel leaves one tab selected (two selected tabs
        # would open grouped, where every edit goes to both).
        ws = self._sheet(sheet)
        for other in self.book.worksheets:
            other.sheet_view.tabSelected = other is ws
        self.book.active = ws

    # --- reading as xlwings reads -------------------------------------------------------------------

    def value(self, sheet: str, address: str, *, ndim: int | None = None, err_to_str: bool = False) -> Any:
        """`sheet.range(address).options(ndim=..., err_to_str=...).value`, converted as xlwings converts."""
        ws = self._sheet(sheet)
        min_col, min_row, max_col, max_row = range_boundaries(address)
        rows = [[self._clean(ws, cell, err_to_str) for cell in row]
                for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col)]
        return _adjust_dimensions(rows, ndim)

    def _clean(self, ws: Any, cell: Any, err_to_str: bool) -> Any:
        value = cell.value
        if cell.data_type == "f" or not isinstance(value, (str, int, float, bool, dt.date, dt.time, dt.timedelta,
                                                             type(None))):
            value = self._calculated(ws.title, cell.coordinate)   # a formula: Excel shows its result
        if cell.data_type == "e" or (isinstance(value, str) and value in ERROR_LITERALS
                                     and cell.data_type in ("e", "f")):
            return value if err_to_str else None
        return _xlwings_value(value)

    def _calculated(self, sheet: str, coordinate: str) -> Any:
        if self._cached is None:
            self._cached = openpyxl.load_workbook(self._path, data_only=True, read_only=True)
        if sheet not in self._cached.sheetnames:
            return None
        cached = self._cached[sheet][coordinate]
        return cached.value

    # --- files ------------------------------------------------------------------------------------------

    def save(self, path: str | Path | None = None) -> Path:
        """Write the workbook as it is now (to its own file, or to `path`)."""
        target = Path(path) if path is not None else self._path
        self.book.save(target)
        return target

    def _sheet(self, name: str) -> Any:
        for ws in self.book.worksheets:
            if ws.title == name:
                return ws
        for ws in self.book.worksheets:   # Excel finds sheets ignoring case
            if ws.title.casefold() == name.casefold():
                return ws
        raise KeyError(f"no sheet named '{name}'")


def _xlwings_value(value: Any) -> Any:
    """One cell value as xlwings hands it over on Windows (see the module docstring)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, dt.time):
        return dt.datetime.combine(EXCEL_DAY_ZERO.date(), value)
    if isinstance(value, dt.timedelta):
        return EXCEL_DAY_ZERO + value
    return value


def _adjust_dimensions(rows: list[list[Any]], ndim: int | None) -> Any:
    """xlwings/conversion/standard.py AdjustDimensionsStage (ndim None) and Ensure2DStage (ndim 2)."""
    if ndim == 2:
        return rows
    if len(rows) == 1:
        return rows[0][0] if len(rows[0]) == 1 else rows[0]
    if len(rows[0]) == 1:
        return [r[0] for r in rows]
    return rows


def _put(cell: Any, value: Any) -> None:
    """Put a value into a cell as Excel takes it from Range.Value."""
    if isinstance(value, str) and value.startswith("'"):
        cell.value = value[1:]
        cell.quotePrefix = True
        return
    cell.value = value   # '=...' becomes a formula, as in Excel


def _cells(ws: Any, ref: str) -> Any:
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col):
        yield from row


def _letter(column: int) -> str:
    return get_column_letter(column)
