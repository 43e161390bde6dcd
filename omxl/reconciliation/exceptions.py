"""Reconciliation exceptions: mismatches between orders, shipments, stock, purchase orders and returns.

Each exception is a finding (omxl/findings.py, stage `reconcile`) about the row it
comes from, citing the cell of the column it is about: a shipment's order number, a
line's status, a location's on-hand count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..findings import CATALOG, concat_findings, has_column, row_findings
from ..wording import day_text, words

def exceptions_frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The exceptions as one findings frame, in catalog order, then order, line and item."""
    frame = concat_findings(parts)
    order = {code: i for i, code in enumerate(CATALOG)}
    frame = frame.assign(_order=frame["code"].map(order)).sort_values(
        ["_order", "order_id", "line", "sku"], kind="stable", na_position="last")
    return frame.drop(columns="_order").reset_index(drop=True)


def _num(values: pd.Series) -> pd.Series:
    return words(values, "no quantity")


def shipment_exceptions(matched: pd.DataFrame, lines: pd.DataFrame, column_map: pd.DataFrame) -> pd.DataFrame:
    parts = []
    ref = matched["shipment_id"].fillna("").astype(str)
    orphan = matched[matched["line_index"].isna()]
    if len(orphan):
        where = np.where(orphan["line"].notna(), "line " + words(orphan["line"]),
                         np.where(orphan["sku"].notna(), "item " + words(orphan["sku"]), "no item"))
        parts.append(row_findings(
            "shipment-without-order", "shipments", orphan, column="order_id", column_map=column_map, messages=
            "Shipment of " + _num(orphan["qty"]) + " x " + words(orphan["sku"], "no item") + " on "
            + day_text(orphan["ship_date"], blank="no date") + " matches no order line (order "
            + words(orphan["order_id"]) + ", " + where + "). Check the order number on the shipment.",
            ref=ref[orphan.index]))
    wrong = matched[matched["sku_mismatch"].astype(bool)]
    if len(wrong):
        line_sku = lines["sku"].set_axis(lines["line_index"]).reindex(wrong["line_index"].astype(int)).to_numpy()
        parts.append(row_findings(
            "shipment-sku-mismatch", "shipments", wrong, column="sku", column_map=column_map, messages=
            "Shipment sent " + words(wrong["sku"], "no item") + " for order " + words(wrong["order_id"]) + " line "
            + words(wrong["line"]) + ", which ordered " + words(pd.Series(line_sku, index=wrong.index), "no item")
            + "; it is not counted as shipped. Check the shipment or the order line.",
            ref=ref[wrong.index]))
    # Looked up by line_index on the one column (the lines are wide: set_index would copy every column).
    on_line = matched["line_index"].notna().to_numpy(dtype=bool)
    status = lines["sheet_status"].set_axis(lines["line_index"])
    on_cancelled = np.zeros(len(matched), dtype=bool)
    on_cancelled[on_line] = matched["line_index"][on_line].astype(int).map(status).eq("cancelled").to_numpy()
    cancelled = matched[on_cancelled]
    if len(cancelled):
        parts.append(row_findings(
            "shipment-on-cancelled-line", "shipments", cancelled, column="qty", column_map=column_map, messages=
            "Order " + words(cancelled["order_id"]) + " line " + words(cancelled["line"])
            + " is cancelled but " + _num(cancelled["qty"]) + " were shipped on "
            + day_text(cancelled["ship_date"], blank="no date") + ". Recall the shipment or reopen the line.",
            ref=ref[cancelled.index]))
    # Only shipments whose own sheet has a tracking column can lack a tracking number (contract 2.3); a
    # shipment derived from an order line answers for the order sheet.
    untracked = matched[matched["tracking_number"].isna()].drop_duplicates("shipment_index")
    untracked = untracked[has_column(untracked, "tracking_number", column_map)]
    if len(untracked):
        parts.append(row_findings(
            "missing-tracking", "shipments", untracked, column="tracking_number", column_map=column_map, messages=
            "Shipment " + words(untracked["shipment_id"], "without a number") + " for order "
            + words(untracked["order_id"]) + " has no tracking number. Add it from the carrier's receipt.",
            ref=ref[untracked.index]))
    return concat_findings(parts)


def line_exceptions(lines: pd.DataFrame, column_map: pd.DataFrame, shipments_table: bool) -> pd.DataFrame:
    """Line-level exceptions. `shipments_table`: the book has its own shipments table, so shipping columns on
    the order lines are checked against it (contract 2.3)."""
    parts = []
    # "status" here is the line's reconciled status; a status-mismatch cites what the sheet says.
    # The rows of each finding are taken from the lines by one mask (the lines are wide: a filter copies every
    # column, so the order lines are not copied out first).
    order = (lines["kind"] == "order").to_numpy(dtype=bool)

    def where(mask: pd.Series) -> np.ndarray:
        return mask.fillna(False).to_numpy(dtype=bool)
    # A status-mismatch needs the status the sheet gives: lines from a sheet without a status column have none
    # (their sheet_status "open" is a default, not a claim), contract 2.3.
    status_given = np.zeros(len(lines), dtype=bool)
    provenance = [name for name in ("source", "sheet") if name in lines]   # all has_column reads
    status_given[order] = has_column(lines.loc[order, provenance], "status", column_map)
    if shipments_table and ("sheet_shipped_qty" in lines):
        claimed = lines["sheet_shipped_qty"]
        claims_other = claimed.notna() & ((claimed - lines["shipped_qty"]).abs() > 1e-9)
        differs = lines[order & where(claims_other)]
        if len(differs):
            parts.append(row_findings(
                "shipment-data-mismatch", "orders", differs, column="shipped_qty", column_map=column_map, messages=
                "Order " + words(differs["order_id"]) + " line " + words(differs["line"])
                + " says " + _num(differs["sheet_shipped_qty"]) + " shipped, the shipments table "
                + _num(differs["shipped_qty"]) + ". The shipments table is used; correct the order sheet."))
    over = lines[order & where(lines["shipped_qty"] > lines["qty"])]
    if len(over):
        parts.append(row_findings(
            "over-shipment", "orders", over, column="qty", column_map=column_map, messages=
            "Order " + words(over["order_id"]) + " line " + words(over["line"]) + " ordered "
            + _num(over["qty"]) + " but " + _num(over["shipped_qty"]) + " were shipped. Invoice the extra or arrange "
            "its return."))
    closed_open = lines[status_given & where((lines["sheet_status"] == "closed")
                                             & (lines["shipped_qty"] < lines["qty"]))]
    if len(closed_open):
        parts.append(row_findings(
            "status-mismatch", "orders", closed_open.assign(status=closed_open["sheet_status"]), column="status", column_map=column_map, messages=
            "Order " + words(closed_open["order_id"]) + " line " + words(closed_open["line"])
            + " is closed on the sheet but only " + _num(closed_open["shipped_qty"]) + " of "
            + _num(closed_open["qty"]) + " shipped. Reopen the line or record the missing shipment."))
    open_done = lines[status_given & where((lines["sheet_status"] == "open") & (lines["shipped_qty"] >= lines["qty"])
                                           & (lines["qty"] > 0))]
    if len(open_done):
        parts.append(row_findings(
            "status-mismatch", "orders", open_done.assign(status=open_done["sheet_status"]), column="status", column_map=column_map, messages=
            "Order " + words(open_done["order_id"]) + " line " + words(open_done["line"])
            + " is open on the sheet but all " + _num(open_done["qty"]) + " have shipped. Close the line."))
    parts.append(_mixed_currencies(lines, order, column_map))
    return concat_findings(parts)


def _mixed_currencies(lines: pd.DataFrame, order: np.ndarray, column_map: pd.DataFrame) -> pd.DataFrame:
    """One `mixed-currency-order` per line whose currency differs from the one most of its order's lines are
    in (the first line's, on a tie). Blank currencies are not a difference."""
    if "currency" not in lines:
        return concat_findings([])
    code = lines["currency"][order].astype("string[python]").str.strip().str.upper()
    has_code = (code.notna() & code.ne("")).to_numpy(dtype=bool)
    # Counted on the order ids and codes alone: the lines are wide.
    named = pd.DataFrame({"order_id": lines["order_id"][order][has_code], "_code": code[has_code]})
    if named.empty:
        return concat_findings([])
    counts = named.groupby(["order_id", "_code"], sort=False).size().rename("_n").reset_index()
    main = counts.sort_values("_n", ascending=False, kind="stable").drop_duplicates("order_id")
    named["_main"] = named["order_id"].map(main.set_index("order_id")["_code"]).astype(named["_code"].dtype)
    differs = (named["_code"] != named["_main"]).fillna(False).to_numpy(dtype=bool)
    if not differs.any():
        return concat_findings([])
    odd = lines.iloc[np.flatnonzero(order)[has_code][differs]].assign(_code=named["_code"][differs],
                                                                      _main=named["_main"][differs])
    return row_findings(
        "mixed-currency-order", "orders", odd.drop(columns=["_code", "_main"]), column="currency",
        column_map=column_map, messages=
        "Order " + words(odd["order_id"]) + " line " + words(odd["line"]) + " is in " + words(odd["_code"])
        + ", the order's other lines in " + words(odd["_main"]) + ". Correct the line's currency: an order is "
        "priced and invoiced in one currency.")


def stock_exceptions(inventory: pd.DataFrame, view: pd.DataFrame, supply: pd.DataFrame, pos: pd.DataFrame,
                     as_of: pd.Timestamp, column_map: pd.DataFrame) -> pd.DataFrame:
    parts = []
    negative = inventory[inventory["on_hand"] < 0]
    if len(negative):
        parts.append(row_findings(
            "negative-stock", "inventory", negative, column="on_hand", column_map=column_map, messages=
            words(negative["sku"], "no item") + " shows " + _num(negative["on_hand"]) + " on hand at "
            + words(negative["location"]) + ". Count it and correct the stock record; it counts as 0.",
            ref=words(negative["location"])))
    # Stock as allocation sees it: each location floored at 0, so a negative count elsewhere hides nothing.
    stock = view["available"] + view["allocated"]
    out = view[(stock <= 0) & (view["backlog"] > 0)]
    if len(out):
        rows = inventory.drop_duplicates("sku").set_index("sku").reindex(out["sku"])
        rows = rows.reset_index()
        parts.append(row_findings(
            "stockout", "inventory", rows, column="on_hand", column_map=column_map, messages=
            words(out["sku"], "no item").to_numpy() + " is out of stock with " + _num(out["backlog"]).to_numpy()
            + " open on orders and " + _num(out["on_order"]).to_numpy() + " on order."))
    overdue = supply[supply["overdue"]]
    if len(overdue):
        days = (as_of - overdue["expected_date"]).dt.days
        parts.append(row_findings(
            "po-overdue", "purchase_orders", overdue, column="expected_date", column_map=column_map, messages=
            "PO " + words(overdue["po_id"]) + " for " + _num(overdue["open_qty"]) + " x "
            + words(overdue["sku"], "no item") + " from " + words(overdue["supplier_id"]) + " was expected "
            + day_text(overdue["expected_date"], blank="no date") + " (" + days.astype(str)
            + " days ago). Chase the supplier for a new date.", ref=overdue["po_id"]))
    if len(pos):
        over = pos[pos["received_qty"] > pos["qty"]]
        if len(over):
            parts.append(row_findings(
                "po-over-receipt", "purchase_orders", over, column="received_qty", column_map=column_map, messages=
                "PO " + words(over["po_id"]) + " ordered " + _num(over["qty"]) + " x " + words(over["sku"], "no item")
                + " but " + _num(over["received_qty"]) + " were received. Check the receipt and the supplier's "
                "invoice.", ref=over["po_id"]))
    return concat_findings(parts)
