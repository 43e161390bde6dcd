"""Carrier performance for the weekly report (contract 4.4: "carrier performance"; docs/weekly-report.md).

One row per carrier that shipped in the period (the 7 days ending on as_of): shipments, units, the on-time
rate and the average transit. The workbook format has no promised delivery date, so "on time" is judged as
everywhere else in omxl: the shipment left on or before its order line's promised date. Transit is
delivered_date − ship_date in days, over the shipments with a delivered date; shipments not delivered yet are
counted in `in_transit`. Shipments without a carrier are grouped under "(none)".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .kpis import period_of

CARRIER_COLUMNS = ("carrier", "shipments", "units", "on_time_rate", "avg_transit_days", "in_transit")
NONE = "(none)"


def carrier_performance(pos) -> pd.DataFrame:
    """CARRIER_COLUMNS, most shipments first (then by carrier). A shipment counts when it is dated in the
    period; on_time_rate is over the shipments matched to an order line that has a promised date (blank when
    none is), avg_transit_days over the delivered ones (blank when none is)."""
    work = carrier_shipments(pos, *period_of(pos.as_of))
    grouped = work.groupby("carrier", sort=False)
    frame = grouped.agg(shipments=("units", "size"), units=("units", "sum"), judged=("judged", "sum"),
                        on_time=("on_time", "sum"), avg_transit_days=("transit", "mean"),
                        in_transit=("in_transit", "sum")).reset_index()
    frame["on_time_rate"] = (frame["on_time"] / frame["judged"]).where(frame["judged"] > 0)
    frame = frame.sort_values(["shipments", "carrier"], ascending=[False, True], kind="stable")
    frame = frame.astype({"carrier": "string[python]", "shipments": "int64", "units": float,
                          "on_time_rate": float, "avg_transit_days": float, "in_transit": "int64"})
    return frame[list(CARRIER_COLUMNS)].reset_index(drop=True)


def carrier_shipments(pos, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The shipments dated from `start` to `end` (both included), one row each, as carrier performance judges
    them: carrier (NONE without one), units, judged (its order line has a promised date), on_time (shipped on
    or before it), transit (delivered_date - ship_date in days, blank when not delivered), in_transit. The
    weekly Carriers sheet sums the week's; the suggested improvements judge a longer window."""
    shipments = pos.shipment_matches
    day = pd.to_datetime(shipments["ship_date"]).dt.normalize()
    shipments = shipments[((day >= start) & (day <= end)).fillna(False).astype(bool)]
    index = shipments["line_index"]
    promised = pd.Series(np.nan, index=shipments.index, dtype="datetime64[ns]")
    matched = index.notna().to_numpy()
    if matched.any():
        promised.loc[matched] = pos.lines["promised_date"].to_numpy()[index[matched].astype(int).to_numpy()]
    shipped = pd.to_datetime(shipments["ship_date"]).dt.normalize()
    delivered = pd.to_datetime(shipments["delivered_date"]).dt.normalize()
    judged = promised.notna()
    return pd.DataFrame({
        "carrier": shipments["carrier"].astype(object).where(shipments["carrier"].notna(), NONE).to_numpy(),
        "units": shipments["qty"].to_numpy(dtype=float),
        "judged": judged.to_numpy(),
        "on_time": ((shipped <= promised) & judged).to_numpy(dtype=bool),
        "transit": (delivered - shipped).dt.days.to_numpy(dtype=float),
        "in_transit": delivered.isna().to_numpy(),
    })
