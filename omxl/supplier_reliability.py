"""How reliably each supplier delivers on the date it promised (contract 4.3, issue "Learning from what happened",
docs/learning.md): from the purchase orders a book shows received, per supplier, the on-time rate and the median
and spread of the slip (days received after the expected date).

A receipt is one purchase order received on one day: a PO's lines received together count once (the supplier
kept or missed one date), a PO received in two deliveries counts twice. Only POs with both an expected and a
received date count, cancelled ones never. With fewer than MIN_RECEIPTS receipts a supplier's slip is not used
(too few to tell a habit from an accident), and the reason says so."""

from __future__ import annotations

import numpy as np
import pandas as pd

MIN_RECEIPTS = 3

COLUMNS = ("supplier_id", "receipts", "on_time", "on_time_rate", "median_slip_days", "slip_std_days", "shift_days",
           "note")
# The Supplier Reliability sheet (the reorder output, the weekly workbook) and plan.supplier_reliability: the
# table with each supplier's name beside its id.
SHEET = "Supplier Reliability"
SHEET_COLUMNS = ("supplier_id", "supplier_name", *COLUMNS[1:])


def receipts(purchase_orders: pd.DataFrame) -> pd.DataFrame:
    """One row per receipt: supplier_id, po_id, expected_date, received_date, slip_days (received - expected, in
    whole days; negative when early), on_time (received on or before the expected date)."""
    pos = purchase_orders
    usable = pos["expected_date"].notna() & pos["received_date"].notna()
    if "status" in pos:
        usable &= pos["status"].astype(object).ne("cancelled").to_numpy(dtype=bool)
    taken = pos.loc[usable, ["supplier_id", "po_id", "expected_date", "received_date"]]
    taken = taken.drop_duplicates(["supplier_id", "po_id", "expected_date", "received_date"])
    slip = (taken["received_date"].dt.normalize() - taken["expected_date"].dt.normalize()).dt.days
    return taken.assign(slip_days=slip.astype("float64"), on_time=(slip <= 0).astype(bool)).reset_index(drop=True)


def supplier_reliability(purchase_orders: pd.DataFrame | None, suppliers: pd.DataFrame | None = None, *,
                         min_receipts: int = MIN_RECEIPTS) -> pd.DataFrame:
    """Per supplier (every supplier of a purchase order, and of the suppliers table when given):

    - receipts, on_time (receipts on or before the expected date) and on_time_rate;
    - median_slip_days and slip_std_days (sample standard deviation; blank with one receipt);
    - shift_days: how many days an open PO's expected date is moved when projecting ship dates: the median slip
      when it is late (> 0) and the supplier has at least `min_receipts` receipts, else 0. An early supplier's
      dates are not moved earlier: a customer is not promised a date before the one the supplier gave;
    - note: in words, why there is no shift or what the shift is based on.

    Blank figures mean "not known", never 0 days."""
    known = pd.Index([], dtype=object)
    if purchase_orders is not None and len(purchase_orders):
        known = known.append(pd.Index(purchase_orders["supplier_id"].dropna().astype(object).unique()))
    if suppliers is not None and len(suppliers):
        known = known.append(pd.Index(suppliers["supplier_id"].dropna().astype(object).unique()))
    known = known.unique()
    has_dates = pd.Series(False, index=known, dtype=bool)
    has_orders = pd.Series(False, index=known, dtype=bool)
    if purchase_orders is not None and len(purchase_orders):
        seen = receipts(purchase_orders)
        expected_any = purchase_orders.loc[purchase_orders["expected_date"].notna(), "supplier_id"].astype(object)
        has_dates.loc[has_dates.index.isin(expected_any.unique())] = True
        has_orders.loc[has_orders.index.isin(purchase_orders["supplier_id"].dropna().astype(object).unique())] = True
    else:
        seen = pd.DataFrame({"supplier_id": pd.Series([], dtype=object), "slip_days": pd.Series([], dtype="float64"),
                             "on_time": pd.Series([], dtype=bool)})
    grouped = seen.assign(supplier_id=seen["supplier_id"].astype(object)).groupby("supplier_id")
    table = pd.DataFrame({"receipts": grouped.size(), "on_time": grouped["on_time"].sum(),
                          "median_slip_days": grouped["slip_days"].median(),
                          "slip_std_days": grouped["slip_days"].std(ddof=1)}).reindex(known)
    table["receipts"] = table["receipts"].fillna(0).astype("int64")
    table["on_time"] = table["on_time"].fillna(0).astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        table["on_time_rate"] = (table["on_time"] / table["receipts"]).where(table["receipts"] > 0)
    enough = table["receipts"] >= min_receipts
    late = enough & (table["median_slip_days"] > 0)
    table["shift_days"] = table["median_slip_days"].where(late, 0.0).astype("float64")
    table["note"] = _notes(table, enough, late, has_orders.reindex(table.index).fillna(False).astype(bool),
                           has_dates.reindex(table.index).fillna(False).astype(bool), min_receipts)
    table = table.rename_axis("supplier_id").reset_index()
    table["supplier_id"] = table["supplier_id"].astype("string[python]")
    return table.sort_values("supplier_id", kind="stable").reset_index(drop=True)[list(COLUMNS)]


def _notes(table: pd.DataFrame, enough: pd.Series, late: pd.Series, has_orders: pd.Series, has_dates: pd.Series,
           min_receipts: int) -> pd.Series:
    count = table["receipts"]
    median = table["median_slip_days"]
    # Object text throughout, a blank median as "" (that row takes another note): pandas' own string dtype
    # (pyarrow's with pandas 3) cannot add a text column of blanks to another.
    receipts_text = count.astype(str).astype(object) + np.where(count == 1, " receipt", " receipts").astype(object)
    notes = pd.Series(np.select(
        [~has_orders,
         ~has_dates,
         count == 0,
         ~enough,
         late,
         enough & (median <= 0)],
        ["no purchase orders in the book: no shift",
         "no expected dates on its purchase orders: no shift",
         "no purchase order received yet: no shift",
         receipts_text + f": fewer than {min_receipts}, no shift",
         receipts_text + ", median " + median.map(_days_text, na_action="ignore").astype(object).fillna("")
         + " late: dates "
         "moved by the median",
         receipts_text + ", on time at the median: no shift"],
        default=""), index=table.index, dtype=object)
    return notes.astype("string[python]")


def _days_text(days: float) -> str:
    whole = int(days) if float(days).is_integer() else days
    return f"{whole} day" if whole == 1 else f"{whole} days"


def with_names(table: pd.DataFrame, suppliers: pd.DataFrame | None) -> pd.DataFrame:
    """`table` (supplier_reliability's) with supplier_name (the suppliers table's name; blank when it has none)
    after supplier_id: SHEET_COLUMNS."""
    names = pd.Series(dtype=object)
    if suppliers is not None and len(suppliers) and "name" in suppliers:
        names = suppliers.dropna(subset=["supplier_id"]).drop_duplicates("supplier_id") \
            .set_index("supplier_id")["name"].astype(object)
    named = table.assign(supplier_name=table["supplier_id"].astype(object).map(names).astype("string[python]"))
    return named[list(SHEET_COLUMNS)].reset_index(drop=True)
