"""Build omxl/shipped/weekly_status.xlsx, the default weekly status workbook (contract 4.4, 5.1; docs/templates.md).

    python3 scripts/weekly_status_template.py [PATH]

The template is filled by ``omxl.render_template(template, context, out)``. The context it expects:

- ``title`` (text), ``as_of``, ``period_start``, ``period_end`` (dates), ``iso_week`` (text, "2026-W48"),
  ``data_quality`` (one sentence);
- DataFrames, one table marker each (every frame's columns become the table's columns, labelled by the
  presentation layer; the template's widths, formats, filters and chart references are laid out for the
  columns listed):
  ``kpis``: kpi, label, value, previous, change, unit, currency, better (up / down / neither: which way is good;
  the change cell is green when it moves that way, red when it moves the other way);
  ``trend``: as_of, otif_line_rate, unit_fill_rate, late_lines (one row per past run, oldest first);
  ``status_counts``: status, lines (open lines per status);
  ``causes``: dimension, key, lines, units, value, share, cumulative_share, currency: the largest keys of one
  dimension, charted as a Pareto; ``causes_by`` (text) names that dimension;
  ``root_causes``: the same columns, every dimension and key (the Root Causes sheet);
  ``late_lines``, ``changes`` (change, order_id, line, sku, old, new, status), ``open_orders``, ``backorders``,
  ``inventory``, ``reorder``, ``purchase_orders``, ``carriers`` (carrier, shipments, units, on_time_rate,
  avg_transit_days, in_transit), ``returns``, ``issues``: one sheet each, any columns.

Summary holds the title, the period, the data-quality line, the KPI table and below it the chart data (trend,
lines by status, root causes), each a table marker stacked one under the other, then three native charts
(KPI trend, lines by status, root-cause Pareto: bars of units and the cumulative share on a secondary axis)
anchored below the tables, so they move down as the tables grow. The tests build it afresh and check the
committed file matches.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "omxl" / "shipped" / "weekly_status.xlsx"

# Summary rows (1-based as Excel shows them): marker row, data row below it.
KPI_ROW, TREND_ROW, STATUS_ROW, CAUSES_ROW = 5, 9, 13, 17
CHART_ROW = 20

# sheet, table name, title, column widths (the table's columns as laid out).
DETAIL_SHEETS = (
    ("Late & At Risk", "late_lines", "Late and at-risk lines", [12, 6, 12, 24, 12, 10, 12, 12, 9, 16, 44]),
    ("Changes", "changes", "Changes since the previous run", [22, 12, 6, 12, 16, 16, 18]),
    ("Root Causes", "root_causes", "Root causes of late and backordered lines", [10, 16, 8, 10, 12, 10, 12, 9]),
    ("Open Orders", "open_orders", "Open orders", [12, 6, 12, 24, 12, 10, 10, 12, 12, 18]),
    ("Backorders", "backorders", "Backordered lines", [12, 6, 12, 24, 12, 12, 12, 12, 12]),
    ("Inventory", "inventory", "Inventory", [12, 28, 10, 10, 10, 10, 10, 10]),
    ("Reorder", "reorder", "Reorder list", [12, 12, 12, 12, 10, 12, 9, 12, 10, 60]),
    ("Purchase Orders", "purchase_orders", "Purchase-order drafts", [12, 26, 9, 8, 10, 12, 12, 12]),
    ("Carriers", "carriers", "Carrier performance", [18, 11, 10, 10, 12, 10]),
    ("Returns", "returns", "Returns", [12, 12, 12, 10, 12, 14, 14, 12]),
    ("Data Issues", "issues", "Data issues", [10, 24, 12, 14, 8, 16, 80]),
)
FOOTER = "&L{{ title }}&CPage &P of &N&R{{ iso_week }}"


def _letter(col: int) -> str:
    return xlsxwriter.utility.xl_col_to_name(col)


def _print_setup(sheet, header_row: int | None) -> None:
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # one page wide, as many tall as it takes
    if header_row:  # the table's header on every printed page
        sheet.repeat_rows(header_row - 1)
    sheet.set_footer(FOOTER)


def build(path: Path = TEMPLATE) -> Path:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2026, 11, 27), "title": "Weekly status"})
    title = book.add_format({"bold": True, "font_size": 16})
    subtitle = book.add_format({"italic": True, "font_color": "#595959"})
    heading = book.add_format({"bold": True, "font_size": 12})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 2, "text_wrap": True,
                              "valign": "top"})
    cell = book.add_format({"border": 1, "border_color": "#BFBFBF"})
    number = book.add_format({"border": 1, "border_color": "#BFBFBF", "num_format": "#,##0.###"})
    rate = book.add_format({"border": 1, "border_color": "#BFBFBF", "num_format": "0.0%"})
    day = book.add_format({"border": 1, "border_color": "#BFBFBF", "num_format": "yyyy-mm-dd"})
    count = book.add_format({"border": 1, "border_color": "#BFBFBF", "num_format": "#,##0"})
    money = book.add_format({"border": 1, "border_color": "#BFBFBF", "num_format": "#,##0.00"})
    good_colours = {"bg_color": "#C6EFCE", "font_color": "#006100"}
    bad_colours = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}

    summary = book.add_worksheet("Summary")
    summary.set_column("A:A", 16)
    summary.set_column("B:B", 30)
    summary.set_column("C:F", 13)
    summary.set_column("G:G", 17)
    summary.set_column("H:H", 13)
    summary.write("A1", "{{ title }}", title)
    summary.write("A2", "Week {{ iso_week }}: {{ period_start | date }} to {{ period_end | date }}"
                        " (as of {{ as_of | date }})", subtitle)
    summary.write("A3", "{{ data_quality }}")

    def table(sheet, row: int, marker: str, formats: list) -> None:
        """A marker at `row` (1-based) and its styled data row; the marker cell's format heads every column."""
        sheet.write(row - 1, 0, "{{ %s | table }}" % marker, header)
        for col in range(1, len(formats)):
            sheet.write_blank(row - 1, col, None, header)
        for col, fmt in enumerate(formats):
            sheet.write_blank(row, col, None, fmt)

    # KPI table: kpi, label, value, previous, change, unit, currency, better.
    table(summary, KPI_ROW, "kpis", [cell, cell, number, number, number, cell, cell, cell])
    data = KPI_ROW + 1
    # Value, previous and change read in the KPI's unit (KPIS in omxl/reporting/kpis.py): fractions as percent,
    # money with two decimals, days with one; counts keep the data row's #,##0.###. The change cell is green
    # when it moves the better way, red when it moves the other way. LibreOffice applies only the first rule
    # that holds (Excel applies them all), so each colour comes with each unit's format in one rule.
    # Relative rows: each KPI row tests its own unit and direction (the engine stretches row 6 to the rows).
    units = (("fraction", "0.0%"), ("money", "#,##0.00"), ("days", "#,##0.0"))
    for unit, num_format in units:
        summary.conditional_format(f"C{data}:D{data}", {"type": "formula", "criteria": f'=$F{data}="{unit}"',
                                                        "format": book.add_format({"num_format": num_format})})
    ways = {"good": (f'OR(AND($H{data}="up",$E{data}>0),AND($H{data}="down",$E{data}<0))', good_colours),
            "bad": (f'OR(AND($H{data}="up",$E{data}<0),AND($H{data}="down",$E{data}>0))', bad_colours)}
    for condition, colours in ways.values():
        for unit, num_format in units:
            summary.conditional_format(f"E{data}:E{data}", {
                "type": "formula", "criteria": f'=AND({condition},$F{data}="{unit}")',
                "format": book.add_format({**colours, "num_format": num_format})})
        summary.conditional_format(f"E{data}:E{data}", {"type": "formula", "criteria": f"={condition}",
                                                        "format": book.add_format(colours)})
    for unit, num_format in units:
        summary.conditional_format(f"E{data}:E{data}", {"type": "formula", "criteria": f'=$F{data}="{unit}"',
                                                        "format": book.add_format({"num_format": num_format})})
    summary.write(TREND_ROW - 2, 0, "KPI trend", heading)
    table(summary, TREND_ROW, "trend", [day, rate, rate, count])
    summary.write(STATUS_ROW - 2, 0, "Open lines by status", heading)
    table(summary, STATUS_ROW, "status_counts", [cell, count])
    summary.write(CAUSES_ROW - 2, 0, "Root causes of late and backordered lines by {{ causes_by }} (the largest "
                                     "{{ causes | length }}; every dimension on the Root Causes sheet)", heading)
    table(summary, CAUSES_ROW, "causes", [cell, cell, count, count, money, rate, rate, cell])
    _print_setup(summary, None)  # several tables: no one header to repeat

    def ref(col: int, row: int) -> str:
        return f"=Summary!${_letter(col)}${row}:${_letter(col)}${row}"

    t, s, c = TREND_ROW + 1, STATUS_ROW + 1, CAUSES_ROW + 1
    trend = book.add_chart({"type": "line"})
    trend.add_series({"name": "OTIF line rate", "categories": ref(0, t), "values": ref(1, t), "marker": {"type": "circle"}})
    trend.add_series({"name": "Unit fill rate", "categories": ref(0, t), "values": ref(2, t), "marker": {"type": "circle"}})
    late = book.add_chart({"type": "line"})
    late.add_series({"name": "Late lines", "categories": ref(0, t), "values": ref(3, t), "y2_axis": True,
                     "line": {"dash_type": "dash"}, "marker": {"type": "square"}})
    trend.combine(late)
    trend.set_title({"name": "KPI trend"})
    trend.set_y_axis({"num_format": "0%", "min": 0, "max": 1})
    trend.set_y2_axis({"name": "Late lines"})
    trend.set_x_axis({"text_axis": True, "num_format": "yyyy-mm-dd"})  # one point per run, no calendar gaps
    trend.set_legend({"position": "bottom"})
    trend.set_size({"width": 520, "height": 300})
    summary.insert_chart(f"A{CHART_ROW}", trend)

    status = book.add_chart({"type": "column"})
    status.add_series({"name": "Lines", "categories": ref(0, s), "values": ref(1, s), "data_labels": {"value": True}})
    status.set_title({"name": "Open lines by status"})
    status.set_legend({"none": True})
    status.set_size({"width": 440, "height": 300})
    summary.insert_chart(f"E{CHART_ROW}", status, {"x_offset": 10})

    pareto = book.add_chart({"type": "column"})
    pareto.add_series({"name": "Units", "categories": ref(1, c), "values": ref(3, c)})
    cumulative = book.add_chart({"type": "line"})
    cumulative.add_series({"name": "Cumulative share", "categories": ref(1, c), "values": ref(6, c),
                           "y2_axis": True, "marker": {"type": "circle"}})
    pareto.combine(cumulative)
    pareto.set_title({"name": "Root causes (Pareto)"})
    pareto.set_y_axis({"name": "Units"})
    cumulative.set_y2_axis({"num_format": "0%", "min": 0, "max": 1})
    pareto.set_legend({"position": "bottom"})
    pareto.set_size({"width": 970, "height": 320})
    summary.insert_chart(f"A{CHART_ROW + 16}", pareto)

    for name, marker, heading_text, widths in DETAIL_SHEETS:
        sheet = book.add_worksheet(name)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        sheet.write("A1", f"{heading_text}, week {{{{ iso_week }}}} (as of {{{{ as_of | date }}}})", heading)
        table(sheet, 3, marker, [cell] * len(widths))
        if marker == "late_lines":  # days late (column I) above 0: a late row; the others are at risk (contract 5.5)
            last = _letter(len(widths) - 1)
            sheet.conditional_format(f"A4:{last}4", {"type": "formula", "criteria": "=$I4>0",
                                                     "format": book.add_format({"bg_color": "#F4B183"})})
            sheet.conditional_format(f"A4:{last}4", {"type": "formula", "criteria": "=$I4<=0",
                                                     "format": book.add_format({"bg_color": "#DDEBF7"})})
        sheet.freeze_panes(3, 0)
        sheet.autofilter(2, 0, 3, len(widths) - 1)
        _print_setup(sheet, 3)
    book.close()
    return path


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE))
