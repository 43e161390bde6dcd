"""Benchmark of omxl.backtest: a 52-week backtest of the benchmark book's 10,000 SKUs, stage by stage.

    python -m benchmarks.backtest                 # the cached 100,000-line book (built when missing)
    python -m benchmarks.backtest --variants 3    # with three variants besides the configured settings

The benchmark book (benchmarks/make_book.py) holds 16 weeks of orders; a 52-week backtest with 12 weeks of demand
history before it needs 64. So the benchmark spreads the same orders over those 64 weeks: each order (all its
lines, its shipments) and each purchase order moves by one random whole number of days, the same seed each run,
and the stock is taken as counted on the last day. Stages: read (the workbook), prepare (validation and the roll
back to the day before start, twice: as of the day before start and as of end), replay (the day-by-day replay of
each variant, the weekly reviews' demand statistics included), results (the actual figures from the book and the
results frame); then the whole of omxl.backtest once more, end to end, on the book as read.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import time

import numpy as np
import pandas as pd

import omxl
from omxl.backtesting import _actual, _per_sku, _simulated, _start, variant_settings
from omxl.backtesting.simulation import demand_key, replay, review_demand
from omxl.position import prepare

from .pipeline import ensure_book

END = pd.Timestamp("2026-11-27")
START = END - pd.Timedelta(days=7 * 52 - 1)          # 52 weeks, both days included
HISTORY_START = START - pd.Timedelta(weeks=12)
VARIANTS = {"high": {"service_level": 0.99}, "low": {"service_level": 0.90}, "cover": {"cover_days": 14}}


def peak_mb() -> float:
    """The process's resident high-water mark so far (Linux VmHWM), in MB."""
    status = open("/proc/self/status", encoding="ascii").read()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024


def stretched(book: omxl.Book, seed: int = 1) -> omxl.Book:
    """`book` with its orders and purchase orders spread from HISTORY_START to END (module docstring)."""
    rng = np.random.default_rng(seed)
    orders = book.orders
    ids = pd.Index(orders["order_id"].dropna().unique())
    first = orders.groupby("order_id")["order_date"].min().reindex(ids)
    target = HISTORY_START + pd.to_timedelta(rng.integers(0, (END - HISTORY_START).days + 1, len(ids)), unit="D")
    delta = pd.Series(target - first.to_numpy(), index=ids)

    def moved(frame: pd.DataFrame, key: str, shift: pd.Series, columns: tuple[str, ...]) -> pd.DataFrame:
        by_row = frame[key].map(shift)
        return frame.assign(**{c: frame[c] + by_row.to_numpy() for c in columns if c in frame})

    order_dates = ("order_date", "promised_date", "ship_date", "delivered_date")
    tables = dict(book.tables)
    tables["orders"] = moved(orders, "order_id", delta, order_dates)
    tables["shipments"] = moved(book.shipments, "order_id", delta, ("ship_date", "delivered_date"))
    pos = book.purchase_orders
    po_ids = pd.Index(pos["po_id"].dropna().unique())
    po_first = pos.groupby("po_id")["order_date"].min().reindex(po_ids)
    po_target = HISTORY_START + pd.to_timedelta(rng.integers(0, (END - HISTORY_START).days + 1, len(po_ids)),
                                                unit="D")
    tables["purchase_orders"] = moved(pos, "po_id", pd.Series(po_target - po_first.to_numpy(), index=po_ids),
                                      ("order_date", "expected_date", "received_date"))
    # Nothing after the count: a moved date past END would be an event after the stock was counted.
    for name, columns in (("orders", order_dates), ("shipments", ("ship_date", "delivered_date")),
                          ("purchase_orders", ("order_date", "expected_date", "received_date"))):
        frame = tables[name]
        tables[name] = frame.assign(**{c: frame[c].where(frame[c] <= END) for c in columns if c in frame})
    tables["orders"] = tables["orders"][tables["orders"]["order_date"].notna()].reset_index(drop=True)
    tables["purchase_orders"] = tables["purchase_orders"][
        tables["purchase_orders"]["order_date"].notna()].reset_index(drop=True)
    return dataclasses.replace(book, tables=tables)


def line(name: str, seconds: float) -> str:
    return f"{name:<10} {seconds:7.2f} s   peak {peak_mb():7.0f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.backtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000, help="order lines of the benchmark book")
    parser.add_argument("--variants", type=int, default=0, choices=range(0, 4),
                        help="variants besides the configured settings (default 0)")
    args = parser.parse_args(argv)
    path, _ = ensure_book(args.lines, 1, rebuild=False)
    settings = {"inventory_as_of": END.date()}
    variants = dict(list(VARIANTS.items())[:args.variants])

    clock = time.perf_counter()
    book = omxl.read_book(path)
    print(line("read", time.perf_counter() - clock))

    book = stretched(book)
    clock = time.perf_counter()
    configured = omxl.load_config(settings)
    before = prepare(book, as_of=START - pd.Timedelta(days=1), config=configured)
    after = prepare(book, as_of=END, config=configured)
    begin = _start(before, after, START, END)
    print(line("prepare", time.perf_counter() - clock)
          + f"   {len(begin.master):,} SKUs, {len(begin.days)} days, {len(begin.history):,} order lines")

    clock = time.perf_counter()
    runs, reviews = {}, {}
    for name, variant in variant_settings(configured, variants).items():
        key = demand_key(variant)
        if key not in reviews:
            reviews[key] = review_demand(begin, variant)
        runs[name] = replay(begin, variant, reviews[key], before.supplier_reliability)
    print(line("replay", time.perf_counter() - clock) + f"   {len(runs)} variant(s)")

    clock = time.perf_counter()
    simulated = pd.concat([_simulated(name, begin, run) for name, run in runs.items()], ignore_index=True)
    skus = pd.concat([_per_sku(name, begin, run) for name, run in runs.items()], ignore_index=True)
    actual = _actual(begin, before, after, START, END)
    print(line("results", time.perf_counter() - clock) + f"   {len(simulated)} result rows, {len(skus):,} SKU rows")

    clock = time.perf_counter()
    result = omxl.backtest(book, start=START, end=END, config=settings, variants=variants)
    print(line("backtest", time.perf_counter() - clock) + "   omxl.backtest end to end (after reading)")
    print(result.summary)
    print(result.results.to_string(index=False))
    del actual
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
