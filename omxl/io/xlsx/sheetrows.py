"""A result sheet (sheetxml.ResultSheet) as worksheet XML, a chunk of rows at a time.

A 390,000-row sheet is never held as one string per cell. Each chunk of rows is laid out as a grid of
pieces -- per cell its '<c r="B', its row number, its style and opening tag, its value, its closing tag --
almost all of them shared objects (one row-number text per row for all its cells, one text per distinct
value, a few style strings), and joined once. The bytes are exactly those sheetxml._column_cells writes cell
by cell; what depends on the whole column (whether its dates carry a time of day, which cells are numbers,
text or dates) is decided once per column before the first chunk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import pandas as pd

from ..cells import BLANK, BOOLEAN, DATETIME, NUM, STR, classify
from ..safety import formula_like_mask, xml_escape
from ..address import column_letter
from .sheetxml import (CHUNK_ROWS, DATE_FORMAT, DATETIME_FORMAT, EXCEL_EPOCH, NANOS_PER_DAY, ResultSheet,
                       _as_datetime, _CellStyles, _cols, _hyperlinks, _is_date_format)

_TEXT_OPEN = '><is><t xml:space="preserve">'
# Element text that xml_escape changes: markup characters, CR and the control characters XML forbids.
_NEEDS_ESCAPE = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# The blanks a text column may hold besides text (pd.isna's), all of which classify calls BLANK.
_BLANK_TYPES = {type(None), float, np.float64, type(pd.NA), type(pd.NaT)}
# Text that may start with a formula trigger (=, +, -, @, tab, CR) somewhere in the distinct texts joined by LF.
_MAY_LOOK_LIKE_FORMULA = re.compile(r"(?:^|\n)[=+\-@\t\r]")
_FLAGS = np.array(["0", "1"], dtype=object)


def sheet_xml(sheet: ResultSheet, style_ids: dict[str, int]) -> bytes:
    """The worksheet part for `sheet`; `style_ids` maps style names (required_styles) to cellXfs indexes."""
    return b"".join(sheet_xml_parts(sheet, style_ids))


def sheet_xml_parts(sheet: ResultSheet, style_ids: dict[str, int]) -> Iterator[bytes]:
    """sheet_xml in pieces, a chunk of rows at a time (row_chunks), for writing it into the
    package as it is made: a large sheet's XML is never held whole."""
    frame = sheet.frame.reset_index(drop=True)
    n_rows, n_cols = len(frame), len(frame.columns)
    letters = [column_letter(i) for i in range(max(n_cols, 1))]
    fills, fill_index = sheet.fills()
    header = "".join(
        f'<c r="{letters[i]}1" t="inlineStr" s="{style_ids["header"]}"><is><t xml:space="preserve">'
        f"{xml_escape(str(name))}</t></is></c>" for i, name in enumerate(frame.columns))
    last = f"{letters[n_cols - 1]}{n_rows + 1}" if n_cols else "A1"
    yield "".join([
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">',
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>',
        f'<dimension ref="A1:{last}"/>',
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
        'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>',
        '<sheetFormatPr defaultRowHeight="15"/>',
        _cols(frame, sheet.widths) if n_cols else "",
        '<sheetData><row r="1">', header, "</row>",
    ]).encode("utf-8")
    for rows in row_chunks(frame, letters, _CellStyles(style_ids, fills), fill_index, sheet.number_formats):
        yield rows.encode("utf-8")
    yield "".join([
        "</sheetData>",
        f'<autoFilter ref="A1:{last}"/>' if n_cols else "",
        _hyperlinks(frame, sheet.links, letters),
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>',
        '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>',
        "</worksheet>",
    ]).encode("utf-8")


@dataclass
class _Part:
    """The cells of one kind in a chunk of a column: which rows; per row the index of its head (type, style
    and opening tag: `heads`) and of its value text (`texts`); the closing tag."""

    rows: np.ndarray
    head_codes: np.ndarray
    heads: np.ndarray
    text_codes: np.ndarray
    texts: np.ndarray
    tail: str

    def bodies(self) -> tuple[np.ndarray, list[str]]:
        """The cells' XML after their reference, as (per row the index of its text, the texts): each distinct
        (head, value) pair joined once."""
        pairs, keys = pd.factorize(self.text_codes.astype(np.int64) * len(self.heads) + self.head_codes)
        heads, texts = self.heads.tolist(), self.texts.tolist()
        width = len(heads)
        return pairs, [heads[key % width] + texts[key // width] + self.tail for key in keys.tolist()]


class _Column:
    """One column's whole-column decisions, and its cells for any chunk of rows."""

    def __init__(self, values: pd.Series, letter: str, styles: _CellStyles, num_format: str | None):
        self.values, self.opening, self.styles = values, f'<c r="{letter}', styles
        self.kind, self.num_format = "object", num_format
        self.gap_heads = _heads(styles.attrs(None), "/>", '"')
        if pd.api.types.is_bool_dtype(values.dtype):
            self.kind = "bool"
        elif pd.api.types.is_numeric_dtype(values.dtype):
            self.kind = "number"
            self.number_heads = _heads(styles.attrs(None if _is_date_format(num_format) else num_format))
        elif pd.api.types.is_datetime64_any_dtype(values.dtype):
            self.kind = "date"
            self.serials, self.date_heads = _date_serials(values, styles, num_format)
        else:
            self.objects = values.astype(object).reset_index(drop=True)
            self.classes = _classes(values, self.objects)
            self.serials = None
            dated = self.classes == DATETIME
            if dated.any():
                typed = pd.to_datetime(self.objects[dated].reset_index(drop=True).map(_as_datetime), errors="coerce")
                self.serials = np.full(len(values), np.nan)
                self.serials[dated], self.date_heads = _date_serials(typed, styles, num_format)

    def cells(self, start: int, stop: int, fill: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """The cells of rows start..stop after their reference: (per row the index of its text, -1 for none;
        the texts)."""
        codes = np.full(stop - start, -1, dtype=np.intp)
        texts: list[str] = []
        for part in self.parts(start, stop, fill):
            pairs, joined = part.bodies()
            codes[part.rows] = pairs + len(texts)
            texts += joined
        # A blank cell of a filled row gets the fill too (a styled empty cell): the row reads as one band.
        gaps = (fill > 0) & (codes < 0)
        if gaps.any():
            codes[gaps] = fill[gaps] + len(texts)
            texts += self.gap_heads.tolist()
        return codes, texts

    def parts(self, start: int, stop: int, fill: np.ndarray) -> list[_Part]:
        if self.kind == "bool":
            return [_bool_part(self.values.iloc[start:stop], np.ones(stop - start, dtype=bool), self.styles, fill)]
        if self.kind == "number":
            return [_number_part(self.values.iloc[start:stop], np.ones(stop - start, dtype=bool),
                                 self.number_heads, fill)]
        if self.kind == "date":
            return [_serial_part(self.serials[start:stop], self.date_heads, fill)]
        return self._object_parts(start, stop, fill)

    def _object_parts(self, start: int, stop: int, fill: np.ndarray) -> list[_Part]:
        """Object columns (text, and values carried from the user's sheet: numbers, booleans, dates mixed)."""
        classes = self.classes[start:stop]
        objects = self.objects.iloc[start:stop]
        parts = []
        numbers = classes == NUM
        if numbers.any():
            typed = pd.to_numeric(objects[numbers].reset_index(drop=True))
            if pd.api.types.is_bool_dtype(typed.dtype):
                parts.append(_bool_part(typed, numbers, self.styles, fill))
            else:
                heads = _heads(self.styles.attrs(None if _is_date_format(self.num_format) else self.num_format))
                parts.append(_number_part(typed, numbers, heads, fill))
        flags = classes == BOOLEAN
        if flags.any():
            parts.append(_bool_part(objects[flags].reset_index(drop=True).astype("boolean"), flags, self.styles,
                                    fill))
        if self.serials is not None:
            parts.append(_serial_part(self.serials[start:stop], self.date_heads, fill))
        text = (classes != BLANK) & ~np.isin(classes, (NUM, BOOLEAN, DATETIME))
        if text.any():
            parts.append(_text_part(objects[text], text, bool((classes[text] == STR).all()), self.styles, fill))
        return parts


def row_chunks(frame: pd.DataFrame, letters: list[str], styles: _CellStyles, fill_index: np.ndarray,
               number_formats: dict) -> Iterator[str]:
    """The <row> elements of `frame`'s data (rows 2, 3, ...), CHUNK_ROWS rows per piece of text.

    A row is laid out as '<row r="', its number, then per column a lead and the row number again, and a last
    lead: column j's lead is the end of cell j - 1 ('" s="4"><v>7</v></c>', or the row's '">') followed by
    the start of cell j ('<c r="B'), either of them '' for a blank. Leads repeat (a few styles, values that
    recur), so each distinct one is a shared string."""
    columns = [_Column(frame.iloc[:, position], letters[position], styles, number_formats.get(name))
               for position, name in enumerate(frame.columns)]
    for start in range(0, len(frame), CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, len(frame))
        fill = fill_index[start:stop]
        numbers = np.array(list(map(str, range(start + 2, stop + 2))), dtype=object)
        grid = np.empty((stop - start, 2 * len(columns) + 3), dtype=object)
        grid[:, 0], grid[:, 1] = '<row r="', numbers
        # The end of the cell before: per row an index into `ends` (0: nothing, for a blank).
        before, ends = np.zeros(stop - start, dtype=np.intp), ['">']
        for position, column in enumerate(columns):
            cells, texts = column.cells(start, stop, fill)
            present = cells >= 0
            grid[:, 2 + 2 * position] = _leads(before, ends, present, column.opening)
            grid[:, 3 + 2 * position] = numbers if present.all() else np.where(present, numbers, "")
            before, ends = cells + 1, [""] + texts
        grid[:, -1] = _leads(before, ends, np.zeros(stop - start, dtype=bool), "</row>", always=True)
        yield "".join(grid.ravel().tolist())


def _leads(before: np.ndarray, ends: list[str], present: np.ndarray, opening: str, always: bool = False
           ) -> np.ndarray:
    """Per row, ends[before] followed by `opening` where `present` (or `always`), each distinct one made once."""
    if always or present.all():  # the usual case, a column without blanks: one lead per end
        return np.array([end + opening for end in ends], dtype=object)[before]
    if not present.any():
        return np.array(ends, dtype=object)[before]
    pairs, keys = pd.factorize(before * 2 + present)
    joined = [ends[key >> 1] + opening if key & 1 else ends[key >> 1] for key in keys.tolist()]
    return np.array(joined, dtype=object)[pairs]


def _heads(attrs: np.ndarray, opening: str = "><v>", kind: str = '"') -> np.ndarray:
    """Per fill index, the piece between a cell's reference and its value: '"' + type + style + opening tag."""
    return np.array([kind + attr + opening for attr in attrs.tolist()], dtype=object)


def _classes(values: pd.Series, objects: pd.Series) -> np.ndarray:
    """cells.classify of `objects` (`values` as objects), without looking at each value's type when the column
    can hold only text and blanks: a string dtype, or objects that are all text (pandas' check runs in C)."""
    blank = None
    if isinstance(values.dtype, pd.StringDtype):
        blank = values.isna().to_numpy()
    elif pd.api.types.infer_dtype(objects, skipna=True) in ("string", "empty"):
        blank = objects.isna().to_numpy()
        if blank.any() and not set(map(type, pd.unique(objects.to_numpy()[blank]))) <= _BLANK_TYPES:
            blank = None
    if blank is None:
        return classify(objects)
    return np.where(blank, BLANK, STR).astype(np.int8)


def _bool_part(values: pd.Series, rows: np.ndarray, styles: _CellStyles, fill: np.ndarray) -> _Part:
    present = values.notna().to_numpy()
    flags = values.fillna(False).to_numpy(dtype=bool)[present].astype(np.intp)
    at = _within(rows, present)
    return _Part(at, fill[at], _heads(styles.attrs(None), "><v>", '" t="b"'), flags, _FLAGS, "</v></c>")


def _number_part(values: pd.Series, rows: np.ndarray, heads: np.ndarray, fill: np.ndarray) -> _Part:
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    present = np.isfinite(numbers)
    at = _within(rows, present)
    return _Part(at, fill[at], heads, *number_texts(numbers[present]), "</v></c>")


def _serial_part(serials: np.ndarray, heads: np.ndarray, fill: np.ndarray) -> _Part:
    present = np.isfinite(serials)
    return _Part(present, fill[present], heads, *number_texts(serials[present]), "</v></c>")


def _within(rows: np.ndarray, present: np.ndarray) -> np.ndarray:
    """The chunk's rows mask of the present ones among `rows` (`present` is per row of `rows`)."""
    at = rows.copy()
    at[rows] = present
    return at


def _text_part(objects: pd.Series, rows: np.ndarray, only_text: bool, styles: _CellStyles, fill: np.ndarray
               ) -> _Part:
    # Each distinct text is checked and escaped once: statuses, SKUs, sheet and file names repeat on thousands
    # of rows; and none is escaped when none holds a character that needs it. Values that are not text (times,
    # durations, decimals) are turned into text first: two equal ones may print differently (Decimal 1 and 1.0).
    values = objects if only_text else objects.map(str)
    codes, distinct = pd.factorize(values.to_numpy(dtype=object))
    texts = pd.Series(distinct.tolist() if only_text else distinct, dtype=object)
    if only_text and any(type(text) is not str for text in texts.tolist()):
        texts = texts.map(str)
    if _NEEDS_ESCAPE.search("\n".join(texts.tolist())):
        escaped = texts.map(xml_escape).to_numpy(dtype=object)
    else:
        escaped = texts.to_numpy(dtype=object)
    literal = np.zeros(len(texts), dtype=bool)
    if _MAY_LOOK_LIKE_FORMULA.search("\n".join(texts.tolist())):  # a quick look before the exact test
        literal = formula_like_mask(texts)
    plain = _heads(styles.attrs(None), _TEXT_OPEN, '" t="inlineStr"')
    quoted = _heads(styles.attrs(None, quote=True), _TEXT_OPEN, '" t="inlineStr"')
    # Heads: the plain ones per fill index, then the quote-prefixed ones.
    head_codes = fill[rows] + np.where(literal[codes], len(plain), 0)
    return _Part(rows, head_codes, np.concatenate([plain, quoted]), codes, escaped, "</t></is></c>")


def _date_serials(values: pd.Series, styles: _CellStyles, num_format: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Excel serials of a datetime column (NaN where blank) and per fill index the head of its cells: a date
    format, or a date-and-time one when any value has a time of day (never hidden)."""
    stamps = pd.to_datetime(values).dt.tz_localize(None) if getattr(values.dt, "tz", None) else pd.to_datetime(values)
    present = stamps.notna().to_numpy()
    serials = np.full(len(values), np.nan)
    if not present.any():
        return serials, _heads(styles.attrs(None))
    nanos = stamps[present].to_numpy(dtype="datetime64[ns]")
    serials[present] = (nanos - EXCEL_EPOCH).astype(np.int64) / NANOS_PER_DAY
    has_time = bool((stamps[present].dt.normalize() != stamps[present]).any())
    if has_time and num_format == DATE_FORMAT:
        num_format = DATETIME_FORMAT
    if not _is_date_format(num_format):
        num_format = DATETIME_FORMAT if has_time else DATE_FORMAT
    return serials, _heads(styles.attrs(num_format))


def number_texts(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sheetxml._number_text of finite `numbers` as (per number the index of its text, the texts), worked out
    once per distinct value (quantities, prices and dates repeat) with Python's repr, which gives numpy's
    shortest round-trip text some ten times faster."""
    codes, distinct = pd.factorize(numbers)
    text = np.array(list(map(repr, distinct.tolist())), dtype=object)
    whole = (distinct == np.round(distinct)) & (np.abs(distinct) < 1e15)
    if whole.any():
        text[whole] = list(map(str, distinct[whole].astype(np.int64).tolist()))
    return codes, text
