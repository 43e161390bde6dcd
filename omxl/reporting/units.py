"""The weekly report by unit (contract 4.9, docs/weekly-report.md "By unit"): every KPI of the report worked out
for each unit of a consolidated book (omxl.consolidate) from that unit's rows only, and the late lines with their
unit.

A consolidated book keys every per-unit row "unit/key" (north/O-1001), so a unit's rows are self-contained: its
order lines, SKUs, purchase orders, returns and invoices name no other unit's. A unit's KPIs are therefore
compute_kpis, the function of the whole report, over a view of the position, the reconciliation and the plan cut
down to the unit's keys (master rows with a blank unit belong to every unit): the rows the unit's workbook gives
when it is reported alone, so each figure equals that run's. A validation finding goes by the unit of its row,
else of its workbook (a consolidated book names each unit's workbook as its source), else of its key; the tables a
unit read are those of its workbooks.

With `shared_stock` the SKUs are not qualified (every unit takes from all the stock), so a SKU several units
order is in each of their stock figures (stockout SKUs, SKUs to reorder, reorder value); inventory value and
days of supply count the unit's own stock rows. Those figures are then not what a unit's workbook gives alone.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..consolidation.units import has_units
from ..errors import ConfigError
from ..kpi_catalog import BY_NAME
from ..position.supply import stock_by_sku
from .kpis import compute_kpis

if TYPE_CHECKING:  # for annotations only
    from ..book import Book
    from ..planning import ReorderPlan
    from ..position import Position
    from ..reconciliation import Reconciliation

# report.by_unit: report.kpis' columns for each unit (the measure's unit, "lines" or "fraction", is the KPI's:
# omxl.kpi_catalog.BY_NAME[kpi].unit; previous and change are the whole report's only).
BY_UNIT_COLUMNS = ("unit", "kpi", "label", "value", "currency", "target", "on_target", "reason")
# The keys a derived table (rec.lines, rec.inventory, plan.lines, ...) is cut by: the per-unit keys of
# omxl.consolidation.units.UNIT_KEYS that the step results carry.
KEY_COLUMNS = ("order_id", "sku", "po_id", "invoice_id", "rma_id")
# The unit of a finding on a master row merged across units (blank unit): every unit that has the table.
EVERY = "\x00every unit"
NO_UNITS = ("by_unit: the book has no units, so there is nothing to break the report down by. Read the units' "
            "workbooks with omxl.consolidate([...]) (one unit per folder, or per file with unit_from=\"file\"), "
            "or on the command line give the workbooks with --by-unit.")


def units_of(book: "Book") -> list[str]:
    """The book's units, alphabetical: every unit some row of a table belongs to."""
    found: set[str] = set()
    for frame in book.tables.values():
        if "unit" in frame.columns:
            found.update(frame["unit"].dropna().astype(str))
    return sorted(found)


def unit_kpis(pos: "Position", rec: "Reconciliation", plan: "ReorderPlan", overdue: pd.DataFrame) -> pd.DataFrame:
    """BY_UNIT_COLUMNS: every KPI of compute_kpis for each unit of pos.book, from the unit's rows only (module
    docstring), units in units_of order and the KPIs in KPIS order within each. Raises ConfigError when the book
    has no units."""
    if not has_units(pos.book):
        raise ConfigError(NO_UNITS)
    sources = _source_units(pos.book)
    units = units_of(pos.book)
    finding_units = _finding_units(pos.issues, pos.book, sources, units)
    layout_units = _units_by_source(pos.book.layout, sources)
    frames = []
    for unit in units:
        unit_pos, unit_rec, unit_plan, unit_overdue = _unit_view(pos, rec, plan, overdue, unit, finding_units,
                                                                 layout_units)
        kpis = compute_kpis(unit_pos, unit_rec, unit_plan, overdue=unit_overdue)
        frames.append(kpis.assign(unit=pd.array([unit] * len(kpis), dtype="string[python]")))
    if not frames:
        empty = compute_kpis(pos, rec, plan, overdue=overdue).iloc[0:0]
        frames.append(empty.assign(unit=pd.array([], dtype="string[python]")))
    return pd.concat(frames, ignore_index=True)[list(BY_UNIT_COLUMNS)]


def _unit_view(pos: "Position", rec: "Reconciliation", plan: "ReorderPlan", overdue: pd.DataFrame, unit: str,
               finding_units: pd.Series, layout_units: pd.Series) -> tuple:
    """(position, reconciliation, plan) of `unit` alone, and overdue= for compute_kpis: every table compute_kpis
    reads, cut to the unit's rows. The position's lines and shipment matches stay whole: compute_kpis joins the
    shipments to the (cut) order lines, which keeps the unit's."""
    book = pos.book
    tables = {name: frame[_belongs(frame, unit)] for name, frame in book.tables.items()}
    keys = _keys(tables)
    layout = book.layout[layout_units.eq(unit).to_numpy(dtype=bool)]
    # A finding on a merged master row is each unit's that has that table (the design keeps no more about it).
    shared = finding_units.eq(EVERY).to_numpy(dtype=bool) & pos.issues["table"].isin(layout["table"]).to_numpy()
    own = finding_units.eq(unit).to_numpy(dtype=bool) | shared
    unit_book = dataclasses.replace(book, tables=tables, layout=layout)
    unit_pos = dataclasses.replace(pos, book=unit_book, issues=pos.issues[own],
                                   stock=stock_by_sku(tables["inventory"]))
    unit_rec = dataclasses.replace(
        rec, lines=_cut(rec.lines, "order_id", keys), inventory=_cut(rec.inventory, "sku", keys),
        returns=_cut(rec.returns, "order_id", keys), receivables=_cut(rec.receivables, "invoice_id", keys),
        billing=_cut(rec.billing, "order_id", keys), position=unit_pos)
    unit_plan = dataclasses.replace(plan, lines=_cut(plan.lines, "sku", keys), position=unit_pos)
    return unit_pos, unit_rec, unit_plan, _cut(overdue, "po_id", keys)


def _belongs(frame: pd.DataFrame, unit: str) -> np.ndarray:
    """The rows of `unit`, and the master rows merged across units (blank unit), which belong to every unit."""
    if "unit" not in frame.columns:
        return np.ones(len(frame), dtype=bool)
    units = frame["unit"]
    return (units.isna() | units.astype(object).eq(unit)).to_numpy(dtype=bool)


def _keys(tables: dict[str, pd.DataFrame]) -> dict[str, pd.Index]:
    """Per key column, every value the unit's rows hold in it (qualified, so no other unit's)."""
    found: dict[str, pd.Index] = {}
    for column in KEY_COLUMNS:
        values = [frame[column].dropna().astype(object) for frame in tables.values() if column in frame.columns]
        found[column] = pd.Index(pd.concat(values).unique() if values else [], dtype=object)
    return found


def _cut(frame: pd.DataFrame, column: str, keys: dict[str, pd.Index]) -> pd.DataFrame:
    return frame[frame[column].astype(object).isin(keys[column]).to_numpy(dtype=bool)]


def _finding_units(issues: pd.DataFrame, book: "Book", sources: pd.Series, units: list[str]) -> pd.Series:
    """The unit of each finding, the first that says: the unit of its row where the row is in the book (EVERY
    for a master row merged across units); the finding's own `unit`; its file's unit; the unit its key names
    ("north/O-1001": a row left out because of errors is no longer in the book). Blank, no unit's, for a finding
    of no one file (the after-as-of count of a table)."""
    found = pd.Series([None] * len(issues), dtype=object)
    where = ["table", "source", "sheet", "row"]
    rows = [frame[["source", "sheet", "row", "unit"]].assign(table=name) for name, frame in book.tables.items()
            if {"source", "sheet", "row", "unit"} <= set(frame.columns) and len(frame)]
    if rows and len(issues):
        known = pd.concat(rows, ignore_index=True).astype({"row": "Int64"})
        known = known.assign(unit=known["unit"].astype(object).where(known["unit"].notna(), EVERY))
        matched = issues[where].astype({"row": "Int64"}).reset_index(drop=True).merge(
            known.drop_duplicates(where), on=where, how="left")
        found = matched["unit"].astype(object)
    for fallback in (_units_by_source(issues, sources), _units_by_key(issues, units)):
        found = found.where(found.notna(), fallback)
    return found


def _units_by_key(issues: pd.DataFrame, units: list[str]) -> pd.Series:
    """The unit a finding's qualified key names: order_id, sku or ref reading "unit/...", of a unit of the book."""
    found = pd.Series([None] * len(issues), dtype=object)
    keys = [issues[column].astype("string[python]").reset_index(drop=True) for column in ("order_id", "sku", "ref")
            if column in issues.columns]
    for unit in units:
        named = np.zeros(len(issues), dtype=bool)
        for key in keys:
            named |= key.str.startswith(unit + "/").fillna(False).to_numpy(dtype=bool)
        found = found.mask(named & found.isna().to_numpy(), unit)
    return found


def _source_units(book: "Book") -> pd.Series:
    """source -> unit: each workbook belongs to one unit, as the layout of a consolidated book says."""
    if "unit" not in book.layout.columns:
        return pd.Series(dtype=object)
    found = book.layout[["source", "unit"]].dropna().astype(object).drop_duplicates("source")
    return pd.Series(found["unit"].to_numpy(), index=found["source"].to_numpy(), dtype=object)


def _units_by_source(frame: pd.DataFrame, sources: pd.Series) -> pd.Series:
    """The unit of each row of a findings or layout frame: its own `unit` where it has one, else its source's.
    A finding of no one file (the after-as-of count of a table) belongs to no unit."""
    if "unit" in frame.columns:
        return frame["unit"].astype(object).reset_index(drop=True)
    return frame["source"].astype(object).map(sources).reset_index(drop=True)


# The By Unit sheet of the weekly workbook (omxl/shipped/weekly_status_by_unit.xlsx): every KPI in a column, a row
# per unit, in tables narrow enough to print one page wide at a readable size: (context name, heading, KPIs). The
# first is what a manager compares units by first (the per-unit chart plots its first two columns).
BLOCKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("by_unit_service", "Service: late and at-risk lines, on time in full",
     ("late_lines", "at_risk_lines", "backorder_lines", "backorder_rate", "lines_due", "otif_line_rate",
      "unit_fill_rate", "order_fill_rate", "order_cycle_time")),
    ("by_unit_orders", "Orders, shipments and returns",
     ("orders_received", "lines_received", "cancelled_lines", "shipped_lines", "units_returned", "return_rate")),
    ("by_unit_stock", "Stock, purchasing and data quality",
     ("overdue_po_lines", "stockout_skus", "reorder_skus", "days_of_supply", "data_errors", "data_warnings")),
)
# The KPIs given per currency (money, and DSO): one table with a row per unit and currency.
MONEY_BLOCK: tuple[str, str, tuple[str, ...]] = (
    "by_unit_money", "Money, per currency",
    ("shipped_value", "backorder_value", "overdue_po_value", "reorder_value", "inventory_value", "dso"))
# Each blank figure: the KPI, and the units it is blank in with why.
BLANK_BLOCK = ("by_unit_blank", "Why a figure is blank")
UNKNOWN_CURRENCY = "unknown currency"


def unit_note(units: list[str]) -> str:
    """The sentence under the By Unit sheet's title."""
    return (f"{len(units)} unit{'' if len(units) == 1 else 's'}: {', '.join(units)}. Each unit's figures come from "
            "its own rows only, as its workbook reported alone gives them; a blank figure is not known or has "
            "nothing to count (why: the last table).")


def unit_tables(by_unit: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The By Unit sheet's tables from report.by_unit: BLOCKS (unit, then a column per KPI, the numbers), the
    money table (unit, currency, a column per money KPI) and the blank figures (label, reason: "north, south: why")."""
    units = pd.Index(pd.unique(by_unit["unit"].astype(object)), dtype=object)
    per_currency = by_unit["kpi"].map(lambda name: BY_NAME[name].per_currency).astype(bool)
    single = by_unit[~per_currency].pivot(index="unit", columns="kpi", values="value")
    single = single.reindex(units.rename("unit"))
    tables = {}
    for name, _, kpis in BLOCKS:
        frame = single.reindex(columns=list(kpis)).astype(float).reset_index()
        tables[name] = frame.astype({"unit": "string[python]"}).rename_axis(columns=None)
    tables[MONEY_BLOCK[0]] = _money_table(by_unit[per_currency], units)
    tables[BLANK_BLOCK[0]] = _blank_table(by_unit)
    return tables


def _money_table(money: pd.DataFrame, units: pd.Index) -> pd.DataFrame:
    """A row per unit and currency its money figures are in (none at all: one row without a currency). A money
    KPI with nothing in a currency is 0 there (contract 4.4: a currency with nothing has no row); a KPI not known
    for the unit is blank in every row; DSO, a ratio, is blank in a currency nothing was invoiced in."""
    currency = money["currency"].astype(object)
    # compute_kpis gives a money KPI of nothing one row of 0 without a currency: 0 in every currency, not a row.
    nothing = (currency.isna() & money["value"].eq(0)).to_numpy(dtype=bool)
    rows = money.assign(unit=money["unit"].astype(object),
                        currency=currency.where(currency.notna(), UNKNOWN_CURRENCY))[~nothing]
    shown = rows.loc[rows["value"].notna(), ["unit", "currency"]].drop_duplicates()
    alone = pd.DataFrame({"unit": units.difference(pd.Index(shown["unit"]), sort=False), "currency": None})
    grid = pd.concat([shown, alone], ignore_index=True)
    rank = {unit: i for i, unit in enumerate(units)}
    grid = grid.assign(_unit=grid["unit"].map(rank), _last=grid["currency"].isin([UNKNOWN_CURRENCY, None]))
    grid = grid.sort_values(["_unit", "_last", "currency"], kind="stable").drop(columns=["_unit", "_last"])
    values = rows.pivot(index=["unit", "currency"], columns="kpi", values="value").reset_index()
    table = grid.merge(values, on=["unit", "currency"], how="left").reindex(
        columns=["unit", "currency", *MONEY_BLOCK[2]])
    known = money.assign(known=money["value"].notna()).groupby(["unit", "kpi"])["known"].any()
    for kpi in MONEY_BLOCK[2]:
        if BY_NAME[kpi].unit != "money":
            continue
        is_known = known.reindex(pd.MultiIndex.from_arrays([table["unit"], [kpi] * len(table)])).fillna(False)
        table[kpi] = table[kpi].astype(float).mask(table[kpi].isna() & is_known.to_numpy(dtype=bool), 0.0)
    return table.astype({"unit": "string[python]", "currency": "string[python]",
                         **{kpi: float for kpi in MONEY_BLOCK[2]}}).reset_index(drop=True)


def _blank_table(by_unit: pd.DataFrame) -> pd.DataFrame:
    """label, reason: each blank KPI and why, "north, south: no returns table in the book", in KPIS order."""
    blank = by_unit[by_unit["value"].isna()].assign(
        reason=by_unit["reason"].fillna("not known").astype(object),
        order=by_unit["kpi"].map({name: i for i, name in enumerate(BY_NAME)}))
    grouped = blank.groupby(["order", "label", "reason"], sort=True)["unit"].agg(
        lambda units: ", ".join(pd.unique(units.astype(object)))).reset_index()
    return pd.DataFrame({"label": grouped["label"].astype("string[python]"),
                         "reason": (grouped["unit"] + ": " + grouped["reason"]).astype("string[python]")})

