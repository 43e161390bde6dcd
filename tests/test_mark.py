"""The marked copy (`omxl validate BOOK --mark OUT.xlsx`): offending cells filled and commented, an Issues sheet
whose cell references jump to them, the input never modified and nothing else in the package changed."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import defusedxml.ElementTree as ET
import numpy as np
import openpyxl
import pandas as pd
import pytest
import python_calamine as calamine
import xlsxwriter
from openpyxl.utils.cell import column_index_from_string

from conftest import SAMPLE, convert_with_libreoffice
from omxl.io.save.atomic import backups_of
from omxl.io.xlsx.mark import mark_cells, mark_workbook
from omxl.io.xlsx.sheetxml import ResultSheet
from omxl.io.xlsx.writeback import WriteBackError
from rich_workbooks import build_rich, members

RED, YELLOW = "FFFFC7CE", "FFFFEB9C"
ISSUES = "omxl Issues"
NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
}

# Orders!J5 is absent from the sheet XML (row 5 holds I5 and K5); row 3 of Orders does not exist at all.
SAMPLE_MARKS = pd.DataFrame([
    ("Orders", "F2996", "error", "Quantity must be more than 0 (found -3). Correct the quantity."),
    ("Orders", "F2996", "warning", "Quantity 5000 is far from the others (median 10). Check it."),
    ("Orders", "J5", "error", "Line status is blank. Fill it in."),
    ("Orders", "C7", "warning", "Order date is after the as-of date."),
    ("Orders", "A3", "error", "=HYPERLINK(\"http://x\") & <b>Müller</b>"),
    ("Orders", "G10", "info", "Unit price tidied (not marked: info)."),
    ("Inventory", "B3", "warning", "SKU-7 appears twice."),
    ("Purchase Orders", "B2", "error", "Supplier S-99 is not in Suppliers."),
    ("Old orders.csv", "A1", "error", "A CSV source: there is no sheet to mark."),
    ("Orders", "XFE5", "error", "Beyond Excel's last column: ignored."),
], columns=["sheet", "cell", "severity", "message"])

# Data!A1 holds the user's own comment; Data!G3 is absent; row 6 of Data is absent; Table!B3 is in an Excel
# table on a sheet without comments; Chart is a chart sheet (nothing to mark).
RICH_MARKS = pd.DataFrame([
    ("Data", "A1", "error", "Header 'Region' is not a known column."),
    ("Data", "C3", "error", "Feb units must be more than 0."),
    ("Data", "C3", "warning", "Feb units are far from the others."),
    ("Data", "G3", "warning", "Pick is blank."),
    ("Data", "B6", "error", "Row 6 has no units."),
    ("Data", "D4", "info", "Not marked."),
    ("Table", "B3", "warning", "Qty 2 looks low."),
    ("Chart", "A1", "error", "A chart sheet: ignored."),
], columns=["sheet", "cell", "severity", "message"])

# What marking must produce: cell -> (fill, comment text in the copy).
SAMPLE_EXPECTED = {
    ("Orders", "F2996"): (RED, "omxl:\nQuantity must be more than 0 (found -3). Correct the quantity.\n"
                               "Quantity 5000 is far from the others (median 10). Check it."),
    ("Orders", "J5"): (RED, "omxl:\nLine status is blank. Fill it in."),
    ("Orders", "C7"): (YELLOW, "omxl:\nOrder date is after the as-of date."),
    ("Orders", "A3"): (RED, "omxl:\n=HYPERLINK(\"http://x\") & <b>Müller</b>"),
    ("Inventory", "B3"): (YELLOW, "omxl:\nSKU-7 appears twice."),
    ("Purchase Orders", "B2"): (RED, "omxl:\nSupplier S-99 is not in Suppliers."),
}
RICH_EXPECTED = {
    ("Data", "A1"): (RED, "Regions as the sales team names them"),  # the user's comment, kept as it was
    ("Data", "C3"): (RED, "omxl:\nFeb units must be more than 0.\nFeb units are far from the others."),
    ("Data", "G3"): (YELLOW, "omxl:\nPick is blank."),
    ("Data", "B6"): (RED, "omxl:\nRow 6 has no units."),
    ("Table", "B3"): (YELLOW, "omxl:\nQty 2 looks low."),
}
CASES = {
    "sample.xlsx": (SAMPLE_MARKS, SAMPLE_EXPECTED, {"Orders": "xl/worksheets/sheet1.xml",
                                                    "Inventory": "xl/worksheets/sheet2.xml",
                                                    "Purchase Orders": "xl/worksheets/sheet6.xml"}),
    "rich.xlsx": (RICH_MARKS, RICH_EXPECTED, {"Data": "xl/worksheets/sheet1.xml",
                                              "Table": "xl/worksheets/sheet2.xml"}),
}
# Every member the marked copy may write, by source; all others must be the source's, byte for byte.
OWNED = {
    "sample.xlsx": {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                    "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet6.xml",
                    "xl/worksheets/_rels/sheet1.xml.rels", "xl/worksheets/_rels/sheet2.xml.rels",
                    "xl/worksheets/_rels/sheet6.xml.rels", "xl/comments1.xml", "xl/comments2.xml",
                    "xl/comments3.xml", "xl/drawings/vmlDrawing1.vml", "xl/drawings/vmlDrawing2.vml",
                    "xl/drawings/vmlDrawing3.vml", "xl/worksheets/sheet8.xml"},
    "rich.xlsx": {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                  "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/_rels/sheet2.xml.rels",
                  "xl/comments1.xml", "xl/comments2.xml", "xl/drawings/vmlDrawing1.vml",
                  "xl/drawings/vmlDrawing2.vml", "xl/worksheets/sheet3.xml"},
}


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    folder = tmp_path_factory.mktemp("originals")
    return {"rich.xlsx": build_rich(folder / "rich.xlsx"),
            "sample.xlsx": Path(shutil.copy(SAMPLE, folder / "sample.xlsx"))}


def issues_sheet(marks: pd.DataFrame, sheets: set[str]) -> ResultSheet:
    """The Issues list as validate passes it: a link on each cell reference whose sheet exists."""
    frame = marks.reset_index(drop=True)
    links = pd.Series(["'" + s.replace("'", "''") + "'!" + c if s in sheets and in_grid(c) else ""
                       for s, c in zip(frame["sheet"], frame["cell"])])
    return ResultSheet(frame, links={"cell": links})


def in_grid(cell: str) -> bool:
    letters = re.match(r"[A-Z]+", cell).group(0)
    return column_index_from_string(letters) <= 16384


def mark(originals, name: str, tmp_path: Path, out_name: str | None = None) -> tuple[Path, Path]:
    source = Path(shutil.copy(originals[name], tmp_path / name))
    marks, _, parts = CASES[name]
    out = tmp_path / (out_name or f"marked-{name}")
    assert mark_workbook(source, out, marks, issues_sheet(marks, set(parts))) == out
    return source, out


# --- reading the results back, independently of omxl ---------------------------------------------------

def a1(row: int, column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def ods_cells(ods: Path, wanted: dict[str, set[str]]) -> dict[tuple[str, str], dict]:
    """For the wanted cells of each sheet: background colour, comment (annotation) text and link targets."""
    with zipfile.ZipFile(ods) as archive:
        root = ET.fromstring(archive.read("content.xml"))
    t = "{%s}" % NS["table"]
    backgrounds = {}
    for style in root.iter("{%s}style" % NS["style"]):
        props = style.find("style:table-cell-properties", NS)
        if props is not None:
            backgrounds[style.get("{%s}name" % NS["style"])] = props.get("{%s}background-color" % NS["fo"])
    found = {}
    for table in root.iter(t + "table"):
        name = table.get(t + "name")
        if name not in wanted:
            continue
        row_number = 0
        for row in table.iter(t + "table-row"):
            rows = int(row.get(t + "number-rows-repeated", "1"))
            column = 0
            for cell in row:
                if cell.tag not in (t + "table-cell", t + "covered-table-cell"):
                    continue
                repeat = int(cell.get(t + "number-columns-repeated", "1"))
                for r in range(row_number + 1, row_number + 1 + min(rows, 2)):
                    for c in range(column + 1, column + 1 + min(repeat, 2)):
                        ref = a1(r, c)
                        if ref in wanted[name]:
                            note = cell.find("office:annotation", NS)
                            found[(name, ref)] = {
                                "fill": backgrounds.get(cell.get(t + "style-name")),
                                "comment": None if note is None else "\n".join(
                                    "".join(p.itertext()) for p in note.findall("text:p", NS)),
                                "links": [a.get("{%s}href" % NS["xlink"]) for a in cell.iter("{%s}a" % NS["text"])],
                            }
                column += repeat
            row_number += rows
    return found


def xlsx_styles(path: Path) -> tuple[list[str], list[str]]:
    """(cellXfs entries, fills) of a workbook's styles.xml."""
    styles = members(path)["xl/styles.xml"].decode()
    xfs = re.search(r"<cellXfs\b[^>]*>(.*?)</cellXfs>", styles, re.S).group(1)
    fills = re.search(r"<fills\b[^>]*>(.*?)</fills>", styles, re.S).group(1)
    return (re.findall(r"<xf\b[^>]*?/>|<xf\b[^>]*?>.*?</xf>", xfs, re.S),
            re.findall(r"<fill>.*?</fill>", fills, re.S))


def cell_style(sheet_xml: str, ref: str) -> int | None:
    """The s attribute of cell `ref` (0 when it has none), None when the cell is absent."""
    found = re.search(rf'<c r="{ref}"[\s/>][^>]*>', sheet_xml)
    if not found:
        return None
    style = re.search(r'\ss="(\d+)"', found.group(0))
    return int(style.group(1)) if style else 0


def xf_attrs(xf: str) -> dict[str, str]:
    return dict(re.findall(r'(\w+)="([^"]*)"', xf.split(">")[0]))


# --- the tests ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["sample.xlsx", "rich.xlsx"])
def test_marked_cells_are_filled_and_commented_and_the_links_jump_to_them(name, originals, tmp_path):
    source, out = mark(originals, name, tmp_path)
    marks, expected, parts = CASES[name]
    assert source.read_bytes() == originals[name].read_bytes()

    convert_with_libreoffice(out, "pdf", tmp_path)   # the copy opens and renders in LibreOffice
    ods = convert_with_libreoffice(out, "ods", tmp_path)
    wanted: dict[str, set[str]] = {}
    for sheet, cell in [*expected, ("Orders", "G10"), ("Data", "D4"), ("Data", "D3")]:
        wanted.setdefault(sheet, set()).add(cell)
    wanted[ISSUES] = {f"B{row}" for row in range(2, len(marks) + 2)}   # the cell column
    cells = ods_cells(ods, wanted)

    colours = {RED: "#ffc7ce", YELLOW: "#ffeb9c"}
    for (sheet, cell), (fill, comment) in expected.items():
        assert cells[(sheet, cell)]["fill"] == colours[fill], (sheet, cell)
        assert cells[(sheet, cell)]["comment"] == comment, (sheet, cell)
    for unmarked in [("Orders", "G10"), ("Data", "D4"), ("Data", "D3")]:
        if unmarked in cells:
            assert cells[unmarked]["comment"] is None and cells[unmarked]["fill"] not in colours.values()

    # Each reference in the Issues sheet links to its own finding's cell. LibreOffice writes
    # "'Orders'!F2996" as #'Orders'.F2996 (it keeps the '!' for column-C cells such as C7).
    for row, (sheet, cell) in enumerate(zip(marks["sheet"], marks["cell"]), start=2):
        links = cells[(ISSUES, f"B{row}")]["links"]
        if sheet in parts and in_grid(cell):
            assert len(links) == 1
            target = re.fullmatch(r"#'?(.+?)'?[.!]([A-Z]+[0-9]+)", links[0])
            assert target and target.groups() == (sheet, cell), links[0]
        else:
            assert links == []


@pytest.mark.parametrize("name", ["sample.xlsx", "rich.xlsx"])
def test_marked_cells_keep_their_own_format_with_only_the_fill_swapped(name, originals, tmp_path):
    _, out = mark(originals, name, tmp_path)
    _, expected, parts = CASES[name]
    old_xfs, _ = xlsx_styles(originals[name])
    new_xfs, fills = xlsx_styles(out)
    assert new_xfs[:len(old_xfs)] == old_xfs
    before, after = members(originals[name]), members(out)
    for (sheet, cell), (fill, _) in expected.items():
        part = parts[sheet]
        original = cell_style(before[part].decode(), cell)
        marked = cell_style(after[part].decode(), cell)
        assert marked is not None and marked >= len(old_xfs), (sheet, cell)
        old, new = xf_attrs(old_xfs[original or 0]), xf_attrs(new_xfs[marked])
        for kept in ("numFmtId", "fontId", "borderId", "xfId"):
            assert new.get(kept) == old.get(kept), (sheet, cell, kept)
        assert new["applyFill"] == "1"
        assert f'<fgColor rgb="{fill}"/>' in fills[int(new["fillId"])]
    if name == "sample.xlsx":   # the date keeps its date format, the absent cell gets its row's neighbours' look
        orders = after["xl/worksheets/sheet1.xml"].decode()
        assert xf_attrs(new_xfs[cell_style(orders, "C7")])["numFmtId"] == "165"
        assert re.search(r'<c r="I5"[^>]*>(?:(?!</c>).)*</c><c r="J5" s="\d+"/><c r="K5"', orders)
        assert re.search(r'</row><row r="3"><c r="A3" s="\d+"/></row><row r="4"', orders)


@pytest.mark.parametrize("name", ["sample.xlsx", "rich.xlsx"])
def test_every_member_marking_does_not_own_is_byte_identical(name, originals, tmp_path):
    _, out = mark(originals, name, tmp_path)
    before, after = members(originals[name]), members(out)
    changed = {m for m in after if before.get(m) != after[m]}
    assert changed == OWNED[name]
    assert set(before) <= set(after)
    with zipfile.ZipFile(originals[name]) as old, zipfile.ZipFile(out) as new:
        stored = {i.filename: (i.CRC, i.compress_size, i.compress_type) for i in new.infolist()}
        for info in old.infolist():
            if info.filename not in OWNED[name]:   # copied as stored: compressed bytes included
                assert stored[info.filename] == (info.CRC, info.compress_size, info.compress_type)
    # The edited parts keep every entry they had.
    for member in OWNED[name] & set(before):
        if member.endswith(".rels") or member == "[Content_Types].xml":
            old_entries = re.findall(r"<(?:Relationship|Override|Default)\b[^>]*/>", before[member].decode())
            assert all(entry in after[member].decode() for entry in old_entries), member
    if name == "rich.xlsx":   # the user's comment and its box are kept as they were, ours appended
        old_comments, new_comments = before["xl/comments1.xml"].decode(), after["xl/comments1.xml"].decode()
        user = re.search(r'<comment ref="A1".*?</comment>', old_comments, re.S).group(0)
        assert user in new_comments and new_comments.count("<comment ") == 4
        assert "<author></author><author>omxl</author>" in new_comments
        old_vml = before["xl/drawings/vmlDrawing1.vml"].decode()
        assert after["xl/drawings/vmlDrawing1.vml"].decode().startswith(old_vml[:old_vml.rindex("</xml>")])
        table_sheet = after["xl/worksheets/sheet2.xml"].decode()
        assert re.search(r'<pageMargins [^>]*/><legacyDrawing r:id="rId\d+"/><tableParts ', table_sheet)


@pytest.mark.parametrize("name", ["sample.xlsx", "rich.xlsx"])
def test_marking_twice_gives_the_same_parts_and_marking_the_copy_again_changes_nothing(name, originals, tmp_path):
    _, first = mark(originals, name, tmp_path, "first.xlsx")
    _, second = mark(originals, name, tmp_path, "second.xlsx")
    assert members(first) == members(second)
    # The marked copy marked again: the same cell formats are reused, cells already commented are not
    # commented twice, and the Issues sheet is replaced in place.
    marks, _, parts = CASES[name]
    again = tmp_path / "again.xlsx"
    mark_workbook(first, again, marks, issues_sheet(marks, set(parts)))
    assert members(again) == members(first)


def test_the_copy_reads_back_in_openpyxl_with_fills_comments_and_values(originals, tmp_path):
    _, out = mark(originals, "sample.xlsx", tmp_path)
    book = openpyxl.load_workbook(out)
    orders = book["Orders"]
    assert orders["F2996"].fill.fgColor.rgb == RED
    assert orders["F2996"].comment.author == "omxl"
    assert orders["F2996"].comment.text == SAMPLE_EXPECTED[("Orders", "F2996")][1]
    assert orders["C7"].fill.fgColor.rgb == YELLOW and orders["C7"].number_format == "yyyy-mm-dd"
    assert orders["G10"].comment is None and orders["G10"].fill.fill_type is None
    assert book[ISSUES]["B2"].hyperlink.location == "'Orders'!F2996"
    with calamine.CalamineWorkbook.from_path(str(originals["sample.xlsx"])) as old, \
            calamine.CalamineWorkbook.from_path(str(out)) as new:
        for sheet in old.sheet_names:
            assert new.get_sheet_by_name(sheet).to_python() == old.get_sheet_by_name(sheet).to_python()


def test_a_large_sheet_with_gaps_is_marked_in_the_right_cells(tmp_path):
    """Many marks over a sheet with absent rows and cells: every target is marked, nothing else moves."""
    path = tmp_path / "big.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Orders")
    money = book.add_format({"num_format": "#,##0.00"})
    rng = np.random.default_rng(7)
    for row in range(1, 5001):
        if row % 7 == 0:
            continue                                    # absent rows
        for column in range(6):
            if (row + column) % 5 == 0:
                continue                                # absent cells
            sheet.write_number(row - 1, column, row * 10 + column, money if column == 3 else None)
    book.close()
    cells = {(int(r), int(c)) for r, c in zip(rng.integers(1, 5200, 700), rng.integers(1, 9, 700))}
    marks = pd.DataFrame({"sheet": "Orders", "cell": [a1(r, c) for r, c in sorted(cells)],
                          "severity": ["error" if (r + c) % 2 else "warning" for r, c in sorted(cells)],
                          "message": [f"finding at {a1(r, c)}" for r, c in sorted(cells)]})
    data, written = mark_cells(path.read_bytes(), marks, "big.xlsx")
    assert written == {"[Content_Types].xml", "xl/styles.xml", "xl/worksheets/sheet1.xml",
                       "xl/worksheets/_rels/sheet1.xml.rels", "xl/comments1.xml", "xl/drawings/vmlDrawing1.vml"}
    out = tmp_path / "big-marked.xlsx"
    out.write_bytes(data)
    marked = openpyxl.load_workbook(out)["Orders"]
    original = openpyxl.load_workbook(path)["Orders"]
    for r in range(1, 5201):
        for c in range(1, 9):
            new, old = marked.cell(r, c), original.cell(r, c)
            assert new.value == old.value and new.number_format == old.number_format, (r, c)
            if (r, c) in cells:
                assert new.fill.fgColor.rgb == (RED if (r + c) % 2 else YELLOW), (r, c)
                assert new.comment.text == f"omxl:\nfinding at {a1(r, c)}", (r, c)
            else:
                assert new.fill.fill_type is None and new.comment is None, (r, c)
    sheet_xml = members(out)["xl/worksheets/sheet1.xml"].decode()
    numbers = [int(n) for n in re.findall(r'<row r="(\d+)"', sheet_xml)]
    assert numbers == sorted(set(numbers))
    for row in re.findall(r'<row r="\d+"[^>]*>(.*?)</row>', sheet_xml):
        columns = [c for c in re.findall(r'<c r="([A-Z]+)\d+"', row)]
        assert columns == sorted(columns, key=lambda x: (len(x), x))
    last_row, last_column = max([5000] + [r for r, _ in cells]), max([6] + [c for _, c in cells])
    assert f'<dimension ref="A1:{a1(last_row, last_column)}"/>' in sheet_xml


def test_the_marked_copy_cannot_be_the_source(originals, tmp_path):
    source = Path(shutil.copy(originals["rich.xlsx"], tmp_path / "rich.xlsx"))
    before = source.read_bytes()
    for out in (source, tmp_path / "." / "rich.xlsx"):
        with pytest.raises(WriteBackError) as caught:
            mark_workbook(source, out, RICH_MARKS, issues_sheet(RICH_MARKS, {"Data", "Table"}))
        assert str(caught.value) == (
            "rich.xlsx: the marked copy would replace the workbook it marks, and omxl never changes the workbook "
            "it checks. Choose another file name for the marked copy, or use --write-back to add the Issues "
            "sheet to the workbook itself.")
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rich.xlsx"]
    assert backups_of(source) == []


def test_the_copy_of_a_macro_workbook_must_keep_the_xlsm_name(tmp_path):
    source = build_rich(tmp_path / "macro.xlsm", macros=True)
    with pytest.raises(WriteBackError) as caught:
        mark_workbook(source, tmp_path / "macro-marked.xlsx", RICH_MARKS, issues_sheet(RICH_MARKS, {"Data"}))
    assert str(caught.value) == ("macro-marked.xlsx: the marked copy of macro.xlsm is an .xlsm workbook, and Excel "
                                 "opens it only under a name ending in .xlsm. Name it macro-marked.xlsm.")
    out = mark_workbook(source, tmp_path / "macro-marked.xlsm", RICH_MARKS, issues_sheet(RICH_MARKS, {"Data"}))
    assert members(out)["xl/vbaProject.bin"] == members(source)["xl/vbaProject.bin"]


def test_no_marks_still_gives_a_copy_with_the_issues_sheet(originals, tmp_path):
    source = Path(shutil.copy(originals["rich.xlsx"], tmp_path / "rich.xlsx"))
    info_only = RICH_MARKS[RICH_MARKS["severity"] == "info"]
    data = source.read_bytes()
    assert mark_cells(data, info_only, "rich.xlsx") == (data, set())
    out = mark_workbook(source, tmp_path / "copy.xlsx", info_only, issues_sheet(info_only, {"Data"}))
    with calamine.CalamineWorkbook.from_path(str(out)) as book:
        assert book.sheet_names[-1] == ISSUES


@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_long_comments_are_cut(originals, tmp_path):
    source = Path(shutil.copy(originals["rich.xlsx"], tmp_path / "rich.xlsx"))
    marks = pd.DataFrame({"sheet": "Data", "cell": "B2", "severity": "error",
                          "message": [f"Finding number {i}: " + "x" * 80 for i in range(30)]})
    out = mark_workbook(source, tmp_path / "long.xlsx", marks, issues_sheet(marks, {"Data"}))
    text = openpyxl.load_workbook(out)["Data"]["B2"].comment.text
    assert text.startswith("omxl:\nFinding number 0: ") and text.endswith("\u2026")
    assert len(text) == len("omxl:\n") + 1000
