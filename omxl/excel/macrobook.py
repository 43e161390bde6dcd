"""excel_setup: a macro-enabled copy of the user's workbook with omxl's buttons (contract 5.4, docs/excel.md).

A package-level merge, like write_back: the user's parts are copied byte for byte; what changes is
workbook.xml (two more sheets, the VBA code name), its relationships, the content types (the workbook
becomes macro-enabled) and styles.xml (a few styles appended). Added: the Control sheet `omxl` as the first
tab, the `xlwings.conf` sheet as the last, the buttons' VML drawing and xl/vbaProject.bin (vbaproject).
Sheet-scoped defined names (filters, print areas) follow their sheets, which move one tab to the right.
"""

from __future__ import annotations

import io
import os
import re
import sys
import zipfile
from pathlib import Path

import python_calamine as calamine

from ..errors import NoTablesError, OutputError, SourceError
from ..io.read import read_book
from ..io.save.atomic import WriteError, atomic_save, check_destination, same_file, verify_xlsx
from ..io.xlsx import package
from .controlsheet import (CONF_ROWS, CONF_SHEET, CONTROL_SHEET, INTERPRETER_MAC, INTERPRETER_WIN, STYLES, buttons_vml,
                           conf_sheet_xml, control_sheet_xml)
from ..io.xlsx.styles import merge_styles
from .vbaproject import VBA_PART, omxl_project
from ..io.xlsx.writeback import (WORKSHEET_CONTENT, WORKSHEET_TYPE, WriteBackError, read_workbook, with_entry_lists,
                                 write_zip)


VBA_TYPE = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
VBA_CONTENT = "application/vnd.ms-office.vbaProject"
VML_TYPE = package.REL_NS + "/vmlDrawing"
VML_CONTENT = "application/vnd.openxmlformats-officedocument.vmlDrawing"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
STYLES_TYPE = package.REL_NS + "/styles"


def excel_setup(path: str | os.PathLike, *, out: str | os.PathLike | None = None,
                interpreter_win: str | None = None, interpreter_mac: str | None = None,
                interpreter: bool = True, entry_lists: bool = True) -> Path:
    """Write a macro-enabled copy of the workbook at `path` with omxl's Control sheet, buttons and the xlwings
    settings sheet; return its path. `out` (default: `path` with the suffix .xlsm) must end in .xlsm and must
    not exist yet: omxl never replaces a workbook here. The workbook at `path` is not changed. docs/excel.md.

    The xlwings.conf sheet names the Python the buttons start: `interpreter_win` (Interpreter_Win) and
    `interpreter_mac` (Interpreter_Mac); the one of the running system defaults to this Python
    (sys.executable), the other is left out (interpreter_settings). `interpreter=False` writes neither.
    `entry_lists`: data validation on the entry sheets from the book's master sheets (docs/excel.md, Entry
    lists).
    """
    settings = interpreter_settings(interpreter_win=interpreter_win, interpreter_mac=interpreter_mac,
                                    interpreter=interpreter)
    source = Path(path)
    target = Path(out) if out is not None else source.with_suffix(".xlsm")
    if source.is_dir():
        raise SourceError(str(source), "is a folder.", "Give the workbook to set up, such as "
                          f"{source / 'orders.xlsx'}.")
    check_destination(target, example=source.with_suffix(".xlsm").name)
    if same_file(source, target):
        raise OutputError(f"{target}: the output must be a new file, not the workbook itself. Give another "
                          "name ending in .xlsm with --out; your workbook is never changed.")
    if target.suffix.lower() != ".xlsm":
        raise OutputError(f"{target}: excel-setup writes a macro-enabled workbook, so the output must end in "
                          f".xlsm. Give --out {target.with_suffix('.xlsm')}.")
    data, _ = read_workbook(source, "Check the workbook's name and folder; excel-setup starts from an existing "
                            "workbook.", "sets up", "Save it as .xlsx in Excel and run again.")
    if target.exists():
        raise OutputError(f"{target} already exists and excel-setup does not replace it. Give another name "
                          "with --out, or move that file away and run again.")
    merged = add_front_door(data, omxl_project(), source.name, settings=settings)
    if entry_lists:
        merged = entry_lists_from(merged, source)

    def verify(temp: Path) -> None:
        verify_xlsx(temp)
        verify_control_sheet(temp)

    # With a backup: should a file appear at `target` while this runs, it is kept, never silently replaced.
    with atomic_save(target, verify=verify) as temp:
        temp.write_bytes(merged)
    return target


def entry_lists_from(data: bytes, source: Path) -> bytes:
    """The package `data` made from the workbook at `source` with entry lists for the tables omxl finds there
    (omxl/io/xlsx/entry_lists.py); a workbook without tables omxl recognises gets none."""
    try:
        book = read_book(source)
    except NoTablesError:
        return data
    return with_entry_lists(data, book)[0]


def interpreter_settings(*, interpreter_win: str | None = None, interpreter_mac: str | None = None,
                         interpreter: bool = True, platform: str = sys.platform,
                         executable: str = sys.executable) -> tuple[tuple[str, str], ...]:
    """The interpreter rows of the xlwings.conf sheet, as (key, value): the paths given, and for the system
    this runs on (`platform`, as sys.platform names it) the running Python when none is given for it. On
    another system (Linux) nothing is assumed. A key left out falls back to the xlwings add-in's setting,
    whereas a row with an empty value would hide it: so no row is ever written empty."""
    if not interpreter:
        if interpreter_win or interpreter_mac:
            raise ValueError("interpreter=False writes no interpreter; give interpreter_win or interpreter_mac, "
                             "or interpreter=False, not both.")
        return ()
    if platform == "win32" and not interpreter_win:
        interpreter_win = executable
    if platform == "darwin" and not interpreter_mac:
        interpreter_mac = executable
    return tuple((key, value) for key, value in ((INTERPRETER_WIN, interpreter_win), (INTERPRETER_MAC, interpreter_mac))
                 if value)


def verify_control_sheet(path: Path) -> None:
    """Raise WriteError unless the written workbook's Control sheet reads back with its labels."""
    with calamine.CalamineWorkbook.from_path(str(path)) as book:
        grid = book.get_sheet_by_name(CONTROL_SHEET).to_python(skip_empty_area=False)
    if [row[0] for row in grid[1:4]] != ["Action", "As of", "Status"]:
        raise WriteError(f"{path.name}: the omxl sheet did not read back as written; nothing was saved.")


def add_front_door(data: bytes, vba_project: bytes, label: str, *,
                   settings: tuple[tuple[str, str], ...] = ()) -> bytes:
    """The package `data` with the Control sheet, the xlwings.conf sheet (omxl's rows, then `settings`), the
    buttons and `vba_project`. The workbook opens on the Control sheet: it is the active tab and the only
    selected one (the tabSelected mark leaves the user's sheets, which are otherwise copied as they are)."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        edit = package.PackageEdit(source)
        workbook_path = package.main_part(source)
        rels_path = package.rels_path(workbook_path)
        workbook = edit.read(workbook_path).decode("utf-8")
        rels = edit.read(rels_path).decode("utf-8")
        _check_can_set_up(edit, workbook, rels, workbook_path, label)
        styles_path = package.target_of_type(rels, STYLES_TYPE, workbook_path)
        if styles_path is None or not edit.exists(styles_path):
            raise WriteBackError(f"{label}: the workbook has no styles part, which every Excel file has. Open it "
                                 "in Excel and save it again, then run omxl again.")
        styles, style_ids = merge_styles(edit.read(styles_path).decode("utf-8"), STYLES)
        edit.put(styles_path, styles.encode("utf-8"))

        vml_part = package.free_part_name(edit.names(), "xl/drawings", "vmlDrawing", ".vml")
        control_part = package.free_part_name(edit.names(), "xl/worksheets", "sheet", ".xml")
        edit.put(vml_part, buttons_vml(_free_drawing_id(edit)))
        control_rels = package.add_relationship(package.empty_relationships(), "rId1", VML_TYPE,
                                                package.relative(vml_part, control_part))
        edit.put(control_part, control_sheet_xml(style_ids, "rId1"))
        edit.put(package.rels_path(control_part), control_rels.encode("utf-8"))
        conf_part = package.free_part_name(edit.names(), "xl/worksheets", "sheet", ".xml")
        edit.put(conf_part, conf_sheet_xml(style_ids, CONF_ROWS + settings))
        vba_part = VBA_PART if not edit.exists(VBA_PART) else package.free_part_name(edit.names(), "xl",
                                                                                    "vbaProject", ".bin")
        edit.put(vba_part, vba_project)

        control_id, rels = _new_rel(rels, WORKSHEET_TYPE, control_part, workbook_path)
        conf_id, rels = _new_rel(rels, WORKSHEET_TYPE, conf_part, workbook_path)
        _, rels = _new_rel(rels, VBA_TYPE, vba_part, workbook_path)
        edit.put(rels_path, rels.encode("utf-8"))
        edit.put(workbook_path, _workbook_with_sheets(workbook, control_id, conf_id).encode("utf-8"))
        for _, sheet_part in package.sheet_parts(source):
            _unselect(edit, sheet_part)

        types = edit.types
        types = re.sub(rf'(<Override\b[^>]*PartName="/{re.escape(workbook_path)}"[^>]*ContentType=")[^"]*"',
                       rf'\g<1>{MACRO_MAIN}"', types, count=1)
        for part in (control_part, conf_part):
            types = package.add_override(types, part, WORKSHEET_CONTENT)
        types = package.add_override(types, vba_part, VBA_CONTENT)
        types = package.add_default(types, "vml", VML_CONTENT)
        edit.put(package.CONTENT_TYPES, types.encode("utf-8"))

        return write_zip(source, edit.rewritten, edit.added)


def _check_can_set_up(edit: package.PackageEdit, workbook: str, rels: str, workbook_path: str, label: str) -> None:
    if "purl.oclc.org/ooxml" in workbook[:2000]:
        raise WriteBackError(f"{label}: this is a 'Strict Open XML' workbook. Save it as an ordinary Excel "
                             "Workbook (.xlsx) and run omxl again.")
    if package.target_of_type(rels, VBA_TYPE, workbook_path) is not None:
        raise WriteBackError(f"{label}: the workbook already holds macros (a VBA project), and omxl cannot merge "
                             "its own with them. Save a copy as Excel Workbook (.xlsx) and run excel-setup on it, "
                             "then copy your macros over in Excel's VBA editor.")
    taken = {entry.name.casefold() for entry in package.sheets(workbook)}
    for name in (CONTROL_SHEET, CONF_SHEET):
        if name.casefold() in taken:
            raise WriteBackError(f"{label}: a sheet named '{name}' already exists, and excel-setup adds its own. "
                                 "Rename that sheet and run again.")
    if re.search(r"<workbookProtection\b[^>]*\blockStructure=\"(1|true)\"", workbook):
        raise WriteBackError(f"{label}: the workbook's structure is protected, so no sheet can be added. Unprotect "
                             "it (Review > Protect Workbook) and run again.")


def _free_drawing_id(edit: package.PackageEdit) -> int:
    """An o:idmap block number no VML drawing in the package uses (comments have VML drawings too; writers
    differ in the prefix they give the office namespace, openpyxl writes ns0:idmap)."""
    used = {0}
    for name in edit.names():
        if name.lower().endswith(".vml"):
            text = edit.read(name).decode("utf-8", "replace")
            for found in re.findall(r'<(?:[\w.-]+:)?idmap\b[^>]*\bdata="([^"]*)"', text):
                used.update(int(n) for n in re.split(r"[,\s]+", found) if n.isdigit())
    return max(used) + 1


def _new_rel(rels: str, rel_type: str, part: str, workbook_path: str) -> tuple[str, str]:
    rel_id = package.free_rel_id(rels)
    return rel_id, package.add_relationship(rels, rel_id, rel_type, package.relative(part, workbook_path))


def _workbook_with_sheets(workbook: str, control_id: str, conf_id: str) -> str:
    """workbook.xml with the Control sheet first and xlwings.conf last; sheet-scoped names shifted one to the
    right, the Control sheet the active and first visible tab, and the VBA code name of the workbook."""
    existing = package.sheets(workbook)
    next_id = max([s.sheet_id for s in existing] + [0]) + 1
    control = package.sheet_element(workbook, CONTROL_SHEET, next_id, control_id)
    conf = package.sheet_element(workbook, CONF_SHEET, next_id + 1, conf_id)
    if "<sheets/>" in workbook:
        workbook = workbook.replace("<sheets/>", f"<sheets>{control}{conf}</sheets>", 1)
    else:
        workbook = re.sub(r"<sheets>", lambda m: m.group(0) + control, workbook, count=1)
        workbook = workbook.replace("</sheets>", conf + "</sheets>", 1)
    workbook = re.sub(r'(<definedName\b[^>]*\blocalSheetId=")(\d+)"',
                      lambda m: f'{m.group(1)}{int(m.group(2)) + 1}"', workbook)
    workbook = re.sub(r"<workbookView\b[^>]*>", _open_on_control, workbook)
    if re.search(r"<workbookPr\b", workbook) is None:
        # workbookPr comes after fileVersion and fileSharing and before everything else a workbook may hold.
        anchors = list(re.finditer(r"<workbook\b[^>]*>|<fileVersion\b[^>]*/>|<fileSharing\b[^>]*/>", workbook))
        workbook = workbook[:anchors[-1].end()] + "<workbookPr/>" + workbook[anchors[-1].end():]
    if re.search(r"<workbookPr\b[^>]*\bcodeName=", workbook) is None:
        workbook = re.sub(r"<workbookPr\b", '<workbookPr codeName="ThisWorkbook"', workbook, count=1)
    return workbook


def _open_on_control(match: re.Match) -> str:
    """A <workbookView> that opens on the Control sheet, tab 0 (activeTab's default), with the tab bar
    scrolled to the start (firstSheet's default) so that its tab shows."""
    return re.sub(r'\s(?:activeTab|firstSheet)="\d+"', "", match.group(0))


def _unselect(edit: package.PackageEdit, part: str) -> None:
    """Take the tabSelected mark off the user's sheet at `part`, if it has one: with the Control sheet
    selected too, Excel would open with both grouped, and a value typed would go into both. Only the start
    of the sheet is searched (sheetViews comes before sheetData), and only a marked sheet is rewritten."""
    if not part or not edit.exists(part):
        return
    data = edit.read(part)
    end = data.find(b"<sheetData")
    head = data[:end] if end >= 0 else data
    unmarked = re.sub(rb'(<(?:[\w.-]+:)?sheetView\b[^>]*?)\s+tabSelected="(?:1|true)"', rb"\1", head)
    if unmarked != head:
        edit.put(part, unmarked + data[len(head):])
