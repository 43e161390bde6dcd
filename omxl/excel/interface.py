"""The few things the macros ask of an open workbook, and nothing more (docs/macros.md).

omxl/excel/macros.py talks only to this Protocol. Two classes implement it: `XlwingsWorkbook`
(omxl/excel/xlwings_adapter.py, the workbook open in Excel, through xlwings) and `FileWorkbook`
(omxl/excel/filebook.py, a workbook file held in memory through openpyxl, for tests and scripts). Values cross
the interface as xlwings hands them over: numbers as float, dates as datetime.datetime, empty cells as None,
Excel errors as their text ('#N/A').
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..config import DIFFERENT_PREFIX_LINE
from ..errors import OmxlError


@dataclass(frozen=True)
class SheetInfo:
    """One worksheet of the open workbook, in tab order."""

    name: str
    hidden: bool = False
    owned: bool = False   # a result sheet omxl wrote (it carries the sheet-scoped name _omxl_result)


@dataclass(frozen=True)
class UsedRange:
    """A sheet's used range: its top-left cell (1-based row and column; the range may start below A1 and
    right of column A) and its values by row, always two-dimensional (a 1x1 range is [[value]])."""

    row: int
    column: int
    values: list[list[Any]]


@dataclass(frozen=True)
class SheetLayout:
    """Everything one result sheet shows, from A1, as the workbook receives it.

    values          rows of cells: None, str, float, int, bool or datetime.datetime. Text starts with an
                    apostrophe (Excel's literal-text prefix: it is not shown and keeps '00123', '=x' or
                    '2026-11-27' the text it is)
    number_formats  (A1 range, Excel number format) pairs
    fills           (A1 range, ARGB colour 'FFF4B183') pairs
    bold            A1 ranges in bold (the header row, the Summary's titles)
    wrap            A1 ranges whose text wraps within the column
    links           (cell, target inside the workbook "'Orders'!D17") pairs: the cell links to the target
    widths          column widths in characters, from column A
    freeze_rows     rows kept in view at the top (1: the header row; 0: none)
    autofilter      A1 range given an autofilter, None for none
    """

    values: list[list[Any]]
    number_formats: tuple[tuple[str, str], ...] = ()
    fills: tuple[tuple[str, str], ...] = ()
    bold: tuple[str, ...] = ()
    wrap: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()
    widths: tuple[float, ...] = ()
    freeze_rows: int = 0
    autofilter: str | None = None


# The first line of every note omxl puts on a cell: how a later run knows the note (and the fill) as omxl's.
NOTE_MARK = "omxl:"


class SheetExistsError(OmxlError):
    """A sheet of the result's name exists and omxl did not write it: it is left alone, and the message says
    what to do."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(f"A sheet named '{name}' already exists and was not written by omxl, so it is left alone "
                         "and nothing was written. Rename that sheet, or set a different sheet_prefix in omxl.toml with "
                         f"a line such as:\n{DIFFERENT_PREFIX_LINE}")


class WorkbookPathError(OmxlError):
    """The workbook has a file, but not one this computer can reach by a path: Excel opened it from OneDrive or
    SharePoint by its web address, and xlwings could not find the synced copy. The message says what happened
    and what to do."""


class Workbook(Protocol):
    """The open workbook, as the macros see it."""

    def path(self) -> Path | None:
        """The workbook's file (its folder holds omxl.toml and the weekly report), None when it was never saved.
        Raises WorkbookPathError when the file is a web address with no local copy xlwings can find."""

    def sheets(self) -> list[SheetInfo]:
        """The worksheets in tab order."""

    def used_range(self, sheet: str) -> UsedRange:
        """The sheet's used range with its values as they are now (unsaved edits included)."""

    def read_cell(self, sheet: str, cell: str) -> Any:
        """One cell's value ('B3'), converted as for used_range."""

    def write_cell(self, sheet: str, cell: str, value: Any) -> None:
        """Put `value` into one cell (text as it is, numbers, dates)."""

    def write_sheet(self, name: str, layout: SheetLayout) -> None:
        """Create the sheet `name` after the last sheet, or clear and rewrite the one omxl wrote before, and
        mark it as omxl's. Raises SheetExistsError when a sheet of that name exists that omxl did not write."""

    def mark_cell(self, sheet: str, cell: str, fill: str, note: str) -> None:
        """Fill one cell (ARGB) and give it `note` (a cell comment starting with NOTE_MARK). A note of the
        user's own is kept: the cell is filled and gets no second note."""

    def clear_marks(self, sheet: str) -> int:
        """Take away the marks an earlier run left on the sheet: each note starting with NOTE_MARK is deleted
        and its cell's fill removed. Returns how many cells were cleared."""

    def alert(self, message: str, title: str) -> None:
        """Show a message box (or, without a screen, record the message)."""

    def pause_screen(self) -> AbstractContextManager[None]:
        """A block during which the application neither redraws the screen nor recalculates (a run writes
        thousands of cells); both are set back to what they were when the block ends, also when it ends in an
        error."""

    def show_sheet(self, sheet: str) -> None:
        """Bring the sheet to the front: the one the user sees when the run is over."""
