"""Validation words its findings once per distinct cell and message: the same texts as cell by cell."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import omxl
from omxl.findings import display
from omxl.validation import _shown

pytestmark = pytest.mark.core


@pytest.mark.parametrize("cells", [
    pd.Series([1.5, None, 1.5, 2.0, 1e16], dtype="Float64"),
    pd.Series([3, None, 3, 40], dtype="Int64"),
    pd.Series([1.0, float("nan"), 2.25], dtype="float64"),
    pd.Series(["SO-1", None, "SO-1", " x "], dtype="string[python]"),
    pd.Series([pd.Timestamp("2026-03-02"), pd.NaT, pd.Timestamp("2026-03-02 10:30")]),
    pd.Series([True, False, None], dtype="boolean"),
    pd.Series([1, 1.0, True, None, "1", dt.date(2026, 3, 2)], dtype=object),   # equal yet shown apart
])
def test_shown_is_display_cell_by_cell(cells):
    assert _shown(cells) == [display(v) if pd.notna(v) else "" for v in cells]


def test_a_blank_cell_in_many_rows_reads_the_same_message_in_each(tmp_path):
    path = tmp_path / "orders.csv"
    rows = "".join(f"SO-{n},{n},SKU-{n % 3},,2,2026-03-02\n" for n in range(1, 7))
    path.write_text("Order ID,Line,SKU,Customer,Quantity,Order Date\n" + rows, encoding="utf-8")
    issues = omxl.validate(omxl.read_book(path), as_of="2026-03-09")
    blank = issues[(issues["code"] == "missing-value") & (issues["column"] == "Customer")]
    assert blank["cell"].tolist() == ["D2", "D3", "D4", "D5", "D6", "D7"]
    assert blank["message"].tolist() == ["'Customer' is blank. Fill in the customer, or delete the line if it is "
                                         "not an order. Rows with a blank required value are left out of "
                                         "reconciliation and planning."] * 6
