"""workbooks/omxl.xlsm, the ready macro workbook: its VBA project (read back by oletools' olevba, an independent
reader), its buttons (also as headless LibreOffice sees them), and that it is what scripts/macro_workbook.py
builds. The VBA project's own pieces are checked against independent readers too: the MS-OVBA compression
against oletools' decompressor, the compound file against olefile."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import io
import json
import random
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import olefile
import pandas as pd
from oletools.olevba import VBA_Parser, decompress_stream

import omxl
from conftest import ROOT, SAMPLE, python_with_uno
from omxl.excel import ovba
from omxl.excel.cfb import write_compound
from omxl.excel.vbaproject import buttons, omxl_project, quickstart_project, quickstart_workbook

WORKBOOK = ROOT / "workbooks" / "omxl.xlsm"
# The functions of omxl.macros the buttons call, as agreed with the macros module (contract 5.4).
AGREED_FUNCTIONS = ("validate", "reconcile", "reorder", "weekly", "dispatch", "main")
EXPECTED_BUTTONS = [
    ("Validate", "omxl_validate", "validate"),
    ("Reconcile", "omxl_reconcile", "reconcile"),
    ("Reorder", "omxl_reorder", "reorder"),
    ("Weekly report", "omxl_weekly", "weekly"),
    ("Dispatch", "omxl_dispatch", "dispatch"),
    ("Run the chosen action", "omxl_run", "main"),
]


def vba_modules(path: Path) -> dict[str, str]:
    """{module name: VBA source} as olevba reads them."""
    parser = VBA_Parser(str(path))
    try:
        return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def subs(source: str) -> list[str]:
    return re.findall(r"^Sub (\w+)\(\)", source, flags=re.M)


def button_macros(path: Path) -> list[tuple[str, str]]:
    """(caption, macro) of every button in the workbook's VML drawings, in order."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for name in sorted(n for n in archive.namelist() if n.endswith(".vml")):
            vml = archive.read(name).decode("utf-8")
            for shape in re.findall(r"<v:shape\b.*?</v:shape>", vml, flags=re.S):
                if 'ObjectType="Button"' in shape:
                    caption = re.search(r"<font\b[^>]*>([^<]*)</font>", shape).group(1)
                    macro = re.search(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", shape).group(1)
                    found.append((caption, macro))
    return found


def test_the_omxl_module_calls_runpython_with_the_agreed_functions_of_omxl_macros():
    modules = vba_modules(WORKBOOK)
    assert sorted(modules) == ["Dictionary", "ThisWorkbook", "omxl", "xlwings"]
    source = modules["omxl"]
    calls = re.findall(r'^Sub (\w+)\(\)\r?\n\s+RunPython "import omxl\.macros; omxl\.macros\.(\w+)\(\)"\r?\nEnd Sub',
                       source, flags=re.M)
    assert calls == [(sub, function) for _, sub, function in EXPECTED_BUTTONS]
    assert sorted(function for _, function in calls) == sorted(AGREED_FUNCTIONS)
    assert source.count('RunPython "') == 6
    if importlib.util.find_spec("omxl.macros") is not None:  # the macros module, once it is part of omxl
        import omxl.macros

        assert all(callable(getattr(omxl.macros, function)) for function in AGREED_FUNCTIONS)


def test_every_button_runs_a_sub_of_the_vba_project():
    macros = button_macros(WORKBOOK)
    assert macros == [(caption, sub) for caption, sub, _ in EXPECTED_BUTTONS]
    defined = {sub for source in vba_modules(WORKBOOK).values() for sub in subs(source)}
    assert {sub for _, sub in macros} <= defined


def test_the_xlwings_module_is_the_installed_xlwings_own():
    installed = vba_modules(quickstart_workbook())
    ours = vba_modules(WORKBOOK)
    for name in ("xlwings", "Dictionary", "ThisWorkbook"):
        assert ours[name] == installed[name]
    version = importlib.metadata.version("xlwings")
    assert f'Public Const XLWINGS_VERSION As String = "{version}"' in ours["xlwings"]
    assert "SampleCall" not in "".join(ours.values())


def test_the_committed_workbook_is_what_the_script_builds(tmp_path):
    spec = importlib.util.spec_from_file_location("macro_workbook", ROOT / "scripts" / "macro_workbook.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    built = script.build(tmp_path / "omxl.xlsm")
    assert built.read_bytes() == WORKBOOK.read_bytes()
    # The script's `xlwings quickstart --standalone` gives the project excel-setup takes from xlwings directly.
    quick = script.quickstart(tmp_path)
    assert quickstart_project(quick) == quickstart_project()


def test_the_sample_sheets_are_in_it_as_they_are():
    with zipfile.ZipFile(SAMPLE) as sample, zipfile.ZipFile(WORKBOOK) as book:
        changed = {name for name in sample.namelist() if sample.read(name) != book.read(name)}
        # Besides the package's lists, the entry sheets (Orders, Inventory, Shipments, Purchase Orders, Returns),
        # each with its entry lists added and nothing else (tests/test_entry_lists.py).
        assert changed == {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                           "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet5.xml",
                           "xl/worksheets/sheet6.xml", "xl/worksheets/sheet7.xml"}
        # Orders (sheet1) also loses its tabSelected mark: the workbook opens on the omxl sheet alone.
        entry_lists = re.compile(rb'<dataValidations count="\d+">.*?</dataValidations>', re.S)
        assert entry_lists.sub(b"", book.read("xl/worksheets/sheet1.xml"), count=1) == sample.read(
            "xl/worksheets/sheet1.xml").replace(b'<sheetView tabSelected="1" workbookViewId="0">',
                                                b'<sheetView workbookViewId="0">', 1)
        workbook = book.read("xl/workbook.xml").decode("utf-8")
        types = book.read("[Content_Types].xml").decode("utf-8")
    names = re.findall(r'<sheet name="([^"]+)"', workbook)
    assert names == ["omxl", "Orders", "Inventory", "Suppliers", "Customers", "Shipments", "Purchase Orders",
                     "Returns", "xlwings.conf"]
    assert 'PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"' in types
    assert 'PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"' in types
    book = omxl.read_book(WORKBOOK)
    assert len(book.orders) == len(omxl.read_book(SAMPLE).orders) == 3000


def test_it_opens_on_the_omxl_sheet():
    import openpyxl

    book = openpyxl.load_workbook(WORKBOOK, keep_vba=True)
    assert book.active.title == "omxl"
    assert [sheet.title for sheet in book if sheet.sheet_view.tabSelected] == ["omxl"]
    with zipfile.ZipFile(WORKBOOK) as archive:
        workbook = archive.read("xl/workbook.xml").decode("utf-8")
    # No activeTab (0, the omxl sheet, is its default) and no firstSheet: the tab bar starts at omxl.
    assert re.findall(r"<workbookView\b[^>]*>", workbook) == [
        '<workbookView xWindow="240" yWindow="15" windowWidth="16095" windowHeight="9660"/>']


def test_the_xlwings_settings_sheet():
    import openpyxl

    sheet = openpyxl.load_workbook(WORKBOOK, keep_vba=True)["xlwings.conf"]
    assert [sheet["A1"].value, sheet["B1"].value] == ["UDF Modules", "omxl.excel.xlwings_adapter"]
    assert sheet["A2"].value is None  # xlwings reads the settings from A1 down to the first empty cell
    assert sheet["A3"].value.startswith("Settings for xlwings")
    assert any(str(sheet[f"A{row}"].value).startswith("Interpreter_Win: ") for row in range(3, 12))
    if importlib.util.find_spec("omxl.excel") is not None:  # the adapter's package, once it is part of omxl
        assert importlib.util.find_spec("omxl.excel.xlwings_adapter") is not None


def test_the_vba_project_survives_write_back(tmp_path):
    book = Path(shutil.copy(WORKBOOK, tmp_path / "omxl.xlsm"))
    omxl.write_back(book, {"Check": pd.DataFrame({"sku": ["A-1"], "qty": [3]})}, backup=False)
    with zipfile.ZipFile(book) as written, zipfile.ZipFile(WORKBOOK) as original:
        assert written.read("xl/vbaProject.bin") == original.read("xl/vbaProject.bin")
        assert "macroEnabled.main+xml" in written.read("[Content_Types].xml").decode("utf-8")
    assert button_macros(book) == button_macros(WORKBOOK)
    assert vba_modules(book) == vba_modules(WORKBOOK)
    assert pd.read_excel(book, sheet_name="omxl Check", engine="openpyxl").to_dict("list") == {"sku": ["A-1"], "qty": [3]}


def test_libreoffice_opens_it_and_lists_the_buttons_and_the_module(tmp_path):
    result = subprocess.run([python_with_uno(), str(ROOT / "tests" / "lo_list_buttons.py"), str(WORKBOOK),
                             str(tmp_path / "lo-profile")], check=True, capture_output=True, text=True, timeout=180)
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["sheets"][0] == "omxl" and seen["sheets"][-1] == "xlwings.conf"
    assert seen["active"] == "omxl"
    assert [(b["sheet"], b["label"], b["macro"]) for b in seen["buttons"]] == [
        ("omxl", caption, f"vnd.sun.star.script:VBAProject.omxl.{sub}?language=Basic&location=document")
        for caption, sub, _ in EXPECTED_BUTTONS]
    assert sorted(seen["modules"]) == ["Dictionary", "ThisWorkbook", "omxl", "xlwings"]
    assert subs(seen["modules"]["omxl"]) == [sub for _, sub, _ in EXPECTED_BUTTONS]
    assert seen["cells"] == {"A2": "Action", "A3": "As of", "A4": "Status", "B2": "validate", "B3": "", "B4": ""}
    # One button in each of the cells D2:D7, inside the cell.
    assert [shape["label"] for shape in seen["shapes"]] == [caption for caption, _, _ in EXPECTED_BUTTONS]
    assert len(seen["shapes"]) == 6
    for shape, row in zip(seen["shapes"], range(2, 8)):
        left, top, right, bottom = shape["box"]
        cell_left, cell_top, cell_right, cell_bottom = seen["boxes"][f"D{row}"]
        assert cell_left < left < right < cell_right and cell_top < top < bottom < cell_bottom, shape


# --- the pieces: compression and the compound file ------------------------------------------------------

def quickstart_streams() -> dict[str, bytes]:
    with olefile.OleFileIO(io.BytesIO(quickstart_project())) as ole:
        return {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}


def test_compression_round_trips_through_oletools():
    streams = quickstart_streams()
    dir_text = bytes(decompress_stream(bytearray(streams["VBA/dir"])))
    assert ovba.decompress(streams["VBA/dir"]) == dir_text
    xlwings_source = bytes(decompress_stream(bytearray(streams["VBA/xlwings"])))
    assert len(xlwings_source) > 40_000  # many chunks of 4096 bytes
    noise = random.Random(7).randbytes(9000)  # incompressible: its two full chunks are stored raw
    for data in (dir_text, xlwings_source, b"", b"a" * 10_000, bytes(range(256)) * 40, noise):
        packed = ovba.compress(data)
        assert bytes(decompress_stream(bytearray(packed))) == data
        assert ovba.decompress(packed) == data
    assert len(ovba.compress(xlwings_source)) < len(xlwings_source) / 2
    assert ovba.compress(noise)[1:3] == b"\xff\x3f"  # a raw chunk's header: size 4098, not compressed


def test_the_compound_file_reads_back_and_its_directory_is_a_red_black_tree():
    streams = {**quickstart_streams(), "VBA/big": bytes(range(256)) * 64, "Empty": b""}
    data = write_compound(streams)
    assert len(data) % 512 == 0
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        assert {"/".join(p): ole.openstream(p).read() for p in ole.listdir()} == streams
        entries = ole.direntries

        def check(sid: int) -> int:  # the black height below `sid`; asserts order and colours on the way
            if sid == olefile.NOSTREAM:
                return 1
            entry = entries[sid]
            for child, side in ((entry.sid_left, -1), (entry.sid_right, 1)):
                if child != olefile.NOSTREAM:
                    key = (len(entries[child].name), entries[child].name.upper())
                    assert (key > (len(entry.name), entry.name.upper())) == (side == 1)
                    assert not (entry.color == 0 and entries[child].color == 0)  # no red node under a red one
            left, right = check(entry.sid_left), check(entry.sid_right)
            assert left == right
            return left + (entry.color == 1)

        for entry in entries:
            if entry is not None and entry.sid_child != olefile.NOSTREAM:
                assert entries[entry.sid_child].color == 1  # the root of each tree is black
                check(entry.sid_child)


def test_the_project_is_built_the_same_every_time():
    assert omxl_project() == omxl_project()
    with zipfile.ZipFile(WORKBOOK) as book:
        assert book.read("xl/vbaProject.bin") == omxl_project()


def test_no_paid_xlwings_part_and_no_licence_key_in_omxl():
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "omxl").rglob("*.py")]
    assert not any(re.search(r"xlwings\.pro|xlwings\s+import\s+pro|LICENSE_KEY", t) for t in texts)
    assert "LICENSE_KEY" not in vba_modules(WORKBOOK)["omxl"]


def test_the_buttons_table_names_each_sub_once():
    assert [b.sub for b in buttons()] == [sub for _, sub, _ in EXPECTED_BUTTONS]
    assert len({b.sub for b in buttons()}) == len(buttons())


def test_the_buttons_functions_run_on_the_ready_workbook(tmp_path):
    """Each function a button calls, run on the ready workbook through the file-backed stand-in of omxl.macros
    (docs/macros.md): the status cell says what happened, with the counts an independent validate gives; the
    omxl and xlwings.conf sheets are not read as data; the VBA project survives the save."""
    import datetime as dt

    import omxl.macros
    from omxl.excel.filebook import FileWorkbook

    book = FileWorkbook(Path(shutil.copy(WORKBOOK, tmp_path / "omxl.xlsm")))
    book.write_cell("omxl", "B3", dt.datetime(2026, 11, 27))
    issues = omxl.validate(omxl.read_book(SAMPLE), as_of="2026-11-27")
    errors, warnings = (int((issues["severity"] == s).sum()) for s in ("error", "warning"))
    assert (errors, warnings) == (14, 9)
    statuses = {}
    for _, sub, function in EXPECTED_BUTTONS:
        getattr(omxl.macros, function)(book)
        statuses[sub] = book.read_cell("omxl", "B4")
    checked = f"Checked as of 2026-11-27: {errors} errors and {warnings} warnings."
    assert statuses["omxl_validate"].startswith(checked)
    assert statuses["omxl_run"] == statuses["omxl_validate"]  # B2 holds 'validate'
    assert statuses["omxl_reconcile"].startswith("Reconciled as of 2026-11-27: ")
    assert statuses["omxl_reorder"].startswith("Reorder plan as of 2026-11-27 ")
    assert statuses["omxl_weekly"].startswith("Weekly report 2026-W48 as of 2026-11-27 ")
    assert statuses["omxl_dispatch"] == (
        "286 lines of 172 orders to pick, 13,175 units from 2 locations; 24 held back (24 on hold). 23 cells "
        "marked: red for errors, yellow for warnings, the note says why. See 'omxl Pick List'. The print-ready "
        f"pick lists are saved as {tmp_path / 'Pick lists 2026-11-27.xlsx'}.")
    assert max(len(s) for s in statuses.values()) < 500  # the merged status cell B4:B8 holds them
    names = [s.name for s in book.sheets()]
    assert names[:9] == ["omxl", "Orders", "Inventory", "Suppliers", "Customers", "Shipments", "Purchase Orders",
                         "Returns", "xlwings.conf"]
    assert {"omxl Issues", "omxl Order Status", "omxl Reorder List", "omxl KPIs", "omxl Pick List",
            "omxl Held Lines", "omxl Manifests", "omxl Packing Slips"} <= set(names)
    saved = book.save(tmp_path / "after.xlsm")
    with zipfile.ZipFile(saved) as after, zipfile.ZipFile(WORKBOOK) as ready:
        assert after.read("xl/vbaProject.bin") == ready.read("xl/vbaProject.bin")
