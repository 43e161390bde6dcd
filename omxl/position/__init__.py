"""The prepared stage (contract section 3): a book validated once, and what every step after it starts from.

`prepare(book, as_of=..., config=...)` validates the book, leaves out the rows with
errors, and works out the order lines (with exchange replacements), what each has
shipped and still has open, each shipment's match, open inbound supply and per-SKU
sums. reconcile, plan_reorders and every step after them accept a Book or a Position and
start from it, so every path through the pipeline gives the same answer.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd

from ..book import Book
from ..config import Config, load_config, run_day
from ..errors import ConfigError
from ..findings import apply_severities, concat_findings
from ..presentation.notebook import position_html
from ..supplier_reliability import supplier_reliability
from ..validation import BookKeys, check_book, in_order, usable
from .lines import carrier_names, order_lines, replacement_lines, returned_orders_only, returns_per_line
from .point_in_time import book_as_of
from .shipments import apply_shipments
from .supply import open_supply, stock_by_sku


__all__ = ["Position", "as_timestamp", "judged", "prepare", "stock_by_sku"]


@dataclasses.dataclass(frozen=True, repr=False)
class Position:
    """A validated book as of a day, ready for every step.

    book          the book as of the day: without the rows that have errors, without the events dated after
                  as_of, stock rolled back to as_of when inventory_as_of says so (position/point_in_time.py)
    config        the settings the position was prepared with
    as_of         the day (midnight)
    issues        the validation findings (docs/finding-codes.md), with the after-as-of ones
    left_out      rows left out per table: rows_left_out because of errors, after_as_of dated after as_of
    lines         order lines and exchange replacements: shipped_qty, open_qty, sheet_status, allocation_priority
    shipment_matches  each shipment and the order line it matched (line_index blank when none)
    open_supply   open purchase-order quantity per PO line, in arrival order
    stock         on hand per SKU, each location floored at 0
    per_sku       backlog (open order quantity) and on_order (open supply) per SKU
    cancellations credit-note lines, not order lines: what each cancelled and which line it reduced
    return_lines  the returns, one row per order line each covers, with the line's price and shipped quantity
    supplier_reliability  per supplier, how reliably it delivers on the date it promised and the shift its open
                  POs' dates get (omxl/supplier_reliability.py, docs/learning.md); worked out on first use
    error_rows    the rows left out because of errors, one each: table, source, sheet, row and the units on it
                  (its quantity, on_hand for inventory; blank when unreadable): the suggested improvements weigh
                  a sheet's entry errors by them (omxl/reporting/improvements.py)
    """

    book: Book
    config: Config
    as_of: pd.Timestamp
    issues: pd.DataFrame
    left_out: pd.DataFrame
    lines: pd.DataFrame
    shipment_matches: pd.DataFrame
    open_supply: pd.DataFrame
    stock: pd.Series
    per_sku: pd.DataFrame
    # Credit-note lines (cancelled_order_pattern), taken out of `lines`: cancelled_qty, and target (the index in
    # the book's orders of the line each reduced; blank when it stands alone).
    cancellations: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    return_lines: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    error_rows: pd.DataFrame = dataclasses.field(default_factory=lambda: error_rows_of(None, None))

    def __repr__(self) -> str:
        errors = int((self.issues["severity"] == "error").sum())
        left = int(self.left_out["rows_left_out"].sum())
        return (f"<omxl.Position as of {self.as_of:%Y-%m-%d}: {len(self.lines):,} order lines, "
                f"{len(self.stock):,} SKUs in stock records, {len(self.open_supply):,} open supply lines; "
                f"{errors:,} errors, {left:,} rows left out>")

    def _repr_html_(self) -> str:
        return position_html(self)

    @functools.cached_property
    def supplier_reliability(self) -> pd.DataFrame:
        """Per supplier: receipts, on-time rate, median and spread of the slip, shift_days and the note
        (omxl.supplier_reliability.COLUMNS), from the purchase orders of this position's book: rows with errors and
        receipts after as_of left out. Computed once and shared by every step that starts from the position:
        reconcile shifts the projected ship dates by it, planning takes the slip's spread for a lead time's."""
        return supplier_reliability(self.book.purchase_orders, self.book.suppliers)

    @property
    def stock_judged(self) -> bool:
        """False when the book has no inventory table: then stock is not judged (contract 2.3), so no line is
        allocated, backordered or at risk because of stock. An inventory table whose rows were all left out
        because of errors is still a table: its items count as out of stock."""
        return bool(self.book.layout["table"].eq("inventory").any())

    @property
    def orders_known(self) -> bool:
        """False for a book without an orders table (a purchasing book, a stock count, contract 2.3): demand is
        not known, so every figure about order lines is blank with the reason, never 0."""
        return bool(self.book.layout["table"].eq("orders").any())

    def matching(self, as_of: object = None, config: "Config | dict | str | None" = None) -> "Position":
        """This position, after checking that a step's as_of and config (when given) are the ones it was
        prepared with: a position answers for one day and one set of settings only."""
        if as_of is not None and as_timestamp(as_of) != self.as_of:
            raise ValueError(f"This position is as of {self.as_of:%Y-%m-%d}, not {as_timestamp(as_of):%Y-%m-%d}. "
                             "Prepare the book again for that day, or leave as_of out.")
        if config is not None and load_config(config) != self.config:
            raise ValueError("This position was prepared with other settings. Prepare the book again with "
                             "these settings, or leave config out.")
        return self


def as_timestamp(as_of: object = None) -> pd.Timestamp:
    """as_of as a date (midnight): a date, datetime or ISO text; the day of the run when None (today, or
    OMXL_TODAY when set: omxl.config.run_day)."""
    if as_of is None:
        return pd.Timestamp(run_day())
    try:
        return pd.Timestamp(as_of).normalize()
    except (ValueError, TypeError):
        raise ConfigError(f"as_of: '{as_of}' is not a date; write it as YYYY-MM-DD (e.g. 2026-11-27).") from None


def settings_for(book: Book, config: "Config | dict | str | None") -> Config:
    """`config=` when given, else the settings the book was read with."""
    return load_config(config) if config is not None else book.config


def judged(book: Book, day: pd.Timestamp, settings: Config) -> tuple[pd.DataFrame, Book, pd.DataFrame]:
    """Validate `book` once and take it as of `day`: the issues (the after-as-of findings with them), the book
    every step starts from (without the rows that have errors and the events after the day, stock as of the
    day) and the rows left out per table (rows_left_out: errors; after_as_of: dated after the day)."""
    keys = BookKeys(book)   # what the checks work out, usable() takes again
    issues = check_book(book, day, settings, keys)
    clean, left_out = usable(book, issues, keys)
    timely = book_as_of(clean, day, settings.inventory_as_of)
    later = apply_severities(timely.findings, settings.severities)
    # check_book gives its findings in order already: sorted again only with the after-as-of findings added.
    issues = in_order(concat_findings([issues, later])) if len(later) else concat_findings([issues])
    left_out = left_out.assign(after_as_of=left_out["table"].map(timely.after_as_of).fillna(0).astype("int64"))
    return issues, timely.book, left_out


def prepare(book: "Book | Position", *, as_of: object = None,
            config: "Config | dict | str | None" = None) -> Position:
    """Validate `book` once and work out what every step starts from (a Position is returned as it is,
    after checking that `as_of` and `config`, when given, are its own)."""
    if isinstance(book, Position):
        return book.matching(as_of, config)
    settings = settings_for(book, config)
    day = as_timestamp(as_of)
    issues, clean, left_out = judged(book, day, settings)
    orders, cancellations = order_lines(clean, settings.cancelled_order_pattern)
    shipments = clean.shipments.assign(carrier=carrier_names(clean.shipments["carrier"], clean.tables["carriers"]))
    # Replacements are built from what the returned lines shipped (an exchange naming only its order replaces
    # each line's shipped quantity); shipments are matched again only when there are replacements to match, and
    # then the first matching takes only the returned orders.
    first = returned_orders_only(orders, shipments, clean.returns)
    lines, matches = apply_shipments(*(first or (orders, shipments)))
    return_lines = returns_per_line(clean.returns, lines)
    replacements = replacement_lines(return_lines, lines, day)
    if len(replacements):
        lines, matches = apply_shipments(pd.concat([orders, replacements], ignore_index=True), shipments)
    elif first:
        lines, matches = apply_shipments(orders, shipments)
    closed = lines["sheet_status"].isin(["cancelled", "closed"])
    lines["open_qty"] = np.where(closed, 0.0, np.clip(lines["qty"] - lines["shipped_qty"], 0, None))
    supply = open_supply(clean, day)
    backlog = lines.groupby("sku")["open_qty"].sum().rename("backlog")
    on_order = supply.groupby("sku")["open_qty"].sum().rename("on_order")
    per_sku = pd.concat([backlog, on_order], axis=1).fillna(0.0)
    return Position(book=clean, config=settings, as_of=day, issues=issues, left_out=left_out, lines=lines,
                    shipment_matches=matches, open_supply=supply, stock=stock_by_sku(clean.inventory),
                    per_sku=per_sku, cancellations=cancellations, return_lines=return_lines,
                    error_rows=error_rows_of(book, issues))


# The column that holds the units of a row, per table with units (error_rows).
UNITS_OF_ROW = {"orders": "qty", "shipments": "qty", "purchase_orders": "qty", "returns": "qty",
                "inventory": "on_hand"}


def error_rows_of(book: "Book | None", issues: "pd.DataFrame | None") -> pd.DataFrame:
    """One row per row of the book as read that has an error finding: table, source, sheet, row, units (the
    row's quantity from the book as read; blank when the table has none or it could not be read)."""
    columns = {"table": "string[python]", "source": "string[python]", "sheet": "string[python]", "row": "Int64",
               "units": "float64"}
    if book is None or issues is None or not len(issues):
        return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in columns.items()})
    errors = issues[(issues["severity"] == "error").to_numpy(dtype=bool) & issues["row"].notna().to_numpy()]
    errors = errors[["table", "source", "sheet", "row"]].astype(
        {"table": object, "source": object, "sheet": object}).astype({"row": "Int64"}).drop_duplicates()
    parts = []
    for table, found in errors.groupby("table", sort=True):
        rows = book.tables.get(str(table))
        column = UNITS_OF_ROW.get(str(table))
        units = pd.Series(np.nan, index=found.index, dtype="float64")
        if rows is not None and column is not None and column in rows and len(rows):
            # Only the rows named by a finding are looked up: the table may be a million rows.
            taken = rows.loc[rows["row"].isin(found["row"].dropna().unique()), ["source", "sheet", "row", column]]
            taken = taken.astype({"source": object, "sheet": object}).astype({"row": "Int64"})
            taken = taken.drop_duplicates(["source", "sheet", "row"])
            units = found.merge(taken, on=["source", "sheet", "row"], how="left")[column].astype("float64")
            units.index = found.index
        parts.append(found.assign(units=units.to_numpy()))
    if not parts:
        return error_rows_of(None, None)
    return pd.concat(parts, ignore_index=True).astype(columns)
