"""Stock to open lines in priority order, and inbound supply to what stock cannot cover (contract 4.2).

Sorted, grouped cumulative sums: no loop runs over rows."""

from __future__ import annotations

import numpy as np
import pandas as pd


ALLOCATION_KEYS = ["sku", "allocation_priority", "promised_date", "order_date", "order_id", "line"]


def allocation_order(lines: pd.DataFrame) -> pd.DataFrame:
    """Contract order: priority (blank last), promised date (blank last), order date, order id, line."""
    return lines.sort_values(ALLOCATION_KEYS, na_position="last", kind="stable")


def with_holds(lines: pd.DataFrame, holds: pd.DataFrame) -> pd.DataFrame:
    """The lines with `hold_rule` and `hold_reason` (omxl/company_rules/checking.py): the company rule that holds
    each line and why, blank for a line no rule holds. A held line is on hold like one the order sheet holds."""
    for column in ("hold_rule", "hold_reason"):
        lines[column] = holds[column].reindex(lines.index).astype("string[python]")
    return lines


def held(lines: pd.DataFrame) -> pd.Series:
    """On hold: on the order sheet, or by a company rule."""
    by_rule = lines["hold_rule"].notna() if "hold_rule" in lines else False
    return lines["sheet_status"].eq("on_hold").fillna(False) | by_rule


def allocate(lines: pd.DataFrame, stock: pd.Series) -> pd.DataFrame:
    wants = lines["open_qty"].where(~held(lines), 0.0)
    # The SKU texts hashed once: numbered in their sorted order (a blank after every SKU, as the sort puts it),
    # the codes sort, group and look up stock as the texts would, where sorting, grouping and mapping the
    # texts hashed a million of them three times.
    codes, skus = pd.factorize(lines["sku"], sort=True)
    sku = np.where(codes >= 0, codes, len(skus))
    # Only the sort keys and what allocation reads are sorted: the lines are wide, and a sort moves every column.
    ordered = lines[ALLOCATION_KEYS[1:]].assign(_sku=sku, wants=wants) \
        .sort_values(["_sku", *ALLOCATION_KEYS[1:]], na_position="last", kind="stable")
    at = ordered["_sku"].to_numpy()
    known = at < len(skus)
    # A line without a SKU is in no group (blank before it, as grouping by the text leaves it) and has no stock.
    before = ordered["wants"].groupby(np.where(known, at, np.nan)).cumsum() - ordered["wants"]
    on_hand = np.append(stock.reindex(pd.Index(skus)).to_numpy(dtype=float), np.nan)
    available = pd.Series(on_hand[at], index=ordered.index).fillna(0.0)
    allocated = np.clip(available - before, 0, ordered["wants"])
    lines["allocated_qty"] = allocated.reindex(lines.index).astype(float)
    lines["backordered_qty"] = (wants - lines["allocated_qty"]).astype(float)
    lines["allocation_rank"] = pd.Series(np.arange(len(ordered)), index=ordered.index).reindex(lines.index)
    return lines


def not_judged(lines: pd.DataFrame) -> pd.DataFrame:
    """Without an inventory table stock is not judged (contract 2.3): nothing is allocated or backordered
    because of stock, and no ship date is projected (there is no stock to ship from, nor a shortage to cover)."""
    lines["allocated_qty"] = 0.0
    lines["backordered_qty"] = 0.0
    lines["allocation_rank"] = pd.Series(np.arange(len(lines)), index=lines.index)
    lines["projected_ship_date"] = pd.Series(pd.NaT, index=lines.index, dtype="datetime64[ns]")
    lines["covering_po"] = pd.Series(pd.NA, index=lines.index, dtype="string[python]")
    lines["covering_supply"] = pd.Series(pd.NA, index=lines.index, dtype="Int64")
    lines["covering_expected"] = pd.Series(pd.NaT, index=lines.index, dtype="datetime64[ns]")
    lines["covering_shift"] = pd.Series(pd.NA, index=lines.index, dtype="string[python]")
    return lines


def project(lines: pd.DataFrame, supply: pd.DataFrame, as_of: pd.Timestamp, handling_days: float,
            reliability: pd.DataFrame | None = None) -> pd.DataFrame:
    """projected_ship_date: as_of when fully allocated; else the date the PO quantity that covers the backorder
    arrives, consumed in arrival order; blank when inbound supply does not cover it.

    A PO arrives on its expected date moved by its supplier's `shift_days` (`reliability`, a Position's
    supplier_reliability: the median slip of a supplier late at least 3 times, else 0; docs/learning.md). A shifted
    line keeps, for its reason, the PO's own date (`covering_expected`) and what moved it (`covering_shift`)."""
    lines["projected_ship_date"] = pd.Series(pd.NaT, index=lines.index, dtype="datetime64[ns]")
    lines["covering_po"] = pd.Series(pd.NA, index=lines.index, dtype="string[python]")
    # The row of `supply` that covers the backorder (internal): its supplier and expected date name the action,
    # and it tells inventory.on_order supply (no PO number) from no supply at all.
    lines["covering_supply"] = pd.Series(pd.NA, index=lines.index, dtype="Int64")
    lines["covering_expected"] = pd.Series(pd.NaT, index=lines.index, dtype="datetime64[ns]")
    lines["covering_shift"] = pd.Series(pd.NA, index=lines.index, dtype="string[python]")
    allocated_in_full = (lines["open_qty"] > 0) & (lines["backordered_qty"] <= 0)
    lines.loc[allocated_in_full, "projected_ship_date"] = as_of
    short = lines[lines["backordered_qty"] > 0]
    inbound = _arrivals(supply[supply["open_qty"] > 0], reliability)
    if len(short) and len(inbound):
        short = short.sort_values("allocation_rank")
        need = short.groupby("sku")["backordered_qty"].cumsum()
        have = inbound.groupby("sku")["open_qty"].cumsum()
        left = pd.DataFrame({"sku": short["sku"], "need": need.astype(float), "index": short.index}) \
            .sort_values("need")
        right = pd.DataFrame({"sku": inbound["sku"], "have": have.astype(float),
                              "arrival_date": inbound["arrival_date"], "expected_date": inbound["expected_date"],
                              "shift_text": inbound["shift_text"], "po_id": inbound["po_id"],
                              "supply_row": inbound.index}) \
            .sort_values("have")
        # 1e-9: quantities are floats; the PO that brings the running total up to the need covers it.
        covered = pd.merge_asof(left.assign(need=left["need"] - 1e-9), right, left_on="need", right_on="have",
                                by="sku", direction="forward")
        covered = covered.set_index("index")
        lines.loc[covered.index, "projected_ship_date"] = covered["arrival_date"].astype("datetime64[ns]")
        lines.loc[covered.index, "covering_po"] = covered["po_id"].astype("string[python]")
        lines.loc[covered.index, "covering_supply"] = covered["supply_row"].astype("Int64")
        lines.loc[covered.index, "covering_expected"] = covered["expected_date"].astype("datetime64[ns]")
        lines.loc[covered.index, "covering_shift"] = covered["shift_text"].astype("string[python]")
    if handling_days:
        lines["projected_ship_date"] += pd.Timedelta(days=handling_days) * (lines["backordered_qty"] > 0)
    lines.loc[lines["open_qty"] <= 0, "projected_ship_date"] = pd.NaT
    return lines


def _arrivals(inbound: pd.DataFrame, reliability: pd.DataFrame | None) -> pd.DataFrame:
    """The open supply lines with `arrival_date` (the expected date moved by the supplier's shift) and
    `shift_text` (" + 4 days (SUP-1's median slip over 3 receipts)", <NA> when not moved), in arrival order:
    by SKU, arrival date (blank last) and PO. Without a shift the order is the supply's own (by expected date)."""
    shift = pd.Series(0.0, index=inbound.index, dtype="float64")
    receipts = pd.Series(0, index=inbound.index, dtype="int64")
    if reliability is not None and len(reliability) and len(inbound):
        moved = reliability[reliability["shift_days"] > 0].set_index("supplier_id")
        supplier = inbound["supplier_id"].astype(object)
        shift = supplier.map(moved["shift_days"]).astype("float64").fillna(0.0)
        receipts = supplier.map(moved["receipts"]).fillna(0).astype("int64")
    # A PO without an expected date stays undated: a slip moves a date, it does not make one.
    shifted = (shift > 0) & inbound["expected_date"].notna()
    arrival = inbound["expected_date"] + pd.to_timedelta(shift.where(shifted, 0.0), unit="D")
    text = pd.Series(pd.NA, index=inbound.index, dtype="string[python]")
    if shifted.any():
        days = shift[shifted].map(lambda v: f"{v:g}")
        text[shifted] = (" + " + days + np.where(shift[shifted] == 1, " day (", " days (")
                         + inbound.loc[shifted, "supplier_id"].astype(str) + "'s median slip over "
                         + receipts[shifted].astype(str) + " receipts)")
    inbound = inbound.assign(arrival_date=arrival.astype("datetime64[ns]"), shift_text=text)
    if shifted.any():
        inbound = inbound.sort_values(["sku", "arrival_date", "po_id"], na_position="last", kind="stable")
    return inbound
