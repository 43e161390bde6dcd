"""A marked copy of the user's workbook: offending cells filled and commented, plus an Issues sheet.

`omxl validate BOOK --mark OUT.xlsx` writes OUT.xlsx; BOOK is never modified. Like write_back this works
on the package, as text (see writeback.py for why): the marked worksheets get a cell style swapped on the
marked cells (absent cells are inserted), a note (legacy comment) per marked cell goes into the sheet's
comments part and VML drawing (created, or extended when the sheet already has notes), and the fills and
cloned cell formats are appended to styles.xml. Every other zip member is copied byte for byte.

Each marked cell keeps its own look: its cell format is cloned with only the fill swapped (errors light
red, warnings light yellow), so number formats, fonts and borders stay. Identical formats already in the
file are reused, so marking a marked copy again does not grow styles.xml. A cell that already carries a
note keeps it: it is filled, but gets no second note.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import Config, load_config
from ..errors import SourceError
from ..findings import column_letter
from . import package, styles as styles_module, writeback
from .atomic import atomic_save, verify_xlsx
from .safety import xml_escape
from .sheetxml import ResultSheet, as_result
from .sniff import XLSM, XLSX, sniff
from .writeback import WriteBackError

FILLS = {"error": "FFFFC7CE", "warning": "FFFFEB9C"}
SEVERITY_RANK = {"warning": 1, "error": 2}
AUTHOR = "omxl"
ISSUES_SHEET = "Issues"
MAX_COMMENT = 1000
MAX_ROW, MAX_COLUMN = 1_048_576, 16_384

COMMENTS_TYPE = package.REL_NS + "/comments"
VML_TYPE = package.REL_NS + "/vmlDrawing"
WORKSHEET_TYPE = writeback.WORKSHEET_TYPE
COMMENTS_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_CONTENT = "application/vnd.openxmlformats-officedocument.vmlDrawing"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# CT_Worksheet children that come after <legacyDrawing> (searched after the last conditional format,
# whose rules may hold an extLst of their own); mc:AlternateContent wraps oleObjects and controls.
_LEGACY_DRAWING_FOLLOWERS = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                             "webPublishItems", "tableParts", "extLst")
_CELL_REF = re.compile(r"\$?([A-Z]{1,3})\$?([1-9][0-9]{0,6})")
_R_ATTR = re.compile(r'(?<=\s)r="([0-9]+)"')
_CELL_R_ATTR = re.compile(r'(?<=\s)r="([A-Z]{1,3})([0-9]+)"')
_S_ATTR = re.compile(r'(?<=\s)s="([0-9]*)"')
_SHAPE_ID = re.compile(r"_x0000_s([0-9]+)")
_IDMAP = re.compile(r'(<o:idmap\b[^>]*?\bdata=")([^"]*)(")')


@dataclass
class _Mark:
    severity: str
    messages: list[str] = field(default_factory=list)


# --- public functions ------------------------------------------------------------------------------

def mark_workbook(source: str | os.PathLike, out: str | os.PathLike, marks: pd.DataFrame,
                  issues: "ResultSheet | pd.DataFrame", config: "Config | dict | str | Path | None" = None) -> Path:
    """Read `source` (an .xlsx/.xlsm; never modified), mark its cells, add the issues sheet (named with the
    configured sheet_prefix + 'Issues') and save the result to `out` (atomic save, checked before it is
    moved into place). `out` must be another file than `source`."""
    source_path, target = Path(source), Path(out)
    if _same_file(source_path, target):
        raise WriteBackError(
            f"{target.name}: the marked copy would replace the workbook it marks, and omxl never changes the "
            "workbook it checks. Choose another file name for the marked copy, or use --write-back to add the "
            "Issues sheet to the workbook itself.")
    settings = load_config(config, near=source_path)
    if not source_path.exists():
        raise SourceError(str(source_path), "file not found.", "Check the path of the workbook to mark.")
    data = source_path.read_bytes()
    kind = sniff(data, source_path.name)
    if kind not in (XLSX, XLSM):
        raise WriteBackError(f"{source_path.name}: omxl marks cells in .xlsx and .xlsm workbooks only, and this "
                             f"is a {kind} file. Save it as .xlsx in Excel and run again; the Issues list is "
                             "still available without --mark.")
    extension = _extension(data, kind)
    if target.suffix.lower() != extension:
        raise WriteBackError(f"{target.name}: the marked copy of {source_path.name} is an {extension} workbook, "
                             f"and Excel opens it only under a name ending in {extension}. Name it "
                             f"{target.stem}{extension}.")
    name = writeback.sheet_name(settings.sheet_prefix, ISSUES_SHEET)
    named = {name: as_result(issues)}
    marked, marked_members = mark_cells(data, marks, source_path.name)
    merged, merged_members = writeback.merge_result_sheets(marked, named, source_path.name)
    written = marked_members | merged_members

    def verify(temp: Path) -> None:
        verify_xlsx(temp, check_members=written)
        _verify_sheets(temp, named)

    with atomic_save(target, verify=verify) as temp:
        temp.write_bytes(merged)
    return target


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
        workbook_rels_path = package.rels_path(workbook_path)
        workbook = source.read(workbook_path).decode("utf-8")
        workbook_rels = source.read(workbook_rels_path).decode("utf-8")
        rel_types = {rel.get("Id"): rel.get("Type", "") for rel in package.relationships(workbook_rels)}
        owned = package.owned_indexes(workbook)
        parts: dict[str, tuple[str, str]] = {}  # casefolded sheet name -> (sheet name, worksheet part)
        for entry in package.sheets(workbook):
            part = package.target_of_id(workbook_rels, entry.rel_id, workbook_path)
            if (entry.index not in owned and rel_types.get(entry.rel_id) == WORKSHEET_TYPE and part in members):
                parts.setdefault(entry.name, (entry.name, part))
                parts.setdefault(entry.name.casefold(), (entry.name, part))
        jobs = []
        for sheet, cells in wanted.items():
            found = parts.get(sheet) or parts.get(sheet.casefold())
            if found is not None:
                jobs.append((found[1], cells))
        if not jobs:
            return data, set()
        styles_path = package.target_of_type(workbook_rels, writeback.STYLES_TYPE, workbook_path)
        if styles_path is None or styles_path not in members:
            raise WriteBackError(f"{label}: the workbook has no styles part, which every Excel file has. Open it in "
                                 "Excel and save it again, then run omxl again.")
        cloner = _StyleCloner(source.read(styles_path).decode("utf-8"), label)
        book = _Package(source, members)
        for part, cells in _merge_jobs(jobs).items():
            _mark_sheet(book, part, cells, cloner)
        book.rewritten[styles_path] = cloner.styles.encode("utf-8")
        book.rewritten["[Content_Types].xml"] = book.types.encode("utf-8")
        result = _write_zip(source, book.rewritten, book.added)
        return result, set(book.rewritten) | set(book.added)


# --- thin wrappers over writeback / styles helpers (see the module's report) -------------------------

def _write_zip(source: zipfile.ZipFile, rewritten: dict[str, bytes], added: dict[str, bytes]) -> bytes:
    """writeback's zip writer: every member not rewritten is copied as stored (writeback._copy_member)."""
    return writeback._write_zip(source, rewritten, added, set())


def _append_unique(styles: str, list_tag: str, item_tag: str, item: str) -> tuple[str, int]:
    return styles_module._append_unique(styles, list_tag, item_tag, item)


def _verify_sheets(path: Path, sheets: dict[str, ResultSheet]) -> None:
    writeback._verify_sheets(path, sheets)


def _free_rel_id(rels: str) -> str:
    return writeback._free_rel_id(rels)


# --- the marks ------------------------------------------------------------------------------------

def _collect(marks: pd.DataFrame) -> dict[str, dict[tuple[int, int], _Mark]]:
    """{sheet: {(row, column) 1-based: _Mark}} for the error and warning rows of `marks`."""
    if marks is None or len(marks) == 0:
        return {}
    missing = {"sheet", "cell", "severity", "message"} - set(marks.columns)
    if missing:
        raise ValueError(f"marks needs the columns sheet, cell, severity, message (missing: {sorted(missing)})")
    frame = pd.DataFrame({
        "sheet": marks["sheet"].astype("string").fillna(""),
        "cell": marks["cell"].astype("string").fillna("").str.strip().str.upper(),
        "severity": marks["severity"].astype("string").fillna("").str.strip().str.lower(),
        "message": marks["message"].astype("string").fillna(""),
    })
    frame = frame[frame["severity"].isin(list(FILLS)) & (frame["sheet"] != "")]
    parts = frame["cell"].str.extract(rf"^{_CELL_REF.pattern}$")
    frame = frame.assign(letters=parts[0], row=pd.to_numeric(parts[1], errors="coerce")).dropna(
        subset=["letters", "row"])
    wanted: dict[str, dict[tuple[int, int], _Mark]] = {}
    letters_cache: dict[str, int] = {}
    for sheet, letters, row, severity, message in zip(frame["sheet"], frame["letters"], frame["row"],
                                                      frame["severity"], frame["message"]):
        column = letters_cache.get(letters)
        if column is None:
            column = letters_cache[letters] = _column_number(letters)
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


def _merge_jobs(jobs: list[tuple[str, dict[tuple[int, int], _Mark]]]) -> dict[str, dict[tuple[int, int], _Mark]]:
    """Marks given under two spellings of one sheet name go to the same part."""
    merged: dict[str, dict[tuple[int, int], _Mark]] = {}
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


def _column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def _comment_text(mark: _Mark) -> str:
    """The note's text after omxl's bold 'omxl:' line: the findings, one a line, cut to MAX_COMMENT."""
    text = "\n".join(mark.messages) or mark.severity
    return text if len(text) <= MAX_COMMENT else text[:MAX_COMMENT - 1] + "\u2026"


# --- styles ---------------------------------------------------------------------------------------

class _StyleCloner:
    """Cell formats of marked cells: the original <xf> of cellXfs with the fill swapped, appended once."""

    def __init__(self, styles: str, label: str):
        self.styles = styles
        block = re.search(r"<cellXfs\b[^>]*?(?:/>|>(.*?)</cellXfs>)", styles, flags=re.S)
        if block is None:
            raise WriteBackError(f"{label}: the workbook's styles part has no list of cell formats. Open it in "
                                 "Excel and save it again, then run omxl again.")
        self.xfs = re.findall(r"<xf\b[^>]*?/>|<xf\b[^>]*?>.*?</xf>", block.group(1) or "", flags=re.S)
        self.fills: dict[str, int] = {}
        self.cache: dict[tuple[int, str], int] = {}

    def style(self, original: int, severity: str) -> int:
        key = (original, severity)
        found = self.cache.get(key)
        if found is not None:
            return found
        fill = self.fills.get(severity)
        if fill is None:
            fill_xml = (f'<fill><patternFill patternType="solid"><fgColor rgb="{FILLS[severity]}"/>'
                        '<bgColor indexed="64"/></patternFill></fill>')
            self.styles, fill = _append_unique(self.styles, "fills", "fill", fill_xml)
            self.fills[severity] = fill
        xf = self.xfs[original] if 0 <= original < len(self.xfs) else (
            self.xfs[0] if self.xfs else '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>')
        self.styles, index = _append_unique(self.styles, "cellXfs", "xf", _with_fill(xf, fill))
        self.cache[key] = index
        return index


def _with_fill(xf: str, fill: int) -> str:
    opening = re.match(r"<xf\b[^>]*?(?=/?>)", xf).group(0)
    tag = _set_attribute(opening, "fillId", str(fill))
    tag = _set_attribute(tag, "applyFill", "1")
    return tag + xf[len(opening):]


def _set_attribute(tag: str, name: str, value: str) -> str:
    pattern = re.compile(rf'(?<=\s){name}="[^"]*"')
    if pattern.search(tag):
        return pattern.sub(f'{name}="{value}"', tag, count=1)
    return f'{tag} {name}="{value}"'


# --- the package being edited ---------------------------------------------------------------------

class _Package:
    """The source package and the members written anew so far."""

    def __init__(self, source: zipfile.ZipFile, members: set[str]):
        self.source = source
        self.members = members
        self.rewritten: dict[str, bytes] = {}
        self.added: dict[str, bytes] = {}
        self.types = source.read("[Content_Types].xml").decode("utf-8")
        self._vml_blocks: set[int] | None = None

    def read(self, name: str) -> bytes:
        if name in self.rewritten:
            return self.rewritten[name]
        if name in self.added:
            return self.added[name]
        return self.source.read(name)

    def exists(self, name: str) -> bool:
        return name in self.members or name in self.added

    def put(self, name: str, data: bytes) -> None:
        if name in self.members:
            self.rewritten[name] = data
        else:
            self.added[name] = data

    def free_name(self, folder: str, stem: str, suffix: str) -> str:
        taken = {n.casefold() for n in self.members | set(self.added)}
        n = 1
        while f"{folder}/{stem}{n}{suffix}".casefold() in taken:
            n += 1
        return f"{folder}/{stem}{n}{suffix}"

    def used_vml_blocks(self) -> set[int]:
        """Shape-id blocks (of 1024) used by any VML drawing: a new drawing takes fresh ones."""
        if self._vml_blocks is None:
            blocks: set[int] = set()
            for name in self.members:
                if name.lower().endswith(".vml"):
                    text = self.source.read(name).decode("latin-1")
                    blocks |= _idmap_blocks(text)
                    blocks |= {int(i) // 1024 for i in _SHAPE_ID.findall(text)}
            self._vml_blocks = blocks
        return self._vml_blocks

    def add_override(self, part: str, content_type: str) -> None:
        if f'PartName="/{part}"' not in self.types:
            self.types = self.types.replace("</Types>", f'<Override PartName="/{part}" ContentType="{content_type}"/>'
                                                        "</Types>", 1)

    def add_default(self, extension: str, content_type: str) -> None:
        if not re.search(rf'<Default\b[^>]*\bExtension="{extension}"', self.types, flags=re.I):
            self.types = re.sub(r"(<Types\b[^>]*>)", rf'\1<Default Extension="{extension}" '
                                                     f'ContentType="{content_type}"/>', self.types, count=1)


# --- one worksheet --------------------------------------------------------------------------------

def _mark_sheet(book: _Package, part: str, cells: dict[tuple[int, int], _Mark], cloner: _StyleCloner) -> None:
    xml = book.read(part).decode("utf-8")
    root = re.search(r"<(\w+:)?worksheet\b[^>]*>", xml)
    if root is None:
        return
    prefix = root.group(1) or ""
    by_row: dict[int, dict[int, str]] = {}
    for (row, column), mark in cells.items():
        by_row.setdefault(row, {})[column] = mark.severity
    # The sheet is handled as head (up to <sheetData>), rows, and tail (from </sheetData>): only the rows
    # of marked cells are rebuilt, and the big middle is never copied more than once.
    head, rows, tail = _fill_cells(xml, prefix, by_row, cloner)
    del xml

    rels_path = package.rels_path(part)
    rels = book.read(rels_path).decode("utf-8") if book.exists(rels_path) else (
        f'{XML_DECLARATION}<Relationships xmlns="{RELS_NS}"></Relationships>')
    rels_changed = False
    comments_part = package.target_of_type(rels, COMMENTS_TYPE, part)
    if comments_part is not None and not book.exists(comments_part):
        comments_part = None
    existing_comments = book.read(comments_part).decode("utf-8") if comments_part else None
    commented = _commented_cells(existing_comments) if existing_comments else set()
    notes = {key: mark for key, mark in sorted(cells.items()) if key not in commented}
    if notes:
        if comments_part is None:
            comments_part = book.free_name("xl", "comments", ".xml")
            rel_id = _free_rel_id(rels)
            rels = _add_relationship(rels, rel_id, COMMENTS_TYPE, _relative_target(comments_part, part))
            rels_changed = True
            book.add_override(comments_part, COMMENTS_CONTENT)
        book.put(comments_part, _comments_xml(existing_comments, notes).encode("utf-8"))

        legacy = re.compile(rf"<{prefix}legacyDrawing\b[^>]*>").search(tail)
        vml_part = None
        if legacy is not None:
            rel_id = next((v for k, v in package.attrs(legacy.group(0)).items() if k.endswith(":id")), "")
            vml_part = package.target_of_id(rels, rel_id, part)
            if vml_part is not None and not book.exists(vml_part):
                vml_part = None
        if vml_part is not None:
            vml = book.read(vml_part).decode("latin-1")
            book.put(vml_part, _extend_vml(vml, notes, book).encode("latin-1"))
        else:
            vml_part = book.free_name("xl/drawings", "vmlDrawing", ".vml")
            rel_id = _free_rel_id(rels)
            rels = _add_relationship(rels, rel_id, VML_TYPE, _relative_target(vml_part, part))
            rels_changed = True
            book.add_default("vml", VML_CONTENT)
            book.put(vml_part, _new_vml(notes, book).encode("latin-1"))
            tag = _legacy_drawing_tag(root.group(0), prefix, rel_id)
            if legacy is not None:  # a legacyDrawing pointing nowhere: point it at the new drawing
                tail = tail[:legacy.start()] + tag + tail[legacy.end():]
            else:
                tail = _insert_legacy_drawing(tail, prefix, tag)
    book.put(part, "".join([head, *rows, tail]).encode("utf-8"))
    if rels_changed:
        book.put(rels_path, rels.encode("utf-8"))


def _fill_cells(xml: str, prefix: str, by_row: dict[int, dict[int, str]],
                cloner: _StyleCloner) -> tuple[str, list[str], str]:
    """Swap the style of each target cell, inserting absent cells and rows, in one pass over the row tags.

    Returns (head up to and with <sheetData>, the rows as pieces, tail from </sheetData>). Only the rows
    holding marked cells are parsed; the text between them is passed on as slices."""
    opening = re.compile(rf"<{prefix}sheetData\b[^>]*?(/?)>").search(xml)
    if opening is None:
        return xml, [], ""
    column_styles = _column_styles(xml[:opening.start()], prefix)
    bounds = _Bounds()
    new_row = _RowWriter(prefix, column_styles, cloner, bounds)
    pending = sorted(by_row)
    if opening.group(1):  # <sheetData/>
        head = xml[:opening.start()] + f"<{prefix}sheetData>"
        rows = [new_row.absent(row, by_row[row]) for row in pending]
        return _extend_dimension(head, prefix, bounds), rows, f"</{prefix}sheetData>" + xml[opening.end():]
    end = xml.rfind(f"</{prefix}sheetData>")
    close_row = f"</{prefix}row>"
    pieces: list[str] = []
    last = opening.end()
    previous = 0
    next_pending = 0
    row_start = re.compile(rf"<{prefix}row\b(?: r=\"([0-9]+)\")?([^>]*)>")
    for match in row_start.finditer(xml, opening.end(), end):
        number = match.group(1)
        if number is not None:
            row = int(number)
        else:
            found = _R_ATTR.search(" " + match.group(2))
            row = int(found.group(1)) if found else previous + 1
        previous = row
        if next_pending == len(pending):
            break
        if row < pending[next_pending]:
            continue
        pieces.append(xml[last:match.start()])
        last = match.start()
        while next_pending < len(pending) and pending[next_pending] < row:
            pieces.append(new_row.absent(pending[next_pending], by_row[pending[next_pending]]))
            next_pending += 1
        if next_pending < len(pending) and pending[next_pending] == row:
            targets = by_row[row]
            next_pending += 1
            if match.group(2).endswith("/"):
                row_end = match.end()
                start_tag = match.group(0)[:-2].rstrip() + ">"
                body = ""
            else:
                body_end = xml.find(close_row, match.end(), end)
                if body_end < 0:
                    continue
                row_end = body_end + len(close_row)
                start_tag = match.group(0)
                body = xml[match.end():body_end]
            pieces.append(new_row.existing(row, start_tag, body, targets))
            last = row_end
    pieces.append(xml[last:end])
    pieces.extend(new_row.absent(row, by_row[row]) for row in pending[next_pending:])
    return _extend_dimension(xml[:opening.end()], prefix, bounds), pieces, xml[end:]


@dataclass
class _Bounds:
    """The area of the cells inserted (to widen <dimension> when they fall outside it)."""
    rows: list[int] = field(default_factory=list)
    columns: list[int] = field(default_factory=list)

    def add(self, row: int, column: int) -> None:
        self.rows.append(row)
        self.columns.append(column)


class _RowWriter:
    def __init__(self, prefix: str, column_styles: list[tuple[int, int, int]], cloner: _StyleCloner,
                 bounds: _Bounds):
        self.prefix = prefix
        self.column_styles = column_styles
        self.cloner = cloner
        self.bounds = bounds
        self.cell = re.compile(rf"<{prefix}c(?=[\s/>])([^>]*?)(/>|>.*?</{prefix}c>)", re.S)

    def absent(self, row: int, targets: dict[int, str]) -> str:
        cells = "".join(self._new_cell(row, column, targets[column], None) for column in sorted(targets))
        return f'<{self.prefix}row r="{row}">{cells}</{self.prefix}row>'

    def existing(self, row: int, start_tag: str, body: str, targets: dict[int, str]) -> str:
        row_style = None
        if re.search(r'(?<=\s)customFormat="(1|true)"', start_tag):
            found = _S_ATTR.search(start_tag)
            row_style = int(found.group(1)) if found and found.group(1) else None
        wanted = sorted(targets)
        index = 0
        pieces: list[str] = []
        last = 0
        column = 0
        cells_end = 0
        inserted: list[int] = []
        for match in self.cell.finditer(body):
            cells_end = match.end()
            found = _CELL_R_ATTR.search(match.group(1))
            column = _column_number(found.group(1)) if found else column + 1
            while index < len(wanted) and wanted[index] < column:
                pieces.append(body[last:match.start()])
                last = match.start()
                pieces.append(self._new_cell(row, wanted[index], targets[wanted[index]], row_style))
                inserted.append(wanted[index])
                index += 1
            if index < len(wanted) and wanted[index] == column:
                pieces.append(body[last:match.start()])
                pieces.append(self._restyle(match, targets[column]))
                last = match.end()
                index += 1
        if index < len(wanted):
            position = max(last, cells_end)  # after the last cell: before a row's <extLst>, if any
            pieces.append(body[last:position])
            last = position
            for col in wanted[index:]:
                pieces.append(self._new_cell(row, col, targets[col], row_style))
                inserted.append(col)
        pieces.append(body[last:])
        if inserted:
            start_tag = _widen_spans(start_tag, min(inserted), max(inserted))
        return start_tag + "".join(pieces) + f"</{self.prefix}row>"

    def _restyle(self, match: re.Match, severity: str) -> str:
        attributes = match.group(1)
        found = _S_ATTR.search(attributes)
        original = int(found.group(1)) if found and found.group(1) else 0
        style = self.cloner.style(original, severity)
        if found:
            attributes = attributes[:found.start()] + f's="{style}"' + attributes[found.end():]
        else:
            attributes = attributes.rstrip() + f' s="{style}"'
        return f"<{self.prefix}c{attributes}{match.group(2)}"

    def _new_cell(self, row: int, column: int, severity: str, row_style: int | None) -> str:
        original = row_style if row_style is not None else self._column_style(column)
        self.bounds.add(row, column)
        return f'<{self.prefix}c r="{column_letter(column - 1)}{row}" s="{self.cloner.style(original, severity)}"/>'

    def _column_style(self, column: int) -> int:
        for low, high, style in self.column_styles:
            if low <= column <= high:
                return style
        return 0


def _column_styles(head: str, prefix: str) -> list[tuple[int, int, int]]:
    """(min, max, style) of each <col> with a style: an absent cell takes its column's format."""
    result = []
    for tag in re.findall(rf"<{prefix}col\b[^>]*>", head):
        values = package.attrs(tag)
        if values.get("style", "0").isdigit() and values.get("min", "").isdigit() and values.get("max", "").isdigit():
            result.append((int(values["min"]), int(values["max"]), int(values.get("style", "0"))))
    return result


def _widen_spans(start_tag: str, low: int, high: int) -> str:
    found = re.search(r'(?<=\s)spans="([0-9]+):([0-9]+)"', start_tag)
    if not found:
        return start_tag
    first, last = int(found.group(1)), int(found.group(2))
    if low >= first and high <= last:
        return start_tag
    return start_tag[:found.start()] + f'spans="{min(first, low)}:{max(last, high)}"' + start_tag[found.end():]


def _extend_dimension(xml: str, prefix: str, bounds: _Bounds) -> str:
    if not bounds.rows:
        return xml
    found = re.compile(rf'<{prefix}dimension\b[^>]*?\bref="([^"]*)"').search(xml)
    if not found:
        return xml
    corners = [_CELL_REF.fullmatch(c) for c in found.group(1).upper().split(":")]
    if not all(corners):
        return xml
    rows = [int(c.group(2)) for c in corners] + [min(bounds.rows), max(bounds.rows)]
    columns = [_column_number(c.group(1)) for c in corners] + [min(bounds.columns), max(bounds.columns)]
    top_left = f"{column_letter(min(columns) - 1)}{min(rows)}"
    bottom_right = f"{column_letter(max(columns) - 1)}{max(rows)}"
    ref = top_left if top_left == bottom_right else f"{top_left}:{bottom_right}"
    return xml[:found.start(1)] + ref + xml[found.end(1):]


# --- legacyDrawing in the worksheet ---------------------------------------------------------------

def _legacy_drawing_tag(root_tag: str, prefix: str, rel_id: str) -> str:
    found = re.search(rf'xmlns:(\w+)="{re.escape(package.REL_NS)}"', root_tag)
    if found:
        return f'<{prefix}legacyDrawing {found.group(1)}:id="{rel_id}"/>'
    return f'<{prefix}legacyDrawing xmlns:r="{package.REL_NS}" r:id="{rel_id}"/>'


def _insert_legacy_drawing(tail: str, prefix: str, tag: str) -> str:
    """<legacyDrawing> goes before the first element the schema puts after it, else before </worksheet>.
    `tail` is the sheet from </sheetData> on; the search starts after the last conditional format, whose
    rules may hold an extLst of their own."""
    start = max(tail.rfind(f"</{prefix}conditionalFormatting>"), 0)
    names = "|".join(_LEGACY_DRAWING_FOLLOWERS)
    follower = re.compile(rf"<(?:{prefix}(?:{names})|\w+:AlternateContent)(?=[\s/>])|</{prefix}worksheet>")
    found = follower.search(tail, start)
    at = found.start() if found else len(tail)
    return tail[:at] + tag + tail[at:]


# --- comments part --------------------------------------------------------------------------------

def _commented_cells(comments: str) -> set[tuple[int, int]]:
    found = set()
    for ref in re.findall(r'<(?:\w+:)?comment\b[^>]*?\bref="([^"]+)"', comments):
        cell = _CELL_REF.fullmatch(ref.upper())
        if cell:
            found.add((int(cell.group(2)), _column_number(cell.group(1))))
    return found


_RUN_PROPERTIES = '<sz val="9"/><color indexed="81"/><rFont val="Tahoma"/><family val="2"/>'


def _comment_xml(prefix: str, row: int, column: int, author: int, mark: _Mark) -> str:
    p = prefix
    return (f'<{p}comment ref="{column_letter(column - 1)}{row}" authorId="{author}"><{p}text>'
            f"<{p}r><{p}rPr><{p}b/>{_prefixed(_RUN_PROPERTIES, p)}</{p}rPr><{p}t>{AUTHOR}:</{p}t></{p}r>"
            f"<{p}r><{p}rPr>{_prefixed(_RUN_PROPERTIES, p)}</{p}rPr><{p}t xml:space=\"preserve\">\n"
            f"{xml_escape(_comment_text(mark))}</{p}t></{p}r></{p}text></{p}comment>")


def _prefixed(xml: str, prefix: str) -> str:
    return xml.replace("<", f"<{prefix}") if prefix else xml


def _comments_xml(existing: str | None, notes: dict[tuple[int, int], _Mark]) -> str:
    if existing is None:
        body = "".join(_comment_xml("", row, column, 0, mark) for (row, column), mark in notes.items())
        return (f'{XML_DECLARATION}<comments xmlns="{MAIN_NS}"><authors><author>{AUTHOR}</author></authors>'
                f"<commentList>{body}</commentList></comments>")
    root = re.search(r"<(\w+:)?comments\b", existing)
    p = (root.group(1) or "") if root else ""
    authors = re.search(rf"<{p}authors\b[^>]*?(?:/>|>(.*?)</{p}authors>)", existing, flags=re.S)
    names = re.findall(rf"<{p}author\b[^>]*?(?:/>|>(.*?)</{p}author>)", authors.group(1) or "", flags=re.S) \
        if authors else []
    if AUTHOR in names:
        author = names.index(AUTHOR)
    else:
        author = len(names)
        entry = f"<{p}author>{AUTHOR}</{p}author>"
        if authors is None:
            existing = re.sub(rf"(<{p}comments\b[^>]*>)", rf"\1<{p}authors>{entry}</{p}authors>", existing, count=1)
        elif authors.group(0).endswith("/>"):
            existing = existing[:authors.start()] + f"<{p}authors>{entry}</{p}authors>" + existing[authors.end():]
        else:
            close = authors.end() - len(f"</{p}authors>")
            existing = existing[:close] + entry + existing[close:]
    body = "".join(_comment_xml(p, row, column, author, mark) for (row, column), mark in notes.items())
    if f"</{p}commentList>" in existing:
        return existing.replace(f"</{p}commentList>", body + f"</{p}commentList>", 1)
    empty = re.search(rf"<{p}commentList\s*/>", existing)
    if empty:
        return existing[:empty.start()] + f"<{p}commentList>{body}</{p}commentList>" + existing[empty.end():]
    return existing.replace(f"</{p}comments>", f"<{p}commentList>{body}</{p}commentList></{p}comments>", 1)


# --- VML drawing (where Excel keeps each note's box) ----------------------------------------------

_SHAPE_TYPE = ('<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
               'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
               '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')


def _idmap_blocks(vml: str) -> set[int]:
    blocks = set()
    for _, data, _ in _IDMAP.findall(vml):
        blocks |= {int(b) for b in re.findall(r"[0-9]+", data)}
    return blocks


class _ShapeIds:
    """Shape ids for new notes: ids live in blocks of 1024 that each drawing lists in its o:idmap, and no two
    drawings of a workbook share a block."""

    def __init__(self, own: list[int], start: int, used: set[int]):
        self.own = sorted(own)
        self.used = used
        self.next = start

    def take(self) -> int:
        while True:
            block, offset = divmod(self.next, 1024)
            if block in self.own and offset > 0:
                self.next += 1
                return self.next - 1
            later = [b for b in self.own if b > block]
            if later:
                self.next = later[0] * 1024 + 1
                continue
            fresh = max(self.used | {0}) + 1
            self.used.add(fresh)
            self.own.append(fresh)
            self.next = fresh * 1024 + 1


def _shapes(notes: dict[tuple[int, int], _Mark], ids: _ShapeIds, z_start: int) -> str:
    shapes = []
    for z, ((row, column), mark) in enumerate(notes.items(), start=z_start):
        text = _comment_text(mark)
        lines = text.count("\n") + 2 + sum(len(line) // 40 for line in text.split("\n"))
        height = max(4, min(lines, 20))
        top = max(row - 2, 0)
        left = column
        anchor = f"{left}, 15, {top}, 10, {left + 3}, 15, {top + height}, 4"
        shapes.append(
            f'<v:shape id="_x0000_s{ids.take()}" type="#_x0000_t202" style="position:absolute;'
            f"margin-left:{left * 48 + 11.25:g}pt;margin-top:{top * 15 + 1.5:g}pt;width:144pt;"
            f'height:{height * 15:g}pt;z-index:{z};visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
            '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{row - 1}</x:Row><x:Column>{column - 1}</x:Column></x:ClientData></v:shape>")
    return "".join(shapes)


def _new_vml(notes: dict[tuple[int, int], _Mark], book: _Package) -> str:
    used = book.used_vml_blocks()
    block = max(used | {0}) + 1
    used.add(block)
    ids = _ShapeIds([block], block * 1024 + 1, used)
    shapes = _shapes(notes, ids, 1)
    data = ",".join(str(b) for b in ids.own)
    return ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
            f'<o:idmap v:ext="edit" data="{data}"/></o:shapelayout>{_SHAPE_TYPE}{shapes}</xml>')


def _extend_vml(vml: str, notes: dict[tuple[int, int], _Mark], book: _Package) -> str:
    own = sorted(_idmap_blocks(vml))
    existing_ids = [int(i) for i in _SHAPE_ID.findall(vml)]
    used = book.used_vml_blocks()
    if not own:
        own = sorted({i // 1024 for i in existing_ids}) or [max(used | {0}) + 1]
        used.update(own)
    start = max(existing_ids + [own[0] * 1024]) + 1
    ids = _ShapeIds(own, start, used)
    z_values = [int(z) for z in re.findall(r"z-index:\s*([0-9]+)", vml)]
    shapes = _shapes(notes, ids, max(z_values + [0]) + 1)
    if 'id="_x0000_t202"' not in vml:
        shapes = _SHAPE_TYPE + shapes
    data = ",".join(str(b) for b in ids.own)
    if _IDMAP.search(vml):
        vml = _IDMAP.sub(lambda m: m.group(1) + data + m.group(3), vml, count=1)
    close = vml.rfind("</xml>")
    if close < 0:
        return vml + shapes
    return vml[:close] + shapes + vml[close:]


# --- relationships --------------------------------------------------------------------------------

def _add_relationship(rels: str, rel_id: str, rel_type: str, target: str) -> str:
    entry = f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{xml_escape(target)}"/>'
    if "</Relationships>" in rels:
        return rels.replace("</Relationships>", entry + "</Relationships>", 1)
    return re.sub(r"<Relationships\b([^>]*?)\s*/>", lambda m: f"<Relationships{m.group(1)}>{entry}</Relationships>",
                  rels, count=1)


def _relative_target(part: str, base_part: str) -> str:
    """A relationship target for `part` relative to `base_part`'s folder, as Excel writes it (../x.xml)."""
    return posixpath.relpath(part, base_part.rpartition("/")[0] or ".")


_EXTENSIONS = {"application/vnd.ms-excel.sheet.macroEnabled.main+xml": ".xlsm",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": ".xltx",
               "application/vnd.ms-excel.template.macroEnabled.main+xml": ".xltm"}


def _extension(data: bytes, kind: str) -> str:
    """The file extension Excel requires for the package: it refuses a macro workbook named .xlsx (and an
    ordinary one named .xlsm), so it follows the main part's content type."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml").decode("utf-8")
        main = package.main_part(archive)
    for tag in re.findall(r"<Override\b[^>]*>", types):
        values = package.attrs(tag)
        if values.get("PartName", "").lstrip("/") == main:
            return _EXTENSIONS.get(values.get("ContentType", ""), ".xlsx")
    return f".{kind}"


def _same_file(source: Path, target: Path) -> bool:
    if source.resolve() == target.resolve():
        return True
    try:
        return source.exists() and target.exists() and os.path.samefile(source, target)
    except OSError:
        return False


__all__ = ["mark_cells", "mark_workbook"]
