"""Build omxl/shipped/late_lines.xlsx, the example report template (docs/templates.md).

    python3 scripts/late_lines_template.py [PATH]

It is what a person would make in Excel: a Summary sheet of single values, a Late sheet with a table marker,
a total under it, a chart, a conditional format, a data validation, a filter, a print area, a defined name,
a merged note below the table and a logo. The tests build it afresh and check the committed file matches.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import sys
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "omxl" / "shipped" / "late_lines.xlsx"
# A 2x2 red PNG: the "logo" an author would paste.
LOGO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==")
COLUMNS = 7  # order_id, customer_name, sku, open_qty, promised_date, days_late, open_value


def build(path: Path = TEMPLATE) -> Path:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2026, 11, 27), "title": "Late lines"})
    title = book.add_format({"bold": True, "font_size": 14})
    label = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 2})
    cell = book.add_format({"border": 1, "border_color": "#BFBFBF"})
    total = book.add_format({"bold": True, "top": 1})
    red = book.add_format({"bg_color": "#F4B183"})

    summary = book.add_worksheet("Summary")
    summary.set_column("A:A", 22)
    summary.set_column("B:B", 16)
    summary.write("A1", "Late lines, week of {{ as_of | date }}", title)
    summary.write("A2", "Prepared for {{ company }}")
    summary.write("A4", "OTIF line rate", label)
    summary.write("B4", "{{ kpis.otif_line_rate | percent }}")
    summary.write("A5", "Open value", label)
    summary.write("B5", "{{ kpis.open_value | money }}")
    summary.write("A6", "Late lines", label)
    summary.write("B6", "{{ late_lines | length }}")
    summary.write("A7", "As of", label)
    summary.write("B7", "{{ as_of }}")
    summary.write("A8", "Worst customer", label)
    summary.write("B8", "{{ kpis.worst_customer }}")
    summary.insert_image("D1", "logo.png", {"image_data": io.BytesIO(LOGO), "x_scale": 20, "y_scale": 20})
    summary.set_header("&L{{ company }}&RLate lines {{ as_of | date }}")
    summary.set_footer("&CPage &P of &N")

    late = book.add_worksheet("Late")
    late.set_column("A:A", 12)
    late.set_column("B:B", 24)
    late.set_column("C:G", 14)
    late.merge_range("A1:G1", "Late lines as of {{ as_of | date('%d %B %Y') }}", title)
    late.write("A3", "{{ late_lines | table }}", header)
    for col in range(1, COLUMNS):
        late.write_blank(2, col, None, header)
    for col in range(COLUMNS):
        late.write_blank(3, col, None, cell)
    late.write("A6", "Total", total)
    late.write_formula("D6", "=SUM(D4:D4)", total)
    late.write_formula("G6", "=SUM(G4:G4)", total)
    late.merge_range("A8:G8", "Lines are late when the promised date has passed ({{ late_lines | length }} lines).")
    late.conditional_format("F4:F4", {"type": "cell", "criteria": ">", "value": 10, "format": red})
    late.data_validation("F4:F4", {"validate": "integer", "criteria": ">=", "value": 0})
    late.autofilter("A3:G4")
    late.print_area("A1:G8")
    late.set_footer("&L{{ company }}&RPage &P")
    book.define_name("LateValue", "=Late!$G$4:$G$4")

    chart = book.add_chart({"type": "bar"})
    chart.add_series({"name": "Open value", "categories": "=Late!$A$4:$A$4", "values": "=Late!$G$4:$G$4"})
    chart.set_title({"name": "Open value of late lines"})
    late.insert_chart("I3", chart)
    book.close()
    return path


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE))
