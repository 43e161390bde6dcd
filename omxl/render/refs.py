"""A1 references in formula text, moved as Excel moves them when rows are inserted, and renamed sheets.

Rendering a table marker inserts (rows - 1) rows under the template's one data row. Every reference to that
sheet then follows Excel's own rule for inserted rows: a row below the data row moves down, and a range that
covers the data row (start <= data row <= end) grows to the last data row. The tokeniser skips string
literals ("B6" in quotes stays), bracketed parts and what follows them (structured references, another
book's sheets) and names that merely look like references (LOG10( is a function, ABC1_x a name).
Whole-column references (B:B) never move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_ROW = 1_048_576

_SHEET = r"(?:'(?:[^']|'')+'|[A-Za-z_\u00c0-\uffff][\w.\u00c0-\uffff]*)!"
_CELL = r"\$?[A-Za-z]{1,3}\$?\d+"
_TOKEN = re.compile(
    r'"(?:[^"]|"")*"'  # a string literal: never a reference
    r"|\[[^\]]*\]"  # a structured reference's column or an external book: left alone
    rf"|(?<![\w.$'!\]\u00c0-\uffff])(?P<sheet>{_SHEET})?"  # not inside a name, not after [book]
    rf"(?P<ref>{_CELL}(?::{_CELL})?|\$?\d+:\$?\d+|\$?[A-Za-z]{{1,3}}:\$?[A-Za-z]{{1,3}})"
    r"(?![\w(!.\u00c0-\uffff])"
)
_PART = re.compile(r"(\$?)([A-Za-z]{0,3})(\$?)(\d*)")
_PLAIN_SHEET = re.compile(r"[A-Za-z_][\w.]*")
_LOOKS_LIKE_REF = re.compile(r"^(?:[A-Za-z]{1,3}\d+|R\d*C\d*|TRUE|FALSE)$", re.I)


@dataclass
class Moves:
    """What rendering did to the workbook's rows and sheet names.

    inserts  sheet name (as in the template, casefolded) -> [(data row, rows inserted under it)]
    renames  template sheet name (casefolded) -> rendered sheet name
    """

    inserts: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    renames: dict[str, str] = field(default_factory=dict)

    def insert(self, sheet: str, data_row: int, added: int) -> None:
        if added:
            self.inserts.setdefault(sheet.casefold(), []).append((data_row, added))

    def rename(self, old: str, new: str) -> None:
        if old != new:
            self.renames[old.casefold()] = new

    def __bool__(self) -> bool:
        return bool(self.inserts or self.renames)

    def _steps(self, sheet: str | None) -> list[tuple[int, int]]:
        # Lower tables first: moving by an upper table's rows must also move a lower table's data row.
        return sorted(self.inserts.get(sheet.casefold(), []), reverse=True) if sheet is not None else []

    def row(self, sheet: str | None, row: int, end: bool = False) -> int:
        """Where template row `row` of `sheet` lands; `end` for the last row of a range (which stretches)."""
        for data_row, added in self._steps(sheet):
            if row > data_row or (end and row == data_row):
                row += added
        return min(row, MAX_ROW)

    def span(self, sheet: str | None, start: int, end: int) -> tuple[int, int]:
        for data_row, added in self._steps(sheet):
            if start > data_row:
                start += added
            if end >= data_row:
                end += added
        return min(start, MAX_ROW), min(end, MAX_ROW)

    def formula(self, text: str, host: str | None, stretch: bool = False) -> str:
        """`text` (a formula without or with its '=') with its references moved; unprefixed references
        belong to `host` (None: a defined name's or a chart's text, whose references carry their sheet).
        A single cell on the data row stays the first record's cell, unless `stretch` (a chart series: one
        cell there is the one-row table the author saw)."""
        if not self or not text:
            return text
        return _TOKEN.sub(lambda m: self._token(m, host, stretch), text)

    def sqref(self, text: str, host: str | None, stretch: bool = True) -> str:
        """A space-separated list of ranges on `host` (sqref and ref attributes). There a single cell is a
        one-cell range, so a cell on the data row (a conditional format on C6) stretches to C6:C{last}; with
        stretch=False (activeCell, topLeftCell: always one cell) it only moves."""
        if not self.inserts or not text:
            return text
        return " ".join(self._ref(piece, host, stretch) for piece in text.split())

    def _token(self, match: re.Match, host: str | None, stretch: bool = False) -> str:
        ref = match.group("ref")
        if ref is None:
            return match.group(0)
        prefix = match.group("sheet")
        sheet = host
        if prefix:
            sheet = unquote(prefix[:-1])
            renamed = self.renames.get(sheet.casefold())
            if renamed is not None:
                prefix = quote(renamed) + "!"
        return (prefix or "") + self._ref(ref, sheet, stretch)

    def _ref(self, ref: str, sheet: str | None, stretch: bool = False) -> str:
        if sheet is None or sheet.casefold() not in self.inserts:
            return ref
        first, colon, second = ref.partition(":")
        a, b = _PART.fullmatch(first), _PART.fullmatch(second) if colon else None
        if a is None or (colon and b is None) or not a.group(4) or (b is not None and not b.group(4)):
            return ref  # whole columns (B:B), or something that is not an A1 reference
        if b is None and not stretch:
            return _with_row(a, self.row(sheet, int(a.group(4))))
        if b is None:
            start, end = self.span(sheet, int(a.group(4)), int(a.group(4)))
            return _with_row(a, start) + ("" if start == end else ":" + _with_row(a, end))
        start, end = self.span(sheet, int(a.group(4)), int(b.group(4)))
        return _with_row(a, start) + ":" + _with_row(b, end)


def _with_row(part: re.Match, row: int) -> str:
    return part.group(1) + part.group(2) + part.group(3) + str(row)


def unquote(sheet: str) -> str:
    if sheet.startswith("'") and sheet.endswith("'") and len(sheet) >= 2:
        return sheet[1:-1].replace("''", "'")
    return sheet


def quote(sheet: str) -> str:
    """The sheet name as a formula writes it: quoted unless it is a plain name that cannot be read as a cell."""
    if _PLAIN_SHEET.fullmatch(sheet) and not _LOOKS_LIKE_REF.match(sheet):
        return sheet
    return "'" + sheet.replace("'", "''") + "'"
