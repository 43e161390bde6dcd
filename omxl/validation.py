"""validate: every rule of omxl.rules over a Book, addressed to the cell (contract section 4.1).

Checks are vectorised masks over whole tables; only the offending rows are turned
into findings. Reading findings (type errors, error cells, ambiguous dates, fixes)
come from the Book and are reported together with these.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd

from .book import Book
from .cancellations import credit_note_rows, match_cancellations
from .config import Config, run_day
from .deprecation import warn_renamed
from .findings import (FINDING_COLUMNS, apply_severities, cited_headers, concat_findings, display, findings_frame,
                       has_column, row_findings)
from .model import TABLE_NAMES
from .presentation.sheets import fill_rows, result_sheet
from .rules import EXPECTED_TABLES, RULES, Rule
from .wording import BLANK, quantity_text, words


if TYPE_CHECKING:
    from .io.xlsx.sheetxml import ResultSheet

READING_ERRORS = ("type-error", "ambiguous-date", "error-cell")
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


@dataclasses.dataclass
class Context:
    book: Book
    as_of: pd.Timestamp
    blanked: dict[tuple[str, str], set[tuple[str, str, int]]]   # (table, column) -> cells a reading error emptied
    settings: Config = dataclasses.field(default_factory=Config)
    # The day the run is made (OMXL_TODAY or today): a date after it is a typo, one after as_of is not.
    today: pd.Timestamp = dataclasses.field(default_factory=lambda: pd.Timestamp(run_day()))
    _codes: dict[tuple[str, str], np.ndarray] = dataclasses.field(default_factory=dict)

    def codes(self, table: str, column: str) -> np.ndarray:
        """Integer codes of a column (blank gets a code of its own), computed once: hashing text is the
        dominant cost of key checks, and several rules key on the same columns."""
        key = (table, column)
        if key not in self._codes:
            self._codes[key] = pd.factorize(self.book.tables[table][column], use_na_sentinel=False)[0]
        return self._codes[key]

    def group_ids(self, table: str, columns: tuple[str, ...]) -> np.ndarray:
        """One integer per distinct combination of `columns` (blank counts as a value)."""
        ids = self.codes(table, columns[0])
        for column in columns[1:]:
            codes = self.codes(table, column)
            ids = pd.factorize(ids.astype(np.int64) * (int(codes.max(initial=0)) + 1) + codes)[0]
        return ids


@dataclasses.dataclass
class Hits:
    """Offending rows of one rule: positions in the table, plus per-row message fields."""

    positions: np.ndarray
    fields: dict[str, list] = dataclasses.field(default_factory=dict)


def check_book(book: Book, as_of: pd.Timestamp, settings: Config) -> pd.DataFrame:
    """Every rule of omxl.rules over `book`, with what reading found, severities as configured."""
    context = Context(book, as_of, _blanked_cells(book), settings)
    parts = [book.findings, _missing_tables(book)]
    credit = credit_note_rows(book.orders, settings.cancelled_order_pattern)
    for rule in RULES:
        frame = book.tables[rule.table]
        if len(frame) == 0 or any(c not in frame for c in rule.columns):
            continue
        hits = CHECKS[rule.check](frame, rule, context)
        if rule.params.get("except_cancellations") and credit.any():
            hits.positions = hits.positions[~credit[hits.positions]]
        if len(hits.positions):
            parts.append(_findings(rule, frame, hits, book, as_of))
    issues = concat_findings(parts)
    if any("header_row" in book.tables[t] for t in TABLE_NAMES):
        # A header value filled into several lines is one cell: one finding, not one per line.
        cited = issues["cell"].fillna("").ne("")
        issues = issues[~(cited & issues.duplicated(["code", "table", "source", "sheet", "row", "cell", "message"]))]
    issues = apply_severities(issues, settings.severities)
    if credit.any():
        # Matched on the rows every step uses (those without errors), so each finding names the line that
        # the prepared position reduces.
        found = cancellation_findings(book, credit, ~error_rows(book, issues)["orders"])
        issues = concat_findings([issues, apply_severities(found, settings.severities)])
    return _ordered(issues)


def cancellation_findings(book: Book, credit: np.ndarray, kept: np.ndarray) -> pd.DataFrame:
    """One `cancellation` finding per credit-note line (`credit`) among the rows `kept`, naming the line it
    reduces (contract 2.3)."""
    orders = book.orders[kept]
    matched = match_cancellations(orders, credit[kept])
    notes = orders.loc[matched.index]
    target = matched["target"]
    found = target.notna().to_numpy()
    reduced = orders.reindex(target.fillna(-1).astype(int).to_numpy())
    qty = quantity_text(matched["cancelled_qty"])
    price = (" at " + notes["unit_price"].map(lambda v: f"{v:,.2f}" if pd.notna(v) else "?").astype(object)) \
        if "unit_price" in notes else ""
    what = "Credit note " + notes["order_id"].astype(str) + " cancels " + qty + " x " + notes["sku"].astype(str) \
        + price
    line = reduced["line"].astype("string[python]").fillna("").to_numpy() if "line" in reduced else ""
    reduces = what + ": it reduces order " + reduced["order_id"].astype(str).to_numpy() + " line " + line \
        + " (row " + reduced["row"].astype("Int64").astype("string[python]").fillna("").to_numpy() + ", ordered " \
        + quantity_text(reduced["qty"]).to_numpy() + ") by " + qty + "."
    alone = what + "; no earlier line of customer " + notes["customer_id"].astype(str) + \
        " with this item and price has " + qty + " left, so it stands alone."
    messages = pd.Series(np.where(found, reduces.to_numpy(dtype=object), alone.to_numpy(dtype=object)),
                         index=notes.index)
    refs = pd.Series(np.where(found, reduced["order_id"].astype(str).to_numpy(), ""), index=notes.index)
    return row_findings("cancellation", "orders", notes, messages, column="qty", column_map=book.column_map,
                        ref=refs)



# --- checks: each returns the offending rows of one rule ------------------------------------------

def check_required(frame: pd.DataFrame, rule: Rule, context: Context) -> Hits:
    column = rule.columns[0]
    positions = np.flatnonzero(frame[column].isna().to_numpy())
    if not len(positions):
        return Hits(positions)
    blank = frame.iloc[positions]
    column_map = context.book.column_map
    keep = has_column(blank, column, column_map)  # a missing column is reported once
    emptied = context.blanked.get((rule.table, column), set())
    if "header_row" in blank:
        # Joined header + line rows: the column may come from the header part (cited there, once per header).
        on_header = ~keep & has_column(_header_provenance(blank), column, column_map) & \
            blank["header_row"].notna().to_numpy()
        keep |= on_header
        if emptied:
            keys = zip(blank["header_source"], blank["header_sheet"], blank["header_row"])
            keep &= ~(on_header & np.array([k in emptied for k in keys], dtype=bool))
    if emptied:
        keys = zip(blank["source"], blank["sheet"], blank["row"])
        keep &= np.array([k not in emptied for k in keys], dtype=bool)
    return Hits(positions[keep])


def _header_provenance(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"source": frame["header_source"].fillna(""), "sheet": frame["header_sheet"].fillna(""),
                         "row": frame["header_row"]})


def _compare(op: Callable[[pd.Series, float], pd.Series]) -> Callable[[pd.DataFrame, Rule, Context], Hits]:
    def check(frame: pd.DataFrame, rule: Rule, context: Context) -> Hits:
        values = frame[rule.columns[0]]
        return Hits(np.flatnonzero((values.notna() & op(values)).to_numpy(dtype=bool)))
    return check


def check_before(frame: pd.DataFrame, rule: Rule, context: Context) -> Hits:
    """The first column is before the second (both filled)."""
    first, second = frame[rule.columns[0]], frame[rule.columns[1]]
    positions = np.flatnonzero((first.notna() & second.notna() & (first.dt.normalize() < second.dt.normalize()))
                               .to_numpy(dtype=bool))
    return Hits(positions, {"other_value": [display(v) for v in second.iloc[positions]]})


def check_greater_than(frame: pd.DataFrame, rule: Rule, context: Context) -> Hits:
    first, second = frame[rule.columns[0]], frame[rule.columns[1]]
    positions = np.flatnonzero((first.notna() & second.notna() & (first > second)).to_numpy(dtype=bool))
    return Hits(positions, {"other_value": [display(v) for v in second.iloc[positions]]})


def check_unique(frame: pd.DataFrame, rule: Rule, context: Context) -> Hits:
    """Repeats of a key (all key columns filled); the first occurrence stays valid and is cited."""
    ids = context.group_ids(rule.table, rule.columns)
    filled = frame[list(rule.columns)].notna().all(axis=1).to_numpy()
    return _repeats(frame, ids, filled, rule)


def check_exact_duplicate(frame: pd.DataFrame, rule: Rule, context: Context) -> Hits:
    """Lines repeating an earlier one in every value, where the source has no line numbers to tell them apart
    (with line numbers, the order_id+line rule reports them)."""
    ids = context.group_ids(rule.table, rule.columns)
    eligible = frame[rule.columns[0]].notna().to_numpy() & ~has_column(frame, "line", context.book.column_map)
    return _repeats(frame, ids, eligible, rule)


def _repeats(frame: pd.DataFrame, ids: np.ndarray, eligible: np.ndarray, rule: Rule) -> Hits:
    """`ids` come from pd.factorize, numbered in order of first appearance: a row is a key's first occurrence
    exactly when its id is higher than every id before it, and those rows, in order, are ids 0, 1, 2, ..."""
    seen_before = np.maximum.accumulate(np.concatenate(([-1], ids[:-1]))) if len(ids) else ids
    first_positions = np.flatnonzero(ids > seen_before)
    first_of_row = first_positions[ids]
    repeated = (first_of_row != np.arange(len(ids))) & eligible
    positions = np.flatnonzero(repeated)
    if not len(positions):
        return Hits(positions)
    rows = frame["row"].to_numpy()
    fields = {"first_row": [int(r) for r in rows[first_of_row[positions]]]}
    if len(rule.columns) > 1:
        fields["other_value"] = [display(v) for v in frame[rule.columns[1]].iloc[positions]]
    return Hits(positions, fields)


def check_exists_in(frame: pd.DataFrame, rule: Rule, context: Context) -> Hits:
    """Values missing from another table's column; skipped while that table is empty."""
    table, column = rule.params["target"].split(".")
    reference = context.book.tables[table][column]
    if reference.notna().sum() == 0:
        return Hits(np.array([], dtype=np.int64))
    values = frame[rule.columns[0]]
    return Hits(np.flatnonzero((values.notna() & ~values.isin(set(reference.dropna()))).to_numpy(dtype=bool)))


def check_order_line_exists(frame: pd.DataFrame, rule: Rule, context: Context) -> Hits:
    """Shipments and returns match an order line by (order_id, line), or (order_id, sku) without a line."""
    orders = context.book.orders
    if len(orders) == 0:
        return Hits(np.array([], dtype=np.int64))
    n = len(orders)
    order_codes = pd.factorize(pd.concat([orders["order_id"], frame["order_id"]], ignore_index=True))[0]
    sku_codes = pd.factorize(pd.concat([orders["sku"], frame["sku"]], ignore_index=True))[0]
    lines = pd.concat([orders["line"], frame["line"]], ignore_index=True).fillna(-1).to_numpy(dtype=np.int64)
    width = int(max(lines.max(initial=0), sku_codes.max(initial=0))) + 2
    by_line = order_codes.astype(np.int64) * width + lines + 1
    by_sku = order_codes.astype(np.int64) * width + sku_codes + 1
    has_line = frame["line"].notna().to_numpy()
    # A row naming only its order (a return without item or line, contract 2.3) matches any line of the order.
    order_only = ~has_line & frame["sku"].isna().to_numpy()
    # Hash-based membership (pandas) rather than np.isin, which sorts: 10x faster on a million keys.
    found = np.where(has_line, pd.Series(by_line[n:]).isin(by_line[:n]).to_numpy(),
                     pd.Series(by_sku[n:]).isin(by_sku[:n]).to_numpy())
    found |= order_only & pd.Series(order_codes[n:]).isin(order_codes[:n]).to_numpy()
    positions = np.flatnonzero(frame["order_id"].notna().to_numpy() & ~found)
    rows = frame.iloc[positions]
    other = np.where(rows["line"].notna(), "line " + words(rows["line"]),
                     np.where(rows["sku"].notna(), "item " + words(rows["sku"]), "any line"))
    return Hits(positions, {"other_value": list(other)})


def check_email(frame: pd.DataFrame, rule: Rule, context: Context) -> Hits:
    values = frame[rule.columns[0]]
    valid = values.str.strip().str.fullmatch(_EMAIL.pattern)
    return Hits(np.flatnonzero((values.notna() & ~valid.fillna(False).astype(bool)).to_numpy(dtype=bool)))


def check_after_run_day(frame: pd.DataFrame, rule: Rule, context: Context) -> Hits:
    """Dates after the day the run is made (contract 2.3): they cannot have happened. Dates after as_of but not
    after the run day are events of a later export, left out as of the day, not findings of this rule."""
    values = frame[rule.columns[0]]
    return Hits(np.flatnonzero((values.notna() & (values.dt.normalize() > context.today)).to_numpy(dtype=bool)),
                {"run_day": [f"{context.today:%Y-%m-%d}"]})


def check_outlier(frame: pd.DataFrame, rule: Rule, context: Context) -> Hits:
    """Quantities far above the usual one, by a robust z-score on log quantities (docs/outliers.md).

    Order quantities are skewed (mostly small, a few large), so the test is on their logarithms, and it uses
    the median and the median absolute deviation (MAD), which one huge value cannot drag along as it drags a
    mean and standard deviation: z = (log q - median) / max(1.4826 MAD, log 2). The floor keeps an item
    always sold by the same quantity (MAD 0) from making every other quantity an outlier: quantities within
    a factor of 2 count as the same size. An item with at least `outlier_min_lines` lines is judged against
    its own lines; one with fewer (a one-off like Online Retail's 80,995 paper birdies) against the lines of
    every item. Only the high side is flagged: one unit of an item usually sold by the dozen is ordinary."""
    settings = context.settings
    column = rule.columns[0]
    logs = np.log(frame[column].where(frame[column] > 0))
    grouped = logs.groupby(context.codes(rule.table, "sku"), sort=False)
    centre = grouped.transform("median")
    spread = (logs - centre).abs().groupby(context.codes(rule.table, "sku"), sort=False).transform("median")
    lines = grouped.transform("count")
    own = lines >= settings.outlier_min_lines
    everyone = logs.median()
    centre = centre.where(own, everyone)
    spread = spread.where(own, (logs - everyone).abs().median())
    scale = np.maximum(1.4826 * spread, np.log(2.0))
    z = (logs - centre) / scale
    positions = np.flatnonzero((logs.notna() & (z > settings.outlier_threshold)).to_numpy(dtype=bool))
    usual = np.exp(centre.iloc[positions])
    ratio = np.exp(logs.iloc[positions] - centre.iloc[positions])
    own_line = own.iloc[positions].to_numpy()
    counts = lines.iloc[positions].astype(int).to_numpy()
    reference = np.where(own_line, "this item's usual order", "the usual order of all items")
    usual_text = [f"median of its {n:,} lines: {display(round(u, 2))}" if o
                  else f"{display(round(u, 2))}; this item has only {n:,} line{'s' if n != 1 else ''}"
                  for u, o, n in zip(usual, own_line, counts)]
    return Hits(positions, {"other_value": usual_text, "reference": list(reference),
                            "factor": [f"{r:,.0f}" for r in ratio]})


CHECKS: dict[str, Callable[[pd.DataFrame, Rule, Context], Hits]] = {
    "required": check_required,
    "positive": _compare(lambda v: v <= 0),
    "non_negative": _compare(lambda v: v < 0),
    "zero": _compare(lambda v: v == 0),
    "at_least_one": _compare(lambda v: v < 1),
    "fraction": _compare(lambda v: (v < 0) | (v > 1)),
    "before": check_before,
    "greater_than": check_greater_than,
    "unique": check_unique,
    "exact_duplicate": check_exact_duplicate,
    "exists_in": check_exists_in,
    "order_line_exists": check_order_line_exists,
    "email": check_email,
    "after_run_day": check_after_run_day,
    "outlier": check_outlier,
}


# --- findings ---------------------------------------------------------------------------------------

def _findings(rule: Rule, frame: pd.DataFrame, hits: Hits, book: Book, as_of: pd.Timestamp) -> pd.DataFrame:
    rows = frame.iloc[hits.positions].reset_index(drop=True)
    n = len(rows)
    # One dict of message fields per row, built by hand: a field given once applies to every row. (A DataFrame's
    # to_dict("records") of no columns gives n empty dicts in pandas 3 but none at all in pandas 2.)
    columns = {key: items if len(items) == n else items * n for key, items in hits.fields.items()}
    records = [{key: items[i] for key, items in columns.items()} for i in range(n)]
    values = [display(v) if pd.notna(v) else "" for v in rows[rule.columns[0]]]
    headers = cited_headers(rows, rule.columns[0], book.column_map).fillna(rule.columns[0]).tolist()
    other_headers = cited_headers(rows, rule.columns[-1], book.column_map).fillna(rule.columns[-1]).tolist()
    base = {"other_value": "", "first_row": "", "factor": "", "reference": "", "as_of": f"{as_of:%Y-%m-%d}"}
    # A blank cell reads "(blank)" in a message (the finding's `value` stays empty).
    texts = [rule.message.format(**{**base, **records[i], "column": headers[i], "value": values[i] or BLANK,
                                    "other_column": other_headers[i]}) for i in range(n)]
    return row_findings(rule.code, rule.table, rows, texts, column=rule.columns[0], column_map=book.column_map,
                        severity=rule.severity, values=values)


def _blanked_cells(book: Book) -> dict[tuple[str, str], set[tuple[str, str, int]]]:
    """Cells a reading error already reported and emptied: not reported again as missing values."""
    findings = book.findings[book.findings["code"].isin(READING_ERRORS)]
    if findings.empty:
        return {}
    mapping = book.column_map.drop_duplicates(["table", "source", "sheet", "header"])
    merged = findings.merge(mapping, left_on=["table", "source", "sheet", "column"],
                            right_on=["table", "source", "sheet", "header"], suffixes=("", "_canonical"))
    blanked: dict[tuple[str, str], set[tuple[str, str, int]]] = {}
    for r in merged.itertuples():
        blanked.setdefault((r.table, r.column_canonical), set()).add((r.source, r.sheet, int(r.row)))
    return blanked


def _missing_tables(book: Book) -> pd.DataFrame:
    parts = [findings_frame("missing-table", table=table, messages=[text])
             for table, text in EXPECTED_TABLES.items() if book.layout["table"].eq(table).sum() == 0]
    return concat_findings(parts)


def in_order(issues: pd.DataFrame) -> pd.DataFrame:
    """Findings in the order validate gives them: errors, then warnings, then info; each by table and cell."""
    return _ordered(issues)


def _ordered(issues: pd.DataFrame) -> pd.DataFrame:
    """Errors, then warnings, then info; within each, tables in model order, then source, sheet, row, and
    column position as in the sheet."""
    if issues.empty:
        return issues
    order = {name: i for i, name in enumerate(TABLE_NAMES)}
    letters = issues["cell"].str.extract(r"^([A-Z]+)", expand=False).fillna("")
    key = pd.DataFrame({"severity": issues["severity"].map({"error": 0, "warning": 1, "info": 2}),
                        "table": issues["table"].map(order).fillna(-1), "source": issues["source"],
                        "sheet": issues["sheet"], "row": issues["row"].fillna(0),
                        "width": letters.str.len(), "letters": letters})
    ordered = issues.loc[key.sort_values(["severity", "table", "source", "sheet", "row", "width", "letters"],
                                         kind="stable").index]
    return ordered.reset_index(drop=True)[list(FINDING_COLUMNS)]


# --- rows left out downstream -------------------------------------------------------------------

def error_rows(book: Book, issues: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per table, a mask of the rows that have an error (left out of reconciliation and planning).

    A `missing-column` error leaves out every row of the sheet that lacks the column."""
    errors = issues[issues["severity"] == "error"]
    masks = {}
    for table in TABLE_NAMES:
        frame = book.tables[table]
        mask = np.zeros(len(frame), dtype=bool)
        table_errors = errors[errors["table"] == table]
        if len(frame) and len(table_errors):
            row_level = table_errors[table_errors["code"] != "missing-column"]
            keys = pd.MultiIndex.from_arrays([frame["source"], frame["sheet"], frame["row"].astype("Int64")])
            bad = pd.MultiIndex.from_arrays([row_level["source"], row_level["sheet"], row_level["row"]])
            mask |= keys.isin(bad)
            if "header_row" in frame:
                # An error in a header cell leaves out every line that header filled (omxl/io/read/joins.py).
                mask |= pd.MultiIndex.from_arrays([frame["header_source"], frame["header_sheet"],
                                                   frame["header_row"]]).isin(bad)
            sheets = table_errors[table_errors["code"] == "missing-column"]
            if len(sheets):
                whole = pd.MultiIndex.from_arrays([sheets["source"], sheets["sheet"]])
                mask |= pd.MultiIndex.from_arrays([frame["source"], frame["sheet"]]).isin(whole)
        masks[table] = mask
    return masks


def usable(book: Book, issues: pd.DataFrame) -> tuple[Book, pd.DataFrame]:
    """The book without rows that have errors, and how many rows each table left out."""
    masks = error_rows(book, issues)
    tables = {name: book.tables[name][~masks[name]].reset_index(drop=True) for name in TABLE_NAMES}
    skipped = pd.DataFrame({"table": list(TABLE_NAMES),
                            "rows_left_out": [int(masks[name].sum()) for name in TABLE_NAMES]})
    # Reading findings about rows that are gone no longer describe the book.
    gone = pd.concat([book.tables[name].loc[masks[name], ["source", "sheet", "row"]].assign(table=name)
                      for name in TABLE_NAMES])
    findings = book.findings
    if len(gone) and len(findings):
        removed = pd.MultiIndex.from_frame(gone[["table", "source", "sheet", "row"]].astype(
            {"row": "Int64"}))
        keys = pd.MultiIndex.from_arrays([findings["table"], findings["source"], findings["sheet"], findings["row"]])
        findings = findings[~(keys.isin(removed) & (findings["code"] != "missing-column"))].reset_index(drop=True)
    return dataclasses.replace(book, tables=tables, findings=findings), skipped


def summary(issues: pd.DataFrame) -> pd.DataFrame:
    """Deprecated name of issue_counts(); goes in the next release."""
    warn_renamed("omxl.validation.summary()", "omxl.validation.issue_counts()")
    return issue_counts(issues)


def issue_counts(issues: pd.DataFrame) -> pd.DataFrame:
    """Counts by severity and code (aggregated findings count every cell they stand for)."""
    if issues.empty:
        return pd.DataFrame({"severity": pd.Series(dtype="string[python]"), "code": pd.Series(dtype="string[python]"),
                             "findings": pd.Series(dtype="int64"), "cells": pd.Series(dtype="int64")})
    rank = {"error": 0, "warning": 1, "info": 2}
    grouped = issues.groupby(["severity", "code"]).agg(findings=("code", "size"), cells=("count", "sum")).reset_index()
    grouped["cells"] = grouped["cells"].astype("int64")
    return grouped.sort_values(["severity", "findings"], key=lambda s: s.map(rank) if s.name == "severity" else -s) \
        .reset_index(drop=True)


def has_errors(issues: pd.DataFrame) -> bool:
    return bool((issues["severity"] == "error").any())


def issues_sheet(issues: pd.DataFrame, *, labels: "dict[str, str] | None" = None,
                 links: bool = True) -> "ResultSheet":
    """The Issues sheet: every issue, its cell a link to the offending cell, error and warning rows filled.
    links=False for a new workbook (validate --out), which has no source sheets to link to."""
    issues = issues.reset_index(drop=True)
    sheet = issues["sheet"].fillna("")
    has_cell = issues["cell"].fillna("").ne("") & sheet.ne("")
    quoted = "'" + sheet.str.replace("'", "''", regex=False) + "'!" + issues["cell"].fillna("")
    targets = quoted.where(has_cell, "")
    return result_sheet(issues, "Issues", labels=labels, links={"cell": targets} if links else None,
                        row_fill=fill_rows(issues, error=issues["severity"].eq("error"),
                                           warning=issues["severity"].eq("warning")))
