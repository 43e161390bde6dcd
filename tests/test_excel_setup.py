"""omxl excel-setup: a macro workbook around the user's own data, their sheets untouched (contract 5.4, 5.5)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.comments import Comment

import omxl
from conftest import ROOT, SAMPLE, python_with_uno
from omxl.cli import cli
from omxl.errors import OutputError
from omxl.io.xlsx import package
from omxl.excel.vbaproject import omxl_project

WORKBOOK = ROOT / "workbooks" / "omxl.xlsm"


def run(*args):
    return CliRunner(env={"COLUMNS": "400"}).invoke(cli, ["excel-setup", *map(str, args)])


def sheet_xml_by_name(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {entry.name: archive.read(part) for entry, part in package.sheet_parts(archive)}


@pytest.fixture(scope="module")
def set_up(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("setup")
    book = Path(shutil.copy(SAMPLE, folder / "orders.xlsx"))
    result = run(book)
    assert result.exit_code == 0, result.output
    assert result.output == (f"Wrote {folder / 'orders.xlsm'}: your sheets, the omxl sheet with its buttons first, "
                             "and the xlwings.conf sheet last. Open it in Excel and press a button (docs/excel.md).\n")
    return book, folder / "orders.xlsm"


def test_every_original_sheet_stays_byte_for_byte_but_the_selected_mark(set_up):
    book, made = set_up
    before, after = sheet_xml_by_name(book), sheet_xml_by_name(made)
    assert list(after) == ["omxl", *before, "xlwings.conf"]
    # The entry sheets gain one element, their entry lists (tests/test_entry_lists.py); Orders was the selected
    # tab and loses that one attribute, so that the omxl sheet is selected alone; the rest is as it was.
    entry_lists = re.compile(rb'<dataValidations count="\d+">.*?</dataValidations>', re.S)
    mine = {name: entry_lists.sub(b"", xml, count=1) for name, xml in after.items()}
    assert before["Orders"].count(b'<sheetView tabSelected="1" workbookViewId="0">') == 1
    assert mine["Orders"] == before["Orders"].replace(b'<sheetView tabSelected="1" workbookViewId="0">',
                                                      b'<sheetView workbookViewId="0">')
    assert all(mine[name] == xml for name, xml in before.items() if name != "Orders")
    with zipfile.ZipFile(book) as original, zipfile.ZipFile(made) as result:
        unchanged = set(original.namelist()) - {"[Content_Types].xml", "xl/workbook.xml",
                                                "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                                                *(part for _, part in package.sheet_parts(original))}
        assert all(original.read(name) == result.read(name) for name in unchanged)
        added = sorted(set(result.namelist()) - set(original.namelist()))
    assert added == ["xl/drawings/vmlDrawing1.vml", "xl/vbaProject.bin", "xl/worksheets/_rels/sheet8.xml.rels",
                     "xl/worksheets/sheet8.xml", "xl/worksheets/sheet9.xml"]
    assert book.read_bytes() == SAMPLE.read_bytes()  # the input is never changed


def test_the_control_sheet(set_up):
    _, made = set_up
    book = openpyxl.load_workbook(made, keep_vba=True)
    assert book.sheetnames[0] == "omxl" and book.sheetnames[-1] == "xlwings.conf"
    sheet = book["omxl"]
    assert [sheet[f"A{r}"].value for r in (2, 3, 4)] == ["Action", "As of", "Status"]
    assert [sheet["B2"].value, sheet["B3"].value, sheet["B4"].value] == ["validate", None, None]
    assert sheet["B3"].number_format == "yyyy-mm-dd"
    assert [str(r) for r in sheet.merged_cells.ranges] == ["B4:B8"]  # room for a status of a few sentences
    assert sheet["B4"].alignment.wrap_text and sheet["B4"].alignment.vertical == "top"
    assert sheet["A2"].font.b and sheet["A1"].value == "omxl: order management"
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert validations["B2"].type == "list"
    assert validations["B2"].formula1 == '"validate,reconcile,reorder,weekly,dispatch"'
    assert validations["B3"].type == "date" and validations["B3"].allow_blank
    assert sheet["A9"].value == "How to use this sheet"
    assert sheet["A13"].value == "4. Reorder suggests what to buy from each supplier and how much, on a new sheet."
    assert sheet["A15"].value.startswith("6. Dispatch makes today's pick lists: ")
    assert sheet["A16"].value == "7. Or choose an action in B2 and press 'Run the chosen action'."
    conf = book["xlwings.conf"]
    assert [conf["A1"].value, conf["B1"].value, conf["A2"].value] == ["UDF Modules", "omxl.excel.xlwings_adapter",
                                                                      None]


def test_the_package_is_macro_enabled_with_the_omxl_project(set_up):
    _, made = set_up
    with zipfile.ZipFile(made) as archive, zipfile.ZipFile(WORKBOOK) as ready:
        assert archive.read("xl/vbaProject.bin") == ready.read("xl/vbaProject.bin") == omxl_project()
        types = archive.read("[Content_Types].xml").decode("utf-8")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        workbook = archive.read("xl/workbook.xml").decode("utf-8")
        # Built from the same sample, excel-setup's workbook is the ready workbook to the byte.
        assert {n: archive.read(n) for n in archive.namelist()} == {n: ready.read(n) for n in ready.namelist()}
    assert 'PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"' in types
    assert '<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/>' in types
    assert 'Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"' in rels
    assert '<workbookPr codeName="ThisWorkbook" defaultThemeVersion="124226"/>' in workbook
    # The sample's filters stay on their sheets, one tab further right; it opens on the omxl sheet (tab 0).
    names = re.findall(r'<definedName name="_xlnm._FilterDatabase" localSheetId="(\d)" hidden="1">([^!]+)!', workbook)
    assert sorted(names) == [("1", "Orders"), ("3", "Suppliers"), ("4", "Customers"), ("5", "Shipments"),
                             ("6", "'Purchase Orders'"), ("7", "Returns")]
    assert '<workbookView xWindow="240" yWindow="15" windowWidth="16095" windowHeight="9660"/>' in workbook


def test_the_workbook_reads_and_validates_as_before(set_up):
    _, made = set_up
    made_book, sample_book = omxl.read_book(made), omxl.read_book(SAMPLE)
    for table in ("orders", "inventory", "suppliers", "shipments", "purchase_orders", "returns", "customers"):
        assert len(getattr(made_book, table)) == len(getattr(sample_book, table))
    made_issues = omxl.validate(made_book, as_of="2026-11-27")
    sample_issues = omxl.validate(sample_book, as_of="2026-11-27")
    assert list(zip(made_issues["code"], made_issues["cell"])) == list(zip(sample_issues["code"],
                                                                           sample_issues["cell"]))


def test_the_vba_project_survives_write_back_of_a_set_up_workbook(set_up, tmp_path):
    _, made = set_up
    copy = Path(shutil.copy(made, tmp_path / "copy.xlsm"))
    omxl.write_back(copy, {"Issues": omxl.validate(omxl.read_book(copy), as_of="2026-11-27")}, backup=False)
    with zipfile.ZipFile(copy) as archive:
        assert archive.read("xl/vbaProject.bin") == omxl_project()
        assert re.findall(r'<sheet name="([^"]+)"', archive.read("xl/workbook.xml").decode("utf-8"))[-2:] == [
            "xlwings.conf", "omxl Issues"]


@pytest.fixture()
def own_workbook(tmp_path) -> Path:
    """A user's workbook with a cell comment (a VML drawing of its own), a print area and the third tab active."""
    book = openpyxl.Workbook()
    orders = book.active
    orders.title = "Orders"
    orders.append(["order_id", "sku", "qty"])
    orders.append(["SO-1", "A-1", 4])
    orders["A1"].comment = Comment("One row per order line", "planner")
    book.create_sheet("Stock").append(["sku", "on_hand"])
    notes = book.create_sheet("Notes")
    notes["A1"] = "Call the carrier on 2026-12-01"
    notes.print_area = "A1:B5"
    book.active = 2
    path = tmp_path / "mine.xlsx"
    book.save(path)
    return path


def test_a_users_workbook_keeps_its_comments_and_opens_on_omxl(own_workbook, tmp_path):
    out = omxl.excel_setup(own_workbook, out=tmp_path / "buttons.xlsm")
    assert out == tmp_path / "buttons.xlsm"
    with zipfile.ZipFile(out) as archive:
        vml = {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".vml")}
        workbook = archive.read("xl/workbook.xml").decode("utf-8")
    assert sorted(vml) == ["xl/drawings/commentsDrawing1.vml", "xl/drawings/vmlDrawing1.vml"]
    assert 'data="1"' in vml["xl/drawings/commentsDrawing1.vml"]
    assert '<o:idmap v:ext="edit" data="2"/>' in vml["xl/drawings/vmlDrawing1.vml"]
    assert re.findall(r'id="_x0000_s(\d+)"', vml["xl/drawings/vmlDrawing1.vml"]) == [
        "2049", "2050", "2051", "2052", "2053", "2054"]
    # openpyxl wrote activeTab="2" (Notes) and firstSheet="0": both go, so the omxl tab is active and shows.
    assert re.findall(r"<workbookView\b[^>]*>", workbook) == [
        '<workbookView visibility="visible" minimized="0" showHorizontalScroll="1" showVerticalScroll="1" '
        'showSheetTabs="1" tabRatio="600" autoFilterDateGrouping="1"/>']
    assert re.search(r'<workbookPr codeName="ThisWorkbook" ?/>', workbook)  # openpyxl versions differ in the space
    book = openpyxl.load_workbook(out, keep_vba=True)
    assert book.sheetnames == ["omxl", "Orders", "Stock", "Notes", "xlwings.conf"]
    assert book.active.title == "omxl"
    assert [sheet.title for sheet in book if sheet.sheet_view.tabSelected] == ["omxl"]
    assert book["Orders"]["A1"].comment.text == "One row per order line"
    assert book["Notes"].print_area == "'Notes'!$A$1:$B$5"

    result = subprocess.run([python_with_uno(), str(ROOT / "tests" / "lo_list_buttons.py"), str(out),
                             str(tmp_path / "lo-profile")], check=True, capture_output=True, text=True, timeout=180)
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["sheets"] == ["omxl", "Orders", "Stock", "Notes", "xlwings.conf"]
    assert seen["active"] == "omxl"
    assert [b["macro"].split("?")[0] for b in seen["buttons"]] == [
        f"vnd.sun.star.script:VBAProject.omxl.{sub}" for sub in
        ("omxl_validate", "omxl_reconcile", "omxl_reorder", "omxl_weekly", "omxl_dispatch", "omxl_run")]
    assert seen["cells"]["A4"] == "Status"


# --- bad input: exit 2, one line naming the file and what to do; nothing written -----------------------

def test_a_missing_file(tmp_path):
    result = run(tmp_path / "missing.xlsx")
    assert result.exit_code == 2
    assert result.output == (f"omxl: {tmp_path / 'missing.xlsx'}: file not found. Check the workbook's name and "
                             "folder; excel-setup starts from an existing workbook.\n")


def test_a_csv_file(tmp_path):
    csv = tmp_path / "orders.csv"
    csv.write_text("order_id,sku\nSO-1,A-1\n", encoding="utf-8")
    result = run(csv)
    assert result.exit_code == 2
    assert result.output == ("omxl: orders.csv: omxl sets up .xlsx and .xlsm workbooks only, and this is a csv "
                             "file. Save it as .xlsx in Excel and run again.\n")
    assert not (tmp_path / "orders.xlsm").exists()


def test_out_must_end_in_xlsm(own_workbook, tmp_path):
    result = run(own_workbook, "--out", tmp_path / "buttons.xlsx")
    assert result.exit_code == 2
    assert result.output == (f"omxl: {tmp_path / 'buttons.xlsx'}: excel-setup writes a macro-enabled workbook, so "
                             f"the output must end in .xlsm. Give --out {tmp_path / 'buttons.xlsm'}.\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.xlsx"]


def test_out_equal_to_the_input(tmp_path):
    book = Path(shutil.copy(WORKBOOK, tmp_path / "omxl.xlsm"))
    result = run(book, "--out", book)
    assert result.exit_code == 2
    assert result.output == (f"omxl: {book}: the output must be a new file, not the workbook itself. Give another "
                             "name ending in .xlsm with --out; your workbook is never changed.\n")
    assert book.read_bytes() == WORKBOOK.read_bytes()


def test_an_existing_output_is_never_replaced(own_workbook, tmp_path):
    (tmp_path / "mine.xlsm").write_bytes(b"the planner's own macro workbook")
    result = run(own_workbook)
    assert result.exit_code == 2
    assert result.output == (f"omxl: {tmp_path / 'mine.xlsm'} already exists and excel-setup does not replace it. "
                             "Give another name with --out, or move that file away and run again.\n")
    assert (tmp_path / "mine.xlsm").read_bytes() == b"the planner's own macro workbook"


def test_a_workbook_with_macros_or_an_omxl_sheet_is_refused(tmp_path):
    result = run(WORKBOOK, "--out", tmp_path / "again.xlsm")
    assert result.exit_code == 2
    assert result.output == ("omxl: omxl.xlsm: the workbook already holds macros (a VBA project), and omxl cannot "
                             "merge its own with them. Save a copy as Excel Workbook (.xlsx) and run excel-setup on "
                             "it, then copy your macros over in Excel's VBA editor.\n")
    book = openpyxl.Workbook()
    book.active.title = "OMXL"
    book.save(tmp_path / "named.xlsx")
    result = run(tmp_path / "named.xlsx")
    assert result.exit_code == 2
    assert result.output == ("omxl: named.xlsx: a sheet named 'omxl' already exists, and excel-setup adds its own. "
                             "Rename that sheet and run again.\n")
    assert not (tmp_path / "again.xlsm").exists() and not (tmp_path / "named.xlsm").exists()


def test_a_folder_given_for_the_workbook_or_the_output(own_workbook, tmp_path):
    result = run(tmp_path)
    assert result.exit_code == 2
    assert result.output == (f"omxl: {tmp_path}: is a folder. Give the workbook to set up, such as "
                             f"{tmp_path / 'orders.xlsx'}.\n")
    result = run(own_workbook, "--out", tmp_path)
    assert result.exit_code == 2
    assert result.output == (f"omxl: {tmp_path} is a folder; give a file name such as {tmp_path / 'mine.xlsm'}. "
                             "Nothing was written.\n")


def test_the_library_function_raises_output_error(own_workbook, tmp_path):
    with pytest.raises(OutputError, match=r"must end in \.xlsm"):
        omxl.excel_setup(own_workbook, out=tmp_path / "x.xls")
    assert omxl.excel_setup(own_workbook) == tmp_path / "mine.xlsm"


def test_the_excel_page_examples_run(monkeypatch, tmp_path):
    import shlex

    monkeypatch.chdir(ROOT)
    page = (ROOT / "docs" / "excel.md").read_text(encoding="utf-8")
    shell = re.findall(r"```bash\n(.*?)```", page, flags=re.S)[0]  # the first example; tests/test_install.py runs all
    (python,) = re.findall(r"```python\n(.*?)```", page, flags=re.S)
    result = CliRunner().invoke(cli, [a.replace("/tmp/", f"{tmp_path}/") for a in shlex.split(shell)[1:]])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "orders-with-buttons.xlsm").read_bytes() == WORKBOOK.read_bytes()
    exec(compile(python.replace("/tmp/", f"{tmp_path}/"), "excel.md", "exec"), {})
    assert (tmp_path / "orders-buttons.xlsm").read_bytes() == WORKBOOK.read_bytes()


@pytest.mark.parametrize("kind", ["rich", "pivot"])
def test_charts_images_pivots_and_names_stay_as_they_were(kind, tmp_path):
    from rich_workbooks import build_pivot, build_rich, members

    book = build_rich(tmp_path / "rich.xlsx") if kind == "rich" else build_pivot(tmp_path / "pivot.xlsx")
    out = omxl.excel_setup(book)
    before, after = members(book), members(out)
    merged = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
    # Every part as it was, but for the tabSelected mark of the one sheet that had it (the omxl sheet is
    # selected alone).
    selected = [name for name, data in before.items() if name.startswith("xl/worksheets/") and b' tabSelected="1"'
                in data]
    assert selected == ["xl/worksheets/sheet1.xml"]
    unselected = {**before, selected[0]: before[selected[0]].replace(b' tabSelected="1"', b"", 1)}
    assert {name: data for name, data in unselected.items() if name not in merged} == {
        name: after[name] for name in before if name not in merged}
    workbook = after["xl/workbook.xml"].decode("utf-8")
    if kind == "rich":
        # The chart sheet is a tab too; the sheet-scoped name follows Data, now the second tab.
        assert re.findall(r'<sheet name="([^"]+)"', workbook) == ["omxl", "Data", "Table", "Chart", "xlwings.conf"]
        assert '<definedName name="LocalTotal" localSheetId="1">Data!$B$7</definedName>' in workbook
        assert '<o:idmap v:ext="edit" data="2"/>' in after["xl/drawings/vmlDrawing2.vml"].decode("utf-8")
    else:
        assert '<pivotCaches><pivotCache cacheId="1" r:id="rId90"/></pivotCaches>' in workbook
    result = subprocess.run([python_with_uno(), str(ROOT / "tests" / "lo_list_buttons.py"), str(out),
                             str(tmp_path / "lo-profile")], check=True, capture_output=True, text=True, timeout=180)
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(seen["buttons"]) == 6 and sorted(seen["modules"]) == ["Dictionary", "ThisWorkbook", "omxl", "xlwings"]


# --- the Python the buttons start: the xlwings.conf sheet's interpreter rows --------------------------------

def conf_rows(path: Path) -> list[tuple]:
    """The xlwings.conf sheet's key/value rows as xlwings reads them: from A1 down to the first empty row."""
    sheet = openpyxl.load_workbook(path, keep_vba=True)["xlwings.conf"]
    rows = []
    for key, value in sheet.iter_rows(min_col=1, max_col=2, values_only=True):
        if key is None:
            break
        rows.append((key, value))
    return rows


def test_the_interpreters_given_are_written_to_the_conf_sheet(own_workbook, tmp_path):
    result = run(own_workbook, "--interpreter-win", r"%USERPROFILE%\omxl\.venv\Scripts\python.exe",
                 "--interpreter-mac", "$HOME/omxl/.venv/bin/python")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == [r"xlwings.conf: Interpreter_Win %USERPROFILE%\omxl\.venv\Scripts\python.exe",
                                              "xlwings.conf: Interpreter_Mac $HOME/omxl/.venv/bin/python"]
    assert conf_rows(tmp_path / "mine.xlsm") == [
        ("UDF Modules", "omxl.excel.xlwings_adapter"),
        ("Interpreter_Win", r"%USERPROFILE%\omxl\.venv\Scripts\python.exe"),
        ("Interpreter_Mac", "$HOME/omxl/.venv/bin/python")]
    # The notes start below the empty row that ends what xlwings reads.
    sheet = openpyxl.load_workbook(tmp_path / "mine.xlsm", keep_vba=True)["xlwings.conf"]
    assert sheet["A4"].value is None
    assert sheet["A5"].value.startswith("Settings for xlwings, which runs the omxl buttons.")


def test_no_interpreter_writes_none_and_refuses_a_path_beside_it(own_workbook, tmp_path):
    result = run(own_workbook, "--no-interpreter", "--out", tmp_path / "plain.xlsm")
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 1
    assert conf_rows(tmp_path / "plain.xlsm") == [("UDF Modules", "omxl.excel.xlwings_adapter")]
    result = run(own_workbook, "--no-interpreter", "--interpreter-mac", "/opt/python", "--out", tmp_path / "x.xlsm")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == ("Error: --no-interpreter writes no interpreter; give "
                                              "--interpreter-win/--interpreter-mac or --no-interpreter, not both.")
    assert not (tmp_path / "x.xlsm").exists()
    with pytest.raises(ValueError, match="not both"):
        omxl.excel_setup(own_workbook, out=tmp_path / "y.xlsm", interpreter_win="C:\\py.exe", interpreter=False)


def test_the_running_python_goes_under_the_running_systems_key():
    from omxl.excel.macrobook import interpreter_settings

    win = r"C:\Users\ana\omxl\.venv\Scripts\python.exe"
    assert interpreter_settings(platform="win32", executable=win) == (("Interpreter_Win", win),)
    assert interpreter_settings(platform="darwin", executable="/Users/ana/omxl/.venv/bin/python") == (
        ("Interpreter_Mac", "/Users/ana/omxl/.venv/bin/python"),)
    # Linux runs no Excel: nothing is assumed, and no empty row hides the add-in's own setting.
    assert interpreter_settings(platform="linux", executable="/usr/bin/python3") == ()
    # A path given wins over the running Python; the other system's path is added beside it.
    assert interpreter_settings(platform="win32", executable=win, interpreter_win=r"%USERPROFILE%\py\python.exe",
                                interpreter_mac="$HOME/py/bin/python") == (
        ("Interpreter_Win", r"%USERPROFILE%\py\python.exe"), ("Interpreter_Mac", "$HOME/py/bin/python"))
    assert interpreter_settings(platform="darwin", executable="/x/python", interpreter=False) == ()
