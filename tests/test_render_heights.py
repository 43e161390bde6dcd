"""The template engine gives rows with wrapped text the height they need and moves page breaks with the rows
(issue "the weekly workbook a manager reads": wrapped headers printed over the first record)."""

from __future__ import annotations

import re
import zipfile

import pandas as pd
import pytest
import xlsxwriter

import omxl
from omxl.io.xlsx.wrap import wrapped_lines as one_text_lines
from omxl.render.heights import row_height, text_lines_many, wrapped_lines

pytestmark = pytest.mark.core


def test_wrapped_lines_break_at_spaces_and_after_hyphens():
    assert wrapped_lines("Projected ship date", 11.7) == 2
    assert wrapped_lines("Late by 101 days (promised 2026-08-18). Ready to ship: all 96 open units allocated "
                         "from stock.", 30.7) == 3
    assert wrapped_lines("short", 10) == 1
    assert wrapped_lines("x" * 40, 10) == 4          # a word longer than a line breaks where it must
    assert wrapped_lines("one\ntwo", 20) == 2        # explicit line breaks count
    assert wrapped_lines("a b c", 10, font_size=22) == 1
    assert row_height(1) == 15 and row_height(3) == 47



def test_many_texts_wrap_as_one_text_does():
    # The vectorised count of a table's distinct texts equals io/xlsx/wrap's count of each: spaces, hyphens
    # (attached, lone, doubled), tabs, line breaks (leading, trailing, blank paragraphs), pieces longer than a
    # line, non-ASCII letters and a non-breaking space (whitespace to the wrap, as to Excel).
    texts = ["", " ", "\n", "a\n\nb", "\nlead", "trail\n", "x" * 40, "well-known re-order -- point - 5",
             "Late by 101 days (promised 2026-08-18). Ready to ship: all 96 open units allocated from stock.",
             "tab\tseparated\r\nwindows line", "Müller\u00a0GmbH ordered 1,200 units", "--a- -b--c",
             "a" * 9 + "-" + "b" * 12,
             "IP 40 = on hand 25 + on order 30 - backlog 15 <= ROP 52 (3.1/day x 14 d + SS 8.6 at 95%)"]
    for line in (1, 3, 10, 17, 30):
        assert text_lines_many(texts, line).tolist() == [one_text_lines(text, line) for text in texts]
    assert text_lines_many([], 10).tolist() == []


def _template(path):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Lines")
    header = book.add_format({"bold": True, "text_wrap": True})
    wrap = book.add_format({"text_wrap": True})
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 20)
    sheet.write(0, 0, "{{ lines | table }}", header)
    sheet.write_blank(0, 1, None, header)
    sheet.write_blank(1, 0, None)
    sheet.write_blank(1, 1, None, wrap)
    sheet.write(3, 0, "After the table")
    sheet.set_h_pagebreaks([2])   # a break under the table's one data row
    book.close()
    return path


def test_headers_and_records_get_the_height_their_wrapped_text_needs_and_breaks_follow_the_rows(tmp_path):
    lines = pd.DataFrame({"projected_ship_date": ["2026-12-01", "2026-12-02", "2026-12-03"],
                          "reason": ["short", "a reason that needs two lines", "x"]})
    out = omxl.render_template(_template(tmp_path / "t.xlsx"), {"lines": lines}, tmp_path / "out.xlsx")
    xml = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
    rows = dict(re.findall(r'<row r="(\d+)"([^>]*)>', xml))
    assert 'ht="32" customHeight="1"' in rows["1"]        # "Projected ship date" in 10 characters: 2 lines
    assert "ht=" not in rows["2"]                          # "short": one line
    assert 'ht="32" customHeight="1"' in rows["3"]        # 29 characters in a column 20 wide
    assert "ht=" not in rows["4"]
    assert re.search(r'<rowBreaks [^>]*><brk id="4"', xml)   # under the last record, not the template's row 2
