"""What changed since the previous run, from the line states the run history keeps (contract 4.4).

Lines are matched by (order_id, line). A line the previous run did not have (a new order) counts as "before"
not late, not backordered and not reordered, so a new order that is already late is listed as newly late. A
line the previous run had and this one does not (left out, or removed from the book) is not listed.
A projected ship date moved when both runs have one and they differ, unless the line was ready from stock in both
runs (its projected date is each run's as_of, so it moves with the calendar, which is no news); a date that
appears or disappears is the line getting or losing cover, which the status and backorder changes already say.
"""

from __future__ import annotations

import pandas as pd

CHANGE_COLUMNS = ("change", "order_id", "line", "sku", "old", "new", "status")
# Every part is given these before they are joined: pandas 2 and 3 type a concatenation of untyped, empty or
# all-blank parts differently.
CHANGE_DTYPES = {"change": "string[python]", "order_id": "string[python]", "line": "Int64", "sku": "string[python]",
                 "old": "string[python]", "new": "string[python]", "status": "string[python]"}
# In this order in the frame; within each change by order_id and line (SKUs by sku).
CHANGES = ("newly_late", "no_longer_late", "projected_date_moved", "new_backorder", "newly_reordered")


def _day(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%Y-%m-%d").astype("string[python]")


def _quantity(values: pd.Series) -> pd.Series:
    return values.map("{:g}".format).astype("string[python]")


def line_changes(previous: pd.DataFrame, current: pd.DataFrame, previous_reorders: pd.DataFrame,
                 current_reorders: pd.DataFrame, *, previous_as_of: object, as_of: object) -> pd.DataFrame:
    """One row per change (CHANGE_COLUMNS): `old` and `new` as text (late / not late, ISO dates, quantities);
    `status` is the line's status now. Arguments are line states (history.STATE_COLUMNS) and reorders
    (sku, order_qty) of the previous run and this one, and the two runs' as_of days."""
    key = ["order_id", "line"]
    both = current.merge(previous[[*key, "late", "projected_ship_date", "backordered_qty"]], on=key, how="left",
                         suffixes=("", "_old"), indicator=True)
    known = both["_merge"] == "both"
    late_before = both["late_old"].astype("boolean").fillna(False).astype(bool)
    back_before = both["backordered_qty_old"].astype(float).fillna(0.0)
    parts = []

    def add(change: str, rows: pd.DataFrame, old: pd.Series, new: pd.Series) -> None:
        part = pd.DataFrame({"change": change, "order_id": rows["order_id"], "line": rows["line"],
                             "sku": rows["sku"], "old": old, "new": new, "status": rows["status"]})
        parts.append(part.astype(CHANGE_DTYPES).sort_values(key, kind="stable"))

    newly = both[both["late"] & ~late_before]
    add("newly_late", newly, pd.Series("not late", index=newly.index), pd.Series("late", index=newly.index))
    cleared = both[~both["late"] & late_before & known]
    add("no_longer_late", cleared, pd.Series("late", index=cleared.index), pd.Series("not late", index=cleared.index))
    from_stock = ((both["projected_ship_date"] == pd.Timestamp(as_of).normalize())
                  & (both["projected_ship_date_old"] == pd.Timestamp(previous_as_of).normalize()))
    moved = both[known & both["projected_ship_date"].notna() & both["projected_ship_date_old"].notna()
                 & (both["projected_ship_date"] != both["projected_ship_date_old"]) & ~from_stock]
    add("projected_date_moved", moved, _day(moved["projected_ship_date_old"]), _day(moved["projected_ship_date"]))
    backordered = both[(both["backordered_qty"] > 0) & (back_before <= 0)]
    add("new_backorder", backordered, _quantity(back_before[backordered.index]),
        _quantity(backordered["backordered_qty"]))
    fresh = current_reorders[~current_reorders["sku"].isin(previous_reorders["sku"])].sort_values("sku")
    parts.append(pd.DataFrame({"change": "newly_reordered", "order_id": pd.NA, "line": pd.NA, "sku": fresh["sku"],
                               "old": "not reordered", "new": _quantity(fresh["order_qty"]),
                               "status": pd.NA}).astype(CHANGE_DTYPES))
    return pd.concat(parts, ignore_index=True)[list(CHANGE_COLUMNS)]
