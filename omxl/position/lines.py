"""The order lines every step works on: the sheet's lines with their allocation priority and what the sheet
says shipped, plus the replacement lines of exchanges in progress."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..book import Book
from ..cancellations import credit_note_rows, match_cancellations
from ..model import unit_column


def order_lines(book: Book, cancelled_order_pattern: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The order lines, and the cancellation lines (credit notes) taken out of them: each cancellation reduces
    the line it matches (omxl/cancellations.py), so every step sees the reduced quantity; a line cancelled in
    full is `cancelled`. The cancellation lines themselves are no order lines: no stock, no demand."""
    orders = book.orders.copy()
    is_cancellation = credit_note_rows(orders, cancelled_order_pattern)
    matched = match_cancellations(orders, is_cancellation)
    cancellations = orders[is_cancellation].join(matched)
    orders = orders[~is_cancellation]
    reduced = matched.dropna(subset=["target"])
    by_line = reduced.groupby(reduced["target"].astype(int))["cancelled_qty"].sum()
    by_note = cancellations.dropna(subset=["target"]).groupby(reduced["target"].astype(int))["order_id"].first()
    orders["cancelled_qty"] = by_line.reindex(orders.index).fillna(0.0).astype(float)
    orders["cancelled_by"] = by_note.reindex(orders.index).astype("string[python]")
    orders["qty"] = orders["qty"] - orders["cancelled_qty"]
    cancelled = (orders["cancelled_qty"] > 0) & (orders["qty"] <= 1e-9)
    orders.loc[cancelled, "status"] = "cancelled"
    orders["sheet_status"] = orders["status"].fillna("open")
    priority = orders["priority"]
    if len(book.customers):
        # A line without its own priority takes its customer's.
        by_customer = book.customers.drop_duplicates("customer_id").set_index("customer_id")["priority"]
        priority = priority.fillna(orders["customer_id"].map(by_customer))
    orders["allocation_priority"] = priority.astype("Float64")
    # What the order sheet itself says shipped: shipped_qty, or the whole qty once it has a ship date.
    orders["sheet_shipped_qty"] = orders["shipped_qty"].where(
        orders["shipped_qty"].notna(), orders["qty"].where(orders["ship_date"].notna()))
    orders["kind"] = "order"
    orders["carrier"] = carrier_names(orders["carrier"], book.tables["carriers"])
    orders["rma_id"] = pd.Series(pd.NA, index=orders.index, dtype="string[python]")
    return orders.reset_index(drop=True), cancellations.reset_index(drop=True)


def carrier_names(values: pd.Series, carriers: pd.DataFrame) -> pd.Series:
    """Contract 2.3 carriers: a carrier value equal to a carrier_id is shown as that carrier's name (Northwind's
    shipVia 1/2/3); other values (already names, or ids the carriers table lacks) stay as written."""
    known = carriers.dropna(subset=["carrier_id", "name"]).drop_duplicates("carrier_id")
    if known.empty or values.isna().all():
        return values
    names = dict(zip(known["carrier_id"].astype(str), known["name"].astype(str)))
    return values.map(names).fillna(values).astype("string[python]")


_LINE_FIELDS = ["order_id", "line", "sku", "customer_id", "unit_price", "discount", "currency", "allocation_priority",
                "shipped_qty"]


def matched_lines(returns: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """The order line of each return: by (order_id, line), or the order's first line of that SKU.
    One row per return, in its order, with `matched` telling whether a line was found; `sku` is the line's
    when the return names a line but no item."""
    is_order = (lines["kind"] == "order").to_numpy(dtype=bool)
    # Only the lines of the returned orders can match: a few hundred of a million lines, so the lines are narrowed
    # to those before anything is hashed or sorted. Narrowing keeps their order, and the line sort is done on every
    # line (a sort's ties fall as they did on the whole).
    ranked = lines.loc[is_order, ["line"]].sort_values("line").index
    relevant = lines.index[is_order & _of_orders(lines["order_id"], returns["order_id"])]
    ranked = ranked[ranked.isin(relevant)]
    fields = ["order_id", "line", "sku", "customer_id", "unit_price", "discount", "currency", "allocation_priority",
              "shipped_qty", "qty"]
    orders = lines.loc[relevant, fields]
    asked = returns[["order_id", "line", "sku"]].reset_index(drop=True).assign(position=lambda f: f.index)
    by_line = asked[asked["line"].notna()].merge(
        orders.rename(columns={"sku": "line_sku"}).drop_duplicates(["order_id", "line"]), on=["order_id", "line"],
        how="left", indicator=True)
    by_line["sku"] = by_line["sku"].fillna(by_line["line_sku"])
    by_sku = asked[asked["line"].isna()].drop(columns="line").merge(
        lines.loc[ranked, fields].drop_duplicates(["order_id", "sku"]), on=["order_id", "sku"], how="left",
        indicator=True)
    found = pd.concat([by_line.drop(columns="line_sku"), by_sku], ignore_index=True).sort_values("position") \
        .reset_index(drop=True)
    found["matched"] = found["_merge"].eq("both")
    return found.drop(columns=["_merge", "position"])


def _of_orders(order_ids: pd.Series, wanted: pd.Series) -> np.ndarray:
    """Per value of `order_ids`: one of the `wanted` orders (a blank one when a blank one is wanted, as a merge on
    order_id pairs blanks)."""
    found = order_ids.isin(wanted.dropna().unique()).to_numpy(dtype=bool)
    if wanted.isna().any():
        found |= order_ids.isna().to_numpy(dtype=bool)
    return found


def returns_per_line(returns: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """The returns, one row per order line each covers, in the returns' order (contract 2.3).

    A row whose `returned` is No is not a return and is left out (Superstore lists returned orders with
    Returned = Yes; a No says the order came back not at all). A return naming an item or a line covers that
    line (matched_lines); one naming only its order covers every line of the order that shipped something
    (every line, when none did: each is then a return without shipment). Without a quantity, a covered line
    returns what it shipped; without an RMA number, the return is known by its order number (plus /item).
    Each row keeps the provenance of its return row, and carries the line's customer_id, unit_price, discount,
    currency, allocation_priority and shipped_qty (blank when `matched` is False)."""
    frame = returns.reset_index(drop=True)
    if "returned" in frame:
        frame = frame[frame["returned"].ne(False).fillna(True).astype(bool)].reset_index(drop=True)
    frame = frame.assign(
        rma_id=frame["rma_id"].fillna(frame["order_id"] + ("/" + frame["sku"]).fillna("")).astype("string[python]"),
        _position=np.arange(len(frame)))
    whole = (frame["sku"].isna() & frame["line"].isna()).to_numpy()
    named = frame[~whole].reset_index(drop=True)
    found = matched_lines(named, lines)
    named = named.assign(line=found["line"].astype("Int64"), sku=found["sku"].astype("string[python]"),
                         customer_id=found["customer_id"], unit_price=found["unit_price"],
                         discount=found["discount"], currency=found["currency"], allocation_priority=found["allocation_priority"], shipped_qty=found["shipped_qty"],
                         matched=found["matched"].to_numpy(dtype=bool))
    spread_orders = (lines["kind"] == "order").to_numpy(dtype=bool) & _of_orders(lines["order_id"],
                                                                                 frame.loc[whole, "order_id"])
    orders = lines.loc[spread_orders, _LINE_FIELDS].sort_values("line", kind="stable")
    spread = frame[whole].drop(columns=["line", "sku"]).merge(orders, on="order_id", how="left", indicator=True)
    spread["matched"] = spread["_merge"].eq("both")
    shipped = spread["shipped_qty"].fillna(0.0).gt(0)
    spread = spread[(shipped | ~shipped.groupby(spread["_position"]).transform("any")).to_numpy()]
    per_line = pd.concat([named, spread.drop(columns="_merge")], ignore_index=True) \
        .sort_values("_position", kind="stable").drop(columns="_position").reset_index(drop=True)
    per_line["qty"] = per_line["qty"].fillna(per_line["shipped_qty"].astype(float).fillna(0.0)).astype(float)
    return per_line.astype({"line": "Int64", "sku": "string[python]"})


def returned_orders_only(orders: pd.DataFrame, shipments: pd.DataFrame,
                         returns: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The lines and shipments of the returned orders, when some return is an exchange in progress: the lines are
    then matched to the shipments again with the exchanges' replacements, and the first matching only says what
    the returned orders' lines shipped (a line's shipments are its order's). None when the first matching is the
    last one, or when two lines of a returned order share item and line number (which of them a return matches
    then depends on every line, matched_lines)."""
    if not exchange_in_progress(returns).any():
        return None
    mine = orders[_of_orders(orders["order_id"], returns["order_id"])]
    if mine.dropna(subset=["line"]).duplicated(["order_id", "sku", "line"]).any():
        return None
    return mine, shipments[_of_orders(shipments["order_id"], returns["order_id"])]


def exchange_in_progress(returns: pd.DataFrame) -> pd.Series:
    """Exchanges whose replacement is still to ship: RMA not closed or cancelled (a closed exchange has had
    its replacement)."""
    return (returns["resolution"] == "exchange") & ~returns["status"].fillna("open").isin(["closed", "cancelled"])


def replacement_lines(return_lines: pd.DataFrame, lines: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Exchanges still in progress become open lines that compete for stock like any other: same customer,
    priority and price as the returned line, promised for the day the return was received (or as_of).
    `return_lines` are the returns per order line they cover (returns_per_line), `lines` the order lines with
    what each shipped (an exchange naming only its order replaces what shipped)."""
    exchanges = return_lines[exchange_in_progress(return_lines)].reset_index(drop=True)
    if exchanges.empty:
        return lines.iloc[0:0]
    last_line = lines.groupby("order_id")["line"].max()
    numbering = exchanges.groupby("order_id").cumcount() + 1
    when = exchanges["received_date"].fillna(as_of)
    replacement = pd.DataFrame({
        "order_id": exchanges["order_id"],
        "line": (exchanges["order_id"].map(last_line).fillna(0).astype(int) + numbering).astype("Int64"),
        "order_date": when, "customer_id": exchanges["customer_id"].astype("string[python]"), "sku": exchanges["sku"],
        "qty": exchanges["qty"], "unit_price": exchanges["unit_price"],
        "discount": exchanges["discount"].astype(float), "promised_date": when,
        "currency": exchanges["currency"].astype("string[python]"),
        "status": "open", "priority": pd.array([pd.NA] * len(exchanges), dtype="Int64"),
        "sheet_status": "open", "allocation_priority": exchanges["allocation_priority"].astype("Float64"),
        "kind": "exchange", "rma_id": exchanges["rma_id"],
        **{column: exchanges[column] for column in unit_column(exchanges)},
        "source": exchanges["source"], "sheet": exchanges["sheet"], "row": exchanges["row"],
    })
    return replacement
