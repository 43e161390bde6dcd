"""Header + line exports (contract 2.3): an order (or PO) header table joined onto its line table.

ERPs export orders as a header file (order number, customer, dates, carrier) and a line file (order number,
item, quantity, price). Which part is which is decided by the columns each part has (omxl.model.SPLITS),
never by file or sheet names. The lines keep their own provenance (source/sheet/row) and gain
`header_source`/`header_sheet`/`header_row`: where their header values came from, so a finding about such a
value cites the header row's cell and an error there leaves out every line of the order.
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from ...findings import row_findings
from ...model import DTYPES, HEADER_PROVENANCE, PROVENANCE, TABLE_BY_NAME, Split


HEADER, LINE = "header", "line"


def role(split: Split, columns: Sequence[str]) -> str:
    """'header', 'line' or '' for a part that read `columns` (canonical names) from its sheet."""
    present = set(columns)
    if split.key not in present:
        return ""
    if set(split.line) <= present:
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
    noun = "order" if split.table == "orders" else "purchase order"
    headers = headers.drop(columns=[c for c in ("line",) if c in headers])   # a header has no line number
    filled = headers[headers[key].notna()]
    repeated = filled[filled.duplicated(key, keep="first")]
    first = filled.drop_duplicates(key, keep="first")
    findings: list[pd.DataFrame] = []
    keyless = headers[headers[key].isna()]
    if len(keyless):
        findings.append(row_findings(
            "missing-value", split.table, keyless, column=key, column_map=column_map,
            messages=[f"This {noun} header row has no {noun} number, so its values fill no line. Fill it in or "
                      "delete the row."] * len(keyless)))
    if len(repeated):
        first_row = repeated[key].map(first.set_index(key)["row"])
        findings.append(row_findings(
            "duplicate-key", split.table, repeated, column=key, column_map=column_map,
            messages=(f"The {noun} header " + repeated[key].astype(str) + " appears more than once (first on row "
                      + first_row.astype(str) + "); its lines take the first one. Delete the repeated header row.")))
    values = [c for c in first.columns if c != key and c not in PROVENANCE]
    renamed = first.rename(columns=dict(zip(PROVENANCE, HEADER_PROVENANCE)))
    renamed = renamed.rename(columns={c: f"{c}\0header" for c in values})
    joined = lines.merge(renamed, on=key, how="left", sort=False)
    sheets = pd.MultiIndex.from_arrays([joined["source"].fillna(""), joined["sheet"].fillna("")])
    filled_here: list[pd.Series] = []
    for column in values:
        incoming = joined.pop(f"{column}\0header")
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
    joined = order_columns(split.table, joined)
    orphans = joined[joined[key].notna() & joined["header_row"].isna()]
    if len(orphans):
        places = ", ".join(dict.fromkeys(headers["source"].astype(str)))
        findings.append(row_findings(
            "foreign-key", split.table, orphans, column=key, column_map=column_map,
            messages=(f"Line of {noun} " + orphans[key].astype(str) + f" has no header row in {places}, so its "
                      + _header_words(split) + " are unknown. Add the header row or correct the number; the line "
                      "is left out until then.")))
    lonely = filled[~filled[key].isin(set(lines[key].dropna()))].drop_duplicates(key)
    if len(lonely):
        places = ", ".join(dict.fromkeys(lines["source"].dropna().astype(str)))
        findings.append(row_findings(
            "foreign-key", split.table, lonely, column=key, column_map=column_map,
            messages=(f"The {noun} header " + lonely[key].astype(str) + f" has no lines in {places}: nothing of "
                      f"this {noun} can be reconciled. Add its lines or delete the header row.")))
    return joined, findings


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
