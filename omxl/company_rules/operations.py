"""The vectorised operations an expression compiles to: each takes Series (aligned on the table's index) or
scalars (the literals and as_of) and returns the same, with pandas and numpy doing the work over whole columns.

Kinds: a number is float64 (NaN blank), a text is string[python] (NA blank), a date is datetime64 (NaT blank), a
test is bool. A comparison with a blank is False, never NA; text compares without regard to case.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..model import TEXT_DTYPE

NUMBER, TEXT, DATE, TEST = "number", "text", "date", "test"
ONE_DAY = pd.Timedelta(days=1)
# What pandas raises when a date falls outside the years it can hold (1677 to 2262).
DATE_OVERFLOW = (OverflowError, pd.errors.OutOfBoundsDatetime, pd.errors.OutOfBoundsTimedelta)

COMPARISONS: dict[str, Callable] = {
    "=": operator.eq, "==": operator.eq, "!=": operator.ne, "<>": operator.ne,
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def kind_of(dtype) -> str:
    """The kind of a column from its dtype: omxl's tables hold numbers as float64/Int64, dates as datetime64,
    flags as boolean and everything else as text."""
    dtype = pd.api.types.pandas_dtype(dtype)
    if pd.api.types.is_bool_dtype(dtype):
        return TEST
    if pd.api.types.is_numeric_dtype(dtype):
        return NUMBER
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return DATE
    return TEXT


def column_values(series: pd.Series, kind: str) -> pd.Series:
    """A column as the kind's one representation."""
    if kind == NUMBER:
        return pd.Series(series.to_numpy(dtype="float64", na_value=np.nan), index=series.index)
    if kind == TEXT:
        return series if series.dtype == TEXT_DTYPE else series.astype(TEXT_DTYPE)
    if kind == DATE:
        return series.dt.tz_localize(None) if isinstance(series.dtype, pd.DatetimeTZDtype) else series
    return series.astype("boolean")


def known(value) -> pd.Series | bool:
    return value.notna() if isinstance(value, pd.Series) else not pd.isna(value)


def as_test(value) -> pd.Series | bool:
    """A test's value with blanks as False: what and, or, not and the rule's mask work with."""
    if isinstance(value, pd.Series):
        return value.fillna(False).astype(bool) if value.dtype != bool else value
    return False if pd.isna(value) else bool(value)


def negate(test):
    """not, for a test's Series or a constant (~ on a Python bool would be -2)."""
    return ~test if isinstance(test, pd.Series) else not test


def folded(value, kind: str):
    """Text in the form comparisons use (casefolded: 'ACME' = 'acme'); other kinds as they are."""
    if kind != TEXT:
        return value
    return value.str.casefold() if isinstance(value, pd.Series) else value.casefold()


def compare(symbol: str, left, right, kind: str):
    left, right = folded(left, kind), folded(right, kind)
    result = COMPARISONS[symbol](left, right)
    return as_test(result) & known(left) & known(right)


def within(left, items: list, kind: str):
    items = [folded(item, kind) for item in items]
    if isinstance(left, pd.Series):
        return folded(left, kind).isin(items).fillna(False).astype(bool) & left.notna()
    return known(left) and folded(left, kind) in items


def is_blank(value, kind: str):
    """NA, or a text of nothing but spaces."""
    if isinstance(value, pd.Series):
        blank = value.isna()
        return blank | value.str.strip().eq("").fillna(False).astype(bool) if kind == TEXT else blank
    return pd.isna(value) or (kind == TEXT and not value.strip())


def text_test(how: str, value, needle: str):
    """starts with, ends with, contains: case does not matter; a blank value is False."""
    needle = needle.casefold()
    if isinstance(value, pd.Series):
        text = value.str.casefold()
        found = {"starts": lambda: text.str.startswith(needle), "ends": lambda: text.str.endswith(needle),
                 "contains": lambda: text.str.contains(needle, regex=False)}[how]()
        return as_test(found)
    if pd.isna(value):
        return False
    text = value.casefold()
    return {"starts": text.startswith, "ends": text.endswith, "contains": text.__contains__}[how](needle)


def days(value):
    """A number of days as a timedelta; infinite or blank is NaT."""
    if isinstance(value, pd.Series):
        return pd.to_timedelta(value.where(np.isfinite(value)), unit="D")
    return pd.Timedelta(days=value) if np.isfinite(value) else pd.NaT


def divide(left, right):
    """Division where dividing by zero gives a blank, not infinity."""
    if isinstance(right, pd.Series):
        return (left / right).where(right != 0)
    if right == 0:
        return left * np.nan if isinstance(left, pd.Series) else np.nan
    return left / right


def negative(value):
    return -value


# (left kind, operator, right kind) -> (result kind, function): every arithmetic the language has.
ARITHMETIC: dict[tuple[str, str, str], tuple[str, Callable]] = {
    (NUMBER, "+", NUMBER): (NUMBER, operator.add),
    (NUMBER, "-", NUMBER): (NUMBER, operator.sub),
    (NUMBER, "*", NUMBER): (NUMBER, operator.mul),
    (NUMBER, "/", NUMBER): (NUMBER, divide),
    (DATE, "+", NUMBER): (DATE, lambda date, number: date + days(number)),
    (NUMBER, "+", DATE): (DATE, lambda number, date: days(number) + date),
    (DATE, "-", NUMBER): (DATE, lambda date, number: date - days(number)),
    (DATE, "-", DATE): (NUMBER, lambda later, earlier: (later - earlier) / ONE_DAY),
}


def broadcast(value, index: pd.Index, kind: str) -> pd.Series:
    """A value as a Series over the table's rows: a constant (1 < 2, 'x', as_of) repeated."""
    if isinstance(value, pd.Series):
        return value
    dtype = {NUMBER: "float64", TEXT: TEXT_DTYPE, DATE: "datetime64[ns]", TEST: bool}[kind]
    return pd.Series(value, index=index, dtype=dtype)
