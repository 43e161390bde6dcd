"""Result sheets as the open workbook receives them: a ResultSheet or the Summary's FreeSheet (both built by
omxl/presentation) turned into a SheetLayout of plain Python values, ranges with number formats and fills,
widths, links, a frozen header and an autofilter (contract 5.5). The file writers (sheetxml.py, freesheet.py)
make the same choices in XML; this module makes them in cells for omxl/excel/macros.py."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..io.address import column_letter
from ..io.xlsx.freesheet import FreeSheet, sheet_location
from ..io.xlsx.sheetxml import DATE_FORMAT, DATETIME_FORMAT, STYLES, ResultSheet
from .interface import SheetLayout

HEADER_FILL = STYLES["header"]["fill"]
BOLD_STYLES = frozenset(name for name, spec in STYLES.items() if spec.get("bold"))


def sheet_layout(sheet: "ResultSheet | FreeSheet") -> SheetLayout:
    """What to write for one result sheet, from A1."""
    return free_layout(sheet) if isinstance(sheet, FreeSheet) else table_layout(sheet)


def table_layout(sheet: ResultSheet) -> SheetLayout:
    """A table: the labelled header row (bold, filled, wrapped, frozen), the values, one number format per
    column, row fills as one range per run of equal colours, links per linked cell, an autofilter."""
    frame = sheet.frame.reset_index(drop=True)
    n_rows, n_cols = frame.shape
    last_letter = column_letter(max(n_cols, 1) - 1)
    columns = [cell_values(frame.iloc[:, i]) for i in range(n_cols)]
    values = [[literal(name) for name in frame.columns]] + [list(row) for row in zip(*columns)]
    formats = []
    for position, name in enumerate(frame.columns):
        fmt = _column_format(frame.iloc[:, position], sheet.number_formats.get(name))
        if fmt is not None and n_rows:
            letter = column_letter(position)
            formats.append((f"{letter}2:{letter}{n_rows + 1}", fmt))
    fills = [(f"A1:{last_letter}1", HEADER_FILL)] if n_cols else []
    used, index = sheet.fills()
    fills.extend((f"A{start + 2}:{last_letter}{end + 2}", used[colour])
                 for start, end, colour in _runs(index) if colour)
    links = []
    for name, targets in sheet.links.items():
        letter = column_letter(list(frame.columns).index(name))
        links.extend((f"{letter}{row}", target) for row, target in enumerate(targets.tolist(), start=2)
                     if isinstance(target, str) and target)
    widths = tuple(float(sheet.widths.get(name, 12.0)) for name in frame.columns)
    header = (f"A1:{last_letter}1",) if n_cols else ()
    return SheetLayout(values=values, number_formats=tuple(formats), fills=tuple(fills), bold=header,
                       wrap=header, links=tuple(links), widths=widths, freeze_rows=1,
                       autofilter=f"A1:{last_letter}{n_rows + 1}" if n_cols else None)


def free_layout(sheet: FreeSheet) -> SheetLayout:
    """The Summary: single cells, each with its own number format, fill, weight and link; no frozen rows and
    no filter (it reads as a page)."""
    width = max([len(r) for r in sheet.rows] + [len(sheet.widths), 1])
    values: list[list[Any]] = []
    formats, fills, bold, wrap, links = [], [], [], [], []
    for number, row in enumerate(sheet.rows, start=1):
        line: list[Any] = [None] * width
        for position, cell in enumerate(row):
            if cell is None:
                continue
            ref = f"{column_letter(position)}{number}"
            line[position] = cell_value(cell.value)
            if cell.num_format:
                formats.append((ref, cell.num_format))
            elif isinstance(line[position], dt.datetime):
                formats.append((ref, DATE_FORMAT if line[position].time() == dt.time() else DATETIME_FORMAT))
            fill = cell.fill or STYLES.get(cell.style, {}).get("fill", "")
            if fill:
                fills.append((ref, fill))
            if cell.style in BOLD_STYLES:
                bold.append(ref)
            if cell.wrap:
                wrap.append(ref)
            if cell.link:
                links.append((ref, sheet_location(cell.link)))
        values.append(line)
    return SheetLayout(values=values, number_formats=tuple(formats), fills=tuple(fills), bold=tuple(bold),
                       wrap=tuple(wrap), links=tuple(links), widths=tuple(float(w) for w in sheet.widths))


def literal(value: object) -> object:
    """Text as Excel's literal text (apostrophe first): Excel re-types text put into a cell as if typed, so
    '00123' would become 123, '2026-11-27' a date and '=1+1' a formula. Blank text is an empty cell."""
    if not isinstance(value, str):
        return value
    return "'" + value if value else None


def cell_value(value: object) -> object:
    """One value as a cell takes it: None for missing, datetime for dates, float or int for numbers, bool,
    literal text for everything else."""
    if value is None or value is pd.NaT or (not isinstance(value, (str, bytes)) and _missing(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return literal(str(value))


def cell_values(column: pd.Series) -> list[Any]:
    """A column's values as cells take them, typed once per column where the dtype allows."""
    if pd.api.types.is_bool_dtype(column.dtype):
        return [None if pd.isna(v) else bool(v) for v in column.astype(object)]
    if pd.api.types.is_numeric_dtype(column.dtype):
        numbers = column.to_numpy(dtype=float, na_value=np.nan)
        return [float(v) if np.isfinite(v) else None for v in numbers]
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        stamps = column.dt.tz_localize(None) if getattr(column.dt, "tz", None) else column
        return [None if pd.isna(v) else v.to_pydatetime() for v in stamps]
    return [cell_value(v) for v in column.astype(object)]


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _column_format(values: pd.Series, given: str | None) -> str | None:
    """The number format a column's data cells get, as sheetxml.py chooses it: dates keep a date format (with
    the time when a value has one), others the presentation layer's format."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        present = values.dropna()
        has_time = bool(len(present)) and bool((present.dt.normalize() != present).any())
        if given and "yy" in given:
            return DATETIME_FORMAT if has_time and given == DATE_FORMAT else given
        return DATETIME_FORMAT if has_time else DATE_FORMAT
    return given


def _runs(index: np.ndarray) -> Iterable[tuple[int, int, int]]:
    """(first, last, value) of each run of equal values."""
    if not len(index):
        return []
    breaks = np.flatnonzero(np.diff(index)) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks - 1, [len(index) - 1]])
    return [(int(s), int(e), int(index[s])) for s, e in zip(starts, ends)]
