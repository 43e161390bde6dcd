"""libreoffice_setup: an .ods copy of the user's workbook with omxl's buttons for LibreOffice Calc (contract 5.4,
docs/libreoffice.md).

LibreOffice itself does the work, headless (omxl/excel/office.py): it opens the user's workbook read-only (its
own import keeps the sheets, formats, charts and validations as far as LibreOffice keeps them), omxl puts the
Control sheet `omxl` first (the cells of Excel's: B2 action, B3 as-of, B4 status) with one push button per
action bound to a Python function of the document's own script, and LibreOffice saves it as .ods. omxl then
adds that script to the package (Scripts/python/omxl_buttons.py, listed in its manifest), with the folders of
this Python environment written into it, so LibreOffice's Python finds omxl when a button is pressed.
"""

from __future__ import annotations

import io
import os
import shutil
import site
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import python_calamine as calamine

from ..config import Config
from ..errors import OutputError, SourceError
from ..io.read.guards import check_zip
from ..io.read.sniff import ODS, XLS, XLSM, XLSX, sniff
from ..io.save.atomic import WriteError, atomic_save, check_destination, same_file
from ..shipped import template_path
from ..steps import with_buttons
from .controlsheet import (CONF_SHEET, CONTROL_SHEET, ROW_HEIGHT, STATUS_AREA, WIDTHS, button_rows, instructions,
                           tall_rows)
from .office import INSTALL_HINT, Office, OfficeError, props, uno_module
from .uno_workbook import BOLD_WEIGHT, VERT_TOP, column_width, number_format_key
from .vbaproject import buttons

SCRIPT_NAME = "omxl_buttons.py"
SCRIPT_PART = f"Scripts/python/{SCRIPT_NAME}"
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
READABLE = (XLSX, XLSM, XLS, ODS)
PYTHON_LINE = ("The buttons run omxl in LibreOffice's own Python: see the LibreOffice page of the omxl "
               "documentation for what to install and the macro security setting.")
INPUT_FILL = 0xFFF2CC
TITLE_HEIGHT = 14.0
POINT = 2540 / 72   # 1/100 mm per point
# The VBA modules of a workbook made by excel-setup (omxl/excel/vbaproject.py: omxl's subs, xlwings' own), in
# LibreOffice's Basic library for a workbook's VBA project.
VBA_LIBRARY = "VBAProject"
EXCEL_BUTTONS_MODULES = ("omxl", "xlwings", "Dictionary")
# In 1/100 mm: the gap between a button and its cell's edges.
INSET = 60


def script_url(function: str) -> str:
    """The address a button calls: a function of the script the document carries."""
    return f"vnd.sun.star.script:{SCRIPT_NAME}${function}?language=Python&location=document"


def libreoffice_setup(path: str | os.PathLike, *, out: str | os.PathLike | None = None) -> Path:
    """Write an .ods copy of the workbook at `path` with omxl's Control sheet and buttons for LibreOffice Calc;
    return its path. `out` (default: `path` with the suffix .ods) must end in .ods and must not exist yet; the
    workbook at `path` is only read. Needs LibreOffice with its Python script provider here (OfficeError says
    what to install). docs/libreoffice.md."""
    source = Path(path)
    target = Path(out) if out is not None else source.with_suffix(".ods")
    if source.is_dir():
        raise SourceError(str(source), "is a folder.", f"Give the workbook to set up, such as {source / 'orders.xlsx'}.")
    check_destination(target, example=source.with_suffix(".ods").name)
    if target.suffix.lower() != ".ods":
        raise OutputError(f"{target}: libreoffice-setup writes a LibreOffice Calc workbook, so the output must end "
                          f"in .ods. Give --out {target.with_suffix('.ods')}.")
    if same_file(source, target):
        raise OutputError(f"{target}: the output must be a new file, not the workbook itself. Give another name "
                          "ending in .ods with --out; your workbook is never changed.")
    _check_source(source)
    if target.exists():
        raise OutputError(f"{target} already exists and libreoffice-setup does not replace it. Give another name "
                          "with --out, or move that file away and run again.")
    script = buttons_script()
    with tempfile.TemporaryDirectory(prefix="omxl-setup-") as work:
        # LibreOffice opens a copy: the user's file is never opened for writing, nor left with a lock file.
        copy, stored = Path(work) / source.name, Path(work) / "setup.ods"
        shutil.copyfile(source, copy)
        with Office.started() as office:
            if not office.has_python_scripts():
                raise OfficeError("This LibreOffice cannot run Python scripts (its Python script provider is not "
                                  f"installed), so the buttons would do nothing. {INSTALL_HINT}")
            failure = uno_module().getClass("com.sun.star.uno.Exception")
            try:
                document = office.load(copy)
                try:
                    add_control_sheet(document)
                    document.storeToURL(stored.as_uri(), props(FilterName="calc8", Overwrite=True))
                finally:
                    document.close(True)
            except failure as exc:
                raise OfficeError(f"{source.name}: LibreOffice could not add the omxl sheet ({exc.Message.strip()}); "
                                  "nothing was written.") from None
        data = with_script(stored.read_bytes(), script)
    with atomic_save(target, verify=verify_ods) as temp:
        temp.write_bytes(data)
    return target


def _check_source(source: Path) -> None:
    if not source.exists():
        raise SourceError(str(source), "file not found.", "Check the workbook's name and folder; libreoffice-setup "
                          "starts from an existing workbook.")
    data = source.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        check_zip(data, source.name, Config())   # the reading guards: a zip bomb never reaches LibreOffice
    kind = sniff(data, source.name)
    if kind not in READABLE:
        raise SourceError(str(source), f"is a {kind} file, not a workbook.", "libreoffice-setup starts from a .xlsx, "
                          ".xlsm, .xls or .ods workbook: save yours as one of those and run again.")


# --- the Control sheet -------------------------------------------------------------------------------

def add_control_sheet(document: Any) -> None:
    """Put the Control sheet first in the open document, with its cells, the B2 list, the status area and one
    button per action, and make it the sheet the document opens on. An `omxl` sheet already there (a workbook
    made by excel-setup: its buttons run Excel's VBA) is replaced, and its xlwings.conf sheet left out."""
    uno = uno_module()
    sheets = document.Sheets
    for name in (CONTROL_SHEET, CONF_SHEET):
        if sheets.hasByName(name):
            sheets.removeByName(name)
    _drop_excel_buttons_code(document)
    sheets.insertNewByName(CONTROL_SHEET, 0)
    sheet = sheets.getByName(CONTROL_SHEET)
    columns = sheet.Columns
    for index, width in enumerate(WIDTHS):
        columns.getByIndex(index).Width = column_width(width)
    rows = sheet.Rows
    for row in tall_rows():
        rows.getByIndex(row - 1).Height = round(ROW_HEIGHT * POINT)

    cells = {"A1": "omxl: order management", "A2": "Action", "B2": buttons()[0].function, "A3": "As of",
             "A4": "Status"}
    for ref, text in cells.items():
        sheet.getCellRangeByName(ref).setString(text)
    title = sheet.getCellRangeByName("A1")
    title.CharWeight, title.CharHeight = BOLD_WEIGHT, TITLE_HEIGHT
    sheet.getCellRangeByName("A2:A4").CharWeight = BOLD_WEIGHT
    sheet.getCellRangeByName("B2:B3").CellBackColor = INPUT_FILL
    sheet.getCellRangeByName("B3").NumberFormat = number_format_key(document, "yyyy-mm-dd")
    status = sheet.getCellRangeByName(STATUS_AREA)
    status.merge(True)
    status.IsTextWrapped = True
    status.VertJustify = VERT_TOP

    lines = instructions(python_line=PYTHON_LINE)
    first = tall_rows()[-1] + 1
    target = sheet.getCellRangeByName(f"A{first}:A{first + len(lines) - 1}")
    target.setDataArray(tuple((line,) for line in lines))
    sheet.getCellRangeByName(f"A{first}").CharWeight = BOLD_WEIGHT

    _validations(sheet, uno)
    _buttons(document, sheet, uno)
    document.setPropertyValue("ApplyFormDesignMode", False)   # buttons that press, not shapes to edit
    controller = document.CurrentController
    controller.setActiveSheet(sheet)
    controller.select(sheet.getCellRangeByName("B2"))


def _drop_excel_buttons_code(document: Any) -> None:
    """Leave out the VBA modules excel-setup adds (omxl's buttons' subs and xlwings' code, which LibreOffice
    Basic cannot compile or run): a workbook made by excel-setup would otherwise carry them as a dead Basic
    library. Modules of the user's own, and a workbook without omxl's, are kept."""
    libraries = document.BasicLibraries
    if not libraries.hasByName(VBA_LIBRARY):
        return
    libraries.loadLibrary(VBA_LIBRARY)
    library = libraries.getByName(VBA_LIBRARY)
    if not all(library.hasByName(name) for name in ("omxl", "xlwings")):
        return
    for name in EXCEL_BUTTONS_MODULES:
        if library.hasByName(name):
            library.removeByName(name)


# The Control sheet's checks, as data: cell, kind (com.sun.star.sheet.ValidationType), condition operator, the
# formula (a list of the actions, or the first date), title, input message, error message; as Excel's sheet has
# them (omxl/excel/controlsheet.py).
CONTROL_RULES = (
    ("B2", "LIST", None, ";".join(f'"{step.name}"' for step in with_buttons()), "Action",
     "The action that 'Run the chosen action' runs.", "Choose one of the actions in the list."),
    ("B3", "DATE", "GREATER", "1", "As of", "The day the figures are for; blank for today.",
     "Enter a date, or leave the cell blank for today."),
)


def _validations(sheet: Any, uno: Any) -> None:
    """B2: a list of the actions; B3: a date or blank. With input help and a Stop alert in words, as Excel's."""
    for ref, kind, operator, formula, title, prompt, error in CONTROL_RULES:
        cell = sheet.getCellRangeByName(ref)
        rule = cell.Validation
        rule.Type = uno.Enum("com.sun.star.sheet.ValidationType", kind)
        if operator is not None:
            rule.setOperator(uno.Enum("com.sun.star.sheet.ConditionOperator", operator))
        rule.setFormula1(formula)
        rule.IgnoreBlankCells = True
        rule.ShowInputMessage, rule.InputTitle, rule.InputMessage = True, title, prompt
        rule.ShowErrorMessage, rule.ErrorTitle, rule.ErrorMessage = True, title, error
        rule.ErrorAlertStyle = uno.Enum("com.sun.star.sheet.ValidationAlertStyle", "STOP")
        cell.Validation = rule


def _buttons(document: Any, sheet: Any, uno: Any) -> None:
    """One push button per action in column D, anchored to its cell, its press bound to the script function of
    the same name (the form's script event, as LibreOffice's Assign Action dialog binds it)."""
    page = sheet.DrawPage
    for button, row in zip(buttons(), button_rows()):
        cell = sheet.getCellRangeByName(f"D{row}")
        model = document.createInstance("com.sun.star.form.component.CommandButton")
        model.Label = button.caption
        model.Name = f"omxl_{button.function}"
        shape = document.createInstance("com.sun.star.drawing.ControlShape")
        position, size = cell.Position, cell.Size
        position.X, position.Y = position.X + INSET, position.Y + INSET
        size.Width, size.Height = size.Width - 2 * INSET, size.Height - 2 * INSET
        shape.Control = model
        page.add(shape)
        shape.Position, shape.Size = position, size
        shape.Anchor = cell
        form = model.Parent
        index = next(i for i in range(form.Count) if form.getByIndex(i).Name == model.Name)
        event = uno.createUnoStruct("com.sun.star.script.ScriptEventDescriptor")
        event.ListenerType = "XActionListener"
        event.EventMethod = "actionPerformed"
        event.ScriptType = "Script"
        event.ScriptCode = script_url(button.function)
        form.registerScriptEvent(index, event)


# --- the script the buttons call -----------------------------------------------------------------------

def site_dirs() -> tuple[str, ...]:
    """The folders LibreOffice's Python needs to import omxl as this Python does: this environment's
    site-packages (their .pth files name an editable install's folder), the user's site-packages when used, and
    the folder omxl itself is imported from when it is none of those (a source folder on PYTHONPATH)."""
    folders = [*site.getsitepackages()]
    if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        folders.append(site.getusersitepackages())
    package_parent = str(Path(__file__).resolve().parents[2])   # the folder holding omxl/
    if package_parent not in {str(Path(f).resolve()) for f in folders}:
        folders.insert(0, package_parent)
    return tuple(dict.fromkeys(folders))


def buttons_script(*, folders: tuple[str, ...] | None = None,
                   python: tuple[int, int] = (sys.version_info[0], sys.version_info[1])) -> str:
    """The document's script: omxl/shipped/libreoffice/omxl_buttons.py.in with this environment's folders and
    Python version, and one function per button."""
    functions = "\n\n".join(
        f"def {button.function}(*event):\n    \"\"\"{_docstring(button)}\"\"\"\n    _press({button.function!r})\n"
        for button in buttons())
    template = template_path("libreoffice", "omxl_buttons.py.in").read_text(encoding="utf-8")
    return template.format(site_dirs=folders if folders is not None else site_dirs(), python=python,
                           setup_python=sys.executable, control_sheet=CONTROL_SHEET, status_cell="B4",
                           functions=functions, exported=", ".join(b.function for b in buttons()))


def _docstring(button: Any) -> str:
    return f"The '{button.caption}' button.".replace('"', "'")


def with_script(data: bytes, script: str) -> bytes:
    """The .ods package `data` with the script added under Scripts/python/ and listed in the manifest (without
    the listing LibreOffice does not find it). The mimetype stays the first member, stored, as ODF requires."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        names = source.namelist()
        if names[0] != "mimetype":
            raise WriteError("LibreOffice wrote an .ods without its mimetype first; nothing was saved.")
        for info in source.infolist():
            if info.filename == SCRIPT_PART:
                continue
            content = source.read(info)
            if info.filename == "META-INF/manifest.xml":
                content = _manifest_with_script(content)
            target.writestr(info, content, compress_type=info.compress_type)
        target.writestr(SCRIPT_PART, script.encode("utf-8"))
    return out.getvalue()


def _manifest_with_script(manifest: bytes) -> bytes:
    text = manifest.decode("utf-8")
    entries = "".join(f"<manifest:file-entry manifest:full-path={quoteattr(path)} manifest:media-type={quoteattr(kind)}/>"
                      for path, kind in (("Scripts/", "application/binary"), ("Scripts/python/", "application/binary"),
                                         (SCRIPT_PART, "")) if f'"{path}"' not in text)
    closing = text.rindex("</manifest:manifest>")
    return (text[:closing] + entries + text[closing:]).encode("utf-8")


def verify_ods(path: Path) -> None:
    """Raise WriteError unless the written .ods reads back with the Control sheet's labels and carries the
    buttons' script."""
    with zipfile.ZipFile(path) as package:
        if SCRIPT_PART not in package.namelist() or package.read("mimetype").decode() != ODS_MIME:
            raise WriteError(f"{path.name}: the .ods did not read back with its buttons' script; nothing was saved.")
    with calamine.CalamineWorkbook.from_path(str(path)) as book:
        grid = book.get_sheet_by_name(CONTROL_SHEET).to_python(skip_empty_area=False)
    if [row[0] for row in grid[1:4]] != ["Action", "As of", "Status"]:
        raise WriteError(f"{path.name}: the omxl sheet did not read back as written; nothing was saved.")
