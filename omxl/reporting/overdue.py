"""Overdue purchase orders (contract 4.4): the open PO lines past their expected date, what they are worth and
which customer lines wait for them; the weekly report's "Overdue POs" sheet and chart, and the overdue PO KPIs.

A PO line is overdue by the one test reconcile's `po-overdue` exception uses (`overdue` of the position's open
supply, omxl/position/supply.py): open, expected before as_of, received below ordered. So the sheet has one row
per `po-overdue` exception, and the KPIs, counted from the sheet, equal both.

Open units are ordered − received. The unit cost is the PO line's unit_cost, else the item's (its first known
cost in the inventory); the value is open units × unit cost, blank without a cost. The value is in the currency
of the cost used: the PO's currency, else its supplier's, for the PO's own cost; the item's currency, else its
supplier's, for the item's cost (as inventory value and the reorder plan price items); else the base currency.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..money import currency_column

if TYPE_CHECKING:  # for annotations only
    from ..position import Position
    from ..reconciliation import Reconciliation

OVERDUE_COLUMNS = ("supplier_id", "supplier_name", "po_id", "sku", "open_units", "unit_cost", "value", "currency",
                   "expected_date", "days_overdue", "waiting_lines")
BY_SUPPLIER_COLUMNS = ("supplier", "lines", "units")
PROVENANCE = ["source", "sheet", "row"]  # the PO row an open supply line came from


def overdue_po_lines(pos: "Position", rec: "Reconciliation") -> pd.DataFrame:
    """OVERDUE_COLUMNS, one row per overdue PO line of `pos` (a Position) and `rec` (its Reconciliation), the
    longest overdue first, then by supplier and PO. `waiting_lines`: the open customer lines `rec` covers with
    that PO line ("SO-1001/2, SO-1002/1"), blank when none."""
    supply = rec.open_supply
    overdue = supply[supply["overdue"]].reset_index(drop=True)
    book = pos.book
    po_lines = _po_lines(book.purchase_orders)
    overdue = overdue.merge(po_lines, on=PROVENANCE, how="left")
    items = _items(book.inventory)
    suppliers = book.suppliers.drop_duplicates("supplier_id").set_index("supplier_id")
    item_cost = overdue["sku"].map(items["unit_cost"]).astype(float)
    own_cost = overdue["po_unit_cost"].astype(float)
    from_po = own_cost.notna()
    supplier_currency = overdue["supplier_id"].map(suppliers["currency"])
    item_supplier_currency = overdue["sku"].map(items["supplier_id"]).map(suppliers["currency"])
    base = pos.config.base_currency
    po_currency = currency_column(overdue["po_currency"], supplier_currency, base=base)
    item_currency = currency_column(overdue["sku"].map(items["currency"]), item_supplier_currency, base=base)
    open_units = overdue["open_qty"].astype(float)  # ordered − received, as the po-overdue exception says it
    unit_cost = own_cost.where(from_po, item_cost)
    table = pd.DataFrame({
        "supplier_id": overdue["supplier_id"].astype("string[python]"),
        "supplier_name": overdue["supplier_id"].map(suppliers["name"]).astype("string[python]"),
        "po_id": overdue["po_id"].astype("string[python]"),
        "sku": overdue["sku"].astype("string[python]"),
        "open_units": open_units,
        "unit_cost": unit_cost,
        "value": open_units * unit_cost,
        "currency": po_currency.where(from_po, item_currency).astype("string[python]"),
        "expected_date": overdue["expected_date"],
        "days_overdue": (pos.as_of - overdue["expected_date"]).dt.days.astype("int64"),
        "waiting_lines": _waiting_lines(rec, overdue),
    })
    table = table.sort_values(["days_overdue", "supplier_id", "po_id", "sku"], ascending=[False, True, True, True],
                              kind="stable", na_position="last")
    return table.reset_index(drop=True)[list(OVERDUE_COLUMNS)]


def overdue_by_supplier(table: pd.DataFrame) -> pd.DataFrame:
    """BY_SUPPLIER_COLUMNS from an overdue_po_lines table, for a chart: per supplier (its name, else its id)
    the overdue lines and their open units, the most units first (then lines, then the supplier)."""
    supplier = table["supplier_name"].fillna(table["supplier_id"]).fillna("(no supplier)").astype(object)
    grouped = table.assign(supplier=supplier).groupby("supplier", sort=False).agg(
        lines=("po_id", "size"), units=("open_units", "sum")).reset_index()
    grouped = grouped.sort_values(["units", "lines", "supplier"], ascending=[False, False, True], kind="stable")
    return grouped.reset_index(drop=True).astype({"supplier": "string[python]", "lines": "int64",
                                                  "units": float})[list(BY_SUPPLIER_COLUMNS)]


def _po_lines(purchase_orders: pd.DataFrame) -> pd.DataFrame:
    """The PO rows' own unit cost and currency (blank where the sheet has none), by provenance."""
    found = purchase_orders[PROVENANCE].assign(po_unit_cost=purchase_orders["unit_cost"],
                                               po_currency=purchase_orders["currency"])
    return found.drop_duplicates(PROVENANCE)


def _items(inventory: pd.DataFrame) -> pd.DataFrame:
    """Per SKU: the first known unit_cost, currency and supplier_id over its locations (the item master fills
    every location row alike)."""
    return inventory.groupby("sku")[["unit_cost", "currency", "supplier_id"]].first()


def _waiting_lines(rec: "Reconciliation", overdue: pd.DataFrame) -> pd.Series:
    """Per overdue PO line: "order/line, ..." of the open customer lines that PO line covers (same PO, same SKU),
    by order and line; "" when none waits."""
    lines = rec.lines[rec.is_open() & rec.lines["covering_po"].notna()]
    lines = lines.sort_values(["order_id", "line"], kind="stable")
    names = lines["order_id"].astype(str) + "/" + lines["line"].astype("string[python]").fillna("").astype(str)
    waiting = names.groupby([lines["covering_po"].astype(str), lines["sku"].astype(str)]).agg(", ".join)
    keys = pd.MultiIndex.from_arrays([overdue["po_id"].astype(str), overdue["sku"].astype(str)])
    return pd.Series(waiting.reindex(keys).fillna("").to_numpy(), dtype="string[python]")
