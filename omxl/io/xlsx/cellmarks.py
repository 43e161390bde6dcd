"""Filled cells in a worksheet's XML: the marked cells of the marked copy get a filled copy of their format.

The sheet is edited as text, like everything write_back and the marked copy do (see writeback.py), and
in one pass: only the rows holding marked cells are parsed and rebuilt, the text between them is passed
on as slices, so a 100,000-row sheet is never copied more than once. A marked cell that is absent from
the file (an empty cell) is inserted, taking the format its row or column gives it, and the sheet's
<dimension> and the row's spans are widened when it falls outside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..address import cell_position, column_index, column_letter
from . import package
from .styles import FilledFormats


_R_ATTR = re.compile(r'(?<=\s)r="([0-9]+)"')
_CELL_R_ATTR = re.compile(r'(?<=\s)r="([A-Z]{1,3})([0-9]+)"')
_S_ATTR = re.compile(r'(?<=\s)s="([0-9]*)"')




def fill_cells(xml: str, prefix: str, by_row: dict[int, dict[int, str]],
               formats: FilledFormats) -> tuple[str, list[str], str]:
    """Give each cell of `by_row` ({row: {column: fill colour}}, from 1) its format filled that colour.

    `prefix` is the worksheet's namespace prefix ('' or 'x:'). Returns (head up to and with <sheetData>,
    the rows as pieces, tail from </sheetData>), so that the caller can edit the small tail and join the
    pieces once."""
    opening = re.compile(rf"<{prefix}sheetData\b[^>]*?(/?)>").search(xml)
    if opening is None:
        return xml, [], ""
    column_styles = _column_styles(xml[:opening.start()], prefix)
    bounds = _Bounds()
    new_row = _RowWriter(prefix, column_styles, formats, bounds)
    pending = sorted(by_row)
    if opening.group(1):  # <sheetData/>
        head = xml[:opening.start()] + f"<{prefix}sheetData>"
        rows = [new_row.absent(row, by_row[row]) for row in pending]
        return _extend_dimension(head, prefix, bounds), rows, f"</{prefix}sheetData>" + xml[opening.end():]
    end = xml.rfind(f"</{prefix}sheetData>")
    close_row = f"</{prefix}row>"
    pieces: list[str] = []
    last = opening.end()
    previous = 0
    next_pending = 0
    # r= is nearly always the row tag's first attribute, so the common case needs no second search.
    row_start = re.compile(rf"<{prefix}row\b(?: r=\"([0-9]+)\")?([^>]*)>")
    for match in row_start.finditer(xml, opening.end(), end):
        number = match.group(1)
        if number is not None:
            row = int(number)
        else:
            found = _R_ATTR.search(" " + match.group(2))
            row = int(found.group(1)) if found else previous + 1
        previous = row
        if next_pending == len(pending):
            break
        if row < pending[next_pending]:
            continue
        pieces.append(xml[last:match.start()])
        last = match.start()
        while next_pending < len(pending) and pending[next_pending] < row:
            pieces.append(new_row.absent(pending[next_pending], by_row[pending[next_pending]]))
            next_pending += 1
        if next_pending < len(pending) and pending[next_pending] == row:
            targets = by_row[row]
            next_pending += 1
            if match.group(2).endswith("/"):
                row_end = match.end()
                start_tag = match.group(0)[:-2].rstrip() + ">"
                body = ""
            else:
                body_end = xml.find(close_row, match.end(), end)
                if body_end < 0:
                    continue
                row_end = body_end + len(close_row)
                start_tag = match.group(0)
                body = xml[match.end():body_end]
            pieces.append(new_row.existing(row, start_tag, body, targets))
            last = row_end
    pieces.append(xml[last:end])
    pieces.extend(new_row.absent(row, by_row[row]) for row in pending[next_pending:])
    return _extend_dimension(xml[:opening.end()], prefix, bounds), pieces, xml[end:]


@dataclass
class _Bounds:
    """The area of the cells inserted (to widen <dimension> when they fall outside it)."""
    rows: list[int] = field(default_factory=list)
    columns: list[int] = field(default_factory=list)

    def add(self, row: int, column: int) -> None:
        self.rows.append(row)
        self.columns.append(column)


class _RowWriter:
    def __init__(self, prefix: str, column_styles: list[tuple[int, int, int]], formats: FilledFormats,
                 bounds: _Bounds):
        self.prefix = prefix
        self.column_styles = column_styles
        self.formats = formats
        self.bounds = bounds
        self.cell = re.compile(rf"<{prefix}c(?=[\s/>])([^>]*?)(/>|>.*?</{prefix}c>)", re.S)

    def absent(self, row: int, targets: dict[int, str]) -> str:
        cells = "".join(self._new_cell(row, column, targets[column], None) for column in sorted(targets))
        return f'<{self.prefix}row r="{row}">{cells}</{self.prefix}row>'

    def existing(self, row: int, start_tag: str, body: str, targets: dict[int, str]) -> str:
        row_style = None
        if re.search(r'(?<=\s)customFormat="(1|true)"', start_tag):
            found = _S_ATTR.search(start_tag)
            row_style = int(found.group(1)) if found and found.group(1) else None
        wanted = sorted(targets)
        index = 0
        pieces: list[str] = []
        last = 0
        column = 0
        cells_end = 0
        inserted: list[int] = []
        for match in self.cell.finditer(body):
            cells_end = match.end()
            found = _CELL_R_ATTR.search(match.group(1))
            column = column_index(found.group(1)) + 1 if found else column + 1
            while index < len(wanted) and wanted[index] < column:
                pieces.append(body[last:match.start()])
                last = match.start()
                pieces.append(self._new_cell(row, wanted[index], targets[wanted[index]], row_style))
                inserted.append(wanted[index])
                index += 1
            if index < len(wanted) and wanted[index] == column:
                pieces.append(body[last:match.start()])
                pieces.append(self._restyle(match, targets[column]))
                last = match.end()
                index += 1
        if index < len(wanted):
            position = max(last, cells_end)  # after the last cell: before a row's <extLst>, if any
            pieces.append(body[last:position])
            last = position
            for col in wanted[index:]:
                pieces.append(self._new_cell(row, col, targets[col], row_style))
                inserted.append(col)
        pieces.append(body[last:])
        if inserted:
            start_tag = _widen_spans(start_tag, min(inserted), max(inserted))
        return start_tag + "".join(pieces) + f"</{self.prefix}row>"

    def _restyle(self, match: re.Match, rgb: str) -> str:
        attributes = match.group(1)
        found = _S_ATTR.search(attributes)
        original = int(found.group(1)) if found and found.group(1) else 0
        style = self.formats.index(original, rgb)
        if found:
            attributes = attributes[:found.start()] + f's="{style}"' + attributes[found.end():]
        else:
            attributes = attributes.rstrip() + f' s="{style}"'
        return f"<{self.prefix}c{attributes}{match.group(2)}"

    def _new_cell(self, row: int, column: int, rgb: str, row_style: int | None) -> str:
        # An empty cell shows its row's format (when the row has one) or else its column's: keep that look.
        original = row_style if row_style is not None else self._column_style(column)
        self.bounds.add(row, column)
        return f'<{self.prefix}c r="{column_letter(column - 1)}{row}" s="{self.formats.index(original, rgb)}"/>'

    def _column_style(self, column: int) -> int:
        for low, high, style in self.column_styles:
            if low <= column <= high:
                return style
        return 0


def _column_styles(head: str, prefix: str) -> list[tuple[int, int, int]]:
    """(min, max, style) of each <col> with a style: an absent cell takes its column's format."""
    result = []
    for tag in re.findall(rf"<{prefix}col\b[^>]*>", head):
        values = package.attrs(tag)
        if values.get("style", "0").isdigit() and values.get("min", "").isdigit() and values.get("max", "").isdigit():
            result.append((int(values["min"]), int(values["max"]), int(values.get("style", "0"))))
    return result


def _widen_spans(start_tag: str, low: int, high: int) -> str:
    found = re.search(r'(?<=\s)spans="([0-9]+):([0-9]+)"', start_tag)
    if not found:
        return start_tag
    first, last = int(found.group(1)), int(found.group(2))
    if low >= first and high <= last:
        return start_tag
    return start_tag[:found.start()] + f'spans="{min(first, low)}:{max(last, high)}"' + start_tag[found.end():]


def _extend_dimension(xml: str, prefix: str, bounds: _Bounds) -> str:
    if not bounds.rows:
        return xml
    found = re.compile(rf'<{prefix}dimension\b[^>]*?\bref="([^"]*)"').search(xml)
    if not found:
        return xml
    corners = [cell_position(c) for c in found.group(1).upper().split(":")]
    if not all(corners):
        return xml
    rows = [row for row, _ in corners] + [min(bounds.rows), max(bounds.rows)]
    columns = [column for _, column in corners] + [min(bounds.columns), max(bounds.columns)]
    top_left = f"{column_letter(min(columns) - 1)}{min(rows)}"
    bottom_right = f"{column_letter(max(columns) - 1)}{max(rows)}"
    ref = top_left if top_left == bottom_right else f"{top_left}:{bottom_right}"
    return xml[:found.start(1)] + ref + xml[found.end(1):]
