"""The built-in rule `credit-limit` (contract 4.8): a customer's open order value plus unpaid invoices above
their credit_limit.

Exposure is counted per currency: a customer's open lines (open_qty x net price) and the open balances of
their invoices that are not settled or credits, in that currency, against the limit as a number in the same
currency. With base_currency and fx_rates every currency is converted and summed into one exposure in the base
currency, compared with the limit read as base-currency money; a currency without a rate is left out of the sum
and the message says so. Customers without a credit_limit are not checked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import PROVENANCE
from ..money import Conversion, rates_for
from .tables import RuleTable

# The finding's message when the [[rules]] entry gives none; its fields are CREDIT_COLUMNS.
CREDIT_LIMIT_MESSAGE = ("Customer {customer_id} owes {unpaid_invoices} {currency} in unpaid invoices and has "
                        "{open_order_value} {currency} of open orders: {exposure} {currency}, above the credit "
                        "limit of {credit_limit} by {over_by}{note}.")
CREDIT_COLUMNS = ("customer_id", "name", "currency", "open_order_value", "unpaid_invoices", "exposure",
                  "credit_limit", "over_by", "note")


def exposure(valued: pd.DataFrame, receivables: pd.DataFrame) -> pd.DataFrame:
    """Per customer and currency: open_order_value (the open order lines of `valued`, tables.valued_lines: open
    qty x net price; replacements of exchanges are not in it, they are not billed; a line without a price adds
    nothing) and unpaid_invoices (positive open balances)."""
    open_rows = valued[(valued["_open_value"].fillna(0.0) > 0).to_numpy(dtype=bool)]
    orders = pd.DataFrame({"customer_id": open_rows["customer_id"].astype(object),
                           "currency": open_rows["_currency"].astype(object),
                           "open_order_value": open_rows["_open_value"], "unpaid_invoices": 0.0})
    unpaid = receivables[receivables["open_balance"].astype("float64") > 0]
    invoices = pd.DataFrame({"customer_id": unpaid["customer_id"].astype(object),
                             "currency": unpaid["currency"].astype(object), "open_order_value": 0.0,
                             "unpaid_invoices": unpaid["open_balance"].astype("float64")})
    both = pd.concat([orders, invoices], ignore_index=True).dropna(subset=["customer_id"])
    both["currency"] = both["currency"].fillna("")
    summed = both.groupby(["customer_id", "currency"], sort=True)[["open_order_value", "unpaid_invoices"]].sum()
    return summed.reset_index()


def has_credit_limits(customers: pd.DataFrame) -> bool:
    """Whether any customer has a credit_limit to check."""
    return "credit_limit" in customers and bool(customers["credit_limit"].notna().any())


def credit_limit_rows(valued: pd.DataFrame, customers: pd.DataFrame, receivables: pd.DataFrame,
                      convert: Conversion | None) -> RuleTable:
    """The customers above their credit limit: one row per customer and currency (per customer in the base
    currency with a conversion), with the customer row's provenance (its credit_limit cell is cited) and
    CREDIT_COLUMNS. `valued` are tables.valued_lines in the base currency (when there is one)."""
    limited = customers[customers["credit_limit"].notna().to_numpy(dtype=bool)] \
        .dropna(subset=["customer_id"]).drop_duplicates("customer_id")
    empty = RuleTable("customers", pd.DataFrame(columns=[*PROVENANCE, *CREDIT_COLUMNS]), {}, ())
    if limited.empty:
        return empty
    owed = exposure(valued, receivables)
    owed = owed[owed["customer_id"].isin(limited["customer_id"])]
    if convert is not None:
        owed = _converted(owed, convert)
    else:
        owed["note"] = ""
    owed["exposure"] = owed["open_order_value"] + owed["unpaid_invoices"]
    limit = owed["customer_id"].map(limited.set_index("customer_id")["credit_limit"].astype("float64"))
    owed["over_by"] = owed["exposure"] - limit
    over = owed[(owed["over_by"] > 0.005).to_numpy(dtype=bool)]
    if over.empty:
        return empty
    rows = limited.set_index("customer_id").loc[over["customer_id"]].reset_index()
    frame = rows[[*PROVENANCE, "customer_id", "name", "credit_limit"]].assign(
        currency=over["currency"].replace("", pd.NA).to_numpy(dtype=object),
        **{c: over[c].to_numpy() for c in ("open_order_value", "unpaid_invoices", "exposure", "over_by", "note")})
    frame = frame.astype({"currency": "string[python]", "note": "string[python]", "name": "string[python]"})
    return RuleTable("customers", frame, {c: frame[c].dtype for c in CREDIT_COLUMNS}, ("customer_id", "credit_limit"))


def _converted(owed: pd.DataFrame, convert: Conversion) -> pd.DataFrame:
    """Each customer's exposure in the base currency: the currencies with a rate converted and summed; a note
    names those without one (left out)."""
    rate = rates_for(owed["currency"].replace("", pd.NA), convert)
    known = rate.notna()
    amounts = owed[["open_order_value", "unpaid_invoices"]].mul(rate, axis=0)[known]
    summed = amounts.groupby(owed.loc[known, "customer_id"]).sum().round(2)
    missing = owed[~known].groupby("customer_id")["currency"].agg(
        lambda codes: ", ".join(code or "blank currency" for code in codes))
    customers = pd.Index(owed["customer_id"].unique())
    result = summed.reindex(customers).fillna(0.0).rename_axis("customer_id").reset_index()
    result["currency"] = convert.base
    note = result["customer_id"].map(missing).astype(object)
    result["note"] = np.where(note.notna(), " (" + note.fillna("") + " not counted: no rate in fx_rates)", "")
    return result
