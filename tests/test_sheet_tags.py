"""The compiled loop that finds a sheet's cell tags (omxl/io/read/tag_loop.py) against the NumPy finder
(sheet_xml._tags): where the loop reads a piece, its tags are the NumPy finder's, field by field; where it
does not, the NumPy finder reads the piece, and a whole read gives the same book either way."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import omxl
from omxl.config import Config
from omxl.demo import write_demo
from omxl.io.deflate import read_member
from omxl.io.read import sheet_tags, sheet_xml, sources
from omxl.io.read.sheet_xml import book_strings, book_styles, read_sheet
from omxl.io.xlsx import package
from test_scan_extent import HEAD, STRINGS, STYLES, TAIL, _cells, _sheet_rows

pytestmark = pytest.mark.core

ROOT = Path(__file__).resolve().parents[1]


def _pieces(xml: bytes) -> list[tuple[int, int]]:
    start = xml.find(b"<sheetData")
    head_end = xml.find(b">", start)
    return sheet_xml._pieces(xml, head_end + 1, xml.find(b"</sheetData>"))


def _same_tags(xml: bytes, first: int, stop: int) -> bool | None:
    """Whether the loop's tags of the piece are the NumPy finder's (None: the loop does not read it)."""
    found = sheet_tags.compiled_tags(xml, first, stop)
    if found is None:
        return None
    expected = sheet_xml._tags(xml, first, stop)    # raises _Unknown (a failed test) where only the loop reads
    for name in sheet_tags.CellTags._fields:
        mine, theirs = getattr(found, name), getattr(expected, name)
        if name == "extent":
            assert mine == theirs, name
        elif name not in ("numbers", "read"):
            assert np.asarray(mine).dtype.kind == np.asarray(theirs).dtype.kind, name
            assert np.array_equal(mine, theirs), name
    assert expected.numbers is None and expected.read is None
    # The numbers the loop read are _parse_numbers' (with float() for the rest, as sheet_xml._values does).
    body = np.frombuffer(xml, dtype=np.uint8, offset=first)
    texts = found.has_v & (found.v_len > 0)
    for kind, integers in ((1, True), (0, False)):
        cells = texts & (found.types == kind)
        values, ok = found.numbers[cells], found.read[cells]
        if not integers:
            sheet_xml._other_numbers(body, found.v_start[cells], found.v_len[cells], values, ok)
        theirs, their_ok = sheet_xml._parse_numbers(body, found.v_start[cells], found.v_len[cells], integers)
        assert np.array_equal(ok, their_ok), kind
        assert np.array_equal(values[ok].view(np.int64), theirs[ok].view(np.int64)), kind   # bit for bit: -0.0
    assert not found.read[~(texts & (found.types <= 1))].any()
    return True


def _sheets(path: Path) -> list[bytes]:
    with zipfile.ZipFile(path) as archive:
        return [read_member(archive, part) for _entry, part in package.sheet_parts(archive)]


def test_the_loop_is_compiled_here():
    assert sheet_tags._loop() is not None
    sheet_tags.warm_up()
    rows = b'<row r="7"><c r="C7" s="2" t="s"><v>12</v></c></row>'
    found = sheet_tags.compiled_tags(HEAD + rows + TAIL, len(HEAD), len(HEAD) + len(rows))
    assert (found.rows.tolist(), found.cols.tolist(), found.styles.tolist(), found.types.tolist()) == \
        ([6], [2], [2], [1])
    assert (found.v_start.tolist(), found.v_len.tolist(), found.extent) == ([36], [2], (7, 3, True))
    assert (found.cell_from.tolist(), found.cell_to.tolist()) == ([11], [len(rows) - 6])
    assert (found.numbers.tolist(), found.read.tolist(), found.has_v.tolist()) == ([12.0], [True], [True])


@pytest.fixture(scope="module")
def written_books(tmp_path_factory) -> list[Path]:
    """The sample workbook, a demo book, a book XlsxWriter writes with every kind of cell, and omxl's own
    result sheets (inline strings, written by omxl)."""
    folder = tmp_path_factory.mktemp("tags")
    demo = write_demo(folder / "demo.xlsx", lines=3000, seed=5)
    kinds = folder / "kinds.xlsx"
    book = xlsxwriter.Workbook(str(kinds))
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("Kinds")
    sheet.write_row(0, 0, ["SKU", "Qty", "Price", "Due", "Flag", "Error", "Formula", "Text formula", "Note"])
    for i in range(400):
        row = i + 1
        sheet.write_string(row, 0, f"SKU-{i % 37:04d}")
        sheet.write_number(row, 1, (i * 7) % 90 - 5)
        sheet.write_number(row, 2, 1.5 + i / 8 if i % 5 else -0.125 * i)
        sheet.write_datetime(row, 3, dt.datetime(2026, 3, 1) + dt.timedelta(days=i % 40), date)
        sheet.write_boolean(row, 4, bool(i % 2))
        if i % 9 == 0:
            sheet.write_formula(row, 5, "=1/0", None, "#DIV/0!")
        sheet.write_formula(row, 6, f"=B{row + 1}*2", None, (i * 7) % 90 * 2 - 10)
        sheet.write_formula(row, 7, f'=A{row + 1}&"x"', None, f"SKU-{i % 37:04d}x")
        if i % 4 == 0:
            sheet.write_string(row, 8, 'say "hi" & <go>' if i % 8 == 0 else "  padded  ")
    book.close()
    status = folder / "status.xlsx"
    rec = omxl.reconcile(omxl.read_book(ROOT / "workbooks" / "sample.xlsx"), as_of="2026-11-27")
    omxl.save_workbook(rec.result_sheets(), status)
    return [ROOT / "workbooks" / "sample.xlsx", demo, kinds, status]


def test_the_loop_finds_the_tags_the_numpy_finder_finds_in_every_piece_of_real_workbooks(written_books):
    read_by_loop = 0
    for path in written_books:
        for xml in _sheets(path):
            if xml.find(b"</sheetData>") < 0:
                continue
            for first, stop in _pieces(xml):
                read_by_loop += bool(_same_tags(xml, first, stop))
    assert read_by_loop >= 20   # every sheet of these books is plain XML the loop reads


@pytest.mark.parametrize("rows, sure", [
    (b'<row r="1"><c r="A1" t="inlineStr"><is><t r="5">x</t></is></c></row>', False),   # ' r="' in a <t> tag
    (b'<row r="1"><c r="A1" t="str"><v>say r="7"</v></c></row>', False),                   # and in a text
    (b'<row r="1"><c r="A1" t="str"><f>"a"&amp;B1</f><v>a</v></c></row>', True),           # quotes, no ' r="'
    (b'<row r="1"><c r="A1" t="q"/></row>', True),                                          # an unknown type
])
def test_the_loop_counts_the_guards_pattern_where_a_quote_stands_elsewhere(rows, sure):
    """Where a quote stands outside the row and cell tags, the far-cells guard's ' r="' may be there too: the
    loop has them counted, as the NumPy scan does, and says the extent is sure only when they are the tags'."""
    xml = HEAD + rows + TAIL
    assert _same_tags(xml, len(HEAD), len(xml) - len(TAIL))
    assert sheet_tags.compiled_tags(xml, len(HEAD), len(xml) - len(TAIL)).extent[2] is sure
    assert _read(xml, True) == _read(xml, False)


@pytest.mark.parametrize("rows", [
    b'<row r="1"><c r="A1">\n<v>1</v></c></row>',                  # a blank inside a cell
    b'<row r="1"><c t="n"><v>1</v></c></row>',                     # no reference
    b'<row r="1"><c r="A1" cm="1"><v>1</v></c></row>',             # an attribute the scan does not read
    b'<row r="1"><c r="A1" r="B1"><v>1</v></c></row>',             # two references
    b'<row r="1"><c r="A1" s="1" s="2"><v>1</v></c></row>',        # two formats
    b'<row r="1"><c r="A1" t="n" t="s"><v>1</v></c></row>',        # two types
    b'<row r="1"><c r="A1" t="inlineStr"><is><t <x>a</t></is></c></row>',   # a '<' in an inline string's tag
    b'<row r="1"><c r="A1"><f a="<">1</f><v>1</v></c></row>',       # a '<' in a formula's tag
    b'<row r="1"><c r="a1"><v>1</v></c></row>',                    # not a reference in capitals
    b'<row r="1"><c r="ABCD1"><v>1</v></c></row>',                 # four letters
    b'<row r="1"><c r="A0"><v>1</v></c></row>',                    # row 0
    b'<row r="1"><c r="A1"><v>1>0</v></c></row>',                  # a '>' in a text
    b'<row r="1"><c r="A1"><v>1</v></c>',                          # a row not closed
    b'<row r="1"><row r="2"></row></row>',                         # a row in a row
    b'<row r="1"><c r="A1" s="x"><v>1</v></c></row>',              # a style that is not a number
    b'<row r="x1"><c r="A1"><v>1</v></c></row>',                   # a row number that is not a number
    b'<row r="1" r="2"><c r="A1"><v>1</v></c></row>',              # two row numbers
    b'<row r="1" a="r=1"><c r="A1"><v>1</v></c></row>',            # '=' in a row's attribute
    b'<row r="1"><c r="A1"><v>1</v><f>B1</f></c></row>',           # a formula after the value
    b'<row r="1"><c r="A1"><is><r><t>rich</t></r></is></c></row>',  # rich inline text
    b'<row r="1"><c r="A1"/><x/></row>',                           # another tag
    b'<row r="1"></row>',                                          # no cell
])
def test_what_the_loop_does_not_read_is_the_numpy_finders_and_reads_the_same(rows):
    xml = HEAD + rows + TAIL
    assert sheet_tags.compiled_tags(xml, len(HEAD), len(xml) - len(TAIL)) is None
    assert _read(xml, True) == _read(xml, False)


def _read(xml: bytes, compiled: bool):
    scanned = read_sheet(xml, STYLES, lambda: STRINGS, compiled=compiled)
    if scanned is None:
        return None
    marked = scanned[1]
    return (_cells(scanned), scanned[0].numbers.view(np.int64).tolist(), marked.formulas.tolist(),
            marked.errors.tolist(), marked.last_row, marked.last_col)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_sheet_rows())
def test_any_sheet_reads_the_same_with_the_loop_and_without(rows):
    """test_scan_extent's sheets: tabs and newlines between attributes, x14:r and xr on rows, quotes in texts and
    formulas, unknown t values, far rows and columns."""
    xml = HEAD + rows + TAIL
    assert _read(xml, True) == _read(xml, False)
    _same_tags(xml, len(HEAD), len(xml) - len(TAIL))


# Plain sheets, all of them the loop's to read: one or more blanks between attributes, attributes in any order,
# rows with and without numbers and with other attributes, empty and self-closing rows, every cell type,
# formulas with quotes, texts with quotes, ampersands and ' r="'.
_GAP = st.sampled_from([b" ", b" ", b"\t", b"\n  ", b"  "])
_WORDS = st.sampled_from([b"x", b'say "hi"', b' r="AB12', b"&amp;co", b"", b"  padded ", b"12", b"-0.5", b"1e3"])


def _letters(col: int) -> bytes:
    letters = b""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = bytes([65 + rest]) + letters
    return letters


@st.composite
def _plain_cell(draw, row: int, col: int) -> bytes:
    gap = draw(_GAP)
    attributes = [b'r="%s%d"' % (_letters(col), row)]
    style = draw(st.sampled_from([None, 0, 1, 2, 3]))
    if style is not None:
        attributes.append(b's="%d"' % style)
    kind = draw(st.sampled_from(["n", "n", "s", "s", "b", "e", "str", "inline", "d", "empty", "none", "odd"]))
    content = {
        "n": b"<v>%s</v>" % draw(st.sampled_from([b"1", b"-12.5", b"46244", b"0.125", b"007", b"1E+3", b" 4", b"",
                                                  b"-0", b".5", b"5.", b"-.25", b"-", b"1.2.3", b"+3", b"0.1",
                                                  b"123456789012345", b"1234567890123456", b"99999999999999.9",
                                                  b"-0.000000000001", b"&#49;", b"1 "])),
        "s": b"<v>%s</v>" % draw(st.sampled_from([b"0", b"1", b"2", b"02", b"1.0", b"-1", b"", b"9"])),
        "b": b"<v>%d</v>" % draw(st.integers(0, 1)),
        "e": b"<v>#N/A</v>",
        "str": b"<v>%s</v>" % draw(_WORDS),
        "inline": b"<is><t%s>%s</t></is>" % (draw(st.sampled_from([b"", b' xml:space="preserve"', b' r="5"'])), draw(_WORDS)),
        "d": b"<v>2026-03-01T00:00:00</v>",
        "empty": b"", "none": None, "odd": b"",
    }[kind]
    if kind in ("s", "b", "e", "str", "d", "odd") or (kind == "n" and draw(st.booleans())):
        attributes.append(b't="%s"' % {"n": b"n", "s": b"s", "b": b"b", "e": b"e", "str": b"str", "d": b"d",
                                        "odd": b"q"}[kind])
    if kind == "inline":
        attributes.append(b't="inlineStr"')
    attributes = draw(st.permutations(attributes))
    formula = draw(st.sampled_from([b"", b"", b"<f>A1*2</f>", b'<f t="shared" ref="A1:A3" si="0">B1&amp;"x"</f>',
                                    b'<f t="shared" si="0"/>']))
    tag = b"<c " + attributes[0] + b"".join(gap + a for a in attributes[1:])   # '<c' and one space: the scan's
    if content is None or (kind == "empty" and not formula):
        return tag + b"/>"
    return tag + b">" + formula + content + b"</c>"


@st.composite
def _plain_rows(draw) -> bytes:
    rows = []
    for number in sorted(draw(st.sets(st.integers(1, 1_048_576), min_size=1, max_size=6))):
        head = draw(st.sampled_from([b' r="%d"' % number, b' r="%d" spans="1:4"' % number, b"",
                                     b' r="%d" x14ac:dyDescent="0.25"' % number, b' ht="20" customHeight="1" r="%d"' % number]))
        columns = sorted(draw(st.sets(st.integers(1, 16_384), max_size=5)))
        if not columns:
            rows.append(b"<row%s/>" % head if draw(st.booleans()) else b"<row%s></row>" % head)
            continue
        between = draw(st.sampled_from([b"", b"\n"]))
        rows.append(b"<row%s>" % head + between.join(draw(_plain_cell(number, c)) for c in columns) + b"</row>")
    if not any(b"<c" in r for r in rows):
        rows.append(b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>')
    return b"\n".join(rows)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_plain_rows())
def test_every_plain_sheet_is_the_loops_and_reads_as_without_it(rows):
    xml = HEAD + rows + TAIL
    assert _same_tags(xml, len(HEAD), len(xml) - len(TAIL)), "the loop declined a plain sheet"
    assert _read(xml, True) == _read(xml, False)


def test_a_piece_the_loop_declines_among_pieces_it_reads_keeps_the_sheets_cells(written_books, monkeypatch):
    xml = _sheets(written_books[1])[0]   # the demo book's Orders
    at = xml.find(b"<v>", len(xml) // 2)
    while b' t="' in xml[xml.rfind(b"<c ", 0, at):at]:   # a number's cell
        at = xml.find(b"<v>", at + 3)
    # A blank inside the cell (the loop declines the piece) and before its number (calamine reads ' 123').
    odd = xml[:at] + b" <v> " + xml[at + 3:]
    monkeypatch.setattr(sheet_xml, "PIECE_BYTES", 20_000)
    pieces = _pieces(odd)
    declined = [piece for piece in pieces if sheet_tags.compiled_tags(odd, *piece) is None]
    assert len(pieces) > 20 and len(declined) == 1
    with zipfile.ZipFile(written_books[1]) as archive:
        styles = book_styles(archive)
        strings = book_strings(archive, styles)
    by_loop = read_sheet(odd, styles, lambda: strings, compiled=True)
    by_numpy = read_sheet(odd, styles, lambda: strings, compiled=False)
    assert by_loop is not None and _cells(by_loop) == _cells(by_numpy)


def _frames(book) -> dict[str, pd.DataFrame]:
    return {**book.tables, "findings": book.findings, "layout": book.layout, "column_map": book.column_map}


def test_a_big_book_is_read_by_the_loop_to_the_same_book_and_findings(written_books, monkeypatch):
    """The demo book (with its defects: blank and dirty cells, title rows, the header below row 1) read whole
    with the loop and without: the same tables and the same findings, cell for cell."""
    asked = []
    real = sheet_tags.compiled_tags

    def counted(xml, first, stop):
        found = real(xml, first, stop)
        asked.append(found is not None)
        return found

    monkeypatch.setattr(sheet_xml, "compiled_tags", counted)
    without = omxl.read_book(written_books[1], config=Config())
    assert asked == []                                   # 3,000 lines: below COMPILED_FROM
    monkeypatch.setattr(sheet_tags, "COMPILED_FROM", 1)
    warmed = []
    monkeypatch.setattr(sources, "warm_up", lambda: warmed.append(True))
    with_loop = omxl.read_book(written_books[1], config=Config())
    assert warmed == [True] and len(asked) >= 7 and all(asked)
    for name, frame in _frames(without).items():
        pd.testing.assert_frame_equal(_frames(with_loop)[name], frame, check_exact=True, obj=name)
    assert with_loop.findings["cell"].tolist()[:3] == ["A1505", "C2992", "D2962"]
    # and what validating finds, naming each cell
    issues = omxl.prepare(with_loop, as_of="2026-11-27").issues
    pd.testing.assert_frame_equal(issues, omxl.prepare(without, as_of="2026-11-27").issues, check_exact=True)
    assert (len(issues), int(issues["cell"].ne("").sum())) == (30, 29)


def test_without_numba_every_piece_is_the_numpy_finders(written_books, monkeypatch):
    monkeypatch.setattr(sheet_tags, "_loop", lambda: None)
    monkeypatch.setattr(sheet_tags, "COMPILED_FROM", 1)
    sheet_tags.warm_up()   # nothing to load: no error
    xml = _sheets(written_books[0])[0]
    assert all(sheet_tags.compiled_tags(xml, *piece) is None for piece in _pieces(xml))
    book = omxl.read_book(written_books[0])
    assert len(book.orders) == len(omxl.read_book(written_books[0]).orders) > 0


def test_the_worksheets_size_decides_and_is_the_zip_directorys(written_books):
    demo = written_books[1]
    with zipfile.ZipFile(demo) as archive:
        expected = sum(i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/"))
    assert sources._worksheet_bytes(demo.read_bytes()) == expected > 1_000_000
    assert not sheet_tags.big_enough(expected)
    assert sheet_tags.big_enough(sheet_tags.COMPILED_FROM) and sheet_tags.COMPILED_FROM == 160 << 20
    assert sources._worksheet_bytes(b"PK\x03\x04 not a zip") == 0


class _NoCache:
    """tag_loop as numba leaves it when it can write its cache nowhere: decorating raises RuntimeError."""

    def __getattr__(self, name):
        raise RuntimeError("cannot cache function 'cell_tags': no locator available")


class _NoRun:
    """tag_loop whose loop cannot be compiled or run here (numba's errors are Exceptions of its own)."""

    @staticmethod
    def cell_tags(data, pow10):
        raise OSError("cannot allocate memory to run compiled code")


@pytest.mark.parametrize("module", [_NoCache(), _NoRun()], ids=["cannot-cache", "cannot-run"])
def test_a_loop_numba_cannot_give_leaves_the_numpy_finder(module, monkeypatch):
    sheet_tags._loop.cache_clear()
    monkeypatch.setitem(__import__("sys").modules, "omxl.io.read.tag_loop", module)
    try:
        assert sheet_tags._loop() is None
        sheet_tags.warm_up()   # nothing to load, nothing raised
        xml = HEAD + b'<row r="1"><c r="A1"><v>2.5</v></c></row>' + TAIL
        assert sheet_tags.compiled_tags(xml, len(HEAD), len(xml) - len(TAIL)) is None
        assert _read(xml, True) == _read(xml, False) and _read(xml, True)[0][3] == [2.5]
    finally:
        monkeypatch.undo()
        sheet_tags._loop.cache_clear()
    assert sheet_tags._loop() is not None


def test_an_index_past_the_piece_in_the_loop_has_calamine_read_the_sheet(monkeypatch):
    """The loop checks its indexes: an IndexError from it is a sheet for calamine, as the NumPy scan's are."""
    def past_the_end(xml, first, stop):
        raise IndexError("index is out of bounds")

    monkeypatch.setattr(sheet_xml, "compiled_tags", past_the_end)
    xml = HEAD + b'<row r="1"><c r="A1"><v>2.5</v></c></row>' + TAIL
    assert read_sheet(xml, STYLES, lambda: STRINGS, compiled=True) is None
    assert _read(xml, False)[0][3] == [2.5]


def test_numba_told_not_to_compile_leaves_the_numpy_finder(monkeypatch):
    """NUMBA_DISABLE_JIT=1 would run the loop as Python, a byte at a time: the NumPy scan reads instead."""
    from numba import config

    sheet_tags._loop.cache_clear()
    monkeypatch.setattr(config, "DISABLE_JIT", True)
    try:
        assert sheet_tags._loop() is None
    finally:
        monkeypatch.undo()
        sheet_tags._loop.cache_clear()
    assert sheet_tags._loop() is not None
