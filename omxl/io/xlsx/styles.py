"""Edits to a workbook's styles.xml, as text: the cell styles omxl's sheets need, and the filled
copies of the user's cell formats that the marked copy puts on offending cells.

Entries are appended at the end of each list, so every index the user's cells
already use keeps its meaning, and an entry already present (from an earlier run)
is reused, so writing again does not grow the file. The edit is textual on purpose:
re-serialising styles.xml with an XML library renames namespace prefixes that
`mc:Ignorable` refers to, which Excel then reports as a damaged file.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr, unescape

from .sheetxml import STYLES

FIRST_CUSTOM_NUMBER_FORMAT = 164


def merge_styles(styles: str, wanted: "dict[str, dict] | None" = None) -> tuple[str, dict[str, int]]:
    """Return (new styles.xml, {style name: cellXfs index}) for every style in `wanted` (name -> spec with
    num_format, bold, size, underline, color, fill, quote_prefix, align, valign, indent, wrap); default
    sheetxml.STYLES."""
    ids: dict[str, int] = {}
    for name, spec in (STYLES if wanted is None else wanted).items():
        number_format = 0
        if "num_format" in spec:
            styles, number_format = _number_format(styles, spec["num_format"])
        font = 0
        if spec.get("bold") or spec.get("underline") or spec.get("color") or spec.get("size"):
            styles, font = append_unique(styles, "fonts", "font", _font_xml(spec))
        fill = 0
        if "fill" in spec:
            styles, fill = append_unique(styles, "fills", "fill", solid_fill(spec["fill"]))
        applied = "".join((' applyNumberFormat="1"' if number_format else "", ' applyFont="1"' if font else "",
                           ' applyFill="1"' if fill else "", ' quotePrefix="1"' if spec.get("quote_prefix") else ""))
        xf = f'<xf numFmtId="{number_format}" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"{applied}/>'
        alignment = _alignment_xml(spec)
        if alignment:  # the Summary sheet's cells: long text wrapped, numbers' headers right-aligned, indents
            xf = xf[:-2] + f' applyAlignment="1">{alignment}</xf>'
        styles, ids[name] = append_unique(styles, "cellXfs", "xf", xf)
    return styles, ids


def _alignment_xml(spec: dict) -> str:
    """'<alignment .../>' for a spec's `align` (left/right), `indent` (levels), `valign` (top) and `wrap`;
    '' for none."""
    # An indent needs a left or right alignment to apply (Excel ignores it under the general alignment).
    horizontal = spec.get("align") or ("left" if spec.get("indent") else "")
    attributes = "".join((f' horizontal="{horizontal}"' if horizontal else "",
                          f' vertical="{spec["valign"]}"' if spec.get("valign") else "",
                          f' indent="{int(spec["indent"])}"' if spec.get("indent") else "",
                          ' wrapText="1"' if spec.get("wrap") else ""))
    return f"<alignment{attributes}/>" if attributes else ""


def _font_xml(spec: dict) -> str:
    parts = ["<b/>" if spec.get("bold") else "", "<u/>" if spec.get("underline") else "",
             f'<sz val="{spec.get("size", 11)}"/>',
             f'<color rgb="{spec["color"]}"/>' if spec.get("color") else "", '<name val="Calibri"/>',
             '<family val="2"/>']
    return "<font>" + "".join(parts) + "</font>"


def _block(styles: str, tag: str) -> re.Match | None:
    return re.search(rf"<{tag}\b([^>]*?)(/>|>(.*?)</{tag}>)", styles, flags=re.S)


def solid_fill(rgb: str) -> str:
    """A <fill> entry of one solid colour (ARGB hex, 'FFFFC7CE'), written as Excel writes it so that an
    equal entry already in the file is found and reused."""
    return (f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/><bgColor indexed="64"/>'
            "</patternFill></fill>")


def append_unique(styles: str, list_tag: str, item_tag: str, item: str) -> tuple[str, int]:
    """(new styles.xml, index of `item` in its <list_tag> list of <item_tag> entries): an entry equal to
    `item` to the letter is reused, otherwise `item` is appended and the list's count updated. Raises
    ValueError when styles.xml has no such list."""
    block = _block(styles, list_tag)
    if block is None:
        raise ValueError(f"styles.xml has no <{list_tag}> list")
    body = block.group(3) or ""
    starts = [m.start() for m in re.finditer(rf"<{item_tag}(?=[\s/>])", body)]
    found = body.find(item)
    if found >= 0 and found in starts:
        return styles, starts.index(found)
    count = len(starts) + 1
    attributes = re.sub(r'\bcount="\d+"', "", block.group(1)).rstrip()
    replacement = f'<{list_tag} count="{count}"{attributes}>{body}{item}</{list_tag}>'
    return styles[:block.start()] + replacement + styles[block.end():], count - 1


def _number_format(styles: str, code: str) -> tuple[str, int]:
    """Id of the custom number format `code`, adding it (and the <numFmts> list) when absent."""
    block = _block(styles, "numFmts")
    body = (block.group(3) or "") if block else ""
    # formatCode in either quote: a code holding a double quote ('"EUR "#,##0.00') is written in single quotes.
    formats = {}
    for entry in re.findall(r"<numFmt\b[^>]*>", body):
        number = re.search(r'\bnumFmtId="(\d+)"', entry)
        found = re.search(r"""\bformatCode=(?:"([^"]*)"|'([^']*)')""", entry)
        if number and found:
            formats[int(number.group(1))] = unescape(found.group(1) if found.group(1) is not None else found.group(2),
                                                     {"&quot;": '"', "&apos;": "'"})
    for number, existing in formats.items():
        if existing == code:
            return styles, number
    number = max([FIRST_CUSTOM_NUMBER_FORMAT - 1, *formats]) + 1
    entry = f'<numFmt numFmtId="{number}" formatCode={quoteattr(code)}/>'
    if block is None:
        opening = re.search(r"<styleSheet\b[^>]*>", styles)
        return styles[:opening.end()] + f'<numFmts count="1">{entry}</numFmts>' + styles[opening.end():], number
    replacement = f'<numFmts count="{len(formats) + 1}">{body}{entry}</numFmts>'
    return styles[:block.start()] + replacement + styles[block.end():], number


class FilledFormats:
    """Copies of the user's cell formats (<xf> in cellXfs) that differ only in a solid fill, for cells that
    must stand out but keep their number format, font and borders. Each copy is appended once (or reused
    when styles.xml already holds it, as in a marked copy marked again); `styles` is the edited text."""

    def __init__(self, styles: str):
        block = _block(styles, "cellXfs")
        if block is None:
            raise ValueError("styles.xml has no <cellXfs> list")
        self.styles = styles
        self._xfs = re.findall(r"<xf\b[^>]*?/>|<xf\b[^>]*?>.*?</xf>", block.group(3) or "", flags=re.S)
        self._fills: dict[str, int] = {}
        self._copies: dict[tuple[int, str], int] = {}

    def index(self, original: int, rgb: str) -> int:
        """The cellXfs index of format `original` (the default format if there is none such) filled `rgb`."""
        key = (original, rgb)
        found = self._copies.get(key)
        if found is not None:
            return found
        fill = self._fills.get(rgb)
        if fill is None:
            self.styles, fill = append_unique(self.styles, "fills", "fill", solid_fill(rgb))
            self._fills[rgb] = fill
        xf = self._xfs[original] if 0 <= original < len(self._xfs) else (
            self._xfs[0] if self._xfs else '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>')
        self.styles, index = append_unique(self.styles, "cellXfs", "xf", _with_fill(xf, fill))
        self._copies[key] = index
        return index


def _with_fill(xf: str, fill: int) -> str:
    opening = re.match(r"<xf\b[^>]*?(?=/?>)", xf).group(0)
    tag = _set_attribute(opening, "fillId", str(fill))
    tag = _set_attribute(tag, "applyFill", "1")
    return tag + xf[len(opening):]


def _set_attribute(tag: str, name: str, value: str) -> str:
    pattern = re.compile(rf'(?<=\s){name}="[^"]*"')
    if pattern.search(tag):
        return pattern.sub(f'{name}="{value}"', tag, count=1)
    return f'{tag} {name}="{value}"'
