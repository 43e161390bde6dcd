"""Reconciliation exceptions: mismatches between orders, shipments, stock, purchase orders and returns.

Each exception is a finding (omxl/findings.py, stage `reconcile`) about the row it
comes from, citing the cell of the column it is about: a shipment's order number, a
line's status, a location's on-hand count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..findings import CATALOG, concat_findings, display, row_findings

def exceptions_frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The exceptions as one findings frame, in catalog order, then order, line and item."""
    frame = concat_findings(parts)
    order = {code: i for i, code in enumerate(CATALOG)}
    frame = frame.assign(_order=frame["code"].map(order)).sort_values(
        ["_order", "order_id", "line", "sku"], kind="stable", na_position="last")
    return frame.drop(columns="_order").reset_index(drop=True)


def _num(values: pd.Series) -> pd.Series:
    return values.map(display)


def shipment_exceptions(matched: pd.DataFrame, lines: pd.DataFrame, column_map: pd.DataFrame) -> pd.DataFrame:
    parts = []
    ref = matched["shipment_id"].fillna("").astype(str)
    orphan = matched[matched["line_index"].isna()]
    if len(orphan):
        where = np.where(orphan["line"].notna(), "line " + orphan["line"].astype("string[python]").fillna(""),
                         "item " + orphan["sku"].astype(str))
        parts.append(row_findings(
            "shipment-without-order", "shipments", orphan, column="order_id", column_map=column_map, messages=
            "Shipment of " + _num(orphan["qty"]) + " x " + orphan["sku"].astype(str) + " on "
            + orphan["ship_date"].dt.strftime("%Y-%m-%d").fillna("?") + " matches no order line (order "
            + orphan["order_id"].astype(str) + ", " + where + "). Check the order number on the shipment.",
            ref=ref[orphan.index]))
    wrong = matched[matched["sku_mismatch"].astype(bool)]
    if len(wrong):
        line_sku = lines.set_index("line_index")["sku"].reindex(wrong["line_index"].astype(int)).to_numpy()
        parts.append(row_findings(
            "shipment-sku-mismatch", "shipments", wrong, column="sku", column_map=column_map, messages=
            "Shipment sent " + wrong["sku"].astype(str) + " for order " + wrong["order_id"].astype(str) + " line "
            + wrong["line"].astype("string[python]").fillna("") + ", which ordered " + pd.Series(line_sku, index=wrong.index)
            .astype(str) + "; it is not counted as shipped. Check the shipment or the order line.",
            ref=ref[wrong.index]))
    on_line = matched[matched["line_index"].notna()]
    status = lines.set_index("line_index")["sheet_status"]
    cancelled = on_line[on_line["line_index"].astype(int).map(status).eq("cancelled").to_numpy()]
    if len(cancelled):
        parts.append(row_findings(
            "shipment-on-cancelled-line", "shipments", cancelled, column="qty", column_map=column_map, messages=
            "Order " + cancelled["order_id"].astype(str) + " line " + cancelled["line"].astype("string[python]").fillna("")
            + " is cancelled but " + _num(cancelled["qty"]) + " were shipped on "
            + cancelled["ship_date"].dt.strftime("%Y-%m-%d").fillna("?") + ". Recall the shipment or reopen the line.",
            ref=ref[cancelled.index]))
    if matched["tracking_number"].notna().any():
        untracked = matched[matched["tracking_number"].isna()].drop_duplicates("shipment_index")
        if len(untracked):
            parts.append(row_findings(
                "missing-tracking", "shipments", untracked, column="tracking_number", column_map=column_map, messages=
                "Shipment " + untracked["shipment_id"].fillna("").astype(str) + " for order "
                + untracked["order_id"].astype(str) + " has no tracking number. Add it from the carrier's receipt.",
                ref=ref[untracked.index]))
    return concat_findings(parts)


def line_exceptions(lines: pd.DataFrame, column_map: pd.DataFrame, shipments_table: bool) -> pd.DataFrame:
    """Line-level exceptions. `shipments_table`: the book has its own shipments table, so shipping columns on
    the order lines are checked against it (contract 2.3)."""
    parts = []
    # "status" here is the line's reconciled status; a status-mismatch cites what the sheet says.
    orders = lines[lines["kind"] == "order"]
    if shipments_table and ("sheet_shipped_qty" in orders):
        claimed = orders["sheet_shipped_qty"]
        differs = orders[claimed.notna() & ((claimed - orders["shipped_qty"]).abs() > 1e-9)]
        if len(differs):
            parts.append(row_findings(
                "shipment-data-mismatch", "orders", differs, column="shipped_qty", column_map=column_map, messages=
                "Order " + differs["order_id"].astype(str) + " line " + differs["line"].astype(str)
                + " says " + _num(differs["sheet_shipped_qty"]) + " shipped, the shipments table "
                + _num(differs["shipped_qty"]) + ". The shipments table is used; correct the order sheet."))
    over = orders[orders["shipped_qty"] > orders["qty"]]
    if len(over):
        parts.append(row_findings(
            "over-shipment", "orders", over, column="qty", column_map=column_map, messages=
            "Order " + over["order_id"].astype(str) + " line " + over["line"].astype(str) + " ordered "
            + _num(over["qty"]) + " but " + _num(over["shipped_qty"]) + " were shipped. Invoice the extra or arrange "
            "its return."))
    closed_open = orders[(orders["sheet_status"] == "closed") & (orders["shipped_qty"] < orders["qty"])]
    if len(closed_open):
        parts.append(row_findings(
            "status-mismatch", "orders", closed_open.assign(status=closed_open["sheet_status"]), column="status", column_map=column_map, messages=
            "Order " + closed_open["order_id"].astype(str) + " line " + closed_open["line"].astype(str)
            + " is closed on the sheet but only " + _num(closed_open["shipped_qty"]) + " of "
            + _num(closed_open["qty"]) + " shipped. Reopen the line or record the missing shipment."))
    open_done = orders[(orders["sheet_status"] == "open") & (orders["shipped_qty"] >= orders["qty"])
                       & (orders["qty"] > 0)]
    if len(open_done):
        parts.append(row_findings(
            "status-mismatch", "orders", open_done.assign(status=open_done["sheet_status"]), column="status", column_map=column_map, messages=
            "Order " + open_done["order_id"].astype(str) + " line " + open_done["line"].astype(str)
            + " is open on the sheet but all " + _num(open_done["qty"]) + " have shipped. Close the line."))
    return concat_findings(parts)


def stock_exceptions(inventory: pd.DataFrame, view: pd.DataFrame, supply: pd.DataFrame, pos: pd.DataFrame,
                     as_of: pd.Timestamp, column_map: pd.DataFrame) -> pd.DataFrame:
    parts = []
    negative = inventory[inventory["on_hand"] < 0]
    if len(negative):
        parts.append(row_findings(
            "negative-stock", "inventory", negative, column="on_hand", column_map=column_map, messages=
            negative["sku"].astype(str) + " shows " + _num(negative["on_hand"]) + " on hand at "
            + negative["location"].astype(str) + ". Count it and correct the stock record; it counts as 0.",
            ref=negative["location"].astype(str)))
    # Stock as allocation sees it: each location floored at 0, so a negative count elsewhere hides nothing.
    stock = view["available"] + view["allocated"]
    out = view[(stock <= 0) & (view["backlog"] > 0)]
    if len(out):
        rows = inventory.drop_duplicates("sku").set_index("sku").reindex(out["sku"])
        rows = rows.reset_index()
        parts.append(row_findings(
            "stockout", "inventory", rows, column="on_hand", column_map=column_map, messages=
            out["sku"].astype(str).to_numpy() + " is out of stock with " + _num(out["backlog"]).to_numpy()
            + " open on orders and " + _num(out["on_order"]).to_numpy() + " on order."))
    overdue = supply[supply["overdue"]]
    if len(overdue):
        days = (as_of - overdue["expected_date"]).dt.days
        parts.append(row_findings(
            "po-overdue", "purchase_orders", overdue, column="expected_date", column_map=column_map, messages=
            "PO " + overdue["po_id"].astype(str) + " for " + _num(overdue["open_qty"]) + " x "
            + overdue["sku"].astype(str) + " from " + overdue["supplier_id"].astype(str) + " was expected "
            + overdue["expected_date"].dt.strftime("%Y-%m-%d") + " (" + days.astype(str)
            + " days ago). Chase the supplier for a new date.", ref=overdue["po_id"]))
    if len(pos):
        over = pos[pos["received_qty"] > pos["qty"]]
        if len(over):
            parts.append(row_findings(
                "po-over-receipt", "purchase_orders", over, column="received_qty", column_map=column_map, messages=
                "PO " + over["po_id"].astype(str) + " ordered " + _num(over["qty"]) + " x " + over["sku"].astype(str)
                + " but " + _num(over["received_qty"]) + " were received. Check the receipt and the supplier's "
                "invoice.", ref=over["po_id"]))
    return concat_findings(parts)
