"""Drafts that remember (docs/learning.md): with a run history, plan_reorders records what it proposed per SKU,
supplier and currency, and a later plan proposes only what is still needed beyond the drafts of the last
`draft_hold_days` days that have not become purchase orders.

A draft counts while it is recent: drafted on a day from as_of − draft_hold_days up to the day before as_of (a
re-run for the same as_of replaces that day's drafts, so it never holds back its own). A purchase order in the
book for the same SKU and supplier, not cancelled, with an order_date on or after the draft's day, means the
draft was ordered: it no longer counts (the PO is on order now, and the inventory position has it).

MOQ and pack size: the quantity held back comes off the order quantity after MOQ and pack rounding. The draft
already met the MOQ and is waiting to be ordered, so what is still needed tops it up: the MOQ is not applied to
the rest again (that would order the MOQ twice), and the rest is rounded up to the pack size (a no-op while the
pack size has not changed, as both quantities are whole packs).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from .history_store import HistoryStore
from .reorder import round_up_to_pack
from .wording import and_list, quantity_text

HELD_BACK_COLUMNS = ("sku", "description", "supplier_id", "currency", "needed_qty", "drafted_qty", "order_qty",
                     "drafted_on", "reason")
MEMORY_COLUMNS = ("sku", "supplier_id", "drafted_qty", "drafted_on", "drafted_days")
# drafted_days: the days of a SKU's remembered drafts as a tuple of YYYY-MM-DD texts, oldest first


def open_store(history: "HistoryStore | str | os.PathLike | None") -> HistoryStore | None:
    """`history=` of plan_reorders as a store: a History (omxl.History is one) or the path of its file; None
    keeps no memory (the `history` setting is the weekly report's and notify's, not a plan's)."""
    if history is None or isinstance(history, HistoryStore):
        return history
    return HistoryStore(history)


def remembered(store: HistoryStore, purchase_orders: pd.DataFrame, as_of: pd.Timestamp,
               hold_days: int) -> pd.DataFrame:
    """MEMORY_COLUMNS: per SKU and supplier, the quantity drafted within `hold_days` before `as_of` that no
    purchase order (not cancelled, dated on or after the draft) has taken up; the first day drafted, and every
    day drafted."""
    if hold_days <= 0:
        drafts = store.drafts(since=as_of, before=as_of)   # an empty window: typed, nothing read
    else:
        drafts = store.drafts(since=as_of - pd.Timedelta(days=hold_days), before=as_of)
    key = ["sku", "supplier_id"]
    drafts = drafts.astype({"sku": object, "supplier_id": object})
    placed = purchase_orders[purchase_orders["order_date"].notna()
                             & ~purchase_orders["status"].astype(object).eq("cancelled").fillna(False).astype(bool)]
    latest = (placed.astype({"sku": object, "supplier_id": object}).groupby(key)["order_date"].max()
              .rename("ordered_on").reset_index())
    drafts = drafts.merge(latest, on=key, how="left")
    waiting = drafts[~(drafts["ordered_on"] >= drafts["as_of"]).fillna(False).astype(bool)]
    days = waiting["as_of"].dt.strftime("%Y-%m-%d")
    memory = waiting.assign(day=days).groupby(key, sort=True).agg(
        drafted_qty=("order_qty", "sum"), drafted_on=("as_of", "min"),
        drafted_days=("day", lambda d: tuple(sorted(set(d))))).reset_index()
    return memory[list(MEMORY_COLUMNS)].astype({"drafted_qty": float, "drafted_days": object})


def hold_back(frame: pd.DataFrame, memory: pd.DataFrame,
              hold_days: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """`frame` (one row per SKU, indexed by sku, after the rules) with order_qty less what `memory` remembers for
    the same SKU and supplier, order_value and the explanation to match; the held-back table
    (HELD_BACK_COLUMNS): every SKU whose quantity the memory reduced, order_qty 0 when held back whole; and the
    summary's words on them (held_sentence)."""
    ordering = frame.loc[frame["order_qty"] > 0, ["supplier_id"]].astype(object).reset_index()
    matched = ordering.merge(memory, on=["sku", "supplier_id"], how="inner").set_index("sku")
    if matched.empty:
        return frame, no_held_back(), ""
    frame = frame.copy()
    drafted = matched["drafted_qty"].reindex(frame.index).fillna(0.0)
    hit = (drafted > 0).to_numpy()
    needed = frame["order_qty"].astype("float64")
    rest = (needed - drafted).clip(lower=0.0)
    topped = pd.Series(round_up_to_pack(rest.to_numpy(), frame["pack_size"].fillna(1.0).to_numpy()),
                       index=frame.index)
    frame["order_qty"] = needed.where(~hit, topped)
    frame["order_value"] = frame["order_qty"] * frame["unit_cost"]
    day_lists = matched["drafted_days"].reindex(frame.index)
    days = day_lists.map(lambda d: and_list(list(d)) if isinstance(d, tuple) else "").astype(object)
    what = quantity_text(drafted) + " drafted on " + days + " and not yet ordered"
    whole = hit & (frame["order_qty"] == 0).to_numpy()
    part = hit & ~whole
    rounded = part & ((topped - rest).abs() > 1e-9).to_numpy()
    pack = frame["pack_size"]
    extra = pd.Series("", index=frame.index, dtype=object)
    extra[rounded] = (" " + quantity_text(rest[rounded]) + np.where(
        pack[rounded].notna(), ", rounded up to pack " + quantity_text(pack[rounded].fillna(1.0)),
        ", rounded up to whole units") + " =")
    explanation = frame["explanation"].astype(object)
    explanation[whole] = explanation[whole] + "; held back: " + what[whole]
    explanation[part] = (explanation[part] + "; less " + what[part] + ":" + extra[part] + " "
                         + quantity_text(frame["order_qty"][part]))
    frame["explanation"] = explanation
    reason = f" (draft_hold_days {hold_days})"
    held = frame[hit].assign(needed_qty=needed[hit], drafted_qty=drafted[hit],
                             drafted_on=matched["drafted_on"].reindex(frame.index)[hit],
                             reason=("drafted on " + days[hit] + " and not yet ordered" + reason)).reset_index()
    held = held.astype({"sku": "string[python]", "supplier_id": "string[python]", "reason": "string[python]",
                        "description": "string[python]"})
    held["currency"] = held["currency"].astype("string[python]")
    held = held[list(HELD_BACK_COLUMNS)].sort_values(["supplier_id", "sku"]).reset_index(drop=True)
    all_days = sorted({day for listed in day_lists[hit] for day in listed})
    return frame, held, held_sentence(held, all_days, hold_days)


def proposed(lines: pd.DataFrame) -> pd.DataFrame:
    """What a plan's lines put on purchase-order drafts (sku, supplier_id, currency, order_qty): lines without a
    supplier go on no draft, so nothing of them is remembered."""
    placed = lines[(lines["order_qty"] > 0) & lines["supplier_id"].notna()]
    return placed[["sku", "supplier_id", "currency", "order_qty"]].reset_index(drop=True)


def held_sentence(held: pd.DataFrame, days: list[str], hold_days: int) -> str:
    """The summary's words on what was held back and why, e.g. "2 SKUs held back: drafted on 2026-11-26 and not
    yet ordered (draft_hold_days 3); --fresh proposes them again."; "" when nothing was."""
    if held.empty:
        return ""
    whole = int((held["order_qty"] == 0).sum())
    part = len(held) - whole
    counted = []
    if whole:
        counted.append(f"{whole:,} {'SKU' if whole == 1 else 'SKUs'} held back")
    if part:
        counted.append(f"{part:,} reduced" if whole else f"{part:,} {'SKU' if part == 1 else 'SKUs'} reduced")
    them = "it" if len(held) == 1 else "them"
    again = f"proposes {them} again" if whole else f"proposes {them} in full"
    return (f"{' and '.join(counted)}: drafted on {and_list(days)} and not yet ordered (draft_hold_days {hold_days}); "
            f"--fresh {again}.")


def no_held_back() -> pd.DataFrame:
    """The held-back table of a plan that held nothing back (no history, fresh, or nothing remembered)."""
    return pd.DataFrame({
        "sku": pd.Series(dtype="string[python]"), "description": pd.Series(dtype="string[python]"),
        "supplier_id": pd.Series(dtype="string[python]"), "currency": pd.Series(dtype="string[python]"),
        "needed_qty": pd.Series(dtype="float64"), "drafted_qty": pd.Series(dtype="float64"),
        "order_qty": pd.Series(dtype="float64"), "drafted_on": pd.Series(dtype="datetime64[ns]"),
        "reason": pd.Series(dtype="string[python]")})

