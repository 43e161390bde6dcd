"""write_back: add or replace omxl's result sheets inside the user's own .xlsx/.xlsm.

Re-saving a workbook with a spreadsheet library drops what the library does not
model (shapes, Excel 2010+ extensions, pivot caches, cached values). So this works
on the package itself: it writes the new sheet parts, adds their relationships and
content types, appends the few cell styles they need to styles.xml, and edits
workbook.xml's sheet list and defined names as text. Every other zip member is
copied unchanged. omxl marks the sheets it owns with a hidden sheet-scoped defined
name `_omxl_result`, so it replaces only its own sheets, in place, never growing
the file or leaving orphan parts; a user's sheet of the same name is never touched.
"""

from __future__ import annotations

import copy
import io
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, BinaryIO, Callable, Iterable, Mapping
from xml.sax.saxutils import escape, unescape

import pandas as pd
import python_calamine as calamine
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from ...config import DIFFERENT_PREFIX_LINE, Config, load_config
from ...errors import OmxlError, SourceError
from ..deflate import deflate_with, open_member
from ..read.guards import check_zip
from ..read.sniff import XLSM, XLSX, ZIP_MAGIC, sniff
from ..safety import xml_text
from ..save.atomic import WriteError, atomic_save, verify_xlsx
from . import package
from .freesheet import FreeSheet
from .sheetxml import ResultSheet, as_result, filter_range, required_styles
from .styles import merge_styles

if TYPE_CHECKING:
    from ...book import Book

OWNER_NAME = package.OWNER_NAME
FILTER_NAME = "_xlnm._FilterDatabase"
WORKSHEET_TYPE = package.REL_NS + "/worksheet"
STYLES_TYPE = package.REL_NS + "/styles"
WORKSHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class WriteBackError(OmxlError):
    """The workbook cannot take omxl's sheets; the message says why and what to do. Nothing was changed."""


def write_back(path: str | os.PathLike, sheets: Mapping[str, "pd.DataFrame | ResultSheet"], *, backup: bool = True,
               config: "Config | dict | str | Path | None" = None, entry_lists: "Book | None" = None) -> Path:
    """Add or replace omxl's result sheets in an existing .xlsx/.xlsm, leaving every other part as it was.

    Sheet names get the configured `sheet_prefix` ("omxl " by default). The original is kept as a
    timestamped backup in omxl-backups/ beside it (the last 5). See docs/safe-output.md. `entry_lists`: the
    book read from `path`, whose entry sheets also get entry lists in the same save (docs/excel.md, Entry lists).
    """
    target = Path(path)
    settings = load_config(config, near=target)
    data, _ = read_workbook(target, "write_back adds sheets to an existing workbook.", "writes results into",
                            "Save it as .xlsx in Excel, or write the results to a new file with --out.",
                            guard=settings)
    named = {sheet_name(settings.sheet_prefix, name): as_result(frame) for name, frame in sheets.items()}
    named = with_links_renamed(named, {name: sheet_name(settings.sheet_prefix, name) for name in sheets})
    merged, written = merge_result_sheets(data, named, target.name)
    if entry_lists is not None:
        merged, listed = with_entry_lists(merged, entry_lists)
        written |= listed
    return save_verified(target, merged, named, written, backup=backup)


def with_entry_lists(data: bytes, book: "Book") -> tuple[bytes, set[str]]:
    """The package `data` (the workbook `book` was read from, perhaps with omxl's sheets added) with entry lists
    (omxl/io/xlsx/entry_lists.py), and the members written anew; `data` itself when there was nothing to add."""
    from . import entry_lists as entry_list_rules   # only for the entry lists: the template engine imports this module
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        edit = package.PackageEdit(source)
        if not entry_list_rules.add_entry_lists(edit, book):
            return data, set()
        return write_zip(source, edit.rewritten, edit.added), set(edit.rewritten) | set(edit.added)


def read_workbook(path: Path, missing_hint: str, task: str, advice: str, guard: "Config | None" = None
                  ) -> tuple[bytes, str]:
    """The bytes and kind (XLSX or XLSM) of the workbook at `path`, which omxl is about to write into.

    Raises SourceError (with `missing_hint`) when there is no such file, and WriteBackError when it is
    another format: "omxl {task} .xlsx and .xlsm workbooks only", then `advice`."""
    if not path.exists():
        raise SourceError(str(path), "file not found.", missing_hint)
    data = path.read_bytes()
    if data.startswith(ZIP_MAGIC):
        # The same zip bomb / entity guards as reading (docs/reading.md, Hostile files), with `guard`'s limits.
        check_zip(data, path.name, guard if guard is not None else Config())
    kind = sniff(data, path.name)
    if kind not in (XLSX, XLSM):
        raise WriteBackError(f"{path.name}: omxl {task} .xlsx and .xlsm workbooks only, and this is a {kind} "
                             f"file. {advice}")
    return data, kind


def save_verified(target: Path, data: "bytes | Callable[[BinaryIO], set[str]]", sheets: Mapping[str, ResultSheet],
                  written: "set[str] | None" = None, backup: bool = True) -> Path:
    """Save the package `data` to `target` atomically, after checking the temporary file: a sound zip (CRC of
    the `written` members only, as the rest were copied byte for byte; None checks all) whose `sheets`
    read back as written (verify_sheets). `data` may also be a function writing the package into the file it
    is given (write_result_sheets), for a package too big to hold in memory."""

    def verify(temp: Path) -> None:
        streamed = verify_sheets(temp, sheets)
        with zipfile.ZipFile(temp) as archive:
            names = set(archive.namelist())
        verify_xlsx(temp, check_members=(names if written is None else written) - streamed)

    with atomic_save(target, verify=verify, backup=backup) as temp:
        if callable(data):
            with open(temp, "wb") as handle:
                data(handle)
        else:
            temp.write_bytes(data)
    return target


def sheet_name(prefix: str, name: str) -> str:
    """The sheet name omxl writes: prefix + name, within Excel's 31 characters and rules."""
    full = f"{prefix}{name}"
    if _SHEET_NAME_FORBIDDEN.search(full) or not full.strip() or full.startswith("'") or full.endswith("'"):
        raise WriteBackError(f"'{full}' cannot be an Excel sheet name (no [ ] : * ? / \\, no leading or trailing "
                             "apostrophe). Choose another name.")
    if full.casefold() == "history":
        raise WriteBackError("'History' is reserved by Excel. Choose another sheet name.")
    return full[:31]


def with_links_renamed(sheets: Mapping[str, "ResultSheet | FreeSheet"], names: Mapping[str, str]) -> dict:
    """`sheets` with every FreeSheet's links to the other sheets following their written names (old -> new)."""
    return {name: sheet.renamed(names) if isinstance(sheet, FreeSheet) else sheet for name, sheet in sheets.items()}


def merge_result_sheets(data: bytes, sheets: Mapping[str, "ResultSheet | FreeSheet"], label: str
                        ) -> tuple[bytes, set[str]]:
    """The package `data` with `sheets` added or replaced (see module doc), and the members it wrote anew."""
    out = io.BytesIO()
    written = write_result_sheets(data, sheets, label, out)
    return out.getvalue(), written


def write_result_sheets(data: bytes, sheets: Mapping[str, "ResultSheet | FreeSheet"], label: str,
                        out: BinaryIO) -> set[str]:
    """merge_result_sheets writing the package into the file `out` as it goes: each result sheet's XML is made
    a chunk of rows at a time and deflated as it is made, never held whole (a 390,000-row sheet is 440 MB of
    XML). Returns the members written anew."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {info.filename: info for info in source.infolist()}
        workbook_path = package.main_part(source)
        rels_path = package.rels_path(workbook_path)
        workbook = source.read(workbook_path).decode("utf-8")
        rels = source.read(rels_path).decode("utf-8")
        types = source.read(package.CONTENT_TYPES).decode("utf-8")
        styles_path = package.target_of_type(rels, STYLES_TYPE, workbook_path)
        if styles_path is None or styles_path not in members:
            raise WriteBackError(f"{label}: the workbook has no styles part, which every Excel file has. Open it in "
                                 "Excel and save it again, then run omxl again.")
        styles, style_ids = merge_styles(source.read(styles_path).decode("utf-8"), required_styles(sheets.values()))
        if "purl.oclc.org/ooxml" in workbook[:2000]:
            raise WriteBackError(f"{label}: this is a 'Strict Open XML' workbook. Save it as an ordinary Excel "
                                 "Workbook (.xlsx) and run omxl again.")
        existing = package.sheets(workbook)
        owned = package.owned_indexes(workbook)
        replaced: dict[str, bytes] = {}
        added: dict[str, bytes] = {}
        for name, sheet in sheets.items():
            xml = sheet.xml(style_ids) if isinstance(sheet, FreeSheet) else _streamed(sheet, style_ids)
            match = next((s for s in existing if s.name.casefold() == name.casefold()), None)
            if match is not None:
                if match.index not in owned:
                    raise WriteBackError(
                        f"{label}: a sheet named '{match.name}' already exists and was not written by omxl, so it "
                        "is left alone and nothing was changed. Rename that sheet, or set a different sheet_prefix "
                        f"in omxl.toml with a line such as:\n{DIFFERENT_PREFIX_LINE}")
                part = package.target_of_id(rels, match.rel_id, workbook_path)
                if part is None:
                    raise WriteBackError(f"{label}: sheet '{match.name}' points to a part that is missing. Open the "
                                         "workbook in Excel and save it again.")
                replaced[part] = xml
                workbook = _set_names(workbook, match, sheet)
                continue
            if re.search(r"<workbookProtection\b[^>]*\blockStructure=\"(1|true)\"", workbook):
                raise WriteBackError(f"{label}: the workbook's structure is protected, so no sheet can be added. "
                                     "Unprotect it (Review > Protect Workbook), or write the results to a new file "
                                     "with --out. Nothing was changed.")
            part = package.free_part_name(set(members) | set(added), "xl/worksheets", "sheet", ".xml")
            rel_id = package.free_rel_id(rels)
            new = package.SheetEntry(name, max([s.sheet_id for s in existing] + [0]) + 1, rel_id, len(existing))
            existing.append(new)
            workbook = _add_sheet(workbook, new)
            workbook = _set_names(workbook, new, sheet)
            rels = package.add_relationship(rels, rel_id, WORKSHEET_TYPE, package.relative(part, workbook_path))
            types = package.add_override(types, part, WORKSHEET_CONTENT)
            added[part] = xml
        rewritten = {**replaced, workbook_path: workbook.encode("utf-8"), rels_path: rels.encode("utf-8"),
                     package.CONTENT_TYPES: types.encode("utf-8"), styles_path: styles.encode("utf-8")}
        stale_rels = {package.rels_path(part) for part in replaced}
        write_zip(source, rewritten, added, stale_rels, into=out)
        return set(rewritten) | set(added)


def _streamed(sheet: ResultSheet, style_ids: dict[str, int]) -> "Streamed":
    from .sheetrows import sheet_xml_parts   # the result sheets' writer: not loaded for a rendered template
    return Streamed(lambda: sheet_xml_parts(sheet, style_ids), len(sheet.frame) * len(sheet.frame.columns))


# --- workbook.xml ----------------------------------------------------------------------------------

def _add_sheet(workbook: str, sheet: package.SheetEntry) -> str:
    tag = package.sheet_element(workbook, sheet.name, sheet.sheet_id, sheet.rel_id)
    if "<sheets/>" in workbook:
        return workbook.replace("<sheets/>", f"<sheets>{tag}</sheets>")
    return workbook.replace("</sheets>", tag + "</sheets>", 1)


def _set_names(workbook: str, sheet: package.SheetEntry, result: "ResultSheet | FreeSheet") -> str:
    """Replace omxl's two sheet-scoped names for `sheet`: the ownership mark and the filter range (a FreeSheet
    has no filter, only the mark)."""
    for text, attrs in package.defined_names(workbook):
        if attrs.get("name") in (OWNER_NAME, FILTER_NAME) and attrs.get("localSheetId") == str(sheet.index):
            workbook = workbook.replace(text, "", 1)
    quoted = "'" + sheet.name.replace("'", "''") + "'"
    names = (f'<definedName name="{OWNER_NAME}" localSheetId="{sheet.index}" hidden="1">'
             f"{escape(quoted)}!$A$1</definedName>")
    if isinstance(result, ResultSheet):
        names = (f'<definedName name="{FILTER_NAME}" localSheetId="{sheet.index}" hidden="1">'
                 f"{escape(quoted)}!{filter_range(result)}</definedName>") + names
    return package.add_defined_names(workbook, names)


# --- zip writing and checking ------------------------------------------------------------------------

class Streamed:
    """A member written as it is made: `parts()` yields its bytes piece by piece, `cells` tells its size."""

    # Deflate level of streamed sheets. Online Retail's 390,000-row Order Status (422 MB of XML): ISA-L's level 1
    # (omxl/io/deflate.py) 0.6 s to 46 MB; zlib's level 1 1.9 s to 44 MB, its default level 6 over three times
    # as long to about 33 MB.
    LEVEL = 1
    # A bound of the XML bytes per cell: a sheet that may pass 2 GB is written with zip64 sizes from the start.
    BYTES_PER_CELL = 120

    def __init__(self, parts: Callable[[], Iterable[bytes]], cells: int):
        self.parts, self.cells = parts, cells


def write_zip(source: zipfile.ZipFile, rewritten: Mapping[str, "bytes | Streamed"],
              added: Mapping[str, "bytes | Streamed"], dropped: "set[str] | frozenset[str]" = frozenset(), *,
              fast_from: int | None = None, into: BinaryIO | None = None) -> bytes:
    """The package `source` as new zip bytes: members in `rewritten` get their new content (keeping their
    metadata), those in `dropped` are left out, `added` ones are appended in order, and every other member
    is copied as stored, without recompressing it (see _copy_member). Rewritten members of `fast_from` bytes
    or more are deflated at level 1 (a rendered 100,000-row sheet: a quarter of the time, a third bigger).
    With `into`, the zip is written into that file instead (and b"" returned)."""
    out = into if into is not None else io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in dropped:
                continue
            if info.filename in rewritten:
                data = rewritten[info.filename]
                member = _like(info)
                if isinstance(data, Streamed):
                    _write_streamed(target, member, data)
                    continue
                if fast_from is not None and len(data) >= fast_from:
                    member.compress_type = zipfile.ZIP_DEFLATED
                    _set_level(member, 1)
                    member.file_size = len(data)   # as writestr does: zip64 sizes for a part near 2 GB
                    with target.open(member, "w") as stream:
                        deflate_with(stream, 1)
                        stream.write(data)
                    continue
                target.writestr(member, data)
            else:
                _copy_member(source, target, info)
        for name, xml in added.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            if isinstance(xml, Streamed):
                _write_streamed(target, info, xml)
            else:
                target.writestr(info, xml)
    return out.getvalue() if into is None else b""


def _set_level(member: zipfile.ZipInfo, level: int) -> None:
    # ZipFile reads the level from the member: `_compresslevel` up to Python 3.12, `compress_level` from 3.13 on.
    setattr(member, "compress_level" if hasattr(member, "compress_level") else "_compresslevel", level)


def _write_streamed(target: zipfile.ZipFile, member: zipfile.ZipInfo, streamed: Streamed) -> None:
    """Deflate `streamed` into `target` piece by piece. The deflating (zlib lets go of the interpreter while it
    works) runs in a second thread while the next piece is made, so the two share the machine's cores."""
    member.compress_type = zipfile.ZIP_DEFLATED
    _set_level(member, Streamed.LEVEL)
    large = streamed.cells * Streamed.BYTES_PER_CELL > zipfile.ZIP64_LIMIT
    with target.open(member, "w", force_zip64=large) as stream, ThreadPoolExecutor(max_workers=1) as deflater:
        deflate_with(stream, Streamed.LEVEL)
        pending = None
        for piece in streamed.parts():
            if pending is not None:
                pending.result()  # one piece in flight at a time; a write error surfaces here
            pending = deflater.submit(stream.write, piece)
        if pending is not None:
            pending.result()


def _like(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copy.compress_type = info.compress_type
    copy.external_attr = info.external_attr
    copy.create_system = info.create_system
    return copy


def _copy_member(source: zipfile.ZipFile, target: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Copy one member as it is stored: its compressed bytes are moved, not inflated and deflated again
    (recompressing a 100,000-row sheet costs over a second). The CRC and sizes travel with it."""
    try:
        source.fp.seek(info.header_offset)
        header = struct.unpack(zipfile.structFileHeader, source.fp.read(zipfile.sizeFileHeader))
        skip = header[zipfile._FH_FILENAME_LENGTH] + header[zipfile._FH_EXTRA_FIELD_LENGTH]
        source.fp.seek(skip, os.SEEK_CUR)
        raw = source.fp.read(info.compress_size)
    except (AttributeError, struct.error):  # an unusual zip layout: copy the slow, ordinary way
        target.writestr(_like(info), source.read(info.filename))
        return
    copied = copy.copy(info)
    copied.flag_bits &= ~0x08  # sizes and CRC now go in the local header, no data descriptor follows
    copied.header_offset = target.fp.tell()
    target.fp.write(copied.FileHeader())
    target.fp.write(raw)
    target.filelist.append(copied)
    target.NameToInfo[copied.filename] = copied
    target.start_dir = target.fp.tell()
    target._didModify = True


def verify_sheets(path: Path, sheets: Mapping[str, "ResultSheet | FreeSheet"]) -> set[str]:
    """Raise WriteError unless each of `sheets` reads back from the workbook at `path` as written: a check of
    the saved file, before it replaces anything. Returns the members it read whole (their CRC checked).

    A result sheet's part is read once, as a stream, never parsed whole (a 390,000-row sheet is 440 MB of
    XML): it must be the part the workbook names for the sheet, inflate to the end with a matching CRC, begin
    with the worksheet and end with </worksheet>, hold exactly one <row> per row written plus the header, the
    first numbered 1 with the header's texts and the last numbered as the last row written, and its first and
    last rows must be well-formed XML. A FreeSheet (the Summary, small) is read whole by the reader."""
    checked = set()
    try:
        with zipfile.ZipFile(path) as archive:
            parts = {entry.name: part for entry, part in package.sheet_parts(archive)}
            for name, sheet in sheets.items():
                if isinstance(sheet, FreeSheet):
                    continue
                part = parts.get(name)
                if part is None or part not in archive.NameToInfo or not _reads_back(archive, part, sheet):
                    raise WriteError(f"{path.name}: sheet '{name}' did not read back as written; the original is "
                                     "unchanged.")
                checked.add(part)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise WriteError(f"{path.name}: the written file does not open ({exc}); the original is unchanged.") \
            from None
    free = {name: sheet for name, sheet in sheets.items() if isinstance(sheet, FreeSheet)}
    if free:
        with calamine.CalamineWorkbook.from_path(str(path)) as book:
            for name, sheet in free.items():
                if not sheet.reads_back(book.get_sheet_by_name(name).to_python(skip_empty_area=False)):
                    raise WriteError(f"{path.name}: sheet '{name}' did not read back as written; the original is "
                                     "unchanged.")
    return checked


_READ_PIECE = 1 << 22
_SAMPLE = 1 << 18  # the bytes at either end of <sheetData> parsed as XML: 256 KB, some 2,000 rows
_ROW = re.compile(rb'<row r="(\d+)"')
_END_OF_ROWS = b"</sheetData>"


def _reads_back(archive: zipfile.ZipFile, part: str, sheet: ResultSheet) -> bool:
    """verify_sheets' check of one result sheet's part (see there), reading it a piece at a time."""
    rows, head, last, ends = 0, b"", b"", b""
    carry = len(_END_OF_ROWS) - 1
    try:
        with open_member(archive, part) as member:  # reading to the end checks the CRC
            while piece := member.read(_READ_PIECE):
                if len(head) < _SAMPLE or b"</row>" not in head:  # the header row and the first rows
                    head += piece
                # "<row " is 5 bytes: the seam (4 bytes either side of the cut) holds exactly the ones split between
                # two pieces, never one counted in the piece itself. Neither is copied whole: 440 MB of XML.
                rows += piece.count(b"<row ") + (last[-4:] + piece[:4]).count(b"<row ")
                if not ends:
                    tail = last[-carry:]
                    # In the seam only a "</sheetData>" begun before the cut fits: it comes before any in the piece.
                    at = (tail + piece[:carry]).find(_END_OF_ROWS)
                    if at < 0 and (at := piece.find(_END_OF_ROWS)) >= 0:
                        at += len(tail)
                    if at >= 0:  # the last rows, up to the end of <sheetData> (links may follow it, many)
                        stop = len(last) - len(tail) + at + len(_END_OF_ROWS)
                        joined = last + piece
                        begin = max(0, stop - _SAMPLE)
                        if joined.find(b"<row ", begin, stop) < 0:  # a row longer than the sample
                            begin = max(0, joined.rfind(b"<row ", 0, stop))
                        ends = joined[begin:stop]
                last = piece if len(piece) >= 64 else last[-64:] + piece
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError):
        return False
    numbers = _ROW.findall(ends)
    return (rows == len(sheet.frame) + 1 and head.startswith(b"<?xml") and last.endswith(b"</worksheet>")
            and bool(numbers) and int(numbers[-1]) == len(sheet.frame) + 1
            and _header_reads_back(head, sheet) and _well_formed_ends(head, ends))


def _header_reads_back(head: bytes, sheet: ResultSheet) -> bool:
    first = re.search(rb'<row r="1">(.*?)</row>', head, flags=re.S)
    if first is None:
        return False
    texts = [unescape(t.decode("utf-8"), {"&#13;": "\r"}) for t in re.findall(rb"<t[^>]*>(.*?)</t>", first.group(1),
                                                                         flags=re.S)]
    return texts == [xml_text(str(c)) for c in sheet.frame.columns]


def _well_formed_ends(head: bytes, ends: bytes) -> bool:
    """Whether the sheet's beginning up to its last whole row in the first _SAMPLE bytes of `head` (or its
    header row), and its last rows from the first whole one in `ends` to </sheetData>, parse as XML (each
    closed or opened as the sheet around it does)."""
    cut = max(head.rfind(b"</row>", 0, _SAMPLE), head.find(b"</row>")) + len(b"</row>")
    start = ends.find(b"<row ")
    if cut < len(b"</row>") or start < 0:
        return False
    try:
        # defusedxml's parser, as everywhere omxl parses XML (tests/test_hostile_zip.py), though the bytes are ours.
        _parses(head[:cut] + b"</sheetData></worksheet>")
        _parses(b"<worksheet><sheetData>" + ends[start:] + b"</worksheet>")
    except ParseError:
        return False
    return True


class _NoTree:
    """A parser target without element handlers: the parser checks the XML is well-formed and builds nothing
    (a quarter of the time of building the tree of 2,000 rows)."""

    def close(self) -> None:
        return None


def _parses(xml: bytes) -> None:
    """Raise ParseError unless `xml` is well-formed."""
    parser = DefusedXMLParser(target=_NoTree())
    parser.feed(xml)
    parser.close()
