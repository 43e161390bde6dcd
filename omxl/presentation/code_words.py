"""Codes in words: what a person reads where omxl's data holds a code (contract 5.5, issue "the weekly workbook a
manager reads").

The codes stay in the data (`rec.lines.status`, `report.kpis.kpi`, JSON and CSV): programs filter on them and
they never change. Where a person reads (the weekly workbook, its print, the write-back sheets of the weekly
report), each code column is shown through the vocabulary below. Vocabularies are data: a code missing from one
(a status word a user's own sheet carries through) is shown as it is.
"""

from __future__ import annotations

import pandas as pd

from ..model import TABLES

STATUS: dict[str, str] = {
    "backordered": "Backordered",
    "partially_allocated": "Partially allocated",
    "on_hold": "On hold",
    "open": "Open",
    "partially_shipped": "Partially shipped",
    "ready": "Ready to ship",
    "closed": "Closed",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
}

CHANGE: dict[str, str] = {
    "newly_late": "Became late",
    "no_longer_late": "No longer late",
    "projected_date_moved": "Projected date moved",
    "new_backorder": "New backorder",
    "newly_reordered": "New on the reorder list",
}

BETTER: dict[str, str] = {"up": "Higher is better", "down": "Lower is better", "neither": "Neither"}

SEVERITY: dict[str, str] = {"error": "Error", "warning": "Warning", "info": "Note"}

DIMENSION: dict[str, str] = {"supplier": "Supplier", "carrier": "Carrier", "sku": "SKU", "customer": "Customer"}

URGENCY: dict[str, str] = {"critical": "Critical", "high": "High", "normal": "Normal"}

# The kinds of suggested improvement (omxl/reporting/improvements.py RULES).
IMPROVEMENT: dict[str, str] = {"supplier-lead-time": "Supplier lead time", "service-level": "Service level",
                               "carrier-transit": "Carrier transit", "entry-errors": "Entry errors"}

def table_words(name: str) -> str:
    """A table of the workbook format (contract 2.3) as a person names it: "purchase_orders" -> "Purchase orders"."""
    return name.replace("_", " ").capitalize()


TABLE: dict[str, str] = {table.name: table_words(table.name) for table in TABLES}

# column name -> its vocabulary, on every sheet; SHEET_COLUMNS where a name means another code on one sheet.
COLUMNS: dict[str, dict[str, str]] = {
    "status": STATUS,
    "severity": SEVERITY,
    "dimension": DIMENSION,
    "urgency": URGENCY,
    "better": BETTER,
    "table": TABLE,
}
SHEET_COLUMNS: dict[tuple[str, str], dict[str, str]] = {
    ("Changes", "change"): CHANGE,
    ("Changes", "old"): STATUS,
    ("Changes", "new"): STATUS,
    ("Returns", "status"): {},
    ("Improvements", "kind"): IMPROVEMENT,   # a return's status is the user's own word, not an order-line status
}


def vocabulary(name: str, sheet: str | None = None) -> dict[str, str] | None:
    """The words of column `name` on `sheet`, or None when the column holds no code."""
    if sheet is not None and (sheet, name) in SHEET_COLUMNS:
        return SHEET_COLUMNS[(sheet, name)] or None
    return COLUMNS.get(name)


def code_words(values: pd.Series, words: dict[str, str]) -> pd.Series:
    """`values` with each code in words; a value the vocabulary does not know, and a blank, stay as they are."""
    shown = values.astype(object)
    mapped = shown.map(words)
    return mapped.where(mapped.notna(), shown).astype("string[python]")


def in_words(frame: pd.DataFrame, sheet: str | None = None) -> pd.DataFrame:
    """`frame` (columns with omxl's names) with every code column in words, for a sheet a person reads."""
    columns = {name: vocabulary(str(name), sheet) for name in frame.columns}
    changed = {name: code_words(frame[name], words) for name, words in columns.items()
               if words and not pd.api.types.is_numeric_dtype(frame[name])}
    return frame.assign(**changed) if changed else frame
