"""The Summary sheet every report workbook starts with (contract 5.5, docs/presentation.md).

One page, top to bottom: the title and run date; what was read (rows per table, rows left out and why);
the headline figures of the run (money per currency, never one sum across currencies); the workbook's
sheets, each a link with one sentence; the legend of the row fills. The figures are computed here from the
result's own frames with the same definitions as its sheets, so they equal the run's.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..findings import CATALOG
from ..io.xlsx.freesheet import Cell, FreeSheet
from ..model import TABLE_NAMES
from ..money import currency_column, net_price, totals
from ..steps import REGISTRY, figures_frame
from .code_words import table_words
from .columns import KINDS
from .kpi_words import kpi_format, kpi_words, reason_words, target_words
from .sheets import FILLS


SUMMARY = "Summary"

# What each sheet omxl writes holds, in one sentence (the Summary's "Sheets" section).
SHEET_TEXTS: dict[str, str] = {
    "Order Status": "Open order lines: late first (most days late on top), then at risk, then backordered.",
    "Closed Lines": "Lines shipped, delivered, closed or cancelled; shipped-late lines filled as late.",
    "Orders": "One row per order: its worst line status, quantities and value.",
    "Exceptions": "Mismatches between orders, shipments, stock, POs and returns, each citing its cell.",
    "Inventory": "Per SKU: on hand, allocated, backlog, on order, available; short items filled.",
    "Returns": "One row per RMA line: refund, restock and replacement.",
    "Reorder List": "SKUs to order: how much, from whom, by when, and the numbers behind it.",
    "PO Drafts": "One purchase-order draft per supplier and currency; drafts under the minimum filled.",
    "Supplier Reliability": "Per supplier: POs received on or after their expected date, the median slip, and "
                            "the days its open POs' dates are moved by (docs/learning.md).",
    "Issues": "Every issue found, with a link to its cell in the source workbook.",
    "KPIs": "The week's KPIs with the previous run's value and the change (docs/kpis.md).",
    "Root Causes": "Late and backordered lines by supplier, carrier, SKU and customer, largest first.",
    "Late & At Risk": "Open lines late (most days late first) or at risk of shipping after their promise.",
    "Changes": "What changed since the previous run: newly late, no longer late, moved dates, new backorders.",
    "Open Orders": "Every open order line, late first, then at risk, then backordered.",
    "Backorders": "Open lines stock does not cover, with the purchase order that will.",
    "Overdue POs": "Open purchase-order lines past their expected date, longest overdue first, with the customer "
                   "lines waiting on them.",
    "Reorder": "SKUs to order: how much, from whom, by when, and why.",
    "Demand Classes": "How many SKUs fall in each ABC class (by value) and demand class (smooth, erratic, "
                      "intermittent, lumpy) (docs/reorder-planning.md).",
    "Purchase Orders": "One purchase-order draft per supplier and currency.",
    "Carriers": "Shipments of the week per carrier: on-time rate and average transit.",
    "Data Issues": "Every data finding; rows with errors are left out of every figure.",
    "Improvements": "What to change so that less is late: each suggestion with its numbers, most units first "
                    "(docs/learning.md).",
    "Backtest": "Per variant and metric: what the replay gives beside what the book shows happened, a chart per "
                "metric (docs/backtest.md).",
    "Backtest SKUs": "Per variant and SKU: units demanded, served on their day, stockout days, average on hand "
                     "and orders placed in the replay.",
    "Billing": "Balances per currency, DSO, open receivables by age, and the invoices to chase.",
    "Receivables": "One row per invoice: invoiced, paid, open, due date, days overdue and age.",
    "Billing Lines": "Per order line: shipped, invoiced, paid and open, per currency.",
}

# Column widths in characters: labels / tables, two number columns (the first fits a date and time), and two
# text columns whose long text wraps. About 145 characters: one landscape page wide at full size.
WIDTHS = (22.0, 17.0, 14.0, 44.0, 50.0)

COUNT = KINDS["count"].excel
MONEY = KINDS["money"].excel
DATE = KINDS["date"].excel
DATETIME = KINDS["datetime"].excel


def summary_sheet(step: str, *, as_of: pd.Timestamp, book: object, left_out: pd.DataFrame, issues: pd.DataFrame,
                  figures: pd.DataFrame, sheets: Iterable[str], clean: bool = True, sentence: str = "",
                  made: dt.datetime | None = None) -> FreeSheet:
    """The Summary of a run of the step `step` (its title and legend come from the registry): what was read
    from `book` (clean: a Position's book, without the rows `left_out`), the headline `figures` (a
    Result.figures frame) after `sentence`, the workbook's other `sheets` in order, the legend."""
    definition = REGISTRY[step]
    rows_read = _rows_read(book, left_out, clean=clean)
    return _page(definition.title, definition.legend, as_of, book.sources, rows_read, issues, figures, list(sheets),
                 made, sentence)


def with_summary(result: object, sheets: Mapping[str, object], *, sentence: str = "") -> dict[str, object]:
    """`sheets` with the Summary of `result` (a Result whose `position` is the one it started from, and whose
    `step` names its registry entry) in front: what result_sheets() returns."""
    position = result.position
    summary = summary_sheet(result.step, as_of=position.as_of, book=position.book, left_out=position.left_out,
                            issues=position.issues, figures=result.figures, sheets=list(sheets), sentence=sentence)
    return {SUMMARY: summary, **sheets}


# --- figures ------------------------------------------------------------------------------------------------
# A figure row: (label, value, number format, unit or currency, note). Money rows carry their currency.

Figure = tuple[str, object, "str | None", str, str]


NO_ORDERS_NOTE = "no orders table: a purchasing book, order lines not known"


def reconcile_figures(rec: object) -> pd.DataFrame:
    """Open, late, at-risk and backordered lines, open orders, open value per currency, exceptions by severity
    (contract 4.2; the same definitions as the Order Status and Orders sheets)."""
    lines, orders = rec.lines, rec.orders
    open_lines = rec.is_open()
    backordered = lines["backordered_qty"].fillna(0).to_numpy(dtype=float)
    figures: list[Figure] = [
        ("Open lines", int(open_lines.sum()), COUNT, "", "on the Order Status sheet"),
        ("Late lines", int(lines["late"].sum()), COUNT, "", "open, and the promised date has passed"),
        ("At-risk lines", int(lines["at_risk"].sum()), COUNT, "",
         "not late yet, but projected to ship after the promised date"),
        ("Backordered lines", int((backordered > 0).sum()), COUNT, "", "stock does not cover them"),
        ("Backordered qty", float(backordered.sum()), _quantity_format(backordered), "units", ""),
        ("Open orders", int((orders["open_qty"].fillna(0) > 0).sum()), COUNT, "", "orders with a line still open"),
    ]
    held = rec.rule_holds
    if len(held):
        # Only when a company rule holds lines (docs/company-rules.md): which rules, on the Order Status sheet.
        figures.append(("Held by company rules", len(held), COUNT, "",
                        "on hold by " + ", ".join(dict.fromkeys(held["rule"].astype(str)))))
    figures += _money_rows("Open value", *open_values(lines, rec.position), missing="without a price")
    if not rec.orders_known:
        # A purchasing book (contract 2.3): the order-line figures are not known, not 0.
        labels = dict.fromkeys(label if not label.startswith("Open value") else "Open value" for label, *_ in figures)
        figures = [(label, None, None, "", NO_ORDERS_NOTE) for label in labels]
        # What a purchasing book is reconciled for instead: its purchase-order lines.
        open_po, overdue_po = rec.po_line_counts()
        figures += [
            ("Open PO lines", open_po, COUNT, "", "purchase-order lines still to arrive"),
            ("Overdue PO lines", overdue_po, COUNT, "",
             "open, and the expected date has passed: chase the supplier"),
        ]
    severity = rec.exceptions["severity"].value_counts()
    for name in ("error", "warning", "info"):
        figures.append((f"Exceptions: {name}", int(severity.get(name, 0)), COUNT, "",
                        "on the Exceptions sheet" if name == "error" else ""))
    if not rec.stock_judged:
        figures.append(("Stock", "not checked", None, "", "the book has no inventory table: no line is allocated, "
                        "backordered or at risk because of stock"))
    return figures_frame(figures)


def reorder_figures(plan: object) -> pd.DataFrame:
    """SKUs to order by urgency, order value per currency, drafts; with nothing to order, why (plan.summary)."""
    lines, drafts = plan.lines, plan.purchase_orders
    urgency = lines["urgency"].value_counts()
    figures: list[Figure] = [
        ("SKUs to order", len(lines), COUNT, "", f"of {len(plan.skus):,} SKUs planned"),
        ("Critical", int(urgency.get("critical", 0)), COUNT, "", FILLS["critical"][2]),
        ("High", int(urgency.get("high", 0)), COUNT, "", FILLS["high"][2]),
    ]
    figures += _money_rows("Order value", lines["order_value"], lines["currency"], missing="without a cost")
    figures += [
        ("PO drafts", len(drafts), COUNT, "", "one per supplier and currency"),
        ("Drafts under minimum", int(drafts["below_min_order_value"].sum()), COUNT, "",
         "below the supplier's minimum order value"),
        ("SKUs without supplier", int(lines["supplier_id"].isna().sum()), COUNT, "", "in no draft: choose one"),
    ]
    return figures_frame(figures)


def weekly_figures(kpis: pd.DataFrame) -> pd.DataFrame:
    """One row per KPI row: the value in the number format that shows it as kpi_words reads it ("81.3%",
    "EUR 1,234.50", "6.3 days", "1,500"), the unit or currency, and the note in the same words: "previous ...,
    change ...", then the target ("target 95.0%, on target"), then why something is blank (report.kpis.reason:
    "no inventory table in the book", "first run: nothing to compare with"), parts joined by "; "."""
    figures: list[Figure] = []
    for row in kpis.itertuples(index=False):
        money = row.unit == "money"
        unit = (str(row.currency) if pd.notna(row.currency) else "") if money else str(row.unit)
        previous = kpi_words(row.previous, row.unit, row.currency)
        change = kpi_words(row.change, row.unit, row.currency, signed=True)
        target = target_words(row.target, row.on_target, row.unit, row.currency)
        parts = [f"previous {previous}" + (f", change {change}" if change else "") if previous else "",
                 f"target {target}" if target else "", reason_words(row.reason)]
        note = "; ".join(part for part in parts if part)
        figures.append((str(row.label), None if pd.isna(row.value) else float(row.value),
                        kpi_format(row.value, row.unit, row.currency), unit, note))
    return figures_frame(figures)


def validate_figures(issues: pd.DataFrame, left_out: pd.DataFrame) -> pd.DataFrame:
    """Findings by severity, rows left out (with errors or dated after as_of; those dated after as_of again on
    their own), and the five codes with most findings."""
    severity = issues["severity"].value_counts()
    figures: list[Figure] = [
        ("Errors", int(severity.get("error", 0)), COUNT, "", "rows with errors are left out of reconcile and reorder"),
        ("Warnings", int(severity.get("warning", 0)), COUNT, "", "worth a look; the rows are used"),
        ("Info", int(severity.get("info", 0)), COUNT, "", "what omxl noticed or tidied"),
    ]
    later = int(_after_as_of(left_out).sum())
    figures.append(("Rows left out", int(left_out["rows_left_out"].sum()) + later, COUNT, "", "see What was read"))
    if later:
        figures.append(("Dated after as of", later, COUNT, "",
                        "of the rows left out: events after the as-of day, which had not happened yet"))
    if len(issues):
        top = issues.groupby(["code", "severity"], sort=False).size().rename("n").reset_index() \
            .sort_values(["n", "code"], ascending=[False, True], kind="stable").head(5)

        for row in top.itertuples(index=False):
            meaning = CATALOG[row.code].title if row.code in CATALOG else ""
            figures.append((f"Top code: {row.code}", int(row.n), COUNT, "", f"{row.severity}: {meaning}"))
    return figures_frame(figures)


def open_values(lines: pd.DataFrame, position: object) -> tuple[pd.Series, pd.Series]:
    """Each open line's open value (open qty x net unit price, as on the Orders sheet) and its currency."""
    base = position.config.base_currency if position is not None else None
    is_open = lines["open_qty"].fillna(0) > 0
    return (lines["open_qty"] * net_price(lines))[is_open], currency_column(lines["currency"], base=base)[is_open]


def _money_rows(label: str, amounts: pd.Series, currencies: pd.Series, *, missing: str) -> list[Figure]:
    """One row per currency (money is never added across currencies); '0.00' with no currency when empty."""
    table = totals(amounts, currencies)
    if table.empty:
        return [(label, 0.0, MONEY, "", "")]
    rows: list[Figure] = []
    for row in table.itertuples(index=False):
        note = f"+ {row.unpriced:,} {'line' if row.unpriced == 1 else 'lines'} {missing}" if row.unpriced else ""
        amount = float(row.amount) if pd.notna(row.amount) else None
        rows.append((label, amount, MONEY, str(row.currency), note))
    return rows


def _quantity_format(values: np.ndarray) -> str:
    spec = KINDS["quantity"]
    finite = values[np.isfinite(values)]
    return spec.excel if np.array_equal(finite, np.round(finite)) else spec.fractional


# --- what was read ------------------------------------------------------------------------------------------

def _after_as_of(left_out: pd.DataFrame) -> pd.Series:
    """Rows left out per table because they are dated after as_of (0 for a frame made before that count)."""
    later = left_out["after_as_of"] if "after_as_of" in left_out else pd.Series(0, index=left_out.index)
    return pd.Series(later.to_numpy(dtype="int64"), index=left_out["table"].to_numpy())


def _rows_read(book: object, left_out: pd.DataFrame, *, clean: bool) -> pd.DataFrame:
    """Per table found: where it was read from, rows read, rows left out (with errors, dated after as_of). A
    clean book (a Position's) no longer holds the rows left out, so they are added back to count what was
    read."""
    skipped = left_out.set_index("table")["rows_left_out"]
    later = _after_as_of(left_out)
    records = []
    for name in TABLE_NAMES:
        where = book.where(name)
        rows = len(book.tables[name])
        dropped = int(skipped.get(name, 0)) + int(later.get(name, 0))
        if where == "not found" and rows + dropped == 0:
            continue
        records.append({"table": name, "read_from": where, "rows": rows + (dropped if clean else 0),
                        "rows_left_out": dropped, "after_as_of": int(later.get(name, 0))})
    return pd.DataFrame(records, columns=["table", "read_from", "rows", "rows_left_out", "after_as_of"])


def _why(issues: pd.DataFrame, table: str, left_out: int, after_as_of: int, as_of: pd.Timestamp) -> str:
    """'10 rows with errors: 3 constraint-error, 2 missing-value, ...' from the error findings of `table`
    (findings per code, most first; one missing-column finding stands for every row of its sheet), then
    '42 dated after 2017-12-31' for the rows of events after as_of. `left_out` counts both."""
    later = f"{after_as_of:,} dated after {as_of:%Y-%m-%d}" if after_as_of else ""
    errors = issues[(issues["severity"] == "error") & (issues["table"] == table)]
    if errors.empty:
        # Shipments and returns of order lines left out go with them (omxl.validation.taken_along).
        taken = left_out - after_as_of
        along = "" if not taken else (f"{taken:,} left out with the order "
                                      f"{'line it is' if taken == 1 else 'lines they are'} for")
        return "; ".join(part for part in (along, later) if part)
    counts = errors["code"].value_counts(sort=False).sort_index().sort_values(ascending=False, kind="stable")
    codes = ", ".join(f"{n:,} {code}" for code, n in counts.items())
    with_errors = left_out - after_as_of
    if with_errors:
        said = f"{with_errors:,} {'row' if with_errors == 1 else 'rows'} with errors: {codes}"
    else:
        said = f"{'none left out; ' if not later else ''}errors about the table: {codes}"
    return "; ".join(part for part in (said, later) if part)


# --- the page -----------------------------------------------------------------------------------------------

def _page(title: str, legend: Sequence[str], as_of: pd.Timestamp, sources: Sequence[str], rows_read: pd.DataFrame,
          issues: pd.DataFrame, figures: pd.DataFrame, sheets: list[str], made: dt.datetime | None,
          sentence: str = "") -> FreeSheet:
    made = made or made_at()
    rows: list[tuple[Cell | None, ...]] = [
        (Cell(f"{title} as of {as_of:%Y-%m-%d}", "title"),),
        (Cell("As of"), Cell(as_of.to_pydatetime(), num_format=DATE, align="left")),
        (Cell("Made on"), Cell(made, num_format=DATETIME, align="left")),
        (Cell("Read from"), Cell(", ".join(map(str, sources)), wrap=True, span=len(WIDTHS) - 1)),
        (),
        (Cell("What was read", "bold"),),
        (Cell("Table", "header"), Cell("Rows read", "header", align="right", indent=1),
         Cell("Rows left out", "header", align="right", indent=1), Cell("Read from", "header", indent=1),
         Cell("Why left out", "header", indent=1)),
    ]
    for row in rows_read.itertuples(index=False):
        rows.append((Cell(table_words(row.table)), _number(int(row.rows), COUNT),
                     _number(int(row.rows_left_out), COUNT), Cell(row.read_from, wrap=True, indent=1),
                     Cell(_why(issues, row.table, int(row.rows_left_out), int(row.after_as_of), as_of) or None,
                          wrap=True, indent=1)))
    rows += [(), (Cell("Headline figures", "bold"),)]
    if sentence:  # the plan in words, across the page; says why nothing is ordered when nothing is
        rows.append((Cell(sentence, wrap=True, span=len(WIDTHS)),))
    rows.append((Cell("Figure", "header"), Cell("Value", "header", align="right", indent=1),
                 Cell("Unit", "header", indent=1),
                 Cell("Note", "header", indent=1)))
    for label, value, fmt, unit, note in figures.itertuples(index=False):
        rows.append((Cell(label), _number(value, fmt) if fmt else Cell(value), Cell(unit or None, indent=1),
                     Cell(note or None, indent=1)))
    rows += [(), (Cell("Sheets", "bold"),), (Cell("Sheet", "header"), Cell("What it holds", "header"))]
    for name in sheets:
        rows.append((Cell(name, "link", link=name), Cell(SHEET_TEXTS.get(name, ""))))
    rows += [(), (Cell("Legend", "bold"),), (Cell("Fill", "header"), Cell("Means", "header"))]
    for name in legend:
        colour, label, text = FILLS[name]
        rows.append((Cell(label, fill=colour), Cell(text)))
    # The value column as wide as its longest figure ("unknown currency 109,499.34" would show as ###).
    value_width = max([WIDTHS[1], *(_shown_width(value, fmt) + 2 for _, value, fmt, _, _ in
                                    figures.itertuples(index=False))])
    return FreeSheet(tuple(rows), widths=(WIDTHS[0], value_width, *WIDTHS[2:]), portrait=False)


def _shown_width(value: object, num_format: object) -> float:
    """About how many characters a figure takes as shown: the text of its number format's literals ("EUR ",
    " days"), a sign and the number with thousands separators and 2 decimals (an upper bound)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or pd.isna(value):
        return len(str(value)) if isinstance(value, str) else 0.0
    literals = "".join(str(num_format or "").split(";")[0].split('"')[1::2])
    return len(literals) + len(f"{abs(float(value)):,.2f}") + 1


def _number(value: object, num_format: str) -> Cell:
    """A figure: right-aligned one indent in from the edge, so the text column after it does not touch it."""
    return Cell(value, num_format=num_format, align="right", indent=1)


def made_at() -> dt.datetime:
    """When the report is made, to the minute: now, or SOURCE_DATE_EPOCH (seconds since 1970, UTC) when set, so
    that a scheduled or tested run can give the same file twice (the reproducible-builds convention)."""
    fixed = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if fixed.isdigit():
        return dt.datetime.fromtimestamp(int(fixed), dt.timezone.utc).replace(tzinfo=None, second=0, microsecond=0)
    return dt.datetime.now().replace(second=0, microsecond=0)
