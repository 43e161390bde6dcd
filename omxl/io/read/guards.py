"""Checks run on a zip package (.xlsx/.xlsm/.xlsb/.ods) before any parser sees it.

python-calamine aborts the whole process (SIGABRT, which Python cannot catch) when a
sheet's cells span an enormous grid, and any reader exhausts memory on a zip bomb. So:

* `check_zip`: total uncompressed size, per-member compression ratio and member count,
  all read from the central directory (no decompression).
* `check_xml_prologs`: refuses XML parts that declare a DOCTYPE or ENTITY (Excel and
  LibreOffice never write them; they are how "billion laughs" entity bombs work).
* `far_cells_trimmed`: a sheet whose cells span more than `max_sheet_cells` (rows x columns)
  because of a few stray cells far from the data has those stray cells dropped before
  calamine builds its grid; a sheet that is really that large is refused.
* `check_ods_cells`: an .ods sheet whose repeated rows and cells put content beyond `max_sheet_cells`
  is refused before calamine expands the repeats.
"""

from __future__ import annotations

import html
import io
import math
import re
import zipfile
import zlib
from typing import TYPE_CHECKING, Any

from ...errors import SourceError

if TYPE_CHECKING:
    from .sheet_xml import Marked


# Members smaller than this are never judged by their ratio: tiny XML parts compress very well.
RATIO_MIN_BYTES = 1 << 20
PROLOG_BYTES = 4096
_DANGEROUS = (b"<!DOCTYPE", b"<!ENTITY")
REMEDY_SETTING = ("If the file is genuine, raise {setting} in omxl.toml (docs/reading.md, Hostile files) with "
                  "this line:\n{setting} = {value}")
FAR_CELLS_FIX = ("Delete the unused rows and columns far from the data (Ctrl+End shows the last cell) and save again. ")


def remedy_setting(setting: str, needed: float) -> str:
    """The remedy of a refused file: the limit to raise, with the exact line that lets this file through."""
    return REMEDY_SETTING.format(setting=setting, value=f"{enough(needed):_}")


def enough(needed: float) -> int:
    """A round limit above `needed`: its first two digits rounded up (25 -> 26, 12,345 -> 13,000)."""
    whole = max(int(math.floor(needed)) + 1, 10)
    scale = 10 ** max(len(str(whole)) - 2, 0)
    return -(-whole // scale) * scale


# What a damaged zip package raises while its parts are read directly (not through calamine): a bad CRC, a
# broken deflate stream, a part the directory names but the file lacks, an offset before the file's start.
ZIP_DAMAGE = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, KeyError, ValueError,
              NotImplementedError, RuntimeError)
DAMAGED_FIX = "Copy or export it again; if Excel can open it, save it again as .xlsx."


def check_zip(data: bytes, name: str, config: Any) -> None:
    """Raise SourceError when the package is too large unpacked or looks like a zip bomb."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_members(members, name, config)
            check_xml_prologs(archive, members, name)
    except zipfile.BadZipFile:
        return  # sniff() reports the damaged package with its own message
    except ZIP_DAMAGE:
        raise SourceError(name, "the file is damaged (a zip part cannot be opened).", DAMAGED_FIX) from None


def _check_members(members: list[zipfile.ZipInfo], name: str, config: Any) -> None:
    if len(members) > config.max_zip_members:
        raise SourceError(name, f"the workbook is too large: it holds {len(members):,} parts "
                                f"(the limit is {config.max_zip_members:,}); it looks like a zip bomb.",
                          remedy_setting("max_zip_members", len(members)))
    total = sum(m.file_size for m in members)
    limit = int(config.max_unzipped_mb * 2**20)
    if total > limit:
        raise SourceError(name, f"the workbook is too large unpacked ({total / 2**20:,.0f} MB; the limit is "
                                f"{config.max_unzipped_mb:,.0f} MB); it may be a zip bomb.",
                          remedy_setting("max_unzipped_mb", total / 2**20))
    for member in members:
        if member.file_size > RATIO_MIN_BYTES:
            ratio = member.file_size / max(member.compress_size, 1)
            if ratio > config.max_zip_ratio:
                raise SourceError(name, f"the workbook looks like a zip bomb: part {member.filename} expands "
                                        f"{ratio:,.0f} times (the limit is {config.max_zip_ratio:,.0f}).",
                                  remedy_setting("max_zip_ratio", ratio))


def check_xml_prologs(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], name: str) -> None:
    """Refuse XML parts whose prolog declares a DOCTYPE/ENTITY: only the first few KB of each are unpacked."""
    for member in members:
        if not member.filename.lower().endswith((".xml", ".rels", ".vml")) or member.is_dir():
            continue
        with archive.open(member) as part:
            head = part.read(PROLOG_BYTES).upper()
        if any(mark in head for mark in _DANGEROUS):
            raise SourceError(name, f"the workbook is damaged or unsafe: part {member.filename} declares XML "
                                    "entities (a DOCTYPE), which Excel never writes.",
                              "Do not open it; ask the sender for a fresh export.")


# --- far-away cells ----------------------------------------------------------------------------

_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\br="([0-9]+)"')
# Any attribute r="AA1" or wider (row elements have r="<digits>"), whatever the attribute order.
_WIDE_START = re.compile(rb' r="[A-Z]{2}')
_WIDE_REF = re.compile(rb' r="([A-Z]{2,3})[0-9]')
_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"')
# A cell element, empty (<c .../>) or with content (<c ...>...</c>), with its reference.
_CELL_ELEMENT = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"[^>]*?(?:/>|>.*?</c>)', re.S)
# Gaps this large (empty rows / empty columns) separate the data from stray cells.
ROW_GAP, COL_GAP = 10_000, 256


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def far_cells_trimmed(xml: bytes, name: str, sheet: str, max_cells: int) -> "tuple[bytes, list[str]] | None":
    """(the sheet XML without stray far-away cells, the A1 references of the cells left out) when its grid
    would exceed `max_cells`, else None.

    The check is cheap: the row numbers of the row elements, and the cells beyond column Z
    found by the literal start of their reference. The rewrite happens only for
    a sheet that needs it; a sheet really that large raises SourceError.
    """
    last_row, cols = _extent(xml, 0, len(xml))
    if last_row * cols <= max_cells and (last_row or not _CELL_REF.search(xml)):
        return None
    return _drop_strays(xml, name, sheet, max_cells)


def _extent(xml: bytes, start: int, stop: int) -> tuple[int, int]:
    """(largest row number of the row elements, columns: 26 or the widest cell reference) in xml[start:stop]."""
    # Rows: every row element (about 40 ms per 100,000 rows), so rows out of order are caught too.
    last_row = max((int(r) for r in _ROW_NUMBER.findall(xml, start, stop)), default=0)
    cols = 26
    if _WIDE_START.search(xml, start, stop):
        cols = max((_col(c) for c in _WIDE_REF.findall(xml, start, stop)), default=26)
    return last_row, cols


def scanned_extent_fits(xml: bytes, marked: "Marked | None", max_cells: int) -> bool:
    """Would far_cells_trimmed leave this sheet as it is, said from what omxl's scan counted inside sheetData
    (sheet_xml.Marked) and the patterns over the rest of the XML: False also when the scan could not count
    exactly as the patterns do (then far_cells_trimmed decides). The scan's column is that of any cell tag, the
    patterns' only of references after a space: never fewer, so a sheet that fits here fits there."""
    if marked is None or marked.last_row is None:
        return False
    head_rows, head_cols = _extent(xml, 0, marked.start)
    tail_rows, tail_cols = _extent(xml, marked.stop, len(xml))
    last_row = max(marked.last_row, head_rows, tail_rows)
    cols = max(marked.last_col, head_cols, tail_cols)
    return 0 < last_row and last_row * cols <= max_cells


def replace_part(data: bytes, part: str, xml: bytes) -> bytes:
    """The package `data` with member `part` replaced by `xml` (in memory)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, xml if info.filename == part else source.read(info.filename))
    return out.getvalue()


def _cut(values: list[int], gap: int) -> int:
    """The last value before the first gap of more than `gap` (values sorted, distinct)."""
    last = values[0]
    for value in values[1:]:
        if value - last > gap:
            return last
        last = value
    return last


# A cell element that holds something (a value, an inline string or a formula), not only a format.
_HAS_CONTENT = re.compile(rb"<(?:v|is|f)\b")


def _drop_strays(xml: bytes, name: str, sheet: str, max_cells: int) -> tuple[bytes, list[str]]:
    refs = _CELL_REF.findall(xml)
    if not refs:
        return xml, []
    rows = sorted({int(r) for _, r in refs})
    cols = sorted({_col(c) for c, _ in refs})
    last_row, last_col = _cut(rows, ROW_GAP), _cut(cols, COL_GAP)
    if last_row * last_col > max_cells:
        raise SourceError(name, f"sheet '{sheet}' is too large: its cells span {rows[-1]:,} rows x {cols[-1]:,} "
                                f"columns (the limit is {max_cells:,} cells).",
                          FAR_CELLS_FIX + remedy_setting("max_sheet_cells", last_row * last_col))

    dropped: list[str] = []

    def keep(match: re.Match) -> bytes:
        inside = int(match.group(2)) <= last_row and _col(match.group(1)) <= last_col
        if not inside and _HAS_CONTENT.search(match.group(0)):
            dropped.append((match.group(1) + match.group(2)).decode("ascii"))
        return match.group(0) if inside else b""

    trimmed = _CELL_ELEMENT.sub(keep, xml)
    # The declared dimension is only a hint, but keep it consistent with what is left.
    return re.sub(rb'<dimension\b[^>]*/>', b"", trimmed, count=1), dropped


# --- .ods: repeated rows and cells -------------------------------------------------------------
#
# An .ods file says "this empty row, 1,048,553 times" with table:number-rows-repeated (LibreOffice writes that
# after the data of every sheet) and "this cell, 1,000 times" with table:number-columns-repeated. A reader
# expands the repeats up to the last cell with content: a single value at AMJ1048576, or a value repeated a
# billion times, makes calamine ask for over a billion cells (it refuses above 100 million with an error that
# says nothing useful) and a value at CG1048576 (88 million cells) makes it abort the process on memory.
# So the extent of every sheet is computed from the XML first, counting repeats, without expanding anything.

_ODS_TABLE = re.compile(rb'<table:table\b(?![-:])([^>]*)>')
_ODS_NAME = re.compile(rb'\btable:name="([^"]*)"')
_ODS_ROW_START = re.compile(rb'<table:table-row\b([^>]*)>')
_ODS_CELL = re.compile(rb'<table:(covered-)?table-cell\b([^>]*?)(?:/>|>(.*?)</table:(?:covered-)?table-cell>)',
                       re.S)
_ROWS_REPEATED = re.compile(rb'\btable:number-rows-repeated="([0-9]+)"')
_COLS_REPEATED = re.compile(rb'\btable:number-columns-repeated="([0-9]+)"')
# What makes a cell hold something: a typed value, a formula, or text (a comment counts too: it errs large).
_ODS_CONTENT = (b"value-type=", b"table:formula=", b"<text:")


def _repeat(pattern: re.Pattern, attrs: bytes) -> int:
    found = pattern.search(attrs)
    return max(int(found.group(1)), 1) if found else 1


def ods_extents(content: bytes) -> list[tuple[str, int, int]]:
    """(sheet name, last row, last column) holding content, per sheet of an .ods content.xml, repeats counted.

    Only the row start tags are matched by a regex; whether a row holds content, and up to which column, is
    asked with bytes.find/count between one row start and the next (C speed: about 0.5 s for a 120 MB
    content.xml of 100,000 rows). The cells of a row are walked one by one only when cells are repeated before
    its last content (rare: an empty gap or identical neighbours).
    """
    tables = list(_ODS_TABLE.finditer(content))
    out = []
    for i, table in enumerate(tables):
        limit = tables[i + 1].start() if i + 1 < len(tables) else len(content)
        found = _ODS_NAME.search(table.group(1))
        name = html.unescape(found.group(1).decode("utf-8", "replace")) if found else f"Sheet{i + 1}"
        rows = list(_ODS_ROW_START.finditer(content, table.end(), limit))
        row = last_row = last_col = 0
        for k, match in enumerate(rows):
            a = match.end()
            if k + 1 < len(rows):
                b = rows[k + 1].start()
            else:
                b = content.find(b"</table:table>", a, limit)
                b = limit if b < 0 else b
            row += _repeat(_ROWS_REPEATED, match.group(1)) if b"repeated" in match.group(1) else 1
            last = max(content.rfind(mark, a, b) for mark in _ODS_CONTENT)
            if last < 0 or match.group(1).endswith(b"/"):
                continue
            last_row = row
            if content.find(b"columns-repeated", a, last) < 0:
                # Every element starting "<table:" inside a row is a cell (or covered cell).
                last_col = max(last_col, content.count(b"<table:", a, last))
                continue
            col = 0
            for cell in _ODS_CELL.finditer(content, a, b):
                col += _repeat(_COLS_REPEATED, cell.group(2))
                if any(mark in (cell.group(2) + (cell.group(3) or b"")) for mark in _ODS_CONTENT):
                    last_col = max(last_col, col)
        out.append((name, last_row, last_col))
    return out


def check_ods_cells(data: bytes, name: str, max_cells: int) -> None:
    """Raise SourceError when a sheet of the .ods spans more than `max_cells` (rows x columns) with its repeats
    expanded. Stray far-away cells are not left out as they are in an .xlsx: in an .ods their place is given
    by the repeat counts before them, and rewriting those is not worth the risk for a file that rare."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            content = archive.read("content.xml")
    except ZIP_DAMAGE:
        return  # calamine reports the damaged package with its own message
    for sheet, rows, cols in ods_extents(content):
        if rows * cols > max_cells:
            raise SourceError(name, f"sheet '{sheet}' is too large: its cells span {rows:,} rows x {cols:,} "
                                    f"columns (the limit is {max_cells:,} cells).",
                              FAR_CELLS_FIX + remedy_setting("max_sheet_cells", rows * cols))
