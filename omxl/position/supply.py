"""What there is to ship from: stock on hand per SKU, and open inbound supply."""

from __future__ import annotations

import pandas as pd

from ..book import Book


def stock_by_sku(inventory: pd.DataFrame) -> pd.Series:
    """On hand per SKU over all locations, each location floored at 0 (a negative count is a data problem,
    reported as negative-stock, and cannot take stock away from another location)."""
    if inventory.empty:
        return pd.Series(dtype=float)
    return inventory["on_hand"].clip(lower=0).groupby(inventory["sku"]).sum()


def received_qty(purchase_orders: pd.DataFrame) -> pd.Series:
    """Units received per PO line: a line with a received_date and a blank received_qty was received in full
    (contract 2.3); blank otherwise is 0."""
    given = purchase_orders["received_qty"]
    in_full = given.isna() & purchase_orders["received_date"].notna()
    return given.where(~in_full, purchase_orders["qty"]).fillna(0.0)


def open_supply(book: Book, as_of: pd.Timestamp) -> pd.DataFrame:
    """Open purchase-order quantity per PO line, in the order it arrives (expected date, blank last).
    Without a purchase_orders table, inventory.on_order counts as supply with no date."""
    pos = book.purchase_orders
    if len(pos):
        status = pos["status"].fillna("open")
        received = received_qty(pos)
        remaining = (pos["qty"] - received).clip(lower=0)
        supply = pos.assign(received_qty=received, open_qty=remaining.where(status == "open", 0.0))
        supply = supply[["po_id", "supplier_id", "sku", "qty", "received_qty", "open_qty", "order_date",
                         "expected_date", "status", "source", "sheet", "row"]]
    else:
        inv = book.inventory
        supply = pd.DataFrame({"po_id": pd.Series(pd.NA, index=inv.index, dtype="string[python]"),
                               "supplier_id": inv["supplier_id"], "sku": inv["sku"], "qty": inv["on_order"],
                               "received_qty": 0.0, "open_qty": inv["on_order"].fillna(0.0).clip(lower=0),
                               "order_date": pd.NaT, "expected_date": pd.NaT, "status": "open",
                               "source": inv["source"], "sheet": inv["sheet"], "row": inv["row"]})
        supply = supply[supply["open_qty"] > 0]
    supply = supply.sort_values(["sku", "expected_date", "po_id"], na_position="last", kind="stable")
    supply["overdue"] = (supply["open_qty"] > 0) & (supply["expected_date"] < as_of)
    return supply.reset_index(drop=True)
