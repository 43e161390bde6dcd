"""A free-form sheet (the Summary): rows of single cells, each with its own style, number format, fill and
link, instead of one table. Written by the same package-level writer as ResultSheets (writeback.py).

A cell's value is typed exactly as a result sheet's: sheetxml's column writer is called on the one value, so
numbers stay numbers, dates stay dates and formula-like text stays literal text (contract 5.2).
"""

from __future__ import annotations

import dataclasses
from typing import Mapping, Sequence
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from ..address import column_letter
from ..safety import xml_text
from .sheetxml import DATE_FORMAT, DATETIME_FORMAT, STYLES, _column_cells
from .wrap import wrapped_lines


@dataclasses.dataclass(frozen=True)
class Cell:
    """One cell of a FreeSheet.

    value       text, number, bool, date or None (an empty cell)
    style       a STYLES name for the font ("title", "bold", "header", "link"), '' for plain
    num_format  Excel number format of a number ('#,##0.00'); dates get 'yyyy-mm-dd' without one
    fill        ARGB colour of the cell ('' = none)
    link        name of a sheet of the same workbook: the cell links to its A1
    wrap        wrap long text within the column's width (the row is made as tall as the text needs)
    align       'left' or 'right' ('' = Excel's default: text left, numbers right)
    indent      indent levels from the left edge (text after a right-aligned number column)
    span        columns the cell covers (merged with the ones to its right; a sentence across the page)
    """

    value: object = None
    style: str = ""
    num_format: str | None = None
    fill: str = ""
    link: str | None = None
    wrap: bool = False
    align: str = ""
    indent: int = 0
    span: int = 1


@dataclasses.dataclass(frozen=True)
class FreeSheet:
    """A sheet that is not one table: `rows` of cells from column A (None = an empty cell), `widths` of the
    columns in characters. Grid lines are hidden: it reads as a page, not as data."""

    rows: tuple[tuple["Cell | None", ...], ...]
    widths: tuple[float, ...] = ()
    portrait: bool = True

    @property
    def title(self) -> str:
        first = self.rows[0][0] if self.rows and self.rows[0] else None
        return "" if first is None or first.value is None else str(first.value)

    def renamed(self, names: Mapping[str, str]) -> "FreeSheet":
        """This sheet with links (and link cells that show the sheet's name) pointing at the sheets' names in
        `names` (old -> new): write-back prefixes omxl's sheet names ('omxl Order Status')."""
        def rename(cell: "Cell | None") -> "Cell | None":
            if cell is None or cell.link is None or cell.link not in names:
                return cell
            value = names[cell.link] if cell.value == cell.link else cell.value
            return dataclasses.replace(cell, link=names[cell.link], value=value)

        return dataclasses.replace(self, rows=tuple(tuple(rename(c) for c in row) for row in self.rows))

    def style_keys(self) -> dict[str, dict]:
        """Every cell style the cells use: {key: spec} for merge_styles (as ResultSheet.style_keys)."""
        keys: dict[str, dict] = {}
        for cell in self._cells():
            # A list in a fixed order, not a set: the style numbers (and the file's bytes) must not depend on the
            # hash seed.
            for fmt in dict.fromkeys((None, DATE_FORMAT, DATETIME_FORMAT, cell.num_format)):
                for quote in (False, True):
                    spec = _spec(cell, fmt, quote)
                    if spec:
                        keys[_key(cell, fmt, quote)] = spec
        return keys

    def reads_back(self, grid: Sequence[Sequence[object]]) -> bool:
        """True when `grid` (the sheet as read from the saved file) starts with the title and has no more rows
        than were written."""
        first = str(grid[0][0]) if grid and grid[0] else ""
        return first == xml_text(self.title) and len(grid) <= len(self.rows)

    def xml(self, style_ids: dict[str, int]) -> bytes:
        """The worksheet part; `style_ids` maps style keys (style_keys) to cellXfs indexes."""
        rows, links, merged = [], [], []
        n_cols = max([len(r) for r in self.rows] + [len(self.widths), 1])
        for number, row in enumerate(self.rows, start=1):
            cells = []
            for position, cell in enumerate(row):
                if cell is None:
                    continue
                ref = f"{column_letter(position)}{number}"
                cells.append(_cell_xml(cell, ref, style_ids))
                if cell.span > 1:
                    merged.append(f'<mergeCell ref="{ref}:{column_letter(position + cell.span - 1)}{number}"/>')
                if cell.link:
                    links.append(f'<hyperlink ref="{ref}" location={quoteattr(sheet_location(cell.link))} '
                                 f'display={quoteattr(str(cell.value))}/>')
            height = _row_height(row, self.widths)
            size = f' ht="{height:g}" customHeight="1"' if height else ""
            rows.append(f'<row r="{number}"{size}>{"".join(cells)}</row>')
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                       for i, w in enumerate(self.widths, start=1))
        last = f"{column_letter(n_cols - 1)}{max(len(self.rows), 1)}"
        parts = [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">',
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>',
            f'<dimension ref="A1:{last}"/>',
            '<sheetViews><sheetView showGridLines="0" workbookViewId="0"><selection activeCell="A1" sqref="A1"/>'
            "</sheetView></sheetViews>",
            '<sheetFormatPr defaultRowHeight="15"/>',
            f"<cols>{cols}</cols>" if cols else "",
            f"<sheetData>{''.join(rows)}</sheetData>",
            f'<mergeCells count="{len(merged)}">{"".join(merged)}</mergeCells>' if merged else "",
            f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "",
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>',
            f'<pageSetup orientation="{"portrait" if self.portrait else "landscape"}" fitToWidth="1" '
            'fitToHeight="0"/>',
            "</worksheet>",
        ]
        return "".join(parts).encode("utf-8")

    def _cells(self) -> list[Cell]:
        return [cell for row in self.rows for cell in row if cell is not None]


def sheet_location(sheet: str, cell: str = "A1") -> str:
    """An in-workbook link target: "'Order Status'!A1" (apostrophes in the name doubled)."""
    return "'" + sheet.replace("'", "''") + "'!" + cell


def _spec(cell: Cell, num_format: str | None, quote: bool) -> dict:
    spec = dict(STYLES.get(cell.style, {}))
    if num_format and num_format != "General":
        spec["num_format"] = num_format
    if cell.fill:
        spec["fill"] = cell.fill
    if quote:
        spec["quote_prefix"] = True
    if cell.wrap:
        spec["wrap"] = True
    # A page, not a grid: every cell sits at the top of its row, next to a neighbour's wrapped text.
    spec["valign"] = "top"
    if cell.align:
        spec["align"] = cell.align
    if cell.indent:
        spec["indent"] = cell.indent
    return spec


def _key(cell: Cell, num_format: str | None, quote: bool) -> str:
    return (f"free|{cell.style}|{num_format or ''}|{cell.fill}|{int(quote)}|{int(cell.wrap)}|{cell.align}|"
            f"{cell.indent}")


def _row_height(row: Sequence["Cell | None"], widths: Sequence[float]) -> float | None:
    """Points for a row with wrapped text, None for one line: spreadsheet programs do not all grow a row to
    its wrapped text when they open a file (LibreOffice's PDF export does not), so the height is written.
    A column `width` units wide holds about 1.2 x width characters of ordinary text a line."""
    lines = 1
    for position, cell in enumerate(row):
        if cell is None or not cell.wrap or not isinstance(cell.value, str) or position >= len(widths):
            continue
        width = sum(widths[position:position + cell.span])
        # Ordinary text is narrower than the digit a width unit is measured in; an indent level is ~1.5 units.
        room = max((width - 1 - 1.5 * cell.indent) * 1.2, 1.0)
        lines = max(lines, wrapped_lines(cell.value, room))
    return None if lines == 1 else 15.0 * lines


class _OneCellStyles:
    """sheetxml's per-column style lookup (attrs(num_format, quote)) for one cell with its own font and fill."""

    def __init__(self, cell: Cell, style_ids: dict[str, int]):
        self.cell, self.style_ids = cell, style_ids

    def attrs(self, num_format: str | None, quote: bool = False) -> np.ndarray:
        if not _spec(self.cell, num_format, quote):
            return np.array([""], dtype=object)
        return np.array([f' s="{self.style_ids[_key(self.cell, num_format, quote)]}"'], dtype=object)


def _cell_xml(cell: Cell, ref: str, style_ids: dict[str, int]) -> str:
    styles = _OneCellStyles(cell, style_ids)
    if cell.value is None or (not isinstance(cell.value, str) and pd.isna(cell.value)):
        # An empty cell that still shows its style (a filled legend swatch, a header underline).
        attr = styles.attrs(None)[0]
        return f'<c r="{ref}"{attr}/>' if attr else ""
    value = cell.value
    if isinstance(value, bool):
        values = pd.Series([value], dtype=bool)
    elif isinstance(value, (int, float, np.integer, np.floating)):
        values = pd.Series([value], dtype=float)
    elif isinstance(value, str):
        values = pd.Series([value], dtype=object)
    else:  # dates and timestamps
        values = pd.Series([pd.Timestamp(value)])
    text = _column_cells(values, np.array([ref], dtype=object), styles, np.zeros(1, dtype=np.intp), cell.num_format)
    return str(text[0])
