"""Returns in reconciliation: refunds, restock, exchange replacements, and return exceptions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..findings import concat_findings, has_column, row_findings
from ..money import net_price
from ..position.lines import exchange_in_progress
from ..wording import quantity_text, words

RETURN_COLUMNS = ("rma_id", "order_id", "line", "sku", "qty", "received_date", "reason", "condition", "resolution",
                  "status", "unit_price", "refund_amount", "restock_qty", "replacement_line", "shipped_qty", "source",
                  "sheet", "row")


def returns_frame(return_lines: pd.DataFrame, lines: pd.DataFrame,
                  column_map: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per return and order line it covers (Position.return_lines, from position.lines.returns_per_line):
    refund amount (qty x the line's net unit price, for refunds and credits; blank when the price is unknown),
    units to restock (received and resellable), the replacement line of an exchange; and the return
    exceptions."""
    frame = return_lines.copy()
    if frame.empty:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in RETURN_COLUMNS})
        return empty.astype({"qty": float, "refund_amount": float, "restock_qty": float}), concat_findings([])
    frame["unit_price"] = frame["unit_price"].astype(float)
    frame["shipped_qty"] = frame["shipped_qty"].astype(float).fillna(0.0)
    pays = frame["resolution"].isin(["refund", "credit"]) & (frame["status"].fillna("open") != "cancelled")
    # Refunds at the net price the customer paid: unit_price x (1 - the line's discount).
    frame["refund_amount"] = np.where(pays, frame["qty"] * net_price(frame), 0.0)
    received = frame["received_date"].notna() | frame["status"].isin(["received", "closed"])
    frame["restock_qty"] = np.where(received & (frame["condition"] == "resellable"), frame["qty"], 0.0)
    frame["replacement_line"] = _replacement_lines(frame, lines)
    problems = []
    matched = frame["matched"].to_numpy(dtype=bool)
    never = frame[~matched | (frame["shipped_qty"] <= 0)]
    if len(never):
        problems.append(row_findings(
            "return-without-shipment", "returns", never, column="order_id", column_map=column_map, messages=
            "Return " + words(never["rma_id"]) + " is for order " + words(never["order_id"]) + ", "
            + _line_words(never) + ", which never shipped" + np.where(matched[never.index], "",
                                                                     " (no such order line)")
            + ". Check the order number before refunding.", ref=never["rma_id"]))
    returned = frame[matched].groupby(["order_id", "line"])["qty"].transform("sum")
    too_many = frame[matched & (frame["shipped_qty"] > 0)]
    too_many = too_many[returned.reindex(too_many.index) > too_many["shipped_qty"]]
    if len(too_many):
        # A return without a quantity column on its sheet is cited by its order number.
        cited = np.where(has_column(too_many, "qty", column_map), "qty", "order_id")
        problems.extend(row_findings(
            "return-exceeds-shipped", "returns", rows, column=column, column_map=column_map, messages=
            "Returns for order " + words(rows["order_id"]) + " line " + words(rows["line"])
            + " come to " + quantity_text(returned.reindex(rows.index), decimals=0) + " but only "
            + quantity_text(rows["shipped_qty"], decimals=0) + " shipped (return " + words(rows["rma_id"])
            + "). Check the quantities before refunding.", ref=rows["rma_id"])
            for column in ("qty", "order_id") for rows in [too_many[cited == column]] if len(rows))
    exceptions = concat_findings(problems)
    return frame[list(RETURN_COLUMNS)], exceptions


def _line_words(rows: pd.DataFrame) -> pd.Series:
    """'item X', else 'line 2' (a return naming only its line), else 'no item named'."""
    return pd.Series(np.where(rows["sku"].notna(), "item " + words(rows["sku"]),
                              np.where(rows["line"].notna(), "line " + words(rows["line"]), "no item named")),
                     index=rows.index)


def _replacement_lines(frame: pd.DataFrame, lines: pd.DataFrame) -> pd.Series:
    """The replacement line of each exchange in progress. Replacements were made in the same order from the
    same rows (position.lines.replacement_lines), so the n-th row of an RMA and item is its n-th replacement."""
    key = ["rma_id", "sku", "_n"]
    made = lines.loc[lines["kind"] == "exchange", ["rma_id", "sku", "line"]]
    made = made.assign(_n=made.groupby(["rma_id", "sku"], dropna=False).cumcount()).rename(
        columns={"line": "replacement_line"})
    asked = frame.loc[exchange_in_progress(frame), ["rma_id", "sku"]]
    asked = asked.assign(_n=asked.groupby(["rma_id", "sku"], dropna=False).cumcount())
    found = asked.reset_index().merge(made, on=key, how="left").set_index("index")["replacement_line"]
    return found.reindex(frame.index).astype("Int64")
