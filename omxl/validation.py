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
from .findings import (FINDING_COLUMNS, apply_severities, cited_cells, cited_headers, concat_findings, display,
                       findings_frame, has_column, row_findings, text_codes)
from .model import TABLE_NAMES
from .presentation.sheets import fill_rows, result_sheet
from .rules import EXPECTED_TABLES, RULES, Rule
from .wording import BLANK, day_text, quantity_text, words


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
    keys: "BookKeys | None" = None
    _codes: dict[tuple[str, str], np.ndarray] = dataclasses.field(default_factory=dict)

    def codes(self, table: str, column: str) -> np.ndarray:
        """Integer codes of a column (blank gets a code of its own), computed once: hashing text is the
        dominant cost of key checks, and several rules key on the same columns."""
        key = (table, column)
        if key not in self._codes:
            shared = self.keys.codes(table, column) if self.keys else None
            # The book keys' codes number the same values in the same order (blank: -1): numbering those integers
            # again gives blank its own code without hashing the texts a second time. Without them (the item
            # numbers, when no row matches by item) the table's own column is hashed, which numbers them alike.
            self._codes[key] = pd.factorize(shared, use_na_sentinel=False)[0] if shared is not None else \
                pd.factorize(self.book.tables[table][column], use_na_sentinel=False)[0]
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


def check_book(book: Book, as_of: pd.Timestamp, settings: Config, keys: "BookKeys | None" = None) -> pd.DataFrame:
    """Every rule of omxl.rules over `book`, with what reading found, severities as configured. `keys` (of
    this book) shares what the checks work out with usable() after them; made here when not given."""
    keys = keys or BookKeys(book)
    context = Context(book, as_of, _blanked_cells(book), settings, keys=keys)
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
        found = cancellation_findings(book, credit, ~error_rows(book, issues, keys)["orders"])
        issues = concat_findings([issues, apply_severities(found, settings.severities)])
    # Ordered first: the first error of a row (by column) is the one that says what the row took with it.
    return _with_taken_along(book, _ordered(issues), keys).reset_index(drop=True)


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
            keep &= ~(on_header & _among(emptied, blank["header_source"], blank["header_sheet"], blank["header_row"]))
    if emptied:
        keep &= ~_among(emptied, blank["source"], blank["sheet"], blank["row"])
    return Hits(positions[keep])


def _among(cells: set[tuple[str, str, int]], source: pd.Series, sheet: pd.Series, row: pd.Series) -> np.ndarray:
    """Per row: its (source, sheet, row) is one of `cells`. Lists, not the Series, are zipped: a text column
    yields its values one by one far slower than its list does."""
    keys = zip(source.tolist(), sheet.tolist(), row.tolist())
    return np.array([k in cells for k in keys], dtype=bool)


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
    eligible = frame[rule.columns[0]].notna().to_numpy() & ~has_column(frame, "line", context.book.column_map)
    if not eligible.any():  # every sheet numbers its lines: no need to hash every column of every row
        return Hits(np.array([], dtype=np.int64))
    ids = context.group_ids(rule.table, rule.columns)
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
    # Looked up in the column itself: a Python set of its 100,000 texts cost several times the lookup.
    return Hits(np.flatnonzero((values.notna() & ~values.isin(reference.dropna())).to_numpy(dtype=bool)))


def check_order_line_exists(frame: pd.DataFrame, rule: Rule, context: Context) -> Hits:
    """Shipments and returns match an order line by (order_id, line), or (order_id, sku) without a line."""
    orders = context.book.orders
    if len(orders) == 0:
        return Hits(np.array([], dtype=np.int64))
    found = context.keys.order_line_found(rule.table) if context.keys and rule.table in context.keys.ORDER_TABLES \
        else order_line_found(orders, frame)
    positions = np.flatnonzero(frame["order_id"].notna().to_numpy() & ~found)
    rows = frame.iloc[positions]
    other = np.where(rows["line"].notna(), "line " + words(rows["line"]),
                     np.where(rows["sku"].notna(), "item " + words(rows["sku"]), "any line"))
    return Hits(positions, {"other_value": list(other)})


def order_line_found(orders: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    """Per row of `frame` (shipments or returns): an order line of `orders` matches it, by (order_id, line), or
    by (order_id, sku) without a line; a row naming only its order matches any line of it."""
    keys, n = _LineKeys([orders, frame]), len(orders)
    return _matched(frame, lambda kind: keys[kind][n:], lambda kind: keys[kind][:n])


class _LineKeys:
    """Over `frames` together: the order_id, sku and line codes (blank: -1), and the keys order_line_found matches
    on as integers: order, (order, line) and (order, sku). Each is made when first asked for: the item numbers
    are hashed only when some row matches by item."""

    def __init__(self, frames: list[pd.DataFrame]) -> None:
        self.frames = frames
        self.made: dict[str, np.ndarray] = {}

    def __getitem__(self, kind: str) -> np.ndarray:
        if kind not in self.made:
            self.made[kind] = self._make(kind)
        return self.made[kind]

    def _make(self, kind: str) -> np.ndarray:
        if kind in ("order_id", "sku", "line"):
            return pd.factorize(pd.concat([f[kind] for f in self.frames], ignore_index=True))[0].astype(np.int64)
        if kind == "order":
            return self["order_id"]
        # (order, line) and (order, sku) as one integer each; the two kinds are never compared with each other.
        codes = self["line" if kind == "by_line" else "sku"]
        return self["order_id"] * (int(codes.max(initial=0)) + 2) + codes + 1


def _matched(frame: pd.DataFrame, keys: Callable[[str], np.ndarray], lines: Callable[[str], np.ndarray]) -> np.ndarray:
    """order_line_found of `frame`, whose _LineKeys are `keys(kind)`, among the order lines whose _LineKeys are
    `lines(kind)`."""

    found = np.zeros(len(frame), dtype=bool)

    def look_up(kind: str, rows: np.ndarray) -> None:
        # Only the rows that match by this key, and not at all when there are none: hashing a million order
        # lines' keys for rows that all have a line number was most of the cost. Hash-based membership
        # (pandas) rather than np.isin, which sorts: 10x faster on a million keys.
        if rows.any():
            found[rows] |= pd.Series(keys(kind)[rows]).isin(lines(kind)).to_numpy()

    has_line = frame["line"].notna().to_numpy()
    # A row naming only its order (a return without item or line, contract 2.3) matches any line of the order.
    order_only = ~has_line & frame["sku"].isna().to_numpy()
    look_up("by_line", has_line)
    look_up("by_sku", ~has_line)
    look_up("order", order_only)
    return found & frame["order_id"].notna().to_numpy()


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
    values = _shown(rows[rule.columns[0]])
    cited = cited_cells(rows, rule.columns[0], book.column_map)
    headers = cited[1]["header"].fillna(rule.columns[0]).tolist()
    other_headers = headers if len(rule.columns) == 1 else \
        cited_headers(rows, rule.columns[-1], book.column_map).fillna(rule.columns[-1]).tolist()
    base = {"other_value": "", "first_row": "", "factor": "", "reference": "", "as_of": f"{as_of:%Y-%m-%d}"}
    names = list(columns)

    def text(value: str, header: str, other_header: str, *fields: object) -> str:
        # A blank cell reads "(blank)" in a message (the finding's `value` stays empty).
        return rule.message.format(**{**base, **dict(zip(names, fields)), "column": header,
                                      "value": value or BLANK, "other_column": other_header})

    inputs = [values, headers, other_headers, *columns.values()]
    if all(set(map(type, items)) <= {str} for items in inputs):
        # One message per distinct wording: 135,000 blank customers over a few headers are a few messages.
        said: dict[tuple[str, ...], str] = {}
        texts = [said[key] if key in said else said.setdefault(key, text(*key)) for key in zip(*inputs)]
    else:   # a field that is not text (1 and 1.0 are one key, yet read differently): each row's own message
        texts = [text(*key) for key in zip(*inputs)]
    return row_findings(rule.code, rule.table, rows, texts, column=rule.columns[0], column_map=book.column_map,
                        severity=rule.severity, values=values, cited=cited)


def _shown(cells: pd.Series) -> list[str]:
    """Each cell as a finding shows it ("" for a blank), worked out once per distinct value of a typed column."""
    if cells.dtype == object:   # mixed Python objects: 1, 1.0 and True would share one distinct value
        return [display(v) if pd.notna(v) else "" for v in cells]
    codes, distinct = pd.factorize(cells, use_na_sentinel=True)
    shown = np.array([display(v) for v in distinct] + [""], dtype=object)
    return shown[codes].tolist()


def _blanked_cells(book: Book) -> dict[tuple[str, str], set[tuple[str, str, int]]]:
    """Cells a reading error already reported and emptied: not reported again as missing values."""
    findings = book.findings[book.findings["code"].isin(READING_ERRORS)]
    if findings.empty:
        return {}
    mapping = book.column_map.drop_duplicates(["table", "source", "sheet", "header"])
    merged = findings.merge(mapping, left_on=["table", "source", "sheet", "column"],
                            right_on=["table", "source", "sheet", "header"], suffixes=("", "_canonical"))
    blanked: dict[tuple[str, str], set[tuple[str, str, int]]] = {}
    # One set per column, from plain lists: a type error in every row of a date column is a million findings.
    for (table, column), cells in merged.groupby(["table", "column_canonical"], sort=False):
        blanked.setdefault((table, column), set()).update(
            zip(cells["source"].tolist(), cells["sheet"].tolist(), [int(r) for r in cells["row"].tolist()]))
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
    # A cell's column letters are its leading capitals, the same with or without its trailing row number: the
    # pattern is matched once per distinct column, not once per finding (there may be a million).
    columns, stripped = pd.factorize(issues["cell"].str.rstrip("0123456789"))
    distinct = pd.Series(stripped, dtype=object).str.extract(r"^([A-Z]+)", expand=False).fillna("")
    # A finding without a cell (code -1) takes the "" appended last.
    letters = pd.Series(np.append(distinct.to_numpy(dtype=object), "")[columns], index=issues.index)
    key = pd.DataFrame({"severity": map_distinct(issues["severity"], {"error": 0, "warning": 1, "info": 2}),
                        "table": map_distinct(issues["table"], order).fillna(-1), "source": issues["source"],
                        "sheet": issues["sheet"], "row": issues["row"].fillna(0),
                        "width": letters.str.len(), "letters": letters})
    ordered = issues.loc[key.sort_values(["severity", "table", "source", "sheet", "row", "width", "letters"],
                                         kind="stable").index]
    return ordered.reset_index(drop=True)[list(FINDING_COLUMNS)]


def map_distinct(values: pd.Series, to: dict) -> pd.Series:
    """values.map(to) as floats (blank where `to` has no entry), looked up once per distinct value: a text
    array maps cell by cell otherwise."""
    codes, uniques = pd.factorize(values)
    mapped = np.array([to.get(u, np.nan) for u in uniques] + [np.nan], dtype=float)
    return pd.Series(mapped[codes], index=values.index)


# --- rows left out downstream -------------------------------------------------------------------

def error_rows(book: Book, issues: pd.DataFrame, keys: "BookKeys | None" = None) -> dict[str, np.ndarray]:
    """Per table, a mask of the rows left out of reconciliation and planning: those that have an error, and
    those that go with an order line left out (taken_along).

    A `missing-column` error leaves out every row of the sheet that lacks the column."""
    own = keys.own_error_rows(issues) if keys is not None else _own_error_rows(book, issues)
    along = taken_along(book, own["orders"], keys=keys).masks
    return {name: own[name] | along[name] if name in along else own[name] for name in TABLE_NAMES}


# What of an error decides the rows it leaves out (_own_error_rows).
_ERROR_ROW_COLUMNS = ["table", "source", "sheet", "row", "code"]


def _own_error_rows(book: Book, issues: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per table, a mask of the rows that have an error (or whose order header has one). Reads only the errors'
    _ERROR_ROW_COLUMNS."""
    errors = issues[issues["severity"] == "error"]
    tables = errors["table"].fillna("").to_numpy(dtype=object)   # one array compared per table: a million errors
    masks = {}
    for table in TABLE_NAMES:
        frame = book.tables[table]
        mask = np.zeros(len(frame), dtype=bool)
        table_errors = errors[tables == table] if len(frame) else errors.iloc[0:0]
        if len(frame) and len(table_errors):
            row_level = table_errors[table_errors["code"] != "missing-column"]
            bad = (row_level["source"], row_level["sheet"], row_level["row"])
            mask |= _in_keys(frame["source"], frame["sheet"], frame["row"], *bad)
            if "header_row" in frame:
                # An error in a header cell leaves out every line that header filled (omxl/io/read/joins.py).
                mask |= _in_keys(frame["header_source"], frame["header_sheet"], frame["header_row"], *bad)
            sheets = table_errors[table_errors["code"] == "missing-column"]
            if len(sheets):
                whole = pd.MultiIndex.from_arrays([sheets["source"], sheets["sheet"]])
                mask |= pd.MultiIndex.from_arrays([frame["source"], frame["sheet"]]).isin(whole)
        masks[table] = mask
    return masks


def _provenance_keys(source: pd.Series, sheet: pd.Series, row: pd.Series) -> pd.MultiIndex:
    """(source, sheet, row) as one comparable key, whatever the dtypes of the frame they come from."""
    return pd.MultiIndex.from_arrays([source.astype("string[python]").fillna(""),
                                      sheet.astype("string[python]").fillna(""), row.astype("Int64")])


def _in_keys(source: pd.Series, sheet: pd.Series, row: pd.Series, key_source: pd.Series, key_sheet: pd.Series,
             key_row: pd.Series) -> np.ndarray:
    """_provenance_keys(source, sheet, row).isin(_provenance_keys(key_source, key_sheet, key_row)), looked up only
    for the rows whose row number is among the keys' (a table's keys are 100,000 texts to hash, the keys, rows
    with an error, mostly a handful), and then as one integer per row: the sources and sheets numbered over
    both sides at once (305 files of blank customers are 135,000 keys over 540,000 rows)."""
    found = np.zeros(len(row), dtype=bool)
    if not len(key_row) or not len(row):
        return found
    numbers = key_row.astype("Int64")
    maybe = row.isin(numbers.dropna()).to_numpy(dtype=bool)
    if numbers.hasnans:
        maybe |= row.isna().to_numpy(dtype=bool)
    if maybe.any():
        mine = (source[maybe], sheet[maybe], row[maybe])
        keyed = _row_numbers_as_keys(mine, (key_source, key_sheet, key_row))
        found[maybe] = (pd.Series(keyed[0]).isin(keyed[1]).to_numpy(dtype=bool) if keyed is not None else
                        _provenance_keys(*mine).isin(_provenance_keys(key_source, key_sheet, key_row)))
    return found


def _row_numbers_as_keys(*sides: tuple[pd.Series, pd.Series, pd.Series]) -> list[np.ndarray] | None:
    """Each side's (source, sheet, row) as one int64 per row, equal where _provenance_keys are equal: source and
    sheet as text (blank when missing), numbered over all sides together; a missing row number as one more.
    None when the numbers would not fit in 62 bits (row numbers billions apart: no sheet has them)."""
    texts = [[part.astype("string[python]").fillna("").to_numpy(dtype=object) for part in side[:2]] for side in sides]
    rows = [side[2].astype("Int64") for side in sides]
    codes = []
    for level in range(2):
        numbered, distinct = pd.factorize(np.concatenate([side[level] for side in texts]))
        codes.append((numbered, len(distinct)))
    known = [r.dropna().to_numpy(dtype=np.int64) for r in rows]
    low = min((int(k.min()) for k in known if len(k)), default=0) - 1   # the number a missing row gets
    high = max((int(k.max()) for k in known if len(k)), default=0)
    span = high - low + 1
    pairs = codes[0][0].astype(np.int64) * codes[1][1] + codes[1][0]
    if (codes[0][1] * codes[1][1] + 1) * span >= 2 ** 62:
        return None
    keys, start = [], 0
    for side, row in zip(texts, rows):
        count = len(side[0])
        keys.append(pairs[start:start + count] * span + (row.to_numpy(dtype=np.int64, na_value=low) - low))
        start += count
    return keys


# --- what goes with an order line left out --------------------------------------------------------------

@dataclasses.dataclass
class TakenAlong:
    """What goes with the order lines left out for errors (docs/validation-rules.md, "One bad row, one finding").

    masks   per table (shipments, returns): the rows left out with an order line
    items   one row per thing taken along, for the message of the error that took it: the provenance of the
            row that error is on (cause_source, cause_sheet, cause_row: the line's own row, else its order
            header's), `kind` (shipment: derived from the line; line: filled by an order header; row: the
            book's own shipment or return that matches only left-out lines) and `text` as the message names it
            (for a line, its row number)"""

    masks: dict[str, np.ndarray]
    items: pd.DataFrame


def derived_shipments(book: Book) -> np.ndarray:
    """Per shipments row: derived from an order line (contract 2.3: a book without a shipments table ships by the
    order lines' ship dates). Such a row keeps its order line's provenance, so it sits on a sheet that holds
    orders, never on one of its own."""
    shipments = book.shipments
    on_orders = book.layout[book.layout["table"] == "orders"]
    if shipments.empty or on_orders.empty:
        return np.zeros(len(shipments), dtype=bool)
    sheets = set(zip(on_orders["source"].astype("string[python]").fillna("").tolist(),
                     on_orders["sheet"].astype("string[python]").fillna("").tolist()))
    # Per distinct (source, sheet) of the shipments, a few, rather than per row.
    source_codes, sources = text_codes(shipments, "source")
    sheet_codes, names = text_codes(shipments, "sheet")
    pair_codes, pairs = pd.factorize(source_codes.astype(np.int64) * len(names) + sheet_codes)
    on_sheet = np.array([(sources[p // len(names)], names[p % len(names)]) in sheets for p in pairs], dtype=bool)
    return on_sheet[pair_codes] if len(pairs) else np.zeros(len(shipments), dtype=bool)


def _is_return(returns: pd.DataFrame) -> np.ndarray:
    """Rows that are returns: Superstore's Returned = No says the order did not come back (position.lines)."""
    if "returned" not in returns:
        return np.ones(len(returns), dtype=bool)
    return returns["returned"].ne(False).fillna(True).to_numpy(dtype=bool)


def taken_along(book: Book, orders_left_out: np.ndarray, error_keys: pd.MultiIndex | None = None,
                keys: "BookKeys | None" = None) -> TakenAlong:
    """The rows that go with the order lines `orders_left_out`: the shipment derived from such a line, and the
    book's own shipments and returns that match only left-out lines (they cannot be counted until a line is
    back). Without this a bad line is reported twice: for its error, and again as a shipment or return without
    an order line. `error_keys` (provenance of the rows with an error) gives each item the row whose error
    took it (TakenAlong.items); without them only the masks are worked out. `keys` (of this book) keeps the
    masks for the next call with the same lines."""
    masks, waiting = (keys or BookKeys(book)).taken_along_masks(orders_left_out)
    if error_keys is None or not orders_left_out.any():
        return TakenAlong(masks, _no_items())
    shipments = book.shipments
    gone = book.orders[orders_left_out].reset_index(drop=True)
    gone_keys = _provenance_keys(gone["source"], gone["sheet"], gone["row"])
    # The row each left-out line's error is on: its own, else its order header's (missing-column: none).
    own_error = gone_keys.isin(error_keys)
    cause = pd.DataFrame({"cause_source": gone["source"], "cause_sheet": gone["sheet"],
                          "cause_row": gone["row"]}).astype({"cause_source": "string[python]",
                                                            "cause_sheet": "string[python]", "cause_row": "Int64"})
    parts = []
    if "header_row" in gone:
        header = pd.DataFrame({"cause_source": gone["header_source"], "cause_sheet": gone["header_sheet"],
                               "cause_row": gone["header_row"]}).astype(dict(cause.dtypes))
        by_header = ~own_error & _provenance_keys(gone["header_source"], gone["header_sheet"],
                                                  gone["header_row"]).isin(error_keys)
        cause = cause.where(pd.Series(own_error | ~by_header, index=cause.index), header)
        parts.append(header[by_header].assign(kind="line", text=gone.loc[by_header, "row"].astype(
            "string[python]"), _sheet=_sheet_label(book, gone[by_header])))
        own_error = own_error | by_header
    cause = cause[own_error]
    taken = shipments[masks["shipments"]]
    if len(taken):
        at = pd.Series(np.arange(len(gone)), index=gone_keys).reindex(
            _provenance_keys(taken["source"], taken["sheet"], taken["row"])).to_numpy()
        parts.append(cause.reindex(at).reset_index(drop=True).assign(
            kind="shipment", text=("its shipment (ship date " + day_text(taken["ship_date"], blank="blank")
                                   + ")").to_numpy()))
    for table, noun in (("shipments", "shipment"), ("returns", "return")):
        if table in waiting and waiting[table].any():
            parts.append(_waiting_on(book, book.tables[table][waiting[table]], gone, cause, noun))
    items = pd.concat([_no_items(), *parts], ignore_index=True).dropna(subset=["cause_row"])
    return TakenAlong(masks, items.drop_duplicates(["cause_source", "cause_sheet", "cause_row", "kind", "text"])
                      .reset_index(drop=True))


def _no_items() -> pd.DataFrame:
    return pd.DataFrame({"cause_source": pd.Series(dtype="string[python]"),
                         "cause_sheet": pd.Series(dtype="string[python]"), "cause_row": pd.Series(dtype="Int64"),
                         "kind": pd.Series(dtype="string[python]"), "text": pd.Series(dtype="string[python]"),
                         "_sheet": pd.Series(dtype="string[python]")})


def _sheet_label(book: Book, rows: pd.DataFrame) -> pd.Series:
    """The sheet a row is on as a message names it: the sheet's name, else (a CSV file, a DataFrame) the
    source's, as Book.where names them."""
    sheet = rows["sheet"].astype("string[python]").fillna("")
    source = rows["source"].astype("string[python]")
    csv = book.layout.loc[book.layout["kind"] == "csv", "source"]
    return sheet.where(sheet.ne("") & ~source.isin(set(csv)), source)


def _waiting_on(book: Book, rows: pd.DataFrame, gone: pd.DataFrame, cause: pd.DataFrame, noun: str) -> pd.DataFrame:
    """Items for the book's own shipments or returns (`rows`) that match only left-out lines (`gone`, with
    `cause` the row of each line's error, indexed like `gone`): matched as order_line_found matches them."""
    ids = rows["shipment_id"] if noun == "shipment" else rows["rma_id"]
    named = ids.astype("string[python]")
    text = pd.Series(np.where(named.notna(), noun + " " + named.fillna("") + " (row ", "the " + noun + " on row "),
                     index=rows.index) + rows["row"].astype("string[python]") + " of " + _sheet_label(book, rows) \
        + np.where(named.notna(), ")", "")
    asked = rows[["order_id", "line", "sku"]].assign(text=text)
    lines = gone[["order_id", "line", "sku"]].join(cause, how="inner")
    has_line, has_sku = asked["line"].notna(), asked["sku"].notna()
    matched = pd.concat([
        asked[has_line].drop(columns="sku").merge(lines.drop(columns="sku"), on=["order_id", "line"]),
        asked[~has_line & has_sku].drop(columns="line").merge(lines.drop(columns="line"), on=["order_id", "sku"]),
        asked[~has_line & ~has_sku].drop(columns=["line", "sku"]).merge(lines.drop(columns=["line", "sku"]),
                                                                          on="order_id"),
    ], ignore_index=True)
    return matched[["cause_source", "cause_sheet", "cause_row", "text"]].assign(kind="row")


def _with_taken_along(book: Book, issues: pd.DataFrame, keys: "BookKeys") -> pd.DataFrame:
    """The issues, with what goes with each order line left out: the findings about a derived shipment whose
    line is left out are dropped (it goes silently with its line), and the first error on the row that left a
    line out says what it took with it ("...; its shipment (ship date 2026-03-04) is left out with it.")."""
    errors = issues[(issues["severity"] == "error") & (issues["table"] == "orders")
                    & (issues["code"] != "missing-column")]
    error_keys = _provenance_keys(errors["source"], errors["sheet"], errors["row"])
    orders_left_out = keys.own_error_rows(issues)["orders"]
    along = taken_along(book, orders_left_out, error_keys, keys)
    silent = along.masks["shipments"] & keys.derived_shipments()
    if silent.any():
        gone = book.shipments[silent]
        keys = _provenance_keys(issues["source"], issues["sheet"], issues["row"])
        issues = issues[~(issues["table"].eq("shipments").to_numpy()
                          & keys.isin(_provenance_keys(gone["source"], gone["sheet"], gone["row"])))]
    if along.items.empty:
        return issues
    said = _taken_text(along.items)
    first = ~error_keys.duplicated()   # the issues are ordered: a row's first error, by column
    text = pd.Series(said.reindex(error_keys[first]).to_numpy(), index=errors.index[first]).dropna()
    if len(text):
        issues = issues.copy()
        issues.loc[text.index, "message"] = issues.loc[text.index, "message"].str.replace(
            r"\.\s*$", "", regex=True) + "; " + text + "."
    return issues


def _taken_text(items: pd.DataFrame) -> pd.Series:
    """Per cause row (indexed by its provenance key): what it took with it, in words ending in "left out with
    it": "its shipment (ship date 2026-03-04) is", "its 2 lines (rows 4 and 5 of Lines) and their shipments
    are"."""
    codes, causes = pd.factorize(_provenance_keys(items["cause_source"], items["cause_sheet"], items["cause_row"]))
    items = items.assign(_key=codes)
    lines = items[items["kind"] == "line"]
    phrases = []
    if len(lines):
        rows = lines.groupby("_key", sort=False).agg(n=("text", "size"), rows=("text", _and_list),
                                                     sheet=("_sheet", "first"))
        shipped = items[items["kind"] == "shipment"].groupby("_key").size().reindex(rows.index).fillna(0)
        phrase = np.where(rows["n"] == 1, "its line (row " + rows["rows"], "its " + rows["n"].astype(str)
                          + " lines (rows " + rows["rows"]) + " of " + rows["sheet"] + ")" \
            + np.where(shipped > 0, np.where(rows["n"] == 1, " and its shipment", " and their shipments"), "")
        phrases.append(pd.DataFrame({"_key": rows.index, "_order": 0, "phrase": phrase, "_plural": rows["n"] > 1}))
    # A header's lines' shipments are said with its lines ("and their shipments"), not one by one.
    own = items[(items["kind"] != "line") & ~(items["kind"].eq("shipment") & items["_key"].isin(lines["_key"]))]
    if len(own):
        phrases.append(pd.DataFrame({"_key": own["_key"], "_order": np.where(own["kind"] == "shipment", 1, 2),
                                     "phrase": own["text"], "_plural": False}))
    said = pd.concat(phrases, ignore_index=True).sort_values(["_key", "_order"], kind="stable")
    # Most rows take one thing (their shipment): joined in one go; only the others are joined one by one.
    several = said["_key"].duplicated(keep=False).to_numpy()
    single = said[~several].set_index("_key")
    joined = said[several].groupby("_key", sort=False)["phrase"].agg(_and_list)
    texts = pd.concat([single["phrase"] + np.where(single["_plural"], " are", " is"), joined + " are"])
    return pd.Series((texts + " left out with it").to_numpy(), index=causes[texts.index.to_numpy()])


def _and_list(values: pd.Series, most: int = 5) -> str:
    """'a', 'a and b', 'a, b and c'; beyond `most`, the first ones and how many more."""
    items = [str(v) for v in values]
    if len(items) > most:
        return ", ".join(items[:most - 1]) + f" and {len(items) - most + 1:,} more"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def usable(book: Book, issues: pd.DataFrame, keys: "BookKeys | None" = None) -> tuple[Book, pd.DataFrame]:
    """The book without the rows left out (error_rows), and how many rows of the user's sheets each table left
    out: a shipment derived from an order line is that line's row, counted once, under orders. `keys` are the
    ones check_book used on this book (what it worked out is not worked out again)."""
    keys = keys or BookKeys(book)
    own = keys.own_error_rows(issues)
    along = taken_along(book, own["orders"], keys=keys).masks
    masks = {name: own[name] | along[name] if name in along else own[name] for name in TABLE_NAMES}
    # A table without rows left out is not filtered: a boolean selection copies every column of every row.
    tables = {name: (book.tables[name][~masks[name]] if masks[name].any() else book.tables[name])
              .reset_index(drop=True) for name in TABLE_NAMES}
    counted = {**masks, "shipments": masks["shipments"] & ~(keys.derived_shipments() & ~own["shipments"])}
    skipped = pd.DataFrame({"table": list(TABLE_NAMES),
                            "rows_left_out": [int(counted[name].sum()) for name in TABLE_NAMES]})
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


class BookKeys:
    """What the checks, taken_along and usable() each need from one book, worked out once per judging (one
    prepare): the order-line keys of orders, shipments and returns, the derived shipments, and the rows taken
    along with a set of left-out lines. Hashing 200,000 order numbers was the dominant cost, three times over."""

    ORDER_TABLES = ("shipments", "returns")

    def __init__(self, book: Book) -> None:
        self.book = book
        self._derived: np.ndarray | None = None
        self._keys: _LineKeys | None = None
        self._bounds: dict[str, tuple[int, int]] = {}
        self._along: list[tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]] = []
        self._own: tuple[pd.DataFrame, dict[str, np.ndarray]] | None = None

    def own_error_rows(self, issues: pd.DataFrame) -> dict[str, np.ndarray]:
        """_own_error_rows(book, issues), worked out again only when the errors differ from the last ones asked
        about: check_book, its taken-along messages and usable() ask about the same errors (cancellations add
        warnings, not errors), and Online Retail's 141,688 errors cost a tenth of a second each time."""
        errors = issues.loc[issues["severity"] == "error", _ERROR_ROW_COLUMNS].reset_index(drop=True)
        if self._own is None or not self._own[0].equals(errors):
            self._own = (errors, _own_error_rows(self.book, issues))
        return dict(self._own[1])

    def derived_shipments(self) -> np.ndarray:
        if self._derived is None:
            self._derived = derived_shipments(self.book)
        return self._derived

    def _key(self, table: str, kind: str) -> np.ndarray:
        """Of orders, shipments or returns: a _LineKeys kind, coded over the three tables at once so that any rows
        of one compare with any rows of another."""
        if self._keys is None:
            names = ("orders", *self.ORDER_TABLES)
            frames = [self.book.tables[name] for name in names]
            bounds = np.cumsum([0] + [len(f) for f in frames])
            self._keys = _LineKeys(frames)
            self._bounds = {name: (int(bounds[i]), int(bounds[i + 1])) for i, name in enumerate(names)}
        start, end = self._bounds[table]
        return self._keys[kind][start:end]

    def codes(self, table: str, column: str) -> np.ndarray | None:
        """Integer codes of order_id, sku or line of orders, shipments or returns, numbered in order of first
        appearance over orders first (blank: -1); None for another column or table. The sku codes only once
        matching by item has made them: hashing the three tables' item numbers for one table's would cost more
        than hashing that table's."""
        if table not in ("orders", *self.ORDER_TABLES) or column not in ("order_id", "sku", "line"):
            return None
        if column == "sku" and (self._keys is None or "sku" not in self._keys.made):
            return None
        return self._key(table, column)

    def order_line_found(self, table: str, among: np.ndarray | None = None) -> np.ndarray:
        """order_line_found(orders[among], the book's `table`): all order lines when `among` is None."""

        def lines(kind: str) -> np.ndarray:
            codes = self._key("orders", kind)
            return codes if among is None else codes[among]

        return _matched(self.book.tables[table], lambda kind: self._key(table, kind), lines)

    def taken_along_masks(self, orders_left_out: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """taken_along's masks, and the own shipments and returns waiting on left-out lines only (`waiting`)."""
        for left_out, masks, waiting in self._along:
            if np.array_equal(left_out, orders_left_out):
                return dict(masks), dict(waiting)
        book = self.book
        shipments, returns = book.shipments, book.returns
        masks = {"shipments": np.zeros(len(shipments), dtype=bool), "returns": np.zeros(len(returns), dtype=bool)}
        waiting: dict[str, np.ndarray] = {}
        if orders_left_out.any():
            gone = book.orders[orders_left_out]
            derived = self.derived_shipments()
            masks["shipments"] = derived & _in_keys(shipments["source"], shipments["sheet"], shipments["row"],
                                                    gone["source"], gone["sheet"], gone["row"])
            for table, frame, own in (("shipments", shipments, ~derived), ("returns", returns, _is_return(returns))):
                if len(frame):
                    waiting[table] = own & self.order_line_found(table, orders_left_out) \
                        & ~self.order_line_found(table, ~orders_left_out)
                    masks[table] = masks[table] | waiting[table]
        self._along.append((orders_left_out.copy(), masks, waiting))
        return dict(masks), dict(waiting)


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
