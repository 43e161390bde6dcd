"""One rendered value as a cell's XML, keeping its type: numbers as numbers, dates as date serials with a
date format, booleans as booleans, everything else as literal text (an inline string; formula-like text
also gets the quote prefix, so it can never become a formula)."""

from __future__ import annotations

import datetime as dt
import math
import numbers

import numpy as np
import pandas as pd

from ..io.safety import is_formula_like, xml_escape
from .environment import Formatted
from .stylebook import StyleBook, style_attr

EPOCH = dt.datetime(1899, 12, 30)


def number_text(number: float) -> str:
    if number == round(number) and abs(number) < 1e15:
        return str(int(number))
    return repr(float(number))


def date_serial(value: "dt.date | np.datetime64") -> tuple[float, bool]:
    """(Excel serial, whether it has a time of day)."""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    moment = stamp.to_pydatetime()
    serial = (moment - EPOCH).total_seconds() / 86_400
    return serial, moment.time() != dt.time(0)


def text_cell(ref: str, text: str, xf: int, book: StyleBook) -> str:
    index = book.variant(xf, quote=is_formula_like(text))
    return (f'<c r="{ref}"{style_attr(index)} t="inlineStr"><is><t xml:space="preserve">{xml_escape(text)}</t>'
            "</is></c>")


def empty_cell(ref: str, xf: int) -> str:
    return f'<c r="{ref}"{style_attr(xf)}/>'


def value_cell(ref: str, value: object, xf: int, book: StyleBook) -> str:
    """The cell at `ref` (template format `xf`) holding `value`, the result of a cell's one expression."""
    num_format = None
    if isinstance(value, Formatted):
        value, num_format = value.value, value.num_format
    if value is None or value is pd.NA or value is pd.NaT:
        return empty_cell(ref, xf)
    if isinstance(value, (bool, np.bool_)):
        return f'<c r="{ref}"{style_attr(xf)} t="b"><v>{int(bool(value))}</v></c>'
    if isinstance(value, (dt.date, np.datetime64)):
        serial, has_time = date_serial(value)
        fmt = num_format if num_format and not has_time else ("yyyy-mm-dd hh:mm" if has_time else "yyyy-mm-dd")
        return f'<c r="{ref}"{style_attr(book.variant(xf, fmt))}><v>{number_text(serial)}</v></c>'
    if isinstance(value, (numbers.Real, np.number)):
        number = float(value)
        if math.isnan(number):
            return empty_cell(ref, xf)
        if math.isinf(number):
            return text_cell(ref, str(value), xf, book)
        return f'<c r="{ref}"{style_attr(book.variant(xf, num_format))}><v>{number_text(number)}</v></c>'
    return text_cell(ref, str(value), xf, book)
