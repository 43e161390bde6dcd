"""Which open lines the warehouse picks today, and which it holds back and why (contract 4.6).

A line is picked when stock is allocated to it (reconcile's allocation, not redone here), it is open and not
on hold, it passes the day's filters (promised by, priority up to), and, for an order that ships complete,
every open line of its order can ship in full. Holds are a table of masks and reasons in precedence order, so a
company rule that holds lines is one more row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..wording import quantity_text

# Line statuses with nothing left to pick (reconcile's), besides lines with no open quantity.
NOT_PICKED = ("on_hold", "cancelled", "closed")
# Quantities are floats: what is below this is nothing.
EPSILON = 1e-9


def order_numbers(order_id: pd.Series) -> np.ndarray:
    """Each line's order as a number from 0 (a blank order id is one order of its own)."""
    return pd.factorize(order_id, use_na_sentinel=False)[0]


def any_in_order(flags: pd.Series, orders: np.ndarray) -> np.ndarray:
    """Per line, whether any line of its order (`orders`: order_numbers) has `flags` set. A count per order
    (bincount) rather than a groupby: grouping 100,000 lines by their order id text cost 20-40 ms a question,
    and dispatch asks four of them."""
    if not len(orders):
        return np.zeros(0, dtype=bool)
    flagged = flags.to_numpy(dtype=bool, na_value=False)  # a blank flag is no (groupby's any skips it too)
    return np.bincount(orders[flagged], minlength=int(orders.max()) + 1)[orders] > 0


def ship_complete_orders(lines: pd.DataFrame, customers: pd.DataFrame) -> pd.Series:
    """Per line, whether its order ships complete: the order's own ship_complete where any of its lines (or its
    header) says yes or no, else its customer's, else no."""
    on_order = lines["ship_complete"].astype("boolean")
    said = on_order.notna()
    orders = order_numbers(lines["order_id"])
    # An order says it once (a header value fills every line); a line-level mix means yes if any line says so.
    order_says = any_in_order(on_order.fillna(False).astype(bool), orders)
    order_said = any_in_order(said, orders)
    by_customer = pd.Series(False, index=lines.index)
    if len(customers) and "ship_complete" in customers:
        known = customers.dropna(subset=["customer_id"]).drop_duplicates("customer_id").set_index("customer_id")
        by_customer = lines["customer_id"].map(known["ship_complete"].astype("boolean")).fillna(False).astype(bool)
    return pd.Series(np.where(order_said, order_says, by_customer), index=lines.index, dtype=bool)


def passes_filters(lines: pd.DataFrame, ships_complete: pd.Series, *, promised_by: pd.Timestamp | None,
                   max_priority: int | None) -> pd.Series:
    """Per line, whether the day's filters keep it: promised on or before `promised_by`, priority 1 to
    `max_priority` (the line's own, else its customer's). A line without a promised date or a priority is not
    kept by that filter. An order that ships complete is kept whole when any of its open lines is kept: it
    leaves as one parcel."""
    keep = pd.Series(True, index=lines.index)
    if promised_by is not None:
        keep &= (lines["promised_date"] <= promised_by).fillna(False).astype(bool)
    if max_priority is not None:
        keep &= (lines["allocation_priority"] <= max_priority).fillna(False).astype(bool)
    open_kept = keep & (lines["open_qty"] > EPSILON)
    order_kept = any_in_order(open_kept, order_numbers(lines["order_id"]))
    return keep | (ships_complete & order_kept)


def holds(lines: pd.DataFrame, ships_complete: pd.Series, rule_holds: pd.DataFrame | None = None) -> pd.DataFrame:
    """The open lines held back: `held_by` (rule, status, ship_complete) and `reason` in words, one row per held
    line (the first hold that applies), indexed like `lines`. `rule_holds` is rec.rule_holds (labelled like
    `lines`): the lines company rules hold, with the rule and its message."""
    is_open = (lines["open_qty"] > EPSILON) & ~lines["status"].isin(["cancelled", "closed"]).fillna(False)
    on_hold = is_open & lines["status"].eq("on_hold").fillna(False)
    by_rule = rule_holds.reindex(lines.index) if rule_holds is not None else None
    ruled = on_hold & (by_rule["rule"].notna() if by_rule is not None else False)
    short = is_open & ((lines["allocated_qty"] < lines["open_qty"] - EPSILON) | on_hold)
    incomplete_order = pd.Series(any_in_order(ships_complete & short, order_numbers(lines["order_id"])),
                                 index=lines.index)
    waiting = is_open & ships_complete & incomplete_order & ~on_hold & (lines["allocated_qty"] > EPSILON)
    missing = pd.Series("", index=lines.index, dtype=object)
    if waiting.any():
        missing[waiting] = lines.loc[waiting, "order_id"].map(
            missing_parts(lines[short & ships_complete & incomplete_order])).to_numpy(dtype=object)
    # (held_by, mask, reason), first that applies.
    rule_text = ("held by rule " + by_rule["rule"].astype(object) + ": " + by_rule["reason"].astype(object)
                 if by_rule is not None else pd.Series("", index=lines.index, dtype=object))
    cases = (
        ("rule", ruled, rule_text.fillna("")),
        ("status", on_hold & ~ruled, pd.Series("on hold on the order sheet", index=lines.index, dtype=object)),
        ("ship_complete", waiting, "order ships complete and is not: " + missing),
    )
    masks = [mask.to_numpy(dtype=bool) for _, mask, _ in cases]
    held = np.logical_or.reduce(masks)
    held_by = np.select(masks, [name for name, _, _ in cases], default="")
    reason = np.select(masks, [text.to_numpy(dtype=object) for _, _, text in cases], default="")
    index = lines.index[held]
    return pd.DataFrame({"held_by": pd.Series(held_by[held], index=index, dtype="string[python]"),
                         "reason": pd.Series(reason[held], index=index, dtype="string[python]")})


def missing_parts(short: pd.DataFrame) -> pd.Series:
    """Per order, what keeps it from shipping complete, in words: "line 3 (SKU-C) short 4 of 10; line 5 (SKU-E)
    on hold"."""
    missing = short["open_qty"] - short["allocated_qty"]
    what = np.where(short["status"].eq("on_hold").fillna(False).to_numpy(dtype=bool), "on hold",
                    ("short " + quantity_text(missing) + " of " + quantity_text(short["open_qty"])).to_numpy(
                        dtype=object))
    parts = ("line " + short["line"].astype("string[python]").fillna("?") + " (" + short["sku"].fillna("?")
             + ") " + pd.Series(what, index=short.index, dtype="string[python]"))
    # Each part with its separator, summed per order (text sums concatenate, in row order), the last separator
    # cut: one pass in pandas instead of a Python join per order.
    return (parts + "; ").groupby(short["order_id"]).sum().str.slice(stop=-len("; "))


def picked(lines: pd.DataFrame, held: pd.Index) -> pd.Series:
    """Per line, whether it is picked: allocated stock, open, not on hold, cancelled or closed, and not held."""
    return ((lines["allocated_qty"] > EPSILON) & (lines["open_qty"] > EPSILON)
            & ~lines["status"].isin(NOT_PICKED).fillna(False) & ~lines.index.isin(held))
