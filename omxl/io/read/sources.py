"""Open each source and hand back its sheets as raw grids of cell values.

Workbooks are read with python-calamine (fast, typed cells, dates already
converted). Calamine reads error cells (#N/A, #REF!, ...) as blanks, so for
.xlsx/.xlsm their addresses are taken from the sheet XML (unzipped once for both;
where omxl's own scan read the sheet, the patterns run only at the cells it saw
typed t="e" and at the formula tags it saw) and, for .ods, from content.xml.
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import os
import re
import struct
import threading
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

import pandas as pd
import python_calamine as calamine

from ...config import Config
from ...errors import SourceError
from ..address import column_index
from ..deflate import read_member
from ..heap import TRIM_FROM, give_back_free_memory
from ..xlsx import package
from .encrypted import HOW_TO_PASS, PROTECTED, decrypt, needs_password, resolve_password
from .guards import (DAMAGED_FIX, ZIP_DAMAGE, check_ods_cells, check_zip, far_cells_trimmed, remedy_setting,
                     replace_part, scanned_extent_fits)
from .ods_errors import ods_cell_marks, ods_error_cells
from .outline import Tables, Worksheet, outline
from .sheet_cells import CellGrid
from .sheet_tags import big_enough, warm_up
from .sheet_xml import BookStrings, BookStyles, Marked, book_strings, book_styles, read_sheet
from .sniff import CSV, ODS, XLS, XLSB, XLSM, XLSX, ZIP_MAGIC, sniff
from .xlsb_errors import xlsb_error_cells


ERROR_LITERALS = frozenset(
    {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
     "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#N/A!", "Err:502", "Err:504"}
)


@dataclass
class RawSheet:
    """One sheet (or CSV file) as read: values by row, with what is known about its cells. A sheet read by
    omxl's own .xlsx reader has a CellGrid: rows made on demand, its cells as arrays (grid.cells)."""

    source: str
    sheet: str
    kind: str
    grid: list[list[Any]] | CellGrid
    hidden: bool = False
    # A result sheet omxl wrote into this workbook earlier (never read back as input).
    omxl_result: bool = False
    # Excel tables (ListObjects) on this sheet: name -> (header row, first col, last col, last row), 0-based.
    tables: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    # 0-based (row, col) of error cells -> the error as Excel shows it (#N/A, #REF!, ...).
    error_cells: dict[tuple[int, int], str] = field(default_factory=dict)
    # Excel row number (or CSV line number) of each grid row; None means index + 1.
    row_numbers: list[int] | None = None
    # Decimal separator of numbers written as text: "," for a CSV whose numbers say so (or the configuration).
    decimal: str = "."
    # How a CSV's bytes were decoded ("utf-8", "utf-8 (BOM)", "utf-16", "cp1252"), for the layout and the docs.
    encoding: str = ""
    # 0-based (row, col) -> formula of cells that hold a formula but no value Excel calculated (files written by
    # programs that never calculate); calamine reads them as blanks, so they are taken from the sheet XML.
    formula_cells: dict[tuple[int, int], str] = field(default_factory=dict)
    far_cells: list[str] = field(default_factory=list)   # A1 refs of stray cells far from the data, left out

    def row_number(self, index: int) -> int:
        return self.row_numbers[index] if self.row_numbers is not None else index + 1


@dataclass
class FrameSource:
    """A table handed over as a DataFrame (the dict-of-DataFrames source)."""

    name: str
    frame: pd.DataFrame


@dataclass
class GridSource:
    """Sheets already read as grids by someone else: the open workbook of an Excel macro (omxl/excel/grids.py).
    `name` is the workbook's file name, as findings and the layout show it."""

    name: str
    sheets: list[RawSheet]


def open_source(source: Any, max_file_mb: float,
                password: str | None = None, guard: Any = None,
                decimal: str | None = None) -> tuple[str, Iterable[RawSheet] | list[FrameSource]]:
    """Open one source. Returns (display name, its sheets in order). `password` (or OMXL_PASSWORD) opens a
    password-protected workbook. `guard` is the Config whose zip limits are checked before any parser sees a
    package (the defaults when None). `decimal` is the configured decimal separator of CSV numbers (None:
    decided per file)."""
    if isinstance(source, dict):
        return "dict", [FrameSource(str(k), v) for k, v in source.items()]
    if isinstance(source, GridSource):
        return source.name, source.sheets
    name, data = read_bytes(source, max_file_mb)
    if needs_password(data):
        data = decrypt(name, data, resolve_password(password))
    if guard is None:
        guard = Config()
    if data.startswith(ZIP_MAGIC):
        check_zip(data, name, guard)
    kind = sniff(data, name)
    if kind == CSV:
        return name, [_read_csv(name, data, decimal)]
    return name, _read_workbook(name, data, kind, guard.max_sheet_cells)


def source_name(source: Any) -> str:
    """The name a progress display gives `source` before it is opened: the file name (as open_source names
    it once read), or what was handed over."""
    if isinstance(source, dict):
        return "the tables given as DataFrames"
    if isinstance(source, GridSource):
        return source.name
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    return Path(str(getattr(source, "name", "<stream>"))).name


def read_bytes(source: Any, max_file_mb: float) -> tuple[str, bytes]:
    """The name and bytes of a path or an open file, or SourceError: not found, a folder, too large, no
    permission. Reading many workbooks on machines that do not share the files reads each here first
    (omxl/consolidation/reading.py), so those failures are worded as when the workbook is read by its path."""
    limit = int(max_file_mb * 1024 * 1024)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = path.name
        if not path.exists():
            raise SourceError(str(path), "file not found.", "Check the path and the file name.")
        if path.is_dir():
            raise SourceError(str(path), "this is a folder, not a file.", "Name the workbook inside it.")
        size = path.stat().st_size
        if size > limit:
            raise SourceError(name, f"the file is too large ({size / 2**20:,.0f} MB; the limit is "
                                    f"{max_file_mb:,.0f} MB).",
                              "Split it, or, if the machine has the memory, "
                              + remedy_setting("max_file_mb", size / 2**20).replace("If the file", "if the file"))
        try:
            return name, path.read_bytes()
        except PermissionError:
            raise SourceError(name, "permission denied while reading the file.",
                              "Close it in other programs or ask for read access, then try again.") from None
    if hasattr(source, "read"):
        name = Path(str(getattr(source, "name", "<stream>"))).name
        data = source.read(limit + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
        if len(data) > limit:
            raise SourceError(name, f"the stream is larger than {max_file_mb:,.0f} MB.",
                              "Split it, or " + remedy_setting("max_file_mb", len(data) / 2**20)
                              .replace("If the file", "if the file"))
        return name, bytes(data)
    raise SourceError(repr(source)[:60], f"cannot read a source of type {type(source).__name__}.",
                      "Pass a file path, an open file, or a dict of DataFrames keyed by table name.")


# --- workbooks ---------------------------------------------------------------------------------

def _read_workbook(name: str, data: bytes, kind: str, max_cells: int) -> Iterator[RawSheet]:
    """Yield the sheets in workbook order.

    calamine releases the GIL while it parses, so sheets are parsed two at a time on
    worker threads (each with its own workbook handle) while the caller types the
    columns of the sheets already parsed: about half the wall time on 2 cores. omxl's
    own reader scans a sheet's pieces on two threads of their own, the first sheet's first.
    """
    if kind == ODS:
        # Repeated rows and cells: their extent is checked before calamine expands them (guards.py).
        check_ods_cells(data, name, max_cells)
    # Sheets on `pool`; the pieces of a sheet omxl's reader scans on `pieces`, where the sheet asked for first
    # is scanned first, on every core: its columns can then be typed while the later sheets are scanned.
    with ThreadPoolExecutor(max_workers=PARSE_THREADS) as pool, ThreadPoolExecutor(max_workers=PARSE_THREADS) as pieces:
        # The date formats and shared strings for omxl's reader are read, and the first sheet unzipped, while
        # calamine opens the workbook (seconds each for a million rows); only when the reader is going to be
        # omxl's. The formats first: a sheet's scan needs them from its start, the strings only at its end.
        early = kind in (XLSX, XLSM) and _reader_is_own()
        compiled = early and big_enough(_worksheet_bytes(data))
        if compiled:
            # The compiled loop that finds the cell tags of a big book loads (a second) while the sheets unzip.
            threading.Thread(target=warm_up, name="omxl-tag-loop", daemon=True).start()
        book_futures = _book_parts(pool, data) if early else None
        first_sheet = pool.submit(_first_sheet, data) if early else None
        # The worksheets and tables from the package itself when omxl's reader reads the sheets: calamine is
        # then opened only for a sheet that reader leaves to it (outline.py says why).
        known = _outline(data) if early else None
        if known is not None:
            yield from _read_sheets(name, data, kind, max_cells, None, pool, pieces, book_futures, first_sheet,
                                    known, compiled)
            return
        book = _open_calamine(name, data, kind)
        with book:
            yield from _read_sheets(name, data, kind, max_cells, book, pool, pieces, book_futures, first_sheet,
                                    compiled=compiled)


def _first_sheet(data: bytes) -> dict[str, bytes]:
    """{part: unzipped XML} of the package's first sheet, or {} when it cannot be had: the sheet's parse then
    unzips it itself and says what is wrong as it always has."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for _entry, part in package.sheet_parts(archive)[:1]:
                return {part: read_member(archive, part)}
    except Exception:   # noqa: BLE001 - only a head start: whatever fails here fails again where it is reported
        return {}
    return {}


def _worksheet_bytes(data: bytes) -> int:
    """The bytes of XML of the package's worksheets, by the sizes its zip directory gives (0 for a damaged
    package: its parse says what is wrong)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(info.file_size for info in archive.infolist() if info.filename.startswith("xl/worksheets/"))
    except ZIP_DAMAGE:
        return 0


def _reader_is_own() -> bool:
    """Is omxl's reader the one OMXL_XLSX_READER asks for (without raising: xlsx_reader says what is wrong)."""
    return os.environ.get(READER_VARIABLE, OWN).strip().lower() in (OWN, "")


def _outline(data: bytes) -> tuple[list[Worksheet], Tables] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return outline(archive)
    except ZIP_DAMAGE:
        return None   # calamine opens it and says what is wrong


def _read_sheets(name: str, data: bytes, kind: str, max_cells: int, book: "calamine.CalamineWorkbook | None",
                 pool: ThreadPoolExecutor, pieces: ThreadPoolExecutor, book_futures: "BookFutures | None",
                 first_sheet: "Future[dict[str, bytes]] | None",
                 known: tuple[list[Worksheet], Tables] | None = None, compiled: bool = False) -> Iterator[RawSheet]:
    """_read_workbook's sheets, once calamine has opened the workbook (`book`), or without it when the package
    gave the worksheets and tables (`known`). `compiled`: omxl's reader finds the cell tags with the compiled
    loop (sheet_tags.py)."""
    own_reader = kind in (XLSX, XLSM) and xlsx_reader() == OWN
    worksheets = known[0] if known is not None else \
        [Worksheet(m.name, m.visible != calamine.SheetVisibleEnum.Visible) for m in book.sheets_metadata
         if m.typ == calamine.SheetTypeEnum.WorkSheet]
    handles = threading.local()
    parts = _sheet_parts(name, data) if kind in (XLSX, XLSM) else {}
    left_out: dict[str, list[str]] = {}   # sheet -> stray far-away cells with content, left out

    def parse(sheet: str) -> tuple[list[list[Any]] | CellGrid, SheetMarks]:
        """The sheet's grid, and its error cells and formulas without a value taken from the same unzipped XML
        (unzipping a sheet of a million rows costs seconds: once is enough)."""
        reader = None
        marks: SheetMarks = (None, None)
        if sheet in parts:
            # calamine aborts the process on a grid of billions of cells (a stray cell at XFD1048576):
            # check the sheet's extent first, on this worker thread (unzipping releases the GIL).
            xml = first_sheet.result().pop(parts[sheet], None) if first_sheet is not None else None
            if xml is None:
                try:
                    with zipfile.ZipFile(io.BytesIO(data)) as archive:
                        xml = read_member(archive, parts[sheet])
                except ZIP_DAMAGE as exc:
                    raise SourceError(name, f"the file is damaged ({_short(exc)}).", DAMAGED_FIX) from None
            scanned = None
            if own_reader:
                styles = book_futures[0].result()
                scanned = read_sheet(xml, styles, book_futures[1].result, pieces, compiled) \
                    if styles is not None else None
            # The far-cells guard's patterns need not run over the part of the XML the scan has counted, unless
            # the sheet is that large (then calamine reads it trimmed) or the scan could not count it exactly.
            if scanned is None or not scanned_extent_fits(xml, scanned[1], max_cells):
                trimmed = far_cells_trimmed(xml, name, sheet, max_cells)
                if trimmed is not None:
                    reader = _open_calamine(name, replace_part(data, parts[sheet], trimmed[0]), kind)
                    left_out[sheet] = trimmed[1]
                    scanned = None
            if scanned is not None:
                marked = _marks_of(name, xml, scanned[1])
                if len(xml) >= TRIM_FROM:
                    del xml
                    give_back_free_memory()   # the scan's scratch memory (omxl/io/heap.py)
                return CellGrid(scanned[0]), marked
            marks = _marks_of(name, xml, None)
            del xml
        if reader is None:
            # One workbook handle per worker thread: opening one parses the shared strings.
            if not hasattr(handles, "book"):
                handles.book = _open_calamine(name, data, kind)
            reader = handles.book
        try:
            return reader.get_sheet_by_name(sheet).to_python(skip_empty_area=False), marks
        except calamine.CalamineError as exc:
            raise SourceError(name, f"sheet '{sheet}' cannot be read ({_short(exc)}).",
                              "Open the workbook in Excel and save it again as .xlsx.") from None

    if own_reader and book_futures is None:
        book_futures = _book_parts(pool, data)
    # .xlsx/.xlsm: each worksheet's marks come with its grid (parse); these are the other sheets' (chart sheets
    # and the like), read only to say a damaged part as before.
    parsed = {meta.name for meta in worksheets if meta.name in parts}
    marks_future = pool.submit(_cell_marks, name, data, kind, parsed)
    grids = [pool.submit(parse, meta.name) for meta in worksheets]
    # calamine reads the tables of every sheet for their ranges (seconds for a million rows): meanwhile the
    # workers parse.
    tables = known[1] if known is not None else _tables_by_sheet(book) if kind in (XLSX, XLSM) else {}
    results = _omxl_results(name, data) if kind in (XLSX, XLSM) else set()
    try:
        errors, formulas = marks_future.result()
    except ZIP_DAMAGE as exc:   # a corrupt member calamine has not read yet (bad CRC, broken deflate stream)
        raise SourceError(name, f"the file is damaged ({_short(exc)}).", DAMAGED_FIX) from None
    for meta, future in zip(worksheets, grids):
        grid, (sheet_errors, sheet_formulas) = future.result()
        if sheet_errors is None:
            sheet_errors = errors.get(meta.name, {})
        if sheet_formulas is None:
            sheet_formulas = formulas.get(meta.name, {})
        yield RawSheet(
            source=name, sheet=meta.name, kind=kind, grid=grid,
            hidden=meta.hidden,
            tables=tables.get(meta.name, {}), error_cells=_inside(sheet_errors, grid),
            omxl_result=meta.name in results, formula_cells=sheet_formulas,
            far_cells=left_out.get(meta.name, []),
        )


PARSE_THREADS = 2

# Which reader reads .xlsx/.xlsm sheets (docs/reading.md): omxl's own scan of the sheet XML (sheet_xml.py), or
# calamine for every sheet. Both give the same values; the second is there to compare them.
OWN, CALAMINE = "omxl", "calamine"
READER_VARIABLE = "OMXL_XLSX_READER"


def xlsx_reader() -> str:
    """The reader chosen for .xlsx/.xlsm sheets: OMXL_XLSX_READER=calamine, else omxl's own."""
    chosen = os.environ.get(READER_VARIABLE, OWN).strip().lower() or OWN
    if chosen not in (OWN, CALAMINE):
        raise SourceError(READER_VARIABLE, f"'{chosen}' is not a reader.",
                          f"Set {READER_VARIABLE} to '{OWN}' (the default) or '{CALAMINE}'.")
    return chosen


T = TypeVar("T")

# The package's date formats and its shared strings, for omxl's reader.
BookFutures = tuple["Future[BookStyles | None]", "Future[BookStrings | None]"]


def _book_parts(pool: ThreadPoolExecutor, data: bytes) -> BookFutures:
    """Both read on the pool: the formats take milliseconds, the strings of a million-line book seconds."""
    styles = pool.submit(_from_package, data, book_styles)
    return styles, pool.submit(_book_strings, data, styles)


def _book_strings(data: bytes, styles: "Future[BookStyles | None]") -> BookStrings | None:
    found = styles.result()
    return None if found is None else _from_package(data, lambda archive: book_strings(archive, found))


def _from_package(data: bytes, read: Callable[[zipfile.ZipFile], T]) -> T | None:
    """`read` of the package, for omxl's reader; None (calamine reads every sheet, and says what is wrong with a
    damaged part as it always has) when it cannot be had."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return read(archive)
    except (*ZIP_DAMAGE, IndexError, TypeError):
        return None


def _open_calamine(name: str, data: bytes, kind: str) -> "calamine.CalamineWorkbook":
    try:
        return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data), load_tables=kind in (XLSX, XLSM))
    except calamine.PasswordError:
        raise SourceError(name, PROTECTED, HOW_TO_PASS) from None
    except (calamine.CalamineError, ValueError, OSError) as exc:
        raise SourceError(name, f"the workbook cannot be read ({_short(exc)}).",
                          "Open it in Excel or LibreOffice and save it again as .xlsx.") from None


def _sheet_parts(name: str, data: bytes) -> dict[str, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {entry.name: part for entry, part in package.sheet_parts(archive)}
    except ZIP_DAMAGE as exc:
        raise SourceError(name, f"the file is damaged ({_short(exc)}).", DAMAGED_FIX) from None


def _inside(cells: dict[tuple[int, int], str], grid: list[list[Any]]) -> dict[tuple[int, int], str]:
    """Error cells within the grid read (stray far-away cells may have been left out)."""
    width = len(grid[0]) if grid else 0
    if not cells or all(r < len(grid) and c < width for r, c in cells):
        return cells
    return {(r, c): v for (r, c), v in cells.items() if r < len(grid) and c < width}


def _omxl_results(name: str, data: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return package.omxl_sheet_names(archive)
    except ZIP_DAMAGE as exc:
        raise SourceError(name, f"the file is damaged ({_short(exc)}).", DAMAGED_FIX) from None


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def _tables_by_sheet(book: "calamine.CalamineWorkbook") -> dict[str, dict[str, tuple[int, int, int, int]]]:
    found: dict[str, dict[str, tuple[int, int, int, int]]] = {}
    for table_name in book.table_names:
        table = book.get_table_by_name(table_name)
        (first_row, first_col), (last_row, last_col) = table.start, table.end
        # calamine's table range starts below the header row.
        found.setdefault(table.sheet, {})[table_name] = (first_row - 1, first_col, last_col, last_row)
    return found


_ERROR_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]+)"[^>]*?\bt="e"[^>]*>(?:<f\b[^>]*/>|<f\b[^>]*>.*?</f>)?'
                         rb'(?:<v>([^<]*)</v>)?')
CellMarks = dict[str, dict[tuple[int, int], str]]   # per sheet: 0-based (row, col) -> text


def _cell_marks(name: str, data: bytes, kind: str, parsed: set[str] = frozenset()) -> tuple[CellMarks, CellMarks]:
    """What calamine reads as blanks: error cells (their Excel error text) and, for .xlsx/.xlsm and .ods,
    formulas without a calculated value (their formula). A .xls or .xlsb formula record always holds a result
    (the formats have no way to leave it out), so those files have no such cells. The .xlsx/.xlsm sheets in
    `parsed` are left out: their marks are taken where they are parsed (_sheet_marks)."""
    if kind in (XLSX, XLSM):
        return _xlsx_cell_marks(data, parsed)
    if kind == ODS:
        return ods_cell_marks(data)
    return _error_cells(name, data, kind), {}


def _error_cells(name: str, data: bytes, kind: str) -> CellMarks:
    if kind == ODS:
        return ods_error_cells(data)
    if kind == XLS:
        return _xls_error_cells(name, data)
    if kind == XLSB:
        return xlsb_error_cells(data)
    return {}


def damaged_xls(name: str) -> SourceError:
    return SourceError(name, "the .xls workbook is damaged (its internal record counts do not add up).",
                       "Open it in Excel with File > Open > Open and Repair, save it as .xlsx and try again.")


def _xls_error_cells(name: str, data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """xlrd knows the cell types of legacy .xls files (at most 65,536 rows a sheet)."""
    import xlrd  # imported on use (start-up time): only legacy .xls files need it

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except xlrd.XLRDError:
        return {}  # calamine has already read the values; only the error marks are missing then
    except (AssertionError, IndexError, KeyError, ValueError, struct.error):
        # xlrd checks the file's own bookkeeping with asserts (e.g. the shared-string count); a file that
        # fails them is damaged, whatever calamine made of it.
        raise damaged_xls(name) from None
    found: dict[str, dict[tuple[int, int], str]] = {}
    try:
        for sheet_name in book.sheet_names():
            sheet = book.sheet_by_name(sheet_name)
            cells = {(r, c): xlrd.error_text_from_code.get(sheet.cell_value(r, c), "#N/A")
                     for r in range(sheet.nrows)
                     for c, kind in enumerate(sheet.row_types(r)) if kind == xlrd.XL_CELL_ERROR}
            if cells:
                found[sheet_name] = cells
    except (AssertionError, IndexError, KeyError, ValueError, struct.error):
        raise damaged_xls(name) from None
    finally:
        book.release_resources()
    return found


# A cell holding a formula and no calculated value: <c r="E2"><f>B2*C2</f></c>, <f t="shared" si="0"/>,
# or an empty <v></v> after it (openpyxl and other writers that never calculate).
# An empty <v></v> in a cell typed t="str" is a calculated empty text (Excel writes ="" that way): no finding.
_FORMULA_ONLY = re.compile(rb'<c r="([A-Z]{1,3})([0-9]+)"([^>]*?)(?<!/)>\s*<f\b[^>]*?(?:/>|>([^<]*)</f>)\s*'
                           rb'(<v\s*/>|<v>\s*</v>)?\s*</c>')


def _cells_with(xml: bytes, at: Iterable[int], pattern: "re.Pattern[bytes]") -> list[tuple[bytes, ...]]:
    """The groups of `pattern` matched at the cell around each occurrence `at` of its needle (_needles): what
    findall gives over the whole sheet (both patterns match from a cell's start, within it), without running
    the pattern over every cell of a sheet that has a few such cells among a million."""
    found: list[tuple[bytes, ...]] = []
    last = -1
    for position in at:
        start = xml.rfind(b"<c ", 0, position)
        if start > last:
            match = pattern.match(xml, start)
            if match is not None:
                found.append(match.groups())
                last = start
    return found


def _needles(xml: bytes, needle: bytes, start: int = 0, stop: int | None = None) -> Iterator[int]:
    """Where `needle` occurs in xml[start:stop], in order."""
    position = xml.find(needle, start, stop)
    while position >= 0:
        yield position
        position = xml.find(needle, position + 1, stop)


def _needles_around(xml: bytes, needle: bytes, inside: Any, marked: Marked) -> Iterator[int]:
    """`needle`'s occurrences outside the span the scan covered, found, and `inside` (offsets the scan gave)."""
    yield from _needles(xml, needle, 0, marked.start)
    yield from (int(p) for p in inside)
    yield from _needles(xml, needle, marked.stop)


SheetMarks = tuple["dict[tuple[int, int], str] | None", "dict[tuple[int, int], str] | None"]


def _marks_of(name: str, xml: bytes, marked: Marked | None) -> SheetMarks:
    try:
        return _sheet_marks(xml, marked)
    except ZIP_DAMAGE as exc:
        raise SourceError(name, f"the file is damaged ({_short(exc)}).", DAMAGED_FIX) from None


def _sheet_marks(xml: bytes, marked: Marked | None = None) -> SheetMarks:
    """(error cells, formulas without a value) of one sheet's XML, None for none. With `marked` (omxl's scan
    of the sheet), the scan says where inside sheetData the cells with t="e" and the '<f' tags are: every other
    t="e" there is in a text or another cell's tag, where the patterns match nothing new; so the XML is not
    searched again (a second pass over hundreds of megabytes for a million rows)."""
    errors = formulas = None
    if marked is None:
        error_at: Iterable[int] | None = _needles(xml, b't="e"') if b't="e"' in xml else None
        formula_at: Iterable[int] | None = _needles(xml, b"<f") if b"<f" in xml else None
    else:
        error_at = _needles_around(xml, b't="e"', marked.errors + 3, marked)
        formula_at = _needles_around(xml, b"<f", marked.formulas, marked)
    if error_at is not None:
        errors = {(int(row) - 1, column_index(col.decode())): (value.decode() or "#N/A")
                  for col, row, value in _cells_with(xml, error_at, _ERROR_CELL)}
    if formula_at is not None:
        formulas = {(int(row) - 1, column_index(col.decode())):
                    "=" + html.unescape(text.decode("utf-8", "replace"))
                    for col, row, attrs, text, empty in _cells_with(xml, formula_at, _FORMULA_ONLY)
                    if not (empty and b't="str"' in attrs)}
    return errors, formulas or None


def _xlsx_cell_marks(data: bytes, parsed: set[str] = frozenset()) -> tuple[CellMarks, CellMarks]:
    """Error cells and formulas without a value of every sheet not in `parsed`, each sheet's XML unpacked
    once."""
    errors: CellMarks = {}
    formulas: CellMarks = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = set(archive.namelist())
        for entry, part in package.sheet_parts(archive):
            if part not in members or entry.name in parsed:
                continue
            sheet_errors, sheet_formulas = _sheet_marks(read_member(archive, part))
            if sheet_errors is not None:
                errors[entry.name] = sheet_errors
            if sheet_formulas:
                formulas[entry.name] = sheet_formulas
    return errors, formulas


# --- CSV ---------------------------------------------------------------------------------------

def _read_csv(name: str, data: bytes, decimal: str | None = None) -> RawSheet:
    text, encoding = _decode(data)
    delimiter = _delimiter(text[:65536])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True)
    grid: list[list[Any]] = []
    row_numbers: list[int] = []
    previous_line = 0
    for record in reader:   # the cycle collector is paused meanwhile (read_book: heap.collection_paused)
        grid.append(record)
        row_numbers.append(previous_line + 1)
        previous_line = reader.line_num
    stem = Path(name).stem
    sheet = RawSheet(source=name, sheet=stem, kind=CSV, grid=grid, row_numbers=row_numbers,
                     decimal=decimal or _file_decimal(delimiter, grid), encoding=encoding)
    return sheet


CSV_DELIMITERS = ",;\t|"


def _delimiter(sample: str) -> str:
    """The delimiter csv.Sniffer finds in the file's first 64 KiB, "," when it finds none. The sniffer only ever
    picks a candidate that occurs in the sample, so a sample without ;, tab or | gets "," without sniffing (2-3 ms
    a file with quoted fields, about as long as parsing the whole file)."""
    if not any(d in sample for d in CSV_DELIMITERS[1:]):
        return ","
    try:
        return csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        return ","


# Text that can only be a number with a decimal comma ("1,5", "-12,25", "1.234,5") or one with a decimal
# point ("1.5", "1,234.5").
_COMMA_DECIMAL = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+$")
_POINT_DECIMAL = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)\.\d+$")


def _file_decimal(delimiter: str, grid: list[list[Any]]) -> str:
    """The decimal separator a CSV says it uses: "," when it is not comma-separated (a comma-separated file
    cannot hold unquoted decimal commas, and quoted ones are too rare to guess on), some cell reads as a
    decimal-comma number and none as a decimal-point number; else ".". The first 1,000 rows decide."""
    if delimiter == ",":
        return "."
    comma = point = False
    for row in grid[:1000]:
        for value in row:
            value = value.strip()
            if not value or not value[-1].isdigit():
                continue
            comma = comma or bool(_COMMA_DECIMAL.match(value))
            point = point or bool(_POINT_DECIMAL.match(value))
    return "," if comma and not point else "."


def _decode(data: bytes) -> tuple[str, str]:
    """Decode a CSV: a UTF-16 byte-order mark, else UTF-8 (with or without its BOM), else Windows-1252 (a
    superset of Latin-1 for every printable character; the bytes 0x81, 0x8D, 0x8F, 0x90, 0x9D it leaves
    undefined are decoded as Latin-1 control characters, so no byte is lost)."""
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return data.decode("utf-16"), "utf-16"
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8 (BOM)" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        return bytes(data).decode("cp1252", errors="_omxl_latin1"), "cp1252"


def _latin1_fallback(exc: UnicodeDecodeError) -> tuple[str, int]:
    return exc.object[exc.start:exc.end].decode("latin-1"), exc.end


codecs.register_error("_omxl_latin1", _latin1_fallback)


def iter_sources(sources: tuple[Any, ...]) -> Iterator[Any]:
    for source in sources:
        if isinstance(source, (list, tuple)):
            yield from source
        else:
            yield source
