"""Merge the few cell styles omxl's sheets need into a workbook's styles.xml, as text.

Entries are appended at the end of each list, so every index the user's cells
already use keeps its meaning, and an entry already present (from an earlier run)
is reused, so writing again does not grow the file. The edit is textual on purpose:
re-serialising styles.xml with an XML library renames namespace prefixes that
`mc:Ignorable` refers to, which Excel then reports as a damaged file.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

from .sheetxml import STYLES

FIRST_CUSTOM_NUMBER_FORMAT = 164


def merge_styles(styles: str) -> tuple[str, dict[str, int]]:
    """Return (new styles.xml, {style name: cellXfs index}) for every style in sheetxml.STYLES."""
    ids: dict[str, int] = {}
    for name, spec in STYLES.items():
        number_format = 0
        if "num_format" in spec:
            styles, number_format = _number_format(styles, spec["num_format"])
        font = 0
        if spec.get("bold") or spec.get("underline") or spec.get("color"):
            styles, font = _append_unique(styles, "fonts", "font", _font_xml(spec))
        fill = 0
        if "fill" in spec:
            styles, fill = _append_unique(styles, "fills", "fill",
                                          f'<fill><patternFill patternType="solid"><fgColor rgb="{spec["fill"]}"/>'
                                          '<bgColor indexed="64"/></patternFill></fill>')
        applied = "".join((' applyNumberFormat="1"' if number_format else "", ' applyFont="1"' if font else "",
                           ' applyFill="1"' if fill else "", ' quotePrefix="1"' if spec.get("quote_prefix") else ""))
        xf = f'<xf numFmtId="{number_format}" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"{applied}/>'
        styles, ids[name] = _append_unique(styles, "cellXfs", "xf", xf)
    return styles, ids


def _font_xml(spec: dict) -> str:
    parts = ["<b/>" if spec.get("bold") else "", "<u/>" if spec.get("underline") else "", '<sz val="11"/>',
             f'<color rgb="{spec["color"]}"/>' if spec.get("color") else "", '<name val="Calibri"/>',
             '<family val="2"/>']
    return "<font>" + "".join(parts) + "</font>"


def _block(styles: str, tag: str) -> re.Match | None:
    return re.search(rf"<{tag}\b([^>]*?)(/>|>(.*?)</{tag}>)", styles, flags=re.S)


def _append_unique(styles: str, list_tag: str, item_tag: str, item: str) -> tuple[str, int]:
    """Index of `item` in the <list_tag> list, appending it when absent."""
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
    formats = {int(i): c for i, c in re.findall(r'<numFmt\b[^>]*numFmtId="(\d+)"[^>]*formatCode="([^"]*)"', body)}
    formats.update({int(i): c for c, i in re.findall(r'<numFmt\b[^>]*formatCode="([^"]*)"[^>]*numFmtId="(\d+)"', body)})
    escaped = quoteattr(code)[1:-1]
    for number, existing in formats.items():
        if existing == escaped:
            return styles, number
    number = max([FIRST_CUSTOM_NUMBER_FORMAT - 1, *formats]) + 1
    entry = f'<numFmt numFmtId="{number}" formatCode={quoteattr(code)}/>'
    if block is None:
        opening = re.search(r"<styleSheet\b[^>]*>", styles)
        return styles[:opening.end()] + f'<numFmts count="1">{entry}</numFmts>' + styles[opening.end():], number
    replacement = f'<numFmts count="{len(formats) + 1}">{body}{entry}</numFmts>'
    return styles[:block.start()] + replacement + styles[block.end():], number
