"""A table's block of a sheet read by omxl's own reader (omxl/io/read/sheet_cells.py Region): its columns are the
same whether found one comparison each (a few columns) or by sorting the cells (many), rows kept or dropped;
and an error cell lands on its own row of the table (tables._error_masks), a column without one has no mask."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from omxl.io.read import sheet_cells
from omxl.io.read.sheet_cells import COL, NUMBER, ROW, STRING, CellGrid, Region, SheetCells
from omxl.io.read.sources import RawSheet
from omxl.io.read.tables import _error_masks, _stacked_errors

pytestmark = pytest.mark.core


def _grid(height: int, width: int) -> CellGrid:
    """Numbers r * 1000 + c, every third cell left empty, a text in column 0 of every fifth row, and a cell
    left of the table's block (column 0) and one right of it (the last column)."""
    r, c = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    r, c = r.ravel(), c.ravel()
    stored = (r * 7 + c) % 3 != 0
    r, c = r[stored], c[stored]
    kinds = np.where((c == 0) & (r % 5 == 0), STRING, NUMBER).astype(np.int8)
    codes = np.zeros(len(r), dtype=np.int32)
    texts = np.array(["SKU-1", ""], dtype=object)
    cells = SheetCells(r.astype(ROW), c.astype(COL), kinds, (r * 1000 + c).astype(np.float64), codes, texts,
                       np.empty(0, dtype=object), height, width, texts == "")
    return CellGrid(cells)


def _columns(region: Region) -> list[list]:
    return [region.values(j).tolist() for j in range(region.width)] + \
        [[h.tolist() for h in region.hints(j)] for j in range(region.width)]


@pytest.mark.parametrize("width", [5, 90])
def test_a_regions_columns_are_the_same_found_either_way(width, monkeypatch):
    grid = _grid(40, width + 2)
    rows = np.ones(38, dtype=bool)
    rows[[3, 17, 37]] = False
    made = []
    for narrow in (10_000, 0):   # every table narrow, then every table wide
        monkeypatch.setattr(sheet_cells, "NARROW", narrow)
        region = Region(grid, 2, 40, 1, width)
        region.keep(np.ones(38, dtype=bool))   # every row kept: nothing moves
        whole = _columns(region)
        region.keep(rows)
        made.append((whole, _columns(region), region.n_rows))
    assert made[0] == made[1]
    whole, kept, n_rows = made[0]
    assert n_rows == 35
    # the region's first column is the sheet's column 1, from sheet row 2 on; the kept rows skip the dropped ones
    expected_first = ["" if (r * 7 + 1) % 3 == 0 else float(r * 1000 + 1) for r in range(2, 40)]
    assert whole[0] == expected_first
    assert kept[0] == [v for v, keep in zip(expected_first, rows) if keep]
    assert grid.rows(5, 6)[0][:3] == ["SKU-1", "", 5002.0]


@pytest.mark.parametrize("narrow", [10_000, 0])
def test_a_region_beside_other_cells_leaves_them_out(narrow, monkeypatch):
    monkeypatch.setattr(sheet_cells, "NARROW", narrow)
    grid = _grid(10, 8)
    region = Region(grid, 1, 10, 2, 2)   # one column: the rows where it is empty are blank rows of the table
    assert region.width == 1 and region.n_rows == 9
    expected = ["" if (r * 7 + 2) % 3 == 0 else float(r * 1000 + 2) for r in range(1, 10)]
    assert region.values(0).tolist() == expected
    assert region.filled_rows().tolist() == [v != "" for v in expected]
    assert region.filled_rows().tolist() == [False, True, True, False, True, True, False, True, True]
    region.keep(region.filled_rows())   # the rows dropped hold no cell of the table: only the others move up
    assert region.n_rows == 6
    assert region.values(0).tolist() == [v for v in expected if v != ""]
    assert region.hints(0)[0].tolist() == [2] * 6   # io.cells NUM


@pytest.mark.parametrize("narrow", [10_000, 0])
def test_a_region_of_every_column_is_the_grid(narrow, monkeypatch):
    """A table that takes every column of its rows needs no index of its cells (Region.index stays None until
    rows holding cells are dropped): its columns are still the grid's, before and after."""
    monkeypatch.setattr(sheet_cells, "NARROW", narrow)
    grid = _grid(40, 7)
    region = Region(grid, 2, 40, 0, 6)
    assert region.index is None
    rows = grid.rows(2, 40)
    assert [region.values(j).tolist() for j in range(7)] == [[row[j] for row in rows] for j in range(7)]
    assert region.filled_rows().all()
    keep = np.ones(38, dtype=bool)
    keep[[0, 3, 17, 37]] = False   # rows that hold cells
    region.keep(keep)
    assert region.index is not None and region.n_rows == 34
    kept = [row for row, k in zip(rows, keep) if k]
    assert [region.values(j).tolist() for j in range(7)] == [[row[j] for row in kept] for j in range(7)]
    assert region.values(1)[:3].tolist() == [3001.0, 4001.0, 6001.0]   # sheet rows 3, 4, 6 (5 was dropped)
    assert region.values(0)[:4].tolist() == ["", 4000.0, "", 7000.0]


def test_a_column_with_a_cell_in_every_row_is_its_cells_values(monkeypatch):
    """A column with a cell in every row (most columns of an export) is given as its cells' values and hints,
    with no blank to fill in: what filling the column in row by row gives."""
    height = 12
    r, c = np.meshgrid(np.arange(height), np.arange(3), indexing="ij")
    r, c = r.ravel(), c.ravel()
    # column 0 all texts, column 1 all numbers, column 2 texts and numbers by turns
    kinds = np.where((c == 0) | ((c == 2) & (r % 2 == 0)), STRING, NUMBER).astype(np.int8)
    texts = np.array(["SO-1", "SO-2", "SO-3", ""], dtype=object)
    cells = SheetCells(r.astype(ROW), c.astype(COL), kinds, (r * 10 + c).astype(np.float64),
                       (r % 3).astype(np.int32), texts, np.empty(0, dtype=object), height, 3, texts == "")
    region = Region(CellGrid(cells), 1, height, 0, 2)
    assert [region._every_row(region._column(j)[0]) for j in range(3)] == [True, True, True]
    taken = _columns(region)
    assert taken[0][:4] == ["SO-2", "SO-3", "SO-1", "SO-2"]          # sheet rows 2 to 5
    assert taken[1][:2] == [11.0, 21.0] and taken[2][:3] == [12.0, "SO-3", 32.0]
    assert taken[3] == [[1] * 11, [1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], [-1] * 11]   # io.cells STR, text codes
    # a row given twice (and another not at all) is not every row
    assert not region._every_row(np.array([0, 1, 1, 3, 4, 5, 6, 7, 8, 9, 10]))
    assert region._every_row(np.arange(11))
    monkeypatch.setattr(Region, "_every_row", lambda self, rows: False)
    assert _columns(Region(CellGrid(cells), 1, height, 0, 2)) == taken


def test_error_cells_land_on_their_own_rows_of_the_table():
    sheet = RawSheet("b.xlsx", "Orders", "xlsx", [], error_cells={
        (4, 2): "#N/A", (9, 3): "#REF!", (5, 2): "#DIV/0!", (100, 2): "#N/A", (0, 2): "#N/A", (9, 7): "#VALUE!"})
    data_index = np.array([4, 6, 9, 12], dtype=np.int64)   # sheet rows of the table's rows (row 5 was blank)
    masks = _error_masks(sheet, data_index, first_col=2, width=2)
    assert masks[0].tolist() == ["#N/A", None, None, None]
    assert masks[1].tolist() == [None, None, "#REF!", None]
    # a column without an error cell has no mask at all (typing then looks for none)
    assert _error_masks(sheet, np.zeros(0, dtype=np.int64), 2, 2) == [None, None]
    assert _error_masks(sheet, data_index, first_col=5, width=2) == [None, None]
    # sheets typed together: a sheet without a mask adds its rows without errors
    cuts = [SimpleNamespace(row_numbers=np.arange(n)) for n in (4, 2, 3)]
    assert _stacked_errors((masks[1], None, None), cuts).tolist() == [None, None, "#REF!"] + [None] * 6
    assert _stacked_errors((None, None, None), cuts) is None
