"""Cancellation lines (contract 2.3): credit-note rows are cancellations, not errors.

A row whose order_id matches the configuration's `cancelled_order_pattern` (Online Retail's
C536379) is a cancellation line: it takes no stock, and it reduces the quantity of the most
recent earlier line of the same customer, SKU and unit price that still has that much
quantity left; when there is none, it stands alone. Credit notes carry their own numbers, so
matching by order number would find nothing; customer, item and price is what they share.

Used by validation (the `cancellation` finding of each line says which line it reduces) and
by the prepared position (the reduced quantities every step sees), on the same rows: the
orders without errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# What a credit note shares with the line it cancels; unit_price only when the table has it.
MATCH_KEYS = ("customer_id", "sku", "unit_price")


def credit_note_rows(orders: pd.DataFrame, pattern: str | None) -> np.ndarray:
    """Rows whose order number matches `pattern` (searched, as when reading marks them cancelled)."""
    if not pattern or "order_id" not in orders or orders.empty:
        return np.zeros(len(orders), dtype=bool)
    # Each distinct order number searched once: an invoice's lines share it.
    codes, order_ids = pd.factorize(orders["order_id"].astype("string[python]"))
    found = pd.Series(order_ids, dtype=object).str.contains(pattern, regex=True).to_numpy(dtype=bool)
    return np.where(codes >= 0, found[np.maximum(codes, 0)] if len(found) else False, False)


def match_cancellations(orders: pd.DataFrame, is_cancellation: np.ndarray) -> pd.DataFrame:
    """One row per cancellation line (indexed like `orders`): `cancelled_qty` (the quantity it cancels, its
    absolute value) and `target` (the index in `orders` of the line it reduces; blank when it stands alone).

    Earlier means an order date on or before the cancellation's (a credit note written in the same minute as
    its invoice still follows it); the most recent such line wins, and among lines of one date the one further
    down the sheet. Vectorised in rounds rather than one cancellation at a time: each round every unmatched
    cancellation claims its most recent candidate that still has enough left, and each line takes claims in
    the order of the cancellations' dates while they fit; a claim that does not fit tries again next round
    with the quantity now left. This is greedy by rounds, not strictly by date: a cancellation pushed off its
    first choice may find its second choice already reduced by a later-dated one claimed in an earlier round.
    """
    keys = [k for k in MATCH_KEYS if k in orders]
    frame = orders[[*keys, "order_date", "qty"]].copy()
    frame["position"] = np.arange(len(frame))
    cancels = frame[is_cancellation].assign(need=lambda f: f["qty"].abs())
    result = pd.DataFrame({"cancelled_qty": cancels["need"].astype(float),
                           "target": pd.array([pd.NA] * len(cancels), dtype="Int64")}, index=cancels.index)
    lines = frame[~is_cancellation & (frame["qty"] > 0)]
    if cancels.empty or lines.empty:
        return result
    pairs = cancels.reset_index(names="cancel").merge(lines.reset_index(names="target"), on=keys,
                                                      suffixes=("", "_line"))
    pairs = pairs[(pairs["order_date_line"] <= pairs["order_date"]) & (pairs["qty_line"] >= pairs["need"])]
    # Most recent candidate first for each cancellation; claims on one line in the cancellations' date order.
    pairs = pairs.sort_values(["cancel", "order_date_line", "position_line"], ascending=[True, False, False],
                              kind="stable")
    left = lines["qty"].astype(float).copy()
    while len(pairs):
        pairs = pairs[left.reindex(pairs["target"]).to_numpy() >= pairs["need"].to_numpy() - 1e-9]
        best = pairs.drop_duplicates("cancel").sort_values(["target", "order_date", "position"], kind="stable")
        if best.empty:
            break
        taken = best.groupby("target")["need"].cumsum()
        fits = best[(taken.to_numpy() <= left.reindex(best["target"]).to_numpy() + 1e-9)]
        result.loc[fits["cancel"].to_numpy(), "target"] = fits["target"].to_numpy()
        left = left.sub(fits.groupby("target")["need"].sum(), fill_value=0.0)
        pairs = pairs[~pairs["cancel"].isin(fits["cancel"])]
    return result
