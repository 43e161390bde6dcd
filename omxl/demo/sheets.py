"""The sample workbook's sheet layouts, and writing the sheets to .xlsx with XlsxWriter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from ..io.save.write import xlsx_workbook

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

# Per sheet: (header as written, cell kind, column width). The headers are aliases in model.py.
SHEET_COLUMNS: dict[str, tuple[tuple[str, str, int], ...]] = {
    "Orders": (("Order #", "id", 11), ("Line", "int", 6), ("Order Date", "date", 12), ("Customer", "id", 11),
               ("Item Code", "id", 12), ("Qty", "qty", 8), ("Unit Price", "money", 11),
               ("Promised Date", "date", 14), ("Status", "text", 11), ("Priority", "int", 8),
               ("Sales Rep", "text", 12), ("Notes", "text", 28)),
    "Inventory": (("SKU", "id", 12), ("Description", "text", 38), ("On Hand", "qty", 10), ("Location", "text", 10),
                  ("Unit Cost", "money", 10), ("Supplier", "id", 10), ("Lead Time (days)", "int", 10),
                  ("On Order", "qty", 10), ("Reorder Point", "qty", 10), ("Reorder Qty", "qty", 10),
                  ("Min Qty", "qty", 9), ("Max Qty", "qty", 9), ("Safety Stock", "qty", 10), ("MOQ", "qty", 8),
                  ("Pack Size", "int", 9), ("Discontinued", "text", 12)),
    "Suppliers": (("Supplier ID", "id", 11), ("Supplier Name", "text", 32), ("Email", "text", 36),
                  ("Phone", "text", 18), ("Lead Time Days", "int", 10), ("Lead Time SD", "num", 10),
                  ("Min Order Value", "money", 12), ("Ordering Cost", "money", 11), ("Currency", "text", 9)),
    "Customers": (("Customer ID", "id", 11), ("Customer Name", "text", 34), ("Email", "text", 36),
                  ("Priority", "int", 8), ("E-mail", "text", 36)),
    "Shipments": (("Shipment #", "id", 12), ("Order #", "id", 11), ("Line", "int", 6), ("Item Code", "id", 12),
                  ("Qty Shipped", "qty", 11), ("Ship Date", "date", 12), ("Carrier", "text", 9),
                  ("Tracking #", "id", 20), ("Delivered Date", "date", 14)),
    "Purchase Orders": (("PO Number", "id", 11), ("Supplier", "id", 10), ("SKU", "id", 12), ("Qty Ordered", "qty", 11),
                        ("PO Date", "date", 12), ("Expected Date", "date", 13), ("Received Qty", "qty", 12),
                        ("Status", "text", 18)),
    "Returns": (("RMA #", "id", 10), ("Order #", "id", 11), ("Line", "int", 6), ("SKU", "id", 12), ("Qty", "qty", 7),
                ("Received Date", "date", 13), ("Reason", "text", 22), ("Condition", "text", 11),
                ("Resolution", "text", 11), ("Status", "text", 11)),
}
# Orders has a title block above its header, as ERP exports do; the other sheets start at row 1.
HEADER_ROW = {sheet: 4 if sheet == "Orders" else 1 for sheet in SHEET_COLUMNS}  # Excel row of each header
EXCEL_ROWS = 1_048_576  # rows on a worksheet

CELL_FORMATS = {"id": {"num_format": "@"}, "text": {}, "int": {"num_format": "0"}, "qty": {"num_format": "#,##0"},
                "num": {"num_format": "0.0"}, "money": {"num_format": "#,##0.00"},
                "date": {"num_format": "yyyy-mm-dd"}}


@dataclass(frozen=True)
class Formula:
    """A formula cell with its cached result (the `=NA()` unit price), as it appears in demo_tables."""

    formula: str
    value: str


def write_workbook(path: str, sheets: dict[str, pd.DataFrame], as_of: dt.date) -> None:
    """Write `sheets` (in SHEET_COLUMNS order, as demo_tables returns them) to the .xlsx file at `path`."""
    book = xlsx_workbook(path)
    # XlsxWriter stamps the creation time into docProps; a fixed one keeps the file byte-identical.
    book.set_properties({"title": "omxl sample workbook", "author": "omxl demo",
                         "created": dt.datetime.combine(pd.Timestamp(as_of).date(), dt.time())})
    formats = {kind: book.add_format(spec) for kind, spec in CELL_FORMATS.items()}
    header_format = book.add_format({"bold": True, "bottom": 1, "bg_color": "#DDEBF7", "text_wrap": True})
    for name, frame in sheets.items():
        sheet = book.add_worksheet(name)
        columns, header_index = SHEET_COLUMNS[name], HEADER_ROW[name] - 1
        last_row, last_col = header_index + max(len(frame), 1), len(columns) - 1
        if name == "Orders":
            sheet.write_string(0, 0, "Open order book", book.add_format({"bold": True, "font_size": 14}))
            sheet.write_string(1, 0, f"Exported {pd.Timestamp(as_of):%Y-%m-%d} from ERP")
        if name == "Inventory":
            sheet.add_table(header_index, 0, last_row, last_col,
                            {"name": "Stock", "style": "Table Style Medium 2",
                             "columns": [{"header": header} for header, _, _ in columns]})
        else:
            for col, (header, _, _) in enumerate(columns):
                sheet.write_string(header_index, col, header, header_format)
            sheet.autofilter(header_index, 0, last_row, last_col)
        for col, (header, kind, width) in enumerate(columns):
            sheet.set_column(col, col, width)
            _write_column(sheet, header_index + 1, col, frame[header].tolist(), formats[kind], formats["date"])
        sheet.freeze_panes(header_index + 1, 0)
    book.close()


def _write_column(sheet: Worksheet, first_row: int, col: int, values: list, cell_format: Format,
                  date_format: Format) -> None:
    # Explicit writers per type: a customer named "=Cmd Retail Ltd" must never become a formula.
    for row, value in enumerate(values, first_row):
        if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
            continue
        if isinstance(value, str):
            sheet.write_string(row, col, value, cell_format)
        elif isinstance(value, dt.date):
            sheet.write_datetime(row, col, value, date_format)
        elif isinstance(value, Formula):
            sheet.write_formula(row, col, value.formula, cell_format, value.value)
        else:
            sheet.write_number(row, col, value, cell_format)
