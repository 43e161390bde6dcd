"""Books of several units made one (contract 4.9): a `unit` column on every table, keys qualified per unit,
master tables merged where the units agree and a `duplicate-key` finding where they do not.

Why qualified keys: the same order number in two branches is two orders. Writing every per-unit key as
"unit/key" (north/O-1001) makes every later join, group and lookup keep the units apart without knowing about
them, and shows the user an unambiguous key wherever the line appears (a sheet sorted by order, a pick list, a
message). The columns qualified are data (UNIT_KEYS); docs/scale.md explains them to users.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

import numpy as np
import pandas as pd

from ..book import Book
from ..config import Config
from ..findings import apply_severities, concat_findings, display, findings_frame, message, row_findings
from ..model import HEADER_PROVENANCE, PROVENANCE, TABLE_BY_NAME, TABLE_NAMES

UNIT_SEPARATOR = "/"

# The columns holding a key that belongs to one unit: an order, an item's stock, a purchase order, a shipment,
# a return, an invoice, a payment. Customers, suppliers and carriers are the company's, shared by every unit.
UNIT_KEYS: dict[str, tuple[str, ...]] = {
    "orders": ("order_id", "sku"),
    "inventory": ("sku", "location"),   # a location is a place of one unit: its own pick list
    "shipments": ("shipment_id", "order_id", "sku"),
    "purchase_orders": ("po_id", "sku"),
    "returns": ("rma_id", "order_id", "sku"),
    "invoices": ("invoice_id", "order_id", "sku"),
    "payments": ("payment_id", "invoice_id"),
}
# Tables the units share: a row repeated in several units is one row when the units agree.
MASTER_TABLES: tuple[str, ...] = ("suppliers", "customers", "carriers")
# What an item is, whichever unit stocks it; its stock, location, reorder settings and lead time are the unit's own.
ITEM_MASTER_COLUMNS: tuple[str, ...] = ("description", "unit_cost", "currency", "supplier_id", "moq", "pack_size",
                                        "discontinued")


class UnitBook(NamedTuple):
    """One workbook read for a unit: its unit name, its name in messages (path relative to the books' common
    folder), and the book read from it (None when it could not be read, then `reason` says why)."""

    unit: str
    name: str
    book: Book | None
    reason: str = ""


def has_units(book: Book) -> bool:
    """A book made by omxl.consolidate with units: every table has a `unit` column."""
    return "unit" in book.tables["orders"].columns


def unit_keys(settings: Config) -> dict[str, tuple[str, ...]]:
    """UNIT_KEYS under the settings: with shared_stock an item is one across units (its stock pooled), so `sku`
    is left as it is; the locations still name their unit."""
    if not settings.shared_stock:
        return UNIT_KEYS
    return {table: tuple(c for c in columns if c != "sku") for table, columns in UNIT_KEYS.items()}


def qualify(values: pd.Series, unit: str) -> pd.Series:
    """'O-1001' of unit north as 'north/O-1001'; a blank stays blank, the dtype stays."""
    text = values.astype("string[python]")
    return (unit + UNIT_SEPARATOR + text).astype(values.dtype)


def combine(parts: Iterable[UnitBook], settings: Config) -> Book:
    """One book of every unit's tables: read books in the order given, unreadable ones as findings."""
    parts = list(parts)
    read = [p for p in parts if p.book is not None]
    keys = unit_keys(settings)
    tables: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLE_NAMES}
    findings, layouts, maps = [], [], []
    for part in read:
        book = part.book
        for name in TABLE_NAMES:
            tables[name].append(_unit_table(book.tables[name], name, part, keys.get(name, ())))
        findings.append(_unit_findings(book.findings, part, keys))
        layouts.append(book.layout.assign(source=part.name, unit=part.unit))
        maps.append(book.column_map.assign(source=part.name))
    column_map = pd.concat(maps, ignore_index=True)
    merged = {name: _concat(name, frames) for name, frames in tables.items()}
    conflicts = []
    for name in MASTER_TABLES:
        merged[name], found = _merge_master(name, merged[name], column_map)
        conflicts.append(found)
    conflicts.append(_item_master_conflicts(merged["inventory"], read, column_map, keys))
    unreadable = [findings_frame("unreadable-source", source=p.name,
                                 messages=message("unreadable-source", source=p.name, reason=p.reason))
                  for p in parts if p.book is None]
    all_findings = apply_severities(concat_findings([*unreadable, *findings, *conflicts]), settings.severities)
    return Book(tables=merged, findings=all_findings, layout=pd.concat(layouts, ignore_index=True),
                column_map=column_map, config=settings, sources=tuple(p.name for p in read))


def _unit_table(frame: pd.DataFrame, table: str, part: UnitBook, keys: tuple[str, ...]) -> pd.DataFrame:
    frame = frame.copy()
    for column in keys:
        frame[column] = qualify(frame[column], part.unit)
    frame["source"] = pd.Series(part.name, index=frame.index, dtype=frame["source"].dtype)
    if HEADER_PROVENANCE[0] in frame:
        frame[HEADER_PROVENANCE[0]] = frame[HEADER_PROVENANCE[0]].where(frame[HEADER_PROVENANCE[0]].isna(), part.name)
    frame.insert(len(frame.columns) - len(PROVENANCE), "unit", pd.Series(part.unit, index=frame.index,
                                                                         dtype="string[python]"))
    return frame


def _unit_findings(findings: pd.DataFrame, part: UnitBook, keys: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    findings = findings.assign(source=findings["source"].where(findings["source"].eq(""), part.name))
    for column in ("order_id", "sku"):
        if any(column in columns for columns in keys.values()):
            findings[column] = qualify(findings[column], part.unit)
    return findings


def _concat(table: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The units' rows of one table, columns in the book's order: the model's, extra ones, unit, provenance."""
    whole = pd.concat(frames, ignore_index=True)
    spec = TABLE_BY_NAME[table]
    last = ["unit", *PROVENANCE]
    extra = [c for c in whole.columns if c not in spec.column_names and c not in last]
    whole = whole[[*spec.column_names, *extra, *last]]
    for column in spec.column_names:   # an all-blank column of one unit must not change the table's dtype
        first = frames[0][column].dtype
        if whole[column].dtype != first:
            whole[column] = whole[column].astype(first)
    return whole


def _row_hashes(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    return pd.util.hash_pandas_object(frame[columns].astype("string[python]"), index=False)


def _merge_master(table: str, frame: pd.DataFrame, column_map: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of a shared table repeated in later units: equal ones merged into the first (its unit then blank),
    differing ones left out and reported, the first unit's row used."""
    spec = TABLE_BY_NAME[table]
    if frame.empty:
        return frame, pd.DataFrame()
    key = list(spec.key)
    filled = frame[key].notna().all(axis=1).to_numpy()
    first_row = _first_rows(frame[key], filled)
    units = frame["unit"].astype(str).to_numpy()
    later_unit = filled & (units != units[first_row])
    if not later_unit.any():
        return frame, pd.DataFrame()
    hashes = _row_hashes(frame, list(spec.column_names))
    # A later unit's row is the same as an earlier unit's when an earlier unit has a row with its key and values
    # (its first row of the key, or a repeat within that unit that validation reports as it always does).
    same_values = _first_rows(frame[key].assign(_values=hashes.to_numpy()), filled)
    equal = later_unit & (units[same_values] != units)
    differing = later_unit & ~equal
    kept = frame.copy()
    kept.loc[frame.index[np.unique(same_values[equal])], "unit"] = pd.NA
    conflicts = frame[differing]
    findings = pd.DataFrame()
    if len(conflicts):
        firsts = frame.iloc[first_row[differing]]
        texts = [_conflict_text(table, key, row, other, spec.column_names)
                 for (_, row), (_, other) in zip(conflicts.iterrows(), firsts.iterrows())]
        findings = row_findings("duplicate-key", table, conflicts, texts, column=key[0], column_map=column_map)
    return kept[~(equal | differing)].reset_index(drop=True), findings


def _conflict_text(table: str, key: list[str], row: pd.Series, first: pd.Series, columns: tuple[str, ...]) -> str:
    differing = [c for c in columns if c not in key and display(row[c]) != display(first[c])
                 and not (pd.isna(row[c]) and pd.isna(first[c]))]
    shown = "; ".join(f"{c} {_shown(first[c])} there, {_shown(row[c])} here" for c in differing[:4])
    more = f" and {len(differing) - 4} more" if len(differing) > 4 else ""
    what = " ".join(display(row[k]) for k in key)
    return (f"{' '.join(key)} {what} is also in {first['source']} ({first['sheet']} row {first['row']}) with other "
            f"values ({shown}{more}): the row of {first['source']} is used and this one is left out. Make the "
            f"{table} rows of every unit agree, or give them different keys.")


def _shown(value: object) -> str:
    return "blank" if pd.isna(value) else display(value)


def _item_master_conflicts(inventory: pd.DataFrame, read: list[UnitBook], column_map: pd.DataFrame,
                           keys: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """The same item described differently by two units (cost, supplier, pack size ...): a warning on the later
    unit's row; each unit keeps its own row, its stock is its own."""
    if inventory.empty or len(read) < 2:
        return pd.DataFrame()
    item = _unqualified_sku(inventory, keys)
    filled = item.notna().to_numpy()
    first_row = _first_rows(item.to_frame(), filled)
    units = inventory["unit"].astype(str).to_numpy()
    # Each unit's first row of an item describes it there (its other stock rows may leave the item columns
    # blank), compared with the first unit's.
    first_in_unit = _first_rows(inventory[["unit"]].assign(_item=item.to_numpy()), filled) == np.arange(len(item))
    other_unit = filled & first_in_unit & (units != units[first_row])
    if not other_unit.any():
        return pd.DataFrame()
    columns = [c for c in ITEM_MASTER_COLUMNS if c in inventory]
    hashes = _row_hashes(inventory, columns)
    differing = other_unit & (hashes.to_numpy() != hashes.to_numpy()[first_row])
    rows = inventory[differing]
    if rows.empty:
        return pd.DataFrame()
    firsts = inventory.iloc[first_row[differing]]
    texts = [_item_text(item.loc[i], row, first, columns)
             for (i, row), (_, first) in zip(rows.iterrows(), firsts.iterrows())]
    return row_findings("duplicate-key", "inventory", rows, texts, column="sku", column_map=column_map,
                        severity="warning")


def _unqualified_sku(inventory: pd.DataFrame, keys: dict[str, tuple[str, ...]]) -> pd.Series:
    """The item as its unit's workbook names it (north/A-100 is A-100)."""
    sku = inventory["sku"].astype("string[python]")
    if "sku" not in keys["inventory"]:
        return sku
    plain = sku.copy()
    for unit, rows in inventory.groupby("unit", sort=False).groups.items():
        plain.loc[rows] = sku.loc[rows].str.slice(len(unit) + len(UNIT_SEPARATOR))
    return plain


def _first_rows(keys: pd.DataFrame, filled: np.ndarray) -> np.ndarray:
    """For each row, the position of the first row with its key (itself when the key is not filled in)."""
    codes, _ = pd.factorize(pd.MultiIndex.from_frame(keys.astype("string[python]")))
    codes = np.where(filled, codes, -1)
    firsts = np.arange(len(codes))
    known = codes >= 0
    _, first_of_code = np.unique(codes[known], return_index=True)
    positions = np.flatnonzero(known)
    firsts[known] = positions[first_of_code[np.searchsorted(np.unique(codes[known]), codes[known])]]
    return firsts


def _item_text(item: str, row: pd.Series, first: pd.Series, columns: list[str]) -> str:
    differing = [c for c in columns if _shown(row[c]) != _shown(first[c])]
    shown = "; ".join(f"{c} {_shown(first[c])} there, {_shown(row[c])} here" for c in differing)
    return (f"Item {item} is described differently in {first['source']} ({first['sheet']} row {first['row']}): "
            f"{shown}. Each unit's row is used for its own stock; make the item's description agree in every "
            f"unit's workbook.")


__all__ = ["ITEM_MASTER_COLUMNS", "MASTER_TABLES", "UNIT_KEYS", "UNIT_SEPARATOR", "UnitBook", "combine",
           "has_units", "qualify", "unit_keys"]

