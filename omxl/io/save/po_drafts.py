"""One purchase-order draft workbook per supplier and currency: header, lines, totals.

Written with XlsxWriter through the safe factory (text never becomes a formula) and
atomic_save. Line values and totals are formulas with their values cached, so the
draft stays right when the buyer edits a quantity, and opens with numbers everywhere.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pandas as pd

from ...money import UNKNOWN
from ...presentation.columns import KINDS, kind_of, label_of
from ...presentation.sheets import number_format
from ..safety import output_path
from .atomic import atomic_save, ensure_folder, verify_xlsx
from .write import xlsx_workbook


# The plan's columns on a draft's line table, in order; headers and number formats come from the presentation
# layer (docs/presentation.md), so a draft reads like every other sheet omxl writes, in the team's own words
# when omxl.toml renames a column (`labels`).
LINE_COLUMNS = ("sku", "description", "order_qty", "unit_cost", "order_value", "expected_arrival", "explanation")
FIRST_LINE_ROW = 12  # 0-based row of the first line; the header row is just above


def write_po_drafts(plan, folder: str | os.PathLike) -> list[Path]:
    """Every draft of `plan` (an omxl ReorderPlan) into `folder`, named "PO draft <supplier> <name>.xlsx", plus
    " <currency>" when the supplier has drafts in several currencies (docs/currency.md).
    The folder is created when it does not exist yet; its parent must exist (OutputError otherwise)."""
    target = ensure_folder(folder)
    written = []
    drafts = plan.purchase_orders
    several = split_currencies(drafts)
    for draft, split in zip(drafts.to_dict(orient="records"), several):
        path = output_path(target, draft_name(draft, split), ".xlsx")
        labels = plan.position.config.labels if getattr(plan, "position", None) is not None else None
        write_po_draft(path, draft, plan.po_lines(draft["supplier_id"], draft["currency"], draft.get("unit")),
                       plan.as_of, labels=labels)
        written.append(path)
    return written


def split_currencies(drafts: pd.DataFrame) -> pd.Series:
    """Drafts of a supplier (of one unit, in a book of several) that has drafts in several currencies."""
    return drafts[[c for c in ("unit", "supplier_id") if c in drafts]].duplicated(keep=False)


def draft_name(draft: dict, split: bool) -> str:
    """"PO draft <supplier> <name>", plus " <currency>" when the supplier has drafts in several currencies
    (`split`): the file name of a draft on disk and as an e-mail attachment (omxl/messaging). A draft of one unit
    of a book of several starts with the unit: "PO draft north SUP-1 Nordic Parts"."""
    unit = draft.get("unit")
    name = "PO draft " + (f"{unit} " if isinstance(unit, str) else "") + f"{draft['supplier_id']}" + (f" {draft['supplier_name']}" if pd.notna(draft['supplier_name'])
                                                  else "")
    if split:
        name += f" {draft['currency']}" if pd.notna(draft['currency']) else " no currency"
    return name


def po_draft_bytes(draft: dict, lines: pd.DataFrame, as_of: pd.Timestamp, *,
                   labels: "dict[str, str] | None" = None) -> bytes:
    """The draft workbook as bytes (an e-mail attachment), written and checked as every draft file is."""
    with tempfile.TemporaryDirectory(prefix="omxl-draft-") as folder:
        path = write_po_draft(Path(folder) / "draft.xlsx", draft, lines, as_of, labels=labels)
        return path.read_bytes()


def write_po_draft(path: Path, draft: dict, lines: pd.DataFrame, as_of: pd.Timestamp, *,
                   labels: "dict[str, str] | None" = None) -> Path:
    with atomic_save(path, verify=verify_xlsx) as temp:
        book = xlsx_workbook(temp)
        book.set_properties({"title": f"Purchase order draft {draft['supplier_id']}", "author": "omxl",
                             "created": dt.datetime.combine(as_of.date(), dt.time())})
        _write(book, draft, lines, as_of, labels)
        book.close()
    return path


def _write(book, draft: dict, lines: pd.DataFrame, as_of: pd.Timestamp, labels: "dict[str, str] | None") -> None:
    title = book.add_format({"bold": True, "font_size": 14})
    label = book.add_format({"bold": True})
    date = book.add_format({"num_format": KINDS["date"].excel, "align": "left"})
    header = book.add_format({"bold": True, "bg_color": "#D9E1F2", "bottom": 1})
    # Quantities whole (the usual case after pack rounding) show as "5", fractional ones with 2 decimals;
    # never '#,##0.##', which Excel shows as "5." for five.
    qty_format = number_format(lines["order_qty"], kind_of("order_qty"))
    money_format = KINDS[kind_of("order_value")].excel
    money = book.add_format({"num_format": money_format})
    qty = book.add_format({"num_format": qty_format})
    total = book.add_format({"bold": True, "top": 1, "num_format": money_format})
    total_qty = book.add_format({"bold": True, "top": 1, "num_format": qty_format})
    warn = book.add_format({"bold": True, "font_color": "#9C0006"})
    sheet = book.add_worksheet("PO draft")
    sheet.write_string(0, 0, "Purchase order draft", title)
    details = [("Supplier", draft["supplier_id"]), ("Name", draft.get("supplier_name")),
               ("E-mail", draft.get("email")), ("Currency", draft.get("currency") if pd.notna(draft.get("currency")) else UNKNOWN),
               ("Drafted", as_of), ("Order by", draft.get("order_by")), ("Expected by", draft.get("expected_arrival"))]
    if pd.notna(draft.get("base_value")) and pd.notna(draft.get("fx_rate")) and draft["fx_rate"] != 1:
        # Converted at the configured rate, which is shown: the buyer pays in the supplier's currency.
        details.append(("Converted", f"{draft['base_value']:,.2f} in the base currency at {draft['currency']} "
                                     f"{draft['fx_rate']:g}"))
    for row, (name, value) in enumerate(details, start=2):
        sheet.write_string(row, 0, name, label)
        if isinstance(value, (pd.Timestamp, dt.date)) and pd.notna(value):
            sheet.write_datetime(row, 1, pd.Timestamp(value).to_pydatetime(), date)
        elif value is not None and pd.notna(value):
            sheet.write_string(row, 1, str(value))
    sheet.write_row(FIRST_LINE_ROW - 1, 0, [label_of(name, labels=labels) for name in LINE_COLUMNS], header)
    for offset, line in enumerate(lines.itertuples(index=False)):
        row = FIRST_LINE_ROW + offset
        excel_row = row + 1
        sheet.write_string(row, 0, str(line.sku))
        sheet.write_string(row, 1, "" if pd.isna(line.description) else str(line.description))
        sheet.write_number(row, 2, float(line.order_qty), qty)
        if pd.notna(line.unit_cost):
            sheet.write_number(row, 3, float(line.unit_cost), money)
            sheet.write_formula(row, 4, f"=C{excel_row}*D{excel_row}", money, float(line.order_value))
        if pd.notna(line.expected_arrival):
            sheet.write_datetime(row, 5, pd.Timestamp(line.expected_arrival).to_pydatetime(), date)
        sheet.write_string(row, 6, str(line.explanation))
    last = FIRST_LINE_ROW + len(lines)
    sheet.write_string(last, 0, "Total", label)
    first_excel, last_excel = FIRST_LINE_ROW + 1, max(last, FIRST_LINE_ROW + 1)
    sheet.write_formula(last, 2, f"=SUM(C{first_excel}:C{last_excel})", total_qty, float(lines["order_qty"].sum()))
    # The cached total is that of the lines with a cost; lines without one are counted below, never taken as 0.
    sheet.write_formula(last, 4, f"=SUM(E{first_excel}:E{last_excel})", total, float(lines["order_value"].sum()))
    unpriced = int(lines["order_value"].isna().sum())
    if unpriced:
        sheet.write_string(last, 5, f"{unpriced} {'line has' if unpriced == 1 else 'lines have'} no unit cost: "
                                    f"not in the total", warn)
    if draft.get("below_min_order_value"):
        sheet.write_string(last + 2, 0, f"Below the supplier's minimum order value of "
                                        f"{draft['min_order_value']:,.2f}: add lines or wait for the next order.",
                           warn)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, 5, 14)
    sheet.set_column(6, 6, 80)
    sheet.freeze_panes(FIRST_LINE_ROW, 0)
