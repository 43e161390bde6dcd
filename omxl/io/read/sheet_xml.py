"""A reader of .xlsx/.xlsm sheet XML of omxl's own: whole sheets as arrays, no Python object per cell.

calamine builds a Python list per row and an object per cell (1.7 s for the 216,000 rows of a 100,000-line
book). Here the sheet's bytes are scanned with NumPy: the positions of `<`, `>` and `"` give every tag, the
cell tags' r, s and t attributes and their `<v>` texts; numbers are parsed digit by digit in arrays, shared
strings become codes into the workbook's string table. What the values are is always calamine's word:

- the shared strings and which cell formats are dates come from one small workbook calamine reads (the
  book's own sharedStrings.xml and styles.xml, one cell per string and per format: `probe`);
- date cells, inline strings, formula texts, numbers written oddly: each distinct one is read by calamine
  in a second small workbook, so a date is the same datetime, date, time or timedelta object calamine gives.

A sheet with anything outside what this scan knows (a comment in the XML, namespace prefixes, cells without
references, a value calamine refuses) is None: the caller reads that sheet with calamine.
"""

from __future__ import annotations

import io
import re
import zipfile
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
import python_calamine as calamine

from ..deflate import read_member
from .sheet_cells import BOOLEAN, CODE, COL, ERROR, NUMBER, OBJECT, ROW, STRING, SheetCells
from .sheet_tags import ONE_LETTER_TYPES, POW10, CellTags, compiled_tags, no_cells

_LT, _GT, _QUOTE = ord("<"), ord(">"), ord('"')
_BLANKS = np.zeros(256, dtype=bool)
_BLANKS[[32, 9, 10, 13]] = True


# --- the workbook: shared strings and date formats, read by calamine once ----------------------------

@dataclass
class BookStyles:
    """What every sheet's scan needs from the package while it scans: which cell formats are dates."""

    date_styles: np.ndarray    # bool per cell format (cellXfs index): calamine reads numbers in it as dates
    styles: bytes
    workbook_pr: bytes         # the <workbookPr .../> element (the 1904 date system), or b""


@dataclass
class BookStrings:
    """The shared strings, needed only once a sheet's cells are scanned (a million-line book's take seconds to
    read: its sheets are scanned meanwhile)."""

    texts: np.ndarray          # the shared strings as calamine reads them
    empty: np.ndarray          # per shared string: is it ""


def book_styles(archive: zipfile.ZipFile) -> BookStyles | None:
    """The date formats of the package, or None when calamine would find them elsewhere than where this reader
    looks (then every sheet is read with calamine)."""
    names = set(archive.namelist())
    workbook = archive.read("xl/workbook.xml") if "xl/workbook.xml" in names else None
    if workbook is None:
        return None
    workbook_pr = b""
    if b"workbookPr" in workbook:
        found = re.search(rb"<workbookPr\b[^>]*/>", workbook)
        if found is None:
            return None
        workbook_pr = found.group(0)
    styles = archive.read("xl/styles.xml") if "xl/styles.xml" in names else _NO_STYLES
    xfs = re.search(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", styles, re.S)
    n_styles = (xfs.group(1).count(b"<xf ") + xfs.group(1).count(b"<xf>") + xfs.group(1).count(b"<xf/>")) if xfs else 0
    n_styles = max(n_styles, 1)
    # one number in each format: calamine says which it reads as dates
    rows = [b'<row r="%d"><c r="A%d" s="%d"><v>1.5</v></c></row>' % (j + 1, j + 1, j) for j in range(n_styles)]
    try:
        grid = _calamine_grid(b"".join(rows), styles, _NO_STRINGS, workbook_pr)
    except (calamine.CalamineError, ValueError, OSError):
        return None
    if len(grid) != n_styles:
        return None
    return BookStyles(np.array([not isinstance(row[0], float) for row in grid], dtype=bool), styles, workbook_pr)


def book_strings(archive: zipfile.ZipFile, styles: BookStyles) -> BookStrings | None:
    """The shared strings of the package, or None when calamine would read them otherwise than this reader."""
    names = set(archive.namelist())
    strings = read_member(archive, "xl/sharedStrings.xml") if "xl/sharedStrings.xml" in names else _NO_STRINGS
    texts, rich = _plain_strings(strings)
    if rich:
        # calamine reads the rest (rich text, entities, empty items): a table of just those items
        table = b"".join([b'<sst xmlns="', _MAIN, b'">', *rich.values(), b"</sst>"])
        rows = [b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c></row>' % (i + 1, i + 1, i) for i in range(len(rich))]
        try:
            grid = _calamine_grid(b"".join(rows), styles.styles, table, styles.workbook_pr)
        except (calamine.CalamineError, ValueError, OSError):
            return None
        values = [row[0] for row in grid]
        if len(values) != len(rich) or not all(isinstance(v, str) for v in values):
            return None
        for index, value in zip(rich, values):
            texts[index] = value
    return BookStrings(texts, _empty_texts(texts))


def _empty_texts(texts: np.ndarray) -> np.ndarray:
    return np.asarray(texts == "", dtype=bool)   # elementwise over the objects (None is not "")


def _plain_spans(arr: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Which spans are text as written: not empty, no entity, no carriage return (kept or not by the XML
    reader), no _xHHHH_ escape, no blank at either end. The others are calamine's to read."""
    stops = starts + lengths
    scope = arr[:int(stops.max(initial=0)) + 1]
    odd = np.flatnonzero((scope == ord("&")) | (scope == 13) | (scope == ord("_")))
    odd = odd[(scope[odd] != ord("_")) | (scope[np.minimum(odd + 1, len(scope) - 1)] == ord("x"))]   # _x
    # XML blanks at either end: calamine trims them unless xml:space="preserve" says otherwise
    ends = _BLANKS[arr[starts]] | _BLANKS[arr[np.maximum(stops - 1, 0)]]
    return (lengths > 0) & ~ends & (np.searchsorted(odd, starts) == np.searchsorted(odd, stops))


def _decode_spans(arr: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The spans as str, decoded all at once (joined by NUL, which XML text never holds, then split)."""
    out = np.empty(len(starts), dtype=object)
    if not len(starts):
        return out
    offsets = np.cumsum(lengths + 1) - (lengths + 1)
    joined = np.zeros(int(lengths.sum() + len(starts)), dtype=np.uint8)
    dest = np.ones(len(joined), dtype=bool)
    dest[offsets + lengths] = False
    joined[dest] = arr[np.repeat(starts - offsets, lengths) + np.flatnonzero(dest)]
    try:
        out[:] = joined[:-1].tobytes().decode("utf-8").split("\0")
    except UnicodeDecodeError:
        raise _Unknown from None
    return out


def _plain_strings(xml: bytes) -> tuple[np.ndarray, dict[int, bytes]]:
    """The shared strings that are plain text (<si><t>text</t></si>, no entity, no carriage return, no _xHHHH_
    escape), decoded all at once; and the others' <si> elements by index, for calamine to read."""
    arr = np.frombuffer(xml, dtype=np.uint8)
    regular = _regular_strings(xml, arr)
    if regular is not None:
        return regular
    lt = np.flatnonzero(arr == _LT)
    gt = np.flatnonzero(arr == _GT)
    if len(lt) != len(gt) or not (gt > lt).all() or not (gt[:-1] < lt[1:]).all():
        return _strings_by_calamine(xml)   # a '>' in some text: every item is calamine's to read
    b1, b2, b3 = (arr[np.minimum(lt + k, len(arr) - 1)] for k in (1, 2, 3))
    si = np.flatnonzero((b1 == ord("s")) & (b2 == ord("i")) & ((b3 == _GT) | _BLANKS[b3]))
    si_end = np.flatnonzero((b1 == ord("/")) & (b2 == ord("s")) & (b3 == ord("i")))
    empty_items = (b1 == ord("s")) & (b2 == ord("i")) & (b3 == ord("/"))   # <si/>: an item too, for calamine
    if len(si) != len(si_end) or not (si_end > si).all() or empty_items.any():
        return _strings_by_calamine(xml)
    last = len(lt) - 1
    t_open, t_close = np.minimum(si + 1, last), np.minimum(si + 2, last)
    plain = (si_end == si + 3) & (b1[t_open] == ord("t")) & ((b2[t_open] == _GT) | _BLANKS[b2[t_open]]) \
        & (arr[gt[t_open] - 1] != ord("/")) & (b1[t_close] == ord("/")) & (b2[t_close] == ord("t"))
    starts, stops = gt[t_open] + 1, lt[t_close]
    plain &= _plain_spans(arr, starts, stops - starts)
    texts = np.empty(len(si), dtype=object)
    keep = np.flatnonzero(plain)
    try:
        texts[keep] = _decode_spans(arr, starts[keep], stops[keep] - starts[keep])
    except _Unknown:
        return _strings_by_calamine(xml)
    rich = {int(i): xml[lt[si[i]]:gt[si_end[i]] + 1] for i in np.flatnonzero(~plain)}
    return texts, rich


_PRESERVED = b'<si><t xml:space="preserve">'


def _regular_strings(xml: bytes, arr: np.ndarray) -> tuple[np.ndarray, dict[int, bytes]] | None:
    """_plain_strings of a table whose every item is <si><t>text</t></si> or <si><t xml:space="preserve">text
    </t></si> (what Excel and most writers write), or None: the texts are what is left once the markup between
    them is replaced by a NUL (one replace, one decode, one split, instead of gathering every text's bytes)."""
    first, end = xml.find(b"<si>"), xml.rfind(b"</si>") + len(b"</si>")
    if first < 0 or end < first:
        return None
    n = xml.count(b"<si")
    preserved = xml.count(_PRESERVED, first, end)
    # every '<' among the items is one of their four tags: no other element, no text holding markup
    if xml.count(b"<si><t>", first, end) + preserved != n or xml.count(b"</t></si>", first, end) != n or \
            xml.count(b"<", first, end) != 4 * n:
        return None
    items = xml[first:end]
    if preserved:
        items = items.replace(_PRESERVED, b"<si><t>")
    try:
        decoded = items[len(b"<si><t>"):-len(b"</t></si>")].replace(b"</t></si><si><t>", b"\0") \
            .decode("utf-8").split("\0")
    except UnicodeDecodeError:
        return None
    if len(decoded) != n:
        return None                             # something between two items
    lt = first + np.flatnonzero(arr[first:end] == _LT)
    t_open = lt[1::4]
    starts = np.where(arr[t_open + 2] == _GT, t_open + len(b"<t>"), t_open + len(_PRESERVED) - len(b"<si>"))
    plain = _plain_spans(arr, starts, lt[2::4] - starts)
    texts = np.empty(n, dtype=object)
    texts[:] = decoded
    texts[~plain] = None
    rich = {int(i): xml[lt[4 * i]:lt[4 * i + 3] + len(b"</si>")] for i in np.flatnonzero(~plain)}
    return texts, rich


def _strings_by_calamine(xml: bytes) -> tuple[np.ndarray, dict[int, bytes]]:
    items = re.findall(rb"<si\b[^>]*/>|<si\b.*?</si>", xml, re.S)
    return np.empty(len(items), dtype=object), dict(enumerate(items))


_NO_STYLES = b'<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
_NO_STRINGS = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = b"http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          b'<Default Extension="xml" ContentType="application/xml"/>'
          b'<Override PartName="/xl/workbook.xml" '
          b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          b'<Override PartName="/xl/worksheets/sheet1.xml" '
          b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')


def _calamine_grid(sheet_data: bytes, styles: bytes, strings: bytes, workbook_pr: bytes) -> list[list[Any]]:
    """calamine's values of `sheet_data` in a workbook with the given styles, shared strings and date system."""
    rel = b'<Relationship Id="%s" Type="' + _DOC + b'/%s" Target="%s"/>'
    parts = {
        "[Content_Types].xml": _TYPES,
        "_rels/.rels": b'<Relationships xmlns="' + _RELS + b'">'
                       + rel % (b"rId1", b"officeDocument", b"xl/workbook.xml") + b"</Relationships>",
        "xl/_rels/workbook.xml.rels": b'<Relationships xmlns="' + _RELS + b'">'
                                      + rel % (b"rId1", b"worksheet", b"worksheets/sheet1.xml")
                                      + rel % (b"rId2", b"styles", b"styles.xml")
                                      + rel % (b"rId3", b"sharedStrings", b"sharedStrings.xml") + b"</Relationships>",
        "xl/workbook.xml": b'<workbook xmlns="' + _MAIN + b'" xmlns:r="' + _DOC + b'">' + workbook_pr
                           + b'<sheets><sheet name="P" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/worksheets/sheet1.xml": b'<worksheet xmlns="' + _MAIN + b'"><sheetData>' + sheet_data
                                    + b"</sheetData></worksheet>",
        "xl/styles.xml": styles,
        "xl/sharedStrings.xml": strings,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(out.getvalue()))
    try:
        return book.get_sheet_by_name("P").to_python(skip_empty_area=False)
    finally:
        book.close()


# --- one sheet ---------------------------------------------------------------------------------------

class _Unknown(Exception):
    """Something this scan does not read exactly as calamine: the sheet goes to calamine."""


@dataclass
class Marked:
    """Where the scan saw what the error and formula marks look for (sources._sheet_marks), so that they need
    not search the whole sheet XML for it: offsets in the XML of every '<f' in sheetData (formula tags: every
    '<' there starts a tag) and of the tags of cells typed t="e", and the span [start, stop) the scan covered.

    And the sheet's extent as the far-cells guard counts it inside that span (guards.far_cells_trimmed, whose
    patterns then need not run over it): the largest row number of the row tags (None when the scan cannot
    say it exactly as the guard's pattern reads it, or when some ' r="' there is not a row's or a cell's r
    attribute), and the largest column (1-based) of any cell tag, a formatted empty one too."""

    formulas: np.ndarray
    errors: np.ndarray
    start: int
    stop: int
    last_row: int | None = None
    last_col: int = 0


def read_sheet(xml: bytes, styles: BookStyles, strings: Callable[[], BookStrings | None],
               pool: Executor | None = None, compiled: bool = False) -> tuple[SheetCells, Marked | None] | None:
    """The sheet's cells and where its marks are, or None when calamine must read it. `strings` gives the
    shared strings (None: calamine reads them otherwise), asked for once the cells are scanned. With a `pool`,
    the sheet's pieces are scanned on its threads (in order of asking: a sheet asked for first is done first).
    `compiled`: the cell tags are found by the compiled loop where it reads the piece (sheet_tags.py)."""
    try:
        return _scan(xml, styles, strings, pool, compiled)
    except (_Unknown, ValueError, IndexError, OverflowError, UnicodeDecodeError):
        return None   # whatever this scan does not take, calamine reads as it always has


def _scan(xml: bytes, styles: BookStyles, strings_of: Callable[[], BookStrings | None],
          pool: Executor | None, compiled: bool) -> tuple[SheetCells, Marked | None]:
    start = xml.find(b"<sheetData")
    if start < 0 or xml.find(b"<sheetData", start + 1) >= 0:
        raise _Unknown
    head_end = xml.find(b">", start)
    if xml[head_end - 1:head_end] == b"/":
        return _empty(_strings(strings_of)), None
    end = xml.find(b"</sheetData>", head_end)
    if end < 0:
        raise _Unknown
    # A few megabytes of rows at a time: the arrays of one piece stay in the processor's caches and the
    # memory a sheet needs stays small, whatever its size. Each piece codes its texts that are not in the
    # shared table -1, -2, ... and its objects 0, 1, ...: here they are numbered on through the sheet, and the
    # texts' codes made final once the table's size is known (it is read meanwhile).
    pieces, texts, objects, formulas, errors = [], [], [], [], []
    n_texts, n_objects = 0, 0
    last_row, last_col, sure, largest_shared = 0, 0, True, -1
    bounds = _pieces(xml, head_end + 1, end)

    def scan_piece(bound: tuple[int, int]) -> tuple:
        piece = _scan_piece(xml, bound[0], bound[1], styles, compiled)
        # Kept as small as they fit (SheetCells): a million-line sheet holds some 17 million cells.
        return (piece[0].astype(ROW), piece[1].astype(COL), piece[2], piece[3], piece[4].astype(CODE), *piece[5:])

    for piece in (pool.map(scan_piece, bounds) if pool is not None else map(scan_piece, bounds)):
        codes = piece[4]
        if n_texts:
            codes[codes < 0] -= n_texts
        if n_objects:
            codes[piece[2] == OBJECT] += n_objects
        pieces.append(piece[:5])
        texts.append(piece[5])
        objects.append(piece[6])
        formulas.append(piece[7])
        errors.append(piece[8])
        n_texts, n_objects = n_texts + len(piece[5]), n_objects + len(piece[6])
        piece_row, piece_col, piece_sure, piece_shared = piece[9]
        last_row, last_col = max(last_row, piece_row), max(last_col, piece_col)
        sure, largest_shared = sure and piece_sure, max(largest_shared, piece_shared)
    rows, cols, kinds, numbers, codes = (np.concatenate([p[i] for p in pieces]) for i in range(5))
    strings = _strings(strings_of)
    n_shared = len(strings.texts)
    if largest_shared >= n_shared:
        raise _Unknown                          # a cell names a shared string the table does not hold
    own = codes < 0
    codes[own] = n_shared - 1 - codes[own]      # -1 -> the first text after the shared ones
    added = np.concatenate([np.empty(0, dtype=object), *texts])
    all_texts = np.concatenate([strings.texts, added, np.array([""], dtype=object)])
    all_objects = np.concatenate(objects) if objects else np.empty(0, dtype=object)
    # Cells come in row and column order in every file Excel writes: sorting is needed (and done) only when
    # they do not; a strictly increasing position also says no cell is there twice.
    in_order = ((rows[1:] > rows[:-1]) | ((rows[1:] == rows[:-1]) & (cols[1:] > cols[:-1]))).all()
    if len(rows) > 1 and not in_order:
        order = np.lexsort((cols, rows))
        rows, cols, kinds, numbers, codes = rows[order], cols[order], kinds[order], numbers[order], codes[order]
        if ((rows[1:] == rows[:-1]) & (cols[1:] == cols[:-1])).any():
            raise _Unknown                      # the same cell twice
    height = int(rows[-1]) + 1 if len(rows) else 0
    width = int(cols.max()) + 1 if len(cols) else 0
    empty = np.concatenate([strings.empty, _empty_texts(added)])
    marked = Marked(np.concatenate([np.zeros(0, dtype=np.int64), *formulas]),
                    np.concatenate([np.zeros(0, dtype=np.int64), *errors]), head_end + 1, end,
                    last_row if sure else None, last_col)
    return SheetCells(rows, cols, kinds, numbers, codes, all_texts, all_objects, height, width, empty), marked


def _strings(strings_of: Callable[[], BookStrings | None]) -> BookStrings:
    strings = strings_of()
    if strings is None:
        raise _Unknown
    return strings


PIECE_BYTES = 4 << 20


def _pieces(xml: bytes, first: int, end: int) -> list[tuple[int, int]]:
    """[first, end) cut after a </row> about every PIECE_BYTES."""
    bounds = [first]
    while end - bounds[-1] > PIECE_BYTES:
        cut = xml.find(b"</row>", bounds[-1] + PIECE_BYTES, end)
        if cut < 0:
            break
        bounds.append(cut + len(b"</row>"))
    bounds.append(end)
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


_NONE = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8),
         np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.int64), np.empty(0, dtype=object),
         np.empty(0, dtype=object), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


def _scan_piece(xml: bytes, first: int, stop: int, book: BookStyles, compiled: bool = False) -> tuple:
    """(rows, cols, kinds, numbers, codes, new texts, new objects, formula tags, error cells, extent) of the
    cells with a value in xml[first:stop]; the codes of texts not in the shared table count -1, -2, ... (the
    piece's new texts in order), object codes 0, 1, ...; formula tags and error cells are offsets in xml
    (Marked); extent is (largest row tag number, largest column of a cell tag, whether those are the guard's,
    largest shared string index). `compiled`: the tags are found by the compiled loop where it reads the piece."""
    tags = compiled_tags(xml, first, stop) if compiled else None
    return _values(xml, first, tags if tags is not None else _tags(xml, first, stop), book)


def _tags(xml: bytes, first: int, stop: int) -> CellTags:
    """The cell tags of xml[first:stop] found with NumPy (sheet_tags.py says what they are); raises _Unknown
    for what calamine must read."""
    # The bytes from the piece on; the tags are looked for up to its end, values read past it.
    body = np.frombuffer(xml, dtype=np.uint8, offset=first)
    data = body[:stop - first]
    # Every '<', '>' and '"' in one pass. '<' only starts a tag (text escapes it), so tags alternate < > when no
    # text holds a '>' (a formula such as A1>0: that sheet goes to calamine).
    special = np.flatnonzero((data == _LT) | (data == _GT) | (data == _QUOTE))
    angles = np.flatnonzero(body[special] != _QUOTE)      # indexes into special
    n_quotes = len(special) - len(angles)
    if not len(angles):
        return no_cells(np.zeros(0, dtype=np.int64),
                        (0, 0, n_quotes == 0 or xml.count(b' r="', first, stop) == 0))
    if len(angles) % 2:
        raise _Unknown
    lt, tag_end = special[angles[0::2]], special[angles[1::2]]
    if not (body[lt] == _LT).all() or not (body[tag_end] == _GT).all():
        raise _Unknown
    # the bytes after each '<' (the XML goes on past sheetData, so they exist)
    b1, b2 = body[lt + 1], body[lt + 2]
    # Formulas (<f>..</f>, <f .../>) say nothing calamine reads as the value: their tags are left out.
    formula = ((b1 == ord("f")) & (_BLANKS[b2] | (b2 == _GT) | (b2 == ord("/")))) | \
              ((b1 == ord("/")) & (b2 == ord("f")))
    angles, closes_at = angles[0::2], angles[1::2]     # indexes into special of each tag's '<' and '>'
    formula_at = lt[b1 == ord("f")]                   # every '<f' of the piece (a tag the checks below refuse
    if formula.any():                                 # unless it is a formula's)
        keep = ~formula
        lt, tag_end, b1, b2, angles, closes_at = lt[keep], tag_end[keep], b1[keep], b2[keep], angles[keep], \
            closes_at[keep]
    # What remains: <row ...>, </row>, cells (<c ...>, <c .../>) holding nothing, <v>value</v> or an inline
    # string <is><t>text</t></is>. Anything else (rich inline text, comments, prefixes, extLst): calamine.
    counts = np.bincount(b1, minlength=256)
    if counts.sum() != counts[[ord(x) for x in "rcvit/"]].sum():
        raise _Unknown
    row_tags = np.flatnonzero(b1 == ord("r"))
    row_quotes = closes_at[row_tags] - angles[row_tags] - 1
    opens = np.flatnonzero(b1 == ord("c"))
    n = len(opens)
    if n == 0:
        return no_cells(formula_at, _extent(xml, first, stop, body, special, angles[row_tags], row_quotes, n_quotes,
                                            0, 0))
    if not (b2[opens] == ord(" ")).all() or not (b2[b1 == ord("v")] == _GT).all() or \
            not (b2[b1 == ord("r")] == ord("o")).all() or not (b2[b1 == ord("i")] == ord("s")).all():
        raise _Unknown
    closing = b1 == ord("/")
    if not np.isin(b2[closing], [ord(x) for x in "rcvti"]).all():
        raise _Unknown
    last_tag = len(lt) - 1

    def tag(offset: int, first: str, second: str | None = None) -> np.ndarray:
        at = np.minimum(opens + offset, last_tag)
        hit = b1[at] == ord(first)
        return hit & (b2[at] == ord(second)) if second else hit

    self_closing = body[tag_end[opens] - 1] == ord("/")
    has_v = ~self_closing & tag(1, "v")
    inline = ~self_closing & tag(1, "i")
    close_at = np.where(has_v, opens + 3, np.where(inline, opens + 5, opens + 1))
    if (close_at[~self_closing] > last_tag).any() or not (tag(2, "/", "v") & tag(3, "/", "c"))[has_v].all() or \
            not (tag(1, "/", "c") | has_v | inline)[~self_closing].all():
        raise _Unknown
    t_self = body[tag_end[np.minimum(opens + 2, last_tag)] - 1] == ord("/")
    if not (tag(2, "t") & ~t_self & tag(3, "/", "t") & tag(4, "/", "i") & tag(5, "/", "c"))[inline].all():
        raise _Unknown
    # every </c>, <v>, </v>, <is>, <t> ... is one of these cells' own
    n_v, n_inline = int(has_v.sum()), int(inline.sum())
    if counts[ord("v")] != n_v or counts[ord("i")] != n_inline or counts[ord("t")] != n_inline or \
            (closing & (b2 == ord("c"))).sum() != (~self_closing).sum() or \
            (closing & (b2 == ord("v"))).sum() != n_v or (closing & (b2 == ord("t"))).sum() != n_inline:
        raise _Unknown
    last = np.where(self_closing, opens, np.minimum(close_at, last_tag))
    text_open = np.where(inline, opens + 2, opens + 1)   # <t ...> or <v>
    v_start = np.where(has_v | inline, tag_end[np.minimum(text_open, last_tag)] + 1, 0)
    v_len = np.where(has_v | inline, lt[np.minimum(text_open + 1, last_tag)] - v_start, 0)
    cell_quotes = closes_at[opens] - angles[opens] - 1
    refs, styles, types, spaced_refs = _attributes(body, special, angles[opens], cell_quotes, n)
    rows, cols = refs
    # A t value other than the known ones could end in ' r=': then the quotes are counted as outside.
    odd_types = int((types == 7).any())
    extent = _extent(xml, first, stop, body, special, angles[row_tags], row_quotes,
                     n_quotes - int(cell_quotes.sum()) + odd_types, spaced_refs, int(cols.max()) + 1)
    return CellTags(rows, cols, styles, types, has_v, inline, v_start, v_len, lt[opens], tag_end[last] + 1,
                    formula_at, extent)


def _values(xml: bytes, first: int, tags: CellTags, book: BookStyles) -> tuple:
    """_scan_piece's cells from their tags: what each cell holds, as calamine reads it."""
    formula_at = first + tags.formula_at
    n = len(tags.rows)
    if n == 0:
        return (*_NONE[:7], formula_at, _NONE[8], (*tags.extent, -1))
    body = np.frombuffer(xml, dtype=np.uint8, offset=first)
    rows, cols, styles, types = tags.rows, tags.cols, tags.styles, tags.types
    has_v, inline, v_start, v_len = tags.has_v, tags.inline, tags.v_start, tags.v_len
    # t: 0 none or n, 1 s, 2 b, 3 e, 4 str, 5 inlineStr, 6 d
    kinds = np.zeros(n, dtype=np.int8)
    numbers = np.zeros(n, dtype=np.float64)
    codes = np.zeros(n, dtype=np.int64)
    stored = (has_v & (v_len > 0)) | inline
    if (inline & (types != 5)).any() or ((types == 5) & has_v).any():
        raise _Unknown                          # <is> in a cell of another type, or a <v> in an inline one
    stored |= (types == 4) & has_v              # a formula's empty text is a value ("")
    ask = ((types == 4) & has_v) | ((types == 6) & stored)   # calamine reads these (probe below)
    if ((types == 7) & stored).any():
        raise _Unknown
    added = np.empty(0, dtype=object)
    n_inline = int(inline.sum())
    if n_inline:
        where = np.flatnonzero(inline)
        plain = _plain_spans(body, v_start[where], v_len[where])
        ask[where[~plain]] = True
        strings = _decode_spans(body, v_start[where[plain]], v_len[where[plain]])
        labels, added = pd.factorize(strings)   # a text repeated down a column is one entry of the table
        kinds[where[plain]], codes[where[plain]] = STRING, -1 - labels
        added = np.asarray(added, dtype=object)

    shared = stored & (types == 1)
    if shared.any():
        idx, ok = (tags.numbers[shared], tags.read[shared]) if tags.numbers is not None else \
            _parse_numbers(body, v_start[shared], v_len[shared], integers=True)
        if not ok.all():
            raise _Unknown
        kinds[shared], codes[shared] = STRING, idx.astype(np.int64)
        largest_shared = int(idx.max())          # within the table: checked once its size is known (_scan)
    else:
        largest_shared = -1
    boolean = stored & (types == 2)
    if boolean.any():
        digit = body[v_start[boolean]]
        if not ((v_len[boolean] == 1) & ((digit == ord("0")) | (digit == ord("1")))).all():
            raise _Unknown                      # calamine refuses other booleans: its message, its way
        kinds[boolean], numbers[boolean] = BOOLEAN, (digit == ord("1"))
    kinds[stored & (types == 3)] = ERROR
    numeric = np.flatnonzero(stored & (types == 0))
    if len(numeric):
        if tags.numbers is not None:   # the compiled loop read the plain ones; float() the others, as below
            values, ok = tags.numbers[numeric], tags.read[numeric]
            _other_numbers(body, v_start[numeric], v_len[numeric], values, ok)
        else:
            values, ok = _parse_numbers(body, v_start[numeric], v_len[numeric], integers=False)
        kinds[numeric[ok]], numbers[numeric[ok]] = NUMBER, values[ok]
        ask[numeric[~ok]] = True                # ' 1', 'NaN', '0x10': calamine's reading
        if (styles[numeric] >= len(book.date_styles)).any():
            raise _Unknown
        dated = numeric[ok & book.date_styles[styles[numeric]]]
    else:
        dated = np.zeros(0, dtype=np.int64)

    new_texts, objects = added, np.empty(0, dtype=object)
    asked = np.flatnonzero(ask)
    if len(asked) or len(dated):
        answered, objects = _ask_calamine(xml, first, tags.cell_from, tags.cell_to, asked, dated, styles, book,
                                          numbers, kinds, codes, len(added))
        new_texts = np.concatenate([added, answered])
    keep = np.flatnonzero(stored)
    error_at = first + tags.cell_from[types == 3]
    return rows[keep], cols[keep], kinds[keep], numbers[keep], codes[keep], new_texts, objects, formula_at, \
        error_at, (*tags.extent, largest_shared)


def _empty(book: BookStrings) -> SheetCells:
    none = np.zeros(0, dtype=np.int64)
    return SheetCells(none.astype(ROW), none.astype(COL), none.astype(np.int8), none.astype(np.float64),
                      none.astype(CODE),
                      np.concatenate([book.texts, np.array([""], dtype=object)]), np.empty(0, dtype=object), 0, 0,
                      np.concatenate([book.empty, [True]]))


def _attributes(body: np.ndarray, special: np.ndarray, at: np.ndarray, count: np.ndarray, n: int):
    """((row, col), style, type) of each cell from its open tag's r, s and t attributes, and how many of the r
    attributes follow a space (as the far-cells guard's pattern ' r="' finds them). `at`: the index in
    `special` of each cell's '<'; its `count` quotes follow it there."""
    if (count % 2).any() or (count > 6).any():
        raise _Unknown
    pairs = np.repeat(np.arange(n), count // 2)
    quotes = _tag_quotes(special, at, count)
    open_q, close_q = quotes[0::2], quotes[1::2]
    if not ((body[open_q - 1] == ord("=")) & _BLANKS[body[open_q - 3]]).all():
        raise _Unknown                          # a longer attribute name (cm=, vm=, ph=): not read here
    name = body[open_q - 2]
    r_at, s_at, t_at = name == ord("r"), name == ord("s"), name == ord("t")
    if not (r_at | s_at | t_at).all():
        raise _Unknown
    references = np.bincount(pairs[r_at], minlength=n)
    if references.min() < 1 or references.max() > 1:
        raise _Unknown                          # a cell without its reference: calamine counts positions
    ref = _reference(body, open_q[r_at] + 1, close_q[r_at])
    style = np.zeros(n, dtype=np.int64)
    if s_at.any():
        value, ok = _parse_numbers(body, open_q[s_at] + 1, close_q[s_at] - open_q[s_at] - 1, integers=True)
        if not ok.all():
            raise _Unknown
        style[pairs[s_at]] = value.astype(np.int64)
    kind = np.zeros(n, dtype=np.int8)
    if t_at.any():
        kind[pairs[t_at]] = _type_code(body, open_q[t_at] + 1, close_q[t_at] - open_q[t_at] - 1)
    return ref, style, kind, int((body[open_q[r_at] - 3] == ord(" ")).sum())


def _tag_quotes(special: np.ndarray, at: np.ndarray, count: np.ndarray) -> np.ndarray:
    """The offsets of the quotes of the tags whose '<' is special[at], `count` quotes each, in order: in
    `special` they follow each tag's '<' (nothing but quotes lies between a tag's '<' and '>')."""
    return special[np.repeat(at + 1 - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))]


_WORD = np.zeros(256, dtype=bool)   # what the guard's pattern \b counts as a word character
_WORD[[*range(ord("0"), ord("9") + 1), *range(ord("A"), ord("Z") + 1), *range(ord("a"), ord("z") + 1), ord("_")]] = True


def _extent(xml: bytes, first: int, stop: int, body: np.ndarray, special: np.ndarray, row_at: np.ndarray,
            row_quotes: np.ndarray, other_quotes: int, spaced_refs: int, last_col: int) -> tuple[int, int, bool]:
    """(largest row tag number, largest cell column, sure) of a piece, as guards.far_cells_trimmed counts
    them: the row tags' r attributes as its pattern <row\\b[^>]*?\\br="([0-9]+)" reads them, and `sure` when
    every ' r="' of the piece (which its column pattern looks for) is a cell's or a row's r attribute.
    `other_quotes`: quotes outside cell tags (or 1 for a cell's unknown t value); `spaced_refs`: cells' r
    attributes after a space; `last_col`: 1-based."""
    last_row, spaced_rows, sure = _row_numbers(body, special, row_at, row_quotes)
    if not sure:
        return last_row, last_col, False
    if other_quotes > int(row_quotes.sum()):
        # quotes in a text, a formula or another tag: count the pattern's places (C speed, a few milliseconds)
        sure = xml.count(b' r="', first, stop) == spaced_refs + spaced_rows
    return last_row, last_col, sure


def _row_numbers(body: np.ndarray, special: np.ndarray, at: np.ndarray, count: np.ndarray) -> tuple[int, int, bool]:
    """(largest row number, r attributes after a space, sure) of the row tags whose '<' is at special[at], with
    `count` quotes each. Sure when each tag's every quote after r= (a word boundary before the r) opens its
    one r attribute and its value is digits: then the guard's pattern reads just those numbers."""
    total = int(count.sum())
    if total == 0:
        return 0, 0, True
    if (count % 2).any():
        return 0, 0, False
    owner = np.repeat(np.arange(len(at)), count)
    quotes = _tag_quotes(special, at, count)
    if quotes[0] < 3:
        return 0, 0, False
    named_r = (body[quotes - 1] == ord("=")) & (body[quotes - 2] == ord("r")) & ~_WORD[body[quotes - 3]]
    if named_r[1::2].any():
        return 0, 0, False                      # a value ending in r=: not an attribute, yet the pattern's
    opening, closing = quotes[0::2][named_r[0::2]], quotes[1::2][named_r[0::2]]
    tags = owner[0::2][named_r[0::2]]
    if not len(tags):
        return 0, 0, True
    if np.bincount(tags).max() > 1:
        return 0, 0, False
    numbers, ok = _parse_numbers(body, opening + 1, closing - opening - 1, integers=True)
    if not ok.all():
        return 0, 0, False
    return int(numbers.max()), int((body[opening - 3] == ord(" ")).sum()), True


def _type_code(body: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """0 n, 1 s, 2 b, 3 e, 4 str, 6 d; 5 inlineStr and 7 anything else are calamine's to read."""
    window = _window(body, starts, 3)
    first = window[:, 0]
    out = np.where(lengths == 1, ONE_LETTER_TYPES[first], np.int8(7))
    out[(lengths == 3) & (window == np.frombuffer(b"str", dtype=np.uint8)).all(axis=1)] = 4
    out[(lengths == 9) & (first == ord("i"))] = 5
    return out


def _window(body: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
    """The `width` bytes from each start, as rows of a matrix (one copy, no index matrix). The sheet XML goes
    on past the last value (</sheetData></worksheet>), so no window runs off its end."""
    windows = np.lib.stride_tricks.sliding_window_view(body, width)
    if len(starts) and starts.max() >= len(windows):
        raise _Unknown
    return windows[starts]


def _window_ending(body: np.ndarray, stops: np.ndarray, width: int) -> np.ndarray:
    """The `width` bytes before each stop, as rows of a matrix: texts right-aligned, so that a digit's place
    value is its column's. Bytes before the body's start read as 0 (only a text at the very start of a piece
    has fewer than `width` bytes before its end)."""
    windows = np.lib.stride_tricks.sliding_window_view(body, width)
    if len(stops) and stops.max() > len(body):
        raise _Unknown
    lo = stops - width
    if not len(lo) or lo.min() >= 0:
        return windows[lo]
    head = np.concatenate([np.zeros(width, dtype=np.uint8), body[:width]])
    chars = windows[np.maximum(lo, 0)]
    short = lo < 0
    chars[short] = np.lib.stride_tricks.sliding_window_view(head, width)[stops[short]]
    return chars


_INT_POW10 = 10 ** np.arange(16, dtype=np.int64)
# _INSIDE[w][k]: which of w right-aligned columns a text of k characters (k <= w) covers
_INSIDE = [np.arange(w) >= w - np.arange(w + 1)[:, None] for w in range(16)]


def _reference(body: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """0-based (row, col) of A1 references: one to three letters, then the row's digits to the closing quote.
    All references at once: the letters from the first three bytes, the digits right-aligned so that each
    column has its place value (an integer matrix product gives the rows, exactly)."""
    lengths = stops - starts
    if (lengths > 10).any() or (lengths < 2).any():
        raise _Unknown
    width = int(lengths.max())
    lead = _window(body, starts, 3)
    letter = (lead - np.uint8(ord("A"))) < 26
    letters = letter[:, 0] * (1 + letter[:, 1] * (1 + letter[:, 2].astype(np.int64)))   # leading letters
    if (letters < 1).any():
        raise _Unknown
    # after the letters, only digits (a fourth letter or anything else is not a reference this scan reads)
    chars = np.where(_INSIDE[width][lengths - letters], _window_ending(body, stops, width), np.uint8(ord("0")))
    digits = chars - np.uint8(ord("0"))
    if not (digits < 10).all():
        raise _Unknown
    row = digits @ _INT_POW10[width - 1::-1]
    value = lead.astype(np.int64) - (ord("A") - 1)
    col = np.where(letters == 1, value[:, 0], np.where(letters == 2, value[:, 0] * 26 + value[:, 1],
                                                       (value[:, 0] * 26 + value[:, 1]) * 26 + value[:, 2]))
    if (row < 1).any() or (row > 1_048_576).any() or (col > 16_384).any():
        raise _Unknown
    return row - 1, col - 1


# What both calamine (Rust's f64 parse) and float() read alike; other texts are calamine's to read.
_FLOAT_TEXT = re.compile(rb"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _parse_numbers(body: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
                   integers: bool) -> tuple[np.ndarray, np.ndarray]:
    """Decimal texts ('-12.50', '46244') as float64, and which were read. A mantissa of at most 15 digits and
    a power of ten up to 10**22 are both exact doubles, so their quotient is the correctly rounded value, as
    calamine's own parse gives. All texts at once, right-aligned in a matrix of 15 columns (blanks left of
    a text read as 0), so each column has its place value: an integer matrix product gives the digits' value
    with the point left out, except that the digits before a point got one place too many, which is taken
    back exactly. Other texts (exponents, 16 and more digits) go to float() one by one, and what neither
    reads is not ok."""
    n = len(starts)
    if n == 0:
        return np.zeros(0), np.zeros(0, dtype=bool)
    width = max(int(min(lengths.max(), 15)), 1)
    inside = _INSIDE[width][np.minimum(lengths, width)]
    chars = np.where(inside, _window_ending(body, starts + lengths, width), np.uint8(ord("0")))
    places = _INT_POW10[width - 1::-1]
    if integers:
        digits = chars - np.uint8(ord("0"))
        ok = (digits < 10).all(axis=1) & (lengths >= 1) & (lengths <= 15)
        return (digits @ places).astype(np.float64), ok
    rows = np.arange(n)
    first = np.minimum(width - np.minimum(lengths, width), width - 1)
    sign = chars[rows, first] == ord("-")
    chars[rows[sign], first[sign]] = ord("0")          # the sign read as a leading zero
    digits = chars - np.uint8(ord("0"))
    digit = digits < 10
    dot = chars == ord(".")
    n_dots = dot.sum(axis=1, dtype=np.int64)
    simple = (digit | dot).all(axis=1) & (lengths <= 15) & (n_dots <= 1) & (lengths - n_dots - sign >= 1)
    whole = np.where(digit, digits, np.uint8(0)) @ places   # below 10**15: no overflow
    pointed = simple & (n_dots == 1)
    decimals = np.where(pointed, width - 1 - dot.argmax(axis=1), 0)
    after = whole % _INT_POW10[decimals]
    mantissa = np.where(pointed, (whole - after) // 10 + after, whole)
    values = mantissa / POW10[decimals]
    values = np.where(sign, -values, values)
    ok = simple.copy()
    _other_numbers(body, starts, lengths, values, ok)
    return values, ok


def _other_numbers(body: np.ndarray, starts: np.ndarray, lengths: np.ndarray, values: np.ndarray,
                   ok: np.ndarray) -> None:
    """The texts not `ok` yet (exponents, 16 digits and more) that float() and calamine read alike, read by
    float() into `values` (and made `ok`)."""
    for i in np.flatnonzero(~ok):
        text = bytes(body[starts[i]:starts[i] + lengths[i]])
        if _FLOAT_TEXT.fullmatch(text):
            values[i], ok[i] = float(text), True


def _ask_calamine(xml: bytes, offset: int, cell_from: np.ndarray, cell_to: np.ndarray, asked: np.ndarray,
                  dated: np.ndarray, styles: np.ndarray, book: BookStyles, numbers: np.ndarray, kinds: np.ndarray,
                  codes: np.ndarray, text_base: int) -> tuple[np.ndarray, np.ndarray]:
    """calamine's values of the cells it must read (each distinct one once): the cells themselves (the bytes
    cell_from to cell_to from `offset` on), their reference replaced; dates as (format, number). Sets their
    kinds and codes (texts coded from -1 - text_base down, objects from 0); returns the new texts and
    objects."""
    pieces: list[bytes] = []
    slots: dict[bytes, int] = {}
    styles_xml, workbook_pr = book.styles, book.workbook_pr
    cell_slot = np.zeros(len(asked) + len(dated), dtype=np.int64)
    for i, cell in enumerate(asked):
        whole = xml[offset + cell_from[cell]:offset + cell_to[cell]]
        key = re.sub(rb'^<c(\s[^>]*?)?\sr="[^"]*"', lambda m: b"<c" + (m.group(1) or b""), whole, count=1)
        cell_slot[i] = slots.setdefault(key, len(slots))
    if len(dated):
        # one key per (format, number): a complex number sorts and compares both at once
        distinct, inverse = np.unique(styles[dated] + 1j * numbers[dated], return_inverse=True)
        base = len(slots)
        for key in distinct:
            slots[b'<c s="%d"><v>%s</v></c>' % (int(key.real), repr(float(key.imag)).encode())] = len(slots)
        cell_slot[len(asked):] = base + inverse.ravel()
    for k, key in enumerate(slots):
        pieces.append(b'<row r="%d"><c r="A%d"' % (k + 1, k + 1) + key[2:] + b"</row>")
    try:
        grid = _calamine_grid(b"".join(pieces), styles_xml, _NO_STRINGS, workbook_pr)
    except (calamine.CalamineError, ValueError, OSError):
        raise _Unknown from None
    if len(grid) != len(slots):
        raise _Unknown
    answers = [row[0] for row in grid]
    is_text = np.array([isinstance(v, str) for v in answers], dtype=bool)
    texts_added = np.empty(int(is_text.sum()), dtype=object)
    texts_added[:] = [v for v in answers if isinstance(v, str)]
    objects = np.empty(len(answers) - len(texts_added), dtype=object)
    objects[:] = [v for v in answers if not isinstance(v, str)]
    # texts coded -1 - their number among the sheet's own texts (_scan makes them final)
    slot_code = np.where(is_text, -text_base - np.cumsum(is_text), np.cumsum(~is_text) - 1)
    cells = np.concatenate([asked, dated])
    kinds[cells] = np.where(is_text[cell_slot], STRING, OBJECT)
    codes[cells] = slot_code[cell_slot]
    return texts_added, objects
