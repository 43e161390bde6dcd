"""reconcile: each order line's real status, its stock, when it can ship, and every mismatch (contract 4.2).

Starts from the prepared Position (omxl/position): shipments are already matched
to lines and open supply is known. Here stock is allocated (allocation.py), ship
dates projected, statuses and reasons given (status.py), what to do about each line in words
(actions.py), the result tables built (views.py), shipped vs invoiced vs paid when the book has invoices
(billing.py), and the mismatches reported as findings (exceptions.py, returns.py, billing.py).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import ClassVar

import numpy as np
import pandas as pd

from ..book import Book
from ..config import Config
from ..findings import apply_severities, concat_findings
from ..position import Position, prepare
from ..money import conversion
from ..presentation.billing_sheet import BILLING, BILLING_LINES, RECEIVABLES, billing_page
from ..presentation.notebook import reconciliation_html, reconciliation_text
from ..presentation.sheets import fill_rows, result_sheet
from ..presentation.summary_sheet import reconcile_figures, with_summary
from .actions import line_actions
from .allocation import allocate, not_judged, project, with_holds
from .balances import receivable_balances, receivables_to_chase
from .billing import empty_billing, empty_receivables, reconcile_billing
from .exceptions import exceptions_frame, line_exceptions, shipment_exceptions, stock_exceptions
from .returns import returns_frame
from .status import line_status, reasons
from .views import (CLOSED_STATUSES, LINE_COLUMNS, STATUS_RANK, empty_rule_holds, inventory_view, order_view,
                    public_lines, public_order, rule_holds_view, with_order_units)


__all__ = ["LINE_COLUMNS", "STATUS_RANK", "Reconciliation", "reconcile"]


@dataclasses.dataclass(frozen=True)
class Reconciliation:
    """What reconcile found. See docs/reconciliation.md for every column.

    open_supply: open purchase-order quantity per PO line (the input table stays book.purchase_orders)."""

    lines: pd.DataFrame
    orders: pd.DataFrame
    exceptions: pd.DataFrame
    inventory: pd.DataFrame
    returns: pd.DataFrame
    restock: pd.DataFrame
    open_supply: pd.DataFrame
    issues: pd.DataFrame
    left_out: pd.DataFrame
    as_of: pd.Timestamp
    # False when the book has no inventory table: no line is allocated, backordered or at risk (contract 2.3).
    stock_judged: bool = True
    # False when the book has no orders table (a purchasing book): the order-line figures are not known.
    orders_known: bool = True
    # The prepared position it started from: what was read and the settings, for the Summary sheet.
    position: Position | None = dataclasses.field(default=None, repr=False, compare=False)
    # Billing (contract 4.7): per order line and currency, shipped vs invoiced vs paid; no rows without invoices.
    billing: pd.DataFrame = dataclasses.field(default_factory=empty_billing)
    # Per invoice and currency: invoiced, paid, open, due date, days overdue and age (docs/billing.md).
    receivables: pd.DataFrame = dataclasses.field(default_factory=empty_receivables)
    # The lines company rules hold (contract 4.8), indexed like `lines`: order_id, line, customer_id, sku, open_qty,
    # rule (its code) and reason (its message, filled). No rows without [[rules]] that hold.
    rule_holds: pd.DataFrame = dataclasses.field(default_factory=empty_rule_holds)
    step: ClassVar[str] = "reconcile"   # its entry in omxl.steps.REGISTRY

    @property
    def figures(self) -> pd.DataFrame:
        """The headline figures, as the Summary sheet shows them (omxl.steps.Result)."""
        return reconcile_figures(self)

    @property
    def findings(self) -> pd.DataFrame:
        """The validation issues of the rows it started from, then the exceptions it found."""
        return concat_findings([self.issues, self.exceptions])

    def is_open(self) -> np.ndarray:
        """Per row of `lines`: still open work (not shipped, delivered, closed or cancelled)."""
        return ~self.lines["status"].isin(CLOSED_STATUSES).to_numpy(dtype=bool)

    def po_line_counts(self) -> tuple[int, int]:
        """Purchase-order lines with quantity still to arrive, and how many of those are overdue: what a purchasing
        book is reconciled for (its Summary, the terminal, the reconcile button)."""
        supply = self.open_supply
        return int((supply["open_qty"] > 0).sum()), int(supply["overdue"].sum())

    @functools.cached_property
    def balances(self) -> pd.DataFrame:
        """Receivables per currency (omxl.reconciliation.balances.BALANCE_COLUMNS): invoiced, paid, open,
        shipped but not invoiced, DSO, open amounts by age; plus a row in the base currency when `fx_rates` convert
        them. No rows without invoices (docs/billing.md)."""
        config = self.position.config if self.position is not None else None
        return receivable_balances(self, conversion(config) if config is not None else None)

    @functools.cached_property
    def to_chase(self) -> pd.DataFrame:
        """The invoices with money open past their due date, most days overdue first, with what to do
        (omxl.reconciliation.balances.CHASE_COLUMNS)."""
        customers = self.position.book.customers if self.position is not None else pd.DataFrame()
        return receivables_to_chase(self, customers)

    def open_lines(self) -> pd.DataFrame:
        """The Order Status sheet's lines: the open ones, late first, then at risk, then backordered."""
        return attention_first(self.lines[self.is_open()])

    def result_sheets(self) -> dict[str, object]:
        """The sheets `omxl reconcile --out/--write-back` writes (names are stable, docs/presentation.md):
        the Summary (omxl.presentation.summary_sheet), Order Status (open lines, late first, then at risk, then
        backordered), Closed Lines (shipped, closed, cancelled), Orders, Exceptions, Inventory, Returns; late
        rows and at-risk rows filled; for a book with an invoices table also Billing (balances per currency,
        receivables by age, the invoices to chase), Receivables (every invoice) and Billing Lines (rec.billing)."""
        labels = self.position.config.labels if self.position is not None else None
        open_lines = self.open_lines()
        closed_lines = self.lines[~self.is_open()]
        orders = self.orders
        sheets = {
            "Order Status": result_sheet(open_lines, "Order Status", labels=labels,
                                         row_fill=fill_rows(open_lines, late="late", at_risk="at_risk")),
            "Closed Lines": result_sheet(closed_lines, "Closed Lines", labels=labels,
                                         row_fill=fill_rows(closed_lines, late="shipped_late")),
            "Orders": result_sheet(orders, "Orders", labels=labels,
                                   row_fill=fill_rows(orders, late="late", at_risk="at_risk")),
            "Exceptions": result_sheet(self.exceptions, "Exceptions", labels=labels,
                                       row_fill=fill_rows(self.exceptions,
                                                          error=self.exceptions["severity"].eq("error"),
                                                          warning=self.exceptions["severity"].eq("warning"))),
            "Inventory": result_sheet(self.inventory, "Inventory", labels=labels,
                                      row_fill=fill_rows(self.inventory, at_risk=self.inventory["short"].gt(0))),
            "Returns": result_sheet(self.returns, "Returns", labels=labels),
        }
        if self.position is None:
            return sheets
        if self.position.book.layout["table"].eq("invoices").any():
            sheets[BILLING] = billing_page(self.balances, self.to_chase, self.as_of, labels=labels)
            sheets[RECEIVABLES] = result_sheet(self.receivables, RECEIVABLES, labels=labels)
            sheets[BILLING_LINES] = result_sheet(self.billing, BILLING_LINES, labels=labels)

        return with_summary(self, sheets)

    # Headline figures and the first open lines in a notebook (omxl/presentation/notebook.py).
    def __repr__(self) -> str:
        return reconciliation_text(self)

    def _repr_html_(self) -> str:
        return reconciliation_html(self)


def attention_first(lines: pd.DataFrame) -> pd.DataFrame:
    """Open lines in the order a specialist works them: late (most days late first), at risk, backordered,
    then the rest; by promised date, order and line within each group."""
    group = np.select([lines["late"].to_numpy(dtype=bool), lines["at_risk"].to_numpy(dtype=bool),
                       lines["backordered_qty"].fillna(0).to_numpy(dtype=float) > 0], [0, 1, 2], 3)
    # The order worked out on the sort keys alone, then the lines taken once: sorting the lines themselves would
    # copy every column twice (a 540,000-line book's lines are wide).
    keys = pd.DataFrame({"_group": group, "_days": -lines["days_late"].astype("float64").to_numpy(),
                         "promised_date": lines["promised_date"].array, "order_id": lines["order_id"].array,
                         "line": lines["line"].array})
    order = keys.sort_values(["_group", "_days", "promised_date", "order_id", "line"], kind="stable",
                             na_position="last").index.to_numpy()
    return lines.iloc[order]


def reconcile(book: "Book | Position", *, as_of: object = None,
              config: "Config | dict | str | None" = None) -> Reconciliation:
    """Reconcile orders with shipments, stock, purchase orders and returns as of `as_of` (default today).
    `book` may be a Position from omxl.prepare."""
    start = prepare(book, as_of=as_of, config=config)
    clean, supply, day = start.book, start.open_supply, start.as_of
    # The steps below add columns to the lines and replace whole ones (never write into one in place); the
    # position is shared by every step and stays as prepared, so a shallow copy is enough.
    judged = start.stock_judged
    # Billing needs what shipped, not what is allocated: it comes first, so that the credit limit can count the
    # unpaid invoices and company rules hold lines before stock is allocated to them.
    billing, receivables, billing_problems = reconcile_billing(
        start.lines, clean.invoices, clean.payments, clean.customers, start.return_lines, day, clean.column_map,
        base_currency=start.config.base_currency)
    from ..company_rules.checking import check_rules   # on first use: the rules' parser (lark), not import omxl
    rules = check_rules(start.config, lines=start.lines, tables=clean.tables, receivables=receivables, as_of=day,
                        column_map=clean.column_map, convert=conversion(start.config))
    lines = with_holds(start.lines.copy(deep=False), rules.holds)
    if judged:
        lines = allocate(lines, start.stock)
        lines = project(lines, supply, day, start.config.handling_days, start.supplier_reliability)
    else:
        lines = not_judged(lines)
    lines = line_status(lines, day, judged)
    lines["reason"] = reasons(lines, day, judged)
    lines["action"] = line_actions(lines, supply, inventory=clean.inventory, suppliers=clean.suppliers)
    inventory = inventory_view(clean, lines, start.stock, start.per_sku)
    rma, return_problems = returns_frame(start.return_lines, lines, clean.column_map)
    exceptions = exceptions_frame([
        shipment_exceptions(start.shipment_matches, lines, clean.column_map),
        line_exceptions(lines, clean.column_map, shipments_table=bool(clean.layout["table"].eq("shipments").any())),
        stock_exceptions(clean.inventory, inventory, supply, clean.purchase_orders, day, clean.column_map),
        return_problems,
        billing_problems,
    ])
    exceptions = concat_findings([apply_severities(exceptions, start.config.severities), rules.findings])
    restock = rma[rma["restock_qty"] > 0][["rma_id", "order_id", "line", "sku", "restock_qty", "received_date"]] \
        .reset_index(drop=True)
    order = public_order(lines)
    return Reconciliation(
        lines=public_lines(lines, order), orders=order_view(lines, base_currency=start.config.base_currency), exceptions=exceptions, inventory=inventory,
        returns=with_order_units(rma, lines), restock=restock, open_supply=supply, issues=start.issues,
        left_out=start.left_out, as_of=day, stock_judged=judged, orders_known=start.orders_known, position=start,
        billing=with_order_units(billing, lines), receivables=with_order_units(receivables, lines),
        rule_holds=rule_holds_view(lines, order))
