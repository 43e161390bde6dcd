"""Shipments matched to order lines: what each line has shipped, and each shipment's match."""

from __future__ import annotations

import numpy as np
import pandas as pd


def apply_shipments(lines: pd.DataFrame, shipments: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """shipped_qty per line. A shipment with a line number matches (order_id, line); without one it fills the
    order's lines of its SKU in line order. Returns the lines and each shipment's match."""
    lines = lines.reset_index(drop=True)
    lines["line_index"] = np.arange(len(lines))
    ships = shipments.reset_index(drop=True)   # a new frame: the column added below is not the caller's
    ships["shipment_index"] = np.arange(len(ships))
    by_line = ships[ships["line"].notna()].merge(
        lines[["order_id", "line", "line_index", "sku"]].rename(columns={"sku": "line_sku"}),
        on=["order_id", "line"], how="left")
    by_line["sku_mismatch"] = by_line["line_index"].notna() & (by_line["sku"] != by_line["line_sku"]).fillna(False)
    no_line = ships[ships["line"].isna()]
    by_sku = _fill_lines_by_sku(no_line, lines)
    matched = pd.concat([by_line.drop(columns=["line_sku"]), by_sku], ignore_index=True)
    # Only the columns summed are taken along: the matches carry every column of the shipments.
    counted = matched.loc[matched["line_index"].notna() & ~matched["sku_mismatch"].astype(bool),
                          ["line_index", "qty", "delivered_date", "ship_date"]]
    per_line = counted.groupby(counted["line_index"].astype(int)).agg(
        shipped=("qty", "sum"), shipments=("qty", "size"), delivered=("delivered_date", "count"),
        last_ship_date=("ship_date", "max"))
    per_line = per_line.reindex(lines["line_index"])
    lines["shipped_qty"] = per_line["shipped"].fillna(0.0).to_numpy(dtype=float)
    lines["shipment_count"] = per_line["shipments"].fillna(0).to_numpy(dtype=int)
    lines["delivered_count"] = per_line["delivered"].fillna(0).to_numpy(dtype=int)
    lines["last_ship_date"] = per_line["last_ship_date"].astype("datetime64[ns]").to_numpy()
    return lines, matched


def _fill_lines_by_sku(shipments: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Shipments without a line number: their quantity fills the order's lines of the same SKU in line order;
    what is left over goes to the last of those lines (an over-shipment)."""
    if shipments.empty:
        return shipments.assign(line_index=pd.Series(dtype=float), sku_mismatch=pd.Series(dtype=bool))
    candidates = lines[["order_id", "sku", "line", "qty", "line_index"]].sort_values(["order_id", "sku", "line"])
    candidates["before"] = candidates.groupby(["order_id", "sku"])["qty"].cumsum() - candidates["qty"]
    candidates["is_last"] = ~candidates.duplicated(["order_id", "sku"], keep="last")
    ships = shipments.sort_values(["order_id", "sku", "ship_date", "shipment_index"], na_position="last").copy()
    ships["ship_before"] = ships.groupby(["order_id", "sku"])["qty"].cumsum() - ships["qty"]
    pairs = ships.merge(candidates.drop(columns=["line"]), on=["order_id", "sku"], how="left",
                        suffixes=("", "_line"))
    unmatched = pairs["line_index"].isna().to_numpy()
    # The overlap of the shipment's range with the line's range; the last line takes any excess.
    start = np.maximum(pairs["ship_before"], pairs["before"])
    line_end = np.where(pairs["is_last"].fillna(False).astype(bool), np.inf, pairs["before"] + pairs["qty_line"])
    share = np.clip(np.minimum(pairs["ship_before"] + pairs["qty"], line_end) - start, 0, None)
    pairs["qty"] = np.where(unmatched, pairs["qty"], share)
    pairs = pairs[unmatched | (pairs["qty"] > 0)].copy()
    pairs["sku_mismatch"] = False
    return pairs.drop(columns=["ship_before", "before", "is_last", "qty_line"])


def on_time_units(lines: pd.DataFrame, matches: pd.DataFrame) -> np.ndarray:
    """Per order line (in the order of `lines`, a Position's lines, whose line_index is its position): the units
    of the shipments counted for it (matched to it, same SKU) dated on or before its promised date, at most its
    quantity; 0 without one. What the unit fill rate (contract 4.4) counts as filled: the suggested improvements
    per ABC class and the backtest's actual figure take it."""
    counted = matches[matches["line_index"].notna().to_numpy(dtype=bool)
                      & ~matches["sku_mismatch"].fillna(False).astype(bool).to_numpy()]
    at = counted["line_index"].astype(np.int64).to_numpy()
    promised = pd.to_datetime(lines["promised_date"]).dt.normalize().to_numpy()
    in_time = pd.to_datetime(counted["ship_date"]).dt.normalize().to_numpy() <= promised[at]
    on_time = np.bincount(at[in_time], weights=counted["qty"].to_numpy(dtype=float)[in_time], minlength=len(lines))
    return np.where(on_time > 0, np.minimum(on_time, lines["qty"].to_numpy(dtype=float)), 0.0)
