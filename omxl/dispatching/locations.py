"""Picked quantities split over the locations that hold the stock (contract 4.6).

Per SKU, the lines take stock in allocation order from the location with the most stock first, and no location
gives more than it holds: each line's quantity is an interval on the SKU's running demand, each location's
stock an interval on its running stock, and a pick is where the two overlap. One merge on SKU, no loop over
rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .selection import EPSILON

# Where stock sits when the inventory table names no location (contract 2.3).
DEFAULT_LOCATION = "MAIN"


def stock_places(inventory: pd.DataFrame) -> pd.DataFrame:
    """Stock per SKU and location with its shelf and bin, largest first within each SKU (ties by location);
    a negative count gives nothing (reconcile reports it as negative-stock)."""
    places = pd.DataFrame({
        "sku": inventory["sku"],
        "location": inventory["location"].fillna(DEFAULT_LOCATION).astype("string[python]"),
        "shelf": inventory["shelf"].astype("string[python]"),
        "bin": inventory["bin"].astype("string[python]"),
        "stock": inventory["on_hand"].clip(lower=0).fillna(0.0).astype(float),
    })
    places = places[places["stock"] > EPSILON].dropna(subset=["sku"])
    places = places.sort_values(["sku", "stock", "location"], ascending=[True, False, True], kind="stable")
    end = places.groupby("sku", sort=False)["stock"].cumsum()
    return places.assign(stock_end=end, stock_start=end - places["stock"])


def split_by_location(lines: pd.DataFrame, quantity: pd.Series, places: pd.DataFrame) -> pd.DataFrame:
    """One row per line (by its label in `lines`, column `line_index`) and location: `pick_qty`, location, shelf
    and bin. `lines` are in the order they take stock; `quantity` is what each takes."""
    wants = pd.DataFrame({"sku": lines["sku"].to_numpy(), "line_index": lines.index.to_numpy(),
                          "qty": quantity.to_numpy(dtype=float)})
    end = wants.groupby("sku", sort=False)["qty"].cumsum()
    wants = wants.assign(need_end=end, need_start=end - wants["qty"])
    both = wants.merge(places, on="sku", how="inner", sort=False)
    overlap = (np.minimum(both["need_end"], both["stock_end"]) - np.maximum(both["need_start"], both["stock_start"]))
    both["pick_qty"] = overlap
    both = both[both["pick_qty"] > EPSILON]
    return both[["line_index", "pick_qty", "location", "shelf", "bin"]].reset_index(drop=True)
