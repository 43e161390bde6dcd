"""The KPIs of the weekly report (contract 4.4), computed from a Position, its Reconciliation and its ReorderPlan.
Each KPI is defined once, as data, in omxl/kpi_catalog.py (KPIS, re-exported here); docs/kpis.md is generated
from the definitions (omxl/docgen.py).

The period is the 7 days ending on as_of: as_of − 6 days to as_of, both included, by calendar day.
Cancelled lines are left out of every line figure but cancelled lines. Rates are fractions (0.75 = 75 %) and
blank when nothing is counted below the line (never 0 % of nothing). Money is never added across currencies: a
money KPI has one row per currency, or one converted row when `base_currency` and `fx_rates` are configured
(currencies without a rate keep a row of their own, never dropped). A currency with nothing this week has no row
this week.

A KPI the book cannot support is blank, never 0, with the reason in `reason`: each KPI names the tables it needs
(no inventory: stock is not judged, contract 2.3, so the backorder, at-risk and stock figures are not known; no
returns table: returns are not known, which is not "none returned"; no purchase orders: no overdue POs known).
A value blank because nothing is counted says why too ("no lines due in the period"). `target` is the `[targets]`
setting of the KPI; `on_target` says whether the value meets it (higher-is-better KPIs at or above it,
lower-is-better ones at or below it), blank without a value or a target. A money KPI in several currency rows is
not judged (targets are one number; amounts in several currencies are not one). `previous`, `change` and the
reason they are blank come from the run history (omxl/reporting/history.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..kpi_catalog import BY_NAME, FIRST_RUN, KPIS, MISSING_TABLE, NO_HISTORY, REASON_SEPARATOR, Kpi
from ..money import UNKNOWN, Conversion, conversion, converted, currency_column, net_price, totals
from ..reconciliation.balances import dso_rows
from .overdue import overdue_po_lines

if TYPE_CHECKING:  # for annotations only
    from ..position import Position

__all__ = ["BY_NAME", "KPIS", "KPI_COLUMNS", "Kpi", "add_reason", "compute_kpis", "money_rows", "net_price",
           "nothing_to_compare", "period_of"]

KPI_COLUMNS = ("kpi", "label", "value", "previous", "change", "unit", "currency", "target", "on_target", "reason")
PERIOD_DAYS = 7
# Why previous and change are blank although the value is there.
NOT_IN_PREVIOUS = "no value in the previous run ({day}): nothing to compare with"
# Why a target is not judged.
SEVERAL_CURRENCIES = "target not judged: the value is in several currencies; set base_currency and fx_rates"


def period_of(as_of: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the report period: the 7 days ending on as_of, both included."""
    end = pd.Timestamp(as_of).normalize()
    return end - pd.Timedelta(days=PERIOD_DAYS - 1), end


def _in(dates: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    # to_datetime: an empty table (no returns, no shipments) may come with object columns.
    days = pd.to_datetime(dates).dt.normalize()
    return ((days >= start) & (days <= end)).fillna(False).astype(bool)


def _rate(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else np.nan


def money_rows(amounts: pd.Series, currencies: pd.Series, convert: Conversion | None) -> list[tuple[float, object]]:
    """(value, currency) rows of one money KPI: one per currency, or one converted row in the base currency
    plus one per currency that has no rate. Nothing at all is one row of 0 (in the base currency if any)."""
    table = totals(amounts, currencies)
    if table.empty:
        return [(0.0, convert.base if convert else pd.NA)]
    if convert is None:
        return [(row.amount, pd.NA if row.currency == UNKNOWN else row.currency)
                for row in table.itertuples(index=False)]
    amount, _, missing = converted(table, convert)
    rows: list[tuple[float, object]] = [(amount, convert.base)] if len(missing) < len(table) else []
    left = table[table["currency"].isin(missing)]
    rows += [(row.amount, pd.NA if row.currency == UNKNOWN else row.currency) for row in left.itertuples(index=False)]
    return rows


def compute_kpis(pos, rec, plan, *, overdue: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every KPI of KPIS from one Position and the Reconciliation and ReorderPlan computed from it, as of
    pos.as_of. Columns KPI_COLUMNS: a blank value has its reason; `target` and `on_target` from the `targets`
    setting; `previous` and `change` are blank (the run history fills them, with_previous). `overdue`: the
    Overdue POs table (overdue_po_lines) when the caller has made it already, as the weekly report has for its
    sheet."""
    as_of = pos.as_of
    start, end = period_of(as_of)
    convert = conversion(pos.config)
    base = pos.config.base_currency
    # Only the columns the KPIs read: rec.lines is wide, and each filter below would copy every column.
    read = ["order_id", "line", "kind", "qty", "shipped_qty", "open_qty", "backordered_qty", "order_date",
            "promised_date", "last_ship_date", "late", "at_risk", "unit_price", "discount", "currency"]
    lines = rec.lines.loc[(rec.lines["status"] != "cancelled").to_numpy(dtype=bool),
                          [name for name in read if name in rec.lines]]
    price = net_price(lines)
    currency = currency_column(lines["currency"], base=base)
    originals = lines["kind"] == "order"
    values: dict[str, object] = {}

    received = originals & _in(lines["order_date"], start, end)
    values["orders_received"] = lines.loc[received, "order_id"].nunique()
    values["lines_received"] = int(received.sum())
    every = rec.lines  # cancelled lines too: the one figure that counts them
    values["cancelled_lines"] = int(((every["status"] == "cancelled") & (every["kind"] == "order")
                                     & _in(every["order_date"], start, end)).sum())

    # Due lines and on-time shipping. A line is in full on time when its shipped quantity reaches its quantity
    # and its last shipment (the one that completed it) is dated on or before the promised date.
    due = _in(lines["promised_date"], start, end)
    full_on_time = ((lines["shipped_qty"] >= lines["qty"])
                    & (lines["last_ship_date"].dt.normalize() <= lines["promised_date"])).fillna(False).astype(bool)
    values["lines_due"] = int(due.sum())
    values["otif_line_rate"] = _rate((due & full_on_time).sum(), due.sum())

    shipments = _counted_shipments(pos)
    keyed = lines[["order_id", "line", "qty", "promised_date"]].assign(price=price, currency=currency)
    ships = shipments.merge(keyed, on=["order_id", "line"], how="inner")  # cancelled lines drop out here
    on_time = ships[(ships["ship_date"].dt.normalize() <= ships["promised_date"]).fillna(False).astype(bool)]
    on_time_units = on_time.groupby(["order_id", "line"])["qty_ship"].sum()
    due_lines = lines.loc[due, ["order_id", "line", "qty"]]
    filled = pd.MultiIndex.from_frame(due_lines[["order_id", "line"]])
    filled_units = np.minimum(on_time_units.reindex(filled).fillna(0.0).to_numpy(), due_lines["qty"].to_numpy())
    values["unit_fill_rate"] = _rate(filled_units.sum(), due_lines["qty"].sum())
    per_order = (due & full_on_time)[due].groupby(lines.loc[due, "order_id"]).all()
    values["order_fill_rate"] = _rate(per_order.sum(), len(per_order))

    shipped = ships[_in(ships["ship_date"], start, end)]
    values["shipped_lines"] = len(shipped[["order_id", "line"]].drop_duplicates())
    values["shipped_value"] = money_rows(shipped["qty_ship"] * shipped["price"], shipped["currency"], convert)
    shipped_units = float(shipped["qty_ship"].sum())

    values["late_lines"] = int(lines["late"].sum())
    values["at_risk_lines"] = int(lines["at_risk"].sum())
    backordered = lines["backordered_qty"] > 0
    values["backorder_lines"] = int(backordered.sum())
    values["backorder_value"] = money_rows((lines["backordered_qty"] * price)[backordered], currency[backordered],
                                           convert)
    open_lines = lines["open_qty"] > 0
    values["backorder_rate"] = _rate((open_lines & backordered).sum(), open_lines.sum())
    # From the Overdue POs sheet's own table, so the KPIs equal the sheet (and reconcile's po-overdue count).
    if overdue is None:
        overdue = overdue_po_lines(pos, rec)
    values["overdue_po_lines"] = len(overdue)
    values["overdue_po_value"] = money_rows(overdue["value"], overdue["currency"], convert)
    values["order_cycle_time"] = _cycle_time(lines[originals], start, end)

    inventory = rec.inventory
    stock = inventory["available"] + inventory["allocated"]
    values["stockout_skus"] = int(((stock <= 0) & (inventory["backlog"] > 0)).sum())
    ordered = plan.lines[plan.lines["order_qty"] > 0]
    values["reorder_skus"] = int(ordered["sku"].nunique())
    values["reorder_value"] = money_rows(ordered["order_value"], ordered["currency"], convert)
    values["inventory_value"] = _inventory_value(pos, convert)
    values["days_of_supply"] = _days_of_supply(pos, lines[originals])

    returns = rec.returns
    units_returned = float(returns.loc[_in(returns["received_date"], start, end), "qty"].sum())
    values["units_returned"] = units_returned
    values["return_rate"] = _rate(units_returned, shipped_units)
    values["dso"] = dso_rows(rec, convert)
    severity = pos.issues["severity"].astype(object)
    values["data_errors"] = int((severity == "error").sum())
    values["data_warnings"] = int((severity == "warning").sum())
    frame = _frame(values, tables_read(pos), convert, history_weeks=pos.config.history_weeks)
    return with_targets(frame, pos.config.targets)


def tables_read(pos: "Position") -> set[str]:
    """The tables the book had (a table whose rows were all left out because of errors still counts: its
    figures are known to be empty)."""
    return set(pos.book.layout["table"].dropna().astype(str))


def _counted_shipments(pos) -> pd.DataFrame:
    """Shipments that count for their order line (matched, same SKU): order_id, line, qty_ship, ship_date."""
    matches = pos.shipment_matches
    counted = matches[matches["line_index"].notna() & ~matches["sku_mismatch"].fillna(False).astype(bool)]
    where = pos.lines[["order_id", "line"]].iloc[counted["line_index"].astype(int).to_numpy()]
    return pd.DataFrame({"order_id": where["order_id"].to_numpy(), "line": where["line"].to_numpy(),
                         "qty_ship": counted["qty"].to_numpy(dtype=float),
                         "ship_date": pd.to_datetime(counted["ship_date"]).to_numpy()}).astype({"line": "Int64"})


def _cycle_time(lines: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> float:
    grouped = lines.assign(nothing_open=lines["open_qty"] <= 0).groupby("order_id")
    orders = grouped.agg(done=("nothing_open", "all"), last=("last_ship_date", "max"), ordered=("order_date", "min"))
    completed = orders[orders["done"] & orders["last"].notna()]
    completed = completed[_in(completed["last"], start, end)]
    if completed.empty:
        return np.nan
    return float((completed["last"].dt.normalize() - completed["ordered"].dt.normalize()).dt.days.mean())


def _inventory_value(pos, convert: Conversion | None) -> list[tuple[float, object]]:
    inventory = pos.book.inventory
    suppliers = pos.book.suppliers.drop_duplicates("supplier_id").set_index("supplier_id")
    currency = currency_column(inventory["currency"], inventory["supplier_id"].map(suppliers["currency"]),
                               base=pos.config.base_currency)
    amount = inventory["on_hand"].clip(lower=0) * inventory["unit_cost"]
    return money_rows(amount, currency, convert)


def _days_of_supply(pos, lines: pd.DataFrame) -> float:
    weeks = pos.config.history_weeks
    days = 7 * weeks
    window = _in(lines["order_date"], pos.as_of - pd.Timedelta(days=days - 1), pos.as_of)
    daily = float(lines.loc[window, "qty"].sum()) / days
    return float(pos.stock.sum()) / daily if daily > 0 else np.nan


def _frame(values: dict[str, object], tables: set[str], convert: Conversion | None, *,
           history_weeks: int) -> pd.DataFrame:
    """The KPI rows in KPIS order. A KPI whose tables the book lacks is one blank row (in the base currency if
    any, for money) with MISSING_TABLE's reason; a blank value otherwise has its KPI's `blank` reason."""
    rows = []
    for kpi in KPIS:
        missing = [MISSING_TABLE[table] for table in kpi.needs if table not in tables]
        if missing:
            entries = [(np.nan, convert.base if convert and kpi.per_currency else pd.NA)]
            why = REASON_SEPARATOR.join(missing)
        else:
            found = values[kpi.name]
            entries = found if kpi.per_currency else [(found, pd.NA)]
            why = kpi.blank.format(history_weeks=history_weeks)
        rows += [(kpi.name, kpi.label, value, kpi.unit, currency, why if _blank(value) and why else pd.NA)
                 for value, currency in entries]
    frame = pd.DataFrame(rows, columns=["kpi", "label", "value", "unit", "currency", "reason"])
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    frame["previous"] = np.nan
    frame["change"] = np.nan
    frame["target"] = np.nan
    frame["on_target"] = pd.array([pd.NA] * len(frame), dtype="boolean")
    for column in ("kpi", "label", "unit", "currency", "reason"):
        frame[column] = frame[column].astype("string[python]")
    return frame[list(KPI_COLUMNS)]


def _blank(value: object) -> bool:
    return value is None or bool(pd.isna(value))


def with_targets(kpis: pd.DataFrame, targets: dict[str, float]) -> pd.DataFrame:
    """`kpis` with `target` (the setting of each KPI that has one) and `on_target`: better up, value ≥ target;
    better down, value ≤ target; blank without a value. A money KPI given in several currency rows has neither,
    and says why in `reason`."""
    result = kpis.copy()
    target = result["kpi"].map(targets).astype(float)
    rows_of_kpi = result.groupby("kpi", sort=False)["kpi"].transform("size")
    several = target.notna() & (rows_of_kpi > 1)  # only money KPIs have more than one row
    target = target.mask(several)
    better = result["kpi"].map({name: kpi.better for name, kpi in BY_NAME.items()})
    value = result["value"]
    met = np.where(better == "up", value >= target, value <= target)
    judged = (target.notna() & value.notna()).to_numpy()
    result["target"] = target
    result["on_target"] = pd.array(np.where(judged, met, None), dtype="boolean")
    return add_reason(result, several & value.notna(), SEVERAL_CURRENCIES)


def add_reason(kpis: pd.DataFrame, where: "pd.Series | np.ndarray", text: str) -> pd.DataFrame:
    """`kpis` with `text` added to the reason of the rows `where`: after the reason a row has already (the
    value's own reason first), or as its reason."""
    result = kpis.copy()
    where = np.asarray(where, dtype=bool)
    before = result["reason"]
    joined = (before + REASON_SEPARATOR + text).fillna(text)
    result["reason"] = before.where(~where, joined).astype("string[python]")
    return result


def nothing_to_compare(kpis: pd.DataFrame, text: str = FIRST_RUN) -> pd.DataFrame:
    """`kpis` of a run with no earlier run to compare with: `text` in the reason of every row with a value
    (previous and change stay blank)."""
    return add_reason(kpis, kpis["value"].notna(), text)
