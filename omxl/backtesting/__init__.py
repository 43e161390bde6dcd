"""Backtests (contract 4.3, docs/backtest.md): what a past period would have looked like under other settings.

`backtest(book, start=..., end=...)` replays the days from start to end on the book's own orders, with the stock
rolled back to start, once with the configured settings ("configured") and once per variant, and sets what the
replay gives beside what the book shows happened: unit fill rate, stockout days, average inventory value (per
currency) and purchase orders placed. `simulation.py` is the replay, `actual.py` what happened.
"""

from __future__ import annotations

import dataclasses
import tomllib
from typing import Any, ClassVar, Mapping, Sequence

import numpy as np
import pandas as pd

from ..book import Book
from ..config import Config, load_config
from ..errors import ConfigError
from ..planning import _sku_master
from ..position import Position, as_timestamp, prepare
from ..presentation.notebook import result_html
from ..presentation.sheets import result_sheet
from ..presentation.summary_sheet import with_summary
from ..steps import figures_frame
from .actual import actual_days, due_fill_rate, inventory_values, stockout_days
from .simulation import Start, demand_key, replay, review_demand

CONFIGURED = "configured"
MAX_VARIANTS = 3
METRICS = ("unit_fill_rate", "stockout_days", "average_inventory_value", "order_count")
RESULT_COLUMNS = ("variant", "metric", "simulated", "actual", "currency")
SKU_COLUMNS = ("variant", "sku", "description", "supplier_id", "demand_units", "served_on_day", "fill_rate",
               "stockout_days", "average_on_hand", "orders_placed", "units_ordered")
SHEET = "Backtest"
ACTUAL_ROW = "actual (the book)"
MONEY_COLUMN = "Average inventory value"
COLUMN_WIDTH = 27.0   # characters: "Average inventory value EUR" on one line
SKU_SHEET = "Backtest SKUs"
# How each metric reads on the Summary sheet, the chart titles and the command line: label, Excel number format.
METRIC_WORDS = {
    "unit_fill_rate": ("Unit fill rate", "0.0%"),
    "stockout_days": ("Stockout days", "#,##0"),
    "average_inventory_value": ("Average inventory value", "#,##0.00"),
    "order_count": ("Purchase orders placed", "#,##0"),
}
NO_COUNT = ("inventory_as_of: a backtest starts from the stock as it stood on its start day, rolled back from the "
            "day the stock was counted. Set inventory_as_of in omxl.toml (e.g. inventory_as_of = 2026-11-27) to "
            "the day the inventory sheet's On Hand was counted.")


@dataclasses.dataclass(frozen=True)
class Backtest:
    """results: per variant and metric the simulated figure and the actual one (`variant, metric, simulated,
    actual, currency`; money per currency); skus: per variant and SKU what the replay gave (demand, units served
    on their day, stockout days, average on hand, orders placed); settings: each variant's settings."""

    results: pd.DataFrame
    skus: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    settings: dict[str, Config]
    summary: str = ""
    position: "Position | None" = dataclasses.field(default=None, repr=False, compare=False)
    step: ClassVar[str] = "backtest"
    METRIC_WORDS: ClassVar[dict[str, tuple[str, str]]] = METRIC_WORDS

    @property
    def as_of(self) -> pd.Timestamp:
        """The last day replayed: the Summary's 'as of'."""
        return self.end

    @property
    def figures(self) -> pd.DataFrame:
        """Per variant and metric the simulated figure, the actual one in the note (omxl.steps.Result)."""
        rows = []
        for row in self.results.itertuples(index=False):
            label, fmt = METRIC_WORDS[row.metric]
            money = row.metric == "average_inventory_value"
            unit = str(row.currency) if money and isinstance(row.currency, str) else ""
            actual = "" if pd.isna(row.actual) else _shown(row.actual, row.metric)
            value = None if pd.isna(row.simulated) else (int(row.simulated) if fmt == "#,##0" else float(row.simulated))
            rows.append((f"{label} ({row.variant})", value, "#,##0.00" if money else fmt, unit,
                         f"actual {actual}" if actual else "actual not known"))
        return figures_frame(rows)

    findings = property(lambda self: self.position.issues if self.position is not None else _no_findings())

    def result_sheets(self) -> dict[str, object]:
        """The Summary, the Backtest sheet (the results, a chart per metric when written to .xlsx) and the
        per-SKU detail."""
        labels = self.position.config.labels if self.position is not None else None
        table = self.table
        shown = result_sheet(table, SHEET, labels=labels)
        # The money columns are named per currency; each is money (the sheet's formats go by its headers).
        for column in table.columns:
            if str(column).startswith(MONEY_COLUMN):
                shown.number_formats[str(column)] = "#,##0.00"
        # Every header on one line, every column as wide: two columns under each chart (omxl/io/save/charts.py).
        for header in shown.widths:
            shown.widths[header] = COLUMN_WIDTH
        sheets = {SHEET: shown, SKU_SHEET: result_sheet(self.skus, SKU_SHEET, labels=labels)}
        if self.position is None:
            return sheets
        return with_summary(self, sheets, sentence=self.summary)

    @property
    def table(self) -> pd.DataFrame:
        """The results as the Backtest sheet shows them: a row per variant, then a row of what the book shows
        happened (ACTUAL_ROW); a column per metric (each of one kind: a rate, a count, money), the average
        inventory value one column per currency ("Average inventory value EUR")."""
        results = self.results
        variants = list(pd.unique(results["variant"].astype(object)))
        table = pd.DataFrame({"variant": pd.array([*variants, ACTUAL_ROW], dtype="string[python]")})
        for metric in METRICS:
            rows = results[results["metric"].astype(object) == metric]
            currencies = list(pd.unique(rows["currency"].astype(object))) if len(rows) else []
            for currency in currencies or [None]:
                part = rows if currency is None else rows[rows["currency"].astype(object).eq(currency)
                                                          .fillna(False).astype(bool)]
                if pd.isna(currency) and currency is not None:
                    part = rows[rows["currency"].isna()]
                simulated = part.set_index(part["variant"].astype(object))["simulated"].astype("float64")
                actual = part["actual"].astype("float64").dropna()
                values = simulated.reindex(variants).tolist() + [actual.iloc[0] if len(actual) else np.nan]
                name = metric if metric != "average_inventory_value" else (
                    MONEY_COLUMN if currency is None or pd.isna(currency) else f"{MONEY_COLUMN} {currency}")
                table[name] = pd.array(values, dtype="float64")
        return table

    def _repr_html_(self) -> str:
        return result_html(self, SHEET, self.results, "Simulated and actual, per variant")

    def __repr__(self) -> str:
        return f"<omxl.Backtest {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}: {self.summary}>"


def _no_findings() -> pd.DataFrame:
    from ..findings import findings_frame
    return findings_frame("after-as-of").iloc[0:0]


def _shown(value: float, metric: str) -> str:
    if metric == "unit_fill_rate":
        return f"{value * 100:.1f}%"
    if metric == "average_inventory_value":
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def variant_settings(base: Config, variants: "Mapping[str, Mapping[str, Any]] | None") -> dict[str, Config]:
    """The configured settings and each variant's: the variant's keys over the configured ones, validated as
    omxl.toml is. A bad key or value is a ConfigError naming the variant; more than MAX_VARIANTS, or a variant
    named 'configured', too."""
    variants = dict(variants or {})
    if len(variants) > MAX_VARIANTS:
        raise ConfigError(f"variants: {len(variants)} given, at most {MAX_VARIANTS} besides the configured settings "
                          f"({', '.join(map(str, variants))}). Compare at most {MAX_VARIANTS} at a time.")
    settings = {CONFIGURED: base}
    given = base.model_dump(exclude_unset=True)
    for name, changes in variants.items():
        if not isinstance(name, str) or not name.strip() or name == CONFIGURED:
            raise ConfigError(f"variant '{name}': name a variant with a word other than '{CONFIGURED}' (the "
                              "settings as configured are always replayed under that name).")
        if not isinstance(changes, Mapping):
            raise ConfigError(f"variant '{name}': its settings must be a table of settings, e.g. "
                              "{'service_level': 0.99}.")
        try:
            settings[name] = load_config({**given, **dict(changes)})
        except ConfigError as exc:
            raise ConfigError(str(exc).replace("config: setting", f"variant '{name}': setting")) from None
    return settings


def parse_variants(texts: Sequence[str]) -> dict[str, dict[str, Any]]:
    """`--variant NAME:key=value` options as variants: the value read as a TOML value (0.99, true, "text",
    [0.8, 0.95]; a bare word is text), a dotted key a table (service_levels.A=0.99); a NAME given again adds to
    its settings. ValueError naming the option when one is not of that form."""
    variants: dict[str, dict[str, Any]] = {}
    for text in texts:
        name, colon, setting = str(text).partition(":")
        key, equals, value = setting.partition("=")
        if not colon or not equals or not name.strip() or not key.strip():
            raise ValueError(f"--variant '{text}': write it as NAME:key=value, e.g. --variant high:service_level=0.99.")
        try:
            parsed = tomllib.loads(f"{key.strip()} = {value.strip()}")
        except tomllib.TOMLDecodeError:
            try:
                parsed = tomllib.loads(f"{key.strip()} = {_toml_text(value.strip())}")
            except tomllib.TOMLDecodeError:
                raise ValueError(f"--variant '{text}': '{key.strip()}' is not a setting name (letters, digits, _ "
                                 "and dots).") from None
        _merge(variants.setdefault(name.strip(), {}), parsed)
    return variants


def _toml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _merge(into: dict[str, Any], more: Mapping[str, Any]) -> None:
    for key, value in more.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def backtest(book: "Book | Position", *, start: object, end: object, config: "Config | dict | str | None" = None,
             variants: "Mapping[str, Mapping[str, Any]] | None" = None) -> Backtest:
    """Replay the days from `start` to `end` (both included) under the configured settings and each of
    `variants` (name -> settings, at most three), and set each metric beside what the book shows happened
    (docs/backtest.md). Needs `inventory_as_of` in the settings: the stock is rolled back from that day."""
    raw = book.book if isinstance(book, Position) else book
    base = load_config(config) if config is not None else (
        book.config if isinstance(book, Position) else raw.config)
    first, last = as_timestamp(start), as_timestamp(end)
    if last < first:
        raise ConfigError(f"end: {last:%Y-%m-%d} is before start {first:%Y-%m-%d}; give the first and the last day "
                          "to replay, e.g. --start 2026-07-01 --end 2026-09-30.")
    if base.inventory_as_of is None:
        raise ConfigError(NO_COUNT)
    counted = pd.Timestamp(base.inventory_as_of)
    if counted < first - pd.Timedelta(days=1):
        raise ConfigError(f"inventory_as_of: {counted:%Y-%m-%d} is before the backtest's start {first:%Y-%m-%d}; "
                          "stock can be rolled back from the day it was counted, not forward. Start the backtest on "
                          "or before the day after the count.")
    settings = variant_settings(base, variants)
    # The stock as it stood at the start of the first day: the book rolled back to the end of the day before.
    before = prepare(raw, as_of=first - pd.Timedelta(days=1), config=base)
    after = prepare(raw, as_of=last, config=base)
    begin = _start(before, after, first, last)
    results, skus = [], []
    reviews: dict[tuple, dict[int, pd.DataFrame]] = {}
    for name, variant in settings.items():
        key = demand_key(variant)
        if key not in reviews:   # variants that read demand alike share its statistics
            reviews[key] = review_demand(begin, variant)
        run = replay(begin, variant, reviews[key], before.supplier_reliability)
        results.append(_simulated(name, begin, run))
        skus.append(_per_sku(name, begin, run))
    actual = _actual(begin, before, after, first, last)
    table = pd.concat(results, ignore_index=True)
    table = table.merge(actual, on=["metric", "currency"], how="left")
    table = table[list(RESULT_COLUMNS)].astype({"variant": "string[python]", "metric": "string[python]",
                                                "simulated": "float64", "actual": "float64",
                                                "currency": "string[python]"})
    return Backtest(results=table, skus=pd.concat(skus, ignore_index=True), start=first, end=last,
                    settings=settings, summary=_summary(table, first, last, len(begin.master)), position=after)


def run_backtest(book: "Book | Position", *, as_of: object = None, config: "Config | dict | str | None" = None,
                 start: object, end: object, variant: Sequence[str] = ()) -> Backtest:
    """The backtest step (omxl.steps.REGISTRY["backtest"]): `variant` as the command line gives it
    (NAME:key=value, repeated). A backtest has no as_of of its own: its days are start to end."""
    if as_of is not None:
        raise ConfigError("as_of: a backtest replays the days from start to end; give those (--start, --end) "
                          "instead of an as-of day.")
    try:
        variants = parse_variants(variant)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return backtest(book, start=start, end=end, config=config, variants=variants)


def _start(before: Position, after: Position, first: pd.Timestamp, last: pd.Timestamp) -> Start:
    """What every variant's replay starts from (replay.Start)."""
    master = _sku_master(before.book, before.stock, before.per_sku)
    days = pd.date_range(first, last, freq="D")
    lines = after.lines
    orders = lines[(lines["kind"] == "order").to_numpy(dtype=bool)
                   & (lines["sheet_status"] != "cancelled").to_numpy(dtype=bool)]
    from .actual import daily_moves
    demand = daily_moves(orders, "order_date", orders["qty"], master.index, days)
    supply = before.open_supply
    # Only purchase-order lines: without a purchase-orders table, the inventory's on_order is as counted on
    # inventory_as_of, not as it stood at start.
    supply = supply[supply["po_id"].notna().to_numpy(dtype=bool) & (supply["open_qty"] > 0).to_numpy(dtype=bool)]
    reliability = before.supplier_reliability
    shift = reliability.set_index("supplier_id")["shift_days"].astype("float64") if len(reliability) \
        else pd.Series(dtype="float64")
    return Start(days=days, master=master, on_hand=master["on_hand"].fillna(0.0).to_numpy(dtype="float64"),
                 backlog=master["backlog"].to_numpy(dtype="float64"), supply=supply.reset_index(drop=True),
                 demand=demand, history=orders, shift=shift, suppliers=before.book.suppliers,
                 demand_known=before.orders_known)


def _simulated(name: str, start: Start, run: "Any") -> pd.DataFrame:
    demanded = float(start.demand.sum())
    rows = [("unit_fill_rate", float(run.served.sum()) / demanded if demanded > 0 else np.nan, None),
            ("stockout_days", float(stockout_days(run.on_hand, run.backorders)), None)]
    values = inventory_values(run.on_hand, start.master["unit_cost"], run.currency)
    rows += [("average_inventory_value", v, c) for c, v in zip(values["currency"], values["value"])]
    rows.append(("order_count", float(run.orders_placed), None))
    frame = pd.DataFrame(rows, columns=["metric", "simulated", "currency"])
    frame["currency"] = frame["currency"].astype(object).where(frame["currency"].notna(), None)
    return frame.assign(variant=name)


def _actual(start: Start, before: Position, after: Position, first: pd.Timestamp,
            last: pd.Timestamp) -> pd.DataFrame:
    """The actual column: what the book as of end shows happened from start to end."""
    book = after.book
    stock, waiting = actual_days(start.master.index, start.days, start.on_hand, start.backlog, after.lines,
                                 book.shipments, book.purchase_orders, book.returns)
    # The shipments as matched to their lines (also those the order sheet's own ship dates stand for).
    fill = due_fill_rate(after.lines, after.shipment_matches, first, last)
    pos = book.purchase_orders
    ordered = pd.to_datetime(pos["order_date"]).dt.normalize()
    placed = pos.loc[((ordered >= first) & (ordered <= last)).fillna(False).to_numpy(dtype=bool), "po_id"]
    currency = _currencies(start, before)
    values = inventory_values(stock, start.master["unit_cost"], currency)
    rows = [("unit_fill_rate", fill, None), ("stockout_days", float(stockout_days(stock, waiting)), None)]
    rows += [("average_inventory_value", v, c) for c, v in zip(values["currency"], values["value"])]
    rows.append(("order_count", float(placed.nunique()), None))
    frame = pd.DataFrame(rows, columns=["metric", "actual", "currency"])
    frame["currency"] = frame["currency"].astype(object).where(frame["currency"].notna(), None)
    return frame


def _currencies(start: Start, before: Position) -> pd.Series:
    """The currency of each SKU's unit cost, as planning takes it (item's, else supplier's, else base)."""
    from ..money import currency_column
    suppliers = start.suppliers.drop_duplicates("supplier_id").set_index("supplier_id")
    return currency_column(start.master["item_currency"], start.master["supplier_id"].map(suppliers["currency"]),
                           base=before.config.base_currency)


def _per_sku(name: str, start: Start, run: "Any") -> pd.DataFrame:
    demand = start.demand.sum(axis=1)
    served = run.served.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(demand > 0, served / demand, np.nan)
    master = start.master
    return pd.DataFrame({
        "variant": name, "sku": master.index.astype(object), "description": master["description"].to_numpy(),
        "supplier_id": master["supplier_id"].to_numpy(), "demand_units": demand, "served_on_day": served,
        "fill_rate": rate, "stockout_days": ((run.on_hand <= 1e-9) & (run.backorders > 1e-9)).sum(axis=1),
        "average_on_hand": np.clip(run.on_hand, 0, None).mean(axis=1) if run.on_hand.shape[1] else 0.0,
        "orders_placed": run.sku_orders, "units_ordered": run.sku_units,
    }, columns=list(SKU_COLUMNS))


def _summary(results: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp, skus: int) -> str:
    """One sentence: the period, and each variant's fill rate beside the actual one."""
    fill = results[results["metric"] == "unit_fill_rate"]
    parts = [f"{v} {_shown(s, 'unit_fill_rate') if pd.notna(s) else 'not known'}"
             for v, s in zip(fill["variant"], fill["simulated"])]
    actual = fill["actual"].iloc[0] if len(fill) else np.nan
    days = (last - first).days + 1
    return (f"Backtest {first:%Y-%m-%d} to {last:%Y-%m-%d} ({days:,} days, {skus:,} {'SKU' if skus == 1 else 'SKUs'}): unit fill rate "
            + ", ".join(parts) + f"; actual {_shown(actual, 'unit_fill_rate') if pd.notna(actual) else 'not known'}.")


__all__ = ["Backtest", "CONFIGURED", "MAX_VARIANTS", "METRICS", "backtest", "parse_variants", "run_backtest", "variant_settings"]
