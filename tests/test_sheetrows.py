"""Result sheets are written a chunk of rows at a time, into the file as they are made; the saved file is checked
by one streaming read. Chunking changes no byte of the sheet, and a sheet that does not read back is refused."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import python_calamine as calamine

from omxl.io.save.atomic import WriteError
from omxl.io.save.write import save_workbook
from omxl.io.xlsx import sheetrows, writeback
from omxl.io.xlsx.sheetrows import sheet_xml
from omxl.io.xlsx.sheetxml import ResultSheet, required_styles

N = 23
FRAME = pd.DataFrame({
    "order": [f"SO-{i:03d}" if i % 5 else "=1+1" for i in range(N)],
    "qty": [float(i) / 2 if i % 4 else None for i in range(N)],
    "promised": pd.to_datetime("2026-11-02") + pd.to_timedelta(range(N), unit="D"),
    # The only time of day is in the last row: the whole column still gets the date-and-time format.
    "shipped": pd.to_datetime(["2026-11-27 00:00"] * (N - 1) + ["2026-11-27 14:30"]),
    "late": [i % 3 == 0 for i in range(N)],
    "note": [None if i % 2 else ("a & b" if i % 3 else dt.date(2026, 11, 30)) for i in range(N)],
})
FILLS = pd.Series(["FFF4B183" if i % 3 == 0 else "" for i in range(N)], dtype=object)


def sheet() -> ResultSheet:
    return ResultSheet(FRAME, row_fill=FILLS, number_formats={"qty": "#,##0.00", "shipped": "yyyy-mm-dd"})


def style_ids() -> dict[str, int]:
    return {key: number for number, key in enumerate(required_styles([sheet()]), start=1)}


def test_chunks_of_rows_change_no_byte(monkeypatch):
    whole = sheet_xml(sheet(), style_ids())
    monkeypatch.setattr(sheetrows, "CHUNK_ROWS", 4)
    assert list(sheetrows.sheet_xml_parts(sheet(), style_ids()))[1:-1] != []
    assert sheet_xml(sheet(), style_ids()) == whole
    text = whole.decode("utf-8")
    assert text.count("<row ") == N + 1
    ids = style_ids()
    # Row 2 (the first data row) is filled: its blank qty is a styled empty cell, formula-like text quote-prefixed.
    fill = "FFF4B183"
    assert f'<c r="A2" t="inlineStr" s="{ids[f"cell||{fill}|1"]}"><is><t xml:space="preserve">=1+1</t></is></c>' in text
    assert f'<c r="B2" s="{ids[f"cell||{fill}|0"]}"/>' in text
    assert '<c r="B3"><v>0.5</v></c>' not in text  # qty has its number format
    assert f'<c r="B3" s="{ids["cell|#,##0.00||0"]}"><v>0.5</v></c>' in text
    # Every shipped date, not only the last one, shows its time: 2026-11-27 is serial 46353.
    assert f'<c r="D3" s="{ids["cell|yyyy-mm-dd hh:mm||0"]}"><v>46353</v></c>' in text
    assert f'<c r="D24" s="{ids["cell|yyyy-mm-dd hh:mm||0"]}"><v>46353.604166666664</v></c>' in text
    assert '<c r="E3" t="b"><v>0</v></c>' in text
    assert '<c r="F4" t="inlineStr"><is><t xml:space="preserve">a &amp; b</t></is></c>' in text
    assert f'<c r="F2" s="{ids[f"cell|yyyy-mm-dd|{fill}|0"]}"><v>46356</v></c>' in text


def test_a_saved_workbook_reads_back_as_written(tmp_path):
    out = save_workbook({"Order Status": sheet()}, tmp_path / "status.xlsx")
    with calamine.CalamineWorkbook.from_path(str(out)) as book:
        grid = book.get_sheet_by_name("Order Status").to_python()
    assert grid[0] == ["order", "qty", "promised", "shipped", "late", "note"]
    assert grid[1][0] == "=1+1" and grid[2][:2] == ["SO-001", 0.5] and len(grid) == N + 1
    with zipfile.ZipFile(out) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    assert info.compress_type == zipfile.ZIP_DEFLATED


def test_a_sheet_with_a_link_on_every_row_reads_back(tmp_path, monkeypatch):
    # The links follow the rows in the sheet's XML: the last rows are found before them, however many they are.
    monkeypatch.setattr(writeback, "_READ_PIECE", 1000)
    monkeypatch.setattr(writeback, "_SAMPLE", 600)
    links = pd.Series([f"'Order Status'!B{row}" for row in range(2, N + 2)])
    linked = ResultSheet(FRAME, links={"order": links})
    out = save_workbook({"Order Status": linked}, tmp_path / "status.xlsx")
    with zipfile.ZipFile(out) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert xml.count(b"<hyperlink ") == N and len(xml[xml.index(b"</sheetData>"):]) > 1000
    assert b'<hyperlink ref="A24" location="\'Order Status\'!B24" display="SO-022"/>' in xml


def _rewrite_sheet(path: Path, change) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    parts["xl/worksheets/sheet1.xml"] = change(parts["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


@pytest.mark.parametrize("change", [
    lambda xml: re.sub(rb'<row r="7">.*?</row>', b"", xml, count=1),                   # a row lost
    lambda xml: xml.replace(b">order<", b">orders<", 1),                               # the header changed
    lambda xml: xml.replace(b"</row></sheetData>", b"</sheetData>", 1),                # the last row not closed
    lambda xml: xml[: xml.index(b"</sheetData>")],                                     # the end cut off
    lambda xml: re.sub(rb"(<row r=\"3\">.*?)</c>", rb"\1</d>", xml, count=1),              # a tag mismatched
], ids=["row-lost", "header", "not-well-formed", "cut", "first-rows-not-well-formed"])
def test_a_sheet_that_does_not_read_back_is_refused(change, tmp_path, monkeypatch):
    monkeypatch.setattr(writeback, "_READ_PIECE", 1000)  # read in many pieces, as a large sheet is
    out = save_workbook({"Order Status": sheet()}, tmp_path / "status.xlsx")
    _rewrite_sheet(out, change)
    with pytest.raises(WriteError, match=r"status.xlsx: sheet 'Order Status' did not read back as written"):
        writeback.verify_sheets(out, {"Order Status": sheet()})


def test_a_damaged_file_is_refused_and_the_original_kept(tmp_path, monkeypatch):
    target = tmp_path / "status.xlsx"
    target.write_bytes(b"the user's file")
    real = writeback.write_result_sheets

    def truncated(*args):
        written = real(*args)
        args[-1].truncate(2000)
        return written

    monkeypatch.setattr("omxl.io.save.write.write_result_sheets", truncated)
    with pytest.raises(WriteError, match=r"the written file does not open \(File is not a zip file\); the original is unchanged"):
        save_workbook({"Order Status": sheet()}, target, backup=False)
    assert target.read_bytes() == b"the user's file"
    assert [p.name for p in tmp_path.iterdir()] == ["status.xlsx"]



@pytest.mark.parametrize(("cut_in", "offset"), [("row tag", 1), ("row tag", 2), ("row tag", 4),
                                                ("end of the rows", 1), ("end of the rows", 6),
                                                ("end of the rows", 11)])
def test_a_cut_inside_a_row_tag_or_the_end_of_the_rows_reads_back(cut_in, offset, tmp_path, monkeypatch):
    # The file is read in pieces: a "<row " or the "</sheetData>" that ends the rows may fall across a cut, and is
    # then counted or found once, from the few bytes either side of it.
    out = save_workbook({"Order Status": sheet()}, tmp_path / "status.xlsx")
    with zipfile.ZipFile(out) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    start = xml.index(b"<row ", 1500) if cut_in == "row tag" else xml.index(b"</sheetData>")
    monkeypatch.setattr(writeback, "_READ_PIECE", start + offset)   # the first cut lands inside it
    assert writeback.verify_sheets(out, {"Order Status": sheet()}) == {"xl/worksheets/sheet1.xml"}
    _rewrite_sheet(out, lambda xml: re.sub(rb'<row r="7">.*?</row>', b"", xml, count=1))
    with pytest.raises(WriteError, match=r"sheet 'Order Status' did not read back as written"):
        writeback.verify_sheets(out, {"Order Status": sheet()})
