"""Returns in reconciliation: refunds, restock, exchange replacements, and return exceptions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .recon_exceptions import exception_rows

RETURN_COLUMNS = ("rma_id", "order_id", "line", "sku", "qty", "received_date", "reason", "condition", "resolution",
                  "status", "unit_price", "refund_amount", "restock_qty", "replacement_line", "shipped_qty", "source",
                  "sheet", "row")


def _matched_lines(returns: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """The order line of each return: by (order_id, line), or the order's first line of that SKU.
    One row per return, in its order, with `matched` telling whether a line was found."""
    orders = lines.loc[lines["kind"] == "order",
                       ["order_id", "line", "sku", "customer_id", "unit_price", "allocation_priority",
                        "shipped_qty", "qty"]]
    asked = returns[["order_id", "line", "sku"]].reset_index(drop=True).assign(position=lambda f: f.index)
    by_line = asked[asked["line"].notna()].merge(
        orders.drop(columns="sku").drop_duplicates(["order_id", "line"]), on=["order_id", "line"], how="left",
        indicator=True)
    by_sku = asked[asked["line"].isna()].drop(columns="line").merge(
        orders.sort_values("line").drop_duplicates(["order_id", "sku"]), on=["order_id", "sku"], how="left",
        indicator=True)
    found = pd.concat([by_line, by_sku], ignore_index=True).sort_values("position").reset_index(drop=True)
    found["matched"] = found["_merge"].eq("both")
    return found.drop(columns=["_merge", "position"])


def replacement_lines(returns: pd.DataFrame, lines: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Exchanges still in progress (RMA not closed or cancelled: a closed exchange has had its replacement)
    become open lines that compete for stock like any other: same customer, priority and price as the
    returned line, promised for the day the return was received (or as_of)."""
    in_progress = ~returns["status"].fillna("open").isin(["closed", "cancelled"])
    exchanges = returns[(returns["resolution"] == "exchange") & in_progress]
    exchanges = exchanges.reset_index(drop=True)
    if exchanges.empty:
        return lines.iloc[0:0]
    original = _matched_lines(exchanges, lines)
    last_line = lines.groupby("order_id")["line"].max()
    numbering = exchanges.groupby("order_id").cumcount() + 1
    when = exchanges["received_date"].fillna(as_of)
    replacement = pd.DataFrame({
        "order_id": exchanges["order_id"],
        "line": (exchanges["order_id"].map(last_line).fillna(0).astype(int) + numbering).astype("Int64"),
        "order_date": when, "customer_id": original["customer_id"].astype("string[python]"), "sku": exchanges["sku"],
        "qty": exchanges["qty"], "unit_price": original["unit_price"], "promised_date": when,
        "status": "open", "priority": pd.array([pd.NA] * len(exchanges), dtype="Int64"),
        "sheet_status": "open", "allocation_priority": original["allocation_priority"].astype("Float64"),
        "kind": "exchange", "rma_id": exchanges["rma_id"],
        "source": exchanges["source"], "sheet": exchanges["sheet"], "row": exchanges["row"],
    })
    return replacement


def returns_frame(returns: pd.DataFrame, lines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per RMA: refund amount (qty x the line's unit price, for refunds and credits), units to restock
    (received and resellable), the replacement line of an exchange; and the return exceptions."""
    frame = returns.reset_index(drop=True).copy()
    if frame.empty:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in RETURN_COLUMNS})
        return empty.astype({"qty": float, "refund_amount": float, "restock_qty": float}), pd.DataFrame()
    found = _matched_lines(frame, lines)
    frame["line"] = found["line"].astype("Int64")
    frame["unit_price"] = found["unit_price"].astype(float)
    frame["shipped_qty"] = found["shipped_qty"].astype(float).fillna(0.0)
    pays = frame["resolution"].isin(["refund", "credit"]) & (frame["status"].fillna("open") != "cancelled")
    frame["refund_amount"] = np.where(pays, frame["qty"] * frame["unit_price"], 0.0)
    received = frame["received_date"].notna() | frame["status"].isin(["received", "closed"])
    frame["restock_qty"] = np.where(received & (frame["condition"] == "resellable"), frame["qty"], 0.0)
    replacements = lines[lines["kind"] == "exchange"].set_index("rma_id")["line"]
    frame["replacement_line"] = frame["rma_id"].map(replacements).astype("Int64")
    problems = []
    matched = found["matched"].to_numpy(dtype=bool)
    never = frame[~matched | (frame["shipped_qty"] <= 0)]
    if len(never):
        problems.append(exception_rows(
            "return-without-shipment", "returns", never,
            "Return " + never["rma_id"].astype(str) + " is for order " + never["order_id"].astype(str) + ", item "
            + never["sku"].astype(str) + ", which never shipped" + np.where(matched[never.index], "",
                                                                          " (no such order line)")
            + ". Check the order number before refunding.", never["rma_id"]))
    returned = frame[matched].groupby(["order_id", "line"])["qty"].transform("sum")
    too_many = frame[matched & (frame["shipped_qty"] > 0)]
    too_many = too_many[returned.reindex(too_many.index) > too_many["shipped_qty"]]
    if len(too_many):
        problems.append(exception_rows(
            "return-exceeds-shipped", "returns", too_many,
            "Returns for order " + too_many["order_id"].astype(str) + " line " + too_many["line"].astype(str)
            + " come to " + returned.reindex(too_many.index).map("{:,.0f}".format) + " but only "
            + too_many["shipped_qty"].map("{:,.0f}".format) + " shipped (return " + too_many["rma_id"].astype(str)
            + "). Check the quantities before refunding.", too_many["rma_id"]))
    exceptions = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame()
    return frame[list(RETURN_COLUMNS)], exceptions
