"""The tables reconcile returns: lines in order, one row per order, and stock per SKU."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..book import Book
from ..model import item_units, unit_column
from ..money import UNKNOWN, currency_column, group_sums, net_price
from ..validation import map_distinct

LINE_COLUMNS = ("order_id", "line", "customer_id", "sku", "qty", "shipped_qty", "open_qty", "allocated_qty",
                "backordered_qty", "status", "promised_date", "projected_ship_date", "late", "at_risk", "days_late",
                "reason", "action")
# Worst first: an order takes the worst status among its lines.
# `open` (stock not judged: no inventory table) ranks with the unshipped lines, before partly shipped ones.
STATUS_RANK = ("backordered", "partially_allocated", "on_hold", "open", "partially_shipped", "ready", "closed", "shipped",
               "delivered", "cancelled")
# Lines that need no more work: they go to the Closed Lines sheet, the open ones to Order Status.
CLOSED_STATUSES = ("closed", "shipped", "delivered", "cancelled")


def public_order(lines: pd.DataFrame) -> pd.Index:
    """The labels of `lines` (a position's lines, or reconcile's working copy of them) in the order of
    rec.lines: row i of rec.lines is lines.loc[public_order(lines)[i]]. Dispatch takes what rec.lines leaves
    out (the allocation priority, ship_to, ship_complete) from the position's lines by it."""
    # Sorted by the two keys alone: sorting the lines themselves would take every one of their columns along.
    return lines[["order_id", "line"]].sort_values(["order_id", "line"], kind="stable").index


def public_lines(lines: pd.DataFrame, order: pd.Index | None = None) -> pd.DataFrame:
    """rec.lines: the contract's columns and a few more, in public_order (`order` when already known)."""
    extra = ["order_date", "unit_price", "discount", "currency", "carrier", "priority", "last_ship_date", "shipped_late",
             "covering_po", "kind", "rma_id", "source", "sheet", "row"]
    order = public_order(lines) if order is None else order
    return lines.loc[order, [*unit_column(lines), *LINE_COLUMNS, *extra]].reset_index(drop=True)


RULE_HOLD_COLUMNS = ("order_id", "line", "customer_id", "sku", "open_qty", "rule", "reason")


def empty_rule_holds() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c == "open_qty" else "object") for c in RULE_HOLD_COLUMNS})


def with_order_units(frame: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """A table about orders (billing, receivables, returns) with the unit of each row's order first, in a book of
    several units; as it is otherwise."""
    if "unit" not in lines or "unit" in frame or "order_id" not in frame:
        return frame
    units = lines.drop_duplicates("order_id").set_index("order_id")["unit"]
    return frame.assign(unit=frame["order_id"].map(units).astype("string[python]"))[["unit", *frame.columns]]


def rule_holds_view(lines: pd.DataFrame, order: pd.Index) -> pd.DataFrame:
    """rec.rule_holds: the lines a company rule holds, labelled like rec.lines (row i of rec.lines is label i)."""
    # The held lines' positions in that order, then only their rows and columns: the lines are wide, few held.
    positions = np.flatnonzero(lines["hold_rule"].reindex(order).notna().to_numpy(dtype=bool))
    columns = [*unit_column(lines), "order_id", "line", "customer_id", "sku", "open_qty", "hold_rule", "hold_reason"]
    held = lines.loc[order[positions], columns].set_axis(positions)
    return held.rename(columns={"hold_rule": "rule", "hold_reason": "reason"})


def order_view(lines: pd.DataFrame, *, base_currency: str | None = None) -> pd.DataFrame:
    """One row per order. `value` and `open_value` are in the order's `currency` and blank when a line that
    counts has no unit_price (never taken as 0), or when the order's lines are in several currencies
    (`currency` "mixed": money is not added across currencies; docs/currency.md)."""
    rank = {status: i for i, status in enumerate(STATUS_RANK)}
    currency = currency_column(lines["currency"], base=base_currency)
    price = net_price(lines)
    # A line with nothing open adds 0 to the open value, whether its price is known or not.
    open_value = (lines["open_qty"] * price).where(lines["open_qty"] != 0, 0.0)
    # Only the columns the orders are made of: the lines are wide, and assign copies every column.
    kept = [*unit_column(lines), "order_id", "customer_id", "order_date", "line", "qty", "shipped_qty", "open_qty",
            "allocated_qty", "backordered_qty", "late", "at_risk", "days_late", "shipped_late", "last_ship_date"]
    work = lines[kept].assign(rank=map_distinct(lines["status"], rank), value=lines["qty"] * price,
                        open_value=open_value, line_currency=currency.fillna(UNKNOWN),
                        no_value=lambda f: f["value"].isna(), no_open_value=open_value.isna(),
                        open_promised=lines["promised_date"].where(lines["open_qty"] > 0),
                        open_projected=lines["projected_ship_date"].where(lines["open_qty"] > 0),
                        unprojected=(lines["open_qty"] > 0) & lines["projected_ship_date"].isna())
    # Grouped by each order number's place in the sorted order numbers: pandas works the groups out again for
    # every column it aggregates, and for integers that is a fraction of hashing and sorting the texts.
    order_codes, order_ids = pd.factorize(work["order_id"], sort=True)
    if (order_codes < 0).any():   # a line without an order number: grouped as pandas groups it (left out)
        grouped, order_ids = work.groupby("order_id", sort=True), None
    else:
        grouped = work.drop(columns="order_id").groupby(order_codes, sort=True)
    per_unit = {"unit": ("unit", "first")} if "unit" in work else {}
    orders = grouped.agg(
        **per_unit, customer_id=("customer_id", "first"), order_date=("order_date", "min"), lines=("line", "size"),
        qty=("qty", "sum"), shipped_qty=("shipped_qty", "sum"), open_qty=("open_qty", "sum"),
        allocated_qty=("allocated_qty", "sum"), backordered_qty=("backordered_qty", "sum"), rank=("rank", "min"),
        promised_date=("open_promised", "min"), projected_ship_date=("open_projected", "max"),
        unprojected=("unprojected", "any"), late=("late", "any"), at_risk=("at_risk", "any"),
        days_late=("days_late", "max"), shipped_late=("shipped_late", "any"),
        last_ship_date=("last_ship_date", "max"),
        no_value=("no_value", "any"), no_open_value=("no_open_value", "any"),
        currencies=("line_currency", "nunique"), first_currency=("line_currency", "first"))
    order_of_line = grouped.ngroup().to_numpy()
    orders.insert(orders.columns.get_loc("shipped_late") + 1, "value",
                  group_sums(work["value"].to_numpy(), order_of_line, len(orders)))
    orders.insert(orders.columns.get_loc("value") + 1, "open_value",
                  group_sums(work["open_value"].to_numpy(), order_of_line, len(orders)))
    if order_ids is not None:
        orders.index = pd.Index(order_ids.take(orders.index.to_numpy()), name="order_id")
    orders["status"] = orders["rank"].map(dict(enumerate(STATUS_RANK))).astype("string[python]")
    orders.loc[orders["unprojected"], "projected_ship_date"] = pd.NaT
    mixed = orders["currencies"] > 1
    orders["currency"] = orders["first_currency"].where(~mixed, "mixed").replace(UNKNOWN, pd.NA).astype(
        "string[python]")
    orders["value"] = orders["value"].mask(orders["no_value"] | mixed)
    orders["open_value"] = orders["open_value"].mask(orders["no_open_value"] | mixed)
    orders = orders.drop(columns=["rank", "unprojected", "no_value", "no_open_value", "currencies",
                                  "first_currency"]).reset_index()
    first = [*unit_column(orders), "order_id", "customer_id", "order_date", "status", "lines", "qty", "shipped_qty", "open_qty",
             "allocated_qty", "backordered_qty", "promised_date", "projected_ship_date", "late", "at_risk",
             "days_late"]
    return orders[first + [c for c in orders.columns if c not in first]]


def inventory_view(book: Book, lines: pd.DataFrame, stock: pd.Series, per_sku: pd.DataFrame) -> pd.DataFrame:
    inventory = book.inventory
    skus = pd.Index(inventory["sku"].dropna().unique(), name="sku")
    described = inventory.drop_duplicates("sku").set_index("sku")
    view = pd.DataFrame(index=skus)
    if "unit" in inventory:
        view["unit"] = item_units(inventory).reindex(skus)
    view["description"] = described["description"].reindex(skus)
    view["on_hand"] = inventory.groupby("sku")["on_hand"].sum().reindex(skus).fillna(0.0)
    view["allocated"] = lines.groupby("sku")["allocated_qty"].sum().reindex(skus).fillna(0.0)
    view["backlog"] = per_sku["backlog"].reindex(skus).fillna(0.0)
    view["on_order"] = per_sku["on_order"].reindex(skus).fillna(0.0)
    view["available"] = stock.reindex(skus).fillna(0.0) - view["allocated"]
    view["short"] = (view["backlog"] - view["allocated"]).clip(lower=0)
    return view.reset_index()
