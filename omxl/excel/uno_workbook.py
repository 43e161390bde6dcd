"""The workbook open in LibreOffice Calc, through UNO: the Workbook interface (omxl/excel/interface.py) over a
spreadsheet document, so the buttons of an .ods made by `omxl libreoffice-setup` run the same macros as Excel's
(docs/libreoffice.md).

The document's embedded script (omxl/shipped/libreoffice/omxl_buttons.py) calls `press()` inside LibreOffice;
the tests drive the same class over the UNO bridge from outside. Every call into the document is a round trip,
so values move in bulk (`DataArray` for a whole used range or result sheet) and formats by range: a date
format, a number format, a fill or a weight is set once per range the layout names (a column, a run of rows),
and read once per run of equally formatted cells (`getUniqueCellFormatRanges`), never cell by cell.

Values cross the interface as the stand-in (omxl/excel/filebook.py) hands them over, which is how xlwings does:
numbers as float, cells with a date or time format as datetime.datetime (a time alone on 1899-12-30), cells
with a logical format as bool, empty cells as None, error cells as their text ('#N/A'; LibreOffice's own
'Err:5xx' errors as '#VALUE!' unless the reading pipeline knows them).
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from ..io.address import column_letter
from ..io.read.sources import ERROR_LITERALS
from ..io.xlsx.package import OWNER_NAME
from .filebook import EXCEL_DAY_ZERO
from .interface import NOTE_MARK, SheetExistsError, SheetInfo, SheetLayout, UsedRange, WorkbookPathError
from .office import uno_module

# com.sun.star.util.NumberFormat: the kinds of format whose numbers a cell shows as dates, times or TRUE/FALSE.
DATE, TIME, LOGICAL = 2, 4, 1024
# com.sun.star.sheet.FormulaResult.ERROR and com.sun.star.sheet.CellFlags (everything a cell can hold).
FORMULA_ERROR = 4
ALL_CONTENTS = 1023
BOLD_WEIGHT = 150.0           # com.sun.star.awt.FontWeight.BOLD
VERT_TOP = 1                  # com.sun.star.table.CellVertJustify2.TOP
UNKNOWN_ERROR = "#VALUE!"
LINK_COLOUR = 0x0563C1        # the colour Excel gives a link (filebook.LINK_FONT)
UNDERLINE_SINGLE = 1          # com.sun.star.awt.FontUnderline.SINGLE
# A column width in characters as 1/100 mm: Calibri 11 draws a digit 7 pixels wide, plus 5 pixels of padding, at
# 96 pixels an inch (filebook and Excel agree on this; LibreOffice's widths are lengths).
HUNDREDTH_MM_PER_PIXEL = 2540 / 96


class UnoWorkbook:
    """The Workbook interface on a LibreOffice spreadsheet document (an XSpreadsheetDocument).

        workbook = UnoWorkbook(XSCRIPTCONTEXT.getDocument())
        omxl.macros.reconcile(workbook)      # what the Reconcile button of the .ods runs

    `alerts` lists the (title, message) of every alert; a document shown on a screen also gets a message box."""

    def __init__(self, document: Any, context: Any = None):
        self.document = document
        self.context = context
        self.alerts: list[tuple[str, str]] = []
        self._formats: dict[str, int] = {}
        self._uno = uno_module()

    # --- the interface --------------------------------------------------------------------------------

    def path(self) -> Path | None:
        url = self.document.URL
        if not url:
            return None   # never saved
        if not url.startswith("file:"):
            raise WorkbookPathError(
                f"This workbook is open from {url}, not from a file on this computer. omxl needs a folder on this "
                "computer, where omxl.toml and the reports are, so nothing was run. Save a copy on this computer "
                "(File > Save As, to a folder such as Documents), open the copy and press the button there.")
        return Path(self._uno.fileUrlToSystemPath(url))

    def sheets(self) -> list[SheetInfo]:
        sheets = self.document.Sheets
        found = []
        for index in range(sheets.Count):
            sheet = sheets.getByIndex(index)
            found.append(SheetInfo(sheet.Name, hidden=not sheet.IsVisible, owned=_owned(sheet)))
        return found

    def used_range(self, sheet: str) -> UsedRange:
        cursor = self._sheet(sheet).createCursor()
        cursor.gotoStartOfUsedArea(False)
        cursor.gotoEndOfUsedArea(True)
        address = cursor.RangeAddress
        return UsedRange(address.StartRow + 1, address.StartColumn + 1, self._values(cursor))

    def read_cell(self, sheet: str, cell: str) -> Any:
        return self._values(self._sheet(sheet).getCellRangeByName(cell))[0][0]

    def write_cell(self, sheet: str, cell: str, value: Any) -> None:
        target = self._sheet(sheet).getCellRangeByName(cell)
        if isinstance(value, str) and value.startswith("="):
            target.setFormula(value)   # as Excel takes '=...' put into a cell
        else:
            target.setDataArray(((self._cell_data(value),),))
            if isinstance(value, dt.datetime) and not _has_date_format(self.document, target.NumberFormat):
                target.NumberFormat = self._format_key("yyyy-mm-dd")

    def write_sheet(self, name: str, layout: SheetLayout) -> None:
        sheets = self.document.Sheets
        existing = next((s for s in (sheets.getByIndex(i) for i in range(sheets.Count))
                         if s.Name.casefold() == name.casefold()), None)
        if existing is not None and not _owned(existing):
            raise SheetExistsError(existing.Name)
        if existing is not None:
            sheet = existing
            # As Excel's Sheet.Clear: the sheet keeps its place (and what refers to it), with nothing on it.
            sheet.clearContents(ALL_CONTENTS)   # values, notes, links and hard formats (fills included)
        else:
            sheets.insertNewByName(name, sheets.Count)
            sheet = sheets.getByName(name)
            quoted = "$'" + name.replace("'", "''") + "'.$A$1"
            origin = self._uno.createUnoStruct("com.sun.star.table.CellAddress")
            origin.Sheet = sheet.RangeAddress.Sheet
            sheet.NamedRanges.addNewByName(OWNER_NAME, quoted, origin, 0)
        self._write_values(sheet, layout.values)
        for ref, fmt in layout.number_formats:
            sheet.getCellRangeByName(ref).NumberFormat = self._format_key(fmt)
        for ref, argb in layout.fills:
            sheet.getCellRangeByName(ref).CellBackColor = _rgb(argb)
        for ref in layout.bold:
            sheet.getCellRangeByName(ref).CharWeight = BOLD_WEIGHT
        for ref in layout.wrap:
            cells = sheet.getCellRangeByName(ref)
            cells.IsTextWrapped = True
            cells.VertJustify = VERT_TOP
        for ref, target in layout.links:
            self._link(sheet.getCellRangeByName(ref), target)
        columns = sheet.Columns
        for index, width in enumerate(layout.widths):
            columns.getByIndex(index).Width = column_width(width)
        if layout.freeze_rows:
            controller = self.document.CurrentController
            controller.setActiveSheet(sheet)
            controller.freezeAtPosition(0, layout.freeze_rows)
        if layout.autofilter:
            self._autofilter(sheet, layout.autofilter)

    def mark_cell(self, sheet: str, cell: str, fill: str, note: str) -> None:
        target_sheet = self._sheet(sheet)
        target = target_sheet.getCellRangeByName(cell)
        target.CellBackColor = _rgb(fill)
        existing = target.Annotation.String
        if existing and not existing.startswith(NOTE_MARK):
            return   # the user's own note stays; the fill says the cell has a finding
        if existing:
            _remove_note(target_sheet, target.CellAddress)
        target_sheet.Annotations.insertNew(target.CellAddress, f"{NOTE_MARK}\n{note}")

    def clear_marks(self, sheet: str) -> int:
        target = self._sheet(sheet)
        notes = target.Annotations
        cleared = 0
        for index in reversed(range(notes.Count)):
            note = notes.getByIndex(index)
            if note.String.startswith(NOTE_MARK):
                where = note.Position
                target.getCellByPosition(where.Column, where.Row).setPropertyToDefault("CellBackColor")
                notes.removeByIndex(index)
                cleared += 1
        return cleared

    def alert(self, message: str, title: str) -> None:
        self.alerts.append((title, message))
        window = self._window()
        if window is None or self.context is None:
            return   # no screen (a hidden document, a headless office): the status cell says it
        try:
            toolkit = self.context.ServiceManager.createInstanceWithContext("com.sun.star.awt.Toolkit", self.context)
            message_type = self._uno.Enum("com.sun.star.awt.MessageBoxType", "ERRORBOX")
            box = toolkit.createMessageBox(window, message_type, 1, title, message)   # 1: an OK button
            box.execute()
        except Exception:  # noqa: BLE001 - the status cell already says it; a box that fails must not hide that
            pass

    def pause_screen(self) -> AbstractContextManager[None]:
        return _Paused(self.document)

    def show_sheet(self, sheet: str) -> None:
        self.document.CurrentController.setActiveSheet(self._sheet(sheet))

    # --- reading ---------------------------------------------------------------------------------------

    def _values(self, cells: Any) -> list[list[Any]]:
        """A range's values, converted as the stand-in converts them: one DataArray call, then one call per run
        of equally formatted cells whose format shows numbers as dates, times or logical values, and one per
        error cell."""
        rows = [[None if value == "" else value for value in row] for row in cells.DataArray]
        origin = cells.RangeAddress
        formats = self.document.NumberFormats
        kinds: dict[int, int] = {}
        runs = cells.getUniqueCellFormatRanges()
        for index in range(runs.Count):
            run = runs.getByIndex(index)
            key = run.NumberFormat
            if key not in kinds:
                kinds[key] = formats.getByKey(key).Type
            kind = kinds[key]
            if kind & (DATE | TIME):
                convert = self._date_value(kind)
            elif kind & LOGICAL:
                convert = bool
            else:
                continue
            for block in run.RangeAddresses:
                for r in range(block.StartRow - origin.StartRow, block.EndRow - origin.StartRow + 1):
                    line = rows[r]
                    for c in range(block.StartColumn - origin.StartColumn, block.EndColumn - origin.StartColumn + 1):
                        if isinstance(line[c], float):
                            line[c] = convert(line[c])
        errors = cells.queryFormulaCells(FORMULA_ERROR)
        for block in errors.RangeAddresses:
            for row in range(block.StartRow, block.EndRow + 1):
                for column in range(block.StartColumn, block.EndColumn + 1):
                    shown = cells.Spreadsheet.getCellByPosition(column, row).String
                    rows[row - origin.StartRow][column - origin.StartColumn] = (
                        shown if shown in ERROR_LITERALS else UNKNOWN_ERROR)
        return rows

    def _date_value(self, kind: int) -> Any:
        day_zero = self._day_zero()

        def convert(serial: float) -> dt.datetime:
            if not kind & DATE:   # a time of day alone: on Excel's day zero, as xlwings hands it over
                return EXCEL_DAY_ZERO + _rounded(serial % 1)
            return day_zero + _rounded(serial)
        return convert

    def _day_zero(self) -> dt.datetime:
        null = self.document.NullDate   # 1899-12-30, or 1904-01-01 for a workbook from an old Mac
        return dt.datetime(null.Year, null.Month, null.Day)

    # --- writing ---------------------------------------------------------------------------------------

    def _write_values(self, sheet: Any, values: list[list[Any]]) -> None:
        if not values:
            return
        width = max(len(row) for row in values)
        if width == 0:
            return
        data = tuple(tuple(self._cell_data(v) for v in row) + ("",) * (width - len(row)) for row in values)
        target = sheet.getCellRangeByName(f"A1:{column_letter(width - 1)}{len(values)}")
        target.setDataArray(data)
        # Logical values go in as 1 and 0, shown TRUE and FALSE by the logical format, as LibreOffice keeps them.
        flags = [(c, r) for r, row in enumerate(values) for c, v in enumerate(row) if isinstance(v, bool)]
        if flags:
            self._cell_ranges(sheet, sorted(flags)).NumberFormat = self._format_key("BOOLEAN")

    def _cell_ranges(self, sheet: Any, cells: list[tuple[int, int]]) -> Any:
        """Scattered cells ((column, row) from 0, sorted) as one SheetCellRanges, a run of rows in a column
        being one range: a property set on it is one call, however many cells it covers."""
        index = sheet.RangeAddress.Sheet
        addresses = []
        for column, row in cells:
            last = addresses[-1] if addresses else None
            if last is not None and last.StartColumn == column and last.EndRow == row - 1:
                last.EndRow = row
                continue
            block = self._uno.createUnoStruct("com.sun.star.table.CellRangeAddress")
            block.Sheet, block.StartColumn, block.EndColumn, block.StartRow, block.EndRow = index, column, column, row, row
            addresses.append(block)
        ranges = self.document.createInstance("com.sun.star.sheet.SheetCellRanges")
        ranges.addRangeAddresses(tuple(addresses), False)
        return ranges

    def _cell_data(self, value: Any) -> Any:
        """One value as DataArray takes it: text as it is (Excel's literal-text apostrophe taken off: DataArray
        never re-types text), numbers as float, dates as serial numbers, nothing as ''."""
        if value is None:
            return ""
        if isinstance(value, str):
            return value[1:] if value.startswith("'") else value
        if isinstance(value, bool):
            return 1.0 if value else 0.0
        if isinstance(value, dt.datetime):
            return (value - self._day_zero()).total_seconds() / 86400
        if isinstance(value, dt.date):
            return float((value - self._day_zero().date()).days)
        return float(value)

    def _format_key(self, code: str) -> int:
        if code not in self._formats:
            self._formats[code] = number_format_key(self.document, code)
        return self._formats[code]

    def _link(self, cell: Any, target: str) -> None:
        """A link to a cell of this workbook ("'Orders'!D17"), as a URL field in the cell's text, which is how
        LibreOffice keeps an Excel hyperlink (and writes it back to .xlsx as one)."""
        text = cell.String
        field = self.document.createInstance("com.sun.star.text.TextField.URL")
        field.URL = "#" + calc_reference(target)
        field.Representation = text
        cell.setString("")
        cell.insertTextContent(cell.createTextCursor(), field, False)
        cell.CharColor = LINK_COLOUR
        cell.CharUnderline = UNDERLINE_SINGLE

    def _autofilter(self, sheet: Any, ref: str) -> None:
        # A sheet's own (unnamed) database range carries its autofilter, as LibreOffice imports Excel's.
        address = sheet.getCellRangeByName(ref).RangeAddress
        ranges = self.document.getPropertyValue("UnnamedDatabaseRanges")   # not introspectable as an attribute
        ranges.setByTable(address)
        ranges.getByTable(address.Sheet).AutoFilter = True

    # --- the document ----------------------------------------------------------------------------------

    def _sheet(self, name: str) -> Any:
        sheets = self.document.Sheets
        if sheets.hasByName(name):
            return sheets.getByName(name)
        for index in range(sheets.Count):   # Excel finds sheets ignoring case; so does the interface
            sheet = sheets.getByIndex(index)
            if sheet.Name.casefold() == name.casefold():
                return sheet
        raise KeyError(f"no sheet named '{name}'")

    def _window(self) -> Any:
        try:
            window = self.document.CurrentController.Frame.ContainerWindow
        except AttributeError:
            return None
        return window if window is not None and window.isVisible() else None


class _Paused:
    """No redrawing and no recalculation while a run writes, both set back as they were after it. A class, not a
    generator: contextlib re-raises an exception by setting its __traceback__, which UNO's exceptions refuse."""

    def __init__(self, document: Any):
        self.document = document
        self.automatic = True

    def __enter__(self) -> None:
        self.automatic = self.document.isAutomaticCalculationEnabled()
        self.document.enableAutomaticCalculation(False)
        self.document.lockControllers()
        self.document.addActionLock()

    def __exit__(self, *exc: object) -> None:
        self.document.removeActionLock()
        self.document.unlockControllers()
        self.document.enableAutomaticCalculation(self.automatic)


def press(action: str, document: Any, context: Any = None) -> UnoWorkbook:
    """What a button of the .ods runs: the macro `action` (a step's name, or 'main' for the chosen action) on
    the document, exactly as Excel's button runs it on the workbook (omxl/excel/macros.py)."""
    from . import macros   # the buttons' code, which imports the whole core: loaded on the first press

    workbook = UnoWorkbook(document, context)
    if action == "main":
        macros.main(workbook)
    else:
        getattr(macros, action)(workbook)
    return workbook


def number_format_key(document: Any, code: str) -> int:
    """The document's number format key for an Excel format code, added when the document lacks it. Codes are
    read in English (US), as Excel writes them: '#,##0.00', 'yyyy-mm-dd'."""
    locale = uno_module().createUnoStruct("com.sun.star.lang.Locale")
    locale.Language, locale.Country = "en", "US"
    formats = document.NumberFormats
    key = formats.queryKey(code, locale, False)
    return key if key != -1 else formats.addNew(code, locale)


def calc_reference(excel: str) -> str:
    """An Excel cell reference inside a workbook ("'omxl Issues'!D17", "Orders!D17") as LibreOffice writes it
    in a link ("'omxl Issues'.D17", "Orders.D17")."""
    sheet, _, cell = excel.rpartition("!")
    return f"{sheet}.{cell}" if sheet else cell


def _owned(sheet: Any) -> bool:
    return bool(sheet.NamedRanges.hasByName(OWNER_NAME))


def _has_date_format(document: Any, key: int) -> bool:
    return bool(document.NumberFormats.getByKey(key).Type & DATE)


def _remove_note(sheet: Any, address: Any) -> None:
    notes = sheet.Annotations
    for index in range(notes.Count):
        where = notes.getByIndex(index).Position
        if where.Row == address.Row and where.Column == address.Column:
            notes.removeByIndex(index)
            return


def _rgb(argb: str) -> int:
    return int(argb[-6:], 16)


def column_width(characters: float) -> int:
    """A column width in characters (Excel's measure) as LibreOffice's, in 1/100 mm."""
    return round((int(characters * 7 + 0.5) + 5) * HUNDREDTH_MM_PER_PIXEL)


def _rounded(days: float) -> dt.timedelta:
    # A serial number holds a time of day as a fraction that is rarely exact in binary; rounded to the
    # millisecond, as Excel and openpyxl round it, 14:30 reads as 14:30:00, not 14:29:59.999999.
    return dt.timedelta(milliseconds=round(days * 86_400_000))
