"""Rows left out for errors are found by one integer per (source, sheet, row): the same rows as comparing the
three as a MultiIndex, missing sources, sheets and row numbers included."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omxl.validation import _in_keys, _provenance_keys

pytestmark = pytest.mark.core

sources = st.sampled_from(["a.csv", "b.csv", "Orders.xlsx", None])
sheets = st.sampled_from(["", "Orders", "Lines", None])
rows = st.one_of(st.none(), st.integers(min_value=1, max_value=40), st.sampled_from([1_048_576, 2_000_000_000]))
places = st.lists(st.tuples(sources, sheets, rows), max_size=30)


def frame(items: list[tuple]) -> tuple[pd.Series, pd.Series, pd.Series]:
    source, sheet, row = zip(*items) if items else ((), (), ())
    return (pd.Series(source, dtype="string[python]"), pd.Series(sheet, dtype="string[python]"),
            pd.Series(row, dtype="Int64"))


@settings(max_examples=300, deadline=None)
@given(places, places)
def test_in_keys_is_the_multiindex_lookup(table, keys):
    mine, theirs = frame(table), frame(keys)
    expected = _provenance_keys(*mine).isin(_provenance_keys(*theirs)) if len(table) and len(keys) \
        else [False] * len(table)
    assert _in_keys(*mine, *theirs).tolist() == list(expected)


def test_a_missing_row_number_matches_only_a_missing_one_of_the_same_sheet():
    table = frame([("a.csv", "", None), ("a.csv", "", 3), ("b.csv", "", None)])
    keys = frame([("a.csv", "", None)])
    assert _in_keys(*table, *keys).tolist() == [True, False, False]


def test_the_rows_left_out_are_worked_out_once_per_set_of_errors(monkeypatch):
    """check_book, its taken-along messages and usable() ask BookKeys with the same errors: worked out once, and
    again when the errors differ."""
    import omxl
    from omxl import validation
    from tests.conftest import ROOT

    book = omxl.read_book(ROOT / "workbooks" / "sample.xlsx")
    issues = omxl.prepare(book, as_of="2026-11-27").issues
    errors = issues[issues["severity"] == "error"]
    assert len(errors) == 14
    calls = []
    real = validation._own_error_rows
    monkeypatch.setattr(validation, "_own_error_rows", lambda b, i: calls.append(len(i)) or real(b, i))
    keys = validation.BookKeys(book)
    first = keys.own_error_rows(issues)
    again = keys.own_error_rows(issues[issues["severity"] != "info"])   # the same errors, other findings
    assert len(calls) == 1
    assert {name: mask.tolist() for name, mask in first.items()} == \
        {name: mask.tolist() for name, mask in real(book, issues).items()}
    assert {name: mask.tolist() for name, mask in again.items()} == \
        {name: mask.tolist() for name, mask in first.items()}
    fewer = issues.drop(index=errors.index[errors["table"] == "orders"][:1])
    changed = keys.own_error_rows(fewer)
    assert len(calls) == 2
    assert int(changed["orders"].sum()) == int(first["orders"].sum()) - 1
    assert changed["orders"].tolist() == real(book, fewer)["orders"].tolist()
