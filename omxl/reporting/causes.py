"""Root causes (contract 4.4): late and backordered lines broken down by supplier, carrier, SKU and customer,
largest first, with each key's share and the cumulative share (a Pareto).

A line that is both late and backordered counts once. Its units are the quantity that is the problem: the
open quantity of a late line (all of it is late), else the backordered quantity. Share and cumulative share
are shares of those units within the dimension, in the sort order (units descending, then lines, then key).
`value` is units × net unit price in the `currency` column's currency: money is never added across
currencies, so a key whose lines are in several currencies has a blank value and currency "mixed", unless
`base_currency` and `fx_rates` are configured, when the value is converted into the base currency (blank
when a rate is missing). Lines without a price leave the value blank (never counted as 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..money import conversion, currency_column, group_sums, rates_for
from .kpis import net_price

CAUSE_COLUMNS = ("dimension", "key", "lines", "units", "value", "share", "cumulative_share", "currency")
DIMENSIONS = ("supplier", "carrier", "sku", "customer")
NONE = "(none)"  # the key of lines without a supplier or carrier


def root_causes(pos, rec) -> pd.DataFrame:
    """One row per dimension and key: lines, units, value, share, cumulative_share, currency."""
    lines = rec.lines[(rec.lines["status"] != "cancelled") & (rec.lines["late"] | (rec.lines["backordered_qty"] > 0))]
    units = lines["open_qty"].where(lines["late"], lines["backordered_qty"]).astype(float)
    currency = currency_column(lines["currency"], base=pos.config.base_currency)
    convert = conversion(pos.config)
    value = units * net_price(lines)
    if convert is not None:
        value = value * rates_for(currency, convert)
        currency = pd.Series(convert.base, index=lines.index, dtype="string[python]")
    inventory = pos.book.inventory.drop_duplicates("sku").set_index("sku")
    keys = {
        "supplier": lines["sku"].map(inventory["supplier_id"]),
        "carrier": lines["carrier"],
        "sku": lines["sku"],
        "customer": lines["customer_id"],
    }
    parts = []
    for dimension in DIMENSIONS:  # four group-bys, one per dimension: not a loop over rows
        key = keys[dimension].astype(object).where(keys[dimension].notna(), NONE)
        work = pd.DataFrame({"key": key.to_numpy(), "units": units.to_numpy(), "value": value.to_numpy(),
                             "unpriced": np.isnan(value.to_numpy(dtype=float)),
                             "currency": currency.astype(object).fillna("").to_numpy()})
        grouped = work.groupby("key", sort=False)
        part = grouped.agg(lines=("units", "size"), units=("units", "sum"),
                           unpriced=("unpriced", "any"), currencies=("currency", "nunique"),
                           currency=("currency", "first")).reset_index()
        part.insert(3, "value", group_sums(work["value"].to_numpy(), grouped.ngroup().to_numpy(), len(part)))
        mixed = part["currencies"] > 1
        part["value"] = part["value"].mask(part["unpriced"] | mixed)
        part["currency"] = part["currency"].where(~mixed, "mixed").replace("", pd.NA)
        part = part.sort_values(["units", "lines", "key"], ascending=[False, False, True], kind="stable")
        total = part["units"].sum()
        part["share"] = part["units"] / total if total else np.nan
        part["cumulative_share"] = part["units"].cumsum() / total if total else np.nan
        part.insert(0, "dimension", dimension)
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True) if len(lines) else pd.DataFrame(columns=list(CAUSE_COLUMNS))
    frame = frame.astype({"lines": int, "units": float, "value": float, "share": float, "cumulative_share": float})
    for column in ("dimension", "key", "currency"):
        frame[column] = frame[column].astype("string[python]")
    return frame[list(CAUSE_COLUMNS)].reset_index(drop=True)
