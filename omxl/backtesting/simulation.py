"""The replay: what the stock of every SKU would have done, day by day, under one set of settings (docs/backtest.md).

Every SKU is a row of numpy arrays (SKU x day); the only Python loop is over the days of the backtest. Each day:
receipts arriving that day first, then the backorders waiting are served (oldest first), then that day's demand
is served from stock and what stock cannot serve is backordered. On the review days (start and every 7 days after)
the plan is worked out at the end of the day with planning's own functions on the simulated inventory position,
and what it orders arrives after the item's lead time plus its supplier's measured median slip.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd

from ..config import Config
# The plan's own column-wise computations: the replay builds the frames plan_reorders builds and applies the same
# rules to them, without the drafts, explanations and summary a weekly review of the replay does not need.
from ..planning import _classes, _demand, _lead_times, _safety_stock
from ..reorder import eoq, reorder_point, round_up_to_pack

REVIEW_DAYS = 7   # the plan is recomputed on start and every 7 days after


@dataclasses.dataclass(frozen=True)
class Start:
    """What every variant's replay starts from, worked out once.

    days       the days of the backtest, start to end
    master     one row per SKU (planning's SKU master as of the day before start: settings, unit cost, supplier)
    on_hand    stock per SKU at the start of the first day (the book rolled back)
    backlog    order units open at the start of the first day: the first backorders
    supply     open purchase-order lines at the start: sku, supplier_id, open_qty, expected_date
    demand     units ordered per SKU (rows as master) and day (columns as days), cancelled lines left out
    history    the order lines up to end (demand statistics of each review take those up to its day)
    shift      per supplier, the days its dates are moved by (its measured median slip: shift_days)
    suppliers  the suppliers table (lead times, currencies, ordering costs)
    demand_known  the book has an orders table
    """

    days: pd.DatetimeIndex
    master: pd.DataFrame
    on_hand: np.ndarray
    backlog: np.ndarray
    supply: pd.DataFrame
    demand: np.ndarray
    history: pd.DataFrame
    shift: pd.Series
    suppliers: pd.DataFrame
    demand_known: bool = True


@dataclasses.dataclass(frozen=True)
class Replay:
    """One variant's replay: per SKU and day the stock at the end of the day, the backorders waiting at the end of
    the day and the units served on the day they were ordered; the purchase orders placed (one per review day,
    supplier and currency) and per SKU the orders and units placed."""

    on_hand: np.ndarray        # SKU x day, end of the day
    backorders: np.ndarray     # SKU x day, end of the day
    served: np.ndarray         # SKU x day: demand of the day served that day from stock
    orders_placed: int         # purchase orders (review day x supplier x currency)
    sku_orders: np.ndarray     # per SKU: reviews that ordered it
    sku_units: np.ndarray      # per SKU: units ordered
    currency: pd.Series        # per SKU: the currency of its unit cost


# Columns of the demand statistics planning computes, reset on the master before each review's join.
DEMAND_COLUMNS = ("avg_daily_demand", "demand_std_daily", "weeks_of_history", "history_qty", "adi", "cv2",
                  "weeks_with_demand", "demand_class", "short_history", "demand_method")


def demand_key(settings: Config) -> tuple:
    """The settings the demand statistics depend on: variants that share them share the statistics."""
    return (settings.history_weeks, tuple(sorted(settings.demand_methods.items())), settings.croston_alpha,
            settings.tsb_alpha_demand, settings.tsb_alpha_probability)


def review_demand(start: Start, settings: Config) -> dict[int, pd.DataFrame]:
    """Per review day (its index among the days), the demand statistics of the order history up to that day, as
    plan_reorders computes them on that day (planning's _demand)."""
    history = start.history[["sku", "order_date", "qty", "kind"]]
    history = history.assign(sku=history["sku"].astype(object)).sort_values("order_date", kind="stable")
    dates = history["order_date"].to_numpy(dtype="datetime64[ns]")
    # _demand reads the orders before its window only for each SKU's first order: so each review gets the lines
    # of its window and every SKU's first line (outside the window it is not counted), not the whole history.
    first = history.drop_duplicates("sku")
    first_dates = first["order_date"].to_numpy(dtype="datetime64[ns]")
    reviews = {}
    for t in range(0, len(start.days), REVIEW_DAYS):
        day = start.days[t]
        # Only the orders up to the review day: the history runs to end, and the plan of a day knows no later one.
        upto = (day + pd.Timedelta(days=1)).to_datetime64()
        since = (day - pd.Timedelta(weeks=settings.history_weeks)).to_datetime64()
        window = history.iloc[np.searchsorted(dates, since, side="right"):np.searchsorted(dates, upto)]
        earlier = first[first_dates <= since]
        reviews[t] = _demand(pd.concat([earlier, window], ignore_index=True), day, settings)
    return reviews


def replay(start: Start, settings: Config, reviews: dict[int, pd.DataFrame], reliability: pd.DataFrame) -> Replay:
    """Replay the days of `start` under `settings` (docs/backtest.md, "The replay")."""
    n_days = len(start.days)
    master = start.master.copy()
    for column in DEMAND_COLUMNS:
        if column in master:
            del master[column]
    # Lead time per SKU as planning takes it (item's, else supplier's, else default_lead_time_days), with the
    # demand columns it fills in left to each review.
    static = _lead_times(master.assign(avg_daily_demand=np.nan, demand_std_daily=np.nan, weeks_of_history=0),
                         SimpleNamespace(suppliers=start.suppliers), settings, reliability)
    static = static.drop(columns=["avg_daily_demand", "demand_std_daily", "weeks_of_history"])
    shift = static["supplier_id"].astype(object).map(start.shift).astype("float64").fillna(0.0).to_numpy()
    # An order placed at the end of a review day arrives lead time + slip days later, rounded up to a whole day,
    # at the earliest the next day.
    lag = np.maximum(np.ceil(static["lead_time_days"].to_numpy(dtype="float64") + shift), 1).astype(np.int64)

    n = len(static)
    # Column n_days: arrivals after end (on order, never received in the backtest).
    receipts = np.zeros((n, n_days + 1))
    on_order = np.zeros(n)
    supply = start.supply
    if len(supply):
        rows = static.index.get_indexer(supply["sku"].astype(object))
        known = rows >= 0
        day = _arrival_days(supply, start, shift_of=start.shift,
                            lead=static["lead_time_days"].to_numpy(dtype="float64"), rows=rows)
        np.add.at(receipts, (rows[known], day[known]), supply["open_qty"].to_numpy(dtype="float64")[known])
        np.add.at(on_order, rows[known], supply["open_qty"].to_numpy(dtype="float64")[known])

    # One purchase order per review day, supplier and currency (a SKU without supplier: the buyer's own group).
    group = pd.MultiIndex.from_arrays([static["supplier_id"].astype(object).fillna(""),
                                       static["currency"].astype(object).fillna("")])
    group_code = pd.factorize(group)[0]

    stock = start.on_hand.astype("float64").copy()
    waiting = start.backlog.astype("float64").copy()
    end_stock = np.empty((n, n_days))
    end_waiting = np.empty((n, n_days))
    served = np.empty((n, n_days))
    sku_orders = np.zeros(n, dtype=np.int64)
    sku_units = np.zeros(n)
    placed = 0
    for t in range(n_days):
        arriving = receipts[:, t]
        stock += arriving
        on_order -= arriving
        # Backorders first: the oldest units waiting are served before the day's demand.
        late = np.minimum(stock, waiting)
        stock -= late
        waiting -= late
        today = start.demand[:, t]
        now = np.minimum(stock, today)
        stock -= now
        waiting += today - now
        served[:, t] = now
        if t % REVIEW_DAYS == 0:
            qty = _review(static, stock, on_order, waiting, reviews[t], settings, start.days[t], start.demand_known)
            ordering = qty > 0
            if ordering.any():
                placed += len(np.unique(group_code[ordering]))
                sku_orders += ordering
                sku_units += qty
                on_order += qty
                np.add.at(receipts, (np.flatnonzero(ordering), np.minimum(t + lag[ordering], n_days)),
                          qty[ordering])
        end_stock[:, t] = stock
        end_waiting[:, t] = waiting
    return Replay(on_hand=end_stock, backorders=end_waiting, served=served, orders_placed=placed,
                  sku_orders=sku_orders, sku_units=sku_units, currency=static["currency"])


def _review(static: pd.DataFrame, stock: np.ndarray, on_order: np.ndarray, waiting: np.ndarray,
            demand: pd.DataFrame, settings: Config, day: pd.Timestamp, demand_known: bool) -> np.ndarray:
    """The order quantity per SKU of the plan on `day` on the simulated inventory position (on hand + on order -
    backorders): contract 4.3's rules as planning's _apply_rules applies them, with the same policy functions
    (omxl.reorder) and safety stock (planning's _safety_stock), without the dates, urgency, flags and explanations
    a review of the replay does not use."""
    ip = stock + on_order - waiting
    known = demand.reindex(static.index)
    d = known["avg_daily_demand"].fillna(0.0).to_numpy(dtype="float64")
    spread = known["demand_std_daily"].fillna(0.0).to_numpy(dtype="float64")
    if not demand_known:
        # Without orders demand is not known, not 0: no rule computes from it (planning's _apply_rules).
        d = np.full(len(static), np.nan)
        spread = np.full(len(static), np.nan)
    if settings.service_levels:
        # Service levels per ABC class: the classes by the value of the window's orders, as planning ranks them.
        frame = static.assign(on_hand=stock).join(known[[c for c in known.columns if c not in static]])
        frame["avg_daily_demand"] = frame["avg_daily_demand"].fillna(0.0)
        classes = _classes(frame, settings, demand_known=demand_known)["abc_class"].astype(object)
        level = classes.map(settings.service_levels).astype("float64").fillna(settings.service_level).to_numpy()
    else:
        level = np.full(len(static), settings.service_level)
    col = static.__getitem__
    lead = col("lead_time_days").to_numpy(dtype="float64")
    unit_cost = col("unit_cost").to_numpy(dtype="float64")
    ordering_cost = col("ordering_cost").to_numpy(dtype="float64")
    economic = eoq(d * 365.0, ordering_cost, unit_cost * settings.holding_rate)
    cycle = np.where(~np.isnan(economic) & ~np.isnan(ordering_cost), economic, d * settings.cover_days)
    computed_ss = _safety_stock(pd.DataFrame({
        "avg_daily_demand": d, "lead_time_days": lead, "demand_std_daily": spread, "service_level": level,
        "lead_time_std_days": col("lead_time_std_days").to_numpy(dtype="float64"), "cycle_qty": cycle},
        index=static.index), settings.service_level_type).to_numpy(dtype="float64")
    given_ss = col("given_safety_stock").to_numpy(dtype="float64")
    rop = reorder_point(d, lead, np.where(np.isnan(given_ss), computed_ss, given_ss))
    discontinued = col("discontinued").fillna(False).to_numpy(dtype=bool)
    min_qty, max_qty = col("min_qty").to_numpy(dtype="float64"), col("max_qty").to_numpy(dtype="float64")
    given_rop, reorder_qty = col("given_reorder_point").to_numpy(dtype="float64"), \
        col("reorder_qty").to_numpy(dtype="float64")
    min_max = ~np.isnan(min_qty) & ~np.isnan(max_qty) & ~discontinued
    by_rop = ~np.isnan(given_rop) & ~discontinued & ~min_max
    computed = ~(discontinued | min_max | by_rop)
    with np.errstate(invalid="ignore"):
        triggered = np.select([min_max, by_rop, computed], [ip < min_qty, ip <= given_rop, ip <= rop], False)
        base = np.select([min_max, by_rop, computed],
                         [max_qty - ip,
                          np.where(~np.isnan(reorder_qty), np.maximum(reorder_qty, given_rop - ip),
                                   given_rop - ip + np.nan_to_num(d) * settings.cover_days),
                          rop + cycle - ip], 0.0)
    base = np.where(triggered.astype(bool), np.clip(np.nan_to_num(base), 0, None), 0.0)
    with_moq = np.where(base > 0, np.maximum(base, np.nan_to_num(col("moq").to_numpy(dtype="float64"))), 0.0)
    pack = col("pack_size").to_numpy(dtype="float64")
    return np.asarray(round_up_to_pack(with_moq, np.where(np.isnan(pack), 1.0, pack)), dtype="float64")


def _arrival_days(supply: pd.DataFrame, start: Start, *, shift_of: pd.Series, lead: np.ndarray,
                  rows: np.ndarray) -> np.ndarray:
    """The day index each open PO line arrives on: its expected date moved by its supplier's slip; a date before
    start (overdue) arrives on the first day; without an expected date, the item's lead time (plus the slip) after
    start; after end: column len(days) (never received in the backtest)."""
    first = start.days[0]
    shift = supply["supplier_id"].astype(object).map(shift_of).astype("float64").fillna(0.0).to_numpy()
    expected = pd.to_datetime(supply["expected_date"])
    offset = (expected - first).dt.days.to_numpy(dtype="float64") + shift
    undated = np.isnan(offset)
    lead_of = np.where(rows >= 0, lead[np.clip(rows, 0, None)] if len(lead) else 0.0, 0.0)
    offset = np.where(undated, np.ceil(lead_of + shift), np.ceil(offset))
    return np.clip(offset, 0, len(start.days)).astype(np.int64)
