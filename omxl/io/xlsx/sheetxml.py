"""A DataFrame as SpreadsheetML worksheet XML, built column by column.

Text is written as inline strings (never `<f>`, never a shared string another
writer could re-type), so user text that looks like a formula stays text; such
cells also get Excel's quote-prefix style, as if the user had typed an apostrophe.
Numbers stay numbers and dates stay dates (serials with a date style).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from ..address import column_letter
from ..safety import formula_like_mask, xml_escape

EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
NANOS_PER_DAY = 86_400 * 10**9

# Named cell styles a result sheet may use; writeback merges them into the workbook's styles.xml.
STYLES: dict[str, dict] = {
    "header": {"bold": True, "fill": "FFD9E1F2"},
    "date": {"num_format": "yyyy-mm-dd"},
    "datetime": {"num_format": "yyyy-mm-dd hh:mm"},
    "literal": {"quote_prefix": True},
    "highlight": {"fill": "FFFCE4D6"},
    "highlight_date": {"fill": "FFFCE4D6", "num_format": "yyyy-mm-dd"},
    "highlight_datetime": {"fill": "FFFCE4D6", "num_format": "yyyy-mm-dd hh:mm"},
    "highlight_literal": {"fill": "FFFCE4D6", "quote_prefix": True},
    "link": {"underline": True, "color": "FF0563C1"},
}


@dataclass
class ResultSheet:
    """What omxl writes as one sheet: a table, optionally with in-workbook links and highlighted rows.

    links      column name -> Series of link targets inside the workbook, e.g. "'Orders'!D17" ('' = none)
    highlight  boolean Series: rows to fill (late lines, errors)
    """

    frame: pd.DataFrame
    links: dict[str, pd.Series] = field(default_factory=dict)
    highlight: pd.Series | None = None


def as_result(value: "pd.DataFrame | ResultSheet") -> ResultSheet:
    return value if isinstance(value, ResultSheet) else ResultSheet(value)


def sheet_xml(sheet: ResultSheet, style_ids: dict[str, int]) -> bytes:
    """The worksheet part for `sheet`; `style_ids` maps STYLES names to cellXfs indexes."""
    frame = sheet.frame.reset_index(drop=True)
    n_rows, n_cols = len(frame), len(frame.columns)
    letters = [column_letter(i) for i in range(max(n_cols, 1))]
    row_numbers = np.arange(2, n_rows + 2).astype(str)
    highlight = (sheet.highlight.reset_index(drop=True).fillna(False).to_numpy(dtype=bool)
                 if sheet.highlight is not None else np.zeros(n_rows, dtype=bool))
    cells = np.full(n_rows, "", dtype=object)
    for position, name in enumerate(frame.columns):
        refs = letters[position] + row_numbers.astype(object)
        cells = cells + _column_cells(frame.iloc[:, position], refs, style_ids, highlight)
    header = "".join(
        f'<c r="{letters[i]}1" t="inlineStr" s="{style_ids["header"]}"><is><t xml:space="preserve">'
        f"{xml_escape(str(name))}</t></is></c>" for i, name in enumerate(frame.columns))
    rows = '<row r="1">' + header + "</row>" + "".join(
        ("<row r=\"" + row_numbers.astype(object) + "\">" + cells + "</row>").tolist())
    last = f"{letters[n_cols - 1]}{n_rows + 1}" if n_cols else "A1"
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">',
        f'<dimension ref="A1:{last}"/>',
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
        'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>',
        '<sheetFormatPr defaultRowHeight="15"/>',
        _cols(frame) if n_cols else "",
        f"<sheetData>{rows}</sheetData>",
        f'<autoFilter ref="A1:{last}"/>' if n_cols else "",
        _hyperlinks(frame, sheet.links, letters),
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>',
        "</worksheet>",
    ]
    return "".join(parts).encode("utf-8")


def filter_range(sheet: ResultSheet) -> str:
    n_cols = len(sheet.frame.columns)
    return f"$A$1:${column_letter(max(n_cols, 1) - 1)}${len(sheet.frame) + 1}"


def _column_cells(values: pd.Series, refs: np.ndarray, style_ids: dict[str, int],
                  highlight: np.ndarray) -> np.ndarray:
    """Cell XML strings of one column ('' for blanks), vectorised per value kind."""
    out = np.full(len(values), "", dtype=object)
    if len(values) == 0:
        return out
    plain_style = np.where(highlight, f' s="{style_ids["highlight"]}"', "").astype(object)
    if pd.api.types.is_bool_dtype(values.dtype):
        present = values.notna().to_numpy()
        flags = np.where(values.fillna(False).to_numpy(dtype=bool), "1", "0").astype(object)
        out[present] = ('<c r="' + refs[present] + '" t="b"' + plain_style[present] + "><v>" + flags[present]
                        + "</v></c>")
        return out
    if pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        present = np.isfinite(numbers)
        out[present] = ('<c r="' + refs[present] + '"' + plain_style[present] + "><v>"
                        + _number_text(numbers[present]) + "</v></c>")
        return out
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return _date_cells(values, refs, style_ids, highlight)
    return _object_cells(values, refs, style_ids, highlight, plain_style)


def _number_text(numbers: np.ndarray) -> np.ndarray:
    """Shortest round-trip text (numpy's float repr); whole numbers without '.0'."""
    whole = numbers == np.round(numbers)
    text = numbers.astype(str).astype(object)
    small_whole = whole & (np.abs(numbers) < 1e15)
    text[small_whole] = numbers[small_whole].astype(np.int64).astype(str).astype(object)
    return text


def _date_cells(values: pd.Series, refs: np.ndarray, style_ids: dict[str, int], highlight: np.ndarray) -> np.ndarray:
    out = np.full(len(values), "", dtype=object)
    stamps = pd.to_datetime(values).dt.tz_localize(None) if getattr(values.dt, "tz", None) else pd.to_datetime(values)
    present = stamps.notna().to_numpy()
    if not present.any():
        return out
    nanos = stamps[present].to_numpy(dtype="datetime64[ns]")
    serial = (nanos - EXCEL_EPOCH).astype(np.int64) / NANOS_PER_DAY
    has_time = bool((stamps[present].dt.normalize() != stamps[present]).any())
    kind = "datetime" if has_time else "date"
    styles = np.where(highlight[present], style_ids[f"highlight_{kind}"], style_ids[kind]).astype(str).astype(object)
    out[present] = ('<c r="' + refs[present] + '" s="' + styles + '"><v>' + _number_text(serial) + "</v></c>")
    return out


def _object_cells(values: pd.Series, refs: np.ndarray, style_ids: dict[str, int], highlight: np.ndarray,
                  plain_style: np.ndarray) -> np.ndarray:
    """Text columns, and object columns carried from the user's sheet (mixed numbers, text, dates)."""
    from ..read.normalize import BLANK, BOOLEAN, DATETIME, NUM, classify

    as_object = values.astype(object)
    classes = classify(as_object) if len(as_object) else np.array([], dtype=np.int8)
    out = np.full(len(values), "", dtype=object)
    for cls, part in ((NUM, pd.to_numeric), (BOOLEAN, lambda s: s.astype("boolean")),
                      (DATETIME, lambda s: pd.to_datetime(s.map(_as_datetime), errors="coerce"))):
        mask = classes == cls
        if mask.any():
            typed = part(as_object[mask].reset_index(drop=True))
            out[mask] = _column_cells(typed, refs[mask], style_ids, highlight[mask])
    text_mask = (classes != BLANK) & ~np.isin(classes, (NUM, BOOLEAN, DATETIME))
    if text_mask.any():
        text = as_object[text_mask].map(str)
        literal = formula_like_mask(text)
        styles = np.where(literal, np.where(highlight[text_mask], f' s="{style_ids["highlight_literal"]}"',
                                            f' s="{style_ids["literal"]}"'), plain_style[text_mask]).astype(object)
        escaped = text.map(xml_escape).to_numpy(dtype=object)
        out[text_mask] = ('<c r="' + refs[text_mask] + '" t="inlineStr"' + styles + '><is><t xml:space="preserve">'
                          + escaped + "</t></is></c>")
    return out


def _as_datetime(value: object) -> object:
    import datetime as dt

    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _cols(frame: pd.DataFrame) -> str:
    widths = []
    for name in frame.columns:
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
