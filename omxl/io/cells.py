"""What a cell holds, by its value's Python type: one class code per cell, for reading (which converter a cell
needs) and writing (which XML a cell gets) alike."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

# Cell classes
BLANK, STR, NUM, BOOLEAN, DATETIME, TIME, OTHER = range(7)
_TYPE_CLASS: dict[type, int] = {
    str: STR, float: NUM, int: NUM, bool: BOOLEAN, type(None): BLANK,
    dt.datetime: DATETIME, dt.date: DATETIME, pd.Timestamp: DATETIME, dt.time: TIME, dt.timedelta: OTHER,
    np.float64: NUM, np.float32: NUM, np.int64: NUM, np.int32: NUM, np.bool_: BOOLEAN,
    np.datetime64: DATETIME, type(pd.NaT): BLANK, type(pd.NA): BLANK,
}


def classify(values: pd.Series) -> np.ndarray:
    """One class code per cell by its Python type; NaN counts as blank (text is looked at in convert)."""
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) == "string":
        return np.full(len(values), STR, dtype=np.int8)   # a CSV file's column: text only, told in one C pass
    if isinstance(values.dtype, pd.StringDtype):   # text or missing, nothing else: no type to look up per cell
        return np.where(values.isna().to_numpy(dtype=bool), np.int8(BLANK), np.int8(STR))
    types = values.map(type)
    lookup = {t: _TYPE_CLASS.get(t, _class_by_isinstance(t)) for t in types.unique()}
    classes = types.map(lookup).to_numpy(dtype=np.int8, na_value=OTHER)
    number = classes == NUM
    if number.any():
        classes[number] = np.where(np.isnan(values[number].to_numpy(dtype=float)), BLANK, NUM)
    return classes


def _class_by_isinstance(kind: type) -> int:
    for base, code in ((bool, BOOLEAN), (np.bool_, BOOLEAN), (str, STR), (dt.datetime, DATETIME),
                       (dt.date, DATETIME), (np.datetime64, DATETIME), (int, NUM), (float, NUM),
                       (np.number, NUM)):
        if issubclass(kind, base):
            return code
    return OTHER
