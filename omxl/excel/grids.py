"""The open workbook's sheets as a Book: each sheet's used range, read through the Workbook interface (so
unsaved edits count), becomes the same raw grid python-calamine makes of a saved file, and the one reading
pipeline (omxl/io/read: locate, normalize, tables) does the rest. Findings therefore cite the sheet and the
Excel row and column the user sees."""

from __future__ import annotations

from typing import Any

from ..book import Book
from ..config import Config
from ..io.read import read_book
from ..io.read.sniff import ODS, XLSM, XLSX
from ..io.read.sources import ERROR_LITERALS, GridSource, RawSheet
from .interface import Workbook

CONTROL_SHEET = "omxl"


def book_name(workbook: Workbook) -> str:
    """The name findings and messages give the workbook: its file name ('orders.xlsm'), else 'the workbook'."""
    path = workbook.path()
    return path.name if path is not None else "the workbook"


def raw_sheets(workbook: Workbook) -> list[RawSheet]:
    """Every worksheet but the Control sheet, as calamine would have read it from the saved file: a grid from
    A1 (rows above and columns left of the used range are empty), Excel errors blanked and listed by cell."""
    name = book_name(workbook)
    path = workbook.path()
    kind = {".xlsm": XLSM, ".ods": ODS}.get(path.suffix.lower() if path is not None else "", XLSX)
    sheets = []
    for info in workbook.sheets():
        if info.name.casefold() == CONTROL_SHEET:
            continue
        used = workbook.used_range(info.name)
        grid, errors = _grid(used.row, used.column, used.values)
        sheets.append(RawSheet(source=name, sheet=info.name, kind=kind, grid=grid, hidden=info.hidden,
                               omxl_result=info.owned, error_cells=errors))
    return sheets


def read_open_book(workbook: Workbook, *, config: Config) -> Book:
    """The open workbook's tables as a Book (read_book over the grids; NoTablesError without an orders,
    inventory or purchase orders table)."""
    return read_book(GridSource(book_name(workbook), raw_sheets(workbook)), config=config)


def _grid(row: int, column: int, values: list[list[Any]]) -> tuple[list[list[Any]], dict[tuple[int, int], str]]:
    width = column - 1 + max((len(r) for r in values), default=0)
    grid: list[list[Any]] = [[None] * width for _ in range(row - 1)]
    errors: dict[tuple[int, int], str] = {}
    pad = [None] * (column - 1)
    for r, line in enumerate(values, start=row - 1):
        cells = pad + list(line)
        for c, value in enumerate(line, start=column - 1):
            # Read with err_to_str: an error cell arrives as its text, which calamine would have read as a blank
            # and listed among the sheet's error cells.
            if isinstance(value, str) and value in ERROR_LITERALS:
                errors[(r, c)] = value
                cells[c] = None
        grid.append(cells)
    return grid, errors

