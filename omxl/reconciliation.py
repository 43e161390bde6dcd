"""reconcile: each order line's real status, its stock, when it can ship, and every mismatch (contract 4.2).

The core is sorted, grouped cumulative sums: shipments fill lines in line order,
stock fills open lines in priority order, and purchase-order quantity (in expected-
date order) covers what stock cannot. No loop runs over rows.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np
import pandas as pd

from .book import Book
from .config import Config, load_config
from .recon_exceptions import exceptions_frame, line_exceptions, shipment_exceptions, stock_exceptions
from .recon_returns import replacement_lines, returns_frame
from .validation import as_timestamp, usable, validate
from .wording import day_text, quantity_text

LINE_COLUMNS = ("order_id", "line", "customer_id", "sku", "qty", "shipped_qty", "open_qty", "allocated_qty",
                "backordered_qty", "status", "promised_date", "projected_ship_date", "late", "at_risk", "days_late",
                "reason")
# Worst first: an order takes the worst status among its lines.
STATUS_RANK = ("backordered", "partially_allocated", "on_hold", "partially_shipped", "ready", "closed", "shipped",
               "delivered", "cancelled")


@dataclasses.dataclass(frozen=True)
class Reconciliation:
    """What reconcile found. See docs/reconciliation.md for every column."""

    lines: pd.DataFrame
    orders: pd.DataFrame
    exceptions: pd.DataFrame
    inventory: pd.DataFrame
    returns: pd.DataFrame
    restock: pd.DataFrame
    purchase_orders: pd.DataFrame
    issues: pd.DataFrame
    left_out: pd.DataFrame
    as_of: pd.Timestamp

    def result_sheets(self) -> dict[str, object]:
        """The sheets `omxl reconcile --out/--write-back` writes: late lines highlighted."""
        from .io.sheetxml import ResultSheet

        return {
            "Order Status": ResultSheet(self.lines, highlight=self.lines["late"]),
            "Orders": ResultSheet(self.orders, highlight=self.orders["late"]),
            "Exceptions": self.exceptions,
            "Inventory": self.inventory,
            "Returns": self.returns,
        }


@dataclasses.dataclass(frozen=True)
class Position:
    """What both reconciliation and planning start from: the validated book, its order lines (with exchange
    replacements) with shipped and open quantities, each shipment's match, and open inbound supply."""

    book: Book
    issues: pd.DataFrame
    left_out: pd.DataFrame
    lines: pd.DataFrame
    matched: pd.DataFrame
    supply: pd.DataFrame
    as_of: pd.Timestamp

    def per_sku(self) -> pd.DataFrame:
        """backlog (open order quantity) and on_order (open supply) per SKU."""
        backlog = self.lines.groupby("sku")["open_qty"].sum().rename("backlog")
        on_order = self.supply.groupby("sku")["open_qty"].sum().rename("on_order")
        return pd.concat([backlog, on_order], axis=1).fillna(0.0)


def position(book: Book, as_of: pd.Timestamp, settings: Config) -> Position:
    issues = validate(book, config=settings, as_of=as_of)
    clean, left_out = usable(book, issues)
    lines = _order_lines(clean)
    lines = pd.concat([lines, replacement_lines(clean.returns, lines, as_of)], ignore_index=True)
    lines, matched = _apply_shipments(lines, clean.shipments)
    closed = lines["sheet_status"].isin(["cancelled", "closed"])
    lines["open_qty"] = np.where(closed, 0.0, np.clip(lines["qty"] - lines["shipped_qty"], 0, None))
    return Position(clean, issues, left_out, lines, matched, open_supply(clean, as_of), as_of)


def reconcile(book: Book, as_of: object = None, config: "Config | dict | str | None" = None) -> Reconciliation:
    """Reconcile orders with shipments, stock, purchase orders and returns as of `as_of` (default today)."""
    settings = load_config(config) if config is not None else book.config
    day = as_timestamp(as_of)
    start = position(book, day, settings)
    clean, supply, matched = start.book, start.supply, start.matched
    stock = stock_by_sku(clean.inventory)
    lines = _allocate(start.lines, stock)
    lines = _project(lines, supply, day, settings.handling_days)
    lines = _status(lines, day)
    lines["reason"] = _reasons(lines, day)
    inventory = _inventory_view(clean, lines, stock, start.per_sku())
    rma, return_problems = returns_frame(clean.returns, lines)
    exceptions = exceptions_frame([
        shipment_exceptions(matched, lines),
        line_exceptions(lines, shipments_table=bool(book.layout["table"].eq("shipments").any())),
        stock_exceptions(clean.inventory, inventory, supply, clean.purchase_orders, day),
        return_problems,
    ])
    restock = rma[rma["restock_qty"] > 0][["rma_id", "order_id", "line", "sku", "restock_qty", "received_date"]] \
        .reset_index(drop=True)
    return Reconciliation(
        lines=_public_lines(lines), orders=_orders(lines), exceptions=exceptions, inventory=inventory,
        returns=rma, restock=restock, purchase_orders=supply, issues=start.issues, left_out=start.left_out,
        as_of=day)


# --- order lines and shipments ----------------------------------------------------------------------

def _order_lines(book: Book) -> pd.DataFrame:
    orders = book.orders.copy()
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
    orders["rma_id"] = pd.Series(pd.NA, index=orders.index, dtype="string[python]")
    return orders


def _apply_shipments(lines: pd.DataFrame, shipments: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """shipped_qty per line. A shipment with a line number matches (order_id, line); without one it fills the
    order's lines of its SKU in line order. Returns the lines and each shipment's match."""
    lines = lines.reset_index(drop=True)
    lines["line_index"] = np.arange(len(lines))
    ships = shipments.reset_index(drop=True).copy()
    ships["shipment_index"] = np.arange(len(ships))
    by_line = ships[ships["line"].notna()].merge(
        lines[["order_id", "line", "line_index", "sku"]].rename(columns={"sku": "line_sku"}),
        on=["order_id", "line"], how="left")
    by_line["sku_mismatch"] = by_line["line_index"].notna() & (by_line["sku"] != by_line["line_sku"]).fillna(False)
    no_line = ships[ships["line"].isna()]
    by_sku = _fill_lines_by_sku(no_line, lines)
    matched = pd.concat([by_line.drop(columns=["line_sku"]), by_sku], ignore_index=True)
    counted = matched[matched["line_index"].notna() & ~matched["sku_mismatch"].astype(bool)]
    per_line = counted.groupby(counted["line_index"].astype(int)).agg(
        shipped=("qty", "sum"), shipments=("qty", "size"), delivered=("delivered_date", "count"),
        last_ship_date=("ship_date", "max"), first_ship_date=("ship_date", "min"))
    per_line = per_line.reindex(lines["line_index"])
    lines["shipped_qty"] = per_line["shipped"].fillna(0.0).to_numpy(dtype=float)
    lines["shipment_count"] = per_line["shipments"].fillna(0).to_numpy(dtype=int)
    lines["delivered_count"] = per_line["delivered"].fillna(0).to_numpy(dtype=int)
    lines["last_ship_date"] = per_line["last_ship_date"].astype("datetime64[ns]").to_numpy()
    return lines, matched


def _fill_lines_by_sku(shipments: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Shipments without a line number: their quantity fills the order's lines of the same SKU in line order;
    what is left over goes to the last of those lines (an over-shipment)."""
    if shipments.empty:
        return shipments.assign(line_index=pd.Series(dtype=float), sku_mismatch=pd.Series(dtype=bool))
    candidates = lines[["order_id", "sku", "line", "qty", "line_index"]].sort_values(["order_id", "sku", "line"])
    candidates["before"] = candidates.groupby(["order_id", "sku"])["qty"].cumsum() - candidates["qty"]
    candidates["is_last"] = ~candidates.duplicated(["order_id", "sku"], keep="last")
    ships = shipments.sort_values(["order_id", "sku", "ship_date", "shipment_index"], na_position="last").copy()
    ships["ship_before"] = ships.groupby(["order_id", "sku"])["qty"].cumsum() - ships["qty"]
    pairs = ships.merge(candidates.drop(columns=["line"]), on=["order_id", "sku"], how="left",
                        suffixes=("", "_line"))
    unmatched = pairs["line_index"].isna().to_numpy()
    # The overlap of the shipment's range with the line's range; the last line takes any excess.
    start = np.maximum(pairs["ship_before"], pairs["before"])
    line_end = np.where(pairs["is_last"].fillna(False).astype(bool), np.inf, pairs["before"] + pairs["qty_line"])
    share = np.clip(np.minimum(pairs["ship_before"] + pairs["qty"], line_end) - start, 0, None)
    pairs["qty"] = np.where(unmatched, pairs["qty"], share)
    pairs = pairs[unmatched | (pairs["qty"] > 0)].copy()
    pairs["sku_mismatch"] = False
    return pairs.drop(columns=["ship_before", "before", "is_last", "qty_line"])


# --- stock, allocation and inbound supply ----------------------------------------------------------

def stock_by_sku(inventory: pd.DataFrame) -> pd.Series:
    """On hand per SKU over all locations, each location floored at 0 (a negative count is a data problem,
    reported as negative-stock, and cannot take stock away from another location)."""
    if inventory.empty:
        return pd.Series(dtype=float)
    return inventory["on_hand"].clip(lower=0).groupby(inventory["sku"]).sum()


def allocation_order(lines: pd.DataFrame) -> pd.DataFrame:
    """Contract order: priority (blank last), promised date (blank last), order date, order id, line."""
    return lines.sort_values(["sku", "allocation_priority", "promised_date", "order_date", "order_id", "line"],
                             na_position="last", kind="stable")


def _allocate(lines: pd.DataFrame, stock: pd.Series) -> pd.DataFrame:
    wants = lines["open_qty"].where(lines["sheet_status"] != "on_hold", 0.0)
    ordered = allocation_order(lines.assign(wants=wants))
    before = ordered.groupby("sku")["wants"].cumsum() - ordered["wants"]
    available = ordered["sku"].map(stock).fillna(0.0)
    allocated = np.clip(available - before, 0, ordered["wants"])
    lines["allocated_qty"] = allocated.reindex(lines.index).astype(float)
    lines["backordered_qty"] = (wants - lines["allocated_qty"]).astype(float)
    lines["allocation_rank"] = pd.Series(np.arange(len(ordered)), index=ordered.index).reindex(lines.index)
    return lines


def open_supply(book: Book, as_of: pd.Timestamp) -> pd.DataFrame:
    """Open purchase-order quantity per PO line, in the order it arrives (expected date, blank last).
    Without a purchase_orders table, inventory.on_order counts as supply with no date."""
    pos = book.purchase_orders
    if len(pos):
        status = pos["status"].fillna("open")
        remaining = (pos["qty"] - pos["received_qty"].fillna(0)).clip(lower=0)
        supply = pos.assign(open_qty=remaining.where(status == "open", 0.0))
        supply = supply[["po_id", "supplier_id", "sku", "qty", "received_qty", "open_qty", "order_date",
                         "expected_date", "status", "source", "sheet", "row"]]
    else:
        inv = book.inventory
        supply = pd.DataFrame({"po_id": pd.Series(pd.NA, index=inv.index, dtype="string[python]"),
                               "supplier_id": inv["supplier_id"], "sku": inv["sku"], "qty": inv["on_order"],
                               "received_qty": 0.0, "open_qty": inv["on_order"].fillna(0.0).clip(lower=0),
                               "order_date": pd.NaT, "expected_date": pd.NaT, "status": "open",
                               "source": inv["source"], "sheet": inv["sheet"], "row": inv["row"]})
        supply = supply[supply["open_qty"] > 0]
    supply = supply.sort_values(["sku", "expected_date", "po_id"], na_position="last", kind="stable")
    supply["overdue"] = (supply["open_qty"] > 0) & (supply["expected_date"] < as_of)
    return supply.reset_index(drop=True)


def _project(lines: pd.DataFrame, supply: pd.DataFrame, as_of: pd.Timestamp, handling_days: float) -> pd.DataFrame:
    """projected_ship_date: as_of when fully allocated; else the expected date of the PO quantity that covers
    the backorder, consumed in allocation order; blank when inbound supply does not cover it."""
    lines["projected_ship_date"] = pd.Series(pd.NaT, index=lines.index, dtype="datetime64[ns]")
    lines["covering_po"] = pd.Series(pd.NA, index=lines.index, dtype="string[python]")
    allocated_in_full = (lines["open_qty"] > 0) & (lines["backordered_qty"] <= 0)
    lines.loc[allocated_in_full, "projected_ship_date"] = as_of
    short = lines[lines["backordered_qty"] > 0]
    inbound = supply[supply["open_qty"] > 0]
    if len(short) and len(inbound):
        short = short.sort_values("allocation_rank")
        need = short.groupby("sku")["backordered_qty"].cumsum()
        have = inbound.groupby("sku")["open_qty"].cumsum()
        left = pd.DataFrame({"sku": short["sku"], "need": need.astype(float), "index": short.index}) \
            .sort_values("need")
        right = pd.DataFrame({"sku": inbound["sku"], "have": have.astype(float),
                              "expected_date": inbound["expected_date"], "po_id": inbound["po_id"]}) \
            .sort_values("have")
        # 1e-9: quantities are floats; the PO that brings the running total up to the need covers it.
        covered = pd.merge_asof(left.assign(need=left["need"] - 1e-9), right, left_on="need", right_on="have",
                                by="sku", direction="forward")
        covered = covered.set_index("index")
        lines.loc[covered.index, "projected_ship_date"] = covered["expected_date"].astype("datetime64[ns]")
        lines.loc[covered.index, "covering_po"] = covered["po_id"].astype("string[python]")
    if handling_days:
        lines["projected_ship_date"] += pd.Timedelta(days=handling_days) * (lines["backordered_qty"] > 0)
    lines.loc[lines["open_qty"] <= 0, "projected_ship_date"] = pd.NaT
    return lines


# --- status, lateness, reasons -------------------------------------------------------------------------

def _status(lines: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    sheet = lines["sheet_status"]
    fully_shipped = (lines["shipped_qty"] >= lines["qty"]) & (lines["qty"] > 0)
    all_delivered = (lines["shipment_count"] > 0) & (lines["delivered_count"] == lines["shipment_count"])
    conditions = [
        sheet == "cancelled",
        sheet == "on_hold",
        fully_shipped & all_delivered,
        fully_shipped,
        lines["shipped_qty"] > 0,
        sheet == "closed",
        (lines["open_qty"] > 0) & (lines["backordered_qty"] <= 0),
        lines["allocated_qty"] > 0,
    ]
    choices = ["cancelled", "on_hold", "delivered", "shipped", "partially_shipped", "closed", "ready",
               "partially_allocated"]
    status = np.select(conditions, choices, default="backordered")
    # A partly shipped line whose rest is closed on the sheet is finished as far as shipping goes.
    lines["status"] = pd.Series(status, index=lines.index, dtype="string[python]")
    is_open = lines["open_qty"] > 0
    lines["late"] = is_open & (lines["promised_date"] < as_of)
    lines["at_risk"] = is_open & ~lines["late"] & (
        lines["projected_ship_date"].isna() | (lines["projected_ship_date"] > lines["promised_date"]))
    lines["days_late"] = np.where(lines["late"], (as_of - lines["promised_date"]).dt.days, 0).astype(int)
    lines["shipped_late"] = fully_shipped & (lines["last_ship_date"].dt.normalize() > lines["promised_date"])
    return lines


def _per_distinct(parts: pd.DataFrame, build: Callable[[pd.DataFrame], pd.Series]) -> np.ndarray:
    """Sentences built once per distinct combination of `parts` (text columns): most lines of a status read
    alike ("Delivered: all 12 shipped and delivered."), so this costs per distinct sentence, not per line."""
    ids = parts.groupby(list(parts.columns), sort=False, dropna=False).ngroup().to_numpy()
    _, first = np.unique(ids, return_index=True)
    return build(parts.iloc[first]).to_numpy(dtype=object)[ids]


_SENTENCES: dict[str, tuple[tuple[str, ...], Callable[[pd.DataFrame], pd.Series]]] = {
    "cancelled": ((), lambda t: pd.Series("Cancelled on the order sheet.", index=t.index)),
    "on_hold": (("open",), lambda t: "On hold on the order sheet; " + t["open"] + " open units are not allocated."),
    "delivered": (("qty",), lambda t: "Delivered: all " + t["qty"] + " shipped and delivered."),
    "shipped": (("last_ship",), lambda t: "Shipped in full (last shipment " + t["last_ship"]
                + "), not yet delivered."),
    "closed": (("shipped", "qty"), lambda t: "Closed on the order sheet with " + t["shipped"] + " of " + t["qty"]
               + " shipped."),
    "partially_shipped": (("shipped", "qty", "alloc", "open", "supply"),
                          lambda t: "Shipped " + t["shipped"] + " of " + t["qty"] + "; " + t["alloc"]
                          + " of the open " + t["open"] + " allocated from stock" + t["supply"]),
    "ready": (("open",), lambda t: "Ready to ship: all " + t["open"] + " open units allocated from stock."),
    "partially_allocated": (("alloc", "open", "back", "supply"),
                            lambda t: t["alloc"] + " of " + t["open"] + " allocated from stock, " + t["back"]
                            + " short" + t["supply"]),
    "backordered": (("open", "supply"), lambda t: "No stock for the " + t["open"] + " open units"
                    + t["supply"].str.replace("the rest.", "them.", regex=False)),
}


def _reasons(lines: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """One plain sentence per line."""
    reason = np.full(len(lines), "", dtype=object)
    status = lines["status"].to_numpy()
    for name, (columns, build) in _SENTENCES.items():
        mask = status == name
        if not mask.any():
            continue
        rows = lines[mask]
        if not columns:
            reason[mask] = build(rows.iloc[:1]).iloc[0]
            continue
        reason[mask] = _per_distinct(_reason_parts(rows, columns), build)
    late = lines["late"].to_numpy(dtype=bool)
    if late.any():
        rows = lines[late]
        unit = np.where(rows["days_late"] == 1, " day", " days")
        reason[late] = ("Late by " + rows["days_late"].astype(str) + unit + " (promised "
                        + day_text(rows["promised_date"]) + "). " + reason[late]).to_numpy()
    replacement = (lines["kind"] == "exchange").to_numpy()
    if replacement.any():
        reason[replacement] = ("Replacement for return " + lines.loc[replacement, "rma_id"].astype(str) + ". "
                               + reason[replacement]).to_numpy()
    return pd.Series(reason, index=lines.index)


def _reason_parts(rows: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    text = {}
    for column in columns:
        if column == "supply":
            covered = rows["projected_ship_date"].notna() & (rows["backordered_qty"] > 0)
            inbound = "; " + rows["covering_po"].fillna("inbound stock").astype(str) + " expected " \
                + day_text(rows["projected_ship_date"]) + " covers the rest."
            text[column] = inbound.where(covered, np.where(rows["backordered_qty"] > 0,
                                                           "; no open purchase order covers the rest.", "."))
        elif column == "last_ship":
            text[column] = day_text(rows["last_ship_date"])
        else:
            source = {"qty": "qty", "shipped": "shipped_qty", "open": "open_qty", "alloc": "allocated_qty",
                      "back": "backordered_qty"}[column]
            text[column] = quantity_text(rows[source])
    return pd.DataFrame(text, index=rows.index)


def _public_lines(lines: pd.DataFrame) -> pd.DataFrame:
    extra = ["order_date", "unit_price", "priority", "last_ship_date", "shipped_late", "covering_po", "kind",
             "rma_id", "source", "sheet", "row"]
    ordered = lines.sort_values(["order_id", "line"], kind="stable")
    return ordered[[*LINE_COLUMNS, *extra]].reset_index(drop=True)


def _orders(lines: pd.DataFrame) -> pd.DataFrame:
    rank = {status: i for i, status in enumerate(STATUS_RANK)}
    work = lines.assign(rank=lines["status"].map(rank), value=lines["qty"] * lines["unit_price"],
                        open_value=lines["open_qty"] * lines["unit_price"],
                        open_promised=lines["promised_date"].where(lines["open_qty"] > 0),
                        open_projected=lines["projected_ship_date"].where(lines["open_qty"] > 0),
                        unprojected=(lines["open_qty"] > 0) & lines["projected_ship_date"].isna())
    grouped = work.groupby("order_id", sort=True)
    orders = grouped.agg(
        customer_id=("customer_id", "first"), order_date=("order_date", "min"), lines=("line", "size"),
        qty=("qty", "sum"), shipped_qty=("shipped_qty", "sum"), open_qty=("open_qty", "sum"),
        allocated_qty=("allocated_qty", "sum"), backordered_qty=("backordered_qty", "sum"), rank=("rank", "min"),
        promised_date=("open_promised", "min"), projected_ship_date=("open_projected", "max"),
        unprojected=("unprojected", "any"), late=("late", "any"), at_risk=("at_risk", "any"),
        days_late=("days_late", "max"), shipped_late=("shipped_late", "any"), value=("value", "sum"),
        open_value=("open_value", "sum"), last_ship_date=("last_ship_date", "max"))
    orders["status"] = orders["rank"].map(dict(enumerate(STATUS_RANK))).astype("string[python]")
    orders.loc[orders["unprojected"], "projected_ship_date"] = pd.NaT
    orders = orders.drop(columns=["rank", "unprojected"]).reset_index()
    first = ["order_id", "customer_id", "order_date", "status", "lines", "qty", "shipped_qty", "open_qty",
             "allocated_qty", "backordered_qty", "promised_date", "projected_ship_date", "late", "at_risk",
             "days_late"]
    return orders[first + [c for c in orders.columns if c not in first]]


def _inventory_view(book: Book, lines: pd.DataFrame, stock: pd.Series, per_sku: pd.DataFrame) -> pd.DataFrame:
    inventory = book.inventory
    skus = pd.Index(inventory["sku"].dropna().unique(), name="sku")
    described = inventory.drop_duplicates("sku").set_index("sku")
    view = pd.DataFrame(index=skus)
    view["description"] = described["description"].reindex(skus)
    view["on_hand"] = inventory.groupby("sku")["on_hand"].sum().reindex(skus).fillna(0.0)
    view["allocated"] = lines.groupby("sku")["allocated_qty"].sum().reindex(skus).fillna(0.0)
    view["backlog"] = per_sku["backlog"].reindex(skus).fillna(0.0)
    view["on_order"] = per_sku["on_order"].reindex(skus).fillna(0.0)
    view["available"] = stock.reindex(skus).fillna(0.0) - view["allocated"]
    view["short"] = (view["backlog"] - view["allocated"]).clip(lower=0)
    return view.reset_index()
