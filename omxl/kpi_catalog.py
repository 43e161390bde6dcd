"""What each KPI of the weekly report is (contract 4.4), as data: its name, label, definition, unit, which way is
better, the tables it needs and why it can be blank; and what a target on it may be (`[targets]`, contract 6).

The definitions live here, below the settings, so that the settings can check a target against the KPI it names;
omxl/reporting/kpis.py computes them and docs/kpis.md is generated from them (omxl/docgen.py).
"""

from __future__ import annotations

import dataclasses
import math

# Why a KPI is blank when the book lacks a table it needs (contract 4.4: blank with the reason, never 0).
MISSING_TABLE: dict[str, str] = {
    "orders": "no orders table in the book",
    "inventory": "no inventory table in the book",
    "purchase_orders": "no purchase orders table in the book",
    "returns": "no returns table in the book",
    "invoices": "no invoices table in the book",
}

# What `better` says, in words (docs/kpis.md, the settings error for a target on a volume).
# Why previous and change are blank for every KPI of a run: the run has nothing to compare with. Every surface says
# it once, in its heading; the per-row notes leave it out (reason_words(..., per_row=True)).
FIRST_RUN = "first run: nothing to compare with"
NO_HISTORY = "no run history kept: nothing to compare with"
RUN_REASONS = (FIRST_RUN, NO_HISTORY)
REASON_SEPARATOR = "; "

BETTER_WORDS = {"up": "higher", "down": "lower", "neither": "neither"}

ORDERS = ("orders",)
# Stock is judged only with an inventory table (contract 2.3): without one no line is backordered, allocated or
# at risk because of stock, so these figures are not known rather than 0.
STOCK = ("orders", "inventory")


@dataclasses.dataclass(frozen=True)
class Kpi:
    """One KPI. `better`: "up" when a higher value is better, "down" when lower is better, "neither" for
    volumes (lines received, lines due) that are neither good nor bad in themselves. `needs`: the tables without
    which the KPI is not known (blank, with MISSING_TABLE's reason). `blank`: why the value is blank when the
    tables are there but nothing is counted below the line ({history_weeks} is the setting)."""

    name: str
    label: str
    definition: str
    unit: str
    better: str
    needs: tuple[str, ...] = ORDERS
    blank: str = ""
    per_currency: bool = False  # one row per currency (money, or a ratio of money such as DSO)
    standard: str = ""  # where a published standard defines the figure differently


KPIS: tuple[Kpi, ...] = (
    Kpi("orders_received", "Orders received", "Distinct orders with a line whose order_date falls in the period "
        "(exchange replacement lines are not new orders).", "orders", "neither"),
    Kpi("lines_received", "Lines received", "Order lines whose order_date falls in the period (exchange "
        "replacement lines and cancelled lines left out).", "lines", "neither"),
    Kpi("cancelled_lines", "Cancelled lines", "Order lines whose order_date falls in the period and that are "
        "cancelled (status cancelled on the sheet, or cancelled in full by a credit note); exchange replacement "
        "lines left out.", "lines", "down"),
    Kpi("lines_due", "Lines due", "Lines whose promised_date falls in the period. Lines without a promised date "
        "are never due.", "lines", "neither"),
    Kpi("otif_line_rate", "OTIF line rate", "Due lines whose full quantity shipped on or before the promised date "
        "÷ due lines. A line shipped in several shipments counts as on time when its last shipment (the one that "
        "completed the quantity) is on or before the promised date.", "fraction", "up",
        blank="no lines due in the period",
        standard="OTIF is often measured against the customer's requested date and on delivery (in full, on "
        "time at the customer); here it is the promised ship date and the ship date, as the contract defines. "
        "OTIF by requested date would need a requested-date column the workbook format does not have."),
    Kpi("unit_fill_rate", "Unit fill rate", "Units of due lines shipped on or before their promised date ÷ units "
        "of due lines (each line's on-time units capped at its quantity, so an over-shipment fills nothing "
        "else).", "fraction", "up", blank="no lines due in the period"),
    Kpi("order_fill_rate", "Order fill rate", "Orders whose due lines all shipped in full on or before their "
        "promised date ÷ orders with due lines. Lines of the order that are not due do not count.", "fraction",
        "up", blank="no lines due in the period",
        standard="SCOR's perfect order fulfilment also asks for the right documentation and no damage, and "
        "counts the whole order against the customer's requested date; this is the contract's narrower "
        "figure, over the order's due lines only."),
    Kpi("shipped_lines", "Shipped lines", "Lines with at least one shipment dated in the period.", "lines", "up"),
    Kpi("shipped_value", "Shipped value", "Units shipped in the period × the line's net unit price (qty × "
        "unit_price × (1 − discount)), per currency; lines without a price are left out of the sum.", "money",
        "up", blank="no unit price on the lines shipped in the period", per_currency=True),
    Kpi("late_lines", "Late lines", "Lines late as of as_of: quantity still open and the promised date before "
        "as_of (contract 4.2).", "lines", "down"),
    Kpi("at_risk_lines", "At-risk lines", "Open lines not yet late whose projected ship date is after the "
        "promised date or unknown (contract 4.2). Blank without an inventory table: a line's ship date is "
        "projected from stock.", "lines", "down", needs=STOCK),
    Kpi("backorder_lines", "Backorder lines", "Lines with a backordered quantity (open quantity that stock "
        "on hand does not cover) as of as_of.", "lines", "down", needs=STOCK),
    Kpi("backorder_value", "Backorder value", "Backordered quantity × the line's net unit price, per "
        "currency.", "money", "down", needs=STOCK, blank="no unit price on the backordered lines", per_currency=True),
    Kpi("backorder_rate", "Backorder rate", "Open lines with a backordered quantity ÷ open lines (lines with "
        "open quantity).", "fraction", "down", needs=STOCK, blank="no open lines"),
    Kpi("overdue_po_lines", "Overdue PO lines", "Open purchase-order lines whose expected_date is before as_of "
        "and whose received quantity is below the ordered quantity: reconcile's `po-overdue` exceptions, one per "
        "line (the Overdue POs sheet).", "lines", "down", needs=("purchase_orders",)),
    Kpi("overdue_po_value", "Overdue PO value", "Σ open units (ordered − received) × unit cost over the overdue "
        "PO lines, per currency. The unit cost is the PO line's unit_cost, else the item's (inventory); the "
        "currency is that of the cost used: for the PO's cost the PO's currency, else its supplier's; for the "
        "item's cost the item's currency, else its supplier's; else the base currency. Lines without a unit cost "
        "are left out of the sum.", "money", "down", needs=("purchase_orders",),
        blank="no unit cost known for the overdue PO lines", per_currency=True),
    Kpi("order_cycle_time", "Order cycle time", "Mean days from order_date to the last shipment, over the orders "
        "completed in the period: every line of the order has nothing open (shipped in full, or closed on "
        "the sheet), at least one line shipped, and the last shipment is dated in the period. Exchange "
        "replacement lines are left out.", "days", "down", blank="no orders completed in the period",
        standard="SCOR's order fulfilment cycle time runs from order receipt to customer acceptance (delivery); "
        "this figure stops at the last shipment."),
    Kpi("stockout_skus", "Stockout SKUs", "SKUs with no stock on hand (each location floored at 0) and quantity "
        "open on orders, the same test as the `stockout` exception.", "SKUs", "down", needs=STOCK),
    Kpi("reorder_skus", "SKUs to reorder", "SKUs the reorder plan orders (order quantity above 0).", "SKUs",
        "neither", needs=("inventory",)),
    Kpi("reorder_value", "Reorder value", "Σ order value of the plan's lines, per currency; lines without a "
        "unit cost are left out of the sum.", "money", "neither", needs=("inventory",),
        blank="no unit cost on the lines to reorder", per_currency=True),
    Kpi("inventory_value", "Inventory value", "Σ on_hand × unit_cost over the inventory rows, each location's "
        "on hand floored at 0, per currency (the item's currency, else its supplier's, else the base "
        "currency); items without a unit cost are left out of the sum.", "money", "neither", needs=("inventory",),
        blank="no unit cost in the inventory table", per_currency=True),
    Kpi("days_of_supply", "Days of supply", "On-hand units (each location floored at 0), all SKUs together ÷ "
        "average daily units ordered over the last `history_weeks` weeks (order lines with order_date in the "
        "7 × history_weeks days ending on as_of, cancelled and replacement lines left out); blank without "
        "demand.", "days", "neither", needs=STOCK, blank="nothing ordered in the last {history_weeks} weeks"),
    Kpi("units_returned", "Units returned", "Units of the returns received in the period (received_date in the "
        "period); blank when the book has no returns table (not known is not none).", "units", "down",
        needs=("returns",)),
    Kpi("return_rate", "Return rate", "Units returned in the period ÷ units shipped in the period; blank when "
        "nothing shipped or the book has no returns table.", "fraction", "down", needs=("orders", "returns"),
        blank="nothing shipped in the period"),
    Kpi("dso", "DSO", "Days sales outstanding, per currency: open receivables (Σ open balance of the invoices "
        "dated on or before as_of: invoiced − paid, credit notes and overpayments included) ÷ the amount invoiced "
        "in the last 90 days (invoice dates from as_of − 89 days to as_of) × 90. Blank when nothing was invoiced "
        "in those days. Converted into the base currency when `base_currency` and `fx_rates` are set (a currency "
        "without a rate keeps a row of its own).", "days", "down", needs=("invoices",),
        blank="nothing invoiced in the last 90 days", per_currency=True,
        standard="DSO is also computed over a quarter's revenue (credit sales) rather than invoices, or by "
        "the countback method; this is the contract's figure: open receivables over the last 90 days' invoices."),
    Kpi("data_errors", "Data errors", "Validation findings (reading and validation, `pos.issues`) of severity "
        "error: their rows are left out of every figure above. A finding counts once, also one that stands "
        "for several cells; reconcile's exceptions are not data findings and are not counted.", "findings", "down",
        needs=()),
    Kpi("data_warnings", "Data warnings", "Validation findings of severity warning, counted as data errors are.",
        "findings", "down", needs=()),
)
BY_NAME: dict[str, Kpi] = {kpi.name: kpi for kpi in KPIS}


def target_problem(name: str, target: object) -> str | None:
    """What is wrong with `target` for the KPI `name` in `[targets]`, as the settings error says it after
    `targets.<name>: `; None when it is a target the KPI can have."""
    kpi = BY_NAME.get(name)
    if kpi is None:
        return f"no KPI is named '{name}'; the KPIs are: {', '.join(BY_NAME)}"
    if kpi.better == "neither":
        return (f"{kpi.label} has no better direction (neither up nor down), so it cannot have a target")
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not math.isfinite(target):
        example = "0.95" if kpi.unit == "fraction" else "10"
        return f"write the target as a number, e.g. {name} = {example} (found {target!r})"
    if kpi.unit == "fraction" and not 0 <= target <= 1:
        return (f"{kpi.label} is a rate: write its target as a fraction between 0 and 1, e.g. 0.95 for 95% "
                f"(found {target:g})")
    if target < 0:
        return f"{kpi.label} cannot be below 0, so neither can its target (found {target:g})"
    return None
