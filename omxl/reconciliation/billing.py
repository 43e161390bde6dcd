"""Billing reconciliation (contract 4.7): what each order line shipped, was invoiced and was paid, what is still
open and how long it is overdue, and the billing exceptions.

Pure functions over the prepared lines and the book's invoices, payments, customers and returns. The rules and
the choices made where the contract is silent are in docs/billing.md ("Billing reconciliation"); in short:

- an invoice row matches its order line by (order_id, line); without `line`, the order's lines of its `sku`;
  without either, the whole order. An invoice row that covers several lines is spread over them in proportion
  to their value (qty x unit_price x (1 - discount)); when they have no value, by ordered quantity; when none
  has a quantity either, evenly. Cancelled lines take no share of an invoice spread over the order, unless
  every line of the order is cancelled.
- an invoice row without `qty` invoices the ordered quantity of the lines it covers; a credit note (a negative
  amount) gives money back and takes no quantity off, and its amount is not judged against the prices;
- a payment is spread over its invoice's rows and lines in proportion to their amounts (evenly when the
  invoice's amounts add up to 0);
- money is kept per currency: a line invoiced in a currency other than its own gets a row per currency.

Invoices dated after as_of and payments paid after it have not happened yet: the Position's book
(omxl/position/point_in_time.py) no longer holds them, so billing takes the invoices and payments it is given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..findings import concat_findings, empty_findings, has_column, row_findings
from ..money import currency_column, net_price
from ..wording import day_text, quantity_text, words

BILLING_COLUMNS: tuple[str, ...] = ("order_id", "line", "sku", "shipped_qty", "invoiced_qty", "invoiced_amount",
                                    "paid_amount", "open_balance", "days_overdue", "currency")
_DTYPES = {"order_id": "string[python]", "line": "Int64", "sku": "string[python]", "shipped_qty": "float64",
           "invoiced_qty": "float64", "invoiced_amount": "float64", "paid_amount": "float64",
           "open_balance": "float64", "days_overdue": "Int64", "currency": "string[python]"}
# rec.receivables: one row per invoice and currency (docs/billing.md, "Receivables").
RECEIVABLE_COLUMNS: tuple[str, ...] = ("invoice_id", "order_id", "customer_id", "invoice_date", "due_date",
                                       "due_from", "invoiced_amount", "paid_amount", "open_balance", "days_overdue",
                                       "age", "currency")
_RECEIVABLE_DTYPES = {"invoice_id": "string[python]", "order_id": "string[python]", "customer_id": "string[python]",
                      "invoice_date": "datetime64[ns]", "due_date": "datetime64[ns]", "due_from": "string[python]",
                      "invoiced_amount": "float64", "paid_amount": "float64", "open_balance": "float64",
                      "days_overdue": "Int64", "age": "string[python]", "currency": "string[python]"}
# How old an open balance is, by days past its due date: (age, first day, last day), as data. An amount not yet
# due is "not due"; one whose due date is unknown "no due date"; a settled invoice "settled", one paid or
# credited beyond what it bills "credit".
AGES: tuple[tuple[str, int, float], ...] = (("1-30", 1, 30), ("31-60", 31, 60), ("61-90", 61, 90),
                                            ("90+", 91, np.inf))
# A cent: amounts that differ by less are equal (contract 4.7: "beyond a cent per line").
CENT = 0.01
# Quantities are compared with this slack, so that 0.1 + 0.2 units equal 0.3.
_QTY_SLACK = 1e-9


def empty_billing() -> pd.DataFrame:
    """rec.billing of a book without invoices: no rows, the contract's columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in _DTYPES.items()})


def empty_receivables() -> pd.DataFrame:
    """rec.receivables of a book without invoices: no rows, RECEIVABLE_COLUMNS."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in _RECEIVABLE_DTYPES.items()})


def reconcile_billing(lines: pd.DataFrame, invoices: pd.DataFrame, payments: pd.DataFrame, customers: pd.DataFrame,
                      return_lines: pd.DataFrame, as_of: pd.Timestamp, column_map: pd.DataFrame,
                      base_currency: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """rec.billing (one row per order line and currency), rec.receivables (one row per invoice and currency) and
    the billing exceptions. `lines` are reconcile's lines (only the `order` ones are billed: an exchange's
    replacement is not invoiced); `return_lines` are Position.return_lines. `invoices` and `payments` are the
    Position's: as of `as_of`, those dated after it already taken out (point_in_time.book_as_of), and the rows
    with errors (a blank invoice_date or paid_date) too. A book without invoices has no billing: empty frames
    and no exceptions."""
    if invoices.empty:
        return empty_billing(), empty_receivables(), empty_findings()
    # Numbered from 0: the steps below find rows by position (`_inv`, `_first`).
    bills = invoices.reset_index(drop=True)
    paid_rows = payments.reset_index(drop=True)
    order = _order_lines(lines, base_currency)
    # Invoice numbers, currencies and payments' invoices as integer codes, hashed once: grouping and looking up
    # 100,000 texts again in each step below was most of billing's time. Code -1 is a blank invoice number.
    invoice_code, invoice_ids = pd.factorize(bills["invoice_id"])
    currency = currency_column(bills["currency"], base=base_currency)
    customer = bills["order_id"].map(order.drop_duplicates("order_id").set_index("order_id")["customer_id"])
    bills = bills.assign(_inv=np.arange(len(bills)), _code=invoice_code, _currency=currency,
                         _currency_code=pd.factorize(currency, use_na_sentinel=False)[0], _customer=customer,
                         amount=bills["amount"].astype("float64"), qty=bills["qty"].astype("float64"))
    bills = bills.assign(_due=_due_dates(bills, customers))
    paid_code = pd.Index(invoice_ids).get_indexer(paid_rows["invoice_id"])
    shares = _invoice_shares(bills, order)
    shares = _with_payments(shares, paid_rows, paid_code, len(invoice_ids))
    shares = _with_due_dates(shares, bills, as_of)
    frame = _billing_frame(order, shares)
    receivables = _receivables(shares, bills, as_of)
    exceptions = concat_findings([
        _shipped_not_invoiced(order, shares, column_map),
        _invoiced_not_shipped(order, shares, bills, column_map),
        _amount_mismatches(shares, bills, order, column_map),
        _overdue(receivables, bills, column_map),
        _overpaid(receivables, bills, paid_rows, paid_code, column_map),
        _refunds_not_credited(return_lines, bills, column_map, base_currency),
    ])
    return frame, receivables.drop(columns="_first"), exceptions


def _order_lines(lines: pd.DataFrame, base_currency: str | None) -> pd.DataFrame:
    """The order lines to bill, with their net price, value and currency, numbered by `_pos`."""
    order = lines[lines["kind"] == "order"].reset_index(drop=True)
    price = net_price(order)
    cancelled = order["sheet_status"].eq("cancelled").fillna(False).to_numpy(dtype=bool)
    return order.assign(
        _pos=np.arange(len(order)), _net_price=price, _value=order["qty"].astype("float64") * price,
        _cancelled=cancelled, _currency=currency_column(order["currency"], base=base_currency),
        shipped_qty=order["shipped_qty"].astype("float64").fillna(0.0))


def _invoice_shares(bills: pd.DataFrame, order: pd.DataFrame) -> pd.DataFrame:
    """One row per invoice row and order line it covers (`_pos` blank when it covers none), with the share of
    the invoice row that line takes (`share`), its invoiced quantity and amount, and the amount the line's price
    says it should be (`expected`, blank when the price is unknown)."""
    # Matched on integer codes of order_id, line and sku, numbered over the invoices and the lines together (a
    # blank is a value of its own, as a merge pairs blank keys): merging on the texts hashed them in every merge.
    order_code, sku_code, line_code = (
        pd.factorize(pd.concat([bills[column], order[column]], ignore_index=True), use_na_sentinel=False)[0]
        .astype(np.int64) for column in ("order_id", "sku", "line"))
    width = int(max(sku_code.max(initial=0), line_code.max(initial=0))) + 1
    coded = {"_order": order_code, "_by_line": order_code * width + line_code,
             "_by_sku": order_code * width + sku_code}
    n = len(bills)
    keys = order[["_pos", "_value", "qty", "_cancelled", "_net_price"]].assign(
        **{name: codes[n:] for name, codes in coded.items()})
    asked = bills[["_inv", "line", "sku"]].assign(**{name: codes[:n] for name, codes in coded.items()})
    has_line, has_sku = asked["line"].notna().to_numpy(), asked["sku"].notna().to_numpy()

    def matched(rows: np.ndarray, on: str) -> pd.DataFrame:
        return asked.loc[rows, ["_inv", on]].merge(keys[[on, "_pos", "_value", "qty", "_cancelled", "_net_price"]],
                                                   on=on, how="left")

    by_line = matched(has_line, "_by_line")
    by_sku = matched(~has_line & has_sku, "_by_sku")
    whole = matched(~has_line & ~has_sku, "_order")
    whole = whole.assign(_whole=True)
    shares = pd.concat([by_line.assign(_whole=False), by_sku.assign(_whole=False), whole], ignore_index=True)
    shares = shares[["_inv", "_pos", "_value", "qty", "_cancelled", "_net_price", "_whole"]]
    # Cancelled lines take no share of an invoice spread over several lines, unless all of them are cancelled.
    all_cancelled = shares.groupby("_inv")["_cancelled"].transform("all").fillna(True).to_numpy(dtype=bool)
    counts = shares["_cancelled"].eq(True).to_numpy(dtype=bool) & ~all_cancelled   # a blank (no line) is no
    value = np.where(counts, 0.0, shares["_value"].fillna(0.0).clip(lower=0.0))
    ordered = np.where(counts, 0.0, shares["qty"].fillna(0.0).clip(lower=0.0))
    group = shares["_inv"].to_numpy()
    value_total = pd.Series(value).groupby(group).transform("sum").to_numpy()
    qty_total = pd.Series(ordered).groupby(group).transform("sum").to_numpy()
    n = pd.Series(group).groupby(group).transform("size").to_numpy()
    share = np.where(value_total > 0, value / np.where(value_total > 0, value_total, 1.0),
                     np.where(qty_total > 0, ordered / np.where(qty_total > 0, qty_total, 1.0), 1.0 / n))
    # Only the columns used, taken by position (`_inv` numbers the rows): not every text column of 100,000 rows.
    bill = bills[["amount", "qty", "_currency", "invoice_id", "_code", "_currency_code"]].iloc[group]
    amount = bill["amount"].to_numpy(dtype=float)
    bill_qty = bill["qty"].to_numpy(dtype=float)
    # Without a quantity the invoice row bills what the line ordered. A credit note (a negative amount) gives
    # money back, for a return or a price correction: the units billed stay billed (a return is its own record),
    # so it takes no quantity off.
    covered_qty = np.where(counts, 0.0, shares["qty"].fillna(0.0).to_numpy(dtype=float))
    line_qty = np.where(amount < 0, 0.0, np.where(np.isnan(bill_qty), covered_qty, bill_qty * share))
    matched = shares["_pos"].notna().to_numpy()
    return pd.DataFrame({
        "_inv": group, "_pos": shares["_pos"].astype("Int64").to_numpy(), "share": np.where(matched, share, 1.0),
        "invoiced_qty": np.where(matched, line_qty, 0.0), "invoiced_amount": amount * np.where(matched, share, 1.0),
        "expected": line_qty * shares["_net_price"].to_numpy(dtype=float),
        "_currency": bill["_currency"].to_numpy(), "_invoice_id": bill["invoice_id"].to_numpy(),
        "_code": bill["_code"].to_numpy(), "_currency_code": bill["_currency_code"].to_numpy(),
    })


def _with_payments(shares: pd.DataFrame, paid_rows: pd.DataFrame, paid_code: np.ndarray,
                   invoices: int) -> pd.DataFrame:
    """Each share's `paid_amount`: its invoice's payments spread over the invoice's shares in proportion to
    their amounts (evenly when the invoice's amounts add up to 0). `paid_code` is each payment's invoice code
    (-1: not one of the `invoices` billed)."""
    applied = paid_code >= 0
    paid = pd.Series(paid_rows["amount"].to_numpy(dtype=float)[applied]).groupby(paid_code[applied]).sum()
    received_per_invoice = np.zeros(invoices)
    received_per_invoice[paid.index.to_numpy()] = paid.to_numpy()
    code = shares["_code"].to_numpy()
    known = code >= 0  # a blank invoice number is no invoice: nothing is spread over it
    by_invoice = shares["invoiced_amount"].groupby(code)
    total = np.where(known, by_invoice.transform("sum").to_numpy(dtype=float), np.nan)
    n = np.where(known, by_invoice.transform("size").to_numpy(dtype=float), np.nan)
    received = np.where(known, received_per_invoice[np.where(known, code, 0)], 0.0)
    amount = shares["invoiced_amount"].to_numpy(dtype=float)
    spread = np.where(np.abs(total) > 1e-12, amount / np.where(np.abs(total) > 1e-12, total, 1.0), 1.0 / n)
    return shares.assign(paid_amount=received * spread)


def _with_due_dates(shares: pd.DataFrame, bills: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each share's due date (the invoice's due_date, else its invoice_date + the customer's payment_terms_days)
    and days overdue: as_of - due date while the share is unpaid and past due, 0 when nothing is past due,
    blank when it is unpaid and no due date is known."""
    share_due = pd.Series(bills["_due"].to_numpy()[shares["_inv"].to_numpy()])
    unpaid = (shares["invoiced_amount"] - shares["paid_amount"]).to_numpy(dtype=float) > CENT / 2
    days = (as_of - share_due).dt.days.to_numpy(dtype=float)
    overdue = np.where(unpaid & np.isnan(days), np.nan, np.where(unpaid & (days > 0), days, 0.0))
    return shares.assign(_due=share_due.to_numpy(), _days_overdue=overdue)


def _due_dates(bills: pd.DataFrame, customers: pd.DataFrame) -> pd.Series:
    """Per invoice row: due_date, else invoice_date + payment_terms_days of the order's customer (`_customer`;
    blank when neither is known)."""
    terms = customers.dropna(subset=["customer_id"]).drop_duplicates("customer_id").set_index("customer_id")[
        "payment_terms_days"].astype("float64")
    days = bills["_customer"].map(terms).astype("float64")
    by_terms = bills["invoice_date"] + pd.to_timedelta(days, unit="D")
    return bills["due_date"].fillna(by_terms)


def _billing_frame(order: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """rec.billing: per order line and currency (the line's own when it has no invoice)."""
    matched = shares[shares["_pos"].notna()]
    matched = matched.assign(_unknown=matched["_days_overdue"].isna())
    # By the currency's code (one per currency, a blank one included), then the currency taken from the group's
    # first share: the same groups, in the same order, as by the text.
    grouped = matched.groupby([matched["_pos"].astype("int64"), "_currency_code"], dropna=False, sort=False)
    per = grouped.agg(invoiced_qty=("invoiced_qty", "sum"), invoiced_amount=("invoiced_amount", "sum"),
                      paid_amount=("paid_amount", "sum"), days_overdue=("_days_overdue", "max"),
                      unknown=("_unknown", "any")).reset_index()
    # Overdue when any invoice on the line is known to be past due; else unknown when money is open on an invoice
    # without a due date (blank, not 0: "not overdue" is not known).
    days = per["days_overdue"].to_numpy(dtype=float)
    per["days_overdue"] = np.where(per["unknown"].to_numpy(dtype=bool) & ~(days > 0), np.nan, days)
    per = per.drop(columns=["_currency_code", "unknown"]).assign(currency=grouped["_currency"].first().to_numpy())
    billed = pd.Index(per["_pos"].unique())
    not_billed = order.loc[~order["_pos"].isin(billed), ["_pos", "_currency"]].rename(columns={"_currency": "currency"})
    not_billed = not_billed.assign(invoiced_qty=0.0, invoiced_amount=0.0, paid_amount=0.0, days_overdue=0.0)
    rows = pd.concat([per, not_billed], ignore_index=True)
    line = order.set_index("_pos").loc[rows["_pos"].to_numpy(), ["order_id", "line", "sku", "shipped_qty"]]
    rows = pd.concat([line.reset_index(drop=True), rows.reset_index(drop=True)], axis=1)
    rows["open_balance"] = rows["invoiced_amount"] - rows["paid_amount"]
    rows = rows.sort_values(["_pos", "currency"], kind="stable", na_position="last")
    return rows[list(BILLING_COLUMNS)].astype(_DTYPES).reset_index(drop=True)


def _money(amounts: pd.Series | np.ndarray, currencies: pd.Series | np.ndarray) -> pd.Series:
    """'EUR 1,234.50' per row (a blank currency: the amount alone)."""
    amounts = pd.Series(np.asarray(amounts, dtype=float))
    code = pd.Series(np.asarray(currencies, dtype=object)).astype("string[python]").fillna("")
    number = amounts.map("{:,.2f}".format).astype(object)
    return pd.Series(np.where(code.ne(""), code.astype(object) + " " + number, number), dtype=object)


def _per_line(order: pd.DataFrame, shares: pd.DataFrame) -> pd.Series:
    matched = shares[shares["_pos"].notna()]
    totals = matched.groupby(matched["_pos"].astype("int64"))["invoiced_qty"].sum()
    return totals.reindex(order["_pos"]).fillna(0.0).set_axis(order.index)


def _shipped_not_invoiced(order: pd.DataFrame, shares: pd.DataFrame, column_map: pd.DataFrame) -> pd.DataFrame:
    invoiced = _per_line(order, shares)
    short = order[order["shipped_qty"] > invoiced + _QTY_SLACK]
    if short.empty:
        return empty_findings()
    missing = short["shipped_qty"] - invoiced[short.index]
    value = pd.Series(np.where(short["_net_price"].notna(),
                               " (" + _money(missing * short["_net_price"], short["_currency"]) + ")", ""),
                      index=short.index)
    return row_findings(
        "shipped-not-invoiced", "orders", short, column="qty", column_map=column_map, messages=
        "Order " + words(short["order_id"]) + " line " + words(short["line"]) + " shipped "
        + quantity_text(short["shipped_qty"]) + " x " + words(short["sku"], "no item") + " but "
        + quantity_text(invoiced[short.index]) + " were invoiced. Invoice the " + quantity_text(missing)
        + " not yet billed" + value + ".")


def _invoiced_not_shipped(order: pd.DataFrame, shares: pd.DataFrame, bills: pd.DataFrame,
                          column_map: pd.DataFrame) -> pd.DataFrame:
    """Lines invoiced beyond what they shipped, citing the latest invoice row that covers them; and invoice rows
    that match no order line at all."""
    parts = []
    invoiced = _per_line(order, shares)
    ahead = order[invoiced > order["shipped_qty"] + _QTY_SLACK]
    if len(ahead):
        covering = shares[shares["_pos"].isin(ahead["_pos"]) & (shares["invoiced_qty"] > 0)]
        dated = bills["invoice_date"].to_numpy()[covering["_inv"].to_numpy()]
        latest = covering.assign(_date=dated).sort_values(["_date", "_inv"], kind="stable") \
            .drop_duplicates("_pos", keep="last").set_index("_pos")["_inv"]
        at = bills.loc[latest.reindex(ahead["_pos"]).to_numpy()].reset_index(drop=True)
        rows = at.assign(order_id=ahead["order_id"].to_numpy(), line=ahead["line"].to_numpy(),
                         sku=ahead["sku"].to_numpy())
        extra = (invoiced[ahead.index] - ahead["shipped_qty"]).reset_index(drop=True)
        message = ("Order " + words(rows["order_id"]) + " line " + words(rows["line"]) + " is invoiced for "
                   + quantity_text(invoiced[ahead.index].reset_index(drop=True)) + " x "
                   + words(rows["sku"], "no item") + " (invoice " + words(rows["invoice_id"]) + ") but "
                   + quantity_text(ahead["shipped_qty"].reset_index(drop=True)) + " shipped. Ship the "
                   + quantity_text(extra) + " billed or credit them.")
        parts.extend(_cited_by_qty("invoiced-not-shipped", rows, message, column_map))
    orphans = bills.loc[shares.loc[shares["_pos"].isna(), "_inv"].unique()]
    if len(orphans):
        what = np.where(orphans["line"].notna(), "line " + words(orphans["line"]),
                        np.where(orphans["sku"].notna(), "item " + words(orphans["sku"]), "any line"))
        # The cell to correct: the order number when the order is unknown; of a known order, the line number
        # it does not have, else the item it does not have.
        known_order = orphans["order_id"].isin(order["order_id"]).to_numpy(dtype=bool)
        by_line = has_column(orphans, "line", column_map) & orphans["line"].notna().to_numpy(dtype=bool)
        by_sku = has_column(orphans, "sku", column_map) & orphans["sku"].notna().to_numpy(dtype=bool)
        column = np.select([known_order & by_line, known_order & ~by_line & by_sku], ["line", "sku"], "order_id")
        for name in ("line", "sku", "order_id"):
            rows = orphans[column == name]
            if len(rows):
                parts.append(row_findings(
                    "invoiced-not-shipped", "invoices", rows, column=name, column_map=column_map, messages=
                    "Invoice " + words(rows["invoice_id"]) + " bills order " + words(rows["order_id"]) + ", "
                    + pd.Series(what[column == name], index=rows.index) + ", which is not on the orders sheet: "
                    "nothing of it can have shipped. Correct the order or line on the invoice, or credit it.",
                    ref=rows["invoice_id"]))
    return concat_findings(parts)


def _cited_by_qty(code: str, rows: pd.DataFrame, message: pd.Series, column_map: pd.DataFrame) -> list[pd.DataFrame]:
    """Findings about invoice rows citing their `qty` cell where their sheet has one, else their amount."""
    has_qty = has_column(rows, "qty", column_map)
    return [row_findings(code, "invoices", rows[mask].reset_index(drop=True), column=column, column_map=column_map,
                         messages=message[mask].reset_index(drop=True), ref=rows.loc[mask, "invoice_id"])
            for column, mask in (("qty", has_qty), ("amount", ~has_qty)) if mask.any()]


def _amount_mismatches(shares: pd.DataFrame, bills: pd.DataFrame, order: pd.DataFrame,
                       column_map: pd.DataFrame) -> pd.DataFrame:
    """Invoice rows whose amount differs from what their lines' prices say by more than a cent per line, or
    that are in another currency than the lines they bill. Rows covering a line without a price, and credit
    notes (money given back), are not judged."""
    matched = shares[shares["_pos"].notna()]
    matched = matched.assign(_line_currency=order["_currency"].to_numpy()[matched["_pos"].astype("int64")])
    grouped = matched.groupby("_inv")
    expected = grouped["expected"].sum(min_count=1)
    priced = matched["expected"].notna().groupby(matched["_inv"]).all()
    covered = grouped.size()
    line_currency = grouped["_line_currency"].first()
    # Judged on the two columns needed (`_inv` numbers the rows); the whole row is taken for the few found wrong.
    judged = bills[["amount", "_currency"]].iloc[expected.index.to_numpy()].set_axis(expected.index)
    judged = judged.assign(_expected=expected, _lines=covered, _line_currency=line_currency)
    credit_note = judged["amount"] < 0
    judged = judged[priced.reindex(judged.index).to_numpy(dtype=bool) & ~credit_note.to_numpy(dtype=bool)]
    other_currency = judged["_currency"].fillna("").ne(judged["_line_currency"].fillna("")).to_numpy(dtype=bool)
    off = (judged["amount"] - judged["_expected"]).abs().to_numpy(dtype=float) > CENT * judged["_lines"].to_numpy() \
        + 1e-9
    is_wrong = off | other_currency
    found = judged[is_wrong].reset_index(drop=True)
    wrong = bills.drop(columns="_inv").iloc[judged.index[is_wrong].to_numpy()].reset_index(drop=True).assign(
        _expected=found["_expected"], _lines=found["_lines"], _line_currency=found["_line_currency"])
    if wrong.empty:
        return empty_findings()
    lines_words = np.where(wrong["_lines"].eq(1).to_numpy(),
                           np.where(wrong["line"].notna(), " line " + words(wrong["line"]),
                                    np.where(wrong["sku"].notna(), " item " + words(wrong["sku"]), " (1 line)")),
                           " (" + wrong["_lines"].astype(str) + " lines)")
    # Billed in another currency than the lines: there is no difference to credit or bill, the currency is wrong.
    other = wrong["_currency"].fillna("").ne(wrong["_line_currency"].fillna("")).to_numpy(dtype=bool)
    priced_in = np.where(wrong["_line_currency"].isna().to_numpy(dtype=bool), ", which has no currency",
                         ", which is priced in " + words(wrong["_line_currency"], ""))
    said = pd.Series(np.where(other, priced_in + ": at", "; at"), dtype=object)
    remedy = pd.Series(np.where(other, ". Invoice it in the order's currency, or correct the order's currency.",
                                ". Correct the invoice (credit the difference or bill it) or the order's price."),
                       dtype=object)
    return row_findings(
        "invoice-amount-mismatch", "invoices", wrong, column="amount", column_map=column_map, messages=
        "Invoice " + words(wrong["invoice_id"]) + " bills " + _money(wrong["amount"], wrong["_currency"])
        + " for order " + words(wrong["order_id"]) + pd.Series(lines_words, dtype=object)
        + said + " the order's prices it comes to " + _money(wrong["_expected"], wrong["_line_currency"])
        + remedy, ref=wrong["invoice_id"])


def _receivables(shares: pd.DataFrame, bills: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """rec.receivables, one row per invoice and currency, in the order the invoices first appear, with `_first`
    (the invoice's first row in `bills`, which its findings cite). The due date is the earliest of its rows';
    days overdue and age are the invoice's as a whole: an invoice is paid or open, not each line of it."""
    # Grouped by the codes of invoice number and currency: the same groups in the same order as by their texts,
    # which are then those of each group's first row.
    grouped = shares.groupby(["_code", "_currency_code"], sort=False, dropna=False)
    per = grouped.agg(invoiced_amount=("invoiced_amount", "sum"), paid_amount=("paid_amount", "sum"),
                      _first=("_inv", "min")).reset_index()
    per = per.sort_values("_first", kind="stable").reset_index(drop=True)
    first = bills.loc[per["_first"].to_numpy(), ["invoice_id", "order_id", "_currency", "_customer"]] \
        .reset_index(drop=True)
    per = per.assign(_invoice_id=first["invoice_id"].to_numpy(), _currency=first["_currency"].to_numpy())
    rows = bills.assign(_written=bills["due_date"].notna())
    per_invoice = rows.groupby("_code", sort=False).agg(invoice_date=("invoice_date", "min"),
                                                       due_date=("_due", "min"), written=("_written", "any"))
    dates = per_invoice.drop(index=-1, errors="ignore").reindex(per["_code"]).reset_index(drop=True)
    open_balance = per["invoiced_amount"] - per["paid_amount"]
    is_open = (open_balance > CENT / 2).to_numpy()
    days = (as_of - dates["due_date"]).dt.days.to_numpy(dtype=float)
    known = ~np.isnan(days)
    days_overdue = np.where(is_open & ~known, np.nan, np.where(is_open & known & (days > 0), days, 0.0))
    age = np.select(
        [is_open & ~known, is_open & (days_overdue <= 0)] + [is_open & (days_overdue >= low) & (days_overdue <= high)
                                                            for _, low, high in AGES]
        + [(open_balance < -CENT / 2).to_numpy()],
        ["no due date", "not due"] + [name for name, _, _ in AGES] + ["credit"], default="settled")
    due_from = np.where(dates["due_date"].isna(), None, np.where(dates["written"].fillna(False), "due date",
                                                                  "payment terms"))
    frame = pd.DataFrame({
        "invoice_id": per["_invoice_id"], "order_id": first["order_id"],
        "customer_id": first["_customer"], "invoice_date": dates["invoice_date"],
        "due_date": dates["due_date"], "due_from": due_from, "invoiced_amount": per["invoiced_amount"],
        "paid_amount": per["paid_amount"], "open_balance": open_balance, "days_overdue": days_overdue, "age": age,
        "currency": per["_currency"]})
    return frame.astype(_RECEIVABLE_DTYPES).assign(_first=per["_first"].to_numpy())


def _overdue(receivables: pd.DataFrame, bills: pd.DataFrame, column_map: pd.DataFrame) -> pd.DataFrame:
    """One `invoice-overdue` per invoice (and currency) with money open past its due date, citing its due date
    (its invoice date when the due date comes from the customer's payment terms)."""
    late = receivables[receivables["days_overdue"].gt(0).fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)
    if late.empty:
        return empty_findings()
    rows = bills.loc[late["_first"].to_numpy()].reset_index(drop=True).assign(line=pd.NA, sku=pd.NA)
    terms = late["due_from"].eq("payment terms").fillna(False).to_numpy(dtype=bool)
    message = ("Invoice " + words(late["invoice_id"]) + " for order " + words(late["order_id"]) + " was due "
               + day_text(late["due_date"]) + pd.Series(np.where(terms, " (payment terms)", ""), dtype=object)
               + ": " + _money(late["open_balance"], late["currency"]) + " of "
               + _money(late["invoiced_amount"], late["currency"]) + " is open, "
               + late["days_overdue"].astype("int64").astype(str) + " days overdue. Remind the customer and agree "
               "a date.")
    # The cited dates as row_findings would show them, formatted once per distinct date (thousands of overdue
    # invoices share a few hundred dates) instead of once per cell.
    return concat_findings(
        row_findings("invoice-overdue", "invoices", rows[mask].reset_index(drop=True), column=column,
                     column_map=column_map, messages=message[mask].reset_index(drop=True),
                     ref=rows.loc[mask, "invoice_id"], values=words(rows.loc[mask, column], blank="").to_numpy())
        for column, mask in (("due_date", ~terms), ("invoice_date", terms)) if mask.any())


def _overpaid(receivables: pd.DataFrame, bills: pd.DataFrame, paid_rows: pd.DataFrame, paid_code: np.ndarray,
              column_map: pd.DataFrame) -> pd.DataFrame:
    """One `overpaid` per invoice and currency paid more than it bills (beyond half a cent), citing the invoice's
    last payment's amount. A payment names no currency and is spread over its invoice's rows in proportion to
    their amounts, so an invoice with rows in two currencies paid too much is so in each, and each finding gives
    its own currency's amounts (never one sum of both). Payments are grouped by their invoice codes (`paid_code`;
    -1 is none)."""
    if paid_rows.empty:
        return empty_findings()
    known = paid_rows.assign(_code=paid_code)[paid_code >= 0]
    count = known.groupby("_code", sort=False).size()
    invoice_code = pd.Series(bills["_code"].to_numpy()[receivables["_first"].to_numpy()])
    # Only invoices with a payment: a credit note on its own is money owed to the customer, not an overpayment.
    paid = invoice_code.isin(count.index).to_numpy(dtype=bool)
    too_much = (receivables["paid_amount"] - receivables["invoiced_amount"]).gt(CENT / 2).to_numpy(dtype=bool)
    over = receivables[paid & too_much].reset_index(drop=True)
    if over.empty:
        return empty_findings()
    code = invoice_code[paid & too_much].to_numpy()
    currencies = invoice_code.map(invoice_code.value_counts()).to_numpy()[paid & too_much]
    count = count.reindex(code).reset_index(drop=True)
    last = known.sort_values(["paid_date"], kind="stable").drop_duplicates("_code", keep="last")
    rows = last.set_index("_code").loc[code].reset_index(drop=True).assign(order_id=over["order_id"].to_numpy())
    payments = count.astype(str) + pd.Series(np.where(count == 1, " payment", " payments"), index=count.index)
    # An invoice in several currencies: what is paid in one of them is its share of the payments.
    payments = pd.Series(np.where(currencies > 1, "its " + words(over["currency"], "no-currency") + " rows' share of "
                                  + payments, payments), dtype=object)
    return row_findings(
        "overpaid", "payments", rows, column="amount", column_map=column_map, messages=
        "Invoice " + words(rows["invoice_id"]) + " for order " + words(rows["order_id"]) + " bills "
        + _money(over["invoiced_amount"], over["currency"]) + " but " + _money(over["paid_amount"], over["currency"])
        + " was paid (" + payments + "): " + _money(over["paid_amount"] - over["invoiced_amount"], over["currency"])
        + " too much. Refund the customer or hold it as a credit on the account.", ref=rows["invoice_id"])


def _refunds_not_credited(return_lines: pd.DataFrame, bills: pd.DataFrame, column_map: pd.DataFrame,
                          base_currency: str | None) -> pd.DataFrame:
    """Received returns resolved as a refund or credit with no credit note (a negative invoice row) for their
    order, and item when both name one, dated on or after the day the return was received."""
    if return_lines.empty or "resolution" not in return_lines:
        return empty_findings()
    returns = return_lines.reset_index(drop=True)
    owed = returns["resolution"].isin(["refund", "credit"]).fillna(False) \
        & returns["status"].fillna("open").ne("cancelled") & returns["matched"].astype(bool) \
        & (returns["received_date"].notna() | returns["status"].isin(["received", "closed"]).fillna(False))
    owed = returns[owed.to_numpy(dtype=bool)].assign(_r=lambda f: f.index)
    if owed.empty:
        return empty_findings()
    credits = bills.loc[bills["amount"] < 0, ["order_id", "sku", "invoice_date"]].rename(
        columns={"sku": "_credit_sku"})
    pairs = owed[["_r", "order_id", "sku", "received_date"]].merge(credits, on="order_id", how="inner")
    same_item = pairs["_credit_sku"].isna() | pairs["sku"].isna() | pairs["_credit_sku"].eq(pairs["sku"]).fillna(False)
    in_time = pairs["received_date"].isna() | (pairs["invoice_date"] >= pairs["received_date"])
    credited = pairs.loc[(same_item & in_time).to_numpy(dtype=bool), "_r"].unique()
    missing = owed[~owed["_r"].isin(credited)].drop(columns="_r")
    if missing.empty:
        return empty_findings()
    amount = (missing["qty"].astype("float64") * net_price(missing)).reset_index(drop=True)
    missing = missing.reset_index(drop=True)
    currency = currency_column(missing["currency"], base=base_currency)
    value = pd.Series(np.where(amount.notna(), " of " + _money(amount, currency), ""), dtype=object)
    return row_findings(
        "refund-not-credited", "returns", missing, column="resolution", column_map=column_map, messages=
        "Return " + words(missing["rma_id"]) + " of " + quantity_text(missing["qty"]) + " x "
        + words(missing["sku"], "no item") + " (order " + words(missing["order_id"]) + ") is resolved as a "
        + words(missing["resolution"]) + value + " but no credit note for it is dated on or after "
        + day_text(missing["received_date"], blank="its receipt") + ". Issue the credit note (a negative invoice "
        "line).", ref=missing["rma_id"])
