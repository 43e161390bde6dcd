"""The reorder plan's explanations are joined a row at a time from their parts (planning._joined), each rule's
sentence made from that rule's SKUs only; the texts are those pandas' + made (tests/test_reorder.py asserts whole
sentences)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omxl.planning import _joined
from omxl.wording import quantity_text

pytestmark = pytest.mark.core


def test_parts_are_joined_per_row():
    got = _joined("SKU ", pd.Series(["A-1", "B-2"], dtype=object), np.array([": 3", ": 14"]), " units")
    assert got.tolist() == ["SKU A-1: 3 units", "SKU B-2: 14 units"]
    assert got.dtype == object


def test_a_text_holding_a_nul_is_joined_alone():
    got = _joined("a\0b ", pd.Series(["x", "y\0"], dtype=object), "!")
    assert got.tolist() == ["a\0b x!", "a\0b y\0!"]


def test_a_missing_part_leaves_the_row_missing_as_pandas_plus_does():
    part = pd.Series(["x", np.nan, "z"], dtype=object)
    got = _joined("(", part, ")")
    assert got[0] == "(x)" and got[2] == "(z)" and isinstance(got[1], float) and np.isnan(got[1])
    plus = ("(" + part + ")").tolist()
    assert plus[0] == "(x)" and isinstance(plus[1], float) and np.isnan(plus[1])


def test_minus_zero_reads_zero_whichever_comes_first():
    assert quantity_text(pd.Series([-0.0, 0.0, 5.0]), decimals=1).tolist() == ["0", "0", "5"]
    assert quantity_text(pd.Series([0.0, -0.0]), decimals=1).tolist() == ["0", "0"]
    assert quantity_text(pd.Series([-0.0]), decimals=1).tolist() == ["0"]
