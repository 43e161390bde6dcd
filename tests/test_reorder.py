"""Reorder planning: textbook policy values, each rule on a hand-built book, Northwind.

Demand classes (contract 4.3) left these cases as they were: the hand-built book's items with a history (C1, C2,
R3: 7 a week for 12 weeks) are smooth, planned by the weekly mean as before; the others have no history or a short
one (R2: one order, 2 days ago), which keeps the weekly mean. Their explanations gain the class and the method
("; smooth demand, weekly mean"). Northwind's case is run with every class set to `normal` and again by class."""

from __future__ import annotations

import csv
import math
from statistics import NormalDist

import pandas as pd
import pytest

import omxl
from conftest import NORTHWIND
from northwind import northwind_book
from omxl import reorder
from omxl.planning import plan_reorders
from omxl.reorder import eoq, reorder_point, round_up_to_pack, safety_stock

pytestmark = pytest.mark.core

AS_OF = pd.Timestamp("2026-11-27")
Z95 = NormalDist().inv_cdf(0.95)


# --- the policy functions, against the textbook formulas ---------------------------------------------

def test_eoq_textbook():
    assert eoq(1300, 8, 0.225) == pytest.approx(math.sqrt(2 * 1300 * 8 / 0.225))
    assert round(eoq(1300, 8, 0.225), 2) == 304.05
    assert math.isnan(eoq(1300, 8, 0))
    assert eoq(0, 8, 0.5) == 0.0


def test_safety_stock_textbook():
    assert safety_stock(0.95, 10, 9) == pytest.approx(Z95 * 10 * math.sqrt(9))
    assert round(safety_stock(0.95, 10, 9), 2) == 49.35


def test_reorder_point_with_lead_time_variability():
    ss = safety_stock(0.95, 5, 10, demand_mean=20, lead_time_std=2)
    assert ss == pytest.approx(Z95 * math.sqrt(10 * 5**2 + 20**2 * 2**2))
    assert reorder_point(20, 10, ss) == pytest.approx(200 + Z95 * math.sqrt(1850))


def test_round_up_to_pack_is_float_safe():
    assert round_up_to_pack(5.1, 0.1) == 5.1
    assert round_up_to_pack(0.3, 0.1) == 0.3
    assert round_up_to_pack(13, 12) == 24
    assert round_up_to_pack(24, 12) == 24
    assert round_up_to_pack(0, 12) == 0
    assert round_up_to_pack(5.3, float("nan")) == 5.3
    assert round_up_to_pack(pd.Series([1, 7, 0.25]), pd.Series([6, 7, 0.1])).tolist() == [6.0, 7.0, 0.3]


def test_bad_service_level_is_refused():
    with pytest.raises(ValueError):
        safety_stock(1.2, 10, 9)


# --- the rules on a small book -------------------------------------------------------------------

def sku(name, on_hand, supplier="S1", **policy):
    row = {"sku": name, "description": f"Item {name}", "on_hand": on_hand, "supplier_id": supplier, "unit_cost": 2.0}
    row.update(policy)
    return row


INVENTORY = pd.DataFrame([
    sku("M1", 10, min_qty=10, max_qty=50),                  # IP exactly at min: no order
    sku("M2", 9, min_qty=10, max_qty=50),                   # 50 - 9 = 41
    sku("R1", 20, reorder_point=20, reorder_qty=30),        # IP exactly at the reorder point: order 30
    sku("R2", 2, reorder_point=20, reorder_qty=5),          # backlog 5: IP -3, order max(5, 23) = 23, critical
    sku("Q1", 15, reorder_point=20, moq=100),               # 5 short, raised to MOQ 100
    sku("P1", 7, reorder_point=20, pack_size=12),           # 13 short, rounded up to 24
    sku("D1", 0, reorder_point=50, discontinued=True),      # never reordered
    sku("N1", 0, supplier=None, reorder_point=10),          # no supplier: listed and flagged
    sku("C1", 10),                                          # computed with EOQ
    sku("C2", 10, supplier="S2"),                           # computed with cover days (no ordering cost)
    sku("R3", 5, supplier="S2", reorder_point=20),          # no reorder qty: 20 - 5 + 1/day x 28 = 43
])
SUPPLIERS = pd.DataFrame({"supplier_id": ["S1", "S2"], "name": ["Acme Parts", "Bolt & Co"],
                          "lead_time_days": [14.0, 14.0], "ordering_cost": [50.0, None],
                          "min_order_value": [1000.0, None], "email": ["po@acme.example", "buy@bolt.example"]})


def history(item):
    """One order of 7 a week for 12 weeks: 1 a day, no spread."""
    return [{"order_id": f"H-{item}-{k}", "line": 1, "order_date": AS_OF - pd.Timedelta(days=7 * k + 1),
             "customer_id": "K", "sku": item, "qty": 7.0, "status": "closed"} for k in range(12)]


ORDERS = pd.DataFrame(history("C1") + history("C2") + history("R3") + [
    {"order_id": "OPEN-1", "line": 1, "order_date": AS_OF - pd.Timedelta(days=2), "customer_id": "K", "sku": "R2",
     "qty": 5.0, "status": "open"}])


@pytest.fixture(scope="module")
def plan():
    book = omxl.read_book({"orders": ORDERS, "inventory": INVENTORY, "suppliers": SUPPLIERS})
    return plan_reorders(book, as_of=AS_OF)


def planned(plan, name):
    return plan.skus.set_index("sku").loc[name]


def test_min_max_boundaries(plan):
    assert (planned(plan, "M1")["rule"], planned(plan, "M1")["order_qty"]) == ("min_max", 0.0)
    assert (planned(plan, "M2")["rule"], planned(plan, "M2")["order_qty"]) == ("min_max", 41.0)
    assert planned(plan, "M2")["explanation"] == ("IP 9 = on hand 9 + on order 0 - backlog 0 < min 10; order 41 = "
                                                  "max 50 - 9")


def test_reorder_point_rule(plan):
    assert planned(plan, "R1")["order_qty"] == 30.0              # IP 20 <= 20
    r2 = planned(plan, "R2")
    assert (r2["inventory_position"], r2["order_qty"], r2["urgency"]) == (-3.0, 23.0, "critical")
    assert r2["explanation"] == ("IP -3 = on hand 2 + on order 0 - backlog 5 <= reorder point 20; order 23 = "
                                 "max(reorder qty 5, 20 - (-3))")


def test_reorder_point_rule_without_reorder_qty_adds_cover_days_of_demand(plan):
    """Contract 4.3: reorder_qty blank -> qty = reorder_point - IP + d x cover_days (28 by default)."""
    r3 = planned(plan, "R3")
    assert (r3["rule"], r3["inventory_position"], r3["avg_daily_demand"]) == ("reorder_point", 5.0, 1.0)
    assert r3["order_qty"] == 20 - 5 + 1.0 * 28 == 43.0
    assert r3["explanation"] == ("IP 5 = on hand 5 + on order 0 - backlog 0 <= reorder point 20; order 43 = "
                                 "20 - 5 + 1.0/day x 28 cover days; smooth demand, weekly mean")
    book = omxl.read_book({"orders": ORDERS, "inventory": INVENTORY, "suppliers": SUPPLIERS})
    longer = plan_reorders(book, as_of=AS_OF, config={"cover_days": 10}).skus.set_index("sku").loc["R3"]
    assert longer["order_qty"] == 20 - 5 + 1.0 * 10 == 25.0


def test_moq_and_pack_rounding(plan):
    assert planned(plan, "Q1")["order_qty"] == 100.0
    assert planned(plan, "Q1")["explanation"].endswith("; order 5 = 20 - 15 + 0.0/day x 28 cover days, raised to "
                                                       "MOQ 100")
    assert planned(plan, "P1")["order_qty"] == 24.0
    assert planned(plan, "P1")["explanation"].endswith(", rounded up to pack 12 = 24")


def test_discontinued_is_never_reordered(plan):
    d1 = planned(plan, "D1")
    assert (d1["rule"], d1["order_qty"]) == ("discontinued", 0.0)
    assert "D1" not in set(plan.lines["sku"])


def test_missing_supplier_is_listed_and_flagged_not_dropped(plan):
    n1 = plan.lines.set_index("sku").loc["N1"]
    assert (n1["order_qty"], n1["flags"]) == (10.0, "no supplier: cannot go on a purchase order; no orders in "
                                                    "the demand history")
    assert pd.isna(n1["supplier_id"])
    assert n1["lead_time_days"] == 14.0                           # the configured default


def test_computed_rule_with_eoq(plan):
    c1 = planned(plan, "C1")
    assert c1["avg_daily_demand"] == pytest.approx(1.0)
    assert c1["demand_std_daily"] == pytest.approx(0.0)
    assert (c1["rule"], c1["lead_time_days"], c1["safety_stock"], c1["reorder_point"]) == ("computed", 14.0, 0.0, 14.0)
    q = math.sqrt(2 * 365 * 50 / (2.0 * 0.25))
    assert c1["order_qty"] == math.ceil(14 + q - 10)
    assert c1["order_value"] == c1["order_qty"] * 2.0
    assert (c1["order_by"], c1["expected_arrival"]) == (AS_OF, AS_OF + pd.Timedelta(days=14))
    assert c1["days_of_supply"] == pytest.approx(10.0)
    assert c1["explanation"] == ("IP 10 = on hand 10 + on order 0 - backlog 0 <= ROP 14 (1.0/day x 14 d + SS 0 at "
                                 f"95%); order {14 + q - 10:,.1f} = 14 + EOQ {q:,.1f} - 10, rounded up to whole "
                                 f"units = {math.ceil(14 + q - 10)}; smooth demand, weekly mean")


def test_computed_rule_with_cover_days(plan):
    c2 = planned(plan, "C2")
    assert c2["order_qty"] == 14 + 28 - 10                      # ROP + d x cover days - IP


def test_purchase_order_drafts(plan):
    drafts = plan.purchase_orders.set_index("supplier_id")
    assert sorted(drafts.index) == ["S1", "S2"]
    s1 = drafts.loc["S1"]
    assert s1["lines"] == 6                                     # M2, R1, R2, Q1, P1, C1
    assert s1["value"] == pytest.approx(2.0 * plan.po_lines("S1")["order_qty"].sum())
    assert s1["below_min_order_value"] == (s1["value"] < 1000)
    assert drafts.loc["S2", "below_min_order_value"] == False  # noqa: E712 - no minimum given


def test_service_level_changes_safety_stock():
    orders = pd.DataFrame([{"order_id": f"X{k}", "line": 1, "order_date": AS_OF - pd.Timedelta(days=7 * k + 1),
                            "customer_id": "K", "sku": "V1", "qty": float(3 + 4 * (k % 2)), "status": "closed"}
                           for k in range(12)])
    book = omxl.read_book({"orders": orders, "inventory": pd.DataFrame([sku("V1", 30)]), "suppliers": SUPPLIERS})
    weekly = pd.Series([3 + 4 * (k % 2) for k in range(12)], dtype=float)
    sigma = weekly.std(ddof=1) / math.sqrt(7)
    for level in (0.9, 0.99):
        v1 = plan_reorders(book, as_of=AS_OF, service_level=level).skus.set_index("sku").loc["V1"]
        assert v1["demand_std_daily"] == pytest.approx(sigma)
        assert v1["safety_stock"] == pytest.approx(NormalDist().inv_cdf(level) * sigma * math.sqrt(14))


# --- Northwind --------------------------------------------------------------------------------------

def northwind_rows(name):
    with open(NORTHWIND / name, newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    return [dict(zip(records[0], r)) for r in records[1:]]


def northwind_reorders(as_of: pd.Timestamp = pd.Timestamp("1998-05-06"), weeks: int = 12,
                       cover_days: float = 28, by_class: bool = True) -> tuple[set[str], dict[str, float], pd.Series]:
    """Independently of omxl, from the CSVs: the SKUs at or below their reorder level, their order quantity by
    rule 3 without reorder_qty (contract 4.3: reorder level - IP + d x cover_days, rounded up to whole units),
    and the daily demand d (ordered quantity with an order date in the weeks up to as_of; by_class: by the
    product's demand class's method, else the weekly mean for all)."""
    rows = northwind_rows
    unshipped = {r["orderID"] for r in rows("orders.csv") if r["shippedDate"] == "NULL"}
    backlog: dict[str, float] = {}
    for r in rows("order-details.csv"):
        if r["orderID"] in unshipped:
            backlog[r["productID"]] = backlog.get(r["productID"], 0.0) + float(r["quantity"])
    position = {p["productID"]: float(p["unitsInStock"]) + float(p["unitsOnOrder"]) - backlog.get(p["productID"], 0.0)
                for p in rows("products.csv")}
    expected = {p["productID"] for p in rows("products.csv")
                if p["discontinued"] != "1" and position[p["productID"]] <= float(p["reorderLevel"])
                and float(p["reorderLevel"]) - position[p["productID"]] > 0}
    days = weeks * 7
    ordered_on = {r["orderID"]: pd.Timestamp(r["orderDate"]) for r in rows("orders.csv")}
    details = pd.DataFrame(rows("order-details.csv"))
    details["date"] = details["orderID"].map(ordered_on)
    details["quantity"] = details["quantity"].astype(float)
    in_window = details[(details["date"] > as_of - pd.Timedelta(days=days))
                        & (details["date"] <= as_of + pd.Timedelta(days=1))]
    # Every product was first ordered before the window, so every week of it counts.
    assert (details.groupby("productID")["date"].min() <= as_of - pd.Timedelta(days=days)).all()
    daily = in_window.groupby("productID")["quantity"].sum() / days
    # Demand by class (contract 4.3, [demand_methods] defaults): a product ordered in fewer than 12 / 1.32 of the
    # 12 weeks (ADI = weeks / weeks with demand >= 1.32: intermittent or lumpy) is planned by SBA over its weekly
    # quantities, oldest week first; the others by their weekly mean.
    week = ((as_of + pd.Timedelta(days=1) - in_window["date"]).dt.days - 1) // 7
    weekly = in_window.groupby([in_window["productID"], week])["quantity"].sum().unstack(fill_value=0.0) \
        .reindex(columns=range(weeks), fill_value=0.0)
    intermittent = weeks / (weekly > 0).sum(axis=1) >= 1.32
    for product in weekly.index[intermittent & by_class]:
        daily[product] = reorder.sba(weekly.loc[product].to_numpy()[::-1], alpha=0.1) / 7
    want = {}
    for p in rows("products.csv"):
        if p["productID"] in expected:
            raw = float(p["reorderLevel"]) - position[p["productID"]] + daily.get(p["productID"], 0.0) * cover_days
            want[p["productID"]] = float(math.ceil(round(raw, 9)))
    return expected, want, daily


# Every demand class planned by the weekly mean, as before demand classes (contract 4.3's [demand_methods]).
NORMAL_FOR_EVERY_CLASS = {"demand_methods": {"smooth": "normal", "erratic": "normal", "intermittent": "normal",
                                             "lumpy": "normal"}}


def test_northwind_skus_to_reorder_match_an_independent_computation():
    # This case as it was before demand classes, unchanged: its intermittent products (2 and 70 among them) are set
    # to `normal` here; the next test plans them by their class.
    expected, want, daily = northwind_reorders(by_class=False)
    plan = plan_reorders(northwind_book(), as_of="1998-05-06", config=NORMAL_FOR_EVERY_CLASS)
    assert set(plan.lines["sku"]) == expected
    assert len(expected) == 16
    assert set(plan.lines["rule"]) == {"reorder_point"}
    got = plan.lines.set_index("sku")
    assert got["order_qty"].to_dict() == want
    assert got.loc["2", ["inventory_position", "order_qty"]].tolist() == [-5.0, 135.0]   # 25 + 5 + 313 / 84 x 28
    assert got.loc["70", ["inventory_position", "order_qty"]].tolist() == [13.0, 51.0]   # 30 - 13 + 102 / 84 x 28
    assert set(got["demand_method"]) == {"normal"}
    assert got["avg_daily_demand"].to_dict() == pytest.approx(daily.reindex(list(want)).to_dict())


def test_northwind_by_demand_class_matches_an_independent_computation():
    expected, want, daily = northwind_reorders()
    plan = plan_reorders(northwind_book(), as_of="1998-05-06")
    assert set(plan.lines["sku"]) == expected
    got = plan.lines.set_index("sku")
    assert got["order_qty"].to_dict() == want
    # Both are ordered in few of the 12 weeks (intermittent): their demand is SBA's forecast, 4.4711 and 2.1763 a day.
    assert got.loc["2", ["inventory_position", "order_qty"]].tolist() == [-5.0, 156.0]   # 25 + 5 + 4.4711 x 28
    assert got.loc["70", ["inventory_position", "order_qty"]].tolist() == [13.0, 78.0]   # 30 - 13 + 2.1763 x 28
    assert got.loc["2", "avg_daily_demand"] == pytest.approx(4.4711130950310105, abs=1e-12)
    assert got.loc[["2", "70"], "demand_method"].tolist() == ["sba", "sba"]
    assert got["avg_daily_demand"].to_dict() == pytest.approx(daily.reindex(list(want)).to_dict())


def test_omxl_reorder_on_the_northwind_files_orders_by_rule_3(tmp_path):
    """The CLI on the six Northwind CSVs as exported (header + line files joined by omxl): every SKU at or below
    its reorder level, and its quantity, as computed from the CSVs without omxl."""
    from click.testing import CliRunner

    from omxl.cli import cli

    files = ["orders.csv", "order-details.csv", "products.csv", "customers.csv", "suppliers.csv", "shippers.csv"]
    out = tmp_path / "plan.csv"
    result = CliRunner().invoke(cli, ["reorder", *(str(NORTHWIND / f) for f in files), "--as-of", "1998-05-06",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    expected, want, _ = northwind_reorders()
    written = pd.read_csv(out, dtype={"sku": str})
    assert dict(zip(written["sku"], written["order_qty"])) == want
    assert set(written["rule"]) == {"reorder_point"} and len(written) == 16
    assert ("16 SKUs to order, value unknown (16 lines without a cost)." in result.output)   # Northwind has no costs
