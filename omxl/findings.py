"""Findings as data: stable codes, default severities, message templates, cell addresses.

Every finding (reading and validation alike) is one row of a DataFrame with
FINDING_COLUMNS. Codes are stable: never rename one once released. The message
templates take the finding's own fields; `{what}` and `{fix}` are filled by the
check that raises it. docs/finding-codes.md is generated from CATALOG.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

FINDING_COLUMNS: tuple[str, ...] = (
    "severity", "code", "table", "source", "sheet", "row", "column", "cell", "value", "message", "count",
)


@dataclass(frozen=True)
class Code:
    code: str
    severity: str
    title: str
    template: str


CATALOG: dict[str, Code] = {c.code: c for c in (
    Code("missing-table", "warning", "A table is missing",
         "No {table} table was found. {fix}"),
    Code("missing-column", "error", "A required column is missing",
         "The {table} table has no '{column}' column. {fix}"),
    Code("duplicate-column", "warning", "Two columns mean the same thing",
         "Column '{column}' is a second {what} column; the first one is used and this one is kept as-is. "
         "Rename or remove one of them."),
    Code("unknown-column", "info", "A column omxl does not use",
         "Column '{column}' is not a known {table} column; it is carried through unchanged. "
         "Map it in omxl.toml [columns.{table}] if it is one."),
    Code("missing-value", "error", "A required value is blank",
         "{what} is blank. {fix}"),
    Code("type-error", "error", "A value of the wrong type",
         "{what} (found {value}). {fix}"),
    Code("ambiguous-date", "error", "A date that can be read two ways",
         "Date '{value}' can be read as {what}. Write it as YYYY-MM-DD, make the cell a date, "
         "or set date_formats in omxl.toml."),
    Code("error-cell", "error", "An Excel error value",
         "The cell holds the error {value}. Fix the formula or type the value."),
    Code("constraint-error", "error", "A value outside its allowed range",
         "{what} (found {value}). {fix}"),
    Code("duplicate-key", "error", "The same key twice",
         "{what} appears more than once (found {value}). {fix}"),
    Code("foreign-key", "error", "A reference to something that does not exist",
         "{what} (found {value}). {fix}"),
    Code("invalid-email", "warning", "An e-mail address that cannot be used",
         "'{value}' is not a valid e-mail address. Correct it."),
    Code("future-date", "warning", "A date after the as-of date",
         "{what} (found {value}). {fix}"),
    Code("outlier", "warning", "A value far from the others",
         "{what} (found {value}). {fix}"),
    Code("normalized-value", "info", "Values omxl tidied on reading",
         "{what}"),
    Code("blank-row", "info", "A blank row inside a table",
         "Row {row} is blank and was skipped."),
    Code("malformed-row", "warning", "A CSV record with more fields than the header",
         "{what}"),
)}


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def empty_findings() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="string[python]") for c in FINDING_COLUMNS})
    return frame.astype({"row": "Int64", "count": "Int64"})


def findings_frame(
    code: str,
    *,
    table: str = "",
    source: str = "",
    sheet: str = "",
    rows: Sequence[int] | np.ndarray | int | None = None,
    column: str = "",
    letter: str = "",
    values: Sequence[object] | object = "",
    messages: Sequence[str] | str = "",
    count: Sequence[int] | int = 1,
    severity: str | None = None,
) -> pd.DataFrame:
    """Build findings of one code from arrays (one finding per element of `rows`)."""
    rows_array = np.atleast_1d(np.asarray(rows if rows is not None else [pd.NA], dtype=object))
    n = len(rows_array)
    row_series = pd.array(rows_array, dtype="Int64")
    cells = [f"{letter}{r}" if letter and r is not pd.NA else "" for r in row_series] if letter else [""] * n
    return pd.DataFrame({
        "severity": severity or CATALOG[code].severity,
        "code": code,
        "table": table,
        "source": source,
        "sheet": sheet,
        "row": row_series,
        "column": column,
        "cell": cells,
        "value": _as_text(values, n),
        "message": _broadcast(messages, n),
        "count": pd.array(_broadcast(count, n), dtype="Int64"),
    })


def _broadcast(value: object, n: int) -> list:
    if isinstance(value, (str, int)) or value is None:
        return [value] * n
    values = list(value)  # type: ignore[arg-type]
    if len(values) != n:
        raise ValueError(f"expected {n} values, got {len(values)}")
    return values


def _as_text(values: object, n: int) -> list[str]:
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else display(v) for v in _broadcast(values, n)]


def display(value: object) -> str:
    """A cell value as a user would recognise it in a message."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") or len(text) == 10 else text.replace("T", " ")
    return str(value)


def concat_findings(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_findings()
    frame = pd.concat(parts, ignore_index=True)
    return frame.astype({c: "string[python]" for c in FINDING_COLUMNS if c not in ("row", "count")}).astype(
        {"row": "Int64", "count": "Int64"})


def message(code: str, **fields: object) -> str:
    return CATALOG[code].template.format(**fields)


def apply_severities(findings: pd.DataFrame, overrides: dict[str, str]) -> pd.DataFrame:
    """Configured severity per code; 'off' drops the code."""
    if not overrides or findings.empty:
        return findings
    mapped = findings["code"].map(overrides)
    kept = findings[mapped.ne("off").fillna(True).astype(bool)].copy()
    changed = mapped.loc[kept.index].notna()
    kept.loc[changed, "severity"] = mapped.loc[kept.index][changed]
    return kept.reset_index(drop=True)
