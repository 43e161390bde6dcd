"""A minimal .xlsb writer for the tests (no program here writes .xlsb: LibreOffice cannot export it).

It writes the records [MS-XLSB] requires for one sheet of values: in xl/workbook.bin
BrtBeginBook, BrtBeginBundleShs, BrtBundleSh (sheet name + relationship id),
BrtEndBundleShs, BrtCalcProp, BrtEndBook; in the sheet BrtBeginSheet, BrtWsDim,
BrtBeginSheetData, then per row BrtRowHdr and per cell BrtCellReal (number),
BrtCellSt (inline text) or BrtCellError, BrtEndSheetData, BrtEndSheet. No styles:
dates are written as text.
"""

from __future__ import annotations

import io
import struct
import zipfile

# Error codes of BrtCellError ([MS-XLSB] 2.5.97.2 BErr).
ERROR_CODES = {"#NULL!": 0x00, "#DIV/0!": 0x07, "#VALUE!": 0x0F, "#REF!": 0x17, "#NAME?": 0x1D, "#NUM!": 0x24,
               "#N/A": 0x2A}


class Error(str):
    """A cell holding an Excel error value, e.g. Error('#REF!')."""


def _record(kind: int, payload: bytes = b"") -> bytes:
    head = bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    size, n = b"", len(payload)
    while True:
        byte, n = n & 0x7F, n >> 7
        size += bytes([byte | (0x80 if n else 0)])
        if not n:
            return head + size + payload


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def _cell(column: int, value) -> bytes:
    head = struct.pack("<II", column, 0)
    if isinstance(value, Error):
        return _record(0x03, head + bytes([ERROR_CODES[value]]))
    if isinstance(value, (int, float)):
        return _record(0x05, head + struct.pack("<d", value))
    return _record(0x06, head + _wide(str(value)))


def xlsb_bytes(sheet: str, rows: list[list]) -> bytes:
    cells = b"".join(_record(0x00, struct.pack("<IIHBB", r, 0, 0x12C, 0, 0) + bytes(9))
                     + b"".join(_cell(c, v) for c, v in enumerate(values) if v is not None)
                     for r, values in enumerate(rows))
    width = max(len(r) for r in rows)
    sheet_bin = (_record(0x81) + _record(0x94, struct.pack("<IIII", 0, len(rows) - 1, 0, width - 1))
                 + _record(0x91) + cells + _record(0x92) + _record(0x82))
    workbook_bin = (_record(0x83) + _record(0x8F)
                    + _record(0x9C, struct.pack("<II", 0, 1) + _wide("rId1") + _wide(sheet))
                    + _record(0x90) + _record(0x9D, bytes(14)) + _record(0x84))
    rels = "http://schemas.openxmlformats.org/package/2006/relationships"
    doc = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml",
                         '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"><Default Extension="rels" ContentType="application/'
                         'vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.bin" '
                         'ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/><Override '
                         'PartName="/xl/worksheets/sheet1.bin" ContentType="application/vnd.ms-excel.worksheet"/>'
                         '</Types>')
        package.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{rels}">'
                                        f'<Relationship Id="rId1" Type="{doc}/officeDocument" '
                                        'Target="xl/workbook.bin"/></Relationships>')
        package.writestr("xl/_rels/workbook.bin.rels",
                         f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{rels}"><Relationship '
                         f'Id="rId1" Type="{doc}/worksheet" Target="worksheets/sheet1.bin"/></Relationships>')
        package.writestr("xl/workbook.bin", workbook_bin)
        package.writestr("xl/worksheets/sheet1.bin", sheet_bin)
    return out.getvalue()
