"""Money per currency (docs/currency.md): a two-currency book gives exact totals per currency in the plan, the
drafts, reconciliation and the CLI; with base_currency and fx_rates also converted totals with the rate shown;
an unknown cost or price is a blank value and a flag, never 0."""

from __future__ import annotations

import json
import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import omxl
from conftest import SAMPLE
from omxl.cli import cli
from omxl.config import load_config
from omxl.money import conversion, currency_column, group_sums, totals, totals_text

pytestmark = pytest.mark.core

AS_OF = "2026-11-27"
CONVERTED = {"base_currency": "EUR", "fx_rates": {"USD": 0.92}}


def two_currency_book() -> dict[str, pd.DataFrame]:
    """S1 sells in EUR, S2 in USD, S3 names no currency. C is bought from S1 but priced in USD (its own
    currency wins over the supplier's). D has no unit cost. Every SKU uses a min/max or reorder-point policy,
    so the quantities are plain arithmetic."""
    inventory = pd.DataFrame({
        "sku": ["A", "B", "C", "D", "E"],
        "on_hand": [0.0, 0.0, 0.0, 0.0, 0.0],
        "unit_cost": [10.0, 4.0, 2.5, None, 3.0],
        "currency": [None, None, "usd ", None, None],
        "supplier_id": ["S1", "S2", "S1", "S1", "S3"],
        "min_qty": [5.0, 20.0, 5.0, None, 1.0],
        "max_qty": [100.0, 50.0, 20.0, None, 8.0],
        "reorder_point": [None, None, None, 5.0, None],
        "reorder_qty": [None, None, None, 12.0, None],
    })
    suppliers = pd.DataFrame({"supplier_id": ["S1", "S2", "S3"], "name": ["Euro Parts", "Dollar Bolts", "Plain"],
                              "currency": ["eur", "USD", None], "min_order_value": [2000.0, 100.0, None]})
    orders = pd.DataFrame({
        "order_id": ["O1", "O1", "O2", "O3"], "line": [1, 2, 1, 1],
        "order_date": pd.to_datetime(["2026-11-20"] * 4), "customer_id": ["K1", "K1", "K2", "K3"],
        "sku": ["A", "B", "B", "A"], "qty": [2.0, 1.0, 3.0, 1.0], "unit_price": [20.0, 5.0, 7.0, None],
        "currency": ["EUR", "usd", "USD", "EUR"]})
    purchase_orders = pd.DataFrame({"po_id": ["P1"], "supplier_id": ["S2"], "sku": ["B"], "qty": [10.0],
                                    "currency": ["USD"]})
    returns = pd.DataFrame({"rma_id": ["R1", "R2"], "order_id": ["O3", "O2"], "sku": ["A", "B"], "qty": [1.0, 1.0],
                            "resolution": ["refund", "refund"]})
    return {"orders": orders, "inventory": inventory, "suppliers": suppliers, "purchase_orders": purchase_orders,
            "returns": returns}


# Order quantities by hand: A IP = 0 - backlog 3 -> 100 + 3; B IP = on order 10 - backlog 4 = 6 < 20 -> 50 - 6;
# C 20; D reorder point: max(12, 5 - 0) = 12; E 8.
QTY = {"A": 103.0, "B": 44.0, "C": 20.0, "D": 12.0, "E": 8.0}
VALUE = {"A": 1030.0, "B": 176.0, "C": 50.0, "D": math.nan, "E": 24.0}


def plan_of(config=None):
    return omxl.plan_reorders(omxl.read_book(two_currency_book()), as_of=AS_OF, config=config)


def test_money_is_added_correctly_rounded_whatever_pandas_adds_like():
    # Ten 0.1 added one by one make 0.9999999999999999; group sums and totals say 1.0, as with every pandas.
    tenths = [0.1] * 10
    sums = group_sums(np.array(tenths + [2.5, np.nan, np.nan, 7.0]), np.array([0] * 10 + [1, 1, 2, -1]), 3)
    assert sums.tolist()[:2] == [1.0, 2.5] and math.isnan(sums[2])
    table = totals(pd.Series(tenths + [np.nan]), pd.Series(["EUR"] * 10 + ["USD"]))
    assert table.values.tolist() == [["EUR", 1.0, 10, 0], ["USD", pytest.approx(np.nan, nan_ok=True), 1, 1]]


def test_group_sums_of_one_or_two_values_are_what_fsum_gives():
    # Groups of one or two values are added without the per-group loop; the sums must be fsum's, -0.0 and
    # infinities included (fsum gives 0.0 for -0.0 and raises for inf + -inf, which the loop keeps).
    values = np.array([0.1, 0.2, -0.0, -0.0, -0.0, 1e16, 1.0, np.inf, 5.0, 0.1, 0.1, 0.1])
    codes = np.array([0, 0, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5])
    sums = group_sums(values, codes, 7)
    assert sums[:6].tolist() == [0.30000000000000004, 0.0, 0.0, 1e16, math.inf, 0.30000000000000004]
    assert not np.signbit(sums[1]) and not np.signbit(sums[2]) and math.isnan(sums[6])
    assert sums[:6].tolist() == [math.fsum(values[codes == g]) for g in range(6)]


def test_plan_lines_carry_the_currency_of_their_unit_cost():
    lines = plan_of().lines.set_index("sku")
    assert lines["order_qty"].to_dict() == QTY
    assert lines["currency"].astype(object).where(lines["currency"].notna(), None).to_dict() == {
        "A": "EUR", "B": "USD", "C": "USD", "D": "EUR", "E": None}
    assert lines.loc[["A", "B", "C", "E"], "order_value"].to_dict() == {k: VALUE[k] for k in "ABCE"}
    assert pd.isna(lines.loc["D", "order_value"])                          # blank, not 0
    sums = lines.groupby(lines["currency"].astype(object).fillna("?"))["order_value"].sum(min_count=1)
    assert sums.to_dict() == {"EUR": 1030.0, "USD": 226.0, "?": 24.0}


def test_base_currency_fills_blank_currencies():
    lines = plan_of(CONVERTED).lines.set_index("sku")
    assert lines.loc["E", "currency"] == "EUR"


def test_unknown_cost_is_flagged_for_every_rule_that_orders():
    lines = plan_of().lines.set_index("sku")
    assert lines.loc["D", "rule"] == "reorder_point"
    assert "no unit cost: value unknown" in lines.loc["D", "flags"]
    assert all("no unit cost" not in lines.loc[s, "flags"] for s in "ABCE")


def test_computed_rule_without_cost_says_the_eoq_was_not_used():
    book = two_currency_book()
    book["inventory"] = pd.DataFrame({"sku": ["A"], "on_hand": [0.0], "supplier_id": ["S1"]})
    book["suppliers"] = book["suppliers"].assign(ordering_cost=50.0)
    lines = omxl.plan_reorders(omxl.read_book(book), as_of=AS_OF).lines.set_index("sku")
    assert lines.loc["A", "rule"] == "computed"
    assert lines.loc["A", "flags"].endswith("no unit cost: value unknown; EOQ needs a unit cost: cover days used")
    assert pd.isna(lines.loc["A", "order_value"])


def test_one_draft_per_supplier_and_currency():
    drafts = plan_of().purchase_orders
    rows = drafts[["supplier_id", "currency", "lines", "value", "lines_without_cost",
                   "below_min_order_value"]].astype(object).where(drafts[[
                       "supplier_id", "currency", "lines", "value", "lines_without_cost",
                       "below_min_order_value"]].notna(), None).values.tolist()
    assert rows == [
        ["S1", "EUR", 2, 1030.0, 1, False],      # A + D; D has no cost: the value is incomplete, not compared
        ["S1", "USD", 1, 50.0, 0, False],        # the minimum is in EUR and there is no rate: not compared
        ["S2", "USD", 1, 176.0, 0, False],       # 176 >= 100
        ["S3", None, 1, 24.0, 0, False],         # no minimum
    ]
    assert drafts["fx_rate"].isna().all() and drafts["base_value"].isna().all()
    plan = plan_of()
    assert plan.po_lines("S1", "USD")["sku"].tolist() == ["C"]
    assert sorted(plan.po_lines("S1", "EUR")["sku"]) == ["A", "D"]
    assert plan.po_lines("S3", pd.NA)["sku"].tolist() == ["E"]


def test_converted_drafts_show_the_rate():
    drafts = plan_of(CONVERTED).purchase_orders.set_index(["supplier_id", "currency"])
    assert drafts["fx_rate"].to_dict() == {("S1", "EUR"): 1.0, ("S1", "USD"): 0.92, ("S2", "USD"): 0.92,
                                           ("S3", "EUR"): 1.0}
    assert drafts["base_value"].to_dict() == {("S1", "EUR"): 1030.0, ("S1", "USD"): 46.0, ("S2", "USD"): 161.92,
                                              ("S3", "EUR"): 24.0}
    # USD 50 against S1's EUR 2,000 minimum through the rate: 2000 / 0.92 USD.
    assert bool(drafts.loc[("S1", "USD"), "below_min_order_value"]) is True


def test_totals_in_words():
    lines = plan_of().lines
    assert totals_text(totals(lines["order_value"], lines["currency"])) == (
        "EUR 1,030.00 (+ 1 line without a cost), USD 226.00, unknown currency 24.00")
    settings = load_config(CONVERTED)
    lines = plan_of(settings).lines
    # 1,054.00 EUR + 226.00 USD x 0.92 = 1,054.00 + 207.92
    assert totals_text(totals(lines["order_value"], lines["currency"]), conversion(settings)) == (
        "EUR 1,054.00 (+ 1 line without a cost), USD 226.00 = EUR 1,261.92 at USD 0.92")
    gbp = totals(pd.Series([1.0, 2.0]), pd.Series(["EUR", "GBP"]))
    assert totals_text(gbp, conversion(settings)) == "EUR 1.00, GBP 2.00; GBP not converted: no rate in fx_rates"
    assert totals_text(totals(pd.Series([], dtype=float), pd.Series([], dtype="string[python]"))) == "0.00"
    three = totals(pd.Series([1.0, 2.0, 4.0]), pd.Series(["EUR", "GBP", "USD"]))
    assert totals_text(three, conversion(settings)) == (
        "EUR 1.00, GBP 2.00, USD 4.00 = EUR 4.68 at USD 0.92 (without GBP: no rate in fx_rates)")


def test_currency_codes_are_normalised():
    got = currency_column(pd.Series([" usd", "", None, "Eur"]), pd.Series(["GBP", "GBP", None, "USD"]))
    assert got.astype(object).where(got.notna(), None).tolist() == ["USD", "GBP", None, "EUR"]


def write_csvs(folder, book):
    folder.mkdir()
    paths = []
    for name, frame in book.items():
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False, date_format="%Y-%m-%d")
        paths.append(path)
    return paths


def test_cli_prints_totals_per_currency_and_converted(tmp_path):
    paths = write_csvs(tmp_path / "book", two_currency_book())
    runner = CliRunner(env={"COLUMNS": "200"})
    result = runner.invoke(cli, ["reorder", *map(str, paths), "--as-of", AS_OF])
    assert result.exit_code in (0, 1), result.output
    assert result.output.startswith(
        "Reorder plan as of 2026-11-27 at a 95% service level: 5 SKUs to order, value EUR 1,030.00 (+ 1 line "
        "without a cost), USD 226.00, unknown currency 24.00.")
    assert "1 without a cost" in result.output
    config = tmp_path / "omxl.toml"
    config.write_text('base_currency = "eur"\nfx_rates = {usd = 0.92}\n', encoding="utf-8")
    result = runner.invoke(cli, ["reorder", *map(str, paths), "--as-of", AS_OF, "--config", str(config)])
    assert result.output.startswith(
        "Reorder plan as of 2026-11-27 at a 95% service level: 5 SKUs to order, value EUR 1,054.00 (+ 1 line "
        "without a cost), USD 226.00 = EUR 1,261.92 at USD 0.92.")
    assert "USD 176.00" in result.output and "= EUR 161.92 at USD 0.92" in result.output


def test_writers_leave_unknown_values_blank(tmp_path):
    paths = write_csvs(tmp_path / "book", two_currency_book())
    runner = CliRunner(env={"COLUMNS": "200"})
    for suffix in (".xlsx", ".csv", ".json"):
        out = tmp_path / f"plan{suffix}"
        result = runner.invoke(cli, ["reorder", *map(str, paths), "--as-of", AS_OF, "--out", str(out)])
        assert result.exit_code in (0, 1), result.output
        if suffix == ".xlsx":
            rows = list(openpyxl.load_workbook(out, read_only=True)["Reorder List"].iter_rows(values_only=True))
            from omxl.presentation.columns import label_of

            names = {label_of(name, "Reorder List"): name for name in ("sku", "order_value")}
            records = [dict(zip([names.get(h, h) for h in rows[0]], row)) for row in rows[1:]]
        elif suffix == ".csv":
            records = pd.read_csv(out, dtype=str, keep_default_na=False).to_dict("records")
        else:
            records = json.loads(out.read_text(encoding="utf-8"))
        d = next(r for r in records if r["sku"] == "D")
        a = next(r for r in records if r["sku"] == "A")
        assert d["order_value"] in (None, ""), suffix
        assert float(a["order_value"]) == 1030.0


def test_po_draft_workbooks_per_supplier_and_currency(tmp_path):
    from omxl.io.save.po_drafts import write_po_drafts

    written = write_po_drafts(plan_of(), tmp_path / "drafts")
    assert sorted(p.name for p in written) == ["PO draft S1 Euro Parts EUR.xlsx", "PO draft S1 Euro Parts USD.xlsx",
                                               "PO draft S2 Dollar Bolts.xlsx", "PO draft S3 Plain.xlsx"]
    sheet = openpyxl.load_workbook(tmp_path / "drafts" / "PO draft S1 Euro Parts EUR.xlsx")["PO draft"]
    values = {row[0]: row for row in sheet.iter_rows(values_only=True) if row[0]}
    assert values["Currency"][1] == "EUR"
    total = values["Total"]
    assert total[5] == "1 line has no unit cost: not in the total"
    d_row = values["D"]
    assert d_row[3] is None and d_row[4] is None                            # no cost: blank, not 0


def test_reconcile_order_values_per_currency():
    rec = omxl.reconcile(omxl.read_book(two_currency_book()), as_of=AS_OF)
    orders = rec.orders.set_index("order_id")
    assert orders["currency"].to_dict() == {"O1": "mixed", "O2": "USD", "O3": "EUR"}
    assert pd.isna(orders.loc["O1", "value"]) and pd.isna(orders.loc["O1", "open_value"])   # mixed currencies
    assert orders.loc["O2", "value"] == 21.0 and orders.loc["O2", "open_value"] == 21.0
    assert pd.isna(orders.loc["O3", "value"]) and pd.isna(orders.loc["O3", "open_value"])   # price unknown
    refunds = rec.returns.set_index("rma_id")["refund_amount"]
    assert refunds["R2"] == 7.0
    assert pd.isna(refunds["R1"])                                                            # price unknown


def test_sample_reorder_summary_per_currency_checked_with_plain_pandas():
    """The sample's plan quantities, valued from the sheets themselves (read with openpyxl through pandas):
    the item's Unit Cost times the quantity, in its supplier's Currency."""
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["reorder", str(SAMPLE), "--as-of", AS_OF])
    plan = omxl.plan_reorders(omxl.read_book(SAMPLE), as_of=AS_OF)
    inventory = pd.read_excel(SAMPLE, sheet_name="Inventory", engine="openpyxl", dtype={"SKU": str, "Supplier": str})
    suppliers = pd.read_excel(SAMPLE, sheet_name="Suppliers", engine="openpyxl", dtype=str)
    first = inventory.drop_duplicates("SKU").set_index("SKU")
    currency = first["Supplier"].map(suppliers.drop_duplicates("Supplier ID").set_index("Supplier ID")["Currency"])
    skus = plan.lines["sku"]
    value = plan.lines["order_qty"].to_numpy() * first["Unit Cost"].astype(float).reindex(skus).to_numpy()
    expected = pd.Series(value).groupby(currency.reindex(skus).to_numpy()).sum().round(2)
    assert expected.to_dict() == {"EUR": 596525.67, "GBP": 204996.31, "USD": 114167.2}
    assert result.output.startswith(
        "Reorder plan as of 2026-11-27 at a 95% service level: 240 SKUs to order, value EUR 596,525.67, "
        "GBP 204,996.31, USD 114,167.20.")


@pytest.mark.parametrize("settings, message", [
    ({"base_currency": "EURO"}, "setting 'base_currency': 'EURO' is not a currency code"),
    ({"base_currency": "EUR", "fx_rates": {"USD": 0}}, "setting 'fx_rates': the rate for USD must be a positive"),
    ({"base_currency": "EUR", "fx_rates": {"USD": -1.5}}, "the rate for USD must be a positive"),
    ({"fx_rates": {"USD": 0.92}}, "setting 'fx_rates': needs base_currency"),
    ({"base_currency": "EUR", "fx_rates": {"eur": 0.9}}, "setting 'fx_rates': the rate for the base currency EUR must be 1"),
    ({"base_currency": "EUR", "fx_rates": {"US": 0.9}}, "'US' is not a currency code"),
])
def test_invalid_currency_settings_name_the_setting(settings, message):
    with pytest.raises(omxl.ConfigError) as caught:
        load_config(settings)
    assert message in str(caught.value)


def test_currency_settings_are_normalised():
    settings = load_config({"base_currency": "eur", "fx_rates": {"usd": 0.92, "EUR": 1}})
    assert settings.base_currency == "EUR" and settings.fx_rates == {"USD": 0.92, "EUR": 1.0}


def test_reconcile_prints_the_open_value_per_currency(tmp_path):
    # By hand: every line is open. EUR: O1/1 2 x 20 = 40, O3/1 has no price; USD: O1/2 1 x 5 + O2/1 3 x 7 = 26.
    paths = write_csvs(tmp_path / "book", two_currency_book())
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["reconcile", *map(str, paths), "--as-of", AS_OF])
    assert result.exit_code in (0, 1), result.output
    assert "Open value: EUR 40.00 (+ 1 line without a price), USD 26.00\n" in result.output


def test_an_order_in_two_currencies_is_an_exception_on_the_odd_line():
    # O1 has one EUR and one USD line: on a tie the first line's currency is the order's, so line 2 is cited.
    book = two_currency_book()
    book["orders"] = pd.concat([book["orders"], pd.DataFrame({
        "order_id": ["O4", "O4", "O4"], "line": [1, 2, 3], "order_date": pd.to_datetime(["2026-11-20"] * 3),
        "customer_id": ["K1"] * 3, "sku": ["A", "A", "B"], "qty": [1.0, 1.0, 1.0], "unit_price": [1.0, 1.0, 1.0],
        "currency": ["USD", "EUR", "EUR"]})], ignore_index=True)
    rec = omxl.reconcile(omxl.read_book(book), as_of=AS_OF)
    found = rec.exceptions[rec.exceptions["code"] == "mixed-currency-order"]
    assert found[["severity", "order_id", "line", "value", "cell"]].astype(object).values.tolist() == [
        ["warning", "O1", 2, "usd", "H3"], ["warning", "O4", 1, "USD", "H6"]]
    assert found["message"].iloc[1] == ("Order O4 line 1 is in USD, the order's other lines in EUR. Correct the "
                                        "line's currency: an order is priced and invoiced in one currency.")
    orders = rec.orders.set_index("order_id")
    assert orders.loc["O4", "currency"] == "mixed" and pd.isna(orders.loc["O4", "value"])
