"""Planning by demand class (issue 31, contract 4.3, docs/reorder-planning.md): each item's demand by its class's
method ([demand_methods]), its service level by its ABC class ([service_levels]) unless service_level= is given,
and the cycle (alpha) or fill-rate (beta) safety factor, on tests/test_demand_classes.py's hand book."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from omxl import reorder
from omxl.planning import plan_reorders
from test_demand_classes import AS_OF, SERIES, hand_book

pytestmark = pytest.mark.core


def oldest_first(name: str) -> np.ndarray:
    """The hand book's weeks of an item, oldest first (its series lists the latest week first)."""
    return np.asarray(SERIES[name], dtype="float64")[::-1]


def test_intermittent_and_lumpy_items_are_planned_by_sba_the_others_by_their_weekly_mean():
    skus = plan_reorders(hand_book(), as_of=AS_OF).skus.set_index("sku")
    # SHORT sold in one week only: no interval to learn from, so its weekly mean (docs/reorder-planning.md).
    assert skus.loc[["SMOOTH", "ERRATIC", "INTERMITTENT", "LUMPY", "SHORT", "NONE"], "demand_method"].tolist() == [
        "normal", "normal", "sba", "sba", "normal", "normal"]
    # INTERMITTENT, oldest first 6 0 4 0 6 0 4 0: sizes 6, 4, 6, 4 smoothed 6, 5.8, 5.82, 5.638; intervals 1, 2, 2,
    # 2 smoothed 1, 1.1, 1.19, 1.271; SBA 0.95 x 5.638 / 1.271 = 4.21409 a week.
    weekly = 0.95 * 5.638 / 1.271
    assert reorder.sba(oldest_first("INTERMITTENT")) == pytest.approx(weekly, abs=1e-12)
    assert skus.loc["INTERMITTENT", "avg_daily_demand"] == pytest.approx(weekly / 7, abs=1e-12)
    # Its spread: the root mean square of the one-step-ahead errors after the first week with demand.
    y = oldest_first("INTERMITTENT")
    errors = y[1:] - reorder.sba_fitted(y)[1:]
    assert skus.loc["INTERMITTENT", "demand_std_daily"] == pytest.approx(
        math.sqrt(np.mean(errors ** 2)) / math.sqrt(7), abs=1e-12)
    # SMOOTH keeps the weekly mean 5 and the weeks' standard deviation.
    assert skus.loc["SMOOTH", "avg_daily_demand"] == pytest.approx(5 / 7, abs=1e-12)
    assert skus.loc["SMOOTH", "demand_std_daily"] == pytest.approx(np.std(SERIES["SMOOTH"], ddof=1) / math.sqrt(7),
                                                                 abs=1e-12)
    assert skus.loc["INTERMITTENT", "explanation"].endswith("; intermittent demand, SBA")
    assert skus.loc["SMOOTH", "explanation"].endswith("; smooth demand, weekly mean")


def test_demand_methods_choose_per_class():
    skus = plan_reorders(hand_book(demand_methods={"lumpy": "tsb", "intermittent": "croston",
                                                   "smooth": "sba"}, tsb_alpha_probability=0.2),
                         as_of=AS_OF).skus.set_index("sku")
    assert skus.loc[["SMOOTH", "ERRATIC", "INTERMITTENT", "LUMPY"], "demand_method"].tolist() == [
        "sba", "normal", "croston", "tsb"]
    assert skus.loc["LUMPY", "avg_daily_demand"] == pytest.approx(
        reorder.tsb(oldest_first("LUMPY"), alpha_demand=0.1, alpha_probability=0.2) / 7, abs=1e-12)
    assert skus.loc["INTERMITTENT", "avg_daily_demand"] == pytest.approx(
        reorder.croston(oldest_first("INTERMITTENT")) / 7, abs=1e-12)
    assert skus.loc["SMOOTH", "avg_daily_demand"] == pytest.approx(reorder.sba(oldest_first("SMOOTH")) / 7,
                                                                   abs=1e-12)
    assert skus.loc["LUMPY", "explanation"].endswith("; lumpy demand, TSB")


def test_service_levels_per_abc_class_and_the_argument_first():
    skus = plan_reorders(hand_book(service_levels={"A": 0.98, "B": 0.95, "C": 0.90}, service_level=0.93),
                         as_of=AS_OF).skus.set_index("sku")
    # SMOOTH is A, ERRATIC B, INTERMITTENT C; NONE has no ABC class: service_level 0.93.
    assert skus.loc[["SMOOTH", "ERRATIC", "INTERMITTENT", "NONE"], "service_level"].tolist() == [0.98, 0.95, 0.90,
                                                                                                0.93]
    for sku in ("SMOOTH", "ERRATIC", "INTERMITTENT"):
        row = skus.loc[sku]
        assert row["safety_stock"] == reorder.safety_stock(row["service_level"], row["demand_std_daily"],
                                                           row["lead_time_days"], row["avg_daily_demand"], 0.0)
    assert "SS 6.9 at 90%)" in skus.loc["INTERMITTENT", "explanation"]
    given = plan_reorders(hand_book(service_levels={"A": 0.98, "B": 0.95, "C": 0.90}), as_of=AS_OF,
                          service_level=0.97)
    assert set(given.skus["service_level"]) == {0.97}
    # The summary names the levels that applied: per class (and service_level for the rest), or the argument.
    assert given.summary.startswith("Reorder plan as of 2026-11-27 at a 97% service level: ")
    per_class = plan_reorders(hand_book(service_levels={"A": 0.98, "C": 0.875}, service_level=0.93,
                                        service_level_type="fill_rate"), as_of=AS_OF)
    assert per_class.summary.startswith("Reorder plan as of 2026-11-27 at fill rates A 98%, C 87.5%, else 93%: ")


def test_a_stated_case_with_the_cycle_and_the_fill_rate_factor():
    # SMOOTH: 5 a week (0.714286 a day), weekly std 1.069045 (sample, 8 weeks of 4 and 6): 0.404061 a day; lead
    # time 14 days (its supplier's): sigma_DL = sqrt(14) x 0.404061 = 1.511858. No ordering cost: Q = 28 cover days
    # x 0.714286 = 20.
    sigma_dl = math.sqrt(14) * np.std(SERIES["SMOOTH"], ddof=1) / math.sqrt(7)
    cycle = plan_reorders(hand_book(service_level=0.98), as_of=AS_OF).skus.set_index("sku").loc["SMOOTH"]
    alpha_k = NormalDist().inv_cdf(0.98)                                          # 2.053749
    assert cycle["safety_stock"] == pytest.approx(alpha_k * sigma_dl, abs=1e-9)   # 3.104947
    fill = plan_reorders(hand_book(service_level=0.98, service_level_type="fill_rate"),
                         as_of=AS_OF).skus.set_index("sku").loc["SMOOTH"]
    # beta: G(k) = (1 - 0.98) x 20 / 1.511858 = 0.264575: k = 0.305738
    beta_k = reorder.fill_rate_k(0.98, 20.0, sigma_dl)
    assert reorder.loss_function(beta_k) == pytest.approx(0.02 * 20 / sigma_dl, abs=1e-12)
    assert round(alpha_k, 4) == 2.0537 and round(beta_k, 4) == 0.3057
    assert fill["safety_stock"] == pytest.approx(beta_k * sigma_dl, abs=1e-9)
    assert f"SS {fill['safety_stock']:.1f} at 98% fill rate (k 0.31)" in fill["explanation"]


def test_a_fill_rate_needing_no_safety_stock_plans_none():
    # INTERMITTENT at 90% fill rate with 120 cover days: Q = 72.2 units, so (1 - 0.9) x Q is more than sigma_DL x
    # G(0): k -1.30, below 0, and no safety stock.
    skus = plan_reorders(hand_book(service_level=0.90, service_level_type="fill_rate", cover_days=120),
                         as_of=AS_OF).skus
    row = skus.set_index("sku").loc["INTERMITTENT"]
    assert row["safety_stock"] == 0.0
    assert "SS 0 at 90% fill rate (k -1.30: none needed)" in row["explanation"]
