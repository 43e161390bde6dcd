"""Backtests (issue 33, docs/backtest.md): the replay of a hand-built history, Northwind's actual figures against
an independent computation from its CSVs, the settings errors, and the command with its workbook and charts."""

from __future__ import annotations

import dataclasses

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import omxl
from omxl.cli import cli
from conftest import NORTHWIND
from northwind import northwind_book

START = pd.Timestamp("2026-03-02")
END = START + pd.Timedelta(days=55)          # 8 weeks: days 0..55
COUNTED = (START - pd.Timedelta(days=1)).date()
SETTINGS = {"default_lead_time_days": 7, "cover_days": 7, "inventory_as_of": COUNTED}
VARIANTS = {"longer_cover": {"cover_days": 14}, "slow": {"default_lead_time_days": 14}}


def hand_book() -> omxl.Book:
    """One SKU, A: 10 units ordered every day, from 12 weeks before start to end, each shipped the day it was
    ordered (promised two days later); 30 on hand, counted the evening before start; supplier S1 gives no lead
    time, so default_lead_time_days applies; no purchase orders."""
    days = pd.date_range(START - pd.Timedelta(days=84), END)
    orders = pd.DataFrame({"order_id": [f"SO-{i:03d}" for i in range(len(days))], "line": 1, "sku": "A",
                           "qty": 10.0, "order_date": days, "promised_date": days + pd.Timedelta(days=2),
                           "ship_date": days, "customer_id": "C1"})
    inventory = pd.DataFrame({"sku": ["A"], "description": ["Widget"], "on_hand": [30.0], "unit_cost": [2.0],
                              "supplier_id": ["S1"]})
    suppliers = pd.DataFrame({"supplier_id": ["S1"], "name": ["Supplier One"]})
    return omxl.read_book({"orders": orders, "inventory": inventory, "suppliers": suppliers})


def test_hand_built_history_replays_day_by_day():
    # Demand is 10 a day, every week 70: d = 10/day, std 0, so the safety stock is 0 at any service level; the
    # computed rule orders when IP <= ROP = d x L and orders ROP + d x cover_days - IP. Reviews at the end of days
    # 0, 7, 14, ..., 49; an order arrives L days after its review.
    #
    # configured (L 7, cover 7: ROP 70, Q 70):
    #   day 0: 30 - 10 = 20; review IP 20 <= 70: order 70 + 70 - 20 = 120, arrives day 7
    #   days 1-2: 10, 0; days 3-6: nothing on hand, 10 backordered a day: 40 waiting (4 stockout days)
    #   day 7: 120 in, 40 backorders served, 10 demand: 70; review IP 70 <= 70: order 70 (arrives day 14)
    #   days 8-13: 60 ... 10; day 14: 70 in, 70 at the end, order 70 again; so every week to day 49: 8 orders
    #   served on their day: days 0-2 (30) + days 7-55 (49 x 10 = 490) = 520 of 560
    # longer_cover (cover 14: Q 140):
    #   day 0: order 70 + 140 - 20 = 190 (day 7); days 3-6 short as above (4 stockout days)
    #   day 7: 190 in, 40 backorders, 10 demand: 140; IP 140 > 70, no order; day 14: 70, order 140 (day 21);
    #   day 21: 10 + 140 - 10 = 140, no order; orders on days 0, 14, 28, 42: 4; served 520 of 560
    # slow (L 14: ROP 140, Q 70):
    #   day 0: order 140 + 70 - 20 = 190, arrives day 14; days 3-13 short: 11 stockout days, 110 waiting
    #   day 7: IP 0 + 190 - 50 = 140 <= 140: order 70 (day 21)
    #   day 14: 190 in, 110 backorders, 10 demand: 70; IP 70 + 70 = 140: order 70; every review orders: 8
    #   served on their day: days 0-2 (30) + days 14-55 (42 x 10 = 420) = 450 of 560
    result = omxl.backtest(hand_book(), start=START, end=END, config=SETTINGS, variants=VARIANTS)
    got = result.results.set_index(["variant", "metric"])["simulated"]
    assert got["configured", "unit_fill_rate"] == pytest.approx(520 / 560)
    assert got["configured", "stockout_days"] == 4
    assert got["configured", "order_count"] == 8
    assert got["longer_cover", "unit_fill_rate"] == pytest.approx(520 / 560)
    assert got["longer_cover", "stockout_days"] == 4
    assert got["longer_cover", "order_count"] == 4
    assert got["slow", "unit_fill_rate"] == pytest.approx(450 / 560)
    assert got["slow", "stockout_days"] == 11
    assert got["slow", "order_count"] == 8
    # Average on hand, configured: days 0-6: 20, 10, 0 x 5 = 30; then each week from day 7 on 70 + 60 + ... + 10
    # = 280, 7 weeks: 1,960; (30 + 1,960) / 56 days x unit cost 2.
    assert got["configured", "average_inventory_value"] == pytest.approx(1990 / 56 * 2)
    assert list(result.results.columns) == ["variant", "metric", "simulated", "actual", "currency"]
    # Actual: every line shipped the day it was ordered, before its promised date; no purchase orders; the
    # count of 30 less 10 shipped a day is out on day 2 with nothing waiting: no stockout day.
    actual = result.results.set_index(["variant", "metric"])["actual"]
    assert actual["slow", "unit_fill_rate"] == 1.0
    assert actual["slow", "stockout_days"] == 0
    assert actual["slow", "order_count"] == 0
    assert actual["slow", "average_inventory_value"] == pytest.approx((20 + 10) / 56 * 2)
    skus = result.skus.set_index("variant")
    assert skus.loc["slow", "served_on_day"] == 450 and skus.loc["slow", "stockout_days"] == 11
    assert result.summary == ("Backtest 2026-03-02 to 2026-04-26 (56 days, 1 SKU): unit fill rate configured "
                              "92.9%, longer_cover 92.9%, slow 80.4%; actual 100.0%.")


def test_without_inventory_as_of_the_backtest_stops_naming_it():
    with pytest.raises(omxl.ConfigError) as error:
        omxl.backtest(hand_book(), start=START, end=END, config={"cover_days": 7})
    assert str(error.value) == (
        "inventory_as_of: a backtest starts from the stock as it stood on its start day, rolled back from the day "
        "the stock was counted. Set inventory_as_of in omxl.toml (e.g. inventory_as_of = 2026-11-27) to the day "
        "the inventory sheet's On Hand was counted.")


def test_a_bad_variant_key_names_the_variant():
    with pytest.raises(omxl.ConfigError) as error:
        omxl.backtest(hand_book(), start=START, end=END, config=SETTINGS, variants={"high": {"service_levle": 0.99}})
    assert str(error.value).startswith("variant 'high': setting 'service_levle': unknown setting; known settings: ")
    with pytest.raises(omxl.ConfigError) as error:
        omxl.backtest(hand_book(), start=START, end=END, config=SETTINGS, variants={"high": {"service_level": 1.5}})
    assert str(error.value) == ("variant 'high': setting 'service_level': Input should be less than 1 "
                                "(found 1.5)")


def northwind_costed() -> omxl.Book:
    """Northwind with each product's list price as its unit cost (products.csv unitPrice), so the inventory
    value is known."""
    book = northwind_book()
    products = pd.read_csv(NORTHWIND / "products.csv")
    inventory = book.inventory.assign(unit_cost=book.inventory["sku"].astype(int).map(
        products.set_index("productID")["unitPrice"]).astype(float))
    return dataclasses.replace(book, tables={**book.tables, "inventory": inventory})


NW_START, NW_END, NW_COUNTED = pd.Timestamp("1998-01-01"), pd.Timestamp("1998-03-31"), pd.Timestamp("1998-05-06")


def test_northwind_quarter_actual_matches_the_csvs():
    result = omxl.backtest(northwind_costed(), start=NW_START, end=NW_END,
                           config={"inventory_as_of": NW_COUNTED.date()}, variants={"high": {"service_level": 0.99}})
    # Independently, from the CSVs: lines with their order's dates; every Northwind line ships whole on its
    # order's ShippedDate.
    # (the ship addresses hold unquoted commas: only the first six fields, which never do, are read)
    rows = [line.split(",")[:6] for line in (NORTHWIND / "orders.csv").read_text(encoding="utf-8").splitlines()]
    headers = pd.DataFrame(rows[1:], columns=rows[0]).astype({"orderID": int})
    for column in ("orderDate", "requiredDate", "shippedDate"):
        headers[column] = pd.to_datetime(headers[column].replace("NULL", None)).dt.normalize()
    details = pd.read_csv(NORTHWIND / "order-details.csv")
    products = pd.read_csv(NORTHWIND / "products.csv")
    lines = details.merge(headers, on="orderID")
    due = lines[(lines["requiredDate"] >= NW_START) & (lines["requiredDate"] <= NW_END)]
    fill = due.loc[due["shippedDate"] <= due["requiredDate"], "quantity"].sum() / due["quantity"].sum()
    days = pd.date_range(NW_START, NW_END)
    stockouts, value = 0, 0.0
    for day in days:
        # on hand at the end of the day: the count plus what shipped after the day up to the count
        later = lines[(lines["shippedDate"] > day) & (lines["shippedDate"] <= NW_COUNTED)]
        stock = products.set_index("productID")["unitsInStock"].add(
            later.groupby("productID")["quantity"].sum(), fill_value=0)
        waiting = lines[(lines["orderDate"] <= day) & ~(lines["shippedDate"] <= day)].groupby("productID")[
            "quantity"].sum()
        stockouts += int(((stock.reindex(waiting.index).fillna(0) <= 0) & (waiting > 0)).sum())
        value += float((stock.clip(lower=0) * products.set_index("productID")["unitPrice"]).sum())
    actual = result.results.set_index(["variant", "metric"])["actual"]
    for variant in ("configured", "high"):
        assert actual[variant, "unit_fill_rate"] == pytest.approx(fill)
        assert actual[variant, "stockout_days"] == stockouts
        assert actual[variant, "average_inventory_value"] == pytest.approx(value / len(days))
        assert actual[variant, "order_count"] == 0
    simulated = result.results.set_index(["variant", "metric"])["simulated"]
    assert 0 < simulated["configured", "unit_fill_rate"] <= 1
    assert simulated["high", "unit_fill_rate"] >= simulated["configured", "unit_fill_rate"]
    assert len(result.skus) == 2 * 77


def test_cli_writes_the_backtest_sheet_with_charts(tmp_path):
    book = hand_book()
    frames = {"Orders": book.orders[["order_id", "line", "sku", "qty", "order_date", "promised_date", "ship_date",
                                     "customer_id"]],
              "Inventory": book.inventory[["sku", "description", "on_hand", "unit_cost", "supplier_id"]],
              "Suppliers": book.suppliers[["supplier_id", "name"]]}
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in frames.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    (tmp_path / "omxl.toml").write_text(f"inventory_as_of = {COUNTED}\ndefault_lead_time_days = 7\n"
                                        "cover_days = 7\n", encoding="utf-8")
    out = tmp_path / "backtest.xlsx"
    run = CliRunner().invoke(cli, ["backtest", str(path), "--start", "2026-03-02", "--end", "2026-04-26",
                                    "--variant", "slow:default_lead_time_days=14", "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert run.output.splitlines()[0] == ("Backtest 2026-03-02 to 2026-04-26 (56 days, 1 SKU): unit fill rate "
                                          "configured 92.9%, slow 80.4%; actual 100.0%.")
    sheet = openpyxl.load_workbook(out)["Backtest"]
    rows = list(sheet.iter_rows(values_only=True))
    # A row per variant and one of what the book shows happened; a column per metric, each in its own format.
    assert rows[0] == ("Variant", "Unit fill rate", "Stockout days", "Average inventory value",
                       "Purchase orders placed")
    assert rows[1] == ("configured", pytest.approx(520 / 560), 4, pytest.approx(rows[1][3]), 8)
    assert rows[2][:3] == ("slow", pytest.approx(450 / 560), 11) and rows[2][4] == 8
    assert rows[3][:3] == ("actual (the book)", 1, 0) and rows[3][4] == 0
    assert [sheet.cell(2, column).number_format for column in range(2, 6)] == ["0.0%", "#,##0", "#,##0.00", "#,##0"]
    charts = sheet._charts
    assert len(charts) == 4   # a chart per metric, two a row under the table
    assert [(chart.anchor._from.row, chart.anchor._from.col) for chart in charts] == [(5, 0), (5, 2), (20, 0), (20, 2)]


def test_cli_refuses_more_than_three_variants(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"not read: the options are checked first")
    run = CliRunner().invoke(cli, ["backtest", str(path), "--start", "2026-03-02", "--end", "2026-04-26",
                                    *sum((["--variant", f"v{i}:cover_days={i + 10}"] for i in range(4)), [])])
    assert run.exit_code == 2
    assert ("--variant names 4 variants (v0, v1, v2, v3); a backtest compares at most 3 besides the configured "
            "settings.") in " ".join(run.output.split())


def test_the_workbook_is_not_written_to_a_folder(tmp_path):
    # The chart writer checks its destination as every writer does: a folder is refused before anything is written.
    result = omxl.backtest(hand_book(), start="2026-03-02", end="2026-04-26",
                           config={"inventory_as_of": COUNTED, "default_lead_time_days": 7, "cover_days": 7})
    from omxl.io.save.charts import save_backtest

    with pytest.raises(omxl.OutputError) as raised:
        save_backtest(result, str(tmp_path) + "/")
    assert str(raised.value) == (f"{tmp_path}/ is a folder; give a file name such as {tmp_path}/backtest.xlsx. "
                                 "Nothing was written.")
    assert list(tmp_path.iterdir()) == []


def test_the_command_says_not_known_for_a_value_without_unit_costs(tmp_path):
    book = hand_book()
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        book.orders[["order_id", "line", "sku", "qty", "order_date", "promised_date", "ship_date", "customer_id"]] \
            .to_excel(writer, sheet_name="Orders", index=False)
        book.inventory[["sku", "description", "on_hand", "supplier_id"]].to_excel(writer, sheet_name="Inventory",
                                                                                  index=False)
        book.suppliers[["supplier_id", "name"]].to_excel(writer, sheet_name="Suppliers", index=False)
    (tmp_path / "omxl.toml").write_text(f"inventory_as_of = {COUNTED}\ndefault_lead_time_days = 7\n"
                                        "cover_days = 7\n", encoding="utf-8")
    run = CliRunner().invoke(cli, ["backtest", str(path), "--config", str(tmp_path / "omxl.toml"),
                                    "--start", "2026-03-02", "--end", "2026-04-26"])
    assert run.exit_code == 0, run.output
    shown = " ".join(run.output.split())
    assert "configured │ Average inventory value │ not known │ not known │" in shown
