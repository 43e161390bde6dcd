"""The print-ready pick list workbook a warehouse prints (contract 4.6): a sheet per location, a manifest per
carrier, the packing slips (one printed page per order) and the held lines; no Summary sheet (contract 5.5).

Written with XlsxWriter through the safe factory (text never becomes a formula) and atomic_save. Every sheet is
set up for the printer: landscape pick lists fitted to one page wide with columns sized so the scale stays near
100 % (every character prints at 8 pt or more), the header row on every page, the page number in the footer, totals
as SUM formulas with their values cached, and signature boxes. Cells are written column by column (write_column),
one format per column, so a book of a hundred thousand lines is written in seconds.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ...presentation.columns import KINDS, label_of
from ...wording import units_text
from ..address import column_letter
from ...presentation.sheets import number_format
from .atomic import atomic_save, verify_xlsx
from .write import xlsx_workbook

# The pick list's columns, in the order the picker reads them: where (shelf, bin), what (SKU, description, how
# many), for whom; then an empty column to tick.
PICK_COLUMNS = ("shelf", "bin", "sku", "description", "pick_qty", "order_id", "line", "customer_id", "carrier",
                "priority", "promised_date")
MANIFEST_COLUMNS = ("order_id", "customer_id", "ship_to", "lines", "units")
SLIP_COLUMNS = ("line", "sku", "description", "pick_qty", "to_follow_qty")
HELD_COLUMNS = ("order_id", "line", "customer_id", "sku", "description", "open_qty", "allocated_qty", "held_by",
                "reason", "priority", "promised_date")
PICKED = "Picked"
SLIPS_SHEET = "Packing Slips"
SLIP_LABELS = "Packing slip"   # the sheet key of the slip's own labels (Qty packed) in presentation/columns.py
HELD_SHEET = "Held Lines"
# Excel keeps at most 1023 manual page breaks on a sheet: past this many orders the slips go on "Packing Slips 2".
ORDERS_PER_SLIP_SHEET = 1000
# How dispatch says why a line is held (held_by), in words; a company rule's own name is printed as it is.
HELD_BY_WORDS = {"status": "On hold", "ship_complete": "Ship complete"}

# Column widths in characters (XlsxWriter's unit) and what a page holds. A column of width w is 7w + 5 pixels
# wide (Calibri 11), 0.75 pt a pixel. Landscape Letter less 0.3" margins is 749 pt (A4 is wider): a pick list
# whose columns add up to no more prints at 100 %, 11 pt text; fit-to-width only shrinks the rare wider one.
LANDSCAPE_PIXELS = 960
PORTRAIT_PIXELS = 745       # portrait Letter (8.5") less 0.3" margins: 590 pt
_FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
_FIRST_ROW = 5              # 0-based row of the first data row of a pick list, manifest or held-lines sheet


def save_pick_lists(dispatch, path: object) -> Path:
    """The pick list workbook of `dispatch` (an omxl Dispatch) at `path`, written atomically; returns the path."""
    labels = dispatch.position.config.labels if getattr(dispatch, "position", None) is not None else None
    with atomic_save(path, verify=verify_xlsx) as temp:
        book = xlsx_workbook(temp)
        book.set_properties({"title": f"Pick lists {dispatch.as_of:%Y-%m-%d}", "author": "omxl",
                             "created": dt.datetime.combine(dispatch.as_of.date(), dt.time())})
        _PickListWriter(book, dispatch, dict(labels or {})).write()
        book.close()
    return Path(path)


def _sheet_name(wanted: str, taken: set[str]) -> str:
    """`wanted` as an Excel sheet name (no [ ] : * ? / \\, no apostrophe at either end, 31 characters at most),
    unique (case-insensitively) among `taken`, which it joins."""
    name = _FORBIDDEN_IN_SHEET_NAME.sub("-", wanted).strip("'").strip() or "Sheet"
    candidate, number = name[:31], 2
    while candidate.casefold() in taken:
        suffix = f" ({number})"
        candidate, number = name[:31 - len(suffix)] + suffix, number + 1
    taken.add(candidate.casefold())
    return candidate


def _cells(values: pd.Series) -> list:
    """A column as cell values: None (a blank cell) for a missing value, never "nan" or "<NA>"."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return [None if pd.isna(value) else value.to_pydatetime() for value in values]
    if pd.api.types.is_float_dtype(values.dtype):
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        return np.where(np.isnan(numbers), None, numbers).tolist()
    return values.astype(object).where(values.notna(), None).tolist()


def _text_width(values: pd.Series) -> int:
    """The longest value of a column as written, in characters (0 for an empty column)."""
    present = values.dropna()
    return int(present.astype(str).str.len().max()) if len(present) else 0


def _pixels(width: float) -> int:
    return int(width * 7 + 0.5) + 5


class _PickListWriter:
    """Writes the sheets of one workbook; holds its formats (made once: XlsxWriter formats are per workbook)."""

    def __init__(self, book, dispatch, labels: dict[str, str]) -> None:
        self.book, self.dispatch, self.labels = book, dispatch, labels
        self.taken: set[str] = set()
        self.as_of = dispatch.as_of.to_pydatetime()
        add = book.add_format
        self.title = add({"bold": True, "font_size": 16})
        self.subtitle = add({"bold": True, "font_size": 13})
        self.label = add({"bold": True, "valign": "top"})
        self.plain = add({"valign": "top"})
        self.wrapped = add({"text_wrap": True, "valign": "top"})
        self.date = add({"num_format": KINDS["date"].excel, "align": "left"})
        self.header = add({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "bottom"})
        self.header_number = add({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True,
                                  "valign": "bottom", "align": "right", "indent": 1})
        self.cell = add({"border": 1, "border_color": "#808080", "valign": "top", "text_wrap": True, "indent": 1})
        self.cell_date = add({"border": 1, "border_color": "#808080", "valign": "top",
                              "num_format": KINDS["date"].excel})
        self.total_label = add({"bold": True, "top": 2, "align": "right"})
        self.total_blank = add({"top": 2})
        self.box_label = add({"bold": True, "valign": "vcenter", "align": "right"})
        self.box = add({"border": 1})
        self.warn = add({"bold": True, "text_wrap": True, "valign": "top"})
        self._quantity_formats: dict[tuple[str, bool], object] = {}
        # Per sheet name: whether its columns fit the page at full size (sized), so it prints unscaled.
        self._fits: dict[str, bool] = {}

    # ---- shared pieces ----------------------------------------------------------------------------------------

    def quantity(self, values: pd.Series, kind: str = "quantity", *, total: bool = False, bold: bool = False):
        """The cell format of a quantity column: whole numbers without decimals, fractions with 2."""
        excel = number_format(values, kind)
        key = (excel, total, bold)
        if key not in self._quantity_formats:
            # Right-aligned, a character in from the border: "10" never runs into the order id beside it.
            spec = {"num_format": excel, "valign": "top", "align": "right", "indent": 1}
            spec.update({"bold": True, "top": 2} if total else {"border": 1, "border_color": "#808080"})
            if bold:
                spec["bold"] = True
            self._quantity_formats[key] = self.book.add_format(spec)
        return self._quantity_formats[key]

    def page_setup(self, sheet, *, landscape: bool, header_row: int | None, footer_words: str) -> None:
        if landscape:
            sheet.set_landscape()
        else:
            sheet.set_portrait()
        sheet.set_margins(left=0.3, right=0.3, top=0.4, bottom=0.6)
        # Columns sized within the page print at full size. Fitting to one page wide is kept for a sheet wider
        # than its page: LibreOffice paginates a sheet fitted to width at full size and prints it scaled a
        # little, which left an empty page after a manifest whose boxes ended near a page's foot.
        if self._fits.get(sheet.name, False):
            sheet.set_print_scale(100)
        else:
            sheet.fit_to_pages(1, 0)        # one page wide, as many pages long as it takes
        if header_row is not None:
            sheet.repeat_rows(header_row)
        # "&&" is a literal ampersand in Excel's header codes: a location or carrier may hold one.
        # Page numbers count the sheet's own pages, each sheet from 1: a pick list is handed out on its own. No
        # "of N": printing the whole workbook, LibreOffice counts N over every sheet ("page 1 of 187").
        sheet.set_start_page(1)
        sheet.set_footer(f"&L{footer_words.replace('&', '&&')}&CPage &P&R{self.as_of:%Y-%m-%d}",
                         {"margin": 0.3})

    def heading(self, sheet, title: str, lines: list[tuple[str, object]]) -> None:
        """The title in row 1, then label / value rows (a value a date, a number or words) from row 2."""
        sheet.write_string(0, 0, title, self.title)
        for row, (name, value) in enumerate(lines, start=1):
            sheet.write_string(row, 0, name, self.label)
            if isinstance(value, dt.datetime):
                sheet.merge_range(row, 1, row, 2, None, self.date)
                sheet.write_datetime(row, 1, value, self.date)
            else:
                sheet.write_string(row, 1, str(value), self.plain)

    def filters_in_words(self) -> str:
        parts = self.dispatch.filters
        return ("open lines " + " and ".join(parts) if parts
                else "every open line with stock allocated (no filter)")

    def table_header(self, sheet, row: int, names: tuple[str, ...], numeric: set[str], extra: tuple[str, ...] = (),
                     sheet_label: str | None = None) -> None:
        for col, name in enumerate(names):
            sheet.write_string(row, col, label_of(name, sheet_label, self.labels),
                               self.header_number if name in numeric else self.header)
        for offset, words in enumerate(extra):
            sheet.write_string(row, len(names) + offset, words, self.header)
        # Two lines high: a label wider than its column wraps ("Qty to / pick"); neither program grows a row for
        # wrapped text on its own when printing a file it did not lay out.
        sheet.set_row(row, 30)

    def table_columns(self, sheet, frame: pd.DataFrame, names: tuple[str, ...], first: int,
                      text_widths: dict[str, tuple[int, int]], totalled: str | None = None) -> list[float]:
        """Write the columns `names` of `frame` from row `first`, one format per column, and return their widths
        in characters: quantities as wide as their largest value (the `totalled` one bold and as wide as its
        total too), dates a date's width, line and priority as counts, text within `text_widths`."""
        widths: list[float] = []
        for col, name in enumerate(names):
            values = frame[name]
            label = label_of(name, None, self.labels)
            if name in ("pick_qty", "open_qty", "allocated_qty"):
                fmt = self.quantity(values, bold=name == totalled)
                shown = number_format(values, "quantity")
                needed = max(_format_width(values.max(), shown), _longest_word(label))
                if name == totalled:
                    needed = max(needed, _format_width(values.sum(), shown)) + 1
                widths.append(min(needed + 2, 14))
            elif name == "promised_date":
                fmt = self.cell_date
                widths.append(11.5)
            else:
                fmt = self.quantity(values, "count") if name in ("line", "priority") else self.cell
                low, high = text_widths[name]
                widths.append(min(max(_text_width(values), _longest_word(label), low) + 1, high))
            sheet.write_column(first, col, _cells(values), fmt)
        return widths

    def sized(self, sheet, widths: list[float], flexible: int | None, budget: int) -> None:
        """Set the column widths; the `flexible` column (a wrapped description) takes what the page has left."""
        widths = list(widths)
        if flexible is not None:
            rest = sum(_pixels(w) for i, w in enumerate(widths) if i != flexible)
            room = (budget - rest - 5) / 7
            widths[flexible] = float(min(max(room, 16), widths[flexible]))
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        self._fits[sheet.name] = sum(_pixels(w) for w in widths) <= budget

    def total_row(self, sheet, row: int, label_col: int, columns: dict[int, pd.Series], first: int, last: int,
                  words: str = "Total") -> None:
        """A total line: `words` right-aligned at `label_col`, a cached SUM of rows first..last (0-based) under
        each of `columns`, a thick rule above."""
        for col in range(label_col + 1 if label_col >= 0 else 0, max(columns) + 1):
            if col not in columns:
                sheet.write_blank(row, col, None, self.total_blank)
        if label_col >= 0:
            sheet.write_string(row, label_col, words, self.total_label)
        for col, values in columns.items():
            letter = column_letter(col)
            sheet.write_formula(row, col, f"=SUM({letter}{first + 1}:{letter}{last + 1})",
                                self.quantity(values, "count" if values.dtype.kind == "i" else "quantity",
                                              total=True),
                                float(values.sum()) if values.dtype.kind == "f" else int(values.sum()))

    def signature_box(self, sheet, row: int, rows: list[tuple[str, str]], label_cols: tuple[int, int, int, int],
                      height: float = 30) -> None:
        """Bordered boxes to sign and date: each of `rows` is (left words, right words); label_cols gives
        (left label column, left box first column, right label column, right box first column); a box runs
        to the column before the next label (the right one, two columns)."""
        left_label, left_box, right_label, right_box = label_cols
        for offset, (left, right) in enumerate(rows):
            at = row + offset * 2
            sheet.set_row(at, height)
            sheet.write_string(at, left_label, left, self.box_label)
            if right_label - 1 > left_box:
                sheet.merge_range(at, left_box, at, right_label - 1, None, self.box)
            else:
                sheet.write_blank(at, left_box, None, self.box)
            sheet.write_string(at, right_label, right, self.box_label)
            sheet.merge_range(at, right_box, at, right_box + 1, None, self.box)

    def stacked_boxes(self, sheet, row: int, labels: list[str], label_span: tuple[int, int],
                      box_span: tuple[int, int], height: float = 30) -> None:
        """One bordered box per label, one under the other (every other row): each label right-aligned over the
        merged columns `label_span`, its box over `box_span`. For sheets whose first columns are too narrow to
        hold a label on their own (a manifest's order numbers)."""
        for offset, label in enumerate(labels):
            at = row + offset * 2
            sheet.set_row(at, height)
            sheet.merge_range(at, label_span[0], at, label_span[1], label, self.box_label)
            sheet.merge_range(at, box_span[0], at, box_span[1], None, self.box)

    # ---- the sheets -------------------------------------------------------------------------------------------

    def write(self) -> None:
        picks = self.dispatch.picks
        if not len(picks):
            self.nothing_to_pick()
        else:
            for location in self.dispatch.locations:
                self.pick_sheet(str(location), picks[picks["location"] == location].reset_index(drop=True))
            for carrier in self.carriers(picks):
                self.manifest_sheet(carrier)
            self.slip_sheets()
        if len(picks) or len(self.dispatch.held):
            self.held_sheet()

    def carriers(self, picks: pd.DataFrame) -> list[str | None]:
        """The carriers of the picks, sorted; None (picks without one) last, as in dispatch.manifests."""
        named = sorted(str(carrier) for carrier in picks["carrier"].dropna().unique())
        return named + ([None] if picks["carrier"].isna().any() else [])

    def nothing_to_pick(self) -> None:
        sheet = self.book.add_worksheet(_sheet_name("Nothing to Pick", self.taken))
        self.heading(sheet, "Pick list", [("As of", self.as_of), ("Lines", self.filters_in_words())])
        sheet.merge_range(4, 0, 4, 7, self.dispatch.summary, self.warn)
        sheet.set_row(4, 45)
        sheet.set_column(0, 0, 12)
        sheet.set_column(1, 7, 12)
        self.page_setup(sheet, landscape=False, header_row=None, footer_words="Pick list")

    def pick_sheet(self, location: str, picks: pd.DataFrame) -> None:
        sheet = self.book.add_worksheet(_sheet_name(f"Pick {location}", self.taken))
        lines = picks[["order_id", "line"]].drop_duplicates()
        self.heading(sheet, f"Pick list \u2014 {location}",
                     [("As of", self.as_of), ("Lines", self.filters_in_words()),
                      ("To pick", f"{len(lines):,} {'line' if len(lines) == 1 else 'lines'}, "
                                  f"{units_text(picks['pick_qty'].sum())}")])
        header = _FIRST_ROW - 1
        numeric = {"pick_qty", "line", "priority"}
        self.table_header(sheet, header, PICK_COLUMNS, numeric, extra=(PICKED,))
        first, last = _FIRST_ROW, _FIRST_ROW + len(picks) - 1
        widths = self.table_columns(sheet, picks, PICK_COLUMNS, first, _PICK_WIDTHS, totalled="pick_qty")
        sheet.write_column(first, len(PICK_COLUMNS), [None] * len(picks), self.box)   # the box to tick
        widths.append(len(PICKED) + 2)
        self.sized(sheet, widths, PICK_COLUMNS.index("description"), LANDSCAPE_PIXELS)
        qty_col = PICK_COLUMNS.index("pick_qty")
        self.total_row(sheet, last + 1, qty_col - 1, {qty_col: picks["pick_qty"]}, first, last)
        # The signature boxes: labels under Shelf/Bin and the order columns, boxes beside them.
        order_col = PICK_COLUMNS.index("order_id")
        self.signature_box(sheet, last + 3, [("Picked by", "Date"), ("Checked by", "Date")],
                           (1, 2, order_col + 2, order_col + 3))
        sheet.freeze_panes(_FIRST_ROW, 0)
        sheet.autofilter(header, 0, last, len(PICK_COLUMNS) - 1)
        self.page_setup(sheet, landscape=True, header_row=header, footer_words=f"Pick list {location}")

    def manifest_sheet(self, carrier: str | None) -> None:
        manifest = self.dispatch.manifest(carrier)
        named = carrier if carrier is not None else "No carrier set"
        sheet = self.book.add_worksheet(_sheet_name(f"Manifest {carrier if carrier is not None else 'no carrier'}",
                                                    self.taken))
        units = manifest["units"]
        self.heading(sheet, f"Carrier manifest \u2014 {named}",
                     [("As of", self.as_of), ("Carrier", named if carrier is not None else
                                              "no carrier on these orders: choose one before they leave"),
                      ("Parcels", f"{len(manifest):,} {'order' if len(manifest) == 1 else 'orders'}, "
                                  f"{units_text(units.sum())}")])
        header = _FIRST_ROW - 1
        self.table_header(sheet, header, MANIFEST_COLUMNS, {"lines", "units"})
        first, last = _FIRST_ROW, _FIRST_ROW + len(manifest) - 1
        for col, name in enumerate(MANIFEST_COLUMNS):
            values = manifest[name]
            fmt = (self.quantity(values) if name == "units" else self.quantity(values, "count") if name == "lines"
                   else self.cell)
            sheet.write_column(first, col, _cells(values), fmt)
        widths = [min(max(_text_width(manifest["order_id"]), 6) + 1, 16),
                  min(max(_text_width(manifest["customer_id"]), 9) + 1, 18), 40, 8,
                  min(max(_format_width(units.sum(), number_format(units, "quantity")), 6) + 2, 14)]
        self.sized(sheet, widths, 2, PORTRAIT_PIXELS)
        self.total_row(sheet, last + 1, 2, {3: manifest["lines"], 4: units}, first, last)
        self.stacked_boxes(sheet, last + 3, ["Collected by", "Date and time", "Driver's signature"], (0, 1), (2, 4))
        sheet.freeze_panes(_FIRST_ROW, 0)
        self.page_setup(sheet, landscape=False, header_row=header, footer_words=f"Carrier manifest {named}")

    def slip_sheets(self) -> None:
        slips = self.dispatch.slips
        starts = _block_starts(slips["order_id"])
        for chunk, at in enumerate(range(0, len(starts), ORDERS_PER_SLIP_SHEET), start=1):
            begin = starts[at]
            end = starts[at + ORDERS_PER_SLIP_SHEET] if at + ORDERS_PER_SLIP_SHEET < len(starts) else len(slips)
            name = SLIPS_SHEET if chunk == 1 else f"{SLIPS_SHEET} {chunk}"
            self.slip_sheet(_sheet_name(name, self.taken), slips.iloc[begin:end].reset_index(drop=True))

    def slip_sheet(self, name: str, slips: pd.DataFrame) -> None:
        """One block per order, each starting a printed page (a horizontal page break before every block but the
        first): heading, the order's lines (packed and to follow), their totals and a note on what follows."""
        sheet = self.book.add_worksheet(name)
        columns = {name: _cells(slips[name]) for name in ("order_id", "customer_id", "ship_to", "carrier", *SLIP_COLUMNS)}
        packed_format = self.quantity(slips["pick_qty"], bold=True)
        follow_format = self.quantity(slips["to_follow_qty"])
        packed_total = self.quantity(slips["pick_qty"], total=True)
        follow_total = self.quantity(slips["to_follow_qty"], total=True)
        labels = {name: label_of(name, SLIP_LABELS, self.labels) for name in
                  ("order_id", "customer_id", "ship_to", "carrier", *SLIP_COLUMNS)}
        order_starts = _block_starts(slips["order_id"])
        order_ends = np.append(order_starts[1:], len(slips))
        follow = slips["to_follow_qty"].to_numpy(dtype=float)
        breaks, row = [], 0
        for begin, end in zip(order_starts.tolist(), order_ends.tolist()):
            if row:
                breaks.append(row)
            sheet.write_string(row, 0, "Packing slip", self.title)
            details = [(labels["order_id"], columns["order_id"][begin]),
                       (labels["customer_id"], columns["customer_id"][begin]),
                       (labels["ship_to"], columns["ship_to"][begin]),
                       (labels["carrier"], columns["carrier"][begin] or "No carrier set")]
            for offset, (words, value) in enumerate(details, start=1):
                sheet.write_string(row + offset, 0, words, self.label)
                if value is None:
                    continue
                if offset == 3:   # the address: it may be long, so it wraps over the width of the slip
                    sheet.merge_range(row + offset, 1, row + offset, 4, str(value), self.wrapped)
                else:
                    sheet.write_string(row + offset, 1, str(value), self.plain)
            sheet.write_string(row + 5, 0, "Date", self.label)
            sheet.write_datetime(row + 5, 1, self.as_of, self.date)
            header = row + 7
            for col, column in enumerate(SLIP_COLUMNS):
                sheet.write_string(header, col, labels[column],
                                   self.header_number if col in (0, 3, 4) else self.header)
            sheet.set_row(header, 30)
            first = header + 1
            for col, column in enumerate(SLIP_COLUMNS):
                fmt = packed_format if column == "pick_qty" else follow_format if column == "to_follow_qty" \
                    else self.cell
                sheet.write_column(first, col, columns[column][begin:end], fmt)
            last = first + (end - begin) - 1
            sheet.write_string(last + 1, 2, "Total", self.total_label)
            sheet.write_blank(last + 1, 0, None, self.total_blank)
            sheet.write_blank(last + 1, 1, None, self.total_blank)
            sheet.write_formula(last + 1, 3, f"=SUM(D{first + 1}:D{last + 1})", packed_total,
                                float(slips["pick_qty"].iloc[begin:end].sum()))
            sheet.write_formula(last + 1, 4, f"=SUM(E{first + 1}:E{last + 1})", follow_total,
                                float(follow[begin:end].sum()))
            row = last + 3
            to_follow = float(follow[begin:end].sum())
            if to_follow > 0:
                sheet.merge_range(row, 0, row, 4,
                                  f"{units_text(to_follow)} to follow will be sent separately.", self.warn)
                row += 2
            row += 1
        sheet.set_h_pagebreaks(breaks)
        qty_width = max(len(labels["to_follow_qty"]), len(labels["pick_qty"]) // 2 + 1, 10)
        # The first column holds the heading's labels (Order, Customer, Ship to, ...) and the line numbers.
        widths = [max(*(len(labels[name]) for name in ("order_id", "customer_id", "ship_to", "carrier")),
                      _longest_word(labels["line"]), 6) + 2, min(max(_text_width(slips["sku"]), 12) + 1, 20), 40,
                  qty_width, qty_width]
        self.sized(sheet, widths, 2, PORTRAIT_PIXELS)
        self.page_setup(sheet, landscape=False, header_row=None, footer_words="Packing slip")
        # A slip goes to the customer: no page count of the warehouse's print run on it.
        sheet.set_footer(f"&LPacking slip&R{self.as_of:%Y-%m-%d}", {"margin": 0.3})

    def held_sheet(self) -> None:
        held = self.dispatch.held.assign(held_by=self.dispatch.held["held_by"].replace(HELD_BY_WORDS))
        sheet = self.book.add_worksheet(_sheet_name(HELD_SHEET, self.taken))
        self.heading(sheet, "Held lines: not picked, and why",
                     [("As of", self.as_of), ("Lines", self.filters_in_words()),
                      ("Held", f"{len(held):,} {'line' if len(held) == 1 else 'lines'}")])
        header = _FIRST_ROW - 1
        if not len(held):
            sheet.write_string(header, 0, "No lines are held.", self.label)
            sheet.set_column(0, 0, 14)
            self.page_setup(sheet, landscape=True, header_row=None, footer_words="Held lines")
            return
        self.table_header(sheet, header, HELD_COLUMNS, {"open_qty", "allocated_qty", "line", "priority"})
        first, last = _FIRST_ROW, _FIRST_ROW + len(held) - 1
        widths = self.table_columns(sheet, held, HELD_COLUMNS, first, _HELD_WIDTHS)
        self.sized(sheet, widths, HELD_COLUMNS.index("description"), LANDSCAPE_PIXELS)
        sheet.freeze_panes(_FIRST_ROW, 0)
        sheet.autofilter(header, 0, last, len(HELD_COLUMNS) - 1)
        self.page_setup(sheet, landscape=True, header_row=header, footer_words="Held lines")


# (narrowest, widest) width in characters of the text columns; a longer value wraps within its cell.
_PICK_WIDTHS = {"shelf": (5, 10), "bin": (4, 10), "sku": (6, 16), "description": (18, 44), "order_id": (6, 14),
                "line": (5, 7), "customer_id": (6, 20), "carrier": (7, 16), "priority": (7, 9)}
_HELD_WIDTHS = {"order_id": (6, 14), "line": (4, 6), "customer_id": (6, 14), "sku": (6, 16),
                "description": (16, 32), "held_by": (7, 14), "reason": (20, 34), "priority": (7, 9)}


def _block_starts(order_ids: pd.Series) -> np.ndarray:
    """The positions where a new order starts in `order_ids` (sorted by order)."""
    return np.flatnonzero(order_ids.ne(order_ids.shift()).fillna(True).to_numpy(dtype=bool))


def _longest_word(text: str) -> int:
    """A header wraps between words: its column needs the longest word."""
    return max(len(word) for word in text.split()) if text.strip() else 0


def _format_width(value: float, excel_format: str | None) -> int:
    """How many characters `value` takes in `excel_format` (#,##0 or #,##0.00): what its column must hold so
    Excel shows the number, not ###."""
    if value is None or pd.isna(value):
        return 1
    return len(f"{value:,.2f}" if excel_format and excel_format.endswith(".00") else f"{value:,.0f}")
