"""Receivables in figures: the balances per currency (invoiced, paid, open, unbilled value, open amounts by age,
DSO) and the invoices to chase. From a Reconciliation's `billing`, `receivables` and `lines`; what the Billing
sheets, the `dso` KPI and the payment reminders show (docs/billing.md, "Balances and receivables to chase").

Money is never added across currencies: one row per currency, and one more row in the base currency only when
`base_currency` and `fx_rates` are configured (a currency without a rate stays out of it, and its note says so).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..model import unit_column
from ..money import Conversion, currency_column, net_price, rates_for
from ..wording import name_or_id
from .billing import AGES, CENT

if TYPE_CHECKING:  # for annotations only: the Reconciliation holds these functions' results
    from . import Reconciliation

BALANCE_COLUMNS: tuple[str, ...] = (
    "currency", "converted", "invoiced_amount", "paid_amount", "open_balance", "unbilled_value", "dso", "invoiced_last_90",
    "not_due", "overdue_1_30", "overdue_31_60", "overdue_61_90", "overdue_over_90", "no_due_date", "note")
# rec.receivables' `age` -> its column of the balances. Credits and settled invoices are in no age column.
AGE_COLUMNS: dict[str, str] = {"not due": "not_due", **{age: column for (age, _, _), column in zip(
    AGES, ("overdue_1_30", "overdue_31_60", "overdue_61_90", "overdue_over_90"))}, "no due date": "no_due_date"}
_AMOUNTS = ("invoiced_amount", "paid_amount", "open_balance", "unbilled_value", "invoiced_last_90",
            *AGE_COLUMNS.values())
# DSO (contract 4.4): open receivables ÷ amount invoiced in the last DSO_DAYS days (as_of included) × DSO_DAYS.
DSO_DAYS = 90
NO_DSO = f"nothing invoiced in the last {DSO_DAYS} days: no DSO"

CHASE_COLUMNS: tuple[str, ...] = ("customer", "invoice_id", "order_id", "due_date", "days_overdue", "open_balance",
                                  "currency", "action")
# What to do about an overdue invoice, by its age: the usual steps of a collections routine, as data.
CHASE_ACTIONS: dict[str, str] = {
    "1-30": "send a payment reminder",
    "31-60": "call the customer and agree a payment date",
    "61-90": "hold new orders until paid; tell the account manager",
    "90+": "escalate: collection agency or a bad-debt provision",
}


def receivable_balances(rec: "Reconciliation", convert: Conversion | None = None) -> pd.DataFrame:
    """BALANCE_COLUMNS, one row per currency (alphabetical, a blank currency last; `converted` False), then, with
    a conversion configured and a currency other than the base, the row of every currency with a rate in the
    base currency (`converted` True). No invoices: no rows."""
    receivables = rec.receivables
    if receivables.empty:
        return _typed(pd.DataFrame(columns=list(BALANCE_COLUMNS)))
    as_of = pd.Timestamp(rec.as_of)
    recent = receivables["invoice_date"].between(as_of - pd.Timedelta(days=DSO_DAYS - 1), as_of).to_numpy(dtype=bool)
    open_balance = receivables["open_balance"].to_numpy(dtype=float)
    amounts = pd.DataFrame({
        "invoiced_amount": receivables["invoiced_amount"].to_numpy(dtype=float),
        "paid_amount": receivables["paid_amount"].to_numpy(dtype=float), "open_balance": open_balance,
        "invoiced_last_90": np.where(recent, receivables["invoiced_amount"].to_numpy(dtype=float), 0.0),
        **{column: np.where(receivables["age"].eq(name).fillna(False).to_numpy(dtype=bool), open_balance, 0.0)
           for name, column in AGE_COLUMNS.items()}})
    table = amounts.groupby(_currency_key(receivables["currency"])).sum()
    unbilled, unpriced = _unbilled(rec)
    table = table.reindex(table.index.union(unbilled.index), fill_value=0.0)
    table["unbilled_value"] = unbilled.reindex(table.index, fill_value=0.0)
    table = table.reindex(sorted(table.index, key=lambda code: (code == "", code)))
    table = table.rename_axis("currency").reset_index()
    table["currency"] = table["currency"].replace("", pd.NA)
    table["note"] = _notes(table, unpriced)
    table["converted"] = False
    if convert is not None and table["currency"].ne(convert.base).fillna(True).any():
        table = pd.concat([table, _converted_row(table, convert)], ignore_index=True)
    table["dso"] = dso_days(table["open_balance"], table["invoiced_last_90"])
    return _typed(table)


def _currency_key(currency: pd.Series) -> np.ndarray:
    """The currency to group by: its code, "" for a blank one (a currency of its own, never dropped)."""
    return currency.astype(object).where(currency.notna(), "").to_numpy()


def dso_days(open_balance: pd.Series, invoiced_last_90: pd.Series) -> pd.Series:
    """Open receivables ÷ amount invoiced in the last 90 days × 90; blank when nothing (or only credit) was
    invoiced in those days."""
    invoiced = invoiced_last_90.astype(float)
    return (open_balance.astype(float) / invoiced.where(invoiced > CENT / 2) * DSO_DAYS).astype(float)


def receivables_to_chase(rec: "Reconciliation", customers: pd.DataFrame) -> pd.DataFrame:
    """CHASE_COLUMNS: every invoice with money open past its due date, most days overdue first, then the largest
    open balance, then the invoice number; `customer` is the customer's name where the customers table has one
    (else the id), `action` the step of CHASE_ACTIONS for its age."""
    receivables = rec.receivables
    late = receivables[receivables["days_overdue"].gt(0).fillna(False).to_numpy(dtype=bool)]
    late = late.sort_values(["days_overdue", "open_balance", "invoice_id"], ascending=[False, False, True],
                            kind="stable")
    customer = name_or_id(late["customer_id"], customers, "customer_id")
    frame = late.assign(customer=customer, action=late["age"].map(CHASE_ACTIONS).astype("string[python]"))
    return frame[[*unit_column(frame), *CHASE_COLUMNS]].reset_index(drop=True)


def _unbilled(rec: "Reconciliation") -> tuple[pd.Series, pd.Series]:
    """Per currency (_currency_key), the value shipped and not invoiced: each line's units not invoiced at the
    line's net price in the line's currency; and how many such lines have no price (they are not in the value)."""
    billing = rec.billing
    per_line = billing.groupby(["order_id", "line"], sort=False, dropna=False).agg(
        shipped_qty=("shipped_qty", "first"), invoiced_qty=("invoiced_qty", "sum")).reset_index()
    missing = (per_line["shipped_qty"] - per_line["invoiced_qty"]).clip(lower=0.0).to_numpy()
    short = missing > 1e-9
    per_line = per_line[short].assign(missing=missing[short])
    lines = rec.lines[rec.lines["kind"] == "order"]
    base = rec.position.config.base_currency if rec.position is not None else None
    priced = lines[["order_id", "line"]].assign(
        net_price=net_price(lines),
        currency=currency_column(lines["currency"], base=base))
    per_line = per_line.merge(priced, on=["order_id", "line"], how="left")
    value = per_line["missing"] * per_line["net_price"]
    key = _currency_key(per_line["currency"])
    return value.fillna(0.0).groupby(key).sum(), value.isna().groupby(key).sum()


def _notes(table: pd.DataFrame, unpriced: pd.Series) -> pd.Series:
    """Per currency row: what is not in its figures and why."""
    count = pd.Series(_currency_key(table["currency"])).map(unpriced).fillna(0).astype(int)
    text = np.where(count > 0, count.astype(str) + np.where(count == 1, " shipped line", " shipped lines")
                    + " without a price not in the unbilled value", "")
    no_dso = (table["invoiced_last_90"] <= CENT / 2).to_numpy()
    text = np.where(no_dso, np.where(text == "", NO_DSO, text + "; " + NO_DSO), text)
    return pd.Series(text, dtype="string[python]").replace("", pd.NA)


def _converted_row(table: pd.DataFrame, convert: Conversion) -> pd.DataFrame:
    """Every currency with a rate, in the base currency; the note names the rates and what has none."""
    code = table["currency"].astype(object)
    rates = rates_for(table["currency"], convert)
    rated = rates.notna().to_numpy()
    amounts = table.loc[rated, list(_AMOUNTS)].mul(rates[rated], axis=0).sum()
    used = [f"{c} {r:g}" for c, r in zip(code[rated], rates[rated]) if c != convert.base]
    left = ["no currency" if pd.isna(c) else str(c) for c in code[~rated]]
    note = f"all currencies in {convert.base}" + (f" at {', '.join(used)}" if used else "")
    if left:
        verbs = ("has", "is") if len(left) == 1 else ("have", "are")
        note += f"; {', '.join(left)} {verbs[0]} no rate and {verbs[1]} not in this row"
    row = {"currency": convert.base, "converted": True,
           **{column: round(float(amounts[column]), 2) for column in _AMOUNTS}, "note": note}
    return pd.DataFrame([row])


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    table = table.reindex(columns=list(BALANCE_COLUMNS))
    dtypes = {column: "float64" for column in (*_AMOUNTS, "dso")}
    return table.astype({**dtypes, "currency": "string[python]", "converted": bool, "note": "string[python]"}) \
        .reset_index(drop=True)


def dso_rows(rec: "Reconciliation", convert: Conversion | None = None) -> list[tuple[float, object]]:
    """The `dso` KPI's (value, currency) rows, as every money KPI gives them: one per currency, or the converted
    row plus one per currency without a rate. No invoices: one blank row. `convert` is the conversion of the
    settings `rec` was reconciled with: its balances (rec.balances, made once) are converted with it already."""
    table = rec.balances
    # Only currencies with invoices: a currency that is only shipped, never invoiced, has no receivables to turn.
    invoiced = set(rec.receivables["currency"].dropna())
    table = table[table["converted"] | table["currency"].isin(invoiced).fillna(False)
                  | (table["currency"].isna() & rec.receivables["currency"].isna().any())]
    if table.empty:
        return [(np.nan, convert.base if convert else pd.NA)]
    if table["converted"].any():
        rated = rates_for(table["currency"], convert).notna()
        table = pd.concat([table[table["converted"]], table[~table["converted"] & ~rated]])
    return [(float(value), currency) for value, currency in zip(table["dso"], table["currency"].astype(object))]
