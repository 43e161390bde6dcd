"""The news each recipient gets, as tables: one row per line of a message, keyed by the recipient.

Every builder returns the lines of one kind of message with `recipient` (the customer or supplier id) and the
two columns the no-repeat rule compares (omxl/messaging/told.py): `item`, what a row is about (an order line, a
purchase-order line, a shipment), and `state`, what the message says about it. Sentences come from the
wording tables below (data, not chains of if); the templates in omxl/shipped/email/ arrange them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import unit_column

from ..wording import day_text, quantity_text, words

# What happens next for a customer's delayed line, by its situation (`situation` in the line rows; the
# templates may also branch on it). {allocated}, {backordered} and {projected} are filled per line.
NEXT_STEPS = {
    "in-stock": "It is in stock and ships by {projected}.",
    "part-in-stock": "{allocated} ship from stock by {projected_now}; the other {backordered} follow when new "
                     "stock arrives, expected {projected}.",
    "part-in-stock-no-date": "{allocated} ship from stock by {projected_now}; we are sourcing the other "
                             "{backordered} and will write again as soon as we have a date.",
    "awaiting-stock": "It ships when new stock arrives, expected {projected}.",
    "no-date": "We are sourcing it and will write again as soon as we have a date.",
}
# Why a line is in a delay notice; the first that applies (a late line that is also short is late).
DELAYS = (("late", "late"), ("at_risk", "at risk"), ("backordered", "backordered"))

DELAY_COLUMNS = ("recipient", "order_id", "line", "sku", "description", "qty", "open_qty", "allocated_qty",
                 "backordered_qty", "promised_date", "projected_ship_date", "days_late", "delay", "situation",
                 "next", "item", "state")
PO_COLUMNS = ("recipient", "currency", "sku", "description", "order_qty", "unit_cost", "order_value",
              "expected_arrival", "order_by", "item", "state")
SHIPPED_COLUMNS = ("recipient", "order_id", "line", "sku", "description", "qty", "ship_date", "carrier",
                   "tracking_number", "shipment_id", "item", "state")
PAYMENT_COLUMNS = ("recipient", "invoice_id", "order_id", "invoice_date", "due_date", "days_overdue",
                   "invoiced_amount", "paid_amount", "open_balance", "currency", "item", "state")
# An invoice is open while more than half a cent of it is unpaid (the rule of rec.receivables' `age`).
HALF_CENT = 0.005


def descriptions(position) -> pd.Series:
    """The description of each SKU (the first inventory row that has one), by SKU."""
    inventory = position.book.inventory
    described = inventory[inventory["description"].notna()].drop_duplicates("sku")
    return described.set_index("sku")["description"]


def delay_lines(rec, position) -> pd.DataFrame:
    """The open lines a customer should hear about: late, at risk or backordered (contract 4.5), late first by
    most days late, then by promised date, order and line."""
    lines = rec.open_lines()
    backordered = lines["backordered_qty"].fillna(0) > 0
    lines = lines[lines["late"] | lines["at_risk"] | backordered].copy()
    lines["backordered"] = lines["backordered_qty"].fillna(0) > 0
    lines["delay"] = np.select([lines[flag].to_numpy(dtype=bool) for flag, _ in DELAYS],
                                 [word for _, word in DELAYS], default="")
    allocated = lines["allocated_qty"].fillna(0) > 0
    short = lines["backordered_qty"].fillna(0) > 0
    dated = lines["projected_ship_date"].notna()
    lines["situation"] = np.select([~short & dated, allocated & short & dated, allocated & short,
                                    short & dated], ["in-stock", "part-in-stock", "part-in-stock-no-date",
                                                     "awaiting-stock"], default="no-date")
    lines["description"] = lines["sku"].map(descriptions(position)).astype("string[python]")
    # The allocated part ships as a fully allocated line would: as_of plus the handling days.
    now = position.as_of + pd.Timedelta(days=position.config.handling_days)
    lines["next"] = _sentences(lines, NEXT_STEPS, {
        "projected": day_text(lines["projected_ship_date"], blank="no date yet"),
        "projected_now": pd.Series(f"{now:%Y-%m-%d}", index=lines.index),
        "allocated": quantity_text(lines["allocated_qty"], blank="0"),
        "backordered": quantity_text(lines["backordered_qty"], blank="0")})
    lines["recipient"] = lines["customer_id"]
    lines["item"] = words(lines["order_id"]) + "/" + words(lines["line"])
    lines["state"] = lines["delay"] + " " + day_text(lines["projected_ship_date"], blank="no date")
    return _typed(lines, DELAY_COLUMNS)


def po_lines(plan) -> pd.DataFrame:
    """Every line of every purchase-order draft, with the supplier as recipient and the draft's currency."""
    lines = plan.lines[plan.lines["supplier_id"].notna() & (plan.lines["order_qty"] > 0)].copy()
    lines["recipient"] = lines["supplier_id"]
    lines["item"] = words(lines["currency"], blank="no currency") + "/" + words(lines["sku"])
    lines["state"] = quantity_text(lines["order_qty"], decimals=4)
    lines = lines.sort_values(["recipient", "currency", "sku"], kind="stable", na_position="last")
    return _typed(lines, PO_COLUMNS)


def shipped_lines(rec, position, days: int) -> pd.DataFrame:
    """Shipments of the last `days` days up to as_of matched to an order line, with carrier and tracking
    number, by ship date, order and line."""
    matches = position.shipment_matches
    matched = matches[matches["line_index"].notna()]
    if "sku_mismatch" in matched:
        matched = matched[~matched["sku_mismatch"].astype(bool)]
    since = position.as_of - pd.Timedelta(days=days - 1)
    day = matched["ship_date"].dt.normalize()
    recent = matched[(day >= since) & (day <= position.as_of)]
    order_lines = position.lines.iloc[recent["line_index"].astype(int).to_numpy()]
    shipped = pd.DataFrame({
        "recipient": order_lines["customer_id"].to_numpy(), "order_id": order_lines["order_id"].to_numpy(),
        "line": order_lines["line"].to_numpy(), "sku": order_lines["sku"].to_numpy(),
        "qty": recent["qty"].to_numpy(dtype=float), "ship_date": recent["ship_date"].to_numpy(),
        "carrier": recent["carrier"].to_numpy(), "tracking_number": recent["tracking_number"].to_numpy(),
        "shipment_id": recent["shipment_id"].to_numpy()})
    shipped = shipped.astype({"recipient": "string[python]", "order_id": "string[python]", "sku": "string[python]",
                              "carrier": "string[python]", "tracking_number": "string[python]",
                              "shipment_id": "string[python]"})
    shipped["description"] = shipped["sku"].map(descriptions(position)).astype("string[python]")
    shipped["item"] = (words(shipped["order_id"]) + "/" + words(shipped["line"]) + "/"
                       + words(shipped["shipment_id"], blank="") + "/" + day_text(shipped["ship_date"]))
    shipped["state"] = (quantity_text(shipped["qty"], decimals=4) + " " + words(shipped["carrier"], blank="")
                        + " " + words(shipped["tracking_number"], blank=""))
    shipped = shipped.sort_values(["recipient", "ship_date", "order_id", "line"], kind="stable")
    return _typed(shipped, SHIPPED_COLUMNS)


def payment_lines(rec, position, days: int) -> pd.DataFrame:
    """The open invoices a customer should be reminded of: past their due date by at least `days` days as of
    as_of (and past it at all: an invoice not yet due is never in a reminder, whatever `days`), one row per
    invoice and currency of rec.receivables. An invoice without a known due date has no days overdue and is
    never listed; one whose order names no customer cannot be addressed and is left out. By customer, most days
    overdue first, then invoice."""
    receivables = rec.receivables
    overdue = receivables["days_overdue"].astype("float64").to_numpy()   # blank (no due date) is NaN: never >=
    reminded = ((receivables["open_balance"].to_numpy(dtype=float) > HALF_CENT) & (overdue >= days) & (overdue > 0)
                & receivables["customer_id"].notna().to_numpy(dtype=bool))
    lines = receivables[reminded].copy()
    lines["recipient"] = lines["customer_id"]
    lines["item"] = words(lines["invoice_id"]) + "/" + words(lines["currency"], blank="no currency")
    # What the reminder says of an invoice: how much is open and by when it was due. A growing days-overdue
    # count is no news; a payment (a lower balance) or a new due date is.
    balance = pd.Series(np.char.mod("%.2f", lines["open_balance"].to_numpy(dtype=float).round(2)),
                        index=lines.index, dtype=object)
    lines["state"] = balance + " due " + day_text(lines["due_date"], blank="no date")
    lines = lines.sort_values(["recipient", "days_overdue", "invoice_id"], ascending=[True, False, True],
                              kind="stable")
    return _typed(lines, PAYMENT_COLUMNS)


def _sentences(lines: pd.DataFrame, wording: dict[str, str], parts: dict[str, pd.Series]) -> pd.Series:
    """The wording of each row's `situation`, its {fields} filled from `parts`; built per situation, vectorised."""
    text = pd.Series("", index=lines.index, dtype=object)
    for situation, sentence in wording.items():
        mask = (lines["situation"] == situation).to_numpy()
        if not mask.any():
            continue
        pieces = sentence.replace("{", "\x00{").replace("}", "}\x00").split("\x00")
        built = pd.Series("", index=lines.index[mask], dtype=object)
        for piece in pieces:
            if piece.startswith("{") and piece.endswith("}"):
                built = built + parts[piece[1:-1]][mask].astype(object)
            else:
                built = built + piece
        text[mask] = built.to_numpy()
    return text.astype("string[python]")


def _typed(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    # A book of several units: each line keeps its unit (last, so the templates' columns stay where they are).
    out = frame.reindex(columns=[*columns, *unit_column(frame)]).reset_index(drop=True)
    for column in ("recipient", "item", "state"):
        out[column] = out[column].astype("string[python]")
    return out
