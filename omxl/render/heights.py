"""Row heights for wrapped text: the height a row needs so that its wrapped cells show every line.

Neither the file format nor LibreOffice computes them: a row without a height keeps the default one line, so a
wrapped header or a long reason in a fixed-width column prints over the row below it. The engine gives such rows
the height their longest cell needs, estimated from the column's width (in characters of the default font), the
cell's font size and a greedy word wrap. The estimate errs on the generous side: a line too many is white space,
a line too few hides text.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..io.xlsx.wrap import text_lines_many, wrapped_lines as text_lines

DEFAULT_WIDTH = 8.43          # Excel's column width when the sheet names none
DEFAULT_FONT_SIZE = 11.0
LINE_FACTOR = 15.0 / 11.0     # Excel's 15 pt row for its 11 pt default font
PADDING = 2.0                 # points above and below the lines
# Characters of text per character of column width: a width counts the default font's digits, and ordinary text
# (lower case, spaces) is narrower than digits in Calibri and Carlito, its metric twin in LibreOffice (some 1.15
# characters per width); 1.05 leaves a margin for capitals and wider fonts.
CHARS_PER_WIDTH = 1.05

_COL = re.compile(r"<col\b([^>]*?)/?>")
_ATTR = r'(?<=\s){}="([^"]*)"'


def column_widths(sheet_xml: str) -> tuple[dict[int, float], float]:
    """0-based column -> width in characters from the sheet's <cols>, and the sheet's default width."""
    head = sheet_xml.split("<sheetData", 1)[0]
    default = re.search(r'<sheetFormatPr\b[^>]*?\sdefaultColWidth="([\d.]+)"', head)
    widths: dict[int, float] = {}
    for match in _COL.finditer(head):
        attrs = " " + match.group(1)
        low, high, width = (re.search(_ATTR.format(name), attrs) for name in ("min", "max", "width"))
        if low and high and width:
            for col in range(int(low.group(1)) - 1, min(int(high.group(1)), int(low.group(1)) + 200)):
                widths[col] = float(width.group(1))
    return widths, float(default.group(1)) if default else DEFAULT_WIDTH


def room(width: float, font_size: float = DEFAULT_FONT_SIZE) -> int:
    """Characters of ordinary text a line holds in a column `width` characters wide at `font_size` pt."""
    return max(int(width * CHARS_PER_WIDTH * DEFAULT_FONT_SIZE / font_size), 1)


def wrapped_lines(text: str, width: float, font_size: float = DEFAULT_FONT_SIZE) -> int:
    """Lines `text` takes in a column `width` characters wide at `font_size` pt (io/xlsx/wrap.py)."""
    return text_lines(text, room(width, font_size))


def row_height(lines: int, font_size: float = DEFAULT_FONT_SIZE) -> float:
    """Points a row of `lines` lines of `font_size` text needs."""
    return round(max(lines, 1) * font_size * LINE_FACTOR + (PADDING if lines > 1 else 0.0), 2)


def lines_per_row(values: pd.Series, width: float, font_size: float) -> np.ndarray:
    """Lines each value of a wrapped column takes; each distinct text is measured once, and only a text longer
    than a line or holding a line break is wrapped at all."""
    if isinstance(values.dtype, pd.StringDtype):   # the commonest: factorized as it is, a blank as ""
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        distinct = [*uniques.tolist(), ""]
        codes = np.where(codes < 0, len(distinct) - 1, codes)
    else:
        text = values.astype(object).where(values.notna(), "")
        codes, uniques = pd.factorize(text.astype(str), use_na_sentinel=False)
        distinct = uniques.tolist()
    line = room(width, font_size)
    counts = np.ones(len(distinct), dtype=np.int64)
    measured = [i for i, t in enumerate(distinct) if len(t) > line or "\n" in t]
    if measured:
        counts[measured] = text_lines_many([distinct[i] for i in measured], line)
    return counts[codes] if len(codes) else np.ones(0, dtype=np.int64)


def at_least(attrs: str, height: float) -> str:
    """Row attributes `attrs` with a custom height of `height` points, unless the row is that tall already."""
    current = re.search(r'(?<=\s)ht="([\d.]+)"', attrs)
    if current and float(current.group(1)) >= height:
        return attrs
    attrs = re.sub(r'\s+(?:ht|customHeight)="[^"]*"', "", attrs)
    return f'{attrs} ht="{height:g}" customHeight="1"'


def header_height(labels: list[str], widths: list[float], font_sizes: list[float], wraps: list[bool]) -> float | None:
    """The height a header row of `labels` needs, or None when every label fits on one line."""
    lines = [wrapped_lines(label, width, size) if wrap else 1
             for label, width, size, wrap in zip(labels, widths, font_sizes, wraps)]
    most = max(lines, default=1)
    if most <= 1:
        return None
    size = max((s for s, n in zip(font_sizes, lines) if n == most), default=DEFAULT_FONT_SIZE)
    return row_height(most, size)
