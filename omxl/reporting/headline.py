"""The headline page of the weekly workbook in words (contract 4.4): the eight KPI tiles, the full KPI table, the
line under the title, and the sentence each empty table or chart shows instead of nothing.

Every figure is worded by the one KPI wording (presentation/kpi_words.py), every code by presentation/code_words.py;
the numbers and codes stay in `report.kpis`.
"""

from __future__ import annotations

import pandas as pd

from ..presentation.billing_sheet import NO_INVOICES, NOTHING_TO_CHASE
from ..presentation.code_words import BETTER, DIMENSION
from ..presentation.kpi_words import ON_TARGET, blank, kpi_words, reason_words
from .kpis import BY_NAME

# The tiles, in the order the page shows them (two bands of four).
TILE_KPIS = ("otif_line_rate", "unit_fill_rate", "late_lines", "at_risk_lines",
             "backorder_lines", "backorder_value", "overdue_po_lines", "data_errors")
FIRST_RUN = "first run"
NO_RUN_HISTORY = "no run history kept"
UP, DOWN = "\u25b2", "\u25bc"   # ▲ ▼


def change_words(row, better: str, no_previous: str) -> str:
    """A KPI row's change: '▲ +2.1 pts, better', '▼ -3, worse', 'no change', `no_previous` ('first run', 'no run
    history kept') when the report has no previous run, '' when not known."""
    if blank(row.value):
        return ""
    if blank(row.change):
        return no_previous
    signed = kpi_words(row.change, row.unit, row.currency, signed=True)
    if "+" not in signed and "-" not in signed:   # a change that rounds to nothing reads without a sign
        return "no change"
    rising = float(row.change) > 0
    words = f"{UP if rising else DOWN} {signed}"
    if better in ("up", "down"):
        words += ", better" if rising == (better == "up") else ", worse"
    return words


def tile_target_words(row) -> str:
    """'target 95.0%: on target' / ': off target' / ': not judged'; '' without a target."""
    if blank(row.target):
        return ""
    verdict = "not judged" if blank(row.on_target) else ON_TARGET[bool(row.on_target)]
    return f"target {kpi_words(row.target, row.unit, row.currency)}: {verdict}"


def previous_words(has_history: bool, previous_as_of: pd.Timestamp | None) -> str:
    """What a change reads when there is none: '' with a previous run (the KPI had no value then)."""
    if previous_as_of is not None:
        return ""
    return FIRST_RUN if has_history else NO_RUN_HISTORY


def tiles(kpis: pd.DataFrame, *, no_previous: str) -> dict[str, dict[str, str]]:
    """kpi -> label, value, change, target, as the headline page's tiles show them (a blank value's tile says
    why, without what holds for the whole run: its change reads "first run" already)."""
    out: dict[str, dict[str, str]] = {}
    for kpi in TILE_KPIS:
        rows = kpis[kpis["kpi"] == kpi]   # every KPI has a row (compute_kpis), a money KPI one per currency
        definition = BY_NAME[kpi]
        label = definition.label
        known = rows[rows["value"].notna()]
        if known.empty:
            reason = reason_words(rows["reason"].iloc[0], per_row=True)
            out[kpi] = {"label": label, "value": "", "change": reason or "not known", "target": ""}
            continue
        first = next(known.itertuples(index=False))
        value = kpi_words(first.value, first.unit, first.currency)
        if len(known) > 1:
            others = len(known) - 1
            value += f"\n(+{others} more {'currency' if others == 1 else 'currencies'}: KPIs sheet)"
            change, target = "by currency on the KPIs sheet", ""
        else:
            change = change_words(first, definition.better, no_previous)
            target = tile_target_words(first) or "no target set"
        out[kpi] = {"label": label, "value": value, "change": change, "target": target}
    return out


def kpi_table(kpis: pd.DataFrame, *, no_previous: str) -> pd.DataFrame:
    """Every KPI row in words: label, value, previous, change, better, target, on_target, reason."""
    better = kpis["kpi"].map(lambda name: BY_NAME[name].better)
    records = []
    for row, direction in zip(kpis.itertuples(index=False), better):
        verdict = "" if blank(row.on_target) else ON_TARGET[bool(row.on_target)]
        records.append((str(row.label), kpi_words(row.value, row.unit, row.currency),
                        kpi_words(row.previous, row.unit, row.currency), change_words(row, direction, no_previous),
                        BETTER.get(direction, ""), "" if blank(row.target) else kpi_words(row.target, row.unit,
                                                                                           row.currency),
                        verdict, reason_words(row.reason, per_row=True)))
    columns = ["label", "value", "previous", "change", "better", "target", "on_target", "reason"]
    table = pd.DataFrame(records, columns=columns).astype("string[python]")
    return table.mask(table == "")   # blank cells, not empty text


def unit_kpi_table(by_unit: pd.DataFrame) -> pd.DataFrame:
    """report.by_unit in words, as kpi_table words report.kpis: unit, label, value, target, on_target, reason
    (a report by unit has no previous values per unit)."""
    records = []
    for row in by_unit.itertuples(index=False):
        unit = BY_NAME[row.kpi].unit
        records.append((str(row.unit), str(row.label), kpi_words(row.value, unit, row.currency),
                        "" if blank(row.target) else kpi_words(row.target, unit, row.currency),
                        "" if blank(row.on_target) else ON_TARGET[bool(row.on_target)],
                        reason_words(row.reason, per_row=True)))
    columns = ["unit", "label", "value", "target", "on_target", "reason"]
    table = pd.DataFrame(records, columns=columns).astype("string[python]")
    return table.mask(table == "")


def headline(iso_week: str, start: pd.Timestamp, end: pd.Timestamp, as_of: pd.Timestamp,
             previous_as_of: pd.Timestamp | None, has_history: bool = True) -> str:
    """The line under the title: the week, its days, the as-of day and the run the changes compare with."""
    line = f"Week {iso_week}: {start:%Y-%m-%d} to {end:%Y-%m-%d} (as of {as_of:%Y-%m-%d})"
    if previous_as_of is None and not has_history:
        return line + "; no run history kept, so no changes to show"
    if previous_as_of is None:
        return line + "; first run, so no changes to show yet"
    return line + f"; changes against the run of {pd.Timestamp(previous_as_of):%Y-%m-%d}"


def causes_heading(causes: pd.DataFrame, dimension: str) -> str:
    """The Root causes chart's subject; never 'the largest 0'."""
    if causes.empty:
        return "Root causes: no late or backordered lines"
    return (f"Root causes: late and backordered lines by {DIMENSION.get(dimension, dimension).lower()} "
            f"(the largest {len(causes)}; every dimension on the Root Causes sheet)")


# What an empty table or chart says instead of nothing, by table name; NOT_IN_BOOK where the book lacks the table
# the sheet is made from (blank is then "not known", never "none").
EMPTY: dict[str, str] = {
    "actions": "No line needs action: nothing is late, at risk or backordered.",
    "late_lines": "No line is late or at risk.",
    "late_by_unit": "No line is late in any unit.",
    "by_unit_blank": "Every figure of every unit is known.",
    "root_causes": "No late or backordered lines, so no root causes.",
    "open_orders": "No open order lines.",
    "backorders": "No backordered lines.",
    "overdue_pos": "No purchase-order line is overdue.",
    "inventory": "The inventory table has no usable rows.",
    "purchase_orders": "No purchase-order drafts: nothing to reorder.",
    "supplier_reliability": "No supplier: neither a suppliers table nor a purchase order names one.",
    "carriers": "No shipments in the period.",
    "returns": "No returns received in the period.",
    "issues": "No data issues found.",
    "status_counts": "Open lines by status: no open lines.",
    "causes": "Root causes: no late or backordered lines.",
    "overdue_by_supplier": "Overdue POs by supplier: no purchase-order line is overdue.",
    "billing_balances": "No invoice is dated on or before the as-of day.",
    "billing_ages": "No invoice is dated on or before the as-of day.",
    "receivables_to_chase": NOTHING_TO_CHASE,
}

NO_ORDERS = "The book has no orders table (a purchasing book): order lines are not known."
# Per table: the book tables it is made from, each with what its sheet says when the book lacks it; the first
# missing one speaks.
NOT_IN_BOOK: dict[str, tuple[tuple[str, str], ...]] = {
    "actions": (("orders", NO_ORDERS),),
    "late_lines": (("orders", NO_ORDERS),),
    "late_by_unit": (("orders", NO_ORDERS),),
    "root_causes": (("orders", NO_ORDERS),),
    "open_orders": (("orders", NO_ORDERS),),
    "backorders": (("orders", NO_ORDERS), ("inventory", "Stock is not judged: the book has no inventory table.")),
    "inventory": (("inventory", "The book has no inventory table."),),
    "reorder": (("inventory", "Nothing to plan: the book has no inventory table."),),
    "purchase_orders": (("inventory", "Nothing to plan: the book has no inventory table."),),
    "overdue_pos": (("purchase_orders", "The book has no purchase orders table."),),
    "overdue_by_supplier": (("purchase_orders", "Overdue POs by supplier: the book has no purchase orders table."),),
    "returns": (("returns", "The book has no returns table."),),
    "status_counts": (("orders", "Open lines by status: no orders table in the book."),),
    "causes": (("orders", "Root causes: no orders table in the book."),),
    "billing_balances": (("invoices", NO_INVOICES),),
    "billing_ages": (("invoices", NO_INVOICES),),
    "receivables_to_chase": (("invoices", NO_INVOICES),),
}
CHARTS = ("status_counts", "causes", "overdue_by_supplier")
CHANGES_EMPTY = {FIRST_RUN: "First run: there is no earlier run to compare with, so no change is listed.",
                 NO_RUN_HISTORY: "No run history is kept (the history setting or --history), so changes cannot be "
                                 "listed."}


def empty_notes(tables: dict[str, pd.DataFrame], book_tables: set[str], *, no_previous: str,
                previous_as_of: pd.Timestamp | None, plan_summary: str) -> dict[str, str]:
    """table name -> the sentence its sheet shows under the title when it is empty ("" when it is not), and
    'charts': one line for the headline page's empty charts."""
    notes: dict[str, str] = {}
    for name, frame in tables.items():
        if not frame.empty:
            notes[name] = ""
            continue
        missing = [said for table, said in NOT_IN_BOOK.get(name, ()) if table not in book_tables]
        if missing:
            notes[name] = missing[0]
        elif name == "changes":
            notes[name] = (CHANGES_EMPTY[no_previous] if no_previous else
                           f"Nothing changed since the run of {pd.Timestamp(previous_as_of):%Y-%m-%d}.")
        elif name == "reorder":
            notes[name] = plan_summary
        else:
            notes[name] = EMPTY.get(name, "Nothing to show.")
    notes["charts"] = " ".join(notes.get(name, "") for name in CHARTS if notes.get(name)).strip()
    return notes
