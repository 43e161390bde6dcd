"""The KPIs of the weekly report (contract 4.4), each defined once as data and computed from a Position, its
Reconciliation and its ReorderPlan. docs/kpis.md is generated from KPIS (omxl/docgen.py).

The period is the 7 days ending on as_of: as_of − 6 days to as_of, both included, by calendar day.
Cancelled lines are left out of every line figure. Rates are fractions (0.75 = 75 %) and blank when nothing
is counted below the line (never 0 % of nothing). Money is never added across currencies: a money KPI has one
row per currency, or one converted row when `base_currency` and `fx_rates` are configured (currencies without
a rate keep a row of their own, never dropped). A currency with nothing this week has no row this week.
Without an inventory table stock is not judged (contract 2.3): stockout SKUs, inventory value and days of supply
are blank; without a returns table, units returned and the return rate are blank.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..money import UNKNOWN, Conversion, conversion, converted, currency_column, totals

KPI_COLUMNS = ("kpi", "label", "value", "previous", "change", "unit", "currency")
PERIOD_DAYS = 7


@dataclasses.dataclass(frozen=True)
class Kpi:
    """One KPI. `better`: "up" when a higher value is better, "down" when lower is better, "neither" for
    volumes (lines received, lines due) that are neither good nor bad in themselves."""

    name: str
    label: str
    definition: str
    unit: str
    better: str
    money: bool = False
    standard: str = ""  # where a published standard defines the figure differently


KPIS: tuple[Kpi, ...] = (
    Kpi("orders_received", "Orders received", "Distinct orders with a line whose order_date falls in the period "
        "(exchange replacement lines are not new orders).", "orders", "neither"),
    Kpi("lines_received", "Lines received", "Order lines whose order_date falls in the period (exchange "
        "replacement lines left out).", "lines", "neither"),
    Kpi("lines_due", "Lines due", "Lines whose promised_date falls in the period. Lines without a promised date "
        "are never due.", "lines", "neither"),
    Kpi("otif_line_rate", "OTIF line rate", "Due lines whose full quantity shipped on or before the promised date "
        "÷ due lines. A line shipped in several shipments counts as on time when its last shipment (the one that "
        "completed the quantity) is on or before the promised date.", "fraction", "up",
        standard="OTIF is often measured against the customer's requested date and on delivery (in full, on "
        "time at the customer); here it is the promised ship date and the ship date, as the contract defines. "
        "OTIF by requested date would need a requested-date column the workbook format does not have."),
    Kpi("unit_fill_rate", "Unit fill rate", "Units of due lines shipped on or before their promised date ÷ units "
        "of due lines (each line's on-time units capped at its quantity, so an over-shipment fills nothing "
        "else).", "fraction", "up"),
    Kpi("order_fill_rate", "Order fill rate", "Orders whose due lines all shipped in full on or before their "
        "promised date ÷ orders with due lines. Lines of the order that are not due do not count.", "fraction",
        "up",
        standard="SCOR's perfect order fulfilment also asks for the right documentation and no damage, and "
        "counts the whole order against the customer's requested date; this is the contract's narrower "
        "figure, over the order's due lines only."),
    Kpi("shipped_lines", "Shipped lines", "Lines with at least one shipment dated in the period.", "lines", "up"),
    Kpi("shipped_value", "Shipped value", "Units shipped in the period × the line's net unit price (qty × "
        "unit_price × (1 − discount)), per currency; lines without a price are left out of the sum.", "money",
        "up", money=True),
    Kpi("late_lines", "Late lines", "Lines late as of as_of: quantity still open and the promised date before "
        "as_of (contract 4.2).", "lines", "down"),
    Kpi("at_risk_lines", "At-risk lines", "Open lines not yet late whose projected ship date is after the "
        "promised date or unknown (contract 4.2).", "lines", "down"),
    Kpi("backorder_lines", "Backorder lines", "Lines with a backordered quantity (open quantity that stock "
        "on hand does not cover) as of as_of.", "lines", "down"),
    Kpi("backorder_value", "Backorder value", "Backordered quantity × the line's net unit price, per "
        "currency.", "money", "down", money=True),
    Kpi("backorder_rate", "Backorder rate", "Open lines with a backordered quantity ÷ open lines (lines with "
        "open quantity).", "fraction", "down"),
    Kpi("order_cycle_time", "Order cycle time", "Mean days from order_date to the last shipment, over the orders "
        "completed in the period: every line of the order has nothing open (shipped in full, or closed on "
        "the sheet), at least one line shipped, and the last shipment is dated in the period. Exchange "
        "replacement lines are left out.", "days", "down",
        standard="SCOR's order fulfilment cycle time runs from order receipt to customer acceptance (delivery); "
        "this figure stops at the last shipment."),
    Kpi("stockout_skus", "Stockout SKUs", "SKUs with no stock on hand (each location floored at 0) and quantity "
        "open on orders, the same test as the `stockout` exception.", "SKUs", "down"),
    Kpi("reorder_skus", "SKUs to reorder", "SKUs the reorder plan orders (order quantity above 0).", "SKUs",
        "neither"),
    Kpi("reorder_value", "Reorder value", "Σ order value of the plan's lines, per currency; lines without a "
        "unit cost are left out of the sum.", "money", "neither", money=True),
    Kpi("inventory_value", "Inventory value", "Σ on_hand × unit_cost over the inventory rows, each location's "
        "on hand floored at 0, per currency (the item's currency, else its supplier's, else the base "
        "currency); items without a unit cost are left out of the sum.", "money", "neither", money=True),
    Kpi("days_of_supply", "Days of supply", "On-hand units (each location floored at 0), all SKUs together ÷ "
        "average daily units ordered over the last `history_weeks` weeks (order lines with order_date in the "
        "7 × history_weeks days ending on as_of, cancelled and replacement lines left out); blank without "
        "demand.", "days", "neither"),
    Kpi("units_returned", "Units returned", "Units of the returns received in the period (received_date in the "
        "period); blank when the book has no returns table (not known is not none).", "units", "down"),
    Kpi("return_rate", "Return rate", "Units returned in the period ÷ units shipped in the period; blank when "
        "nothing shipped or the book has no returns table.", "fraction", "down"),
    Kpi("data_errors", "Data errors", "Validation findings (reading and validation, `pos.issues`) of severity "
        "error: their rows are left out of every figure above. A finding counts once, also one that stands "
        "for several cells; reconcile's exceptions are not data findings and are not counted.", "findings", "down"),
    Kpi("data_warnings", "Data warnings", "Validation findings of severity warning, counted as data errors are.", "findings", "down"),
)
BY_NAME = {kpi.name: kpi for kpi in KPIS}


def period_of(as_of: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the report period: the 7 days ending on as_of, both included."""
    end = pd.Timestamp(as_of).normalize()
    return end - pd.Timedelta(days=PERIOD_DAYS - 1), end


def _in(dates: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    # to_datetime: an empty table (no returns, no shipments) may come with object columns.
    days = pd.to_datetime(dates).dt.normalize()
    return ((days >= start) & (days <= end)).fillna(False).astype(bool)


def _rate(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else np.nan


def net_price(lines: pd.DataFrame) -> pd.Series:
    """Contract 2.3: line value = qty × unit_price × (1 − discount); no discount is 0, no price stays blank."""
    return lines["unit_price"] * (1 - lines["discount"].fillna(0.0))


def money_rows(amounts: pd.Series, currencies: pd.Series, convert: Conversion | None) -> list[tuple[float, object]]:
    """(value, currency) rows of one money KPI: one per currency, or one converted row in the base currency
    plus one per currency that has no rate. Nothing at all is one row of 0 (in the base currency if any)."""
    table = totals(amounts, currencies)
    if table.empty:
        return [(0.0, convert.base if convert else pd.NA)]
    if convert is None:
        return [(row.amount, pd.NA if row.currency == UNKNOWN else row.currency)
                for row in table.itertuples(index=False)]
    amount, _, missing = converted(table, convert)
    rows: list[tuple[float, object]] = [(amount, convert.base)] if len(missing) < len(table) else []
    left = table[table["currency"].isin(missing)]
    rows += [(row.amount, pd.NA if row.currency == UNKNOWN else row.currency) for row in left.itertuples(index=False)]
    return rows


def compute_kpis(pos, rec, plan) -> pd.DataFrame:
    """Every KPI of KPIS from one Position and the Reconciliation and ReorderPlan computed from it, as of
    pos.as_of. Columns KPI_COLUMNS; `previous` and `change` are blank (the run history fills them)."""
    as_of = pos.as_of
    start, end = period_of(as_of)
    convert = conversion(pos.config)
    base = pos.config.base_currency
    lines = rec.lines[rec.lines["status"] != "cancelled"]
    price = net_price(lines)
    currency = currency_column(lines["currency"], base=base)
    originals = lines["kind"] == "order"
    values: dict[str, object] = {}

    received = originals & _in(lines["order_date"], start, end)
    values["orders_received"] = lines.loc[received, "order_id"].nunique()
    values["lines_received"] = int(received.sum())

    # Due lines and on-time shipping. A line is in full on time when its shipped quantity reaches its quantity
    # and its last shipment (the one that completed it) is dated on or before the promised date.
    due = _in(lines["promised_date"], start, end)
    full_on_time = ((lines["shipped_qty"] >= lines["qty"])
                    & (lines["last_ship_date"].dt.normalize() <= lines["promised_date"])).fillna(False).astype(bool)
    values["lines_due"] = int(due.sum())
    values["otif_line_rate"] = _rate((due & full_on_time).sum(), due.sum())

    shipments = _counted_shipments(pos)
    keyed = lines[["order_id", "line", "qty", "promised_date"]].assign(price=price, currency=currency)
    ships = shipments.merge(keyed, on=["order_id", "line"], how="inner")  # cancelled lines drop out here
    on_time = ships[(ships["ship_date"].dt.normalize() <= ships["promised_date"]).fillna(False).astype(bool)]
    on_time_units = on_time.groupby(["order_id", "line"])["qty_ship"].sum()
    due_lines = lines.loc[due, ["order_id", "line", "qty"]]
    filled = pd.MultiIndex.from_frame(due_lines[["order_id", "line"]])
    filled_units = np.minimum(on_time_units.reindex(filled).fillna(0.0).to_numpy(), due_lines["qty"].to_numpy())
    values["unit_fill_rate"] = _rate(filled_units.sum(), due_lines["qty"].sum())
    per_order = (due & full_on_time)[due].groupby(lines.loc[due, "order_id"]).all()
    values["order_fill_rate"] = _rate(per_order.sum(), len(per_order))

    shipped = ships[_in(ships["ship_date"], start, end)]
    values["shipped_lines"] = len(shipped[["order_id", "line"]].drop_duplicates())
    values["shipped_value"] = money_rows(shipped["qty_ship"] * shipped["price"], shipped["currency"], convert)
    shipped_units = float(shipped["qty_ship"].sum())

    values["late_lines"] = int(lines["late"].sum())
    values["at_risk_lines"] = int(lines["at_risk"].sum())
    backordered = lines["backordered_qty"] > 0
    values["backorder_lines"] = int(backordered.sum())
    values["backorder_value"] = money_rows((lines["backordered_qty"] * price)[backordered], currency[backordered],
                                           convert)
    open_lines = lines["open_qty"] > 0
    values["backorder_rate"] = _rate((open_lines & backordered).sum(), open_lines.sum())
    values["order_cycle_time"] = _cycle_time(lines[originals], start, end)

    inventory = rec.inventory
    stock = inventory["available"] + inventory["allocated"]
    values["stockout_skus"] = int(((stock <= 0) & (inventory["backlog"] > 0)).sum())
    ordered = plan.lines[plan.lines["order_qty"] > 0]
    values["reorder_skus"] = int(ordered["sku"].nunique())
    values["reorder_value"] = money_rows(ordered["order_value"], ordered["currency"], convert)
    values["inventory_value"] = _inventory_value(pos, convert)
    values["days_of_supply"] = _days_of_supply(pos, lines[originals])
    if not pos.stock_judged:
        # No inventory table: stock is not judged (contract 2.3), so the stock figures are blank, never 0.
        values["stockout_skus"] = np.nan
        values["inventory_value"] = [(np.nan, convert.base if convert else pd.NA)]
        values["days_of_supply"] = np.nan

    returns = rec.returns
    units_returned = float(returns.loc[_in(returns["received_date"], start, end), "qty"].sum())
    values["units_returned"] = units_returned
    values["return_rate"] = _rate(units_returned, shipped_units)
    if not pos.book.layout["table"].eq("returns").any():
        # No returns table (Northwind, most order exports): returns are not known, which is not "none returned".
        values["units_returned"] = np.nan
        values["return_rate"] = np.nan
    severity = pos.issues["severity"].astype(object)
    values["data_errors"] = int((severity == "error").sum())
    values["data_warnings"] = int((severity == "warning").sum())
    return _frame(values)


def _counted_shipments(pos) -> pd.DataFrame:
    """Shipments that count for their order line (matched, same SKU): order_id, line, qty_ship, ship_date."""
    matches = pos.shipment_matches
    counted = matches[matches["line_index"].notna() & ~matches["sku_mismatch"].fillna(False).astype(bool)]
    where = pos.lines[["order_id", "line"]].iloc[counted["line_index"].astype(int).to_numpy()]
    return pd.DataFrame({"order_id": where["order_id"].to_numpy(), "line": where["line"].to_numpy(),
                         "qty_ship": counted["qty"].to_numpy(dtype=float),
                         "ship_date": pd.to_datetime(counted["ship_date"]).to_numpy()}).astype({"line": "Int64"})


def _cycle_time(lines: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> float:
    grouped = lines.assign(nothing_open=lines["open_qty"] <= 0).groupby("order_id")
    orders = grouped.agg(done=("nothing_open", "all"), last=("last_ship_date", "max"), ordered=("order_date", "min"))
    completed = orders[orders["done"] & orders["last"].notna()]
    completed = completed[_in(completed["last"], start, end)]
    if completed.empty:
        return np.nan
    return float((completed["last"].dt.normalize() - completed["ordered"].dt.normalize()).dt.days.mean())


def _inventory_value(pos, convert: Conversion | None) -> list[tuple[float, object]]:
    inventory = pos.book.inventory
    suppliers = pos.book.suppliers.drop_duplicates("supplier_id").set_index("supplier_id")
    currency = currency_column(inventory["currency"], inventory["supplier_id"].map(suppliers["currency"]),
                               base=pos.config.base_currency)
    amount = inventory["on_hand"].clip(lower=0) * inventory["unit_cost"]
    return money_rows(amount, currency, convert)


def _days_of_supply(pos, lines: pd.DataFrame) -> float:
    weeks = pos.config.history_weeks
    days = 7 * weeks
    window = _in(lines["order_date"], pos.as_of - pd.Timedelta(days=days - 1), pos.as_of)
    daily = float(lines.loc[window, "qty"].sum()) / days
    return float(pos.stock.sum()) / daily if daily > 0 else np.nan


def _frame(values: dict[str, object]) -> pd.DataFrame:
    rows = []
    for kpi in KPIS:
        found = values[kpi.name]
        entries = found if kpi.money else [(found, pd.NA)]
        rows += [(kpi.name, kpi.label, value, kpi.unit, currency) for value, currency in entries]
    frame = pd.DataFrame(rows, columns=["kpi", "label", "value", "unit", "currency"])
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    frame["previous"] = np.nan
    frame["change"] = np.nan
    for column in ("kpi", "label", "unit", "currency"):
        frame[column] = frame[column].astype("string[python]")
    return frame[list(KPI_COLUMNS)]
