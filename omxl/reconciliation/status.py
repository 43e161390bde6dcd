"""Each line's status, lateness and risk, and the plain sentence that explains it."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from ..wording import day_text, quantity_text, words
from .allocation import held


# The reason of every open line when the book has no inventory table (contract 2.3).
NOT_CHECKED = "stock not checked: no inventory table"


def line_status(lines: pd.DataFrame, as_of: pd.Timestamp, stock_judged: bool = True) -> pd.DataFrame:
    """`stock_judged` False (no inventory table): an open line that has not shipped is `open`, never ready,
    allocated or backordered, and never at risk (there is no projected date to be at risk by)."""
    sheet = lines["sheet_status"]
    fully_shipped = (lines["shipped_qty"] >= lines["qty"]) & (lines["qty"] > 0)
    all_delivered = (lines["shipment_count"] > 0) & (lines["delivered_count"] == lines["shipment_count"])
    conditions = [
        sheet == "cancelled",
        held(lines),
        fully_shipped & all_delivered,
        fully_shipped,
        lines["shipped_qty"] > 0,
        sheet == "closed",
        np.full(len(lines), not stock_judged) & (lines["open_qty"] > 0),
        (lines["open_qty"] > 0) & (lines["backordered_qty"] <= 0),
        lines["allocated_qty"] > 0,
    ]
    choices = ["cancelled", "on_hold", "delivered", "shipped", "partially_shipped", "closed", "open", "ready",
               "partially_allocated"]
    # Chosen by number and taken from the ten words: a million lines share ten text objects, where selecting
    # the texts themselves made a fixed-width array whose every cell became a new Python string.
    names = np.array([*choices, "backordered"], dtype=object)
    status = names[np.select(conditions, list(range(len(choices))), default=len(choices))]
    # A partly shipped line whose rest is closed on the sheet is finished as far as shipping goes.
    lines["status"] = pd.Series(status, index=lines.index, dtype="string[python]")
    is_open = lines["open_qty"] > 0
    lines["late"] = is_open & (lines["promised_date"] < as_of)
    lines["at_risk"] = is_open & ~lines["late"] & stock_judged & (
        lines["projected_ship_date"].isna() | (lines["projected_ship_date"] > lines["promised_date"]))
    lines["days_late"] = np.where(lines["late"], (as_of - lines["promised_date"]).dt.days, 0).astype(int)
    lines["shipped_late"] = fully_shipped & (lines["last_ship_date"].dt.normalize() > lines["promised_date"])
    return lines


def _per_distinct(parts: pd.DataFrame, build: Callable[[pd.DataFrame], pd.Series]) -> np.ndarray:
    """Sentences built once per distinct combination of `parts` (text columns): most lines of a status read
    alike ("Delivered: all 12 shipped and delivered."), so this costs per distinct sentence, not per line."""
    ids = parts.groupby(list(parts.columns), sort=False, dropna=False).ngroup().to_numpy()
    _, first = np.unique(ids, return_index=True)
    return build(parts.iloc[first]).to_numpy(dtype=object)[ids]


_SENTENCES: dict[str, tuple[tuple[str, ...], Callable[[pd.DataFrame], pd.Series]]] = {
    "cancelled": ((), lambda t: pd.Series("Cancelled on the order sheet.", index=t.index)),
    "on_hold": (("open",), lambda t: "On hold on the order sheet; " + t["open"] + " open units are not allocated."),
    "delivered": (("qty",), lambda t: "Delivered: all " + t["qty"] + " shipped and delivered."),
    "shipped": (("last_ship",), lambda t: "Shipped in full (last shipment " + t["last_ship"]
                + "), not yet delivered."),
    "closed": (("shipped", "qty"), lambda t: "Closed on the order sheet with " + t["shipped"] + " of " + t["qty"]
               + " shipped."),
    "partially_shipped": (("shipped", "qty", "alloc", "open", "supply"),
                          lambda t: "Shipped " + t["shipped"] + " of " + t["qty"] + "; " + t["alloc"]
                          + " of the open " + t["open"] + " allocated from stock" + t["supply"]),
    "open": (("open",), lambda t: t["open"] + " open units; " + NOT_CHECKED + "."),
    "ready": (("open",), lambda t: "Ready to ship: all " + t["open"] + " open units allocated from stock."),
    "partially_allocated": (("alloc", "open", "back", "supply"),
                            lambda t: t["alloc"] + " of " + t["open"] + " allocated from stock, " + t["back"]
                            + " short" + t["supply"]),
    "backordered": (("open", "supply"), lambda t: "No stock for the " + t["open"] + " open units"
                    + t["supply"].str.replace("the rest.", "them.", regex=False)),
}


def reasons(lines: pd.DataFrame, as_of: pd.Timestamp, stock_judged: bool = True) -> pd.Series:
    """One plain sentence per line."""
    reason = np.full(len(lines), "", dtype=object)
    status = lines["status"].to_numpy()
    # The sentences read these columns only: the lines are wide, and a filter copies every column it keeps.
    read = [name for name in _READ if name in lines]
    for name, (columns, build) in _SENTENCES.items():
        mask = status == name
        if not mask.any():
            continue
        if not columns:
            reason[mask] = build(lines.iloc[np.flatnonzero(mask)[:1]]).iloc[0]
            continue
        reason[mask] = _per_distinct(_reason_parts(lines.loc[mask, read], columns), build)
    if "hold_reason" in lines:
        # A company rule's hold: its message is the reason (contract 4.8).
        by_rule = lines["hold_reason"].notna().to_numpy(dtype=bool) & (status == "on_hold")
        if by_rule.any():
            reason[by_rule] = lines.loc[by_rule, "hold_reason"].to_numpy(dtype=object)
    if not stock_judged:
        # A partly shipped line's rest was not allocated because stock was not judged, not because it is short.
        part = (status == "partially_shipped") & (lines["open_qty"] > 0).to_numpy()
        if part.any():
            reason[part] = _per_distinct(_reason_parts(lines.loc[part, read], ("shipped", "qty")), lambda t: (
                "Shipped " + t["shipped"] + " of " + t["qty"] + "; " + NOT_CHECKED + "."))
    late = lines["late"].to_numpy(dtype=bool)
    if late.any():
        rows = lines.loc[late, ["days_late", "promised_date"]]
        unit = np.where(rows["days_late"] == 1, " day", " days")
        reason[late] = ("Late by " + rows["days_late"].astype(str) + unit + " (promised "
                        + day_text(rows["promised_date"], blank="no date") + "). " + reason[late]).to_numpy()
    if "cancelled_qty" in lines:
        # Credit notes (cancelled_order_pattern) reduced these lines: say by which, and how much.
        by_note = (lines["cancelled_qty"] > 0).to_numpy()
        whole = by_note & (status == "cancelled")
        if whole.any():
            reason[whole] = ("Cancelled by credit note " + lines.loc[whole, "cancelled_by"].astype(str) + ".") \
                .to_numpy()
        part = by_note & ~whole
        if part.any():
            rows = lines.loc[part, ["cancelled_by", "cancelled_qty", "qty"]]
            reason[part] = ("Credit note " + rows["cancelled_by"].astype(str) + " cancelled "
                            + quantity_text(rows["cancelled_qty"]) + " of the " + quantity_text(
                                rows["qty"] + rows["cancelled_qty"]) + " ordered. " + reason[part]).to_numpy()
    replacement = (lines["kind"] == "exchange").to_numpy()
    if replacement.any():
        reason[replacement] = ("Replacement for return " + words(lines.loc[replacement, "rma_id"]) + ". "
                               + reason[replacement]).to_numpy()
    return pd.Series(reason, index=lines.index)


# What _reason_parts reads.
_READ = ("projected_ship_date", "backordered_qty", "covering_shift", "covering_expected", "covering_po",
         "last_ship_date", "qty", "shipped_qty", "open_qty", "allocated_qty")


def _reason_parts(rows: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    text = {}
    for column in columns:
        if column == "supply":
            covered = rows["projected_ship_date"].notna() & (rows["backordered_qty"] > 0)
            # A PO its supplier's slip moves names its own date and the shift ("PO-7 expected 2026-12-08 + 4
            # days (SUP-1's median slip over 3 receipts)"); without a shift, the date it is projected to cover by.
            shift = rows["covering_shift"] if "covering_shift" in rows else pd.Series(pd.NA, index=rows.index)
            when = day_text(rows["projected_ship_date"], blank="on no known date")
            if shift.notna().any():
                moved = shift.notna()
                when = when.where(~moved, day_text(rows["covering_expected"]) + shift.astype(object))
            inbound = "; " + words(rows["covering_po"], "inbound stock") + " expected " + when + " covers the rest."
            text[column] = inbound.where(covered, np.where(rows["backordered_qty"] > 0,
                                                           "; no open purchase order covers the rest.", "."))
        elif column == "last_ship":
            text[column] = day_text(rows["last_ship_date"], blank="with no date")
        else:
            source = {"qty": "qty", "shipped": "shipped_qty", "open": "open_qty", "alloc": "allocated_qty",
                      "back": "backordered_qty"}[column]
            text[column] = quantity_text(rows[source], blank="an unknown number")
    return pd.DataFrame(text, index=rows.index)
