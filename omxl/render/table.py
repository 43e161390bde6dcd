"""A table marker's DataFrame as worksheet rows: a header row of labels, then one row per record.

Rows are built column by column with the result-sheet writer's vectorised cell builder (io/xlsx/sheetxml),
so 100,000 rows take no Python loop per row. Each column takes its cell format from the template's data row
(the row under the marker); the presentation layer gives labels and, where that format is General, the
column's number format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
import pandas as pd

from ..io.address import column_letter
from ..io.xlsx.sheetxml import _column_cells  # the result-sheet writer's column-wise cell builder
from ..io.xlsx.sheetxml import CHUNK_ROWS, DATE_FORMAT, DATETIME_FORMAT, EXCEL_EPOCH, NANOS_PER_DAY
from ..presentation.columns import kind_of
from ..presentation.sheets import labels_for, number_format
from ..io.safety import formula_like_mask, xml_escape
from .cells import text_cell
from .heights import DEFAULT_FONT_SIZE, at_least, lines_per_row, row_height
from .stylebook import StyleBook, style_attr


@dataclass
class Marker:
    """A `{{ name | table }}` cell: its row and 0-based column, the frame, and the template's formats."""

    row: int
    col: int
    frame: pd.DataFrame
    expression: str

    @property
    def data_row(self) -> int:
        return self.row + 1

    @property
    def width(self) -> int:
        return len(self.frame.columns)

    @property
    def added(self) -> int:
        """Rows inserted under the data row: none for 0 or 1 records (0 leaves the data row empty)."""
        return max(len(self.frame) - 1, 0)

    def columns(self) -> range:
        return range(self.col, self.col + max(self.width, 1))


class _ColumnStyles:
    """sheetxml's style lookup for one column: the template cell's format, with a number format over General
    and the quote prefix for formula-like text."""

    def __init__(self, book: StyleBook, xf: int):
        self.book, self.xf = book, xf

    def attrs(self, num_format: str | None, quote: bool = False) -> np.ndarray:
        return np.array([style_attr(self.book.variant(self.xf, num_format, quote))], dtype=object)


def header_cells(marker: Marker, row: int, styles: dict[int, int], sheet: str, book: StyleBook) -> list[str]:
    """The label cells of the header row (at `row` after moves); `styles` maps column -> template format."""
    labels = labels_for(marker.frame.columns, sheet)
    default = styles.get(marker.col, 0)
    return [text_cell(f"{column_letter(marker.col + i)}{row}", label, styles.get(marker.col + i, default), book)
            for i, label in enumerate(labels)]


class TableRows:
    """A table's records as worksheet XML, made CHUNK_ROWS rows at a time: the cells are worked out (and their
    formats added to the workbook's styles) when the table is built, the text of each block of rows only when
    it is written, so a 390,000-row table is never one string and its deflating can run beside the joining."""

    def __init__(self, pieces: list, n_rows: int):
        self.pieces, self.n_rows = pieces, n_rows

    def chunks(self) -> Iterator[str]:
        for start in range(0, self.n_rows, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, self.n_rows)
            # One row of the grid per record, one column per piece: its cells in reading order are the text.
            grid = np.empty((stop - start, len(self.pieces)), dtype=object)
            for position, piece in enumerate(self.pieces):
                grid[:, position] = piece[start:stop] if isinstance(piece, np.ndarray) else piece
            yield "".join(grid.ravel().tolist())


def data_rows(marker: Marker, first_row: int, styles: dict[int, int], sheet: str, book: StyleBook,
              row_attrs: str = "", left: str = "", right: str = "", widths: "dict[int, float] | None" = None
              ) -> TableRows:
    """The <row> elements of the table's records from row `first_row` on. `styles` maps column -> template
    format of the data row; `row_attrs` are the data row's attributes (height, format) for every row; `left`
    and `right` are the data row's cells beside the table, kept in the first row. With no records, one row
    of empty cells carrying the data row's formats. `widths` (column -> width in characters) gives the rows
    whose wrapped cells need more than one line the height they need.

    Each row is the concatenation of pieces (constants and per-row arrays) joined a block of rows at a time
    (TableRows), so no intermediate string is made per cell."""
    frame = marker.frame.reset_index(drop=True)
    default = styles.get(marker.col, 0)
    n_rows = max(len(frame), 1)
    numbers = np.array(list(map(str, range(first_row, first_row + n_rows))), dtype=object)
    pieces: list = ['<row r="', numbers, '"', _row_attrs(frame, marker, styles, book, row_attrs, widths or {}), ">"]
    if left:
        pieces.append(_first_only(left, n_rows))
    if len(frame) == 0:
        pieces.append("".join(f'<c r="{column_letter(c)}{first_row}"{style_attr(styles.get(c, default))}/>'
                              for c in marker.columns()))
    fill_index = np.zeros(len(frame), dtype=np.intp)
    for i, name in enumerate(frame.columns if len(frame) else []):
        column = marker.col + i
        values = frame.iloc[:, i]
        xf = styles.get(column, default)
        fmt = number_format(values, kind_of(str(name), sheet)) if book.is_general(xf) else None
        letter = column_letter(column)
        column_styles = _ColumnStyles(book, xf)
        fast = _fast_pieces(values, letter, numbers, column_styles, fmt)
        if fast is not None:
            pieces.extend(fast)
            continue
        built = _column_cells(values, letter + numbers, column_styles, fill_index, fmt)
        empty = built == ""
        if empty.any():  # a blank value keeps the data row's format, as the author styled it
            built[empty] = f'<c r="{letter}' + numbers[empty] + f'"{style_attr(xf)}/>'
        pieces.append(built)
    if right:
        pieces.append(_first_only(right, n_rows))
    pieces.append("</row>")
    merged: list = []
    for piece in pieces:  # adjacent constants as one piece: fewer pieces for the final join
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    return TableRows(merged, n_rows)


def _row_attrs(frame: pd.DataFrame, marker: Marker, styles: dict[int, int], book: StyleBook, row_attrs: str,
               widths: dict[int, float]) -> "str | np.ndarray":
    """Each record's row attributes: the data row's, with a height for a record whose wrapped text needs more
    lines than the data row shows."""
    default = styles.get(marker.col, 0)
    wrapped = [(i, styles.get(marker.col + i, default)) for i in range(len(frame.columns))
               if book.wraps(styles.get(marker.col + i, default)) and marker.col + i in widths]
    if not wrapped or frame.empty:
        return row_attrs
    lines = np.ones(len(frame), dtype=np.int64)
    sizes = np.full(len(frame), DEFAULT_FONT_SIZE)
    for i, xf in wrapped:
        column = frame.iloc[:, i]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
            continue
        size = book.font_size(xf)
        these = lines_per_row(column, widths[marker.col + i], size)
        sizes = np.where(these > lines, size, sizes)
        lines = np.maximum(lines, these)
    tall = lines > 1
    if not tall.any():
        return row_attrs
    out = np.full(len(frame), row_attrs, dtype=object)
    for count, size in set(zip(lines[tall].tolist(), sizes[tall].tolist())):
        out[tall & (lines == count) & (sizes == size)] = at_least(row_attrs, row_height(count, size))
    return out


def _number_text(floats: np.ndarray) -> np.ndarray:
    """Shortest round-trip text of each number (Python's repr, some ten times faster than numpy's astype);
    whole numbers without '.0', as sheetxml writes them. Each distinct number is written once: quantities and
    dates repeat down a column."""
    codes, distinct = pd.factorize(floats, use_na_sentinel=False)
    distinct = np.asarray(distinct, dtype=np.float64)
    text = np.array(list(map(repr, distinct.tolist())), dtype=object)
    whole = (distinct == np.round(distinct)) & (np.abs(distinct) < 1e15)
    if whole.any():
        text[whole] = list(map(str, distinct[whole].astype(np.int64).tolist()))
    return text[codes]


def _first_only(text: str, n_rows: int) -> np.ndarray:
    out = np.full(n_rows, "", dtype=object)
    out[0] = text
    return out


# Characters that need escaping (or removing) in XML element text (io/safety.py's xml_escape): a text with none
# of them is its own escaped text.
_NEEDS_ESCAPE = np.zeros(128, dtype=bool)
_NEEDS_ESCAPE[[ord(c) for c in "&<>\r"] + [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]] = True
_ESCAPED_WIDE = (0xFFFE, 0xFFFF)
# What str.isspace (and so str.strip) takes for whitespace, for the ASCII characters.
_ASCII_SPACE = np.array([chr(c).isspace() for c in range(128)], dtype=bool)
# The first characters of formula-like text (io/safety.py's _FORMULA_LIKE).
_FORMULA_FIRST = np.array([ord(c) for c in "=+-@\t\r"], dtype=np.uint32)


def _text_facts(texts: list[str], joined: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """Of each text (`joined`: the texts joined by line breaks): whether escaping changes it, whether it starts or
    ends with whitespace (which only xml:space="preserve" keeps); and whether any text starts like a formula.
    Read off the characters as one array: a Python step per text costs more than the rest of the column."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.cumsum(lengths + 1) - (lengths + 1)
    chars = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    wide = chars > 127
    flagged = _NEEDS_ESCAPE[np.where(wide, 0, chars)] | (wide & np.isin(chars, _ESCAPED_WIDE))
    needs_escape = np.zeros(len(texts), dtype=bool)
    needs_escape[np.searchsorted(starts, np.flatnonzero(flagged), side="right") - 1] = True
    filled = lengths > 0
    ends = np.concatenate([chars[starts[filled]], chars[(starts + lengths - 1)[filled]]])
    space = _ASCII_SPACE[np.minimum(ends, 127)]
    if (ends > 127).any():
        wide_ends = ends > 127
        distinct, inverse = np.unique(ends[wide_ends], return_inverse=True)
        space[wide_ends] = np.array([chr(c).isspace() for c in distinct.tolist()], dtype=bool)[inverse]
    padded = np.zeros(len(texts), dtype=bool)
    padded[filled] = space[:int(filled.sum())] | space[int(filled.sum()):]
    formula = bool(np.isin(ends[:int(filled.sum())], _FORMULA_FIRST).any())
    return needs_escape, padded, formula


def _fast_pieces(values: pd.Series, letter: str, numbers: np.ndarray, styles: _ColumnStyles,
                 fmt: str | None) -> list | None:
    """The pieces of the commonest columns without blanks: numbers, dates (as sheetxml writes them), and text
    (string dtype, or object holding only str). None for anything else, which sheetxml's general builder
    handles."""
    kind = values.dtype
    if values.isna().any():
        return None
    if pd.api.types.is_integer_dtype(kind) and not pd.api.types.is_bool_dtype(kind):
        codes, distinct = pd.factorize(values.to_numpy(dtype=np.int64))
        text = np.array(list(map(str, np.asarray(distinct, dtype=np.int64).tolist())), dtype=object)[codes]
        return [f'<c r="{letter}', numbers, f'"{styles.attrs(fmt)[0]}><v>', text, "</v></c>"]
    if pd.api.types.is_float_dtype(kind):
        floats = values.to_numpy(dtype=float)
        if not np.isfinite(floats).all():
            return None
        return [f'<c r="{letter}', numbers, f'"{styles.attrs(fmt)[0]}><v>', _number_text(floats), "</v></c>"]
    if pd.api.types.is_datetime64_any_dtype(kind) and getattr(values.dt, "tz", None) is None:
        stamps = values.to_numpy(dtype="datetime64[ns]")
        nanos = (stamps - EXCEL_EPOCH).astype(np.int64)
        has_time = bool((nanos % NANOS_PER_DAY).any())
        if not (fmt and "yy" in fmt) or (has_time and fmt == DATE_FORMAT):
            fmt = DATETIME_FORMAT if has_time else DATE_FORMAT  # never hide a time of day the data has
        return [f'<c r="{letter}', numbers, f'"{styles.attrs(fmt)[0]}><v>', _number_text(nanos / NANOS_PER_DAY),
                "</v></c>"]
    is_text = pd.api.types.is_string_dtype(kind) and (
        not pd.api.types.is_object_dtype(kind) or values.map(type).eq(str).all())
    if not is_text:
        return None
    # Escaping and the formula check run once per distinct text (ids, names and statuses repeat), and not at
    # all when no text holds a character that needs it: one scan of all distinct texts decides.
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=False)
    raw = np.asarray(uniques, dtype=object)
    texts = raw.tolist()
    needs_escape, padded, formula = _text_facts(texts, "\n".join(texts))
    escaped = raw
    if needs_escape.any():
        escaped = raw.copy()
        escaped[needs_escape] = [xml_escape(t) for t in raw[needs_escape].tolist()]
    literal = formula_like_mask(pd.Series(raw, dtype=object)) if formula else np.zeros(len(raw), dtype=bool)
    # xml:space="preserve" only where whitespace at either end must survive: it is a fifth of the sheet's bytes.
    opening = np.where(padded, '><is><t xml:space="preserve">', "><is><t>").astype(object)
    escaped, literal, empty, opening = escaped[codes], literal[codes], (raw == "")[codes], opening[codes]
    plain, quoted = styles.attrs(None)[0], styles.attrs(None, quote=True)[0]
    attrs = np.where(literal, quoted, plain).astype(object)
    if empty.any():  # an empty text is a blank cell with the column's format
        tail = np.full(len(codes), "</t></is></c>", dtype=object)
        kind_attr = np.full(len(codes), '" t="inlineStr"', dtype=object)
        kind_attr[empty], attrs[empty], opening[empty], tail[empty] = '"', plain, "/>", ""
        return [f'<c r="{letter}', numbers, kind_attr, attrs, opening, escaped, tail]
    return [f'<c r="{letter}', numbers, '" t="inlineStr"', attrs, opening, escaped, "</t></is></c>"]
