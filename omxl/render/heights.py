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

from ..io.xlsx.wrap import wrapped_lines as text_lines

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
    text = values.astype(object).where(values.notna(), "")
    codes, uniques = pd.factorize(text.astype(str), use_na_sentinel=False)
    line = room(width, font_size)
    distinct = uniques.tolist()
    counts = np.ones(len(distinct), dtype=np.int64)
    measured = [i for i, t in enumerate(distinct) if len(t) > line or "\n" in t]
    if measured:
        counts[measured] = text_lines_many([distinct[i] for i in measured], line)
    return counts[codes] if len(codes) else np.ones(0, dtype=np.int64)


_ASCII_SPACE = np.array([chr(c).isspace() for c in range(128)], dtype=bool)


def text_lines_many(texts: "list[str]", line: int) -> np.ndarray:
    """Lines each text takes where a line holds `line` characters: the count of io/xlsx/wrap.wrapped_lines
    (greedy, at spaces and after hyphens, a piece longer than a line broken, line breaks kept) for thousands of
    distinct texts at once (an explanation per SKU), without a Python step per word: the pieces are found on the
    texts' characters as one array, then the greedy fill takes the j-th piece of every text together."""
    counts = np.array([t.count("\n") + 1 for t in texts], dtype=np.int64)   # one line per paragraph at least
    if not texts:
        return counts
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    chars = np.frombuffer("\n".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    space = _ASCII_SPACE[np.minimum(chars, 127)]   # re's \s: Unicode whitespace
    wide = chars > 127
    if wide.any():
        distinct, inverse = np.unique(chars[wide], return_inverse=True)
        space[wide] = np.array([chr(c).isspace() for c in distinct.tolist()], dtype=bool)[inverse]
    hyphen = chars == ord("-")
    # A piece (wrap.py's "[^\s-]+-?|-") starts at a non-space after a space, a hyphen or the start; it runs to
    # the next space or start.
    before = np.concatenate(([True], space[:-1] | hyphen[:-1]))
    starts = np.flatnonzero(~space & before)
    text_of = np.repeat(np.arange(len(texts)), lengths + 1)[starts]   # +1: the joining line break
    spaces = np.append(np.flatnonzero(space), len(chars))
    stop = np.minimum(np.append(starts[1:], len(chars)), spaces[np.searchsorted(spaces, starts)])
    size = stop - starts
    spaced = space[np.maximum(starts - 1, 0)] & (starts > 0)
    paragraph = np.cumsum(chars == ord("\n"))[starts]
    first = np.concatenate(([True], text_of[1:] != text_of[:-1]))
    new_paragraph = first | np.concatenate(([True], paragraph[1:] != paragraph[:-1]))
    n_pieces = np.bincount(text_of, minlength=len(texts))
    # Texts with the most pieces first: at step j the texts still going are a prefix of that order.
    order = np.argsort(-n_pieces, kind="stable")
    offsets = (np.cumsum(n_pieces) - n_pieces)[order]
    remaining = n_pieces[order]
    used = np.zeros(len(order), dtype=np.int64)
    extra = np.zeros(len(order), dtype=np.int64)
    for j in range(int(remaining[0])):
        k = int(np.searchsorted(-remaining, -j, side="left"))   # the texts with more than j pieces
        at = offsets[:k] + j
        u, s = np.where(new_paragraph[at], 0, used[:k]), size[at]
        gap = ((u > 0) & spaced[at]).astype(np.int64)
        broken = (u > 0) & (u + gap + s > line)
        extra[:k] += broken
        u = np.where(broken, 0, u + gap)
        over = s > line
        extra[:k] += np.where(over, (u + s - 1) // line, 0)
        used[:k] = np.where(over, (u + s) % line, u + s)
    counts[order] += extra
    return counts


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
