"""The cell tags of a piece of sheet XML: where each cell is, what its r, s and t attributes say and where its
value's text lies. sheet_xml.py reads the values from them.

Two finders give the same tags. sheet_xml._tags works with NumPy over arrays of the piece's '<', '>' and '"';
the compiled loop of tag_loop.py (numba) reads the bytes once, about five times sooner, and takes only the
plainest XML (the NumPy finder reads any other piece); it also reads the plain numbers and shared-string indexes,
as sheet_xml._parse_numbers does. The loop is used for workbooks whose worksheets hold
COMPILED_FROM bytes of XML or more: loading numba and the loop costs about a second of the processor in each
run (compiling it, once per installation, some seconds more), which only a big book wins back. Where numba
cannot be imported, the NumPy finder reads every piece.
"""

from __future__ import annotations

import functools
from typing import Callable, NamedTuple

import numpy as np

# Bytes of worksheet XML: about 190,000 order lines of a book like `omxl demo`'s (its 100,000 lines are 85 MB, and
# read as fast either way; its 1,000,000 lines, 850 MB, 4 s sooner with the loop).
COMPILED_FROM = 160 << 20

# What both finders read alike. A cell's t value of one letter: n 0, s 1, b 2, e 3, d 6, any other 7
# (sheet_xml._type_code adds str 4 and inlineStr 5). The powers of ten a decimal text's digits are divided by
# (exact doubles, so the quotient is correctly rounded: sheet_xml._parse_numbers).
ONE_LETTER_TYPES = np.full(256, 7, dtype=np.int8)
for _letter, _code in ((b"n", 0), (b"s", 1), (b"b", 2), (b"e", 3), (b"d", 6)):
    ONE_LETTER_TYPES[_letter[0]] = _code
POW10 = 10.0 ** np.arange(23)


class CellTags(NamedTuple):
    """A piece's cells in the order of the XML. Offsets count from the piece's first byte."""

    rows: np.ndarray          # 0-based row of each cell's reference
    cols: np.ndarray          # 0-based column
    styles: np.ndarray        # s (0 without one)
    types: np.ndarray         # t: 0 none or n, 1 s, 2 b, 3 e, 4 str, 5 inlineStr, 6 d, 7 anything else
    has_v: np.ndarray         # holds <v>...</v>
    inline: np.ndarray        # holds <is><t>...</t></is>
    v_start: np.ndarray       # where the text of <v> or <t> begins (0 for neither)
    v_len: np.ndarray         # its length in bytes
    cell_from: np.ndarray     # the cell's '<'
    cell_to: np.ndarray       # just after its last '>'
    formula_at: np.ndarray    # every '<f' of the piece
    extent: tuple[int, int, bool]   # as guards.far_cells_trimmed counts (sheet_xml._extent)
    # The compiled loop's reading of each number's <v> and shared string's index (None: the NumPy finder's
    # tags, sheet_xml._parse_numbers reads them): the value where `read`; the others are sheet_xml's to read.
    numbers: np.ndarray | None = None
    read: np.ndarray | None = None


def no_cells(formula_at: np.ndarray, extent: tuple[int, int, bool]) -> CellTags:
    none = np.zeros(0, dtype=np.int64)
    never = np.zeros(0, dtype=bool)
    return CellTags(none, none, none, none.astype(np.int8), never, never, none, none, none, none, formula_at, extent)


def compiled_tags(xml: bytes, first: int, stop: int) -> CellTags | None:
    """The cell tags of xml[first:stop] found by the compiled loop, or None when the loop does not read that
    piece (or numba is not there): the NumPy finder then reads it."""
    loop = _loop()
    if loop is None:
        return None
    found = loop(np.frombuffer(xml, dtype=np.uint8, offset=first, count=stop - first), POW10, ONE_LETTER_TYPES)
    (rows, cols, styles, types, flags, v_start, v_len, cell_from, cell_to, numbers, read, formula_at, last_row,
     spaced_rows, spaced_refs, quotes_elsewhere) = found
    if last_row < 0:
        return None
    # Every ' r="' of the piece is a cell's or a row's r attribute unless a quote stands elsewhere (in a text, a
    # formula, an inline string's tag) or a cell's t is one the scan does not know: then count them, as _extent.
    sure = not quotes_elsewhere or xml.count(b' r="', first, stop) == spaced_refs + spaced_rows
    return CellTags(rows, cols, styles, types, flags == 2, flags == 4, v_start, v_len, cell_from, cell_to, formula_at,
                    (int(last_row), int(cols.max()) + 1, sure), numbers, read)


def big_enough(sheet_bytes: int) -> bool:
    """Whether the compiled loop finds the tags of a workbook whose worksheets hold `sheet_bytes` bytes of XML."""
    return sheet_bytes >= COMPILED_FROM


def warm_up() -> None:
    """Load the compiled loop (from numba's cache; compiled there on first use) and run it once, ahead of the
    first piece that needs it: a reader starts this on a thread of its own while it unzips the sheets."""
    _loop()


_TRIAL = b'<row r="1"><c r="A1"><v>1</v></c></row>'


@functools.cache
def _loop() -> Callable | None:
    """The compiled loop, tried once on a row; None where it cannot be had, and the NumPy finder reads."""
    try:
        from numba import config

        from .tag_loop import cell_tags
        if config.DISABLE_JIT:   # NUMBA_DISABLE_JIT=1 would run the loop as Python, a byte at a time: minutes
            return None
        cell_tags(np.frombuffer(_TRIAL, dtype=np.uint8), POW10, ONE_LETTER_TYPES)
    except ImportError:   # numba is not installed (it has no build for this platform)
        return None
    except Exception:     # noqa: BLE001 - numba could not cache, compile or load the loop here (no writable cache
        return None       # folder, no memory it may run code from): never a reason for a read to stop
    return cell_tags
