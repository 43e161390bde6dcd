"""plan_reorders: what to order, from whom, how much, by when, and why (contract 4.3).

Every SKU is evaluated column-wise: inventory position, demand statistics from
weekly buckets, lead time, then the first policy rule that applies, MOQ and pack
rounding. The explanation of each quantity is built from the same columns.
"""

from __future__ import annotations

import dataclasses
import operator
import os
import warnings
from typing import ClassVar

import numpy as np
import pandas as pd

from .book import Book
from .config import Config
from .demand_classes import ABC_CLASSES, abc_classes, classify_demand
from .demand_forecast import class_demand
from .draft_memory import hold_back, no_held_back, open_store, proposed, remembered
from .errors import ConfigError
from .history_store import HistoryStore
from .model import item_units, unit_column
from .money import Conversion, conversion, currency_column, rates_for, totals, totals_text
from .position import Position, prepare
from .presentation.notebook import plan_html, plan_text
from .presentation.sheets import fill_rows, result_sheet
from .presentation.summary_sheet import reorder_figures, with_summary
from .reorder import eoq, fill_rate_k, reorder_point, round_up_to_pack, safety_stock, service_factor
from .supplier_reliability import MIN_RECEIPTS, SHEET as RELIABILITY_SHEET, SHEET_COLUMNS as RELIABILITY_COLUMNS
from .supplier_reliability import with_names
from .wording import percent_text, quantity_text


PLAN_COLUMNS = ("sku", "description", "supplier_id", "supplier_name", "rule", "on_hand", "on_order", "backlog",
                "inventory_position", "avg_daily_demand", "demand_std_daily", "abc_class", "demand_class", "demand_method",
                "adi", "cv2", "short_history", "lead_time_days", "service_level", "safety_stock",
                "reorder_point", "order_qty", "unit_cost", "order_value", "currency", "order_by", "expected_arrival",
                "days_of_supply", "urgency", "explanation")
URGENCY_ORDER = {"critical": 0, "high": 1, "normal": 2}
# How the explanation names the method an item's demand came from.
METHOD_WORDS = {"normal": "weekly mean", "croston": "Croston", "sba": "SBA", "tsb": "TSB"}


@dataclasses.dataclass(frozen=True)
class ReorderPlan:
    """lines: the SKUs to order (flags say what to check); skus: every SKU with the same columns;
    purchase_orders: one draft per supplier and currency; held_back: the SKUs whose quantity a draft of the last
    draft_hold_days days, not yet ordered, held back (plan_reorders with a history; docs/learning.md);
    supplier_reliability: how each supplier kept its dates."""

    lines: pd.DataFrame
    skus: pd.DataFrame
    purchase_orders: pd.DataFrame
    as_of: pd.Timestamp
    service_level: float
    issues: pd.DataFrame          # the validation the plan was made after (rows with errors left out)
    conversion: Conversion | None = None  # base_currency and fx_rates, when configured (docs/currency.md)
    summary: str = ""             # one sentence: how many SKUs to order and their value per currency, or why
    held_back: pd.DataFrame = dataclasses.field(default_factory=no_held_back, compare=False)
    # The prepared position it started from: what was read and the settings, for the Summary sheet.
    position: "Position | None" = dataclasses.field(default=None, repr=False, compare=False)
                                  # nothing is planned
    # Per supplier: receipts, on-time rate, median and spread of the slip, the days its open POs' dates are moved
    # by, and why (omxl.supplier_reliability.SHEET_COLUMNS; docs/learning.md): the Supplier Reliability sheet.
    supplier_reliability: pd.DataFrame = dataclasses.field(
        default_factory=lambda: pd.DataFrame(columns=list(RELIABILITY_COLUMNS)), repr=False, compare=False)
    step: ClassVar[str] = "reorder"   # its entry in omxl.steps.REGISTRY

    @property
    def figures(self) -> pd.DataFrame:
        """The headline figures, as the Summary sheet shows them (omxl.steps.Result)."""
        return reorder_figures(self)

    # omxl.steps.Result's findings: the validation issues of the rows the plan started from.
    findings = property(operator.attrgetter("issues"))

    def po_lines(self, supplier_id: str, currency: object = None, unit: object = None) -> pd.DataFrame:
        """The lines of one supplier's purchase-order draft: all its lines, or those in `currency` (a draft's
        currency; a blank currency picks the lines without one) and, in a book of several units with a draft per
        unit, those of `unit`."""
        lines = self.lines[self.lines["supplier_id"] == supplier_id]
        if unit is not None and "unit" in lines:
            lines = lines[lines["unit"].isna() if pd.isna(unit) else lines["unit"].eq(unit).fillna(False)]
        if currency is not None:
            same = lines["currency"].isna() if pd.isna(currency) else lines["currency"] == currency
            lines = lines[same.fillna(False).astype(bool)]
        return lines.reset_index(drop=True)

    def result_sheets(self) -> dict[str, object]:
        """The sheets `omxl reorder --out/--write-back` writes: the Summary, the Reorder List (critical rows
        filled as late, high as at risk), one row per purchase-order draft, and Supplier Reliability (how each
        supplier kept its dates, and the shift its open POs get)."""
        labels = self.position.config.labels if self.position is not None else None
        urgency = self.lines["urgency"]
        # The method as the explanation names it ("SBA", "weekly mean"); plan.lines keeps the setting's code.
        shown = self.lines.assign(demand_method=self.lines["demand_method"].astype(object).map(METHOD_WORDS))
        sheets = {
            "Reorder List": result_sheet(shown, "Reorder List", labels=labels,
                                         row_fill=fill_rows(self.lines, critical=urgency.eq("critical"),
                                                            high=urgency.eq("high"))),
            "PO Drafts": result_sheet(self.purchase_orders, "PO Drafts", labels=labels,
                                      row_fill=fill_rows(self.purchase_orders,
                                                         warning="below_min_order_value")),
        }
        sheets[RELIABILITY_SHEET] = result_sheet(self.supplier_reliability, RELIABILITY_SHEET, labels=labels)
        if self.position is None:
            return sheets

        return with_summary(self, sheets, sentence=self.summary)

    # Headline figures and the first SKUs to order in a notebook (omxl/presentation/notebook.py).
    def __repr__(self) -> str:
        return plan_text(self)

    def _repr_html_(self) -> str:
        return plan_html(self)


def plan_reorders(book: "Book | Position", *, as_of: object = None, config: "Config | dict | str | None" = None,
                  service_level: float | None = None, history: "HistoryStore | str | os.PathLike | None" = None,
                  fresh: bool = False) -> ReorderPlan:
    """Plan reorders for every SKU of the inventory (docs/reorder-planning.md). `book` may be a Position from
    omxl.prepare; planning needs backlog and supply, not allocation, so it does not reconcile.

    `history`: a run history (omxl.History, or the path of its SQLite file) whose drafts the plan remembers
    (docs/learning.md, "Drafts that remember"): it records what it proposes per SKU, supplier and currency for its
    as_of (replacing what a run of the same as_of recorded), and proposes only what is still needed beyond the
    drafts of the last `draft_hold_days` days that no purchase order has taken up since (`plan.held_back`).
    `fresh`: propose everything again, still recording. Without a history nothing is read or written: the same
    book gives the same plan every time."""
    start = prepare(book, as_of=as_of, config=config)
    settings, day, clean = start.config, start.as_of, start.book
    level = settings.service_level if service_level is None else service_level
    if not 0 < level < 1:
        raise ConfigError(f"service level: {level} must be between 0 and 1 (exclusive), e.g. 0.95.")
    lines = start.lines
    inventory = _sku_master(clean, start.stock, start.per_sku)
    # Only the columns demand reads: the lines are wide, and a filter copies every column it keeps.
    ordered = lines.loc[lines["sheet_status"] != "cancelled", ["sku", "kind", "order_date", "qty"]]
    frame = inventory.join(_demand(ordered, day, settings), how="left")
    frame = _lead_times(frame, clean, settings, start.supplier_reliability)
    frame = _classes(frame, settings, demand_known=start.orders_known)
    # The service level of each item: the argument, else its ABC class's ([service_levels]), else service_level.
    frame["service_level"] = (level if service_level is not None else
                              frame["abc_class"].astype(object).map(settings.service_levels).astype("float64")
                              .fillna(settings.service_level))
    frame = _apply_rules(frame, settings, day, demand_known=start.orders_known)
    frame["cover_days"] = settings.cover_days
    frame["explanation"] = _explanations(frame, settings.service_level_type, demand_known=start.orders_known)
    store = open_store(history)
    held, held_text = no_held_back(), ""
    if store is not None and not fresh:
        memory = remembered(store, clean.purchase_orders, day, settings.draft_hold_days)
        frame, held, held_text = hold_back(frame, memory, settings.draft_hold_days)
    frame = frame.reset_index()
    skus = frame.sort_values(["order_qty", "urgency_rank", "sku"], ascending=[False, True, True])
    lines = skus[skus["order_qty"] > 0].sort_values(["urgency_rank", "order_by", "supplier_id", "sku"],
                                                     na_position="last")
    columns = [*unit_column(frame), *PLAN_COLUMNS, "flags"]
    if store is not None:
        store.record_drafts(as_of=day, drafts=proposed(lines))
    # A SKU held back whole is neither to order nor covered: the held-back words say why.
    unheld = skus[~skus["sku"].isin(held.loc[held["order_qty"] == 0, "sku"])]
    return ReorderPlan(lines=lines[columns].reset_index(drop=True), skus=skus[columns].reset_index(drop=True),
                       purchase_orders=_drafts(lines, clean, settings), as_of=day, service_level=level, issues=start.issues,
                       conversion=conversion(settings),
                       summary=_summary(lines, day, _levels_phrase(level, settings, service_level is not None),
                                        start.stock_judged, conversion(settings), skus=unheld,
                                        demand_known=start.orders_known, held=held_text),
                       held_back=held, position=start,
                       supplier_reliability=with_names(start.supplier_reliability, clean.suppliers))


# A book without orders (a purchasing book, contract 2.3): only the levels the items carry can be planned.
NO_DEMAND = "no orders table: demand not known"
NO_INVENTORY = ("no inventory table: nothing to plan. Stock, supplier and reorder settings per item live in the "
                "inventory table; add a sheet named 'Inventory' (or Stock) with SKU and On Hand columns.")


def _levels_phrase(level: float, settings: Config, argument: bool) -> str:
    """How the plan's service levels read in its summary: "at a 95% service level", "at a 98% fill rate", or per
    ABC class "at service levels A 98%, B 95%, C 90%, else 95%" when [service_levels] apply (no argument)."""
    kind = "fill rate" if settings.service_level_type == "fill_rate" else "service level"
    if argument or not settings.service_levels:
        return f"at a {percent_text(level, 2)} {kind}"
    per_class = ", ".join(f"{abc} {percent_text(settings.service_levels[abc], 2)}"
                          for abc in ABC_CLASSES if abc in settings.service_levels)
    # Items of a class left out, and items without an ABC class (no demand or no cost), take service_level.
    return f"at {kind}s {per_class}, else {percent_text(level, 2)}"


def _summary(lines: pd.DataFrame, as_of: pd.Timestamp, levels: str, stock_judged: bool,
             rates: Conversion | None, skus: pd.DataFrame | None = None, demand_known: bool = True,
             held: str = "") -> str:
    """The plan in one sentence, its value per currency (never added across currencies); when it orders
    nothing, why (contract 2.3 and 5.5): no inventory table, no usable inventory rows, or every SKU covered.
    Then `held`: what drafts not yet ordered held back. Without orders, also what was planned from the items'
    own levels and what could not be."""
    if not stock_judged:
        return f"Reorder plan as of {as_of:%Y-%m-%d}: {NO_INVENTORY}"
    if len(lines) == 0 and held and skus is not None and len(skus) == 0:
        sentence = f"Reorder plan as of {as_of:%Y-%m-%d} {levels}: nothing to order."
    elif len(lines) == 0 and skus is not None:
        sentence = (f"Reorder plan as of {as_of:%Y-%m-%d} {levels}: nothing to order: "
                    f"{_why_none(skus)}")
    else:
        value = totals_text(totals(lines["order_value"], lines["currency"]), rates)
        sentence = (f"Reorder plan as of {as_of:%Y-%m-%d} {levels}: {len(lines):,} "
                    f"{'SKU' if len(lines) == 1 else 'SKUs'} to order, value {value}.")
    if held:
        sentence += " " + held
    if demand_known or skus is None:
        return sentence
    return sentence + " " + _without_demand(skus)


def _without_demand(skus: pd.DataFrame) -> str:
    """What a plan without orders could and could not plan, in words."""
    levels = int(skus["rule"].isin(["reorder_point", "min_max"]).sum())
    unplanned = int((skus["rule"] == "computed").sum())
    text = (f"{NO_DEMAND[0].upper()}{NO_DEMAND[1:]}: {levels:,} {'SKU was' if levels == 1 else 'SKUs were'} "
            "planned from the reorder point or min/max the item carries")
    if unplanned:
        text += (f"; {unplanned:,} {'SKU has' if unplanned == 1 else 'SKUs have'} neither and "
                 f"{'is' if unplanned == 1 else 'are'} not planned (give {'it' if unplanned == 1 else 'them'} a Reorder "
                 "Point or Min/Max)")
    return text + "."


def _why_none(skus: pd.DataFrame) -> str:
    """Why a plan with an inventory table orders nothing, in words."""
    if len(skus) == 0:
        return ("the inventory table has no usable rows (rows with errors are left out; omxl validate lists "
                "them).")
    discontinued = int((skus["rule"] == "discontinued").sum())
    covered = len(skus) - discontinued
    parts = []
    if covered:
        parts.append(f"{covered:,} {'SKU has' if covered == 1 else 'SKUs have'} an inventory position above the "
                     "reorder point (at or above the minimum for min/max items), so stock and open POs cover "
                     "demand over the lead time")
    if discontinued:
        parts.append(f"{discontinued:,} {'is' if discontinued == 1 else 'are'} discontinued")
    return "; ".join(parts) + "."


def _sku_master(book: Book, stock: pd.Series, per_sku: pd.DataFrame) -> pd.DataFrame:
    """One row per SKU: the first inventory row's settings, on hand summed over locations (each floored at 0,
    as in allocation), and backlog and on order from `per_sku`."""
    inventory = book.inventory
    first = inventory.drop_duplicates("sku").set_index("sku")
    frame = first[["description", "supplier_id", "unit_cost", "lead_time_days", "reorder_point", "reorder_qty",
                   "min_qty", "max_qty", "safety_stock", "moq", "pack_size", "discontinued", "currency"]].copy()
    frame = frame.rename(columns={"currency": "item_currency", "lead_time_days": "sku_lead_time", "reorder_point": "given_reorder_point",
                                  "safety_stock": "given_safety_stock"})
    if "unit" in inventory:   # a book of several units: the plan says whose stock each line replenishes
        frame.insert(0, "unit", item_units(inventory).reindex(frame.index))
    frame["on_hand"] = stock.reindex(frame.index)
    frame["on_order"] = per_sku["on_order"].reindex(frame.index).fillna(0.0)
    frame["backlog"] = per_sku["backlog"].reindex(frame.index).fillna(0.0)
    frame["inventory_position"] = frame["on_hand"] + frame["on_order"] - frame["backlog"]
    return frame


def _demand(lines: pd.DataFrame, as_of: pd.Timestamp, settings: Config) -> pd.DataFrame:
    """Daily demand mean and std from weekly buckets of ordered quantity over history_weeks weeks ending at as_of
    (weeks without orders count as 0; `lines` come without cancelled ones; exchange replacements are not
    demand). A SKU first ordered within the window uses the weeks since its first order and is flagged. The
    demand class picks the method ([demand_methods]): normal keeps the weekly mean and standard deviation; Croston,
    SBA and TSB give the forecast per week and the spread of its one-step-ahead errors (omxl/demand_forecast.py)."""
    weeks = settings.history_weeks
    orders = lines[lines["kind"] == "order"]
    start = as_of - pd.Timedelta(weeks=weeks)
    # The SKU texts hashed once, into codes numbered in their sorted order: both groupings below are by the
    # codes (a line without a SKU in neither, as grouping by the text leaves it out), named by the texts after.
    codes, skus = pd.factorize(orders["sku"], sort=True)
    has_sku = codes >= 0
    first_order = orders.loc[has_sku, "order_date"].groupby(codes[has_sku]).min()
    first_order.index = pd.Index(skus.take(first_order.index.to_numpy()), name="sku")
    in_window = ((orders["order_date"] > start) & (orders["order_date"] <= as_of + pd.Timedelta(days=1))).to_numpy()
    window = orders[in_window]
    week = ((as_of + pd.Timedelta(days=1) - window["order_date"]).dt.days - 1).clip(lower=0) // 7
    weekly = window["qty"].groupby([pd.Series(codes[in_window], index=window.index).where(has_sku[in_window]),
                                    week.rename("week")]).sum().unstack(fill_value=0.0)
    weekly.index = pd.Index(skus.take(weekly.index.to_numpy(dtype=np.int64)), name="sku")
    weekly = weekly.reindex(columns=range(weeks), fill_value=0.0)
    weeks_seen = ((as_of - first_order.reindex(weekly.index)).dt.days // 7 + 1).clip(upper=weeks, lower=1)
    # Only the weeks since the first order count for a new SKU.
    mask = np.arange(weeks)[None, :] < weeks_seen.to_numpy()[:, None]
    values = np.where(mask, weekly.to_numpy(), np.nan)
    mean = np.nanmean(values, axis=1) if len(values) else np.zeros(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # one week of history has no spread: 0 below
        std = np.nan_to_num(np.nanstd(values, axis=1, ddof=1)) if weeks > 1 and len(values) else np.zeros(len(values))
    std = np.where(weeks_seen.to_numpy() > 1, std, 0.0)
    demand = pd.DataFrame({"avg_daily_demand": mean / 7.0, "demand_std_daily": std / np.sqrt(7.0),
                           "weeks_of_history": weeks_seen.to_numpy(),
                           "history_qty": weekly.sum(axis=1).astype("float64")}, index=weekly.index)
    # The classes are over every weekly bucket of the window, a new SKU's weeks before its first order included
    # (contract 4.3: ADI = weeks ÷ weeks with demand over the buckets of history_weeks).
    demand = demand.join(classify_demand(weekly))
    # The methods run over the weeks since the first order, oldest first (column 0 is the latest week).
    # One week with demand gives a forecasting method no interval to learn from (Croston would take that week's
    # quantity as every week's): a short history keeps the weekly mean.
    by_method = demand["demand_class"].astype(object).where(~demand["short_history"].astype(bool))
    method, forecast, error = class_demand(values[:, ::-1], by_method, settings.demand_methods,
                                           alpha=settings.croston_alpha, alpha_demand=settings.tsb_alpha_demand,
                                           alpha_probability=settings.tsb_alpha_probability)
    forecasting = ~np.isnan(forecast)
    demand["demand_method"] = pd.array(method, dtype="string[python]")
    demand["avg_daily_demand"] = np.where(forecasting, forecast / 7.0, demand["avg_daily_demand"])
    # Without an error to measure (one week with demand) the weekly quantities' spread stands in.
    demand["demand_std_daily"] = np.where(forecasting & ~np.isnan(error), error / np.sqrt(7.0),
                                          demand["demand_std_daily"])
    return demand


def _classes(frame: pd.DataFrame, settings: Config, *, demand_known: bool = True) -> pd.DataFrame:
    """abc_class, demand_class, adi, cv2, short_history (docs/reorder-planning.md, "Demand classes"). A SKU
    without orders in the window has no demand class and a short history; without an orders table nothing is
    known: all blank. ABC ranks the value of the window's orders at the item's unit cost within each currency,
    or in the base currency where fx_rates give the currency's rate; no demand or no unit cost: no ABC class."""
    weeks_with_demand = frame["weeks_with_demand"].fillna(0)
    frame["short_history"] = (weeks_with_demand < 2).astype("boolean")
    value = (frame["history_qty"] * frame["unit_cost"]).where(frame["history_qty"].fillna(0.0) > 0)
    rate = rates_for(frame["currency"], conversion(settings))
    converted = rate.notna()
    key = frame["currency"].astype(object).where(~converted, settings.base_currency)
    frame["abc_class"] = abc_classes(value.where(~converted, value * rate), key, settings.abc_thresholds)
    if not demand_known:
        for column, dtype in (("abc_class", "string[python]"), ("demand_class", "string[python]"),
                              ("short_history", "boolean"), ("adi", "float64"), ("cv2", "float64")):
            frame[column] = pd.Series(np.nan if dtype == "float64" else pd.NA, index=frame.index, dtype=dtype)
    frame["demand_class"] = frame["demand_class"].astype("string[python]")
    # An item without orders in the window is planned as normal demand (of nothing); without orders, not known.
    frame["demand_method"] = frame["demand_method"].astype("string[python]").fillna("normal") if demand_known \
        else pd.Series(pd.NA, index=frame.index, dtype="string[python]")
    return frame


def _lead_times(frame: pd.DataFrame, book: Book, settings: Config,
                reliability: pd.DataFrame | None = None) -> pd.DataFrame:
    """Lead time L and its standard deviation sigma_L per item. sigma_L is the supplier's lead_time_std_days; when
    the book gives none, the spread of the supplier's slip over its receipts (`reliability`, at least MIN_RECEIPTS
    of them: docs/learning.md), else 0. `lead_time_std_receipts` says how many receipts gave it (0: not from
    receipts), for the explanation."""
    suppliers = book.suppliers.drop_duplicates("supplier_id").set_index("supplier_id")
    supplier = frame["supplier_id"]
    frame["supplier_name"] = supplier.map(suppliers["name"]).astype("string[python]")
    frame["supplier_known"] = supplier.isin(suppliers.index)
    supplier_lead = supplier.map(suppliers["lead_time_days"])
    frame["lead_time_days"] = frame["sku_lead_time"].fillna(supplier_lead).fillna(settings.default_lead_time_days)
    frame["lead_time_source"] = np.select([frame["sku_lead_time"].notna(), supplier_lead.notna()],
                                          ["item", "supplier"], "default")
    given_std = supplier.map(suppliers["lead_time_std_days"]).astype("float64")
    slip_std = pd.Series(np.nan, index=frame.index, dtype="float64")
    slip_receipts = pd.Series(0, index=frame.index, dtype="int64")
    if reliability is not None and len(reliability):
        measured = reliability[(reliability["receipts"] >= MIN_RECEIPTS) & reliability["slip_std_days"].notna()]
        measured = measured.set_index("supplier_id")
        slip_std = supplier.map(measured["slip_std_days"]).astype("float64")
        slip_receipts = supplier.map(measured["receipts"]).fillna(0).astype("int64")
    from_receipts = given_std.isna() & slip_std.notna()
    frame["lead_time_std_days"] = given_std.fillna(slip_std).fillna(0.0)
    frame["lead_time_std_receipts"] = slip_receipts.where(from_receipts, 0).astype("int64")
    frame["ordering_cost"] = supplier.map(suppliers["ordering_cost"])
    # unit_cost is in the item's currency, else its supplier's, else the base currency (docs/currency.md).
    frame["currency"] = currency_column(frame["item_currency"], supplier.map(suppliers["currency"]),
                                        base=settings.base_currency)
    frame["avg_daily_demand"] = frame["avg_daily_demand"].fillna(0.0)
    frame["demand_std_daily"] = frame["demand_std_daily"].fillna(0.0)
    frame["weeks_of_history"] = frame["weeks_of_history"].fillna(0).astype(int)
    return frame


def _apply_rules(frame: pd.DataFrame, settings: Config, as_of: pd.Timestamp, *,
                 demand_known: bool = True) -> pd.DataFrame:
    frame["demand_known"] = demand_known
    if not demand_known:
        # Without orders demand is not known, not 0 (contract 2.3): blank, and no rule computes from it.
        frame["avg_daily_demand"] = np.nan
        frame["demand_std_daily"] = np.nan
    ip, d, lead = frame["inventory_position"], frame["avg_daily_demand"], frame["lead_time_days"]
    holding = frame["unit_cost"] * settings.holding_rate
    frame["eoq"] = eoq(d * 365.0, frame["ordering_cost"], holding)
    frame["cycle_qty"] = frame["eoq"].where(frame["eoq"].notna() & frame["ordering_cost"].notna(),
                                            d * settings.cover_days)
    computed_ss = _safety_stock(frame, settings.service_level_type)
    frame["safety_stock"] = frame["given_safety_stock"].fillna(computed_ss)
    frame["computed_rop"] = reorder_point(d, lead, frame["safety_stock"])
    discontinued = frame["discontinued"].fillna(False).astype(bool)
    min_max = frame["min_qty"].notna() & frame["max_qty"].notna() & ~discontinued
    given_rop = frame["given_reorder_point"].notna() & ~discontinued & ~min_max
    computed = ~(discontinued | min_max | given_rop)
    frame["rule"] = np.select([discontinued, min_max, given_rop], ["discontinued", "min_max", "reorder_point"],
                              "computed")
    frame["reorder_point"] = np.select([min_max, given_rop, computed],
                                       [frame["min_qty"], frame["given_reorder_point"], frame["computed_rop"]],
                                       np.nan)
    triggered = np.select([min_max, given_rop, computed],
                          [ip < frame["min_qty"], ip <= frame["given_reorder_point"], ip <= frame["computed_rop"]],
                          False).astype(bool)
    base = np.select([min_max, given_rop, computed],
                     [frame["max_qty"] - ip,
                      # Without reorder_qty, up to the reorder point plus cover_days of demand, so the SKU does
                      # not trigger again the next day (contract 4.3).
                      # A SKU with no demand known adds no cover: up to its reorder point.
                      np.where(frame["reorder_qty"].notna(),
                               np.maximum(frame["reorder_qty"], frame["given_reorder_point"] - ip),
                               frame["given_reorder_point"] - ip + d.fillna(0.0) * settings.cover_days),
                      frame["computed_rop"] + frame["cycle_qty"] - ip], 0.0)
    frame["base_qty"] = np.where(triggered, np.clip(base, 0, None), 0.0)
    with_moq = np.where(frame["base_qty"] > 0, np.maximum(frame["base_qty"], frame["moq"].fillna(0.0)), 0.0)
    # Without a pack size, whole units (set pack_size to 0.1 for goods ordered by the tenth).
    frame["order_qty"] = round_up_to_pack(with_moq, frame["pack_size"].fillna(1.0).to_numpy())
    frame["order_value"] = frame["order_qty"] * frame["unit_cost"]
    frame["order_by"] = _order_by(frame, as_of)
    frame["expected_arrival"] = frame["order_by"] + pd.to_timedelta(lead + settings.handling_days, unit="D")
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["days_of_supply"] = np.where(d > 0, ip.clip(lower=0) / d, np.nan)
    frame["urgency"] = np.select([ip < 0, ip < frame["safety_stock"]], ["critical", "high"], "normal")
    frame["urgency_rank"] = frame["urgency"].map(URGENCY_ORDER)
    frame["flags"] = _flags(frame, settings)
    return frame


def _safety_stock(frame: pd.DataFrame, level_type: str) -> pd.Series:
    """The computed safety stock k x sigma_DL at each item's service level (docs/reorder-planning.md, "Service
    levels"), sigma_DL = sqrt(L s^2 + d^2 sL^2). cycle (alpha): k = the normal quantile of the level. fill_rate
    (beta): k solves sigma_DL G(k) = (1 - beta) Q with Q the item's cycle quantity; a k below 0 (a large Q against
    little spread) means the fill rate needs no safety stock: 0, never a negative one. Without spread or without a
    quantity there is nothing to protect: 0. `safety_factor` keeps k."""
    d, lead, spread = frame["avg_daily_demand"], frame["lead_time_days"], frame["demand_std_daily"]
    if level_type == "cycle":
        frame["safety_factor"] = service_factor(frame["service_level"].to_numpy(dtype="float64"))
        return safety_stock(frame["service_level"].to_numpy(dtype="float64"), spread, lead, d,
                            frame["lead_time_std_days"])
    sigma = np.sqrt(lead * spread**2 + d**2 * frame["lead_time_std_days"]**2)
    qty = frame["cycle_qty"]
    usable = ((sigma > 0) & (qty > 0)).fillna(False).to_numpy(dtype=bool)
    k = np.full(len(frame), np.nan)
    if usable.any():
        k[usable] = fill_rate_k(frame["service_level"].to_numpy(dtype="float64")[usable],
                                qty.to_numpy(dtype="float64")[usable], sigma.to_numpy(dtype="float64")[usable])
    frame["safety_factor"] = k
    return pd.Series(np.where(usable, np.maximum(k, 0.0) * sigma.to_numpy(dtype="float64"),
                              np.where(sigma.isna(), np.nan, 0.0)), index=frame.index)


def _order_by(frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """The day the position reaches the reorder point at the current demand rate: as_of for SKUs at or below
    it (and for SKUs without demand); blank for discontinued ones."""
    d = frame["avg_daily_demand"]
    with np.errstate(divide="ignore", invalid="ignore"):
        days = np.where(d > 0, np.floor((frame["inventory_position"] - frame["reorder_point"]) / d), 0.0)
    days = np.clip(np.nan_to_num(days, nan=0.0), 0, 3650)
    dates = as_of + pd.to_timedelta(days, unit="D")
    return pd.Series(dates, index=frame.index).where(frame["rule"] != "discontinued")


def _flags(frame: pd.DataFrame, settings: Config) -> pd.Series:
    notes = pd.Series("", index=frame.index, dtype=object)

    def add(mask, text):
        nonlocal notes
        notes = notes.where(~mask, notes + np.where(notes == "", "", "; ") + text)

    add(frame["supplier_id"].isna(), "no supplier: cannot go on a purchase order")
    add(frame["supplier_id"].notna() & ~frame["supplier_known"], "supplier not in the suppliers sheet")
    known = frame["demand_known"].astype(bool)
    add(~known, NO_DEMAND)
    add(known & (frame["weeks_of_history"] == 0), "no orders in the demand history")
    short = (frame["weeks_of_history"] > 0) & (frame["weeks_of_history"] < settings.history_weeks)
    # Not "short history": that is the demand class's flag (fewer than 2 weeks with demand), a column of its own.
    add(short, "first ordered " + frame["weeks_of_history"].astype(str) + " weeks ago: demand from those weeks only")
    # Every rule that can order needs the cost for the order value, and the computed rule for the EOQ too.
    no_cost = (frame["rule"] != "discontinued") & frame["unit_cost"].isna()
    add(no_cost, "no unit cost: value unknown")
    add(no_cost & (frame["rule"] == "computed") & frame["ordering_cost"].notna(),
        "EOQ needs a unit cost: cover days used")
    return notes


def _explanations(frame: pd.DataFrame, level_type: str = "cycle", *, demand_known: bool = True) -> pd.Series:
    """One line per SKU with the numbers behind its quantity, e.g. "IP 40 = on hand 25 + on order 30 -
    backlog 15 <= ROP 52 (3.1/day x 14 d + SS 8.6 at 95%); order 96 = 130 - 40, rounded up to pack 12"."""
    if frame.empty:
        return pd.Series(index=frame.index, dtype=object)
    # Each rule's sentences are made from its own SKUs' rows only.
    text = np.empty(len(frame), dtype=object)
    for positions in frame.groupby("rule", dropna=False, sort=False).indices.values():
        text[positions] = _rule_explanations(frame.iloc[positions], level_type, demand_known)
    return pd.Series(text, index=frame.index, dtype=object)


def _joined(*parts: "str | pd.Series | np.ndarray") -> np.ndarray:
    """Per row, its parts joined into one text: each part a constant, or per-row texts (a Series or an array, all
    of one length). All rows in one join: pandas' + makes a new string per part and row (125,000 SKUs, 20 parts:
    a second). A row with a missing part is missing, as pandas' + leaves it."""
    rows = len(next(part for part in parts if not isinstance(part, str)))
    # The rows' parts in reading order, each row ended by a NUL, joined at once and cut at the NULs; a text that
    # holds a NUL itself (no .xlsx text can: XML forbids it) cuts more pieces, and each row is then joined alone.
    grid = np.empty((rows, len(parts) + 1), dtype=object)
    for position, part in enumerate(parts):
        grid[:, position] = part if isinstance(part, str) else np.asarray(part, dtype=object)
    grid[:, -1] = "\0"
    cells = grid.ravel().tolist()
    try:
        joined = "".join(cells).split("\0")
    except TypeError:
        joined = None
    if joined is not None and len(joined) == rows + 1:
        return np.array(joined[:-1], dtype=object)
    rows_parts = grid[:, :-1].tolist()
    return np.array(["".join(row) if all(isinstance(p, str) for p in row) else np.nan for row in rows_parts],
                    dtype=object)


def _rule_explanations(frame: pd.DataFrame, level_type: str, demand_known: bool) -> np.ndarray:
    """_explanations of SKUs of one rule; each rule's sentence is made only when some SKU has the rule."""
    def n(values: pd.Series) -> pd.Series:
        return quantity_text(values, decimals=1, blank="unknown")

    shown: dict[str, pd.Series] = {}

    def q(name: str) -> pd.Series:
        """Column `name` as n() shows it, made once: a column appears in several rules' sentences."""
        if name not in shown:
            shown[name] = n(frame[name])
        return shown[name]

    def minus(name: str) -> pd.Series:
        """A number after a minus sign: negatives in brackets ("- (-7)")."""
        key = "-" + name
        if key not in shown:
            text = q(name)
            shown[key] = text.where(frame[name] >= 0, pd.Series(_joined("(", text, ")"), index=text.index))
        return shown[key]

    ip = _joined("IP ", q("inventory_position"), " = on hand ", q("on_hand"), " + on order ", q("on_order"),
                 " - backlog ", q("backlog"))
    ordering = (frame["order_qty"] > 0).to_numpy(dtype=bool)
    rule = frame["rule"].to_numpy(dtype=object)
    text = np.full(len(frame), "", dtype=object)
    discontinued = rule == "discontinued"
    if discontinued.any():
        text[discontinued] = _joined("Discontinued: never reordered (", ip, ")")[discontinued]
    mm = rule == "min_max"
    if mm.any():
        text[mm] = _joined(ip, np.where(ordering, " < min ", " >= min "), q("min_qty"), np.where(
            ordering, _joined("; order ", q("base_qty"), " = max ", q("max_qty"), " - ", minus("inventory_position")),
            "; no order"))[mm]
    rp = rule == "reorder_point"
    if rp.any():
        demand = frame["avg_daily_demand"]
        cover = np.where(demand.notna(), _joined(" + ", demand.map("{:.1f}".format), "/day x ", q("cover_days"),
                                                 " cover days"), " (no demand known: no cover days added)")
        quantity = np.where(frame["reorder_qty"].notna(),
                            _joined(" = max(reorder qty ", n(frame["reorder_qty"].fillna(0.0)), ", ",
                                    q("reorder_point"), " - ", minus("inventory_position"), ")"),
                            _joined(" = ", q("reorder_point"), " - ", minus("inventory_position"), cover))
        text[rp] = _joined(ip, np.where(ordering, " <= reorder point ", " > reorder point "), q("reorder_point"),
                           np.where(ordering, _joined("; order ", q("base_qty"), quantity), "; no order"))[rp]
    cp = rule == "computed"
    if cp.any() and not demand_known:
        # No orders, no demand: a computed reorder point would be a guess, so such an item is not planned.
        text[cp] = _joined(ip, f"; not planned: {NO_DEMAND} and the item has no reorder point or min/max")[cp]
    elif cp.any():
        levels = frame["service_level"]
        level_text = levels.map({level: f"{level:.0%}" for level in levels.dropna().unique()}).astype(object)
        if level_type == "fill_rate":
            k = frame["safety_factor"]
            level_text = pd.Series(_joined(level_text, " fill rate", np.where(
                k.notna(), _joined(" (k ", k.map("{:.2f}".format), np.where(k < 0, ": none needed)", ")")), "")),
                index=frame.index)
        # sigma_L from the supplier's receipts (no lead_time_std_days in the book) is named with the numbers
        # behind it.
        std_receipts = frame["lead_time_std_receipts"] if "lead_time_std_receipts" in frame else \
            pd.Series(0, index=frame.index, dtype="int64")
        slip_text = np.full(len(frame), "", dtype=object)
        by_slip = (std_receipts > 0).to_numpy(dtype=bool)
        if by_slip.any():
            slip_text[by_slip] = _joined(", lead time std dev ", n(frame.loc[by_slip, "lead_time_std_days"]),
                                         " d from ", frame.loc[by_slip, "supplier_id"].astype(str), "'s slip over ",
                                         std_receipts[by_slip].astype(str), " receipts")
        ss_text = np.where(frame["given_safety_stock"].notna(), _joined("SS ", q("safety_stock"), " given"),
                           _joined("SS ", q("safety_stock"), " at ", level_text, slip_text))
        cycle = np.where(frame["eoq"].notna() & frame["ordering_cost"].notna(), _joined("EOQ ", q("cycle_qty")),
                         _joined(q("cycle_qty"), " (cover days)"))
        daily = frame["avg_daily_demand"].map("{:.1f}".format).where(frame["avg_daily_demand"].notna(), "unknown")
        text[cp] = _joined(ip, np.where(ordering, " <= ROP ", " > ROP "), q("reorder_point"), " (", daily,
                           "/day x ", q("lead_time_days"), " d + ", ss_text, ")",
                           np.where(ordering, _joined("; order ", q("base_qty"), " = ", q("reorder_point"), " + ",
                                                      cycle, " - ", minus("inventory_position")), "; no order"))[cp]
    moq = ordering & (frame["moq"].fillna(0.0) > frame["base_qty"]).to_numpy(dtype=bool)
    if moq.any():
        text[moq] = _joined(text[moq], ", raised to MOQ ", q("moq")[moq])
    pack = frame["pack_size"].fillna(1.0)
    rounded = ordering & ((frame["order_qty"] - np.maximum(frame["base_qty"], frame["moq"].fillna(0.0))).abs()
                          > 1e-9).to_numpy(dtype=bool)
    if rounded.any():
        packed = np.where(frame["pack_size"].notna(), _joined(", rounded up to pack ", n(pack)),
                          ", rounded up to whole units")
        text[rounded] = _joined(text[rounded], packed[rounded], " = ", q("order_qty")[rounded])
    # The demand class and the method its demand came from (docs/reorder-planning.md, "Demand methods").
    # (the rules that use demand: the computed reorder point, and a given one's cover days)
    uses_demand = cp | (rp & frame["reorder_qty"].isna().to_numpy(dtype=bool))
    classed = frame["demand_class"].notna().to_numpy(dtype=bool) & uses_demand
    if classed.any():
        method = frame["demand_method"].astype(object).map(METHOD_WORDS).fillna("weekly mean")
        text[classed] = _joined(text[classed], "; ", frame["demand_class"].astype(object)[classed], " demand, ",
                                method[classed])
    return text


def _drafts(lines: pd.DataFrame, book: Book, settings: Config) -> pd.DataFrame:
    """One purchase-order draft per supplier and currency (money is never added across currencies): lines,
    units, value of the lines with a cost, how many lines have none (`lines_without_cost`: the value is then
    incomplete, never counted as 0), the value in the base currency with the rate used when fx_rates are
    configured, and a flag when under the supplier's minimum order value. Lines without a supplier are left for
    the buyer (flagged in the reorder list)."""
    placed = lines[lines["supplier_id"].notna()].assign(
        without_cost=lambda f: f["order_value"].isna(), currency=lambda f: f["currency"].astype(object))
    suppliers = book.suppliers.drop_duplicates("supplier_id").set_index("supplier_id")
    # A book of several units: a draft per unit and supplier (each branch receives its own goods), unless the
    # units buy together (shared_purchasing).
    per_unit = ["unit"] if "unit" in placed and not settings.shared_purchasing else []
    drafts = placed.groupby([*per_unit, "supplier_id", "currency"], dropna=False).agg(
        lines=("sku", "size"), units=("order_qty", "sum"), value=("order_value", lambda v: v.sum(min_count=1)),
        lines_without_cost=("without_cost", "sum"), order_by=("order_by", "min"),
        expected_arrival=("expected_arrival", "max")).reset_index()
    drafts["currency"] = drafts["currency"].astype("string[python]")
    drafts["lines_without_cost"] = drafts["lines_without_cost"].astype(int)
    drafts["supplier_name"] = drafts["supplier_id"].map(suppliers["name"]).astype("string[python]")
    drafts["email"] = drafts["supplier_id"].map(suppliers["email"]).astype("string[python]")
    drafts["min_order_value"] = drafts["supplier_id"].map(suppliers["min_order_value"]).astype(float)
    convert = conversion(settings)
    drafts["fx_rate"] = rates_for(drafts["currency"], convert)
    drafts["base_value"] = (drafts["value"] * drafts["fx_rate"]).round(2)
    # The minimum is in the supplier's currency: compared as it is with a draft in that currency, through the
    # configured rates with a draft in another one, and not at all without rates. Only a complete value (every
    # line with a cost) can be said to be under it.
    supplier_currency = currency_column(drafts["supplier_id"].map(suppliers["currency"]),
                                        base=settings.base_currency)
    same = ((supplier_currency == drafts["currency"]).fillna(False).astype(bool)
            | (supplier_currency.isna() & drafts["currency"].isna()))
    minimum = drafts["min_order_value"].where(
        same, drafts["min_order_value"] * rates_for(supplier_currency, convert) / drafts["fx_rate"])
    drafts["below_min_order_value"] = (minimum.notna() & (drafts["lines_without_cost"] == 0)
                                       & (drafts["value"] < minimum)).astype(bool)
    return drafts[[*per_unit, "supplier_id", "supplier_name", "email", "currency", "lines", "units", "value",
                   "lines_without_cost", "fx_rate", "base_value", "min_order_value", "below_min_order_value",
                   "order_by", "expected_arrival"]]
