"""The one place rows and columns become A1 addresses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omxl.io.address import column_index, column_letter

pytestmark = pytest.mark.core


def test_known_letters():
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702, 16383)] == \
        ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA", "XFD"]


@given(st.integers(min_value=0, max_value=16383))
def test_letters_and_indexes_are_inverse(index):
    assert column_index(column_letter(index)) == index
