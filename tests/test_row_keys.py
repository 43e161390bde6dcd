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
