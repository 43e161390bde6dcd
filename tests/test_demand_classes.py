"""Demand classes (issue 31, contract 4.3): ADI, CV², the Syntetos–Boylan class, short history and ABC by value
share, on hand-built series, in the plan, on the Reorder List and the weekly workbook, and on Online Retail
against an independent pandas computation."""

from __future__ import annotations

import glob

import numpy as np
import openpyxl
import pandas as pd
import pytest

import omxl
from conftest import ONLINE_RETAIL
from omxl.demand_classes import abc_classes, classify_demand
from omxl.planning import PLAN_COLUMNS, plan_reorders
from omxl.presentation.columns import label_of

pytestmark = pytest.mark.core

AS_OF = pd.Timestamp("2026-11-27")
WEEKS = 8
CLASS_COLUMNS = ["adi", "cv2", "demand_class", "short_history", "weeks_with_demand"]


# --- the Syntetos–Boylan class of hand-built weekly series -------------------------------------------

SERIES = {
    # 8 weeks with demand of 8: ADI 8/8 = 1; sizes 4 and 6, mean 5, population variance 1: CV² 1/25 = 0.04.
    "SMOOTH": [4, 6, 4, 6, 4, 6, 4, 6],
    # ADI 1; sizes 1 and 9, mean 5, variance 16: CV² 16/25 = 0.64.
    "ERRATIC": [1, 9, 1, 9, 1, 9, 1, 9],
    # 4 weeks with demand of 8: ADI 2; sizes 4 and 6: CV² 0.04.
    "INTERMITTENT": [0, 4, 0, 6, 0, 4, 0, 6],
    # ADI 2; sizes 1 and 9: CV² 0.64.
    "LUMPY": [0, 1, 0, 9, 0, 1, 0, 9],
    # No week with demand: no ADI, CV² or class; fewer than 2 weeks with demand: short history.
    "NONE": [0, 0, 0, 0, 0, 0, 0, 0],
    # One week with demand: ADI 8/1 = 8, one size, CV² 0: intermittent, and a short history.
    "SHORT": [0, 0, 0, 0, 0, 0, 0, 7],
    # On the CV² cut-off: sizes 3 and 17, mean 10, variance 49: CV² 49/100 = 0.49, not below 0.49: erratic.
    "CV2-EDGE": [3, 17, 3, 17, 3, 17, 3, 17],
}


def weekly(series: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(series, orient="index", dtype="float64").rename_axis("sku")


def test_the_four_classes_no_demand_and_short_history_by_hand():
    found = classify_demand(weekly(SERIES))
    expected = pd.DataFrame.from_dict({
        "SMOOTH": (1.0, 0.04, "smooth", False, 8),
        "ERRATIC": (1.0, 0.64, "erratic", False, 8),
        "INTERMITTENT": (2.0, 0.04, "intermittent", False, 4),
        "LUMPY": (2.0, 0.64, "lumpy", False, 4),
        "NONE": (np.nan, np.nan, None, True, 0),
        "SHORT": (8.0, 0.0, "intermittent", True, 1),
        "CV2-EDGE": (1.0, 0.49, "erratic", False, 8),
    }, orient="index", columns=CLASS_COLUMNS).rename_axis("sku")
    expected = expected.astype({"adi": "float64", "cv2": "float64", "demand_class": "string[python]",
                                "short_history": "bool", "weeks_with_demand": "int64"})
    pd.testing.assert_frame_equal(found, expected, check_exact=False, rtol=1e-12)


def test_adi_on_its_cut_off_is_intermittent():
    # 33 weeks, 25 with demand of 5: ADI 33/25 = 1.32, not below 1.32; CV² 0: intermittent. 24 of 33 weeks:
    # ADI 1.375. 26 of 33: ADI 1.269...: smooth.
    rows = {f"W{k}": [5.0] * k + [0.0] * (33 - k) for k in (24, 25, 26)}
    found = classify_demand(weekly(rows))
    assert found["adi"].tolist() == [33 / 24, 1.32, 33 / 26]
    assert found["demand_class"].tolist() == ["intermittent", "intermittent", "smooth"]


def test_an_empty_history_gives_an_empty_frame_with_the_dtypes():
    found = classify_demand(pd.DataFrame(index=pd.Index([], name="sku"), columns=range(12), dtype="float64"))
    assert found.empty and found.dtypes.astype(str).tolist() == ["float64", "float64", "string", "bool", "int64"]


# --- ABC by value share ------------------------------------------------------------------------------

def test_abc_at_the_boundaries_per_currency():
    table = pd.DataFrame([
        # EUR: 80 + 15 + 5 = 100. Shares held by the SKUs ranked above: 0 (A), 0.80 (not below 0.80: B),
        # 0.95 (not below 0.95: C). The blank value (no cost) has no class.
        ("E1", 80.0, "EUR"), ("E2", 15.0, "EUR"), ("E3", 5.0, "EUR"), ("E4", np.nan, "EUR"),
        # USD: 50 + 40 + 10 = 100: 0 (A), 0.50 (A: the SKU that reaches 0.80 is A), 0.90 (B).
        ("U1", 10.0, "USD"), ("U2", 50.0, "USD"), ("U3", 40.0, "USD"),
        # GBP: one SKU holds 90 %: A (the SKUs above it hold nothing); the other: 0.90 (B).
        ("G1", 90.0, "GBP"), ("G2", 10.0, "GBP"),
        # Blank currency: a group of its own, 60 + 20 + 20 = 100; equal values ranked by SKU: X1 has 0.60 above
        # it (A), X3 0.80 (B), whatever their order in the table.
        ("X3", 20.0, None), ("X2", 60.0, None), ("X1", 20.0, None),
        # CHF: every SKU worth 0 (cost 0): no value to share, C.
        ("C1", 0.0, "CHF"),
    ], columns=["sku", "value", "currency"]).set_index("sku")
    found = abc_classes(table["value"], table["currency"].astype("string[python]"), [0.80, 0.95])
    assert found.dtype == "string"
    assert found.fillna("-").to_dict() == {"E1": "A", "E2": "B", "E3": "C", "E4": "-", "U1": "B", "U2": "A",
                                           "U3": "A", "G1": "A", "G2": "B", "X3": "B", "X2": "A", "X1": "A",
                                           "C1": "C"}
    # Other thresholds: with [0.5, 1.0], E2 (0.80 above it) is B and E3 (0.95) too; U3 (0.50 above it) is B.
    other = abc_classes(table["value"], table["currency"], [0.5, 1.0])
    assert other[["E1", "E2", "E3", "U2", "U3", "U1"]].tolist() == ["A", "B", "B", "A", "B", "B"]


def test_float_sums_on_a_boundary_count_as_on_it():
    # 0.7 + 0.1 is 0.7999999999999999 in floating point: c still has 0.80 above it, so B; e has 0.95 above it: C.
    value = pd.Series([0.7, 0.1, 0.09, 0.06, 0.05], index=["a", "b", "c", "d", "e"])
    assert 0.7 + 0.1 < 0.8
    assert abc_classes(value, pd.Series("EUR", index=value.index), [0.80, 0.95]).tolist() == \
        ["A", "A", "B", "B", "C"]


# --- in the plan -------------------------------------------------------------------------------------

def _orders(item: str, quantities: list[float]) -> list[dict]:
    """Week k of the series is the k-th week before as_of (ordered 7k + 1 days before it)."""
    return [{"order_id": f"{item}-{k}", "line": 1, "order_date": AS_OF - pd.Timedelta(days=7 * k + 1),
             "customer_id": "K", "sku": item, "qty": float(q), "status": "closed"}
            for k, q in enumerate(quantities) if q]


# Value over the 8 weeks = units × unit cost. EUR: SMOOTH 40 × 2 = 80, ERRATIC 40 × 0.375 = 15,
# INTERMITTENT 20 × 0.25 = 5 (100 in all: A, B, C); USD: LUMPY 20 × 1 = 20, SHORT 7 × 1 = 7 (27: LUMPY A, SHORT
# has 20/27 = 0.74 above it: A). NOCOST sells like SMOOTH but has no unit cost, NONE sells nothing: no ABC.
ITEMS = [("SMOOTH", 2.0, "EUR"), ("ERRATIC", 0.375, "EUR"), ("INTERMITTENT", 0.25, "EUR"), ("LUMPY", 1.0, "USD"),
         ("SHORT", 1.0, "USD"), ("NONE", 1.0, "EUR"), ("NOCOST", None, "EUR")]
SOLD = {**{name: SERIES[name] for name in ("SMOOTH", "ERRATIC", "INTERMITTENT", "LUMPY", "SHORT")},
        "NOCOST": SERIES["SMOOTH"]}


def hand_book(**config) -> omxl.Book:
    inventory = pd.DataFrame([{"sku": name, "description": f"Item {name}", "on_hand": 0.0, "supplier_id": "S1",
                               "unit_cost": cost, "currency": currency} for name, cost, currency in ITEMS])
    orders = pd.DataFrame([row for name, series in SOLD.items() for row in _orders(name, series)])
    suppliers = pd.DataFrame({"supplier_id": ["S1"], "name": ["Acme Parts"], "lead_time_days": [14.0]})
    return omxl.read_book({"orders": orders, "inventory": inventory, "suppliers": suppliers},
                          config={"history_weeks": WEEKS, **config})


@pytest.fixture(scope="module")
def plan():
    return plan_reorders(hand_book(), as_of=AS_OF)


def test_plan_columns_follow_the_demand_statistics(plan):
    at = PLAN_COLUMNS.index("demand_std_daily")
    assert PLAN_COLUMNS[at + 1:at + 7] == ("abc_class", "demand_class", "demand_method", "adi", "cv2",
                                           "short_history")
    assert list(plan.skus.columns[:len(PLAN_COLUMNS)]) == list(PLAN_COLUMNS)
    assert plan.skus[["abc_class", "demand_class"]].dtypes.astype(str).tolist() == ["string", "string"]
    assert plan.skus[["adi", "cv2"]].dtypes.astype(str).tolist() == ["float64", "float64"]
    assert str(plan.skus["short_history"].dtype) == "boolean"


def test_plan_classes_by_hand(plan):
    found = plan.skus.set_index("sku").loc[[name for name, _, _ in ITEMS],
                                           ["abc_class", "demand_class", "adi", "cv2", "short_history"]]
    rows = {sku: tuple(None if pd.isna(v) else (round(v, 12) if isinstance(v, float) else v) for v in row)
            for sku, row in zip(found.index, found.itertuples(index=False))}
    assert rows == {
        "SMOOTH": ("A", "smooth", 1.0, 0.04, False),
        "ERRATIC": ("B", "erratic", 1.0, 0.64, False),
        "INTERMITTENT": ("C", "intermittent", 2.0, 0.04, False),
        "LUMPY": ("A", "lumpy", 2.0, 0.64, False),
        "SHORT": ("A", "intermittent", 8.0, 0.0, True),
        "NONE": (None, None, None, None, True),
        "NOCOST": (None, "smooth", 1.0, 0.04, False),
    }


def test_converted_values_rank_across_currencies():
    # base EUR, USD at 0.5: LUMPY 20 USD = 10 EUR, SHORT 7 USD = 3.5 EUR; all in EUR 80 + 15 + 10 + 5 + 3.5 =
    # 113.5. Above each: SMOOTH 0 (A), ERRATIC 80/113.5 = 0.705 (A), LUMPY 95/113.5 = 0.837 (B),
    # INTERMITTENT 105/113.5 = 0.925 (B), SHORT 110/113.5 = 0.969 (C).
    skus = plan_reorders(hand_book(base_currency="EUR", fx_rates={"USD": 0.5}), as_of=AS_OF).skus.set_index("sku")
    assert skus["abc_class"].fillna("-").to_dict() == {"SMOOTH": "A", "ERRATIC": "A", "LUMPY": "B",
                                                       "INTERMITTENT": "B", "SHORT": "C", "NONE": "-", "NOCOST": "-"}
    # Without a rate for USD the USD SKUs stay ranked among themselves.
    skus = plan_reorders(hand_book(base_currency="EUR", fx_rates={"GBP": 1.1}), as_of=AS_OF).skus.set_index("sku")
    assert skus.loc[["SMOOTH", "ERRATIC", "INTERMITTENT", "LUMPY", "SHORT"], "abc_class"].tolist() == \
        ["A", "B", "C", "A", "A"]


def test_abc_thresholds_setting():
    # [0.5, 0.9]: EUR 80/15/5: SMOOTH A (0 above), ERRATIC (0.80 above) B, INTERMITTENT (0.95 above) C;
    # USD: SHORT has 20/27 = 0.74 above it: B.
    skus = plan_reorders(hand_book(abc_thresholds=[0.5, 0.9]), as_of=AS_OF).skus.set_index("sku")
    assert skus.loc[["SMOOTH", "ERRATIC", "INTERMITTENT", "LUMPY", "SHORT"], "abc_class"].tolist() == \
        ["A", "B", "C", "A", "B"]


def test_a_book_without_orders_has_no_classes():
    inventory = pd.DataFrame([{"sku": "P1", "on_hand": 5.0, "unit_cost": 1.0, "reorder_point": 10.0}])
    skus = plan_reorders(omxl.read_book({"inventory": inventory}), as_of=AS_OF).skus
    assert skus[["abc_class", "demand_class", "short_history"]].isna().all().all()
    assert skus[["adi", "cv2"]].isna().all().all()


def test_the_reorder_list_shows_the_classes_in_words(plan, tmp_path):
    out = omxl.save_workbook(plan.result_sheets(), tmp_path / "plan.xlsx")
    sheet = openpyxl.load_workbook(out)["Reorder List"]
    headers = [cell.value for cell in sheet[1]]
    at = headers.index("Daily demand std dev")
    assert headers[at + 1:at + 7] == ["ABC class", "Demand class", "Demand method", "Avg weeks between demand (ADI)",
                                      "Demand size variability (CV²)", "Short history"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    lumpy = rows["LUMPY"]
    assert [c.value for c in lumpy[at + 1:at + 7]] == ["A", "lumpy", "SBA", 2, 0.64, False]
    assert lumpy[at + 4].number_format == lumpy[at + 5].number_format == "0.00"
    assert label_of("short_history") == "Short history"
    assert rows["SMOOTH"][at + 3].value == "weekly mean"      # plan.lines keeps the codes: "sba", "normal"
    assert plan.lines.set_index("sku").loc[["LUMPY", "SMOOTH"], "demand_method"].tolist() == ["sba", "normal"]


# --- the weekly workbook's class table ----------------------------------------------------------------

def test_weekly_workbook_counts_skus_by_abc_and_demand_class(tmp_path):
    report = omxl.weekly_report(hand_book(), as_of=AS_OF)
    table = report.sheets["Demand Classes"]
    assert table.columns.tolist() == ["abc_class", "smooth", "erratic", "intermittent", "lumpy", "no_demand", "skus"]
    sheet = openpyxl.load_workbook(report.save(tmp_path / "weekly.xlsx"))["Demand Classes"]
    cells = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3, max_row=7, max_col=7)]
    assert cells == [
        ["ABC class", "Smooth", "Erratic", "Intermittent", "Lumpy", "No demand", "SKUs"],
        ["A", 1, 0, 1, 1, 0, 3],          # SMOOTH; SHORT (intermittent); LUMPY
        ["B", 0, 1, 0, 0, 0, 1],          # ERRATIC
        ["C", 0, 0, 1, 0, 0, 1],          # INTERMITTENT
        ["no class", 1, 0, 0, 0, 1, 2],   # NOCOST (smooth, no unit cost); NONE (no demand)
    ]


# --- Online Retail: the plan's classes against an independent computation -------------------------------

RETAIL_FILES = sorted(glob.glob(str(ONLINE_RETAIL / "*.csv")))
RETAIL_AS_OF = pd.Timestamp("2011-12-09")
RETAIL_WEEKS = 60     # the four published days of the excerpt, 2010-12-01 to 2011-12-09, all within 60 weeks


def test_online_retail_classes_match_an_independent_computation():
    raw = pd.concat([pd.read_csv(f, dtype={"StockCode": str}) for f in RETAIL_FILES], ignore_index=True)
    # An inventory table for the export (it has none): each StockCode at its highest unit price as its cost.
    inventory = raw.groupby("StockCode", as_index=False)["UnitPrice"].max().rename(
        columns={"StockCode": "sku", "UnitPrice": "unit_cost"}).assign(on_hand=0.0)
    book = omxl.read_book(*RETAIL_FILES, {"inventory": inventory},
                          config={"cancelled_order_pattern": "^C", "history_weeks": RETAIL_WEEKS})
    position = omxl.prepare(book, as_of=RETAIL_AS_OF)
    skus = plan_reorders(position).skus.set_index("sku").sort_index()

    # The order lines planning counts (which rows are valid is validation's, tested in test_validate.py); from
    # them, with plain pandas: the week before as_of each falls in, the weekly totals, the classes.
    lines = position.lines
    lines = lines[(lines["kind"] == "order") & (lines["sheet_status"] != "cancelled")]
    days_before = (RETAIL_AS_OF - lines["order_date"].dt.normalize()).dt.days
    lines = lines.assign(week=days_before // 7)[(days_before >= 0) & (days_before < 7 * RETAIL_WEEKS)]
    totals = lines.groupby(["sku", "week"])["qty"].sum()
    sizes = totals[totals > 0]
    by_sku = sizes.groupby(level="sku")
    n = by_sku.size()
    adi = RETAIL_WEEKS / n
    # (std ÷ mean)² computed as variance ÷ mean², as exact as floating point allows: SKU 22910 sits exactly on
    # the cut-off (weeks of 136 and 24: mean 80, std 56, CV² = 0.7² = 0.49: lumpy), where (56 / 80) ** 2 gives
    # 0.48999999999999994.
    cv2 = by_sku.var(ddof=0) / by_sku.mean() ** 2
    kind = pd.Series(np.where(adi < 1.32, np.where(cv2 < 0.49, "smooth", "erratic"),
                              np.where(cv2 < 0.49, "intermittent", "lumpy")), index=n.index)
    expected = pd.DataFrame({"adi": adi, "cv2": cv2, "demand_class": kind, "short_history": n < 2})
    expected = expected.reindex(skus.index)
    expected["short_history"] = expected["short_history"].fillna(True)
    assert len(skus) == 2061 and int(n.size) == 1387
    np.testing.assert_allclose(skus["adi"].to_numpy(dtype=float), expected["adi"].to_numpy(dtype=float),
                               rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(skus["cv2"].to_numpy(dtype=float), expected["cv2"].to_numpy(dtype=float),
                               rtol=1e-9, atol=1e-12, equal_nan=True)
    assert skus["demand_class"].astype(object).where(skus["demand_class"].notna(), None).tolist() == \
        expected["demand_class"].astype(object).where(expected["demand_class"].notna(), None).tolist()
    assert skus["short_history"].astype(bool).tolist() == expected["short_history"].astype(bool).tolist()

    # ABC: value = units in the window × unit cost, ranked within the one currency; A while the SKUs above hold
    # less than 80 %, B below 95 %.
    value = (lines.groupby("sku")["qty"].sum() * inventory.set_index("sku")["unit_cost"]).dropna()
    value = value[lines.groupby("sku")["qty"].sum().reindex(value.index) > 0]
    ranked = value.reset_index().set_axis(["sku", "value"], axis=1).sort_values(["value", "sku"],
                                                                                ascending=[False, True])
    above = (ranked["value"].cumsum() - ranked["value"]) / ranked["value"].sum()
    ranked["abc"] = np.where(above < 0.80 - 1e-9, "A", np.where(above < 0.95 - 1e-9, "B", "C"))
    abc = ranked.set_index("sku")["abc"].reindex(skus.index)
    assert skus["abc_class"].astype(object).where(skus["abc_class"].notna(), None).tolist() == \
        abc.astype(object).where(abc.notna(), None).tolist()
    assert skus["demand_class"].value_counts().to_dict() == {"intermittent": 1215, "lumpy": 172}
    assert (skus.loc["22910", "cv2"], skus.loc["22910", "demand_class"]) == (0.49, "lumpy")
