"""The sandboxed Jinja2 environment templates are rendered in, and its filters.

Templates travel between people, so they are rendered in Jinja2's ImmutableSandboxedEnvironment: an
expression cannot reach Python internals (attributes starting with '_' are refused before anything is
evaluated, and again by the sandbox at run time), cannot change the data it is given, and has no way to
read a file or run a program. Undefined names are errors (StrictUndefined), never silently empty cells.

Filters `date`, `percent`, `money` and `qty` return a Formatted value: a number or date plus an Excel
number format and the text it shows. A cell holding only that expression gets the number with the format;
inside longer text it reads as the text ("12.5%").
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from jinja2 import StrictUndefined, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..presentation.columns import KINDS

# A cell whose whole text is one {{ expression }}: its value keeps its type.
SINGLE_EXPRESSION = re.compile(r"^\s*\{\{-?(?P<expr>(?:(?!\{\{|\}\}|\{%|%\}).)*?)-?\}\}\s*$", re.S)
# A table marker: one {{ expression | table }} alone in its cell.
TABLE_MARKER = re.compile(r"^\s*\{\{-?(?P<expr>(?:(?!\{\{|\}\}|\{%|%\}).)*?)\|\s*table\s*-?\}\}\s*$", re.S)


def has_jinja(text: str) -> bool:
    return "{{" in text or "{%" in text


@dataclass(frozen=True)
class Formatted:
    """A filter's result: `value` (a float, a datetime, or None for blank) shown with Excel's `num_format`;
    `text` is what it reads as inside longer text."""

    value: object
    num_format: str | None
    text: str

    def __str__(self) -> str:
        return self.text


class TableMarker:
    """What `{{ frame | table }}` evaluates to. It only means something alone in its cell."""

    def __init__(self, frame: object):
        self.frame = frame

    def __str__(self) -> str:
        raise ValueError("the table filter must be alone in its cell ({{ name | table }}), with no other text")


def _number(value: object, filter_name: str) -> float | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Formatted):
        value = value.value
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.number)):
        try:
            value = float(str(value).replace(",", ""))
        except ValueError:
            raise ValueError(f"the {filter_name} filter needs a number, not {value!r}") from None
    number = float(value)
    return None if math.isnan(number) else number


def percent(value: object, digits: int = 1) -> Formatted:
    """0.125 -> 12.5% (a rate stored as a fraction, as omxl's KPIs are)."""
    number = _number(value, "percent")
    fmt = "0" + ("." + "0" * int(digits) if int(digits) > 0 else "") + "%"
    return Formatted(number, fmt, "" if number is None else f"{number:.{int(digits)}%}")


def money(value: object, digits: int = 2) -> Formatted:
    """1234.5 -> 1,234.50, with the presentation layer's money format."""
    number = _number(value, "money")
    fmt = KINDS["money"].excel if int(digits) == 2 else "#,##0" + ("." + "0" * int(digits) if int(digits) else "")
    return Formatted(number, fmt, "" if number is None else f"{number:,.{int(digits)}f}")


def qty(value: object) -> Formatted:
    """1234 -> 1,234; a fractional quantity keeps two decimals (1,234.50), as the presentation layer shows it."""
    number = _number(value, "qty")
    whole = number is None or number == round(number)
    kind = KINDS["quantity"]
    text = "" if number is None else (f"{number:,.0f}" if whole else f"{number:,.2f}")
    return Formatted(number, kind.excel if whole else kind.fractional, text)


def date(value: object, format: str | None = None) -> "Formatted | str":
    """A date as YYYY-MM-DD (a date cell when alone in its cell); with a strftime `format`, that text."""
    if isinstance(value, Formatted):
        value = value.value
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return Formatted(None, None, "")
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ValueError(f"the date filter needs a date, not {value!r}") from None
    if stamp is pd.NaT:
        return Formatted(None, None, "")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    if format is not None:
        return stamp.strftime(str(format))
    return Formatted(stamp.to_pydatetime(), "yyyy-mm-dd", stamp.strftime("%Y-%m-%d"))


def table(value: object) -> TableMarker:
    return TableMarker(value)


FILTERS = {"date": date, "percent": percent, "money": money, "qty": qty, "table": table}


def _header_finalize(value: object) -> str:
    # '&' starts a code in Excel's header and footer text ('&P' = page number); text from data is doubled.
    return str(value).replace("&", "&&")


# Results bigger than this are refused: a shared template must not be able to stall a scheduled run or
# exhaust its memory ({{ 9 ** 9 ** 9 }}, {{ 'x' * 10 ** 9 }}). Jinja2's sandbox already caps range() the same.
MAX_SIZE = 100_000


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with * and ** checked before they run."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context, operator: str, left: object, right: object) -> object:
        if operator == "**" and isinstance(left, numbers.Number) and isinstance(right, numbers.Number):
            base = abs(float(left)) if not isinstance(left, complex) else abs(left)
            if base > 1 and float(right) * math.log2(base) > 1024:
                raise SecurityError(f"{left} ** {right} is too big a number for a template")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_SIZE:
                    raise SecurityError(f"repeating a text or list {times:,} times makes more than {MAX_SIZE:,} "
                                        "items, too many for a template")
        return super().call_binop(context, operator, left, right)


def environment(header: bool = False) -> ImmutableSandboxedEnvironment:
    """The environment for cells and sheet names, or (header=True) for page headers and footers."""
    env = _Sandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True,
                   finalize=_header_finalize if header else None)
    env.filters.update(FILTERS)
    return env


def check_source(env: ImmutableSandboxedEnvironment, source: str) -> None:
    """Refuse, before evaluating anything, an expression that reaches for an attribute or key starting with
    '_' (the way out of every sandbox: __class__, __globals__, __subclasses__). Raises SecurityError; syntax
    errors raise TemplateSyntaxError."""
    tree = env.parse(source)
    refused = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
        if isinstance(name, str) and name.startswith("_"):
            refused.append(name)
    if refused:  # name the first as the author reads it (the tree lists the outermost access first)
        first = min(refused, key=lambda name: (source.find(name), name))
        raise SecurityError(f"access to '{first}' is not allowed: a template cannot reach Python internals")
