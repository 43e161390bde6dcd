"""The workbook open in Excel, through xlwings: the one module of omxl that imports xlwings (docs/macros.md).

It answers the Workbook interface (omxl/excel/interface.py) on `xw.Book.caller()`, the workbook whose button
ran `RunPython "import omxl.macros; omxl.macros.validate()"`, and registers the worksheet functions
(omxl/excel/functions.py) for Windows Excel. Only the free (BSD) parts of xlwings are used: Book.caller,
Range values and formats, notes, hyperlinks, names, App.alert, @xw.func. It is imported only when a macro or
a worksheet function runs, so `import omxl` never loads xlwings.

Reading uses `options(ndim=2, err_to_str=True)`: always rows of cells (a one-cell used range would otherwise
come back as a scalar, a one-row range as a flat list) and Excel errors as their text ('#N/A'), which the
reading pipeline reports as error cells. Freezing the header row, the autofilter and hiding omxl's sheet mark
in Name Manager use Excel's own object model (`.api`), which xlwings leaves to the platform: on Windows through
COM, on macOS through AppleScript; any of them failing leaves the sheet unfrozen or unfiltered, never the run
unfinished. Those `.api` calls are the only ones no test can check against xlwings' classes (docs/macros.md
lists them); everything else is checked against them (tests/test_xlwings_adapter.py).
"""

from __future__ import annotations

import decimal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import xlwings as xw

from ..io.xlsx.package import OWNER_NAME
from .functions import (omxl_croston, omxl_eoq, omxl_fill_rate_k, omxl_loss_function, omxl_reorder_point,
                        omxl_round_up_to_pack, omxl_safety_stock, omxl_sba, omxl_tsb)
from .interface import NOTE_MARK, SheetExistsError, SheetInfo, SheetLayout, UsedRange, WorkbookPathError

# Excel's Worksheet.Visible as COM hands it over: xlSheetVisible is -1 (xlSheetHidden 0, xlSheetVeryHidden 2, a
# sheet only VBA can show again); on macOS xlwings answers True or False.
VISIBLE = (True, -1)


class XlwingsWorkbook:
    """The Workbook interface on an xlwings Book."""

    def __init__(self, book: "xw.Book", *, windows: bool | None = None):
        self.book = book
        # Which object model `.api` speaks: COM (Windows) or AppleScript (macOS).
        self.windows = sys.platform.startswith("win") if windows is None else windows

    @classmethod
    def caller(cls) -> "XlwingsWorkbook":
        return cls(xw.Book.caller())

    def path(self) -> Path | None:
        try:
            fullname = self.book.fullname
        except xw.XlwingsError as exc:
            # Excel knows the workbook by its OneDrive/SharePoint web address, and xlwings found no synced copy.
            raise WorkbookPathError(cloud_path_message(str(exc), windows=self.windows)) from exc
        full = Path(fullname)
        # A workbook never saved is called 'Book1'.
        return full if full.is_absolute() and full.exists() else None

    def sheets(self) -> list[SheetInfo]:
        return [SheetInfo(sheet.name, hidden=sheet.visible not in VISIBLE, owned=_owned(sheet))
                for sheet in self.book.sheets]

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
            _try(lambda: _freeze(sheet, layout.freeze_rows, windows=self.windows))
        if layout.autofilter:
            _try(lambda: _autofilter(sheet, layout.autofilter, windows=self.windows))

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

    @contextmanager
    def pause_screen(self) -> Iterator[None]:
        app = self.book.app
        try:
            was_updating, was_calculation = app.screen_updating, app.calculation
            app.screen_updating = False
            app.calculation = "manual"
        except Exception:  # noqa: BLE001 - a slower run, not a failed one
            was_updating = was_calculation = None
        try:
            yield
        finally:
            if was_calculation is not None:
                _try(lambda: setattr(app, "calculation", was_calculation))
            if was_updating is not None:
                _try(lambda: setattr(app, "screen_updating", was_updating))

    def show_sheet(self, sheet: str) -> None:
        self.book.sheets[sheet].activate()


def cloud_path_message(detail: str, *, windows: bool) -> str:
    """What the status cell says when xlwings cannot turn the workbook's OneDrive/SharePoint address into a file
    on this computer: what happened, and the two ways out, with xlwings' setting names for this system."""
    system = "WIN" if windows else "MAC"
    folder = r"C:\Users\you\OneDrive" if windows else "/Users/you/Library/CloudStorage/OneDrive-Personal"
    return ("This workbook is open from OneDrive or SharePoint, and xlwings could not find its file on this "
            f"computer (xlwings says: {detail.strip()}). omxl needs that file's folder, where omxl.toml and the "
            "reports are, so nothing was run. Either save a copy on this computer (File > Save a Copy, to a "
            "folder such as Documents), open the copy and press the button there; or tell xlwings where OneDrive "
            "keeps its files: on this workbook's xlwings.conf sheet add a row with the key "
            f"ONEDRIVE_CONSUMER_{system} (personal OneDrive), ONEDRIVE_COMMERCIAL_{system} (OneDrive for work or "
            f"school) or SHAREPOINT_{system} (a synced SharePoint library) and the local folder, e.g. {folder}.")


def _owned(sheet: "xw.Sheet") -> bool:
    # Sheet-scoped names come back as "'omxl Summary'!_omxl_result".
    return any(name.name.rsplit("!", 1)[-1] == OWNER_NAME for name in sheet.names)


def _plain(value: Any) -> Any:
    # pywin32 hands a cell formatted as currency over as a Decimal (COM's CURRENCY type); every other number is
    # a float.
    return float(value) if isinstance(value, decimal.Decimal) else value


def _hex(argb: str) -> str:
    return "#" + argb[-6:]


def _freeze(sheet: "xw.Sheet", rows: int, *, windows: bool) -> None:
    # Panes belong to the window, which shows the active sheet: the sheet is activated first (the run ends by
    # bringing the Control sheet back to the front).
    sheet.activate()
    if windows:
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


def _autofilter(sheet: "xw.Sheet", ref: str, *, windows: bool) -> None:
    # Range.AutoFilter() without arguments toggles: on a sheet that has a filter (a run before, or the user's) it
    # would take the filter away. So a filter there is removed first, and the one on `ref` then set.
    if windows:
        if sheet.api.AutoFilterMode:
            sheet.api.AutoFilterMode = False
        sheet.range(ref).api.AutoFilter()
    else:
        if sheet.api.autofilter_mode.get():
            sheet.api.autofilter_mode.set(False)
        sheet.range(ref).api.autofilter_range()


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


@xw.func
def OMXL_CROSTON(demand: Any, alpha: Any = 0.1) -> Any:
    """Croston's forecast per period: =OMXL_CROSTON(demand of each period (a row or column)[, alpha])."""
    return omxl_croston(demand, alpha)


@xw.func
def OMXL_SBA(demand: Any, alpha: Any = 0.1) -> Any:
    """The Syntetos-Boylan forecast per period: =OMXL_SBA(demand of each period (a row or column)[, alpha])."""
    return omxl_sba(demand, alpha)


@xw.func
def OMXL_TSB(demand: Any, alpha_demand: Any = 0.1, alpha_probability: Any = 0.1) -> Any:
    """The TSB forecast per period: =OMXL_TSB(demand of each period[, alpha demand, alpha probability])."""
    return omxl_tsb(demand, alpha_demand, alpha_probability)


@xw.func
def OMXL_LOSS_FUNCTION(k: Any) -> Any:
    """The standard normal loss function: =OMXL_LOSS_FUNCTION(k)."""
    return omxl_loss_function(k)


@xw.func
def OMXL_FILL_RATE_K(fill_rate: Any, order_qty: Any, demand_std_lead_time: Any) -> Any:
    """Safety factor for a fill rate: =OMXL_FILL_RATE_K(fill rate, order quantity, demand std over the lead time)."""
    return omxl_fill_rate_k(fill_rate, order_qty, demand_std_lead_time)
