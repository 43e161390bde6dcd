"""An .xlsx/.xlsm workbook's worksheets and Excel tables, read from its package as calamine reports them.

When omxl's own reader reads every sheet, opening the workbook with calamine is only for these two lists,
and it costs: calamine parses the shared strings on opening (a second time: omxl's reader has its own copy)
and reads a table's rows to give its range. For a book of a million lines that is some 1.6 s of work; the
few small parts read here cost milliseconds. Anything this module does not read the way calamine does
(another sheet type, Strict namespaces, character references, a table without a display name or without
one header row, two tables of one name) answers None, and calamine opens the workbook as before.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

from ..address import cell_position
from ..xlsx import package

_TRANSITIONAL = package.REL_NS + "/"
_STATES = {"": False, "visible": False, "hidden": True, "veryHidden": True}
_TABLE_TAG = re.compile(r"<table\b[^>]*>")
_TOTALS_ROWS = {"0": 0, "1": 1}
Tables = dict[str, dict[str, tuple[int, int, int, int]]]   # sheet -> table -> header row, first col, last col, last row


@dataclass(frozen=True)
class Worksheet:
    """A worksheet of the workbook, in tab order (chart sheets are left out, as the reader leaves them out)."""

    name: str
    hidden: bool


def outline(archive: zipfile.ZipFile) -> tuple[list[Worksheet], Tables] | None:
    """The worksheets and, per worksheet, its tables (0-based header row, first and last column, last row:
    what sources._tables_by_sheet makes of calamine's answer), or None when calamine must say."""
    try:
        return _outline(archive)
    except (KeyError, ValueError, UnicodeDecodeError, zipfile.BadZipFile, zipfile.LargeZipFile, OSError,
            EOFError, NotImplementedError):
        return None   # calamine opens it and says what is wrong, as it always has


def _outline(archive: zipfile.ZipFile) -> tuple[list[Worksheet], Tables] | None:
    workbook_path = package.main_part(archive)
    workbook = archive.read(workbook_path).decode("utf-8")
    rels = package.relationships(archive.read(package.rels_path(workbook_path)).decode("utf-8"))
    by_id = {rel.get("Id"): rel for rel in rels}
    tags = re.findall(r"<sheet\b[^>]*>", workbook)
    entries = package.sheets(workbook)
    if not entries or len(entries) != len(tags) or any("&#" in tag for tag in tags):
        return None
    worksheets: list[Worksheet] = []
    tables: Tables = {}
    names: set[str] = set()
    for entry, tag in zip(entries, tags):
        rel = by_id.get(entry.rel_id)
        state = package.attrs(tag).get("state", "")
        if rel is None or state not in _STATES or rel.get("TargetMode") == "External":
            return None
        kind = rel.get("Type", "")
        if kind == _TRANSITIONAL + "chartsheet":
            continue
        if kind != _TRANSITIONAL + "worksheet":
            return None
        worksheets.append(Worksheet(entry.name, _STATES[state]))
        part = package.resolve(rel["Target"], workbook_path)
        found = _tables_of(archive, part)
        if found is None or names & found.keys():
            return None
        names |= found.keys()
        if found:
            tables[entry.name] = found
    return worksheets, tables


def _tables_of(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[int, int, int, int]] | None:
    rels_part = package.rels_path(part)
    if rels_part not in archive.NameToInfo:
        return {}
    found: dict[str, tuple[int, int, int, int]] = {}
    for rel in package.relationships(archive.read(rels_part).decode("utf-8")):
        if rel.get("Type") != _TRANSITIONAL + "table":
            continue
        if rel.get("TargetMode") == "External":
            return None
        xml = archive.read(package.resolve(rel["Target"], part)).decode("utf-8")
        tag = _TABLE_TAG.search(xml)
        if tag is None or "&#" in tag.group(0):
            return None
        values = package.attrs(tag.group(0))
        name, ends = values.get("displayName", ""), values.get("ref", "").split(":")
        corners = [cell_position(end) for end in ends] if len(ends) == 2 else [None]
        # One header row and at most one totals row, as Excel makes tables: how calamine places other counts
        # is left to calamine (with no header row it keeps a totals row inside the range).
        totals = _TOTALS_ROWS.get(values.get("totalsRowCount", "0"))
        if not name or name in found or None in corners or values.get("headerRowCount", "1") != "1" or \
                totals is None:
            return None
        (first_row, first_col), (last_row, last_col) = corners   # both from 1
        # calamine's range starts below the header row and ends above the totals row; the reader takes the
        # row above that start as the header row.
        found[name] = (first_row - 1, first_col - 1, last_col - 1, last_row - 1 - totals)
    return found
