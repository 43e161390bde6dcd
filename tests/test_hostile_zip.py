"""Hostile packages: zip bombs, far-corner sheets and XML entity bombs end in one clear message (or are read),
never in a process abort, a hang or a memory blow-up. Risky reads run in a subprocess with a memory limit."""

from __future__ import annotations

import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import omxl
from ods_writer import build_ods, ods_cell, ods_row
from omxl.errors import SourceError
from omxl.io.read.guards import enough

pytestmark = pytest.mark.core

ROOT = Path(__file__).resolve().parent.parent
CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>')
WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
      '<sheet name="Orders" sheetId="1" r:id="rId1"/></sheets></workbook>')
WBRELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
          '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
          'Target="worksheets/sheet1.xml"/></Relationships>')
HEADER = ["order_id", "order_date", "customer_id", "sku", "qty"]
TOP = ('<row r="1">' + "".join(f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>' for c, h in zip("ABCDE", HEADER))
       + '</row><row r="2"><c r="A2" t="inlineStr"><is><t>SO-1</t></is></c><c r="B2"><v>46000</v></c>'
       '<c r="C2" t="inlineStr"><is><t>C1</t></is></c><c r="D2" t="inlineStr"><is><t>SKU-1</t></is></c>'
       '<c r="E2"><v>7</v></c></row>')
FAR = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def sheet(rows: str, dimension: str = "A1:E2", prolog: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet '
            f'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/>'
            f'<sheetData>{rows}</sheetData></worksheet>')


def build(path: Path, sheet_xml: str, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, text in (("[Content_Types].xml", CT), ("_rels/.rels", RELS), ("xl/workbook.xml", WB),
                           ("xl/_rels/workbook.xml.rels", WBRELS), ("xl/worksheets/sheet1.xml", sheet_xml)):
            archive.writestr(part, text)
        for part, payload in (extra or {}).items():
            archive.writestr(part, payload)
    return path


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))


def run_read(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "omxl", "read", str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, preexec_fn=_limit_memory)


def assert_refused(result: subprocess.CompletedProcess, message: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == message.splitlines()


def test_zip_bomb_member_ratio_is_refused_in_a_subprocess(tmp_path):
    # 64 MB of zeros deflate to about 64 KB: a 1,000:1 part, a few KB... on disk.
    path = build(tmp_path / "bomb.xlsx", sheet(TOP), {"xl/media/zeros.xml": bytes(64 * 2**20)})
    assert path.stat().st_size < 200_000
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/media/zeros.xml")
    ratio = info.file_size / info.compress_size
    assert ratio > 200
    result = run_read(path)
    assert_refused(result, f"omxl: bomb.xlsx: the workbook looks like a zip bomb: part xl/media/zeros.xml expands "
                           f"{ratio:,.0f} times (the limit is 200). If the file is genuine, raise max_zip_ratio "
                           "in omxl.toml (docs/reading.md, Hostile files) with this line:\n"
                           f"max_zip_ratio = {enough(ratio):_}")


def test_total_unpacked_size_limit_and_file_objects(tmp_path):
    path = build(tmp_path / "big.xlsx", sheet(TOP))
    with zipfile.ZipFile(path, "a") as archive:  # stored, not deflated: only the total is over its limit
        archive.writestr("xl/media/blob.bin", bytes(3 * 2**20), compress_type=zipfile.ZIP_STORED)
    with pytest.raises(SourceError) as raised:
        omxl.read_book(path, config={"max_unzipped_mb": 2})
    assert str(raised.value) == ("big.xlsx: the workbook is too large unpacked (3 MB; the limit is 2 MB); it may be "
                                 "a zip bomb. If the file is genuine, raise max_unzipped_mb in omxl.toml "
                                 "(docs/reading.md, Hostile files) with this line:\nmax_unzipped_mb = 10")
    # An open file is checked the same way as a path.
    with open(path, "rb") as handle, pytest.raises(SourceError) as raised:
        omxl.read_book(handle, config={"max_unzipped_mb": 2})
    assert "too large unpacked (3 MB" in str(raised.value)
    assert omxl.read_book(path).tables["orders"]["qty"].tolist() == [7]


def test_member_count_limit(tmp_path):
    path = build(tmp_path / "many.xlsx", sheet(TOP), {f"xl/media/p{i}.bin": b"x" for i in range(20)})
    with pytest.raises(SourceError) as raised:
        omxl.read_book(path, config={"max_zip_members": 20})
    assert str(raised.value).startswith("many.xlsx: the workbook is too large: it holds 25 parts (the limit is 20); "
                                        "it looks like a zip bomb. If the file is genuine, raise max_zip_members "
                                        "in omxl.toml (docs/reading.md, Hostile files) with this line:\n"
                                        "max_zip_members = 26")


@pytest.mark.parametrize("rows, dimension", [(TOP + FAR, "A1:XFD1048576"), (TOP + FAR, "A1:E2"),
                                             (TOP, "A1:XFD1048576"),
                                             # rows out of order, the r attribute after another attribute
                                             ('<row r="1048576"><c s="0" r="XFD1048576"><v>1</v></c></row>' + TOP,
                                              "A1:E2")],
                         ids=["far-cell-and-dimension", "far-cell", "huge-dimension-only", "far-cell-first"])
def test_far_corner_sheet_is_read_with_the_data_at_the_top(tmp_path, rows, dimension):
    path = build(tmp_path / "far.xlsx", sheet(rows, dimension))
    result = run_read(path)
    assert result.returncode in (0, 1), (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    book = omxl.read_book(path)
    orders = book.tables["orders"]
    assert orders[["order_id", "customer_id", "sku"]].astype(object).values.tolist() == [["SO-1", "C1", "SKU-1"]]
    assert orders["qty"].tolist() == [7]
    assert orders["row"].tolist() == [2]
    # Nothing is dropped silently: the stray cell with a value is a warning that cites it.
    far = book.findings[book.findings["code"] == "far-cells-left-out"]
    if "XFD1048576" in rows:
        assert far[["severity", "sheet", "cell", "value", "count"]].astype(object).values.tolist() == [
            ["warning", "Orders", "XFD1048576", "XFD1048576", 1]]
        assert far["message"].iloc[0] == ("1 cell(s) far from the table, the first at XFD1048576, were left out: a "
                                          "sheet that large cannot be read whole. Move what belongs to the table "
                                          "next to it and delete the rest.")
    else:
        assert far.empty   # only a huge declared dimension: no cell was left out


def test_sheet_really_too_large_is_refused(tmp_path):
    rows = TOP + "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>1</v></c></row>'
                         for r in range(3, 601))
    path = build(tmp_path / "wide.xlsx", sheet(rows + '<row r="601"><c r="AB601"><v>1</v></c></row>'))
    with pytest.raises(SourceError) as raised:
        omxl.read_book(path, config={"max_sheet_cells": 1000})
    assert str(raised.value) == ("wide.xlsx: sheet 'Orders' is too large: its cells span 601 rows x 28 columns (the "
                                 "limit is 1,000 cells). Delete the unused rows and columns far from the data "
                                 "(Ctrl+End shows the last cell) and save again. If the file is genuine, raise "
                                 "max_sheet_cells in omxl.toml (docs/reading.md, Hostile files) with this line:\n"
                                 "max_sheet_cells = 17_000")


def _entity_bomb() -> str:
    entities = "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(2, 10))
    return f'<!DOCTYPE worksheet [<!ENTITY lol1 "lol">{entities}]>'


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"])
def test_xml_entity_bomb_is_refused(tmp_path, part):
    bomb = _entity_bomb()
    if part == "xl/sharedStrings.xml":
        extra = {part: ('<?xml version="1.0"?>' + bomb + '<sst xmlns="http://schemas.openxmlformats.org/'
                        'spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>').encode()}
        path = build(tmp_path / "laughs.xlsx", sheet(TOP), extra)
    else:
        path = build(tmp_path / "laughs.xlsx", sheet(TOP.replace("SO-1", "&lol9;"), prolog=bomb))
    result = run_read(path)
    assert_refused(result, f"omxl: laughs.xlsx: the workbook is damaged or unsafe: part {part} declares XML "
                           "entities (a DOCTYPE), which Excel never writes. Do not open it; ask the sender for a "
                           "fresh export.")


def test_xml_parsers_are_defused():
    # The only XML parser in the reading code is defusedxml's (calamine is Rust and rejects entities).
    from omxl.io.read import ods_errors

    assert ods_errors.iterparse.__module__.startswith("defusedxml")
    sources = "\n".join(p.read_text() for p in (ROOT / "omxl").rglob("*.py"))
    for unsafe in ("xml.etree", "xml.dom", "lxml", "xml.sax import parse", "xml.sax.make_parser", "expat"):
        assert unsafe not in sources, unsafe


def test_real_workbook_passes_the_guards():
    from omxl.config import Config
    from omxl.io.read.guards import check_zip
    check_zip((ROOT / "workbooks" / "sample.xlsx").read_bytes(), "sample.xlsx", Config())


def test_write_back_target_is_guarded_too(tmp_path):
    path = build(tmp_path / "target.xlsx", sheet(TOP.replace("SO-1", "&lol9;"), prolog=_entity_bomb()))
    before = path.read_bytes()
    with pytest.raises(SourceError) as raised:
        omxl.write_back(path, {"Issues": pd.DataFrame({"a": [1]})})
    assert "target.xlsx: the workbook is damaged or unsafe: part xl/worksheets/sheet1.xml declares XML" in str(
        raised.value)
    assert path.read_bytes() == before


def test_far_error_cell_is_left_out_with_its_cell(tmp_path):
    far_error = '<row r="1048576"><c r="XFD1048576" t="e"><v>#REF!</v></c></row>'
    near_error = TOP.replace('<c r="E2"><v>7</v></c>', '<c r="E2" t="e"><v>#N/A</v></c>')
    path = build(tmp_path / "far-error.xlsx", sheet(near_error + far_error, "A1:XFD1048576"))
    result = run_read(path)
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr[-2000:]
    from omxl.io.read.sources import open_source

    _, sheets = open_source(path, 1024.0)
    (raw,) = list(sheets)
    assert (len(raw.grid), len(raw.grid[0])) == (2, 5)
    assert raw.error_cells == {(1, 4): "#N/A"}


# --- .ods: far-away cells through repeated rows and cells ----------------------------------------

ODS_TOP = (ods_row("".join(ods_cell(h) for h in HEADER))
           + ods_row("".join(ods_cell(v) for v in ["SO-1", "2026-11-02", "C1", "SKU-1", 7])))


def too_large_remedy(cells: int) -> str:
    return ("(the limit is 100,000,000 cells). Delete the unused rows and columns far from the data (Ctrl+End "
            "shows the last cell) and save again. If the file is genuine, raise max_sheet_cells in omxl.toml "
            f"(docs/reading.md, Hostile files) with this line:\nmax_sheet_cells = {cells}")
# What LibreOffice writes after the data of every sheet: the empty rest of the sheet, as two repeated elements.
EMPTY_REST = ods_row(ods_cell(None, 1024), 1_048_574)


@pytest.mark.parametrize("rows, span, enough_cells", [
    # A1 and AMJ1048576 (LibreOffice's last cell): 1,048,573 empty rows, then 1,023 empty cells and a value.
    (ODS_TOP + ods_row(ods_cell(None, 1024), 1_048_573) + ods_row(ods_cell(None, 1023) + ods_cell(1)),
     "1,048,576 rows x 1,024 columns", "1_100_000_000"),
    # A value repeated over more columns than any sheet has, and a row with a value repeated 4 billion times.
    (ODS_TOP + ods_row(ods_cell(1, 2_147_483_647)), "3 rows x 2,147,483,647 columns", "6_500_000_000"),
    (ODS_TOP + ods_row(ods_cell(None) + ods_cell("x"), 4_000_000_000), "4,000,000,002 rows x 5 columns",
     "21_000_000_000"),
    # 2 billion empty cells before a value (calamine drops the value silently; the extent says why).
    (ODS_TOP + ods_row(ods_cell(None, 2_147_483_646) + ods_cell(1)), "3 rows x 2,147,483,647 columns",
     "6_500_000_000"),
], ids=["far-cell-AMJ1048576", "value-repeated-2e9-columns", "row-repeated-4e9-times", "value-after-2e9-empties"])
def test_ods_far_cells_are_refused_as_too_large_in_a_subprocess(tmp_path, rows, span, enough_cells):
    path = build_ods(tmp_path / "far.ods", rows)
    assert path.stat().st_size < 2_000
    assert_refused(run_read(path), f"omxl: far.ods: sheet 'Orders' is too large: its cells span {span} "
                                   f"{too_large_remedy(enough_cells)}")


def test_ods_with_huge_empty_repeats_after_the_data_is_read(tmp_path):
    # LibreOffice's own layout: the data, then the rest of the sheet as repeated empty rows and cells (also
    # empty cells repeated after the data in a data row); the guard counts content, not declared cells.
    rows = (ODS_TOP.replace("</table:table-row>", ods_cell(None, 1019) + "</table:table-row>")
            + ods_row("".join(ods_cell(v) for v in ["SO-2", "2026-11-03", "C2", "SKU-2", 4]), 3) + EMPTY_REST)
    path = build_ods(tmp_path / "tail.ods", rows)
    result = run_read(path)
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr[-2000:]
    orders = omxl.read_book(path).tables["orders"]
    # The repeated data row is three rows, as LibreOffice shows it.
    assert orders["order_id"].astype(object).tolist() == ["SO-1", "SO-2", "SO-2", "SO-2"]
    assert orders["qty"].tolist() == [7, 4, 4, 4]
    assert orders["row"].tolist() == [2, 3, 4, 5]
    from omxl.io.read.guards import ods_extents

    with zipfile.ZipFile(path) as archive:
        assert ods_extents(archive.read("content.xml")) == [("Orders", 5, 5)]
