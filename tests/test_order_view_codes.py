"""The order view groups lines by integer codes of the sorted order numbers: the same orders, in the same order,
as grouping by the texts themselves; a line without an order number is left out, as pandas leaves it out."""

from __future__ import annotations

import pandas as pd
import pytest

import omxl
from omxl.demo import write_demo
from omxl.reconciliation.views import order_view
from omxl.validation import map_distinct

pytestmark = pytest.mark.core


@pytest.fixture(scope="module")
def lines(tmp_path_factory) -> pd.DataFrame:
    path = write_demo(tmp_path_factory.mktemp("demo") / "demo.xlsx", lines=400)
    return omxl.reconcile(omxl.read_book(path), as_of="2026-11-27").lines


def test_orders_come_sorted_by_order_number_with_their_own_figures(lines):
    orders = order_view(lines)
    assert orders["order_id"].tolist() == sorted(lines["order_id"].unique().tolist())
    assert str(orders["order_id"].dtype) == str(lines["order_id"].dtype)
    first = orders.iloc[0]
    mine = lines[lines["order_id"] == first["order_id"]]
    assert first["lines"] == len(mine)
    assert first["qty"] == mine["qty"].sum()
    assert first["open_qty"] == mine["open_qty"].sum()


def test_a_line_without_an_order_number_is_left_out(lines):
    orphan = lines.iloc[[0]].copy()
    orphan["order_id"] = pd.NA
    both = pd.concat([lines, orphan], ignore_index=True).astype({"order_id": lines["order_id"].dtype})
    assert both["order_id"].isna().sum() == 1
    with_orphan = order_view(both)
    pd.testing.assert_frame_equal(with_orphan, order_view(lines))


def test_map_distinct_looks_each_distinct_value_up_once_and_misses_are_nan():
    statuses = pd.Series(["open", "late", None, "open", "odd"], index=[5, 6, 7, 8, 9], dtype="string[python]")
    got = map_distinct(statuses, {"open": 2, "late": 0})
    assert got.index.tolist() == [5, 6, 7, 8, 9]
    assert got.tolist()[:2] == [2.0, 0.0] and got.tolist()[3] == 2.0
    assert got.isna().tolist() == [False, False, True, False, True]


def test_attention_first_orders_late_at_risk_backordered_then_the_rest_keeping_labels():
    from omxl.reconciliation import attention_first
    lines = pd.DataFrame({
        "order_id": pd.Series(["SO-3", "SO-1", "SO-2", "SO-1", "SO-4", "SO-5"], dtype="string[python]"),
        "line": pd.Series([1, 2, 1, 1, 1, 1], dtype="Int64"),
        "late": [False, True, False, True, False, False],
        "at_risk": [False, False, True, False, False, False],
        "backordered_qty": [0.0, 0.0, 0.0, 0.0, 5.0, None],
        "days_late": pd.Series([None, 2, None, 9, None, None], dtype="Int64"),
        "promised_date": pd.to_datetime(["2026-03-01", "2026-03-05", None, "2026-03-01", "2026-03-02", None]),
        "note": ["a", "b", "c", "d", "e", "f"]}, index=[10, 11, 12, 13, 14, 15])
    ordered = attention_first(lines)
    # late: 9 days before 2 days; then at risk; then backordered; then the rest
    assert ordered.index.tolist() == [13, 11, 12, 14, 10, 15]
    assert ordered["note"].tolist() == ["d", "b", "c", "e", "a", "f"]
    assert list(ordered.columns) == list(lines.columns)
