"""The package parts around the worksheets that rendering changes, all edited as text: workbook.xml (sheet
names, defined names incl. print areas, recalculation on open), charts' series, Excel tables, drawing and
comment anchors, pivot-cache sources, the sheet titles in docProps/app.xml, and the calculation chain.
Each function takes the part's text and returns the new text (the same string when nothing applies)."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr, unescape

from ..io.xlsx import package
from .refs import Moves
from .sheet import column_index, move_references
from .table import Marker

CALC_CHAIN_TYPE = package.REL_NS + "/calcChain"
_ATTR_UNESCAPE = {"&quot;": '"', "&apos;": "'"}
# What may follow <calcPr> in workbook.xml (the schema's order).
_CALC_FOLLOWERS = ("<oleSize", "<customWorkbookViews", "<pivotCaches", "<smartTagPr", "<smartTagTypes",
                   "<webPublishing", "<fileRecoveryPr", "<webPublishObjects", "<extLst", "</workbook>")


def workbook(xml: str, names: dict[str, str], moves: Moves) -> str:
    """workbook.xml with sheets renamed (`names`: old -> new), defined names moved, and Excel told to
    recalculate on open (formulas now sum rows their cached values did not include)."""
    def rename(match: re.Match) -> str:
        tag = match.group(0)
        old = re.search(r'(?<=\s)name="([^"]*)"', tag)
        new = names.get(unescape(old.group(1), _ATTR_UNESCAPE)) if old else None
        return tag if new is None else tag[:old.start()] + "name=" + quoteattr(new) + tag[old.end():]

    xml = re.sub(r"<sheet\b[^>]*>", rename, xml)
    xml = re.sub(r"(<definedName\b[^>]*>)(.*?)(</definedName>)",
                 lambda m: m.group(1) + escape(moves.formula(unescape(m.group(2)), None)) + m.group(3), xml,
                 flags=re.S)
    calc = re.search(r"<calcPr\b[^>]*?(?=/?>)", xml)
    if calc is not None:
        tag = re.sub(r'\s+fullCalcOnLoad="[^"]*"', "", calc.group(0)) + ' fullCalcOnLoad="1"'
        return xml[:calc.start()] + tag + xml[calc.end():]
    positions = [p for p in (xml.find(tag) for tag in _CALC_FOLLOWERS) if p >= 0]
    at = min(positions)
    return xml[:at] + '<calcPr fullCalcOnLoad="1"/>' + xml[at:]


def chart(xml: str, moves: Moves) -> str:
    """A chart's series references (<c:f>, and c15 extensions' <c15:f>) moved and renamed; a series of one
    cell on the data row grows to the table's rows."""
    return re.sub(r"<((?:\w+:)?f)>(.*?)</\1>",
                  lambda m: f"<{m.group(1)}>{escape(moves.formula(unescape(m.group(2)), None, stretch=True))}"
                  f"</{m.group(1)}>", xml, flags=re.S)


def table(xml: str, host: str, moves: Moves, markers: list[Marker], labels: "dict[int, list[str]]") -> str:
    """An Excel table on `host`: its ref and autofilter moved; when its header row is a marker's row and it
    starts at the marker's column with as many columns as the frame, its column names become the labels
    (Excel requires them to equal the header cells)."""
    ref = re.search(r'<table\b[^>]*?\sref="([A-Z]+)(\d+):([A-Z]+)\d+"', xml)
    if ref is not None:
        for marker in markers:
            names = labels.get(id(marker))
            if names and int(ref.group(2)) == marker.row and column_index(ref.group(1)) == marker.col and \
                    column_index(ref.group(3)) - marker.col + 1 == len(names):
                columns = iter(names)
                xml = re.sub(r'(<tableColumn\b[^>]*?\sname=)"[^"]*"', lambda m: m.group(1) + quoteattr(next(
                    columns, "")), xml)
    return move_references(xml, host, moves)


def drawing(xml: str, host: str, moves: Moves) -> str:
    """Anchors of pictures, shapes and charts that start below a table's data row move down with their rows
    (as Excel moves them); an anchor starting at or above it stays where the author put it."""
    def anchor(match: re.Match) -> str:
        block = match.group(0)
        start = re.search(r"<(\w+:)?from>.*?<\1row>(\d+)</\1row>", block, flags=re.S)
        if start is None:
            return block
        delta = moves.row(host, int(start.group(2)) + 1) - int(start.group(2)) - 1
        if not delta:
            return block
        return re.sub(r"<((?:\w+:)?row)>(\d+)</\1>",
                      lambda m: f"<{m.group(1)}>{int(m.group(2)) + delta}</{m.group(1)}>", block)

    return re.sub(r"<(\w+:)?(twoCellAnchor|oneCellAnchor)\b.*?</\1\2>", anchor, xml, flags=re.S)


def comments(xml: str, host: str, moves: Moves) -> str:
    return move_references(xml, host, moves)


def vml(xml: str, host: str, moves: Moves) -> str:
    """Legacy comment boxes: their cell (<x:Row>, 0-based) and their anchor rows move with the cell."""
    def shape(match: re.Match) -> str:
        block = match.group(0)
        row = re.search(r"<x:Row>(\d+)</x:Row>", block)
        if row is None:
            return block
        delta = moves.row(host, int(row.group(1)) + 1) - int(row.group(1)) - 1
        if not delta:
            return block
        block = re.sub(r"<x:Row>(\d+)</x:Row>", lambda m: f"<x:Row>{int(m.group(1)) + delta}</x:Row>", block)

        def anchor(m: re.Match) -> str:
            values = [v.strip() for v in m.group(1).split(",")]
            if len(values) == 8:
                values[2], values[6] = str(int(values[2]) + delta), str(int(values[6]) + delta)
            return "<x:Anchor>" + ", ".join(values) + "</x:Anchor>"

        return re.sub(r"<x:Anchor>(.*?)</x:Anchor>", anchor, block, flags=re.S)

    return re.sub(r"<v:shape\b.*?</v:shape>", shape, xml, flags=re.S)


def pivot_cache(xml: str, moves: Moves) -> str:
    """A pivot cache's source range on a moved or renamed sheet."""
    def source(match: re.Match) -> str:
        tag = match.group(0)
        sheet = re.search(r'(?<=\s)sheet="([^"]*)"', tag)
        if sheet is None:
            return tag
        old = unescape(sheet.group(1), _ATTR_UNESCAPE)
        tag = re.sub(r'(?<=\s)ref="([^"]*)"', lambda m: f'ref="{moves.sqref(m.group(1), old)}"', tag)
        new = moves.renames.get(old.casefold())
        return tag if new is None else re.sub(r'(?<=\s)sheet="[^"]*"', lambda m: "sheet=" + quoteattr(new), tag)

    return re.sub(r"<worksheetSource\b[^>]*>", source, xml)


def app_titles(xml: str, names: dict[str, str]) -> str:
    """docProps/app.xml's list of sheet titles with the rendered names."""
    for old, new in names.items():
        xml = xml.replace(f"<vt:lpstr>{escape(old)}</vt:lpstr>", f"<vt:lpstr>{escape(new)}</vt:lpstr>")
    return xml


def without_calc_chain(rels: str, types: str, workbook_path: str) -> tuple[str, str, str | None]:
    """(workbook rels, content types, the calcChain part or None) with the calculation chain left out: it
    lists formula cells by address, and rows moved; Excel rebuilds it on open."""
    part = None
    for rel in package.relationships(rels):
        if rel.get("Type") == CALC_CHAIN_TYPE:
            part = package.resolve(rel["Target"], workbook_path)
            rels = re.sub(rf'<Relationship\b[^>]*\bId="{re.escape(rel["Id"])}"[^>]*/>', "", rels)
    if part is not None:
        types = re.sub(rf'<Override\b[^>]*PartName="/{re.escape(part)}"[^>]*/>', "", types)
    return rels, types, part
