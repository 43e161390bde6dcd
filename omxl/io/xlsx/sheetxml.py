"""A DataFrame as SpreadsheetML worksheet XML, built column by column.

Text is written as inline strings (never `<f>`, never a shared string another
writer could re-type), so user text that looks like a formula stays text; such
cells also get Excel's quote-prefix style, as if the user had typed an apostrophe.
Numbers stay numbers and dates stay dates (serials with a date style).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from ..address import column_letter
from ..cells import BLANK, BOOLEAN, DATETIME, NUM, classify
from ..safety import formula_like_mask, xml_escape


EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
NANOS_PER_DAY = 86_400 * 10**9
# Rows per block of text when a big sheet is written as it is made (sheetrows; render's TableRows).
CHUNK_ROWS = 16_384

# Named cell styles a result sheet may use; writeback merges them into the workbook's styles.xml.
STYLES: dict[str, dict] = {
    "header": {"bold": True, "fill": "FFD9E1F2", "wrap": True, "valign": "top"},
    "date": {"num_format": "yyyy-mm-dd"},
    "datetime": {"num_format": "yyyy-mm-dd hh:mm"},
    "literal": {"quote_prefix": True},
    "highlight": {"fill": "FFFCE4D6"},
    "highlight_date": {"fill": "FFFCE4D6", "num_format": "yyyy-mm-dd"},
    "highlight_datetime": {"fill": "FFFCE4D6", "num_format": "yyyy-mm-dd hh:mm"},
    "highlight_literal": {"fill": "FFFCE4D6", "quote_prefix": True},
    "link": {"underline": True, "color": "FF0563C1"},
    "title": {"bold": True, "size": 14},
    "bold": {"bold": True},
}
HIGHLIGHT_FILL = STYLES["highlight"]["fill"]


@dataclass
class ResultSheet:
    """What omxl writes as one sheet: a table, optionally with in-workbook links and highlighted rows.

    links           column name -> Series of link targets inside the workbook, e.g. "'Orders'!D17" ('' = none)
    highlight       boolean Series: rows to fill (late lines, errors)
    row_fill        Series of ARGB colours ('FFBDD7EE'; '' = none) per row; wins over `highlight`
    number_formats  column name -> Excel number format ('#,##0.00'); dates without one get 'yyyy-mm-dd'
    widths          column name -> column width in characters (others are sized from their text)

    omxl.presentation builds these with labels, formats and fills from its column table.
    """

    frame: pd.DataFrame
    links: dict[str, pd.Series] = field(default_factory=dict)
    highlight: pd.Series | None = None
    row_fill: pd.Series | None = None
    number_formats: dict[str, str] = field(default_factory=dict)
    widths: dict[str, float] = field(default_factory=dict)

    def fills(self) -> tuple[list[str], np.ndarray]:
        """(the colours used, '' first; per row the index of its colour in that list)."""
        n_rows = len(self.frame)
        if self.row_fill is not None:
            colours = self.row_fill.reset_index(drop=True).fillna("").astype(object).to_numpy()
        elif self.highlight is not None:
            flags = self.highlight.reset_index(drop=True).fillna(False).to_numpy(dtype=bool)
            colours = np.where(flags, HIGHLIGHT_FILL, "").astype(object)
        else:
            return [""], np.zeros(n_rows, dtype=np.intp)
        used = [""] + sorted({c for c in pd.unique(colours) if c})
        index = pd.Index(used).get_indexer(colours)
        return used, index.astype(np.intp)

    def style_keys(self) -> dict[str, dict]:
        """Every cell style this sheet's cells use beyond STYLES: {key: spec} for merge_styles."""
        used, _ = self.fills()
        # Sorted: a set's order changes from run to run (hash seed), and so would the style numbers and bytes.
        formats = sorted({None, DATE_FORMAT, DATETIME_FORMAT, *self.number_formats.values()}, key=lambda f: f or "")
        return {cell_style_key(fmt, fill, quote): cell_style_spec(fmt, fill, quote)
                for fmt in formats for fill in used for quote in (False, True)
                if fmt or fill or quote}


DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def cell_style_key(num_format: str | None, fill: str, quote: bool) -> str:
    """The name under which a data cell's style (number format, fill, quote prefix) is merged."""
    return f"cell|{num_format or ''}|{fill}|{int(quote)}"


def cell_style_spec(num_format: str | None, fill: str, quote: bool) -> dict:
    spec: dict = {}
    if num_format and num_format != "General":
        spec["num_format"] = num_format
    if fill:
        spec["fill"] = fill
    if quote:
        spec["quote_prefix"] = True
    return spec


def required_styles(sheets) -> dict[str, dict]:
    """STYLES plus the data-cell styles `sheets` (ResultSheets) need."""
    needed = dict(STYLES)
    for sheet in sheets:
        needed.update(sheet.style_keys())
    return needed


class _CellStyles:
    """' s="N"' attributes for a column's cells: per number format, the attribute per fill index."""

    def __init__(self, style_ids: dict[str, int], fills: list[str]):
        self.style_ids, self.fills = style_ids, fills

    def attrs(self, num_format: str | None, quote: bool = False) -> np.ndarray:
        out = []
        for fill in self.fills:
            key = cell_style_key(num_format, fill, quote)
            if not (num_format and num_format != "General") and not fill and not quote:
                out.append("")
            else:
                out.append(f' s="{self.style_ids[key]}"')
        return np.array(out, dtype=object)


def as_result(value: "pd.DataFrame | ResultSheet") -> ResultSheet:
    # A sheet already built (a ResultSheet, the Summary's FreeSheet) is written as it is.
    return ResultSheet(value) if isinstance(value, pd.DataFrame) else value


def filter_range(sheet: ResultSheet) -> str:
    n_cols = len(sheet.frame.columns)
    return f"$A$1:${column_letter(max(n_cols, 1) - 1)}${len(sheet.frame) + 1}"


def _column_cells(values: pd.Series, refs: np.ndarray, styles: _CellStyles, fill_index: np.ndarray,
                  num_format: str | None) -> np.ndarray:
    """Cell XML strings of one column ('' for blanks), vectorised per value kind."""
    out = np.full(len(values), "", dtype=object)
    if len(values) == 0:
        return out
    if pd.api.types.is_bool_dtype(values.dtype):
        present = values.notna().to_numpy()
        attrs = styles.attrs(None)[fill_index]
        flags = np.where(values.fillna(False).to_numpy(dtype=bool), "1", "0").astype(object)
        out[present] = ('<c r="' + refs[present] + '" t="b"' + attrs[present] + "><v>" + flags[present]
                        + "</v></c>")
        return out
    if pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        present = np.isfinite(numbers)
        attrs = styles.attrs(None if _is_date_format(num_format) else num_format)[fill_index]
        out[present] = ('<c r="' + refs[present] + '"' + attrs[present] + "><v>"
                        + _number_text(numbers[present]) + "</v></c>")
        return out
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return _date_cells(values, refs, styles, fill_index, num_format)
    return _object_cells(values, refs, styles, fill_index, num_format)


def _is_date_format(num_format: str | None) -> bool:
    return bool(num_format) and "yy" in num_format


def _number_text(numbers: np.ndarray) -> np.ndarray:
    """Shortest round-trip text (numpy's float repr); whole numbers without '.0'."""
    whole = numbers == np.round(numbers)
    text = numbers.astype(str).astype(object)
    small_whole = whole & (np.abs(numbers) < 1e15)
    text[small_whole] = numbers[small_whole].astype(np.int64).astype(str).astype(object)
    return text


def _date_cells(values: pd.Series, refs: np.ndarray, styles: _CellStyles, fill_index: np.ndarray,
                num_format: str | None) -> np.ndarray:
    out = np.full(len(values), "", dtype=object)
    stamps = pd.to_datetime(values).dt.tz_localize(None) if getattr(values.dt, "tz", None) else pd.to_datetime(values)
    present = stamps.notna().to_numpy()
    if not present.any():
        return out
    nanos = stamps[present].to_numpy(dtype="datetime64[ns]")
    serial = (nanos - EXCEL_EPOCH).astype(np.int64) / NANOS_PER_DAY
    has_time = bool((stamps[present].dt.normalize() != stamps[present]).any())
    if has_time and num_format == DATE_FORMAT:
        num_format = DATETIME_FORMAT  # never hide a time of day the data has
    if not _is_date_format(num_format):
        num_format = DATETIME_FORMAT if has_time else DATE_FORMAT
    attrs = styles.attrs(num_format)[fill_index[present]]
    out[present] = ('<c r="' + refs[present] + '"' + attrs + '><v>' + _number_text(serial) + "</v></c>")
    return out


def _object_cells(values: pd.Series, refs: np.ndarray, styles: _CellStyles, fill_index: np.ndarray,
                  num_format: str | None) -> np.ndarray:
    """Text columns, and object columns carried from the user's sheet (mixed numbers, text, dates)."""
    as_object = values.astype(object)
    classes = classify(as_object) if len(as_object) else np.array([], dtype=np.int8)
    out = np.full(len(values), "", dtype=object)
    for cls, part in ((NUM, pd.to_numeric), (BOOLEAN, lambda s: s.astype("boolean")),
                      (DATETIME, lambda s: pd.to_datetime(s.map(_as_datetime), errors="coerce"))):
        mask = classes == cls
        if mask.any():
            typed = part(as_object[mask].reset_index(drop=True))
            out[mask] = _column_cells(typed, refs[mask], styles, fill_index[mask], num_format)
    text_mask = (classes != BLANK) & ~np.isin(classes, (NUM, BOOLEAN, DATETIME))
    if text_mask.any():
        text = as_object[text_mask].map(str)
        # Each distinct text is checked and escaped once: statuses, SKUs, sheet and file names repeat on
        # thousands of rows, and escaping is the dearest step of writing a large sheet.
        codes, distinct = pd.factorize(text)
        distinct = pd.Series(distinct, dtype=object)
        literal = formula_like_mask(distinct)[codes]
        rows = fill_index[text_mask]
        attrs = np.where(literal, styles.attrs(None, quote=True)[rows], styles.attrs(None)[rows]).astype(object)
        escaped = distinct.map(xml_escape).to_numpy(dtype=object)[codes]
        out[text_mask] = ('<c r="' + refs[text_mask] + '" t="inlineStr"' + attrs + '><is><t xml:space="preserve">'
                          + escaped + "</t></is></c>")
    return out


def _as_datetime(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _cols(frame: pd.DataFrame, given: dict[str, float]) -> str:
    widths = []
    for name in frame.columns:
        if name in given:
            widths.append(given[name])
            continue
        sample = frame[name].head(1000)
        if pd.api.types.is_datetime64_any_dtype(sample.dtype):
            longest = 16
        else:
            lengths = sample.dropna().astype(str).str.len()
            longest = int(lengths.max()) if len(lengths) else 0
        widths.append(min(60, max(10, len(str(name)) + 3, longest + 2)))
    return "<cols>" + "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                              for i, w in enumerate(widths, start=1)) + "</cols>"


def _hyperlinks(frame: pd.DataFrame, links: dict[str, pd.Series], letters: list[str]) -> str:
    entries = []
    for name, targets in links.items():
        position = list(frame.columns).index(name)
        for row, target in enumerate(targets.reset_index(drop=True).tolist(), start=2):
            if isinstance(target, str) and target:
                entries.append(f'<hyperlink ref="{letters[position]}{row}" location={quoteattr(target)} '
                               f'display={quoteattr(str(frame.iat[row - 2, position]))}/>')
    return f"<hyperlinks>{''.join(entries)}</hyperlinks>" if entries else ""
