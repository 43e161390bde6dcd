"""Build omxl/shipped/weekly_status.xlsx, the default weekly status workbook (contract 4.4, 5.1, 5.5;
docs/weekly-report.md, docs/templates.md), and omxl/shipped/weekly_status_by_unit.xlsx, the same with the By Unit
and Late Lines by Unit sheets after KPIs (the report by unit, contract 4.9).

    python3 scripts/weekly_status_template.py [PATH [--by-unit]]

The template is filled by ``omxl.render_template(template, context, out)`` with ``Report.context()``
(omxl/reporting/weekly.py), which gives:

- ``title``, ``headline`` (the week, the period, the as-of day and the run compared with), ``data_quality``
  (one sentence), ``iso_week``, ``as_of``, ``period_start``, ``period_end``;
- ``tiles``: the eight headline KPIs by id (otif_line_rate, unit_fill_rate, late_lines, at_risk_lines,
  backorder_lines, backorder_value, overdue_po_lines, data_errors), each with ``label``, ``value`` (in words, as
  every surface writes it), ``change`` ("▲ +2.1 pts, better", "first run", or why the value is blank) and
  ``target`` ("target 95.0%: on target", "no target set");
- ``notes``: one sentence per table or chart saying why it is empty ("" when it is not);
  ``causes_heading``: the Root causes chart's subject;
- DataFrames, one table marker each, their columns labelled by the presentation layer and every code in words:
  ``actions`` (the ten lines that most need action), ``kpi_table`` (every KPI: measure, value, previous, change,
  better when, target, on target, note; all in words), ``trend``, ``status_counts``, ``causes``,
  ``overdue_by_supplier`` (the figures behind the four charts) and one per detail sheet (DETAIL_SHEETS);
  ``billing_balances``, ``billing_ages`` and ``receivables_to_chase``, the three tables of the Billing sheet;
- a report by unit also: ``notes.by_unit`` (the units, and how their figures are made), the By Unit sheet's tables
  ``by_unit_service``, ``by_unit_orders``, ``by_unit_stock`` (a row per unit, a column per KPI, the numbers),
  ``by_unit_money`` (a row per unit and currency), ``by_unit_blank`` (each blank figure and why), and
  ``late_by_unit`` (the late lines, the unit first).

Print (contract 4.4: every sheet prints at 8 pt or larger): A4 landscape at a fixed scale, never fit-to-page,
with every font chosen so that font size × scale stays at 8.5 pt or more; long text columns wrap in a fixed
width (the engine gives each row the height its text needs); each detail table repeats its header row on every
page. The Summary is one page (its print area ends under the charts; the figures behind them lie outside it).
The tests build the template afresh and check the committed file matches.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))   # this checkout's omxl: the By Unit tables' columns are its data
from omxl.kpi_catalog import BY_NAME  # noqa: E402
from omxl.presentation.kpi_words import PERCENT, kpi_format  # noqa: E402
from omxl.reporting.units import BLANK_BLOCK, BLOCKS, MONEY_BLOCK  # noqa: E402

TEMPLATE = ROOT / "omxl" / "shipped" / "weekly_status.xlsx"
BY_UNIT_TEMPLATE = ROOT / "omxl" / "shipped" / "weekly_status_by_unit.xlsx"

SUMMARY_SCALE = 75     # Summary fonts are 11 pt or more: 8.25 pt printed
DETAIL_SCALE = 85      # detail fonts are 11 pt (headings 12): 9.35 pt printed
FOOTER = "&L{{ title }}&CPage &P of &N&R{{ iso_week }}"

# The Summary's columns are the action table's (order, line, customer, SKU, open qty, promised date, days late,
# action); the tiles span them four to a band: A:B, C, D:E, F:G, about 20 characters each, and the KPI trend
# chart stands beside the tiles over column H.
SUMMARY_WIDTHS = [17, 5, 20, 12, 9, 11, 8, 94]
TILE_SPANS = ((0, 1), (2, 2), (3, 4), (5, 6))
TILES = (("otif_line_rate", "unit_fill_rate", "late_lines", "at_risk_lines"),
         ("backorder_lines", "backorder_value", "overdue_po_lines", "data_errors"))
BAND_ROWS = (5, 10)            # first row (1-based) of each band of tiles: label, value, change, target
ACTION_HEADING_ROW = 15
ACTION_ROW = 16                # the actions table marker
CHART_NOTE_ROW = 18
CHART_ROW = 19
PRINT_END_ROW = 32
CHART_DATA_COLUMN = 7          # H: the figures behind the charts, below the print area
FIGURES_ROW = 35

# sheet, table name, title, column widths (150 characters at most: A4 landscape at 85 %) (the table's columns as Report.sheets lays them out), wrapped columns.
DETAIL_SHEETS = (
    ("KPIs", "kpi_table", "All KPIs", [16, 23, 23, 24, 15, 12, 10, 28], {1, 2, 3, 7}),
    ("Late & At Risk", "late_lines", "Late and at-risk lines",
     [11, 5, 16, 11, 8, 11, 11, 7, 14, 30, 28], {2, 8, 9, 10}),
    ("Changes", "changes", "Changes since the previous run", [24, 12, 6, 12, 20, 20, 20], set()),
    ("Root Causes", "root_causes", "Root causes of late and backordered lines", [10, 22, 8, 10, 14, 9, 11, 18],
     {1}),
    ("Open Orders", "open_orders", "Open orders", [12, 5, 24, 12, 9, 10, 11, 11, 20], {2}),
    ("Backorders", "backorders", "Backordered lines", [12, 5, 24, 12, 11, 11, 11, 12], {2}),
    ("Overdue POs", "overdue_pos", "Overdue purchase orders", [10, 20, 11, 11, 9, 10, 13, 9, 11, 9, 34],
     {1, 10}),
    ("Inventory", "inventory", "Inventory", [12, 30, 10, 10, 10, 10, 10, 10], {1}),
    ("Reorder", "reorder", "Reorder list", [12, 12, 11, 10, 10, 13, 9, 11, 10, 50], {9}),
    ("Demand Classes", "demand_classes", "SKUs by ABC class and demand class", [12, 11, 11, 13, 11, 12, 10],
     set()),
    ("Purchase Orders", "purchase_orders", "Purchase-order drafts", [12, 26, 9, 8, 10, 14, 12, 12], {1}),
    ("Supplier Reliability", "supplier_reliability", "Supplier reliability",
     [10, 30, 9, 8, 9, 10, 10, 12, 44], {1, 8}),
    ("Carriers", "carriers", "Carrier performance", [20, 11, 10, 10, 12, 10], set()),
    ("Improvements", "improvements", "Suggested improvements", [5, 13, 16, 44, 45, 9, 11, 7], {1, 2, 3, 4}),
    ("Returns", "returns", "Returns", [12, 12, 12, 10, 12, 14, 14, 12], set()),
    ("Data Issues", "issues", "Data issues", [10, 22, 16, 16, 8, 18, 56], {5, 6}),
)
# The Billing sheet (before Data Issues): three tables, one under the other, sharing the columns: the customer's
# name, six figures, the note or action (wrapped). Each block: heading row, then its table marker.
BILLING_SHEET = "Billing"
BILLING_BEFORE = "Data Issues"
BILLING_WIDTHS = [22, 13, 13, 13, 13, 13, 13, 45]
BILLING_BLOCKS = (("Balances per currency", "billing_balances", 3),
                  ("Open receivables by age (days past due)", "billing_ages", 7),
                  ("Receivables to chase", "receivables_to_chase", 11))
# The report by unit: after KPIs, the By Unit sheet (the units' KPIs in tables one under the other, a row per unit,
# under a chart of late and at-risk lines per unit) and the late lines of every unit.
BY_UNIT_SHEET = "By Unit"
BY_UNIT_BEFORE = "Late & At Risk"
BY_UNIT_WIDTHS = [16] + [13] * 9       # the unit, then a KPI each: 133 characters, one page wide at 85 %
BY_UNIT_CHART_ROW = 4                  # the chart over rows 4-12
BY_UNIT_FIRST_BLOCK = 14               # each block: heading row, its table marker, its data row, a spacer
LATE_BY_UNIT = ("Late Lines by Unit", "late_by_unit", "Late lines by unit",
                [11, 14, 5, 16, 13, 8, 11, 7, 13, 26, 26], {3, 8, 9, 10})
GOOD = {"bg_color": "#C6EFCE", "font_color": "#006100"}
BAD = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}


def _letter(col: int) -> str:
    return xlsxwriter.utility.xl_col_to_name(col)


def _print_setup(sheet, scale: int, header_row: int | None) -> None:
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.set_margins(left=0.4, right=0.4, top=0.45, bottom=0.55)
    sheet.set_print_scale(scale)  # never fit-to-page: it would shrink a wide table below 8 pt
    if header_row:  # the table's header on every printed page
        sheet.repeat_rows(header_row - 1)
    sheet.set_footer(FOOTER)


def build(path: Path = TEMPLATE, by_unit: bool = False) -> Path:
    """The weekly template at `path`; `by_unit`: with the By Unit and Late Lines by Unit sheets after KPIs."""
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2026, 11, 27), "title": "Weekly status"})
    fmt = book.add_format
    title = fmt({"bold": True, "font_size": 16})
    subtitle = fmt({"italic": True, "font_color": "#404040"})
    note = fmt({"italic": True, "font_color": "#595959"})
    heading = fmt({"bold": True, "font_size": 12})
    header = fmt({"bold": True, "bg_color": "#DDEBF7", "bottom": 2, "text_wrap": True, "valign": "top"})
    grid = {"border": 1, "border_color": "#BFBFBF", "valign": "top"}
    cell = fmt(grid)
    wrapped = fmt({**grid, "text_wrap": True})
    right = fmt({**grid, "align": "right"})
    right_wrapped = fmt({**grid, "align": "right", "text_wrap": True})
    day = fmt({**grid, "num_format": "yyyy-mm-dd"})
    count = fmt({**grid, "num_format": "#,##0"})
    rate = fmt({**grid, "num_format": "0.0%"})
    money = fmt({**grid, "num_format": "#,##0.00"})
    quantity = fmt({**grid, "num_format": "#,##0.##"})
    box = {"left": 1, "right": 1, "left_color": "#8EA9DB", "right_color": "#8EA9DB", "align": "center",
           "valign": "vcenter", "bg_color": "#F2F6FC", "text_wrap": True}
    tile_label = fmt({**box, "top": 1, "top_color": "#8EA9DB", "bold": True, "font_color": "#1F3864"})
    tile_value = fmt({**box, "bold": True, "font_size": 14})
    tile_change = fmt(box)
    tile_target = fmt({**box, "bottom": 1, "bottom_color": "#8EA9DB", "font_color": "#404040"})

    summary = book.add_worksheet("Summary")
    for col, width in enumerate(SUMMARY_WIDTHS):
        summary.set_column(col, col, width)
    summary.set_column(CHART_DATA_COLUMN + 1, CHART_DATA_COLUMN + 8, 13)
    summary.write("A1", "{{ title }}", title)
    summary.write("A2", "{{ headline }}", subtitle)
    summary.write("A3", "{{ data_quality }}")
    for spacer in (4, 9, 14):
        summary.set_row(spacer - 1, 6)

    # Tiles: label, value, change, target; the change green when it moved the better way, red the other way; the
    # target green on target, red off it. Conditional formats on the words, so a user restyles them in Excel.
    for band, first in zip(TILES, BAND_ROWS):
        summary.set_row(first, 36)
        for kpi, (left, last) in zip(band, TILE_SPANS):
            for offset, (part, style) in enumerate((("label", tile_label), ("value", tile_value),
                                                    ("change", tile_change), ("target", tile_target))):
                row = first - 1 + offset
                text = "{{ tiles.%s.%s }}" % (kpi, part)
                if left == last:
                    summary.write(row, left, text, style)
                else:
                    summary.merge_range(row, left, row, last, text, style)
            change = f"{_letter(left)}{first + 2}"
            target = f"{_letter(left)}{first + 3}"
            summary.conditional_format(change, {"type": "formula", "criteria": f'=RIGHT({change},6)="better"',
                                                "format": fmt({"font_color": GOOD["font_color"], "bold": True})})
            summary.conditional_format(change, {"type": "formula", "criteria": f'=RIGHT({change},5)="worse"',
                                                "format": fmt({"font_color": BAD["font_color"], "bold": True})})
            summary.conditional_format(target, {"type": "formula", "criteria": f'=RIGHT({target},10)="off target"',
                                                "format": fmt(BAD)})
            summary.conditional_format(target, {"type": "formula", "criteria": f'=RIGHT({target},9)="on target"',
                                                "format": fmt(GOOD)})

    summary.write(ACTION_HEADING_ROW - 1, 0, "Lines that most need action", heading)
    summary.write(ACTION_HEADING_ROW - 1, 3, "{{ notes.actions }}", note)
    _table(summary, ACTION_ROW, "actions", header, [cell, cell, cell, cell, quantity, day, count, wrapped])
    summary.write(CHART_NOTE_ROW - 1, 0, "{{ notes.charts }}", note)
    summary.print_area(0, 0, PRINT_END_ROW - 1, len(SUMMARY_WIDTHS) - 1)

    # The figures behind the charts: beside and below the print area, read on screen, not printed.
    summary.write(FIGURES_ROW - 1, CHART_DATA_COLUMN, "Figures behind the charts", heading)
    blocks = (("KPI trend", "trend", [day, rate, rate, count]),
              ("Open lines by status", "status_counts", [cell, count]),
              ("{{ causes_heading }}", "causes", [cell, cell, count, quantity, money, rate, rate, cell]),
              ("Overdue POs by supplier", "overdue_by_supplier", [cell, count, quantity]))
    rows = {}
    row = FIGURES_ROW + 2
    for text, marker, formats in blocks:
        summary.write(row - 2, CHART_DATA_COLUMN, text, heading)
        _table(summary, row, marker, header, formats, col=CHART_DATA_COLUMN)
        rows[marker] = row + 1
        row += 4

    _charts(book, summary, rows)
    _print_setup(summary, SUMMARY_SCALE, None)

    styles = {"fmt": fmt, "heading": heading, "note": note, "header": header, "grid": grid, "cell": cell,
              "wrapped": wrapped, "right": right, "right_wrapped": right_wrapped, "money": money}
    for name, marker, heading_text, widths, wraps in DETAIL_SHEETS:
        if by_unit and name == BY_UNIT_BEFORE:
            _by_unit(book, styles)
            _detail(book, styles, *LATE_BY_UNIT)
        if name == BILLING_BEFORE:
            decimal_days = fmt({**grid, "num_format": "#,##0.0", "align": "right"})
            _billing(book, heading, note, header,
                     {"billing_balances": [cell, money, money, money, money, decimal_days, money, wrapped],
                      "billing_ages": [cell, money, money, money, money, money, money],
                      "receivables_to_chase": [wrapped, cell, cell, day, count, money, cell, wrapped]})
        _detail(book, styles, name, marker, heading_text, widths, wraps)
    book.close()
    return path


def _detail(book, styles: dict, name: str, marker: str, heading_text: str, widths: list, wraps: set) -> None:
    """A detail sheet: its title with the week, the note of an empty table, the table with its header row frozen,
    filtered and repeated on every printed page."""
    fmt, cell, wrapped = styles["fmt"], styles["cell"], styles["wrapped"]
    sheet = book.add_worksheet(name)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.write("A1", f"{heading_text}, week {{{{ iso_week }}}} (as of {{{{ as_of | date }}}})", styles["heading"])
    sheet.write("A2", "{{ notes.%s }}" % marker, styles["note"])
    formats = [wrapped if col in wraps else cell for col in range(len(widths))]
    if marker == "kpi_table":
        right, right_wrapped = styles["right"], styles["right_wrapped"]
        formats = [cell, right_wrapped, right_wrapped, right_wrapped, cell, right, cell, wrapped]
    _table(sheet, 3, marker, styles["header"], formats)
    last = _letter(len(widths) - 1)
    if marker == "late_lines":  # days late (column H) above 0: a late row; the others are at risk (contract 5.5)
        sheet.conditional_format(f"A4:{last}4", {"type": "formula", "criteria": "=$H4>0",
                                                 "format": fmt({"bg_color": "#F4B183"})})
        sheet.conditional_format(f"A4:{last}4", {"type": "formula", "criteria": "=$H4<=0",
                                                 "format": fmt({"bg_color": "#DDEBF7"})})
    if marker == "kpi_table":  # the same words as on the tiles
        sheet.conditional_format("D4", {"type": "formula", "criteria": '=RIGHT(D4,6)="better"',
                                        "format": fmt({"font_color": GOOD["font_color"], "bold": True})})
        sheet.conditional_format("D4", {"type": "formula", "criteria": '=RIGHT(D4,5)="worse"',
                                        "format": fmt({"font_color": BAD["font_color"], "bold": True})})
        sheet.conditional_format("G4", {"type": "cell", "criteria": "==", "value": '"off target"',
                                        "format": fmt(BAD)})
        sheet.conditional_format("G4", {"type": "cell", "criteria": "==", "value": '"on target"',
                                        "format": fmt(GOOD)})
    sheet.freeze_panes(3, 0)
    sheet.autofilter(2, 0, 3, len(widths) - 1)
    _print_setup(sheet, DETAIL_SCALE, 3)


def _by_unit(book, styles: dict) -> None:
    """The By Unit sheet: the title and the units; a chart of late and at-risk lines per unit (what a manager
    compares units by first: the work already late or about to be, where help is needed this week); then the
    units' KPIs, a table per group of BLOCKS, the money table and the blank figures, one under the other, each
    pushing the ones below it down. No frozen header or filter, since the tables move; one page wide at 85 %."""
    fmt, grid, cell = styles["fmt"], styles["grid"], styles["cell"]
    sheet = book.add_worksheet(BY_UNIT_SHEET)
    for col, width in enumerate(BY_UNIT_WIDTHS):
        sheet.set_column(col, col, width)
    sheet.write("A1", "KPIs by unit, week {{ iso_week }} (as of {{ as_of | date }})", styles["heading"])
    note = fmt({"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"})
    sheet.merge_range(1, 0, 1, len(BY_UNIT_WIDTHS) - 1, "{{ notes.by_unit }}", note)
    sheet.set_row(1, 30)   # two lines: the units' names, then how their figures are made

    def kpi_cell(kpi: str):
        unit = BY_NAME[kpi].unit
        if unit == "fraction":
            return fmt({**grid, "num_format": PERCENT})
        if unit == "days":
            return fmt({**grid, "num_format": kpi_format(None, "days")})
        if unit == "money":
            return styles["money"]
        return cell   # a count: General, so the table takes #,##0 (or 2 decimals for part units) from its values

    row = BY_UNIT_FIRST_BLOCK
    service = row + 2   # the first block's data row: the chart's figures
    for marker, text, kpis in (*BLOCKS, (MONEY_BLOCK[0], MONEY_BLOCK[1], ("currency", *MONEY_BLOCK[2]))):
        if marker == MONEY_BLOCK[0]:   # page 1: the chart and the counts and rates (up to 5 units); page 2: money
            sheet.set_h_pagebreaks([row - 1])
        sheet.write(row - 1, 0, text, styles["heading"])
        _table(sheet, row + 1, marker, styles["header"],
               [cell] + [cell if kpi == "currency" else kpi_cell(kpi) for kpi in kpis])
        row += 4
    sheet.write(row - 1, 0, f"{BLANK_BLOCK[1]} (not known, or nothing to count)", styles["heading"])
    sheet.write(row - 1, 4, "{{ notes.%s }}" % BLANK_BLOCK[0], styles["note"])
    # The reason is not wrapped: it runs on over the empty columns to its right.
    _table(sheet, row + 1, BLANK_BLOCK[0], styles["header"], [cell, fmt({"valign": "top"})])

    chart = book.add_chart({"type": "bar", "subtype": "stacked"})
    font = {"size": 11}
    ref = lambda col: f"='{BY_UNIT_SHEET}'!${_letter(col)}${service}:${_letter(col)}${service}"  # noqa: E731
    for col, name, colour, label in ((1, "Late lines", "#C00000", "#FFFFFF"),
                                     (2, "At-risk lines", "#FFC000", "#000000")):
        chart.add_series({"name": name, "categories": ref(0), "values": ref(col), "fill": {"color": colour},
                          "data_labels": {"value": True, "font": {**font, "color": label}}, "gap": 60})
    chart.set_title({"name": "Late and at-risk lines by unit", "name_font": {"size": 12, "bold": True}})
    chart.set_x_axis({"num_font": font})
    chart.set_y_axis({"num_font": font, "reverse": True})
    chart.set_legend({"position": "right", "font": font})
    chart.set_size({"width": 720, "height": 178})
    chart.set_chartarea({"border": {"color": "#BFBFBF"}})
    sheet.insert_chart(f"A{BY_UNIT_CHART_ROW}", chart, {"x_offset": 2, "y_offset": 2})
    _print_setup(sheet, DETAIL_SCALE, None)


def _billing(book, heading, note, header, formats: dict[str, list]) -> None:
    """The Billing sheet: balances per currency, open receivables by age, receivables to chase (docs/billing.md).
    The chase list is the only long table and comes last: its header row repeats on every printed page (the
    print titles move down with it as the tables above grow)."""
    sheet = book.add_worksheet(BILLING_SHEET)
    for col, width in enumerate(BILLING_WIDTHS):
        sheet.set_column(col, col, width)
    sheet.write("A1", "Billing, week {{ iso_week }} (as of {{ as_of | date }})", heading)
    sheet.write("A2", "{{ notes.billing }}", note)
    for text, marker, row in BILLING_BLOCKS:
        sheet.write(row - 1, 0, text, heading)
        sheet.write(row - 1, 3, "{{ notes.%s }}" % marker, note)
        _table(sheet, row + 1, marker, header, formats[marker])
    _print_setup(sheet, DETAIL_SCALE, BILLING_BLOCKS[-1][2] + 1)


def _table(sheet, row: int, marker: str, header, formats: list, col: int = 0) -> None:
    """A marker at `row` (1-based) and its styled data row; the marker cell's format heads every column."""
    sheet.write(row - 1, col, "{{ %s | table }}" % marker, header)
    for i in range(1, len(formats)):
        sheet.write_blank(row - 1, col + i, None, header)
    for i, cell_format in enumerate(formats):
        sheet.write_blank(row, col + i, None, cell_format)


def _charts(book, summary, rows: dict[str, int]) -> None:
    """The four charts of the headline page over the figures below it; every text 11 pt (8.25 pt printed)."""
    font = {"size": 11}

    def ref(offset: int, marker: str) -> str:
        col = _letter(CHART_DATA_COLUMN + offset)
        return f"=Summary!${col}${rows[marker]}:${col}${rows[marker]}"

    def finish(chart, name: str, width: int, height: int) -> None:
        chart.set_title({"name": name, "name_font": {"size": 12, "bold": True}})
        chart.set_size({"width": width, "height": height})
        chart.set_chartarea({"border": {"color": "#BFBFBF"}})

    trend = book.add_chart({"type": "line"})
    for offset, name in ((1, "OTIF line rate"), (2, "Unit fill rate")):
        trend.add_series({"name": name, "categories": ref(0, "trend"), "values": ref(offset, "trend"),
                          "marker": {"type": "circle"}})
    late = book.add_chart({"type": "line"})
    late.add_series({"name": "Late lines", "categories": ref(0, "trend"), "values": ref(3, "trend"),
                     "y2_axis": True, "line": {"dash_type": "dash"}, "marker": {"type": "square"}})
    trend.combine(late)
    trend.set_y_axis({"num_format": "0%", "min": 0, "max": 1, "num_font": font})
    late.set_y2_axis({"num_font": font})
    trend.set_x_axis({"text_axis": True, "num_format": "yyyy-mm-dd", "num_font": font})  # one point per run
    trend.set_legend({"position": "bottom", "font": font})
    finish(trend, "KPI trend", 560, 232)
    summary.insert_chart(f"H{BAND_ROWS[0] - 1}", trend, {"x_offset": 6, "y_offset": 2})

    status = book.add_chart({"type": "bar"})
    status.add_series({"name": "Lines", "categories": ref(0, "status_counts"), "values": ref(1, "status_counts"),
                       "data_labels": {"value": True, "font": font}, "fill": {"color": "#4472C4"}})
    status.set_x_axis({"num_font": font})
    status.set_y_axis({"num_font": font, "reverse": True})
    status.set_legend({"none": True})
    finish(status, "Open lines by status", 415, 210)

    pareto = book.add_chart({"type": "column"})
    pareto.add_series({"name": "Units", "categories": ref(1, "causes"), "values": ref(3, "causes"),
                       "fill": {"color": "#ED7D31"}})
    cumulative = book.add_chart({"type": "line"})
    cumulative.add_series({"name": "Cumulative share", "categories": ref(1, "causes"), "values": ref(6, "causes"),
                           "y2_axis": True, "marker": {"type": "circle"}})
    pareto.combine(cumulative)
    pareto.set_x_axis({"num_font": font})
    pareto.set_y_axis({"num_font": font})
    cumulative.set_y2_axis({"num_format": "0%", "min": 0, "max": 1, "num_font": font})
    pareto.set_legend({"position": "bottom", "font": font})
    finish(pareto, "Root causes", 415, 210)

    overdue = book.add_chart({"type": "bar"})
    overdue.add_series({"name": "Units open", "categories": ref(0, "overdue_by_supplier"),
                        "values": ref(2, "overdue_by_supplier"), "data_labels": {"value": True, "font": font},
                        "fill": {"color": "#C00000"}})
    overdue.set_x_axis({"num_font": font})
    overdue.set_y_axis({"num_font": font, "reverse": True})
    overdue.set_legend({"none": True})
    finish(overdue, "Overdue POs by supplier", 415, 210)

    for i, chart in enumerate((status, pareto, overdue)):
        summary.insert_chart(f"A{CHART_ROW}", chart, {"x_offset": 2 + 425 * i, "y_offset": 2})


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(build(Path(sys.argv[1]), by_unit="--by-unit" in sys.argv[2:]))
    else:
        print(build(TEMPLATE))
        print(build(BY_UNIT_TEMPLATE, by_unit=True))
