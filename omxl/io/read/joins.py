"""Tables exported in two parts (contract 2.3): an order (or PO) header table joined onto its line table, an
item master joined onto the stock lines.

ERPs export orders as a header file (order number, customer, dates, carrier) and a line file (order number,
item, quantity, price), and items as a master (item, name, cost, reorder levels) apart from the stock per
location (item, location, shelf, bin, quantity). Which part is which is decided by the columns each part has
(omxl.model.SPLITS), never by file or sheet names. The lines keep their own provenance (source/sheet/row) and
gain `header_source`/`header_sheet`/`header_row`: where their header (master) values came from, so a finding
about such a value cites the header row's cell and an error there leaves out every line of the order, every
location row of the item.
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from ...findings import row_findings
from ...model import DTYPES, HEADER_PROVENANCE, PROVENANCE, TABLE_BY_NAME, Split


HEADER, LINE = "header", "line"

# The words of the join's findings, per table. Fields: {noun} (model.Split.noun), {header_part}, {key_value},
# {first_row}, {places} (the other part's files), {header_words} (the first header columns in words).
MESSAGES: dict[str, dict[str, str]] = {
    "orders": {
        "keyless": "This {noun} header row has no {noun} number, so its values fill no line. Fill it in or delete "
                   "the row.",
        "repeated": "The {noun} header {key_value} appears more than once (first on row {first_row}); its lines "
                    "take the first one. Delete the repeated header row.",
        "orphan": "Line of {noun} {key_value} has no header row in {places}, so its {header_words} are unknown. "
                  "Add the header row or correct the number; the line is left out until then.",
        "lonely": "The {noun} header {key_value} has no lines in {places}: nothing of this {noun} can be "
                  "reconciled. Add its lines or delete the header row.",
    },
    "inventory": {
        "keyless": "This item master row has no item code, so its values fill no stock row. Fill it in or delete "
                   "the row.",
        "repeated": "Item {key_value} appears more than once in the item master (first on row {first_row}); its "
                    "stock rows take the first one. Delete the repeated row.",
        "orphan": "Stock of item {key_value} has no row in the item master {places}, so its description, cost "
                  "and reorder levels are unknown. Add the item to the master or correct the item code; the stock "
                  "row is left out until then.",
        "lonely": "Item {key_value} of the item master has no stock rows in {places}: it is read as 0 on hand at "
                  "{location}. Add its stock rows if it has stock.",
    },
}
MESSAGES["purchase_orders"] = MESSAGES["invoices"] = MESSAGES["orders"]


def role(split: Split, columns: Sequence[str]) -> str:
    """'header', 'line' or '' for a part that read `columns` (canonical names) from its sheet."""
    present = set(columns)
    if split.key not in present:
        return ""
    if set(split.line) <= present and (not split.line_beside or present & set(split.line_beside)):
        return LINE
    if not present & set(split.line) and present & set(split.header):
        return HEADER
    return ""


def join(split: Split, lines: pd.DataFrame, headers: pd.DataFrame,
         column_map: pd.DataFrame) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """The lines with their header's values filled in, and the findings of the join.

    `lines` is the merged line table (every model column present, typed); `headers` the header parts as
    read. A header column also on the line keeps the line's value where the line's cell is not blank."""
    key = split.key
    words = MESSAGES[split.table]

    def said(what: str, per_row: dict[str, pd.Series], **fields: object) -> pd.Series:
        return _worded(words[what], per_row, noun=split.noun, header_words=_header_words(split), **fields)

    headers = headers.drop(columns=[c for c in ("line",) if c in headers])   # a header has no line number
    filled = headers[headers[key].notna()]
    repeated = filled[filled.duplicated(key, keep="first")]
    first = filled.drop_duplicates(key, keep="first")
    findings: list[pd.DataFrame] = []
    keyless = headers[headers[key].isna()]
    if len(keyless):
        findings.append(row_findings(
            "missing-value", split.table, keyless, column=key, column_map=column_map,
            messages=said("keyless", {"key_value": keyless[key]})))
    if len(repeated):
        first_row = repeated[key].map(first.set_index(key)["row"])
        findings.append(row_findings(
            "duplicate-key", split.table, repeated, column=key, column_map=column_map,
            messages=said("repeated", {"key_value": repeated[key], "first_row": first_row})))
    values = [c for c in first.columns if c != key and c not in PROVENANCE]
    renamed = first.rename(columns=dict(zip(PROVENANCE, HEADER_PROVENANCE)))
    renamed = renamed.rename(columns={c: f"{c}\0header" for c in values})
    joined = lines.merge(renamed, on=key, how="left", sort=False)
    sheets = pd.MultiIndex.from_arrays([joined["source"].fillna(""), joined["sheet"].fillna("")])
    # A quantity of the key (an item's units on order) is filled into the key's first line only.
    later = joined[key].duplicated(keep="first").to_numpy() & joined[key].notna().to_numpy()
    filled_here: list[pd.Series] = []
    for column in values:
        incoming = joined.pop(f"{column}\0header")
        if column in split.fill_once:
            incoming = incoming.mask(later)
        if column in joined:
            own = joined[column]
            took = own.isna() & incoming.notna() & sheets.isin(_parts_with(column_map, column))
            if took.any():
                filled_here.append(took.map({True: column, False: ""}))
            joined[column] = own.where(own.notna(), incoming.astype(own.dtype) if own.dtype != object else incoming)
        else:
            joined[column] = incoming
    if filled_here:
        # Columns on both files whose line cell was blank: findings about them cite the header's cell.
        names = filled_here[0]
        for more in filled_here[1:]:
            names = names + " " + more
        names = names.str.split().str.join(" ")
        joined["header_filled"] = names.where(names != "", None).astype("string[python]")
    joined["header_row"] = joined["header_row"].astype("Int64")
    orphans = joined[joined[key].notna() & joined["header_row"].isna()]
    if len(orphans):
        places = ", ".join(dict.fromkeys(headers["source"].astype(str)))
        findings.append(row_findings(
            "foreign-key", split.table, orphans, column=key, column_map=column_map,
            messages=said("orphan", {"key_value": orphans[key]}, places=places)))
    lonely = first[~first[key].isin(set(lines[key].dropna()))]
    if len(lonely):
        places = ", ".join(dict.fromkeys(lines["source"].dropna().astype(str)))
        alone = dict(split.alone_values)
        findings.append(row_findings(
            split.header_alone, split.table, lonely, column=key, column_map=column_map,
            messages=said("lonely", {"key_value": lonely[key]}, places=places, location=alone.get("location", ""))))
        if alone:
            joined = pd.concat([joined, _rows_of_their_own(lonely, alone)], ignore_index=True)
    return order_columns(split.table, joined), findings


def _worded(template: str, per_row: dict[str, pd.Series], **fields: object) -> pd.Series:
    """One message per row: `template` with `fields` the same on every row and `per_row` values (Series on one
    index) row by row, joined as whole columns rather than formatted row by row."""
    marked = template.format(**fields, **{name: f"\0{name}\0" for name in per_row})
    index = next(iter(per_row.values())).index
    out = pd.Series("", index=index, dtype=object)
    for position, piece in enumerate(marked.split("\0")):
        out = out + (per_row[piece].astype(str).to_numpy(dtype=object) if position % 2 else piece)
    return out


def _rows_of_their_own(headers: pd.DataFrame, alone: dict[str, object]) -> pd.DataFrame:
    """Header rows without lines as rows of the table (an item without stock rows: 0 on hand at MAIN): their
    own cells, the split's values for the line columns, and the header row as both provenances, so a finding
    about any of their values cites the header row."""
    rows = headers.reset_index(drop=True)
    for name, value in alone.items():
        rows[name] = rows[name].fillna(value) if name in rows else value
    for own, header in zip(PROVENANCE, HEADER_PROVENANCE):
        rows[header] = rows[own]
    return rows


def _parts_with(column_map: pd.DataFrame, column: str) -> list[tuple[str, str]]:
    """The (source, sheet) parts whose header row has `column`."""
    rows = column_map[column_map["column"] == column]
    return list(zip(rows["source"].astype(str), rows["sheet"].astype(str)))


def _header_words(split: Split) -> str:
    words = [c.replace("_id", "").replace("_", " ") for c in split.header[:3]]
    return ", ".join(words[:-1]) + " and " + words[-1]


def order_columns(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Model columns, unknown columns, provenance, then the header's provenance; model dtypes kept."""
    spec = TABLE_BY_NAME[table]
    for column in spec.columns:
        if frame[column.name].dtype != DTYPES[column.kind]:
            frame[column.name] = frame[column.name].astype(DTYPES[column.kind])
    for column in ("header_source", "header_sheet"):
        frame[column] = frame[column].astype("string[python]")
    last = (*PROVENANCE, *HEADER_PROVENANCE, *(("header_filled",) if "header_filled" in frame else ()))
    extra = [c for c in frame.columns if c not in spec.column_names and c not in last]
    return frame[[*spec.column_names, *extra, *last]]


def keep_missing_column(findings: pd.DataFrame, part_role: str, read_by_other: set[str]) -> pd.DataFrame:
    """A header part lacks the line's columns and a line part the header's by design: their
    missing-column findings go when a part of the other kind has the column."""
    if not part_role or findings.empty:
        return findings
    drop = (findings["code"] == "missing-column") & findings["column"].isin(read_by_other)
    return findings[~drop.to_numpy(dtype=bool)]
