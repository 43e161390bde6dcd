"""The template's cell formats (styles.xml cellXfs), and the few variants rendering needs.

A rendered cell keeps the template cell's format (font, fill, borders: what the author chose in Excel).
Two things may be added on top, as a new entry appended to cellXfs so every existing index keeps its meaning:
a number format (only when the template cell's format is General: a format the author set wins) and the quote
prefix that keeps formula-like text literal.
"""

from __future__ import annotations

import re

from ..io.xlsx.styles import _number_format, append_unique  # _number_format: the one place custom formats are added
from .heights import DEFAULT_FONT_SIZE

_DEFAULT_XF = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'


class StyleBook:
    """styles.xml being edited: `styles` is its text; variant() gives cellXfs indexes."""

    def __init__(self, styles: str):
        self.styles = styles
        block = re.search(r"<cellXfs\b[^>]*?(?:/>|>(.*?)</cellXfs>)", styles, flags=re.S)
        body = (block.group(1) or "") if block else ""
        self._xfs = re.findall(r"<xf\b[^>]*?/>|<xf\b[^>]*?>.*?</xf>", body, flags=re.S)
        self._variants: dict[tuple[int, str | None, bool], int] = {}
        self.changed = False
        fonts = re.search(r"<fonts\b[^>]*?(?:/>|>(.*?)</fonts>)", styles, flags=re.S)
        self._font_sizes = [float(size.group(1)) if size else DEFAULT_FONT_SIZE
                            for size in (re.search(r'<sz\b[^>]*?\sval="([\d.]+)"', font) for font in
                                         re.findall(r"<font\b.*?</font>|<font\b[^>]*/>",
                                                    (fonts.group(1) or "") if fonts else "", flags=re.S))]

    def _xf(self, index: int) -> str:
        return self._xfs[index] if 0 <= index < len(self._xfs) else (self._xfs[0] if self._xfs else _DEFAULT_XF)

    def number_format_id(self, index: int) -> int:
        match = re.search(r'\bnumFmtId="(\d+)"', self._xf(index))
        return int(match.group(1)) if match else 0

    def wraps(self, index: int) -> bool:
        """Whether format `index` wraps text in its cells."""
        return bool(re.search(r'<alignment\b[^>]*\swrapText="(?:1|true)"', self._xf(index)))

    def font_size(self, index: int) -> float:
        """The font size (points) of format `index`."""
        font = re.search(r'\bfontId="(\d+)"', self._xf(index))
        number = int(font.group(1)) if font else 0
        return self._font_sizes[number] if number < len(self._font_sizes) else DEFAULT_FONT_SIZE

    def is_general(self, index: int) -> bool:
        return self.number_format_id(index) == 0

    def variant(self, index: int, num_format: str | None = None, quote: bool = False) -> int:
        """The cellXfs index of format `index` with `num_format` (applied only over General) and, when `quote`,
        the quote prefix; `index` itself when nothing changes."""
        fmt = num_format if num_format and num_format != "General" and self.is_general(index) else None
        if fmt is None and not quote:
            return index
        key = (index, fmt, quote)
        found = self._variants.get(key)
        if found is not None:
            return found
        opening = re.match(r"<xf\b[^>]*?(?=/?>)", self._xf(index)).group(0)
        tag = opening
        if fmt is not None:
            self.styles, number = _number_format(self.styles, fmt)
            tag = _set(_set(tag, "numFmtId", str(number)), "applyNumberFormat", "1")
        if quote:
            tag = _set(tag, "quotePrefix", "1")
        xf = tag + self._xf(index)[len(opening):]
        if not self._xfs:
            raise ValueError("styles.xml has no cell formats")
        self.styles, found = append_unique(self.styles, "cellXfs", "xf", xf)
        self.changed = True
        self._variants[key] = found
        return found


def _set(tag: str, name: str, value: str) -> str:
    pattern = re.compile(rf'(?<=\s){name}="[^"]*"')
    if pattern.search(tag):
        return pattern.sub(f'{name}="{value}"', tag, count=1)
    return f'{tag} {name}="{value}"'


def style_attr(index: int) -> str:
    return f' s="{index}"' if index else ""
