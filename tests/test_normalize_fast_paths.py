"""Typing's shortcuts over many distinct texts answer what the per-text regex and str.strip answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omxl.io.read.normalize import (_TIDY_ASCII_ID, _all_tidy_ascii, _tidy_identifier, _trimmed_texts,
                                    _untidy_ascii, stripped_texts)

pytestmark = pytest.mark.core

# Characters that decide tidiness: blanks of several kinds, the newline that joins the texts, controls, the
# pieces of '17850.0', and text beyond ASCII.
PIECES = [" ", "  ", "\n", "\t", "\r", "\u00a0", "\u3000", "\x00", "\x1f", "\x7f", ".", "0", "00", "1", "7", "-",
          "A", "z", "~", "!", "é", "Ｓ", "SO-2026-"]
texts = st.lists(st.lists(st.sampled_from(PIECES), max_size=5).map("".join), min_size=1, max_size=12)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_joined_check_agrees_with_the_regex_per_text(values):
    assert _all_tidy_ascii(values) == all(_TIDY_ASCII_ID.fullmatch(v) is not None for v in values)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_the_untidy_texts_found_at_once_are_those_the_regex_does_not_match(values):
    untidy = _untidy_ascii(values)
    if "\n".join(values).isascii() and not any("\n" in v for v in values):
        assert untidy.tolist() == [i for i, v in enumerate(values) if _TIDY_ASCII_ID.fullmatch(v) is None]
    else:
        assert untidy is None


def test_untidy_texts_examples():
    assert _untidy_ascii(["SO-1", "17850.0", "A  1", "SO-2", "", " SO-3", "SO-4\t", "SO-5 "]).tolist() == \
        [1, 2, 4, 5, 6, 7]
    assert _untidy_ascii(["SO-1", "SO-2"]).tolist() == []
    assert _untidy_ascii(["Café", "SO-2"]) is None
    messy = pd.Series(["SO-1", "SO-2 ", "SO-3"] * 2, index=range(3, 9), dtype=object)
    result = _tidy_identifier(messy)
    assert result["text"].tolist() == ["SO-1", "SO-2", "SO-3"] * 2
    assert result["changed"].tolist() == [False, True, False] * 2 and result.index.tolist() == list(range(3, 9))


@settings(max_examples=200, deadline=None)
@given(texts)
def test_stripped_texts_is_str_strip(values):
    series = pd.Series(values, index=range(10, 10 + len(values)), dtype=object)
    pd.testing.assert_series_equal(stripped_texts(series), series.str.strip())
    pd.testing.assert_series_equal(stripped_texts(series, " \t\r\n\u00a0"), series.str.strip(" \t\r\n\u00a0"))


@settings(max_examples=300, deadline=None)
@given(texts)
def test_a_text_columns_trim_is_str_strip(values):
    distinct = np.array(values, dtype=object)
    assert _trimmed_texts(distinct).tolist() == [v.strip(" \t\r\n\u00a0") for v in values]


def test_a_text_column_of_tidy_ascii_texts_is_given_back_and_a_padded_one_is_trimmed_alone():
    numbers = np.array([f"1Z{900_000 + i}" for i in range(1_000)], dtype=object)
    assert _trimmed_texts(numbers) is numbers            # nothing to trim: not one str.strip
    padded = numbers.copy()
    padded[[3, 998]] = [" 1Z900003", "1Z900998\t"]
    trimmed = _trimmed_texts(padded)
    assert trimmed[3] == "1Z900003" and trimmed[998] == "1Z900998" and trimmed[4] is numbers[4]
    assert padded[3] == " 1Z900003"                      # the column's texts are not changed in place
    assert _trimmed_texts(np.array(["Café ", "\u00a0Zoë"], dtype=object)).tolist() == ["Café", "Zoë"]


@pytest.mark.parametrize(("values", "tidy"), [
    (["SO-2026-0000001", "SO-2026-0000002", "A 1"], True),
    (["SO-1", "17850.0"], False),        # an integer-valued float written as text
    (["17850.05", "-3.10"], True),       # not integer-valued: kept as written
    (["SO-1", "SO-2 "], False),          # a blank at the end
    (["SO-1", " SO-2"], False),          # at the start
    (["A  1"], False),                   # a doubled blank
    (["SO-1", ""], False),               # an empty text
    (["SO-1\nSO-2"], False),             # a newline inside one text is not a join
    (["SO\t1"], False),
    (["Café"], False),
])
def test_joined_check_examples(values, tidy):
    assert _all_tidy_ascii(values) is tidy


def test_tidy_identifier_takes_the_shortcut_and_the_long_way_alike():
    clean = pd.Series(["SO-2026-0000001", "SO-2026-0000002"], index=[4, 7], dtype=object)
    result = _tidy_identifier(clean)
    assert result["text"].tolist() == ["SO-2026-0000001", "SO-2026-0000002"]
    assert result["changed"].tolist() == [False, False]
    assert result.index.tolist() == [4, 7]
    messy = pd.Series(["SO-2026-0000001", " ＳＯ-7  8 ", "17850.0"], index=[4, 7, 9], dtype=object)
    result = _tidy_identifier(messy)
    assert result["text"].tolist() == ["SO-2026-0000001", "SO-7 8", "17850"]
    assert result["changed"].tolist() == [False, True, True]
