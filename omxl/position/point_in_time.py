"""Point in time (contract 2.3): the book as it stood on as_of.

A book is often exported after the day a report is for (a re-run of last week, a backtest, a late export).
What is dated after as_of had not happened yet on that day, so it is taken out before any step sees the book:

- order lines with an order_date after as_of, and the shipments and returns of the orders none of whose lines
  is dated on or before it;
- shipments with a ship_date after as_of, whether the shipments table has them or they are derived from the
  order lines' ship_date. Their lines are open again: a line the sheet calls closed ("Shipped", "Complete") that
  such a shipment filled is open as of the day, and the order line's own ship_date, shipped_qty and
  delivered_date, when its ship_date is after as_of, are blanked (they describe that same shipment);
- deliveries after as_of: the shipment stays, not delivered yet;
- purchase-order lines ordered after as_of, and receipts after it: a line whose received_date is after as_of is
  not received as of the day (received_qty 0; closed on the sheet, open as of the day). A line's whole
  received_qty counts as received on its received_date;
- returns received after as_of;
- invoice rows with an invoice_date after as_of, and payments with a paid_date after it (billing then sees only
  what was invoiced and paid by the day: an invoice issued later is not open, a payment made later not made).

Each table's events left out are counted in one `after-as-of` finding. Stock: the inventory table holds the
stock as counted. With `inventory_as_of` (the day it was counted) later than as_of, on_hand is rolled back to
as_of (rolled_back); without it, when the book holds stock movements after as_of, a `stock-after-as-of` warning
says the count may include them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from ..book import Book
from ..findings import concat_findings, findings_frame
from .supply import received_qty


@dataclasses.dataclass(frozen=True)
class PointInTime:
    """The book as of a day.

    book         the book without the events after as_of, stock rolled back when inventory_as_of says so
    findings     one `after-as-of` finding per table with events left out, and what stock is taken as
    after_as_of  rows taken out of each table (table name -> rows), for the rows-read arithmetic of summaries
    """

    book: Book
    findings: pd.DataFrame
    after_as_of: dict[str, int]


def book_as_of(book: Book, as_of: pd.Timestamp, inventory_as_of: dt.date | None = None) -> PointInTime:
    """`book` as it stood on `as_of` (module docstring); `inventory_as_of`: the day the stock was counted."""
    day = f"{as_of:%Y-%m-%d}"
    orders, shipments, pos, returns = book.orders, book.shipments, book.purchase_orders, book.returns
    invoices, payments = book.invoices, book.payments

    order_later = _after(orders["order_date"], as_of)
    kept_ids = orders.loc[~order_later, "order_id"].dropna().unique()
    # An order whose every line comes later takes its shipments and returns with it; one with a line dated on or
    # before as_of keeps them (each shipment is judged by its own date).
    gone_ids = pd.Index(orders.loc[order_later, "order_id"].dropna().unique()).difference(kept_ids)

    ship_later = _after(shipments["ship_date"], as_of)
    of_gone_order = shipments["order_id"].isin(gone_ids).to_numpy(dtype=bool)
    ship_out = ship_later | of_gone_order
    delivered_later = _after(shipments["delivered_date"], as_of) & ~ship_out

    po_later = _after(pos["order_date"], as_of)
    receipt_later = _after(pos["received_date"], as_of) & ~po_later

    return_out = _after(returns["received_date"], as_of) | returns["order_id"].isin(gone_ids).to_numpy(dtype=bool)

    invoice_later = _after(invoices["invoice_date"], as_of)
    paid_later = _after(payments["paid_date"], as_of)

    tables = dict(book.tables)
    tables["orders"] = _kept(_orders_as_of(orders, shipments[ship_later], as_of), order_later)
    tables["shipments"] = _kept(_blank(shipments, delivered_later, ["delivered_date"]), ship_out)
    tables["purchase_orders"] = _kept(_receipts_undone(pos, receipt_later), po_later)
    tables["returns"] = _kept(returns, return_out)
    tables["invoices"] = _kept(invoices, invoice_later)
    tables["payments"] = _kept(payments, paid_later)

    of_later_order = int((of_gone_order & ~ship_later).sum())
    findings = [
        _left_out("orders", day, int(order_later.sum()), "order line", "order lines", "dated"),
        _left_out("shipments", day, int(ship_out.sum()), "shipment", "shipments", "dated",
                  (f" ({of_later_order:,} of them dated earlier, but of orders placed after it)"
                   if of_later_order else ""),
                  later=(int(delivered_later.sum()), "delivery", "deliveries",
                         ("the shipment was still on its way", "those shipments were still on their way"))),
        _left_out("purchase_orders", day, int(po_later.sum()), "purchase-order line", "purchase-order lines",
                  "ordered", later=(int(receipt_later.sum()), "receipt", "receipts",
                                    ("the line was not received yet", "those lines were not received yet"))),
        _left_out("returns", day, int(return_out.sum()), "return", "returns", "received"),
        _left_out("invoices", day, int(invoice_later.sum()), "invoice row", "invoice rows", "dated"),
        _left_out("payments", day, int(paid_later.sum()), "payment", "payments", "paid"),
    ]
    moved = _stock_moves(shipments[ship_later], pos[_after(pos["received_date"], as_of)],
                         returns[_after(returns["received_date"], as_of)])
    if len(book.inventory):
        counted = pd.Timestamp(inventory_as_of) if inventory_as_of is not None else None
        if counted is not None and counted > as_of:
            tables["inventory"], said = rolled_back(book.inventory, moved[moved["date"] <= counted], as_of, counted)
            findings.append(said)
        elif counted is None and len(moved):
            findings.append(_may_include(moved, day))
    after = {"orders": int(order_later.sum()), "shipments": int(ship_out.sum()), "purchase_orders": int(po_later.sum()),
             "returns": int(return_out.sum()), "invoices": int(invoice_later.sum()), "payments": int(paid_later.sum())}
    return PointInTime(book=dataclasses.replace(book, tables=tables), findings=concat_findings(findings),
                       after_as_of=after)


def _after(dates: pd.Series, as_of: pd.Timestamp) -> np.ndarray:
    """Which dates fall on a day after as_of (a blank date does not)."""
    # to_datetime: an empty table (a book without returns) may come with object columns.
    return (pd.to_datetime(dates).dt.normalize() > as_of).fillna(False).to_numpy(dtype=bool)


def _kept(frame: pd.DataFrame, out: np.ndarray) -> pd.DataFrame:
    """`frame` without the rows `out` (the same frame, not a copy, when there are none: a book with nothing
    after as_of costs nothing)."""
    return frame[~out].reset_index(drop=True) if out.any() else frame


def _blank(frame: pd.DataFrame, rows: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """`frame` with `columns` blank on `rows` (a copy only when there is something to blank)."""
    if not rows.any():
        return frame
    frame = frame.copy()
    for column in columns:
        frame[column] = frame[column].mask(rows)
    return frame


def _orders_as_of(orders: pd.DataFrame, later_shipments: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The order lines as they stood on as_of: a line's own shipping columns blank when its ship_date is later
    (its delivered_date alone when only that is later), and a line closed on the sheet open again when a
    shipment of it is later."""
    sheet_later = _after(orders["ship_date"], as_of)
    orders = _blank(orders, sheet_later, ["ship_date", "shipped_qty", "delivered_date"])
    orders = _blank(orders, _after(orders["delivered_date"], as_of), ["delivered_date"])
    if later_shipments.empty and not sheet_later.any():
        return orders
    # A shipment matches its line by (order_id, line), or by (order_id, sku) without a line (contract 2.3).
    by_line = later_shipments[later_shipments["line"].notna()]
    by_sku = later_shipments[later_shipments["line"].isna()]
    line_keys = pd.MultiIndex.from_arrays([orders["order_id"], orders["line"].astype("Int64")])
    sku_keys = pd.MultiIndex.from_arrays([orders["order_id"], orders["sku"]])
    filled_later = (sheet_later
                    | line_keys.isin(pd.MultiIndex.from_arrays([by_line["order_id"], by_line["line"].astype("Int64")]))
                    | sku_keys.isin(pd.MultiIndex.from_arrays([by_sku["order_id"], by_sku["sku"]])))
    reopened = filled_later & orders["status"].eq("closed").fillna(False).to_numpy(dtype=bool)
    if reopened.any():
        orders = orders.assign(status=orders["status"].mask(reopened, "open"))
    return orders


def _receipts_undone(pos: pd.DataFrame, later: np.ndarray) -> pd.DataFrame:
    """PO lines whose receipt is after as_of, as they stood before it: nothing received, open (a line closed on
    the sheet was closed by that receipt)."""
    if not later.any():
        return pos
    return pos.assign(received_qty=pos["received_qty"].mask(later, 0.0),
                      received_date=pos["received_date"].mask(later),
                      status=pos["status"].mask(later & pos["status"].eq("closed").fillna(False).to_numpy(dtype=bool),
                                                "open"))


def _counted(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _left_out(table: str, day: str, rows: int, one: str, many: str, how: str, aside: str = "", *,
              later: tuple[int, str, str, tuple[str, str]] = (0, "", "", ("", ""))) -> pd.DataFrame:
    """The `after-as-of` finding of one table, counting every event it leaves out: "42 shipments dated after
    2017-12-31 were left out: as of that day they had not happened yet." `rows` left out (`one`/`many` of them,
    `how` each is dated, an `aside` after); `later`: events of rows that stay (deliveries, PO receipts) that do
    not count yet: (how many, word for one, word for many, what that means for one and for many). None when
    nothing is later."""
    events, event, events_word, means = later
    sentences = []
    if rows:
        sentences.append(f"{_counted(rows, one, many)} {how} after {day}{aside} {'was' if rows == 1 else 'were'} "
                         f"left out: as of that day {'it' if rows == 1 else 'they'} had not happened yet.")
    if events:
        sentences.append(f"{_counted(events, event, events_word)} dated after {'it' if rows else day} "
                         f"{'does' if events == 1 else 'do'} not count{' either' if rows else ''}: "
                         f"{means[events != 1]} as of that day.")
    if not sentences:
        return findings_frame("after-as-of", table=table).iloc[0:0]
    return findings_frame("after-as-of", table=table, values=day, count=rows + events, messages=" ".join(sentences))


def _stock_moves(shipments: pd.DataFrame, receipts: pd.DataFrame, returns: pd.DataFrame) -> pd.DataFrame:
    """Units that moved stock after as_of, one row per event: sku, date, units (out of stock positive: a shipment;
    into it negative: a PO receipt, a resellable return received), kind (shipment, receipt, return)."""
    resellable = returns[returns["condition"].eq("resellable").fillna(False).to_numpy(dtype=bool)]
    resellable = resellable.dropna(subset=["sku", "qty"])
    parts = [
        pd.DataFrame({"sku": shipments["sku"], "date": shipments["ship_date"], "units": shipments["qty"],
                      "kind": "shipment"}),
        pd.DataFrame({"sku": receipts["sku"], "date": receipts["received_date"],
                      "units": -received_qty(receipts).astype(float), "kind": "receipt"}),
        pd.DataFrame({"sku": resellable["sku"], "date": resellable["received_date"], "units": -resellable["qty"],
                      "kind": "return"}),
    ]
    parts = [part for part in parts if len(part)]
    if not parts:
        return pd.DataFrame({"sku": pd.Series(dtype="string[python]"), "date": pd.Series(dtype="datetime64[ns]"),
                             "units": pd.Series(dtype=float), "kind": pd.Series(dtype="string[python]")})
    moves = pd.concat(parts, ignore_index=True)
    moves = moves.astype({"sku": "string[python]", "date": "datetime64[ns]", "units": float})
    return moves.assign(date=moves["date"].dt.normalize())   # by day, like as_of and inventory_as_of


def rolled_back(inventory: pd.DataFrame, moves: pd.DataFrame, as_of: pd.Timestamp, counted: pd.Timestamp) \
        -> tuple[pd.DataFrame, pd.DataFrame]:
    """on_hand as of as_of from the count of `counted`: + units shipped − units received (PO receipts, resellable
    returns) after as_of up to and including `counted` (`moves`, from _stock_moves), per SKU. An item at several
    locations is rolled back on its first stock row (the first location in the sheet, usually the main one):
    the movements name no location. Returns the inventory and the `stock-rolled-back` finding."""
    change = moves.groupby("sku")["units"].sum()
    first = ~inventory["sku"].duplicated().to_numpy()
    shift = inventory["sku"].map(change).fillna(0.0).to_numpy(dtype=float) * first
    rolled = inventory.assign(on_hand=inventory["on_hand"] + shift)
    items = int((shift != 0).sum())
    stocked = moves["sku"].isin(inventory["sku"]).to_numpy(dtype=bool)
    out = float(moves.loc[stocked & (moves["kind"] == "shipment").to_numpy(), "units"].sum())
    into = -float(moves.loc[stocked & (moves["kind"] != "shipment").to_numpy(), "units"].sum())
    span = f"from {counted:%Y-%m-%d}, the day the stock was counted (inventory_as_of), to {as_of:%Y-%m-%d}"
    if items:
        text = (f"On hand is rolled back {span}: {out:,.0f} units shipped in between are added back and {into:,.0f} "
                f"received (purchase-order receipts, resellable returns) are taken off, over "
                f"{_counted(items, 'item', 'items')}, each on its first stock row.")
    else:
        text = (f"On hand is rolled back {span}: nothing in stock was shipped or received in between, so it is "
                "unchanged.")
    return rolled, findings_frame("stock-rolled-back", table="inventory", values=f"{counted:%Y-%m-%d}",
                                  count=max(items, 1), messages=text)


def _may_include(moves: pd.DataFrame, day: str) -> pd.DataFrame:
    """The `stock-after-as-of` warning: stock taken as counted, with movements after as_of it may include."""
    kinds = moves["kind"].value_counts()
    listed = [_counted(int(kinds[kind]), one, many) for kind, one, many in (
        ("shipment", "shipment", "shipments"), ("receipt", "purchase-order receipt", "purchase-order receipts"),
        ("return", "resellable return", "resellable returns")) if kind in kinds]
    events = ", ".join(listed[:-1]) + (" and " if len(listed) > 1 else "") + listed[-1]
    return findings_frame("stock-after-as-of", table="inventory", values=day, count=len(moves), messages=(
        f"Stock is taken as counted, and the book holds {events} dated after {day}: if the stock was counted after "
        f"them, it includes them. Set inventory_as_of to the day the stock was counted, so on hand is rolled back "
        f"to {day}."))
