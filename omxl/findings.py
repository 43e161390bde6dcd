"""Findings as data: one catalog of stable codes for every stage, one frame, cell addresses.

Every finding (reading, validation and reconciliation alike) is one row of a
DataFrame with FINDING_COLUMNS (contract 4.1). Codes are stable: never rename one
once released. CATALOG holds each code's stage, default severity, meaning and
remedy; docs/finding-codes.md is generated from it, and `severities` in the
configuration may change or switch off any code in it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from .model import written_column

FINDING_COLUMNS: tuple[str, ...] = (
    "severity", "code", "stage", "table", "source", "sheet", "row", "column", "cell", "value", "order_id", "line",
    "sku", "ref", "message", "count",
)
_TEXT_COLUMNS = tuple(c for c in FINDING_COLUMNS if c not in ("row", "line", "count"))
STAGES = ("read", "validate", "reconcile", "rules")


@dataclass(frozen=True)
class Code:
    """One finding code: the stage that emits it, its default severity, what it means and what to do.
    `template` is the message of codes whose message is one sentence pattern (reading findings); the other
    stages word each message from the row it is about (omxl/rules.py, omxl/reconciliation/exceptions.py)."""

    code: str
    stage: str
    severity: str
    title: str
    remedy: str
    template: str = ""


CATALOG: dict[str, Code] = {c.code: c for c in (
    # Reading: what the reader found while typing cells and matching headers.
    Code("missing-column", "read", "error", "A required column is missing",
         "Add the column, or map the header you have in omxl.toml [columns.<table>]. Rows of that sheet are "
         "left out until then.",
         "The {table} table has no '{column}' column. {fix}"),
    Code("duplicate-column", "read", "warning", "Two columns mean the same thing",
         "Rename or remove one of them.",
         "Column '{column}' is a second {what} column; the first one is used and this one is kept as-is. "
         "Rename or remove one of them."),
    Code("unknown-column", "read", "info", "A column omxl does not use",
         "Nothing, or map it in omxl.toml [columns.<table>] if it is one of omxl's columns.",
         "Column '{column}' is not a known {table} column; it is carried through unchanged. If it is one, map it "
         "in omxl.toml with these lines, writing the column it is in place of {example}:\n[columns.{table}]\n"
         "{header} = \"{example}\""),
    Code("unreadable-source", "read", "error", "A workbook that could not be read",
         "Close it where it is open, repair or export it again, and run again; the other workbooks were read.",
         "{source} could not be read: {reason} The other workbooks were read without it."),
    Code("type-error", "read", "error", "A value of the wrong type",
         "Type the value as the column expects (a number, a date).",
         "{what} (found {value}). {fix}"),
    Code("ambiguous-date", "read", "error", "A date that can be read two ways",
         "Write it as YYYY-MM-DD, make the cell a date, or set date_formats in omxl.toml.",
         "Date '{value}' can be read as {what}. Write it as YYYY-MM-DD, make the cell a date, or say how dates "
         "are written in omxl.toml with this line ({other} when the month comes first):\n"
         "date_formats = [{format}]"),
    Code("error-cell", "read", "error", "An Excel error value",
         "Fix the formula or type the value.",
         "The cell holds the error {value}. Fix the formula or type the value."),
    Code("formula-without-value", "read", "error", "A formula without a calculated value",
         "Open the workbook in Excel (or LibreOffice) and save it, or recalculate it, so each formula has a value.",
         "The cell holds the formula {value} but no value: the program that wrote the file did not calculate it. "
         "Open the workbook in Excel and save it (or recalculate it) so the value is stored."),
    Code("far-cells-left-out", "read", "warning", "Cells far away from the data, left out",
         "Look at the cells; move any that belong to the table next to it, delete the rest (Ctrl+End shows the "
         "last cell), and save.",
         "{count} cell(s) far from the table, the first at {value}, were left out: a sheet that large cannot be "
         "read whole. Move what belongs to the table next to it and delete the rest."),
    Code("normalized-value", "read", "info", "Values omxl tidied on reading",
         "Nothing; the values were tidied (spaces, numbers stored as text, ...).",
         "{what}"),
    Code("blank-row", "read", "info", "A blank row inside a table",
         "Nothing; delete the row if it should not be there.",
         "Row {row} is blank and was skipped."),
    Code("item-without-stock", "read", "info", "An item of the item master has no stock rows",
         "Nothing if the item has no stock; otherwise add its stock rows (it is read as 0 on hand at MAIN)."),
    Code("malformed-row", "read", "warning", "A CSV record with more fields than the header",
         "Quote the field that holds a comma, or fix the export.",
         "{what}"),
    # Validation: the rules of omxl/rules.py.
    Code("missing-table", "validate", "warning", "A table is missing",
         "Add the sheet (its name or headers tell omxl what it is)."),
    Code("missing-value", "validate", "error", "A required value is blank",
         "Fill it in; the row is left out of reconciliation and planning until then."),
    Code("constraint-error", "validate", "error", "A value outside its allowed range",
         "Correct the value (the message says the range)."),
    Code("duplicate-key", "validate", "error", "The same key twice",
         "Give each row its own key, or delete the repeat."),
    Code("foreign-key", "validate", "error", "A reference to something that does not exist",
         "Correct the reference or add what it refers to."),
    Code("invalid-email", "validate", "warning", "An e-mail address that cannot be used",
         "Correct the address so messages can reach them."),
    Code("future-date", "validate", "warning", "A date after the day the run is made",
         "Correct the date: it cannot have happened yet, so it is a typing error (2206 for 2026)."),
    Code("outlier", "validate", "warning", "A value far from the others",
         "Check the quantity; correct it if it is a typing error."),
    # Point in time (contract 2.3): the book as it stood on as_of (omxl/position/point_in_time.py).
    Code("after-as-of", "validate", "info",
         "Events dated after as_of, left out: as of that day they had not happened yet (one finding per table)",
         "Nothing, when the book was exported after the day the report is for; otherwise run with a later as_of."),
    Code("stock-after-as-of", "validate", "warning",
         "Stock is taken as counted, but the book holds events after as_of that may be in the count",
         "Set inventory_as_of to the day the stock was counted, so on hand is rolled back to as_of."),
    Code("stock-rolled-back", "validate", "info",
         "On hand rolled back from the day it was counted (inventory_as_of) to as_of",
         "Nothing; check inventory_as_of is the day the stock was counted."),
    Code("cancellation", "validate", "info",
         "A credit-note line (cancelled_order_pattern): it cancels quantity of an earlier line, it is no error",
         "Nothing; check the line it reduced when the message says it stands alone."),
    # Reconciliation: mismatches between orders, shipments, stock, purchase orders and returns.
    Code("over-shipment", "reconcile", "warning", "More was shipped than the line ordered",
         "Invoice the extra or arrange its return."),
    Code("shipment-without-order", "reconcile", "warning", "A shipment matches no order line",
         "Check the order number on the shipment."),
    Code("shipment-sku-mismatch", "reconcile", "warning", "A shipment's item differs from its order line's item",
         "Check the shipment or the order line."),
    Code("shipment-on-cancelled-line", "reconcile", "warning", "A cancelled line has shipments",
         "Recall the shipment or reopen the line."),
    Code("missing-tracking", "reconcile", "info",
         "A shipment has no tracking number (reported once any shipment has one)",
         "Add it from the carrier's receipt."),
    Code("status-mismatch", "reconcile", "warning", "The sheet's status disagrees with what shipped",
         "Close or reopen the line, or record the missing shipment."),
    Code("shipment-data-mismatch", "reconcile", "warning",
         "The order sheet's own shipping columns disagree with the shipments table (the shipments table wins)",
         "Correct the order sheet."),
    Code("mixed-currency-order", "reconcile", "warning",
         "An order's lines are in different currencies (its value is left blank on the Orders sheet)",
         "Correct the line's currency: an order is priced and invoiced in one currency."),
    Code("negative-stock", "reconcile", "warning", "An item shows less than zero on hand at a location",
         "Count it and correct the stock record; it counts as 0."),
    Code("stockout", "reconcile", "warning", "An item has no stock but open order quantity",
         "Expedite supply or tell the customers."),
    Code("po-overdue", "reconcile", "warning", "An open purchase-order line is past its expected date",
         "Chase the supplier for a new date."),
    Code("po-over-receipt", "reconcile", "warning", "More was received than the purchase-order line ordered",
         "Check the receipt and the supplier's invoice."),
    Code("return-exceeds-shipped", "reconcile", "warning", "More was returned than the line shipped",
         "Check the quantities before refunding."),
    Code("return-without-shipment", "reconcile", "warning",
         "A return refers to a line that never shipped (or does not exist)",
         "Check the order number before refunding."),
    # Billing (contract 4.7, omxl/reconciliation/billing.py): only when the book has invoices.
    Code("shipped-not-invoiced", "reconcile", "warning", "An order line shipped more than was invoiced",
         "Invoice the quantity not yet billed."),
    Code("invoiced-not-shipped", "reconcile", "warning",
         "An order line is invoiced for more than it shipped, or an invoice matches no order line",
         "Ship what was billed or credit it; correct the order or line on the invoice."),
    Code("invoice-amount-mismatch", "reconcile", "warning",
         "An invoice amount differs from quantity x unit price x (1 - discount) by more than a cent per line",
         "Correct the invoice (credit the difference or bill it) or the order's price."),
    Code("invoice-overdue", "reconcile", "warning",
         "An invoice is unpaid past its due date (else its invoice date + the customer's payment terms)",
         "Remind the customer and agree a date."),
    Code("overpaid", "reconcile", "warning", "An invoice was paid more than it bills",
         "Refund the customer or hold it as a credit on the account."),
    Code("refund-not-credited", "reconcile", "warning",
         "A return resolved as a refund or credit has no credit note dated on or after it",
         "Issue the credit note (a negative invoice line)."),
    # Company rules (contract 4.8, omxl/company_rules/): the built-in one. The codes of [[rules]] in omxl.toml are
    # the company's own, stage `rules` too.
    Code("credit-limit", "rules", "warning",
         "A customer's open order value plus unpaid invoices is above their credit limit (per currency, or "
         "converted with fx_rates)",
         "Ask for payment or a prepayment before shipping more, or raise the limit; with [[rules]] code = "
         "\"credit-limit\" and hold = true the customer's open lines wait."),
)}




def empty_findings() -> pd.DataFrame:
    """A findings frame without rows: a copy of one made once (typing its columns costs more than a small
    book's checks, and every stage starts from one)."""
    return _empty_findings().copy()


@functools.lru_cache(maxsize=1)
def _empty_findings() -> pd.DataFrame:
    return _typed(pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS}))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame's columns in FINDING_COLUMNS order with one dtype each, whatever string dtype pandas picks."""
    typed = {c: frame[c].astype("string[python]") for c in _TEXT_COLUMNS}
    typed.update({c: frame[c].astype("Int64") for c in ("row", "line", "count")})
    return pd.DataFrame(typed, index=frame.index)[list(FINDING_COLUMNS)]


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
    """Findings of one code about one sheet's column, from arrays (one finding per element of `rows`)."""
    rows_array = np.atleast_1d(np.asarray(rows if rows is not None else [pd.NA], dtype=object))
    n = len(rows_array)
    row_series = pd.array(rows_array, dtype="Int64")
    cells = [f"{letter}{r}" if letter and r is not pd.NA else "" for r in row_series] if letter else [""] * n
    return pd.DataFrame({
        "severity": severity or CATALOG[code].severity,
        "code": code,
        "stage": CATALOG[code].stage,
        "table": table,
        "source": source,
        "sheet": sheet,
        "row": row_series,
        "column": column,
        "cell": cells,
        "value": _as_text(values, n),
        "order_id": pd.array([pd.NA] * n, dtype="string[python]"),
        "line": pd.array([pd.NA] * n, dtype="Int64"),
        "sku": pd.array([pd.NA] * n, dtype="string[python]"),
        "ref": "",
        "message": _broadcast(messages, n),
        "count": pd.array(_broadcast(count, n), dtype="Int64"),
    })


def row_findings(
    code: str,
    table: str,
    rows: pd.DataFrame,
    messages: Sequence[str] | pd.Series,
    *,
    column: str,
    column_map: pd.DataFrame,
    ref: Sequence[object] | pd.Series | str = "",
    severity: str | None = None,
    values: Sequence[str] | None = None,
    stage: str | None = None,
    cited: "tuple[pd.DataFrame, pd.DataFrame] | None" = None,
) -> pd.DataFrame:
    """Findings of one code about table rows (which carry source/sheet/row, and order_id/line/sku where the
    table has them): each cites the cell of `column` in the row it came from, with the header as written.

    `values` are the cells as shown (computed from `column` when not given). `column_map` is Book.column_map.
    A code outside the catalog (a company rule's, [[rules]]) gives its `severity` and `stage`.
    A row built from another table's row (shipments derived from order lines) keeps that row's provenance,
    so the header is looked up by sheet and column, not by table. `cited`: what cited_cells gave for these rows
    and `column`, when the caller has it already."""
    rows, located = cited if cited is not None else cited_cells(rows, column, column_map)
    n = len(rows)
    row_numbers = _column(rows, "row", "Int64")
    letters = located["letter"].astype("string[python]").fillna("")
    has_cell = letters.ne("") & row_numbers.notna()
    cells = (letters + row_numbers.astype("string[python]").fillna("")).where(has_cell, "")
    if values is None:
        values = rows[column].map(lambda v: "" if _blank(v) else display(v)) if column in rows else ""
    values = pd.Series(values, index=rows.index, dtype="string[python]")
    if written_column(column) in rows:
        # A coded cell ([values] in the configuration) is cited as written: the code, not the word it stands for.
        written = rows[written_column(column)].astype("string[python]")
        values = written.where(written.notna(), values)
    return pd.DataFrame({
        "severity": severity or CATALOG[code].severity,
        "code": code,
        "stage": stage or CATALOG[code].stage,
        "table": table,
        "source": _column(rows, "source", "string[python]"),
        "sheet": _column(rows, "sheet", "string[python]"),
        "row": row_numbers,
        "column": located["header"].where(located["header"].notna(), column).astype("string[python]"),
        "cell": cells.astype("string[python]"),
        "value": values,
        "order_id": _column(rows, "order_id", "string[python]"),
        "line": _column(rows, "line", "Int64"),
        "sku": _column(rows, "sku", "string[python]"),
        "ref": pd.Series(_broadcast(ref, n) if isinstance(ref, str) else list(ref), index=rows.index,
                         dtype="string[python]").fillna(""),
        "message": pd.Series(list(messages), index=rows.index, dtype="string[python]"),
        "count": pd.array([1] * n, dtype="Int64"),
    }, index=rows.index)


def _at_header_cells(rows: pd.DataFrame, located: pd.DataFrame, column: str,
                     column_map: pd.DataFrame) -> pd.DataFrame:
    """Rows of a header + line join (omxl/io/read/joins.py) whose `column` came from the header row, not the
    line's sheet: the finding cites the header row's cell (source, sheet, row and letter), the one cell the user
    can correct. `located` is updated in place with the header sheet's header and letter."""
    if "header_row" not in rows:
        return rows
    from_header = located["letter"].isna().to_numpy().copy()
    if "header_filled" in rows:
        from_header |= (" " + rows["header_filled"].fillna("") + " ").str.contains(f" {column} ", regex=False) \
            .to_numpy(dtype=bool)
    from_header &= rows["header_row"].notna().to_numpy(dtype=bool)
    if not from_header.any():
        return rows
    at = rows.loc[from_header, ["header_source", "header_sheet", "header_row"]]
    at.columns = ["source", "sheet", "row"]
    found = headers_of(at, column, column_map)
    cited = found["letter"].notna().to_numpy()
    if not cited.any():
        return rows
    index = at.index[cited]
    rows = rows.copy()
    for name in ("source", "sheet", "row"):
        rows[name] = rows[name].astype(object)
        rows.loc[index, name] = at.loc[index, name].astype(object)
    rows["row"] = rows["row"].astype("Int64")
    located.loc[index, ["header", "letter"]] = found.loc[index, ["header", "letter"]].to_numpy()
    return rows


def cited_headers(rows: pd.DataFrame, column: str, column_map: pd.DataFrame) -> pd.Series:
    """Per row: the header of `column` as written where a finding would cite it (the header row's sheet for a
    value a header + line join filled in); None when no sheet has it."""
    return cited_cells(rows, column, column_map)[1]["header"]


def cited_cells(rows: pd.DataFrame, column: str, column_map: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`rows` (index reset) with the provenance a finding about `column` cites (_at_header_cells), and per row
    the header and letter of that cell (headers_of)."""
    rows = rows.reset_index(drop=True)
    located = headers_of(rows, column, column_map)
    return _at_header_cells(rows, located, column, column_map), located


def _column(rows: pd.DataFrame, name: str, dtype: str) -> pd.Series:
    if name in rows:
        return rows[name].astype(dtype)
    return pd.Series(pd.array([pd.NA] * len(rows), dtype=dtype), index=rows.index)


def headers_of(rows: pd.DataFrame, column: str, column_map: pd.DataFrame) -> pd.DataFrame:
    """Per row: the header and column letter of canonical `column` in the sheet the row came from (blank when
    that sheet has no such column). Looked up once per distinct sheet: findings come from a few sheets."""
    # Plain arrays of the mapping's few rows: selecting them as a frame cost more than the lookup itself, and
    # every finding of every rule looks its column up here.
    hit = (column_map["column"] == column).to_numpy(dtype=bool)
    source, sheet, header, letter = (column_map[c].to_numpy(dtype=object)[hit]
                                     for c in ("source", "sheet", "header", "letter"))
    lookup = dict(zip(zip(source, sheet), zip(header, letter)))
    # Integer codes per column, combined: hashing two text columns once is far cheaper than a tuple per row.
    # Only the few distinct values are typed as text (a blank one as ""), not every row's.
    source_codes, sources = text_codes(rows, "source")
    sheet_codes, sheets = text_codes(rows, "sheet")
    width = max(len(sheets), 1)
    pair_codes, pairs = pd.factorize(source_codes.astype(np.int64) * width + sheet_codes)
    found = [lookup.get((sources[pair // width], sheets[pair % width]), (None, None)) for pair in pairs]
    headers = np.array([f[0] for f in found], dtype=object)[pair_codes]
    letters = np.array([f[1] for f in found], dtype=object)[pair_codes]
    return pd.DataFrame({"header": headers, "letter": letters}, index=rows.index)


def text_codes(rows: pd.DataFrame, name: str) -> tuple[np.ndarray, list]:
    """Integer codes of column `name` of `rows` and the text of each code (blank, or no such column: "")."""
    if name not in rows:
        return np.zeros(len(rows), dtype=np.int64), [""]
    values = rows[name]
    # A table's rows come sheet by sheet: only the first row of each run of one source (sheet) is hashed, the
    # others are found by comparing each row with the one before (a blank compared as "", the text it gets).
    blank = values.isna().to_numpy(dtype=bool)
    plain = values.fillna("").to_numpy(dtype=object) if blank.any() else values.to_numpy(dtype=object)
    starts = np.flatnonzero(np.concatenate(([True], plain[1:] != plain[:-1]))) if len(plain) else \
        np.zeros(0, dtype=np.int64)
    codes, uniques = pd.factorize(values.iloc[starts])
    texts = pd.Series(uniques).astype("string[python]").tolist() + [""]
    codes = np.where(codes < 0, len(texts) - 1, codes)
    return np.repeat(codes, np.diff(np.append(starts, len(plain)))), texts


def has_column(rows: pd.DataFrame, column: str, column_map: pd.DataFrame) -> np.ndarray:
    """Per row: whether the sheet the row came from has canonical `column` (contract 2.3: a check that needs a
    column runs only where it exists). A merged table carries every canonical column, blank where a sheet
    lacks it, so the table's columns cannot tell; the sheet's headers can. Rows derived from another table's
    row (shipments from order lines) answer for that row's sheet."""
    return np.array(headers_of(rows, column, column_map)["header"].notna(), dtype=bool)


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value))


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
    return _typed(pd.concat(parts, ignore_index=True))


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
