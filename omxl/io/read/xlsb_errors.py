"""Addresses of error cells in an .xlsb file (calamine reads them as blanks).

An .xlsb sheet is a stream of BIFF12 records ([MS-XLSB] 2.1.4): a 1-2 byte
type and a 1-4 byte size, both 7 bits a byte. Rows start with BrtRowHdr (type 0)
and error cells are BrtCellError (3) or BrtFmlaError (11), whose first 4 bytes
are the column and byte 8 the error code. The walk steps over record headers
in Python (about a second per million cells); .xlsb files are rare, and it runs
on a worker thread while calamine parses the sheets (see sources._read_workbook).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

ERROR_CODES = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
               0x2A: "#N/A", 0x2B: "#GETTING_DATA"}
ROW_HEADER, CELL_ERROR, FORMULA_ERROR = 0x00, 0x03, 0x0B
BUNDLE_SHEET, END_BUNDLE_SHEETS = 0x9C, 0x90
_TARGET = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]+)"[^>]*?\bTarget="([^"]+)"|'
                     rb'<Relationship\b[^>]*?\bTarget="([^"]+)"[^>]*?\bId="([^"]+)"')


def _records(data: bytes):
    """(type, payload start, payload end) of each record; stops quietly at a truncated record."""
    i, n = 0, len(data)
    while i < n:
        typ = data[i]
        i += 1
        if typ & 0x80:
            if i >= n:
                return
            typ = (typ & 0x7F) | ((data[i] & 0x7F) << 7)
            i += 1
        size, shift = 0, 0
        for _ in range(4):
            if i >= n:
                return
            byte = data[i]
            i += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if i + size > n:
            return
        yield typ, i, i + size
        i += size


def _wide(data: bytes, at: int) -> tuple[str, int]:
    (length,) = struct.unpack_from("<I", data, at)
    end = at + 4 + 2 * length
    return data[at + 4:end].decode("utf-16-le", errors="replace"), end


def sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part path) in workbook order, from xl/workbook.bin and its relationships."""
    rels_xml = archive.read("xl/_rels/workbook.bin.rels") if "xl/_rels/workbook.bin.rels" in archive.namelist() else b""
    targets = {}
    for a_id, a_target, b_target, b_id in _TARGET.findall(rels_xml):
        rel_id, target = (a_id, a_target) if a_id else (b_id, b_target)
        targets[rel_id.decode()] = target.decode().lstrip("/").removeprefix("xl/")
    book = archive.read("xl/workbook.bin")
    found = []
    for typ, start, end in _records(book):
        if typ == END_BUNDLE_SHEETS:
            break
        if typ == BUNDLE_SHEET and end - start >= 12:
            if struct.unpack_from("<I", book, start + 8)[0] == 0xFFFFFFFF:
                continue
            rel_id, at = _wide(book, start + 8)
            name, _ = _wide(book, at)
            if rel_id in targets:
                found.append((name, "xl/" + targets[rel_id]))
    return found


def xlsb_error_cells(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    try:
        return _error_cells(data)
    except (KeyError, struct.error, zipfile.BadZipFile):
        return {}  # calamine has already read the values; only the error marks are missing then


def _error_cells(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    found: dict[str, dict[tuple[int, int], str]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = set(archive.namelist())
        for name, part in sheet_parts(archive):
            if part not in members:
                continue
            sheet = archive.read(part)
            row, cells = 0, {}
            for typ, start, end in _records(sheet):
                if typ == ROW_HEADER and end - start >= 4:
                    row = struct.unpack_from("<I", sheet, start)[0]
                elif typ in (CELL_ERROR, FORMULA_ERROR) and end - start >= 9:
                    column = struct.unpack_from("<I", sheet, start)[0]
                    cells[(row, column)] = ERROR_CODES.get(sheet[start + 8], "#N/A")
            if cells:
                found[name] = cells
    return found
