"""A prepared position's findings come in validate's order whether or not rows dated after the as-of day added
findings of their own (they are sorted again only then)."""

from __future__ import annotations

import pandas as pd
import pytest

import omxl
import omxl.position as position
from omxl.demo import write_demo
from omxl.validation import in_order

pytestmark = pytest.mark.core


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return omxl.read_book(write_demo(tmp_path_factory.mktemp("demo") / "demo.xlsx", lines=600))


@pytest.fixture(scope="module")
def nothing_later(tmp_path_factory):
    path = tmp_path_factory.mktemp("orders") / "orders.csv"
    rows = "".join(f"SO-{n},{n},SKU-{n % 3},{'' if n % 2 else 'C-1'},{n - 4},2026-03-0{n}\n" for n in range(1, 8))
    path.write_text("Order ID,Line,SKU,Customer,Quantity,Order Date\n" + rows, encoding="utf-8")
    return omxl.read_book(path)


@pytest.mark.parametrize(("which", "as_of", "sorted_again"), [("nothing_later", "2026-03-20", 0),
                                                               ("book", "2026-10-01", 1)])
def test_findings_in_order(which, as_of, sorted_again, request, monkeypatch):
    calls = []
    monkeypatch.setattr(position, "in_order", lambda issues: calls.append(len(issues)) or in_order(issues))
    issues = omxl.prepare(request.getfixturevalue(which), as_of=as_of).issues
    assert len(calls) == sorted_again   # the demo has rows dated after 2026-10-01: their findings are added
    assert issues["severity"].nunique() >= 2 and len(issues) >= 5
    pd.testing.assert_frame_equal(issues, in_order(issues))


def test_an_early_as_of_day_adds_findings_about_later_rows(book):
    late = set(omxl.prepare(book, as_of="2026-11-27").issues["code"])
    early = omxl.prepare(book, as_of="2026-10-01").issues
    assert set(early["code"]) - late   # codes only the early day gives: rows dated after it
