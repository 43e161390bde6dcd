"""Addresses of error cells in an .ods file (calamine reads them as blanks).

LibreOffice marks them `calcext:value-type="error"`. Only the cheap streaming
walk of rows and cells is done, and only when the document holds such a cell.
"""

from __future__ import annotations

import io
import zipfile

from defusedxml.ElementTree import iterparse

TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
CALCEXT_NS = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_TABLE = f"{{{TABLE_NS}}}table"
_ROW = f"{{{TABLE_NS}}}table-row"
_CELLS = (f"{{{TABLE_NS}}}table-cell", f"{{{TABLE_NS}}}covered-table-cell")
_NAME = f"{{{TABLE_NS}}}name"
_ROWS_REPEATED = f"{{{TABLE_NS}}}number-rows-repeated"
_COLS_REPEATED = f"{{{TABLE_NS}}}number-columns-repeated"
_VALUE_TYPE = f"{{{CALCEXT_NS}}}value-type"


def ods_error_cells(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        content = archive.read("content.xml")
    if b'value-type="error"' not in content:
        return {}
    found: dict[str, dict[tuple[int, int], str]] = {}
    sheet, row, col = "", 0, 0
    for event, element in iterparse(io.BytesIO(content), events=("start", "end")):
        tag = element.tag
        if event == "start":
            if tag == _TABLE:
                sheet, row = element.get(_NAME, ""), 0
            elif tag == _ROW:
                col = 0
            continue
        if tag in _CELLS:
            repeat = int(element.get(_COLS_REPEATED, "1"))
            if element.get(_VALUE_TYPE) == "error":
                shown = "".join(element.itertext()).strip() or "#N/A"
                found.setdefault(sheet, {}).update({(row, col + k): shown for k in range(repeat)})
            col += repeat
            element.clear()
        elif tag == _ROW:
            row += int(element.get(_ROWS_REPEATED, "1"))
            element.clear()
    return found
