"""Columns omxl does not know are carried through with blanks and null values as None (contract 2.4), whatever
mix of values they hold."""

from __future__ import annotations

import pandas as pd
import pytest

import omxl

pytestmark = pytest.mark.core


def test_unknown_cells_that_say_nothing_are_none_and_the_rest_kept_as_they_are():
    note = [" N/A ", "", None, "keep", 1, 1.0, True, "n/a", "-", "NULL ", 0, "N/A"]
    orders = pd.DataFrame({"Order ID": [f"SO-{n}" for n in range(1, 13)], "SKU": "A-1", "Quantity": 2,
                           "Note": pd.Series(note, dtype=object)})
    book = omxl.read_book({"orders": orders}, config={"null_values": ["N/A", "NULL", "-"]})
    kept = book.tables["orders"]["Note"].tolist()
    assert kept == [None, None, None, "keep", 1, 1.0, True, "n/a", None, None, 0, None]
    assert [type(v) for v in kept[4:7]] == [int, float, bool]   # equal values, each kept as it was
