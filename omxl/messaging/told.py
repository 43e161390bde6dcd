"""No repeats: has a recipient's news changed since what they were last told?

A message's news is a set of items (an order line, a purchase-order line, a shipment), each with the state the
message gives it (late, and the projected date; the quantity ordered; the tracking number). The run history
keeps the latest state each recipient was told of each item, when a message is sent. A recipient's news has
changed when one of its items is new to them or its state differs from what they were told: a new late line,
a line now late that was at risk, a new projected date, a new quantity. Items that dropped out (a line that
shipped) are no news: they do not make a message on their own.
"""

from __future__ import annotations

import hashlib

import pandas as pd


def changed(news: pd.DataFrame, told: pd.DataFrame | None) -> pd.Series:
    """Per `key` of `news` (columns key, kind, recipient, item, state): True when the recipient has not been
    told every item in its current state. Without a history (`told` None) every recipient's news is new."""
    keys = pd.Index(news["key"].unique())
    if told is None or told.empty:
        return pd.Series(True, index=keys)
    known = told[["kind", "recipient", "item", "state"]].rename(columns={"state": "told"})
    merged = news[["key", "kind", "recipient", "item", "state"]].merge(known, on=["kind", "recipient", "item"],
                                                                      how="left")
    fresh = merged["told"].isna() | (merged["told"] != merged["state"]).fillna(True)
    return fresh.groupby(merged["key"].to_numpy(), sort=False).any().reindex(keys).astype(bool)


def digest(kind: str, recipient: str, as_of: pd.Timestamp, items: pd.DataFrame) -> str:
    """A short fingerprint of what a message tells (the left part of its Message-ID): the same news for the
    same recipient on the same day gives the same id."""
    pairs = sorted(zip(items["item"].astype(str), items["state"].astype(str)))
    text = "\x1f".join([kind, recipient, f"{as_of:%Y-%m-%d}", *(f"{i}\x1e{s}" for i, s in pairs)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]

