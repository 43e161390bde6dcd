"""A KPI value in words: one rule for every place a person reads the weekly report's figures (issue 22), the
weekly mail, `omxl weekly` at the terminal, the notebook and the Summary sheet, whose value cells get the number
format (`kpi_format`) that makes a spreadsheet program show the same text.

- rates (`fraction`): a percentage with one decimal, `81.3%`; a change in percentage points, `+6.3 pts`
- money: the currency, then the amount with 2 decimals, `EUR 1,234.50`; a change `EUR +234.50`, `EUR -12.00`
  (the sign with the amount, so that `unknown currency -12.00` reads right too: a blank currency reads
  `unknown currency 1,234.50`, as everywhere omxl names money)
- days: one decimal and the unit, `6.3 days`; a change `-0.8 days`; a figure of days per currency (DSO) names
  its currency after it, `41.2 days (EUR)`
- counts (orders, lines, SKUs, units, findings): whole with thousands separators, `1,500` (2 decimals when a count
  of units is not whole, `2.50`); a change `+2`, and `0` when nothing changed
- nothing to count (a rate of no lines, a first run's previous value): blank, never 0; the report's `reason`
  says why
- a target: in the KPI's words, with whether the value meets it, `95.0%, on target`, `EUR 1,000.00, off target`
  (just the target when there is no value to judge)

Numbers are rounded half away from zero as Excel and LibreOffice show them (0.8125 reads 81.3%, where Python's own
rounding says 81.2%), and scaled to percent in decimal (0.0285 reads 2.9%, not 2.8%).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from ..money import UNKNOWN
from ..kpi_catalog import REASON_SEPARATOR, RUN_REASONS
from .columns import KINDS

PERCENT = "#,##0.0%"          # the rate's 0.0%, with the thousands separator the words have past 999.9%
DAYS_DECIMALS = 1


def decimal_text(value: float, decimals: int, scale: int = 1) -> str:
    """`value` × `scale` with `decimals` decimals and thousands separators, rounded half away from zero as Excel
    shows the same number in the workbook (Python's own rounding shows 0.8125 as 81.2%, Excel 81.3%). The scaling
    is done in decimal: 0.0285 × 100 in binary floating point is 2.8499..., which would read 2.8%, not 2.9%."""
    exact = (Decimal(repr(float(value))) * scale).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{exact:,.{decimals}f}"


def blank(value: object) -> bool:
    """None, NaN, NA: nothing to count."""
    return value is None or bool(pd.isna(value))


def currency_name(currency: object) -> str:
    """The currency a money KPI reads in: its code, or 'unknown currency' when blank."""
    return UNKNOWN if blank(currency) or not str(currency).strip() else str(currency).strip()


def _count_decimals(number: float) -> int:
    return 0 if float(number).is_integer() else 2


def kpi_words(value: object, unit: object, currency: object = None, *, signed: bool = False) -> str:
    """`value` of a KPI of `unit` (and `currency`, for money) as every surface shows it; `signed` for a change
    (a plus on a rise; rates in percentage points). Blank (nothing to count) reads ""."""
    if blank(value):
        return ""
    number = float(value)
    if unit == "fraction":
        digits = decimal_text(number, 1, 100)
    elif unit == "money":
        digits = decimal_text(number, 2)
    elif unit == "days":
        digits = decimal_text(number, DAYS_DECIMALS)
    else:
        digits = decimal_text(number, _count_decimals(number))
    sign = ""
    shown_zero = float(digits.replace(",", "")) == 0   # -0.0004 of a rate reads 0.0, never -0.0
    if digits.startswith("-"):
        sign, digits = ("" if shown_zero else "-"), digits[1:]
    elif signed and not shown_zero:
        sign = "+"
    if unit == "fraction":
        return f"{sign}{digits} pts" if signed else f"{sign}{digits}%"
    if unit == "money":
        return f"{currency_name(currency)} {sign}{digits}"
    if unit == "days":
        return f"{sign}{digits} days" + _of_currency(currency)
    return sign + digits


def _of_currency(currency: object) -> str:
    """' (EUR)' after a figure of days that is per currency (DSO); '' for one that is not (blank currency)."""
    return "" if blank(currency) or not str(currency).strip() else f" ({str(currency).strip()})"


ON_TARGET = {True: "on target", False: "off target"}


def target_words(target: object, on_target: object, unit: object, currency: object = None) -> str:
    """A KPI's target as every surface shows it: the target in the KPI's words and whether the value meets it
    ("95.0%, on target", "20, off target"); the target alone when it is not judged; "" without a target."""
    if blank(target):
        return ""
    words = kpi_words(target, unit, currency)
    return words if blank(on_target) else f"{words}, {ON_TARGET[bool(on_target)]}"


def reason_words(reason: object, *, per_row: bool = False) -> str:
    """Why a KPI (or its previous value, change or target) is blank, as written in report.kpis; "" for none.
    `per_row` leaves out what holds for the whole run ("first run: nothing to compare with"), for a table whose
    heading says it once."""
    if blank(reason):
        return ""
    if not per_row:
        return str(reason)
    return REASON_SEPARATOR.join(part for part in str(reason).split(REASON_SEPARATOR) if part not in RUN_REASONS)


def _literal(text: str) -> str:
    """`text` as a literal in a number format (a double quote in it closed, escaped and reopened)."""
    return '"' + text.replace('"', '"\\""') + '"'


def kpi_format(value: object, unit: object, currency: object = None) -> str:
    """The number format under which Excel and LibreOffice show a KPI value cell as kpi_words(value, unit,
    currency) reads it (a negative amount of money with its minus after the currency, as kpi_words puts it: a
    second section of the format for negative numbers)."""
    if unit == "fraction":
        return PERCENT
    if unit == "money":
        name = _literal(currency_name(currency) + " ")
        return f"{name}{KINDS['money'].excel};{name}-{KINDS['money'].excel}"
    if unit == "days":
        return "#,##0." + "0" * DAYS_DECIMALS + _literal(" days" + _of_currency(currency))
    spec = KINDS["quantity"]
    return spec.excel if blank(value) or _count_decimals(float(value)) == 0 else spec.fractional
