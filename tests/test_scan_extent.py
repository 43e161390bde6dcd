"""omxl's own scan of the sheet XML (omxl/io/read/sheet_xml.py) counts the sheet's extent as the far-cells guard
(guards.far_cells_trimmed) does, so the guard's patterns need not run over a big sheet again; it scans a sheet's
pieces on several threads as it does on one; it waits for the shared strings only at its end, and reads their
table as calamine does."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omxl import read_book
from omxl.io.read import guards, sheet_xml
from omxl.io.read.guards import far_cells_trimmed, replace_part, scanned_extent_fits
from omxl.io.read.sources import CALAMINE, OWN, READER_VARIABLE
from omxl.io.read.sheet_xml import BookStrings, BookStyles, book_strings, book_styles, read_sheet

pytestmark = pytest.mark.core

STYLES = BookStyles(np.zeros(4, dtype=bool), sheet_xml._NO_STYLES, b"")
TEXTS = np.array(["SKU", "Qty", "SKU-1"], dtype=object)
STRINGS = BookStrings(TEXTS, TEXTS == "")
HEAD = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1:B3"/><sheetData>')
TAIL = b"</sheetData></worksheet>"


def scan(rows: bytes, head: bytes = HEAD, tail: bytes = TAIL):
    xml = head + rows + tail
    scanned = read_sheet(xml, STYLES, lambda: STRINGS)
    assert scanned is not None, "the scan refused the sheet"
    return xml, scanned[1]


def guard_rows(xml: bytes) -> int:
    return max((int(r) for r in guards._ROW_NUMBER.findall(xml)), default=0)


PLAIN = (b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
         b'<row r="2" spans="1:2" x14ac:dyDescent="0.25"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>12</v></c></row>')


def test_a_plain_sheet_is_counted_as_the_guard_counts_it():
    xml, marked = scan(PLAIN)
    assert (marked.last_row, marked.last_col) == (2, 2)
    assert guard_rows(xml) == 2
    assert scanned_extent_fits(xml, marked, max_cells=52)         # 2 rows x 26 columns, the guard's least
    assert not scanned_extent_fits(xml, marked, max_cells=51)
    assert far_cells_trimmed(xml, "b.xlsx", "S", 52) is None


@pytest.mark.parametrize("rows, why", [
    (b'<row x:r="7" r="2"><c r="A2"><v>1</v></c></row>', "a prefixed r attribute: the pattern reads it (7)"),
    (b'<row r="2" a="1 r="><c r="A2"><v>1</v></c></row>', "a value ending in r=: the pattern's place"),
    (b'<row r="2x"><c r="A2"><v>1</v></c></row>', "a row number that is not digits"),
    (b'<row r="2"><c r="A2" t="inlineStr"><is><t>see r="AB7"</t></is></c></row>', "a text holding ' r=\"'"),
    (b'<row r="2"><c r="A2" t=" r="/></row>', "a cell's t value ending in ' r='"),
    (b'<row r="2"><c r="A2"><f t="shared" ref="A2:A3" si="0"> r="AB1"</f><v>1</v></c></row>',
     "a formula holding ' r=\"'"),
])
def test_what_the_scan_cannot_count_as_the_guard_is_left_to_the_guard(rows, why):
    xml, marked = scan(rows)
    assert marked.last_row is None, why
    assert not scanned_extent_fits(xml, marked, max_cells=10**9)


def test_quotes_elsewhere_that_are_not_the_patterns_leave_the_count_sure():
    # A shared formula's attributes and a quoted text: counted with the pattern itself, which finds only the
    # cells' and rows' r attributes.
    xml, marked = scan(b'<row r="3"><c r="A3"><f t="shared" ref="A3:A4" si="0">B3&amp;"x"</f><v>1</v></c>'
                       b'<c r="B3" t="inlineStr"><is><t xml:space="preserve">say "hi" </t></is></c></row>')
    assert (marked.last_row, marked.last_col) == (3, 2)


def test_an_attribute_whose_name_ends_in_r_is_not_the_rows_number():
    xml, marked = scan(b'<row xr="7" r="2" spans="1:2"><c r="A2"><v>1</v></c></row>')
    assert marked.last_row == 2 == guard_rows(xml)


def test_a_cell_reference_after_a_tab_counts_its_column_where_the_pattern_would_not():
    # The guard's column pattern wants a space before r=; the scan counts every cell: never fewer columns.
    xml, marked = scan(b'<row r="1"><c s="1"\tr="AD1"><v>1</v></c></row>')
    assert (marked.last_row, marked.last_col) == (1, 30)
    assert guards._extent(xml, 0, len(xml)) == (1, 26)
    assert not scanned_extent_fits(xml, marked, max_cells=29)
    assert far_cells_trimmed(xml, "b.xlsx", "S", 29) is None   # the guard decides then, as before


def test_a_far_cell_and_rows_outside_sheet_data_reach_the_guard():
    far = PLAIN + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    xml, marked = scan(far)
    assert (marked.last_row, marked.last_col) == (1_048_576, 16_384)
    assert not scanned_extent_fits(xml, marked, max_cells=100_000_000)
    assert far_cells_trimmed(xml, "b.xlsx", "S", 100_000_000)[1] == ["XFD1048576"]
    # a row element after sheetData (no Excel writes one there, the guard's pattern finds it anywhere)
    xml, marked = scan(PLAIN, tail=b'</sheetData><extLst><row r="900000"/></extLst></worksheet>')
    assert marked.last_row == 2
    assert not scanned_extent_fits(xml, marked, max_cells=26 * 899_999)
    assert scanned_extent_fits(xml, marked, max_cells=26 * 900_000)


# Sheets made of the parts the two counts could disagree on: spaces or tabs before attributes, prefixed and
# repeated r attributes on rows, texts and formulas holding ' r="', odd t values, wide and far references.
_ATTRIBUTE_GAP = st.sampled_from([b" ", b"\t", b"\n "])
_TEXT = st.sampled_from([b"x", b'say "hi"', b' r="AB12', b'r="7"', b"AB1"])


@st.composite
def _row(draw, number: int) -> bytes:
    extra = draw(st.sampled_from([b"", b' spans="1:3"', b' x14:r="9"', b' xr="9"', b' r="12"', b' ht="20" r=', b" a='r=\"5\"'"]))
    r = draw(st.sampled_from([b' r="%d"' % number, b' r="%d"' % number, b"", b' r="0%d"' % number]))
    cells = []
    for col in sorted(draw(st.sets(st.integers(1, 800), max_size=4))):
        letters = b""
        c = col
        while c:
            c, rest = divmod(c - 1, 26)
            letters = bytes([65 + rest]) + letters
        gap = draw(_ATTRIBUTE_GAP)
        kind = draw(st.sampled_from(["n", "s", "inline", "formula", "empty", "odd-t"]))
        ref = b"%sr=\"%s%d\"" % (gap, letters, number)
        if kind == "n":
            cells.append(b"<c%s><v>%d</v></c>" % (ref, col))
        elif kind == "s":
            cells.append(b'<c%s t="s"><v>%d</v></c>' % (ref, col % 3))
        elif kind == "inline":
            cells.append(b'<c%s t="inlineStr"><is><t>%s</t></is></c>' % (ref, draw(_TEXT).replace(b"<", b"")))
        elif kind == "formula":
            cells.append(b'<c%s><f t="shared" si="0">%s</f><v>1</v></c>' % (ref, draw(_TEXT)))
        elif kind == "empty":
            cells.append(b'<c%s s="1"/>' % ref)
        else:
            cells.append(b'<c%s t="%s"/>' % (ref, draw(st.sampled_from([b"q", b" r=", b"str"]))))
    return b"<row%s%s>%s</row>" % (r, extra, b"".join(cells))


@st.composite
def _sheet_rows(draw) -> bytes:
    numbers = sorted(draw(st.sets(st.sampled_from([1, 2, 3, 40, 900, 70_000, 1_048_576]), min_size=1, max_size=5)))
    return b"".join(draw(_row(n)) for n in numbers)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_sheet_rows(), max_cells=st.sampled_from([26, 100, 10_000, 2_000_000, 100_000_000]))
def test_the_scans_count_never_lets_through_what_the_guard_would_trim(rows, max_cells):
    xml = HEAD + rows + TAIL
    scanned = read_sheet(xml, STYLES, lambda: STRINGS)
    if scanned is None:
        return   # calamine reads it, after the guard, as before
    marked = scanned[1]
    if marked.last_row is not None:
        assert marked.last_row == guard_rows(xml)
        assert marked.last_col >= guards._extent(xml, 0, len(xml))[1] or marked.last_col <= 26
    if scanned_extent_fits(xml, marked, max_cells):
        assert far_cells_trimmed(xml, "b.xlsx", "S", max_cells) is None


# --- pieces on threads, strings at the end ------------------------------------------------------------

@pytest.fixture(scope="module")
def stock_sheet(tmp_path_factory):
    """A sheet of inline strings (new texts in every piece), shared strings, dates (objects) and a number
    calamine must read, as a program writing row by row leaves it."""
    path = tmp_path_factory.mktemp("pieces") / "stock.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("Stock")
    sheet.write_row(0, 0, ["SKU", "Location", "On Hand", "Counted"])
    for i in range(3_000):
        sheet.write_row(i + 1, 0, [f"SKU-{i % 700:05d}", "MAIN" if i % 3 else "EAST", (i * 11) % 300])
        sheet.write_datetime(i + 1, 3, dt.datetime(2026, 1, 1) + dt.timedelta(days=i % 90), date)
    book.close()
    with zipfile.ZipFile(path) as archive:
        styles = book_styles(archive)
        strings = book_strings(archive, styles)
        xml = archive.read("xl/worksheets/sheet1.xml")
    # a number written oddly, which calamine reads (a piece's own object/text numbering must hold for it too)
    xml = xml.replace(b"<v>11</v>", b"<v> 11</v>", 1)
    return xml, styles, strings


def _cells(scanned):
    cells = scanned[0]
    return (cells.rows.tolist(), cells.cols.tolist(), cells.kinds.tolist(), cells.numbers.tolist(),
            cells.values(np.arange(len(cells.rows))).tolist(), cells.height, cells.width)


def test_pieces_scanned_on_threads_give_the_cells_one_thread_gives(stock_sheet, monkeypatch):
    xml, styles, strings = stock_sheet
    whole = read_sheet(xml, styles, lambda: strings)
    monkeypatch.setattr(sheet_xml, "PIECE_BYTES", 2_000)
    assert len(sheet_xml._pieces(xml, xml.find(b"<sheetData>"), len(xml))) > 50
    one_thread = read_sheet(xml, styles, lambda: strings)
    with ThreadPoolExecutor(max_workers=2) as pool:
        threads = read_sheet(xml, styles, lambda: strings, pool)
    expected = _cells(whole)
    assert _cells(one_thread) == expected
    assert _cells(threads) == expected
    values = expected[4]
    assert values[:4] == ["SKU", "Location", "On Hand", "Counted"]
    assert values[4:8] == ["SKU-00000", "EAST", 0.0, dt.date(2026, 1, 1)]
    assert values.count(11.0) == 9 and values.count("MAIN") == 2_000
    # the inline texts and the dates are stored once per distinct value in each piece, then numbered on
    assert threads[0].texts.tolist().count("SKU-00042") <= 1 + len(sheet_xml._pieces(xml, 0, len(xml)))


def test_the_shared_strings_are_asked_for_once_the_cells_are_scanned(stock_sheet, monkeypatch):
    xml, styles, strings = stock_sheet
    asked = []
    monkeypatch.setattr(sheet_xml, "_scan_piece", lambda *a, _scan=sheet_xml._scan_piece: (asked.append("piece"),
                                                                                              _scan(*a))[1])
    read_sheet(xml, styles, lambda: asked.append("strings") or strings)
    assert asked[-1] == "strings" and asked.count("strings") == 1 and asked.count("piece") >= 1
    assert read_sheet(xml, styles, lambda: None) is None   # strings calamine must read: the sheet is its


def test_a_shared_string_beyond_the_table_sends_the_sheet_to_calamine():
    assert read_sheet(HEAD + b'<row r="1"><c r="A1" t="s"><v>3</v></c></row>' + TAIL, STYLES, lambda: STRINGS) \
        is None
    assert read_sheet(HEAD + b'<row r="1"><c r="A1" t="s"><v>2</v></c></row>' + TAIL, STYLES, lambda: STRINGS) \
        is not None


def test_empty_rich_strings_at_the_end_of_the_table_are_read(tmp_path):
    path = tmp_path / "strings.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("S").write_string(0, 0, "a")
    book.close()
    table = (b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<si><t>a</t></si><si><r><rPr><b/></rPr><t>b</t></r></si><si><t></t></si></sst>')
    path.write_bytes(replace_part(path.read_bytes(), "xl/sharedStrings.xml", table))
    with zipfile.ZipFile(path) as archive:
        found = book_strings(archive, book_styles(archive))
    assert found is not None
    assert found.texts.tolist() == ["a", "b", ""]
    assert found.empty.tolist() == [False, False, True]


@pytest.mark.parametrize("empty_item", [b"<si/>", b"<si />", b"<si\tx=\"1\"/>"])
def test_an_empty_item_of_the_strings_table_is_an_item_as_calamine_counts_it(tmp_path, monkeypatch, empty_item):
    # Excel never writes one, other programs may: skipping it shifted every later text by one (the cells
    # naming the last texts then read the next ones, silently, where the last one was never used).
    path = tmp_path / "strings.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Orders").write_row(0, 0, ["Order No", "SKU", "Qty"])
    sheet = book.get_worksheet_by_name("Orders")
    sheet.write_row(1, 0, ["SO-1", "A", 3])
    sheet.write_row(2, 0, ["SO-2", "B", 4])
    book.close()
    with zipfile.ZipFile(path) as source:
        table, sheet = source.read("xl/sharedStrings.xml"), source.read("xl/worksheets/sheet1.xml")
    after_first = table.find(b"</si>") + len(b"</si>")
    table = (table[:after_first] + empty_item + table[after_first:]).replace(b"</sst>", b"<si><t>unused</t></si></sst>")
    sheet = re.sub(rb't="s"><v>(\d+)</v>', lambda m: b't="s"><v>%d</v>' % (int(m.group(1)) + (int(m.group(1)) >= 1)),
                   sheet)
    data = replace_part(path.read_bytes(), "xl/sharedStrings.xml", table)
    path.write_bytes(replace_part(data, "xl/worksheets/sheet1.xml", sheet))
    with zipfile.ZipFile(path) as archive:
        texts = book_strings(archive, book_styles(archive)).texts.tolist()
    assert texts == ["Order No", "", "SKU", "Qty", "SO-1", "A", "SO-2", "B", "unused"]
    tables = {}
    for reader in (CALAMINE, OWN):
        monkeypatch.setenv(READER_VARIABLE, reader)
        tables[reader] = read_book(path).tables["orders"][["order_id", "sku", "qty"]].values.tolist()
    assert tables[OWN] == tables[CALAMINE] == [["SO-1", "A", 3.0], ["SO-2", "B", 4.0]]
