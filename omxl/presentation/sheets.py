"""Result sheets as people read them: labels for headers, number formats by kind, fills for rows that need
attention, widths that fit. Every writer of result sheets goes through `result_sheet`.

Values are never rounded here: a cell holds the full-precision value and its number
format shows 2 decimals (display only, contract 5.5).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from ..io.xlsx.sheetxml import ResultSheet
from .columns import KINDS, kind_of, label_of

# Row fills. Orange and light blue differ in hue for every common colour-vision deficiency and in lightness
# too, so late and at-risk rows stay apart in greyscale print. name -> (ARGB, legend label, legend text)
FILLS: dict[str, tuple[str, str, str]] = {
    "late": ("FFF4B183", "Late", "the promised date has passed, or the line will ship after it"),
    "at_risk": ("FFDDEBF7", "At risk", "not late yet, but stock or supply does not cover it by the promised date"),
    "critical": ("FFF4B183", "Critical", "inventory position below zero: open orders already wait for this item"),
    "high": ("FFDDEBF7", "High", "inventory position below safety stock"),
    "error": ("FFFFC7CE", "Error", "the row or cell must be fixed before omxl can use it"),
    "warning": ("FFFFEB9C", "Warning", "worth a look; the row is used"),
}


def fill_rows(frame: pd.DataFrame, **conditions: "pd.Series | str") -> pd.Series:
    """Per row, the ARGB fill of the first of `conditions` (fill name -> boolean Series or column name) that
    holds, '' for none. Order of the keywords is priority: fill_rows(lines, late="late", at_risk="at_risk")."""
    colours = np.full(len(frame), "", dtype=object)
    for name, condition in reversed(list(conditions.items())):
        flags = frame[condition] if isinstance(condition, str) else condition
        mask = pd.Series(flags).reset_index(drop=True).fillna(False).to_numpy(dtype=bool)
        colours[mask] = FILLS[name][0]
    return pd.Series(colours, dtype=object)


def number_format(values: pd.Series, kind: str | None) -> str | None:
    """The Excel number format of a column of `kind`: the whole-number format when every value is whole
    (no '5.00' for five pieces), the fractional one otherwise; None for columns omxl does not know."""
    if kind is None:
        return None
    spec = KINDS[kind]
    if spec.excel == spec.fractional or not pd.api.types.is_numeric_dtype(values.dtype) \
            or pd.api.types.is_bool_dtype(values.dtype):
        return spec.excel
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    finite = numbers[np.isfinite(numbers)]
    return spec.excel if np.array_equal(finite, np.round(finite)) else spec.fractional


def labels_for(columns: "pd.Index | list", sheet: str | None = None,
               labels: Mapping[str, str] | None = None) -> list[str]:
    """Headers for `columns`, unique: a label two columns would share gets the column name after it."""
    wanted = [label_of(str(name), sheet, dict(labels or {})) for name in columns]
    seen: dict[str, int] = {}
    for label in wanted:
        seen[label.casefold()] = seen.get(label.casefold(), 0) + 1
    return [label if seen[label.casefold()] == 1 else f"{label} ({name})" for label, name in zip(wanted, columns)]


def result_sheet(frame: pd.DataFrame, sheet: str, *, labels: Mapping[str, str] | None = None,
                 row_fill: pd.Series | None = None, links: Mapping[str, pd.Series] | None = None) -> ResultSheet:
    """`frame` as the sheet named `sheet`: headers labelled, each known column with its kind's number format
    and width; `row_fill` (from fill_rows) colours rows; `links` (column name -> in-workbook targets) make
    cells links."""
    frame = frame.reset_index(drop=True)
    headers = labels_for(frame.columns, sheet, labels)
    by_name = dict(zip(frame.columns, headers))
    formats: dict[str, str] = {}
    widths: dict[str, float] = {}
    for position, (name, header) in enumerate(zip(frame.columns, headers)):
        values = frame.iloc[:, position]
        kind = kind_of(str(name), sheet)
        fmt = number_format(values, kind)
        if fmt is not None:
            formats[header] = fmt
        widths[header] = _width(values, header, kind, fmt)
    labelled = frame.set_axis(headers, axis=1)
    return ResultSheet(labelled, links={by_name[name]: targets.reset_index(drop=True)
                                        for name, targets in (links or {}).items()},
                       row_fill=row_fill.reset_index(drop=True) if row_fill is not None else None,
                       number_formats=formats, widths=widths)


def _width(values: pd.Series, header: str, kind: str | None, fmt: str | None) -> float:
    """Characters wide: the longest of the first 1,000 values as shown, within the kind's narrowest and widest,
    and at least the header's longest word (headers wrap onto a second line rather than widen the column)."""
    narrowest, widest = KINDS[kind].width if kind else (8, 60)
    sample = values.head(1000).dropna()
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        longest = 16 if fmt and "hh" in fmt else 10
    elif pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype) and len(sample):
        biggest = float(np.nanmax(np.abs(sample.to_numpy(dtype=float, na_value=np.nan))))
        longest = len(f"{biggest:,.0f}") + (3 if fmt and "0.0" in fmt else 0) + 1
    else:
        lengths = sample.astype(str).str.len()
        longest = int(lengths.max()) if len(lengths) else 0
    header_words = max((len(word) for word in str(header).split()), default=0)
    wanted = max(narrowest, min(longest + 2, widest), min(len(str(header)) + 2, 14), header_words + 2)
    return float(wanted)
