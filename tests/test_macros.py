"""The Excel buttons, run through the file-backed stand-in on a copy of the sample workbook with a Control
sheet: the sheets, values, number formats, fills, notes and links each macro writes, the status in B4, and
unsaved edits counted."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
from click.testing import CliRunner

import omxl
from conftest import SAMPLE
# book, cli_run and control_book are fixtures.
from macro_books import (AS_OF, AT_RISK_FILL, ERROR_FILL, HEADER_FILL, LATE_FILL, WARNING_FILL,  # noqa: F401
                         book, cli_run, control_book, in_memory, marked_cells, orders_sheet, same_cells, saved, status)
from omxl.cli import cli
from omxl.excel.filebook import FileWorkbook
import omxl.macros as macros


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
    assert [m[2] for m in marked].count(ERROR_FILL) == 14 and [m[2] for m in marked].count(WARNING_FILL) == 9
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
    assert (open_lines, late, at_risk) == (366, 64, 62)
    assert marked_cells(wb) == 38
    assert status(wb) == ("Reconciled as of 2026-11-27: 366 open lines, 64 late, 62 at risk; 18 exceptions. 38 "
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
    assert first["Action"].value == "ship: stock is allocated"   # late, with stock allocated
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:AE{sheet.max_row}"
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
    assert wb.sheetnames[8:] == ["omxl Summary", "omxl Reorder List", "omxl PO Drafts", "omxl Supplier Reliability"]
    assert status(wb) == ("Reorder plan as of 2026-11-27 at a 95% service level: 240 SKUs to order, value "
                          "EUR 596,525.67, GBP 204,996.31, USD 114,167.20. 23 cells marked: red for errors, yellow "
                          "for warnings, the note says why. See 'omxl Reorder List'.")
    plan = wb["omxl Reorder List"]
    header = [c.value for c in plan[1]]
    first = dict(zip(header, plan[2]))
    assert marked_cells(wb) == 23
    assert first["SKU"].value == "SKU-83270" and first["SKU"].fill.fgColor.rgb == LATE_FILL   # critical
    assert first["Order qty"].number_format == "#,##0"
    assert first["Order value"].number_format == "#,##0.00"
    assert plan.max_row - 1 == 240
    cli = cli_run("reorder")
    same_cells(plan, cli["Reorder List"])
    same_cells(wb["omxl PO Drafts"], cli["PO Drafts"])


# --- dispatch ----------------------------------------------------------------------------------------------

DISPATCH_STATUS = ("286 lines of 172 orders to pick, 13,175 units from 2 locations; 24 held back (24 on hold). 23 "
                   "cells marked: red for errors, yellow for warnings, the note says why. See 'omxl Pick List'.")


def test_dispatch_writes_the_pick_lists_and_saves_the_print_ready_file_beside(book: FileWorkbook, tmp_path: Path):
    """Needs omxl/io/save/pick_lists.py (the print-ready writer) for the file saved beside the workbook."""
    macros.dispatch(book)
    target = book.path().parent / "Pick lists 2026-11-27.xlsx"
    assert book.read_cell("omxl", "B4") == f"{DISPATCH_STATUS} The print-ready pick lists are saved as {target}."
    assert book.alerts == []
    wb = in_memory(book)
    assert wb.sheetnames[8:] == ["omxl Pick List", "omxl Held Lines", "omxl Manifests", "omxl Packing Slips"]
    # The file beside is what Dispatch.save writes: the print-ready pick lists, not the sheets above.
    direct = omxl.dispatch(omxl.read_book(SAMPLE), as_of="2026-11-27").save(tmp_path / "direct.xlsx")
    beside, expected = openpyxl.load_workbook(target), openpyxl.load_workbook(direct)
    assert beside.sheetnames == expected.sheetnames and "Summary" not in beside.sheetnames


def test_dispatch_in_a_workbook_never_saved_writes_the_sheets_and_says_where_the_file_would_go(
        book: FileWorkbook, tmp_path: Path):
    class NeverSaved(FileWorkbook):
        """A workbook Excel has open and that was never saved (Book1): it has no file."""

        def path(self) -> Path | None:
            return None

    unsaved = NeverSaved(book.path())
    unsaved.write_cell("omxl", "B2", "dispatch")
    macros.main(unsaved)
    assert unsaved.read_cell("omxl", "B4") == (f"{DISPATCH_STATUS} Save the workbook to also get the print-ready "
                                               "pick lists saved beside it.")
    assert not list(book.path().parent.glob("Pick lists*"))
    wb = in_memory(unsaved)
    assert wb.sheetnames[8:] == ["omxl Pick List", "omxl Held Lines", "omxl Manifests", "omxl Packing Slips"]
    pick_list = wb["omxl Pick List"]
    assert [c.value for c in pick_list[1]] == ["Order", "Line", "Customer", "SKU", "Description", "Qty to pick",
                                               "Location", "Shelf", "Bin", "Carrier", "Priority", "Promised date"]
    assert pick_list.max_row == 290 + 1
    first = dict(zip([c.value for c in pick_list[1]], pick_list[2]))
    assert first["Qty to pick"].number_format == "#,##0" and first["Promised date"].number_format == "yyyy-mm-dd"
    assert pick_list.freeze_panes == "A2"
    assert marked_cells(wb) == 23
    # The same sheets as `omxl dispatch --write-back` writes into the workbook file, cell by cell.
    copy = tmp_path / "written.xlsx"
    shutil.copy(SAMPLE, copy)
    assert CliRunner().invoke(cli, ["dispatch", str(copy), "--as-of", "2026-11-27", "--write-back"]).exit_code == 1
    written = openpyxl.load_workbook(copy)
    for name in ("omxl Pick List", "omxl Held Lines", "omxl Manifests", "omxl Packing Slips"):
        same_cells(wb[name], written[name])


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
                                 "omxl Root Causes", "omxl Open Orders", "omxl Backorders", "omxl Overdue POs",
                                 "omxl Inventory",
                                 "omxl Reorder", "omxl Demand Classes", "omxl Purchase Orders",
                                 "omxl Supplier Reliability", "omxl Carriers", "omxl Improvements", "omxl Returns",
                                 "omxl Data Issues"]
    # The KPI sheet written back and the saved report's (the template, filled by another writer) hold the same
    # figures, in words.
    rows = list(wb["omxl KPIs"].iter_rows(min_row=2, values_only=True))
    saved = list(openpyxl.load_workbook(report)["KPIs"].iter_rows(min_row=4, max_col=8, values_only=True))
    assert rows == saved and len(rows) == 33   # one row per KPI, a money KPI one per currency
    kpis = {r[0]: r for r in rows}
    assert (kpis["DSO"][1], kpis["DSO"][7]) == (None, "no invoices table in the book")   # the sample has none
    # As of 2026-11-20 the lines shipped from 2026-11-21 on were still open (point in time).
    assert kpis["Late lines"][1:4] == ("64", "60", "\u25b2 +4, worse")
    assert kpis["At-risk lines"][1:4] == ("62", "85", "\u25bc -23, better")
    # Late and at-risk lines, counted by their fills on the sheet that lists them.
    late_sheet = wb["omxl Late & At Risk"]
    fills = [late_sheet.cell(r, 1).fill.fgColor.rgb for r in range(2, late_sheet.max_row + 1)]
    assert (fills.count(LATE_FILL), fills.count(AT_RISK_FILL)) == (64, 62)
    assert [c.value for c in late_sheet[1]] == ["Order", "Line", "Customer", "SKU", "Open qty", "Promised date",
                                                "Projected ship date", "Days late", "Status", "Why", "Action"]
