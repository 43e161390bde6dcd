"""The Billing page of `omxl reconcile --out` (docs/billing.md): the balances per currency, the open receivables by
age and the receivables to chase, as three blocks on one landscape page a person reads and prints.

The frames come from omxl.reconciliation.balances; this module only lays them out. The weekly workbook shows the
same three tables through its template (scripts/weekly_status_template.py, sheet Billing).
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from ..io.xlsx.freesheet import Cell, FreeSheet
from .columns import kind_of
from .sheets import labels_for, number_format

BILLING = "Billing"
RECEIVABLES = "Receivables"
BILLING_LINES = "Billing Lines"
# The page's three tables: which columns of the balances (BALANCE_COLUMNS) and of the chase list each shows.
BALANCE_SHOWN = ("currency", "invoiced_amount", "paid_amount", "open_balance", "unbilled_value", "dso",
                 "invoiced_last_90", "note")
AGE_SHOWN = ("currency", "not_due", "overdue_1_30", "overdue_31_60", "overdue_61_90", "overdue_over_90",
             "no_due_date")
CHASE_SHOWN = ("customer", "invoice_id", "order_id", "due_date", "days_overdue", "open_balance", "currency",
               "action")
# Characters: the customer's name, six figures, then the note or action (the longest action on one line). About
# 150: one landscape page wide.
WIDTHS = (22.0, 13.0, 13.0, 13.0, 13.0, 13.0, 13.0, 54.0)
# The page lists the most overdue invoices, as many as leave the page one printed page (with a few currencies);
# the Receivables sheet has every invoice.
CHASE_ON_PAGE = 20


# What the weekly workbook's Billing sheet says for a book without invoices: not known, which is not "nothing owed".
NO_INVOICES = "The book has no invoices table: billing is not known."
NOTHING_TO_CHASE = "No invoice has money open past its due date."


def billing_page(balances: pd.DataFrame, to_chase: pd.DataFrame, as_of: pd.Timestamp, *,
                 labels: Mapping[str, str] | None = None) -> FreeSheet:
    """The Billing page of a book with invoices: `balances` (omxl.reconciliation.balances.receivable_balances)
    and `to_chase` (receivables_to_chase), as of `as_of`."""
    rows: list[tuple[Cell | None, ...]] = [
        (Cell(f"Billing as of {as_of:%Y-%m-%d}", "title"),),
        (Cell(billing_sentence(as_of), wrap=True, span=len(WIDTHS)),),
        (),
        (Cell("Balances per currency", "bold"),),
    ]
    shown = balances.assign(currency=currency_words(balances))
    rows += _block(shown, BALANCE_SHOWN, labels)
    rows += [(), (Cell("Open receivables by age (days past due)", "bold"),)]
    rows += _block(shown, AGE_SHOWN, labels)
    rows += [(), (Cell("Receivables to chase", "bold"),)]
    count = len(to_chase)
    if count == 0:
        sentence = NOTHING_TO_CHASE
    else:
        sentence = (f"{count:,} {'invoice has' if count == 1 else 'invoices have'} money open past the due date, "
                    "most days overdue first")
        sentence += (f"; the {CHASE_ON_PAGE} most overdue are here, every invoice is on the {RECEIVABLES} sheet."
                     if count > CHASE_ON_PAGE else ".")
    rows.append((Cell(sentence, wrap=True, span=len(WIDTHS)),))
    if count:
        rows += _block(to_chase.head(CHASE_ON_PAGE), CHASE_SHOWN, labels)
    return FreeSheet(tuple(rows), widths=WIDTHS, portrait=False)


def billing_sentence(as_of: pd.Timestamp) -> str:
    """What the billing figures cover, in one sentence (the Billing page and the weekly Billing sheet)."""
    return (f"Invoices and payments up to {as_of:%Y-%m-%d}. One row per currency: money is never added across "
            "currencies. Ages: days past the due date.")


def shown_tables(balances: pd.DataFrame, to_chase: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The three tables of the Billing sheet by their weekly template names, the currency in words."""
    shown = balances.assign(currency=currency_words(balances))
    return {"billing_balances": shown[list(BALANCE_SHOWN)].reset_index(drop=True),
            "billing_ages": shown[list(AGE_SHOWN)].reset_index(drop=True),
            "receivables_to_chase": to_chase[list(CHASE_SHOWN)].reset_index(drop=True)}


def currency_words(balances: pd.DataFrame) -> pd.Series:
    """The currency as a reader sees it: the code, 'All in EUR' for the converted row, 'no currency' when blank."""
    code = balances["currency"].astype("string[python]")
    converted = balances["converted"].to_numpy(dtype=bool)
    words = code.fillna("no currency").astype(object)
    words[converted] = "All in " + code[converted].astype(object)
    return words.astype("string[python]")


def _block(frame: pd.DataFrame, columns: tuple[str, ...], labels: Mapping[str, str] | None) -> list[tuple]:
    """A header row and one row per record of `frame`'s `columns`, each cell in its column's number format."""
    headers = labels_for(list(columns), BILLING, labels)
    # Text after a right-aligned figure is indented one step, so that the two do not touch.
    indents = [0] + [0 if _numeric(name) else 1 for name in columns[1:]]
    out: list[tuple] = [tuple(Cell(header, "header", wrap=True, align="right" if _numeric(name) else "",
                                   indent=indent) for name, header, indent in zip(columns, headers, indents))]
    formats = {name: number_format(frame[name], kind_of(name, BILLING)) for name in columns}
    for record in frame[list(columns)].astype(object).itertuples(index=False):
        out.append(tuple(_cell(value, name, formats[name], indent)
                         for name, value, indent in zip(columns, record, indents)))
    return out


def _numeric(name: str) -> bool:
    return kind_of(name, BILLING) in ("money", "days", "count", "quantity")


def _cell(value: object, name: str, num_format: str | None, indent: int) -> Cell:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return Cell(None)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    wrap = kind_of(name, BILLING) == "long_text"
    if isinstance(value, bool):
        value = "yes" if value else "no"
    return Cell(value, num_format=None if num_format in (None, "General") else num_format, wrap=wrap,
                align="right" if _numeric(name) else "", indent=indent)
