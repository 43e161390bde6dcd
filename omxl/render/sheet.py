"""One worksheet part: its Jinja cells rendered, its table markers expanded, its references moved.

Works on the part's XML text, not through a spreadsheet library, so everything in it the engine does not
touch (extensions, sparklines, page setup) stays as the author's Excel wrote it. Two passes: scan() renders
every cell and finds the markers (so the rows every table inserts are known for the whole workbook), then
build() writes the part with rows renumbered and every reference moved (refs.Moves).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterator
from xml.sax.saxutils import escape, unescape

import pandas as pd

from ..io.address import column_letter
from .cells import empty_cell, text_cell, value_cell
from .errors import Problem
from .environment import SINGLE_EXPRESSION, TABLE_MARKER, TableMarker, has_jinja
from .heights import at_least, column_widths, header_height
from .refs import Moves
from .stylebook import StyleBook
from .table import Marker, TableRows, data_rows, header_cells
from ..presentation.sheets import labels_for

_SHEET_DATA = re.compile(r"<sheetData\b[^>]*?(?:/>|>(.*?)</sheetData>)", re.S)
_ROW = re.compile(r"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(r'\br="\$?([A-Z]{1,3})\$?(\d+)"')
_ATTR_R = re.compile(r'(?<=\s)r="[^"]*"')
_INLINE_TEXT = re.compile(r"<t\b[^>]*>(.*?)</t>", re.S)
_HEADER_FOOTER = re.compile(r"<(oddHeader|oddFooter|evenHeader|evenFooter|firstHeader|firstFooter)>(.*?)</\1>", re.S)
_FORMULA_ELEMENTS = re.compile(r"<((?:\w+:)?(?:f|formula|formula1|formula2))\b([^>]*)>(.*?)</\1>", re.S)
_SQREF_ELEMENTS = re.compile(r"<(xm:sqref)>(.*?)</\1>", re.S)
_REF_ATTRS = re.compile(r'(?<=\s)(sqref|ref|activeCell|topLeftCell)="([^"]*)"')
_ONE_CELL_ATTRS = ("activeCell", "topLeftCell")
_LOCATION_ATTR = re.compile(r'(?<=\s)location="([^"]*)"')
_ROW_BREAKS = re.compile(r"<rowBreaks\b.*?</rowBreaks>", re.S)
_ROW_BREAK_ID = re.compile(r'(?<=<brk\s)id="(\d+)"')
_CACHED_VALUE = re.compile(r"<v>.*?</v>|<v/>", re.S)
_RESULT_TYPE = re.compile(r'\s+t="(?:str|n|b|e)"')

# Rendering one piece of template text: (text, where) -> the value (keep_type) or the text.
Evaluate = Callable[[str, str, bool], object]


def column_index(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number - 1


@dataclass
class Cell:
    col: int
    attrs: str
    inner: str | None
    rendered: object = None  # a value (keep_type) or text, when the cell held an expression
    is_rendered: bool = False

    @property
    def style(self) -> int:
        match = re.search(r'(?<=\s)s="(\d+)"', self.attrs)
        return int(match.group(1)) if match else 0


@dataclass
class Row:
    number: int
    attrs: str
    cells: list[Cell]


@dataclass
class Sheet:
    """A worksheet part after scan(): its name (as in the template), rows, markers, rendered headers."""

    name: str
    rendered_name: str
    xml: str
    rows: list[Row] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    touched: bool = False
    _widths: "tuple[dict[int, float], float] | None" = None

    def width(self, col: int) -> float:
        """Column `col`'s width in characters (the template's <cols>)."""
        if self._widths is None:
            self._widths = column_widths(self.xml)
        widths, default = self._widths
        return widths.get(col, default)


def cell_text(cell_inner: str | None, attrs: str, shared: list[str]) -> str | None:
    """The text of a string cell (shared or inline), None for any other cell."""
    if cell_inner is None:
        return None
    kind = re.search(r'(?<=\s)t="(\w+)"', attrs)
    kind = kind.group(1) if kind else "n"
    if kind == "s":
        value = re.search(r"<v>(\d+)</v>", cell_inner)
        if value is None or int(value.group(1)) >= len(shared):
            return None
        return shared[int(value.group(1))]
    if kind == "inlineStr":
        body = re.sub(r"<rPh\b.*?</rPh>", "", cell_inner, flags=re.S)
        return unescape("".join(_INLINE_TEXT.findall(body)))
    return None


def scan(name: str, rendered_name: str, xml: str, shared: list[str], evaluate: Evaluate,
         evaluate_header: Evaluate) -> Sheet:
    """Render every Jinja cell and header/footer of the sheet and find its table markers."""
    sheet = Sheet(name, rendered_name, xml)
    data = _SHEET_DATA.search(xml)
    number = 0
    for row_match in _ROW.finditer(data.group(1) or "" if data else ""):
        # Row and cell numbers are optional in the file format (a row or cell without one follows the one
        # before); some writers leave them out. They are written in, so moving rows can renumber them.
        given = re.search(r'(?<=\s)r="(\d+)"', " " + row_match.group(1))
        number = int(given.group(1)) if given else number + 1
        row = Row(number, row_match.group(1) if given else f' r="{number}"{row_match.group(1)}', [])
        col = -1
        for cell_match in _CELL.finditer(row_match.group(2) or ""):
            ref = _REF.search(cell_match.group(1))
            col = column_index(ref.group(1)) if ref else col + 1
            attrs = cell_match.group(1) if ref else f' r="{column_letter(col)}{number}"{cell_match.group(1)}'
            cell = Cell(col, attrs, cell_match.group(2))
            row.cells.append(cell)
            text = cell_text(cell.inner, cell.attrs, shared)
            if text is None or not has_jinja(text):
                continue
            sheet.touched = True
            where = f"sheet '{name}', cell {column_letter(col)}{number}"
            marker = TABLE_MARKER.match(text)
            if marker:
                frame = evaluate("{{ " + marker.group("expr") + " }}", where, True)
                if not isinstance(frame, pd.DataFrame):
                    raise Problem(where, f"the table filter needs a DataFrame, and "
                                  f"'{marker.group('expr').strip()}' is a {type(frame).__name__}")
                if any(m.row == number for m in sheet.markers):
                    raise Problem(where, f"a second table marker in row {number}; put each table in its own "
                                  "rows")
                sheet.markers.append(Marker(number, cell.col, frame, marker.group("expr").strip()))
                continue
            single = SINGLE_EXPRESSION.match(text)
            cell.rendered = evaluate(text, where, bool(single))
            cell.is_rendered = True
            if isinstance(cell.rendered, TableMarker):
                raise Problem(where, "the table filter must be alone in its cell: {{ name | table }}")
        sheet.rows.append(row)
    marker_rows = {m.row for m in sheet.markers}
    for marker in sheet.markers:
        if marker.data_row in marker_rows:
            raise Problem(f"sheet '{name}', row {marker.data_row}", "a table marker right under another one; "
                          "each table needs its own data row under its marker")
    for tag, text in _HEADER_FOOTER.findall(xml):
        if has_jinja(unescape(text)):
            sheet.touched = True
            sheet.headers[tag] = str(evaluate_header(unescape(text), f"sheet '{name}', page {_page_part(tag)}",
                                                      False))
    return sheet


def _page_part(tag: str) -> str:
    return re.sub(r"([A-Z])", lambda m: " " + m.group(1).lower(), tag)


def needs_build(sheet: Sheet, moves: Moves) -> bool:
    return sheet.touched or bool(sheet.markers) or bool(moves)


def build(sheet: Sheet, moves: Moves, book: StyleBook) -> str:
    """The worksheet part's new XML."""
    return "".join(texts(build_parts(sheet, moves, book)))


def build_parts(sheet: Sheet, moves: Moves, book: StyleBook) -> "list[str | TableRows]":
    """The worksheet part's new XML as pieces in order, a table's records as TableRows (their text made when
    they are written). Every cell's format is in `book` when this returns."""
    xml = sheet.xml
    data = _SHEET_DATA.search(xml)
    head = xml[:data.start()] if data else xml
    tail = xml[data.end():] if data else ""
    body = _rows(sheet, moves, book) if data else []
    for tag, text in sheet.headers.items():
        tail = re.sub(rf"<{tag}>.*?</{tag}>", lambda m, t=tag, v=text: f"<{t}>{escape(v)}</{t}>", tail, count=1,
                      flags=re.S)
    opening = re.match(r"<sheetData\b[^>]*?(?=/?>)", xml[data.start():]).group(0) if data else ""
    middle = [f"{opening}>", *body, "</sheetData>"] if data else []
    return [move_references(head, sheet.name, moves), *middle, move_references(tail, sheet.name, moves)]


def texts(parts: "list[str | TableRows]") -> Iterator[str]:
    """build_parts' pieces as text, a table a block of rows at a time."""
    for part in parts:
        if isinstance(part, TableRows):
            yield from part.chunks()
        else:
            yield part


def records(sheet: Sheet) -> int:
    """The records all of the sheet's tables write."""
    return sum(len(marker.frame) for marker in sheet.markers)


def move_references(xml: str, host: str | None, moves: Moves) -> str:
    """Every reference in a worksheet's XML outside its cells (and in cell formulas) moved: sqref/ref
    attributes, conditional-format and validation formulas, hyperlink locations, x14 extensions."""
    if not moves:
        return xml
    xml = _FORMULA_ELEMENTS.sub(lambda m: f"<{m.group(1)}{_move_ref_attr(m.group(2), host, moves)}>"
                                f"{escape(moves.formula(unescape(m.group(3)), host))}</{m.group(1)}>", xml)
    xml = _SQREF_ELEMENTS.sub(lambda m: f"<{m.group(1)}>{moves.sqref(m.group(2), host)}</{m.group(1)}>", xml)
    # A page break under row N follows row N down; under a table's one data row, it goes under the last record.
    xml = _ROW_BREAKS.sub(lambda m: _ROW_BREAK_ID.sub(lambda b: f'id="{moves.row(host, int(b.group(1)), end=True)}"',
                                                      m.group(0)), xml)
    xml = _REF_ATTRS.sub(
        lambda m: f'{m.group(1)}="{moves.sqref(m.group(2), host, m.group(1) not in _ONE_CELL_ATTRS)}"', xml)
    return _LOCATION_ATTR.sub(
        lambda m: 'location="' + escape(moves.formula(unescape(m.group(1), {"&quot;": '"'}), host),
                                        {'"': "&quot;"}) + '"', xml)


def _move_ref_attr(attrs: str, host: str | None, moves: Moves) -> str:
    # A formula's ref (shared and array formulas) is the block of cells it fills: it only moves.
    return _REF_ATTRS.sub(lambda m: f'{m.group(1)}="{moves.sqref(m.group(2), host, False)}"', attrs)


def _cell_xml(cell: Cell, ref: str, sheet: Sheet, moves: Moves, book: StyleBook) -> str:
    if cell.is_rendered:
        if isinstance(cell.rendered, str):
            return text_cell(ref, cell.rendered, cell.style, book) if cell.rendered != "" else \
                empty_cell(ref, cell.style)
        return value_cell(ref, cell.rendered, cell.style, book)
    attrs = _ATTR_R.sub(f'r="{ref}"', cell.attrs, count=1)
    if cell.inner is None:
        return f"<c{attrs}/>"
    inner = cell.inner
    if "<f" in inner:
        if moves:
            inner = _FORMULA_ELEMENTS.sub(
                lambda m: f"<{m.group(1)}{_move_ref_attr(m.group(2), sheet.name, moves)}>"
                f"{escape(moves.formula(unescape(m.group(3)), sheet.name))}</{m.group(1)}>", inner)
        # The cached result was computed for the template's one row. Without it, LibreOffice (which ignores
        # fullCalcOnLoad) computes the formula on opening instead of showing the template's stale total.
        inner = _CACHED_VALUE.sub("", inner)
        attrs = _RESULT_TYPE.sub("", attrs)
    return f"<c{attrs}>{inner}</c>"


def _rows(sheet: Sheet, moves: Moves, book: StyleBook) -> "list[str | TableRows]":
    by_row = {row.number: row for row in sheet.rows}
    markers = {m.row: m for m in sheet.markers}
    data_markers = {m.data_row: m for m in sheet.markers}
    out: "list[str | TableRows]" = []
    for number in sorted(set(by_row) | set(data_markers)):
        row = by_row.get(number, Row(number, f' r="{number}"', []))
        target = moves.row(sheet.name, number)
        attrs = _ATTR_R.sub(f'r="{target}"', row.attrs, count=1)
        if number in data_markers:
            out.append(_data_rows(data_markers[number], row, target, sheet, moves, book))
            continue
        marker = markers.get(number)
        cells: list[tuple[int, str]] = []
        for cell in row.cells:
            if marker is not None and cell.col in marker.columns():
                continue
            cells.append((cell.col, _cell_xml(cell, f"{column_letter(cell.col)}{target}", sheet, moves, book)))
        if marker is not None:
            styles = {cell.col: cell.style for cell in row.cells}
            for i, xml in enumerate(header_cells(marker, target, styles, sheet.rendered_name, book)):
                cells.append((marker.col + i, xml))
            cells.sort(key=lambda pair: pair[0])
            attrs = _header_row_attrs(attrs, marker, styles, sheet, book)
        out.append(f"<row{_without_spans(attrs)}>" + "".join(xml for _, xml in cells) + "</row>"
                   if cells or row.cells else f"<row{attrs}/>")
    return out


def _header_row_attrs(attrs: str, marker: Marker, styles: dict[int, int], sheet: Sheet, book: StyleBook) -> str:
    """The header row's attributes with the height its wrapped labels need (a label in two lines would otherwise
    print over the first record)."""
    default = styles.get(marker.col, 0)
    formats = [styles.get(col, default) for col in marker.columns()]
    labels = labels_for(marker.frame.columns, sheet.rendered_name)
    height = header_height(list(labels), [sheet.width(col) for col in marker.columns()],
                           [book.font_size(xf) for xf in formats], [book.wraps(xf) for xf in formats])
    return attrs if height is None else at_least(attrs, height)


def _without_spans(attrs: str) -> str:
    # spans is only a hint of the row's first and last columns; a table may widen the row.
    return re.sub(r'\s+spans="[^"]*"', "", attrs)


def _data_rows(marker: Marker, row: Row, first: int, sheet: Sheet, moves: Moves, book: StyleBook) -> TableRows:
    """The table's records from row `first` on; the data row's cells outside the table stay in the first."""
    styles = {cell.col: cell.style for cell in row.cells}
    left = "".join(_cell_xml(c, f"{column_letter(c.col)}{first}", sheet, moves, book)
                   for c in row.cells if c.col < marker.col)
    right = "".join(_cell_xml(c, f"{column_letter(c.col)}{first}", sheet, moves, book)
                    for c in row.cells if c.col >= marker.col + max(marker.width, 1))
    attrs = _without_spans(re.sub(r'(?<=\s)r="[^"]*"\s*', "", row.attrs)).strip()
    return data_rows(marker, first, styles, sheet.rendered_name, book, " " + attrs if attrs else "", left, right,
                     widths={col: sheet.width(col) for col in marker.columns()})
