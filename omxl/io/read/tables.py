"""read_book: sources -> Book (contract section 2)."""

from __future__ import annotations

import re

import difflib
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from ...book import Book
from ...cancellations import credit_note_rows
from ...config import Config, load_config, toml_string
from ...errors import ConfigError, NoTablesError, SourceError
from ...findings import apply_severities, concat_findings, findings_frame, message
from ..address import column_letter
from ..heap import TRIM_FROM_ROWS, collection_paused, give_back_free_memory
from ...model import (DTYPES, INT, NUMBER, PROVENANCE, SPLITS, TABLE_BY_NAME, TABLE_NAMES, WORK_TABLES, Column, fold,
                      written_column)
from . import joins
from .locate import Matcher, SheetMatch, locate
from .normalize import ColumnOrigin, apply_values, convert, stripped_texts
from .sniff import CSV
from .sheet_cells import CellGrid, Region
from .sources import FrameSource, RawSheet, iter_sources, open_source, source_name
from .together import Files, deal, first_of_each, for_each_file, split_rows, tagged

LAYOUT_COLUMNS = ("source", "kind", "sheet", "table", "matched_by", "header_row", "rows", "note")
COLUMN_MAP_COLUMNS = ("table", "source", "sheet", "header_row", "header", "column", "letter")


@dataclass
class SheetTable:
    """One table's rows from one sheet, already typed."""

    table: str
    frame: pd.DataFrame
    findings: list[pd.DataFrame] = field(default_factory=list)
    columns: tuple[str, ...] = ()     # the model columns read from the sheet
    layout_entry: dict | None = None  # its row of Book.layout


def read_book(*sources: Any, config: "Config | dict | str | Path | None" = None,
              password: str | None = None, progress: Callable[[str], object] | None = None) -> Book:
    """Read one or more sources into one Book.

    Sources: paths or open files of .xlsx/.xlsm/.xlsb/.xls/.ods/.csv (kind sniffed from
    bytes), or a dict of DataFrames keyed by table name. See docs/workbook-format.md.
    `password` opens password-protected workbooks (default: the OMXL_PASSWORD environment
    variable); see docs/hostile-formats.md. `progress`, when given, is called with the words of each step
    as it starts ("Reading orders.xlsx", one per source); the command line shows them (docs/progress.md).
    """
    with collection_paused():
        return _read_book(sources, config, password, progress)


def _read_book(sources: tuple[Any, ...], config: "Config | dict | str | Path | None", password: str | None,
               progress: Callable[[str], object] | None) -> Book:
    flat = list(iter_sources(sources))
    if not flat:
        raise SourceError("read_book", "no source was given.", "Pass at least one workbook path.")
    first_path = next((s for s in flat if isinstance(s, (str, os.PathLike))), None)
    settings = load_config(config, near=first_path)
    matcher = Matcher.build(settings)
    parts: list[SheetTable] = []
    layout: list[dict] = []
    column_map: list[dict] = []
    names: list[str] = []
    waiting: list[CutSheet] = []   # consecutive sheets of one layout, typed together (together.py)

    def type_waiting() -> None:
        parts.extend(_typed_sheets(waiting, settings, column_map))
        waiting.clear()

    for source in flat:
        if progress is not None:
            progress(f"Reading {source_name(source)}")
        name, items = open_source(source, settings.max_file_mb, password, guard=settings, decimal=settings.decimal)
        names.append(name)
        seen = len(layout)
        for item in items:
            if isinstance(item, FrameSource):
                type_waiting()
                mapped_from = len(column_map)
                part = _frame_part(item, matcher, settings, layout, column_map)
                part.columns = tuple(e["column"] for e in column_map[mapped_from:] if e["column"])
                part.layout_entry = layout[-1]
                parts.append(part)
                continue
            cut = _cut_sheet(item, matcher, settings, layout)
            if cut is None:
                continue
            if waiting and not (cut.stackable and waiting[-1].same_layout(cut)):
                type_waiting()
            waiting.append(cut)
            if not cut.stackable:
                type_waiting()
        notes = [entry["note"] for entry in layout[seen:]]
        if notes and all(n == "empty" or n.startswith(ONLY_ERRORS) for n in notes) and notes.count("empty") < len(notes):
            raise SourceError(name, "every cell with a value holds an Excel error value "
                                    f"({_error_counts(notes)}), so there is no data to read.",
                              "The formulas lost what they refer to (a deleted sheet, column or linked file): "
                              "open it in Excel, fix the formulas or paste the values, save it and try again.")
        if all(entry["note"] == "empty" for entry in layout[seen:]):
            raise SourceError(name, "the file holds no data: every sheet is empty.",
                              "Check that you picked the right file, or export the data again.")
    type_waiting()
    _check_source_maps(settings, layout)
    roles = _roles(parts)
    layout_frame = pd.DataFrame(layout, columns=list(LAYOUT_COLUMNS)).astype({"header_row": "Int64", "rows": "Int64"})
    map_frame = pd.DataFrame(column_map, columns=list(COLUMN_MAP_COLUMNS)).astype({"header_row": "Int64"})
    if not any(p.table in WORK_TABLES for p in parts):
        raise NoTablesError(", ".join(names), _no_tables_problem(layout_frame), _tables_remedy(),
                            layout=layout_frame, column_map=map_frame)
    tables: dict[str, pd.DataFrame] = {}
    join_findings: list[pd.DataFrame] = []
    for name in TABLE_NAMES:
        mine = [p for p in parts if p.table == name]
        headers = [p for p in mine if roles.get(id(p)) == joins.HEADER]
        if headers:
            lines = [p for p in mine if roles.get(id(p)) == joins.LINE]
            whole = [p for p in mine if id(p) not in roles]   # sheets with both header and line columns
            header_frame = pd.concat([p.frame for p in headers], ignore_index=True)
            tables[name], more = joins.join(SPLITS[name], _merge(name, lines), header_frame, map_frame)
            if whole:
                tables[name] = joins.order_columns(name, pd.concat([tables[name], _merge(name, whole)],
                                                                   ignore_index=True))
            join_findings.extend(more)
        else:
            tables[name] = _merge(name, mine)
    if len(tables["shipments"]) == 0 and tables["orders"]["ship_date"].notna().any():
        tables["shipments"] = _shipments_from_orders(tables["orders"])
    findings = concat_findings([*(f for p in parts for f in p.findings), *join_findings])
    findings = apply_severities(_once_per_unknown_column(findings), settings.severities)
    if sum(map(len, tables.values())) >= TRIM_FROM_ROWS:
        del parts, waiting
        give_back_free_memory()   # what reading and typing freed (omxl/io/heap.py)
    return Book(tables=tables, findings=findings, layout=layout_frame, column_map=map_frame,
                config=settings, sources=tuple(names))


def _roles(parts: list[SheetTable]) -> dict[int, str]:
    """Header and line parts of tables exported as header + lines (joined only when both exist). Marks their
    layout rows and drops the missing-column findings the split explains; returns part id -> role."""
    roles: dict[int, str] = {}
    for table, split in SPLITS.items():
        required = set(TABLE_BY_NAME[table].required)
        # A sheet with every required column is a whole table, not lines waiting for a header (model.Split).
        mine = [(p, "" if split.whole_by_required and required <= set(p.columns) else joins.role(split, p.columns))
                for p in parts if p.table == table]
        if not ({r for _, r in mine} >= {joins.HEADER, joins.LINE}):
            continue
        read = {r: {c for p, pr in mine if pr == r for c in p.columns} for r in (joins.HEADER, joins.LINE)}
        for part, part_role in mine:
            if not part_role:
                continue
            roles[id(part)] = part_role
            other = read[joins.LINE if part_role == joins.HEADER else joins.HEADER]
            part.findings = [joins.keep_missing_column(f, part_role, other) for f in part.findings]
            if part.layout_entry is not None:
                part.layout_entry["note"] = (
                    f"{split.header_part}: joined onto the {split.line_part} by {split.key}"
                    if part_role == joins.HEADER else f"{split.line_part}: {split.filled_with} joined by {split.key}")
    return roles


ONLY_ERRORS = "only Excel error values: "


def _error_counts(notes: list[str]) -> str:
    """The error counts of all-error sheets, summed over the file's sheets: '#N/A in 2 cells, #REF! in 6 cells'."""
    totals: dict[str, int] = {}
    for note in notes:
        if note.startswith(ONLY_ERRORS):
            for part in note[len(ONLY_ERRORS):].split(", "):
                error, _, count = part.partition(" in ")
                totals[error] = totals.get(error, 0) + int(count.split()[0].replace(",", ""))
    return ", ".join(f"{e} in {n:,} cell{'s' if n != 1 else ''}" for e, n in sorted(totals.items()))


# --- one sheet -------------------------------------------------------------------------------

@dataclass(eq=False)
class CutSheet:
    """One sheet's table cut out of its grid, blank rows gone, waiting to be typed: alone, or together with the
    sheets before it that share its layout (one pass over all their rows, together.py)."""

    table: str
    headers: list[str]
    canonicals: tuple[str | None, ...]   # what each header maps to
    first_col: int
    cells: np.ndarray | Region           # rows x headers
    errors: list[np.ndarray | None]      # per column: the Excel error each cell shows, or None (None: no error)
    row_numbers: np.ndarray
    source: str
    sheet: str
    kind: str                            # the source's kind (sniff.CSV, ...)
    header_row: int                      # as Excel numbers it
    decimal: str
    matcher: Matcher
    layout_entry: dict
    findings: list[pd.DataFrame]         # found while cutting (blank and malformed rows, formulas, far cells)

    @property
    def stackable(self) -> bool:
        # omxl's own reader hands over arrays with each cell's class: those are typed as they are.
        return not isinstance(self.cells, Region)

    def same_layout(self, other: "CutSheet") -> bool:
        return (self.table, self.headers, self.canonicals, self.first_col, self.header_row, self.decimal,
                self.kind) == (other.table, other.headers, other.canonicals, other.first_col, other.header_row,
                               other.decimal, other.kind)


def _cut_sheet(sheet: RawSheet, matcher: Matcher, settings: Config, layout: list) -> CutSheet | None:
    base = {"source": sheet.source, "kind": sheet.kind, "sheet": sheet.sheet}
    if sheet.omxl_result:
        layout.append({**base, "table": "", "matched_by": "", "note": "omxl result sheet, skipped"})
        return None
    if sheet.hidden and not settings.read_hidden_sheets:
        layout.append({**base, "table": "", "matched_by": "", "note": "hidden sheet, skipped"})
        return None
    if sheet.error_cells and not any(any(v not in ("", None) for v in r) for r in sheet.grid):
        # calamine reads error cells as blanks: a sheet of nothing but #REF! is neither "empty" to its owner nor
        # a table with missing columns (even when its name says Orders). any() stops at the first real value.
        counts = pd.Series(list(sheet.error_cells.values())).value_counts(sort=False)
        note = ONLY_ERRORS + ", ".join(f"{error} in {n:,} cell{'s' if n != 1 else ''}"
                                       for error, n in sorted(counts.items()))
        layout.append({**base, "table": "", "matched_by": "", "note": note})
        return None
    matcher = matcher.for_source(sheet.source, sheet.sheet)
    sheet_match = locate(sheet, matcher)
    if sheet_match is None:
        note = "empty" if not any(any(v not in ("", None) for v in r) for r in sheet.grid[:50]) else "not recognised"
        layout.append({**base, "table": "", "matched_by": "", "note": note})
        return None
    header_cells, data, first_col = _cut(sheet, sheet_match)
    first_data = sheet_match.header_row + 1
    count = data.n_rows if isinstance(data, Region) else len(data)
    row_numbers = np.array(sheet.row_numbers[first_data:first_data + count], dtype=np.int64) \
        if sheet.row_numbers is not None else np.arange(first_data + 1, first_data + 1 + count, dtype=np.int64)
    headers = [_header_text(h, first_col + i) for i, h in enumerate(header_cells)]
    width = len(headers)
    findings: list[pd.DataFrame] = []
    if sheet.kind == CSV:
        data, long_rows = _square(data, width)
        if long_rows:
            findings.append(_malformed(sheet, sheet_match.table, long_rows, row_numbers, width))
    if isinstance(data, Region):   # omxl's own .xlsx reader: the cells as arrays, never a grid of objects
        grid = data
        keep, blank_rows = _kept_rows(data.filled_rows())
        data.keep(keep)
    else:
        grid = np.empty((len(data), width), dtype=object)
        if len(data):
            grid[:, :] = np.array(data, dtype=object).reshape(len(data), -1)[:, :width]
        keep, blank_rows = _non_blank_rows(grid)
        grid = grid[keep]
    if len(blank_rows):
        findings.append(findings_frame(
            "blank-row", table=sheet_match.table, source=sheet.source, sheet=sheet.sheet,
            rows=row_numbers[blank_rows], letter=column_letter(first_col),
            messages=[message("blank-row", row=r) for r in row_numbers[blank_rows]]))
    row_numbers = row_numbers[keep]
    data_index = sheet_match.header_row + 1 + np.flatnonzero(keep)
    errors = _error_masks(sheet, data_index, first_col, width)
    layout.append({**base, "table": sheet_match.table, "matched_by": sheet_match.matched_by,
                   "header_row": sheet.row_number(sheet_match.header_row), "rows": len(row_numbers), "note": ""})
    if sheet.formula_cells:
        findings.extend(_formula_findings(sheet, sheet_match.table, data_index, row_numbers, first_col, headers))
    if sheet.far_cells:
        first = sheet.far_cells[0]
        findings.append(findings_frame(
            "far-cells-left-out", table=sheet_match.table, source=sheet.source, sheet=sheet.sheet,
            rows=int(re.sub(r"^[A-Z]+", "", first)), letter=re.sub(r"\d+$", "", first), values=first,
            count=len(sheet.far_cells),
            messages=message("far-cells-left-out", count=f"{len(sheet.far_cells):,}", value=first)))
    # Not the RawSheet itself: its rows are not needed any more while the sheet waits for the ones after it.
    return CutSheet(sheet_match.table, headers, tuple(matcher.columns(sheet_match.table, headers)), first_col, grid,
                    errors, row_numbers, sheet.source, sheet.sheet, sheet.kind,
                    sheet.row_number(sheet_match.header_row),
                    sheet.decimal if sheet.kind == CSV else settings.decimal or ".", matcher, layout[-1], findings)


def _typed_sheets(cuts: list[CutSheet], settings: Config, column_map: list) -> list[SheetTable]:
    """The sheets' columns typed, in one pass when there are several (same layout): a part per sheet, with
    its own rows and findings, as when typed alone."""
    if not cuts:
        return []
    one = cuts[0]
    several = len(cuts) > 1
    files = Files.of([len(c.row_numbers) for c in cuts], [c.source for c in cuts],
                     [c.sheet for c in cuts]) if several else None
    # The grid itself, not one Series per column: a sheet may have 16,384 columns, most of them unknown.
    cells = np.concatenate([c.cells for c in cuts]) if several else one.cells
    errors = [_stacked_errors(e, cuts) for e in zip(*(c.errors for c in cuts))] if several else one.errors
    row_numbers = np.concatenate([c.row_numbers for c in cuts]) if several else one.row_numbers
    mapped_from = len(column_map)
    frame, more = _type_columns(
        one.table, one.headers, cells, [one.first_col + i for i in range(len(one.headers))], errors, row_numbers,
        one.source, one.sheet, one.kind != CSV, one.matcher, settings, column_map,
        one.header_row, decimal=one.decimal, files=files)
    columns = tuple(e["column"] for e in column_map[mapped_from:mapped_from + len(one.headers)] if e["column"])
    if files is None:
        frames, typing_findings = [frame], [more]
    else:
        frames = split_rows(frame, files, [c for c in frame.columns if c in _written_names()])
        typing_findings = deal(more, len(files))
    return [SheetTable(c.table, part, c.findings + found, columns, c.layout_entry)
            for c, part, found in zip(cuts, frames, typing_findings)]


@functools.cache
def _written_names() -> frozenset[str]:
    return frozenset(written_column(c) for t in TABLE_BY_NAME.values() for c in t.column_names)


def _formula_findings(sheet: RawSheet, table: str, data_index: np.ndarray, row_numbers: np.ndarray,
                      first_col: int, headers: list[str]) -> list[pd.DataFrame]:
    """One `formula-without-value` finding per cell of the table that holds a formula no program has
    calculated: its value is unknown (calamine reads a blank), so it must not pass for a blank cell."""
    position = {r: i for i, r in enumerate(data_index)}
    found = sorted((position[r], c, f) for (r, c), f in sheet.formula_cells.items()
                   if r in position and first_col <= c < first_col + len(headers))
    frames = []
    for c in sorted({c for _, c, _ in found}):
        cells = [(i, f) for i, col, f in found if col == c]
        frames.append(findings_frame(
            "formula-without-value", table=table, source=sheet.source, sheet=sheet.sheet,
            rows=[row_numbers[i] for i, _ in cells], column=headers[c - first_col], letter=column_letter(c),
            values=[f for _, f in cells], messages=[message("formula-without-value", value=f) for _, f in cells]))
    return frames


def _cut(sheet: RawSheet, sheet_match: SheetMatch) -> tuple[list, list[list] | Region, int]:
    header = list(sheet.grid[sheet_match.header_row])
    first = sheet_match.first_col
    last = sheet_match.last_col if sheet_match.last_col is not None else len(header) - 1
    while last >= first and str(header[last] if header[last] is not None else "").strip() == "" and \
            not _column_has_data(sheet.grid, sheet_match.header_row + 1, last):
        last -= 1
    while first <= last and str(header[first] if header[first] is not None else "").strip() == "" and \
            not _column_has_data(sheet.grid, sheet_match.header_row + 1, first):
        first += 1
    end = sheet_match.last_row + 1 if sheet_match.last_row is not None else len(sheet.grid)
    if isinstance(sheet.grid, CellGrid):
        return header[first:last + 1], Region(sheet.grid, sheet_match.header_row + 1, end, first, last), first
    rows = sheet.grid[sheet_match.header_row + 1:end]
    if sheet.kind == CSV:
        data = [r[first:] for r in rows] if first else rows
    else:
        data = [r[first:last + 1] for r in rows] if (first or last + 1 < len(header)) else rows
    return header[first:last + 1], data, first


def _column_has_data(grid: list[list] | CellGrid, start: int, col: int) -> bool:
    if isinstance(grid, CellGrid):
        return grid.column_has_data(start, col)
    return any(len(r) > col and r[col] not in ("", None) for r in grid[start:])


def _header_text(value: object, col: int) -> str:
    if value is None or str(value).strip() == "":
        return f"Column {column_letter(col)}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _square(rows: list[list], width: int) -> tuple[list[list], dict[int, list]]:
    """Pad short CSV records; cut long ones to the header width and remember what was cut."""
    if set(map(len, rows)) <= {width}:   # the usual file: every record as wide as the header, nothing to do
        return rows, {}
    long_rows: dict[int, list] = {}
    squared = []
    for index, record in enumerate(rows):
        if len(record) == width:
            squared.append(record)
        elif len(record) < width:
            squared.append(record + [""] * (width - len(record)))
        else:
            long_rows[index] = record[width:]
            squared.append(record[:width])
    return squared, long_rows


def _malformed(sheet: RawSheet, table: str, long_rows: dict[int, list], row_numbers: np.ndarray,
               width: int) -> pd.DataFrame:
    positions = np.array(sorted(long_rows))
    rows = row_numbers[positions]
    whats = [f"Line {r} has {width + len(long_rows[p])} fields but the header has {width}; the extra "
             f"{len(long_rows[p])} ({', '.join(map(repr, long_rows[p]))}) were left out and the values after an "
             f"unquoted comma may be shifted. Quote text that contains the delimiter."
             for p, r in zip(positions, rows)]
    return findings_frame("malformed-row", table=table, source=sheet.source, sheet=sheet.sheet, rows=rows,
                          values=[",".join(long_rows[p]) for p in positions],
                          messages=[message("malformed-row", what=w) for w in whats])


def _non_blank_rows(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep mask, and the positions of blank rows that lie between data rows (trailing ones go silently)."""
    if grid.size == 0:
        return np.ones(len(grid), dtype=bool), np.array([], dtype=np.int64)
    blank = np.ones(len(grid), dtype=bool)
    for i in range(grid.shape[1]):
        candidates = np.flatnonzero(blank)
        if not len(candidates):
            break
        column = grid[candidates, i]
        blank[candidates] = (column == "") | pd.isna(column)
    return _kept_rows(~blank)


def _kept_rows(filled_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep mask and interior blank rows from which rows hold something."""
    blank = ~filled_rows
    filled = np.flatnonzero(~blank)
    last = filled[-1] if len(filled) else -1
    interior = np.flatnonzero(blank[: last + 1])
    return ~blank, interior


def _error_masks(sheet: RawSheet, data_index: np.ndarray, first_col: int, width: int) -> list[np.ndarray | None]:
    """Per column: the error text of each error cell, None elsewhere; None for a column without an error cell."""
    masks: list[np.ndarray | None] = [None] * width
    if sheet.error_cells:
        # data_index is increasing: each error cell's row is found by a binary search, not a dict of every row
        cells = list(sheet.error_cells.items())
        rows = np.array([r for (r, _), _ in cells], dtype=np.int64)
        at = np.minimum(np.searchsorted(data_index, rows), max(len(data_index) - 1, 0))
        found = (data_index[at] == rows) if len(data_index) else np.zeros(len(rows), dtype=bool)
        for ((_, c), shown), hit, i in zip(cells, found, at):
            if hit and first_col <= c < first_col + width:
                if masks[c - first_col] is None:
                    masks[c - first_col] = np.full(len(data_index), None, dtype=object)
                masks[c - first_col][i] = shown
    return masks


def _stacked_errors(masks: tuple[np.ndarray | None, ...], cuts: list[CutSheet]) -> np.ndarray | None:
    """One column's error masks of sheets typed together, stacked (None when none of them has an error)."""
    if all(mask is None for mask in masks):
        return None
    return np.concatenate([np.full(len(cut.row_numbers), None, dtype=object) if mask is None else mask
                           for mask, cut in zip(masks, cuts)])


# --- one DataFrame -----------------------------------------------------------------------------

def _frame_part(item: FrameSource, matcher: Matcher, settings: Config, layout: list, column_map: list) -> SheetTable:
    table = matcher.table_for_name(item.name)
    if table is None:
        raise SourceError(f"dict key '{item.name}'", "is not a table name.",
                          f"Key the DataFrames by one of: {', '.join(TABLE_NAMES)}.")
    frame = item.frame
    headers = [_header_text(h, i) for i, h in enumerate(frame.columns)]
    row_numbers = np.arange(2, len(frame) + 2, dtype=np.int64)
    columns = {h: pd.Series(frame.iloc[:, i].astype(object).to_numpy()) for i, h in enumerate(headers)}
    errors: list[np.ndarray | None] = [None] * len(headers)
    layout.append({"source": item.name, "kind": "DataFrame", "sheet": "", "table": table,
                   "matched_by": "dict key", "header_row": 1, "rows": len(frame), "note": ""})
    typed, findings = _type_columns(table, headers, columns, list(range(len(headers))), errors, row_numbers,
                                    item.name, "", True, matcher, settings, column_map, 1)
    return SheetTable(table, typed, findings)


# --- typing the columns of one part ----------------------------------------------------------

def _type_columns(table: str, headers: list[str], columns: dict[str, pd.Series] | np.ndarray | Region,
                  col_numbers: list[int],
                  errors: list[np.ndarray | None], row_numbers: np.ndarray, source: str, sheet: str,
                  typed_source: bool, matcher: Matcher, settings: Config, column_map: list,
                  header_row: int, decimal: str = ".",
                  files: Files | None = None) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """The table's columns typed, with their findings. `files`: the rows are several files' of this one layout,
    stacked (together.py); `source` and `sheet` are then the first file's, and each finding names its own file."""
    spec = TABLE_BY_NAME[table]
    map_entries: list[dict] = []

    def each_file(frame: pd.DataFrame) -> pd.DataFrame:   # a finding about the layout: one per file
        return frame if files is None else for_each_file(frame, files)

    out: dict[str, pd.Series] = {}
    unknown: dict[str, None] = {}   # names of the columns carried through untyped
    findings: list[pd.DataFrame] = []
    used: dict[str, str] = {}
    unknown_headers: list[tuple[str, str, int]] = []   # header, letter, index among the unknown columns
    unknown_positions: list[int] = []
    written: dict[str, pd.Series | None] = {}   # canonical -> its coded cells as written ([values])

    def raw_column(position: int, header: str, numbers_apart: bool = False) -> pd.Series:
        if isinstance(columns, Region):
            return pd.Series(columns.values(position, numbers_apart), dtype=object, copy=False)   # a new array
        if isinstance(columns, np.ndarray):   # the sheet's grid, by position: two columns may carry the same header
            return pd.Series(columns[:, position])
        raw = columns[header] if header in columns else pd.Series(dtype=object)
        return pd.Series(list(raw), dtype=object) if not isinstance(raw, pd.Series) else raw

    canonicals = matcher.columns(table, headers)
    for position, header in enumerate(headers):
        letter = column_letter(col_numbers[position])
        canonical = canonicals[position]
        duplicate = bool(canonical) and canonical in used
        map_entries.append({"table": table, "source": source, "sheet": sheet, "header_row": header_row,
                            "header": header, "column": "" if duplicate else canonical or "", "letter": letter})
        if duplicate:
            findings.append(each_file(findings_frame(
                "duplicate-column", table=table, source=source, sheet=sheet, rows=[header_row], column=header,
                letter=letter, values=[header],
                messages=[message("duplicate-column", column=header, what=f"'{canonical}' (first: '{used[canonical]}')")])))
        if duplicate or canonical is None:
            # Carried through untyped; blanked all at once below (thousands of columns are one array operation).
            unknown[_free_name(header, out, unknown)] = None
            unknown_positions.append(position)
            if not duplicate:
                unknown_headers.append((header, letter, len(unknown_positions) - 1))
            continue
        used[canonical] = header
        origin = ColumnOrigin(table, source, sheet, header, letter, typed_source, decimal, files)
        codes = settings.values.get(table, {}).get(canonical)
        # From omxl's own reader: each cell's class, text code and object code, so that typing goes per distinct
        # text and date; a number column's numbers as one float64 array, not an object per cell.
        own_reader = isinstance(columns, Region)
        numbers_apart = own_reader and spec.column(canonical).kind in (NUMBER, INT) and not codes
        raw = raw_column(position, header, numbers_apart)
        classes, text_codes, object_codes = columns.hints(position) if own_reader else (None, None, None)
        numbers = columns.numbers(position) if numbers_apart else None
        if codes:
            raw, written[canonical] = apply_values(raw, spec.column(canonical), codes)
            if written[canonical] is not None:
                classes = text_codes = object_codes = None   # some cells now hold the words: classified again
        out[canonical], more = convert(raw, spec.column(canonical), origin, row_numbers, errors[position], settings,
                                       classes=classes, text_codes=text_codes, object_codes=object_codes,
                                       numbers=numbers)
        findings.extend(more)
    block = _unknown_block([raw_column(p, headers[p]) for p in unknown_positions] if isinstance(columns, dict)
                           else columns.block(unknown_positions) if isinstance(columns, Region)
                           else columns[:, unknown_positions], len(row_numbers), settings)
    if unknown_headers:
        unknown_found = _unknown_columns(table, unknown_headers, block, out, source, sheet, header_row, files)
        if len(unknown_found):
            findings.append(unknown_found)
    for column in spec.required:
        if column not in out:
            findings.append(each_file(findings_frame(
                "missing-column", table=table, source=source, sheet=sheet, rows=[header_row], column=column,
                values=[""], messages=[message("missing-column", table=table, column=column,
                                               fix=_missing_column_fix(spec.column(column), table))])))
    index = pd.RangeIndex(len(row_numbers))
    frame = pd.DataFrame(out, index=index)
    for canonical, cells in written.items():
        if cells is not None:   # kept beside the column, so that a finding about such a cell shows the code
            frame[written_column(canonical)] = cells.set_axis(index)
    if unknown:
        frame = pd.concat([frame, pd.DataFrame(block, columns=list(unknown), index=index, dtype=object)], axis=1)
    if files is None:
        frame["source"] = _repeated_text(source, len(frame))
        frame["sheet"] = _repeated_text(sheet, len(frame))
    else:
        frame["source"] = pd.Series(files.sources[files.of_row], dtype="string[python]")
        frame["sheet"] = pd.Series(files.sheets[files.of_row], dtype="string[python]")
    frame["row"] = row_numbers
    if table == "orders":
        frame = _default_line_numbers(frame, files)
        if settings.cancelled_order_pattern and "order_id" in frame:
            frame, more = _cancelled_by_pattern(frame, settings.cancelled_order_pattern, used["order_id"],
                                                column_letter(col_numbers[headers.index(used["order_id"])]),
                                                source, sheet, files)
            findings.extend(more)
    for file in range(1 if files is None else len(files)):
        column_map.extend(map_entries if files is None else
                          [{**e, "source": files.sources[file], "sheet": files.sheets[file]} for e in map_entries])
    return frame, findings


def _repeated_text(text: str, n: int) -> pd.Series:
    """A column of text (string[python]) that is `text` in each of `n` rows, one string object for all."""
    values = np.empty(n, dtype=object)
    values[:] = text
    return pd.Series(values, dtype="string[python]")


def _unknown_columns(table: str, unknown_headers: list[tuple[str, str, int]], block: np.ndarray,
                     out: dict[str, pd.Series], source: str, sheet: str, header_row: int,
                     files: Files | None) -> pd.DataFrame:
    """The unknown-column findings, one frame for all of them (a sheet may have thousands of columns, up to
    16,384); per file when files are typed together. "Column 7" is a header omxl made up for a blank header
    cell: reported only when its column holds data."""
    spec = TABLE_BY_NAME[table]
    positions = [i for _, _, i in unknown_headers]
    filled = pd.notna(block[:, positions]) if len(positions) else np.zeros((len(block), 0), dtype=bool)
    present = (filled.any(axis=0)[None, :] if files is None else files.any_per_file(filled)) if len(block) else \
        np.zeros((1 if files is None else len(files), len(positions)), dtype=bool)
    made_up = np.array([h.startswith("Column ") for h, _, _ in unknown_headers], dtype=bool)
    shown = present | ~made_up   # file x unknown column
    of_finding, which = np.nonzero(shown)
    names = [unknown_headers[i][0] for i in which]
    # The lines to map one of them name a column the sheet does not have yet, so that they load and read.
    example = next((c for c in spec.column_names if c not in out), spec.column_names[0])
    frame = findings_frame(
        "unknown-column", table=table, source=source, sheet=sheet, rows=[header_row] * len(names),
        values=names, messages=[message("unknown-column", column=h, table=table, header=toml_string(h),
                                        example=example) for h in names])
    frame["column"] = names
    frame["cell"] = [f"{unknown_headers[i][1]}{header_row}" for i in which]
    return frame if files is None else tagged(frame, files, of_finding)


def _cancelled_by_pattern(frame: pd.DataFrame, pattern: str, header: str, letter: str, source: str,
                          sheet: str, files: Files | None = None) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Lines whose order number marks a cancellation (cancelled_order_pattern) and that have no status: one
    finding per file that has any."""
    if "status" not in frame:
        frame.insert(frame.columns.get_loc("order_id") + 1, "status", pd.Series(pd.NA, index=frame.index,
                                                                                dtype="string[python]"))
    hit = credit_note_rows(frame, pattern) & frame["status"].isna().to_numpy()
    if not hit.any():
        return frame, []
    frame.loc[hit, "status"] = "cancelled"
    positions = np.flatnonzero(hit)
    firsts, counts = first_of_each(files, positions)
    rows = frame["row"].to_numpy()[positions[firsts]]
    examples = frame["order_id"].to_numpy()[positions[firsts]]
    whats = [f"{count:,} line{'s' if count != 1 else ''} read as cancelled because the order number in '{header}' "
             f"matches cancelled_order_pattern '{pattern}' (first at {letter}{row}: '{example}')."
             for count, row, example in zip(counts.tolist(), rows, examples)]
    found = findings_frame("normalized-value", table="orders", source=source, sheet=sheet, rows=rows,
                           column=header, letter=letter, values=list(examples),
                           messages=[message("normalized-value", what=w) for w in whats], count=counts.tolist())
    return frame, [found if files is None else tagged(found, files, files.of_row[positions[firsts]])]


def _unknown_block(columns: np.ndarray | list[pd.Series], n_rows: int, settings: Config) -> np.ndarray:
    """The unknown columns (rows x columns, objects) with blanks and null_values as None (contract 2.4: any cell
    holding only such a text is blank), in one pass over all of them."""
    if isinstance(columns, list):
        columns = (np.column_stack([np.asarray(c, dtype=object) for c in columns]) if columns and n_rows
                   else np.empty((n_rows, len(columns)), dtype=object))
    flat = columns.ravel()
    # Each distinct value looked at once: a description column repeats a few thousand texts. (Equal values share
    # a slot, 1 and 1.0 too, and so do the missing ones: none of that changes what is blank.)
    codes, distinct = pd.factorize(flat, use_na_sentinel=False)
    distinct = pd.Series(np.asarray(distinct, dtype=object), dtype=object)
    nulls = distinct.isin(["", None, *settings.null_values]).to_numpy(dtype=bool, copy=True)
    if settings.null_values and len(distinct):
        text = np.flatnonzero([isinstance(v, str) for v in distinct.tolist()])
        if len(text):
            nulls[text] |= stripped_texts(distinct.iloc[text]).isin(settings.null_values).to_numpy(dtype=bool)
    return np.where(nulls[codes], None, flat).reshape(columns.shape)


@functools.cache
def _reserved_names() -> frozenset[str]:
    names = {c for t in TABLE_BY_NAME.values() for c in t.column_names}
    return frozenset(PROVENANCE) | names | {written_column(c) for c in names}


def _free_name(header: str, *taken: dict) -> str:
    reserved = _reserved_names()
    name, n = header, 1
    while name in reserved or any(name in t for t in taken):
        n += 1
        name = f"{header} ({n})"
    return name


YOUR_HEADER = "Your header"


def _missing_column_fix(column: Column, table: str) -> str:
    examples = ", ".join(f"'{a}'" for a in column.aliases[:3])
    return (f"Add a column headed {examples}, or map the header you have to it in omxl.toml with these lines, "
            f"writing your header in place of {YOUR_HEADER}:\n{columns_lines(table, column.name)}")


def columns_lines(table: str, column: str) -> str:
    """The exact lines of omxl.toml that map a header (YOUR_HEADER, for the user to replace) to `column`."""
    return f"[columns.{table}]\n{toml_string(YOUR_HEADER)} = {toml_string(column)}"


def _default_line_numbers(frame: pd.DataFrame, files: Files | None = None) -> pd.DataFrame:
    """Contract: line defaults to the position within the order (within its file's rows)."""
    if "order_id" not in frame:
        return frame
    keys = frame["order_id"] if files is None else [pd.Series(files.of_row, index=frame.index), frame["order_id"]]
    if "line" not in frame:
        frame.insert(1, "line", (frame.groupby(keys, dropna=False, sort=False).cumcount() + 1).astype("Int64"))
        return frame
    blank = frame["line"].isna()
    if blank.any():
        position = frame.groupby(keys, dropna=False, sort=False).cumcount() + 1
        frame.loc[blank, "line"] = position[blank].astype("Int64")
    return frame


# --- merging parts into tables ---------------------------------------------------------------

def _merge(table: str, parts: list[SheetTable]) -> pd.DataFrame:
    spec = TABLE_BY_NAME[table]
    frames = [p.frame for p in parts if len(p.frame.columns)]
    merged = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(index=pd.RangeIndex(0))
    for column in spec.columns:
        dtype = DTYPES[column.kind]
        if column.name not in merged:
            merged[column.name] = pd.Series(index=merged.index, dtype=dtype)
        elif merged[column.name].dtype != dtype:
            merged[column.name] = merged[column.name].astype(dtype)
    for column, dtype in (("source", "string[python]"), ("sheet", "string[python]"), ("row", "Int64")):
        if column not in merged:
            merged[column] = pd.Series(index=merged.index, dtype=dtype)
    if table == "inventory":
        merged["location"] = merged["location"].fillna("MAIN")
    known = {*spec.column_names, *PROVENANCE}   # a set once: a sheet may carry thousands of extra columns
    extra = [c for c in merged.columns if c not in known]
    ordered = merged[[*spec.column_names, *extra, *PROVENANCE]]
    # assign, not astype({...}): astype with a dict copies every column one by one (16,384 columns take seconds).
    return ordered.assign(row=ordered["row"].astype("int64")) if not ordered["row"].isna().any() else ordered


def _shipments_from_orders(orders: pd.DataFrame) -> pd.DataFrame:
    """Contract 2.3: without a shipments table, shipped order lines are the shipments."""
    shipped = orders[orders["ship_date"].notna()]
    frame = pd.DataFrame({
        "shipment_id": pd.Series(pd.NA, index=shipped.index, dtype="string[python]"),
        "order_id": shipped["order_id"], "line": shipped["line"], "sku": shipped["sku"],
        "qty": shipped["shipped_qty"].fillna(shipped["qty"]), "ship_date": shipped["ship_date"],
        "carrier": shipped["carrier"], "tracking_number": shipped["tracking_number"],
        "delivered_date": shipped["delivered_date"],
        "source": shipped["source"], "sheet": shipped["sheet"], "row": shipped["row"],
    })
    return frame.reset_index(drop=True)


def _check_source_maps(settings: Config, layout: list[dict]) -> None:
    """A [columns] key that is not a table names a file or sheet (Matcher.for_source). One that names none of the
    files and sheets read and is a near miss of a table name is a typo of that table ([columns.order]): said as a
    settings error, since otherwise its map would silently do nothing. Other unmatched keys stay quiet: one
    omxl.toml may serve runs over different files."""
    read = {fold(name) for entry in layout for name in (entry["source"], Path(str(entry["source"])).stem,
                                                         entry["sheet"]) if name}
    tables = {fold(name): name for name in TABLE_NAMES}
    for key in settings.columns:
        if key in TABLE_BY_NAME or fold(key) in read:
            continue
        near = difflib.get_close_matches(fold(key), list(tables), n=1, cutoff=0.8)
        if near:
            raise ConfigError(
                f"setting 'columns.{key}': no table is called '{key}' and no file or sheet read has that name. "
                f"Did you mean [columns.{tables[near[0]]}]? A map for one file or sheet names it as it is "
                "(docs/configuration.md).")


def _once_per_unknown_column(findings: pd.DataFrame) -> pd.DataFrame:
    unknown = findings["code"] == "unknown-column"
    repeated = unknown & findings.duplicated(subset=["code", "table", "column"])
    return findings[~repeated].reset_index(drop=True)


# --- the "nothing to work on" message ------------------------------------------------------------

def _no_tables_problem(layout: pd.DataFrame) -> str:
    found = [f"{r.sheet or r.source} ({r.table or r.note})" for r in layout.itertuples()]
    return ("no orders, inventory or purchase orders table was found"
            + (f"; found: {', '.join(found)}." if found else "."))


def _tables_remedy() -> str:
    names = []
    for table in WORK_TABLES:
        spec = TABLE_BY_NAME[table]
        names.append(f"'{spec.aliases[0]}' ({', '.join(spec.required)})")
    return (f"Name a sheet {', '.join(names[:-1])} or {names[-1]}, or give it a header row with those columns; "
            f"or map your headers in omxl.toml with lines such as these, writing each header as you have it in "
            f"place of {YOUR_HEADER}:\n{columns_lines('orders', 'order_id')}")
