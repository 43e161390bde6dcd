"""The tables company rules run over (contract 4.8): a book's tables as read, the order lines with what their
SKU's inventory row says, and two tables made from the order lines, `order_totals` and `customer_months`.

Each table keeps the provenance (source, sheet, row) of a row a finding can cite: the row itself, or for a made
table the order line it starts with. `RuleTable.columns` are the names a rule may use, with their dtypes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.extensions import take

from ..model import HEADER_PROVENANCE, PROVENANCE, written_column
from ..money import cent_sums, currency_column, net_price

# Joined onto each order line from its SKU's first inventory row (lead_time_days as planning takes it: the item's,
# else its supplier's, else default_lead_time_days).
JOINED_COLUMNS = ("lead_time_days", "supplier_id", "unit_cost")
ORDER_TOTAL_COLUMNS = ("order_id", "customer_id", "currency", "value", "lines", "units")
CUSTOMER_MONTH_COLUMNS = ("customer_id", "currency", "month", "value", "orders", "lines")
# What a finding about an order line names besides its cell (findings.row_findings), always in the table.
KEY_COLUMNS = ("order_id", "line", "customer_id", "sku")
# The cell a finding about a made table cites when the rule names no column of the order sheet.
CITED_BY_DEFAULT = {"orders": "order_id", "order_totals": "order_id", "customer_months": "customer_id"}


@dataclass(frozen=True)
class RuleTable:
    """A table a rule runs over: `frame` (with provenance), the `columns` a rule may name (name -> dtype) and the
    columns that are cells of the sheet the rows came from (what a finding can cite)."""

    name: str
    frame: pd.DataFrame
    columns: dict[str, object]
    sheet_columns: tuple[str, ...]

    def cited_column(self, named: tuple[str, ...]) -> str:
        """The first column the rule names that is a cell of the rows' sheet, else the table's usual one. A
        consolidated book's `unit` is a column of every table but a cell of no sheet (contract 4.9)."""
        for column in named:
            if column in self.sheet_columns and column != "unit":
                return column
        return CITED_BY_DEFAULT.get(self.name, named[0] if named else self.sheet_columns[0])


def visible_columns(frame: pd.DataFrame) -> list[str]:
    """A book table's columns a rule may name: not where a row came from, not a coded cell as written."""
    hidden = set(PROVENANCE) | set(HEADER_PROVENANCE)
    return [str(c) for c in frame.columns
            if c not in hidden and not str(c).startswith("_") and not str(c).endswith(written_column(""))]


def book_table(name: str, frame: pd.DataFrame) -> RuleTable:
    columns = visible_columns(frame)
    return RuleTable(name, frame, {c: frame[c].dtype for c in columns}, tuple(columns))


def order_columns(lines: pd.DataFrame, orders: pd.DataFrame) -> dict[str, object]:
    """The columns a rule on `orders` may name, with their dtypes: the orders table's, `open_qty` and
    JOINED_COLUMNS (known without joining anything: a rule is compiled before its table is made)."""
    sheet = [c for c in visible_columns(orders) if c in lines.columns and c not in JOINED_COLUMNS]
    columns = {c: lines[c].dtype for c in [*sheet, "open_qty"]}
    return {**columns, "lead_time_days": np.dtype("float64"), "supplier_id": pd.StringDtype("python"),
            "unit_cost": np.dtype("float64")}


def order_rows(lines: pd.DataFrame, orders: pd.DataFrame, inventory: pd.DataFrame, suppliers: pd.DataFrame,
               default_lead_time_days: float, needed: set[str] | None = None) -> RuleTable:
    """The order lines of the sheet (not exchange replacements) with the columns of the orders table, `open_qty`
    (what is still to ship), and JOINED_COLUMNS from the SKU's first inventory row. `needed`: the columns the
    rules name (with provenance and the line's order, line, customer and SKU, which findings cite), the only ones
    the frame is made with (all when None): copying 40 columns of 100,000 lines for a rule that reads two was
    most of the table's cost."""
    columns = order_columns(lines, orders)
    sheet = tuple(c for c in columns if c in orders.columns and c not in JOINED_COLUMNS)
    kept = list(columns) if needed is None else [c for c in columns if c in needed or c in KEY_COLUMNS]
    is_order = lines["kind"].eq("order").to_numpy(dtype=bool)
    own = [*PROVENANCE, *[c for c in HEADER_PROVENANCE if c in lines], *[c for c in kept if c in lines]]
    frame = lines.loc[is_order, own] if not is_order.all() else lines[own]
    wanted = [c for c in JOINED_COLUMNS if c in kept]
    if wanted:
        frame = frame.assign(**{c: v for c, v in _joined(frame["sku"], inventory, suppliers,
                                                          default_lead_time_days).items() if c in wanted})
    return RuleTable("orders", frame, columns, sheet)


def _joined(skus: pd.Series, inventory: pd.DataFrame, suppliers: pd.DataFrame,
            default_lead_time_days: float) -> dict[str, object]:
    """JOINED_COLUMNS per line: from the SKU's first inventory row; lead_time_days the item's, else its
    supplier's, else the default, as planning takes it."""
    # Worked out once per SKU (its first inventory row and that row's supplier), then taken for each line by the
    # position of its SKU's row: one lookup of the lines' SKU texts instead of one per column.
    first = inventory.dropna(subset=["sku"]).drop_duplicates("sku").reset_index(drop=True)
    item = pd.Index(first["sku"]).get_indexer(skus)
    by_supplier = suppliers.dropna(subset=["supplier_id"]).drop_duplicates("supplier_id").reset_index(drop=True)
    supplier_lead = _taken(by_supplier["lead_time_days"].astype("float64"),
                           pd.Index(by_supplier["supplier_id"]).get_indexer(first["supplier_id"]))
    lead = first["lead_time_days"].astype("float64").to_numpy(na_value=np.nan)
    lead = np.where(np.isnan(lead), supplier_lead, lead)
    lead = np.where(np.isnan(lead), default_lead_time_days, lead)
    return {"lead_time_days": take(lead, item, allow_fill=True, fill_value=default_lead_time_days),
            "supplier_id": first["supplier_id"].astype("string[python]").array.take(item, allow_fill=True),
            "unit_cost": _taken(first["unit_cost"].astype("float64"), item)}


def _taken(values: pd.Series, at: np.ndarray) -> np.ndarray:
    """Numbers values[at] as an array, NaN where `at` is -1 (not found)."""
    return take(values.to_numpy(dtype="float64", na_value=np.nan), at, allow_fill=True, fill_value=np.nan)


def valued_lines(lines: pd.DataFrame, base_currency: str | None) -> pd.DataFrame:
    """The sheet's order lines that are not cancelled, with what order_totals, customer_months and the credit
    limit need: provenance, order, customer, qty, order date, `_value` (qty x net price), `_open_value` (open qty x
    net price; 0 for a closed line), `_currency`, and integer codes of the order, customer, currency and month
    (`_order`, `_customer`, `_currency_code`, `_month`: -1 without an order date) and the month's first day
    (`_month_start`), made once for all three."""
    status = lines["sheet_status"].to_numpy(dtype=object, na_value=None)
    keep = (lines["kind"].to_numpy(dtype=object) == "order") & (status != "cancelled")
    rows = lines.loc[keep, [*PROVENANCE, "order_id", "customer_id", "qty", "order_date"]]
    picked = lines.loc[keep, ["open_qty", "unit_price", "discount", "currency"]]
    price = net_price(picked).to_numpy(dtype="float64")
    currency = currency_column(picked["currency"], base=base_currency)
    open_qty = np.where(status[keep] == "closed", 0.0, picked["open_qty"].to_numpy(dtype="float64"))
    months = pd.Series(rows["order_date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[M]")
                       .astype("datetime64[ns]"), index=rows.index)
    # One frame of the made columns joined once: assigning them one by one copies the rows each time.
    made = pd.DataFrame({
        "_value": rows["qty"].to_numpy(dtype="float64", na_value=np.nan) * price, "_open_value": open_qty * price,
        "_currency": currency, "_order": pd.factorize(rows["order_id"], use_na_sentinel=False)[0],
        "_customer": pd.factorize(rows["customer_id"], use_na_sentinel=False)[0],
        "_currency_code": pd.factorize(currency, use_na_sentinel=False)[0],
        "_month_start": months, "_month": pd.factorize(months)[0]}, index=rows.index)
    return pd.concat([rows, made], axis=1)


def _grouped(rows: pd.DataFrame, codes: list[str]) -> tuple[pd.DataFrame, np.ndarray, int]:
    """The first row of each group of the integer code columns `codes` (groups numbered in the order they first
    appear), each row's group and the number of groups."""
    combined = np.zeros(len(rows), dtype=np.int64)
    for column in codes:
        values = rows[column].to_numpy(dtype=np.int64)
        combined = combined * (int(values.max()) + 2 if len(values) else 1) + (values + 1)
    group, _ = pd.factorize(combined)
    groups = int(group.max()) + 1 if len(group) else 0
    _, first = np.unique(group, return_index=True)
    return rows.iloc[first].reset_index(drop=True), group, groups


def order_totals(rows: pd.DataFrame) -> RuleTable:
    """One row per order and currency (an order's lines in two currencies are two rows: money is never added
    across currencies): order_id, customer_id, currency, value (the sum of the known line values; blank when no
    line has a price), lines, units. `rows` are valued_lines: cancelled lines are left out."""
    first, codes, groups = _grouped(rows, ["_order", "_currency_code"])
    frame = first[[*PROVENANCE]].assign(
        order_id=first["order_id"], customer_id=first["customer_id"], currency=first["_currency"],
        value=cent_sums(rows["_value"].to_numpy(dtype="float64"), codes, groups),
        lines=np.bincount(codes, minlength=groups).astype("int64"),
        units=np.bincount(codes, weights=rows["qty"].astype("float64").fillna(0.0).to_numpy(), minlength=groups))
    return RuleTable("order_totals", frame, {c: frame[c].dtype for c in ORDER_TOTAL_COLUMNS},
                     ("order_id", "customer_id", "currency"))


def customer_months(rows: pd.DataFrame) -> RuleTable:
    """One row per customer, currency and calendar month of order_date (`month`: the month's first day):
    value (the sum of the known line values), orders, lines. Lines without an order date or cancelled are left
    out (`rows` are valued_lines)."""
    rows = rows[rows["_month"].to_numpy() >= 0]
    first, codes, groups = _grouped(rows, ["_customer", "_currency_code", "_month"])
    # Distinct orders per group: each (group, order) pair once, as one integer.
    width = int(rows["_order"].max()) + 2 if len(rows) else 1
    pairs = np.unique(codes.astype(np.int64) * width + rows["_order"].to_numpy(dtype=np.int64) + 1)
    per_group = pairs // width
    frame = first[[*PROVENANCE]].assign(
        customer_id=first["customer_id"], currency=first["_currency"],
        month=first["_month_start"].astype("datetime64[ns]"),
        value=cent_sums(rows["_value"].to_numpy(dtype="float64"), codes, groups),
        orders=np.bincount(per_group, minlength=groups).astype("int64"),
        lines=np.bincount(codes, minlength=groups).astype("int64"))
    return RuleTable("customer_months", frame, {c: frame[c].dtype for c in CUSTOMER_MONTH_COLUMNS},
                     ("customer_id", "currency"))
