"""The workbook open in Excel, through xlwings: the one module of omxl that imports xlwings (docs/macros.md).

It answers the Workbook interface (omxl/excel/interface.py) on `xw.Book.caller()`, the workbook whose button
ran `RunPython "import omxl.macros; omxl.macros.validate()"`, and registers the worksheet functions
(omxl/excel/functions.py) for Windows Excel. Only the free (BSD) parts of xlwings are used: Book.caller,
Range values and formats, notes, hyperlinks, names, App.alert, @xw.func. It is imported only when a macro or
a worksheet function runs, so `import omxl` never loads xlwings.

Reading uses `options(ndim=2, err_to_str=True)`: always rows of cells (a one-cell used range would otherwise
come back as a scalar, a one-row range as a flat list) and Excel errors as their text ('#N/A'), which the
reading pipeline reports as error cells. Freezing the header row and the autofilter use Excel's own object
model (`.api`), which xlwings leaves to the platform: on Windows through COM, on macOS through AppleScript;
either failing leaves the sheet unfrozen or unfiltered, never the run unfinished.
"""

from __future__ import annotations

import decimal
import sys
from pathlib import Path
from typing import Any

import xlwings as xw

from ..io.xlsx.package import OWNER_NAME
from .functions import omxl_eoq, omxl_reorder_point, omxl_round_up_to_pack, omxl_safety_stock
from .interface import NOTE_MARK, SheetExistsError, SheetInfo, SheetLayout, UsedRange


class XlwingsWorkbook:
    """The Workbook interface on an xlwings Book."""

    def __init__(self, book: "xw.Book"):
        self.book = book

    @classmethod
    def caller(cls) -> "XlwingsWorkbook":
        return cls(xw.Book.caller())

    def path(self) -> Path | None:
        full = Path(self.book.fullname)
        # A workbook never saved is called 'Book1'; one opened from SharePoint has a URL for a name.
        return full if full.is_absolute() and full.exists() else None

    def sheets(self) -> list[SheetInfo]:
        return [SheetInfo(sheet.name, hidden=not sheet.visible, owned=_owned(sheet)) for sheet in self.book.sheets]

    def used_range(self, sheet: str) -> UsedRange:
        used = self.book.sheets[sheet].used_range
        values = used.options(ndim=2, err_to_str=True).value
        return UsedRange(used.row, used.column, [[_plain(v) for v in row] for row in values])

    def read_cell(self, sheet: str, cell: str) -> Any:
        return _plain(self.book.sheets[sheet].range(cell).value)

    def write_cell(self, sheet: str, cell: str, value: Any) -> None:
        self.book.sheets[sheet].range(cell).value = value

    def write_sheet(self, name: str, layout: SheetLayout) -> None:
        existing = next((s for s in self.book.sheets if s.name.casefold() == name.casefold()), None)
        if existing is not None and not _owned(existing):
            raise SheetExistsError(existing.name)
        if existing is not None:
            existing.clear()   # contents, formats, notes and links; the sheet keeps its place
            sheet = existing
        else:
            sheet = self.book.sheets.add(name, after=self.book.sheets[-1])
            quoted = "'" + name.replace("'", "''") + "'"
            mark = sheet.names.add(OWNER_NAME, f"={quoted}!$A$1")
            _try(lambda: setattr(mark.api, "Visible", False))   # hidden in Name Manager, as write-back's
        if layout.values:
            sheet.range("A1").value = layout.values
        for ref, fmt in layout.number_formats:
            sheet.range(ref).number_format = fmt
        for ref, argb in layout.fills:
            sheet.range(ref).color = _hex(argb)
        for ref in layout.bold:
            sheet.range(ref).font.bold = True
        for ref in layout.wrap:
            sheet.range(ref).wrap_text = True
        for ref, target in layout.links:
            cell = sheet.range(ref)
            cell.add_hyperlink("#" + target, str(cell.value), f"Go to {target}")
        for position, width in enumerate(layout.widths, start=1):
            sheet.range((1, position)).column_width = width
        if layout.freeze_rows:
            _try(lambda: _freeze(sheet, layout.freeze_rows))
        if layout.autofilter:
            _try(lambda: _autofilter(sheet.range(layout.autofilter)))

    def mark_cell(self, sheet: str, cell: str, fill: str, note: str) -> None:
        target = self.book.sheets[sheet].range(cell)
        target.color = _hex(fill)
        text = f"{NOTE_MARK}\n{note}"
        if target.note is None:
            target.add_note(text)
        elif target.note.text.startswith(NOTE_MARK):
            target.note.text = text

    def clear_marks(self, sheet: str) -> int:
        cleared = 0
        for note in list(self.book.sheets[sheet].notes):
            if note.text.startswith(NOTE_MARK):
                note.location.color = None
                note.delete()
                cleared += 1
        return cleared

    def alert(self, message: str, title: str) -> None:
        self.book.app.alert(message, title=title)


def _owned(sheet: "xw.Sheet") -> bool:
    # Sheet-scoped names come back as "'omxl Summary'!_omxl_result".
    return any(name.name.rsplit("!", 1)[-1] == OWNER_NAME for name in sheet.names)


def _plain(value: Any) -> Any:
    # pywin32 hands a cell formatted as currency over as a Decimal (COM's CURRENCY type); every other number is
    # a float.
    return float(value) if isinstance(value, decimal.Decimal) else value


def _hex(argb: str) -> str:
    return "#" + argb[-6:]


def _freeze(sheet: "xw.Sheet", rows: int) -> None:
    sheet.activate()
    if sys.platform.startswith("win"):
        window = sheet.book.app.api.ActiveWindow
        window.FreezePanes = False
        window.SplitColumn, window.SplitRow = 0, rows
        window.FreezePanes = True
    else:
        window = sheet.book.app.api.active_window
        window.freeze_panes.set(False)
        window.split_column.set(0)
        window.split_row.set(rows)
        window.freeze_panes.set(True)


def _autofilter(rng: "xw.Range") -> None:
    if sys.platform.startswith("win"):
        rng.api.AutoFilter()
    else:
        rng.api.autofilter_range()


def _try(step: Any) -> None:
    """Cosmetic steps (a frozen header, a filter, a hidden name) must not stop a run that has its results."""
    try:
        step()
    except Exception:  # noqa: BLE001 - see docstring
        pass


# --- worksheet functions (Windows Excel; xlwings.conf UDF Modules: omxl.excel.xlwings_adapter) -------------

@xw.func
def OMXL_EOQ(annual_demand: Any, ordering_cost: Any, holding_cost: Any) -> Any:
    """Economic order quantity: =OMXL_EOQ(annual demand, cost per order, holding cost per unit and year)."""
    return omxl_eoq(annual_demand, ordering_cost, holding_cost)


@xw.func
def OMXL_SAFETY_STOCK(service_level: Any, demand_std: Any, lead_time: Any, demand_mean: Any = 0.0,
                      lead_time_std: Any = 0.0) -> Any:
    """Safety stock: =OMXL_SAFETY_STOCK(service level, daily demand std, lead time days[, mean, lead time std])."""
    return omxl_safety_stock(service_level, demand_std, lead_time, demand_mean, lead_time_std)


@xw.func
def OMXL_REORDER_POINT(demand_mean: Any, lead_time: Any, safety_stock: Any) -> Any:
    """Reorder point: =OMXL_REORDER_POINT(mean daily demand, lead time days, safety stock)."""
    return omxl_reorder_point(demand_mean, lead_time, safety_stock)


@xw.func
def OMXL_ROUND_UP_TO_PACK(qty: Any, pack_size: Any) -> Any:
    """Quantity rounded up to whole packs: =OMXL_ROUND_UP_TO_PACK(quantity, pack size)."""
    return omxl_round_up_to_pack(qty, pack_size)
