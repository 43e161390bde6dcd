"""dispatch: what the warehouse picks today, where from, for which carrier, and what it holds back (contract 4.6).

Starts from a reconciliation (its allocation says what can ship): `selection` decides which lines are picked
and which are held and why, `locations` splits each picked line over the locations that hold its stock, and
the packing slips and carrier manifests are views of the picks. The print-ready pick list workbook is
omxl/io/save/pick_lists.py.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import pandas as pd

from ..book import Book
from ..config import Config
from ..model import unit_column
from ..position import Position, as_timestamp, prepare
from ..presentation.notebook import result_html
from ..presentation.sheets import result_sheet
from ..reconciliation import Reconciliation, reconcile
from ..reconciliation.views import public_order
from ..steps.base import figures_frame
from ..wording import units_text
from .locations import split_by_location, stock_places
from .selection import EPSILON, holds, passes_filters, picked, ship_complete_orders

__all__ = ["HELD_COLUMNS", "PICK_COLUMNS", "SLIP_COLUMNS", "Dispatch", "dispatch"]

PICK_COLUMNS = ("order_id", "line", "customer_id", "sku", "description", "pick_qty", "location", "shelf", "bin",
                "carrier", "priority", "promised_date")
SLIP_COLUMNS = ("order_id", "customer_id", "ship_to", "carrier", "line", "sku", "description", "pick_qty",
                "to_follow_qty")
HELD_COLUMNS = ("order_id", "line", "customer_id", "sku", "description", "open_qty", "allocated_qty", "held_by",
                "reason", "priority", "promised_date")
MANIFEST_COLUMNS = ("carrier", "orders", "lines", "units")
# The manifest of picks whose line names no carrier.
NO_CARRIER = "no carrier"
_COUNT, _QUANTITY = "#,##0", "#,##0"


@dataclasses.dataclass(frozen=True)
class Dispatch:
    """What dispatch found (docs/dispatch.md has every column).

    picks      one row per picked line and location, in walking order: location, SKU, priority, promised date,
               order, line
    slips      per order with a pick, each open line: what goes in the parcel and what is to follow
    manifests  per carrier: orders, lines and units picked
    held       open lines held back, with held_by, reason and allocated_qty
    """

    picks: pd.DataFrame
    slips: pd.DataFrame
    manifests: pd.DataFrame
    held: pd.DataFrame
    as_of: pd.Timestamp
    promised_by: pd.Timestamp | None = None
    max_priority: int | None = None
    position: Position | None = dataclasses.field(default=None, repr=False, compare=False)
    step: ClassVar[str] = "dispatch"   # its entry in omxl.steps.REGISTRY

    @property
    def issues(self) -> pd.DataFrame:
        return self.position.issues if self.position is not None else pd.DataFrame()

    @property
    def findings(self) -> pd.DataFrame:
        """The validation issues of the rows dispatch started from (omxl.steps.Result)."""
        return self.issues

    @property
    def locations(self) -> list[str]:
        """The locations with something to pick, in the order of the pick list."""
        return list(pd.unique(self.picks["location"]))

    @property
    def summary(self) -> str:
        """One sentence: what is picked, and what is held."""
        if self.position is not None and not self.position.orders_known:
            return "Nothing to pick: the book has no orders table (a purchasing book)."
        if self.position is not None and not self.position.stock_judged:
            return "Nothing to pick: the book has no inventory table, so no stock is allocated to any line."
        lines = self.picks[["order_id", "line"]].drop_duplicates()
        held = (f"; {len(self.held):,} held back ({_held_words(self.held)})" if len(self.held) else "")
        if not len(lines):
            return f"Nothing to pick: no open line has stock allocated{self._filter_words()}{held}."
        return (f"{len(lines):,} {'line' if len(lines) == 1 else 'lines'} of {self.picks['order_id'].nunique():,} "
                f"{'order' if self.picks['order_id'].nunique() == 1 else 'orders'} to pick, "
                f"{units_text(self.picks['pick_qty'].sum())} from {len(self.locations):,} "
                f"{'location' if len(self.locations) == 1 else 'locations'}{self._filter_words()}{held}.")

    @property
    def filters(self) -> list[str]:
        """The day's filters in words ("promised by 2026-11-30 or earlier", "priority 1 to 2"); [] for none."""
        parts = []
        if self.promised_by is not None:
            parts.append(f"promised by {self.promised_by:%Y-%m-%d} or earlier")
        if self.max_priority is not None:
            parts.append("priority 1" if self.max_priority == 1 else f"priority 1 to {self.max_priority}")
        return parts

    def _filter_words(self) -> str:
        return f" ({' and '.join(self.filters)})" if self.filters else ""

    @property
    def figures(self) -> pd.DataFrame:
        """Lines, orders and units to pick, locations, carriers, held lines (omxl.steps.Result)."""
        lines = self.picks[["order_id", "line"]].drop_duplicates()
        held = self.held["held_by"].value_counts()
        return figures_frame([
            ("Lines to pick", len(lines), _COUNT, "", self._filter_words().strip(" ()")),
            ("Orders to pick", int(self.picks["order_id"].nunique()), _COUNT, "", ""),
            ("Units to pick", float(self.picks["pick_qty"].sum()), _QUANTITY, "", ""),
            ("Locations", len(self.locations), _COUNT, "", "one pick list each"),
            ("Carriers", len(self.manifests), _COUNT, "", "one manifest each"),
            ("Lines on hold", int(held.get("status", 0)), _COUNT, "", "on hold on the order sheet"),
            ("Lines waiting to ship complete", int(held.get("ship_complete", 0)), _COUNT, "",
             "their order ships complete and is not"),
        ])

    def by_location(self) -> pd.DataFrame:
        """Per location, in the order of the pick list: orders, lines and units to pick."""
        return pick_counts(self.picks, "location")

    def pick_list(self, location: str) -> pd.DataFrame:
        """The picks of one location."""
        return self.picks[self.picks["location"] == location].reset_index(drop=True)

    def manifest(self, carrier: str | None) -> pd.DataFrame:
        """Per order of one carrier (None: the picks without a carrier): order_id, customer_id, ship_to, lines,
        units."""
        slips = self.slips[self.slips["pick_qty"] > EPSILON]
        of_carrier = slips["carrier"].isna() if carrier is None else slips["carrier"].eq(carrier).fillna(False)
        chosen = slips[of_carrier]
        grouped = chosen.groupby("order_id", sort=True)
        return pd.DataFrame({"customer_id": grouped["customer_id"].first(), "ship_to": grouped["ship_to"].first(),
                             "lines": grouped.size(), "units": grouped["pick_qty"].sum()}).reset_index()

    def result_sheets(self) -> dict[str, object]:
        """The sheets --write-back and the Dispatch button write: the pick list of every location on one sheet
        (sorted by location), the held lines, the manifests and the packing slips' lines. No Summary: a
        document for the warehouse (contract 5.5). `omxl dispatch --out` writes the print-ready workbook."""
        labels = self.position.config.labels if self.position is not None else None
        return {"Pick List": result_sheet(self.picks, "Pick List", labels=labels),
                "Held Lines": result_sheet(self.held, "Held Lines", labels=labels),
                "Manifests": result_sheet(self.manifests, "Manifests", labels=labels),
                "Packing Slips": result_sheet(self.slips, "Packing Slips", labels=labels)}

    def save(self, path: object) -> object:
        """The print-ready pick list workbook (omxl/io/save/pick_lists.py) at `path`."""
        from ..io.save.pick_lists import save_pick_lists
        return save_pick_lists(self, path)

    def __repr__(self) -> str:
        return f"<omxl.Dispatch as of {self.as_of:%Y-%m-%d}: {self.summary}>"

    def _repr_html_(self) -> str:
        return result_html(self, "Pick List", self.picks, "Pick list")


def dispatch(book: "Book | Position | Reconciliation", *, as_of: object = None,
             config: "Config | dict | str | None" = None, promised_by: object = None,
             max_priority: int | None = None) -> Dispatch:
    """The pick lists, packing slips, carrier manifests and held lines as of `as_of` (default today).
    `book` may be a Position from omxl.prepare, or a Reconciliation of it (its allocation is used as it is)."""
    if isinstance(book, Reconciliation):
        rec = book
        if rec.position is None:
            raise ValueError("This reconciliation does not keep the position it started from; pass the book.")
        start = rec.position.matching(as_of, config)
    else:
        start = prepare(book, as_of=as_of, config=config)
        rec = reconcile(start)
    by = as_timestamp(promised_by) if promised_by is not None else None
    if max_priority is not None and (int(max_priority) != max_priority or max_priority < 1):
        raise ValueError(f"max_priority: {max_priority} is not a priority; use a whole number from 1 (the highest).")
    lines = with_dispatch_columns(rec.lines, start)
    complete = ship_complete_orders(lines, start.book.customers)
    kept = passes_filters(lines, complete, promised_by=by, max_priority=max_priority)
    # Without filters every line is kept: no copy of all the lines then.
    held = holds(lines, complete, rec.rule_holds) if kept.all() else \
        holds(lines[kept], complete[kept], rec.rule_holds)
    to_pick = lines[picked(lines, held.index) & kept]
    picks = pick_rows(to_pick, stock_places(start.book.inventory))
    return Dispatch(picks=picks, slips=slip_rows(lines, picks), manifests=manifest_rows(picks),
                    held=held_rows(lines, held), as_of=start.as_of, promised_by=by,
                    max_priority=None if max_priority is None else int(max_priority), position=start)


def with_dispatch_columns(public: pd.DataFrame, start: Position) -> pd.DataFrame:
    """rec.lines with what dispatch needs beyond it from the position's lines (allocation priority, ship_to,
    ship_complete) and the item's description."""
    # Only the three columns are taken along: the position's lines are 100,000 rows of some 40 columns.
    own = start.lines.loc[public_order(start.lines), ["allocation_priority", "ship_to", "ship_complete"]]
    descriptions = start.book.inventory.dropna(subset=["sku"]).drop_duplicates("sku").set_index("sku")["description"]
    return public.assign(
        allocation_priority=own["allocation_priority"].to_numpy(),
        ship_to=own["ship_to"].astype("string[python]").to_numpy(),
        ship_complete=own["ship_complete"].astype("boolean").to_numpy(),
        description=public["sku"].map(descriptions).astype("string[python]"))


def pick_rows(to_pick: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """One row per picked line and location (PICK_COLUMNS), sorted for a walk through the warehouse."""
    # Sorted and taken by the columns used only: to_pick has every column of the lines.
    allocation_order = ["sku", "allocation_priority", "promised_date", "order_date", "order_id", "line"]
    ordered = to_pick[allocation_order + ["allocated_qty"]].sort_values(allocation_order, na_position="last",
                                                                         kind="stable")
    split = split_by_location(ordered, ordered["allocated_qty"], places)
    taken = to_pick.loc[split["line_index"], [*unit_column(to_pick), "order_id", "line", "customer_id", "sku",
                                              "description", "carrier", "allocation_priority",
                                              "promised_date"]].reset_index(drop=True)
    picks = pd.DataFrame({
        **{c: taken[c] for c in unit_column(taken)}, "order_id": taken["order_id"], "line": taken["line"], "customer_id": taken["customer_id"],
        "sku": taken["sku"], "description": taken["description"], "pick_qty": split["pick_qty"].astype(float),
        "location": split["location"], "shelf": split["shelf"], "bin": split["bin"], "carrier": taken["carrier"],
        "priority": taken["allocation_priority"].astype("Int64"), "promised_date": taken["promised_date"]})
    picks = picks.sort_values(["location", "sku", "priority", "promised_date", "order_id", "line"],
                              na_position="last", kind="stable")
    return picks.reset_index(drop=True)


def slip_rows(lines: pd.DataFrame, picks: pd.DataFrame) -> pd.DataFrame:
    """Per order with a pick, each of its open lines: pick_qty (0 when nothing of it is picked) and
    to_follow_qty (what stays open after this parcel)."""
    per_line = picks.groupby(["order_id", "line"], sort=False)["pick_qty"].sum()
    orders = picks["order_id"].unique()
    # The open quantity first (a number), so the text comparisons run on the open lines only, not every line.
    open_lines = lines[lines["open_qty"] > EPSILON]
    open_lines = open_lines[open_lines["order_id"].isin(orders)
                            & ~open_lines["status"].isin(["cancelled", "closed"]).fillna(False)]
    key = pd.MultiIndex.from_frame(open_lines[["order_id", "line"]])
    pick_qty = pd.Series(per_line.reindex(key).fillna(0.0).to_numpy(dtype=float), index=open_lines.index)
    slips = pd.DataFrame({
        **{c: open_lines[c] for c in unit_column(open_lines)}, "order_id": open_lines["order_id"], "customer_id": open_lines["customer_id"],
        "ship_to": open_lines["ship_to"], "carrier": open_lines["carrier"], "line": open_lines["line"],
        "sku": open_lines["sku"], "description": open_lines["description"], "pick_qty": pick_qty,
        "to_follow_qty": (open_lines["open_qty"] - pick_qty).clip(lower=0.0)})
    return slips.sort_values(["order_id", "line"], kind="stable").reset_index(drop=True)


def pick_counts(picks: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per value of the column `by` of `picks` (sorted): orders, lines (a line split over two locations counts
    once) and units picked; `by` as the first column."""
    keyed = picks.assign(order_line=picks["order_id"].astype(str) + "\x1f" + picks["line"].astype(str))
    grouped = keyed.groupby(by, sort=True)
    counts = pd.DataFrame({"orders": grouped["order_id"].nunique(), "lines": grouped["order_line"].nunique(),
                           "units": grouped["pick_qty"].sum()})
    return counts.astype({"orders": "int64", "lines": "int64"}).reset_index()


def manifest_rows(picks: pd.DataFrame) -> pd.DataFrame:
    """Per carrier (NO_CARRIER for picks without one, last): orders, lines and units picked."""
    carrier = picks["carrier"].astype(object).where(picks["carrier"].notna(), NO_CARRIER)
    manifests = pick_counts(picks.assign(carrier=carrier), "carrier")
    manifests = manifests.assign(_last=manifests["carrier"].eq(NO_CARRIER)).sort_values(
        ["_last", "carrier"], kind="stable").drop(columns="_last")
    manifests["carrier"] = manifests["carrier"].astype("string[python]")
    return manifests[list(MANIFEST_COLUMNS)].reset_index(drop=True)


def held_rows(lines: pd.DataFrame, held: pd.DataFrame) -> pd.DataFrame:
    """The held lines (HELD_COLUMNS), by order and line."""
    rows = lines.loc[held.index]
    frame = pd.DataFrame({
        **{c: rows[c] for c in unit_column(rows)}, "order_id": rows["order_id"], "line": rows["line"], "customer_id": rows["customer_id"], "sku": rows["sku"],
        "description": rows["description"], "open_qty": rows["open_qty"], "allocated_qty": rows["allocated_qty"],
        "held_by": held["held_by"], "reason": held["reason"],
        "priority": rows["allocation_priority"].astype("Int64"), "promised_date": rows["promised_date"]})
    return frame.sort_values(["order_id", "line"], kind="stable").reset_index(drop=True)


def _held_words(held: pd.DataFrame) -> str:
    counts = held["held_by"].value_counts()
    words = {"rule": "held by a company rule", "status": "on hold", "ship_complete": "waiting to ship complete"}
    return ", ".join(f"{int(n):,} {words.get(str(kind), str(kind))}" for kind, n in counts.items())

