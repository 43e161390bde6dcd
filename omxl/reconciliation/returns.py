"""Returns in reconciliation: refunds, restock, exchange replacements, and return exceptions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..findings import concat_findings, row_findings
from ..position.lines import matched_lines

RETURN_COLUMNS = ("rma_id", "order_id", "line", "sku", "qty", "received_date", "reason", "condition", "resolution",
                  "status", "unit_price", "refund_amount", "restock_qty", "replacement_line", "shipped_qty", "source",
                  "sheet", "row")


def returns_frame(returns: pd.DataFrame, lines: pd.DataFrame,
                  column_map: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per RMA: refund amount (qty x the line's unit price, for refunds and credits), units to restock
    (received and resellable), the replacement line of an exchange; and the return exceptions."""
    frame = returns.reset_index(drop=True).copy()
    if frame.empty:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in RETURN_COLUMNS})
        return empty.astype({"qty": float, "refund_amount": float, "restock_qty": float}), concat_findings([])
    found = matched_lines(frame, lines)
    frame["line"] = found["line"].astype("Int64")
    frame["unit_price"] = found["unit_price"].astype(float)
    frame["shipped_qty"] = found["shipped_qty"].astype(float).fillna(0.0)
    pays = frame["resolution"].isin(["refund", "credit"]) & (frame["status"].fillna("open") != "cancelled")
    # Refunds at the net price the customer paid: unit_price x (1 - the line's discount).
    net_price = frame["unit_price"] * (1 - found["discount"].astype(float).fillna(0.0))
    frame["refund_amount"] = np.where(pays, frame["qty"] * net_price, 0.0)
    received = frame["received_date"].notna() | frame["status"].isin(["received", "closed"])
    frame["restock_qty"] = np.where(received & (frame["condition"] == "resellable"), frame["qty"], 0.0)
    replacements = lines[lines["kind"] == "exchange"].set_index("rma_id")["line"]
    frame["replacement_line"] = frame["rma_id"].map(replacements).astype("Int64")
    problems = []
    matched = found["matched"].to_numpy(dtype=bool)
    never = frame[~matched | (frame["shipped_qty"] <= 0)]
    if len(never):
        problems.append(row_findings(
            "return-without-shipment", "returns", never, column="order_id", column_map=column_map, messages=
            "Return " + never["rma_id"].astype(str) + " is for order " + never["order_id"].astype(str) + ", item "
            + never["sku"].astype(str) + ", which never shipped" + np.where(matched[never.index], "",
                                                                          " (no such order line)")
            + ". Check the order number before refunding.", ref=never["rma_id"]))
    returned = frame[matched].groupby(["order_id", "line"])["qty"].transform("sum")
    too_many = frame[matched & (frame["shipped_qty"] > 0)]
    too_many = too_many[returned.reindex(too_many.index) > too_many["shipped_qty"]]
    if len(too_many):
        problems.append(row_findings(
            "return-exceeds-shipped", "returns", too_many, column="qty", column_map=column_map, messages=
            "Returns for order " + too_many["order_id"].astype(str) + " line " + too_many["line"].astype(str)
            + " come to " + returned.reindex(too_many.index).map("{:,.0f}".format) + " but only "
            + too_many["shipped_qty"].map("{:,.0f}".format) + " shipped (return " + too_many["rma_id"].astype(str)
            + "). Check the quantities before refunding.", ref=too_many["rma_id"]))
    exceptions = concat_findings(problems)
    return frame[list(RETURN_COLUMNS)], exceptions
