"""A marked copy of the user's workbook: offending cells filled and commented, plus an Issues sheet.

`omxl validate BOOK --mark OUT.xlsx` writes OUT.xlsx; BOOK is never modified. Like write_back this works
on the package, as text (see writeback.py for why): the marked worksheets get a cell style swapped on the
marked cells (absent cells are inserted; cellmarks.py), a note (legacy comment) per marked cell goes into
the sheet's comments part and VML drawing (created, or extended when the sheet already has notes;
comments.py), and the fills and cloned cell formats are appended to styles.xml (styles.py). Every other
zip member is copied byte for byte.

Each marked cell keeps its own look: its cell format is cloned with only the fill swapped (errors light
red, warnings light yellow), so number formats, fonts and borders stay. Identical formats already in the
file are reused, so marking a marked copy again does not grow styles.xml. A cell that already carries a
note keeps it: it is filled, but gets no second note.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ...config import Config, load_config
from . import package, writeback
from ..address import CELL_REF, column_index
from ..save.atomic import check_destination, same_file
from .cellmarks import fill_cells
from .comments import NoteWriter
from .sheetxml import ResultSheet, as_result
from .styles import FilledFormats
from .writeback import WriteBackError

FILLS = {"error": "FFFFC7CE", "warning": "FFFFEB9C"}
SEVERITY_RANK = {"warning": 1, "error": 2}
ISSUES_SHEET = "Issues"
MAX_COMMENT = 1000
MAX_ROW, MAX_COLUMN = 1_048_576, 16_384


@dataclass
class _Mark:
    severity: str
    messages: list[str] = field(default_factory=list)


Marks = dict[tuple[int, int], _Mark]  # (row, column), both from 1 -> what to mark there


# --- public functions ------------------------------------------------------------------------------

def mark_workbook(source: str | os.PathLike, out: str | os.PathLike, marks: pd.DataFrame,
                  issues: "ResultSheet | pd.DataFrame", config: "Config | dict | str | Path | None" = None) -> Path:
    """Read `source` (an .xlsx/.xlsm; never modified), mark its cells, add the issues sheet (named with the
    configured sheet_prefix + 'Issues') and save the result to `out` (atomic save, checked before it is
    moved into place). `out` must be another file than `source`."""
    source_path, target = Path(source), check_destination(out)
    if same_file(source_path, target):
        raise WriteBackError(
            f"{target.name}: the marked copy would replace the workbook it marks, and omxl never changes the "
            "workbook it checks. Choose another file name for the marked copy, or use --write-back to add the "
            "Issues sheet to the workbook itself.")
    settings = load_config(config, near=source_path)
    data, kind = writeback.read_workbook(
        source_path, "Check the path of the workbook to mark.", "marks cells in",
        "Save it as .xlsx in Excel and run again; the Issues list is still available without --mark.",
        guard=settings)
    extension = _extension(data, kind)
    if target.suffix.lower() != extension:
        raise WriteBackError(f"{target.name}: the marked copy of {source_path.name} is an {extension} workbook, "
                             f"and Excel opens it only under a name ending in {extension}. Name it "
                             f"{target.stem}{extension}.")
    name = writeback.sheet_name(settings.sheet_prefix, ISSUES_SHEET)
    named = {name: as_result(issues)}
    marked, marked_members = mark_cells(data, marks, source_path.name)
    merged, merged_members = writeback.merge_result_sheets(marked, named, source_path.name)
    return writeback.save_verified(target, merged, named, marked_members | merged_members)


def mark_cells(data: bytes, marks: pd.DataFrame, label: str) -> tuple[bytes, set[str]]:
    """Package bytes with each marked cell filled and commented, and the names of the zip members written
    anew. `marks` columns: sheet (the sheet's name as in the workbook), cell (A1 style, 'D17'), severity
    ('error' | 'warning' | 'info'; info is not marked), message. Unknown sheets, chart sheets, omxl's own
    result sheets and cells outside Excel's grid are ignored."""
    wanted = _collect(marks)
    if not wanted:
        return data, set()
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = set(source.namelist())
        workbook_path = package.main_part(source)
        workbook = source.read(workbook_path).decode("utf-8")
        workbook_rels = source.read(package.rels_path(workbook_path)).decode("utf-8")
        jobs = _sheet_jobs(wanted, workbook, workbook_rels, workbook_path, members)
        if not jobs:
            return data, set()
        styles_path = package.target_of_type(workbook_rels, writeback.STYLES_TYPE, workbook_path)
        if styles_path is None or styles_path not in members:
            raise WriteBackError(f"{label}: the workbook has no styles part, which every Excel file has. Open it in "
                                 "Excel and save it again, then run omxl again.")
        styles = source.read(styles_path).decode("utf-8")
        try:
            formats = FilledFormats(styles)
        except ValueError:
            raise WriteBackError(f"{label}: the workbook's styles part has no list of cell formats. Open it in "
                                 "Excel and save it again, then run omxl again.") from None
        book = package.PackageEdit(source)
        notes = NoteWriter(book)
        for part, cells in jobs.items():
            _mark_sheet(book, part, cells, formats, notes)
        book.rewritten[styles_path] = formats.styles.encode("utf-8")
        book.rewritten[package.CONTENT_TYPES] = book.types.encode("utf-8")
        result = writeback.write_zip(source, book.rewritten, book.added)
        return result, set(book.rewritten) | set(book.added)


def _sheet_jobs(wanted: dict[str, Marks], workbook: str, workbook_rels: str, workbook_path: str,
                members: set[str]) -> dict[str, Marks]:
    """{worksheet part: marks} for the sheets of `wanted` that are the user's worksheets. A sheet name is
    matched as written, else ignoring case, as Excel does."""
    rel_types = {rel.get("Id"): rel.get("Type", "") for rel in package.relationships(workbook_rels)}
    owned = package.owned_indexes(workbook)
    parts: dict[str, tuple[str, str]] = {}  # sheet name, as written and casefolded -> (sheet name, worksheet part)
    for entry in package.sheets(workbook):
        part = package.target_of_id(workbook_rels, entry.rel_id, workbook_path)
        if entry.index not in owned and rel_types.get(entry.rel_id) == writeback.WORKSHEET_TYPE and part in members:
            parts.setdefault(entry.name, (entry.name, part))
            parts.setdefault(entry.name.casefold(), (entry.name, part))
    jobs = []
    for sheet, cells in wanted.items():
        found = parts.get(sheet) or parts.get(sheet.casefold())
        if found is not None:
            jobs.append((found[1], cells))
    return _merge_jobs(jobs)


# --- the marks ------------------------------------------------------------------------------------

def _collect(marks: pd.DataFrame) -> dict[str, Marks]:
    """{sheet: {(row, column) 1-based: _Mark}} for the error and warning rows of `marks`."""
    if marks is None or len(marks) == 0:
        return {}
    missing = {"sheet", "cell", "severity", "message"} - set(marks.columns)
    if missing:
        raise ValueError(f"marks needs the columns sheet, cell, severity, message (missing: {sorted(missing)})")
    frame = pd.DataFrame({
        "sheet": marks["sheet"].astype("string[python]").fillna(""),
        "cell": marks["cell"].astype("string[python]").fillna("").str.strip().str.upper(),
        "severity": marks["severity"].astype("string[python]").fillna("").str.strip().str.lower(),
        "message": marks["message"].astype("string[python]").fillna(""),
    })
    frame = frame[frame["severity"].isin(list(FILLS)) & (frame["sheet"] != "")]
    parts = frame["cell"].str.extract(rf"^{CELL_REF.pattern}$")
    frame = frame.assign(letters=parts[0], row=pd.to_numeric(parts[1], errors="coerce")).dropna(
        subset=["letters", "row"])
    wanted: dict[str, Marks] = {}
    letters_cache: dict[str, int] = {}
    for sheet, letters, row, severity, message in zip(frame["sheet"], frame["letters"], frame["row"],
                                                      frame["severity"], frame["message"]):
        column = letters_cache.get(letters)
        if column is None:
            column = letters_cache[letters] = column_index(letters) + 1
        row = int(row)
        if column > MAX_COLUMN or row > MAX_ROW:
            continue
        cells = wanted.setdefault(sheet, {})
        mark = cells.get((row, column))
        if mark is None:
            mark = cells[(row, column)] = _Mark(severity)
        elif SEVERITY_RANK[severity] > SEVERITY_RANK[mark.severity]:
            mark.severity = severity
        if message and message not in mark.messages:
            mark.messages.append(message)
    return wanted


def _merge_jobs(jobs: list[tuple[str, Marks]]) -> dict[str, Marks]:
    """Marks given under two spellings of one sheet name go to the same part."""
    merged: dict[str, Marks] = {}
    for part, cells in jobs:
        into = merged.setdefault(part, {})
        for key, mark in cells.items():
            if key not in into:
                into[key] = mark
                continue
            kept = into[key]
            if SEVERITY_RANK[mark.severity] > SEVERITY_RANK[kept.severity]:
                kept.severity = mark.severity
            kept.messages.extend(m for m in mark.messages if m not in kept.messages)
    return merged


def _comment_text(mark: _Mark) -> str:
    """The note's text after omxl's bold 'omxl:' line: the findings, one a line, cut to MAX_COMMENT."""
    text = "\n".join(mark.messages) or mark.severity
    return text if len(text) <= MAX_COMMENT else text[:MAX_COMMENT - 1] + "\u2026"


def _mark_sheet(book: package.PackageEdit, part: str, cells: Marks, formats: FilledFormats,
                notes: NoteWriter) -> None:
    xml = book.read(part).decode("utf-8")
    root = re.search(r"<(\w+:)?worksheet\b[^>]*>", xml)
    if root is None:
        return
    prefix = root.group(1) or ""
    by_row: dict[int, dict[int, str]] = {}
    for (row, column), mark in cells.items():
        by_row.setdefault(row, {})[column] = FILLS[mark.severity]
    # The sheet is handled as head (up to <sheetData>), rows, and tail (from </sheetData>): only the rows
    # of marked cells are rebuilt, and the big middle is never copied more than once.
    head, rows, tail = fill_cells(xml, prefix, by_row, formats)
    del xml
    tail = notes.add(part, root.group(0), prefix, tail, {key: _comment_text(mark) for key, mark in cells.items()})
    book.put(part, "".join([head, *rows, tail]).encode("utf-8"))


_EXTENSIONS = {"application/vnd.ms-excel.sheet.macroEnabled.main+xml": ".xlsm",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": ".xltx",
               "application/vnd.ms-excel.template.macroEnabled.main+xml": ".xltm"}


def _extension(data: bytes, kind: str) -> str:
    """The file extension Excel requires for the package: it refuses a macro workbook named .xlsx (and an
    ordinary one named .xlsm), so it follows the main part's content type."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read(package.CONTENT_TYPES).decode("utf-8")
        main = package.main_part(archive)
    for tag in re.findall(r"<Override\b[^>]*>", types):
        values = package.attrs(tag)
        if values.get("PartName", "").lstrip("/") == main:
            return _EXTENSIONS.get(values.get("ContentType", ""), ".xlsx")
    return f".{kind}"


__all__ = ["mark_cells", "mark_workbook"]
