"""The Excel buttons, run through the file-backed stand-in on a copy of the sample workbook with a Control
sheet: the sheets, values, number formats, fills, notes and links each macro writes, the status in B4, unsaved
edits counted, and problems said in words (never a traceback)."""

from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import ROOT, SAMPLE
from omxl.cli import cli
from omxl.excel.filebook import FileWorkbook
from one_of_each import FIXTURES
import omxl.macros as macros

AS_OF = dt.datetime(2026, 11, 27)
ERROR_FILL, WARNING_FILL, LATE_FILL, AT_RISK_FILL, HEADER_FILL = (
    "FFFFC7CE", "FFFFEB9C", "FFF4B183", "FFDDEBF7", "FFD9E1F2")
CHOICES = "Choose one of: validate, reconcile, reorder, weekly; then press the button again."


@pytest.fixture(scope="module")
def control_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with a Control sheet in front, as the ready macro workbook has it. Its G2990 holds =NA(),
    never calculated in the file; Excel shows #N/A there, so the copy holds that error value, as a workbook Excel
    has calculated does."""
    path = tmp_path_factory.mktemp("control") / "orders.xlsx"
    wb = openpyxl.load_workbook(SAMPLE)
    control = wb.create_sheet("omxl", 0)
    control["A2"], control["A3"], control["A4"] = "Action", "As of", "Status"
    control["B2"], control["B3"] = "reconcile", AS_OF
    wb["Orders"]["G2990"] = "#N/A"
    wb.save(path)
    return path


@pytest.fixture
def book(control_book: Path, tmp_path: Path) -> FileWorkbook:
    path = tmp_path / control_book.name
    shutil.copy(control_book, path)
    return FileWorkbook(path)


@pytest.fixture(scope="module")
def small_control_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small workbook (one row of each kind of problem) with the Control sheet: for the runs whose point is
    the Control sheet or a problem, not the figures."""
    path = tmp_path_factory.mktemp("small") / "orders.xlsx"
    wb = openpyxl.load_workbook(FIXTURES / "one-of-each.xlsx")
    control = wb.create_sheet("omxl", 0)
    control["A2"], control["A3"], control["A4"] = "Action", "As of", "Status"
    control["B2"], control["B3"] = "reconcile", AS_OF
    wb.save(path)
    return path


@pytest.fixture
def small(small_control_book: Path, tmp_path: Path) -> FileWorkbook:
    path = tmp_path / small_control_book.name
    shutil.copy(small_control_book, path)
    return FileWorkbook(path)


@pytest.fixture
def cli_run(control_book: Path, tmp_path_factory: pytest.TempPathFactory):
    """The same run through the command line (`omxl COMMAND BOOK --as-of 2026-11-27 --out OUT.xlsx`), whose
    workbook is written by the package-level writer, not through the Workbook interface."""
    def run(command: str) -> openpyxl.Workbook:
        out = tmp_path_factory.mktemp("cli") / f"{command}.xlsx"
        result = CliRunner().invoke(cli, [command, str(control_book), "--as-of", "2026-11-27", "--out", str(out)])
        assert result.exit_code in (0, 1), result.output
        return openpyxl.load_workbook(out)
    return run


def saved(book: FileWorkbook) -> openpyxl.Workbook:
    """The workbook as the stand-in saves it, read back."""
    return openpyxl.load_workbook(book.save(book.path().with_name("after.xlsx")))


def in_memory(book: FileWorkbook) -> openpyxl.Workbook:
    """The workbook as it is open (what save() would write), for the runs whose figures are the point: saving
    and reading back the sample with seven result sheets takes most of a test's time."""
    return book.book


def status(wb: openpyxl.Workbook) -> str:
    return wb["omxl"]["B4"].value


def rows(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def same_cells(macro_sheet, cli_sheet) -> None:
    """Cell by cell: the value (an empty text cell the command line writes is an empty cell here), the number
    format of number and date cells, and the fill."""
    assert macro_sheet.max_row == cli_sheet.max_row and macro_sheet.max_column == cli_sheet.max_column
    for mine, theirs in zip(macro_sheet.iter_rows(), cli_sheet.iter_rows()):
        for a, b in zip(mine, theirs):
            expected = None if b.value == "" else b.value
            if isinstance(expected, float):
                # openpyxl saves the stand-in's floats to 16 significant digits, the command line to 17
                assert a.value == pytest.approx(expected, rel=1e-15), (a.coordinate, a.value, expected)
            else:
                assert a.value == expected, (a.coordinate, a.value, expected)
            if isinstance(b.value, (int, float, dt.datetime)) and not isinstance(b.value, bool):
                assert a.number_format == b.number_format, (a.coordinate, a.number_format, b.number_format)
            assert (a.fill.fgColor.rgb if a.fill.fill_type else None) == \
                (b.fill.fgColor.rgb if b.fill.fill_type else None), a.coordinate


def marked_cells(wb: openpyxl.Workbook) -> int:
    """Cells of the user's sheets with a note of omxl's."""
    return sum(1 for ws in wb.worksheets if not ws.title.startswith("omxl") for row in ws.iter_rows() for c in row
               if c.comment is not None and c.comment.text.startswith("omxl:\n"))


@functools.cache
def orders_sheet() -> pd.DataFrame:
    """The sample's Orders sheet read by pandas (header in row 4): index + 5 is the Excel row."""
    return pd.read_excel(SAMPLE, sheet_name="Orders", header=3, engine="calamine")


# --- validate --------------------------------------------------------------------------------------

def test_validate_marks_the_cells_and_lists_the_issues(book: FileWorkbook, cli_run):
    macros.validate(book)
    wb = saved(book)
    assert status(wb) == ("Checked as of 2026-11-27: 14 errors and 9 warnings. 23 cells marked: red for errors, "
                          "yellow for warnings, the note says why. See 'omxl Issues' for the list and "
                          "'omxl Summary' for the overview.")
    assert book.alerts == []
    assert wb.sheetnames[-2:] == ["omxl Summary", "omxl Issues"]
    # E2974 holds an item the Inventory sheet does not have (checked here with pandas, not omxl).
    orders = orders_sheet()
    inventory = pd.read_excel(SAMPLE, sheet_name="Inventory", engine="calamine")
    assert orders.loc[2974 - 5, "Item Code"] == "SKU-99017" and "SKU-99017" not in set(inventory["SKU"])
    cell = wb["Orders"]["E2974"]
    assert cell.fill.fgColor.rgb == ERROR_FILL
    assert cell.comment.text == ("omxl:\nItem 'SKU-99017' is not in the inventory. Correct the item code, or add "
                                 "the item to the inventory sheet.")
    assert wb["Orders"]["G2990"].fill.fgColor.rgb == ERROR_FILL   # the #N/A cell
    marked = [(ws.title, c.coordinate, c.fill.fgColor.rgb) for ws in wb.worksheets[1:8] for row in ws.iter_rows()
              for c in row if c.comment is not None and c.comment.text.startswith("omxl:")]
    assert len(marked) == 23
    assert sum(1 for m in marked if m[2] == ERROR_FILL) == 14 - 0 and sum(1 for m in marked if m[2] == WARNING_FILL) == 9
    issues = wb["omxl Issues"]
    assert [c.value for c in issues[1]][:8] == ["Severity", "Code", "Stage", "Table", "Source file", "Source sheet",
                                                "Source row", "Column"]
    assert all(c.fill.fgColor.rgb == HEADER_FILL and c.font.bold for c in issues[1])
    assert issues.freeze_panes == "A2" and issues.auto_filter.ref == f"A1:P{issues.max_row}"
    first = {h.value: c for h, c in zip(issues[1], issues[2])}
    assert (first["Severity"].value, first["Code"].value, first["Source row"].value, first["Cell"].value) == \
        ("error", "foreign-key", 2974, "E2974")
    assert first["Cell"].hyperlink.location == "'Orders'!E2974"
    assert all(c.fill.fgColor.rgb == ERROR_FILL for c in issues[2])
    # The same list as `omxl validate --out` writes, cell by cell (that workbook has no source sheets to link).
    same_cells(issues, cli_run("validate")["Issues"])


def test_an_edit_not_saved_changes_the_result(book: FileWorkbook, control_book: Path):
    book.book["Orders"]["E5"] = "SKU-NOT-THERE"      # typed in Excel, not saved
    book.book["Orders"]["E2974"] = "SKU-61323"       # the bad item corrected, not saved
    macros.validate(book)
    wb = in_memory(book)
    assert wb["Orders"]["E5"].comment.text.startswith("omxl:\nItem 'SKU-NOT-THERE' is not in the inventory.")
    assert wb["Orders"]["E2974"].comment is None
    assert openpyxl.load_workbook(control_book, read_only=True)["Orders"]["E5"].value != "SKU-NOT-THERE"


def test_a_second_run_clears_the_marks_of_the_first(book: FileWorkbook):
    macros.validate(book)
    book.write_cell("Orders", "E2974", "SKU-61323")
    macros.validate(book)
    wb = in_memory(book)
    assert wb["Orders"]["E2974"].comment is None and wb["Orders"]["E2974"].fill.fill_type is None
    assert status(wb).startswith("Checked as of 2026-11-27: 13 errors and 9 warnings. 22 cells marked")
    assert wb.sheetnames.count("omxl Issues") == 1


# --- reconcile and reorder ----------------------------------------------------------------------------

def test_reconcile_writes_the_result_sheets(book: FileWorkbook, cli_run):
    macros.reconcile(book)
    wb = in_memory(book)
    names = ["omxl Summary", "omxl Order Status", "omxl Closed Lines", "omxl Orders", "omxl Exceptions",
             "omxl Inventory", "omxl Returns"]
    assert wb.sheetnames[8:] == names
    sheet = wb["omxl Order Status"]
    open_lines, late = sheet.max_row - 1, sum(1 for r in range(2, sheet.max_row + 1)
                                               if sheet.cell(r, 1).fill.fgColor.rgb == LATE_FILL)
    at_risk = sum(1 for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).fill.fgColor.rgb == AT_RISK_FILL)
    assert (open_lines, late, at_risk) == (367, 64, 62)
    assert marked_cells(wb) == 38
    assert status(wb) == ("Reconciled as of 2026-11-27: 367 open lines, 64 late, 62 at risk; 18 exceptions. 38 "
                          "cells marked: red for errors, yellow for warnings, the note says why. See "
                          "'omxl Order Status'.")
    header = [c.value for c in sheet[1]]
    assert header[:8] == ["Order", "Line", "Customer", "SKU", "Ordered qty", "Shipped qty", "Open qty",
                          "Allocated qty"]
    first = dict(zip(header, sheet[2]))
    # The first line is late: the sample's own row for it says so (pandas reads the Orders sheet).
    orders = orders_sheet()
    mine = orders[(orders["Order #"] == first["Order"].value) & (orders["Line"] == first["Line"].value)].iloc[0]
    assert (first["Order"].value, first["Line"].value, first["SKU"].value, first["Ordered qty"].value) == \
        ("SO-260010", 3, mine["Item Code"], mine["Qty"]) == ("SO-260010", 3, "SKU-83420", 96)
    assert mine["Promised Date"] < AS_OF and mine["Status"] != "Shipped"
    assert first["Ordered qty"].number_format == "#,##0"
    assert first["Promised date"].number_format == "yyyy-mm-dd"
    assert first["Promised date"].value == mine["Promised Date"].to_pydatetime()
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:AD{sheet.max_row}"
    cli = cli_run("reconcile")
    for name in names[1:]:
        same_cells(wb[name], cli[name.removeprefix("omxl ")])
    summary = wb["omxl Summary"]
    assert summary["A1"].value == "Order status as of 2026-11-27" and summary["A1"].font.bold
    links = {c.value: c.hyperlink.location for row in summary.iter_rows() for c in row if c.hyperlink}
    assert links["omxl Order Status"] == "'omxl Order Status'!A1"


def test_reorder_writes_the_plan(book: FileWorkbook, cli_run):
    macros.reorder(book)
    wb = in_memory(book)
    assert wb.sheetnames[8:] == ["omxl Summary", "omxl Reorder List", "omxl PO Drafts"]
    assert status(wb) == ("Reorder plan as of 2026-11-27 at a 95% service level: 238 SKUs to order, value "
                          "EUR 480,723.31, GBP 189,815.43, USD 92,634.76. 23 cells marked: red for errors, yellow "
                          "for warnings, the note says why. See 'omxl Reorder List'.")
    plan = wb["omxl Reorder List"]
    header = [c.value for c in plan[1]]
    first = dict(zip(header, plan[2]))
    assert marked_cells(wb) == 23
    assert first["SKU"].value == "SKU-83270" and first["SKU"].fill.fgColor.rgb == LATE_FILL   # critical
    assert first["Order qty"].number_format == "#,##0"
    assert first["Order value"].number_format == "#,##0.00"
    assert plan.max_row - 1 == 238
    cli = cli_run("reorder")
    same_cells(plan, cli["Reorder List"])
    same_cells(wb["omxl PO Drafts"], cli["PO Drafts"])


def test_weekly_writes_the_report_sheets_and_saves_the_report_beside(book: FileWorkbook):
    folder = book.path().parent
    book.write_cell("omxl", "B2", "weekly")
    book.write_cell("omxl", "B3", dt.datetime(2026, 11, 20))
    macros.main(book)                                  # last week's run: the history's first entry
    assert book.read_cell("omxl", "B4").startswith(
        "Weekly report 2026-W47 as of 2026-11-20 (no earlier run to compare with): ")
    book.write_cell("omxl", "B3", dt.datetime(2026, 11, 27))
    macros.weekly(book)
    report = folder / "weekly-status-2026-W48.xlsx"
    assert book.read_cell("omxl", "B4") == (
        "Weekly report 2026-W48 as of 2026-11-27 (compared with the run of 2026-11-20): 14 errors and 9 warnings in "
        "the data; 14 rows with errors were left out of every figure (Data Issues sheet). 23 cells marked: red for "
        "errors, yellow for warnings, the note says why. See 'omxl Summary'. The full report with its charts is "
        f"saved as {report}.")
    assert book.alerts == []
    assert (folder / "omxl-history.sqlite").is_file() and (folder / "weekly-status-2026-W47.xlsx").is_file()
    wb = in_memory(book)
    assert wb.sheetnames[8:] == ["omxl Summary", "omxl KPIs", "omxl Late & At Risk", "omxl Changes",
                                 "omxl Root Causes", "omxl Open Orders", "omxl Backorders", "omxl Inventory",
                                 "omxl Reorder", "omxl Purchase Orders", "omxl Carriers", "omxl Returns",
                                 "omxl Data Issues"]
    kpis = {r[0]: r for r in wb["omxl KPIs"].iter_rows(min_row=2, values_only=True) if r[6] is None}
    # The saved report (the template, filled by another writer) shows the same figures.
    summary = openpyxl.load_workbook(report)["Summary"]
    saved_kpis = {r[0]: r for r in summary.iter_rows(min_row=5, max_col=7, values_only=True)
                  if r[0] in kpis and r[6] is None}
    assert {k: (v[2], v[3]) for k, v in kpis.items()} == pytest.approx(
        {k: (v[2], v[3]) for k, v in saved_kpis.items()})
    assert kpis["late_lines"][2:5] == (64, 45, 19) and kpis["at_risk_lines"][2:5] == (62, 69, -7)
    # Late and at-risk lines, counted by their fills on the sheet that lists them.
    late_sheet = wb["omxl Late & At Risk"]
    fills = [late_sheet.cell(r, 1).fill.fgColor.rgb for r in range(2, late_sheet.max_row + 1)]
    assert (fills.count(LATE_FILL), fills.count(AT_RISK_FILL)) == (64, 62)
    assert [c.value for c in late_sheet[1]] == ["Order", "Line", "Customer", "Customer name", "SKU", "Open qty",
                                                "Promised date", "Projected ship date", "Days late", "Status",
                                                "Why"]


# --- main and the Control sheet -----------------------------------------------------------------------

def test_main_runs_the_action_in_b2_read_without_regard_to_case(small: FileWorkbook):
    small.write_cell("omxl", "B2", " Reorder ")
    macros.main(small)
    wb = in_memory(small)
    assert status(wb).startswith("Reorder plan as of 2026-11-27")
    assert "omxl Reorder List" in wb.sheetnames and "omxl Order Status" not in wb.sheetnames


@pytest.mark.parametrize("action, said", [
    (None, "B2 of the 'omxl' sheet is blank. "),
    ("ship it", "B2 of the 'omxl' sheet holds 'ship it', which is not an action. "),
])
def test_main_without_a_known_action_says_which_to_choose(small: FileWorkbook, action, said):
    small.write_cell("omxl", "B2", action)
    macros.main(small)
    assert small.read_cell("omxl", "B4") == said + CHOICES
    assert small.alerts == [("omxl", said + CHOICES)]
    assert not any(s.name.startswith("omxl ") for s in small.sheets())


def test_an_as_of_that_is_not_a_date_is_said_in_words(small: FileWorkbook):
    small.write_cell("omxl", "B3", "'next Friday")
    macros.reconcile(small)
    assert small.read_cell("omxl", "B4") == ("B3 of the 'omxl' sheet holds 'next Friday', which is not a date. Enter "
                                            "the as-of date (for example 2026-11-27), or leave it blank for today.")


def test_a_blank_as_of_is_today(small: FileWorkbook):
    small.write_cell("omxl", "B3", None)
    macros.validate(small)
    assert small.read_cell("omxl", "B4").startswith(f"Checked as of {dt.date.today():%Y-%m-%d}: ")


def test_without_a_control_sheet_the_status_is_an_alert(small: FileWorkbook):
    small.book.remove(small.book["omxl"])
    macros.validate(small)
    assert len(small.alerts) == 1 and small.alerts[0][0] == "omxl"
    assert small.alerts[0][1].startswith(f"Checked as of {dt.date.today():%Y-%m-%d}: ")
    assert "omxl" not in [s.name for s in small.sheets()]


# --- problems in words ----------------------------------------------------------------------------------

def test_no_orders_sheet_is_said_in_the_status_cell(small: FileWorkbook):
    small.book.remove(small.book["Orders"])             # deleted in Excel, not saved
    macros.reconcile(small)                            # raises nothing
    said = small.read_cell("omxl", "B4")
    assert said.startswith("orders.xlsx: no orders table was found; found: Inventory (inventory), Customers "
                           "(customers), Shipments (shipments). Name the sheet 'Orders'")
    assert small.alerts == [("omxl", said)]
    assert "Traceback" not in said


def test_a_sheet_of_the_users_with_a_result_name_is_left_alone(small: FileWorkbook):
    small.book.create_sheet("omxl Issues")["A1"] = "my notes"
    macros.validate(small)
    assert small.read_cell("omxl", "B4") == (
        "A sheet named 'omxl Issues' already exists and was not written by omxl, so it is left alone and nothing "
        "was written. Rename that sheet, or set a different sheet_prefix in omxl.toml.")
    assert small.read_cell("omxl Issues", "A1") == "my notes"


def test_an_unexpected_error_names_the_log(small: FileWorkbook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import omxl.reconciliation

    def broken(*args, **kwargs):
        raise RuntimeError("allocation table is inconsistent")

    monkeypatch.setattr(omxl.reconciliation, "reconcile", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    macros.reconcile(small)                            # raises nothing
    log = tmp_path / "omxl-macros.log"
    said = small.read_cell("omxl", "B4")
    assert said == (f"omxl could not finish reconcile: something unexpected went wrong (details in {log}). Send "
                    "that file to whoever looks after omxl.")
    assert small.alerts == [("omxl", said)]
    text = log.read_text(encoding="utf-8")
    assert re.match(r"--- \d{4}-\d\d-\d\d \d\d:\d\d:\d\d reconcile in orders\.xlsx\nTraceback", text)
    assert "RuntimeError: allocation table is inconsistent" in text


# --- what the package holds -----------------------------------------------------------------------------

def test_no_paid_xlwings_parts_and_no_licence_keys():
    pattern = re.compile(r"xlwings\.pro|xlwings\s+pro\b|licen[cs]e[_ ]?key|XLWINGS_LICENSE", re.I)
    for path in sorted((ROOT / "omxl").rglob("*")):
        if path.suffix in (".py", ".md", ".toml", ".txt", ".bas", ".json") and path.is_file():
            assert not pattern.search(path.read_text(encoding="utf-8", errors="replace")), path
    imports = re.compile(r"^\s*(import|from)\s+xlwings\b", re.M)
    importing = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "omxl").rglob("*.py")
                       if imports.search(p.read_text(encoding="utf-8")))
    assert importing == ["omxl/excel/xlwings_adapter.py"]


def test_the_buttons_functions_exist_and_take_no_arguments():
    import inspect

    for name in ("validate", "reconcile", "reorder", "weekly", "main"):
        function = getattr(macros, name)
        assert all(p.default is None for p in inspect.signature(function).parameters.values()), name


def test_the_docs_example_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys):
    monkeypatch.chdir(ROOT)
    text = (ROOT / "docs" / "macros.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    exec(compile(block.replace("/tmp/", f"{tmp_path}/"), "macros.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("Reorder plan as of 2026-11-27 at a 95% service level: 238 SKUs to order")
    assert printed[1] == "['SKU', 'Description', 'Supplier']"
    assert (tmp_path / "orders-planned.xlsx").exists()
