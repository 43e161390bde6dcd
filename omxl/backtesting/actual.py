"""What the book shows happened between start and end (docs/backtest.md, "Actual"), worked out from the book's own
order lines, shipments and purchase orders, independently of the replay.

- unit fill rate (contract 4.4): units of the lines due in the period (promised_date from start to end, cancelled
  lines left out) shipped on or before their promised date, over the units of those lines;
- stock per SKU at the end of each day: the stock at the start (the book rolled back) + units received (PO
  receipts, resellable returns) - units shipped, each on its day; units waiting: the order units open at the
  start + units ordered - units shipped, up to that day;
- stockout days: SKU-days ending with nothing on hand and units waiting;
- average inventory value: per currency, the mean over the days of Σ on hand x unit cost;
- order count: purchase orders (distinct po_id) ordered from start to end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..position.shipments import on_time_units
from ..position.supply import received_qty


def due_fill_rate(lines: pd.DataFrame, matches: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Units of the order lines due from start to end shipped on or before their promised date ÷ their units
    (NaN when no line is due). `lines`: the order lines with line_index; `matches`: each shipment and its line."""
    orders = lines[(lines["kind"] == "order").to_numpy(dtype=bool)
                   & (lines["sheet_status"] != "cancelled").to_numpy(dtype=bool)]
    promised = pd.to_datetime(orders["promised_date"])
    due = orders[(promised >= start).fillna(False).to_numpy(dtype=bool)
                 & (promised <= end).fillna(False).to_numpy(dtype=bool)]
    units = float(due["qty"].sum())
    if units <= 0:
        return float("nan")
    # A line over-shipped on time counts its own units, no more.
    filled = on_time_units(lines, matches)[due["line_index"].to_numpy(dtype=np.int64)]
    return float(filled.sum()) / units


def daily_moves(frame: pd.DataFrame, date: str, qty: pd.Series, skus: pd.Index, days: pd.DatetimeIndex) -> np.ndarray:
    """Units per SKU (rows as `skus`) and day (columns as `days`) of the rows of `frame` dated from the first day
    to the last."""
    moves = np.zeros((len(skus), len(days)))
    if not len(frame):
        return moves
    when = pd.to_datetime(frame[date]).dt.normalize()
    col = ((when - days[0]).dt.days).to_numpy(dtype="float64")
    row = skus.get_indexer(frame["sku"].astype(object))
    inside = (row >= 0) & ~np.isnan(col) & (col >= 0) & (col < len(days))
    np.add.at(moves, (row[inside], col[inside].astype(np.int64)), qty.to_numpy(dtype="float64")[inside])
    return moves


def actual_days(skus: pd.Index, days: pd.DatetimeIndex, on_hand: np.ndarray, backlog: np.ndarray,
                lines: pd.DataFrame, shipments: pd.DataFrame, purchase_orders: pd.DataFrame,
                returns: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(stock at the end of each day, units waiting at the end of each day), SKU x day, from the book's events."""
    orders = lines[(lines["kind"] == "order").to_numpy(dtype=bool)
                   & (lines["sheet_status"] != "cancelled").to_numpy(dtype=bool)]
    ordered = daily_moves(orders, "order_date", orders["qty"], skus, days)
    shipped = daily_moves(shipments, "ship_date", shipments["qty"], skus, days)
    received = daily_moves(purchase_orders, "received_date", received_qty(purchase_orders).astype("float64"),
                           skus, days)
    resellable = returns[returns["condition"].eq("resellable").fillna(False).to_numpy(dtype=bool)]
    returned = daily_moves(resellable, "received_date", resellable["qty"].astype("float64"), skus, days)
    stock = on_hand[:, None] + np.cumsum(received + returned - shipped, axis=1)
    waiting = np.clip(backlog[:, None] + np.cumsum(ordered - shipped, axis=1), 0, None)
    return stock, waiting


def stockout_days(stock: np.ndarray, waiting: np.ndarray) -> int:
    """SKU-days ending with nothing on hand and units waiting."""
    return int(((stock <= 1e-9) & (waiting > 1e-9)).sum())


def inventory_values(stock: np.ndarray, unit_cost: pd.Series, currency: pd.Series) -> pd.DataFrame:
    """Per currency (blank: none known), the mean over the days of Σ on hand (floored at 0) x unit cost over the
    SKUs with a unit cost; NaN when no SKU of the currency has one. Columns currency, value."""
    if stock.shape[1] == 0:
        return pd.DataFrame({"currency": pd.Series([], dtype=object), "value": pd.Series([], dtype="float64")})
    cost = unit_cost.to_numpy(dtype="float64")
    mean_stock = np.clip(stock, 0, None).mean(axis=1)
    frame = pd.DataFrame({"currency": currency.astype(object).to_numpy(), "value": mean_stock * cost,
                          "costed": ~np.isnan(cost)})
    grouped = frame.groupby("currency", dropna=False, sort=True)
    values = grouped["value"].sum(min_count=1).where(grouped["costed"].any())
    return values.rename("value").rename_axis("currency").reset_index()
