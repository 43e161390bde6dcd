"""Reconciliation exceptions: mismatches between orders, shipments, stock, purchase orders and returns.

Each exception is a row: code, severity, table, order_id, line, sku, ref, message, and
where the row it is about came from (source, sheet, row). Codes and their severities
are data (EXCEPTION_CODES); docs/reconciliation.md lists them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .findings import display

EXCEPTION_COLUMNS = ("code", "severity", "table", "order_id", "line", "sku", "ref", "message", "source", "sheet",
                     "row")

EXCEPTION_CODES: dict[str, tuple[str, str]] = {
    "over-shipment": ("warning", "More was shipped than the line ordered."),
    "shipment-without-order": ("warning", "A shipment matches no order line."),
    "shipment-sku-mismatch": ("warning", "A shipment's item differs from its order line's item."),
    "shipment-on-cancelled-line": ("warning", "A cancelled line has shipments."),
    "missing-tracking": ("info", "A shipment has no tracking number (reported once any shipment has one)."),
    "status-mismatch": ("warning", "The sheet's status disagrees with what shipped."),
    "shipment-data-mismatch": ("warning", "The order sheet's own shipping columns disagree with the shipments "
                                          "table (the shipments table wins)."),
    "negative-stock": ("warning", "An item shows less than zero on hand at a location."),
    "stockout": ("warning", "An item has no stock but open order quantity."),
    "po-overdue": ("warning", "An open purchase-order line is past its expected date."),
    "po-over-receipt": ("warning", "More was received than the purchase-order line ordered."),
    "return-exceeds-shipped": ("warning", "More was returned than the line shipped."),
    "return-without-shipment": ("warning", "A return refers to a line that never shipped (or does not exist)."),
}


def exception_rows(code: str, table: str, rows: pd.DataFrame, messages: pd.Series | list[str],
                   ref: pd.Series | list | str = "") -> pd.DataFrame:
    """Exceptions of one code for `rows` (which carry order_id/line/sku/source/sheet/row where they have them)."""
    n = len(rows)

    def column(name: str, dtype: str) -> pd.Series:
        if name in rows:
            return rows[name].reset_index(drop=True).astype(dtype)
        return pd.Series([pd.NA] * n, dtype=dtype)

    return pd.DataFrame({
        "code": code, "severity": EXCEPTION_CODES[code][0], "table": table,
        "order_id": column("order_id", "string[python]"), "line": column("line", "Int64"),
        "sku": column("sku", "string[python]"),
        "ref": pd.Series(ref if not isinstance(ref, str) else [ref] * n, dtype="string[python]").reset_index(drop=True),
        "message": pd.Series(list(messages), dtype="string[python]"),
        "source": column("source", "string[python]"), "sheet": column("sheet", "string[python]"),
        "row": column("row", "Int64"),
    }, index=range(n))


def exceptions_frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return exception_rows("over-shipment", "orders", pd.DataFrame(), [])
    frame = pd.concat(parts, ignore_index=True)
    order = {code: i for i, code in enumerate(EXCEPTION_CODES)}
    frame = frame.assign(_order=frame["code"].map(order)).sort_values(
        ["_order", "order_id", "line", "sku"], kind="stable", na_position="last")
    return frame.drop(columns="_order").reset_index(drop=True)[list(EXCEPTION_COLUMNS)]


def _num(values: pd.Series) -> pd.Series:
    return values.map(display)


def shipment_exceptions(matched: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    parts = []
    ref = matched["shipment_id"].fillna("").astype(str)
    orphan = matched[matched["line_index"].isna()]
    if len(orphan):
        where = np.where(orphan["line"].notna(), "line " + orphan["line"].astype("string").fillna(""),
                         "item " + orphan["sku"].astype(str))
        parts.append(exception_rows(
            "shipment-without-order", "shipments", orphan,
            "Shipment of " + _num(orphan["qty"]) + " x " + orphan["sku"].astype(str) + " on "
            + orphan["ship_date"].dt.strftime("%Y-%m-%d").fillna("?") + " matches no order line (order "
            + orphan["order_id"].astype(str) + ", " + where + "). Check the order number on the shipment.",
            ref[orphan.index]))
    wrong = matched[matched["sku_mismatch"].astype(bool)]
    if len(wrong):
        line_sku = lines.set_index("line_index")["sku"].reindex(wrong["line_index"].astype(int)).to_numpy()
        parts.append(exception_rows(
            "shipment-sku-mismatch", "shipments", wrong,
            "Shipment sent " + wrong["sku"].astype(str) + " for order " + wrong["order_id"].astype(str) + " line "
            + wrong["line"].astype("string").fillna("") + ", which ordered " + pd.Series(line_sku, index=wrong.index)
            .astype(str) + "; it is not counted as shipped. Check the shipment or the order line.",
            ref[wrong.index]))
    on_line = matched[matched["line_index"].notna()]
    status = lines.set_index("line_index")["sheet_status"]
    cancelled = on_line[on_line["line_index"].astype(int).map(status).eq("cancelled").to_numpy()]
    if len(cancelled):
        parts.append(exception_rows(
            "shipment-on-cancelled-line", "shipments", cancelled,
            "Order " + cancelled["order_id"].astype(str) + " line " + cancelled["line"].astype("string").fillna("")
            + " is cancelled but " + _num(cancelled["qty"]) + " were shipped on "
            + cancelled["ship_date"].dt.strftime("%Y-%m-%d").fillna("?") + ". Recall the shipment or reopen the line.",
            ref[cancelled.index]))
    if matched["tracking_number"].notna().any():
        untracked = matched[matched["tracking_number"].isna()].drop_duplicates("shipment_index")
        if len(untracked):
            parts.append(exception_rows(
                "missing-tracking", "shipments", untracked,
                "Shipment " + untracked["shipment_id"].fillna("").astype(str) + " for order "
                + untracked["order_id"].astype(str) + " has no tracking number. Add it from the carrier's receipt.",
                ref[untracked.index]))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def line_exceptions(lines: pd.DataFrame, shipments_table: bool) -> pd.DataFrame:
    """Line-level exceptions. `shipments_table`: the book has its own shipments table, so shipping columns on
    the order lines are checked against it (contract 2.3)."""
    parts = []
    orders = lines[lines["kind"] == "order"]
    if shipments_table and ("sheet_shipped_qty" in orders):
        claimed = orders["sheet_shipped_qty"]
        differs = orders[claimed.notna() & ((claimed - orders["shipped_qty"]).abs() > 1e-9)]
        if len(differs):
            parts.append(exception_rows(
                "shipment-data-mismatch", "orders", differs,
                "Order " + differs["order_id"].astype(str) + " line " + differs["line"].astype(str)
                + " says " + _num(differs["sheet_shipped_qty"]) + " shipped, the shipments table "
                + _num(differs["shipped_qty"]) + ". The shipments table is used; correct the order sheet."))
    over = orders[orders["shipped_qty"] > orders["qty"]]
    if len(over):
        parts.append(exception_rows(
            "over-shipment", "orders", over,
            "Order " + over["order_id"].astype(str) + " line " + over["line"].astype(str) + " ordered "
            + _num(over["qty"]) + " but " + _num(over["shipped_qty"]) + " were shipped. Invoice the extra or arrange "
            "its return."))
    closed_open = orders[(orders["sheet_status"] == "closed") & (orders["shipped_qty"] < orders["qty"])]
    if len(closed_open):
        parts.append(exception_rows(
            "status-mismatch", "orders", closed_open,
            "Order " + closed_open["order_id"].astype(str) + " line " + closed_open["line"].astype(str)
            + " is closed on the sheet but only " + _num(closed_open["shipped_qty"]) + " of "
            + _num(closed_open["qty"]) + " shipped. Reopen the line or record the missing shipment."))
    open_done = orders[(orders["sheet_status"] == "open") & (orders["shipped_qty"] >= orders["qty"])
                       & (orders["qty"] > 0)]
    if len(open_done):
        parts.append(exception_rows(
            "status-mismatch", "orders", open_done,
            "Order " + open_done["order_id"].astype(str) + " line " + open_done["line"].astype(str)
            + " is open on the sheet but all " + _num(open_done["qty"]) + " have shipped. Close the line."))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def stock_exceptions(inventory: pd.DataFrame, view: pd.DataFrame, supply: pd.DataFrame, pos: pd.DataFrame,
                     as_of: pd.Timestamp) -> pd.DataFrame:
    parts = []
    negative = inventory[inventory["on_hand"] < 0]
    if len(negative):
        parts.append(exception_rows(
            "negative-stock", "inventory", negative,
            negative["sku"].astype(str) + " shows " + _num(negative["on_hand"]) + " on hand at "
            + negative["location"].astype(str) + ". Count it and correct the stock record; it counts as 0.",
            negative["location"].astype(str)))
    # Stock as allocation sees it: each location floored at 0, so a negative count elsewhere hides nothing.
    stock = view["available"] + view["allocated"]
    out = view[(stock <= 0) & (view["backlog"] > 0)]
    if len(out):
        rows = inventory.drop_duplicates("sku").set_index("sku").reindex(out["sku"])
        rows = rows.reset_index()
        parts.append(exception_rows(
            "stockout", "inventory", rows,
            out["sku"].astype(str).to_numpy() + " is out of stock with " + _num(out["backlog"]).to_numpy()
            + " open on orders and " + _num(out["on_order"]).to_numpy() + " on order."))
    overdue = supply[supply["overdue"]]
    if len(overdue):
        days = (as_of - overdue["expected_date"]).dt.days
        parts.append(exception_rows(
            "po-overdue", "purchase_orders", overdue,
            "PO " + overdue["po_id"].astype(str) + " for " + _num(overdue["open_qty"]) + " x "
            + overdue["sku"].astype(str) + " from " + overdue["supplier_id"].astype(str) + " was expected "
            + overdue["expected_date"].dt.strftime("%Y-%m-%d") + " (" + days.astype(str)
            + " days ago). Chase the supplier for a new date.", overdue["po_id"]))
    if len(pos):
        over = pos[pos["received_qty"] > pos["qty"]]
        if len(over):
            parts.append(exception_rows(
                "po-over-receipt", "purchase_orders", over,
                "PO " + over["po_id"].astype(str) + " ordered " + _num(over["qty"]) + " x " + over["sku"].astype(str)
                + " but " + _num(over["received_qty"]) + " were received. Check the receipt and the supplier's "
                "invoice.", over["po_id"]))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
