"""Numbers and dates as words in messages, formatted once per distinct value.

Reasons and explanations are built for every line or SKU; quantities and dates
repeat, so each distinct value is formatted once and the text is taken by position.
"""

from __future__ import annotations

import string
from typing import Callable

import numpy as np
import pandas as pd

from .findings import display


# Messages never show a missing value as pandas prints it (<NA>, nan, NaT, None): every builder renders its
# values through `words` (or quantity_text / day_text with a `blank` word) and says what is missing in words.
BLANK = "(blank)"


def _per_distinct(values: pd.Series, render: Callable[[object], str], blank: str = "") -> pd.Series:
    codes, distinct = pd.factorize(values)
    text = np.array([render(v) for v in distinct] + [blank], dtype=object)   # code -1 (missing) takes the last
    # Plain Python strings (object), whatever string dtype pandas would infer: text built from these pieces
    # then concatenates the same way with or without pyarrow installed.
    return pd.Series(text[codes], index=values.index, dtype=object)


def words(values: pd.Series, blank: str = BLANK) -> pd.Series:
    """Values as a user recognises them in a message (17.0 -> '17', a midnight timestamp -> '2026-11-27'),
    a missing one as `blank`: choose the words per use ("no item", "no date"), else '(blank)'."""
    if isinstance(values.dtype, pd.StringDtype):   # text shows as itself: display(text) is the text
        codes, distinct = pd.factorize(values)
        text = np.append(np.asarray(distinct, dtype=object), np.array([blank], dtype=object))
        return pd.Series(text[codes], index=values.index, dtype=object)
    return _per_distinct(values, display, blank)


def quantity_text(values: pd.Series, decimals: int = 2, blank: str = "") -> pd.Series:
    """1200 -> '1,200'; 2.5 -> '2.50' (decimals=2) or '2.5' (decimals=1); whole when within rounding."""
    tolerance = 0.5 * 10 ** -decimals

    def render(v: object) -> str:
        number = float(v)
        return f"{number:,.0f}" if abs(number - round(number)) < tolerance else f"{number:,.{decimals}f}"

    codes, distinct = pd.factorize(values)
    if np.asarray(distinct).dtype.kind not in "iuf":
        return _per_distinct(values, render, blank)
    # Numbers (the usual case): which are whole is decided for all distinct values at once, and each group is
    # formatted by one bound format (render's texts, without a Python call per value).
    # + 0.0 makes -0.0 (which factorize counts as 0.0, so either may be the one seen first) read "0"
    numbers = np.asarray(distinct, dtype=np.float64) + 0.0
    if not np.isfinite(numbers).all():
        return _per_distinct(values, render, blank)
    whole = np.abs(numbers - np.round(numbers)) < tolerance
    text = np.empty(len(numbers) + 1, dtype=object)
    text[:-1][whole] = list(map("{:,.0f}".format, numbers[whole].tolist()))
    text[:-1][~whole] = list(map(f"{{:,.{decimals}f}}".format, numbers[~whole].tolist()))
    text[-1] = blank   # code -1 (missing) takes the last
    return pd.Series(text[codes], index=values.index, dtype=object)


def day_text(values: pd.Series, blank: str = "") -> pd.Series:
    """Timestamps as YYYY-MM-DD; a missing one as `blank`."""
    return _per_distinct(values, lambda v: f"{v:%Y-%m-%d}", blank)


def name_or_id(ids: pd.Series, table: pd.DataFrame, key: str) -> pd.Series:
    """Each id as people know it: its `name` in `table` (keyed by column `key`: the suppliers or customers
    table), else the id itself (<NA> when no id)."""
    if "name" not in table or table.empty:
        return ids.astype("string[python]")
    named = table.dropna(subset=[key]).drop_duplicates(key).set_index(key)["name"]
    # As text before filling: without any names the mapped column is all-missing floats.
    return ids.map(named).astype("string[python]").fillna(ids.astype("string[python]"))


def units_text(total: float) -> str:
    """A number of units in words: "1 unit", "359 units", "2.50 units"."""
    shown = f"{total:,.0f}" if float(total).is_integer() else f"{total:,.2f}"
    return f"{shown} {'unit' if total == 1 else 'units'}"


def fill_template(template: str, field: Callable[[str], pd.Series], size: int) -> np.ndarray:
    """`template` ("chase PO {po} with ...", a company rule's message) filled for `size` rows: its literal text
    and each field's text (`field(name)`, one value per row) concatenated column-wise, no loop over rows."""
    text = np.full(size, "", dtype=object)
    for literal, name, _, _ in string.Formatter().parse(template):
        text = text + literal
        if name is not None:
            text = text + field(name).to_numpy(dtype=object)
    return text


def and_list(items: "list[str]") -> str:
    """["a"] -> "a"; ["a", "b", "c"] -> "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def percent_text(share: float, decimals: int = 1) -> str:
    """A share as a percentage, rounded to `decimals` places without trailing zeros: 0.95 -> "95%",
    0.825 -> "82.5%"; with decimals=2, 0.9875 -> "98.75%"."""
    shown = f"{float(share) * 100:.{decimals}f}"
    return (shown.rstrip("0").rstrip(".") if "." in shown else shown) + "%"
