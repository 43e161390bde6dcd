"""Cells of an .ods file that calamine reads as blanks but are not: error cells and formulas without a value.

LibreOffice marks error cells `calcext:value-type="error"`. A formula cell always carries its calculated value
(office:value, office:date-value, office:string-value, ...) when LibreOffice or Excel wrote it; a program that
never calculates (odfpy, some exporters) writes only `table:formula`, and the value is then unknown, as in an
.xlsx without `<v>`. Only the cheap streaming walk of rows and cells is done, and only when the document holds
such a cell (found by a regex on the bytes first).
"""

from __future__ import annotations

import io
import re
import zipfile

from defusedxml.ElementTree import ParseError, iterparse

TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
CALCEXT_NS = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_TABLE = f"{{{TABLE_NS}}}table"
_ROW = f"{{{TABLE_NS}}}table-row"
_CELLS = (f"{{{TABLE_NS}}}table-cell", f"{{{TABLE_NS}}}covered-table-cell")
_NAME = f"{{{TABLE_NS}}}name"
_ROWS_REPEATED = f"{{{TABLE_NS}}}number-rows-repeated"
_COLS_REPEATED = f"{{{TABLE_NS}}}number-columns-repeated"
_VALUE_TYPE = f"{{{CALCEXT_NS}}}value-type"
_FORMULA = f"{{{TABLE_NS}}}formula"
# Where a formula cell keeps its calculated value, by value type (ODF 1.2, 19.386-19.389).
_VALUES = tuple(f"{{{OFFICE_NS}}}{name}" for name in
                ("value", "date-value", "time-value", "boolean-value", "string-value"))

# A cell start tag with a formula: checked for a value attribute before any XML is parsed.
_FORMULA_TAG = re.compile(rb'<table:table-cell\b[^>]*\btable:formula="[^>]*>')
_VALUE_ATTR = re.compile(rb'\boffice:(?:value|date-value|time-value|boolean-value|string-value)="')
# ODF references in a formula: [.B2], [.B2:.C4], [$Sheet2.A1] (shown as in the spreadsheet: B2, B2:C4, $Sheet2.A1).
_REFERENCE = re.compile(r"\[\.?([^\]]*)\]")

CellMarks = dict[str, dict[tuple[int, int], str]]


def shown_formula(formula: str) -> str:
    """`of:=[.B2]*[.C2]` as the spreadsheet shows it: `=B2*C2`."""
    text = formula.split(":", 1)[1] if re.match(r"^[a-z]+:=", formula) else formula
    return _REFERENCE.sub(lambda m: m.group(1).replace(":.", ":"), text)


def _formula_without_value(content: bytes) -> bool:
    return any(not _VALUE_ATTR.search(tag) for tag in _FORMULA_TAG.findall(content))


def ods_cell_marks(data: bytes) -> tuple[CellMarks, CellMarks]:
    """Per sheet, 0-based (row, col) -> error text of error cells, and -> formula of formulas without a value.
    Repeated rows and cells count as many times (the sheet's extent was checked before, guards.py)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        content = archive.read("content.xml")
    want_errors = b'value-type="error"' in content
    want_formulas = b"table:formula=" in content and _formula_without_value(content)
    errors: CellMarks = {}
    formulas: CellMarks = {}
    if not (want_errors or want_formulas):
        return errors, formulas
    try:
        _walk(content, want_errors, want_formulas, errors, formulas)
    except ParseError as exc:
        # Broken XML: reported by the caller as a damaged file, like a broken zip part (ValueError is in its list).
        raise ValueError(f"content.xml is not well-formed XML ({exc})") from None
    return errors, formulas


def _walk(content: bytes, want_errors: bool, want_formulas: bool, errors: CellMarks, formulas: CellMarks) -> None:
    sheet, row, col = "", 0, 0
    row_errors: dict[int, str] = {}
    row_formulas: dict[int, str] = {}
    for event, element in iterparse(io.BytesIO(content), events=("start", "end")):
        tag = element.tag
        if event == "start":
            if tag == _TABLE:
                sheet, row = element.get(_NAME, ""), 0
            elif tag == _ROW:
                col = 0
                row_errors, row_formulas = {}, {}
            continue
        if tag in _CELLS:
            repeat = int(element.get(_COLS_REPEATED, "1"))
            if want_errors and element.get(_VALUE_TYPE) == "error":
                shown = "".join(element.itertext()).strip() or "#N/A"
                row_errors.update({col + k: shown for k in range(repeat)})
            elif want_formulas and element.get(_FORMULA) and not any(element.get(v) is not None for v in _VALUES) \
                    and not "".join(element.itertext()).strip():
                formula = shown_formula(element.get(_FORMULA))
                row_formulas.update({col + k: formula for k in range(repeat)})
            col += repeat
            element.clear()
        elif tag == _ROW:
            repeat = int(element.get(_ROWS_REPEATED, "1"))
            for marks, found in ((row_errors, errors), (row_formulas, formulas)):
                if marks:
                    cells = found.setdefault(sheet, {})
                    for r in range(row, row + repeat):
                        cells.update({(r, c): v for c, v in marks.items()})
            row += repeat
            element.clear()


def ods_error_cells(data: bytes) -> CellMarks:
    return ods_cell_marks(data)[0]
