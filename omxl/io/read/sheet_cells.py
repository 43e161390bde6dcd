"""A sheet read by omxl's own .xlsx reader (sheet_xml.py): its cells as arrays, the grid calamine would give
made from them on demand, and a table's block of it column by column for typing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd

from .. import cells as cellclass

# Kinds of the stored cells (cells with a value, which set the sheet's extent as calamine sets it).
STRING, NUMBER, BOOLEAN, ERROR, OBJECT = 1, 2, 3, 4, 5
# The dtypes of a cell's row (Excel has 1,048,576), column (16,384) and code (a text's or an object's index).
ROW, COL, CODE = np.int32, np.int16, np.int32

@dataclass
class SheetCells:
    """The cells of one sheet that hold a value, sorted by row and column (0-based)."""

    rows: np.ndarray      # ROW
    cols: np.ndarray      # COL
    kinds: np.ndarray     # int8: STRING, NUMBER, BOOLEAN, ERROR (calamine reads ""), OBJECT
    numbers: np.ndarray   # float64: NUMBER's value, BOOLEAN's 0 or 1
    codes: np.ndarray     # CODE: STRING -> texts, OBJECT -> objects
    texts: np.ndarray     # object: str; the last one is "" (blank cells, error cells)
    objects: np.ndarray   # object: other values as calamine reads them (dates, times, durations)
    height: int
    width: int
    empty_texts: np.ndarray | None = None   # per text: is it ""
    _filled: np.ndarray | None = None  # per stored cell: filled()
    _object_classes: np.ndarray | None = None   # per object: its io.cells class

    @property
    def blank_code(self) -> int:
        return len(self.texts) - 1

    def values(self, positions: np.ndarray) -> np.ndarray:
        """The Python values of the stored cells at `positions`, as calamine gives them."""
        kinds = self.kinds[positions]
        if (kinds == STRING).all():   # a column of texts (ids, names): one gather from the table of texts
            return self.texts[self.codes[positions]]
        out = np.empty(len(positions), dtype=object)
        out[:] = ""
        for kind, table in ((STRING, self.texts), (OBJECT, self.objects)):
            hit = kinds == kind
            out[hit] = table[self.codes[positions[hit]]]
        number = kinds == NUMBER
        out[number] = self.numbers[positions[number]]   # Python floats
        boolean = kinds == BOOLEAN
        out[boolean] = np.array([False, True], dtype=object)[self.numbers[positions[boolean]].astype(np.int64)]
        return out

    def filled(self) -> np.ndarray:
        """Per stored cell: does it hold something other than "" (the grid's notion of a blank cell)."""
        if self._filled is None:
            self._filled = self._find_filled()
        return self._filled

    def _find_filled(self) -> np.ndarray:
        empty = self.kinds == ERROR
        text = self.kinds == STRING
        empty[text] = self.empty_texts[self.codes[text]]
        obj = self.kinds == OBJECT
        if obj.any():
            empty[obj] = np.array([v == "" or v is None for v in self.objects], dtype=bool)[self.codes[obj]]
        return ~empty

    def classes(self, positions: np.ndarray) -> np.ndarray:
        """io.cells class codes of the stored cells at `positions` (STR for "" cells, as classify says)."""
        kinds = self.kinds[positions]
        out = np.full(len(positions), cellclass.STR, dtype=np.int8)
        out[kinds == NUMBER] = cellclass.NUM
        out[kinds == BOOLEAN] = cellclass.BOOLEAN
        obj = kinds == OBJECT
        if obj.any():
            if self._object_classes is None:   # classified once: every column of the sheet asks
                self._object_classes = cellclass.classify(pd.Series(self.objects, dtype=object))
            out[obj] = self._object_classes[self.codes[positions[obj]]]
        return out

    def hints(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(classes, text_codes, object_codes) of the stored cells at `positions`."""
        kinds = self.kinds[positions]
        if (kinds == STRING).all():   # a column of texts: each cell STR, with its text's code and no object
            return (np.full(len(positions), cellclass.STR, dtype=np.int8), self.codes[positions].astype(np.int64),
                    np.full(len(positions), -1, dtype=np.int64))
        return self.classes(positions), self.text_codes(positions), self.object_codes(positions)

    def object_codes(self, positions: np.ndarray) -> np.ndarray:
        """Per stored cell at `positions`: its code in `objects`, -1 when it holds none."""
        out = np.full(len(positions), -1, dtype=np.int64)
        obj = self.kinds[positions] == OBJECT
        out[obj] = self.codes[positions[obj]]
        return out

    def text_codes(self, positions: np.ndarray) -> np.ndarray:
        """Per stored cell at `positions`: its code in `texts` ("" for error cells), -1 when not text."""
        kinds = self.kinds[positions]
        out = np.full(len(positions), -1, dtype=np.int64)
        text = kinds == STRING
        out[text] = self.codes[positions[text]]
        out[kinds == ERROR] = self.blank_code
        return out


class CellGrid(Sequence):
    """The sheet as the grid calamine gives (rows of values, "" where blank), made row by row on demand: the
    header search looks at the first 30 rows; the table's columns are taken from `cells` as arrays."""

    def __init__(self, cells: SheetCells):
        self.cells = cells
        self._starts = np.searchsorted(cells.rows, np.arange(cells.height + 1))
        # Worked out here, on the thread that scanned the sheet, not where its table is cut: a million-line
        # sheet's is a third of a second the sheets after it would otherwise wait for.
        cells.filled()

    def __len__(self) -> int:
        return self.cells.height

    def rows(self, start: int, stop: int) -> list[list[Any]]:
        start, stop = max(start, 0), min(stop, self.cells.height)
        if stop <= start:
            return []
        grid = np.empty((stop - start, self.cells.width), dtype=object)
        grid[:] = ""
        lo, hi = self._starts[start], self._starts[stop]
        positions = np.arange(lo, hi)
        grid[self.cells.rows[lo:hi] - start, self.cells.cols[lo:hi]] = self.cells.values(positions)
        return grid.tolist()

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            rows = self.rows(start, stop) if step == 1 else [self[i] for i in range(start, stop, step)]
            return rows
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("grid row out of range")
        return self.rows(index, index + 1)[0]

    def __iter__(self) -> Iterator[list[Any]]:
        for start in range(0, len(self), 4096):
            yield from self.rows(start, start + 4096)

    def column_has_data(self, start: int, col: int) -> bool:
        """Does column `col` hold something other than "" from row `start` on."""
        cells = self.cells
        at = self._starts[min(start, cells.height)]
        return bool((cells.filled()[at:] & (cells.cols[at:] == col)).any())


# --- a table's block of a sheet, column by column --------------------------------------------------------

# Up to this many columns a table's columns are found one comparison each rather than by sorting its cells.
NARROW = 64


class Region:
    """Rows [top, bottom) and columns [left, right] of a sheet read by this reader: which rows hold something,
    and each column as the values calamine would give ("" where blank) with their cell classes and text codes,
    so that typing works per distinct text rather than per cell."""

    def __init__(self, grid: CellGrid, top: int, bottom: int, left: int, right: int):
        cells = grid.cells
        bottom = max(min(bottom, cells.height), top)
        lo, hi = grid._starts[min(top, cells.height)], grid._starts[bottom]
        # the rows' cells are one run of the arrays: slices, gathered only when some lie beside the table
        cols = cells.cols[lo:hi]
        self.cells = cells
        # The region's cells, as indexes into the sheet's: None while they are all of lo..hi (a sheet that holds
        # only its table), which then need no array of their own (17 million indexes for a million lines).
        self.index: np.ndarray | None = None
        self._first = lo
        if not len(cols) or (int(cols.min()) >= left and int(cols.max()) <= right):
            self.row, self.col = cells.rows[lo:hi] - top, cols - left
        else:
            self.index = lo + np.flatnonzero((cols >= left) & (cols <= right))
            self.row, self.col = cells.rows[self.index] - top, cells.cols[self.index] - left
        self.n_rows = bottom - top
        self.width = right - left + 1
        self._columns: dict[int, tuple[np.ndarray, np.ndarray]] | None = None

    def filled_rows(self) -> np.ndarray:
        """Per row: does some cell of it hold something other than "" (the grid's blank)."""
        filled = np.zeros(self.n_rows, dtype=bool)
        cells_filled = self.cells.filled()
        filled[self.row[cells_filled[self._first:self._first + len(self.row)] if self.index is None
                        else cells_filled[self.index]]] = True
        return filled

    def _cells(self, at: np.ndarray) -> np.ndarray:
        """The sheet's indexes of the region's cells at positions `at`."""
        return self._first + at if self.index is None else self.index[at]

    def keep(self, rows: np.ndarray) -> None:
        """Keep only the rows where `rows` (a mask) is true, renumbered."""
        if len(rows) == self.n_rows and rows.all():
            return
        position = np.cumsum(rows) - 1
        kept = rows[self.row]
        if kept.all():   # the rows dropped hold no cell (blank rows usually): only the numbers move
            self.row = position[self.row]
        else:
            self.index = self._cells(np.flatnonzero(kept))
            self.row, self.col = position[self.row[kept]], self.col[kept]
        self.n_rows = int(rows.sum())
        self._columns = None

    def _column(self, position: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cell indexes) of the column's cells, top to bottom."""
        if self._columns is None:
            self._columns = {}
            if self.width > NARROW:
                # A sheet has at most 16,384 columns: as int16 (COL) the stable sort is a radix sort, three times
                # faster.
                order = np.argsort(self.col.astype(COL, copy=False), kind="stable")
                bounds = np.searchsorted(self.col[order], np.arange(self.width + 1))
                self._columns = {j: (self.row[order[a:b]], self._cells(order[a:b]))
                                 for j, (a, b) in enumerate(zip(bounds[:-1], bounds[1:]))}
        if position not in self._columns:
            # a table of a few columns: each column's cells found when it is asked for, with no sort at all
            at = np.flatnonzero(self.col == position)
            self._columns[position] = (self.row[at], self._cells(at))
        return self._columns[position]

    def _every_row(self, rows: np.ndarray) -> bool:
        """Are `rows` (a column's cells' rows, top to bottom) every row of the region, each once."""
        return len(rows) == self.n_rows and (not len(rows) or (rows[0] == 0 and bool((np.diff(rows) > 0).all())))

    def values(self, position: int, numbers_apart: bool = False) -> np.ndarray:
        """The column's values as calamine gives them; with `numbers_apart`, its number cells left "" (their
        values are `numbers`): a column of numbers is then no Python object per cell."""
        rows, index = self._column(position)
        if numbers_apart:
            other = self.cells.kinds[index] != NUMBER
            rows, index = rows[other], index[other]
        if self._every_row(rows):   # no blank cell to fill in: the cells' values are the column
            return self.cells.values(index)
        out = np.empty(self.n_rows, dtype=object)
        out[:] = ""
        out[rows] = self.cells.values(index)
        return out

    def numbers(self, position: int) -> np.ndarray:
        """float64 per row: the value of each cell whose class is io.cells' NUM, NaN elsewhere. Besides the number
        cells, a number calamine read for the scan (an object, kept in `values` too) counts."""
        rows, index = self._column(position)
        kinds = self.cells.kinds[index]
        out = np.full(self.n_rows, np.nan)
        number = kinds == NUMBER
        out[rows[number]] = self.cells.numbers[index[number]]
        boxed = np.flatnonzero(kinds == OBJECT)
        if len(boxed):
            numeric = boxed[self.cells.classes(index[boxed]) == cellclass.NUM]
            out[rows[numeric]] = self.cells.values(index[numeric]).astype(np.float64)
        return out

    def hints(self, position: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(io.cells class of each cell, as classify gives it; its code in `texts` where text, else -1; its code
        in `objects` where it holds a date or another object, else -1)."""
        rows, index = self._column(position)
        hints = self.cells.hints(index)
        if self._every_row(rows):
            return hints
        classes = np.full(self.n_rows, cellclass.STR, dtype=np.int8)
        codes = np.full(self.n_rows, self.cells.blank_code, dtype=np.int64)
        objects = np.full(self.n_rows, -1, dtype=np.int64)
        classes[rows], codes[rows], objects[rows] = hints
        return classes, codes, objects

    def block(self, positions: list[int]) -> np.ndarray:
        """The columns at `positions` as a rows x columns object matrix."""
        out = np.empty((self.n_rows, len(positions)), dtype=object)
        for j, position in enumerate(positions):
            out[:, j] = self.values(position)
        return out
